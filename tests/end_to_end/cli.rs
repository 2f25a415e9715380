//! The command line through the real binary: its contract, its errors, and what it
//! writes (or, on bad input, does not write). Uses a temporary project with no
//! migrations, so the binary's example models are all new to it.

use crate::support;
use crate::support::stage::stage;

use crate::support::db::{ALL, TestDb, execute};
use crate::support::{EMPTY_MIGRATOR, Run, bin, run, run_at};
use sea_orm_migration::MigratorTrait;
use std::fs;
use std::path::Path;

/// A project directory with no migrations yet.
fn empty_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("models")).unwrap();
    fs::create_dir_all(dir.path().join("migrations/src")).unwrap();
    fs::write(dir.path().join("migrations/src/lib.rs"), EMPTY_MIGRATOR).unwrap();
    dir
}

/// Every file under `dir`, relative, sorted: to prove that nothing was written.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

fn manage(dir: &Path, args: &[&str]) -> Run {
    run(&bin(), dir, args)
}

#[test]
fn usage_errors_exit_2() {
    let dir = empty_project();
    manage(dir.path(), &["frobnicate"]).expect(2);
    let out = manage(dir.path(), &["migrate", "--no-such-flag"]).expect(2);
    assert!(out.stderr.contains("--no-such-flag"));
    manage(dir.path(), &["rollback", "--steps", "many"]).expect(2);
}

#[test]
fn help_shows_every_command_with_examples() {
    let dir = empty_project();
    let out = manage(dir.path(), &["--help"]).ok();
    for command in [
        "makemigrations",
        "migrate",
        "rollback",
        "showmigrations",
        "history",
        "check",
        "schema",
        "sqlmigrate",
        "current",
        "completions",
    ] {
        assert!(
            out.stdout.contains(command),
            "--help does not mention {command}"
        );
        let help = manage(dir.path(), &[command, "--help"]).ok();
        assert!(
            help.stdout.contains("Example"),
            "{command} --help has no example"
        );
    }
}

#[test]
fn makemigrations_without_a_message_and_without_a_terminal_writes_nothing() {
    let dir = empty_project();
    let before = files(dir.path());
    let out = manage(dir.path(), &["makemigrations"]).expect(3);
    assert!(out.stderr.contains("-m"), "{}", out.stderr);
    assert_eq!(files(dir.path()), before);
}

#[test]
fn makemigrations_check_dry_run_and_write() {
    let dir = empty_project();
    let before = files(dir.path());
    let out = manage(dir.path(), &["makemigrations", "--check"]).expect(1);
    assert!(out.stdout.contains("Create table users"));

    let dry = manage(dir.path(), &["makemigrations", "--dry-run", "-m", "first"]).ok();
    assert!(dry.stdout.contains("impl MigrationTrait for Migration"));
    assert_eq!(files(dir.path()), before, "--dry-run wrote something");

    manage(
        dir.path(),
        &["makemigrations", "first", "-m", "First models"],
    )
    .ok();
    let written = files(dir.path());
    let migration = written
        .iter()
        .find(|f| f.starts_with("migrations/src/m") && f.ends_with("_first.rs"))
        .expect("a migration file");
    assert!(written.contains(&"migrations/schema/tables/users.json".to_string()));
    assert!(written.contains(&"migrations/schema/enums/event_status.json".to_string()));
    let name = migration
        .trim_start_matches("migrations/src/")
        .trim_end_matches(".rs");
    let lib = fs::read_to_string(dir.path().join("migrations/src/lib.rs")).unwrap();
    assert!(lib.contains(&format!("mod {name};")));
    assert!(lib.contains(&format!("Box::new({name}::Migration),")));
    let source = fs::read_to_string(dir.path().join(migration)).unwrap();
    assert!(source.starts_with("//! First models\n"));
    assert!(source.contains("async fn down("));

    let again = manage(dir.path(), &["makemigrations", "-m", "nothing"]).ok();
    assert!(again.stdout.contains("No changes detected"));
    manage(dir.path(), &["makemigrations", "--check"]).ok();
    assert_eq!(
        files(dir.path()).len(),
        written.len(),
        "no-change run wrote something"
    );

    // The snapshot is deterministic: writing it again from the same models changes nothing.
    let snapshot =
        fs::read_to_string(dir.path().join("migrations/schema/tables/events.json")).unwrap();
    fs::remove_file(dir.path().join("migrations/schema/tables/events.json")).unwrap();
    let rest = fs::read_dir(dir.path().join("migrations/src"))
        .unwrap()
        .count();
    manage(dir.path(), &["makemigrations", "-m", "events again"]).ok();
    assert_eq!(
        fs::read_to_string(dir.path().join("migrations/schema/tables/events.json")).unwrap(),
        snapshot
    );
    assert_eq!(
        fs::read_dir(dir.path().join("migrations/src"))
            .unwrap()
            .count(),
        rest + 1
    );
}

