//! SQLite: what it can change in place, and the rebuild (new table, copy, swap) for
//! everything else.

use super::builder::{call, create_index, create_table, indent, lit, raw, raw_lit};
use crate::diff::Change;
use crate::schema::{Backend, Default, Table, Unmanaged};
use crate::sql::Dialect;

/// Whether `change` leaves a SQLite table as it is: a column changing only in ways
/// SQLite does not store.
pub(super) fn sqlite_stores_alike(table: &Table, change: &Change) -> bool {
    match change {
        Change::AlterColumn {
            from,
            to,
            fill: None,
        } => crate::schema::compare::same_column(
            from,
            to,
            table.primary_key.contains(&from.name),
            sea_orm::DbBackend::Sqlite,
        ),
        _ => false,
    }
}

/// SQLite cannot change columns or constraints in place; SQLite's documented way is
/// to create the new table under another name, copy the rows, drop the old table and
/// rename the new one. Dropping the old table would fire `ON DELETE` actions in
/// referencing tables if foreign keys were enforced, so the rebuild refuses to run
/// then; `manage migrate` turns enforcement off around each migration and checks
/// every foreign key before committing.
pub(super) fn sqlite_rebuild(from: &Table, to: &Table, changes: &[Change]) -> String {
    let d = Dialect::Sqlite;
    let new = format!("{}{REBUILD_SUFFIX}", to.name);
    let mut copy_to = Vec::new();
    let mut copy_from = Vec::new();
    for column in &to.columns {
        let source = changes.iter().find_map(|c| match c {
            Change::RenameColumn { from: was, to: now } if *now == column.name => {
                Some(d.ident(was))
            }
            Change::AddColumn {
                column: added,
                fill: Some(v),
            } if added.name == column.name => Some(d.literal(v)),
            Change::AlterColumn {
                to: now,
                fill: Some(v),
                ..
            } if now.name == column.name => Some(format!(
                "COALESCE({}, {})",
                d.ident(&column.name),
                d.literal(v)
            )),
            _ => None,
        });
        let source = source.or_else(|| from.column(&column.name).map(|_| d.ident(&column.name)));
        if let Some(source) = source {
            copy_to.push(d.ident(&column.name));
            copy_from.push(source);
        }
    }
    // The rebuilt table must keep what the database has beyond the models: unmanaged
    // columns (with their rows) and defaults are part of its definition, checks are
    // restated in it, and its SQLite triggers and partial indexes, dropped with the
    // old table, are created again from their recorded statements.
    let to = &to.as_stored(Backend::Sqlite);
    let elsewhere: Vec<String> = to
        .unmanaged
        .iter()
        .filter(|u| u.backend().is_some_and(|b| b != Backend::Sqlite))
        .map(|u| u.describe(&to.name))
        .collect();
    for column in &to.columns {
        let quoted = d.ident(&column.name);
        if !copy_to.contains(&quoted) && is_unmanaged_column(to, &column.name) {
            copy_to.push(quoted.clone());
            copy_from.push(quoted);
        }
    }
    let mut building = to.clone();
    building.name = new.clone();
    let mut out = format!(
        "            // SQLite cannot alter this in place: rebuild {}, keeping its rows.\n\
         {}",
        to.name,
        indent(
            "        if sqlite_enforces_foreign_keys(manager).await? {\n\
             \x20           return Err(DbErr::Migration(\n\
             \x20               \"rebuilding a SQLite table needs foreign key enforcement off; apply with `manage migrate`\".into(),\n\
             \x20           ));\n\
             \x20       }\n"
        )
    );
    let checks: Vec<String> = to
        .unmanaged
        .iter()
        .filter_map(|u| match u {
            Unmanaged::Check {
                name,
                sql,
                backend: Backend::Sqlite,
            } => Some(format!(
                "check(({}, Expr::cust({})))",
                lit(name),
                raw_lit(sql)
            )),
            _ => None,
        })
        .collect();
    let create = create_table(&building);
    let create = match create.strip_suffix(".to_owned()") {
        Some(head) if !checks.is_empty() => format!("{head}.{}.to_owned()", checks.join(".")),
        _ => create,
    };
    if !elsewhere.is_empty() {
        out += &format!(
            "            // Not restated (recorded from another backend): {}.\n",
            elsewhere.join(", ")
        );
    }
    out += &indent(&call("create_table", &create));
    out += &indent(&raw(&format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        d.ident(&new),
        copy_to.join(", "),
        copy_from.join(", "),
        d.ident(&to.name)
    )));
    out += &indent(&call(
        "drop_table",
        &format!("Table::drop().table({}).to_owned()", lit(&to.name)),
    ));
    // Renaming checks every view against the schema, and a view of the dropped table
    // no longer resolves until the rename is done: the legacy rename skips that check.
    out += &indent(&raw("PRAGMA legacy_alter_table = ON"));
    out += &indent(&call(
        "rename_table",
        &format!(
            "Table::rename().table({}, {}).to_owned()",
            lit(&new),
            lit(&to.name)
        ),
    ));
    out += &indent(&raw("PRAGMA legacy_alter_table = OFF"));
    for index in &to.indexes {
        out += &indent(&call("create_index", &create_index(&to.name, index)));
    }
    for object in &to.unmanaged {
        if let Unmanaged::Index {
            sql,
            backend: Backend::Sqlite,
            ..
        }
        | Unmanaged::Trigger {
            sql,
            backend: Backend::Sqlite,
            ..
        } = object
        {
            out += &indent(&raw(sql));
        }
    }
    out
}

fn is_unmanaged_column(table: &Table, name: &str) -> bool {
    table
        .unmanaged
        .iter()
        .any(|u| matches!(u, Unmanaged::Column { column, .. } if column.name == name))
}

/// What a SQLite rebuild's temporary copy of a table is called after it (the history
/// scanner recognises it).
use migration_facts::REBUILD_SUFFIX;

/// The helper a file with SQLite rebuilds ends with.
pub(super) const SQLITE_FK_HELPER: &str = "
/// Whether SQLite enforces foreign keys on this connection (`PRAGMA foreign_keys`).
async fn sqlite_enforces_foreign_keys(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let row = manager
        .get_connection()
        .query_one_raw(sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            \"PRAGMA foreign_keys\",
        ))
        .await?;
    Ok(row.is_some_and(|row| row.try_get_by_index::<i32>(0).unwrap_or(0) == 1))
}
";

/// Whether SQLite can make `change` with `ALTER TABLE`, without rebuilding the table.
pub(super) fn alters_in_place(change: &Change) -> bool {
    use Change::*;
    match change {
        RenameColumn { .. } | CreateIndex(_) | DropIndex(_) => true,
        AddColumn { column, fill } => {
            fill.is_none()
                && !column.unique
                && !column.auto_increment
                && column.default != Some(Default::CurrentTimestamp)
                && (column.nullable || column.default.is_some())
        }
        DropColumn { column } => !column.unique,
        AlterColumn { .. } | AddForeignKey(_) | DropForeignKey(_) | SetPrimaryKey { .. } => false,
    }
}
