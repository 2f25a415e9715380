//! What the build script of a project's `manage` binary does, so that it is one call:
//! find the entity crate's entities (in any module layout) and hand them to the engine
//! by type, and compile the migration sources and snapshot into the binary.
//!
//! Everything lands in `$OUT_DIR`, included by the binary's `main.rs`:
//! `entities.rs` defines `fn entities() -> manage::Entities`, and `compiled_in.rs`
//! the statics `MIGRATION_SOURCES` and `SNAPSHOT`.

mod compiled_in;
pub mod modules;

use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Where a project's crates are.
pub struct Layout {
    /// The entity crate's name as the binary names it (`models`, `entity`).
    pub entity_crate: String,
    /// Its root file (`models/src/lib.rs`).
    pub entity_root: PathBuf,
    /// The migration crate's directory (`migrations/`): `src/` and `schema/`.
    pub migrations: PathBuf,
}

/// Runs the build script's work for `layout`; a problem stops the build with its
/// reason, in cargo's words for a failed build script.
pub fn build(layout: &Layout) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("run from a build script"));
    if let Err(e) = write_entities(layout, &out) {
        // The whole message, not a panic's backtrace: this is the user's code.
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    compiled_in::write(&layout.migrations, &out.join("compiled_in.rs"));
}

fn write_entities(layout: &Layout, out: &Path) -> Result<(), modules::Error> {
    let found = modules::find_entities(&layout.entity_root)?;
    for path in &found.watched {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for module in &found.conditional {
        println!(
            "cargo:warning=module {}::{module} is behind #[cfg]: its entities are not read",
            layout.entity_crate
        );
    }
    let package = package_name(&layout.entity_root).unwrap_or_else(|| layout.entity_crate.clone());
    std::fs::write(
        out.join("entities.rs"),
        registration(&layout.entity_crate, &package, &found.entities),
    )
    .map_err(|e| modules::Error(format!("cannot write entities.rs: {e}")))
}

/// The package name in the Cargo.toml above a crate's `src/lib.rs`: how the crate
/// names itself (SeaORM's registry records its module paths so), which may differ
/// from the name the binary uses for it.
fn package_name(root: &Path) -> Option<String> {
    let manifest = root.parent()?.parent()?.join("Cargo.toml");
    let text = std::fs::read_to_string(manifest).ok()?;
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package && let Some(value) = line.strip_prefix("name") {
            let value = value.trim_start().strip_prefix('=')?.trim();
            return Some(value.trim_matches('"').to_string());
        }
    }
    None
}

/// The code that hands the engine each entity found in `modules` of the crate the
/// binary calls `krate`, whose own name is `package`.
pub fn registration(krate: &str, package: &str, modules: &[String]) -> String {
    let krate = krate.replace('-', "_");
    let mut out = format!(
        "/// Every entity of the `{krate}` crate, by type (found by manage-build).\n\
         fn entities() -> manage::Entities {{\n    \
         let mut entities = manage::Entities::of_crate({package:?});\n"
    );
    for module in modules {
        let path = if module.is_empty() {
            krate.clone()
        } else {
            format!("{krate}::{module}")
        };
        writeln!(out, "    entities.add({path}::Entity);").unwrap();
    }
    out += "    entities\n}\n";
    out
}
