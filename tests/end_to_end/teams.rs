//! Several developers, one history: branches that each add a migration merge in git
//! without a conflict; a snapshot file resolved the wrong way after a real conflict is
//! caught and rebuilt; each migration's down() is tested; a harmless edit to an
//! applied migration is accepted and a harmful one refused. Real git repositories,
//! the real binary, every backend.

use crate::support::db::{ALL, Backend, TestDb};
use crate::support::scenario::Scenario;
use crate::support::stage::stage;
use crate::support::{Run, created_migration};
use std::fs;
use std::path::Path;
use std::process::Command;

/// `git ARGS` in `dir`, as a developer with a name runs it.
fn git(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new("git")
        .args(["-c", "user.name=Dev", "-c", "user.email=dev@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "merge.conflictstyle=merge",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("run git");
    Run::from_output(out)
}

/// A scenario whose migrations are listed from the directory, in a git repository
/// whose first commit holds the initial migration.
fn repository(label: &str) -> Scenario {
    let s = Scenario::new(label);
    s.list_migrations_from_directory();
    let _ = fs::remove_dir_all(s.path(".git"));
    fs::write(s.path(".gitignore"), "db.sqlite3*\n").unwrap();
    git(s.root(), &["init", "-q"]).expect(0);
    s.build();
    s.manage(&["makemigrations", "-m", "initial"]).expect(0);
    commit(&s, "initial");
    s.build();
    s
}

fn commit(s: &Scenario, message: &str) {
    git(s.root(), &["add", "-A"]).expect(0);
    git(s.root(), &["commit", "-q", "-m", message]).expect(0);
}

/// Adds `field` as the first field of the entity in models/src/`file`.
fn add_field(s: &Scenario, file: &str, field: &str) {
    let text = s.read_model(file);
    let text = text.replacen(
        "pub struct Model {\n",
        &format!("pub struct Model {{\n    {field}\n"),
        1,
    );
    s.write_model(file, &text);
}

/// `makemigrations -m MESSAGE` with the models as they are; the migration's name,
/// built into the binary.
fn make(s: &Scenario, message: &str) -> String {
    s.build();
    let out = s.manage(&["makemigrations", "-m", message]).expect(0);
    s.build();
    created_migration(&out.stdout).unwrap_or_else(|| panic!("no migration: {}", out.stdout))
}

/// The databases of every backend that answers.
fn databases(label: &str) -> Vec<TestDb> {
    ALL.into_iter()
        .filter_map(|backend| TestDb::create(backend, label))
        .collect()
}

#[test]
fn branches_that_each_add_a_migration_merge_cleanly_and_apply_out_of_order_with_notice() {
    let s = repository("teams_merge");
    let lib = fs::read_to_string(s.path("migrations/src/lib.rs")).unwrap();

    // The older migration is made first, on its own branch.
    git(s.root(), &["checkout", "-q", "-b", "older"]).expect(0);
    add_field(&s, "event.rs", "pub notes: Option<String>,");
    let older = make(&s, "event notes");
    commit(&s, "event notes");
    // The clock moves on: the other branch's migration is newer.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    git(s.root(), &["checkout", "-q", "main"]).expect(0);
    git(s.root(), &["checkout", "-q", "-b", "newer"]).expect(0);
    add_field(&s, "attendee.rs", "pub comment: Option<String>,");
    let newer = make(&s, "attendee comment");
    commit(&s, "attendee comment");
    assert!(older < newer);
    assert_eq!(
        fs::read_to_string(s.path("migrations/src/lib.rs")).unwrap(),
        lib,
        "makemigrations edited lib.rs, which lists the directory"
    );

    // Databases that applied the newer branch.
    let dbs = databases("teams_merge");
    for db in &dbs {
        let _stage = stage(format!("before the merge on {}", db.backend));
        s.manage_at(&db.url, &["migrate"]).expect(0);
    }

    let merged = git(s.root(), &["merge", "--no-edit", "older"]);
    assert_eq!(
        merged.code, 0,
        "the merge conflicted:\n{}{}",
        merged.stdout, merged.stderr
    );
    s.build();
    let _stage = stage("after the merge");
    s.manage(&["snapshot", "verify"]).expect(0);
    for db in &dbs {
        let _stage = stage(db.backend);
        let out = s.manage_at(&db.url, &["check", "--no-replay"]).expect(1);
        assert!(
            out.stdout.contains("older than the newest applied one") && out.stdout.contains(&older),
            "{}",
            out.stdout
        );
        let out = s.manage_at(&db.url, &["migrate", "--in-order"]).expect(3);
        assert!(out.stderr.contains(&older), "{}", out.stderr);
        let out = s.manage_at(&db.url, &["migrate"]).expect(0);
        assert!(
            out.stderr.contains("older than the newest applied one"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.contains(&older), "{}", out.stdout);
        s.manage_at(&db.url, &["check"]).expect(0);
        if db.backend != Backend::Sqlite {
            s.manage_at(&db.url, &["snapshot", "verify"]).expect(0);
        }
    }
}

#[test]
fn a_snapshot_resolved_the_wrong_way_is_caught_refused_and_rebuilt() {
    let s = repository("teams_conflict");
    git(s.root(), &["checkout", "-q", "-b", "bio"]).expect(0);
    add_field(&s, "user.rs", "pub bio: Option<String>,");
    make(&s, "user bio");
    commit(&s, "user bio");
    git(s.root(), &["checkout", "-q", "main"]).expect(0);
    git(s.root(), &["checkout", "-q", "-b", "age"]).expect(0);
    add_field(&s, "user.rs", "pub age: Option<i32>,");
    make(&s, "user age");
    commit(&s, "user age");

    // Both changed users: its entity and its snapshot file conflict, and nothing else.
    let merged = git(s.root(), &["merge", "--no-edit", "bio"]);
    assert_ne!(merged.code, 0, "expected a conflict:\n{}", merged.stdout);
    let conflicted = git(s.root(), &["diff", "--name-only", "--diff-filter=U"]).expect(0);
    assert_eq!(
        conflicted.stdout.lines().collect::<Vec<_>>(),
        ["migrations/schema/tables/users.json", "models/src/user.rs"]
    );
    // The developer resolves the entity by keeping both fields...
    let user = s.read_model("user.rs");
    let (head, rest) = user.split_once("<<<<<<< HEAD\n").unwrap();
    let (_, tail) = rest.split_once(">>>>>>> bio\n").unwrap();
    s.write_model(
        "user.rs",
        &format!("{head}    pub bio: Option<String>,\n    pub age: Option<i32>,\n{tail}"),
    );
    s.build();
    // ... and with the snapshot file still conflicted, manage says what to do.
    let out = s.manage(&["makemigrations", "--check"]).expect(3);
    assert!(
        out.stderr.contains("merge conflict markers") && out.stderr.contains("snapshot rebuild"),
        "{}",
        out.stderr
    );
    // Taking one side is the wrong resolution: the snapshot lacks the other's column.
    git(
        s.root(),
        &["checkout", "--ours", "migrations/schema/tables/users.json"],
    )
    .expect(0);
    let wrong = fs::read(s.path("migrations/schema/tables/users.json")).unwrap();
    let files_before = fs::read_dir(s.path("migrations/src")).unwrap().count();

    let out = s.manage(&["snapshot", "verify"]).expect(1);
    assert!(out.stdout.contains("users.bio"), "{}", out.stdout);
    let out = s.manage(&["makemigrations", "-m", "merge"]).expect(3);
    assert!(
        out.stderr.contains("not what the migrations produce")
            && out.stderr.contains("users.bio")
            && out.stderr.contains("manage snapshot rebuild"),
        "{}",
        out.stderr
    );
    assert_eq!(
        fs::read_dir(s.path("migrations/src")).unwrap().count(),
        files_before,
        "a refused makemigrations wrote a file"
    );
    let out = s.manage(&["snapshot", "rebuild"]).expect(0);
    assert!(out.stdout.contains("users.bio"), "{}", out.stdout);
    let rebuilt = fs::read_to_string(s.path("migrations/schema/tables/users.json")).unwrap();
    assert!(
        rebuilt.contains("\"bio\"") && rebuilt.contains("\"age\""),
        "{rebuilt}"
    );
    s.manage(&["snapshot", "verify"]).expect(0);
    let out = s.manage(&["makemigrations", "--check"]).expect(0);
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);

    // On each backend: the proof and the rebuild replay on a scratch database of the
    // configured server, and give the same snapshot; the merged history migrates.
    for db in databases("teams_conflict") {
        let _stage = stage(db.backend);
        fs::write(s.path("migrations/schema/tables/users.json"), &wrong).unwrap();
        let out = s
            .manage_at(&db.url, &["snapshot", "verify", "--format", "json"])
            .expect(1);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let differences = report["differences"].as_array().unwrap();
        assert!(
            differences
                .iter()
                .any(|d| d.as_str().unwrap().contains("users.bio")),
            "{report}"
        );
        s.manage_at(&db.url, &["check"]).expect(1);
        let out = s
            .manage_at(&db.url, &["snapshot", "rebuild", "--format", "json"])
            .expect(0);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert!(
            report["changed"].as_array().unwrap().iter().any(|c| c
                .as_str()
                .unwrap()
                .contains("users.bio is new in the snapshot")),
            "{report}"
        );
        assert_eq!(
            fs::read_to_string(s.path("migrations/schema/tables/users.json")).unwrap(),
            rebuilt,
            "the snapshot rebuilt on {} differs from SQLite's",
            db.backend
        );
        s.manage_at(&db.url, &["migrate"]).expect(0);
        s.manage_at(&db.url, &["check"]).expect(0);
    }
}

/// A hand-written migration whose down() forgets the column its up() adds.
const FORGETFUL: &str = r#"use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "NAME"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(ColumnDef::new("nickname").string_len(40).null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        DOWN
    }
}
"#;

