//! The project's SeaORM entities.
//!
//! Every `.rs` file in this directory is a module of this crate, and every entity in it
//! is seen by `manage makemigrations`: `build.rs` lists them, so adding a model is just
//! adding a file here.

include!(concat!(env!("OUT_DIR"), "/entities.rs"));
