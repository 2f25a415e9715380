//! Turns operations into the Rust source of a sea-orm-migration file.
//!
//! The output is meant to be read in review: sea-orm-migration's schema helpers, string
//! table and column names, one statement per operation, rustfmt's layout. Every string
//! that came from a user (names, messages, defaults) is written as an escaped Rust literal
//! or a line comment, so no input can change the code's meaning.

mod builder;
mod in_place;
mod mysql;
mod online;
mod postgres;
mod rustfmt;
mod sqlite;

pub use builder::{enum_statement, index_statement, table_statement};
pub use online::Online;
pub use rustfmt::Rustfmt;

use crate::diff::{Change, Operation};
use crate::schema::{Backend, split_name};
use crate::sql::Dialect;
use builder::{call, create_enum, create_table_with_indexes, indent, lit, raw, tbl};
use in_place::{native_change, portable_change, with_unmanaged_default};
use mysql::{mysql_foreign_key_index_bridge, mysql_implicit_index_drop, mysql_only};
use postgres::{alter_enum, postgres_only};
use sqlite::{SQLITE_FK_HELPER, sqlite_rebuild, sqlite_stores_alike};

/// A migration that only one backend can run, and why: written from what a database
/// of that backend held, in its own terms.
pub struct OnlyOn {
    pub backend: Backend,
    pub because: Vec<String>,
}

impl OnlyOn {
    fn refusal(&self) -> String {
        format!(
            "this migration was written from a {} database and only runs there ({})",
            self.backend.name(),
            self.because.join("; ")
        )
    }
}

/// Whether SQLite makes `change` to `from` without rebuilding the table.
pub fn sqlite_alters_in_place(from: &crate::schema::Table, change: &Change) -> bool {
    sqlite_stores_alike(from, change) || sqlite::alters_in_place(change)
}

/// The complete file for a migration whose `up()` runs `up` and `down()` runs `down`;
/// on PostgreSQL without what `online` moves to a migration of its own.
pub fn migration_file(
    message: &str,
    up: &[Operation],
    down: &[Operation],
    only_on: Option<&OnlyOn>,
    online: Option<&Online>,
) -> String {
    let mut out = String::new();
    for line in message.lines() {
        push_comment(&mut out, "//!", line);
    }
    if !up.is_empty() {
        if !message.trim().is_empty() {
            out.push_str("//!\n");
        }
        for line in up.iter().flat_map(Operation::describe) {
            push_comment(&mut out, "//! -", &line);
        }
    }
    if let Some(only_on) = only_on {
        out.push_str("//!\n");
        push_comment(
            &mut out,
            "//!",
            &format!(
                "Only for {}; written from what its database held:",
                only_on.backend.name()
            ),
        );
        for because in &only_on.because {
            push_comment(&mut out, "//! -", because);
        }
    }
    out.push('\n');

    let mut body = String::from(
        "#[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
         #[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n",
    );
    push_fn(&mut body, "up", up, true, only_on, online);
    body.push('\n');
    push_fn(&mut body, "down", down, false, only_on, online);
    body.push_str("}\n");
    if body.contains("sqlite_enforces_foreign_keys(manager)") {
        body.push_str(SQLITE_FK_HELPER);
    }

    // Import only what the body uses: the file must compile without warnings.
    if body.contains("Type::") {
        out.push_str("use sea_orm_migration::prelude::extension::postgres::Type;\n");
    }
    if body.contains("DbBackend::") {
        out.push_str("use sea_orm_migration::sea_orm::DbBackend;\n");
    }
    let helpers = [
        "pk_auto(",
        "big_pk_auto(",
        "string(",
        "string_null(",
        "string_uniq(",
        "string_len",
        "integer(",
        "integer_null(",
        "integer_uniq(",
        "text(",
        "text_null(",
        "text_uniq(",
        "boolean",
        "timestamp",
        "date",
        "time",
        "char",
        "enumeration",
        "custom",
        "decimal",
        "float",
        "double",
        "binary",
        "blob",
        "json",
        "uuid",
        "tiny_",
        "small_",
        "big_",
        "unsigned",
        "var_binary",
    ];
    if helpers
        .iter()
        .any(|h| body.contains(&format!("({h}")) || body.contains(&format!(" {h}")))
    {
        out.push_str("use sea_orm_migration::{prelude::*, schema::*};\n");
    } else {
        out.push_str("use sea_orm_migration::prelude::*;\n");
    }
    out.push('\n');
    out.push_str(&body);
    out
}

