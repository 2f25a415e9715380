//! Applies and reverts migrations, one transaction each where the backend has
//! transactional DDL, keeping `seaql_migrations` exactly as sea-orm-migration does.

use crate::integrity;
use anyhow::{Result, anyhow};
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryFilter, Statement, TransactionTrait,
};
use sea_orm_migration::{MigrationTrait, MigratorTrait, SchemaManager, seaql_migrations};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// A known migration and, when applied, the Unix time it was applied at.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrationState {
    pub name: String,
    pub applied_at: Option<i64>,
}

pub struct Executor<'a, M> {
    db: &'a DatabaseConnection,
    /// migrations/src, to record each applied file's checksum.
    src: Option<PathBuf>,
    migrator: PhantomData<M>,
}

impl<'a, M: MigratorTrait> Executor<'a, M> {
    pub fn new(db: &'a DatabaseConnection) -> Self {
        Executor {
            db,
            src: None,
            migrator: PhantomData,
        }
    }

    /// Records checksums of the files in `src` as migrations are applied.
    pub fn sources(mut self, src: PathBuf) -> Self {
        self.src = Some(src);
        self
    }

    /// Every migration in order with its state, and the names of applied migrations
    /// that are no longer known.
    pub async fn scan(&self) -> Result<(Vec<MigrationState>, Vec<String>)> {
        let rows = M::get_migration_models(self.db).await?;
        let mut applied: BTreeMap<String, i64> = rows
            .into_iter()
            .map(|r| (r.version, r.applied_at))
            .collect();
        let states: Vec<MigrationState> = M::migrations()
            .iter()
            .map(|m| MigrationState {
                name: m.name().to_string(),
                applied_at: applied.remove(m.name()),
            })
            .collect();
        Ok((states, applied.into_keys().collect()))
    }

    /// Every migration in order with its state. Rows for migrations that no longer
    /// exist are an error, as in sea-orm-migration.
    pub async fn states(&self) -> Result<Vec<MigrationState>> {
        let (states, unknown) = self.scan().await?;
        if let Some(missing) = unknown.first() {
            return Err(anyhow!(
                "migration {missing} is recorded as applied in {} but is not in migrations/src/lib.rs; \
                 restore its file, or roll the database back with the code that has it",
                M::migration_table_name()
            ));
        }
        Ok(states)
    }

    fn find(&self, name: &str) -> Result<Box<dyn MigrationTrait>> {
        M::migrations()
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| anyhow!("unknown migration {name}"))
    }

    fn transactional(&self, migration: &dyn MigrationTrait) -> bool {
        let default = matches!(
            self.db.get_database_backend(),
            DbBackend::Postgres | DbBackend::Sqlite
        );
        migration.use_transaction().unwrap_or(default)
    }

    /// Runs `up()` and records the migration; all or nothing where DDL is transactional.
    pub async fn apply(&self, name: &str) -> Result<Duration> {
        self.run(name, Direction::Up)
            .await
            .map_err(|e| anyhow!("migration {name} failed: {e}"))
    }

    /// Runs `down()` and forgets the migration; all or nothing where DDL is transactional.
    pub async fn revert(&self, name: &str) -> Result<Duration> {
        self.run(name, Direction::Down)
            .await
            .map_err(|e| anyhow!("reverting migration {name} failed: {e}"))
    }

    async fn run(&self, name: &str, direction: Direction) -> Result<Duration, DbErr> {
        let migration = self.find(name).map_err(|e| DbErr::Custom(e.to_string()))?;
        let started = Instant::now();
        let checksum = self
            .src
            .as_ref()
            .and_then(|src| integrity::checksum(&src.join(format!("{name}.rs"))));
        let ms = |started: Instant| started.elapsed().as_millis() as i64;
        if !self.transactional(migration.as_ref()) {
            let manager = SchemaManager::new(self.db);
            match direction {
                Direction::Up => {
                    migration.up(&manager).await?;
                    record(self.db, name).await?;
                    integrity::record(self.db, name, checksum.as_deref(), ms(started)).await?;
                }
                Direction::Down => {
                    migration.down(&manager).await?;
                    forget(self.db, name).await?;
                    integrity::forget(self.db, name).await?;
                }
            }
            return Ok(started.elapsed());
        }
        // SQLite table rebuilds drop and recreate tables: with foreign keys enforced,
        // that would cascade into referencing tables. Enforcement can only change
        // outside a transaction, so it is off for the migration and every key is
        // checked before commit instead.
        let sqlite = self.db.get_database_backend() == DbBackend::Sqlite;
        if sqlite {
            self.db
                .execute_unprepared("PRAGMA foreign_keys = OFF")
                .await?;
        }
        let result = async {
            let txn = self.db.begin().await?;
            let manager = SchemaManager::new(&txn);
            match direction {
                Direction::Up => {
                    migration.up(&manager).await?;
                    record(&txn, name).await?;
                    integrity::record(&txn, name, checksum.as_deref(), ms(started)).await?;
                }
                Direction::Down => {
                    migration.down(&manager).await?;
                    forget(&txn, name).await?;
                    integrity::forget(&txn, name).await?;
                }
            }
            if sqlite {
                check_foreign_keys(&txn).await?;
            }
            txn.commit().await
        }
        .await;
        if sqlite {
            self.db
                .execute_unprepared("PRAGMA foreign_keys = ON")
                .await?;
        }
        result.map(|()| started.elapsed())
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Up,
    Down,
}

/// Fails when any row's foreign key points nowhere (SQLite's `foreign_key_check`).
async fn check_foreign_keys<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_key_check",
        ))
        .await?;
    if let Some(row) = rows.first() {
        let table: String = row.try_get_by_index(0).unwrap_or_default();
        let parent: String = row.try_get_by_index(2).unwrap_or_default();
        return Err(DbErr::Migration(format!(
            "{} row(s) would violate foreign keys, first in table {table} (referencing {parent})",
            rows.len()
        )));
    }
    Ok(())
}

async fn record<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), sea_orm::DbErr> {
    let applied_at = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    seaql_migrations::Entity::insert(seaql_migrations::ActiveModel {
        version: ActiveValue::Set(name.to_owned()),
        applied_at: ActiveValue::Set(applied_at),
    })
    .exec(db)
    .await?;
    Ok(())
}

async fn forget<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), sea_orm::DbErr> {
    seaql_migrations::Entity::delete_many()
        .filter(seaql_migrations::Column::Version.eq(name))
        .exec(db)
        .await?;
    Ok(())
}
