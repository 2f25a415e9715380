//! What a migration's source says it does to tables, read from its code: which tables
//! each migration touches, and how ([`Facts`]). `manage history`, `showmigrations`
//! and the `rollback <table>` planner read them; the build script computes them for
//! the binary's copy of the migrations, so that planning over a long history does not
//! parse every file again on every run.
//!
//! The Rust code is read through its syntax tree (`rust_code`), the SQL in its string
//! literals with the patterns of `sql`. Generated and hand-written files are read the
//! same way: SeaQuery builder chains (`Table::create().table(..)`,
//! `Index::create()..table(..)`, `ForeignKey::create().from(..).to(..)`,
//! `Query::insert().into_table(..)`, ...), with table names given as strings,
//! `Alias::new("..")` or `DeriveIden` enums, and SQL in string literals. Reading the
//! code rather than a header means a hand edit can never leave stale facts behind. A
//! table name the scanner cannot resolve, or SQL it cannot see, makes the migration
//! opaque: the planner then treats it as touching everything.

mod rust_code;
mod sql;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub use sql::{TABLE_NAME, written_table_name};

/// What a SQLite rebuild's temporary copy of a table is called after it.
pub const REBUILD_SUFFIX: &str = "__manage_new";

/// How a migration touches a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub tables: BTreeMap<String, BTreeSet<Touch>>,
    /// Table renames, in the order they appear: (from, to).
    pub renames: Vec<(String, String)>,
    /// Why the table set is uncertain; empty when it is known.
    pub opaque: Vec<String>,
    /// Tables it adds columns to (with SeaQuery's `add_column`): reverting drops them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
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
        if !name.is_empty() && !name.ends_with(REBUILD_SUFFIX) {
            self.tables.entry(name).or_default().insert(how);
        }
    }

    /// Table `from` renamed to `to`. A SQLite rebuild's temporary copy taking the
    /// table's name is the end of the rebuild: the table dropped just before is back,
    /// altered.
    fn rename(&mut self, from: &str, to: &str) {
        self.touch(from, Touch::Alter);
        self.touch(to, Touch::Alter);
        if from.ends_with(REBUILD_SUFFIX) {
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

/// The models' tables by the names migration code may give their entities
/// (`Entities::tables_by_entity_name`).
pub type EntityTables = BTreeMap<String, String>;

/// The facts of one migration file, read from its code.
pub fn scan(source: &str) -> Facts {
    scan_with(source, &EntityTables::new())
}

/// The facts of one migration file, with tables named by entity type resolved
/// through the models (as they name the table today).
pub fn scan_with(source: &str, entities: &EntityTables) -> Facts {
    rust_code::scan(source, Some(entities)).0
}

/// The facts of one migration file that hold whatever the models say: None when its
/// code names a table in a way only the models can resolve (an entity type, or a
/// bare name that may be one). What the build script compiles in.
pub fn scan_without_models(source: &str) -> Option<Facts> {
    match rust_code::scan(source, None) {
        (facts, false) => Some(facts),
        (_, true) => None,
    }
}

/// [`Facts`] as the text the build script compiles in ([`decode`] reads it).
pub fn encode(facts: &Facts) -> String {
    serde_json::to_string(facts).expect("facts serialize")
}

/// Facts written by [`encode`]; None for text it did not write.
pub fn decode(text: &str) -> Option<Facts> {
    serde_json::from_str(text).ok()
}

/// A table name as facts keep it: qualified when the migration qualified it.
pub(crate) fn table_name(name: &str) -> String {
    sql::written_table_name(name)
}
