//! The integration tests, in one binary: the real `manage` binary, scenario projects
//! built from this checkout's engine, and the engine's library, against SQLite,
//! PostgreSQL and MariaDB/MySQL; `golden` compares what users read with the files in
//! `snapshots/`. `support` is what every module shares.

mod cli;
mod crash;
mod deploy;
mod distributed;
mod fk_check;
mod golden;
mod lint;
mod live_tables;
mod round_trip;
mod scanner;
mod support;
mod teams;
mod workspace;
