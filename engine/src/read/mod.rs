//! Reading a schema: from the project's SeaORM entities (what the code declares), from
//! the committed snapshot (what the migrations produce), or from a live database (what
//! it holds). Each returns the one model of `crate::schema`; nothing here compares.

pub mod database;
pub mod entities;
pub mod snapshot;
