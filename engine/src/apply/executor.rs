//! Applies and reverts migrations, one transaction each where the backend has
//! transactional DDL, keeping `seaql_migrations` exactly as sea-orm-migration does.

use crate::apply::fk_check::ForeignKeyMap;
use crate::apply::interrupt::{self, Interrupted, Interrupts};
use crate::apply::migrator::{MigrationState, Migrator};
use crate::apply::{bookkeeping, statement_log};
use crate::connection::DbUrl;
use crate::project::sources::Sources;
use anyhow::{Result, anyhow};
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, QueryFilter, TransactionTrait,
};
use sea_orm_migration::{
    IntoSchemaManagerConnection, MigrationTrait, SchemaManager, seaql_migrations,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Runs migrations on `C`: a connection, each migration in a transaction of its own,
/// or (for `migrate --atomic`) a transaction that the whole run happens inside.
pub struct Executor<'a, C = DatabaseConnection> {
    db: &'a C,
    /// `db` is the run's own transaction: migrations run in it directly. A savepoint
    /// each would buy nothing (a failure rolls the whole run back), and PostgreSQL
    /// charges for every one: past 64 subtransactions a transaction's snapshots must
    /// look each one up in pg_subtrans.
    in_run_transaction: bool,
    /// The migrations' sources, to record each applied migration's checksum.
    sources: Option<Sources>,
    installed: AtomicBool,
    /// What `manage_migrations` is like before this run installs it.
    found: bookkeeping::Found,
    /// SQLite: foreign-key enforcement was turned off for the run (see `run_captured`).
    enforcement_off: AtomicBool,
    /// SQLite: what each migration's foreign-key check must cover.
    foreign_keys: ForeignKeyMap,
    /// The migrator's list, built once per run (shared with a nested executor), and
    /// each one's position by name: looking a migration up must not rebuild the list
    /// (quadratic over a long history).
    known: Arc<Known>,
    migrator: Migrator,
    /// Migrations an earlier run left part-way (MySQL/MariaDB), being retried: their
    /// leftovers may be in the database before this run's first statement.
    interrupted_before: HashSet<String>,
    /// Whether an applied migration's row keeps the statements its up() ran (not in a
    /// `--sql` script, where they would only repeat the script).
    keep_statements: bool,
    /// How long a statement may wait for a table lock, and how often a migration that
    /// gave up waiting is tried again.
    lock_waits: LockWaits,
    /// Whether migrations that may run in a transaction do (see `ddl_outside_transactions`).
    ddl_in_transactions: bool,
    /// SIGINT and SIGTERM, taken by the command (see `interrupt`), and where to reach
    /// the database afresh to note what a stopped migration had sent: the run's own
    /// connection may be inside the statement the signal cut short.
    interrupts: Option<(Arc<Interrupts>, DbUrl)>,
    /// In the run's own transaction (`--atomic`): the applied migrations' bookkeeping
    /// rows, written together before it commits ([`Executor::record_applied`]). A
    /// row each after every migration cost a quarter of an `--atomic` run on SQLite,
    /// whose driver prepares each statement again after any DDL.
    unrecorded: Option<std::sync::Mutex<Vec<Unrecorded>>>,
}

/// An applied migration whose bookkeeping rows are still to be written.
struct Unrecorded {
    name: String,
    checksum: Option<String>,
    duration_ms: i64,
    ran: Vec<String>,
    applied_at: i64,
}

struct Known {
    migrations: Vec<Box<dyn MigrationTrait>>,
    /// Each migration's name, in the same order: sea-orm-migration derives a name
    /// from its file's path on every call.
    names: Vec<String>,
    by_name: HashMap<String, usize>,
}

/// Whether the transaction command that just returned did what it said. SeaORM's
/// sqlx connections report a failed BEGIN or COMMIT as an error; the PostgreSQL
/// connection of `simple_protocol` can only keep it, to be asked for.
pub trait Confirm {
    fn confirm(&self) -> impl Future<Output = Result<(), DbErr>> + Send;
}

impl Confirm for DatabaseConnection {
    async fn confirm(&self) -> Result<(), DbErr> {
        if self.get_database_backend() == DbBackend::Postgres {
            crate::connection::simple_protocol::check_transaction_commands(self).await
        } else {
            Ok(())
        }
    }
}

