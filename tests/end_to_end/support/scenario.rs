//! A throwaway project, built from this repository's engine, whose models a test edits.
//!
//! Its binary is `manage-<label>` (the same `src/main.rs` and engine package, linked
//! with the scenario's models and migrations) and it shares this repository's target
//! directory, so only the scenario's own crates are compiled.

use super::{EMPTY_MIGRATOR, Run, repo_root, run, run_at, target_dir};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The module an entity file of models/src is (`user.rs` is `user`).
fn module_of(file: &str) -> &str {
    file.strip_suffix(".rs").unwrap_or(file)
}

pub struct Scenario {
    pub dir: PathBuf,
    pub bin: PathBuf,
}

impl Scenario {
    /// A project with the repository's example models and no migrations.
    pub fn new(label: &str) -> Scenario {
        let repo = repo_root();
        let dir = target_dir().join("scenarios").join(label);
        let _ = fs::remove_dir_all(dir.join("models"));
        let _ = fs::remove_dir_all(dir.join("migrations"));
        fs::create_dir_all(dir.join("models/src")).unwrap();
        fs::create_dir_all(dir.join("migrations/src")).unwrap();

        // Scenarios build side by side in one target directory: each binary is named
        // after its label.
        let bin_name = format!("manage-{label}");
        let manifest = fs::read_to_string(repo.join("Cargo.toml")).unwrap();
        let engine = repo.join("engine").display().to_string();
        let build_support = repo.join("build-support").display().to_string();
        let main = repo.join("src/main.rs").display().to_string();
        let edits = [
            (
                "members = [\".\", \"engine\", \"build-support\", \"migration-files\", \"migration-facts\", \"models\", \"migrations\"]"
                    .to_string(),
                "members = [\".\", \"models\", \"migrations\"]".to_string(),
            ),
            ("name = \"manage\"".into(), format!("name = \"{bin_name}\"")),
            (
                "default-run = \"manage\"".into(),
                format!("default-run = \"{bin_name}\""),
            ),
            // The repository's engine package itself: its build is shared, not redone.
            ("path = \"engine\"".into(), format!("path = {engine:?}")),
            (
                "path = \"build-support\"".into(),
                format!("path = {build_support:?}"),
            ),
            (
                "models = { path = \"models\" }".into(),
                format!("models = {{ path = \"models\", package = \"{label}-models\" }}"),
            ),
            (
                "migrations = { path = \"migrations\" }".into(),
                format!(
                    "migrations = {{ path = \"migrations\", package = \"{label}-migrations\" }}"
                ),
            ),
            (
                "\n[dependencies]\n".into(),
                format!("\n[[bin]]\nname = \"{bin_name}\"\npath = {main:?}\n\n[dependencies]\n"),
            ),
        ];
        let manifest = edits.iter().fold(manifest, |text, (from, to)| {
            assert!(
                text.contains(from.as_str()),
                "Cargo.toml no longer has {from:?}: update the scenario's copy of it"
            );
            text.replacen(from.as_str(), to, 1)
        });
        fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        // The binary's own build script: it compiles the migrations' sources in.
        fs::copy(repo.join("build.rs"), dir.join("build.rs")).unwrap();
        // The scenario's crates need names of their own: cargo names the artifacts of
        // path packages by name and relative path, so a `models` here would overwrite
        // the repository's `models` in the shared target directory.
        for krate in ["models", "migrations"] {
            let toml = fs::read_to_string(repo.join(krate).join("Cargo.toml")).unwrap();
            let renamed = toml
                .replacen(
                    &format!("name = \"{krate}\""),
                    &format!("name = \"{label}-{krate}\""),
                    1,
                )
                .replace(
                    "path = \"../build-support\"",
                    &format!("path = {build_support:?}"),
                );
            fs::write(dir.join(krate).join("Cargo.toml"), renamed).unwrap();
        }
        // The migration crate's build script lists its migrations for a lib.rs that
        // asks for them (see `list_migrations_from_directory`).
        fs::copy(
            repo.join("migrations/build.rs"),
            dir.join("migrations/build.rs"),
        )
        .unwrap();
        for entry in fs::read_dir(repo.join("models/src")).unwrap() {
            let path = entry.unwrap().path();
            fs::copy(
                &path,
                dir.join("models/src").join(path.file_name().unwrap()),
            )
            .unwrap();
        }
        fs::write(dir.join("migrations/src/lib.rs"), EMPTY_MIGRATOR).unwrap();
        let bin = target_dir().join("debug").join(&bin_name);
        Scenario { dir, bin }
    }

    /// A built project with two migrations: `initial` (the example models) and one
    /// adding a nullable `users.bio`; their names, in order.
    pub fn initial_then_user_bio(label: &str) -> (Scenario, String, String) {
        let s = Scenario::new(label);
        s.build();
        let out = s.manage(&["makemigrations", "-m", "initial"]).expect(0);
        let initial = super::created_migration(&out.stdout).unwrap();
        let user = s.read_model("user.rs");
        s.write_model(
            "user.rs",
            &user.replacen(
                "pub struct Model {\n",
                "pub struct Model {\n    pub bio: Option<String>,\n",
                1,
            ),
        );
        s.build();
        let out = s.manage(&["makemigrations", "-m", "user bio"]).expect(0);
        let bio = super::created_migration(&out.stdout).unwrap();
        s.build();
        (s, initial, bio)
    }

    /// Makes the migrations' lib.rs the repository's own, which takes its migrations
    /// from the directory: `makemigrations` then only adds files.
    pub fn list_migrations_from_directory(&self) {
        fs::copy(
            repo_root().join("migrations/src/lib.rs"),
            self.dir.join("migrations/src/lib.rs"),
        )
        .unwrap();
    }

    /// Writes an entity file, declaring its module in the models' lib.rs if new.
    pub fn write_model(&self, file: &str, source: &str) {
        let path = self.dir.join("models/src").join(file);
        if !path.exists() {
            let lib = self.dir.join("models/src/lib.rs");
            let mut text = fs::read_to_string(&lib).unwrap();
            text += &format!("pub mod {};\n", module_of(file));
            fs::write(&lib, text).unwrap();
        }
        fs::write(path, source).unwrap();
    }

    pub fn read_model(&self, file: &str) -> String {
        fs::read_to_string(self.dir.join("models/src").join(file)).unwrap()
    }

    /// Removes an entity file and its module declaration.
    pub fn remove_model(&self, file: &str) {
        fs::remove_file(self.dir.join("models/src").join(file)).unwrap();
        let lib = self.dir.join("models/src/lib.rs");
        let declaration = format!("pub mod {};", module_of(file));
        let text: String = fs::read_to_string(&lib)
            .unwrap()
            .lines()
            .filter(|line| line.trim() != declaration)
            .map(|line| format!("{line}\n"))
            .collect();
        fs::write(&lib, text).unwrap();
    }

    /// Compiles the scenario's binary with its current models and migrations.
    pub fn build(&self) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet", "--offline", "--bin"])
            .arg(self.bin.file_name().unwrap())
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "building the scenario failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn manage(&self, args: &[&str]) -> Run {
        run(&self.bin, &self.dir, args)
    }

    /// `manage --database-url URL ARGS..`.
    pub fn manage_at(&self, url: &str, args: &[&str]) -> Run {
        run_at(&self.bin, &self.dir, url, args)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn root(&self) -> &Path {
        &self.dir
    }
}
