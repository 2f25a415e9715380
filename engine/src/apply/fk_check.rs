//! SQLite: the foreign-key check before each migration commits, scoped to what the
//! migration touched.
//!
//! Enforcement is off during a run (table rebuilds would cascade otherwise), so every
//! migration is checked before it commits. `PRAGMA foreign_key_check` over the whole
//! database reads every table: at 1,000 tables that is 3.6 ms a migration, and a
//! history applied from scratch grows quadratically. A migration can only break keys
//! in the tables its statements wrote to and in the tables referencing those, so
//! only those are checked. The map of which table references which is read once a
//! run and kept current from the touched tables.
//!
//! A migration that only creates tables (empty ones: no `AS SELECT`) and indexes
//! changes no row, so it cannot leave a key pointing nowhere: only a new table's keys
//! are checked against their parents (a key to columns without a unique index is an
//! error SQLite reports only when the table is checked or written), and only when it
//! declares any. The map need not learn a new table's references: while it is empty
//! no row of it can dangle, and the migration that first writes to it touches it,
//! which reads them.
//!
//! Renaming a table rewrites the references to it in other tables: after a rename
//! the map is read again.
//!
//! Whenever the statements are not all understood (raw SQL of another shape, several
//! statements in one string, triggers that could write elsewhere, nothing captured),
//! the whole database is checked, as before.

use regex::Regex;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{LazyLock, Mutex};

/// What a run has learnt of the database's references; empty until first needed.
#[derive(Default)]
pub struct ForeignKeyMap {
    /// None until read, and again after a migration that was not understood (it may
    /// have changed references or triggers in ways the map cannot follow).
    known: Mutex<Option<Known>>,
    /// What the migrations of an `--atomic` run wrote, checked once before it commits.
    deferred: Mutex<Deferred>,
}

/// The tables the migrations of one transaction wrote, each with the last migration
/// that wrote it; or the whole database, once one was not understood.
#[derive(Default)]
struct Deferred {
    whole: bool,
    touched: BTreeMap<String, String>,
}

/// Each table's references, as (kind 'r', table, referenced table) rows; callers
/// narrow it with `AND ...`.
const REFERENCES: &str = "SELECT 'r', m.name, f.\"table\" FROM sqlite_master m \
     JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'";

/// Each table's rows pointing nowhere, as (kind 'v', table, referenced table) rows;
/// callers narrow it with `AND ...`. Through sqlite_master, so that a table a
/// migration dropped drops out.
const VIOLATIONS: &str = "SELECT 'v', c.\"table\", c.parent FROM sqlite_master m \
     JOIN pragma_foreign_key_check(m.name) c WHERE m.type = 'table'";

#[derive(Default)]
struct Known {
    /// A trigger can write to tables no statement names: every check is whole.
    triggers: bool,
    /// Which tables each table references (names folded as SQLite compares them).
    parents: BTreeMap<String, BTreeSet<String>>,
    /// The same the other way: which tables reference each table, so that finding
    /// them does not go through every table of the database for every migration.
    children: BTreeMap<String, BTreeSet<String>>,
}

impl ForeignKeyMap {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Known>> {
        locked(&self.known)
    }

