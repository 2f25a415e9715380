//! Compares an expected schema (models or snapshot) with an introspected one, as far
//! as the backend can tell them apart.
//!
//! Both sides are first projected onto what the backend keeps: SQLite stores every
//! integer width as `integer`, MySQL has no enum type names, PostgreSQL has no unsigned
//! types, and so on. Then the two are compared object by object, and each difference is
//! one sentence.

use crate::schema::{self, Backend, Column, ColumnType, Schema, Table, Unmanaged, squeeze};
use sea_orm::DbBackend;
use std::collections::BTreeSet;

/// The differences between `expected` and `actual` on `backend`, in words.
pub fn differences(expected: &Schema, actual: &Schema, backend: DbBackend) -> Vec<String> {
    let expected = project(&expected.as_stored(Backend::of(backend)), backend);
    let actual = project(actual, backend);
    let mut out = Vec::new();
    for (name, want) in &expected.tables {
        match actual.tables.get(name) {
            None => out.push(format!("table {name} is missing from the database")),
            Some(have) => {
                table_differences(want, have, &mut out);
                unmanaged_differences(want, have, Backend::of(backend), &mut out);
            }
        }
    }
    view_differences(&expected, &actual, Backend::of(backend), &mut out);
    for name in actual.tables.keys() {
        if !expected.tables.contains_key(name) {
            out.push(format!("table {name} is in the database but not expected"));
        }
    }
    if backend == DbBackend::Postgres {
        let used: BTreeSet<&str> = expected.used_enums().collect();
        for (name, e) in &expected.enums {
            match actual.enums.get(name) {
                None if used.contains(name.as_str()) => {
                    out.push(format!("enum type {name} is missing from the database"))
                }
                Some(have) if have.values != e.values => out.push(format!(
                    "enum type {name} has values ({}) instead of ({})",
                    have.values.join(", "),
                    e.values.join(", ")
                )),
                _ => {}
            }
        }
        for name in actual.enums.keys() {
            if !expected.enums.contains_key(name) {
                out.push(format!(
                    "enum type {name} is in the database but not expected"
                ));
            }
        }
    }
    out
}

/// `differences` between two schemas neither of which is a live database (a snapshot
/// against its rebuild, a scratch schema before and after a step): `missing` and
/// `extra` replace the words that name the database.
pub fn differences_between(
    expected: &Schema,
    actual: &Schema,
    backend: DbBackend,
    missing: &str,
    extra: &str,
) -> Vec<String> {
    differences(expected, actual, backend)
        .into_iter()
        .map(|d| {
            d.replace("is missing from the database", missing)
                .replace("is missing", missing)
                .replace("is in the database but not expected", extra)
                .replace(" but expected ", " but was ")
        })
        .collect()
}

fn table_differences(want: &Table, have: &Table, out: &mut Vec<String>) {
    let t = &want.name;
    for c in &want.columns {
        match have.column(&c.name) {
            None => out.push(format!("column {t}.{} is missing", c.name)),
            Some(h) if h != c => out.push(format!(
                "column {t}.{} is {} but expected {}",
                c.name,
                describe(h),
                describe(c)
            )),
            Some(_) => {}
        }
    }
    for c in &have.columns {
        if want.column(&c.name).is_none() {
            out.push(format!(
                "column {t}.{} is in the database but not expected",
                c.name
            ));
        }
    }
    if want.primary_key != have.primary_key {
        out.push(format!(
            "table {t} has primary key ({}) but expected ({})",
            have.primary_key.join(", "),
            want.primary_key.join(", ")
        ));
    }
    let key = |i: &schema::Index| (i.columns.clone(), i.unique);
    let want_ix: BTreeSet<_> = want.indexes.iter().map(key).collect();
    let have_ix: BTreeSet<_> = have.indexes.iter().map(key).collect();
    for (cols, unique) in want_ix.difference(&have_ix) {
        let kind = if *unique { "unique index" } else { "index" };
        out.push(format!("{kind} on {t} ({}) is missing", cols.join(", ")));
    }
    for (cols, unique) in have_ix.difference(&want_ix) {
        let kind = if *unique { "unique index" } else { "index" };
        out.push(format!(
            "{kind} on {t} ({}) is in the database but not expected",
            cols.join(", ")
        ));
    }
    let fk = |f: &schema::ForeignKey| {
        (
            f.columns.clone(),
            f.ref_table.clone(),
            f.ref_columns.clone(),
            f.on_delete,
            f.on_update,
        )
    };
    let want_fk: BTreeSet<_> = want
        .foreign_keys
        .iter()
        .map(|f| format!("{:?}", fk(f)))
        .collect();
    let have_fk: BTreeSet<_> = have
        .foreign_keys
        .iter()
        .map(|f| format!("{:?}", fk(f)))
        .collect();
    for f in want
        .foreign_keys
        .iter()
        .filter(|f| !have_fk.contains(&format!("{:?}", fk(f))))
    {
        out.push(format!(
            "foreign key {t} ({}) -> {} ({}) is missing or differs",
            f.columns.join(", "),
            f.ref_table,
            f.ref_columns.join(", ")
        ));
    }
    for f in have
        .foreign_keys
        .iter()
        .filter(|f| !want_fk.contains(&format!("{:?}", fk(f))))
    {
        out.push(format!(
            "foreign key {t} ({}) -> {} ({}) is in the database but not expected",
            f.columns.join(", "),
            f.ref_table,
            f.ref_columns.join(", ")
        ));
    }
}

