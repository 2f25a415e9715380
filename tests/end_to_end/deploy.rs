//! `manage` where it is deployed: the release binary alone in an image, a database
//! that a newer release already migrated (rolling deploys), and misconfiguration
//! that must fail fast with the real reason.

use crate::support;
use crate::support::stage::stage;

use crate::support::db::{ALL, TestDb, block_on, execute};
use crate::support::scenario::Scenario;
use crate::support::server::Pooler;
use crate::support::{bin, run, run_at};
use sea_orm::ConnectionTrait;
use std::fs;
use std::path::PathBuf;

const FUTURE: &str = "m20991231_000000_from_a_newer_release";

#[test]
fn a_database_ahead_of_the_binary_is_a_warning_and_never_reverted() {
    let repo = support::repo_root();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "ahead") else {
            continue;
        };
        let url = db.url.as_str();
        let manage = |args: &[&str]| run_at(&bin(), &repo, url, args);
        manage(&["migrate"]).ok();
        // A newer release migrated the database; this (older) replica starts.
        execute(
            url,
            &[&format!(
                "INSERT INTO seaql_migrations (version, applied_at) VALUES ('{FUTURE}', 4102444800)"
            )],
        );
        for args in [
            &["migrate"][..],
            &["showmigrations"],
            &["current"],
            &["history"],
            &["rollback", "--dry-run"],
        ] {
            let out = manage(args);
            assert_eq!(
                out.code,
                0,
                "{}: `{}` exited {}: {}",
                backend.name(),
                args.join(" "),
                out.code,
                out.stderr
            );
            assert!(
                out.stderr.contains(FUTURE) && out.stderr.contains("this binary does not have"),
                "{}: `{}` did not name the migration: {}",
                backend.name(),
                args.join(" "),
                out.stderr
            );
        }
        let listed = manage(&["showmigrations", "--format", "json"]).ok();
        let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        let future = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == FUTURE)
            .expect("the unknown migration is listed");
        assert_eq!(future["in_binary"], false);
        let current = manage(&["current", "--format", "json"]).ok();
        let current: serde_json::Value = serde_json::from_str(&current.stdout).unwrap();
        assert_eq!(current["unknown_applied"], serde_json::json!([FUTURE]));

        // Made an error on request; `check` always reports it.
        for args in [
            &["migrate", "--fail-on-unknown"][..],
            &["current", "--fail-on-unknown"],
        ] {
            let out = manage(args).expect(3);
            assert!(out.stderr.contains("--fail-on-unknown"), "{}", out.stderr);
        }
        let out = manage(&["check"]).expect(1);
        assert!(out.stdout.contains(FUTURE), "{}", out.stdout);

        // Rolling back under a migration it cannot see is refused, and changes nothing.
        let out = manage(&["rollback", "--yes"]).expect(3);
        assert!(out.stderr.contains("cannot roll back"), "{}", out.stderr);
        let dry = manage(&["rollback", "--dry-run", "--format", "json"]).ok();
        let dry: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
        assert!(dry["refused"].as_str().unwrap().contains(FUTURE), "{dry}");
        let after = manage(&["current", "--format", "json"]).ok();
        let after: serde_json::Value = serde_json::from_str(&after.stdout).unwrap();
        assert_eq!(after["current"], current["current"], "{}", backend.name());
        assert!(!after["current"].is_null());
    }
}

