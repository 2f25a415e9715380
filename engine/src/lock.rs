//! One migrating process at a time per database, across machines.
//!
//! PostgreSQL: a session advisory lock; MySQL/MariaDB: `GET_LOCK`. Both belong to the
//! session that took them, so they are taken on the run's own connection (a pool of
//! exactly one, see `DbUrl::connect`), which neither a transaction's end nor DDL
//! releases. SQLite: an exclusive file lock beside the database file. Waiting is
//! announced once; the lock is released explicitly, and by the server or the OS if
//! the process dies.

use crate::config::DbUrl;
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
    File(#[allow(dead_code)] std::fs::File),
    Nothing,
}

/// The lock's name on the server: one per database.
const NAME: &str = "manage:migrations";

impl Lock {
    /// Waits up to `timeout` for the lock on the database at `url`, connected as `db`.
    pub async fn acquire(url: &DbUrl, db: &DatabaseConnection, timeout: Duration) -> Result<Lock> {
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
            Some(backend) => {
                let db = db.clone();
                let (try_sql, release) = match backend {
                    DbBackend::Postgres => (
                        format!(
                            "SELECT pg_try_advisory_lock(hashtext(current_database() || '{NAME}'))::int AS got"
                        ),
                        format!(
                            "SELECT pg_advisory_unlock(hashtext(current_database() || '{NAME}'))"
                        ),
                    ),
                    _ => (
                        format!("SELECT GET_LOCK(CONCAT(DATABASE(), '{NAME}'), 0) AS got"),
                        format!("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '{NAME}'))"),
                    ),
                };
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
        timeout: Duration,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let lock = Lock::acquire(url, db, timeout).await?;
        let result = work.await;
        lock.release().await;
        result
    }

    /// Gives the lock back; the server also does when the connection closes, and the
    /// OS when the file does.
    pub async fn release(self) {
        if let Held::Server { db, release } = self.held {
            let _ = db.execute_unprepared(&release).await;
        }
    }
}
