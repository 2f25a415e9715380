//! The project's migrator, as the engine sees it.
//!
//! The engine is not generic over the project's `MigratorTrait` type: if it were,
//! every command would be compiled again into each project binary, on every build
//! after a model or migration changes. It takes the migrator as two functions
//! instead, so only they are compiled there.

use sea_orm::sea_query::TableCreateStatement;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, DynIden, Schema};
use sea_orm_migration::{MigrationTrait, MigratorTrait, seaql_migrations};

/// A known migration and, when applied, the Unix time it was applied at.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationState {
    pub name: String,
    pub applied_at: Option<i64>,
}

#[derive(Clone, Copy)]
pub struct Migrator {
    migrations: fn() -> Vec<Box<dyn MigrationTrait>>,
    table_name: fn() -> DynIden,
}

impl Migrator {
    pub fn of<M: MigratorTrait>() -> Self {
        Migrator {
            migrations: M::migrations,
            table_name: M::migration_table_name,
        }
    }

    /// The migrations listed in `migrations/src/lib.rs`, in order.
    pub fn migrations(&self) -> Vec<Box<dyn MigrationTrait>> {
        (self.migrations)()
    }

    /// `seaql_migrations`, or the name the project's migrator chose instead.
    pub fn table_name(&self) -> DynIden {
        (self.table_name)()
    }

    /// Creates the table of applied migrations when missing, with the columns
    /// sea-orm-migration gives it (its own entity), under the migrator's name.
    pub async fn install<C: ConnectionTrait>(&self, db: &C) -> Result<(), DbErr> {
        db.execute(&self.create_table(db.get_database_backend()))
            .await?;
        Ok(())
    }

    fn create_table(&self, backend: DbBackend) -> TableCreateStatement {
        let mut create = Schema::new(backend).create_table_from_entity(seaql_migrations::Entity);
        create.table(self.table_name()).if_not_exists();
        create
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Alias, IntoIden};

    /// The table installed is stock's: same columns, under the migrator's name.
    #[test]
    fn installs_stocks_table_under_the_migrators_name() {
        struct Renamed;
        impl MigratorTrait for Renamed {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![]
            }
            fn migration_table_name() -> DynIden {
                Alias::new("history").into_iden()
            }
        }
        let create = Migrator::of::<Renamed>().create_table(DbBackend::Postgres);
        let sql = DbBackend::Postgres.build(&create).to_string();
        assert!(
            sql.starts_with(r#"CREATE TABLE IF NOT EXISTS "history""#),
            "{sql}"
        );
        assert!(
            sql.contains(r#""version" varchar NOT NULL PRIMARY KEY"#),
            "{sql}"
        );
        assert!(sql.contains(r#""applied_at" bigint NOT NULL"#), "{sql}");
    }
}
