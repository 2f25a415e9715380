//! Reads what a database has beyond what entities declare: partial and expression
//! indexes, check constraints, triggers and views, each with its definition as the
//! backend reports it (see [`Unmanaged`]).
//!
//! Definitions are normalized only as far as needed to compare the same object in two
//! databases of one backend: runs of whitespace become one space, and the schema or
//! database name a backend writes into them is left out, so that a snapshot taken from
//! one database agrees with a database of another name.

use crate::schema::{Backend, Unmanaged, View, squeeze};
use anyhow::{Context, Result};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement};

/// The unmanaged objects of the connected database: each with the table it belongs
/// to, and the views.
#[derive(Debug, Default)]
pub struct Found {
    pub objects: Vec<(String, Unmanaged)>,
    pub views: Vec<View>,
}

impl Found {
    /// Names of the indexes found here, which the managed indexes must leave out.
    pub fn index_names(&self) -> Vec<(&str, &str)> {
        self.objects
            .iter()
            .filter(|(_, u)| matches!(u, Unmanaged::Index { .. }))
            .map(|(t, u)| (t.as_str(), u.name()))
            .collect()
    }
}

/// On PostgreSQL, those of the connection's schema and of the named `schemas`, whose
/// tables and views are then called `schema.name`.
pub async fn read(db: &DatabaseConnection, schemas: &[String]) -> Result<Found> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let mut found = postgres(db, None).await?;
            for named in schemas {
                let more = postgres(db, Some(named)).await?;
                found.objects.extend(more.objects);
                found.views.extend(more.views);
            }
            Ok(found)
        }
        DbBackend::MySql => mysql(db).await,
        _ => sqlite(db).await,
    }
    .context("reading indexes, constraints, triggers and views")
}

async fn rows(db: &DatabaseConnection, sql: &str) -> Result<Vec<QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?)
}

fn text(row: &QueryResult, column: &str) -> Result<String> {
    Ok(row.try_get::<String>("", column)?)
}

async fn postgres(db: &DatabaseConnection, named: Option<&str>) -> Result<Found> {
    let backend = Backend::Postgres;
    let schema = match named {
        Some(named) => named.to_string(),
        None => super::query_string(db, "SELECT current_schema()::text").await?,
    };
    let in_schema = format!("ns.nspname = '{}'", schema.replace('\'', "''"));
    let qualified = |name: String| crate::schema::qualified_name(named, &name);
    // PostgreSQL writes the table's schema into index and trigger definitions.
    let unqualified = |sql: String| {
        let quoted = crate::sql::Dialect::Postgres.ident(&schema);
        squeeze(
            &sql.replace(&format!(" ON {schema}."), " ON ")
                .replace(&format!(" ON {quoted}."), " ON "),
        )
    };
    let mut found = Found::default();
    let queries = [
        // Partial and expression indexes; plain ones are the entities' to declare.
        "SELECT t.relname::text AS table_name, i.relname::text AS name, \
         pg_get_indexdef(ix.indexrelid) AS definition, 'index' AS kind \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE {in_schema} \
         AND (ix.indpred IS NOT NULL OR ix.indexprs IS NOT NULL)",
        "SELECT t.relname::text AS table_name, c.conname::text AS name, \
         pg_get_constraintdef(c.oid) AS definition, 'check' AS kind \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE {in_schema} AND c.contype = 'c'",
        "SELECT t.relname::text AS table_name, tg.tgname::text AS name, \
         pg_get_triggerdef(tg.oid) AS definition, 'trigger' AS kind \
         FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid \
         JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE {in_schema} AND NOT tg.tgisinternal",
    ];
    for query in queries {
        let query = query.replace("{in_schema}", &in_schema);
        for row in rows(db, &query).await? {
            let (name, sql) = (text(&row, "name")?, unqualified(text(&row, "definition")?));
            let object = match text(&row, "kind")?.as_str() {
                "index" => Unmanaged::Index { name, sql, backend },
                "check" => Unmanaged::Check { name, sql, backend },
                _ => Unmanaged::Trigger { name, sql, backend },
            };
            found
                .objects
                .push((qualified(text(&row, "table_name")?), object));
        }
    }
    let views = "SELECT c.relname::text AS name, \
                 CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END || pg_get_viewdef(c.oid) AS definition \
                 FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace \
                 WHERE {in_schema} AND c.relkind IN ('v', 'm') \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')";
    for row in rows(db, &views.replace("{in_schema}", &in_schema)).await? {
        found.views.push(View {
            name: qualified(text(&row, "name")?),
            sql: squeeze(&text(&row, "definition")?),
            backend,
        });
    }
    Ok(found)
}

