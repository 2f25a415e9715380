//! One module per command; each takes the resolved [`Context`] and returns the exit code.

mod adopt;
mod check;
mod current;
mod makemigrations;
mod migrate;
mod questions;
mod rollback;
mod showmigrations;
mod sqlmigrate;

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
        Command::Check(args) => check::check(ctx, args.format).await,
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
