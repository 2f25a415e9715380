//! Shared test support: running the real binary, fresh databases per test, and
//! scenario projects built once for many migrations.

pub mod db;
pub mod scenario;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
