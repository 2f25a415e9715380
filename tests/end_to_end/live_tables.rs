//! Migrations on tables that an application is using: a statement that would queue
//! behind a long transaction (and block every query queued behind it) gives up after
//! a bounded wait, and the migration is tried again after a pause.

use crate::support::Run;
use crate::support::db::{Backend, TestDb};
use crate::support::scenario::Scenario;
use crate::support::stage::stage;
use sea_orm::{ConnectOptions, ConnectionTrait, Database};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_migration_behind_a_long_transaction_gives_up_waiting_and_is_tried_again() {
    let (s, initial, bio) = Scenario::initial_then_user_bio("live_locks");

    for backend in [Backend::Postgres, Backend::MySql] {
        let _stage = stage(backend);
        let Some(db) = TestDb::create(backend, "locks") else {
            continue;
        };
        let url = db.url.as_str();
        s.manage_at(url, &["migrate", &initial]).expect(0);

        // An application's transaction that has read users, and stays open.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut options = ConnectOptions::new(url);
        options.max_connections(1).sqlx_logging(false);
        let app = runtime.block_on(Database::connect(options)).unwrap();
        let hold = match backend {
            Backend::Postgres => "LOCK TABLE users IN ACCESS SHARE MODE",
            _ => "SELECT * FROM users",
        };
        for sql in ["BEGIN", hold] {
            runtime.block_on(app.execute_unprepared(sql)).unwrap();
        }

        // Held throughout: each try gives up after a second, and the run fails
        // with nothing applied.
        let out = s
            .manage_at(
                url,
                &["migrate", "--ddl-lock-timeout", "1", "--lock-retries", "1"],
            )
            .expect(3);
        assert!(
            out.stderr.contains(&format!(
                "{bio} gave up waiting 1s for a table lock (another transaction holds it); \
                 trying again in 1s (1 of 1)"
            )),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("lock timeout") || out.stderr.contains("Lock wait timeout"),
            "{}",
            out.stderr
        );
        let plan = s.manage_at(url, &["migrate", "--plan"]).expect(0);
        assert!(
            plan.stdout.contains(&format!("apply   {bio}")),
            "{}",
            plan.stdout
        );

        // Released while the run waits: a later try goes through.
        let child = Command::new(&s.bin)
            .args(["--database-url", url, "migrate", "--ddl-lock-timeout", "1"])
            .current_dir(s.root())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(2500));
        runtime.block_on(app.execute_unprepared("COMMIT")).unwrap();
        let out = Run::from_output(child.wait_with_output().unwrap()).expect(0);
        assert!(out.stderr.contains("trying again"), "{}", out.stderr);
        assert!(out.stdout.contains(&bio), "{}", out.stdout);
        s.manage_at(url, &["check", "--no-replay"]).expect(0);
        runtime.block_on(app.close()).unwrap();
    }
}