#[test]
fn testmigrations_names_the_migration_whose_down_leaves_a_column_behind() {
    let s = Scenario::new("teams_down");
    s.build();
    s.manage(&["makemigrations", "-m", "initial"]).expect(0);
    let out = s
        .manage(&["makemigrations", "--empty", "-m", "nickname"])
        .expect(0);
    let name = created_migration(&out.stdout).unwrap();
    let file = s.path(&format!("migrations/src/{name}.rs"));
    let forgetful = FORGETFUL.replace("NAME", &name);
    fs::write(&file, forgetful.replace("DOWN", "Ok(())")).unwrap();
    s.build();
    let dbs = databases("teams_down");
    for db in &dbs {
        let _stage = stage(format!("a forgetful down() on {}", db.backend));
        let out = s.manage_at(&db.url, &["testmigrations"]).expect(1);
        assert!(
            out.stdout.contains(&format!("failed: {name}"))
                && out.stdout.contains("does not give back the schema")
                && out.stdout.contains("column users.nickname is left over"),
            "{}",
            out.stdout
        );
        let out = s
            .manage_at(&db.url, &["testmigrations", "--format", "json"])
            .expect(1);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(report["first_failure"], name.as_str(), "{report}");
        let results = report["migrations"].as_array().unwrap();
        assert_eq!(results.len(), 2, "{report}");
        assert_eq!(results[0]["status"], "ok", "{report}");
        assert_eq!(results[1]["status"], "restore", "{report}");
        // The configured database itself was never touched.
        let out = s
            .manage_at(&db.url, &["showmigrations", "--format", "json"])
            .expect(0);
        assert!(!out.stdout.contains("\"applied_at\":1"), "{}", out.stdout);
    }

    let down = r#"manager
            .alter_table(Table::alter().table("users").drop_column("nickname").to_owned())
            .await"#;
    fs::write(&file, forgetful.replace("DOWN", down)).unwrap();
    s.build();
    for db in &dbs {
        let _stage = stage(format!("a faithful down() on {}", db.backend));
        let out = s.manage_at(&db.url, &["testmigrations"]).expect(0);
        assert!(
            out.stdout
                .contains("2 migration(s) go up, down and up again"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn a_harmless_edit_to_an_applied_migration_is_accepted_and_a_harmful_one_refused() {
    let s = repository("teams_accept");
    let name = fs::read_dir(s.path("migrations/src"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find_map(|f| {
            f.strip_suffix(".rs")
                .filter(|n| n.starts_with('m'))
                .map(str::to_string)
        })
        .unwrap();
    let file = s.path(&format!("migrations/src/{name}.rs"));
    let applied = fs::read_to_string(&file).unwrap();
    let dbs = databases("teams_accept");
    for db in &dbs {
        s.manage_at(&db.url, &["migrate"]).expect(0);
    }

    // Comments and layout only: the applied version is found in git.
    let commented = format!(
        "// Reviewed: the first schema.\n{}",
        applied.replace("    ", "\t")
    );
    fs::write(&file, &commented).unwrap();
    s.build();
    for db in &dbs {
        let _stage = stage(format!("a comment-only edit on {}", db.backend));
        let out = s.manage_at(&db.url, &["check", "--no-replay"]).expect(1);
        assert!(out.stdout.contains(&name), "{}", out.stdout);
        let out = s
            .manage_at(&db.url, &["accept", &name[..16], "--yes"])
            .expect(0);
        assert!(
            out.stdout.contains("only comments and layout changed")
                && out.stdout.contains("+// Reviewed: the first schema."),
            "{}",
            out.stdout
        );
        s.manage_at(&db.url, &["check", "--no-replay"]).expect(0);
    }
    commit(&s, "comment");

    // Code that sends the same SQL: told by the statements the database kept.
    let refactored = commented.replacen(
        "async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n",
        "async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n\tlet manager = manager;\n",
        1,
    );
    assert_ne!(
        refactored, commented,
        "the migration's up() has another signature"
    );
    fs::write(&file, &refactored).unwrap();
    s.build();
    for db in &dbs {
        let _stage = stage(format!("a refactor on {}", db.backend));
        let out = s.manage_at(&db.url, &["accept", &name, "--yes"]).expect(0);
        assert!(
            out.stdout.contains("statement(s) up() sends are the ones"),
            "{}",
            out.stdout
        );
    }

    // A change to what the database ran is refused, with the SQL's difference.
    fs::write(
        &file,
        refactored.replacen("string(\"name\")", "text(\"name\")", 1),
    )
    .unwrap();
    s.build();
    for db in &dbs {
        let _stage = stage(format!("a change of SQL on {}", db.backend));
        let out = s.manage_at(&db.url, &["accept", &name, "--yes"]).expect(1);
        assert!(out.stdout.contains("refused:"), "{}", out.stdout);
        s.manage_at(&db.url, &["check", "--no-replay"]).expect(1);
    }
}

/// A hand-written migration with a data step a squash cannot repeat.
const DATA_STEP: &str = r#"use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("UPDATE users SET name = email")
            .await
            .map(|_| ())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
"#;

#[test]
fn squashmigrations_replaces_a_range_for_databases_at_every_point_of_it() {
    let s = Scenario::new("teams_squash");
    s.build();
    let mut names = vec![make(&s, "initial")];
    add_field(&s, "user.rs", "pub bio: Option<String>,");
    names.push(make(&s, "user bio"));
    add_field(&s, "event.rs", "pub notes: Option<String>,");
    names.push(make(&s, "event notes"));
    add_field(&s, "attendee.rs", "pub comment: Option<String>,");
    names.push(make(&s, "attendee comment"));
    let out = s
        .manage(&["makemigrations", "--empty", "-m", "copy emails"])
        .expect(0);
    let data = created_migration(&out.stdout).unwrap();
    fs::write(s.path(&format!("migrations/src/{data}.rs")), DATA_STEP).unwrap();
    s.build();

    // One database per point: none applied, then each of the four.
    let mut points = Vec::new();
    for backend in ALL {
        for applied in 0..=4 {
            let Some(db) = TestDb::create(backend, &format!("squash{applied}")) else {
                break;
            };
            if applied > 0 {
                s.manage_at(&db.url, &["migrate", &names[applied - 1]])
                    .expect(0);
            }
            points.push((applied, db));
        }
    }

    // The data step cannot be generated: a range that holds it is refused.
    let out = s
        .manage(&["squashmigrations", &names[1], &data, "--no-input"])
        .expect(3);
    assert!(
        out.stderr.contains(&data) && out.stderr.contains("UPDATE users SET name = email"),
        "{}",
        out.stderr
    );
    let out = s
        .manage(&["squashmigrations", &names[1], &names[3], "--no-input"])
        .expect(0);
    assert!(
        out.stdout.contains("replacing 3 migrations"),
        "{}",
        out.stdout
    );
    let squashed = created_migration(&out.stdout).unwrap();
    let lib = fs::read_to_string(s.path("migrations/src/lib.rs")).unwrap();
    for original in &names[1..] {
        assert!(!s.path(&format!("migrations/src/{original}.rs")).exists());
        assert!(!lib.contains(original.as_str()), "{lib}");
    }
    let code = fs::read_to_string(s.path(&format!("migrations/src/{squashed}.rs"))).unwrap();
    assert!(
        code.contains(&format!("//! Replaces: {}", names[1..].join(", "))),
        "{code}"
    );
    s.build();
    s.manage(&["snapshot", "verify"]).expect(0);
    s.manage(&["testmigrations"]).expect(0);

    for (applied, db) in &points {
        let _stage = stage(format!("{} with {applied} applied", db.backend));
        let url = db.url.as_str();
        match applied {
            2 | 3 => {
                let out = s.manage_at(url, &["migrate"]).expect(3);
                assert!(
                    out.stderr.contains(&format!(
                        "applied {} of the 3 migrations squashed into {squashed}",
                        applied - 1
                    )),
                    "{}",
                    out.stderr
                );
                s.manage_at(url, &["check", "--no-replay"]).expect(1);
                continue;
            }
            4 => {
                // Applied already: only the data step after the squash runs.
                let out = s.manage_at(url, &["migrate"]).expect(0);
                assert!(!out.stdout.contains(&squashed), "{}", out.stdout);
                assert!(out.stdout.contains(&data), "{}", out.stdout);
            }
            _ => {
                let out = s.manage_at(url, &["migrate"]).expect(0);
                assert!(out.stdout.contains(&squashed), "{}", out.stdout);
            }
        }
        s.manage_at(url, &["check", "--no-replay"]).expect(0);
        // Reverting the squash reverts what the originals made, and forgets them.
        s.manage_at(url, &["rollback", "--steps", "2", "--yes"])
            .expect(0);
        let out = s
            .manage_at(url, &["showmigrations", "--format", "json"])
            .expect(0);
        let listed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert!(!out.stdout.contains(&names[1]), "{listed}");
        s.manage_at(url, &["migrate"]).expect(0);
        s.manage_at(url, &["check", "--no-replay"]).expect(0);
    }
}

/// A user who may not create databases gets a clear refusal naming `--scratch`, and
/// `--scratch` replays in the empty database it names, refusing one that is not empty.
#[test]
fn without_the_right_to_create_databases_scratch_names_one() {
    let Some(scratch) = TestDb::create(Backend::Postgres, "scratch") else {
        return;
    };
    let Some(own) = TestDb::create(Backend::Postgres, "limited") else {
        return;
    };
    let role = format!("manage_t_limited_{}", std::process::id());
    crate::support::db::execute(
        &scratch.url,
        &[
            &format!("DROP ROLE IF EXISTS {role}"),
            &format!("CREATE ROLE {role} LOGIN NOCREATEDB"),
        ],
    );
    let limited = own.url.replacen("postgres@", &format!("{role}@"), 1);
    let s = Scenario::new("teams_scratch");
    s.build();
    s.manage(&["makemigrations", "-m", "initial"]).expect(0);
    s.build();

    let out = s.manage_at(&limited, &["snapshot", "verify"]).expect(3);
    assert!(
        out.stderr.contains("the right to create databases") && out.stderr.contains("--scratch"),
        "{}",
        out.stderr
    );
    s.manage_at(&limited, &["testmigrations"]).expect(3);
    let out = s
        .manage_at(&limited, &["snapshot", "verify", "--scratch", &scratch.url])
        .expect(0);
    assert!(out.stdout.contains("1 replayed"), "{}", out.stdout);
    // The named database is left as it is: now it is not empty.
    let out = s
        .manage_at(&limited, &["snapshot", "verify", "--scratch", &scratch.url])
        .expect(3);
    assert!(out.stderr.contains("is not empty"), "{}", out.stderr);
    drop(own);
    crate::support::db::execute(&scratch.url, &[&format!("DROP ROLE IF EXISTS {role}")]);
}
