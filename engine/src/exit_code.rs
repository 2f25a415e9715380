//! What `manage` exits with. Scripts and CI branch on these, so each means one thing
//! (README, "Exit codes"):
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | done: the command did what it was asked, or found nothing to report |
//! | 1    | ran, and found something: `check` found a problem, `makemigrations --check` found model changes with no migration, `lint` found something, `testmigrations` or `snapshot verify` found a difference, a confirmation was declined |
//! | 2    | the command line is wrong (unknown flag, missing or malformed argument): clap's own code |
//! | 3    | could not run: no database, a failing migration, the lock not taken in time, a refusal to lose data or to run on the wrong backend |
//! | 130, 143 | SIGINT or SIGTERM stopped `migrate` or `rollback` (128 + the signal) |

use std::process::ExitCode;

/// Ran, and found something (see the module's table).
pub fn found() -> ExitCode {
    ExitCode::from(1)
}

/// Could not run (see the module's table).
pub fn could_not_run() -> ExitCode {
    ExitCode::from(3)
}
