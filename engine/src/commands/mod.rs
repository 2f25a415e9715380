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

/// Each command's future is boxed, and so are the large ones inside `migrate` and
/// `rollback` (connecting, a migration's run): an async function's state holds every
/// branch's side by side, and `migrate`'s had grown to 213 KB, which every run wrote
/// onto fresh stack pages and copied again.
pub async fn dispatch(ctx: &Context, command: Command) -> Result<ExitCode> {
    match command {
        Command::Makemigrations(args) => Box::pin(makemigrations::run(ctx, &args)).await,
        Command::Migrate(args) => Box::pin(migrate::migrate(ctx, &args)).await,
        Command::Rollback(args) => Box::pin(rollback::rollback(ctx, &args)).await,
        Command::Sqlmigrate(args) => Box::pin(sqlmigrate::sqlmigrate(ctx, &args)).await,
        Command::Current(args) => Box::pin(current::current(ctx, &args)).await,
        Command::History(args) => Box::pin(rollback::history(ctx, &args)).await,
        Command::Showmigrations(args) => Box::pin(showmigrations::showmigrations(ctx, &args)).await,
        Command::Check(args) => Box::pin(check::check(ctx, &args)).await,
        Command::Snapshot(args) => Box::pin(snapshot::snapshot(ctx, &args)).await,
        Command::Lint(args) => Box::pin(lint::lint(ctx, &args)).await,
        Command::Accept(args) => Box::pin(accept::accept(ctx, &args)).await,
        Command::Squashmigrations(args) => Box::pin(squash::squash(ctx, &args)).await,
        Command::Testmigrations(args) => Box::pin(testmigrations::testmigrations(ctx, &args)).await,
        Command::Schema(args) => Box::pin(check::schema(ctx, &args)).await,
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
