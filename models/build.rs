//! Makes every entity file in `src/` part of the crate, with no registration step.
//!
//! Each `src/*.rs` file (except `lib.rs`) becomes a public module. Each module that
//! defines a SeaORM entity is listed in `register_entities!`, which `manage` uses to read
//! the models. Adding an entity is adding a file.

use std::{env, fs, path::Path};

fn main() {
    let src = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("src");
    // A new or removed file changes the directory's mtime; an edited one its own.
    println!("cargo:rerun-if-changed={}", src.display());

    let mut modules: Vec<(String, bool)> = Vec::new();
    for entry in fs::read_dir(&src).expect("read models/src") {
        let path = entry.expect("read models/src entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().and_then(|e| e.to_str()) != Some("rs") || stem == "lib" {
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("read entity file");
        let is_entity = text.contains("DeriveEntityModel") || text.contains("sea_orm::model");
        modules.push((stem.to_string(), is_entity));
    }
    modules.sort();

    let mut out = String::new();
    for (name, _) in &modules {
        let path = src.join(format!("{name}.rs"));
        out += &format!(
            "#[path = {:?}]\npub mod {name};\n",
            path.display().to_string()
        );
    }
    out += "\n/// Calls `$registry.add(Entity)` for every entity of this crate.\n";
    out += "#[macro_export]\nmacro_rules! register_entities {\n    ($registry:expr) => {{\n";
    for (name, _) in modules.iter().filter(|(_, entity)| *entity) {
        out += &format!("        $registry.add($crate::{name}::Entity);\n");
    }
    out += "    }};\n}\n";

    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("entities.rs");
    fs::write(dest, out).expect("write entities.rs");
}
