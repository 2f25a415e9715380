//! Changes made in place with `ALTER TABLE`: on MySQL and PostgreSQL always, on SQLite
//! where it can (see `sqlite`).

use super::builder::{
    call, chain, column_def, create_index, foreign_key, indent, lit, raw, raw_all, tbl,
};
use crate::diff::Change;
use crate::schema::{Backend, Column, ColumnType, Default, Index, Table, Unmanaged, split_name};
use crate::sql::Dialect;

/// A column change with the column's unmanaged default on both sides: MySQL restates a
/// whole column when it changes one, and PostgreSQL must set a default again after a
/// type change, so both must know the default the database keeps.
pub(super) fn with_unmanaged_default(table: &Table, change: &Change, backend: Backend) -> Change {
    let mut change = change.clone();
    if let Change::AlterColumn { from, to, .. } = &mut change {
        for object in table.unmanaged.iter().filter(|u| u.holds_on(backend)) {
            if let Unmanaged::Default {
                column, default, ..
            } = object
                && *column == to.name
            {
                from.default.get_or_insert_with(|| default.clone());
                to.default.get_or_insert_with(|| default.clone());
            }
        }
    }
    change
}

/// A change every backend, SQLite included, can make with one statement.
pub(super) fn native_change(table: &str, change: &Change) -> String {
    let alter = |method: String| {
        call(
            "alter_table",
            &chain(
                "Table::alter()",
                &[
                    format!("table({})", tbl(table)),
                    method,
                    "to_owned()".into(),
                ],
            ),
        )
    };
    match change {
        Change::RenameColumn { from, to } => {
            alter(format!("rename_column({}, {})", lit(from), lit(to)))
        }
        Change::AddColumn { column, .. } => {
            alter(format!("add_column({})", column_def(column, false)))
        }
        Change::DropColumn { column } => alter(format!("drop_column({})", lit(&column.name))),
        Change::CreateIndex(index) => call("create_index", &create_index(table, index)),
        Change::DropIndex(index) => call(
            "drop_index",
            &chain(
                "Index::drop()",
                &[
                    format!("name({})", lit(&index.name)),
                    format!("table({})", tbl(table)),
                    "to_owned()".into(),
                ],
            ),
        ),
        Change::AddForeignKey(fk) => call(
            "create_foreign_key",
            &format!("{}.to_owned()", foreign_key(table, fk)),
        ),
        Change::DropForeignKey(fk) => call(
            "drop_foreign_key",
            &chain(
                "ForeignKey::drop()",
                &[
                    format!("name({})", lit(&fk.name)),
                    format!("table({})", tbl(table)),
                    "to_owned()".into(),
                ],
            ),
        ),
        other => {
            let (mysql, postgres) = portable_change(table, other);
            by_backend(&mysql, &postgres)
        }
    }
}

/// A change as (MySQL, PostgreSQL) statements; both alter tables in place.
pub(super) fn portable_change(table: &str, change: &Change) -> (String, String) {
    match change {
        Change::AddColumn {
            column,
            fill: Some(value),
        } => {
            // Existing rows get the one-off value through a temporary default.
            let mut filled = column.clone();
            filled.default = Some(value.clone());
            let add = native_change(
                table,
                &Change::AddColumn {
                    column: filled.clone(),
                    fill: None,
                },
            );
            let (my, pg) = alter_column_statements(table, &filled, column, None);
            (format!("{add}{my}"), format!("{add}{pg}"))
        }
        Change::AlterColumn { from, to, fill } => {
            alter_column_statements(table, from, to, fill.as_ref())
        }
        Change::SetPrimaryKey { from, to } => {
            let (pg, my) = (Dialect::Postgres, Dialect::MySql);
            let mut pg_sql = Vec::new();
            let mut my_sql = Vec::new();
            if !from.is_empty() {
                pg_sql.push(format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    pg.table(table),
                    pg.ident(&format!("{}_pkey", split_name(table).1))
                ));
                my_sql.push(format!("ALTER TABLE {} DROP PRIMARY KEY", my.ident(table)));
            }
            if !to.is_empty() {
                pg_sql.push(format!(
                    "ALTER TABLE {} ADD PRIMARY KEY ({})",
                    pg.table(table),
                    pg.idents(to)
                ));
                my_sql.push(format!(
                    "ALTER TABLE {} ADD PRIMARY KEY ({})",
                    my.ident(table),
                    my.idents(to)
                ));
            }
            (raw_all(&my_sql), raw_all(&pg_sql))
        }
        other => {
            let same = native_change(table, other);
            (same.clone(), same)
        }
    }
}

