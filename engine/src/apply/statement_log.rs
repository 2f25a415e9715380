//! The SQL a migration runs, as it runs.
//!
//! SeaORM (feature `debug-print`) emits every statement as a tracing event just
//! before executing it, on every path: built statements, raw queries and
//! `execute_unprepared`. Between [`start`] and [`stop`] those events are collected, so when
//! a migration fails the last statement captured is the one that failed and the ones
//! before it had already run.
//!
//! Outside [`start`]..[`stop`] an event costs a check of one flag.

use std::sync::{Mutex, MutexGuard, Once};
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Whether statements are being collected, and those collected so far.
static CAPTURED: Mutex<Captured> = Mutex::new(Captured {
    active: false,
    statements: Vec::new(),
    from_transaction: false,
});

struct Captured {
    active: bool,
    statements: Vec<String>,
    /// The last statement came from a transaction, which announces what it sends and
    /// then, for the proxy and mock drivers (PostgreSQL's simple protocol, recordings),
    /// hands it to the driver, which announces it again.
    from_transaction: bool,
}

fn captured() -> MutexGuard<'static, Captured> {
    CAPTURED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Starts collecting afresh. Collections are not nested: migrations run one at a time.
pub fn start() {
    install();
    let mut captured = captured();
    captured.active = true;
    captured.statements.clear();
    captured.from_transaction = false;
}

/// Stops collecting, keeping what was collected.
pub fn stop() {
    captured().active = false;
}

/// The statements collected so far, leaving them in place.
pub fn peek() -> Vec<String> {
    captured().statements.clone()
}

/// Stops collecting and returns the statements collected, in the order they ran.
pub fn take() -> Vec<String> {
    let mut captured = captured();
    captured.active = false;
    std::mem::take(&mut captured.statements)
}

/// Statements as a numbered list for a report, one indented line each.
pub fn numbered(statements: &[String]) -> String {
    statements
        .iter()
        .enumerate()
        .map(|(i, statement)| format!("\n    {}. {}", i + 1, one_line(statement)))
        .collect()
}

/// A statement on one line, shortened past a screenful.
pub fn one_line(statement: &str) -> String {
    let flat = statement.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(400) {
        Some((cut, _)) => format!("{} ...", &flat[..cut]),
        None => flat,
    }
}

/// Makes the statement collector the process's tracing subscriber, once.
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only if the embedding program set its own subscriber; statements
        // are then not named in errors, which is all this is for.
        let _ =
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Collector));
    });
}

/// Whether an event is SeaORM announcing a statement it is about to execute.
fn announces_statement(meta: &Metadata<'_>) -> bool {
    meta.is_event()
        && *meta.level() == Level::DEBUG
        && (meta.target().starts_with("sea_orm::driver::")
            || meta.target() == "sea_orm::database::transaction")
}

struct Collector;

impl<S: Subscriber> Layer<S> for Collector {
    // Everything else is never even constructed.
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if announces_statement(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        announces_statement(meta)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut captured = captured();
        if !captured.active {
            return;
        }
        let mut message = Message(None);
        event.record(&mut message);
        let Some(statement) = message.0 else {
            return;
        };
        let target = event.metadata().target();
        let from_transaction = target == "sea_orm::database::transaction";
        let repeated = captured.from_transaction
            && matches!(target, "sea_orm::driver::proxy" | "sea_orm::driver::mock")
            && captured.statements.last() == Some(&statement);
        captured.from_transaction = from_transaction;
        if !repeated {
            captured.statements.push(statement);
        }
    }
}

struct Message(Option<String>);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, TransactionTrait};

    #[test]
    fn a_statement_a_transaction_hands_to_its_driver_is_captured_once() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let recording = crate::apply::recorder::Recording::new(sea_orm::DbBackend::Postgres);
            super::start();
            let txn = recording.db.begin().await.unwrap();
            txn.execute_unprepared("CREATE TABLE t (id integer)")
                .await
                .unwrap();
            // The same statement again is another statement.
            txn.execute_unprepared("CREATE TABLE t (id integer)")
                .await
                .unwrap();
            txn.commit().await.unwrap();
            assert_eq!(
                super::take(),
                ["CREATE TABLE t (id integer)", "CREATE TABLE t (id integer)"]
            );
        });
    }

    #[test]
    fn captures_every_statement_path_in_order() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let db = Database::connect("sqlite::memory:").await.unwrap();
            db.execute_unprepared("CREATE TABLE before_capture (id INTEGER)")
                .await
                .unwrap();
            super::start();
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("CREATE TABLE t (id INTEGER)")
                .await
                .unwrap();
            txn.execute_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "INSERT INTO t (id) VALUES (1)",
            ))
            .await
            .unwrap();
            let failed = txn
                .execute_unprepared("INSERT INTO missing VALUES (1)")
                .await;
            assert!(failed.is_err());
            super::stop();
            txn.execute_unprepared("DROP TABLE t").await.unwrap();
            assert_eq!(
                super::take(),
                [
                    "CREATE TABLE t (id INTEGER)",
                    "INSERT INTO t (id) VALUES (1)",
                    "INSERT INTO missing VALUES (1)"
                ]
            );
        });
    }
}
