//! `manage rollback` and `manage history`.

use crate::apply::bookkeeping;
use crate::apply::executor::Executor;
use crate::apply::interrupt::{self, Interrupts};
use crate::apply::lock::{self, Lock};
use crate::apply::migrator::MigrationState;
use crate::apply::plan::resolve;
use crate::cli::{Format, History, Rollback};
use crate::connection::DbUrl;
use crate::context::Context;
use crate::history::rollback_plan::{self as planner, Step};
use crate::history::{self, Facts};
use crate::ui;
use crate::ui::sayln;
use crate::ui::{report, when};
use anyhow::{Result, bail};
use console::style;
use sea_orm::DatabaseConnection;
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

pub async fn rollback(ctx: &Context, args: &Rollback) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    // Read before connecting (see `history::scan_dir`).
    let facts = ctx.facts()?;
    if args.dry_run {
        let db = Box::pin(url.connect()).await?;
        return Box::pin(run(ctx, &url, &db, args, &facts, None, true)).await;
    }
    let interrupts = Interrupts::listen()?;
    interrupt::unless_stopped(&interrupts, async {
        let (db, holder) = Box::pin(lock::connect_for_run(&url, Duration::ZERO)).await?;
        let (run_lock, ddl_in_transactions) =
            super::migrate::server_modes(&db, args.run.server).await?;
        // Held from planning (the plan depends on what is applied) to the last revert.
        let timeout = Duration::from_secs(args.run.lock_timeout);
        let work = Box::pin(run(
            ctx,
            &url,
            &db,
            args,
            &facts,
            Some(&interrupts),
            ddl_in_transactions,
        ));
        Lock::holding(&url, &db, holder, run_lock, timeout, work).await
    })
    .await
}

async fn run(
    ctx: &Context,
    url: &DbUrl,
    db: &DatabaseConnection,
    args: &Rollback,
    facts: &BTreeMap<String, Facts>,
    interrupts: Option<&Arc<Interrupts>>,
    ddl_in_transactions: bool,
) -> Result<ExitCode> {
    let mut executor = Executor::new(db, ctx.migrator)
        .sources(ctx.built_sources())
        .lock_waits(args.run.table_locks.waits());
    if !ddl_in_transactions {
        executor = executor.ddl_outside_transactions();
    }
    if let Some(interrupts) = interrupts {
        executor = executor.interruptible(Arc::clone(interrupts), url);
    }
    let (states, unknown) = executor.scan().await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.run.unknown.fail_on_unknown)?;
    let order: Vec<String> = states.iter().map(|s| s.name.clone()).collect();
    let applied: BTreeSet<String> = states
        .iter()
        .filter(|s| s.applied_at.is_some())
        .map(|s| s.name.clone())
        .collect();

    let steps = if let Some(table) = &args.table {
        planner::plan(table, args.all, &order, &applied, facts)?
    } else if let Some(to) = &args.to {
        let at = resolve(&states, to)?;
        if states[at].applied_at.is_none() {
            bail!(
                "{} is not applied; `--to` keeps it applied and reverts what came after",
                states[at].name
            );
        }
        latest(
            &states[at + 1..],
            usize::MAX,
            facts,
            &format!("applied after {}", states[at].name),
        )
    } else {
        let n = args.steps.unwrap_or(1);
        if n == 0 {
            bail!("--steps must be at least 1");
        }
        let why = if n == 1 {
            "the latest applied migration".to_string()
        } else {
            format!("one of the latest {n} applied")
        };
        let steps = latest(&states, n, facts, &why);
        if steps.is_empty() {
            bail!(
                "nothing to roll back: no migration is applied to {}",
                url.describe()
            );
        }
        if steps.len() < n {
            ui::warn(&format!(
                "only {} migration(s) are applied; all of them will be reverted",
                steps.len()
            ));
        }
        steps
    };

    // A migration this binary does not have cannot be reverted by it, nor can it tell
    // whether one newer than the plan depends on what the plan undoes.
    let oldest = steps.iter().map(|s| s.name.as_str()).min();
    let newer: Vec<&str> = unknown
        .iter()
        .map(|s| s.name.as_str())
        .filter(|name| oldest.is_some_and(|oldest| *name > oldest))
        .collect();
    let refusal = (!newer.is_empty()).then(|| {
        format!(
            "cannot roll back: {} has migration(s) newer than {} that this binary does not have \
             and cannot revert or read: {}. Roll back with the release that has them.",
            url.describe(),
            oldest.unwrap_or_default(),
            newer.join(", ")
        )
    });
    if let Some(refusal) = refusal.as_ref().filter(|_| !args.dry_run) {
        bail!("{refusal}");
    }
    if args.output.format == Format::Json {
        sayln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "database": url.describe(),
                "steps": steps,
                "dry_run": args.dry_run,
                "refused": refusal,
            }))?
        );
    } else if steps.is_empty() {
        sayln!("Nothing to roll back.");
    } else {
        sayln!("Reverting from {}, newest first:", url.describe());
        for step in &steps {
            sayln!("  {} {}", style("revert").yellow(), step.name);
            sayln!("      {}", style(format!("why: {}", step.reason)).dim());
            let touches = Facts {
                tables: step.touches.clone(),
                opaque: if step.opaque {
                    vec!["?".into()]
                } else {
                    vec![]
                },
                ..Facts::default()
            };
            sayln!(
                "      {}",
                style(format!("touches: {}", touches.summary())).dim()
            );
            if !step.loses.is_empty() {
                sayln!(
                    "      {}",
                    style(format!("deletes: {}", step.loses.join("; "))).yellow()
                );
            }
        }
    }
    if args.dry_run || steps.is_empty() {
        if let Some(refusal) = &refusal {
            ui::warn(&format!("{refusal} (this plan would be refused)"));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let records = bookkeeping::records(db).await?;
    bookkeeping::refuse_interrupted(&records, args.run.retry, None)?;
    let executor = executor.after_interruption(bookkeeping::interrupted_names(&records));
    if !args.yes
        && !ui::confirm(
            "Revert these migrations?",
            "pass --yes to revert without asking",
        )?
    {
        sayln!("Nothing reverted.");
        return Ok(crate::exit_code::found());
    }
    for step in &steps {
        let took = Box::pin(executor.revert(&step.name)).await?;
        if args.output.format == Format::Human {
            report("Reverted", &step.name, took);
        }
    }
    executor.finish().await?;
    Ok(ExitCode::SUCCESS)
}

/// The applied migrations of `states`, the latest applied first: by when each was
/// applied, so that one applied out of order (after a branch merge) is undone before
/// those applied earlier; in list order within the same second.
fn latest_applied(states: &[MigrationState]) -> Vec<&MigrationState> {
    let mut applied: Vec<(usize, &MigrationState)> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| s.applied_at.is_some())
        .collect();
    applied.sort_by_key(|(at, s)| std::cmp::Reverse((s.applied_at, *at)));
    applied.into_iter().map(|(_, s)| s).collect()
}