async fn mysql(db: &DatabaseConnection) -> Result<Found> {
    let backend = Backend::Mysql;
    let database = super::query_string(db, "SELECT DATABASE()").await?;
    // MySQL writes the database's name into view definitions.
    let unqualified = |sql: String| {
        let quoted = crate::sql::Dialect::MySql.ident(&database);
        squeeze(&sql.replace(&format!("{quoted}."), ""))
    };
    let mut found = Found::default();
    // MariaDB's CHECK_CONSTRAINTS names the table; MySQL's does not, and names its
    // constraints uniquely within the database instead.
    let checks = "SELECT tc.TABLE_NAME AS table_name, tc.CONSTRAINT_NAME AS name, \
                  cc.CHECK_CLAUSE AS definition \
                  FROM information_schema.TABLE_CONSTRAINTS tc \
                  JOIN information_schema.CHECK_CONSTRAINTS cc \
                  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA \
                  AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME";
    let mariadb = super::query_string(db, "SELECT VERSION()")
        .await?
        .contains("MariaDB");
    let checks = format!(
        "{checks}{} WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA = DATABASE()",
        if mariadb {
            " AND cc.TABLE_NAME = tc.TABLE_NAME"
        } else {
            ""
        }
    );
    for row in rows(db, &checks).await? {
        let (table, name, sql) = (
            text(&row, "table_name")?,
            text(&row, "name")?,
            text(&row, "definition")?,
        );
        // MariaDB keeps a JSON column as LONGTEXT with a check named after the column:
        // that check is the column's type, not an object of its own.
        if sql == format!("json_valid(`{name}`)") {
            continue;
        }
        found.objects.push((
            table,
            Unmanaged::Check {
                name,
                sql: squeeze(&sql),
                backend,
            },
        ));
    }
    let triggers = "SELECT EVENT_OBJECT_TABLE AS table_name, TRIGGER_NAME AS name, \
                    CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION, ' FOR EACH ROW ', ACTION_STATEMENT) AS definition \
                    FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";
    for row in rows(db, triggers).await? {
        found.objects.push((
            text(&row, "table_name")?,
            Unmanaged::Trigger {
                name: text(&row, "name")?,
                sql: squeeze(&text(&row, "definition")?),
                backend,
            },
        ));
    }
    let views = "SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition \
                 FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";
    for row in rows(db, views).await? {
        found.views.push(View {
            name: text(&row, "name")?,
            sql: unqualified(text(&row, "definition")?),
            backend,
        });
    }
    Ok(found)
}

async fn sqlite(db: &DatabaseConnection) -> Result<Found> {
    let backend = Backend::Sqlite;
    let mut found = Found::default();
    // SQLite keeps each object's statement as it was written; an index is unmanaged
    // when it is partial or indexes an expression (column number -2).
    let objects = "SELECT m.type AS kind, m.name AS name, m.tbl_name AS table_name, m.sql AS definition \
                   FROM sqlite_master m WHERE m.sql IS NOT NULL AND m.name NOT LIKE 'sqlite_%' AND ( \
                   m.type IN ('trigger', 'view') OR (m.type = 'index' AND ( \
                   EXISTS (SELECT 1 FROM pragma_index_list(m.tbl_name) l WHERE l.name = m.name AND l.partial) \
                   OR EXISTS (SELECT 1 FROM pragma_index_xinfo(m.name) x WHERE x.cid = -2)))) \
                   ORDER BY m.name";
    for row in rows(db, objects).await? {
        // Kept as written: a rebuild runs it again (a `--` comment ends at its line).
        let (name, sql) = (text(&row, "name")?, text(&row, "definition")?);
        let object = match text(&row, "kind")?.as_str() {
            "view" => {
                found.views.push(View { name, sql, backend });
                continue;
            }
            "index" => Unmanaged::Index { name, sql, backend },
            _ => Unmanaged::Trigger { name, sql, backend },
        };
        found.objects.push((text(&row, "table_name")?, object));
    }
    let tables = "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL \
                  AND name NOT LIKE 'sqlite_%'";
    for row in rows(db, tables).await? {
        let table = text(&row, "name")?;
        for (name, sql) in sqlite_checks(&table, &text(&row, "definition")?)? {
            found
                .objects
                .push((table.clone(), Unmanaged::Check { name, sql, backend }));
        }
    }
    Ok(found)
}