/// rustfmt only lays the file out: without it, makemigrations writes the same code
/// unlaid, and rustfmt turns that into exactly what it writes with rustfmt.
#[test]
fn without_rustfmt_the_same_migration_is_written_unformatted() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = empty_project();
    let args = ["makemigrations", "--dry-run", "-m", "first"];
    let formatted = manage(dir.path(), &args).ok().stdout;
    let raw = Run::from_output(
        Command::new(bin())
            .args(args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env("RUSTFMT", dir.path().join("no-such-rustfmt"))
            .output()
            .unwrap(),
    )
    .ok()
    .stdout;
    assert!(raw.contains("impl MigrationTrait for Migration"));
    assert_ne!(raw, formatted, "the fallback was formatted anyway");

    let mut rustfmt = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt runs");
    rustfmt
        .stdin
        .take()
        .unwrap()
        .write_all(raw.as_bytes())
        .unwrap();
    let laid_out = rustfmt.wait_with_output().unwrap();
    assert!(laid_out.status.success());
    assert_eq!(String::from_utf8(laid_out.stdout).unwrap(), formatted);
}

#[test]
fn makemigrations_empty_writes_a_registered_skeleton() {
    let dir = empty_project();
    manage(
        dir.path(),
        &["makemigrations", "--empty", "-m", "backfill emails"],
    )
    .ok();
    // At once again, with the same message: a second file, never the first rewritten.
    manage(
        dir.path(),
        &["makemigrations", "--empty", "-m", "backfill emails"],
    )
    .ok();
    let lib = fs::read_to_string(dir.path().join("migrations/src/lib.rs")).unwrap();
    let written: Vec<String> = files(dir.path())
        .into_iter()
        .filter(|f| f.ends_with("_backfill_emails.rs"))
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    for file in &written {
        let module = Path::new(file).file_stem().unwrap().to_str().unwrap();
        assert_eq!(
            lib.matches(&format!("{module}::Migration")).count(),
            1,
            "{lib}"
        );
    }
    assert!(
        !dir.path().join("migrations/schema").exists(),
        "--empty changed the snapshot"
    );
    // A text-direction control in the message (which Rust refuses in source) is
    // written as its escape.
    manage(
        dir.path(),
        &["makemigrations", "--empty", "-m", "pay \u{202E}lanigiro"],
    )
    .ok();
    let file = files(dir.path())
        .into_iter()
        .find(|f| f.ends_with("_pay_lanigiro.rs"))
        .unwrap();
    let text = fs::read_to_string(dir.path().join(file)).unwrap();
    assert!(
        text.starts_with("//! pay \\u{202E}lanigiro\n") && !text.contains('\u{202E}'),
        "{text}"
    );
}

fn pty(dir: &Path, expect: &str, send: &str, args: &[&str]) -> Run {
    let script = support::repo_root().join("tests/end_to_end/support/drive_tty.py");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(script)
        .arg(dir)
        .arg(expect)
        .arg(send)
        .arg("--")
        .arg(bin())
        .args(args);
    Run::from_output(cmd.output().expect("python3 runs"))
}

#[test]
fn makemigrations_prompts_for_a_message_on_a_terminal() {
    let dir = empty_project();
    let out = pty(
        dir.path(),
        "Migration message",
        "add everything\\r",
        &["makemigrations"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        files(dir.path())
            .iter()
            .any(|f| f.ends_with("_add_everything.rs")),
        "{}",
        out.stdout
    );
}

#[test]
fn ctrl_c_at_the_prompt_writes_nothing() {
    let dir = empty_project();
    let before = files(dir.path());
    let out = pty(
        dir.path(),
        "Migration message",
        "half a mess\\x03",
        &["makemigrations"],
    );
    assert!(
        out.stdout.contains("Migration message"),
        "no prompt: {}",
        out.stdout
    );
    assert_ne!(out.code, 99, "the prompt never appeared: {}", out.stdout);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert_eq!(files(dir.path()), before);
}

#[test]
fn unreachable_database_names_host_and_database_but_not_the_password() {
    let dir = empty_project();
    for url in [
        "postgres://app:hunter2secret@127.0.0.1:1/shop",
        "mysql://app:hunter2secret@127.0.0.1:1/shop",
    ] {
        let out = manage(dir.path(), &["--database-url", url, "migrate"]).expect(3);
        let all = format!("{}{}", out.stdout, out.stderr);
        assert!(all.contains("shop") && all.contains("127.0.0.1:1"), "{all}");
        assert!(!all.contains("hunter2secret"), "password printed: {all}");
    }
    let out = manage(dir.path(), &["--database-url", "oracle://x", "migrate"]).expect(3);
    assert!(out.stderr.contains("unsupported database URL"));
}

#[test]
fn database_url_comes_from_env_then_dotenv_then_the_default() {
    let dir = empty_project();
    manage(dir.path(), &["migrate"]).ok();
    assert!(
        dir.path().join("db.sqlite3").exists(),
        "default database not in the project root"
    );

    let other = dir.path().join("from_dotenv.sqlite3");
    fs::write(
        dir.path().join(".env"),
        format!("DATABASE_URL=sqlite://{}?mode=rwc\n", other.display()),
    )
    .unwrap();
    manage(dir.path(), &["migrate"]).ok();
    assert!(other.exists(), ".env was not read");

    let env = dir.path().join("from_env.sqlite3");
    let out = std::process::Command::new(bin())
        .arg("migrate")
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", env.display()),
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        env.exists(),
        "DATABASE_URL from the environment was not used"
    );
}

