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
//! Distributed SQL servers (CockroachDB, YugabyteDB, TiDB, Vitess) take a lease
//! instead ([`RunLock::Lease`], docs/distributed.md): a row in `manage_migration_lock`
//! naming the holder and an expiry on the server's clock, taken only when absent or
//! expired, extended by the holder every few seconds on a connection of its own, and
//! deleted at the end. A holder that dies stops extending it, and it runs out.
//!
//! Waiting is announced once; the lock is released explicitly, and by the server or
//! the OS if the process dies (a pooler closes a server connection whose client left
//! inside a transaction, which ends it).

use crate::connection::DbUrl;
pub use crate::connection::server::RunLock;
use anyhow::{Result, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::time::{Duration, Instant};

/// The lease's table: one row per database while a run holds it.
pub const LEASE_TABLE: &str = "manage_migration_lock";

/// How long a lease lasts without being extended, and how often its holder extends it.
const LEASE: Duration = Duration::from_secs(30);
const RENEW: Duration = Duration::from_secs(10);

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
    /// The lease's connection and the task that keeps extending it.
    Lease {
        db: DatabaseConnection,
        holder: String,
        renewing: tokio::task::JoinHandle<()>,
    },
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

/// The lock's own connection on PostgreSQL (None elsewhere, or when it failed: it is
/// opened again when the lock is taken), for a run whose connection is already open.
pub async fn connect_holder(url: &DbUrl) -> Option<DatabaseConnection> {
    if url.backend() != Some(DbBackend::Postgres) {
        return None;
    }
    url.connect_simple().await.ok()
}

impl Lock {
    /// Waits up to `timeout` for the lock on the database at `url`, connected as `db`
    /// (and on PostgreSQL as `holder`, see [`connect_for_run`]).
    pub async fn acquire(
        url: &DbUrl,
        db: &DatabaseConnection,
        holder: Option<DatabaseConnection>,
        kind: RunLock,
        timeout: Duration,
    ) -> Result<Lock> {
        if kind == RunLock::Lease {
            return lease(url, holder, timeout).await;
        }
        let mut waiting = Waiting::new(url, timeout);
        let mut wait = |what: &str| waiting.again(what, None);
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
        kind: RunLock,
        timeout: Duration,
        work: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let lock = Box::pin(Lock::acquire(url, db, holder, kind, timeout)).await?;
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
            Held::Lease {
                db,
                holder,
                renewing,
            } => {
                renewing.abort();
                let backend = db.get_database_backend();
                let _ = db
                    .execute_raw(Statement::from_sql_and_values(
                        backend,
                        format!(
                            "DELETE FROM {LEASE_TABLE} WHERE name = {} AND holder = {}",
                            placeholder(backend, 1),
                            placeholder(backend, 2)
                        ),
                        [NAME.into(), holder.into()],
                    ))
                    .await;
                let _ = db.close().await;
            }
            Held::File(_) | Held::Nothing => {}
        }
    }
}

/// A run waiting for another's lock: announced once, given up after `timeout`.
struct Waiting<'u> {
    url: &'u DbUrl,
    timeout: Duration,
    started: Instant,
    announced: bool,
}

impl<'u> Waiting<'u> {
    fn new(url: &'u DbUrl, timeout: Duration) -> Self {
        Waiting {
            url,
            timeout,
            started: Instant::now(),
            announced: false,
        }
    }

    /// One more wait for the lock (`what` kind of it, held by `who` when known); an
    /// error once `timeout` has passed.
    fn again(&mut self, what: &str, who: Option<&str>) -> Result<()> {
        let who = who.map(|w| format!(" ({w})")).unwrap_or_default();
        if self.started.elapsed() >= self.timeout {
            bail!(
                "another process{who} has held the migration lock on {} for {}s ({what}); giving up (--lock-timeout)",
                self.url.describe(),
                self.timeout.as_secs()
            );
        }
        if !self.announced {
            eprintln!(
                "waiting for another process{who} to finish migrating {} ...",
                self.url.describe()
            );
            self.announced = true;
        }
        Ok(())
    }
}

/// `$n` or `?`.
fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".into(),
    }
}

/// The server's clock in milliseconds since the epoch, as SQL: every process compares
/// expiries on one clock, whatever the machines' clocks say.
fn server_now(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT)",
        _ => "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)",
    }
}