/// A skeleton for a hand-written migration in `file` (as shown to the user). Until
/// someone fills it in, applying or reverting it fails with an error naming the file:
/// an empty step must never be recorded as done.
pub fn empty_migration_file(message: &str, file: &str) -> String {
    let mut out = String::new();
    for line in message.lines() {
        push_comment(&mut out, "//!", line);
    }
    let unwritten = |what: &str| {
        lit(&format!(
            "{file} was made by `makemigrations --empty` and its {what} is not written yet"
        ))
    };
    out.push_str(&format!(
        "\nuse sea_orm_migration::prelude::*;\n\n\
         #[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
         #[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n    \
         async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n        \
         let _ = manager;\n        Err(DbErr::Migration({}.into()))\n    }}\n\n    \
         async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n        \
         let _ = manager;\n        Err(DbErr::Migration({}.into()))\n    }}\n}}\n",
        unwritten("up()"),
        unwritten("down()")
    ));
    out
}

/// `warn`: mark operations that lose data (in `up()`; a `down()` undoes by design).
/// `only_on`: the function refuses to run on any other backend, before any statement.
fn push_fn(
    out: &mut String,
    name: &str,
    ops: &[Operation],
    warn: bool,
    only_on: Option<&OnlyOn>,
    online: Option<&Online>,
) {
    let manager = if ops.is_empty() {
        "_manager"
    } else {
        "manager"
    };
    out.push_str(&format!(
        "    async fn {name}(&self, {manager}: &SchemaManager) -> Result<(), DbErr> {{\n"
    ));
    if let Some(only_on) = only_on.filter(|_| !ops.is_empty()) {
        out.push_str(&refuse_unless(only_on.backend, &only_on.refusal()));
    }
    out.push_str(&schemas_prelude(ops));
    for op in ops {
        if warn {
            for warning in op.warnings() {
                push_comment(out, "        // WARNING:", &format!("{warning}."));
            }
        }
        out.push_str(&statement(op, online));
    }
    out.push_str("        Ok(())\n    }\n");
}

/// A function's first lines when it runs on `backend` only: any other fails with
/// `message` before a statement is sent.
fn refuse_unless(backend: Backend, message: &str) -> String {
    let variant = match backend {
        Backend::Sqlite => "Sqlite",
        Backend::Postgres => "Postgres",
        Backend::Mysql => "MySql",
    };
    format!(
        "        if manager.get_database_backend() != DbBackend::{variant} {{\n\
         \x20           return Err(DbErr::Migration(\n\
         \x20               {}.into(),\n\
         \x20           ));\n        }}\n",
        lit(message)
    )
}

/// What a function touching tables in PostgreSQL schemas (`schema_name`) starts
/// with: a refusal on backends without schemas, and the schemas its new tables go
/// into, created once before the first.
fn schemas_prelude(ops: &[Operation]) -> String {
    let mut out = String::new();
    let mut in_schemas: Vec<&str> = ops
        .iter()
        .flat_map(Operation::tables)
        .filter(|t| split_name(t).0.is_some())
        .collect();
    in_schemas.sort_unstable();
    in_schemas.dedup();
    if !in_schemas.is_empty() {
        out.push_str(&refuse_unless(
            Backend::Postgres,
            &format!(
                "this migration changes tables in PostgreSQL schemas ({}), which this backend does not have",
                in_schemas.join(", ")
            ),
        ));
    }
    let mut schemas: Vec<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Operation::CreateTable(t) => split_name(&t.name).0,
            _ => None,
        })
        .collect();
    schemas.sort_unstable();
    schemas.dedup();
    for schema in schemas {
        out.push_str(&raw(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            Dialect::Postgres.ident(schema)
        )));
    }
    out
}

/// Writes `text` as line comments, so that nothing in it can end the comment early.
fn push_comment(out: &mut String, prefix: &str, text: &str) {
    for line in text.split(['\n', '\r']) {
        let clean: String = line
            .chars()
            .map(|c| match c {
                // Text-direction controls are a build error in Rust source (they can
                // make code read differently than it runs): shown as their escapes.
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                    format!("\\u{{{:X}}}", u32::from(c))
                }
                c if c.is_control() => " ".into(),
                c => c.to_string(),
            })
            .collect();
        let clean = clean.trim_end();
        if clean.is_empty() {
            out.push_str(prefix.trim_end_matches([' ', '-']));
        } else {
            out.push_str(prefix);
            out.push(' ');
            out.push_str(clean);
        }
        out.push('\n');
    }
}

