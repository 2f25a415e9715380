//! The normalized schema model every stage works on.
//!
//! Entities, the committed snapshot and a live database all convert into a [`Schema`];
//! diff, codegen and checks read only this. It is plain data: no I/O, no backend.

pub mod compare;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Enumerated types by name (native types on PostgreSQL; column types elsewhere).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, Enum>,
    /// Views by name: the database's, never the entities' (see [`Unmanaged`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// In declaration order, which is also the order of `CREATE TABLE`.
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// What the database has on this table and the entities do not declare, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<Unmanaged>,
}

/// An object of the database that no entity declares, and that entities often cannot
/// declare at all: a partial index, a check constraint, a trigger, a default or a
/// column the application relies on. It is recorded in the snapshot as the database
/// has it, so that no generated migration drops it (a SQLite rebuild restates it) and
/// `check` says when it changes. Definitions are in the SQL of the backend they were
/// read from, and compared only there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unmanaged {
    /// A partial or expression index; `sql` is its `CREATE INDEX` statement.
    Index {
        name: String,
        sql: String,
        backend: Backend,
    },
    /// A check constraint; `sql` is its condition.
    Check {
        name: String,
        sql: String,
        backend: Backend,
    },
    /// A trigger; `sql` is its `CREATE TRIGGER` statement (on MySQL, what follows the
    /// trigger's table).
    Trigger {
        name: String,
        sql: String,
        backend: Backend,
    },
    /// A default the database gives a column whose entity declares none. `backend`
    /// when it is an SQL expression, which means something only there.
    Default {
        column: String,
        default: Default,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backend: Option<Backend>,
    },
    /// A column no entity declares. `backend` when its type or default is written in
    /// the SQL of the backend it was read from.
    Column {
        column: Column,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        backend: Option<Backend>,
    },
}

/// A view; `sql` is its definition as the backend reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    pub sql: String,
    pub backend: Backend,
}

/// The backend a definition was read from: its SQL means something only there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub fn of(backend: sea_orm::DbBackend) -> Backend {
        match backend {
            sea_orm::DbBackend::Postgres => Backend::Postgres,
            sea_orm::DbBackend::MySql => Backend::Mysql,
            _ => Backend::Sqlite,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MySQL/MariaDB",
        }
    }
}

impl Unmanaged {
    /// The object's name within its table (a column's name for defaults and columns).
    pub fn name(&self) -> &str {
        match self {
            Unmanaged::Index { name, .. }
            | Unmanaged::Check { name, .. }
            | Unmanaged::Trigger { name, .. } => name,
            Unmanaged::Default { column, .. } => column,
            Unmanaged::Column { column, .. } => &column.name,
        }
    }

