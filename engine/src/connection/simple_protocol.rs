//! A PostgreSQL connection that sends every statement as a simple query, so that a
//! run works the same through a transaction-mode pooler (PgBouncer, a managed
//! database's pooled port) as on a direct connection.
//!
//! SeaORM runs every statement through sqlx's extended protocol, which prepares it as
//! a named statement on the server connection and leaves it there. Behind a pooler in
//! transaction mode, a client's consecutive transactions land on different server
//! connections, which all clients share: a name one client prepared turns up on
//! another's ("prepared statement \"sqlx_s_1\" already exists"), or is missing where
//! it was expected. A simple query carries its SQL whole and leaves nothing behind on
//! the server, so it means the same on any server connection.
//!
//! SeaORM offers two ways to put a connection of one's own under its API: the proxy
//! interface, which does not compile in sea-orm 2.0.4 together with its MySQL driver,
//! and the mock interface, which is synchronous. This is the second: statements
//! arrive with their values, which sea-query's PostgreSQL printer writes into the SQL
//! as literals; a thread of its own owns the sqlx connection and runs each statement
//! while the caller waits (a run executes one statement at a time anyway); rows go
//! back as values by column type.
//!
//! The mock interface gives BEGIN, COMMIT and ROLLBACK no way to fail, so their
//! errors are kept and reported by the connection's `ping`, which here asks nothing
//! of the server: see [`check_transaction_commands`].

use sea_orm::sqlx::postgres::{PgConnectOptions, PgRow};
use sea_orm::sqlx::{self, Column, ConnectOptions, Connection, Row, TypeInfo, ValueRef};
use sea_orm::{
    DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr, ExecResult, MockDatabase,
    MockDatabaseConnection, MockDatabaseTrait, MockExecResult, QueryResult, RuntimeErr, Statement,
    Transaction, Value,
};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, mpsc};

/// Opens one connection to `url`, speaking simple queries under SeaORM's API.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let options = PgConnectOptions::from_str(url)
        .map_err(conn_err)?
        // Sent at start-up by default, where PgBouncer refuses it unless it is listed
        // in ignore_startup_parameters; the server's default prints floats exactly.
        .extra_float_digits(None)
        .statement_cache_capacity(0)
        .disable_statement_logging();
    let (requests, inbox) = mpsc::channel::<Request>();
    let (ready, connected) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("postgres".into())
        .spawn(move || serve(options, ready, inbox))
        .map_err(|e| DbErr::Conn(RuntimeErr::Internal(e.to_string())))?;
    connected
        .await
        .map_err(|_| DbErr::Conn(RuntimeErr::Internal("the connection thread ended".into())))??;
    let conn = SimpleQueries {
        requests,
        depth: 0,
        failure: None,
    };
    Ok(
        DatabaseConnectionType::MockDatabaseConnection(Arc::new(MockDatabaseConnection::new(conn)))
            .into(),
    )
}

/// Fails with the error of the latest BEGIN, COMMIT or ROLLBACK on `db`, if it failed.
/// Call it after each: SeaORM's interface for this connection cannot return them.
pub async fn check_transaction_commands(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}

/// A statement for the connection's thread, and where to send its outcome.
enum Request {
    Execute(String, mpsc::Sender<Result<u64, sqlx::Error>>),
    Query(String, mpsc::Sender<Result<Vec<PgRow>, sqlx::Error>>),
}

/// The connection's thread: connects, then runs statements until the connection is
/// dropped, and says goodbye to the server.
fn serve(
    options: PgConnectOptions,
    ready: tokio::sync::oneshot::Sender<Result<(), DbErr>>,
    inbox: mpsc::Receiver<Request>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(DbErr::Conn(RuntimeErr::Internal(e.to_string()))));
            return;
        }
    };
    runtime.block_on(async move {
        let mut conn = match options.connect().await {
            Ok(conn) => conn,
            Err(e) => {
                let _ = ready.send(Err(conn_err(e)));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        while let Ok(request) = inbox.recv() {
            match request {
                Request::Execute(sql, reply) => {
                    let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = reply.send(done.map(|d| d.rows_affected()));
                }
                Request::Query(sql, reply) => {
                    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&mut conn)
                        .await;
                    let _ = reply.send(rows);
                }
            }
        }
        let _ = conn.close().await;
    });
}

#[derive(Debug)]
struct SimpleQueries {
    requests: mpsc::Sender<Request>,
    /// Open transactions: 1 for BEGIN, more for savepoints inside it.
    depth: usize,
    /// The error of the latest transaction command, until `ping` reports it.
    failure: Option<DbErr>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Request")
    }
}

