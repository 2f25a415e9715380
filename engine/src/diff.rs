//! Compares two schemas and returns the operations that turn one into the other.
//!
//! Every operation carries the whole objects it changes, so that its exact inverse can
//! be generated for `down()`. The returned list is in a safe order: enum types first,
//! renames, new tables (referenced before referencing), changes that drop foreign keys
//! to dropped tables, dropped tables (referencing before referenced), the other changes
//! to existing tables, and unused enum types last.
//!
//! What the diff cannot know, it asks through a [`Questioner`]: whether a table or
//! column that disappeared was renamed, and what to fill existing rows with.

use crate::schema::{
    Column, ColumnType, Default, Enum, ForeignKey, Index, Schema, Table, Unmanaged,
};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    CreateEnum(Enum),
    DropEnum(Enum),
    /// Values appended to an enum (PostgreSQL: `ALTER TYPE ... ADD VALUE`).
    AlterEnum {
        from: Enum,
        to: Enum,
    },
    /// Creates the table with its indexes.
    CreateTable(Table),
    /// Drops the table, and with it its indexes.
    DropTable(Table),
    RenameTable {
        from: String,
        to: String,
    },
    /// Changes to one existing table; `from` and `to` are the whole table before and
    /// after, so that a backend that cannot alter in place can rebuild it.
    AlterTable {
        from: Table,
        to: Table,
        changes: Vec<Change>,
    },
}

/// One change inside an existing table.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    RenameColumn {
        from: String,
        to: String,
    },
    /// `fill` is a one-off value for existing rows, not kept as a default.
    AddColumn {
        column: Column,
        fill: Option<Default>,
    },
    DropColumn {
        column: Column,
    },
    /// `fill` replaces NULLs in existing rows when the column becomes NOT NULL.
    AlterColumn {
        from: Column,
        to: Column,
        fill: Option<Default>,
    },
    CreateIndex(Index),
    DropIndex(Index),
    AddForeignKey(ForeignKey),
    DropForeignKey(ForeignKey),
    SetPrimaryKey {
        from: Vec<String>,
        to: Vec<String>,
    },
}

impl Change {
    pub fn inverse(&self) -> Change {
        use Change::*;
        match self.clone() {
            RenameColumn { from, to } => RenameColumn { from: to, to: from },
            AddColumn { column, .. } => DropColumn { column },
            // Restoring a NOT NULL column to rows that exist needs some value: the
            // type's zero, since the dropped data itself is gone.
            DropColumn { column } => AddColumn {
                fill: (!column.nullable && column.default.is_none() && !column.auto_increment)
                    .then(|| column.ty.zero()),
                column,
            },
            AlterColumn { from, to, .. } => AlterColumn {
                from: to,
                to: from,
                fill: None,
            },
            CreateIndex(i) => DropIndex(i),
            DropIndex(i) => CreateIndex(i),
            AddForeignKey(f) => DropForeignKey(f),
            DropForeignKey(f) => AddForeignKey(f),
            SetPrimaryKey { from, to } => SetPrimaryKey { from: to, to: from },
        }
    }

    fn describe(&self, table: &str) -> String {
        use Change::*;
        match self {
            RenameColumn { from, to } => format!("Rename column {table}.{from} to {to}"),
            AddColumn { column, fill: None } => format!("Add column {table}.{}", column.name),
            AddColumn {
                column,
                fill: Some(v),
            } => format!(
                "Add column {table}.{} (existing rows get {})",
                column.name,
                v.sql_literal()
            ),
            DropColumn { column } => format!("Drop column {table}.{}", column.name),
            AlterColumn { from, to, fill } => {
                let mut line = format!(
                    "Alter column {table}.{}: {}",
                    to.name,
                    column_change(from, to)
                );
                if let Some(v) = fill {
                    line += &format!(" (existing NULLs become {})", v.sql_literal());
                }
                line
            }
            CreateIndex(i) => {
                let kind = if i.unique { "unique index" } else { "index" };
                format!(
                    "Create {kind} {} on {table} ({})",
                    i.name,
                    i.columns.join(", ")
                )
            }
            DropIndex(i) => format!("Drop index {} on {table}", i.name),
            AddForeignKey(f) => format!(
                "Add foreign key {table} ({}) -> {} ({})",
                f.columns.join(", "),
                f.ref_table,
                f.ref_columns.join(", ")
            ),
            DropForeignKey(f) => format!(
                "Drop foreign key {table} ({}) -> {}",
                f.columns.join(", "),
                f.ref_table
            ),
            SetPrimaryKey { from, to } => format!(
                "Change primary key of {table} from ({}) to ({})",
                from.join(", "),
                to.join(", ")
            ),
        }
    }

