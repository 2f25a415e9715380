//! One module per command; each takes the resolved [`Context`] and returns the exit code.

mod adopt;
mod check;
mod makemigrations;
mod migrate;
mod questions;
mod rollback;
mod sqlmigrate;

use crate::Context;
use crate::cli::Command;
use anyhow::Result;
use std::process::ExitCode;

pub async fn dispatch(ctx: &Context, command: Command) -> Result<ExitCode> {
    match command {
        Command::Makemigrations(args) => makemigrations::run(ctx, &args).await,
        Command::Migrate(args) => migrate::migrate(ctx, &args).await,
        Command::Rollback(args) => rollback::rollback(ctx, &args).await,
        Command::Sqlmigrate(args) => sqlmigrate::sqlmigrate(ctx, &args).await,
        Command::Current(args) => migrate::current(ctx, &args).await,
        Command::History(args) => rollback::history(ctx, &args).await,
        Command::Showmigrations(args) => migrate::showmigrations(ctx, &args).await,
        Command::Check(args) => check::check(ctx, args.format).await,
        Command::Schema(args) => check::schema(ctx, &args).await,
        Command::Completions(args) => Ok(completions(args.shell)),
    }
}

/// `manage completions SHELL`: the completion script, on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "manage", &mut std::io::stdout());
    ExitCode::SUCCESS
}