/// `manage` and sea-orm-migration read and write the same `seaql_migrations` rows.
#[test]
fn seaql_migrations_rows_are_shared_with_sea_orm_migration() {
    let repo = support::repo_root();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "compat") else {
            continue;
        };
        let url = db.url.as_str();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let conn = rt.block_on(sea_orm::Database::connect(url)).unwrap();
        let names: Vec<String> = migrations::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_string())
            .collect();

        manage(&repo, &["--database-url", url, "migrate"]).ok();
        let applied = rt
            .block_on(migrations::Migrator::get_applied_migrations(&conn))
            .unwrap();
        assert_eq!(
            applied
                .iter()
                .map(|m| m.name().to_string())
                .collect::<Vec<_>>(),
            names
        );
        assert!(
            rt.block_on(migrations::Migrator::get_pending_migrations(&conn))
                .unwrap()
                .is_empty()
        );

        manage(&repo, &["--database-url", url, "rollback", "--yes"]).ok();
        let pending = rt
            .block_on(migrations::Migrator::get_pending_migrations(&conn))
            .unwrap();
        assert_eq!(pending.len(), 1, "{}", backend.name());

        // And the other way round: sea-orm-migration applies, manage sees it.
        rt.block_on(migrations::Migrator::up(&conn, None)).unwrap();
        let listed = manage(
            &repo,
            &["--database-url", url, "showmigrations", "--format", "json"],
        )
        .ok();
        let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["applied_at"].is_i64())
        );
        manage(&repo, &["--database-url", url, "check"]).ok();
        rt.block_on(conn.close()).unwrap();
    }
}

#[test]
fn migrate_plan_and_rollback_dry_run_change_nothing() {
    let dir = empty_project();
    manage(dir.path(), &["makemigrations", "-m", "first"]).ok();
    // This binary's migrator is the repository's; plan against its own project.
    let repo = support::repo_root();
    let db = TestDb::create(support::db::Backend::Sqlite, "plan").unwrap();
    let url = db.url.as_str();
    let plan = manage(&repo, &["--database-url", url, "migrate", "--plan"]).ok();
    assert!(plan.stdout.contains("apply"), "{}", plan.stdout);
    let listed = manage(&repo, &["--database-url", url, "showmigrations"]).ok();
    assert!(listed.stdout.contains("[ ]"), "--plan applied something");

    manage(&repo, &["--database-url", url, "migrate"]).ok();
    manage(&repo, &["--database-url", url, "rollback", "--dry-run"]).ok();
    let out = manage(&repo, &["--database-url", url, "rollback"]).expect(3);
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    let listed = manage(&repo, &["--database-url", url, "showmigrations"]).ok();
    assert!(
        listed.stdout.contains("[X]"),
        "a rollback ran without confirmation"
    );
    manage(&repo, &["--database-url", url, "migrate", "nope"]).expect(3);
}

#[test]
fn a_registered_migration_missing_from_the_binary_is_reported() {
    // makemigrations registers a migration in the scratch project that this binary,
    // built from the repository, lacks: as when no rebuild followed makemigrations.
    let dir = empty_project();
    manage(dir.path(), &["makemigrations", "-m", "first"]).ok();
    let name = files(dir.path())
        .into_iter()
        .find(|f| f.starts_with("migrations/src/m") && f.ends_with("_first.rs"))
        .expect("a migration file")
        .trim_start_matches("migrations/src/")
        .trim_end_matches(".rs")
        .to_string();
    let said = format!(
        "migration {name} is registered in migrations/src/lib.rs but this binary was built without it"
    );
    let db = TestDb::create(support::db::Backend::Sqlite, "not_built").unwrap();
    let url = db.url.as_str();

    let out = manage(dir.path(), &["--database-url", url, "migrate", "--plan"]).ok();
    assert!(out.stderr.contains(&said), "{}", out.stderr);
    let out = manage(dir.path(), &["--database-url", url, "check"]).expect(1);
    assert!(
        out.stdout.contains(&said) || out.stderr.contains(&said),
        "{}{}",
        out.stdout,
        out.stderr
    );

    // The repository's own binary and sources agree: nothing to say.
    let out = manage(&support::repo_root(), &["--database-url", url, "migrate"]).ok();
    assert!(!out.stderr.contains("built without it"), "{}", out.stderr);
}

/// A project directory holding copies of the repository's scripts, whose `manage`
/// wrapper runs this test's binary.
fn project_with_scripts() -> tempfile::TempDir {
    let dir = empty_project();
    for script in ["manage", "migrate.sh", "makemigration.sh"] {
        fs::copy(support::repo_root().join(script), dir.path().join(script)).unwrap();
    }
    dir
}

#[test]
fn migrate_sh_applies_and_waits_a_bounded_time() {
    let dir = project_with_scripts();
    manage(dir.path(), &["makemigrations", "-m", "first"]).ok();
    let script = |url: &str| {
        let out = std::process::Command::new(dir.path().join("migrate.sh"))
            .current_dir(dir.path())
            .env("MANAGE_BIN", bin())
            .env("MANAGE_DB_WAIT", "2")
            .env("DATABASE_URL", url)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        Run::from_output(out)
    };
    // This binary carries the repository's migrations; against SQLite they apply.
    let db = dir.path().join("app.sqlite3");
    let out = script(&format!("sqlite://{}?mode=rwc", db.display())).ok();
    assert!(out.stdout.contains("Applied"), "{}", out.stdout);

    let started = std::time::Instant::now();
    let out = script("postgres://app:pw@127.0.0.1:1/app").expect(3);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        out.stderr.contains("waiting for the database"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did not come up within 2s"),
        "{}",
        out.stderr
    );
}

