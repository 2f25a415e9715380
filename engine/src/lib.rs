//! `manage`: makemigrations, migrate and rollback for SeaORM projects.
//!
//! The binary in `src/main.rs` hands this library the project's entities and its
//! migrator. Only those two are compiled into the binary's own crate; the engine is
//! compiled once, here (see `migrator`).

// The pipeline's stages, in the order a migration travels through them: `schema` (the
// model) and `sql` (each backend's words); `read` (a schema from the entities, the
// snapshot or a live database); `diff` (two schemas into operations); `codegen` (those
// as a migration's Rust) and `render` (a schema for people); `connection` and `apply`
// (running migrations); `history` (reading migration files back, for rollback);
// `project` (the files on disk). `commands` puts the stages together per command.
pub mod apply;
pub mod cli;
pub mod codegen;
mod commands;
pub mod connection;
mod context;
pub mod diff;
mod exit_code;
pub mod history;
pub mod lint;
pub mod project;
pub mod read;
pub mod render;
pub mod schema;
pub mod sql;
mod ui;

pub use context::Context;
pub use project::Layout;
pub use project::sources::CompiledIn;
pub use read::entities::Entities;

use clap::Parser;
use sea_orm_migration::MigratorTrait;
use std::process::ExitCode;

/// Parses the command line and runs it. `compiled_in` is the binary's copy of the
/// migrations' sources and the snapshot, for when it runs without the project;
/// `layout` is where the project's crates are, and where the binary was built from
/// (used when the working directory is outside any project).
pub fn run<M: MigratorTrait>(
    entities: Entities,
    compiled_in: CompiledIn,
    layout: Layout,
) -> ExitCode {
    run_with(
        entities,
        apply::migrator::Migrator::of::<M>(),
        compiled_in,
        layout,
    )
}

/// The `main` of a project's `manage` binary, whose build script is
/// `manage_build::build()`: it hands the engine what that script found and compiled
/// in (the entities, the migrator, the migrations' sources and snapshot, the layout).
#[macro_export]
macro_rules! main {
    () => {
        include!(concat!(env!("OUT_DIR"), "/manage.rs"));

        fn main() -> std::process::ExitCode {
            $crate::run::<Migrator>(
                entities(),
                $crate::CompiledIn {
                    migrations: MIGRATION_SOURCES,
                    checksums: MIGRATION_CHECKSUMS,
                    snapshot: SNAPSHOT,
                    lib_rs: MIGRATION_LIB,
                    facts: MIGRATION_FACTS,
                },
                LAYOUT,
            )
        }
    };
}

/// Everything `run` does, kept out of the generic function so that none of it is
/// compiled into the binary's crate.
fn run_with(
    entities: Entities,
    migrator: apply::migrator::Migrator,
    compiled_in: CompiledIn,
    layout: Layout,
) -> ExitCode {
    let cli = cli::Cli::parse();
    if let cli::Command::Completions(args) = &cli.command {
        // Needs no project and no database.
        return commands::completions(args.shell);
    }
    let outcome = (|| {
        let cwd = std::env::current_dir()?;
        let project = project::Project::find(&cwd, layout);
        project.recover()?;
        let ctx = Context {
            project,
            entities,
            migrator,
            compiled_in,
            database_url: cli.database_url.clone(),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(commands::dispatch(&ctx, cli.command))
    })();
    match outcome {
        Ok(code) => code,
        Err(err) => {
            ui::error(&err);
            match err.downcast_ref::<apply::interrupt::Interrupted>() {
                Some(stopped) => ExitCode::from(stopped.signal.exit_status()),
                None => exit_code::could_not_run(),
            }
        }
    }
}
