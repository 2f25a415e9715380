//! `manage migrate`: connects, takes the lock, plans the steps to the target and runs
//! them (or shows them: `--plan`, `--sql`).

use crate::apply::executor::Executor;
use crate::apply::interrupt::{self, Interrupts};
use crate::apply::lock::{self, Lock};
use crate::apply::migrator::MigrationState;
use crate::apply::plan::{self, Step};
use crate::apply::{bookkeeping, steps};
use crate::cli::Migrate;
use crate::connection::DbUrl;
use crate::connection::server::Server;
use crate::context::Context;
use crate::ui;
use crate::ui::{say, sayln};
use anyhow::{Result, bail};
use console::style;
use sea_orm::DatabaseConnection;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub async fn migrate(ctx: &Context, args: &Migrate) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let wait = Duration::from_secs(args.wait);
    if args.plan || args.sql {
        let db = Box::pin(url.connect_waiting(wait)).await?;
        return Box::pin(run(ctx, &url, &db, args, None, true)).await;
    }
    refuse_impossible_modes(url.backend(), args.run.server)?;
    let interrupts = Interrupts::listen()?;
    interrupt::unless_stopped(&interrupts, async {
        let db = Box::pin(url.connect_waiting(wait)).await?;
        // Most runs find nothing to do: every start of every container of a deployed
        // release. Reading that needs no lock (nothing is changed; a run that is
        // applying, or anything unusual, shows as work, which is then read again under
        // the lock), and skips the lock's round trips and, on PostgreSQL, its
        // connection.
        if Box::pin(nothing_to_do(ctx, &db, args)).await? {
            sayln!("No migrations to apply: {} is up to date.", url.describe());
            return Ok(ExitCode::SUCCESS);
        }
        let holder = lock::connect_holder(&url).await;
        let (run_lock, ddl_in_transactions) = server_modes(&db, args.run.server).await?;
        // Held from reading what is pending to recording what was applied.
        let timeout = Duration::from_secs(args.run.lock_timeout);
        let work = Box::pin(run(
            ctx,
            &url,
            &db,
            args,
            Some(&interrupts),
            ddl_in_transactions,
        ));
        Lock::holding(&url, &db, holder, run_lock, timeout, work).await
    })
    .await
}

/// Whether the database is at this binary's head (or at `--target`) with nothing
/// for the locked run to report: no pending step, no migration it lacks, no
/// interrupted or edited one, nothing built from an older lib.rs. Reads only.
async fn nothing_to_do(ctx: &Context, db: &DatabaseConnection, args: &Migrate) -> Result<bool> {
    let sources = ctx.built_sources();
    let executor = Executor::new(db, ctx.migrator).sources(sources.clone());
    let (states, unknown) = executor.scan().await?;
    // A target that cannot be planned is the locked run's to report.
    let at_target =
        plan::to_target(&states, args.target.as_deref()).is_ok_and(|steps| steps.is_empty());
    if !unknown.is_empty() || !at_target {
        return Ok(false);
    }
    if !not_built(ctx, &states)?.is_empty() {
        return Ok(false);
    }
    let records = bookkeeping::records(db).await?;
    Ok(
        bookkeeping::problems(&states, &[], &records, &sources).is_empty()
            && bookkeeping::interrupted_names(&records).is_empty(),
    )
}

/// What lib.rs registers that this binary lacks (see [`bookkeeping::not_built`]);
/// nothing without the project, or when lib.rs is the one the binary was built from.
fn not_built(ctx: &Context, states: &[MigrationState]) -> Result<Vec<String>> {
    let project = &ctx.project;
    if !project.on_disk || project.lib_rs_is(ctx.compiled_in.lib_rs) {
        return Ok(Vec::new());
    }
    let registered = project.registered_migrations()?;
    let lib = project.shown(&project.lib_rs());
    Ok(bookkeeping::not_built(states, &registered, &lib))
}

/// Modes that `backend` can never honour, refused before anything is read.
fn refuse_impossible_modes(
    backend: Option<sea_orm::DbBackend>,
    modes: crate::cli::ServerModes,
) -> Result<()> {
    if modes.ddl_transactions == crate::cli::Toggle::On
        && backend == Some(sea_orm::DbBackend::MySql)
    {
        bail!(
            "--ddl-transactions on: MySQL/MariaDB commits every DDL statement on its own, \
             so no transaction can hold a migration's DDL"
        );
    }
    Ok(())
}

