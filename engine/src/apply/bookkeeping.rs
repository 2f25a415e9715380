//! What `seaql_migrations` does not keep: a checksum of each applied migration's file
//! and how long it took, in a table of our own beside it (`manage_migrations`), so
//! sea-orm-migration's table keeps its shape and sea-orm-cli keeps working.
//!
//! A migration that cannot be rolled back (MySQL/MariaDB, or one that opts out of
//! transactions) is marked before it starts; if it stops part-way the marker stays and
//! also keeps the statements it had sent, so that whoever repairs the database later
//! knows what to undo or complete.
//!
//! From it come the integrity problems `migrate` and `check` report: an applied
//! migration whose file changed since, one whose file is gone, and pending migrations
//! older than the newest applied one (what merging two branches produces).

use crate::apply::migrator::MigrationState;
use crate::connection::json_rows;
use crate::project::sources::Sources;
use sea_orm::sea_query::{ColumnDef, Expr, ExprTrait, OnConflict, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, StatementBuilder};
use sea_orm_migration::SchemaManager;
use std::collections::{BTreeMap, HashSet};

pub const TABLE: &str = "manage_migrations";
/// The column of a migration's statements (JSON array of strings): for a marker, those
/// its stopped run had sent; for an applied migration, those its up() ran (kept so
/// that `accept` can tell an edit that changes nothing the database saw). Added by a
/// later release, so tables made earlier gain it on the next run that changes anything.
const SENT: &str = "statements_sent";

/// The most statement text kept for an applied migration: a data migration's bulk
/// inserts are not worth a row's weight.
const RAN_LIMIT: usize = 64 * 1024;

/// `duration_ms` of a migration started on a backend without transactional DDL and
/// not finished (killed, or failed part-way): part of it may be in the database.
pub const APPLYING: i64 = -1;
/// Likewise for a revert.
pub const REVERTING: i64 = -2;

/// A recorded application.
#[derive(Debug, Clone)]
pub struct Record {
    pub checksum: Option<String>,
    pub duration_ms: i64,
    /// A marker's statements: what the run that stopped had sent, in order (the last
    /// may not have taken effect). Empty when not known (the process was killed).
    pub statements_sent: Vec<String>,
}

/// The schema of a migrated database without the bookkeeping tables (`migrations` is
/// the migrator's own, `seaql_migrations` unless it chose another name) and the run
/// lease's.
pub async fn user_schema(
    db: &DatabaseConnection,
    migrations: &str,
    schemas: &[String],
) -> anyhow::Result<crate::schema::Schema> {
    let own = [migrations, TABLE, crate::apply::lock::LEASE_TABLE];
    crate::read::database::introspect(db, &own, schemas).await
}

async fn exec<C: ConnectionTrait, S: StatementBuilder>(db: &C, stmt: &S) -> Result<(), DbErr> {
    db.execute(stmt).await.map(|_| ())
}

/// What the database's table is like, as far as `install` needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Not known: `install` asks the database.
    Unknown,
    /// Absent, or with every column of this release.
    Current,
    /// Made by an earlier release: it lacks `statements_sent`.
    Outdated,
}

/// What `install` will find on `db`; for a recording connection (`migrate --sql`),
/// which cannot be asked.
pub async fn found(db: &DatabaseConnection) -> Result<Found, DbErr> {
    let manager = SchemaManager::new(db);
    if manager.has_table(TABLE).await? && !manager.has_column(TABLE, SENT).await? {
        Ok(Found::Outdated)
    } else {
        Ok(Found::Current)
    }
}

/// Creates the table, or adds what an earlier release's table lacks; `record`,
/// `forget` and `note_sent` expect it.
pub async fn install(manager: &SchemaManager<'_>, found: Found) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let stmt = Table::create()
        .table(TABLE)
        .if_not_exists()
        .col(
            ColumnDef::new("version")
                .string_len(255)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("checksum").string_len(64).null())
        .col(ColumnDef::new("duration_ms").big_integer().not_null())
        .col(ColumnDef::new(SENT).text().null())
        .to_owned();
    exec(db, &stmt).await?;
    let outdated = match found {
        Found::Unknown => !manager.has_column(TABLE, SENT).await?,
        Found::Current => false,
        Found::Outdated => true,
    };
    if outdated {
        let stmt = Table::alter()
            .table(TABLE)
            .add_column(ColumnDef::new(SENT).text().null())
            .to_owned();
        exec(db, &stmt).await?;
    }
    Ok(())
}

