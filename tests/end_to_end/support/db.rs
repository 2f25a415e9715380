//! One fresh database per test on each backend, dropped afterwards.
//!
//! SQLite always runs. PostgreSQL and MariaDB/MySQL run when their servers answer
//! (MANAGE_TEST_POSTGRES / MANAGE_TEST_MYSQL override the local defaults); a backend
//! that does not answer is reported as skipped, and with CI=true it fails the test.

use sea_orm::{ConnectionTrait, Database};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::MySql];

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    fn server_url(self) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(
                std::env::var("MANAGE_TEST_POSTGRES")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
            ),
            Backend::MySql => Some(
                std::env::var("MANAGE_TEST_MYSQL")
                    .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into()),
            ),
        }
    }
}

/// The backend's name as people write it, for messages.
impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MySQL",
        })
    }
}

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    name: String,
    server: Option<String>,
    file: Option<PathBuf>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs a future to completion on a runtime of its own (tests are synchronous).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Runs `statements` on the database at `url`, in order; panics at the first error.
pub fn execute(url: &str, statements: &[&str]) {
    block_on(async {
        let db = Database::connect(url).await.unwrap();
        for sql in statements {
            db.execute_unprepared(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        db.close().await.unwrap();
    })
}

impl TestDb {
    /// A fresh database, or None (after saying so loudly) when the server is not there.
    pub fn create(backend: Backend, label: &str) -> Option<TestDb> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("manage_t_{}_{}_{n}", label, std::process::id());
        let Some(server) = backend.server_url() else {
            let dir = super::target_dir().join("test-dbs");
            std::fs::create_dir_all(&dir).unwrap();
            let file = dir.join(format!("{name}.sqlite3"));
            let _ = std::fs::remove_file(&file);
            return Some(TestDb {
                backend,
                url: format!("sqlite://{}?mode=rwc", file.display()),
                name,
                server: None,
                file: Some(file),
            });
        };
        let created = block_on(async {
            let admin = Database::connect(admin_url(backend, &server)).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await
        });
        match created {
            Ok(()) => Some(TestDb {
                backend,
                url: format!("{server}/{name}"),
                name,
                server: Some(server),
                file: None,
            }),
            Err(e) => {
                skipped(backend, &e.to_string());
                None
            }
        }
    }
}

fn admin_url(backend: Backend, server: &str) -> String {
    match backend {
        Backend::Postgres => format!("{server}/postgres"),
        _ => server.to_string(),
    }
}

/// Reports a backend that could not be reached; fails under CI, where all are required.
pub fn skipped(backend: Backend, why: &str) {
    skipped_part(
        &format!("BACKEND {}", backend.name()),
        &format!("server not reachable ({why})"),
    );
}

/// Reports a part of the test setup that is missing (a backend, a pooler); fails
/// under CI, where all are required.
pub fn skipped_part(part: &str, why: &str) {
    let line = format!("SKIPPED {part}: {why}");
    eprintln!("\n!!!!!!!! {line} !!!!!!!!\n");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{line}; CI requires every backend");
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = std::fs::remove_file(file);
            return;
        }
        let (Some(server), backend, name) = (&self.server, self.backend, &self.name) else {
            return;
        };
        let _ = block_on(async {
            let admin = Database::connect(admin_url(backend, server)).await?;
            let force = if backend == Backend::Postgres {
                " WITH (FORCE)"
            } else {
                ""
            };
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}{force}"))
                .await?;
            admin.close().await
        });
    }
}