/// A data migration written with SeaQuery's builders: values of every kind the
/// bookkeeping does not use (a quote, a backslash, non-ASCII), a read of them back,
/// and SchemaManager's probes, so that the connection's handling of values and rows
/// is exercised by the migrations themselves.
const SEED_MIGRATION: &str = r#"use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const EMAIL: &str = "o'brien@example.com";
const NAME: &str = "Se\u{e1}n O'Brien \\ \u{1F600}";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !manager.has_table("users").await? || !manager.has_column("users", "email").await? {
            return Err(DbErr::Custom("users.email is missing".into()));
        }
        let insert = Query::insert()
            .into_table("users")
            .columns(["email", "name", "created_at", "updated_at"])
            .values_panic([
                EMAIL.into(),
                NAME.into(),
                Expr::current_timestamp().into(),
                Expr::current_timestamp().into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
        let select = Query::select()
            .column("name")
            .expr_as(Expr::col("id").count(), "n")
            .from("users")
            .and_where(Expr::col("email").eq(EMAIL))
            .group_by_col("name")
            .to_owned();
        let row = manager
            .get_connection()
            .query_one(&select)
            .await?
            .ok_or_else(|| DbErr::Custom("the seeded row is not there".into()))?;
        let name: String = row.try_get("", "name")?;
        let n: i64 = row.try_get("", "n")?;
        if name != NAME || n != 1 {
            return Err(DbErr::Custom(format!("read back {name:?} x{n}")));
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let delete = Query::delete()
            .from_table("users")
            .and_where(Expr::col("email").eq(EMAIL))
            .to_owned();
        manager.exec_stmt(delete).await
    }
}
"#;

/// This repository's models and migrations, plus the seed migration, built as a
/// project of its own (`label`).
/// Every container of a deployed release runs `migrate` at start; at its head that
/// needs no lock, so a start never waits behind a long migration of another run.
#[test]
fn at_its_head_migrate_does_not_wait_for_the_lock() {
    let repo = support::repo_root();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "head_unlocked") else {
            continue;
        };
        let url = db.url.as_str();
        let manage = |args: &[&str]| run_at(&bin(), &repo, url, args);
        manage(&["migrate"]).ok();

        // Another run holds the lock, as one applying a long migration does.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let held = runtime.block_on(HeldLock::take(url));

        let out = manage(&["migrate", "--lock-timeout", "1"]).ok();
        assert!(out.stdout.contains("up to date"), "{}", out.stdout);
        assert!(!out.stderr.contains("waiting"), "{}", out.stderr);

        // With something to apply, the run still waits for the lock, and gives up.
        runtime.block_on(held.release());
        manage(&["rollback", "--steps", "1", "--yes"]).ok();
        let held = runtime.block_on(HeldLock::take(url));
        let out = manage(&["migrate", "--lock-timeout", "1"]).expect(3);
        assert!(out.stderr.contains("lock"), "{}", out.stderr);
        runtime.block_on(held.release());
        manage(&["migrate"]).ok();
    }
}

/// The migration lock as another `manage` run holds it (see `apply::lock`).
enum HeldLock {
    File(std::fs::File),
    Connection(sea_orm::DatabaseConnection),
}

impl HeldLock {
    async fn take(url: &str) -> HeldLock {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap();
            let file = fs::File::create(format!("{path}.manage-lock")).unwrap();
            file.try_lock().unwrap();
            return HeldLock::File(file);
        }
        let mut options = sea_orm::ConnectOptions::new(url);
        options.max_connections(1);
        let db = sea_orm::Database::connect(options).await.unwrap();
        let take = if url.starts_with("postgres") {
            "BEGIN; SELECT pg_advisory_xact_lock(hashtext(current_database() || 'manage:migrations'))"
        } else {
            "SELECT GET_LOCK(CONCAT(DATABASE(), 'manage:migrations'), 0)"
        };
        db.execute_unprepared(take).await.unwrap();
        HeldLock::Connection(db)
    }

    async fn release(self) {
        match self {
            HeldLock::File(file) => drop(file),
            HeldLock::Connection(db) => db.close().await.unwrap(),
        }
    }
}