#[test]
fn makemigration_sh_prompts_for_the_message() {
    let dir = project_with_scripts();
    let script = dir.path().join("makemigration.sh");
    let drive = support::repo_root().join("tests/end_to_end/support/drive_tty.py");
    let out = std::process::Command::new("python3")
        .arg(drive)
        .arg(dir.path())
        .arg("Migration message")
        .arg("from the script\\r")
        .arg("--")
        .arg(script)
        .env("MANAGE_BIN", bin())
        .output()
        .unwrap();
    let out = Run::from_output(out);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        files(dir.path())
            .iter()
            .any(|f| f.ends_with("_from_the_script.rs"))
    );
}

/// A project with sea-orm migrations but no snapshot adopts one from its database,
/// and it is exactly the snapshot makemigrations would have written.
#[test]
fn adopting_an_existing_project_reads_the_snapshot_from_the_database() {
    let repo = support::repo_root();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "adopt") else {
            continue;
        };
        let url = db.url.as_str();
        manage(&repo, &["--database-url", url, "migrate"]).ok();

        // The repository's migrations, registered (lib.rs lists the directory), and
        // no snapshot.
        let dir = empty_project();
        for entry in fs::read_dir(repo.join("migrations/src")).unwrap() {
            let path = entry.unwrap().path();
            fs::copy(
                &path,
                dir.path()
                    .join("migrations/src")
                    .join(path.file_name().unwrap()),
            )
            .unwrap();
        }
        let before = files(dir.path());
        let refused = manage(
            dir.path(),
            &["--database-url", url, "makemigrations", "-m", "x"],
        )
        .expect(3);
        assert!(refused.stderr.contains("--adopt"), "{}", refused.stderr);
        assert_eq!(files(dir.path()), before);
        // check says the same, once, instead of calling every table a difference.
        let checked = manage(
            dir.path(),
            &["--database-url", url, "check", "--format", "json"],
        )
        .expect(1);
        let problems: serde_json::Value = serde_json::from_str(&checked.stdout).unwrap();
        let problems: Vec<&str> = problems["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        let count = |needle: &str| problems.iter().filter(|p| p.contains(needle)).count();
        assert_eq!(count("makemigrations --adopt"), 1, "{problems:#?}");
        assert_eq!(count("database differs"), 0, "{problems:#?}");
        assert_eq!(count("models have a change"), 0, "{problems:#?}");

        let out = manage(
            dir.path(),
            &[
                "--database-url",
                url,
                "makemigrations",
                "--adopt",
                "-m",
                "x",
            ],
        )
        .ok();
        assert!(
            out.stdout.contains("No changes detected"),
            "{}: {}",
            backend.name(),
            out.stdout
        );
        for file in files(&repo.join("migrations/schema")) {
            assert_eq!(
                fs::read_to_string(dir.path().join("migrations/schema").join(&file)).unwrap(),
                fs::read_to_string(repo.join("migrations/schema").join(&file)).unwrap(),
                "{}: adopted {file} differs",
                backend.name()
            );
        }
    }
}

/// Without a terminal, a new NOT NULL column needs --default; nothing is written.
#[test]
fn a_new_not_null_column_without_an_answer_writes_nothing() {
    let repo = support::repo_root();
    let dir = empty_project();
    fs::copy(
        repo.join("migrations/src/lib.rs"),
        dir.path().join("migrations/src/lib.rs"),
    )
    .unwrap();
    // The snapshot says users had no `name` column yet.
    let schema = dir.path().join("migrations/schema");
    for file in files(&repo.join("migrations/schema")) {
        fs::create_dir_all(schema.join(&file).parent().unwrap()).unwrap();
        fs::copy(
            repo.join("migrations/schema").join(&file),
            schema.join(&file),
        )
        .unwrap();
    }
    let users = schema.join("tables/users.json");
    let mut table: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&users).unwrap()).unwrap();
    table["columns"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["name"] != "name");
    fs::write(&users, serde_json::to_string_pretty(&table).unwrap() + "\n").unwrap();

    let before = files(dir.path());
    let out = manage(dir.path(), &["makemigrations", "-m", "add name"]).expect(3);
    assert!(
        out.stderr.contains("--default users.name="),
        "{}",
        out.stderr
    );
    assert_eq!(files(dir.path()), before);

    let out = manage(
        dir.path(),
        &[
            "makemigrations",
            "-m",
            "add name",
            "--default",
            "users.name=Anonymous",
        ],
    )
    .ok();
    assert!(
        out.stdout
            .contains("Add column users.name (existing rows get 'Anonymous')"),
        "{}",
        out.stdout
    );
}

/// A copy of the repository's migrations and snapshot in a fresh project, so that the
/// test can edit and delete files the binary's migrations came from.
fn project_like_repo() -> tempfile::TempDir {
    let repo = support::repo_root();
    let dir = empty_project();
    for root in ["migrations/src", "migrations/schema"] {
        for file in files(&repo.join(root)) {
            let to = dir.path().join(root).join(&file);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(repo.join(root).join(&file), to).unwrap();
        }
    }
    dir
}

