//! PostgreSQL: enum types, which only it has.

use super::builder::raw_all;
use crate::schema::{Default, Enum};
use crate::sql::Dialect;

/// PostgreSQL: values are appended in place; anything else rebuilds the type.
pub(super) fn alter_enum(from: &Enum, to: &Enum) -> String {
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

/// Wraps a statement in a PostgreSQL-only block (enum types exist only there).
pub(super) fn postgres_only(stmt: &str) -> String {
    format!(
        "        if manager.get_database_backend() == DbBackend::Postgres {{\n    {stmt}        }}\n"
    )
}