    /// Whether SQLite can do this with `ALTER TABLE`, without rebuilding the table.
    pub fn sqlite_native(&self) -> bool {
        use Change::*;
        match self {
            RenameColumn { .. } | CreateIndex(_) | DropIndex(_) => true,
            AddColumn { column, fill } => {
                fill.is_none()
                    && !column.unique
                    && !column.auto_increment
                    && column.default != Some(Default::CurrentTimestamp)
                    && (column.nullable || column.default.is_some())
            }
            DropColumn { column } => !column.unique,
            AlterColumn { .. } | AddForeignKey(_) | DropForeignKey(_) | SetPrimaryKey { .. } => {
                false
            }
        }
    }

    fn warnings(&self, table: &str) -> Vec<String> {
        match self {
            Change::DropColumn { column } => {
                let mut out = vec![format!(
                    "Drop column {table}.{}: its data is lost",
                    column.name
                )];
                // `down()` restores it with one value for every row.
                if column.unique && !column.nullable && column.default.is_none() {
                    out.push(format!(
                        "{table}.{} is unique and NOT NULL: rolling this back fails while \
                         {table} has more than one row (every row would get the same value)",
                        column.name
                    ));
                }
                out
            }
            Change::AlterColumn { from, to, .. } if from.ty != to.ty => {
                let mut out = Vec::new();
                if narrows(&from.ty, &to.ty) {
                    out.push(format!(
                        "{table}.{} narrows from {} to {}: values that do not fit make this migration fail or are cut",
                        to.name,
                        from.ty.describe(),
                        to.ty.describe()
                    ));
                }
                if !cheap_on_postgres(&from.ty, &to.ty) {
                    out.push(format!(
                        "Changing the type of {table}.{} rewrites {table} on PostgreSQL, locking it for the duration",
                        to.name
                    ));
                }
                out
            }
            _ => vec![],
        }
    }
}

/// Whether every value of `from` may not fit `to`.
fn narrows(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    let int_rank = |t: &T| match t {
        T::TinyInteger | T::TinyUnsigned => Some(1),
        T::SmallInteger | T::SmallUnsigned => Some(2),
        T::Integer | T::Unsigned => Some(3),
        T::BigInteger | T::BigUnsigned => Some(4),
        _ => None,
    };
    let text_len = |t: &T| match t {
        T::Char { length } | T::String { length } => Some(length.unwrap_or(u32::MAX)),
        T::Text => Some(u32::MAX),
        _ => None,
    };
    match (from, to) {
        (a, b) if int_rank(a).is_some() && int_rank(b).is_some() => int_rank(b) < int_rank(a),
        (a, b) if text_len(a).is_some() && text_len(b).is_some() => text_len(b) < text_len(a),
        (T::Double, T::Float) => true,
        (
            T::Decimal {
                precision: Some((p1, s1)),
            },
            T::Decimal {
                precision: Some((p2, s2)),
            },
        ) => p2 < p1 || s2 < s1,
        (T::Decimal { precision: None }, T::Decimal { precision: Some(_) }) => true,
        (T::Enum { values: a, .. }, T::Enum { values: b, .. }) => a.iter().any(|v| !b.contains(v)),
        (a, b) => std::mem::discriminant(a) != std::mem::discriminant(b),
    }
}

/// Type changes PostgreSQL makes without rewriting the table: widening or dropping a
/// varchar limit, varchar to text, and enum values (handled on the type itself).
fn cheap_on_postgres(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    match (from, to) {
        (T::String { length: Some(a) }, T::String { length: Some(b) }) => b >= a,
        (T::String { .. }, T::String { length: None }) | (T::String { .. }, T::Text) => true,
        (T::Enum { name: a, .. }, T::Enum { name: b, .. }) => a == b,
        _ => false,
    }
}