#[test]
fn check_reports_edited_missing_and_unknown_applied_migrations() {
    let timing = regex::Regex::new(r"\(([\d.]+)(ms|s|µs)\)").unwrap();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "integrity") else {
            continue;
        };
        let url = db.url.as_str();
        let dir = project_like_repo();
        let at = |args: &[&str]| {
            let mut full = vec!["--database-url", url];
            full.extend_from_slice(args);
            manage(dir.path(), &full)
        };
        let applied = at(&["migrate"]).ok();
        at(&["check"]).ok();
        let listed = at(&["history", "--table", "users", "--format", "json"]).ok();
        let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        // One figure for one run: what migrate printed is what history keeps.
        // migrate prints a tenth of its unit (ms, or s past a second), history keeps
        // whole milliseconds: they agree within those roundings.
        let (printed, rounding): (f64, f64) = timing
            .captures(&applied.stdout)
            .map(|c| {
                let n: f64 = c[1].parse().unwrap();
                match &c[2] {
                    "s" => (n * 1000.0, 50.0),
                    "µs" => (n / 1000.0, 0.0),
                    _ => (n, 0.05),
                }
            })
            .unwrap_or_else(|| panic!("no duration in {}", applied.stdout));
        let kept = listed[0]["duration_ms"].as_i64().unwrap() as f64;
        assert!(
            (printed - kept).abs() <= 1.0 + rounding,
            "{}: migrate printed {printed} ms, history keeps {kept} ms",
            backend.name()
        );
        let none = at(&["history", "--table", "nothing_here"]).ok();
        assert!(
            none.stdout
                .contains("No applied migration touches nothing_here")
        );

        let name = files(&dir.path().join("migrations/src"))
            .into_iter()
            .find(|f| f.starts_with('m'))
            .unwrap();
        let file = dir.path().join("migrations/src").join(&name);
        let original = fs::read_to_string(&file).unwrap();

        // The same text with Windows line endings is not an edit.
        fs::write(&file, original.replace('\n', "\r\n")).unwrap();
        at(&["check"]).ok();

        fs::write(&file, format!("{original}// a change after applying\n")).unwrap();
        let out = at(&["check"]).expect(1);
        assert!(
            out.stdout.contains("was edited after it was applied"),
            "{}: {}",
            backend.name(),
            out.stdout
        );
        // migrate compares with what it runs, the binary's copy, which has no edit.
        let quiet = at(&["migrate"]).ok();
        assert!(!quiet.stderr.contains("edited"), "{}", quiet.stderr);

        fs::remove_file(&file).unwrap();
        let out = at(&["check", "--format", "json"]).expect(1);
        assert!(out.stdout.contains("is missing"), "{}", out.stdout);
        fs::write(&file, &original).unwrap();
        at(&["check"]).ok();

        // A row for a migration this code does not have (another branch applied it).
        execute(
            url,
            &[
                "INSERT INTO seaql_migrations (version, applied_at) VALUES ('m20990101_000000_from_elsewhere', 0)",
            ],
        );
        let out = at(&["check"]).expect(1);
        assert!(
            out.stdout
                .contains("m20990101_000000_from_elsewhere is recorded as applied"),
            "{}",
            out.stdout
        );
        // `migrate` tolerates it (a rolling deploy), unless told not to.
        let out = at(&["migrate"]).ok();
        assert!(
            out.stderr.contains("m20990101_000000_from_elsewhere"),
            "{}",
            out.stderr
        );
        at(&["migrate", "--fail-on-unknown"]).expect(3);

        // What migrate compares: the checksums the binary's build computed with the
        // recorded ones.
        execute(url, &["UPDATE manage_migrations SET checksum = 'a0'"]);
        let warned = at(&["migrate"]).ok();
        assert!(
            warned.stderr.contains("was edited after it was applied"),
            "{}",
            warned.stderr
        );
    }
}

/// Runs `manage` in `dir` against `url`.
fn at(dir: &Path, url: &str, args: &[&str]) -> Run {
    run_at(&bin(), dir, url, args)
}

