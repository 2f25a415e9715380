//! Turns operations into the Rust source of a sea-orm-migration file.
//!
//! The output is meant to be read in review: sea-orm-migration's schema helpers, string
//! table and column names, one statement per operation, rustfmt's layout. Every string
//! that came from a user (names, messages, defaults) is written as an escaped Rust literal
//! or a line comment, so no input can change the code's meaning.

use crate::diff::{Change, Operation};
use crate::schema::{
    Action, Backend, Column, ColumnType, Default, Enum, ForeignKey, Index, Table, Unmanaged,
    split_name,
};
use crate::sql::Dialect;

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

/// The complete file for a migration whose `up()` runs `up` and `down()` runs `down`.
pub fn migration_file(
    message: &str,
    up: &[Operation],
    down: &[Operation],
    only_on: Option<&OnlyOn>,
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
    push_fn(&mut body, "up", up, true, only_on);
    body.push('\n');
    push_fn(&mut body, "down", down, false, only_on);
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
fn push_fn(out: &mut String, name: &str, ops: &[Operation], warn: bool, only_on: Option<&OnlyOn>) {
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
        out.push_str(&statement(op));
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

/// A Rust string literal for `s`, escaped.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A table for SeaQuery's builders: `"order"`, or `("shop", "order")` in a schema.
fn tbl(name: &str) -> String {
    match split_name(name) {
        (Some(schema), table) => format!("({}, {})", lit(schema), lit(table)),
        (None, table) => lit(table),
    }
}

fn statement(op: &Operation) -> String {
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
            if changes.iter().all(Change::sqlite_native) {
                let native: String = changes.iter().map(|c| native_change(&to.name, c)).collect();
                return format!("{}{native}{}", mysql_only(&bridge), mysql_only(&unbridge));
            }
            let (mut mysql, mut postgres) = (bridge, String::new());
            for change in changes {
                let (my, _) = portable_change(
                    &to.name,
                    &with_unmanaged_default(to, change, Backend::Mysql),
                );
                let (_, pg) = portable_change(
                    &to.name,
                    &with_unmanaged_default(to, change, Backend::Postgres),
                );
                mysql.push_str(&my);
                postgres.push_str(&pg);
                if let Change::DropForeignKey(fk) = change {
                    mysql.push_str(&mysql_implicit_index_drop(from, fk));
                }
            }
            mysql.push_str(&unbridge);
            // What SQLite stores alike (every integer width is INTEGER, an enum is
            // text) needs no rebuild there; the rest may not need one either.
            let for_sqlite: Vec<&Change> = changes
                .iter()
                .filter(|c| !sqlite_stores_alike(from, c))
                .collect();
            let rebuild = if for_sqlite.iter().all(|c| c.sqlite_native()) {
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

/// Whether `change` leaves a SQLite table as it is: a column changing only in ways
/// SQLite does not store.
fn sqlite_stores_alike(table: &Table, change: &Change) -> bool {
    match change {
        Change::AlterColumn {
            from,
            to,
            fill: None,
        } => crate::compare::same_column(
            from,
            to,
            table.primary_key.contains(&from.name),
            sea_orm::DbBackend::Sqlite,
        ),
        _ => false,
    }
}

/// A column change with the column's unmanaged default on both sides: MySQL restates a
/// whole column when it changes one, and PostgreSQL must set a default again after a
/// type change, so both must know the default the database keeps.
fn with_unmanaged_default(table: &Table, change: &Change, backend: Backend) -> Change {
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

/// MySQL refuses to drop the last index a foreign key can use (error 1553), and drops
/// the key's own index by itself once another index can serve it (a unique column's
/// index too). So when `changes` drop every index serving a key that stays, the key is dropped first and added
/// again after them: MySQL then gives it an index of its own only if none of the new
/// ones serves it, as it would have. (An index created for the key by hand would
/// stay forever, and a later rollback would trip over it.) Returns the statements
/// for before and after the changes.
fn mysql_foreign_key_index_bridge(
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
fn mysql_only(statements: &str) -> String {
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
fn mysql_implicit_index_drop(table: &Table, fk: &ForeignKey) -> String {
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

fn create_table_with_indexes(t: &Table) -> String {
    let mut out = call("create_table", &create_table(t));
    for index in &t.indexes {
        out.push_str(&call("create_index", &create_index(&t.name, index)));
    }
    out
}

/// A change every backend, SQLite included, can make with one statement.
fn native_change(table: &str, change: &Change) -> String {
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
fn portable_change(table: &str, change: &Change) -> (String, String) {
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

fn indent(block: &str) -> String {
    block.lines().map(|l| format!("    {l}\n")).collect()
}

/// Plain SQL through the migration's connection.
fn raw(sql: &str) -> String {
    format!(
        "        manager.get_connection().execute_unprepared({}).await?;\n",
        raw_lit(sql)
    )
}

fn raw_all(sqls: &[String]) -> String {
    sqls.iter().map(|s| raw(s)).collect()
}

/// A raw string literal when the text allows one (easier to read), else an escaped one.
fn raw_lit(s: &str) -> String {
    if !s.contains("\"#") && !s.contains('\\') && !s.chars().any(char::is_control) {
        format!("r#\"{s}\"#")
    } else {
        lit(s)
    }
}

/// SQLite cannot change columns or constraints in place; SQLite's documented way is
/// to create the new table under another name, copy the rows, drop the old table and
/// rename the new one. Dropping the old table would fire `ON DELETE` actions in
/// referencing tables if foreign keys were enforced, so the rebuild refuses to run
/// then; `manage migrate` turns enforcement off around each migration and checks
/// every foreign key before committing.
fn sqlite_rebuild(from: &Table, to: &Table, changes: &[Change]) -> String {
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

/// What a SQLite rebuild's temporary copy of a table is called after it.
pub const REBUILD_SUFFIX: &str = "__manage_new";

/// The helper a file with SQLite rebuilds ends with.
const SQLITE_FK_HELPER: &str = "
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

/// PostgreSQL: values are appended in place; anything else rebuilds the type.
fn alter_enum(from: &Enum, to: &Enum) -> String {
    let pg = Dialect::Postgres;
    let appended = to.values.starts_with(&from.values);
    let mut sql = Vec::new();
    if appended {
        for value in &to.values[from.values.len()..] {
            sql.push(format!(
                "ALTER TYPE {} ADD VALUE {}",
                pg.ident(&to.name),
                pg.literal(&Default::String(value.clone()))
            ));
        }
    } else {
        sql.push(format!(
            "ALTER TYPE {} RENAME TO {}",
            pg.ident(&to.name),
            pg.ident(&format!("{}__manage_old", to.name))
        ));
        let values: Vec<String> = to
            .values
            .iter()
            .map(|v| pg.literal(&Default::String(v.clone())))
            .collect();
        sql.push(format!(
            "CREATE TYPE {} AS ENUM ({})",
            pg.ident(&to.name),
            values.join(", ")
        ));
        sql.push(format!(
            "DO $$ DECLARE r record; BEGIN FOR r IN SELECT c.table_schema, c.table_name, c.column_name, c.column_default FROM information_schema.columns c WHERE c.udt_schema = current_schema() AND c.udt_name = '{old}' LOOP IF r.column_default IS NOT NULL THEN EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I DROP DEFAULT', r.table_schema, r.table_name, r.column_name); END IF; EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I TYPE {new} USING %I::text::{new}', r.table_schema, r.table_name, r.column_name, r.column_name); IF r.column_default IS NOT NULL THEN EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN %I SET DEFAULT %s', r.table_schema, r.table_name, r.column_name, replace(r.column_default, '{old}', '{name}')); END IF; END LOOP; END $$",
            old = format!("{}__manage_old", to.name).replace('\'', "''"),
            new = pg.ident(&to.name).replace('\'', "''"),
            name = to.name.replace('\'', "''"),
        ));
        sql.push(format!(
            "DROP TYPE {}",
            pg.ident(&format!("{}__manage_old", to.name))
        ));
    }
    postgres_only(&raw_all(&sql))
}

/// `manager.<method>(<arg>).await?;` (the caller formats the file with rustfmt).
fn call(method: &str, arg: &str) -> String {
    format!("        manager.{method}({arg}).await?;\n")
}

/// Wraps a statement in a PostgreSQL-only block (enum types exist only there).
fn postgres_only(stmt: &str) -> String {
    format!(
        "        if manager.get_database_backend() == DbBackend::Postgres {{\n    {stmt}        }}\n"
    )
}

/// `base.m1().m2()`.
fn chain(base: &str, methods: &[String]) -> String {
    format!("{base}.{}", methods.join("."))
}

fn create_table(t: &Table) -> String {
    let single_pk = t.primary_key.len() == 1;
    let mut methods = vec![format!("table({})", tbl(&t.name))];
    for c in &t.columns {
        let is_pk = single_pk && t.primary_key[0] == c.name;
        methods.push(format!("col({})", column_def(c, is_pk)));
    }
    if t.primary_key.len() > 1 {
        let cols: Vec<String> = t
            .primary_key
            .iter()
            .map(|c| format!("col({})", lit(c)))
            .collect();
        methods.push(format!("primary_key({})", chain("Index::create()", &cols)));
    }
    for fk in &t.foreign_keys {
        methods.push(format!("foreign_key({})", foreign_key(&t.name, fk)));
    }
    methods.push("to_owned()".into());
    chain("Table::create()", &methods)
}

fn foreign_key(table: &str, fk: &ForeignKey) -> String {
    let mut methods = vec![format!("name({})", lit(&fk.name))];
    if fk.columns.len() == 1 && fk.ref_columns.len() == 1 {
        methods.push(format!("from({}, {})", tbl(table), lit(&fk.columns[0])));
        methods.push(format!(
            "to({}, {})",
            tbl(&fk.ref_table),
            lit(&fk.ref_columns[0])
        ));
    } else {
        methods.push(format!("from_tbl({})", tbl(table)));
        methods.extend(fk.columns.iter().map(|c| format!("from_col({})", lit(c))));
        methods.push(format!("to_tbl({})", tbl(&fk.ref_table)));
        methods.extend(fk.ref_columns.iter().map(|c| format!("to_col({})", lit(c))));
    }
    for (kind, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
        if action != Action::NoAction {
            methods.push(format!("{kind}(ForeignKeyAction::{})", action_name(action)));
        }
    }
    chain("ForeignKey::create()", &methods)
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::NoAction => "NoAction",
        Action::Restrict => "Restrict",
        Action::Cascade => "Cascade",
        Action::SetNull => "SetNull",
        Action::SetDefault => "SetDefault",
    }
}

fn create_index(table: &str, index: &Index) -> String {
    let mut methods = vec![
        format!("name({})", lit(&index.name)),
        format!("table({})", tbl(table)),
    ];
    methods.extend(index.columns.iter().map(|c| format!("col({})", lit(c))));
    if index.unique {
        methods.push("unique()".into());
    }
    methods.push("to_owned()".into());
    chain("Index::create()", &methods)
}

fn create_enum(e: &Enum) -> String {
    let values: Vec<String> = e.values.iter().map(|v| lit(v)).collect();
    chain(
        "Type::create()",
        &[
            format!("as_enum({})", lit(&e.name)),
            format!("values([{}])", values.join(", ")),
            "to_owned()".into(),
        ],
    )
}

/// A column definition through sea-orm-migration's schema helpers.
fn column_def(c: &Column, primary_key: bool) -> String {
    let name = lit(&c.name);
    if primary_key && c.auto_increment && c.default.is_none() {
        match c.ty {
            ColumnType::Integer => return format!("pk_auto({name})"),
            ColumnType::BigInteger => return format!("big_pk_auto({name})"),
            _ => {}
        }
    }
    let suffix = if c.nullable {
        "_null"
    } else if c.unique {
        "_uniq"
    } else {
        ""
    };
    let (helper, args) = type_helper(&c.ty);
    let mut out = format!("{helper}{suffix}({name}{args})");
    if c.nullable && c.unique {
        out.push_str(".unique_key()");
    }
    if let Some(default) = &c.default {
        out.push_str(&format!(".default({})", default_expr(default)));
    }
    if c.auto_increment {
        out.push_str(".auto_increment()");
    }
    if primary_key {
        out.push_str(".primary_key()");
    }
    out
}

/// The schema helper for a type, and any arguments after the column name.
fn type_helper(ty: &ColumnType) -> (&'static str, String) {
    use ColumnType as T;
    match ty {
        T::Char { length: Some(n) } => ("char_len", format!(", {n}")),
        T::Char { length: None } => ("char", String::new()),
        T::String { length: Some(n) } => ("string_len", format!(", {n}")),
        T::String { length: None } => ("string", String::new()),
        T::Text => ("text", String::new()),
        T::TinyInteger => ("tiny_integer", String::new()),
        T::SmallInteger => ("small_integer", String::new()),
        T::Integer => ("integer", String::new()),
        T::BigInteger => ("big_integer", String::new()),
        T::TinyUnsigned => ("tiny_unsigned", String::new()),
        T::SmallUnsigned => ("small_unsigned", String::new()),
        T::Unsigned => ("unsigned", String::new()),
        T::BigUnsigned => ("big_unsigned", String::new()),
        T::Float => ("float", String::new()),
        T::Double => ("double", String::new()),
        T::Decimal {
            precision: Some((p, s)),
        } => ("decimal_len", format!(", {p}, {s}")),
        T::Decimal { precision: None } => ("decimal", String::new()),
        T::DateTime => ("date_time", String::new()),
        T::Timestamp => ("timestamp", String::new()),
        T::TimestampWithTimeZone => ("timestamp_with_time_zone", String::new()),
        T::Time => ("time", String::new()),
        T::Date => ("date", String::new()),
        T::Binary { length } => ("binary_len", format!(", {length}")),
        T::VarBinary { length: Some(n) } => ("var_binary", format!(", {n}")),
        // `Vec<u8>` with no length: binary data of any length, not the 255 bytes
        // sea-query would give `varbinary` on MySQL.
        T::VarBinary { length: None } => ("blob", String::new()),
        T::Blob => ("blob", String::new()),
        T::Boolean => ("boolean", String::new()),
        T::Json => ("json", String::new()),
        T::JsonBinary => ("json_binary", String::new()),
        T::Uuid => ("uuid", String::new()),
        T::Enum { name, values } => {
            let values: Vec<String> = values.iter().map(|v| lit(v)).collect();
            (
                "enumeration",
                format!(", {}, [{}]", lit(name), values.join(", ")),
            )
        }
        T::Custom { sql } => ("custom", format!(", {}", lit(sql))),
    }
}

fn default_expr(d: &Default) -> String {
    match d {
        Default::Bool(b) => b.to_string(),
        Default::Int(n) => n.to_string(),
        Default::Float(f) => format!("{f:?}"),
        Default::String(s) => lit(s),
        Default::CurrentTimestamp => "Expr::current_timestamp()".into(),
        Default::Expr(sql) => format!("Expr::cust({})", lit(sql)),
    }
}

/// rustfmt, started before it is needed: loading its compiler libraries takes about as
/// long as reading the models and diffing them, so the two overlap. It waits for the
/// source on stdin; dropped unused, it is killed.
pub struct Rustfmt {
    child: Option<std::process::Child>,
}

impl Rustfmt {
    pub fn start() -> Rustfmt {
        use std::process::Stdio;
        let child = rustfmt_command()
            .args(["--edition", "2024", "--emit", "stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        Rustfmt { child }
    }

    /// Lays `source` out with rustfmt when it is installed; the code is valid either way.
    pub fn format(mut self, source: String) -> String {
        use std::io::Write;
        let Some(mut child) = self.child.take() else {
            return source;
        };
        // rustfmt reads all of its input before writing anything: no deadlock.
        let written = child
            .stdin
            .take()
            .is_some_and(|mut stdin| stdin.write_all(source.as_bytes()).is_ok());
        if !written {
            self.child = Some(child); // dropped, and so killed, on return
            return source;
        }
        match child.wait_with_output() {
            Ok(out) if out.status.success() && !out.stdout.is_empty() => {
                String::from_utf8(out.stdout).unwrap_or(source)
            }
            _ => source,
        }
    }
}

impl Drop for Rustfmt {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `$RUSTFMT` when set (as cargo fmt honours it), else the rustfmt of the toolchain
/// that built this binary, else whichever `rustfmt` is on PATH.
fn rustfmt_command() -> std::process::Command {
    if let Some(path) = std::env::var_os("RUSTFMT") {
        return std::process::Command::new(path);
    }
    if let Some(bin) = option_env!("MANAGE_TOOLCHAIN_BIN") {
        let path = std::path::Path::new(bin).join("rustfmt");
        if path.is_file() {
            return std::process::Command::new(path);
        }
    }
    std::process::Command::new("rustfmt")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let code = statement(&op);
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
        let file = migration_file("pay \u{202E}lanigiro", &[], &[], None);
        assert!(!file.contains('\u{202E}'), "{file}");
        assert!(file.starts_with("//! pay \\u{202E}lanigiro\n"), "{file}");
        assert_eq!(lit("a\u{2066}b"), "\"a\\u{2066}b\"");
        let empty = empty_migration_file("x \u{202E}y", "m/src/a\u{202E}.rs");
        assert!(!empty.contains('\u{202E}'), "{empty}");
        assert!(!empty.contains("todo!"), "{empty}");
    }
}
