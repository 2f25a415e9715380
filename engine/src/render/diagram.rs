//! Entity-relationship diagrams of a schema: Mermaid (`erDiagram`, renders on GitHub)
//! and Graphviz DOT. Tables with typed columns marked PK/FK/UK, and one edge per
//! foreign key, from the referencing table to the referenced one.

use crate::schema::{Column, ColumnType, ForeignKey, Schema, Table};

/// A short, backend-neutral name for a column's type.
fn type_name(ty: &ColumnType) -> String {
    use ColumnType as T;
    match ty {
        T::Char { length: Some(n) } => format!("char({n})"),
        T::String { length: Some(n) } => format!("varchar({n})"),
        T::Char { .. } => "char".into(),
        T::String { .. } => "varchar".into(),
        T::Text => "text".into(),
        T::TinyInteger => "tinyint".into(),
        T::SmallInteger => "smallint".into(),
        T::Integer => "integer".into(),
        T::BigInteger => "bigint".into(),
        T::TinyUnsigned => "tinyint_unsigned".into(),
        T::SmallUnsigned => "smallint_unsigned".into(),
        T::Unsigned => "integer_unsigned".into(),
        T::BigUnsigned => "bigint_unsigned".into(),
        T::Float => "float".into(),
        T::Double => "double".into(),
        T::Decimal {
            precision: Some((p, s)),
        } => format!("decimal({p},{s})"),
        T::Decimal { .. } => "decimal".into(),
        T::DateTime => "datetime".into(),
        T::Timestamp => "timestamp".into(),
        T::TimestampWithTimeZone => "timestamptz".into(),
        T::Time => "time".into(),
        T::Date => "date".into(),
        T::Binary { length } => format!("binary({length})"),
        T::VarBinary { .. } => "varbinary".into(),
        T::Blob => "blob".into(),
        T::Boolean => "boolean".into(),
        T::Json => "json".into(),
        T::JsonBinary => "jsonb".into(),
        T::Uuid => "uuid".into(),
        T::Enum { name, .. } => name.clone(),
        T::Custom { sql } => sql.clone(),
    }
}

/// The PK/FK/UK marks of a column.
fn marks(table: &Table, column: &Column) -> Vec<&'static str> {
    let mut out = Vec::new();
    if table.primary_key.contains(&column.name) {
        out.push("PK");
    }
    if table
        .foreign_keys
        .iter()
        .any(|fk| fk.columns.contains(&column.name))
    {
        out.push("FK");
    }
    let unique_index = table
        .indexes
        .iter()
        .any(|i| i.unique && i.columns == [column.name.clone()]);
    if column.unique || unique_index {
        out.push("UK");
    }
    out
}

/// Whether each referencing row points at most once per referenced row (1:1).
fn one_to_one(table: &Table, fk: &ForeignKey) -> bool {
    fk.columns == table.primary_key
        || (fk.columns.len() == 1 && table.column(&fk.columns[0]).is_some_and(|c| c.unique))
        || table
            .indexes
            .iter()
            .any(|i| i.unique && i.columns == fk.columns)
}

fn optional(table: &Table, fk: &ForeignKey) -> bool {
    fk.columns
        .iter()
        .any(|c| table.column(c).is_some_and(|c| c.nullable))
}

/// Mermaid identifiers are words; anything else is replaced.
fn mermaid_word(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for table in schema.tables.values() {
        // A name that is not a word (`shop.order`) is shown through an alias.
        let word = mermaid_word(&table.name);
        if word == table.name {
            out += &format!("    {word} {{\n");
        } else {
            out += &format!("    {word}[\"{}\"] {{\n", table.name.replace('"', "'"));
        }
        for column in &table.columns {
            let marks = marks(table, column).join(", ");
            out += &format!(
                "        {} {}{}{}\n",
                mermaid_word(&type_name(&column.ty)),
                mermaid_word(&column.name),
                if marks.is_empty() {
                    String::new()
                } else {
                    format!(" {marks}")
                },
                if column.nullable { " \"nullable\"" } else { "" }
            );
        }
        out += "    }\n";
    }
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let parent = if optional(table, fk) { "|o" } else { "||" };
            let child = if one_to_one(table, fk) { "o|" } else { "o{" };
            out += &format!(
                "    {} {parent}--{child} {} : \"{}\"\n",
                mermaid_word(&fk.ref_table),
                mermaid_word(&table.name),
                fk.columns.join(", ").replace('"', "'")
            );
        }
    }
    out
}

/// Text for an HTML-like DOT label.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A quoted DOT identifier.
fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn dot(schema: &Schema) -> String {
    let mut out = String::from(
        "digraph schema {\n    rankdir=LR;\n    node [shape=plain, fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\", fontsize=10];\n\n",
    );
    for table in schema.tables.values() {
        out += &format!(
            "    {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n        <tr><td bgcolor=\"#dde4f0\"><b>{}</b></td></tr>\n",
            dot_id(&table.name),
            html(&table.name)
        );
        for (i, column) in table.columns.iter().enumerate() {
            let marks = marks(table, column).join(" ");
            out += &format!(
                "        <tr><td align=\"left\" port=\"c{i}\">{}{}: {}{}</td></tr>\n",
                html(&column.name),
                if column.nullable { "?" } else { "" },
                html(&type_name(&column.ty)),
                if marks.is_empty() {
                    String::new()
                } else {
                    format!(" <i>{marks}</i>")
                }
            );
        }
        out += "    </table>>];\n";
    }
    out += "\n";
    for table in schema.tables.values() {
        for fk in &table.foreign_keys {
            let port = |t: &Table, name: &str| {
                t.columns
                    .iter()
                    .position(|c| c.name == name)
                    .map(|i| format!(":c{i}"))
                    .unwrap_or_default()
            };
            let from = port(table, &fk.columns[0]);
            let to = schema
                .tables
                .get(&fk.ref_table)
                .map(|t| port(t, &fk.ref_columns[0]))
                .unwrap_or_default();
            out += &format!(
                "    {}{from} -> {}{to} [label={}{}];\n",
                dot_id(&table.name),
                dot_id(&fk.ref_table),
                dot_id(&fk.columns.join(", ")),
                if one_to_one(table, fk) {
                    ", arrowhead=tee"
                } else {
                    ""
                }
            );
        }
    }
    out += "}\n";
    out
}
