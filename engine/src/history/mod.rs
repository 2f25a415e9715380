//! A migration history read back. In: the migrations' sources (on disk or compiled
//! in). Out: what each migration touches ([`Facts`]), which `history`,
//! `showmigrations` and the `rollback <table>` planner ([`rollback_plan`]) use.
//!
//! Reads migration sources to learn which tables each migration touches, and how:
//! the Rust code through its syntax tree (`rust_code`), the SQL in its string
//! literals with the patterns below.
//!
//! Generated and hand-written files are read the same way, from their code: SeaQuery
//! builder chains (`Table::create().table(..)`, `Index::create()..table(..)`,
//! `ForeignKey::create().from(..).to(..)`, `Query::insert().into_table(..)`, ...), with
//! table names given as strings, `Alias::new("..")` or `DeriveIden` enums, and SQL in
//! string literals. Reading the code rather than a header means a hand edit can never
//! leave stale facts behind. A table name the scanner cannot resolve, or SQL it cannot
//! see, makes the migration opaque: the planner then treats it as touching everything.

pub mod rollback_plan;
mod rust_code;

use crate::project::sources::Sources;
use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
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

/// How a migration touches a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Touch {
    Create,
    Alter,
    Drop,
    Index,
    /// Named as the target of a foreign key.
    Referenced,
    /// Rows inserted, updated or deleted.
    Data,
}

impl Touch {
    pub fn word(self) -> &'static str {
        match self {
            Touch::Create => "create",
            Touch::Alter => "alter",
            Touch::Drop => "drop",
            Touch::Index => "index",
            Touch::Referenced => "referenced",
            Touch::Data => "data",
        }
    }
}

/// What one migration does to which tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    pub tables: BTreeMap<String, BTreeSet<Touch>>,
    /// Table renames, in the order they appear: (from, to).
    pub renames: Vec<(String, String)>,
    /// Why the table set is uncertain; empty when it is known.
    pub opaque: Vec<String>,
    /// Tables it adds columns to (with SeaQuery's `add_column`): reverting drops them.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub adds_columns: BTreeSet<String>,
}

impl Facts {
    pub fn is_opaque(&self) -> bool {
        !self.opaque.is_empty()
    }

    /// What reverting this migration deletes for good: the tables it created, with
    /// their rows, and the columns it added, with their data.
    pub fn losses(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tables
            .iter()
            .filter(|(_, hows)| hows.contains(&Touch::Create))
            .map(|(t, _)| format!("table {t} and its rows"))
            .collect();
        out.extend(
            self.adds_columns
                .iter()
                .map(|t| format!("the columns it added to {t}, and their data")),
        );
        out
    }

    fn touch(&mut self, table: &str, how: Touch) {
        let name = table_name(table);
        // A SQLite rebuild's temporary copy is the rebuilt table itself.
        if !name.is_empty() && !name.ends_with(crate::codegen::REBUILD_SUFFIX) {
            self.tables.entry(name).or_default().insert(how);
        }
    }

    /// Table `from` renamed to `to`. A SQLite rebuild's temporary copy taking the
    /// table's name is the end of the rebuild: the table dropped just before is back,
    /// altered.
    fn rename(&mut self, from: &str, to: &str) {
        self.touch(from, Touch::Alter);
        self.touch(to, Touch::Alter);
        if from.ends_with(crate::codegen::REBUILD_SUFFIX) {
            if let Some(hows) = self.tables.get_mut(&table_name(to)) {
                hows.remove(&Touch::Drop);
            }
        } else {
            self.renames.push((table_name(from), table_name(to)));
        }
    }

    /// "users (create, index), events (referenced)".
    pub fn summary(&self) -> String {
        if self.tables.is_empty() && self.is_opaque() {
            return "unknown tables".into();
        }
        let mut parts: Vec<String> = self
            .tables
            .iter()
            .map(|(t, hows)| {
                let hows: Vec<&str> = hows.iter().map(|h| h.word()).collect();
                format!("{t} ({})", hows.join(", "))
            })
            .collect();
        if self.is_opaque() {
            parts.push("and unknown tables".into());
        }
        parts.join(", ")
    }
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
    scan_dir_with(dir, &EntityTables::new())
}

/// [`scan_dir`], with tables named by entity type resolved through `entities`.
pub fn scan_dir_with(
    dir: &Path,
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
    scan_split(&files, entities, |path| {
        std::fs::read_to_string(path).map(std::borrow::Cow::Owned)
    })
}