impl SimpleQueries {
    fn execute_sql(&self, sql: String) -> Result<u64, sqlx::Error> {
        let (reply, outcome) = mpsc::channel();
        self.requests
            .send(Request::Execute(sql, reply))
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        outcome.recv().map_err(|_| sqlx::Error::WorkerCrashed)?
    }

    /// Runs a transaction command, keeping its error for `ping`.
    fn command(&mut self, sql: String) {
        if let Err(e) = self.execute_sql(sql) {
            self.failure.get_or_insert(exec_err(e));
        }
    }
}

impl MockDatabaseTrait for SimpleQueries {
    fn execute(&mut self, _: usize, stmt: Statement) -> Result<ExecResult, DbErr> {
        let rows_affected = self.execute_sql(stmt.to_string()).map_err(exec_err)?;
        // SeaORM builds its results only from its own mock database: one that holds
        // just this result hands it over.
        MockDatabase::new(DbBackend::Postgres)
            .append_exec_results([MockExecResult {
                last_insert_id: 0,
                rows_affected,
            }])
            .execute(0, stmt)
    }

    fn query(&mut self, _: usize, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let (reply, outcome) = mpsc::channel();
        self.requests
            .send(Request::Query(stmt.to_string(), reply))
            .map_err(|_| query_err(sqlx::Error::WorkerCrashed))?;
        let rows = outcome
            .recv()
            .map_err(|_| query_err(sqlx::Error::WorkerCrashed))?
            .map_err(query_err)?;
        let rows = rows.iter().map(values).collect::<Result<Vec<_>, _>>()?;
        MockDatabase::new(DbBackend::Postgres)
            .append_query_results([rows])
            .query(0, stmt)
    }

    fn begin(&mut self) {
        self.depth += 1;
        let sql = match self.depth {
            1 => "BEGIN".to_string(),
            n => format!("SAVEPOINT manage_{n}"),
        };
        self.command(sql);
    }

    fn commit(&mut self) {
        let sql = match self.depth {
            0 | 1 => "COMMIT".to_string(),
            n => format!("RELEASE SAVEPOINT manage_{n}"),
        };
        self.depth = self.depth.saturating_sub(1);
        self.command(sql);
    }

    fn rollback(&mut self) {
        let sql = match self.depth {
            0 | 1 => "ROLLBACK".to_string(),
            n => format!("ROLLBACK TO SAVEPOINT manage_{n}"),
        };
        self.depth = self.depth.saturating_sub(1);
        self.command(sql);
    }

    fn drain_transaction_log(&mut self) -> Vec<Transaction> {
        Vec::new()
    }

    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    /// Reports the latest failed transaction command; see [`check_transaction_commands`].
    fn ping(&self) -> Result<(), DbErr> {
        match &self.failure {
            Some(err) => Err(DbErr::Exec(RuntimeErr::Internal(err.to_string()))),
            None => Ok(()),
        }
    }
}

/// A row of text values as SeaORM values, typed by each column's PostgreSQL type.
fn values(row: &PgRow) -> Result<BTreeMap<String, Value>, DbErr> {
    let mut values = BTreeMap::new();
    for (i, column) in row.columns().iter().enumerate() {
        let raw = row.try_get_raw(i).map_err(query_err)?;
        let text = if raw.is_null() {
            None
        } else {
            Some(
                raw.as_str()
                    .map_err(|e| DbErr::Type(e.to_string()))?
                    .to_string(),
            )
        };
        values.insert(
            column.name().to_string(),
            typed(column.type_info().name(), text)?,
        );
    }
    Ok(values)
}

/// A value in PostgreSQL's text format as the SeaORM value of its type.
fn typed(type_name: &str, text: Option<String>) -> Result<Value, DbErr> {
    fn parse<T: FromStr>(text: &Option<String>, type_name: &str) -> Result<Option<T>, DbErr> {
        text.as_deref()
            .map(|t| {
                t.parse::<T>()
                    .map_err(|_| DbErr::Type(format!("`{t}` is not a {type_name}")))
            })
            .transpose()
    }
    Ok(match type_name {
        "BOOL" => Value::Bool(text.as_deref().map(|t| t == "t")),
        "INT2" => Value::SmallInt(parse(&text, type_name)?),
        "INT4" => Value::Int(parse(&text, type_name)?),
        "INT8" | "OID" => Value::BigInt(parse(&text, type_name)?),
        "FLOAT4" => Value::Float(parse(&text, type_name)?),
        "FLOAT8" => Value::Double(parse(&text, type_name)?),
        _ => Value::String(text),
    })
}

fn conn_err(e: sqlx::Error) -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))
}

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}
