//! SQL words of each backend: quoting, literals, column types, and table names as SQL
//! text writes them. Codegen uses it for the statements SeaQuery has no builder for
//! (`ALTER COLUMN ... DROP DEFAULT`, enum type rebuilds), written into the migration as
//! plain SQL already quoted for their backend; the history scanner and the foreign-key
//! check read table names out of SQL with [`TABLE_NAME`].

mod types;

use crate::schema::{ColumnType, Default};
use sea_orm::sea_query::{
    self, MysqlQueryBuilder, PostgresQueryBuilder, SchemaStatementBuilder, TableBuilder,
};
use types::to_sea_type;
pub use types::{column as helper_column, helper as type_helper};

/// How SQL statements write a table name, shared with the history scanner.
pub use migration_facts::{TABLE_NAME, written_table_name};

/// The table's own name in a [`TABLE_NAME`] match, unquoted: `"public"."users"` is
/// `users`, `"a""b"` is `a"b`.
pub fn bare_table_name(name: &str) -> String {
    crate::schema::split_name(&written_table_name(name))
        .1
        .to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

/// The dialect of a connection's backend; SQLite's for any other.
impl From<sea_orm::DbBackend> for Dialect {
    fn from(backend: sea_orm::DbBackend) -> Self {
        match backend {
            sea_orm::DbBackend::Postgres => Dialect::Postgres,
            sea_orm::DbBackend::MySql => Dialect::MySql,
            _ => Dialect::Sqlite,
        }
    }
}

impl Dialect {
    /// An identifier, quoted.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::MySql => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A table name of the model (`table` or `schema.table`), quoted.
    pub fn table(self, name: &str) -> String {
        match crate::schema::split_name(name) {
            (Some(schema), table) => format!("{}.{}", self.ident(schema), self.ident(table)),
            (None, table) => self.ident(table),
        }
    }

    /// A comma-separated list of quoted identifiers.
    pub fn idents(self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.ident(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The column type as this backend spells it.
    pub fn column_type(self, ty: &ColumnType) -> String {
        let mut out = String::new();
        let ty = to_sea_type(ty);
        match self {
            Dialect::Postgres => PostgresQueryBuilder.prepare_column_type(&ty, &mut out),
            Dialect::MySql => MysqlQueryBuilder.prepare_column_type(&ty, &mut out),
            Dialect::Sqlite => sea_query::SqliteQueryBuilder.prepare_column_type(&ty, &mut out),
        }
        out
    }

    /// A SeaQuery schema statement as this backend's SQL.
    pub fn render(self, stmt: &impl SchemaStatementBuilder) -> String {
        match self {
            Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
            Dialect::MySql => stmt.to_string(MysqlQueryBuilder),
            Dialect::Sqlite => stmt.to_string(sea_query::SqliteQueryBuilder),
        }
    }

    /// A value as a literal of this backend.
    pub fn literal(self, value: &Default) -> String {
        match (self, value) {
            (Dialect::MySql, Default::String(s)) => {
                format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
            }
            (Dialect::MySql | Dialect::Sqlite, Default::Bool(b)) => {
                if *b { "1" } else { "0" }.to_string()
            }
            _ => value.sql_literal(),
        }
    }
}

#[cfg(test)]
mod name_tests {
    use super::{TABLE_NAME, bare_table_name, written_table_name};

    #[test]
    fn written_table_names_are_read_back() {
        let re = regex::Regex::new(&format!("^{TABLE_NAME}$")).unwrap();
        for (written, bare) in [
            ("users", "users"),
            (r#""public"."users""#, "users"),
            ("`app`.`users`", "users"),
            ("[dbo].[users]", "users"),
            (r#""my ""quoted"" table""#, r#"my "quoted" table"#),
            (r#""shop" . "order""#, "order"),
        ] {
            assert!(re.is_match(written), "{written}");
            assert_eq!(bare_table_name(written), bare, "{written}");
        }
        assert_eq!(written_table_name(r#""shop" . "order""#), "shop.order");
        assert_eq!(written_table_name("[dbo].[users]"), "dbo.users");
        assert_eq!(written_table_name("users"), "users");
    }
}