    /// Fails when a row of a table `statements` could have affected points nowhere.
    pub async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        statements: &[String],
    ) -> Result<(), DbErr> {
        let Some(written) = written_tables(statements) else {
            *self.lock() = None;
            return whole_database(db).await;
        };
        if written.rows_unchanged {
            return if written.declares_keys {
                new_keys(db, &written.tables).await
            } else {
                Ok(())
            };
        }
        let renames = written.renames;
        let touched = written.tables;
        let taken = self.lock().take();
        let mut known = match taken {
            Some(known) => known,
            None => Known::read(db).await?,
        };
        if known.triggers {
            *self.lock() = Some(known);
            return whole_database(db).await;
        }
        // Only a touched table's own references can have changed, so the map already
        // knows every other table that references a touched one.
        let to_check = known.with_referencing(&touched);
        // One statement (each is a hand-off to the driver's thread): what the touched
        // tables reference now, and the rows pointing nowhere.
        let sql = format!(
            "{REFERENCES} AND m.name COLLATE NOCASE IN ({}) \
             UNION ALL {VIOLATIONS} AND m.name COLLATE NOCASE IN ({})",
            placeholders(touched.len()),
            placeholders(to_check.len())
        );
        let values = touched.iter().chain(&to_check).cloned().collect();
        let rows = query(db, &sql, values).await?;

        for table in &touched {
            known.forget(table);
        }
        let mut violations = Vec::new();
        for [kind, table, parent] in rows {
            if kind == "r" {
                known.learn(&table, &parent);
            } else {
                violations.push([table, parent]);
            }
        }
        // Tables referencing a renamed one now name its new name.
        *self.lock() = (!renames).then_some(known);
        report(violations)
    }
}

impl ForeignKeyMap {
    /// Notes what migration `name`'s `statements` wrote, for [`Self::check_deferred`].
    /// In one transaction for the whole run, a key only has to hold when it commits:
    /// one check there instead of one per migration (each was about 40% of the run's
    /// work on SQLite), and a key broken by one migration and mended by a later one
    /// is no violation, as a deferred constraint would have it.
    pub fn defer(&self, name: &str, statements: &[String]) {
        let mut deferred = locked(&self.deferred);
        match written_tables(statements) {
            Some(written) if written.rows_unchanged && !written.declares_keys => {}
            Some(written) => {
                for table in written.tables {
                    deferred.touched.insert(table, name.to_string());
                }
            }
            None => deferred.whole = true,
        }
    }

    /// Fails when a row of a table the deferred migrations wrote, or of a table
    /// referencing one, points nowhere; naming the migration that last wrote it.
    pub async fn check_deferred<C: ConnectionTrait>(&self, db: &C) -> Result<(), DbErr> {
        let deferred = std::mem::take(&mut *locked(&self.deferred));
        if deferred.whole {
            return whole_database(db).await;
        }
        if deferred.touched.is_empty() {
            return Ok(());
        }
        // The references as the migrations left them.
        let known = Known::read(db).await?;
        if known.triggers {
            return whole_database(db).await;
        }
        let touched: BTreeSet<String> = deferred.touched.keys().cloned().collect();
        let to_check = known.with_referencing(&touched);
        let sql = format!(
            "{VIOLATIONS} AND m.name COLLATE NOCASE IN ({})",
            placeholders(to_check.len())
        );
        let rows = query(db, &sql, to_check.into_iter().collect()).await?;
        let violations: Vec<[String; 2]> = rows.into_iter().map(|[_, t, p]| [t, p]).collect();
        let by = violations.first().and_then(|[table, parent]| {
            deferred
                .touched
                .get(&fold(table))
                .or_else(|| deferred.touched.get(&fold(parent)))
                .cloned()
        });
        report(violations).map_err(|e| match (e, by) {
            (DbErr::Migration(what), Some(name)) => {
                DbErr::Migration(format!("{what}, written by {name}"))
            }
            (e, _) => e,
        })
    }
}

impl Known {
    async fn read<C: ConnectionTrait>(db: &C) -> Result<Known, DbErr> {
        let sql = format!(
            "SELECT 't', name, '' FROM sqlite_master WHERE type = 'trigger' \
             UNION ALL {REFERENCES}"
        );
        let mut known = Known::default();
        for [kind, child, parent] in query(db, &sql, vec![]).await? {
            if kind == "t" {
                known.triggers = true;
            } else {
                known.learn(&child, &parent);
            }
        }
        Ok(known)
    }

    /// `tables` and every table that references one of them.
    fn with_referencing(&self, tables: &BTreeSet<String>) -> BTreeSet<String> {
        let mut all = tables.clone();
        for table in tables {
            all.extend(self.children.get(table).into_iter().flatten().cloned());
        }
        all
    }

