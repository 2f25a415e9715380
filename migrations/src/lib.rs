//! The project's migrations: every `mYYYYMMDD_HHMMSS_*.rs` file of this directory,
//! oldest first.
//!
//! build.rs lists them, so `manage makemigrations` only adds a file: two branches that
//! each add a migration merge without a conflict.

pub use sea_orm_migration::prelude::*;

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        directory_migrations()
    }
}
