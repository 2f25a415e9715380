//! MySQL and MariaDB: the indexes a foreign key needs, which the server creates and
//! drops by itself.

use super::builder::{indent, raw};
use super::in_place::native_change;
use crate::diff::Change;
use crate::schema::{ForeignKey, Table};
use crate::sql::Dialect;

/// MySQL refuses to drop the last index a foreign key can use (error 1553), and drops
/// the key's own index by itself once another index can serve it (a unique column's
/// index too). So when `changes` drop every index serving a key that stays, the key is dropped first and added
/// again after them: MySQL then gives it an index of its own only if none of the new
/// ones serves it, as it would have. (An index created for the key by hand would
/// stay forever, and a later rollback would trip over it.) Returns the statements
/// for before and after the changes.
pub(super) fn mysql_foreign_key_index_bridge(
    from: &Table,
    to: &Table,
    changes: &[Change],
) -> (String, String) {
    // The indexes before the changes, by columns, and whether the changes drop each:
    // named indexes, and a unique column's own index (when it stops being unique).
    let dropped_index = |name: &str| {
        changes
            .iter()
            .any(|c| matches!(c, Change::DropIndex(i) if i.name == name))
    };
    let stops_unique = |column: &str| {
        changes.iter().any(|c| {
            matches!(c, Change::AlterColumn { from, to, .. } if from.name == column && !to.unique)
                || matches!(c, Change::DropColumn { column: gone } if gone.name == column)
        })
    };
    let indexes: Vec<(Vec<String>, bool)> = from
        .indexes
        .iter()
        .map(|i| (i.columns.clone(), dropped_index(&i.name)))
        .chain(
            from.columns
                .iter()
                .filter(|c| c.unique)
                .map(|c| (vec![c.name.clone()], stops_unique(&c.name))),
        )
        .collect();
    let released: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropForeignKey(fk) => Some(fk.name.as_str()),
            _ => None,
        })
        .collect();
    let (mut before, mut after) = (String::new(), String::new());
    for fk in &from.foreign_keys {
        let stays =
            !released.contains(&fk.name.as_str()) && to.foreign_keys.iter().any(|k| k == fk);
        let serves = |cols: &[String]| {
            cols.len() >= fk.columns.len() && cols[..fk.columns.len()] == fk.columns[..]
        };
        let serving: Vec<bool> = indexes
            .iter()
            .filter(|(columns, _)| serves(columns))
            .map(|(_, dropped)| *dropped)
            .collect();
        // With no serving index the key has its own, which no change here touches.
        if !stays
            || serves(&from.primary_key)
            || serving.is_empty()
            || !serving.iter().all(|dropped| *dropped)
        {
            continue;
        }
        before += &native_change(&to.name, &Change::DropForeignKey(fk.clone()));
        after += &native_change(&to.name, &Change::AddForeignKey(fk.clone()));
    }
    (before, after)
}

/// Statements for MySQL only; nothing when there are none.
pub(super) fn mysql_only(statements: &str) -> String {
    if statements.is_empty() {
        return String::new();
    }
    format!(
        "        if manager.get_database_backend() == DbBackend::MySql {{\n{}        }}\n",
        indent(statements)
    )
}

/// MySQL gives a foreign key an index of its own, named after it, unless another index
/// (or the primary key) starts with its columns; dropping the key leaves that index.
pub(super) fn mysql_implicit_index_drop(table: &Table, fk: &ForeignKey) -> String {
    let starts_with = |cols: &[String]| {
        cols.len() >= fk.columns.len() && cols[..fk.columns.len()] == fk.columns[..]
    };
    // A unique column has an index of its own too.
    let covered = starts_with(&table.primary_key)
        || table.indexes.iter().any(|i| starts_with(&i.columns))
        || table
            .columns
            .iter()
            .any(|c| c.unique && starts_with(std::slice::from_ref(&c.name)));
    if covered {
        return String::new();
    }
    let my = Dialect::MySql;
    raw(&format!(
        "ALTER TABLE {} DROP INDEX {}",
        my.ident(&table.name),
        my.ident(&fk.name)
    ))
}