/// Scans every migration of `items` (name, and what `read` makes its source of),
/// split over the processors when the history is long.
fn scan_split<T: Sync>(
    items: &[(String, T)],
    entities: &EntityTables,
    read: impl for<'t> Fn(&'t T) -> std::io::Result<std::borrow::Cow<'t, str>> + Sync,
) -> std::io::Result<BTreeMap<String, Facts>> {
    let scan_all = |part: &[(String, T)]| {
        part.iter()
            .map(|(name, item)| Ok((name.clone(), scan_with(&read(item)?, entities))))
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

/// The models' tables by the names migration code may give their entities
/// (`Entities::tables_by_entity_name`).
pub type EntityTables = BTreeMap<String, String>;

/// What every migration of `sources` touches, by name.
pub fn scan_sources(
    sources: &Sources,
    entities: &EntityTables,
) -> std::io::Result<BTreeMap<String, Facts>> {
    match sources {
        Sources::Disk(dir) => scan_dir_with(dir, entities),
        Sources::CompiledIn(compiled) => {
            let texts: Vec<(String, &str)> = compiled
                .migrations
                .iter()
                .map(|(name, text)| (name.to_string(), *text))
                .collect();
            scan_split(&texts, entities, |text| {
                Ok(std::borrow::Cow::Borrowed(*text))
            })
        }
    }
}

/// The facts of one migration file, read from its code.
pub fn scan(source: &str) -> Facts {
    scan_with(source, &EntityTables::new())
}

/// The facts of one migration file, with tables named by entity type resolved
/// through the models (as they name the table today).
pub fn scan_with(source: &str, entities: &EntityTables) -> Facts {
    rust_code::scan(source, entities)
}

/// SQL statements inside one string.
fn sql_facts(sql: &str, facts: &mut Facts) {
    // Every pattern needs white space between a keyword and a name: most of a
    // migration's strings (table and column names) cannot hold a statement.
    if !sql.contains(char::is_whitespace) {
        return;
    }
    use crate::sql::TABLE_NAME as NAME;
    static PATTERNS: LazyLock<Vec<(Regex, Touch)>> = LazyLock::new(|| {
        let p = |re: &str, t| {
            (
                Regex::new(&format!("(?i){}", re.replace("NAME", NAME))).unwrap(),
                t,
            )
        };
        vec![
            p(
                r"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?NAME",
                Touch::Create,
            ),
            p(
                r"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?NAME",
                Touch::Alter,
            ),
            p(r"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?NAME", Touch::Drop),
            p(
                r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:NAME\s+)?ON\s+(?:ONLY\s+)?NAME",
                Touch::Index,
            ),
            p(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+NAME", Touch::Data),
            p(r"\bUPDATE\s+(?:ONLY\s+)?NAME\s+SET\b", Touch::Data),
            p(r"\bDELETE\s+FROM\s+(?:ONLY\s+)?NAME", Touch::Data),
            p(r"\bTRUNCATE\s+(?:TABLE\s+)?NAME", Touch::Data),
            p(r"\bREFERENCES\s+NAME", Touch::Referenced),
        ]
    });
    static RENAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?{NAME}\s+RENAME\s+TO\s+{NAME}"
        ))
        .unwrap()
    });
    static RENAME_MYSQL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"(?i)\bRENAME\s+TABLE\s+{NAME}\s+TO\s+{NAME}")).unwrap()
    });
    static DROP_INDEX_ON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)\bDROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?{NAME}\s+ON\s+{NAME}"
        ))
        .unwrap()
    });
    for (re, how) in PATTERNS.iter() {
        for c in re.captures_iter(sql) {
            // The table is the last capture (CREATE INDEX has the index name first).
            let table = c.iter().skip(1).flatten().last().map(|m| m.as_str());
            if let Some(t) = table {
                facts.touch(t, *how);
            }
        }
    }
    for re in [&*RENAME, &*RENAME_MYSQL] {
        for c in re.captures_iter(sql) {
            facts.rename(&c[1], &c[2]);
        }
    }
    for c in DROP_INDEX_ON.captures_iter(sql) {
        facts.touch(&c[2], Touch::Index);
    }
}

/// A table name as facts keep it: qualified when the migration qualified it.
fn table_name(name: &str) -> String {
    crate::sql::written_table_name(name)
}
