//! SeaQuery builder expressions as Rust source: a table, column, key, index or enum
//! type written the way the generated migration calls sea-orm-migration's helpers.

use crate::schema::{
    Action, Column, ColumnType, Default, Enum, ForeignKey, Index, Table, split_name,
};

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

pub(super) fn create_table(t: &Table) -> String {
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

/// A column definition through sea-orm-migration's schema helpers.
pub(super) fn column_def(c: &Column, primary_key: bool) -> String {
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
