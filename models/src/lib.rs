//! The project's SeaORM entities: each module is one table. Any layout works (nested
//! modules, `mod.rs`, several entities in one file): `manage` reads the module tree.

pub mod attendee;
pub mod event;
pub mod user;
