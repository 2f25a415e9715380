//! The project's migrations, applied in the order `migrations()` lists them.
//!
//! `manage makemigrations` writes new files here and registers them below.

pub use sea_orm_migration::prelude::*;

mod m20261122_211203_initial;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(m20261122_211203_initial::Migration)]
    }
}
