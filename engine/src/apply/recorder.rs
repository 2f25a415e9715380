//! A connection that executes nothing and records every statement sent to it: how
//! `sqlmigrate` and `migrate --sql` show the exact SQL a migration would run on the
//! configured backend without touching a database.

use sea_orm::{DatabaseConnection, DbBackend, MockDatabase, MockExecResult, MockRow};

/// How many statements one recording can take. SeaORM's mock connection answers
/// from a prepared queue; this bounds the queue, not anything a user writes.
const CAPACITY: usize = 1 << 14;

/// A recording connection. Queries answer with no rows: a migration that reads the
/// database to decide what to do shows what it runs when it finds nothing.
pub struct Recording {
    pub db: DatabaseConnection,
}

impl Recording {
    pub fn new(backend: DbBackend) -> Self {
        let db = MockDatabase::new(backend)
            .append_exec_results((0..CAPACITY).map(|_| MockExecResult {
                // Inserts check that a row went in.
                rows_affected: 1,
                last_insert_id: 0,
            }))
            .append_query_results((0..CAPACITY).map(|_| Vec::<MockRow>::new()))
            .into_connection();
        Recording { db }
    }

    /// Every statement received, in order, transactions as BEGIN ... COMMIT.
    pub fn finish(self) -> Vec<String> {
        self.db
            .into_transaction_log()
            .iter()
            .flat_map(|txn| txn.statements().iter().map(ToString::to_string))
            .collect()
    }
}

/// Statements as a script, each ending in `;`.
pub fn script(statements: &[String]) -> String {
    let mut out = String::new();
    for statement in statements {
        out += statement.trim_end().trim_end_matches(';');
        out += ";\n";
    }
    out
}
