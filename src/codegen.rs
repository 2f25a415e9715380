//! Turns operations into the Rust source of a sea-orm-migration file.
//!
//! The output is meant to be read in review: sea-orm-migration's schema helpers, string
//! table and column names, one statement per operation, rustfmt's layout. Every string
//! that came from a user (names, messages, defaults) is written as an escaped Rust literal
//! or a line comment, so no input can change the code's meaning.

use crate::diff::Operation;
use crate::schema::{Action, Column, ColumnType, Default, Enum, ForeignKey, Index, Table};

/// The complete file for a migration whose `up()` runs `up` and `down()` runs `down`.
pub fn migration_file(message: &str, up: &[Operation], down: &[Operation]) -> String {
    let mut out = String::new();
    for line in message.lines() {
        push_comment(&mut out, "//!", line);
    }
    if !up.is_empty() {
        if !message.trim().is_empty() {
            out.push_str("//!\n");
        }
        for op in up {
            push_comment(&mut out, "//! -", &op.describe());
        }
    }
    out.push('\n');

    let uses_enums = up
        .iter()
        .chain(down)
        .any(|op| matches!(op, Operation::CreateEnum(_) | Operation::DropEnum(_)));
    if uses_enums {
        out.push_str("use sea_orm_migration::prelude::extension::postgres::Type;\n");
        out.push_str("use sea_orm_migration::sea_orm::DbBackend;\n");
    }
    let uses_helpers = up.iter().chain(down).any(|op| {
        matches!(
            op,
            Operation::CreateTable(_) | Operation::AddColumn { .. } | Operation::DropColumn { .. }
        )
    });
    if uses_helpers {
        out.push_str("use sea_orm_migration::{prelude::*, schema::*};\n");
    } else {
        out.push_str("use sea_orm_migration::prelude::*;\n");
    }
    out.push_str(
        "\n#[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
         #[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n",
    );
    push_fn(&mut out, "up", up, true);
    out.push('\n');
    push_fn(&mut out, "down", down, false);
    out.push_str("}\n");
    out
}

/// A skeleton for a hand-written migration.
pub fn empty_migration_file(message: &str) -> String {
    let mut out = String::new();
    for line in message.lines() {
        push_comment(&mut out, "//!", line);
    }
    out.push_str(
        "\nuse sea_orm_migration::prelude::*;\n\n\
         #[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
         #[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n    \
         async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n        \
         let _ = manager;\n        todo!(\"write the migration\")\n    }\n\n    \
         async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n        \
         let _ = manager;\n        todo!(\"write its inverse\")\n    }\n}\n",
    );
    out
}

/// `warn`: mark operations that lose data (in `up()`; a `down()` undoes by design).
fn push_fn(out: &mut String, name: &str, ops: &[Operation], warn: bool) {
    let manager = if ops.is_empty() {
        "_manager"
    } else {
        "manager"
    };
    out.push_str(&format!(
        "    async fn {name}(&self, {manager}: &SchemaManager) -> Result<(), DbErr> {{\n"
    ));
    for op in ops {
        if warn && op.loses_data() {
            push_comment(
                out,
                "        // WARNING:",
                &format!("{}: its data is lost.", op.describe()),
            );
        }
        out.push_str(&statement(op));
    }
    out.push_str("        Ok(())\n    }\n");
}

/// Writes `text` as line comments, so that nothing in it can end the comment early.
fn push_comment(out: &mut String, prefix: &str, text: &str) {
    for line in text.split(['\n', '\r']) {
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
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

fn statement(op: &Operation) -> String {
    match op {
        Operation::CreateTable(t) => {
            let mut out = call("create_table", &create_table(t));
            for index in &t.indexes {
                out.push_str(&call("create_index", &create_index(&t.name, index)));
            }
            out
        }
        Operation::DropTable(t) => call(
            "drop_table",
            &format!("Table::drop().table({}).to_owned()", lit(&t.name)),
        ),
        Operation::AddColumn { table, column } => call(
            "alter_table",
            &chain(
                "Table::alter()",
                &[
                    format!("table({})", lit(table)),
                    format!("add_column({})", column_def(column, false)),
                    "to_owned()".into(),
                ],
            ),
        ),
        Operation::DropColumn { table, column } => call(
            "alter_table",
            &chain(
                "Table::alter()",
                &[
                    format!("table({})", lit(table)),
                    format!("drop_column({})", lit(&column.name)),
                    "to_owned()".into(),
                ],
            ),
        ),
        Operation::CreateIndex { table, index } => {
            call("create_index", &create_index(table, index))
        }
        Operation::DropIndex { table, index } => call(
            "drop_index",
            &chain(
                "Index::drop()",
                &[
                    format!("name({})", lit(&index.name)),
                    format!("table({})", lit(table)),
                    "to_owned()".into(),
                ],
            ),
        ),
        Operation::CreateEnum(e) => postgres_only(&call("create_type", &create_enum(e))),
        Operation::DropEnum(e) => postgres_only(&call(
            "drop_type",
            &format!("Type::drop().name({}).to_owned()", lit(&e.name)),
        )),
    }
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
    let mut methods = vec![format!("table({})", lit(&t.name))];
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
        methods.push(format!("from({}, {})", lit(table), lit(&fk.columns[0])));
        methods.push(format!(
            "to({}, {})",
            lit(&fk.ref_table),
            lit(&fk.ref_columns[0])
        ));
    } else {
        methods.push(format!("from_tbl({})", lit(table)));
        methods.extend(fk.columns.iter().map(|c| format!("from_col({})", lit(c))));
        methods.push(format!("to_tbl({})", lit(&fk.ref_table)));
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
        format!("table({})", lit(table)),
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
        T::VarBinary { length } => ("var_binary", format!(", {}", length.unwrap_or(255))),
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

/// Lays `source` out with rustfmt when it is installed; the code is valid either way.
pub fn rustfmt(source: String) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return source };
    if let Some(mut stdin) = child.stdin.take() {
        if stdin.write_all(source.as_bytes()).is_err() {
            return source;
        }
    }
    match child.wait_with_output() {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            String::from_utf8(out.stdout).unwrap_or(source)
        }
        _ => source,
    }
}
