//! `manage sqlmigrate`: a migration's SQL for the configured backend, from a
//! connection that records instead of executing. No database is needed.

use crate::apply::executor;
use crate::apply::plan::resolve_name;
use crate::apply::recorder::{self, Recording};
use crate::cli::SqlMigrate;
use crate::context::Context;
use crate::ui::{say, sayln};
use anyhow::{Result, anyhow};
use sea_orm::DbBackend;
use sea_orm_migration::SchemaManager;
use std::process::ExitCode;

pub async fn sqlmigrate(ctx: &Context, args: &SqlMigrate) -> Result<ExitCode> {
    let url = ctx.db_url()?;
    let backend = url.require_backend()?;
    let migrations = ctx.migrator.migrations();
    let names: Vec<&str> = migrations.iter().map(|m| m.name()).collect();
    let migration = &migrations[resolve_name(&names, &args.name)?];
    let name = migration.name();

    let recording = Recording::new(backend);
    let manager = SchemaManager::new(&recording.db);
    let direction = if args.down {
        executor::Direction::Down
    } else {
        executor::Direction::Up
    };
    let ran = executor::run_code(migration.as_ref(), &manager, direction).await;
    ran.map_err(|e| anyhow!("{name} could not be run against a recording connection: {e}"))?;
    let statements = recording.finish();

    let transactional = executor::transactional(backend, migration.as_ref());
    sayln!(
        "-- {name} ({}), as `manage migrate` runs it on {}",
        if args.down { "down" } else { "up" },
        backend_name(backend)
    );
    if statements.is_empty() {
        sayln!("-- (no statements)");
        return Ok(ExitCode::SUCCESS);
    }
    if transactional {
        sayln!("BEGIN;");
    }
    say!("{}", recorder::script(&statements));
    if transactional {
        sayln!("COMMIT;");
    }
    Ok(ExitCode::SUCCESS)
}

fn backend_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::MySql => "MySQL/MariaDB",
        DbBackend::Sqlite => "SQLite",
        _ => "this backend",
    }
}