/// Records `name` as applied (or marks it started, with a negative `duration_ms`);
/// `ran` is what a finished up() ran, empty otherwise.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    name: &str,
    checksum: Option<&str>,
    duration_ms: i64,
    ran: &[String],
) -> Result<(), DbErr> {
    record_all(
        db,
        &[Row {
            name,
            checksum,
            duration_ms,
            ran,
        }],
    )
    .await
}

/// One migration's row, as [`record`] writes it.
pub struct Row<'a> {
    pub name: &'a str,
    pub checksum: Option<&'a str>,
    pub duration_ms: i64,
    pub ran: &'a [String],
}

/// [`record`] for several migrations (distinct names) in one statement.
pub async fn record_all<C: ConnectionTrait>(db: &C, rows: &[Row<'_>]) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert();
    stmt.into_table(TABLE)
        .columns(["version", "checksum", "duration_ms", SENT]);
    for row in rows {
        let ran = (!row.ran.is_empty()
            && row.ran.iter().map(String::len).sum::<usize>() <= RAN_LIMIT)
            .then(|| serde_json::to_string(row.ran).expect("strings serialize"));
        stmt.values_panic([
            row.name.into(),
            row.checksum.map(str::to_string).into(),
            row.duration_ms.into(),
            ran.into(),
        ]);
    }
    // One upsert: the row may exist already (a marker, or a faked migration). A new
    // marker or a finished step forgets what an earlier stopped attempt had sent.
    stmt.on_conflict(
        OnConflict::column("version")
            .update_columns(["checksum", "duration_ms", SENT])
            .to_owned(),
    );
    exec(db, &stmt).await
}

/// Keeps on `name`'s marker the statements its stopped run had sent.
pub async fn note_sent<C: ConnectionTrait>(
    db: &C,
    name: &str,
    statements: &[String],
) -> Result<(), DbErr> {
    let json = serde_json::to_string(statements).expect("a list of strings serializes");
    let stmt = Query::update()
        .table(TABLE)
        .value(SENT, json)
        .and_where(Expr::col("version").eq(name))
        .and_where(Expr::col("duration_ms").lt(0))
        .to_owned();
    exec(db, &stmt).await
}

/// Replaces the recorded checksum of applied migration `name` (`accept`).
pub async fn set_checksum(
    db: &DatabaseConnection,
    name: &str,
    checksum: &str,
) -> Result<(), DbErr> {
    let stmt = Query::update()
        .table(TABLE)
        .value("checksum", checksum)
        .and_where(Expr::col("version").eq(name))
        .to_owned();
    exec(db, &stmt).await
}

pub async fn forget<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), DbErr> {
    let stmt = Query::delete()
        .from_table(TABLE)
        .and_where(Expr::col("version").eq(name))
        .to_owned();
    exec(db, &stmt).await
}

/// Every record; none before anything was applied (reading creates nothing).
///
/// Applied migrations' statements stay in the table (see [`statements_ran`]): a run
/// at head reads a row per applied migration, and their text would be most of it.
pub async fn records(db: &DatabaseConnection) -> Result<BTreeMap<String, Record>, DbErr> {
    let rows: Option<Vec<(String, Option<String>, i64)>> =
        json_rows::read(db, TABLE, &["version", "checksum", "duration_ms"]).await?;
    let mut records: BTreeMap<String, Record> = rows
        .into_iter()
        .flatten()
        .map(|(name, checksum, duration_ms)| {
            let record = Record {
                checksum,
                duration_ms,
                statements_sent: Vec::new(),
            };
            (name, record)
        })
        .collect();
    // Markers are rare; a table made by an earlier release keeps no statements.
    if records.values().any(|r| r.duration_ms < 0)
        && SchemaManager::new(db).has_column(TABLE, SENT).await?
    {
        let stmt = Query::select()
            .columns(["version", SENT])
            .from(TABLE)
            .and_where(Expr::col("duration_ms").lt(0))
            .to_owned();
        for row in db.query_all(&stmt).await? {
            let name: String = row.try_get("", "version")?;
            let sent: Option<String> = row.try_get("", SENT)?;
            if let (Some(record), Some(json)) = (records.get_mut(&name), sent) {
                record.statements_sent = serde_json::from_str(&json).unwrap_or_default();
            }
        }
    }
    Ok(records)
}