/// Who holds a lease: host, process and start time, so that a waiting process can say.
fn holder_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(64)
        .collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{host}:{}:{nanos}", std::process::id())
}

/// Takes the lease (see the module's comment), waiting up to `timeout` for a holder
/// to release it or to stop extending it. `connection` is the one kept for extending
/// it (opened when None).
async fn lease(
    url: &DbUrl,
    connection: Option<DatabaseConnection>,
    timeout: Duration,
) -> Result<Lock> {
    let backend = url
        .backend()
        .filter(|b| *b != DbBackend::Sqlite)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--run-lock lease is for database servers; runs on a SQLite file exclude each \
                 other with a file lock"
            )
        })?;
    let db = match (connection, backend) {
        (Some(db), _) => db,
        (None, DbBackend::Postgres) => url.connect_simple().await?,
        (None, _) => url.connect().await?,
    };
    let (text, bigint) = match backend {
        DbBackend::Postgres => ("TEXT", "BIGINT"),
        _ => ("VARCHAR(255)", "SIGNED"),
    };
    db.execute_unprepared(&format!(
        "CREATE TABLE IF NOT EXISTS {LEASE_TABLE} (name VARCHAR(100) PRIMARY KEY, holder {text} NOT NULL, \
         expires_at BIGINT NOT NULL)"
    ))
    .await?;
    let me = holder_id();
    let now = server_now(backend);
    let lease_ms = LEASE.as_millis();
    let (p1, p2) = (placeholder(backend, 1), placeholder(backend, 2));
    // Inserted, or taken over when expired; else left to its holder.
    let take = match backend {
        DbBackend::Postgres => format!(
            "INSERT INTO {LEASE_TABLE} (name, holder, expires_at) VALUES ({p1}, {p2}, {now} + {lease_ms}) \
             ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at \
             WHERE {LEASE_TABLE}.expires_at < {now}"
        ),
        _ => format!(
            "INSERT INTO {LEASE_TABLE} (name, holder, expires_at) VALUES ({p1}, {p2}, {now} + {lease_ms}) \
             ON DUPLICATE KEY UPDATE holder = IF(expires_at < {now}, VALUES(holder), holder), \
             expires_at = IF(expires_at < {now}, VALUES(expires_at), expires_at)"
        ),
    };
    let whose = format!(
        "SELECT holder, CAST(expires_at - {now} AS {bigint}) FROM {LEASE_TABLE} WHERE name = {p1}"
    );
    let mut waiting = Waiting::new(url, timeout);
    let what = format!(
        "a migration lease, extended by its holder; it runs out {}s after the holder stops",
        LEASE.as_secs()
    );
    loop {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            &take,
            [NAME.into(), me.clone().into()],
        ))
        .await?;
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                &whose,
                [NAME.into()],
            ))
            .await?;
        let (holder, left_ms) = row
            .and_then(|r| {
                Some((
                    r.try_get_by_index::<String>(0).ok()?,
                    r.try_get_by_index::<i64>(1).ok()?,
                ))
            })
            .unwrap_or_default();
        if holder == me {
            let renewing = tokio::spawn(renew(db.clone(), me.clone()));
            return Ok(Lock {
                held: Held::Lease {
                    db,
                    holder: me,
                    renewing,
                },
            });
        }
        let who = format!(
            "{holder}, whose lease runs out in {}s unless extended",
            (left_ms.max(0) + 999) / 1000
        );
        waiting.again(&what, Some(&who))?;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Extends the lease every few seconds while the run lasts; says so loudly if another
/// process took it meanwhile (this process stalled for longer than the lease).
async fn renew(db: DatabaseConnection, me: String) {
    let backend = db.get_database_backend();
    let sql = format!(
        "UPDATE {LEASE_TABLE} SET expires_at = {} + {} WHERE name = {} AND holder = {}",
        server_now(backend),
        LEASE.as_millis(),
        placeholder(backend, 1),
        placeholder(backend, 2)
    );
    loop {
        tokio::time::sleep(RENEW).await;
        let extended = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                &sql,
                [NAME.into(), me.clone().into()],
            ))
            .await;
        match extended {
            Ok(r) if r.rows_affected() == 1 => {}
            Ok(_) => {
                crate::ui::warn(
                    "this run lost its migration lease (it was not extended in time and another \
                     process took it): stop it if another run is migrating",
                );
                return;
            }
            Err(e) => crate::ui::warn(&format!("extending the migration lease failed: {e}")),
        }
    }
}