#[test]
fn makemigration_sh_answers_a_rename_in_a_terminal_and_ctrl_c_writes_nothing() {
    let dir = project_with_scripts();
    manage(dir.path(), &["makemigrations", "-m", "first"]).ok();
    // The snapshot says `full_name` where the models say `name`: a rename question.
    let users = dir.path().join("migrations/schema/tables/users.json");
    let snapshot = fs::read_to_string(&users).unwrap();
    assert!(snapshot.contains("\"name\": \"name\""));
    fs::write(
        &users,
        snapshot.replace("\"name\": \"name\"", "\"name\": \"full_name\""),
    )
    .unwrap();
    let drive = |pairs: &[&str]| {
        let out = std::process::Command::new("python3")
            .arg(support::repo_root().join("tests/end_to_end/support/drive_tty.py"))
            .arg(dir.path())
            .args(pairs)
            .arg("--")
            .arg(dir.path().join("makemigration.sh"))
            .env("MANAGE_BIN", bin())
            .output()
            .unwrap();
        Run::from_output(out)
    };

    // Ctrl-C at the message prompt, after answering the question: nothing written.
    let before = files(dir.path());
    let out = drive(&[
        "Did you rename `users.full_name` to `users.name`?",
        "y",
        "Migration message",
        "half\\x03",
    ]);
    assert_ne!(out.code, 99, "a prompt never appeared: {}", out.stdout);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert_eq!(files(dir.path()), before);

    let out = drive(&[
        "Did you rename `users.full_name` to `users.name`?",
        "y",
        "Migration message",
        "rename the user's name\\r",
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let written = files(&dir.path().join("migrations/src"))
        .into_iter()
        .find(|f| f.ends_with("_rename_the_user_s_name.rs"))
        .unwrap_or_else(|| panic!("no migration written: {}", out.stdout));
    let code = fs::read_to_string(dir.path().join("migrations/src").join(written)).unwrap();
    assert!(
        code.contains("rename_column") && !code.contains("drop_column"),
        "{code}"
    );
}

#[test]
fn sqlmigrate_prints_each_backends_sql_without_a_database() {
    let dir = empty_project();
    // Nothing listens on port 1: the SQL must come without connecting.
    let sql = |url: &str, args: &[&str]| at(dir.path(), url, args).ok().stdout;
    let pg = sql(
        "postgres://app:secret@127.0.0.1:1/app",
        &["sqlmigrate", "initial"],
    );
    assert!(
        pg.contains("BEGIN;\nCREATE TYPE \"event_status\" AS ENUM"),
        "{pg}"
    );
    assert!(
        pg.contains("CREATE TABLE \"users\"") && pg.ends_with("COMMIT;\n"),
        "{pg}"
    );
    assert!(!pg.contains("secret"));
    let my = sql("mysql://root@127.0.0.1:1/app", &["sqlmigrate", "initial"]);
    assert!(
        my.contains("CREATE TABLE `users`") && !my.contains("BEGIN"),
        "{my}"
    );
    assert!(
        my.contains("ENUM('draft', 'published', 'cancelled')"),
        "{my}"
    );
    let lite = sql("sqlite://app.db", &["sqlmigrate", "initial", "--down"]);
    assert!(lite.contains("DROP TABLE \"attendees\";"), "{lite}");
    assert!(
        !dir.path().join("app.db").exists(),
        "sqlmigrate created a database"
    );
    let out = at(dir.path(), "sqlite://app.db", &["sqlmigrate", "nope"]).expect(3);
    assert!(
        out.stderr.contains("no migration matches `nope`"),
        "{}",
        out.stderr
    );
}

#[test]
fn migrate_sql_fake_and_current_on_every_backend() {
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "fake") else {
            continue;
        };
        let dir = project_like_repo();
        let url = db.url.as_str();
        let current = |dir: &Path| {
            let out = at(dir, url, &["current", "--format", "json"]).ok();
            serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()
        };
        let tables = |dir: &Path| {
            let out = at(dir, url, &["schema", "--from", "database"]).ok();
            let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            schema["tables"].as_object().map_or(0, |t| t.len())
        };
        let name = current(dir.path())["head"].as_str().unwrap().to_string();
        assert!(current(dir.path())["current"].is_null());

        // --sql: everything that would run, bookkeeping included; nothing runs.
        let sql = at(dir.path(), url, &["migrate", "--sql"]).ok().stdout;
        assert!(sql.contains(&format!("-- apply {name}")), "{sql}");
        assert!(
            sql.contains("CREATE TABLE") && sql.contains("seaql_migrations"),
            "{sql}"
        );
        assert!(current(dir.path())["current"].is_null());
        assert_eq!(
            tables(dir.path()),
            0,
            "{}: --sql changed the database",
            backend.name()
        );

        // --fake: recorded, not run; check then sees the database lacks the tables.
        let out = at(dir.path(), url, &["migrate", "--fake"]).ok();
        assert!(
            out.stdout.contains(&format!("Faked {name}")),
            "{}",
            out.stdout
        );
        assert_eq!(current(dir.path())["current"], name.as_str());
        assert_eq!(current(dir.path())["pending"], serde_json::json!([]));
        assert_eq!(tables(dir.path()), 0);
        at(dir.path(), url, &["check"]).expect(1);
        let human = at(dir.path(), url, &["current"]).ok();
        assert!(
            human.stdout.contains(&format!("{name} (head)")),
            "{}",
            human.stdout
        );
    }
}

/// `manage_migrations` as releases before `statements_sent` made it.
const OLD_BOOKKEEPING: &str = "CREATE TABLE manage_migrations (\
    version VARCHAR(255) NOT NULL PRIMARY KEY, checksum VARCHAR(64) NULL, duration_ms BIGINT NOT NULL)";

#[test]
fn bookkeeping_made_by_an_earlier_release_is_brought_up_to_date() {
    let added = regex::Regex::new(r"ADD COLUMN \S?statements_sent").unwrap();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "upgrade") else {
            continue;
        };
        let dir = project_like_repo();
        let url = db.url.as_str();
        let sent_column = || {
            support::db::block_on(async {
                let conn = sea_orm::Database::connect(url).await.unwrap();
                let found = conn
                    .execute_unprepared("SELECT statements_sent FROM manage_migrations")
                    .await
                    .is_ok();
                conn.close().await.unwrap();
                found
            })
        };
        use sea_orm::ConnectionTrait;
        execute(url, &[OLD_BOOKKEEPING]);
        assert!(!sent_column());

        // The script --sql prints adds the column once, before the first step needs it.
        let sql = at(dir.path(), url, &["migrate", "--sql"]).ok().stdout;
        assert_eq!(added.find_iter(&sql).count(), 1, "{sql}");
        assert!(!sent_column(), "--sql changed the database");

        at(dir.path(), url, &["migrate"]).ok();
        assert!(sent_column(), "{}: no statements_sent", backend.name());
        at(dir.path(), url, &["check"]).ok();
    }
}

