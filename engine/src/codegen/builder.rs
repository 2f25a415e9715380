//! SeaQuery builder expressions as Rust source: a table, column, key, index or enum
//! type written the way the generated migration calls sea-orm-migration's helpers.
//! The same decisions build SeaQuery's statements for `schema --format sql`
//! ([`table_statement`], [`index_statement`]), so the SQL shown is what a migration
//! creates.

use crate::schema::{
    Action, Column, ColumnType, Default, Enum, ForeignKey, Index, Table, split_name,
};
use crate::sql::{Dialect, helper_column, type_helper};
use sea_orm::sea_query::{
    self as sea, Alias, ColumnDef, Expr, ForeignKeyAction, ForeignKeyCreateStatement,
    IndexCreateStatement, IntoTableRef, TableCreateStatement, TableRef,
};
use sea_orm_migration::schema as helpers;

/// A Rust string literal for `s`, escaped.
pub(super) fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A table for SeaQuery's builders: `"order"`, or `("shop", "order")` in a schema.
pub(super) fn tbl(name: &str) -> String {
    match split_name(name) {
        (Some(schema), table) => format!("({}, {})", lit(schema), lit(table)),
        (None, table) => lit(table),
    }
}

pub(super) fn create_table_with_indexes(t: &Table) -> String {
    let mut out = call("create_table", &create_table(t));
    for index in &t.indexes {
        out.push_str(&call("create_index", &create_index(&t.name, index)));
    }
    out
}

pub(super) fn indent(block: &str) -> String {
    block.lines().map(|l| format!("    {l}\n")).collect()
}

/// Plain SQL through the migration's connection.
pub(super) fn raw(sql: &str) -> String {
    format!(
        "        manager.get_connection().execute_unprepared({}).await?;\n",
        raw_lit(sql)
    )
}

pub(super) fn raw_all(sqls: &[String]) -> String {
    sqls.iter().map(|s| raw(s)).collect()
}

/// A raw string literal when the text allows one (easier to read), else an escaped one.
pub(super) fn raw_lit(s: &str) -> String {
    if !s.contains("\"#") && !s.contains('\\') && !s.chars().any(char::is_control) {
        format!("r#\"{s}\"#")
    } else {
        lit(s)
    }
}

/// `manager.<method>(<arg>).await?;` (the caller formats the file with rustfmt).
pub(super) fn call(method: &str, arg: &str) -> String {
    format!("        manager.{method}({arg}).await?;\n")
}

/// `base.m1().m2()`.
pub(super) fn chain(base: &str, methods: &[String]) -> String {
    format!("{base}.{}", methods.join("."))
}

/// A table's columns, each with whether it alone is the primary key, and its primary
/// key when it has several columns: what both forms of CREATE TABLE are built from.
fn table_parts(t: &Table) -> (Vec<(&Column, bool)>, Option<&[String]>) {
    let single_pk = t.primary_key.len() == 1;
    let columns = t
        .columns
        .iter()
        .map(|c| (c, single_pk && t.primary_key[0] == c.name))
        .collect();
    let composite = (t.primary_key.len() > 1).then_some(t.primary_key.as_slice());
    (columns, composite)
}

pub(super) fn create_table(t: &Table) -> String {
    let (columns, composite_pk) = table_parts(t);
    let mut methods = vec![format!("table({})", tbl(&t.name))];
    for (c, is_pk) in columns {
        methods.push(format!("col({})", column_def(c, is_pk)));
    }
    if let Some(pk) = composite_pk {
        let cols: Vec<String> = pk.iter().map(|c| format!("col({})", lit(c))).collect();
        methods.push(format!("primary_key({})", chain("Index::create()", &cols)));
    }
    for fk in &t.foreign_keys {
        methods.push(format!("foreign_key({})", foreign_key(&t.name, fk)));
    }
    methods.push("to_owned()".into());
    chain("Table::create()", &methods)
}

/// The CREATE TABLE a migration's [`create_table`] runs, as SeaQuery's statement.
pub fn table_statement(t: &Table, dialect: Dialect) -> TableCreateStatement {
    let (columns, composite_pk) = table_parts(t);
    let mut stmt = sea::Table::create();
    stmt.table(table_ref(&t.name));
    for (c, is_pk) in columns {
        stmt.col(column_statement(c, is_pk, dialect));
    }
    if let Some(pk) = composite_pk {
        let mut index = sea::Index::create();
        for column in pk {
            index.col(Alias::new(column));
        }
        stmt.primary_key(&mut index);
    }
    for fk in &t.foreign_keys {
        stmt.foreign_key(&mut foreign_key_statement(&t.name, fk));
    }
    stmt
}