    fn learn(&mut self, child: &str, parent: &str) {
        let (child, parent) = (fold(child), fold(parent));
        self.children
            .entry(parent.clone())
            .or_default()
            .insert(child.clone());
        self.parents.entry(child).or_default().insert(parent);
    }

    /// Drops what is known of `table`'s own references (it is about to be read again).
    fn forget(&mut self, table: &str) {
        for parent in self.parents.remove(table).into_iter().flatten() {
            if let Some(children) = self.children.get_mut(&parent) {
                children.remove(table);
            }
        }
    }
}

/// Fails when a key of the new (empty) `tables` does not match its parent: SQLite
/// reports that only when the table is checked or written.
async fn new_keys<C: ConnectionTrait>(db: &C, tables: &BTreeSet<String>) -> Result<(), DbErr> {
    let sql = vec!["SELECT 'v', \"table\", parent FROM pragma_foreign_key_check(?)"; tables.len()]
        .join(" UNION ALL ");
    let rows = query(db, &sql, tables.iter().cloned().collect()).await?;
    report(rows.into_iter().map(|[_, t, p]| [t, p]).collect())
}

async fn whole_database<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let rows = query(
        db,
        "SELECT \"table\", parent FROM pragma_foreign_key_check",
        vec![],
    )
    .await?;
    report(
        rows.into_iter()
            .map(|[table, parent, _]| [table, parent])
            .collect(),
    )
}

/// `mutex`'s guard, also after a panic while it was held: what it guards is only
/// learnt knowledge, never left half-changed.
fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `?, ?, ?` for `n` values (at least one, so that `IN ()` stays valid SQL).
fn placeholders(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// A table name as SQLite compares them (NOCASE folds ASCII letters only).
fn fold(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn report(violations: Vec<[String; 2]>) -> Result<(), DbErr> {
    match violations.first() {
        None => Ok(()),
        Some([table, parent]) => Err(DbErr::Migration(format!(
            "{} row(s) would violate foreign keys, first in table {table} (referencing {parent})",
            violations.len()
        ))),
    }
}

/// Rows of up to three text columns (missing ones empty).
async fn query<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<String>,
) -> Result<Vec<[String; 3]>, DbErr> {
    let values: Vec<sea_orm::Value> = values.into_iter().map(Into::into).collect();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?;
    Ok(rows
        .iter()
        .map(|row| std::array::from_fn(|i| row.try_get_by_index::<String>(i).unwrap_or_default()))
        .collect())
}

/// What a migration's statements write.
#[derive(Debug, PartialEq)]
pub struct Written {
    /// The tables written to or redefined (folded as SQLite compares names).
    pub tables: BTreeSet<String>,
    /// Every write creates a table from a column list: new tables, empty, and no row
    /// of any other table changed.
    pub rows_unchanged: bool,
    /// A statement names a foreign key (`REFERENCES`).
    pub declares_keys: bool,
    /// A table is renamed.
    pub renames: bool,
}

/// What `statements` write, or None when a statement is of a shape not understood, or
/// nothing was captured.
pub fn written_tables(statements: &[String]) -> Option<Written> {
    use crate::sql::TABLE_NAME as NAME;
    static WRITES: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?is)^(?:CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?|DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?|ALTER\s+TABLE\s+|(?:INSERT|REPLACE)\s+(?:OR\s+[A-Za-z]+\s+)?INTO\s+|UPDATE\s+(?:OR\s+[A-Za-z]+\s+)?|DELETE\s+FROM\s+){NAME}"
        ))
        .unwrap()
    });
    static RENAME_TO: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!(r"(?is)\sRENAME\s+TO\s+{NAME}")).unwrap());
    // Statements that write no table rows: indexes, and reading.
    static HARMLESS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?is)^(?:CREATE\s+(?:UNIQUE\s+)?INDEX\s|DROP\s+INDEX\s|SELECT\s|SAVEPOINT\s|RELEASE\s|PRAGMA\s+[0-9A-Za-z_.]+\s*$)",
        )
        .unwrap()
    });

    if statements.is_empty() {
        return None;
    }
    let mut written = Written {
        tables: BTreeSet::new(),
        rows_unchanged: true,
        declares_keys: false,
        renames: false,
    };
    for statement in statements {
        let sql = statement.trim().trim_end_matches(';').trim_end();
        if sql.contains(';') {
            return None;
        }
        if HARMLESS.is_match(sql) {
            continue;
        }
        let name = WRITES.captures(sql)?.get(1)?;
        written.tables.insert(unquote(name.as_str()));
        // `CREATE TABLE t (...)`, not `CREATE TABLE t AS SELECT ...`.
        let creates_empty = sql
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("create"))
            && sql[name.end()..].trim_start().starts_with('(');
        written.rows_unchanged &= creates_empty;
        // Only a creating migration's keys are checked on their own; any other
        // statement (an INSERT may carry megabytes) is not searched.
        written.declares_keys |= creates_empty && sql.to_ascii_uppercase().contains("REFERENCES");
        if let Some(new) = RENAME_TO.captures(sql).and_then(|c| c.get(1)) {
            written.tables.insert(unquote(new.as_str()));
            written.renames = true;
        }
    }
    Some(written)
}