/// Inside a transaction nothing is committed: the owner of the transaction confirms.
impl Confirm for DatabaseTransaction {
    async fn confirm(&self) -> Result<(), DbErr> {
        Ok(())
    }
}

impl<'a, C> Executor<'a, C>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction> + Confirm,
    &'a C: IntoSchemaManagerConnection<'a>,
{
    pub fn new(db: &'a C, migrator: Migrator) -> Self {
        let migrations = migrator.migrations();
        let names: Vec<String> = migrations.iter().map(|m| m.name().to_string()).collect();
        let by_name = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        Executor {
            db,
            in_run_transaction: false,
            sources: None,
            installed: AtomicBool::new(false),
            found: bookkeeping::Found::Unknown,
            enforcement_off: AtomicBool::new(false),
            foreign_keys: ForeignKeyMap::default(),
            known: Arc::new(Known {
                migrations,
                names,
                by_name,
            }),
            migrator,
            interrupted_before: HashSet::new(),
            keep_statements: true,
            lock_waits: LockWaits::default(),
            ddl_in_transactions: true,
            interrupts: None,
            unrecorded: None,
        }
    }

    /// Inside the run's transaction (`--atomic`, SQLite): checks the foreign keys of
    /// what its migrations wrote, before it commits.
    pub async fn check_deferred_foreign_keys(&self) -> Result<(), DbErr> {
        self.foreign_keys.check_deferred(self.db).await
    }

    /// An executor running inside `txn`, opened on this executor's connection: the
    /// same migrations and sources, and the foreign-key enforcement this one set up
    /// (a transaction cannot change it).
    pub fn within<'t>(&self, txn: &'t DatabaseTransaction) -> Executor<'t, DatabaseTransaction> {
        Executor {
            db: txn,
            in_run_transaction: true,
            sources: self.sources.clone(),
            installed: AtomicBool::new(self.installed.load(Ordering::Relaxed)),
            found: self.found,
            enforcement_off: AtomicBool::new(self.enforcement_off.load(Ordering::Relaxed)),
            foreign_keys: ForeignKeyMap::default(),
            known: Arc::clone(&self.known),
            migrator: self.migrator,
            interrupted_before: self.interrupted_before.clone(),
            keep_statements: self.keep_statements,
            lock_waits: self.lock_waits,
            ddl_in_transactions: self.ddl_in_transactions,
            interrupts: self.interrupts.clone(),
            unrecorded: Some(std::sync::Mutex::default()),
        }
    }

    /// Writes the bookkeeping rows of the migrations applied in the run's own
    /// transaction since the last call, in order; nothing outside one.
    pub async fn record_applied(&self) -> Result<(), DbErr> {
        let Some(unrecorded) = &self.unrecorded else {
            return Ok(());
        };
        let rows = std::mem::take(&mut *unrecorded.lock().unwrap_or_else(|e| e.into_inner()));
        // Statements of bounded size: SQLite takes at most 32,766 values in one.
        for chunk in rows.chunks(1000) {
            record(
                self.db,
                chunk.iter().map(|row| (row.name.as_str(), row.applied_at)),
            )
            .await?;
            let rows: Vec<bookkeeping::Row> = chunk
                .iter()
                .map(|row| bookkeeping::Row {
                    name: &row.name,
                    checksum: row.checksum.as_deref(),
                    duration_ms: row.duration_ms,
                    ran: &row.ran,
                })
                .collect();
            bookkeeping::record_all(self.db, &rows).await?;
        }
        Ok(())
    }

    /// Says what `manage_migrations` is like, for a connection that cannot be asked
    /// (one that records, see `recorder`).
    pub fn bookkeeping_found(mut self, found: bookkeeping::Found) -> Self {
        self.found = found;
        self
    }

    /// Decides what a signal during a migration that cannot be rolled back leaves
    /// behind (see `interrupt`); `url` is the database this executor's connection is to.
    pub fn interruptible(mut self, interrupts: Arc<Interrupts>, url: &DbUrl) -> Self {
        self.interrupts = Some((interrupts, url.clone()));
        self
    }

    /// Bounds each statement's wait for a table lock (PostgreSQL, MySQL/MariaDB), and
    /// tries a migration that gave up again, after a pause.
    pub fn lock_waits(mut self, waits: LockWaits) -> Self {
        self.lock_waits = waits;
        self
    }

    /// Runs every migration's DDL outside a transaction and records it after, as on
    /// MySQL: for servers whose DDL is not transactional, or does not mix with the
    /// bookkeeping's DML in one transaction (CockroachDB, YugabyteDB).
    pub fn ddl_outside_transactions(mut self) -> Self {
        self.ddl_in_transactions = false;
        self
    }

    /// Whether migrations run in transactions where they may.
    pub fn runs_ddl_in_transactions(&self) -> bool {
        self.ddl_in_transactions
    }

    /// Applied migrations' rows do not keep the statements their up() ran.
    pub fn without_statements(mut self) -> Self {
        self.keep_statements = false;
        self
    }

    /// Says which migrations an earlier run left part-way, so that a failure of one
    /// of them does not claim the database holds nothing of it.
    pub fn after_interruption(mut self, names: HashSet<String>) -> Self {
        self.interrupted_before = names;
        self
    }

    /// The first of `names` that opts out of transactions on this backend.
    pub fn outside_transactions<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Option<&str> {
        let backend = self.db.get_database_backend();
        names
            .into_iter()
            .filter_map(|name| self.find(name).ok())
            .find(|m| !transactional(backend, *m))
            .map(|m| m.name())
    }

    /// Records checksums of the migrations' sources as they are applied.
    pub fn sources(mut self, sources: Sources) -> Self {
        self.sources = Some(sources);
        self
    }

    /// Every migration in order with its state, and the names of applied migrations
    /// this binary does not have (a newer release applied them, or the code that has
    /// them was rolled back), in name order.
    pub async fn scan(&self) -> Result<(Vec<MigrationState>, Vec<MigrationState>)> {
        let mut applied = self.applied().await?;
        let mut states: Vec<MigrationState> = self
            .known
            .names
            .iter()
            .map(|name| MigrationState {
                name: name.clone(),
                applied_at: applied.remove(name),
            })
            .collect();
        let mut unknown: Vec<MigrationState> = applied
            .into_iter()
            .map(|(name, at)| MigrationState {
                name,
                applied_at: Some(at),
            })
            .collect();
        // Applied migrations this binary lacks may be the originals of a squashed one:
        // a database that applied all of them has what it makes.
        if !unknown.is_empty() {
            for (squashed, originals) in self.replacements() {
                let applied: Vec<i64> = unknown
                    .iter()
                    .filter(|u| originals.contains(&u.name))
                    .filter_map(|u| u.applied_at)
                    .collect();
                if applied.len() != originals.len() {
                    continue;
                }
                if let Some(state) = states.iter_mut().find(|s| s.name == squashed)
                    && state.applied_at.is_none()
                {
                    state.applied_at = applied.iter().max().copied();
                }
                unknown.retain(|u| !originals.contains(&u.name));
            }
        }
        Ok((states, unknown))
    }

    /// Each squashed migration with the migrations it replaces (its source's
    /// `replaces` line, see [`crate::history::replaced`]); none without sources.
    fn replacements(&self) -> Vec<(String, Vec<String>)> {
        let Some(sources) = &self.sources else {
            return Vec::new();
        };
        self.known
            .names
            .iter()
            .filter_map(|name| {
                let originals = crate::history::replaced(&sources.text(name)?);
                (!originals.is_empty()).then(|| (name.clone(), originals))
            })
            .collect()
    }

    /// The migrations `name` replaces (it is a squash of them), if any.
    fn replaced_by(&self, name: &str) -> Vec<String> {
        self.sources
            .as_ref()
            .and_then(|s| s.text(name))
            .map(|text| crate::history::replaced(&text))
            .unwrap_or_default()
    }

    /// Squashed migrations whose originals the database applied only some of (what
    /// `scan` leaves among the unknown): applying the squash on top would repeat what
    /// those did. Each with what to do.
    pub fn partly_replaced(&self, unknown: &[MigrationState]) -> Vec<String> {
        if unknown.is_empty() {
            return Vec::new();
        }
        self.replacements()
            .into_iter()
            .filter_map(|(squashed, originals)| {
                let (applied, missing): (Vec<&String>, Vec<&String>) = originals
                    .iter()
                    .partition(|o| unknown.iter().any(|u| u.name == **o));
                (!applied.is_empty()).then(|| {
                    format!(
                        "the database applied {} of the {} migrations squashed into {squashed} \
                         ({}) but not {}: migrate it with the release before the squash (which \
                         has them) first; then this one takes {squashed} as applied",
                        applied.len(),
                        originals.len(),
                        join(&applied),
                        join(&missing)
                    )
                })
            })
            .collect()
    }

    /// `seaql_migrations` as name → applied_at; empty, and not created, when absent.
    async fn applied(&self) -> Result<BTreeMap<String, i64>, DbErr> {
        let table = self.migrator.table_name().to_string();
        let rows: Option<Vec<(String, i64)>> =
            crate::connection::json_rows::read(self.db, &table, &["version", "applied_at"]).await?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Creates the bookkeeping tables, once, before the first change.
    async fn install(&self) -> Result<(), DbErr> {
        if !self.installed.swap(true, Ordering::Relaxed) {
            self.migrator.install(self.db).await?;
            bookkeeping::install(&SchemaManager::new(self.db), self.found).await?;
        }
        Ok(())
    }

    fn find(&self, name: &str) -> Result<&dyn MigrationTrait> {
        self.known
            .by_name
            .get(name)
            .map(|&i| self.known.migrations[i].as_ref())
            .ok_or_else(|| anyhow!("unknown migration {name}"))
    }

    /// Runs `up()` and records the migration; all or nothing where DDL is transactional.
    pub async fn apply(&self, name: &str) -> Result<Duration> {
        self.run(name, Direction::Up).await
    }

    /// Runs `down()` and forgets the migration; all or nothing where DDL is transactional.
    pub async fn revert(&self, name: &str) -> Result<Duration> {
        self.run(name, Direction::Down).await
    }

    /// Records `name` as applied (`Up`) or not (`Down`) without running it: for a
    /// database whose schema already is what the migration makes.
    pub async fn fake(&self, name: &str, direction: Direction) -> Result<()> {
        self.find(name)?;
        self.install().await?;
        let checksum = self.checksum(name);
        self.bookkeep_alone(name, direction, checksum.as_deref(), 0, &[])
            .await?;
        if direction == Direction::Down {
            self.forget_originals(self.db, name).await?;
        }
        Ok(())
    }

    /// The bookkeeping rows of one step in a transaction of their own (unless the
    /// run is one), so that the two tables change together.
    async fn bookkeep_alone(
        &self,
        name: &str,
        direction: Direction,
        checksum: Option<&str>,
        duration_ms: i64,
        ran: &[String],
    ) -> Result<(), DbErr> {
        let txn = self.begin().await?;
        let manager = self.manager(&txn);
        bookkeep(
            manager.get_connection(),
            name,
            direction,
            checksum,
            duration_ms,
            ran,
        )
        .await?;
        drop(manager);
        self.commit(txn).await
    }

    /// A transaction for one migration, unless the run already is one.
    async fn begin(&self) -> Result<Option<DatabaseTransaction>, DbErr> {
        if self.in_run_transaction {
            Ok(None)
        } else {
            let txn = self.db.begin().await?;
            self.db.confirm().await?;
            Ok(Some(txn))
        }
    }

    async fn commit(&self, txn: Option<DatabaseTransaction>) -> Result<(), DbErr> {
        match txn {
            Some(txn) => {
                txn.commit().await?;
                self.db.confirm().await
            }
            None => Ok(()),
        }
    }

    /// The schema manager of a migration: on its own transaction, else on `db`.
    fn manager<'t>(&'t self, txn: &'t Option<DatabaseTransaction>) -> SchemaManager<'t> {
        match txn {
            Some(txn) => SchemaManager::new(txn),
            None => SchemaManager::new(self.db),
        }
    }

    /// Reverting a squashed migration also forgets the originals a database applied
    /// before the squash: left recorded, they would make it count as applied again.
    async fn forget_originals<D: ConnectionTrait>(&self, db: &D, name: &str) -> Result<(), DbErr> {
        for original in self.replaced_by(name) {
            forget(db, &original).await?;
            bookkeeping::forget(db, &original).await?;
        }
        Ok(())
    }

    /// Sets how long the migration's statements may wait for a table lock, and
    /// run, on PostgreSQL for its transaction (`local`) or the session, on MySQL for the
    /// session. Before the migration's own statements, so never captured as theirs.
    async fn limit_lock_waits<D: ConnectionTrait>(&self, db: &D, local: bool) -> Result<(), DbErr> {
        let waits = self.lock_waits;
        match db.get_database_backend() {
            DbBackend::Postgres => {
                let scope = if local { "LOCAL " } else { "" };
                for (setting, limit) in [
                    ("lock_timeout", waits.timeout),
                    ("statement_timeout", waits.statement_timeout),
                ] {
                    if let Some(limit) = limit {
                        db.execute_unprepared(&format!(
                            "SET {scope}{setting} = '{}ms'",
                            limit.as_millis()
                        ))
                        .await?;
                    }
                }
            }
            DbBackend::MySql => {
                if let Some(limit) = waits.timeout {
                    // MySQL counts whole seconds, at least one.
                    db.execute_unprepared(&format!(
                        "SET SESSION lock_wait_timeout = {}",
                        limit.as_secs().max(1)
                    ))
                    .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// What an applied migration's row keeps of the statements just run.
    fn statements_ran(&self, direction: Direction) -> Vec<String> {
        match direction {
            Direction::Up if self.keep_statements => statement_log::peek(),
            _ => Vec::new(),
        }
    }

    fn checksum(&self, name: &str) -> Option<String> {
        self.sources.as_ref().and_then(|s| s.checksum(name))
    }

    async fn run(&self, name: &str, direction: Direction) -> Result<Duration> {
        let migration = self.find(name)?;
        self.install()
            .await
            .map_err(|e| anyhow!("creating the migration tables: {e}"))?;
        let transactional =
            self.ddl_in_transactions && transactional(self.db.get_database_backend(), migration);
        let mut tries = 0;
        let (result, statements) = loop {
            let result = self.run_captured(migration, direction, transactional).await;
            let statements = statement_log::take();
            let Err(Failure::Migration(err)) = &result else {
                break (result, statements);
            };
            // A statement that gave up waiting for a lock changed nothing; the
            // migration is tried again if nothing of it is left in the database.
            let nothing_left = if transactional {
                !self.in_run_transaction
            } else {
                split_failing(err, &statements).0.is_empty()
                    && !self.interrupted_before.contains(name)
            };
            if tries >= self.lock_waits.retries || !nothing_left || !is_lock_timeout(err) {
                break (result, statements);
            }
            tries += 1;
            let pause = Duration::from_secs((1u64 << (tries - 1).min(4)).min(10));
            crate::ui::warn(&format!(
                "{name} gave up waiting {}s for a table lock (another transaction holds it); \
                 trying again in {}s ({tries} of {})",
                self.lock_waits.timeout.map_or(0, |t| t.as_secs()),
                pause.as_secs(),
                self.lock_waits.retries
            ));
            tokio::time::sleep(pause).await;
        };
        result.map_err(|failure| match failure {
            Failure::Migration(err) => anyhow!(
                "{}",
                failure_report(
                    name,
                    direction,
                    transactional,
                    self.interrupted_before.contains(name),
                    &err,
                    &statements
                )
            ),
            Failure::Interrupted(stopped) => anyhow::Error::new(stopped),
            Failure::Bookkeeping(err) => anyhow!(
                "{} {name}: {err}",
                match direction {
                    Direction::Up => "recording migration",
                    Direction::Down => "forgetting migration",
                }
            ),
        })
    }

    async fn run_captured(
        &self,
        migration: &dyn MigrationTrait,
        direction: Direction,
        transactional: bool,
    ) -> Result<Duration, Failure> {
        let name = migration.name();
        let started = Instant::now();
        let checksum = self.checksum(name);
        let ms = |took: Duration| took.as_millis() as i64;
        if !transactional {
            // Marked before it starts: if the process dies part-way, the next run
            // knows the database is somewhere inside this migration.
            let marker = match direction {
                Direction::Up => bookkeeping::APPLYING,
                Direction::Down => bookkeeping::REVERTING,
            };
            let _window = self.interrupts.as_ref().map(|(i, _)| i.window());
            bookkeeping::record(self.db, name, checksum.as_deref(), marker, &[]).await?;
            self.limit_lock_waits(self.db, false).await?;
            let manager = SchemaManager::new(self.db);
            let ran = match &self.interrupts {
                Some((interrupts, url)) => tokio::select! {
                    biased;
                    ran = run_logged(migration, &manager, direction) => ran,
                    signal = interrupts.signalled() => {
                        interrupts.handle();
                        return Err(self.stopped_inside(name, direction, checksum.as_deref(), signal, url).await);
                    }
                },
                None => run_logged(migration, &manager, direction).await,
            };
            if let Err(failure) = ran {
                return Err(self
                    .failed_inside(name, direction, checksum.as_deref(), failure)
                    .await);
            }
            let took = started.elapsed();
            // The DDL is beyond recall, but the two bookkeeping rows change together.
            self.bookkeep_alone(
                name,
                direction,
                checksum.as_deref(),
                ms(took),
                &self.statements_ran(direction),
            )
            .await?;
            if direction == Direction::Down {
                self.forget_originals(self.db, name).await?;
            }
            return Ok(took);
        }
        // SQLite table rebuilds drop and recreate tables: with foreign keys enforced,
        // that would cascade into referencing tables. Enforcement can only change
        // outside a transaction, so it is off from the first migration to `finish`,
        // and every key is checked before each migration commits instead.
        let sqlite = self.db.get_database_backend() == DbBackend::Sqlite;
        if sqlite {
            self.suspend_foreign_keys().await?;
        }
        let txn = self.begin().await?;
        let manager = self.manager(&txn);
        self.limit_lock_waits(manager.get_connection(), true)
            .await?;
        run_logged(migration, &manager, direction).await?;
        // What is reported now and recorded for `history` is the one figure: the
        // migration's own run, without the bookkeeping and commit around it.
        let took = started.elapsed();
        let conn = manager.get_connection();
        let ran = self.statements_ran(direction);
        match (&self.unrecorded, direction) {
            (Some(unrecorded), Direction::Up) => unrecorded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Unrecorded {
                    name: name.to_string(),
                    checksum,
                    duration_ms: ms(took),
                    ran,
                    applied_at: now_secs(),
                }),
            _ => {
                // Rows in step order: what was applied before this step first.
                self.record_applied().await?;
                bookkeep(conn, name, direction, checksum.as_deref(), ms(took), &ran).await?;
            }
        }
        if direction == Direction::Down {
            self.forget_originals(conn, name).await?;
        }
        if sqlite && self.in_run_transaction {
            self.foreign_keys.defer(name, &statement_log::peek());
        } else if sqlite {
            self.foreign_keys
                .check(conn, &statement_log::peek())
                .await
                .map_err(Failure::Migration)?;
        }
        drop(manager);
        self.commit(txn).await?;
        Ok(took)
    }

    /// What a signal left of a migration that cannot be rolled back: if none of its
    /// statements had been sent, nothing, and the started marker goes (unless an
    /// earlier attempt left it); else the statements sent, the last of which the
    /// server may or may not have finished, and the marker stays and keeps them.
    async fn stopped_inside(
        &self,
        name: &str,
        direction: Direction,
        checksum: Option<&str>,
        signal: interrupt::Signal,
        url: &DbUrl,
    ) -> Failure {
        let sent = statement_log::take();
        if sent.is_empty() && !self.interrupted_before.contains(name) {
            // Nothing was sent, so the connection is idle and can clear the marker.
            let left = match self.clear_marker(name, direction, checksum).await {
                Ok(()) => format!(
                    "{name} had not started: none of it ran, and it is not marked as started"
                ),
                Err(e) => format!(
                    "{name} had not started: none of it ran, but clearing its started marker failed ({e})"
                ),
            };
            return Failure::Interrupted(Interrupted { signal, left });
        }
        // The run's connection may still be inside the last statement: note them on
        // a connection of their own, and do not wait long for it.
        let noted = tokio::time::timeout(NOTE_TIMEOUT, async {
            let db = url.connect().await.map_err(|e| e.to_string())?;
            let noted = bookkeeping::note_sent(&db, name, &sent).await;
            let _ = db.close().await;
            noted.map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {}s", NOTE_TIMEOUT.as_secs())));
        let kept = match noted {
            Ok(()) => "its marker keeps the list".to_string(),
            Err(e) => format!("keeping the list on its marker failed ({e})"),
        };
        let left = format!(
            "{name} stopped part-way and stays marked as started; {} statement(s) of it had been sent \
             (the server may not have finished the last), and {kept}:{}",
            sent.len(),
            statement_log::numbered(&sent)
        );
        Failure::Interrupted(Interrupted { signal, left })
    }

    /// A migration that cannot be rolled back failed: the connection is idle again, so
    /// the marker goes if none of it ran (and no earlier attempt left it), or else
    /// keeps the statements that were sent.
    async fn failed_inside(
        &self,
        name: &str,
        direction: Direction,
        checksum: Option<&str>,
        failure: Failure,
    ) -> Failure {
        let Failure::Migration(err) = &failure else {
            return failure;
        };
        let sent = statement_log::peek();
        let (ran, _) = split_failing(err, &sent);
        let kept = if ran.is_empty() && !self.interrupted_before.contains(name) {
            self.clear_marker(name, direction, checksum).await
        } else {
            bookkeeping::note_sent(self.db, name, &sent).await
        };
        if let Err(e) = kept {
            crate::ui::warn(&format!(
                "updating the started marker of {name} failed: {e}"
            ));
        }
        failure
    }

    /// Takes back the marker of a migration none of which ran.
    async fn clear_marker(
        &self,
        name: &str,
        direction: Direction,
        checksum: Option<&str>,
    ) -> Result<(), DbErr> {
        match direction {
            Direction::Up => bookkeeping::forget(self.db, name).await,
            Direction::Down => bookkeeping::record(self.db, name, checksum, 0, &[]).await,
        }
    }

    /// SQLite: stops enforcing foreign keys on this connection until `finish`, once
    /// per run. Takes effect only outside a transaction.
    pub async fn suspend_foreign_keys(&self) -> Result<(), DbErr> {
        if !self.enforcement_off.swap(true, Ordering::Relaxed) {
            self.db
                .execute_unprepared("PRAGMA foreign_keys = OFF")
                .await?;
        }
        Ok(())
    }

    /// Ends a run: SQLite enforces foreign keys again on this connection.
    pub async fn finish(&self) -> Result<()> {
        if self.enforcement_off.swap(false, Ordering::Relaxed) {
            self.db
                .execute_unprepared("PRAGMA foreign_keys = ON")
                .await?;
        }
        Ok(())
    }
}

/// How long a stopped run tries to note on the marker what its migration had sent.
const NOTE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `migration` runs in a transaction on `backend`: where DDL is
/// transactional, unless the migration opts out (as sea-orm-migration decides).
pub fn transactional(backend: DbBackend, migration: &dyn MigrationTrait) -> bool {
    let default = matches!(backend, DbBackend::Postgres | DbBackend::Sqlite);
    migration.use_transaction().unwrap_or(default)
}

/// The bookkeeping rows of one step: `seaql_migrations` and `manage_migrations`.
async fn bookkeep<C: ConnectionTrait>(
    db: &C,
    name: &str,
    direction: Direction,
    checksum: Option<&str>,
    duration_ms: i64,
    ran: &[String],
) -> Result<(), DbErr> {
    match direction {
        Direction::Up => {
            record(db, [(name, now_secs())]).await?;
            bookkeeping::record(db, name, checksum, duration_ms, ran).await
        }
        Direction::Down => {
            forget(db, name).await?;
            bookkeeping::forget(db, name).await
        }
    }
}

/// Runs the migration itself, its statements captured for the error report.
async fn run_logged(
    migration: &dyn MigrationTrait,
    manager: &SchemaManager<'_>,
    direction: Direction,
) -> Result<(), Failure> {
    statement_log::start();
    let ran = run_code(migration, manager, direction).await;
    statement_log::stop();
    ran.map_err(Failure::Migration)
}

/// A migration's `up()` or `down()`. A panic in its code (an unfinished `todo!()`,
/// a sea-query panic) is its failure, reported and rolled back like an error, not a
/// crash of the whole command; nothing of the run is used after it.
pub async fn run_code(
    migration: &dyn MigrationTrait,
    manager: &SchemaManager<'_>,
    direction: Direction,
) -> Result<(), DbErr> {
    use futures_util::FutureExt;
    let run = async {
        match direction {
            Direction::Up => migration.up(manager).await,
            Direction::Down => migration.down(manager).await,
        }
    };
    match std::panic::AssertUnwindSafe(run).catch_unwind().await {
        Ok(ran) => ran,
        Err(panic) => Err(DbErr::Migration(format!(
            "its code panicked: {}",
            panic_message(panic.as_ref())
        ))),
    }
}

/// The text a panic was raised with (`panic!("...")`, `todo!()`, `unwrap()`).
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Why running a migration failed: its own statements, or recording it afterwards.
enum Failure {
    Migration(DbErr),
    Bookkeeping(DbErr),
    Interrupted(Interrupted),
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Failure::Bookkeeping(err)
    }
}

/// The statements of a failed migration that had run, and the one that failed.
/// Statements announce themselves before they run, so after a database error the
/// last one is the one that failed.
fn split_failing<'s>(err: &DbErr, statements: &'s [String]) -> (&'s [String], Option<&'s String>) {
    match err {
        DbErr::Exec(_) | DbErr::Query(_) => match statements.split_last() {
            Some((last, before)) => (before, Some(last)),
            None => (statements, None),
        },
        _ => (statements, None),
    }
}

/// What a person needs after a failed migration: which statement failed, and whether
/// anything of the migration is left in the database.
fn failure_report(
    name: &str,
    direction: Direction,
    transactional: bool,
    retried: bool,
    err: &DbErr,
    statements: &[String],
) -> String {
    let verb = match direction {
        Direction::Up => "migration",
        Direction::Down => "reverting migration",
    };
    let (ran, failed) = split_failing(err, statements);
    let mut out = format!("{verb} {name} failed: {err}");
    if let Some(statement) = failed {
        out += &format!(
            "\n  failing statement: {}",
            statement_log::one_line(statement)
        );
    }
    if transactional {
        out += "\n  it was rolled back: nothing of it remains in the database.";
        return out;
    }
    if ran.is_empty() && !retried {
        out += "\n  none of its statements had run: nothing of it remains in the database.";
        return out;
    }
    if retried {
        out += "\n  an earlier attempt at it had stopped part-way: what that attempt ran is still \
                in the database (the error above may be the sign of it, such as a table that \
                already exists).";
    }
    if !ran.is_empty() {
        out += &format!(
            "\n  this backend cannot roll back DDL; these {} statement(s) of it had already run and remain applied:",
            ran.len()
        );
        out += &statement_log::numbered(ran);
    }
    out += &match direction {
        Direction::Up => format!(
            "\n  undo what of it ran by hand, then `manage migrate --retry`; or complete the migration by hand, then `manage migrate {name} --fake`."
        ),
        Direction::Down => {
            "\n  restore what it undid by hand, then rerun the rollback with --retry.".into()
        }
    };
    out
}

/// How long a migration's statements may wait for table locks, and how often a
/// migration that gave up is tried again. None: as long as it takes.
#[derive(Debug, Clone, Copy, Default)]
pub struct LockWaits {
    pub timeout: Option<Duration>,
    pub retries: u32,
    /// PostgreSQL's statement_timeout.
    pub statement_timeout: Option<Duration>,
}

/// Whether a statement failed because it gave up waiting for a lock: PostgreSQL's
/// lock_not_available (55P03, what lock_timeout raises), MySQL's lock wait timeout
/// (1205).
fn is_lock_timeout(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && let Some(db) = e.as_database_error()
    {
        if db.code().as_deref() == Some("55P03") {
            return true;
        }
        if let Some(mysql) = db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
            return mysql.number() == 1205;
        }
    }
    // The pooler-safe PostgreSQL connection reports the server's words.
    let text = err.to_string();
    text.contains("canceling statement due to lock timeout")
        || text.contains("Lock wait timeout exceeded")
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    Up,
    Down,
}

/// Now, as `seaql_migrations.applied_at` holds it.
fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// `seaql_migrations` rows for `applied` (name, applied at), in one statement.
async fn record<'n, C: ConnectionTrait>(
    db: &C,
    applied: impl IntoIterator<Item = (&'n str, i64)>,
) -> Result<(), sea_orm::DbErr> {
    seaql_migrations::Entity::insert_many(applied.into_iter().map(|(name, at)| {
        seaql_migrations::ActiveModel {
            version: ActiveValue::Set(name.to_owned()),
            applied_at: ActiveValue::Set(at),
        }
    }))
    // No RETURNING: nothing is read back, and a recording connection has no rows.
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn forget<C: ConnectionTrait>(db: &C, name: &str) -> Result<(), sea_orm::DbErr> {
    seaql_migrations::Entity::delete_many()
        .filter(seaql_migrations::Column::Version.eq(name))
        .exec(db)
        .await?;
    Ok(())
}
