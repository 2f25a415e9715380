//! `manage showmigrations`: every migration, applied or not, with what it touches.

use crate::apply::bookkeeping;
use crate::apply::executor::Executor;
use crate::cli::{Format, Status};
use crate::context::Context;
use crate::history;
use crate::ui::{sayln, when};
use anyhow::Result;
use console::style;
use std::process::ExitCode;

pub async fn showmigrations(ctx: &Context, args: &Status) -> Result<ExitCode> {
    let facts = ctx.facts()?;
    let url = ctx.db_url()?;
    let db = url.connect().await?;
    let (states, unknown) = Executor::new(&db, ctx.migrator)
        .sources(ctx.sources())
        .scan()
        .await?;
    bookkeeping::tolerate_unknown(&unknown, &url.describe(), args.unknown.fail_on_unknown)?;
    if args.output.format == Format::Json {
        let mut rows: Vec<serde_json::Value> = states
            .iter()
            .map(|s| history::json_row(&s.name, s.applied_at, &facts))
            .collect();
        for s in &unknown {
            let mut row = history::json_row(&s.name, s.applied_at, &facts);
            row["in_binary"] = false.into();
            rows.push(row);
        }
        sayln!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if states.is_empty() && unknown.is_empty() {
        sayln!("No migrations.");
    }
    for s in &states {
        match s.applied_at {
            Some(at) => sayln!(
                "{} {}  {}",
                style("[X]").green(),
                s.name,
                style(when(at)).dim()
            ),
            None => sayln!("[ ] {}", s.name),
        }
        let touches = history::touches_line(&s.name, &facts);
        sayln!("      {}", style(touches).dim());
    }
    for s in &unknown {
        let at = s.applied_at.map(when).unwrap_or_default();
        sayln!("{} {}  {}", style("[?]").yellow(), s.name, style(at).dim());
        sayln!("      {}", style("applied, but not in this binary").dim());
    }
    Ok(ExitCode::SUCCESS)
}
