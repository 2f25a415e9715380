//! The snapshot: the schema the migrations produce, committed beside them as one JSON
//! file per table, view and enum (so that branches changing different tables never
//! touch the same file). Read here, and turned into files here for the project to write.

use crate::schema::{Enum, Schema, Table, View};
use anyhow::{Context, Result};
use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

/// The snapshot's directories, one file per object in each.
const SNAPSHOT_DIRS: [&str; 3] = ["tables", "enums", "views"];

pub fn read_snapshot(dir: &Path) -> Result<Schema> {
    let mut files = Vec::new();
    for sub in SNAPSHOT_DIRS {
        let Ok(entries) = fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) == Some("json") {
                let text = fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                files.push((path, Cow::Owned(text)));
            }
        }
    }
    parse_snapshot(files)
}

/// The schema of snapshot files, given as (path ending in `tables/NAME.json`, `views/NAME.json` or
/// `enums/NAME.json`, text).
pub fn parse_snapshot<'a>(
    files: impl IntoIterator<Item = (PathBuf, Cow<'a, str>)>,
) -> Result<Schema> {
    let mut schema = Schema::default();
    for (path, text) in files {
        if has_conflict_markers(&text) {
            anyhow::bail!(
                "{} has merge conflict markers: two branches changed it. Run `manage snapshot \
                 rebuild` to write the snapshot the migrations produce (replayed on a scratch \
                 database), then review and commit it",
                path.display()
            );
        }
        let kind = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|k| k.to_str());
        match kind {
            Some("tables") => {
                let table: Table = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a valid table snapshot", path.display()))?;
                schema.tables.insert(table.name.clone(), table);
            }
            Some("enums") => {
                let e: Enum = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a valid enum snapshot", path.display()))?;
                schema.enums.insert(e.name.clone(), e);
            }
            Some("views") => {
                let v: View = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a valid view snapshot", path.display()))?;
                schema.views.insert(v.name.clone(), v);
            }
            _ => {}
        }
    }
    Ok(schema)
}

/// Whether git left a conflict in this text (`<<<<<<<` ... `>>>>>>>` lines).
fn has_conflict_markers(text: &str) -> bool {
    let mut lines = text.lines();
    lines.any(|l| l.starts_with("<<<<<<< ") || l == "<<<<<<<")
        && lines.any(|l| l.starts_with(">>>>>>> ") || l == ">>>>>>>")
}

/// The files that make up the snapshot of `schema`, and the stale ones to delete.
pub fn snapshot_files(dir: &Path, schema: &Schema) -> Result<Vec<(PathBuf, Option<String>)>> {
    let mut files = Vec::new();
    for (name, table) in &schema.tables {
        files.push((
            dir.join("tables").join(format!("{name}.json")),
            Some(serde_json::to_string_pretty(table)? + "\n"),
        ));
    }
    for (name, e) in &schema.enums {
        files.push((
            dir.join("enums").join(format!("{name}.json")),
            Some(serde_json::to_string_pretty(e)? + "\n"),
        ));
    }
    for (name, v) in &schema.views {
        files.push((
            dir.join("views").join(format!("{name}.json")),
            Some(serde_json::to_string_pretty(v)? + "\n"),
        ));
    }
    for sub in SNAPSHOT_DIRS {
        let Ok(entries) = fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if !files.iter().any(|(p, _)| *p == path) {
                files.push((path, None));
            }
        }
    }
    Ok(files)
}
