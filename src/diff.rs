//! Compares two schemas and returns the operations that turn one into the other.
//!
//! Every operation carries the whole object it adds or removes, so that its exact
//! inverse can be generated for `down()`. The returned list is already in a safe order:
//! referenced tables are created before referencing ones, and dropped after them.

use crate::schema::{Column, Enum, Index, Schema, Table};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    CreateEnum(Enum),
    DropEnum(Enum),
    /// Creates the table with its indexes.
    CreateTable(Table),
    /// Drops the table, and with it its indexes.
    DropTable(Table),
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
}

impl Operation {
    /// The operation that undoes this one.
    pub fn inverse(&self) -> Operation {
        use Operation::*;
        match self.clone() {
            CreateEnum(e) => DropEnum(e),
            DropEnum(e) => CreateEnum(e),
            CreateTable(t) => DropTable(t),
            DropTable(t) => CreateTable(t),
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            CreateIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => CreateIndex { table, index },
        }
    }

    /// The table this operation is about, if any.
    pub fn table(&self) -> Option<&str> {
        use Operation::*;
        match self {
            CreateEnum(_) | DropEnum(_) => None,
            CreateTable(t) | DropTable(t) => Some(&t.name),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. } => Some(table),
        }
    }

    /// One line in plain words, for the file header and the terminal.
    pub fn describe(&self) -> String {
        use Operation::*;
        match self {
            CreateEnum(e) => format!("Create enum {} ({})", e.name, e.values.join(", ")),
            DropEnum(e) => format!("Drop enum {}", e.name),
            CreateTable(t) if t.indexes.is_empty() => format!("Create table {}", t.name),
            CreateTable(t) => {
                let names: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
                format!("Create table {} with index {}", t.name, names.join(", "))
            }
            DropTable(t) => format!("Drop table {}", t.name),
            AddColumn { table, column } => format!("Add column {table}.{}", column.name),
            DropColumn { table, column } => format!("Drop column {table}.{}", column.name),
            CreateIndex { table, index } => {
                let kind = if index.unique {
                    "unique index"
                } else {
                    "index"
                };
                format!(
                    "Create {kind} {} on {table} ({})",
                    index.name,
                    index.columns.join(", ")
                )
            }
            DropIndex { table, index } => format!("Drop index {} on {table}", index.name),
        }
    }

    /// Whether applying this operation throws data away.
    pub fn loses_data(&self) -> bool {
        matches!(self, Operation::DropTable(_) | Operation::DropColumn { .. })
    }
}

/// Something the diff cannot turn into operations (yet); reported, never guessed.
#[derive(Debug, thiserror::Error)]
pub enum Unsupported {
    #[error(
        "column {table}.{column} changed definition; changing a column is not supported yet (drop and re-add it in two migrations)"
    )]
    ColumnChanged { table: String, column: String },
    #[error("the primary key of table {table} changed; this is not supported yet")]
    PrimaryKeyChanged { table: String },
    #[error("the foreign keys of table {table} changed; this is not supported yet")]
    ForeignKeysChanged { table: String },
    #[error("enum {name} changed its values; this is not supported yet")]
    EnumChanged { name: String },
    #[error("tables {0} reference each other in a cycle; this is not supported yet")]
    ForeignKeyCycle(String),
}

