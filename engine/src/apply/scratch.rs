//! A throwaway database on the configured backend, to replay migrations in without
//! touching the project's database: proving the snapshot, rebuilding it, and testing
//! each migration's `down()`.
//!
//! SQLite: a file in a temporary directory. PostgreSQL and MySQL/MariaDB: a database
//! named `manage_scratch_<pid>_<n>` created on the configured server (the user needs
//! the right to create databases) and dropped afterwards; `--scratch URL` names one
//! instead, which must be empty and is left as it is.

use crate::apply::bookkeeping;
use crate::apply::executor::Executor;
use crate::apply::migrator::Migrator;
use crate::connection::DbUrl;
use crate::schema::Schema;
use anyhow::{Context, Result, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};

pub struct Scratch {
    url: DbUrl,
    db: DatabaseConnection,
    /// On PostgreSQL, sea-schema reads through a pooled sqlx connection of its own.
    discovery: Option<DatabaseConnection>,
    owned: Owned,
}

/// What `Scratch::remove` has to take away.
enum Owned {
    /// A database the user named: it stays.
    Nothing,
    /// The temporary directory of a SQLite file, removed when dropped.
    File(#[allow(dead_code)] tempfile::TempDir),
    /// A database created on the server, dropped through `admin`.
    Database {
        admin: DatabaseConnection,
        name: String,
    },
}

impl Scratch {
    /// A fresh, empty database on `configured`'s backend, or `chosen` when given.
    pub async fn create(configured: &DbUrl, chosen: Option<&str>) -> Result<Scratch> {
        if let Some(chosen) = chosen {
            let url = DbUrl::parse(chosen)?;
            let scratch = Scratch::connect(url, Owned::Nothing).await?;
            let existing = scratch.schema("seaql_migrations", &[]).await?;
            if let Some(table) = existing.tables.keys().next() {
                bail!(
                    "the scratch database {} is not empty (it has table {table}): give an \
                     empty one",
                    scratch.url.describe()
                );
            }
            return Ok(scratch);
        }
        match configured.backend() {
            Some(DbBackend::Postgres) | Some(DbBackend::MySql) => on_server(configured).await,
            _ => {
                let dir = tempfile::Builder::new()
                    .prefix("manage-scratch-")
                    .tempdir()
                    .context("creating a directory for the scratch database")?;
                let url = DbUrl::parse(&format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("scratch.sqlite3").display()
                ))?;
                Scratch::connect(url, Owned::File(dir)).await
            }
        }
    }

    async fn connect(url: DbUrl, owned: Owned) -> Result<Scratch> {
        let db = url.connect().await?;
        let discovery = match url.backend() {
            Some(DbBackend::Postgres) => Some(url.connect_for_discovery().await?),
            _ => None,
        };
        Ok(Scratch {
            url,
            db,
            discovery,
            owned,
        })
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The scratch database's schema, without the bookkeeping tables (`migrations`
    /// is the migrator's table).
    pub async fn schema(&self, migrations: &str, schemas: &[String]) -> Result<Schema> {
        let discovery = self.discovery.as_ref().unwrap_or(&self.db);
        bookkeeping::user_schema(discovery, migrations, schemas).await
    }

    /// Applies every migration of `migrator` in order; on failure, names the migration.
    pub async fn apply_all(&self, migrator: Migrator) -> Result<()> {
        let executor = Executor::new(&self.db, migrator);
        for migration in migrator.migrations() {
            let name = migration.name().to_string();
            executor
                .apply(&name)
                .await
                .with_context(|| format!("replaying {name} on a scratch database"))?;
        }
        executor.finish().await
    }

    /// Drops what `create` made.
    pub async fn remove(self) -> Result<()> {
        let Scratch {
            db,
            discovery,
            owned,
            ..
        } = self;
        if let Some(discovery) = discovery {
            let _ = discovery.close().await;
        }
        let _ = db.close().await;
        if let Owned::Database { admin, name } = owned {
            let sql = match admin.get_database_backend() {
                DbBackend::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS `{name}`"),
            };
            admin
                .execute_unprepared(&sql)
                .await
                .with_context(|| format!("dropping the scratch database {name}"))?;
        }
        Ok(())
    }
}

/// A database created for the purpose on `configured`'s server.
async fn on_server(configured: &DbUrl) -> Result<Scratch> {
    // The configured database may not exist yet: the server's own database will do to
    // create another.
    let admin = match configured.connect().await {
        Ok(db) => db,
        Err(first) => {
            let fallback = match configured.backend() {
                Some(DbBackend::Postgres) => "postgres",
                _ => "mysql",
            };
            match configured.with_database(fallback)?.connect().await {
                Ok(db) => db,
                Err(_) => return Err(first.into()),
            }
        }
    };
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "manage_scratch_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let quoted = match configured.backend() {
        Some(DbBackend::Postgres) => format!("\"{name}\""),
        _ => format!("`{name}`"),
    };
    admin
        .execute_unprepared(&format!("CREATE DATABASE {quoted}"))
        .await
        .with_context(|| {
            format!(
                "cannot create a scratch database on the server of {} (the user needs the \
                 right to create databases); name an empty one with --scratch URL",
                configured.describe()
            )
        })?;
    let url = configured.with_database(&name)?;
    match Scratch::connect(url, Owned::Nothing).await {
        Ok(mut scratch) => {
            scratch.owned = Owned::Database { admin, name };
            Ok(scratch)
        }
        Err(e) => {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {quoted}"))
                .await;
            Err(e)
        }
    }
}
