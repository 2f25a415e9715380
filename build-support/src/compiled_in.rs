//! The project's migration sources and snapshot, compiled into the binary, so that the
//! release binary alone (a slim container image holds nothing else) can migrate, report
//! and roll back: a migration's checksum, the tables it touches and the schema `check`
//! compares the database with all come from these copies when the project is absent.

use crate::modules::Error;
use migration_files::checksum;
pub(crate) use migration_files::is_migration_name;
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

/// `MIGRATION_SOURCES`, `MIGRATION_CHECKSUMS`, `MIGRATION_FACTS`, `MIGRATION_LIB` and `SNAPSHOT` for the migration crate
/// in `migrations`, as Rust.
pub fn render(migrations: &Path) -> Result<String, Error> {
    let src = migrations.join("src");
    let schema = migrations.join("schema");
    // A new or removed file changes its directory's mtime; `include_str!` makes the
    // compiler track each file's contents. A directory not there yet is watched
    // through its parent: cargo would rerun this script on every build for a path
    // that does not exist.
    for dir in [
        &src,
        &schema.join("tables"),
        &schema.join("enums"),
        &schema.join("views"),
    ] {
        let watched = dir.ancestors().find(|d| d.is_dir()).unwrap_or(migrations);
        println!("cargo:rerun-if-changed={}", watched.display());
    }

    // In name order: the engine looks them up by binary search.
    let mut migrations: Vec<(String, PathBuf)> = files(&src, "rs")
        .into_iter()
        .filter_map(|path| {
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            is_migration_name(&stem).then_some((stem, path))
        })
        .collect();
    migrations.sort();
    let mut out = String::from("/// Every migration file of migrations/src, by name.\n");
    out += "static MIGRATION_SOURCES: &[(&str, &str)] = &[\n";
    for (stem, path) in &migrations {
        let path = path.display().to_string();
        writeln!(out, "    ({stem:?}, include_str!({path:?})),").unwrap();
    }
    // Computed here so that `migrate` does not hash every applied migration on every
    // run. The same text as include_str! takes: this script reruns when a file changes.
    out += "];\n\n/// The checksum of each of MIGRATION_SOURCES.\n";
    out += "static MIGRATION_CHECKSUMS: &[(&str, &str)] = &[\n";
    let mut facts = String::new();
    for (stem, path) in &migrations {
        let text = fs::read_to_string(path)
            .map_err(|e| Error(format!("reading {}: {e}", path.display())))?;
        writeln!(out, "    ({stem:?}, {:?}),", checksum(&text)).unwrap();
        // What each migration touches, so that `rollback` does not parse every file
        // of the history again on every run. A file whose tables only the models can
        // name is left to be read on the run, with them.
        if let Some(read) = migration_facts::scan_without_models(&text) {
            writeln!(
                facts,
                "    ({stem:?}, {:?}),",
                migration_facts::encode(&read)
            )
            .unwrap();
        }
    }
    out += "];\n\n/// What each of MIGRATION_SOURCES touches, as `migration_facts::encode` wrote it.\n";
    out += "static MIGRATION_FACTS: &[(&str, &str)] = &[\n";
    out += &facts;
    // Lets `migrate` see that lib.rs registers nothing the binary lacks without
    // reading its list: the file is the one the binary was built from.
    out += "];\n\n/// migrations/src/lib.rs as built.\n";
    let lib = src.join("lib.rs");
    if lib.is_file() {
        writeln!(
            out,
            "static MIGRATION_LIB: &str = include_str!({:?});",
            lib.display().to_string()
        )
        .unwrap();
    } else {
        out += "static MIGRATION_LIB: &str = \"\";\n";
    }
    out += "\n/// Every snapshot file, by its path under migrations/schema.\n";
    out += "static SNAPSHOT: &[(&str, &str)] = &[\n";
    for sub in ["tables", "enums", "views"] {
        for path in files(&schema.join(sub), "json") {
            let name = path.file_name().unwrap().to_string_lossy();
            writeln!(
                out,
                "    (\"{sub}/{name}\", include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    out += "];\n";
    Ok(out)
}

/// The files of `dir` with extension `ext`, sorted; none when `dir` is absent.
pub(crate) fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect();
    found.sort();
    found
}
