//! Golden files (insta snapshots) of what users read: every `--help`, `sqlmigrate`'s
//! SQL on each backend, and the migrations makemigrations writes for representative
//! changes. They are kept in `tests/end_to_end/snapshots/`, named by what they show.
//!
//! A change to any of them fails the test with the difference; when it is intended,
//! `INSTA_UPDATE=always scripts/test -E 'test(/^golden::/)'` (or `cargo insta review`)
//! rewrites them, and the review of the diff is the review of the change. Under
//! `CI=true` insta writes nothing and fails on any difference or missing file.

mod generated;
mod help;
mod sqlmigrate;

/// Where the golden files are.
fn snapshots() -> std::path::PathBuf {
    crate::support::repo_root().join("tests/end_to_end/snapshots")
}

/// Compares `text` with the golden file `NAME.snap`, whose header says `description`.
#[track_caller]
fn assert_golden(name: &str, description: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    // Relative to this file: tests/end_to_end/snapshots.
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(description);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}
