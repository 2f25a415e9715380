//! Applying migrations to a database: the run itself (`executor`: one migration at a
//! time, or all in one transaction, with what failed and where), the lock that keeps
//! concurrent runs apart, the bookkeeping rows beside sea-orm-migration's own (checksums,
//! interrupted runs), capturing the statements a migration sends, the foreign-key check
//! SQLite needs after a rebuild, signals, and scratch databases to replay migrations in.
//!
//! In: a connection (`crate::connection`) and the project's compiled migrations
//! (`migrator`). Out: an applied or reverted database, and a report of what ran.

pub mod bookkeeping;
pub mod executor;
mod fk_check;
pub mod interrupt;
pub mod lock;
pub mod migrator;
pub mod plan;
pub mod recorder;
pub mod scratch;
pub(crate) mod statement_log;
pub mod steps;
