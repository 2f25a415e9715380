//! A schema as the SQL that creates it from nothing, on one backend
//! (`manage schema --format sql`): enum types, then tables with referenced tables
//! first, then indexes. Rendered by SeaQuery, as migrations are.

use crate::schema::{Action, Column, Schema, Table, creation_order};
use crate::sql::{Dialect, to_sea_type};
use sea_orm::sea_query::{
    Alias, ColumnDef, Expr, ForeignKey, ForeignKeyAction, Index, IntoTableRef, Table as SeaTable,
    TableCreateStatement, TableRef,
};

pub fn create_script(schema: &Schema, dialect: Dialect) -> String {
    let mut statements = Vec::new();
    if dialect == Dialect::Postgres {
        for e in schema.enums.values() {
            let values: Vec<String> = e
                .values
                .iter()
                .map(|v| dialect.literal(&crate::schema::Default::String(v.clone())))
                .collect();
            statements.push(format!(
                "CREATE TYPE {} AS ENUM ({})",
                dialect.ident(&e.name),
                values.join(", ")
            ));
        }
    }
    // Tables in named schemas exist on PostgreSQL only (makemigrations refuses others).
    if dialect == Dialect::Postgres {
        for named in schema.named_schemas() {
            statements.push(format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                dialect.ident(&named)
            ));
        }
    }
    // Tables in a foreign-key cycle (possible in an adopted database, never in a
    // migration `manage` writes) follow the others by name.
    let tables: Vec<&Table> = schema.tables.values().collect();
    let ordered = creation_order(&tables)
        .unwrap_or_else(|cycle| cycle.ordered.into_iter().chain(cycle.stuck).collect());
    for table in ordered {
        statements.push(dialect.render(&create_table(table, dialect)));
        for index in &table.indexes {
            let mut stmt = Index::create();
            stmt.name(&index.name).table(table_ref(&table.name));
            for column in &index.columns {
                stmt.col(Alias::new(column));
            }
            if index.unique {
                stmt.unique();
            }
            statements.push(dialect.render(&stmt));
        }
    }
    statements.iter().map(|s| format!("{s};\n")).collect()
}

/// A model table name (`table` or `schema.table`) as SeaQuery's table reference.
fn table_ref(name: &str) -> TableRef {
    match crate::schema::split_name(name) {
        (Some(schema), table) => (Alias::new(schema), Alias::new(table)).into_table_ref(),
        (None, table) => Alias::new(table).into_table_ref(),
    }
}

fn create_table(t: &Table, dialect: Dialect) -> TableCreateStatement {
    let mut stmt = SeaTable::create();
    stmt.table(table_ref(&t.name));
    let single_pk = t.primary_key.len() == 1;
    for c in &t.columns {
        let is_pk = single_pk && t.primary_key[0] == c.name;
        stmt.col(column(c, is_pk, dialect));
    }
    if !single_pk && !t.primary_key.is_empty() {
        let mut pk = Index::create();
        for column in &t.primary_key {
            pk.col(Alias::new(column));
        }
        stmt.primary_key(&mut pk);
    }
    for fk in &t.foreign_keys {
        let mut key = ForeignKey::create();
        key.name(&fk.name)
            .from_tbl(table_ref(&t.name))
            .to_tbl(table_ref(&fk.ref_table))
            .on_delete(action(fk.on_delete))
            .on_update(action(fk.on_update));
        for column in &fk.columns {
            key.from_col(Alias::new(column));
        }
        for column in &fk.ref_columns {
            key.to_col(Alias::new(column));
        }
        stmt.foreign_key(&mut key);
    }
    stmt
}

fn column(c: &Column, primary_key: bool, dialect: Dialect) -> ColumnDef {
    let mut def = ColumnDef::new_with_type(Alias::new(&c.name), to_sea_type(&c.ty));
    if c.nullable {
        def.null();
    } else {
        def.not_null();
    }
    if primary_key {
        def.primary_key();
    }
    if c.auto_increment {
        def.auto_increment();
    }
    if c.unique && !primary_key {
        def.unique_key();
    }
    if let Some(default) = &c.default {
        def.default(Expr::cust(dialect.literal(default)));
    }
    def
}

fn action(a: Action) -> ForeignKeyAction {
    match a {
        Action::NoAction => ForeignKeyAction::NoAction,
        Action::Restrict => ForeignKeyAction::Restrict,
        Action::Cascade => ForeignKeyAction::Cascade,
        Action::SetNull => ForeignKeyAction::SetNull,
        Action::SetDefault => ForeignKeyAction::SetDefault,
    }
}
