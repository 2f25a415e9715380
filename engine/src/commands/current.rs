//! `manage current`: the latest applied migration, and what is pending.

use crate::apply::bookkeeping;
use crate::apply::executor::Executor;
use crate::cli::{Format, Status};
use crate::context::Context;
use crate::ui::sayln;
use anyhow::Result;
use console::style;
use std::process::ExitCode;

pub async fn current(ctx: &Context, args: &Status) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let db = url.connect().await?;
    let (states, unknown) = Executor::new(&db, ctx.migrator)
        .sources(ctx.sources())
        .scan()
        .await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.unknown.fail_on_unknown)?;
    let current = states.iter().rev().find(|s| s.applied_at.is_some());
    let pending: Vec<&str> = states
        .iter()
        .filter(|s| s.applied_at.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if args.output.format == Format::Json {
        let json = serde_json::json!({
            "database": url.describe(),
            "current": current.map(|s| &s.name),
            "applied_at": current.and_then(|s| s.applied_at),
            "head": states.last().map(|s| &s.name),
            "pending": pending,
            "unknown_applied": unknown.iter().map(|s| &s.name).collect::<Vec<_>>(),
        });
        sayln!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(ExitCode::SUCCESS);
    }
    match current {
        None => sayln!("No migration is applied to {}.", url.describe()),
        Some(s) if pending.is_empty() => sayln!("{} {}", s.name, style("(head)").green()),
        Some(s) => sayln!("{}", s.name),
    }
    if !pending.is_empty() {
        sayln!(
            "{}",
            style(format!("{} pending: {}", pending.len(), pending.join(", "))).yellow()
        );
    }
    Ok(ExitCode::SUCCESS)
}
