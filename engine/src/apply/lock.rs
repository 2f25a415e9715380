//! One migrating process at a time per database, across machines.
//!
//! PostgreSQL: a transaction-level advisory lock, held by an open transaction on a
//! connection of its own for the whole run. Unlike a session lock, it cannot outlive
//! its holder on a pooled server connection: behind a transaction-mode pooler
//! (PgBouncer) a session lock is taken on whichever server connection serves that one
//! statement, stays there when the client moves on, and is never released. The
//! holding transaction pins one server connection until the run ends; the attempts of
//! waiting processes are short transactions, so they hold none while they wait.
//!
//! MySQL/MariaDB: `GET_LOCK`, a session lock on the run's own connection (a pool of
//! exactly one, see `DbUrl::connect`), which neither a transaction's end nor DDL
//! releases. SQLite: an exclusive file lock beside the database file.
//!
//! Waiting is announced once; the lock is released explicitly, and by the server or
//! the OS if the process dies (a pooler closes a server connection whose client left
//! inside a transaction, which ends it).

use crate::connection::DbUrl;
use anyhow::{Result, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::time::{Duration, Instant};

pub struct Lock {
    held: Held,
}

enum Held {
    Server {
        db: DatabaseConnection,
        release: String,
    },
    /// PostgreSQL: the connection whose open transaction holds the lock.
    Transaction(DatabaseConnection),
    File(#[allow(dead_code)] std::fs::File),
    Nothing,
}

/// The lock's name on the server: one per database.
const NAME: &str = "manage:migrations";

/// The connections of a locked run: the run's own (waiting up to `wait` for the
/// database to come up) and, on PostgreSQL, the lock's, opened side by side. A lock
/// connection that failed (the database was not up yet) is opened again when the
/// lock is taken.
pub async fn connect_for_run(
    url: &DbUrl,
    wait: Duration,
) -> Result<(DatabaseConnection, Option<DatabaseConnection>)> {
    if url.backend() != Some(DbBackend::Postgres) {
        return Ok((url.connect_waiting(wait).await?, None));
    }
    let (db, holder) = tokio::join!(url.connect_waiting(wait), url.connect_simple());
    Ok((db?, holder.ok()))
}

impl Lock {
    /// Waits up to `timeout` for the lock on the database at `url`, connected as `db`
    /// (and on PostgreSQL as `holder`, see [`connect_for_run`]).
    pub async fn acquire(
        url: &DbUrl,
        db: &DatabaseConnection,
        holder: Option<DatabaseConnection>,
        timeout: Duration,
    ) -> Result<Lock> {
        let started = Instant::now();
        let mut announced = false;
        let mut wait = |what: &str| -> Result<()> {
            if started.elapsed() >= timeout {
                bail!(
                    "another process has held the migration lock on {} for {}s ({what}); giving up (--lock-timeout)",
                    url.describe(),
                    timeout.as_secs()
                );
            }
            if !announced {
                eprintln!(
                    "waiting for another process to finish migrating {} ...",
                    url.describe()
                );
                announced = true;
            }
            Ok(())
        };
        match url.backend() {
            Some(DbBackend::Sqlite) => {
                let Some(path) = url.sqlite_path() else {
                    return Ok(Lock {
                        held: Held::Nothing,
                    });
                };
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(format!("{path}.manage-lock"))?;
                loop {
                    match file.try_lock() {
                        Ok(()) => {
                            return Ok(Lock {
                                held: Held::File(file),
                            });
                        }
                        Err(std::fs::TryLockError::WouldBlock) => wait("file lock")?,
                        Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            Some(DbBackend::Postgres) => {
                let holder = match holder {
                    Some(holder) => holder,
                    None => url.connect_simple().await?,
                };
                // One round trip an attempt; the session timeout for idle transactions,
                // if the server sets one, must not end the holder while migrations run.
                let attempt = format!(
                    "BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0; \
                     SELECT pg_try_advisory_xact_lock(hashtext(current_database() || '{NAME}'))::int AS got"
                );
                loop {
                    let row = holder
                        .query_one_raw(Statement::from_string(DbBackend::Postgres, attempt.clone()))
                        .await?;
                    let got = row.and_then(|r| r.try_get_by_index::<i32>(0).ok());
                    if got == Some(1) {
                        return Ok(Lock {
                            held: Held::Transaction(holder),
                        });
                    }
                    holder.execute_unprepared("ROLLBACK").await?;
                    if got.is_none() {
                        bail!(
                            "taking the migration lock on {} failed: the server answered no result",
                            url.describe()
                        );
                    }
                    wait("advisory lock")?;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Some(backend) => {
                let db = db.clone();
                let try_sql = format!("SELECT GET_LOCK(CONCAT(DATABASE(), '{NAME}'), 0) AS got");
                let release = format!("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '{NAME}'))");
                loop {
                    let row = db
                        .query_one_raw(Statement::from_string(backend, try_sql.clone()))
                        .await?;
                    // NULL is GET_LOCK's "error", not "busy": waiting would never end.
                    let got = row.and_then(|r| {
                        r.try_get_by_index::<Option<i32>>(0)
                            .or_else(|_| {
                                r.try_get_by_index::<Option<i64>>(0)
                                    .map(|n| n.map(|n| n as i32))
                            })
                            .ok()
                    });
                    match got {
                        Some(Some(1)) => {
                            return Ok(Lock {
                                held: Held::Server { db, release },
                            });
                        }
                        Some(Some(_)) => {}
                        _ => bail!(
                            "taking the migration lock on {} failed: the server answered no result",
                            url.describe()
                        ),
                    }
                    wait("advisory lock")?;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            None => Ok(Lock {
                held: Held::Nothing,
            }),
        }
    }

    /// Runs `work` holding the lock, and gives it back however `work` ends.
    pub async fn holding<T>(
        url: &DbUrl,
        db: &DatabaseConnection,
        holder: Option<DatabaseConnection>,
        timeout: Duration,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let lock = Lock::acquire(url, db, holder, timeout).await?;
        let result = work.await;
        lock.release().await;
        result
    }

    /// Gives the lock back; the server also does when the connection closes, and the
    /// OS when the file does.
    pub async fn release(self) {
        match self.held {
            Held::Server { db, release } => {
                let _ = db.execute_unprepared(&release).await;
            }
            Held::Transaction(holder) => {
                let _ = holder.execute_unprepared("COMMIT").await;
                let _ = holder.close().await;
            }
            Held::File(_) | Held::Nothing => {}
        }
    }
}