fn statement(op: &Operation, online: Option<&Online>) -> String {
    match op {
        Operation::CreateTable(t) => create_table_with_indexes(t),
        Operation::DropTable(t) => call(
            "drop_table",
            &format!("Table::drop().table({}).to_owned()", tbl(&t.name)),
        ),
        Operation::RenameTable { from, to } => call(
            "rename_table",
            &format!(
                "Table::rename().table({}, {}).to_owned()",
                tbl(from),
                // PostgreSQL renames within the table's schema.
                lit(split_name(to).1)
            ),
        ),
        Operation::CreateEnum(e) => postgres_only(&call("create_type", &create_enum(e))),
        Operation::DropEnum(e) => postgres_only(&call(
            "drop_type",
            &format!("Type::drop().name({}).to_owned()", lit(&e.name)),
        )),
        Operation::AlterEnum { from, to } => alter_enum(from, to),
        Operation::AlterTable { from, to, changes } => {
            let (bridge, unbridge) = mysql_foreign_key_index_bridge(from, to, changes);
            // What PostgreSQL does here: all of it, unless --safe moved some online.
            let on_postgres = match online {
                Some(online) => online.kept_on_postgres(&to.name, changes),
                None => changes.clone(),
            };
            if changes.iter().all(sqlite::alters_in_place) {
                let native = |changes: &[Change]| -> String {
                    changes.iter().map(|c| native_change(&to.name, c)).collect()
                };
                let all = format!(
                    "{}{}{}",
                    mysql_only(&bridge),
                    native(changes),
                    mysql_only(&unbridge)
                );
                if on_postgres == *changes {
                    return all;
                }
                if on_postgres.is_empty() {
                    return format!(
                        "        // PostgreSQL: made by the online migration that follows (--safe).\n\
                         \x20       if manager.get_database_backend() != DbBackend::Postgres {{\n{}        }}\n",
                        indent(&all)
                    );
                }
                return format!(
                    "        if manager.get_database_backend() == DbBackend::Postgres {{\n{}        }} else {{\n{}        }}\n",
                    indent(&native(&on_postgres)),
                    indent(&all)
                );
            }
            let (mut mysql, mut postgres) = (bridge, String::new());
            for change in changes {
                let (my, _) = portable_change(
                    &to.name,
                    &with_unmanaged_default(to, change, Backend::Mysql),
                );
                mysql.push_str(&my);
                if let Change::DropForeignKey(fk) = change {
                    mysql.push_str(&mysql_implicit_index_drop(from, fk));
                }
            }
            for change in &on_postgres {
                let (_, pg) = portable_change(
                    &to.name,
                    &with_unmanaged_default(to, change, Backend::Postgres),
                );
                postgres.push_str(&pg);
            }
            mysql.push_str(&unbridge);
            if postgres.is_empty() && on_postgres.len() < changes.len() {
                postgres =
                    "        // Made by the online migration that follows (--safe).\n".into();
            }
            // What SQLite stores alike (every integer width is INTEGER, an enum is
            // text) needs no rebuild there; the rest may not need one either.
            let for_sqlite: Vec<&Change> = changes
                .iter()
                .filter(|c| !sqlite_stores_alike(from, c))
                .collect();
            let rebuild = if for_sqlite.iter().all(|c| sqlite::alters_in_place(c)) {
                let native: String = for_sqlite
                    .iter()
                    .map(|c| native_change(&to.name, c))
                    .collect();
                if native.is_empty() {
                    "            // SQLite stores this alike: nothing to change.\n".into()
                } else {
                    indent(&native)
                }
            } else {
                sqlite_rebuild(from, to, changes)
            };
            if mysql == postgres {
                return format!(
                    "        if manager.get_database_backend() == DbBackend::Sqlite {{\n\
                     {rebuild}        }} else {{\n{mysql}        }}\n"
                );
            }
            format!(
                "        match manager.get_database_backend() {{\n\
                 \x20           DbBackend::Sqlite => {{\n{}            }}\n\
                 \x20           DbBackend::MySql => {{\n{}            }}\n\
                 \x20           _ => {{\n{}            }}\n        }}\n",
                indent(&rebuild),
                indent(&indent(&mysql)),
                indent(&indent(&postgres))
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Action, Column, ColumnType, ForeignKey, Table};

    /// Every integer width is INTEGER in SQLite: widening one rebuilds nothing there,
    /// while the other backends alter the column.
    #[test]
    fn sqlite_does_not_rebuild_for_what_it_stores_alike() {
        let column = |ty: ColumnType| Column {
            name: "hits".into(),
            ty,
            nullable: false,
            default: None,
            unique: false,
            auto_increment: false,
        };
        let table = |ty: ColumnType| Table {
            name: "counters".into(),
            columns: vec![column(ty)],
            primary_key: vec![],
            indexes: vec![],
            foreign_keys: vec![],
            unmanaged: vec![],
        };
        let op = Operation::AlterTable {
            from: table(ColumnType::Integer),
            to: table(ColumnType::BigInteger),
            changes: vec![Change::AlterColumn {
                from: column(ColumnType::Integer),
                to: column(ColumnType::BigInteger),
                fill: None,
            }],
        };
        let code = statement(&op, None);
        assert!(!code.contains("__manage_new"), "{code}");
        assert!(code.contains("SQLite stores this alike"), "{code}");
        assert!(code.contains("big_integer"), "{code}");
    }

    /// `books.shelf_id`, unique or not, and its key to `shelves`.
    fn shelf_id(unique: bool) -> Column {
        Column {
            name: "shelf_id".into(),
            ty: ColumnType::Integer,
            nullable: true,
            default: None,
            unique,
            auto_increment: false,
        }
    }

    fn books(unique: bool) -> Table {
        Table {
            name: "books".into(),
            columns: vec![shelf_id(unique)],
            primary_key: vec![],
            indexes: vec![],
            foreign_keys: vec![ForeignKey {
                name: "fk-books-shelf".into(),
                columns: vec!["shelf_id".into()],
                ref_table: "shelves".into(),
                ref_columns: vec!["id".into()],
                on_delete: Action::default(),
                on_update: Action::default(),
            }],
            unmanaged: vec![],
        }
    }

    /// A unique column serving a foreign key stops being unique: MySQL would refuse to
    /// drop its index (1553), so the key is dropped before and added after.
    #[test]
    fn mysql_keeps_a_foreign_key_served_when_its_unique_column_stops_being_unique() {
        let changes = |unique: bool| {
            vec![Change::AlterColumn {
                from: shelf_id(!unique),
                to: shelf_id(unique),
                fill: None,
            }]
        };
        let (before, after) =
            mysql_foreign_key_index_bridge(&books(true), &books(false), &changes(false));
        assert!(before.contains("drop_foreign_key"), "{before}");
        assert!(after.contains("create_foreign_key"), "{after}");
        // Becoming unique needs nothing: the key keeps an index all along.
        let (before, after) =
            mysql_foreign_key_index_bridge(&books(false), &books(true), &changes(true));
        assert!(before.is_empty() && after.is_empty(), "{before}{after}");
    }

    /// A key on a unique column has no index of its own on MySQL (the column's serves
    /// it): dropping the key drops no other index.
    #[test]
    fn mysql_drops_no_index_with_a_key_its_unique_column_serves() {
        let fk = &books(true).foreign_keys[0];
        assert_eq!(mysql_implicit_index_drop(&books(true), fk), "");
        assert!(
            mysql_implicit_index_drop(&books(false), fk).contains("DROP INDEX `fk-books-shelf`")
        );
    }

    /// A message is user text: nothing in it may break the build or hide code.
    #[test]
    fn text_direction_controls_are_escaped_in_comments_and_literals() {
        let file = migration_file("pay \u{202E}lanigiro", &[], &[], None, None);
        assert!(!file.contains('\u{202E}'), "{file}");
        assert!(file.starts_with("//! pay \\u{202E}lanigiro\n"), "{file}");
        assert_eq!(lit("a\u{2066}b"), "\"a\\u{2066}b\"");
        let empty = empty_migration_file("x \u{202E}y", "m/src/a\u{202E}.rs");
        assert!(!empty.contains('\u{202E}'), "{empty}");
        assert!(!empty.contains("todo!"), "{empty}");
    }
}
