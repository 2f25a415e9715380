//! Golden files of `manage sqlmigrate` for this repository's own migration on each
//! backend, applied and reverted: the SQL each backend is sent, as a reviewer reads it.

use super::assert_golden;
use crate::support::{bin, run};

/// A URL of each backend where nothing listens: sqlmigrate connects to none.
const BACKENDS: [(&str, &str); 3] = [
    ("sqlite", "sqlite://app.db"),
    ("postgres", "postgres://app@127.0.0.1:1/app"),
    ("mysql", "mysql://app@127.0.0.1:1/app"),
];

#[test]
fn sqlmigrate_of_the_initial_migration_on_each_backend() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, url) in BACKENDS {
        for (direction, extra) in [("up", None), ("down", Some("--down"))] {
            let mut args = vec!["--database-url", url, "sqlmigrate", "initial"];
            args.extend(extra);
            let out = run(&bin(), dir.path(), &args).ok();
            assert_eq!(out.stderr, "", "{args:?}");
            assert_golden(
                &format!("sqlmigrate__initial_{direction}_{backend}"),
                &format!("manage {}", args.join(" ")),
                &out.stdout,
            );
        }
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "sqlmigrate wrote a file"
    );
}
