//! `manage migrate`, `manage current` and `manage showmigrations`.

use crate::apply::bookkeeping;
use crate::apply::executor::{Confirm, Direction, Executor};
use crate::apply::interrupt::{self, Interrupts};
use crate::apply::lock::{self, Lock};
use crate::apply::migrator::MigrationState;
use crate::apply::migrator::Migrator;
use crate::apply::recorder::{self, Recording};
use crate::cli::{Format, Migrate, Status};
use crate::connection::DbUrl;
use crate::project::sources::Sources;
use crate::{Context, history, ui};
use anyhow::{Result, bail};
use console::style;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_orm_migration::IntoSchemaManagerConnection;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

enum Step {
    Apply(String),
    Revert(String),
}

pub async fn migrate(ctx: &Context, args: &Migrate) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let wait = Duration::from_secs(args.wait);
    if args.plan || args.sql {
        let db = url.connect_waiting(wait).await?;
        return run(ctx, &url, &db, args, None).await;
    }
    let interrupts = Interrupts::listen()?;
    interrupt::unless_stopped(&interrupts, async {
        let (db, holder) = lock::connect_for_run(&url, wait).await?;
        // Held from reading what is pending to recording what was applied.
        let timeout = Duration::from_secs(args.lock_timeout);
        let work = run(ctx, &url, &db, args, Some(&interrupts));
        Lock::holding(&url, &db, holder, timeout, work).await
    })
    .await
}

