//! A migration history read back. In: the migrations' sources (on disk or compiled
//! in). Out: what each migration touches ([`Facts`], read from its code by the
//! `migration_facts` crate), which `history`, `showmigrations` and the
//! `rollback <table>` planner ([`rollback_plan`]) use.
//!
//! The binary's build computed the facts of its own copy of the migrations; a file
//! whose text is that copy takes them, and only the others are parsed (syn) on the
//! run: over a long history, parsing every file was most of planning a rollback.

pub mod rollback_plan;

use crate::project::sources::{CompiledIn, Sources};
pub use migration_facts::{
    EntityTables, Facts, Touch, decode, encode, scan, scan_with, scan_without_models,
};
use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// The line of a squashed migration's header that names the migrations it replaces.
const REPLACES: &str = "//! Replaces: ";

static REPLACES_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^//! Replaces: ([^\n]*)$").expect("valid"));

/// The header line saying that a migration replaces `originals` (a squash of them).
pub fn replaces_line(originals: &[String]) -> String {
    format!("{REPLACES}{}\n", originals.join(", "))
}

/// The migrations a squashed migration's source says it replaces: a database that
/// applied all of them takes it as applied. Empty for any other migration.
pub fn replaced(source: &str) -> Vec<String> {
    REPLACES_LINE
        .captures(source)
        .map(|c| {
            c[1].split(',')
                .map(str::trim)
                .filter(|n| crate::project::is_migration_name(n))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A migration's row for `--format json` listings: its state and what it touches.
pub fn json_row(
    name: &str,
    applied_at: Option<i64>,
    facts: &BTreeMap<String, Facts>,
) -> serde_json::Value {
    let f = facts.get(name);
    serde_json::json!({
        "name": name,
        "applied_at": applied_at,
        "touches": f.map(|f| &f.tables),
        "opaque": f.is_none_or(Facts::is_opaque),
    })
}

/// What a migration touches in words, or why that is unknown.
pub fn touches_line(name: &str, facts: &BTreeMap<String, Facts>) -> String {
    facts
        .get(name)
        .map_or_else(|| "source file missing".to_string(), Facts::summary)
}

/// Scans every `m*.rs` migration file under `dir`, by migration name.
///
/// Files are independent, so a long history is split over the processors. Callers
/// scan before connecting: a SQLite connection keeps its thread on one processor, and
/// threads started after it would inherit that.
pub fn scan_dir(dir: &Path) -> std::io::Result<BTreeMap<String, Facts>> {
    scan_dir_with(dir, &CompiledIn::default(), &EntityTables::new())
}

/// [`scan_dir`], taking the facts of `built` for each file whose text is its copy, and
/// resolving tables named by entity type through `entities`.
pub fn scan_dir_with(
    dir: &Path,
    built: &CompiledIn,
    entities: &EntityTables,
) -> std::io::Result<BTreeMap<String, Facts>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).max_depth(1) {
        let entry = entry.map_err(std::io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if !crate::project::is_migration_name(stem) {
            continue;
        }
        files.push((stem.to_string(), entry.into_path()));
    }
    scan_split(&files, built, entities, |path| {
        std::fs::read_to_string(path).map(Cow::Owned)
    })
}

/// Scans every migration of `items` (name, and what `read` makes its source of),
/// split over the processors when the history is long.
fn scan_split<T: Sync>(
    items: &[(String, T)],
    built: &CompiledIn,
    entities: &EntityTables,
    read: impl for<'t> Fn(&'t T) -> std::io::Result<Cow<'t, str>> + Sync,
) -> std::io::Result<BTreeMap<String, Facts>> {
    let scan_all = |part: &[(String, T)]| {
        part.iter()
            .map(|(name, item)| {
                let text = read(item)?;
                let facts =
                    built_facts(built, name, &text).unwrap_or_else(|| scan_with(&text, entities));
                Ok((name.clone(), facts))
            })
            .collect::<std::io::Result<Vec<_>>>()
    };
    // Threads pay off on long histories (0.6x of the time at 5,000 files); a history
    // of a few hundred files, the common case, stays on this thread.
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / 256)
        .max(1);
    if workers == 1 {
        return Ok(scan_all(items)?.into_iter().collect());
    }
    let chunk = items.len().div_ceil(workers);
    std::thread::scope(|threads| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| threads.spawn(|| scan_all(part)))
            .collect();
        let mut out = BTreeMap::new();
        for part in parts {
            let facts = part
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            out.extend(facts?);
        }
        Ok(out)
    })
}

/// What every migration of `sources` touches, by name; from the facts the build
/// computed (`built`) where the source is the binary's copy.
pub fn scan_sources(
    sources: &Sources,
    built: &CompiledIn,
    entities: &EntityTables,
) -> std::io::Result<BTreeMap<String, Facts>> {
    match sources {
        Sources::Disk(dir) => scan_dir_with(dir, built, entities),
        Sources::CompiledIn(compiled) => {
            let texts: Vec<(String, &str)> = compiled
                .migrations
                .iter()
                .map(|(name, text)| (name.to_string(), *text))
                .collect();
            scan_split(&texts, built, entities, |text| Ok(Cow::Borrowed(*text)))
        }
    }
}

/// The facts the build computed for migration `name`, if `text` is the source they
/// were computed from. None for a file edited since the build, a new one, or one
/// whose tables only the models can name (the build cannot ask them).
fn built_facts(built: &CompiledIn, name: &str, text: &str) -> Option<Facts> {
    if built.text(name)? != text {
        return None;
    }
    migration_facts::decode(built.facts(name)?)
}