#[test]
fn schema_as_sql_builds_what_the_migrations_build_on_every_backend() {
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(db) = TestDb::create(backend, "schemasql") else {
            continue;
        };
        let dir = project_like_repo();
        let url = db.url.as_str();
        let script = at(dir.path(), url, &["schema", "--format", "sql"])
            .ok()
            .stdout;
        support::db::block_on(async {
            use sea_orm::ConnectionTrait;
            let conn = sea_orm::Database::connect(url).await.unwrap();
            for statement in script.split(";\n").filter(|s| !s.trim().is_empty()) {
                conn.execute_unprepared(statement)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {statement}: {e}", backend.name()));
            }
            conn.close().await.unwrap();
        });
        // Recorded as migrated, the database built from the script has no drift.
        at(dir.path(), url, &["migrate", "--fake"]).ok();
        let out = at(dir.path(), url, &["check"]);
        assert_eq!(out.code, 0, "{}: {}\n{script}", backend.name(), out.stdout);
    }
}

#[test]
fn schema_diagrams_name_every_table_and_relation_and_dot_renders() {
    let dir = empty_project();
    let mermaid = manage(dir.path(), &["schema", "--format", "mermaid"])
        .ok()
        .stdout;
    assert!(mermaid.starts_with("erDiagram\n"), "{mermaid}");
    assert!(mermaid.contains("integer id PK"), "{mermaid}");
    assert!(mermaid.contains("varchar email UK"), "{mermaid}");
    assert!(
        mermaid.contains("users ||--o{ events : \"organizer_id\""),
        "{mermaid}"
    );
    assert!(mermaid.contains("integer event_id PK, FK"), "{mermaid}");

    let dot = manage(dir.path(), &["schema", "--format", "dot"])
        .ok()
        .stdout;
    assert!(dot.contains("\"events\":c1 -> \"users\":c0"), "{dot}");
    let png = dir.path().join("schema.png");
    let rendered = std::process::Command::new("dot")
        .args(["-Tpng", "-o"])
        .arg(&png)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(dot.as_bytes())?;
            child.wait()
        });
    match rendered {
        Ok(status) => {
            assert!(status.success(), "graphviz rejected the DOT:\n{dot}");
            let bytes = fs::read(&png).unwrap();
            assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 1000);
        }
        Err(e) => {
            let line =
                format!("SKIPPED: graphviz `dot` not runnable ({e}); apt-get install graphviz");
            eprintln!("!!!!!!!! {line}");
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{line}");
        }
    }
}

#[test]
fn completions_for_bash_zsh_and_fish_outside_any_project() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = manage(dir.path(), &["completions", shell]).ok();
        assert!(
            out.stdout.contains("makemigrations") && out.stdout.contains("sqlmigrate"),
            "{shell}: {}",
            out.stdout
        );
    }
    manage(dir.path(), &["completions", "tcsh"]).expect(2);
}

#[test]
fn migrate_sh_waits_for_a_database_that_starts_late() {
    let Some(mut server) = support::server::OwnServer::postgres() else {
        eprintln!("SKIPPED: cannot start a PostgreSQL server of the test's own here");
        return;
    };
    let admin = server.url.clone();
    execute(&admin, &["CREATE DATABASE late"]);
    let url = format!("{}/late", admin.rsplit_once('/').unwrap().0);
    server.kill();

    let dir = project_with_scripts();
    let started = std::time::Instant::now();
    let child = std::process::Command::new(dir.path().join("migrate.sh"))
        .current_dir(dir.path())
        .env("MANAGE_BIN", bin())
        .env("MANAGE_DB_WAIT", "60")
        .env("DATABASE_URL", &url)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    server.start();
    let out = Run::from_output(child.wait_with_output().unwrap()).ok();
    assert!(started.elapsed() >= std::time::Duration::from_secs(3));
    assert!(
        out.stderr.contains("waiting for the database"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("Applied"), "{}", out.stdout);
}

/// `PATH` without cargo, as in a runtime image.
fn path_without_cargo() -> String {
    let cargo_dir = std::process::Command::new("sh")
        .args(["-c", "dirname \"$(command -v cargo)\""])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|dir| *dir != cargo_dir && !Path::new(dir).join("cargo").exists())
        .collect::<Vec<_>>()
        .join(":")
}

fn set_mtime(path: &Path, age: std::time::Duration) {
    let file = fs::File::options().append(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - age)
        .unwrap();
}

