//! Shared test support: running the real binary, fresh databases per test, and
//! scenario projects built once for many migrations.

pub mod db;
pub mod scenario;
pub mod server;
pub mod stage;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// This repository's own `manage` binary, as cargo built it for the tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_manage"))
}

/// The `lib.rs` of a migrations crate with no migrations yet.
pub const EMPTY_MIGRATOR: &str = "pub use sea_orm_migration::prelude::*;\n\n\
    pub struct Migrator;\n\n\
    #[async_trait::async_trait]\n\
    impl MigratorTrait for Migrator {\n    \
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![]\n    }\n}\n";

/// The migration `makemigrations` reported writing (`m20260101_120000_add_x`), if any.
pub fn created_migration(stdout: &str) -> Option<String> {
    let created = regex::Regex::new(r"Created migrations/src/(m\d{8}_\d{6}_\w+)\.rs").unwrap();
    Some(created.captures(stdout)?[1].to_string())
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The outcome of one run of the binary, with what it printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Panics with everything printed unless the exit code is `code`.
    #[track_caller]
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        self.expect(0)
    }
}

/// Runs `bin` in `dir` with a clean environment: no DATABASE_URL, no colour.
pub fn run(bin: &Path, dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    Run::from_output(out)
}

/// `bin --database-url URL ARGS..` in `dir`.
pub fn run_at(bin: &Path, dir: &Path, url: &str, args: &[&str]) -> Run {
    let mut full = vec!["--database-url", url];
    full.extend_from_slice(args);
    run(bin, dir, &full)
}

/// Runs `n` replicas of `bin args` (a `migrate`) at once, each of which must succeed,
/// and counts the migrations they applied between them.
pub fn migrate_replicas(bin: &Path, dir: &Path, args: &[&str], n: usize) -> usize {
    replicas(bin, dir, args, n)
        .into_iter()
        .map(|out| out.ok().stdout.matches("  Applied m").count())
        .sum()
}

/// Starts `n` copies of `bin args` in `dir` at once, as replicas of a service do at
/// start-up, and waits for all of them.
pub fn replicas(bin: &Path, dir: &Path, args: &[&str], n: usize) -> Vec<Run> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            Command::new(bin)
                .args(args)
                .current_dir(dir)
                .env_remove("DATABASE_URL")
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()))
        })
        .collect();
    children
        .into_iter()
        .map(|child| Run::from_output(child.wait_with_output().unwrap()))
        .collect()
}