fn built_project(label: &str) -> Scenario {
    let scenario = Scenario::new(label);
    let repo = support::repo_root();
    for dir in [
        "migrations/src",
        "migrations/schema/tables",
        "migrations/schema/enums",
    ] {
        fs::create_dir_all(scenario.path(dir)).unwrap();
        for entry in fs::read_dir(repo.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            fs::copy(&path, scenario.path(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
    let seed = "m20261203_000000_seed_a_user";
    fs::write(
        scenario.path(&format!("migrations/src/{seed}.rs")),
        SEED_MIGRATION,
    )
    .unwrap();
    let project = manage::project::Project {
        root: scenario.root().to_path_buf(),
        on_disk: true,
        layout: manage::Layout::conventional(""),
    };
    // A lib.rs that lists the directory needs only the file.
    if let Some(lib) = project.register(seed).unwrap() {
        fs::write(scenario.path("migrations/src/lib.rs"), lib).unwrap();
    }
    scenario.build();
    scenario
}

/// The project's binary copied alone into an empty directory and the project
/// deleted, as a multi-stage image build leaves it.
fn release_binary_alone() -> (tempfile::TempDir, PathBuf) {
    let scenario = built_project("binary-only");
    let image = tempfile::tempdir().unwrap();
    let alone = image.path().join("manage");
    fs::copy(&scenario.bin, &alone).unwrap();
    fs::remove_dir_all(&scenario.dir).unwrap();
    (image, alone)
}

#[test]
fn the_release_binary_alone_migrates_reports_and_rolls_back() {
    let (image, alone) = release_binary_alone();
    let dir = image.path();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "alone") else {
            continue;
        };
        let url = db.url.as_str();
        let manage = |args: &[&str]| run_at(&alone, dir, url, args);
        let out = manage(&["migrate"]).ok();
        assert!(out.stdout.contains("Applied m"), "{}", out.stdout);
        let out = manage(&["migrate"]).ok();
        assert!(out.stdout.contains("up to date"), "{}", out.stdout);
        assert!(out.stderr.is_empty(), "{}: {}", backend.name(), out.stderr);

        let shown = manage(&["showmigrations"]).ok();
        assert!(
            shown.stdout.contains("[X]") && shown.stdout.contains("users (create"),
            "{}",
            shown.stdout
        );
        let current = manage(&["current"]).ok();
        assert!(current.stdout.contains("(head)"), "{}", current.stdout);
        let history = manage(&["history", "--table", "users"]).ok();
        assert!(history.stdout.contains("initial"), "{}", history.stdout);
        // The database-side checks, against the snapshot compiled in.
        let check = manage(&["check"]).ok();
        assert!(check.stdout.contains("agree"), "{}", check.stdout);

        // Edited applied migrations are still caught: the checksum is the binary's.
        execute(url, &["UPDATE manage_migrations SET checksum = 'x'"]);
        let check = manage(&["check"]).expect(1);
        assert!(
            check.stdout.contains("edited after it was applied"),
            "{}",
            check.stdout
        );

        let plan = manage(&["rollback", "users", "--dry-run"]).ok();
        assert!(plan.stdout.contains("revert"), "{}", plan.stdout);
        manage(&["rollback", "--steps", "2", "--yes"]).ok();
        let current = manage(&["current", "--format", "json"]).ok();
        assert!(
            current.stdout.contains("\"current\": null"),
            "{}",
            current.stdout
        );
        manage(&["migrate"]).ok();
    }
    // What needs the sources says so.
    let out = run(&alone, dir, &["makemigrations", "-m", "more"]).expect(3);
    assert!(
        out.stderr.contains("needs the project's sources"),
        "{}",
        out.stderr
    );
    // With no URL at all: the default SQLite file, in the working directory.
    run(&alone, dir, &["migrate"]).ok();
    assert!(dir.join("db.sqlite3").is_file());
}

/// A server URL's `scheme://user@host:port`, without the database.
fn server_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_string()
}

#[test]
fn misconfiguration_fails_fast_and_names_the_problem() {
    let repo = support::repo_root();
    let mut cases: Vec<(String, &str)> = vec![
        ("sqlite://".into(), "names no SQLite file"),
        ("sqlite::memory:".into(), "in-memory SQLite database"),
        (
            format!("sqlite://{}/no-such.sqlite3", repo.join("target").display()),
            "add ?mode=rwc",
        ),
        (
            "sqlite:///no/such/dir/db.sqlite3?mode=rwc".into(),
            "does not exist",
        ),
        ("oracle://db/app".into(), "unsupported database URL"),
        (
            "postgres://u@127.0.0.1:5432/app?sslmod=require".into(),
            "unknown parameter `sslmod`",
        ),
    ];
    let postgres = TestDb::create(support::db::Backend::Postgres, "misconf");
    let mysql = TestDb::create(support::db::Backend::MySql, "misconf");
    if let Some(db) = &postgres {
        let server = server_of(&db.url);
        let port = server.rsplit(':').next().unwrap().to_string();
        cases.extend([
            (server.clone(), "names no database"),
            (
                format!("{server}/manage_no_such_database"),
                "does not exist",
            ),
            (
                format!(
                    "postgres://manage_no_such_user:pw@127.0.0.1:{port}/{}",
                    "postgres"
                ),
                "authentication failed",
            ),
            (format!("{}?sslmode=bogus", db.url), "sslmode"),
            // A MySQL URL aimed at PostgreSQL's port.
            (
                format!("mysql://root@127.0.0.1:{port}/app"),
                "did not greet",
            ),
        ]);
    }
    if let Some(db) = &mysql {
        let server = server_of(&db.url);
        let port = server.rsplit(':').next().unwrap().to_string();
        cases.extend([
            (server.clone(), "names no database"),
            (
                format!("{server}/manage_no_such_database"),
                "does not exist",
            ),
            (
                format!("mariadb://root@127.0.0.1:{port}/manage_no_such_database"),
                "does not exist",
            ),
            (
                format!("mysql://manage_no_such_user:pw@127.0.0.1:{port}/app"),
                "authentication failed",
            ),
            // A PostgreSQL URL aimed at MySQL's port.
            (
                format!("postgres://u@127.0.0.1:{port}/app"),
                "PostgreSQL protocol",
            ),
        ]);
    }
    for (url, expected) in &cases {
        // --wait retries only what can heal: none of these can.
        let started = std::time::Instant::now();
        let out = run_at(&bin(), &repo, url, &["migrate", "--wait", "30"]).expect(3);
        let took = started.elapsed();
        assert!(
            out.stderr.contains(expected),
            "{url}: expected {expected:?} in: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("pw@"),
            "{url}: password shown: {}",
            out.stderr
        );
        assert!(
            took < std::time::Duration::from_secs(10),
            "{url}: took {took:?} to fail"
        );
        eprintln!("{url}: exit 1 after {took:.2?}: {expected}");
    }
    // mariadb:// is MySQL's driver, working.
    if let Some(db) = &mysql {
        let url = db.url.replacen("mysql://", "mariadb://", 1);
        run_at(&bin(), &repo, &url, &["migrate"]).ok();
        run_at(&bin(), &repo, &url, &["check"]).ok();
    }
}

#[test]
fn postgres_current_schema_is_where_migrations_go() {
    let Some(db) = TestDb::create(support::db::Backend::Postgres, "schema") else {
        return;
    };
    execute(&db.url, &["CREATE SCHEMA shop"]);
    let repo = support::repo_root();
    for url in [
        format!("{}?currentSchema=shop", db.url),
        format!("{}?options=-c%20search_path%3Dshop", db.url),
    ] {
        run_at(&bin(), &repo, &url, &["migrate"]).ok();
        run_at(&bin(), &repo, &url, &["check"]).ok();
        let tables = block_on(async {
            let conn = sea_orm::Database::connect(&db.url).await.unwrap();
            let rows = conn
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables \
                     WHERE table_name = 'users'",
                ))
                .await
                .unwrap();
            conn.close().await.unwrap();
            rows.iter()
                .map(|r| r.try_get::<String>("", "t").unwrap())
                .collect::<Vec<_>>()
        });
        assert_eq!(tables, ["shop.users"], "{url}");
        run_at(&bin(), &repo, &url, &["rollback", "--steps", "1", "--yes"]).ok();
    }
}

