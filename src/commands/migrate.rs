//! `manage migrate`, `manage rollback` and `manage showmigrations`.

use crate::cli::{Format, Migrate};
use crate::config::DbUrl;
use crate::executor::{Executor, MigrationState};
use crate::lock::Lock;
use crate::{Context, history, integrity, ui};
use anyhow::{Result, bail};
use console::style;
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use std::process::ExitCode;
use std::time::Duration;

enum Step {
    Apply(String),
    Revert(String),
}

pub async fn migrate<M: MigratorTrait>(ctx: &Context, args: &Migrate) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let db = url.connect_waiting(Duration::from_secs(args.wait)).await?;
    if args.plan {
        return run::<M>(ctx, &url, &db, args).await;
    }
    // Held from reading what is pending to recording what was applied.
    let timeout = Duration::from_secs(args.lock_timeout);
    Lock::holding(&url, timeout, run::<M>(ctx, &url, &db, args)).await
}

async fn run<M: MigratorTrait>(
    ctx: &Context,
    url: &DbUrl,
    db: &DatabaseConnection,
    args: &Migrate,
) -> Result<ExitCode> {
    let src = ctx.project.migrations_src();
    let executor = Executor::<M>::new(db).sources(src.clone());
    let states = executor.states().await?;
    let records = integrity::records(db).await?;
    for problem in integrity::problems(&states, &[], &records, &src) {
        ui::warn(&problem);
    }

    let steps: Vec<Step> = match &args.target {
        None => states
            .iter()
            .filter(|s| s.applied_at.is_none())
            .map(|s| Step::Apply(s.name.clone()))
            .collect(),
        Some(target) => {
            let at = resolve(&states, target)?;
            if states[at].applied_at.is_some() {
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
            }
        }
    };

    if steps.is_empty() {
        println!("No migrations to apply: {} is up to date.", url.describe());
        return Ok(ExitCode::SUCCESS);
    }
    if args.plan {
        println!("Planned operations for {}:", url.describe());
        for step in &steps {
            match step {
                Step::Apply(name) => println!("  apply   {name}"),
                Step::Revert(name) => println!("  revert  {name}"),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!("Migrating {}", url.describe());
    for step in &steps {
        match step {
            Step::Apply(name) => report("Applied", name, executor.apply(name).await?),
            Step::Revert(name) => report("Reverted", name, executor.revert(name).await?),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn showmigrations<M: MigratorTrait>(ctx: &Context, format: Format) -> Result<ExitCode> {
    let db = ctx.db_url()?.connect().await?;
    let states = states::<M>(&db).await?;
    let facts = history::scan_dir(&ctx.project.migrations_src())?;
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = states
            .iter()
            .map(|s| history::json_row(&s.name, s.applied_at, &facts))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if states.is_empty() {
        println!("No migrations.");
    }
    for s in &states {
        match s.applied_at {
            Some(at) => {
                let when = chrono::DateTime::from_timestamp(at, 0)
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                    .unwrap_or_default();
                println!("{} {}  {}", style("[X]").green(), s.name, style(when).dim());
            }
            None => println!("[ ] {}", s.name),
        }
        let touches = history::touches_line(&s.name, &facts);
        println!("      {}", style(touches).dim());
    }
    Ok(ExitCode::SUCCESS)
}

async fn states<M: MigratorTrait>(db: &DatabaseConnection) -> Result<Vec<MigrationState>> {
    Executor::<M>::new(db).states().await
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