/// A written table name as SQLite compares it.
fn unquote(name: &str) -> String {
    fold(&crate::sql::bare_table_name(name))
}

#[cfg(test)]
mod tests {
    use super::written_tables;

    fn statements(sql: &[&str]) -> Vec<String> {
        sql.iter().map(|s| s.to_string()).collect()
    }

    fn touched(sql: &[&str]) -> Option<Vec<String>> {
        written_tables(&statements(sql)).map(|w| w.tables.into_iter().collect())
    }

    fn rows_unchanged(sql: &[&str]) -> bool {
        written_tables(&statements(sql)).unwrap().rows_unchanged
    }

    #[test]
    fn only_tables_created_from_a_column_list_leave_every_row_as_it_was() {
        assert!(rows_unchanged(&[
            r#"CREATE TABLE "child" ( "id" integer, "parent_id" integer REFERENCES "parent" ("id") )"#,
            r#"CREATE INDEX "idx-child" ON "child" ("parent_id")"#,
            "create temp table if not exists [t](x)",
        ]));
        for writes in [
            "CREATE TABLE copy AS SELECT * FROM child",
            "INSERT INTO child (id) VALUES (1)",
            "ALTER TABLE child ADD COLUMN note text",
            "ALTER TABLE child RENAME TO kid",
            "DROP TABLE parent",
            "DELETE FROM parent",
        ] {
            assert!(
                !rows_unchanged(&["CREATE TABLE fresh (id integer)", writes]),
                "{writes}"
            );
        }
    }

    #[test]
    fn reads_the_tables_a_migration_writes() {
        assert_eq!(
            touched(&[
                r#"CREATE TABLE IF NOT EXISTS "Users" ( "id" integer )"#,
                r#"CREATE UNIQUE INDEX "idx" ON "users" ("id")"#,
                r#"ALTER TABLE "events" RENAME TO "events__old""#,
                "INSERT INTO `a` SELECT * FROM b",
                r#"DELETE FROM main."odd""name""#,
                "UPDATE OR IGNORE [c] SET x = 1",
                "DROP TABLE IF EXISTS d;",
                "SELECT 1",
            ]),
            Some(
                ["a", "c", "d", "events", "events__old", "odd\"name", "users"]
                    .map(String::from)
                    .to_vec()
            )
        );
    }

    #[test]
    fn anything_else_means_the_whole_database() {
        assert_eq!(touched(&[]), None);
        assert_eq!(touched(&["CREATE TABLE a (x); DELETE FROM b"]), None);
        assert_eq!(touched(&["WITH x AS (SELECT 1) DELETE FROM b"]), None);
        assert_eq!(
            touched(&["CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END"]),
            None
        );
        assert_eq!(touched(&["PRAGMA foreign_keys = ON"]), None);
        assert_eq!(touched(&["PRAGMA foreign_keys"]), Some(vec![]));
    }
}
