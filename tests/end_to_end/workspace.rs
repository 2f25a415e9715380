//! `manage` added to an existing SeaORM workspace, as the README says, on every
//! backend: a copy of `tests/fixtures/sea-orm-cli` (sea-orm-cli's `entity/` and
//! `migration/` crates and an app using them) gets a `manage/` crate of three small
//! files, and then adopts the migrated database, generates a migration from an edited
//! entity, applies it, checks, and rolls it back, while the migration crate's own
//! `run_cli` keeps working beside it. No file of the app or its crates moves.

use crate::support;
use crate::support::stage::stage;

use crate::support::db::{ALL, TestDb};
use crate::support::{Run, repo_root, target_dir};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate the README's section adds, with this checkout's engine. Named
/// `manage-fixture` rather than `manage` only because it shares this repository's
/// target directory, where `target/debug/manage` is the repository's own binary.
fn manage_crate(repo: &Path) -> [(&'static str, String); 3] {
    [
        (
            "manage/Cargo.toml",
            format!(
                "[package]\nname = \"manage-fixture\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nmanage = {{ package = \"manage-engine\", path = {:?} }}\n\
                 entity = {{ path = \"../entity\" }}\nmigration = {{ path = \"../migration\" }}\n\n\
                 [build-dependencies]\nmanage-build = {{ path = {:?} }}\n",
                repo.join("engine").display().to_string(),
                repo.join("build-support").display().to_string(),
            ),
        ),
        (
            "manage/build.rs",
            "fn main() {\n    manage_build::build();\n}\n".into(),
        ),
        ("manage/src/main.rs", "manage::main!();\n".into()),
    ]
}

/// Every file under `dir` with its contents, for "nothing moved".
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A fresh copy of the fixture with manage added; the same directory every time, so
/// that its builds are incremental.
fn workspace() -> PathBuf {
    let repo = repo_root();
    let dir = target_dir().join("fixtures/sea-orm-cli");
    let _ = fs::remove_dir_all(&dir);
    copy_dir(&repo.join("tests/fixtures/sea-orm-cli"), &dir);
    for (path, text) in manage_crate(&repo) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let manifest = dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    let members = "members = [\"app\", \"entity\", \"migration\"]";
    assert!(text.contains(members), "the fixture's members changed");
    fs::write(
        &manifest,
        text.replace(
            members,
            "members = [\"app\", \"entity\", \"migration\", \"manage\"]",
        ),
    )
    .unwrap();
    fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn cargo(dir: &Path, args: &[&str]) -> Run {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Run::from_output(
        Command::new(cargo)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("run cargo"),
    )
}

fn build(dir: &Path) {
    cargo(
        dir,
        &["build", "--quiet", "--offline", "-p", "manage-fixture"],
    )
    .ok();
}

/// Downloads what the fixture needs beyond this repository's own build (the migration
/// crate's `run_cli` needs sea-orm-migration's command line); a no-op once cached, and
/// harmless offline, where the builds then say what is missing.
fn fetch(dir: &Path) {
    let _ = cargo(dir, &["fetch", "--quiet"]);
}

#[test]
fn manage_added_to_a_sea_orm_cli_workspace_runs_the_whole_workflow() {
    let bin = target_dir().join("debug/manage-fixture");
    let created =
        regex::Regex::new(r"Created migration/src/(m\d{8}_\d{6}_add_fruit_price)\.rs").unwrap();
    for backend in ALL {
        let _stage = stage(format!("on {backend}"));
        let Some(t) = TestDb::create(backend, "workspace") else {
            continue;
        };
        let url = t.url.as_str();
        let dir = workspace();
        let app_before = snapshot(&dir.join("app"));
        fetch(&dir);
        build(&dir);
        let manage = |args: &[&str]| {
            let mut full = vec!["--database-url", url];
            full.extend_from_slice(args);
            support::run(&bin, &dir, &full)
        };

        // The database as the project's own migrations built it (a `.unique_key()`, a
        // named index and foreign key, a server default), adopted by entities that
        // agree with it except for one new column: the first migration holds exactly
        // that column, none of the ways the backend spells the rest.
        manage(&["migrate"]).ok();
        let cake = dir.join("entity/src/entities/cake.rs");
        let text = fs::read_to_string(&cake).unwrap();
        let edited = text.replace(
            "    pub name: String,\n",
            "    pub name: String,\n    pub description: Option<String>,\n",
        );
        assert_ne!(edited, text);
        fs::write(&cake, edited).unwrap();
        build(&dir);
        let out = manage(&["makemigrations", "--adopt", "-m", "adopt"]).ok();
        let operations: Vec<&str> = out
            .stdout
            .lines()
            .filter(|l| l.starts_with("  - "))
            .collect();
        assert_eq!(
            operations,
            ["  - Add column cake.description"],
            "{}: {}",
            backend.name(),
            out.stdout
        );
        assert!(dir.join("migration/schema/tables/fruit.json").is_file());
        // What the entities do not declare (the fixture's second migration: a partial
        // index, checks, a trigger, a view, a server default, a column) is kept, and
        // said to be kept; a default is offered for adoption into its entity.
        assert!(
            out.stderr.contains(
                "trigger fruit_touch on fruit is not declared by its entity: kept as unmanaged"
            ) && out.stderr.contains("column fruit.origin is not declared")
                && out.stderr.contains("view fruit_stock is kept as unmanaged"),
            "{}: {}",
            backend.name(),
            out.stderr
        );
        if backend != support::db::Backend::Sqlite {
            assert!(
                out.stderr
                    .contains("to declare it, add #[sea_orm(default_value = \"unnamed\")]"),
                "{}: {}",
                backend.name(),
                out.stderr
            );
        }
        // The database's own objects on fruit (those a live database reports as such:
        // its columns and defaults are simply columns there) and its views.
        let unmanaged = |what: &str| {
            let live = manage(&["schema", "--from", what]).ok();
            let live: serde_json::Value = serde_json::from_str(&live.stdout).unwrap();
            let objects: Vec<serde_json::Value> = live["tables"]["fruit"]["unmanaged"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|u| u.get("backend").is_some())
                .cloned()
                .collect();
            (objects, live["views"].clone())
        };
        let adopted = unmanaged("snapshot");
        assert_eq!(unmanaged("database"), adopted, "{}", backend.name());
        build(&dir);
        manage(&["migrate"]).ok();
        let out = manage(&["check"]).ok();
        for object in [
            "trigger fruit_touch on fruit",
            "column fruit.origin",
            "check constraint",
            "view fruit_stock",
        ] {
            assert!(
                out.stdout.contains(object),
                "{}: {object}: {}",
                backend.name(),
                out.stdout
            );
        }

        // An entity edit becomes a migration in the migration crate, registered in
        // its lib.rs as sea-orm-cli writes it. Making `name` nullable rebuilds the
        // table on SQLite and restates the column on MySQL: the database's own
        // objects survive both, and the rollback.
        let fruit = dir.join("entity/src/entities/fruit.rs");
        let text = fs::read_to_string(&fruit).unwrap();
        let edited = text
            .replace(
                "    pub cake_id: Option<i32>,\n",
                "    pub cake_id: Option<i32>,\n    pub price: Option<i32>,\n",
            )
            .replace("    pub name: String,\n", "    pub name: Option<String>,\n");
        assert_ne!(edited, text);
        fs::write(&fruit, edited).unwrap();
        build(&dir);
        let out = manage(&["makemigrations", "-m", "add fruit price"]).ok();
        let name = created
            .captures(&out.stdout)
            .unwrap_or_else(|| panic!("{}: {}", backend.name(), out.stdout))[1]
            .to_string();
        let lib = fs::read_to_string(dir.join("migration/src/lib.rs")).unwrap();
        assert!(
            lib.contains(&format!("mod {name};")) && lib.contains(&format!("{name}::Migration")),
            "{lib}"
        );
        build(&dir);
        manage(&["migrate"]).ok();
        manage(&["check"]).ok();
        assert_eq!(unmanaged("database"), adopted, "{}", backend.name());

        // The migration crate's own command line sees what manage applied.
        let status = cargo(
            &dir,
            &[
                "run",
                "--quiet",
                "--offline",
                "-p",
                "migration",
                "--",
                "-u",
                url,
                "status",
            ],
        )
        .ok();
        assert!(
            status.stdout.contains(&name) || status.stderr.contains(&name),
            "{}: {}{}",
            backend.name(),
            status.stdout,
            status.stderr
        );

        // The latest change to fruit goes; the adopted cake keeps its new column.
        manage(&["rollback", "fruit", "--yes"]).ok();
        let live = manage(&["schema", "--from", "database"]).ok();
        let live: serde_json::Value = serde_json::from_str(&live.stdout).unwrap();
        let columns = &live["tables"]["fruit"]["columns"];
        assert!(
            columns
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["name"] != "price"),
            "{}: {columns}",
            backend.name()
        );
        assert_eq!(unmanaged("database"), adopted, "{}", backend.name());

        // A change to what the database alone has is a problem `check` names.
        manage(&["migrate"]).ok();
        let drop_trigger = match backend {
            support::db::Backend::Postgres => "DROP TRIGGER fruit_touch ON fruit",
            _ => "DROP TRIGGER fruit_touch",
        };
        support::db::execute(
            url,
            &[
                drop_trigger,
                "CREATE VIEW cake_names AS SELECT name FROM cake",
            ],
        );
        let out = manage(&["check"]).expect(1);
        assert!(
            out.stdout.contains(
                "trigger fruit_touch on fruit is in the snapshot but not in the database"
            ) && out
                .stdout
                .contains("view cake_names is in the database but not in the snapshot"),
            "{}: {}",
            backend.name(),
            out.stdout
        );
        // What hand-written SQL made or removed since is recorded on request.
        let out = manage(&["makemigrations", "--adopt", "-m", "record"]).ok();
        assert!(
            out.stdout.contains("recorded view cake_names")
                && out.stdout.contains("forgot trigger fruit_touch on fruit")
                && out.stdout.contains("No changes detected"),
            "{}: {}",
            backend.name(),
            out.stdout
        );
        manage(&["check"]).ok();
        assert_eq!(snapshot(&dir.join("app")), app_before, "the app changed");
    }
}