/// The table's unmanaged indexes, checks and triggers recorded for this backend
/// against the database's: each missing, changed or new one. Those recorded from
/// another backend mean nothing here and are not compared.
fn unmanaged_differences(want: &Table, have: &Table, backend: Backend, out: &mut Vec<String>) {
    let t = &want.name;
    let same_object = |a: &Unmanaged, b: &Unmanaged| a.kind() == b.kind() && a.name() == b.name();
    let definition = |u: &Unmanaged| u.definition().map(squeeze).unwrap_or_default();
    let here = |u: &&Unmanaged| u.definition().is_some() && u.backend() == Some(backend);
    for w in want.unmanaged.iter().filter(here) {
        match have.unmanaged.iter().find(|h| same_object(w, h)) {
            None => out.push(format!(
                "{} is in the snapshot but not in the database (if it was dropped on purpose, \
                 delete it from the table's snapshot file)",
                w.describe(t)
            )),
            Some(h) if definition(h) != definition(w) => out.push(format!(
                "{} changed: the snapshot has `{}`, the database `{}`",
                w.describe(t),
                definition(w),
                definition(h)
            )),
            Some(_) => {}
        }
    }
    for h in have.unmanaged.iter().filter(here) {
        if !want.unmanaged.iter().any(|w| same_object(w, h)) {
            out.push(format!(
                "{} is in the database but not in the snapshot: `{}` (record it with \
                 `manage makemigrations --adopt`)",
                h.describe(t),
                definition(h)
            ));
        }
    }
}

/// Views recorded for this backend against the database's.
fn view_differences(want: &Schema, have: &Schema, backend: Backend, out: &mut Vec<String>) {
    for w in want.views.values().filter(|v| v.backend == backend) {
        match have.views.get(&w.name) {
            None => out.push(format!(
                "view {} is in the snapshot but not in the database",
                w.name
            )),
            Some(h) if squeeze(&h.sql) != squeeze(&w.sql) => out.push(format!(
                "view {} changed: the snapshot has `{}`, the database `{}`",
                w.name, w.sql, h.sql
            )),
            Some(_) => {}
        }
    }
    for h in have.views.values() {
        if !want.views.contains_key(&h.name) {
            out.push(format!(
                "view {} is in the database but not in the snapshot: `{}` (record it with \
                 `manage makemigrations --adopt`)",
                h.name, h.sql
            ));
        }
    }
}

fn describe(c: &Column) -> String {
    let mut s = format!("{:?}", c.ty);
    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {d:?}"));
    }
    if c.unique {
        s.push_str(" UNIQUE");
    }
    if c.auto_increment {
        s.push_str(" AUTO_INCREMENT");
    }
    s
}

/// `schema` as `backend` would store it.
fn project(schema: &Schema, backend: DbBackend) -> Schema {
    let mut out = schema.clone();
    for table in out.tables.values_mut() {
        project_table(table, backend);
    }
    out
}