/// The latest `n` applied migrations among `states`, newest first.
fn latest(
    states: &[MigrationState],
    n: usize,
    facts: &BTreeMap<String, Facts>,
    why: &str,
) -> Vec<Step> {
    latest_applied(states)
        .into_iter()
        .take(n)
        .map(|s| {
            let f = facts.get(&s.name);
            Step {
                name: s.name.clone(),
                reason: why.to_string(),
                touches: f.map(|f| f.tables.clone()).unwrap_or_default(),
                opaque: f.is_none_or(Facts::is_opaque),
                loses: f.map(Facts::losses).unwrap_or_default(),
            }
        })
        .collect()
}

pub async fn history(ctx: &Context, args: &History) -> Result<ExitCode> {
    let facts = ctx.facts()?;
    let url = ctx.db_url()?;
    let db = url.connect().await?;
    let (mut states, unknown) = Executor::new(&db, ctx.migrator)
        .sources(ctx.sources())
        .scan()
        .await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.unknown.fail_on_unknown)?;
    // Listed too, in name order, as sea-orm-migration orders migrations.
    let not_in_binary: BTreeSet<String> = unknown.iter().map(|s| s.name.clone()).collect();
    states.extend(unknown);
    states.sort_by(|a, b| a.name.cmp(&b.name));
    let records = bookkeeping::records(&db).await?;
    let order: Vec<String> = states.iter().map(|s| s.name.clone()).collect();
    let wanted: Option<BTreeSet<String>> = args
        .table
        .as_ref()
        .map(|t| planner::touching(t, &order, &facts).into_iter().collect());
    let rows: Vec<&MigrationState> = latest_applied(&states)
        .into_iter()
        .filter(|s| wanted.as_ref().is_none_or(|w| w.contains(&s.name)))
        .collect();
    if args.output.format == Format::Json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|s| {
                let mut row = history::json_row(&s.name, s.applied_at, &facts);
                row["duration_ms"] = records.get(&s.name).map(|r| r.duration_ms).into();
                if not_in_binary.contains(&s.name) {
                    row["in_binary"] = false.into();
                }
                row
            })
            .collect();
        sayln!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        match &args.table {
            Some(t) => sayln!("No applied migration touches {t}."),
            None => sayln!("No migration is applied."),
        }
    }
    for s in rows {
        let when = s.applied_at.map(when).unwrap_or_default();
        let touches = if not_in_binary.contains(&s.name) {
            "not in this binary".to_string()
        } else {
            history::touches_line(&s.name, &facts)
        };
        let took = records
            .get(&s.name)
            .map(|r| format!(", took {} ms", r.duration_ms))
            .unwrap_or_default();
        sayln!("{}  {}", s.name, style(format!("{when}{took}")).dim());
        sayln!("      {}", style(touches).dim());
    }
    Ok(ExitCode::SUCCESS)
}