/// What changed about a column, in words.
fn column_change(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    if from.ty != to.ty {
        parts.push(format!(
            "type {} -> {}",
            from.ty.describe(),
            to.ty.describe()
        ));
    }
    if from.nullable != to.nullable {
        parts.push(if to.nullable { "nullable" } else { "NOT NULL" }.to_string());
    }
    if from.default != to.default {
        parts.push(match &to.default {
            Some(d) => format!("default {}", d.sql_literal()),
            None => "no default".into(),
        });
    }
    if from.unique != to.unique {
        parts.push(if to.unique { "unique" } else { "not unique" }.to_string());
    }
    if from.auto_increment != to.auto_increment {
        parts.push(
            if to.auto_increment {
                "auto-increment"
            } else {
                "no auto-increment"
            }
            .to_string(),
        );
    }
    parts.join(", ")
}

impl Operation {
    /// The operation that undoes this one.
    pub fn inverse(&self) -> Operation {
        use Operation::*;
        match self.clone() {
            CreateEnum(e) => DropEnum(e),
            DropEnum(e) => CreateEnum(e),
            AlterEnum { from, to } => AlterEnum { from: to, to: from },
            CreateTable(t) => DropTable(t),
            DropTable(t) => CreateTable(t),
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AlterTable { from, to, changes } => AlterTable {
                from: to,
                to: from,
                changes: changes.iter().rev().map(Change::inverse).collect(),
            },
        }
    }

    /// The tables this operation is about.
    pub fn tables(&self) -> Vec<&str> {
        use Operation::*;
        match self {
            CreateEnum(_) | DropEnum(_) | AlterEnum { .. } => vec![],
            CreateTable(t) | DropTable(t) => vec![&t.name],
            RenameTable { from, to } => vec![from, to],
            AlterTable { to, .. } => vec![&to.name],
        }
    }

    /// Plain words, a line per change, for the file header and the terminal.
    pub fn describe(&self) -> Vec<String> {
        use Operation::*;
        vec![match self {
            CreateEnum(e) => format!("Create enum {} ({})", e.name, e.values.join(", ")),
            DropEnum(e) => format!("Drop enum {}", e.name),
            AlterEnum { from, to } => format!(
                "Change enum {} from ({}) to ({})",
                to.name,
                from.values.join(", "),
                to.values.join(", ")
            ),
            CreateTable(t) if t.indexes.is_empty() => format!("Create table {}", t.name),
            CreateTable(t) => {
                let names: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
                format!("Create table {} with index {}", t.name, names.join(", "))
            }
            DropTable(t) => format!("Drop table {}", t.name),
            RenameTable { from, to } => format!("Rename table {from} to {to}"),
            AlterTable { to, changes, .. } => {
                return changes.iter().map(|c| c.describe(&to.name)).collect();
            }
        }]
    }

    /// What a reviewer must know before applying this: lost data, narrowed types,
    /// values that may not convert, long table rewrites.
    pub fn warnings(&self) -> Vec<String> {
        match self {
            Operation::DropTable(t) => vec![format!("Drop table {}: its data is lost", t.name)],
            Operation::AlterEnum { from, to } => {
                let removed: Vec<&str> = from
                    .values
                    .iter()
                    .filter(|v| !to.values.contains(v))
                    .map(String::as_str)
                    .collect();
                if removed.is_empty() {
                    vec![]
                } else {
                    vec![format!(
                        "Enum {} loses {}: rows holding them make this migration fail",
                        to.name,
                        removed.join(", ")
                    )]
                }
            }
            Operation::AlterTable { to, changes, .. } => {
                changes.iter().flat_map(|c| c.warnings(&to.name)).collect()
            }
            _ => vec![],
        }
    }
}

