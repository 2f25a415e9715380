//! Finds the entities of `models/` and compiles the migrations of `migrations/` into
//! the binary (see manage-build).

fn main() {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    manage_build::build(&manage_build::Layout {
        entity_crate: "models".into(),
        entity_root: root.join("models/src/lib.rs"),
        migrations: root.join("migrations"),
    });
}