/// How many rows `sql` (a count) finds, on a direct connection.
fn count(url: &str, sql: &str) -> i64 {
    block_on(async {
        let conn = sea_orm::Database::connect(url).await.unwrap();
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql,
            ))
            .await
            .unwrap()
            .unwrap();
        conn.close().await.unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    })
}

#[test]
fn through_pgbouncer_in_transaction_mode_ten_replicas_migrate_once_and_all_succeed() {
    let Some(db) = TestDb::create(support::db::Backend::Postgres, "pooled") else {
        return;
    };
    let upstream = server_of(&db.url);
    let upstream = upstream.rsplit('@').next().unwrap().to_string();
    // Three server connections for ten replicas: a run holds two (the lock's and its
    // own), and waiting replicas must not take the rest.
    let Some(pooler) = Pooler::pgbouncer(&upstream, 3) else {
        support::db::skipped_part(
            "PGBOUNCER",
            "pgbouncer is not installed (apt-get install pgbouncer)",
        );
        return;
    };
    let project = built_project("pooled");
    let database = db.url.rsplit('/').next().unwrap();
    let pooled = format!("{}/{database}", pooler.server);

    let args = ["--database-url", pooled.as_str(), "migrate", "--wait", "10"];
    let applied = support::migrate_replicas(&project.bin, project.root(), &args, 10);
    assert_eq!(
        applied, 2,
        "each of the two migrations is applied exactly once"
    );
    assert_eq!(count(&db.url, "SELECT count(*) FROM seaql_migrations"), 2);
    assert_eq!(
        count(
            &db.url,
            "SELECT count(*) FROM users WHERE email = 'o''brien@example.com'"
        ),
        1
    );
    // Nothing of the lock is left on any server connection.
    assert_eq!(advisory_locks(&db.url), 0);

    let manage = |args: &[&str]| run_at(&project.bin, project.root(), &pooled, args);
    let started = std::time::Instant::now();
    let out = manage(&["migrate"]).ok();
    let took = started.elapsed();
    assert!(out.stdout.contains("up to date"), "{}", out.stdout);
    assert!(
        took < std::time::Duration::from_secs(5),
        "no-op took {took:?}"
    );
    eprintln!("no-op migrate through PgBouncer: {took:.2?}");
    manage(&["showmigrations"]).ok();
    manage(&["current"]).ok();
    manage(&["history"]).ok();
    manage(&["rollback", "--steps", "2", "--yes"]).ok();
    assert_eq!(count(&db.url, "SELECT count(*) FROM seaql_migrations"), 0);
    manage(&["migrate"]).ok();
    manage(&["migrate", "--plan"]).ok();
    assert_eq!(advisory_locks(&db.url), 0);
}

/// Advisory locks held in this test's database (other tests migrate other databases
/// of the same server at the same time), after giving a pooled server connection whose
/// client just left a moment to finish its transaction.
fn advisory_locks(url: &str) -> i64 {
    let query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
                 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        let held = count(url, query);
        if held == 0 || std::time::Instant::now() > deadline {
            return held;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
