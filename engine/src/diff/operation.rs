//! The operations a diff returns: what changes, with the whole objects it changes so
//! that each has an exact inverse for `down()`, described in words for the user.

use super::column::{cheap_on_postgres, column_change, narrows};
use crate::schema::{Column, Default, Enum, ForeignKey, Index, Table};

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

/// Columns of the same types in the same order (names may differ): a rename candidate.
pub(super) fn same_shape(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| x.ty == y.ty && x.nullable == y.nullable)
}