/// The check constraints of a SQLite `CREATE TABLE` statement, as (name, condition).
/// SQLite names none it was not given a name for; a column's takes the name
/// PostgreSQL would give it (`table_column_check`), a table's `table_check` and its
/// position, so that a rebuild can restate it under a stable name.
///
/// The statement is read token by token rather than parsed: SQLite accepts type names
/// no SQL grammar knows (`real(10, 2)`), and only the checks are wanted. A condition
/// is its own text, exactly as written (a rebuild restates it).
pub fn sqlite_checks(table: &str, create: &str) -> Result<Vec<(String, String)>> {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, Tokenizer};
    if !create.to_ascii_lowercase().contains("check") {
        return Ok(Vec::new());
    }
    let spanned = Tokenizer::new(&sqlparser::dialect::SQLiteDialect {}, create)
        .tokenize_with_location()
        .with_context(|| format!("reading the definition of table {table}"))?;
    // Where each token starts in `create`, in bytes (locations count lines and chars).
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(create.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |at: &sqlparser::tokenizer::Location| -> usize {
        let line = line_starts
            .get((at.line as usize).saturating_sub(1))
            .copied()
            .unwrap_or(create.len());
        create[line..]
            .char_indices()
            .nth((at.column as usize).saturating_sub(1))
            .map_or(create.len(), |(i, _)| line + i)
    };
    let tokens: Vec<Token> = spanned.iter().map(|t| t.token.clone()).collect();
    let keyword = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none());
    // The items between the table's outer parentheses, split at its top-level commas.
    let Some(open) = tokens.iter().position(|t| *t == Token::LParen) else {
        return Ok(Vec::new());
    };
    let mut items: Vec<Vec<(usize, &Token)>> = vec![Vec::new()];
    let mut depth = 0;
    for (index, token) in tokens.iter().enumerate().skip(open + 1) {
        match token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => break,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                items.push(Vec::new());
                continue;
            }
            _ => {}
        }
        items
            .last_mut()
            .expect("one item at least")
            .push((index, token));
    }
    let mut out = Vec::new();
    let mut unnamed = 0;
    for item in items {
        let (positions, item): (Vec<usize>, Vec<&Token>) = item.into_iter().unzip();
        let significant: Vec<usize> = (0..item.len())
            .filter(|&i| !matches!(item[i], Token::Whitespace(_)))
            .collect();
        let Some(&first) = significant.first() else {
            continue;
        };
        let column = match item[first] {
            t if [
                Keyword::CONSTRAINT,
                Keyword::CHECK,
                Keyword::PRIMARY,
                Keyword::UNIQUE,
                Keyword::FOREIGN,
            ]
            .iter()
            .any(|k| keyword(t, *k)) =>
            {
                None
            }
            Token::Word(w) => Some(w.value.clone()),
            _ => None,
        };
        let mut name: Option<String> = None;
        let mut at = 0;
        while at < significant.len() {
            let token = item[significant[at]];
            if keyword(token, Keyword::CONSTRAINT) {
                name = significant.get(at + 1).and_then(|&i| match item[i] {
                    Token::Word(w) => Some(w.value.clone()),
                    _ => None,
                });
                at += 2;
                continue;
            }
            if keyword(token, Keyword::CHECK)
                && significant
                    .get(at + 1)
                    .is_some_and(|&i| *item[i] == Token::LParen)
            {
                // The condition: every token up to the matching parenthesis.
                let start = significant[at + 1] + 1;
                let mut depth = 0;
                let mut end = start;
                while end < item.len() {
                    match item[end] {
                        Token::LParen => depth += 1,
                        Token::RParen if depth == 0 => break,
                        Token::RParen => depth -= 1,
                        _ => {}
                    }
                    end += 1;
                }
                // The condition's own text, between the parentheses.
                let text = match (positions.get(start - 1), positions.get(end)) {
                    (Some(&open), Some(&close)) => {
                        let from = offset(&spanned[open].span.start) + 1;
                        create[from..offset(&spanned[close].span.start)]
                            .trim()
                            .to_string()
                    }
                    _ => continue,
                };
                let name = name.take().unwrap_or_else(|| match &column {
                    Some(c) => format!("{table}_{c}_check"),
                    None => {
                        unnamed += 1;
                        format!("{table}_check{unnamed}")
                    }
                });
                out.push((name, text));
                at = significant
                    .iter()
                    .position(|&i| i >= end)
                    .unwrap_or(significant.len());
                continue;
            }
            at += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_checks_are_named_and_kept_as_written() {
        let create = "CREATE TABLE \"fruit\" ( \"id\" integer NOT NULL PRIMARY KEY, \
                      \"price\" real(10, 2) NOT NULL, \
                      \"stock\" integer NOT NULL DEFAULT 0 CHECK (\"stock\"   >= 0), \
                      CHECK (length(name) > 0), CONSTRAINT \"named\" CHECK (name <> 'O''Brien') )";
        assert_eq!(
            super::sqlite_checks("fruit", create).unwrap(),
            [
                (
                    "fruit_stock_check".to_string(),
                    "\"stock\"   >= 0".to_string()
                ),
                ("fruit_check1".to_string(), "length(name) > 0".to_string()),
                ("named".to_string(), "name <> 'O''Brien'".to_string()),
            ]
        );
    }
}