    /// What it is, in a word.
    pub fn kind(&self) -> &'static str {
        match self {
            Unmanaged::Index { .. } => "index",
            Unmanaged::Check { .. } => "check constraint",
            Unmanaged::Trigger { .. } => "trigger",
            Unmanaged::Default { .. } => "default",
            Unmanaged::Column { .. } => "column",
        }
    }

    /// The SQL of an index, check or trigger: what only the database can have (a
    /// default or a column is part of the table's columns instead).
    pub fn definition(&self) -> Option<&str> {
        match self {
            Unmanaged::Index { sql, .. }
            | Unmanaged::Check { sql, .. }
            | Unmanaged::Trigger { sql, .. } => Some(sql),
            Unmanaged::Default { .. } | Unmanaged::Column { .. } => None,
        }
    }

    /// The backend its definition is written for; `None` when it means the same on all.
    pub fn backend(&self) -> Option<Backend> {
        match self {
            Unmanaged::Index { backend, .. }
            | Unmanaged::Check { backend, .. }
            | Unmanaged::Trigger { backend, .. } => Some(*backend),
            Unmanaged::Default { backend, .. } | Unmanaged::Column { backend, .. } => *backend,
        }
    }

    /// Whether it is part of the database's schema on `backend`: written for it, or
    /// meaning the same on all.
    pub fn holds_on(&self, backend: Backend) -> bool {
        self.backend().is_none_or(|b| b == backend)
    }

    /// One line for reports: `trigger fruit_touch on fruit`.
    pub fn describe(&self, table: &str) -> String {
        match self {
            Unmanaged::Default {
                column, default, ..
            } => {
                format!("default {} of {table}.{column}", default.sql_literal())
            }
            Unmanaged::Column { column, .. } => format!("column {table}.{}", column.name),
            other => format!("{} {} on {table}", other.kind(), other.name()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ColumnType,
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Default>,
    /// A single-column unique constraint declared on the column itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
}

/// Abstract column types: what the entity says, not how a backend spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnType {
    Char {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    String {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    Text,
    TinyInteger,
    SmallInteger,
    Integer,
    BigInteger,
    TinyUnsigned,
    SmallUnsigned,
    Unsigned,
    BigUnsigned,
    Float,
    Double,
    Decimal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        precision: Option<(u32, u32)>,
    },
    DateTime,
    Timestamp,
    TimestampWithTimeZone,
    Time,
    Date,
    Binary {
        length: u32,
    },
    VarBinary {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        length: Option<u32>,
    },
    Blob,
    Boolean,
    Json,
    JsonBinary,
    Uuid,
    /// A column holding one of `values`; on PostgreSQL, of the enum type `name`.
    Enum {
        name: String,
        values: Vec<String>,
    },
    /// A type this model has no word for, kept as the backend spells it.
    Custom {
        sql: String,
    },
}

/// A column default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Default {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    CurrentTimestamp,
    /// Any other SQL expression, verbatim.
    Expr(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Action::is_default")]
    pub on_delete: Action,
    #[serde(default, skip_serializing_if = "Action::is_default")]
    pub on_update: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl Action {
    fn is_default(&self) -> bool {
        *self == Action::NoAction
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    pub name: String,
    pub values: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Index {
    /// The same index under any name: the same columns, equally unique.
    pub fn same_meaning(&self, other: &Index) -> bool {
        self.columns == other.columns && self.unique == other.unique
    }
}

impl ForeignKey {
    /// The same columns referencing the same columns of the same table.
    pub fn same_reference(&self, other: &ForeignKey) -> bool {
        self.columns == other.columns
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
    }

    /// The same key under any name: the same reference and the same actions.
    pub fn same_meaning(&self, other: &ForeignKey) -> bool {
        self.same_reference(other)
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The table as a database of `backend` holds it: unmanaged defaults on their
    /// columns, unmanaged columns after the others (those written for `backend`, or
    /// for any).
    pub fn as_stored(&self, backend: Backend) -> Table {
        let mut out = self.clone();
        for object in self.unmanaged.iter().filter(|u| u.holds_on(backend)) {
            match object {
                Unmanaged::Default {
                    column, default, ..
                } => {
                    if let Some(c) = out.columns.iter_mut().find(|c| c.name == *column) {
                        c.default = Some(default.clone());
                    }
                }
                Unmanaged::Column { column, .. } => out.columns.push(column.clone()),
                _ => {}
            }
        }
        out
    }

    /// Puts indexes and foreign keys in their canonical order.
    pub fn sort(&mut self) {
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.unmanaged
            .sort_by(|a, b| (a.kind(), a.name()).cmp(&(b.kind(), b.name())));
    }

    /// Gives each index and foreign key the name its twin has in `old`: the same
    /// columns and meaning, under another name. Migrations refer to these objects by
    /// name, and the models can only derive names, so a database that named them its
    /// own way (adopted, or built by hand-written migrations) keeps its names instead
    /// of getting a migration that drops and recreates each one to rename it. An empty
    /// name (SQLite keeps none for some foreign keys) is no name.
    pub fn carry_names_from(&mut self, old: &Table) {
        let mut taken: Vec<String> = Vec::new();
        for index in &mut self.indexes {
            if old.indexes.contains(index) {
                continue;
            }
            if let Some(twin) = old
                .indexes
                .iter()
                .find(|o| o.same_meaning(index) && !o.name.is_empty() && !taken.contains(&o.name))
            {
                taken.push(twin.name.clone());
                index.name = twin.name.clone();
            }
        }
        let mut taken: Vec<String> = Vec::new();
        for fk in &mut self.foreign_keys {
            if old.foreign_keys.contains(fk) {
                continue;
            }
            if let Some(twin) = old
                .foreign_keys
                .iter()
                .find(|o| o.same_meaning(fk) && !o.name.is_empty() && !taken.contains(&o.name))
            {
                taken.push(twin.name.clone());
                fk.name = twin.name.clone();
            }
        }
        self.sort();
    }
}

impl Schema {
    /// [`Table::carry_names_from`] for every table `old` has too.
    pub fn carry_names_from(&mut self, old: &Schema) {
        for (name, table) in &mut self.tables {
            if let Some(old) = old.tables.get(name) {
                table.carry_names_from(old);
            }
        }
    }

    /// Takes into the managed schema what the models now declare of the unmanaged
    /// objects: a default or a column a person has added to the entity as the database
    /// has it. Called on a snapshot before diffing it with `models`, so that declaring
    /// what the database already has is no change, and declaring it otherwise is an
    /// ordinary alteration.
    /// Returns what it took, in words.
    pub fn absorb_declared(&mut self, models: &Schema) -> Vec<String> {
        let mut taken = Vec::new();
        for (name, table) in &mut self.tables {
            let Some(model) = models.tables.get(name) else {
                continue;
            };
            let mut kept = Vec::new();
            for object in std::mem::take(&mut table.unmanaged) {
                match object {
                    Unmanaged::Default {
                        column, default, ..
                    } if model.column(&column).is_some_and(|c| c.default.is_some()) => {
                        taken.push(format!("default of {name}.{column}"));
                        if let Some(c) = table.columns.iter_mut().find(|c| c.name == column) {
                            c.default = Some(default);
                        }
                    }
                    Unmanaged::Column { column, .. } if model.column(&column.name).is_some() => {
                        taken.push(format!("column {name}.{}", column.name));
                        table.columns.push(column);
                    }
                    other => kept.push(other),
                }
            }
            table.unmanaged = kept;
        }
        taken
    }

    /// Gives each table of these models the unmanaged objects its table has in
    /// `snapshot`, and the snapshot's views: entities never declare them, and what a
    /// migration writes as the next snapshot must keep them. A default or column whose
    /// column the models dropped goes with that column.
    pub fn keep_unmanaged_of(&mut self, snapshot: &Schema) {
        for (name, table) in &mut self.tables {
            let Some(old) = snapshot.tables.get(name) else {
                continue;
            };
            table.unmanaged = old
                .unmanaged
                .iter()
                .filter(|u| match u {
                    Unmanaged::Default { column, .. } => {
                        table.columns.iter().any(|c| c.name == *column)
                    }
                    _ => true,
                })
                .cloned()
                .collect();
        }
        self.views = snapshot.views.clone();
    }

    /// The schema as the database holds it: unmanaged defaults on their columns and
    /// unmanaged columns among the others. What `check` compares a live database with.
    pub fn as_stored(&self, backend: Backend) -> Schema {
        let mut out = self.clone();
        for table in out.tables.values_mut() {
            *table = table.as_stored(backend);
        }
        out
    }

    /// Enum names used by at least one column.
    pub fn used_enums(&self) -> impl Iterator<Item = &str> {
        self.tables
            .values()
            .flat_map(|t| t.columns.iter())
            .filter_map(|c| match &c.ty {
                ColumnType::Enum { name, .. } => Some(name.as_str()),
                _ => None,
            })
    }
}

/// A definition as compared: runs of whitespace as one space, trimmed, a trailing `;`
/// dropped. Definitions are stored as written, since a SQLite rebuild runs them again.
pub fn squeeze(sql: &str) -> String {
    let joined = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches(';').trim_end().to_string()
}

/// A table's name in the model: `table`, or `schema.table` for an entity with
/// `schema_name` (PostgreSQL schemas). Every stage keys tables by this name; only SQL
/// and generated code split it again ([`split_name`]).
pub fn qualified_name(schema: Option<&str>, table: &str) -> String {
    match schema {
        Some(schema) => format!("{schema}.{table}"),
        None => table.to_string(),
    }
}

/// The schema and the table of a model table name.
pub fn split_name(name: &str) -> (Option<&str>, &str) {
    match name.split_once('.') {
        Some((schema, table)) => (Some(schema), table),
        None => (None, name),
    }
}

impl Schema {
    /// The PostgreSQL schemas the tables name, other than the connection's own.
    pub fn named_schemas(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .tables
            .keys()
            .filter_map(|t| split_name(t).0.map(str::to_string))
            .collect();
        out.dedup();
        out
    }
}

/// The default index name for `columns` of `table`, as SeaORM names them.
pub fn index_name(table: &str, columns: &[String]) -> String {
    format!("idx-{}-{}", table, columns.join("-"))
}

/// The default foreign key name, as SeaORM names them.
pub fn foreign_key_name(table: &str, columns: &[String], ref_table: &str) -> String {
    format!("fk-{}-{}-{}", table, columns.join("-"), ref_table)
}

impl ColumnType {
    /// Any integer width, signed or not.
    pub fn is_integer(&self) -> bool {
        use ColumnType as T;
        matches!(
            self,
            T::TinyInteger
                | T::SmallInteger
                | T::Integer
                | T::BigInteger
                | T::TinyUnsigned
                | T::SmallUnsigned
                | T::Unsigned
                | T::BigUnsigned
        )
    }

    /// A value every column of this type accepts: to refill a restored NOT NULL column.
    pub fn zero(&self) -> Default {
        use ColumnType as T;
        match self {
            T::Boolean => Default::Bool(false),
            t if t.is_integer() => Default::Int(0),
            T::Float | T::Double | T::Decimal { .. } => Default::Float(0.0),
            T::Date | T::Time | T::DateTime | T::Timestamp | T::TimestampWithTimeZone => {
                Default::CurrentTimestamp
            }
            T::Json | T::JsonBinary => Default::String("{}".into()),
            T::Uuid => Default::String("00000000-0000-0000-0000-000000000000".into()),
            T::Enum { values, .. } => Default::String(values.first().cloned().unwrap_or_default()),
            _ => Default::String(String::new()),
        }
    }

    /// The type in a few words, for messages: `string(100)`, `decimal(10, 2)`.
    pub fn describe(&self) -> String {
        use ColumnType as T;
        match self {
            T::Char { length: Some(n) } => format!("char({n})"),
            T::String { length: Some(n) } => format!("string({n})"),
            T::Decimal {
                precision: Some((p, s)),
            } => format!("decimal({p}, {s})"),
            T::Binary { length } => format!("binary({length})"),
            T::VarBinary { length: Some(n) } => format!("var_binary({n})"),
            T::Enum { name, .. } => format!("enum {name}"),
            T::Custom { sql } => sql.clone(),
            other => {
                let debug = format!("{other:?}");
                let word = debug.split([' ', '{']).next().unwrap_or_default();
                // CamelCase to snake_case.
                let mut out = String::new();
                for (i, c) in word.chars().enumerate() {
                    if c.is_uppercase() && i > 0 {
                        out.push('_');
                    }
                    out.push(c.to_ascii_lowercase());
                }
                out
            }
        }
    }
}

impl Default {
    /// The value as an SQL literal (standard quoting), for messages and copies.
    pub fn sql_literal(&self) -> String {
        match self {
            Default::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Default::Int(n) => n.to_string(),
            Default::Float(f) => format!("{f:?}"),
            Default::String(s) => format!("'{}'", s.replace('\'', "''")),
            Default::CurrentTimestamp => "CURRENT_TIMESTAMP".into(),
            Default::Expr(e) => e.clone(),
        }
    }

    /// Reads a value typed by a person for a column of type `ty`.
    pub fn parse_for(ty: &ColumnType, text: &str) -> Result<Default, String> {
        use ColumnType as T;
        let t = text.trim();
        match ty {
            T::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "t" | "yes" => Ok(Default::Bool(true)),
                "false" | "0" | "f" | "no" => Ok(Default::Bool(false)),
                _ => Err(format!("`{t}` is not a boolean (true or false)")),
            },
            ty if ty.is_integer() => t
                .parse()
                .map(Default::Int)
                .map_err(|_| format!("`{t}` is not an integer")),
            T::Float | T::Double | T::Decimal { .. } => t
                .parse()
                .map(Default::Float)
                .map_err(|_| format!("`{t}` is not a number")),
            T::Date | T::Time | T::DateTime | T::Timestamp | T::TimestampWithTimeZone
                if t.eq_ignore_ascii_case("now") || t.eq_ignore_ascii_case("current_timestamp") =>
            {
                Ok(Default::CurrentTimestamp)
            }
            _ => Ok(Default::String(text.to_string())),
        }
    }
}

/// Tables in a foreign-key cycle, and those referencing them, which have no creation
/// order; and the order of the others.
pub struct Cycle<'a> {
    pub ordered: Vec<&'a Table>,
    /// In name order.
    pub stuck: Vec<&'a Table>,
}

/// Orders `tables` so that each comes after the tables it references within the set.
pub fn creation_order<'a>(tables: &[&'a Table]) -> Result<Vec<&'a Table>, Cycle<'a>> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    while order.len() < tables.len() {
        let ready: Vec<&Table> = tables
            .iter()
            .filter(|t| !placed.contains(t.name.as_str()))
            .filter(|t| {
                t.foreign_keys.iter().all(|fk| {
                    fk.ref_table == t.name
                        || !names.contains(fk.ref_table.as_str())
                        || placed.contains(fk.ref_table.as_str())
                })
            })
            .copied()
            .collect();
        if ready.is_empty() {
            let mut stuck: Vec<&Table> = tables
                .iter()
                .filter(|t| !placed.contains(t.name.as_str()))
                .copied()
                .collect();
            stuck.sort_by(|a, b| a.name.cmp(&b.name));
            return Err(Cycle {
                ordered: order,
                stuck,
            });
        }
        for t in ready {
            placed.insert(&t.name);
            order.push(t);
        }
    }
    Ok(order)
}

#[cfg(test)]
mod carry_names_tests {
    use super::*;

    fn index(name: &str, columns: &[&str], unique: bool) -> Index {
        Index {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            unique,
        }
    }

    fn fk(name: &str, column: &str) -> ForeignKey {
        ForeignKey {
            name: name.into(),
            columns: vec![column.into()],
            ref_table: "cake".into(),
            ref_columns: vec!["id".into()],
            on_delete: Action::Cascade,
            on_update: Action::default(),
        }
    }

    fn table(indexes: Vec<Index>, foreign_keys: Vec<ForeignKey>) -> Table {
        Table {
            name: "fruit".into(),
            columns: vec![],
            primary_key: vec![],
            indexes,
            foreign_keys,
            unmanaged: vec![],
        }
    }

    #[test]
    fn twins_take_the_database_names_and_real_changes_do_not() {
        let database = table(
            vec![
                index("fruit_by_name", &["name"], false),
                index("u", &["a", "b"], true),
            ],
            vec![fk("fk-fruit-cake_id", "cake_id"), fk("", "other_id")],
        );
        let mut models = table(
            vec![
                index("idx-fruit-name", &["name"], false),
                // Now unique: a real change, which keeps its own name.
                index("idx-fruit-a-b", &["a", "b"], false),
            ],
            vec![fk("fk-x", "cake_id"), fk("fk-fruit-other_id", "other_id")],
        );
        models.carry_names_from(&database);
        let names = |t: &Table| -> Vec<String> {
            t.indexes
                .iter()
                .map(|i| i.name.clone())
                .chain(t.foreign_keys.iter().map(|f| f.name.clone()))
                .collect()
        };
        assert_eq!(
            names(&models),
            [
                "fruit_by_name",
                "idx-fruit-a-b",
                "fk-fruit-cake_id",
                "fk-fruit-other_id"
            ]
        );
    }
}