/// Statements that turn column `from` into `to`, as (MySQL, PostgreSQL).
fn alter_column_statements(
    table: &str,
    from: &Column,
    to: &Column,
    fill: Option<&Default>,
) -> (String, String) {
    let (pg, my) = (Dialect::Postgres, Dialect::MySql);
    let (t, c) = (pg.table(table), pg.ident(&to.name));
    let mut pg_sql = Vec::new();
    if let Some(value) = fill {
        pg_sql.push(format!(
            "UPDATE {t} SET {c} = {} WHERE {c} IS NULL",
            pg.literal(value)
        ));
    }
    let enum_values_only = matches!(
        (&from.ty, &to.ty),
        (ColumnType::Enum { name: a, .. }, ColumnType::Enum { name: b, .. }) if a == b
    );
    if from.ty != to.ty && !enum_values_only {
        if from.default.is_some() {
            pg_sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"));
        }
        let ty = pg.column_type(&to.ty);
        pg_sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty} USING {c}::text::{ty}"
        ));
    }
    if from.nullable != to.nullable {
        let what = if to.nullable {
            "DROP NOT NULL"
        } else {
            "SET NOT NULL"
        };
        pg_sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} {what}"));
    }
    if from.default != to.default || (from.ty != to.ty && !enum_values_only && to.default.is_some())
    {
        pg_sql.push(match &to.default {
            Some(d) => format!(
                "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                pg.literal(d)
            ),
            None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
        });
    }
    if from.unique != to.unique {
        let name = pg.ident(&format!("{}_{}_key", split_name(table).1, to.name));
        pg_sql.push(if to.unique {
            format!("ALTER TABLE {t} ADD CONSTRAINT {name} UNIQUE ({c})")
        } else {
            format!("ALTER TABLE {t} DROP CONSTRAINT {name}")
        });
    }
    if from.auto_increment != to.auto_increment {
        pg_sql.push(if to.auto_increment {
            format!("ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY")
        } else {
            format!("ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY")
        });
    }

    // MySQL restates the whole column; uniqueness is an index named after the column.
    let mut my_parts = Vec::new();
    if let Some(value) = fill {
        my_parts.push(raw(&format!(
            "UPDATE {} SET {} = {} WHERE {} IS NULL",
            my.ident(table),
            my.ident(&to.name),
            my.literal(value),
            my.ident(&to.name)
        )));
    }
    let mut def = to.clone();
    def.unique = false;
    my_parts.push(call(
        "alter_table",
        &chain(
            "Table::alter()",
            &[
                format!("table({})", tbl(table)),
                format!("modify_column({})", column_def(&def, false)),
                "to_owned()".into(),
            ],
        ),
    ));
    if from.unique != to.unique {
        let index = Index {
            name: to.name.clone(),
            columns: vec![to.name.clone()],
            unique: true,
        };
        my_parts.push(native_change(
            table,
            &if to.unique {
                Change::CreateIndex(index)
            } else {
                Change::DropIndex(index)
            },
        ));
    }
    (my_parts.concat(), raw_all(&pg_sql))
}

/// `match backend { MySql => .., _ => .. }` (SQLite never reaches these).
fn by_backend(mysql: &str, postgres: &str) -> String {
    if mysql == postgres {
        return mysql.to_string();
    }
    format!(
        "        if manager.get_database_backend() == DbBackend::MySql {{\n{}        }} else {{\n{}        }}\n",
        indent(mysql),
        indent(postgres)
    )
}