/// How this run locks and whether DDL runs in transactions, for the server on `db`
/// (see docs/distributed.md); said when it is not the backend's usual way.
pub async fn server_modes(
    db: &DatabaseConnection,
    modes: crate::cli::ServerModes,
) -> Result<(lock::RunLock, bool)> {
    refuse_impossible_modes(Some(db.get_database_backend()), modes)?;
    let server = Server::detect(db).await?;
    let (run_lock, ddl_in_transactions) = modes.resolve(server);
    let usual = (server.run_lock(), server.ddl_in_transactions());
    if server.is_distributed() || (run_lock, ddl_in_transactions) != usual {
        let mut how = Vec::new();
        if run_lock == lock::RunLock::Lease {
            how.push(format!(
                "runs exclude each other with a lease ({})",
                lock::LEASE_TABLE
            ));
        }
        if !ddl_in_transactions && db.get_database_backend() != sea_orm::DbBackend::MySql {
            how.push("DDL runs outside transactions, recorded after it".into());
        }
        if !how.is_empty() {
            eprintln!("note: {}: {}", server.name(), how.join("; "));
        }
    }
    Ok((run_lock, ddl_in_transactions))
}

async fn run(
    ctx: &Context,
    url: &DbUrl,
    db: &DatabaseConnection,
    args: &Migrate,
    interrupts: Option<&Arc<Interrupts>>,
    ddl_in_transactions: bool,
) -> Result<ExitCode> {
    let sources = ctx.built_sources();
    let mut executor = Executor::new(db, ctx.migrator)
        .sources(sources.clone())
        .lock_waits(args.run.table_locks.waits());
    if !ddl_in_transactions {
        executor = executor.ddl_outside_transactions();
    }
    if let Some(interrupts) = interrupts {
        executor = executor.interruptible(Arc::clone(interrupts), url);
    }
    let (states, unknown) = executor.scan().await?;
    if let Some(problem) = executor.partly_replaced(&unknown).first() {
        bail!("{problem}");
    }
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.run.unknown.fail_on_unknown)?;
    let steps = plan::to_target(&states, args.target.as_deref())?;
    for problem in not_built(ctx, &states)? {
        ui::warn(&problem);
    }

    if args.plan {
        if steps.is_empty() {
            sayln!("No migrations to apply: {} is up to date.", url.describe());
        } else {
            sayln!("Planned operations for {}:", url.describe());
        }
        for step in &steps {
            match step {
                Step::Apply(name) => sayln!("  apply   {name}"),
                Step::Revert(name) => sayln!("  revert  {name}"),
            }
        }
        // What the migrations to apply would do to a live database (`manage lint`).
        let migrations = ctx.migrator.migrations();
        let to_apply = migrations.iter().filter(|m| {
            steps
                .iter()
                .any(|s| matches!(s, Step::Apply(name) if name == m.name()))
        });
        let backend = db.get_database_backend();
        let reports = super::lint::lint_all(ctx, backend, to_apply.map(|m| m.as_ref())).await?;
        let flagged: Vec<_> = reports.iter().filter(|r| !r.findings.is_empty()).collect();
        if !flagged.is_empty() {
            sayln!("Lint findings (`manage lint` explains; they do not stop `migrate`):");
            for report in flagged {
                super::lint::print_report(report, "  ");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.sql {
        let found = bookkeeping::found(db).await?;
        let backend = db.get_database_backend();
        say!(
            "{}",
            Box::pin(steps::script(
                ctx.migrator,
                backend,
                found,
                &sources,
                &steps
            ))
            .await?
        );
        return Ok(ExitCode::SUCCESS);
    }

    if args.in_order
        && let Some((older, newest)) = bookkeeping::out_of_order(&states)
    {
        bail!(
            "pending migration(s) older than the newest applied one {newest}: {} (--in-order \
             refuses them; check that they do not conflict, then migrate without it)",
            older.join(", ")
        );
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
    bookkeeping::refuse_interrupted(&records, args.run.retry, faked.as_ref())?;
    let executor = executor.after_interruption(bookkeeping::interrupted_names(&records));
    if steps.is_empty() {
        sayln!("No migrations to apply: {} is up to date.", url.describe());
        return Ok(ExitCode::SUCCESS);
    }
    sayln!("Migrating {}", url.describe());
    if args.atomic {
        Box::pin(steps::atomic(&executor, db, &steps, args.fake)).await?;
        sayln!(
            "  {} {} migration(s) in one transaction",
            style("Committed").green(),
            steps.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for step in &steps {
        Box::pin(steps::execute(&executor, step, args.fake)).await?;
    }
    executor.finish().await?;
    Ok(ExitCode::SUCCESS)
}