async fn run(
    ctx: &Context,
    url: &DbUrl,
    db: &DatabaseConnection,
    args: &Migrate,
    interrupts: Option<&Arc<Interrupts>>,
) -> Result<ExitCode> {
    let sources = ctx.sources();
    let mut executor = Executor::new(db, ctx.migrator).sources(sources.clone());
    if let Some(interrupts) = interrupts {
        executor = executor.interruptible(Arc::clone(interrupts), url);
    }
    let (states, unknown) = executor.scan().await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.unknown.fail_on_unknown)?;
    let steps = steps(&states, args.target.as_deref())?;
    if ctx.project.on_disk {
        let registered = ctx.project.registered_migrations()?;
        let lib = ctx.project.shown(&ctx.project.lib_rs());
        for problem in bookkeeping::not_built(&states, &registered, &lib) {
            ui::warn(&problem);
        }
    }

    if args.plan {
        if steps.is_empty() {
            println!("No migrations to apply: {} is up to date.", url.describe());
        } else {
            println!("Planned operations for {}:", url.describe());
        }
        for step in &steps {
            match step {
                Step::Apply(name) => println!("  apply   {name}"),
                Step::Revert(name) => println!("  revert  {name}"),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.sql {
        let found = bookkeeping::found(db).await?;
        let backend = db.get_database_backend();
        print!(
            "{}",
            sql(ctx.migrator, backend, found, &sources, &steps).await?
        );
        return Ok(ExitCode::SUCCESS);
    }

    let records = bookkeeping::records(db).await?;
    for problem in bookkeeping::problems(&states, &[], &records, &sources) {
        ui::warn(&problem);
    }
    let faked = args.fake.then(|| {
        let mut faked = bookkeeping::Faked::default();
        for step in &steps {
            match step {
                Step::Apply(name) => faked.applied.insert(name.clone()),
                Step::Revert(name) => faked.reverted.insert(name.clone()),
            };
        }
        faked
    });
    bookkeeping::refuse_interrupted(&records, args.retry, faked.as_ref())?;
    let executor = executor.after_interruption(bookkeeping::interrupted_names(&records));
    if steps.is_empty() {
        println!("No migrations to apply: {} is up to date.", url.describe());
        return Ok(ExitCode::SUCCESS);
    }
    println!("Migrating {}", url.describe());
    if args.atomic {
        atomic(&executor, db, &steps, args.fake).await?;
        println!(
            "  {} {} migration(s) in one transaction",
            style("Committed").green(),
            steps.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for step in &steps {
        execute(&executor, step, args.fake).await?;
    }
    executor.finish().await?;
    Ok(ExitCode::SUCCESS)
}

/// Runs one step, with its line of output.
async fn execute<'a, C>(executor: &Executor<'a, C>, step: &Step, fake: bool) -> Result<()>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction> + Confirm,
    &'a C: IntoSchemaManagerConnection<'a>,
{
    match step {
        Step::Apply(name) if fake => {
            executor.fake(name, Direction::Up).await?;
            println!("  {} {name}", style("Faked").yellow());
        }
        Step::Revert(name) if fake => {
            executor.fake(name, Direction::Down).await?;
            println!("  {} {name} (reverted)", style("Faked").yellow());
        }
        Step::Apply(name) => {
            let took = ui::while_running(name, executor.apply(name)).await?;
            report("Applied", name, took);
        }
        Step::Revert(name) => {
            let took = ui::while_running(name, executor.revert(name)).await?;
            report("Reverted", name, took);
        }
    }
    Ok(())
}

/// `--atomic`: the whole run in one transaction, so that either every step lands or
/// none does.
async fn atomic(
    outer: &Executor<'_>,
    db: &DatabaseConnection,
    steps: &[Step],
    fake: bool,
) -> Result<()> {
    let backend = db.get_database_backend();
    if backend == DbBackend::MySql {
        bail!(
            "--atomic needs transactional DDL (PostgreSQL or SQLite): MySQL/MariaDB commit every DDL statement"
        );
    }
    let names = steps.iter().map(|step| match step {
        Step::Apply(name) | Step::Revert(name) => name.as_str(),
    });
    if let Some(name) = outer.outside_transactions(names) {
        bail!("--atomic cannot include {name}: it opts out of transactions (use_transaction)");
    }
    // As for single migrations: foreign keys are checked by foreign_key_check after
    // each migration, since enforcement cannot change inside a transaction.
    if backend == DbBackend::Sqlite {
        outer.suspend_foreign_keys().await?;
    }
    let result = async {
        let txn = db.begin().await?;
        {
            let executor = outer.within(&txn);
            for step in steps {
                execute(&executor, step, fake).await?;
            }
        }
        txn.commit().await?;
        db.confirm().await?;
        anyhow::Ok(())
    }
    .await;
    outer.finish().await?;
    result.map_err(|e| e.context("--atomic: the whole run was rolled back, nothing of it remains"))
}

/// What moving to `target` (or to the latest migration) takes, in order.
fn steps(states: &[MigrationState], target: Option<&str>) -> Result<Vec<Step>> {
    let Some(target) = target else {
        return Ok(states
            .iter()
            .filter(|s| s.applied_at.is_none())
            .map(|s| Step::Apply(s.name.clone()))
            .collect());
    };
    let at = resolve(states, target)?;
    Ok(if states[at].applied_at.is_some() {
        states[at + 1..]
            .iter()
            .rev()
            .filter(|s| s.applied_at.is_some())
            .map(|s| Step::Revert(s.name.clone()))
            .collect()
    } else {
        states[..=at]
            .iter()
            .filter(|s| s.applied_at.is_none())
            .map(|s| Step::Apply(s.name.clone()))
            .collect()
    })
}

/// The statements `steps` would run, bookkeeping included, as a script: the same
/// executor runs each step against a connection that only records.
async fn sql(
    migrator: Migrator,
    backend: DbBackend,
    mut found: bookkeeping::Found,
    sources: &Sources,
    steps: &[Step],
) -> Result<String> {
    let mut out = String::new();
    for step in steps {
        let recording = Recording::new(backend);
        let executor = Executor::new(&recording.db, migrator)
            .sources(sources.clone())
            .bookkeeping_found(found);
        // The first step's script brings the table up to date.
        found = bookkeeping::Found::Current;
        match step {
            Step::Apply(name) => {
                executor.apply(name).await?;
                out += &format!("-- apply {name}\n");
            }
            Step::Revert(name) => {
                executor.revert(name).await?;
                out += &format!("-- revert {name}\n");
            }
        }
        executor.finish().await?;
        out += &recorder::script(&recording.finish());
        out += "\n";
    }
    Ok(out)
}

pub async fn showmigrations(ctx: &Context, args: &Status) -> Result<ExitCode> {
    let facts = ctx.facts()?;
    let url = ctx.db_url()?;
    let db = url.connect().await?;
    let (states, unknown) = Executor::new(&db, ctx.migrator).scan().await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.unknown.fail_on_unknown)?;
    if args.format == Format::Json {
        let mut rows: Vec<serde_json::Value> = states
            .iter()
            .map(|s| history::json_row(&s.name, s.applied_at, &facts))
            .collect();
        for s in &unknown {
            let mut row = history::json_row(&s.name, s.applied_at, &facts);
            row["in_binary"] = false.into();
            rows.push(row);
        }
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if states.is_empty() && unknown.is_empty() {
        println!("No migrations.");
    }
    for s in &states {
        match s.applied_at {
            Some(at) => println!(
                "{} {}  {}",
                style("[X]").green(),
                s.name,
                style(when(at)).dim()
            ),
            None => println!("[ ] {}", s.name),
        }
        let touches = history::touches_line(&s.name, &facts);
        println!("      {}", style(touches).dim());
    }
    for s in &unknown {
        let at = s.applied_at.map(when).unwrap_or_default();
        println!("{} {}  {}", style("[?]").yellow(), s.name, style(at).dim());
        println!("      {}", style("applied, but not in this binary").dim());
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn current(ctx: &Context, args: &Status) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let db = url.connect().await?;
    let (states, unknown) = Executor::new(&db, ctx.migrator).scan().await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.unknown.fail_on_unknown)?;
    let current = states.iter().rev().find(|s| s.applied_at.is_some());
    let pending: Vec<&str> = states
        .iter()
        .filter(|s| s.applied_at.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if args.format == Format::Json {
        let json = serde_json::json!({
            "database": url.describe(),
            "current": current.map(|s| &s.name),
            "applied_at": current.and_then(|s| s.applied_at),
            "head": states.last().map(|s| &s.name),
            "pending": pending,
            "unknown_applied": unknown.iter().map(|s| &s.name).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(ExitCode::SUCCESS);
    }
    match current {
        None => println!("No migration is applied to {}.", url.describe()),
        Some(s) if pending.is_empty() => println!("{} {}", s.name, style("(head)").green()),
        Some(s) => println!("{}", s.name),
    }
    if !pending.is_empty() {
        println!(
            "{}",
            style(format!("{} pending: {}", pending.len(), pending.join(", "))).yellow()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A Unix time as people read it.
pub(super) fn when(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// The index of the migration named exactly `target`, or uniquely containing it.
pub(super) fn resolve(states: &[MigrationState], target: &str) -> Result<usize> {
    if let Some(at) = states.iter().position(|s| s.name == target) {
        return Ok(at);
    }
    let matches: Vec<usize> = (0..states.len())
        .filter(|&i| states[i].name.contains(target))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => bail!("no migration matches `{target}`; see `manage showmigrations`"),
        many => bail!(
            "`{target}` matches {} migrations ({}); give more of the name",
            many.len(),
            many.iter()
                .map(|&i| states[i].name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) fn report(verb: &str, name: &str, took: Duration) {
    println!(
        "  {} {name} {}",
        style(verb).green(),
        style(format!("({:.1?})", took)).dim()
    );
}