/// For each drop that loses data while something of the same shape appears beside
/// it (a rename answered "no", or not asked without a terminal): the `--rename`
/// answer that would keep the data instead.
pub fn rename_hints(ops: &[Operation]) -> Vec<String> {
    let mut out = Vec::new();
    let created: Vec<&Table> = ops
        .iter()
        .filter_map(|op| match op {
            Operation::CreateTable(t) => Some(t),
            _ => None,
        })
        .collect();
    for op in ops {
        match op {
            Operation::DropTable(old) => {
                for new in created.iter().filter(|new| same_shape(old, new)) {
                    out.push(format!(
                        "if table {} was renamed to {}, pass --rename {}={} to keep its rows",
                        old.name, new.name, old.name, new.name
                    ));
                }
            }
            Operation::AlterTable { to, changes, .. } => {
                for change in changes {
                    let Change::DropColumn { column: old } = change else {
                        continue;
                    };
                    for change in changes {
                        if let Change::AddColumn { column: new, .. } = change
                            && new.ty == old.ty
                            && new.nullable == old.nullable
                        {
                            out.push(format!(
                                "if {t}.{} was renamed to {}, pass --rename {t}.{}={} to keep its data",
                                old.name,
                                new.name,
                                old.name,
                                new.name,
                                t = to.name
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Answers the questions a diff cannot answer from the schemas alone.
pub trait Questioner {
    /// Was table `from` renamed to `to`?
    fn renamed_table(&mut self, from: &str, to: &str) -> anyhow::Result<bool>;
    /// Was `table.from` renamed to `table.to`?
    fn renamed_column(&mut self, table: &str, from: &str, to: &str) -> anyhow::Result<bool>;
    /// A one-off value for existing rows of a new, or newly NOT NULL, column.
    fn fill_value(&mut self, table: &str, column: &Column) -> anyhow::Result<Default>;
}

/// Answers every rename question with "no" and has no fill values (for tests).
#[cfg(test)]
pub struct NoQuestions;

#[cfg(test)]
impl Questioner for NoQuestions {
    fn renamed_table(&mut self, _: &str, _: &str) -> anyhow::Result<bool> {
        Ok(false)
    }
    fn renamed_column(&mut self, _: &str, _: &str, _: &str) -> anyhow::Result<bool> {
        Ok(false)
    }
    fn fill_value(&mut self, table: &str, column: &Column) -> anyhow::Result<Default> {
        anyhow::bail!("{table}.{} needs a value for existing rows", column.name)
    }
}

/// Something the diff cannot turn into operations (yet); reported, never guessed.
#[derive(Debug, thiserror::Error)]
pub enum Unsupported {
    #[error("tables {0} reference each other in a cycle; this is not supported yet")]
    ForeignKeyCycle(String),
}

/// Makes the models comparable with the snapshot before [`diff`]: what the models now
/// declare of the unmanaged objects joins the snapshot's managed schema, the models
/// take the database's names for their indexes and foreign keys, and they keep the
/// snapshot's unmanaged objects (which models never declare, and which the snapshot
/// written after the migration must still hold).
/// Returns what the models took over, in words.
pub fn align(snapshot: &mut Schema, models: &mut Schema) -> Vec<String> {
    let declared = snapshot.absorb_declared(models);
    models.carry_names_from(snapshot);
    models.keep_unmanaged_of(snapshot);
    declared
}

/// The operations that turn `from` into `to`, in the order they must run.
pub fn diff(
    from: &Schema,
    to: &Schema,
    ask: &mut dyn Questioner,
) -> anyhow::Result<Vec<Operation>> {
    let mut ops = Vec::new();
    let mut enums_dropped = Vec::new();
    for (name, e) in &to.enums {
        match from.enums.get(name) {
            None => ops.push(Operation::CreateEnum(e.clone())),
            Some(old) if old.values != e.values => {
                let removed: Vec<&str> = old
                    .values
                    .iter()
                    .filter(|v| !e.values.contains(v))
                    .map(String::as_str)
                    .collect();
                let _ = removed;
                ops.push(Operation::AlterEnum {
                    from: old.clone(),
                    to: e.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            enums_dropped.push(Operation::DropEnum(e.clone()));
        }
    }

    // Tables that disappeared while a table of the same shape appeared may be renames.
    let mut from_tables = from.tables.clone();
    let mut gone: Vec<String> = from
        .tables
        .keys()
        .filter(|n| !to.tables.contains_key(*n))
        .cloned()
        .collect();
    for new in to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name))
    {
        // A table moved to another schema is not a rename (`ALTER TABLE .. RENAME`
        // stays in the schema): it is dropped and created.
        let candidate = gone.iter().position(|old| {
            same_shape(&from.tables[old], new)
                && crate::schema::split_name(old).0 == crate::schema::split_name(&new.name).0
        });
        if let Some(at) = candidate
            && ask.renamed_table(&gone[at], &new.name)?
        {
            let old = gone.remove(at);
            let mut table = from_tables.remove(&old).expect("known table");
            ops.push(Operation::RenameTable {
                from: old.clone(),
                to: new.name.clone(),
            });
            rename_table_refs(&mut table, &new.name);
            from_tables.insert(new.name.clone(), table);
            // Every backend points other tables' foreign keys at the new name as it
            // renames (SQLite since 3.26): taken as still naming the old table, a
            // key would be dropped and re-added for nothing, and a renamed key would
            // be re-added by `down()` against a name the table does not have yet.
            for other in from_tables.values_mut() {
                for fk in &mut other.foreign_keys {
                    if fk.ref_table == old {
                        fk.ref_table = new.name.clone();
                    }
                }
            }
        }
    }

    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from_tables.contains_key(&t.name))
        .collect();
    let dropped: Vec<&Table> = from_tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name))
        .collect();
    ops.extend(
        creation_order(&created)?
            .into_iter()
            .map(|t| Operation::CreateTable(t.clone())),
    );
    // A table that stops referencing a dropped table lets go of it before the drop;
    // every other change waits until dropped tables no longer reference it.
    let dropped_names: BTreeSet<&str> = dropped.iter().map(|t| t.name.as_str()).collect();
    let mut late = Vec::new();
    for new in to.tables.values() {
        if let Some(old) = from_tables.get(&new.name) {
            // A renamed table's unmanaged objects are still the database's: a rebuild
            // or a restated column must keep them.
            let mut new = new.clone();
            if new.unmanaged.is_empty() {
                new.unmanaged = old.unmanaged.clone();
            }
            let changes = table_changes(old, &new, ask)?;
            follow_column_renames(old, &mut new, &changes);
            let new = &new;
            if changes.is_empty() {
                continue;
            }
            let releases_dropped = changes.iter().any(|c| {
                matches!(c, Change::DropForeignKey(fk) if dropped_names.contains(fk.ref_table.as_str()))
            });
            let op = Operation::AlterTable {
                from: old.clone(),
                to: new.clone(),
                changes,
            };
            if releases_dropped {
                ops.push(op);
            } else {
                late.push(op);
            }
        }
    }
    let mut drops = creation_order(&dropped)?;
    drops.reverse();
    ops.extend(drops.into_iter().map(|t| Operation::DropTable(t.clone())));
    ops.extend(late);
    ops.extend(enums_dropped);
    Ok(ops)
}

/// An unmanaged default goes where its column goes: a renamed column keeps it, a
/// dropped one takes it along.
fn follow_column_renames(old: &Table, new: &mut Table, changes: &[Change]) {
    for change in changes {
        let Change::RenameColumn { from, to } = change else {
            continue;
        };
        for object in &old.unmanaged {
            if let Unmanaged::Default {
                column,
                default,
                backend,
            } = object
                && column == from
            {
                new.unmanaged.push(Unmanaged::Default {
                    column: to.clone(),
                    default: default.clone(),
                    backend: *backend,
                });
            }
        }
    }
    let columns: BTreeSet<String> = new.columns.iter().map(|c| c.name.clone()).collect();
    new.unmanaged.retain(|u| match u {
        Unmanaged::Default { column, .. } => columns.contains(column),
        _ => true,
    });
    new.unmanaged.dedup();
    new.sort();
}

/// Columns of the same types in the same order (names may differ): a rename candidate.
fn same_shape(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| x.ty == y.ty && x.nullable == y.nullable)
}

/// Points a renamed table's self-references at its new name.
fn rename_table_refs(table: &mut Table, new_name: &str) {
    let old = std::mem::replace(&mut table.name, new_name.to_string());
    for fk in &mut table.foreign_keys {
        if fk.ref_table == old {
            fk.ref_table = new_name.to_string();
        }
    }
}

fn table_changes(
    old: &Table,
    new: &Table,
    ask: &mut dyn Questioner,
) -> anyhow::Result<Vec<Change>> {
    let t = &new.name;
    let mut renames = Vec::new();
    let mut old_cols: Vec<Column> = old.columns.clone();
    let mut gone: Vec<String> = old
        .columns
        .iter()
        .filter(|c| new.column(&c.name).is_none())
        .map(|c| c.name.clone())
        .collect();
    for column in new.columns.iter().filter(|c| old.column(&c.name).is_none()) {
        let candidate = gone.iter().position(|g| {
            let was = old.column(g).expect("old column");
            was.ty == column.ty && was.nullable == column.nullable
        });
        if let Some(at) = candidate
            && ask.renamed_column(t, &gone[at], &column.name)?
        {
            let from = gone.remove(at);
            for c in &mut old_cols {
                if c.name == from {
                    c.name = column.name.clone();
                }
            }
            renames.push(Change::RenameColumn {
                from,
                to: column.name.clone(),
            });
        }
    }
    let renamed = |name: &str| -> String {
        renames
            .iter()
            .find_map(|r| match r {
                Change::RenameColumn { from, to } if from == name => Some(to.clone()),
                _ => None,
            })
            .unwrap_or_else(|| name.to_string())
    };
    let old_col = |name: &str| old_cols.iter().find(|c| c.name == name);

    let mut changes = renames.clone();
    // Indexes and foreign keys on the old table, with renamed columns followed.
    let old_indexes: Vec<Index> = old
        .indexes
        .iter()
        .map(|i| Index {
            columns: i.columns.iter().map(|c| renamed(c)).collect(),
            ..i.clone()
        })
        .collect();
    let old_fks: Vec<ForeignKey> = old
        .foreign_keys
        .iter()
        .map(|f| ForeignKey {
            columns: f.columns.iter().map(|c| renamed(c)).collect(),
            ..f.clone()
        })
        .collect();
    let old_pk: Vec<String> = old.primary_key.iter().map(|c| renamed(c)).collect();

    changes.extend(
        old_fks
            .iter()
            .filter(|f| !new.foreign_keys.contains(f))
            .map(|f| Change::DropForeignKey(f.clone())),
    );
    changes.extend(
        old_indexes
            .iter()
            .filter(|i| !new.indexes.contains(i))
            .map(|i| Change::DropIndex(i.clone())),
    );
    for column in &new.columns {
        match old_col(&column.name) {
            None => {
                let fill = if !column.nullable && column.default.is_none() && !column.auto_increment
                {
                    Some(ask.fill_value(t, column)?)
                } else {
                    None
                };
                changes.push(Change::AddColumn {
                    column: column.clone(),
                    fill,
                });
            }
            Some(was) if was != column => {
                let fill = if was.nullable && !column.nullable && column.default.is_none() {
                    Some(ask.fill_value(t, column)?)
                } else {
                    None
                };
                changes.push(Change::AlterColumn {
                    from: was.clone(),
                    to: column.clone(),
                    fill,
                });
            }
            Some(_) => {}
        }
    }
    if old_pk != new.primary_key {
        changes.push(Change::SetPrimaryKey {
            from: old_pk,
            to: new.primary_key.clone(),
        });
    }
    changes.extend(
        new.indexes
            .iter()
            .filter(|i| !old_indexes.contains(i))
            .map(|i| Change::CreateIndex(i.clone())),
    );
    changes.extend(
        new.foreign_keys
            .iter()
            .filter(|f| !old_fks.contains(f))
            .map(|f| Change::AddForeignKey(f.clone())),
    );
    changes.extend(
        old_cols
            .iter()
            .filter(|c| new.column(&c.name).is_none())
            .map(|c| Change::DropColumn { column: c.clone() }),
    );
    Ok(changes)
}

/// The operations that undo `ops`: each inverse, newest first.
pub fn reverse(ops: &[Operation]) -> Vec<Operation> {
    ops.iter().rev().map(Operation::inverse).collect()
}

/// Orders tables so that each comes after the tables it references (within the set).
fn creation_order<'a>(tables: &[&'a Table]) -> Result<Vec<&'a Table>, Unsupported> {
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
            let stuck: Vec<&str> = tables
                .iter()
                .map(|t| t.name.as_str())
                .filter(|n| !placed.contains(n))
                .collect();
            return Err(Unsupported::ForeignKeyCycle(stuck.join(", ")));
        }
        for t in ready {
            placed.insert(&t.name);
            order.push(t);
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            ty: ColumnType::Integer,
            nullable: false,
            default: None,
            unique: false,
            auto_increment: false,
        }
    }

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![column("id")],
            primary_key: vec!["id".into()],
            indexes: vec![],
            foreign_keys: refs
                .iter()
                .map(|r| ForeignKey {
                    name: format!("fk-{name}-{r}"),
                    columns: vec!["id".into()],
                    ref_table: r.to_string(),
                    ref_columns: vec!["id".into()],
                    on_delete: std::default::Default::default(),
                    on_update: std::default::Default::default(),
                })
                .collect(),
            unmanaged: vec![],
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
            ..std::default::Default::default()
        }
    }

    fn names(ops: &[Operation]) -> Vec<String> {
        ops.iter().flat_map(Operation::describe).collect()
    }

    struct Yes;
    impl Questioner for Yes {
        fn renamed_table(&mut self, _: &str, _: &str) -> anyhow::Result<bool> {
            Ok(true)
        }
        fn renamed_column(&mut self, _: &str, _: &str, _: &str) -> anyhow::Result<bool> {
            Ok(true)
        }
        fn fill_value(&mut self, _: &str, _: &Column) -> anyhow::Result<Default> {
            Ok(Default::Int(7))
        }
    }

    /// A table renamed while another references it: the database itself points the
    /// reference at the new name, so a key whose name is kept does not change, and a
    /// renamed key is re-added in `down()` against the name the table has then.
    #[test]
    fn a_reference_follows_its_renamed_table() {
        let before = schema(vec![table("cake", &[]), table("review", &["cake"])]);
        let mut review = table("review", &["bakery_cake"]);
        review.foreign_keys[0].name = "fk-review-cake".into();
        let after = schema(vec![table("bakery_cake", &[]), review]);
        let up = diff(&before, &after, &mut Yes).unwrap();
        assert_eq!(names(&up), ["Rename table cake to bakery_cake"]);
        assert_eq!(names(&reverse(&up)), ["Rename table bakery_cake to cake"]);

        let after = schema(vec![
            table("bakery_cake", &[]),
            table("review", &["bakery_cake"]),
        ]);
        let down = reverse(&diff(&before, &after, &mut Yes).unwrap());
        let Operation::AlterTable { changes, .. } = &down[0] else {
            panic!("{down:?}")
        };
        let added: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::AddForeignKey(fk) => Some(fk.ref_table.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(added, ["bakery_cake"]);
        assert_eq!(names(&down[1..]), ["Rename table bakery_cake to cake"]);
    }

    /// Dropping a unique NOT NULL column says that its rollback cannot refill it.
    #[test]
    fn dropping_a_unique_not_null_column_warns_of_its_rollback() {
        let mut with = table("cake", &[]);
        with.columns.push(Column {
            unique: true,
            ..column("code")
        });
        let ops = diff(
            &schema(vec![with]),
            &schema(vec![table("cake", &[])]),
            &mut NoQuestions,
        )
        .unwrap();
        let warnings = ops[0].warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("cake.code is unique and NOT NULL: rolling this back fails")),
            "{warnings:?}"
        );
    }

    /// A drop beside an add of the same shape says how to keep the data.
    #[test]
    fn a_rename_answered_no_says_how_to_keep_the_data() {
        let before = schema(vec![table("cake", &[])]);
        let after = schema(vec![table("pie", &[])]);
        let ops = diff(&before, &after, &mut NoQuestions).unwrap();
        assert_eq!(
            rename_hints(&ops),
            ["if table cake was renamed to pie, pass --rename cake=pie to keep its rows"]
        );
        let mut with_old = table("cake", &[]);
        with_old.columns.push(Column {
            nullable: true,
            ..column("name")
        });
        let mut with_new = table("cake", &[]);
        with_new.columns.push(Column {
            nullable: true,
            ..column("title")
        });
        let ops = diff(
            &schema(vec![with_old]),
            &schema(vec![with_new]),
            &mut NoQuestions,
        )
        .unwrap();
        assert_eq!(
            rename_hints(&ops),
            ["if cake.name was renamed to title, pass --rename cake.name=title to keep its data"]
        );
    }

    #[test]
    fn referenced_tables_are_created_first_and_dropped_last() {
        let full = schema(vec![
            table("a_child", &["b_parent"]),
            table("b_parent", &[]),
        ]);
        let up = diff(&Schema::default(), &full, &mut NoQuestions).unwrap();
        assert_eq!(
            names(&up),
            ["Create table b_parent", "Create table a_child"]
        );
        let down = diff(&full, &Schema::default(), &mut NoQuestions).unwrap();
        assert_eq!(names(&down), ["Drop table a_child", "Drop table b_parent"]);
        assert_eq!(reverse(&up), down);
    }

    #[test]
    fn identical_schemas_give_nothing() {
        let s = schema(vec![table("a", &[])]);
        assert!(diff(&s, &s, &mut NoQuestions).unwrap().is_empty());
    }

    #[test]
    fn cycles_are_refused() {
        let s = schema(vec![table("a", &["b"]), table("b", &["a"])]);
        assert!(diff(&Schema::default(), &s, &mut NoQuestions).is_err());
    }

    #[test]
    fn renames_are_asked_and_followed() {
        let mut old = table("posts", &[]);
        old.columns.push(column("title"));
        let mut new = table("articles", &[]);
        new.columns.push(column("headline"));
        let ops = diff(
            &schema(vec![old.clone()]),
            &schema(vec![new.clone()]),
            &mut Yes,
        )
        .unwrap();
        assert_eq!(
            names(&ops),
            [
                "Rename table posts to articles",
                "Rename column articles.title to headline"
            ]
        );
        let ops = diff(&schema(vec![old]), &schema(vec![new]), &mut NoQuestions).unwrap();
        assert_eq!(names(&ops), ["Create table articles", "Drop table posts"]);
    }

    #[test]
    fn an_unmanaged_default_follows_its_renamed_column() {
        let mut old = table("posts", &[]);
        old.columns.push(column("title"));
        old.unmanaged.push(Unmanaged::Default {
            column: "title".into(),
            default: Default::Int(1),
            backend: None,
        });
        let mut new = table("posts", &[]);
        new.columns.push(column("headline"));
        let (mut from, mut to) = (schema(vec![old]), schema(vec![new]));
        align(&mut from, &mut to);
        let ops = diff(&from, &to, &mut Yes).unwrap();
        let Operation::AlterTable { to: table, .. } = &ops[0] else {
            panic!("{ops:?}")
        };
        assert_eq!(
            table.unmanaged,
            [Unmanaged::Default {
                column: "headline".into(),
                default: Default::Int(1),
                backend: None,
            }]
        );
        assert_eq!(
            table.as_stored(crate::schema::Backend::Sqlite).columns[1].default,
            Some(Default::Int(1))
        );
    }

    #[test]
    fn a_new_not_null_column_asks_for_a_fill_value() {
        let old = table("t", &[]);
        let mut new = old.clone();
        new.columns.push(column("n"));
        let err = diff(
            &schema(vec![old.clone()]),
            &schema(vec![new.clone()]),
            &mut NoQuestions,
        );
        assert!(err.is_err());
        let ops = diff(&schema(vec![old]), &schema(vec![new]), &mut Yes).unwrap();
        assert_eq!(names(&ops), ["Add column t.n (existing rows get 7)"]);
    }
}
