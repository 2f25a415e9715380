//! The project's migration sources and snapshot, compiled into the binary, so that the
//! release binary alone (a slim container image holds nothing else) can migrate, report
//! and roll back: a migration's checksum, the tables it touches and the schema `check`
//! compares the database with all come from these copies when the project is absent.

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

/// `MIGRATION_SOURCES` and `SNAPSHOT` for the migration crate in `migrations`, as Rust.
pub fn render(migrations: &Path) -> String {
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

    let mut out = String::from("/// Every migration file of migrations/src, by name.\n");
    out += "static MIGRATION_SOURCES: &[(&str, &str)] = &[\n";
    for path in files(&src, "rs") {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if is_migration_name(&stem) {
            writeln!(
                out,
                "    ({stem:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    out += "];\n\n/// Every snapshot file, by its path under migrations/schema.\n";
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
    out
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

/// `mYYYYMMDD_HHMMSS...`, as sea-orm-migration names migrations, and a Rust
/// identifier (the engine's rule).
pub(crate) fn is_migration_name(stem: &str) -> bool {
    let b = stem.as_bytes();
    b.len() >= 16
        && b[0] == b'm'
        && b[1..9].iter().all(u8::is_ascii_digit)
        && b[9] == b'_'
        && b[10..16].iter().all(u8::is_ascii_digit)
        && stem[16..]
            .chars()
            .all(|c| c == '_' || c.is_ascii_alphanumeric() || !c.is_ascii())
}
