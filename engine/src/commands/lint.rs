//! `manage lint`: rule-coded findings about what migrations do to a live database,
//! from the SQL each sends on the configured backend (recorded, not run).

use crate::apply::executor::Executor;
use crate::apply::plan::resolve_name;
use crate::cli::{Format, Lint};
use crate::context::Context;
use crate::lint::{self, Report};
use crate::ui::sayln;
use anyhow::Result;
use console::style;
use sea_orm::DbBackend;
use sea_orm_migration::MigrationTrait;
use std::process::ExitCode;

pub async fn lint(ctx: &Context, args: &Lint) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let backend = url.require_backend()?;
    let migrations = ctx.migrator.migrations();
    let names: Vec<&str> = migrations.iter().map(|m| m.name()).collect();
    let chosen: Vec<usize> = match &args.name {
        Some(name) => vec![resolve_name(&names, name)?],
        None if args.all => (0..migrations.len()).collect(),
        None => {
            // Those the configured database has not applied: what the next deploy runs.
            let db = url.connect().await.map_err(|e| {
                anyhow::Error::new(e).context(
                    "`manage lint` lints the migrations this database has not applied; name \
                     one, or pass --all to lint every migration without a database",
                )
            })?;
            let (states, _) = Executor::new(&db, ctx.migrator).scan().await?;
            let pending: Vec<&str> = states
                .iter()
                .filter(|s| s.applied_at.is_none())
                .map(|s| s.name.as_str())
                .collect();
            (0..migrations.len())
                .filter(|&i| pending.contains(&names[i]))
                .collect()
        }
    };
    let reports = lint_all(ctx, backend, chosen.iter().map(|&i| migrations[i].as_ref())).await?;
    let found: usize = reports.iter().map(|r| r.findings.len()).sum();
    if args.output.format == Format::Json {
        sayln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "backend": crate::schema::Backend::of(backend).name(),
                "migrations": reports.iter().map(Report::json).collect::<Vec<_>>(),
                "findings": found,
            }))?
        );
    } else {
        print(&reports, backend, args.name.is_none() && !args.all);
    }
    Ok(if found > 0 {
        crate::exit_code::found()
    } else {
        ExitCode::SUCCESS
    })
}

/// Each migration linted for `backend`, with the opt-outs its source gives.
pub async fn lint_all<'a>(
    ctx: &Context,
    backend: DbBackend,
    migrations: impl Iterator<Item = &'a dyn MigrationTrait>,
) -> Result<Vec<Report>> {
    let sources = ctx.sources();
    let mut reports = Vec::new();
    for migration in migrations {
        let source = sources.text(migration.name());
        reports.push(lint::migration(migration, backend, source.as_deref()).await?);
    }
    Ok(reports)
}

fn print(reports: &[Report], backend: DbBackend, pending_only: bool) {
    let backend = crate::schema::Backend::of(backend).name();
    if reports.is_empty() {
        sayln!(
            "Nothing to lint: {}.",
            if pending_only {
                "no migration is pending"
            } else {
                "no migrations"
            }
        );
        return;
    }
    for report in reports {
        print_report(report, "");
    }
    let found: usize = reports.iter().map(|r| r.findings.len()).sum();
    let allowed: usize = reports.iter().map(|r| r.allowed.len()).sum();
    let with: usize = reports.iter().filter(|r| !r.findings.is_empty()).count();
    sayln!(
        "{} finding(s) in {with} of {} migration(s) on {backend}{}",
        found,
        reports.len(),
        if allowed > 0 {
            format!(", {allowed} allowed by the files' opt-outs")
        } else {
            String::new()
        }
    );
    if found > 0 {
        sayln!(
            "{}",
            style(
                "Where a finding does not apply, say why in the migration file: \
                 `// lint: allow L001 -- reason` (or `... at statement N -- reason`)."
            )
            .dim()
        );
    }
}

/// One migration's findings, under its name.
pub fn print_report(report: &Report, indent: &str) {
    let mark = if report.findings.is_empty() {
        style("ok").green()
    } else {
        style("!!").yellow()
    };
    sayln!("{indent}{mark} {}", report.migration);
    for finding in &report.findings {
        for line in finding.lines(&format!("{indent}   ")) {
            sayln!("{line}");
        }
    }
    for (finding, allow) in &report.allowed {
        sayln!(
            "{indent}   {}",
            style(format!(
                "{} allowed{}: {}",
                finding.rule.code,
                finding
                    .statement
                    .map(|n| format!(" at statement {n}"))
                    .unwrap_or_default(),
                allow.reason
            ))
            .dim()
        );
    }
    for unread in &report.unread {
        sayln!(
            "{indent}   {}",
            style(format!(
                "statement {} not linted (the SQL parser could not read it: {}); review it by hand",
                unread.statement, unread.error
            ))
            .dim()
        );
    }
}