#[test]
fn scripts_never_run_a_binary_older_than_the_sources() {
    let dir = project_with_scripts();
    manage(dir.path(), &["makemigrations", "-m", "first"]).ok();
    let root = dir.path();
    let hour = std::time::Duration::from_secs(3600);
    let script = |name: &str| {
        let out = std::process::Command::new(root.join(name))
            .arg(if name == "manage" {
                "current"
            } else {
                "--plan"
            })
            .current_dir(root)
            .env("PATH", path_without_cargo())
            .env_remove("CARGO_TARGET_DIR")
            .env("MANAGE_DB_WAIT", "0")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}?mode=rwc", root.join("app.sqlite3").display()),
            )
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        Run::from_output(out)
    };

    // migrate.sh: a release binary older than a migration, and no cargo to rebuild it.
    let release = root.join("target/release/manage");
    fs::create_dir_all(release.parent().unwrap()).unwrap();
    fs::copy(bin(), &release).unwrap();
    set_mtime(&release, hour);
    let out = script("migrate.sh").expect(3);
    assert!(
        out.stderr.contains("is older than") && out.stderr.contains("cargo build --release"),
        "{}",
        out.stderr
    );
    set_mtime(&release, std::time::Duration::ZERO);
    let out = script("migrate.sh").ok();
    assert!(out.stdout.contains("apply"), "{}", out.stdout);

    // ./manage: a dev binary built from another checkout (or from no known one).
    let debug = root.join("target/debug/manage");
    fs::create_dir_all(debug.parent().unwrap()).unwrap();
    fs::copy(bin(), &debug).unwrap();
    let stamp = root.join("target/debug/manage.checkout");
    for stamp_text in [None, Some("/another/checkout\n")] {
        if let Some(text) = stamp_text {
            fs::write(&stamp, text).unwrap();
        }
        let out = script("manage").expect(3);
        assert!(
            out.stderr.contains("built from another checkout"),
            "{}",
            out.stderr
        );
    }
    fs::write(&stamp, format!("{}\n", root.display())).unwrap();
    script("manage").ok();
    set_mtime(&debug, hour);
    script("manage").expect(3);
}

/// The exit codes scripts branch on: 1 "ran and found something", 2 a wrong command
/// line, 3 "could not run".
#[test]
fn exit_codes_tell_found_from_could_not_run() {
    let dir = empty_project();
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite3").display()
    );
    // Could not run: no server there.
    let out = manage(
        dir.path(),
        &[
            "--database-url",
            "postgres://app:pw@127.0.0.1:1/shop",
            "migrate",
        ],
    )
    .expect(3);
    assert!(out.stderr.contains("cannot connect"), "{}", out.stderr);
    // Could not run: a migration that does not exist.
    manage(dir.path(), &["--database-url", &db, "migrate", "m2099"]).expect(3);
    // Usage.
    manage(dir.path(), &["migrate", "--lock-timeout", "soon"]).expect(2);
    // Found something: a migration is written but not applied.
    manage(dir.path(), &["makemigrations", "--empty", "-m", "later"]).ok();
    manage(dir.path(), &["--database-url", &db, "check"]).expect(1);
}

/// Output into a pipe whose reader is gone (`manage ... | head`) is not an error.
#[test]
fn a_closed_pipe_on_stdout_is_not_an_error() {
    let dir = empty_project();
    manage(dir.path(), &["makemigrations", "--empty", "-m", "first"]).ok();
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite3").display()
    );
    for args in [
        vec!["completions", "zsh"],
        vec!["--database-url", &db, "showmigrations"],
        vec!["--database-url", &db, "migrate", "--plan"],
        vec!["schema", "--format", "json"],
    ] {
        let (read, write) = std::io::pipe().unwrap();
        drop(read);
        let out = std::process::Command::new(bin())
            .args(&args)
            .current_dir(dir.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .stdout(write)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

/// `makemigrations` run several times at once (two terminals, an editor's task and a
/// script) registers every migration it writes: each waits for the project's write
/// lock, so none writes lib.rs over another's registration.
#[test]
fn concurrent_makemigrations_lose_no_registration() {
    let dir = empty_project();
    let runs: Vec<_> = (0..8)
        .map(|i| {
            std::process::Command::new(bin())
                .args(["makemigrations", "--empty", "-m", &format!("step {i}")])
                .current_dir(dir.path())
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        Run::from_output(run.wait_with_output().unwrap()).ok();
    }
    let lib = fs::read_to_string(dir.path().join("migrations/src/lib.rs")).unwrap();
    for i in 0..8 {
        let written: Vec<String> = files(dir.path())
            .into_iter()
            .filter(|f| f.ends_with(&format!("_step_{i}.rs")))
            .collect();
        assert_eq!(written.len(), 1, "step {i}: {written:?}");
        let module = Path::new(&written[0])
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            lib.matches(&format!("{module}::Migration")).count(),
            1,
            "{lib}"
        );
    }
}

/// A commit left half-done is finished or undone only under the project's write lock:
/// while another process holds it (a `makemigrations` in the middle of its commit),
/// other commands leave its journal alone.
#[test]
fn journal_recovery_waits_for_the_write_lock() {
    let dir = empty_project();
    let migrations = dir.path().join("migrations");
    let journal = migrations.join(".manage-journal");
    fs::create_dir_all(&journal).unwrap();
    // Staged, but not yet at its commit point (the plan is not in place).
    fs::write(journal.join("0.staged"), "half").unwrap();
    fs::write(journal.join("plan.tmp"), "write\t...").unwrap();
    let db = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite3").display()
    );
    let holder = fs::File::open(&migrations).unwrap();
    holder.lock().unwrap();
    manage(dir.path(), &["--database-url", &db, "showmigrations"]).ok();
    assert!(
        journal.join("0.staged").exists(),
        "recovered under another's lock"
    );
    holder.unlock().unwrap();
    manage(dir.path(), &["--database-url", &db, "showmigrations"]).ok();
    assert!(!journal.exists(), "the abandoned commit was not undone");
}