/// A foreign key of `table` as SeaQuery's statement (alone, it renders as the
/// `ALTER TABLE ... ADD CONSTRAINT` that adds it).
pub fn foreign_key_statement(table: &str, fk: &ForeignKey) -> ForeignKeyCreateStatement {
    let mut key = sea::ForeignKey::create();
    key.name(&fk.name)
        .from_tbl(table_ref(table))
        .to_tbl(table_ref(&fk.ref_table));
    for column in &fk.columns {
        key.from_col(Alias::new(column));
    }
    for column in &fk.ref_columns {
        key.to_col(Alias::new(column));
    }
    if fk.on_delete != Action::NoAction {
        key.on_delete(fk_action(fk.on_delete));
    }
    if fk.on_update != Action::NoAction {
        key.on_update(fk_action(fk.on_update));
    }
    key
}

/// The CREATE INDEX a migration's [`create_index`] runs, as SeaQuery's statement.
pub fn index_statement(table: &str, index: &Index) -> IndexCreateStatement {
    let mut stmt = sea::Index::create();
    stmt.name(&index.name).table(table_ref(table));
    for column in &index.columns {
        stmt.col(Alias::new(column));
    }
    if index.unique {
        stmt.unique();
    }
    stmt
}

/// The CREATE TYPE a migration's [`create_enum`] runs (PostgreSQL), as SQL.
pub fn enum_statement(e: &Enum) -> String {
    sea::extension::postgres::Type::create()
        .as_enum(Alias::new(&e.name))
        .values(e.values.iter().map(Alias::new))
        .to_string(sea::PostgresQueryBuilder)
}

/// A model table name (`table` or `schema.table`) as SeaQuery's table reference.
fn table_ref(name: &str) -> TableRef {
    match split_name(name) {
        (Some(schema), table) => (Alias::new(schema), Alias::new(table)).into_table_ref(),
        (None, table) => Alias::new(table).into_table_ref(),
    }
}

fn fk_action(a: Action) -> ForeignKeyAction {
    match a {
        Action::NoAction => ForeignKeyAction::NoAction,
        Action::Restrict => ForeignKeyAction::Restrict,
        Action::Cascade => ForeignKeyAction::Cascade,
        Action::SetNull => ForeignKeyAction::SetNull,
        Action::SetDefault => ForeignKeyAction::SetDefault,
    }
}

pub(super) fn foreign_key(table: &str, fk: &ForeignKey) -> String {
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

pub(super) fn create_index(table: &str, index: &Index) -> String {
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

pub(super) fn create_enum(e: &Enum) -> String {
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

/// The helper an auto-increment integer primary key with no default is declared with
/// (`pk_auto`, `big_pk_auto`), which says all of that at once.
fn auto_key(c: &Column, primary_key: bool) -> Option<&'static str> {
    if !(primary_key && c.auto_increment && c.default.is_none()) {
        return None;
    }
    match c.ty {
        ColumnType::Integer => Some("pk_auto"),
        ColumnType::BigInteger => Some("big_pk_auto"),
        _ => None,
    }
}

/// A column definition through sea-orm-migration's schema helpers.
pub(super) fn column_def(c: &Column, primary_key: bool) -> String {
    let name = lit(&c.name);
    if let Some(helper) = auto_key(c, primary_key) {
        return format!("{helper}({name})");
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

/// The column [`column_def`] declares, as SeaQuery's: the same helper, then the same
/// modifiers (a `_null` or `_uniq` helper is the plain one with `.null()` or
/// `.unique_key()`). A default is written as `dialect`'s literal.
fn column_statement(c: &Column, primary_key: bool, dialect: Dialect) -> ColumnDef {
    let name = Alias::new(&c.name);
    match auto_key(c, primary_key) {
        Some("big_pk_auto") => return helpers::big_pk_auto(name),
        Some(_) => return helpers::pk_auto(name),
        None => {}
    }
    let mut def = helper_column(&c.ty, &c.name);
    if c.nullable {
        def.null();
    }
    if c.unique {
        def.unique_key();
    }
    if let Some(default) = &c.default {
        def.default(Expr::cust(dialect.literal(default)));
    }
    if c.auto_increment {
        def.auto_increment();
    }
    if primary_key {
        def.primary_key();
    }
    def
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
