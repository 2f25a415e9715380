//! `manage lint`, the findings at `makemigrations` and `migrate --plan`, and the safe
//! forms `makemigrations --safe` writes: on a project whose tables exist, changes that
//! lock them are named by rule code on the backends where they lock, hand-written SQL
//! included; the safe forms migrate, check clean and roll back on every backend.

use crate::support::Run;
use crate::support::created_migration;
use crate::support::db::{Backend, TestDb};
use crate::support::scenario::Scenario;
use crate::support::stage::stage;
use std::fs;

/// One list of a `lint --format json` report (`findings` or `allowed`) for one
/// migration: each entry's code, and its reason where it has one.
fn listed(out: &Run, migration: &str, list: &str) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    report["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["migration"] == migration)
        .flat_map(|m| m[list].as_array().unwrap().clone())
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or_default().to_string();
            (text("code"), text("reason"))
        })
        .collect()
}

/// The codes of the findings for one migration.
fn codes(out: &Run, migration: &str) -> Vec<String> {
    listed(out, migration, "findings")
        .into_iter()
        .map(|(code, _)| code)
        .collect()
}

fn allowed(out: &Run, migration: &str) -> Vec<(String, String)> {
    listed(out, migration, "allowed")
}

#[test]
fn unsafe_changes_are_found_by_code_and_the_safe_forms_migrate_everywhere() {
    let s = Scenario::new("live_lint");
    // Before: events.title without its index, users.name nullable.
    let event = s.read_model("event.rs");
    s.write_model(
        "event.rs",
        &event.replacen("    #[sea_orm(indexed)]\n    pub title", "    pub title", 1),
    );
    let user = s.read_model("user.rs");
    s.write_model(
        "user.rs",
        &user.replacen("pub name: String", "pub name: Option<String>", 1),
    );
    s.build();
    let out = s.manage(&["makemigrations", "-m", "initial"]).expect(0);
    let initial = created_migration(&out.stdout).unwrap();
    // After: the index, and NOT NULL.
    s.write_model("event.rs", &event);
    s.write_model("user.rs", &user);
    s.build();

    // The plain forms, as makemigrations would write them, on PostgreSQL.
    let pg = TestDb::create(Backend::Postgres, "lintgen");
    if let Some(pg) = &pg {
        let _stage = stage("makemigrations --dry-run on PostgreSQL");
        let out = s
            .manage_at(
                &pg.url,
                &[
                    "makemigrations",
                    "--dry-run",
                    "--no-replay",
                    "-m",
                    "live changes",
                    "--default",
                    "users.name=anon",
                ],
            )
            .expect(0);
        for code in [
            "L001 index-not-concurrent",
            "L003 set-not-null-scans-under-lock",
        ] {
            assert!(out.stderr.contains(code), "{code}\n{}", out.stderr);
        }
        assert!(
            out.stderr.contains("L011 many-locks-in-one-transaction"),
            "{}",
            out.stderr
        );
    }

    // The safe forms: a second migration, outside a transaction, for PostgreSQL.
    let out = s
        .manage(&[
            "makemigrations",
            "--safe",
            "-m",
            "live changes",
            "--default",
            "users.name=anon",
        ])
        .expect(0);
    let changes = created_migration(&out.stdout).unwrap();
    let online = format!("{changes}_online");
    assert!(
        out.stdout
            .contains(&format!("Created migrations/src/{online}.rs")),
        "{}",
        out.stdout
    );
    let online_code = fs::read_to_string(s.path(&format!("migrations/src/{online}.rs"))).unwrap();
    for sql in [
        r#"CREATE INDEX CONCURRENTLY "idx-events-title" ON "events" ("title")"#,
        r#"ADD CONSTRAINT "users_name_not_null" CHECK ("name" IS NOT NULL) NOT VALID"#,
        r#"VALIDATE CONSTRAINT "users_name_not_null""#,
        "Some(false)",
    ] {
        assert!(online_code.contains(sql), "{sql}\n{online_code}");
    }

    // A hand-written migration: its SQL is linted like generated code, and its
    // opt-out covers the one statement it names.
    let out = s
        .manage(&["makemigrations", "--empty", "-m", "hand written"])
        .expect(0);
    let hand = created_migration(&out.stdout).unwrap();
    let path = s.path(&format!("migrations/src/{hand}.rs"));
    fs::write(&path, HAND_WRITTEN).unwrap();
    s.build();

    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let _stage = stage(backend);
        let Some(db) = TestDb::create(backend, "lint") else {
            continue;
        };
        let url = db.url.as_str();
        s.manage_at(url, &["migrate", &initial]).expect(0);

        // `lint` with no name: what this database has not applied.
        let out = s.manage_at(url, &["lint", "--format", "json"]).expect(1);
        let (on_changes, on_online, on_hand) = (
            codes(&out, &changes),
            codes(&out, &online),
            codes(&out, &hand),
        );
        match backend {
            Backend::Postgres => {
                // The safe forms leave nothing behind; the rest lands in the hand-written one.
                assert!(on_changes.is_empty(), "{on_changes:?}\n{}", out.stdout);
                assert!(on_online.is_empty(), "{on_online:?}\n{}", out.stdout);
                assert_eq!(on_hand, ["L001", "L007", "L011"], "{}", out.stdout);
                assert_eq!(
                    allowed(&out, &hand),
                    [("L004".to_string(), "widens varchar only".to_string())]
                );
            }
            Backend::MySql => {
                // MySQL redefines the column (MODIFY): a table copy.
                assert_eq!(on_changes, ["L004"], "{}", out.stdout);
                assert!(on_online.is_empty(), "{}", out.stdout);
                assert_eq!(on_hand, ["L007"], "{}", out.stdout);
            }
            Backend::Sqlite => {
                assert_eq!(on_changes, ["L012"], "{}", out.stdout);
                assert!(on_online.is_empty(), "{}", out.stdout);
                assert_eq!(on_hand, ["L007"], "{}", out.stdout);
            }
        }
        // What manage itself writes is read whole: the safe forms, SQLite's rebuilds.
        for migration in [&changes, &online] {
            assert!(
                listed(&out, migration, "unread").is_empty(),
                "{migration}: {}",
                out.stdout
            );
        }
        // The same for one migration, in words.
        let out = s.manage_at(url, &["lint", "hand_written"]).expect(1);
        assert!(
            out.stdout.contains(
                "L007 drop-breaks-running-version: statement 3: drops column users.updated_at"
            ),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout
                .contains("instead: remove the field from the entity"),
            "{}",
            out.stdout
        );

        // migrate --plan shows them beside the plan.
        let plan = s.manage_at(url, &["migrate", "--plan"]).expect(0);
        assert!(plan.stdout.contains("Lint findings"), "{}", plan.stdout);
        assert!(plan.stdout.contains("L007"), "{}", plan.stdout);

        // The safe pair migrates, checks clean, rolls back, and migrates again.
        let before = s
            .manage_at(url, &["schema", "--from", "database"])
            .expect(0)
            .stdout;
        s.manage_at(url, &["migrate", &online]).expect(0);
        // Clean but for the hand-written migration, left pending on purpose.
        let check = s.manage_at(url, &["check", "--no-replay"]).expect(1);
        let problems: Vec<&str> = check
            .stdout
            .lines()
            .filter(|l| l.starts_with("problem:"))
            .collect();
        assert_eq!(
            problems,
            [format!("problem: 1 migration(s) not applied: {hand}")],
            "{}",
            check.stdout
        );
        s.manage_at(url, &["rollback", "--steps", "2", "--yes"])
            .expect(0);
        assert_eq!(
            s.manage_at(url, &["schema", "--from", "database"])
                .expect(0)
                .stdout,
            before
        );
        s.manage_at(url, &["migrate", &online]).expect(0);
        // Nothing pending but the hand-written one.
        let out = s.manage_at(url, &["lint", "--format", "json"]).expect(1);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(report["migrations"].as_array().unwrap().len(), 1);
    }

    // Without a database, --all lints every migration.
    let out = s
        .manage_at("postgres://nobody@127.0.0.1:1/none", &["lint", "--all"])
        .expect(1);
    assert!(
        out.stdout.contains(&format!("ok {initial}")),
        "{}",
        out.stdout
    );
}

/// SQL a person wrote: an index built under a lock, a type change allowed with a
/// reason, a dropped column, and (on PostgreSQL) two tables locked in one transaction.
const HAND_WRITTEN: &str = r##"//! hand written
// lint: allow L004 at statement 2 -- widens varchar only

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(r#"CREATE INDEX "idx_users_name" ON "users" ("name")"#).await?;
                db.execute_unprepared(r#"ALTER TABLE "events" ALTER COLUMN "title" TYPE varchar(400)"#).await?;
                db.execute_unprepared(r#"ALTER TABLE "users" DROP COLUMN "updated_at""#).await?;
            }
            DbBackend::MySql => {
                db.execute_unprepared("CREATE INDEX `idx_users_name` ON `users` (`name`)").await?;
                db.execute_unprepared("SELECT 1").await?;
                db.execute_unprepared("ALTER TABLE `users` DROP COLUMN `updated_at`").await?;
            }
            _ => {
                db.execute_unprepared(r#"CREATE INDEX "idx_users_name" ON "users" ("name")"#).await?;
                db.execute_unprepared("SELECT 1").await?;
                db.execute_unprepared(r#"ALTER TABLE "users" DROP COLUMN "updated_at""#).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("not reversible".into()))
    }
}
"##;