/// Applied migration `name`'s statements, as its up() ran them; None when not kept
/// (applied by an earlier release, faked, or too long) or not applied.
pub async fn statements_ran(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Option<Vec<String>>, DbErr> {
    if !SchemaManager::new(db).has_column(TABLE, SENT).await? {
        return Ok(None);
    }
    let stmt = Query::select()
        .column(SENT)
        .from(TABLE)
        .and_where(Expr::col("version").eq(name))
        .and_where(Expr::col("duration_ms").gte(0))
        .to_owned();
    Ok(db
        .query_one(&stmt)
        .await?
        .and_then(|row| row.try_get::<Option<String>>("", SENT).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// Migrations that migrations/src/lib.rs registers but this binary was not built
/// with: it predates them (`makemigrations` ran, no rebuild followed) or was built
/// from another project. Left unsaid, `migrate` would call the database up to date.
pub fn not_built(states: &[MigrationState], registered: &[String], lib: &str) -> Vec<String> {
    let built: HashSet<&str> = states.iter().map(|s| s.name.as_str()).collect();
    registered
        .iter()
        .filter(|name| !built.contains(name.as_str()))
        .map(|name| {
            format!(
                "migration {name} is registered in {lib} but this binary was built without it: \
                 rebuild (`./manage` does) to apply it"
            )
        })
        .collect()
}

/// Migrations left part-way by a run that died or failed where DDL is not
/// transactional, with what to do. Migrating further on top of them would build on
/// an unknown state, so `migrate` and `rollback` refuse unless told to retry.
pub fn interrupted(records: &BTreeMap<String, Record>) -> Vec<String> {
    records
        .iter()
        .filter_map(|(name, record)| {
            let (what, advice) = match record.duration_ms {
                APPLYING => (
                    "applied",
                    format!(
                        "part of it may be in the database.{}\n  undo what of it ran, then \
                         `manage migrate --retry`; or complete it by hand, then \
                         `manage migrate {name} --fake`",
                        what_was_sent(record)
                    ),
                ),
                REVERTING => (
                    "reverted",
                    format!(
                        "part of it may already be undone.{}\n  restore what it had undone, \
                         then rerun the rollback with --retry",
                        what_was_sent(record)
                    ),
                ),
                _ => return None,
            };
            Some(format!(
                "migration {name} stopped part-way while being {what}, on a backend that cannot \
                 roll back DDL: {advice}"
            ))
        })
        .collect()
}

/// A marker's statements as a numbered list, or why there are none.
fn what_was_sent(record: &Record) -> String {
    if record.statements_sent.is_empty() {
        return "\n  which of its statements ran is not recorded (the process was killed, \
                or the server went away)."
            .into();
    }
    format!(
        "\n  the run that stopped had sent {} statement(s) of it (the last may not have taken effect):{}",
        record.statements_sent.len(),
        crate::apply::statement_log::numbered(&record.statements_sent)
    )
}

/// Fails when a migration was left part-way, unless the user says it was repaired:
/// `retry` (undone by hand, run it again), or `faked`, the steps being recorded
/// without running them (completed by hand), which must include every interrupted
/// migration in the direction it was interrupted in.
pub fn refuse_interrupted(
    records: &BTreeMap<String, Record>,
    retry: bool,
    faked: Option<&Faked>,
) -> anyhow::Result<()> {
    if retry {
        return Ok(());
    }
    let resolved = |name: &str, record: &Record| match faked {
        Some(faked) if record.duration_ms == APPLYING => faked.applied.contains(name),
        Some(faked) if record.duration_ms == REVERTING => faked.reverted.contains(name),
        _ => false,
    };
    let unresolved: BTreeMap<String, Record> = records
        .iter()
        .filter(|(_, record)| matches!(record.duration_ms, APPLYING | REVERTING))
        .filter(|(name, record)| !resolved(name, record))
        .map(|(name, record)| (name.clone(), record.clone()))
        .collect();
    match interrupted(&unresolved).into_iter().next() {
        Some(problem) => anyhow::bail!("{problem}"),
        None => Ok(()),
    }
}

/// What a `--fake` run records without running.
#[derive(Default)]
pub struct Faked {
    pub applied: HashSet<String>,
    pub reverted: HashSet<String>,
}

/// Names of the migrations left part-way (see [`interrupted`]).
pub fn interrupted_names(records: &BTreeMap<String, Record>) -> HashSet<String> {
    records
        .iter()
        .filter(|(_, r)| matches!(r.duration_ms, APPLYING | REVERTING))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Applied migrations this binary does not have, in a sentence; None when there are
/// none. During a rolling deploy a newer release migrates first and the older replicas
/// still running see its migrations: a state to report, not one to stop at.
pub fn unknown_applied(unknown: &[MigrationState], database: &str) -> Option<String> {
    if unknown.is_empty() {
        return None;
    }
    let names: Vec<&str> = unknown.iter().map(|s| s.name.as_str()).collect();
    Some(format!(
        "{} has {} applied migration(s) this binary does not have: {} \
         (applied by a newer release, or this code is older than the database)",
        database,
        names.len(),
        names.join(", ")
    ))
}

/// What `--fail-on-unknown` and the status commands do with [`unknown_applied`]:
/// an error when asked for one, else a warning.
pub fn tolerate_unknown(
    unknown: &[MigrationState],
    database: &str,
    fail: bool,
) -> anyhow::Result<()> {
    match unknown_applied(unknown, database) {
        Some(problem) if fail => anyhow::bail!("{problem}; refusing to go on (--fail-on-unknown)"),
        Some(problem) => {
            crate::ui::warn(&format!("{problem}; they are left as they are"));
            Ok(())
        }
        None => Ok(()),
    }
}

/// Integrity problems, each with what to do about it (besides [`interrupted`]).
pub fn problems(
    states: &[MigrationState],
    unknown_applied: &[MigrationState],
    records: &BTreeMap<String, Record>,
    sources: &Sources,
) -> Vec<String> {
    let mut out = Vec::new();
    for s in states.iter().filter(|s| s.applied_at.is_some()) {
        let now = sources.checksum(&s.name);
        match (
            records.get(&s.name).and_then(|r| r.checksum.as_deref()),
            now,
        ) {
            (_, None) => out.push(format!(
                "migration {} is applied but {}: restore the file from version control",
                s.name,
                sources.missing(&s.name)
            )),
            (Some(then), Some(now)) if then != now => out.push(format!(
                "migration {} was edited after it was applied (checksum {} then, {} now): \
                 restore it and put the change in a new migration, or roll it back first",
                s.name,
                short(then),
                short(&now)
            )),
            _ => {}
        }
    }
    for name in unknown_applied.iter().map(|s| &s.name) {
        out.push(format!(
            "migration {name} is recorded as applied but this code does not have it: \
             deploy the release that has it, or roll the database back with that release"
        ));
    }
    if let Some((older, newest)) = out_of_order(states) {
        out.push(format!(
            "pending migration(s) older than the newest applied one ({}), as merging branches produces: \
             `manage migrate` applies them; check that they do not conflict with {newest}",
            older.join(", "),
        ));
    }
    out
}

/// Pending migrations listed before the newest applied one (what merging two branches
/// produces), and that newest one.
pub fn out_of_order(states: &[MigrationState]) -> Option<(Vec<&str>, &str)> {
    let newest = states.iter().rposition(|s| s.applied_at.is_some())?;
    let older: Vec<&str> = states[..newest]
        .iter()
        .filter(|s| s.applied_at.is_none())
        .map(|s| s.name.as_str())
        .collect();
    (!older.is_empty()).then(|| (older, states[newest].name.as_str()))
}

/// The first 12 characters of a checksum, as people compare them; a recorded value
/// that is not a checksum at all is shown whole.
fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}