fn project_table(t: &mut Table, backend: DbBackend) {
    // A single-column unique index and a column's unique constraint are the same thing
    // to every backend; each names them its own way.
    let mut single_unique = Vec::new();
    t.indexes.retain(|i| {
        if i.unique && i.columns.len() == 1 {
            single_unique.push(i.columns[0].clone());
            false
        } else {
            true
        }
    });
    // MySQL creates an index for each foreign key that has none.
    if backend == DbBackend::MySql {
        let fk_names: Vec<&str> = t.foreign_keys.iter().map(|f| f.name.as_str()).collect();
        let fk_cols: Vec<&Vec<String>> = t.foreign_keys.iter().map(|f| &f.columns).collect();
        t.indexes.retain(|i| {
            i.unique || !(fk_names.contains(&i.name.as_str()) || fk_cols.contains(&&i.columns))
        });
    }
    for i in &mut t.indexes {
        i.name.clear();
    }
    for f in &mut t.foreign_keys {
        f.name.clear();
        // NO ACTION and RESTRICT differ only in deferred checking, which we do not model.
        if f.on_delete == schema::Action::Restrict {
            f.on_delete = schema::Action::NoAction;
        }
        if f.on_update == schema::Action::Restrict {
            f.on_update = schema::Action::NoAction;
        }
    }
    t.foreign_keys.sort_by(|a, b| {
        a.columns
            .cmp(&b.columns)
            .then(a.ref_table.cmp(&b.ref_table))
    });
    let pk = t.primary_key.clone();
    for c in &mut t.columns {
        if single_unique.contains(&c.name) {
            c.unique = true;
        }
        project_column(c, pk.contains(&c.name), backend);
    }
    t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    if backend == DbBackend::Sqlite {
        // SQLite reports primary key columns in table order.
        let mut pk = t.primary_key.clone();
        pk.sort();
        t.primary_key = pk;
    }
}

/// A column as `backend` would store it; `in_primary_key` implies NOT NULL and unique.
fn project_column(c: &mut Column, in_primary_key: bool, backend: DbBackend) {
    if in_primary_key {
        c.nullable = false;
        c.unique = false;
    }
    c.ty = project_type(&c.ty, backend);
    c.default = c.default.take().and_then(|d| project_default(d, &c.ty));
}

/// Whether `backend` stores columns `a` and `b` alike (both in the primary key, or
/// both not).
pub fn same_column(a: &Column, b: &Column, in_primary_key: bool, backend: DbBackend) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    project_column(&mut a, in_primary_key, backend);
    project_column(&mut b, in_primary_key, backend);
    a == b
}

fn project_type(ty: &ColumnType, backend: DbBackend) -> ColumnType {
    use ColumnType as T;
    match backend {
        DbBackend::Sqlite => match ty {
            t if t.is_integer() => T::Integer,
            T::Enum { .. } => T::Text,
            // Written as a blob: binary data of any length.
            T::VarBinary { length: None } => T::Blob,
            other => other.clone(),
        },
        DbBackend::Postgres => match ty {
            T::TinyInteger | T::TinyUnsigned | T::SmallInteger => T::SmallInteger,
            T::SmallUnsigned => T::Integer,
            T::Unsigned | T::BigUnsigned => T::BigInteger,
            T::Timestamp => T::DateTime,
            T::Binary { .. } | T::VarBinary { .. } => T::Blob,
            T::Char { length: None } => T::Char { length: Some(1) },
            other => other.clone(),
        },
        _ => match ty {
            T::String { length: None } => T::String { length: Some(255) },
            T::VarBinary { length: None } => T::Blob,
            T::Char { length: None } => T::Char { length: Some(1) },
            T::Timestamp | T::TimestampWithTimeZone => T::Timestamp,
            T::Uuid => T::Binary { length: 16 },
            // MariaDB stores JSON as LONGTEXT.
            T::Json | T::JsonBinary => T::Text,
            T::Decimal { precision: None } => T::Decimal {
                precision: Some((10, 0)),
            },
            T::Enum { values, .. } => T::Enum {
                name: String::new(),
                values: values.clone(),
            },
            other => other.clone(),
        },
    }
}

/// A default as a comparable value of the column's type.
fn project_default(d: schema::Default, ty: &ColumnType) -> Option<schema::Default> {
    use schema::Default as D;
    let text = match &d {
        D::Bool(b) => b.to_string(),
        D::Int(n) => n.to_string(),
        D::Float(f) => f.to_string(),
        D::String(s) => s.clone(),
        D::CurrentTimestamp => return Some(D::CurrentTimestamp),
        D::Expr(e) => {
            let e = e.trim().to_ascii_lowercase();
            if matches!(
                e.as_str(),
                "current_timestamp" | "current_timestamp()" | "now()"
            ) {
                return Some(D::CurrentTimestamp);
            }
            if e == "null" {
                return None;
            }
            e
        }
    };
    let unquoted = text.trim_matches('\'').to_string();
    Some(match ty {
        ColumnType::Boolean => match unquoted.to_ascii_lowercase().as_str() {
            "1" | "true" | "t" => D::Bool(true),
            "0" | "false" | "f" => D::Bool(false),
            _ => D::Expr(text),
        },
        t if t.is_integer() => unquoted.parse().map(D::Int).unwrap_or(D::Expr(text)),
        ColumnType::Float | ColumnType::Double | ColumnType::Decimal { .. } => {
            unquoted.parse().map(D::Float).unwrap_or(D::Expr(text))
        }
        _ => D::String(unquoted),
    })
}
