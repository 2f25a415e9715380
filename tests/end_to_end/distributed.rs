//! What `migrate` does on distributed SQL servers, forced on the local PostgreSQL and
//! MariaDB (docs/distributed.md): runs exclude each other with a lease row instead of
//! the server's advisory lock, and DDL runs outside transactions, recorded after it.

use crate::support;
use crate::support::db::{Backend, TestDb};
use crate::support::scenario::Scenario;
use crate::support::stage::stage;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

/// Runs `work` on a fresh direct connection to `url`.
fn with_db<T>(url: &str, work: impl AsyncFnOnce(&sea_orm::DatabaseConnection) -> T) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = Database::connect(url).await.unwrap();
        let out = work(&db).await;
        db.close().await.unwrap();
        out
    })
}

fn exec(url: &str, sql: &str) {
    with_db(url, async |db| db.execute_unprepared(sql).await.unwrap());
}

fn count(url: &str, backend: DbBackend, sql: &str) -> i64 {
    with_db(url, async |db| {
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0)
            .unwrap_or_else(|_| row.try_get_by_index::<i32>(0).unwrap() as i64)
    })
}

#[test]
fn a_lease_excludes_runs_a_dead_holders_lease_runs_out_and_ddl_runs_outside_transactions() {
    let (s, _, _) = Scenario::initial_then_user_bio("distributed");

    // SQLite has no server to hold a lease: said, not ignored.
    let out = s.manage(&["migrate", "--run-lock", "lease"]).expect(3);
    assert!(
        out.stderr
            .contains("--run-lock lease is for database servers"),
        "{}",
        out.stderr
    );

    for backend in [Backend::Postgres, Backend::MySql] {
        let _stage = stage(backend);
        let Some(db) = TestDb::create(backend, "lease") else {
            continue;
        };
        let url = db.url.as_str();
        let dbb = match backend {
            Backend::Postgres => DbBackend::Postgres,
            _ => DbBackend::MySql,
        };
        let now_ms = match backend {
            Backend::Postgres => "CAST(extract(epoch from clock_timestamp()) * 1000 AS BIGINT)",
            _ => "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)",
        };

        // Another process holds a live lease: this run waits, then gives up naming it.
        exec(
            url,
            "CREATE TABLE manage_migration_lock (name VARCHAR(100) PRIMARY KEY, \
             holder VARCHAR(255) NOT NULL, expires_at BIGINT NOT NULL)",
        );
        exec(
            url,
            &format!(
                "INSERT INTO manage_migration_lock VALUES ('manage:migrations', \
                 'other-host:4242:1', {now_ms} + 600000)"
            ),
        );
        let forced = ["--run-lock", "lease", "--ddl-transactions", "off"];
        let mut args = vec!["migrate", "--lock-timeout", "1"];
        args.extend(forced);
        let out = s.manage_at(url, &args).expect(3);
        assert!(out.stderr.contains("other-host:4242:1"), "{}", out.stderr);
        assert!(out.stderr.contains("migration lease"), "{}", out.stderr);
        assert_eq!(
            count(url, dbb, "SELECT count(*) FROM manage_migration_lock"),
            1
        );

        // Its holder died: the lease ran out, and the next run takes it over.
        exec(
            url,
            &format!("UPDATE manage_migration_lock SET expires_at = {now_ms} - 1"),
        );
        let mut args = vec!["migrate"];
        args.extend(forced);
        let out = s.manage_at(url, &args).expect(0);
        assert!(
            out.stderr.contains("runs exclude each other with a lease"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stdout.matches("Applied m").count(), 2, "{}", out.stdout);
        // Released at the end; and the lease's table is not the application's schema.
        assert_eq!(
            count(url, dbb, "SELECT count(*) FROM manage_migration_lock"),
            0
        );
        s.manage_at(url, &["check", "--no-replay"]).expect(0);

        // Several replicas at once: each migration runs exactly once.
        let mut args = vec!["rollback", "--steps", "2", "--yes"];
        args.extend(forced);
        s.manage_at(url, &args).expect(0);
        // No transaction can hold a run whose DDL runs outside them.
        let mut args = vec!["migrate", "--atomic"];
        args.extend(forced);
        let out = s.manage_at(url, &args).expect(3);
        assert!(out.stderr.contains("--atomic needs"), "{}", out.stderr);
        // A MySQL-protocol server commits each DDL statement: "on" cannot be honoured.
        if backend == Backend::MySql {
            let out = s
                .manage_at(url, &["migrate", "--ddl-transactions", "on"])
                .expect(3);
            assert!(
                out.stderr.contains("commits every DDL statement"),
                "{}",
                out.stderr
            );
        }
        let mut args = vec!["--database-url", url, "migrate", "--wait", "10"];
        args.extend(forced);
        let applied = support::migrate_replicas(&s.bin, s.root(), &args, 4);
        assert_eq!(applied, 2, "each migration is applied exactly once");
        assert_eq!(count(url, dbb, "SELECT count(*) FROM seaql_migrations"), 2);
        s.manage_at(url, &["check", "--no-replay"]).expect(0);
    }
}