/// The operations that turn `from` into `to`, in the order they must run.
pub fn diff(from: &Schema, to: &Schema) -> Result<Vec<Operation>, Unsupported> {
    let mut enums_created = Vec::new();
    let mut enums_dropped = Vec::new();
    for (name, e) in &to.enums {
        match from.enums.get(name) {
            None => enums_created.push(Operation::CreateEnum(e.clone())),
            Some(old) if old.values != e.values => {
                return Err(Unsupported::EnumChanged { name: name.clone() });
            }
            Some(_) => {}
        }
    }
    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            enums_dropped.push(Operation::DropEnum(e.clone()));
        }
    }

    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name))
        .collect();
    let dropped: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name))
        .collect();

    let mut index_drops = Vec::new();
    let mut column_adds = Vec::new();
    let mut index_creates = Vec::new();
    let mut column_drops = Vec::new();
    for new in to.tables.values() {
        let Some(old) = from.tables.get(&new.name) else {
            continue;
        };
        if old.primary_key != new.primary_key {
            return Err(Unsupported::PrimaryKeyChanged {
                table: new.name.clone(),
            });
        }
        if old.foreign_keys != new.foreign_keys {
            return Err(Unsupported::ForeignKeysChanged {
                table: new.name.clone(),
            });
        }
        for column in &new.columns {
            match old.column(&column.name) {
                None => column_adds.push(Operation::AddColumn {
                    table: new.name.clone(),
                    column: column.clone(),
                }),
                Some(was) if was != column => {
                    return Err(Unsupported::ColumnChanged {
                        table: new.name.clone(),
                        column: column.name.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        for column in &old.columns {
            if new.column(&column.name).is_none() {
                column_drops.push(Operation::DropColumn {
                    table: new.name.clone(),
                    column: column.clone(),
                });
            }
        }
        for index in &old.indexes {
            if !new.indexes.contains(index) {
                index_drops.push(Operation::DropIndex {
                    table: new.name.clone(),
                    index: index.clone(),
                });
            }
        }
        for index in &new.indexes {
            if !old.indexes.contains(index) {
                index_creates.push(Operation::CreateIndex {
                    table: new.name.clone(),
                    index: index.clone(),
                });
            }
        }
    }

    let mut ops = enums_created;
    ops.extend(index_drops);
    ops.extend(
        creation_order(&created)?
            .into_iter()
            .map(|t| Operation::CreateTable(t.clone())),
    );
    ops.extend(column_adds);
    ops.extend(index_creates);
    ops.extend(column_drops);
    let mut drops = creation_order(&dropped)?;
    drops.reverse();
    ops.extend(drops.into_iter().map(|t| Operation::DropTable(t.clone())));
    ops.extend(enums_dropped);
    Ok(ops)
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
    use crate::schema::{ColumnType, ForeignKey};

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![Column {
                name: "id".into(),
                ty: ColumnType::Integer,
                nullable: false,
                default: None,
                unique: false,
                auto_increment: true,
            }],
            primary_key: vec!["id".into()],
            indexes: vec![],
            foreign_keys: refs
                .iter()
                .map(|r| ForeignKey {
                    name: format!("fk-{name}-{r}"),
                    columns: vec!["id".into()],
                    ref_table: r.to_string(),
                    ref_columns: vec!["id".into()],
                    on_delete: Default::default(),
                    on_update: Default::default(),
                })
                .collect(),
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
            enums: Default::default(),
        }
    }

    fn names(ops: &[Operation]) -> Vec<String> {
        ops.iter().map(Operation::describe).collect()
    }

    #[test]
    fn referenced_tables_are_created_first_and_dropped_last() {
        let full = schema(vec![
            table("a_child", &["b_parent"]),
            table("b_parent", &[]),
        ]);
        let up = diff(&Schema::default(), &full).unwrap();
        assert_eq!(
            names(&up),
            ["Create table b_parent", "Create table a_child"]
        );
        let down = diff(&full, &Schema::default()).unwrap();
        assert_eq!(names(&down), ["Drop table a_child", "Drop table b_parent"]);
        assert_eq!(reverse(&up), down);
    }

    #[test]
    fn identical_schemas_give_nothing() {
        let s = schema(vec![table("a", &[])]);
        assert!(diff(&s, &s).unwrap().is_empty());
    }

    #[test]
    fn cycles_are_refused() {
        let s = schema(vec![table("a", &["b"]), table("b", &["a"])]);
        assert!(matches!(
            diff(&Schema::default(), &s),
            Err(Unsupported::ForeignKeyCycle(_))
        ));
    }
}
