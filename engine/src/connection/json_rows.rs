//! Reading a whole bookkeeping table as JSON the database writes, rather than row by
//! row through SeaORM.
//!
//! Every run reads a row per applied migration from `seaql_migrations` and
//! `manage_migrations`; with a thousand applied, taking those rows apart (a map of
//! values per row, then each value found by name and copied) cost more than the rest
//! of a `migrate` at head. The database builds the same data as one JSON text
//! instead, read in one pass. PostgreSQL and SQLite aggregate the whole table into
//! one array; MySQL/MariaDB send an array per row, because MariaDB cuts an
//! aggregate at `group_concat_max_len` (1 MiB by default).

use crate::sql::Dialect;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sea_schema::probe::SchemaProbe;
use serde::de::DeserializeOwned;

/// `columns` of every row of `table`, each row as a `T` deserialized from a JSON
/// array of the columns' values, in no particular order; None when there is no such
/// table in the current schema.
pub async fn read<T: DeserializeOwned, C: ConnectionTrait>(
    db: &C,
    table: &str,
    columns: &[&str],
) -> Result<Option<Vec<T>>, DbErr> {
    if !exists(db, table).await? {
        return Ok(None);
    }
    let backend = db.get_database_backend();
    let dialect = Dialect::from(backend);
    let columns: Vec<String> = columns.iter().map(|c| dialect.ident(c)).collect();
    let columns = columns.join(", ");
    let table = dialect.ident(table);
    let (sql, aggregated) = match backend {
        DbBackend::Postgres => (
            format!(
                "SELECT COALESCE(json_agg(json_build_array({columns})), '[]')::text AS entries \
                 FROM {table}"
            ),
            true,
        ),
        DbBackend::Sqlite => (
            format!("SELECT json_group_array(json_array({columns})) AS entries FROM {table}"),
            true,
        ),
        _ => (
            format!("SELECT CAST(JSON_ARRAY({columns}) AS CHAR) AS entries FROM {table}"),
            false,
        ),
    };
    let mut out = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        let text: String = row.try_get("", "entries")?;
        if aggregated {
            out.extend(parse::<Vec<T>>(&table, &text)?);
        } else {
            out.push(parse(&table, &text)?);
        }
    }
    Ok(Some(out))
}

/// Whether `table` is in the current schema. On PostgreSQL by name lookup:
/// information_schema's view, which sea-schema asks, took 2.7 ms in a new session
/// with a thousand tables, more than the rest of a run at head.
async fn exists<C: ConnectionTrait>(db: &C, table: &str) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let stmt = match backend {
        DbBackend::Postgres => Statement::from_sql_and_values(
            backend,
            "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident($1)) \
             IS NOT NULL AS has_table",
            [table.into()],
        ),
        DbBackend::Sqlite => backend.build(&sea_schema::sqlite::Sqlite.has_table(table)),
        _ => backend.build(&sea_schema::mysql::MySql.has_table(table)),
    };
    match db.query_one_raw(stmt).await? {
        Some(row) => row.try_get("", "has_table"),
        None => Ok(false),
    }
}

fn parse<T: DeserializeOwned>(table: &str, text: &str) -> Result<T, DbErr> {
    serde_json::from_str(text).map_err(|e| DbErr::Type(format!("reading {table}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Database;

    #[tokio::test(flavor = "current_thread")]
    async fn reads_every_row_whole_and_nothing_of_a_missing_table() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared(
            r#"CREATE TABLE "odd ""name""" (version TEXT, checksum TEXT, duration_ms BIGINT);
               INSERT INTO "odd ""name""" VALUES
                 ('m1', 'ab"c\d', 5), ('m2', NULL, -1), ('m3_ünï', '', 9007199254740993);"#,
        )
        .await
        .unwrap();
        let columns = ["version", "checksum", "duration_ms"];
        let mut rows: Vec<(String, Option<String>, i64)> =
            read(&db, "odd \"name\"", &columns).await.unwrap().unwrap();
        rows.sort();
        assert_eq!(
            rows,
            [
                ("m1".into(), Some(r#"ab"c\d"#.into()), 5),
                ("m2".into(), None, -1),
                ("m3_ünï".into(), Some(String::new()), 9_007_199_254_740_993),
            ]
        );
        let missing: Option<Vec<(String,)>> = read(&db, "absent", &["version"]).await.unwrap();
        assert!(missing.is_none());
        db.execute_unprepared(r#"DELETE FROM "odd ""name""""#)
            .await
            .unwrap();
        let empty: Vec<(String,)> = read(&db, "odd \"name\"", &["version"])
            .await
            .unwrap()
            .unwrap();
        assert!(empty.is_empty());
    }
}
