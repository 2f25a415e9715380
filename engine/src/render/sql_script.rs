//! A schema as the SQL that creates it from nothing, on one backend
//! (`manage schema --format sql`): enum types, then tables with referenced tables
//! first, then indexes. Rendered by SeaQuery, as migrations are.

use crate::codegen;
use crate::schema::{Schema, Table, creation_order};
use crate::sql::Dialect;

pub fn create_script(schema: &Schema, dialect: Dialect) -> String {
    let mut statements = Vec::new();
    if dialect == Dialect::Postgres {
        statements.extend(schema.enums.values().map(codegen::enum_statement));
        // Tables in named schemas exist on PostgreSQL only (makemigrations refuses
        // others).
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
        statements.push(dialect.render(&codegen::table_statement(table, dialect)));
        for index in &table.indexes {
            statements.push(dialect.render(&codegen::index_statement(&table.name, index)));
        }
    }
    statements.iter().map(|s| format!("{s};\n")).collect()
}
