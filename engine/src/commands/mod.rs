//! One module per command; each takes the resolved [`Context`] and returns the exit code.

mod accept;
mod adopt;
mod check;
mod current;
mod lint;
mod makemigrations;
mod migrate;
mod questions;
mod rollback;
mod showmigrations;
mod snapshot;
mod sqlmigrate;
mod squash;
mod testmigrations;

use crate::cli::Command;
use crate::context::Context;
use anyhow::Result;
use std::process::ExitCode;

pub async fn dispatch(ctx: &Context, command: Command) -> Result<ExitCode> {
    match command {
        Command::Makemigrations(args) => makemigrations::run(ctx, &args).await,
        Command::Migrate(args) => migrate::migrate(ctx, &args).await,
        Command::Rollback(args) => rollback::rollback(ctx, &args).await,
        Command::Sqlmigrate(args) => sqlmigrate::sqlmigrate(ctx, &args).await,
        Command::Current(args) => current::current(ctx, &args).await,
        Command::History(args) => rollback::history(ctx, &args).await,
        Command::Showmigrations(args) => showmigrations::showmigrations(ctx, &args).await,
        Command::Check(args) => check::check(ctx, &args).await,
        Command::Snapshot(args) => snapshot::snapshot(ctx, &args).await,
        Command::Lint(args) => lint::lint(ctx, &args).await,
        Command::Accept(args) => accept::accept(ctx, &args).await,
        Command::Squashmigrations(args) => squash::squash(ctx, &args).await,
        Command::Testmigrations(args) => testmigrations::testmigrations(ctx, &args).await,
        Command::Schema(args) => check::schema(ctx, &args).await,
        Command::Completions(args) => Ok(completions(args.shell)),
    }
}

/// `manage completions SHELL`: the completion script, on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "manage", &mut script);
    crate::ui::say!("{}", String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}
