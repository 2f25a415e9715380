//! `manage testmigrations`: every migration, in order, in a scratch database: up, down
//! (does the schema go back to what it was before?), and up again (does it come back
//! the same?). Generated and hand-written migrations alike; stops at the first one
//! that fails, naming what differs.

use crate::apply::executor::Executor;
use crate::apply::scratch::Scratch;
use crate::cli::{Format, TestMigrations};
use crate::context::Context;
use crate::schema::{Schema, compare};
use crate::ui::{self, sayln};
use anyhow::Result;
use console::style;
use sea_orm::DbBackend;
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;

/// What happened to one migration.
#[derive(Serialize)]
struct Outcome {
    name: String,
    /// `ok`, or the step that went wrong: `up`, `down`, `restore` (down() left the
    /// schema different), `up again`, `reapply` (up again made another schema).
    status: &'static str,
    /// The error of a step that failed, or how the schemas differ.
    problems: Vec<String>,
    ms: u128,
}

pub async fn testmigrations(ctx: &Context, args: &TestMigrations) -> Result<ExitCode> {
    let scratch = Scratch::create(&ctx.db_url()?, args.scratch.scratch.as_deref()).await?;
    let on = scratch.url().describe();
    let outcomes = run(ctx, &scratch, args.output.format).await;
    if let Err(e) = scratch.remove().await {
        ui::warn(&format!("{e:#}"));
    }
    let outcomes = outcomes?;
    let failed = outcomes.iter().find(|o| o.status != "ok");
    if args.output.format == Format::Json {
        sayln!(
            "{}",
            serde_json::json!({
                "scratch": on,
                "migrations": outcomes,
                "first_failure": failed.map(|o| &o.name),
            })
        );
    } else {
        match failed {
            None => sayln!(
                "{} {} migration(s) go up, down and up again, each down() restoring the schema \
                 (on {on})",
                style("ok:").green().bold(),
                outcomes.len()
            ),
            Some(o) => {
                sayln!(
                    "{} {}: {}",
                    style("failed:").red().bold(),
                    o.name,
                    explain(o.status)
                );
                for p in &o.problems {
                    sayln!("  - {p}");
                }
            }
        }
    }
    Ok(if failed.is_some() {
        crate::exit_code::found()
    } else {
        ExitCode::SUCCESS
    })
}

fn explain(status: &str) -> &'static str {
    match status {
        "up" => "up() fails on a database holding the migrations before it",
        "down" => "down() fails right after up()",
        "restore" => "down() does not give back the schema from before up()",
        "up again" => "up() fails after its own down()",
        _ => "up() after down() makes a different schema than the first up()",
    }
}

/// Tests each migration in turn; stops after the first failure.
async fn run(ctx: &Context, scratch: &Scratch, format: Format) -> Result<Vec<Outcome>> {
    let migrator = ctx.migrator;
    let table = migrator.table_name().to_string();
    let schemas = ctx
        .snapshot()
        .map(|s| s.named_schemas())
        .unwrap_or_default();
    let backend = scratch.db().get_database_backend();
    let executor = Executor::new(scratch.db(), migrator);
    let mut before = scratch.schema(&table, &schemas).await?;
    let mut outcomes = Vec::new();
    for migration in migrator.migrations() {
        let name = migration.name().to_string();
        let started = Instant::now();
        let outcome = |status, problems| Outcome {
            name: name.clone(),
            status,
            problems,
            ms: started.elapsed().as_millis(),
        };
        if let Err(e) = executor.apply(&name).await {
            outcomes.push(outcome("up", vec![format!("{e:#}")]));
            break;
        }
        let after_up = scratch.schema(&table, &schemas).await?;
        if let Err(e) = executor.revert(&name).await {
            outcomes.push(outcome("down", vec![format!("{e:#}")]));
            break;
        }
        let after_down = scratch.schema(&table, &schemas).await?;
        let left = between(&before, &after_down, backend);
        if !left.is_empty() {
            outcomes.push(outcome("restore", left));
            break;
        }
        if let Err(e) = executor.apply(&name).await {
            outcomes.push(outcome("up again", vec![format!("{e:#}")]));
            break;
        }
        let again = scratch.schema(&table, &schemas).await?;
        let changed = between(&after_up, &again, backend);
        if !changed.is_empty() {
            outcomes.push(outcome("reapply", changed));
            break;
        }
        if format == Format::Human {
            sayln!("  {} {name}", style("ok").green());
        }
        outcomes.push(outcome("ok", Vec::new()));
        before = again;
    }
    executor.finish().await?;
    Ok(outcomes)
}

/// How `actual` differs from `expected`, both read from the scratch database.
fn between(expected: &Schema, actual: &Schema, backend: DbBackend) -> Vec<String> {
    compare::differences_between(expected, actual, backend, "is missing", "is left over")
}
