//! Connecting to the database. In: where it is (`--database-url`, then `DATABASE_URL`
//! from the environment, then from the project's `.env`, then the embedded SQLite
//! default). Out: one connection for the run, opened with the options every command
//! relies on, or an error that says whether waiting could help (`--wait`). Passwords
//! never leave here in a message (`redact`).

mod cpu_pin;
pub mod json_rows;
pub mod redact;
pub mod server;
pub(crate) mod simple_protocol;

use anyhow::{Context, Result, bail};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use std::path::Path;
use std::time::Duration;

/// Rows SQLite's driver may hand over before it waits for them to be read: more than
/// the bookkeeping rows of any history of a realistic size.
const SQLITE_ROW_BUFFER: usize = 4096;

/// How long a server may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A database URL that never shows its password.
#[derive(Clone)]
pub struct DbUrl {
    url: String,
}

impl DbUrl {
    /// Resolves the URL in order of precedence.
    pub fn resolve(flag: Option<&str>, root: &Path) -> Result<DbUrl> {
        if let Some(url) = flag {
            return DbUrl::parse(url);
        }
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return DbUrl::parse(&url);
        }
        let dotenv = root.join(".env");
        if dotenv.is_file() {
            for item in dotenvy::from_path_iter(&dotenv)
                .with_context(|| format!("reading {}", dotenv.display()))?
            {
                let (key, value) =
                    item.with_context(|| format!("{} is not a valid .env file", dotenv.display()))?;
                if key == "DATABASE_URL" {
                    return DbUrl::parse(&value);
                }
            }
        }
        DbUrl::parse(&format!(
            "sqlite://{}?mode=rwc",
            root.join("db.sqlite3").display()
        ))
    }

    /// Parses and checks a URL, refusing up front what could only fail later or, worse,
    /// quietly do something else: no database name, no SQLite file, parameters the
    /// driver would ignore.
    pub fn parse(url: &str) -> Result<DbUrl> {
        let url = url.trim();
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        let redacted = redact::password(url, url);
        let url = match scheme {
            "sqlite" => check_sqlite(url, &redacted)?,
            "postgres" => check_server(url, DbBackend::Postgres, &redacted)?,
            // SeaORM takes only the short spelling.
            "postgresql" => check_server(
                &format!("postgres{}", &url["postgresql".len()..]),
                DbBackend::Postgres,
                &redacted,
            )?,
            "mysql" => check_server(url, DbBackend::MySql, &redacted)?,
            // The MySQL driver speaks to MariaDB; sqlx knows it only as mysql://.
            "mariadb" => check_server(
                &format!("mysql{}", &url["mariadb".len()..]),
                DbBackend::MySql,
                &redacted,
            )?,
            _ => bail!(
                "unsupported database URL `{redacted}`: expected sqlite://, postgres:// or mysql:// (mariadb:// too)"
            ),
        };
        Ok(DbUrl { url })
    }

    /// The backend, for commands that only render SQL for it (no connection).
    pub fn require_backend(&self) -> anyhow::Result<DbBackend> {
        self.backend()
            .ok_or_else(|| anyhow::anyhow!("cannot tell the backend from {}", self.describe()))
    }

    pub fn backend(&self) -> Option<DbBackend> {
        let scheme = self.url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Some(DbBackend::Sqlite),
            "postgres" | "postgresql" => Some(DbBackend::Postgres),
            "mysql" | "mariadb" => Some(DbBackend::MySql),
            _ => None,
        }
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact::password(&self.url, &self.url)
    }

    /// "database `app` on 127.0.0.1:5432": what a person needs to find it.
    pub fn describe(&self) -> String {
        if self.backend() == Some(DbBackend::Sqlite) {
            let path = self
                .url
                .trim_start_matches("sqlite:")
                .trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            return format!("SQLite database {path}");
        }
        match url::Url::parse(&self.url) {
            Ok(u) => format!(
                "database `{}` on {}:{}",
                u.path().trim_start_matches('/'),
                u.host_str().unwrap_or("localhost"),
                u.port_or_known_default()
                    .map_or_else(|| "default port".to_string(), |p| p.to_string()),
            ),
            Err(_) => self.redacted(),
        }
    }

    /// Removes this URL's password from any text, such as a driver's error message.
    pub fn scrub(&self, text: &str) -> String {
        redact::password(&redact::urls(text), &self.url)
    }

    /// The file of a SQLite URL; None for other backends and in-memory databases.
    pub fn sqlite_path(&self) -> Option<String> {
        if self.backend() != Some(DbBackend::Sqlite) {
            return None;
        }
        let rest = self
            .url
            .trim_start_matches("sqlite:")
            .trim_start_matches("//");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
            return None;
        }
        Some(path.to_string())
    }

    /// The same server and credentials, database `name` (PostgreSQL, MySQL).
    pub fn with_database(&self, name: &str) -> Result<DbUrl> {
        let mut url = url::Url::parse(&self.url)
            .with_context(|| format!("`{}` is not a URL", self.redacted()))?;
        url.set_path(&format!("/{name}"));
        Ok(DbUrl {
            url: url.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether this is an in-memory SQLite database, which is gone when `manage` exits.
    pub fn is_sqlite_memory(&self) -> bool {
        self.backend() == Some(DbBackend::Sqlite) && self.sqlite_path().is_none()
    }

    pub async fn connect(&self) -> Result<DatabaseConnection, ConnectError> {
        if self.is_sqlite_memory() {
            return Err(ConnectError::permanent(anyhow::anyhow!(
                "`{}` is an in-memory SQLite database: it would be migrated and then vanish when \
                 manage exits; give a file, e.g. sqlite://db.sqlite3?mode=rwc",
                self.redacted()
            )));
        }
        if let Some(problem) = self.sqlite_file_problem() {
            return Err(ConnectError::permanent(problem));
        }
        self.probe().await?;
        let mut options = ConnectOptions::new(self.url.clone());
        // One connection for the whole run: each new one costs a server process and,
        // over TLS, a handshake (about 90 ms on a local PostgreSQL), and the migration
        // lock (a session lock) and SQLite's foreign_keys setting live on it. Nothing
        // runs two statements at once, so it is never pinged before reuse either.
        options
            .sqlx_logging(false)
            .max_connections(1)
            .test_before_acquire(false)
            .connect_timeout(CONNECT_TIMEOUT)
            .acquire_timeout(Duration::from_secs(30))
            // SQLite's driver thread hands rows over through a channel of 50; once it
            // is full, every row taken wakes the driver for one more, so reading the
            // applied lists (a row per migration) became a thread switch per row.
            // Past the larger buffer the driver still waits for the reader.
            .map_sqlx_sqlite_opts(|sqlite| sqlite.row_buffer_size(SQLITE_ROW_BUFFER));
        match self.backend() {
            // Simple queries only, so that the same run works through a
            // transaction-mode pooler (see `simple_protocol`).
            Some(DbBackend::Postgres) => self.connect_simple().await,
            Some(DbBackend::Sqlite) => {
                // The driver's thread starts inside `connect` and keeps this processor.
                let _pinned = cpu_pin::while_opening();
                Database::connect(options)
                    .await
                    .map_err(|e| self.connect_error(&e))
            }
            _ => Database::connect(options)
                .await
                .map_err(|e| self.connect_error(&e)),
        }
    }

    /// A PostgreSQL connection that speaks only simple queries, without the probe.
    pub(crate) async fn connect_simple(&self) -> Result<DatabaseConnection, ConnectError> {
        match tokio::time::timeout(
            CONNECT_TIMEOUT,
            crate::connection::simple_protocol::connect(&self.url),
        )
        .await
        {
            Ok(connected) => connected.map_err(|e| self.connect_error(&e)),
            Err(_) => Err(ConnectError::transient(anyhow::anyhow!(
                "cannot connect to {}: no answer within {}s",
                self.describe(),
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }

    /// A connection for schema discovery (sea-schema reads through sqlx's own pool):
    /// on PostgreSQL a pooled sqlx connection, elsewhere the usual one.
    pub async fn connect_for_discovery(&self) -> Result<DatabaseConnection, ConnectError> {
        if self.backend() != Some(DbBackend::Postgres) {
            return self.connect().await;
        }
        let mut options = ConnectOptions::new(self.url.clone());
        options
            .sqlx_logging(false)
            .max_connections(1)
            .connect_timeout(CONNECT_TIMEOUT);
        Database::connect(options)
            .await
            .map_err(|e| self.connect_error(&e))
    }

    /// SQLite opens a missing file only with `mode=rwc`; say so rather than "unable to
    /// open database file".
    fn sqlite_file_problem(&self) -> Option<anyhow::Error> {
        let path = Path::new(self.sqlite_path()?.as_str()).to_path_buf();
        let creates = self.url.contains("mode=rwc");
        if path.exists() {
            return None;
        }
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir.filter(|d| !d.is_dir()) {
            return Some(anyhow::anyhow!(
                "cannot open SQLite database {}: directory {} does not exist",
                path.display(),
                dir.display()
            ));
        }
        (!creates).then(|| {
            anyhow::anyhow!(
                "SQLite database {} does not exist; add ?mode=rwc to the URL to create it \
                 (sqlite://{}?mode=rwc)",
                path.display(),
                path.display()
            )
        })
    }

    /// The driver's error in plain words, and whether waiting could make it go away.
    fn connect_error(&self, err: &sea_orm::DbErr) -> ConnectError {
        use sea_orm::sqlx::Error as Sqlx;
        use sea_orm::{DbErr, RuntimeErr};
        let detail = self.scrub(&err.to_string());
        let (what, transient) = match err {
            DbErr::Conn(RuntimeErr::SqlxError(e)) => match &**e {
                Sqlx::Database(db) => (
                    self.server_refusal(db.as_ref()),
                    db.is_transient_in_connect_phase() || mysql_too_many(db.as_ref()),
                ),
                Sqlx::Io(_) | Sqlx::PoolTimedOut => (None, true),
                Sqlx::Tls(_) => (
                    Some("the TLS handshake failed (check sslmode and the certificates)".into()),
                    false,
                ),
                Sqlx::Protocol(_) => (
                    Some(format!(
                        "the server does not speak the {} protocol: is this the right port?",
                        self.protocol()
                    )),
                    false,
                ),
                _ => (None, false),
            },
            _ => (None, false),
        };
        let message = match what {
            Some(what) => format!("cannot connect to {}: {what} ({detail})", self.describe()),
            None => format!("cannot connect to {}: {detail}", self.describe()),
        };
        ConnectError {
            error: anyhow::anyhow!(message),
            transient,
        }
    }

    /// What a server's refusal to let us in means, for the errors people cause.
    fn server_refusal(&self, db: &dyn sea_orm::sqlx::error::DatabaseError) -> Option<String> {
        let u = url::Url::parse(&self.url).ok()?;
        let user = u.username();
        let database = u.path().trim_start_matches('/');
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        let mysql = db
            .try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>()
            .map(|e| e.number());
        match (code.as_str(), mysql) {
            ("3D000", _) | (_, Some(1049)) => Some(format!(
                "database `{database}` does not exist on the server; create it first"
            )),
            ("28P01" | "28000", _) | (_, Some(1045 | 1698)) => Some(format!(
                "authentication failed for user `{user}`: check the user name and password"
            )),
            (_, Some(1044)) => Some(format!("user `{user}` may not use database `{database}`")),
            _ => None,
        }
    }

    fn protocol(&self) -> &'static str {
        match self.backend() {
            Some(DbBackend::Postgres) => "PostgreSQL",
            Some(DbBackend::MySql) => "MySQL/MariaDB",
            _ => "SQLite",
        }
    }
}

/// MySQL's "too many connections" (1040), which passes once others disconnect.
fn mysql_too_many(db: &dyn sea_orm::sqlx::error::DatabaseError) -> bool {
    db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>()
        .is_some_and(|e| e.number() == 1040)
}

/// Why connecting failed, and whether it is worth waiting for (`--wait`): a server
/// that is not up yet, or full, may be fine in a moment; a wrong password or a
/// missing database never will.
#[derive(Debug, thiserror::Error)]
#[error("{error:#}")]
pub struct ConnectError {
    error: anyhow::Error,
    pub transient: bool,
}

impl ConnectError {
    fn permanent(error: anyhow::Error) -> Self {
        ConnectError {
            error,
            transient: false,
        }
    }

    fn transient(error: anyhow::Error) -> Self {
        ConnectError {
            error,
            transient: true,
        }
    }
}

impl DbUrl {
    /// Fails fast, and in plain words, when nothing listens at the server's address,
    /// or what listens is not a MySQL server (which greets first); the driver would
    /// otherwise wait until its timeout and report a pool error.
    async fn probe(&self) -> Result<(), ConnectError> {
        use tokio::io::AsyncReadExt;
        use tokio::net::TcpStream;
        let Ok(u) = url::Url::parse(&self.url) else {
            return Ok(());
        };
        let (Some(host), Some(port)) = (
            u.host_str(),
            u.port_or_known_default().or(match self.backend() {
                Some(DbBackend::Postgres) => Some(5432),
                Some(DbBackend::MySql) => Some(3306),
                _ => None,
            }),
        ) else {
            return Ok(());
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let unreachable = |e: String| {
            ConnectError::transient(anyhow::anyhow!(
                "cannot connect to {}: {e} (is the server running and reachable?)",
                self.describe()
            ))
        };
        let mut stream =
            match tokio::time::timeout(Duration::from_secs(5), TcpStream::connect((host, port)))
                .await
            {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => return Err(unreachable(e.to_string())),
                Err(_) => return Err(unreachable("no answer within 5s".into())),
            };
        if self.backend() == Some(DbBackend::MySql) {
            let mut first = [0u8; 1];
            let greeted =
                tokio::time::timeout(Duration::from_secs(3), stream.read(&mut first)).await;
            if !matches!(greeted, Ok(Ok(1))) {
                return Err(ConnectError::permanent(anyhow::anyhow!(
                    "cannot connect to {}: the server at {host}:{port} did not greet as a MySQL/MariaDB \
                     server does; is this the port of another kind of server (PostgreSQL listens on 5432)?",
                    self.describe()
                )));
            }
        }
        Ok(())
    }
}

impl DbUrl {
    /// Connects, retrying with backoff for up to `wait` while the database is not up.
    pub async fn connect_waiting(&self, wait: Duration) -> Result<DatabaseConnection> {
        let deadline = std::time::Instant::now() + wait;
        let mut delay = Duration::from_millis(250);
        let mut attempt = 1;
        loop {
            match self.connect().await {
                Ok(db) => return Ok(db),
                Err(e) if !e.transient => return Err(e.into()),
                Err(e) if std::time::Instant::now() + delay < deadline => {
                    eprintln!("waiting for the database (attempt {attempt}): {e:#}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                    attempt += 1;
                }
                Err(e) if wait.is_zero() => return Err(e.into()),
                Err(e) => {
                    return Err(anyhow::Error::from(e).context(format!(
                        "the database did not come up within {}s",
                        wait.as_secs()
                    )));
                }
            }
        }
    }
}

/// A SQLite URL that names a file (or is explicitly in memory), as the driver takes it.
fn check_sqlite(url: &str, redacted: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() && !rest.contains("mode=memory") {
        bail!(
            "`{redacted}` names no SQLite file: write sqlite://path/to/db.sqlite3?mode=rwc \
             (mode=rwc creates the file when missing)"
        );
    }
    Ok(url.to_string())
}

/// Connection parameters the driver acts on; anything else it would silently ignore.
const POSTGRES_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];
const MYSQL_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslca",
    "ssl-ca",
    "charset",
    "collation",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "socket",
    "timezone",
    "time-zone",
];

/// A server URL that names its database and only parameters the driver acts on.
/// PostgreSQL's `currentSchema` (as JDBC spells it) becomes the `search_path` the
/// connection starts with.
fn check_server(url: &str, backend: DbBackend, redacted: &str) -> Result<String> {
    let mut u =
        url::Url::parse(url).with_context(|| format!("malformed database URL `{redacted}`"))?;
    let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
    let postgres = backend == DbBackend::Postgres;
    let named_in_query = postgres && pairs.iter().any(|(k, _)| k == "dbname");
    if u.path().trim_start_matches('/').is_empty() && !named_in_query {
        let example = if postgres {
            "postgres://user@host:5432/app"
        } else {
            "mysql://user@host:3306/app"
        };
        bail!("`{redacted}` names no database: add its name after the host, as in {example}");
    }
    let known = if postgres {
        POSTGRES_PARAMETERS
    } else {
        MYSQL_PARAMETERS
    };
    let mut kept = Vec::new();
    let mut search_path = None;
    for (key, value) in pairs {
        if postgres && (key == "currentSchema" || key == "search_path") {
            if value.is_empty() || value.contains(char::is_whitespace) {
                bail!(
                    "`{key}={value}` in `{redacted}`: give schema names separated by commas, without spaces"
                );
            }
            search_path = Some(value);
        } else if key == "sslmode" || key == "ssl-mode" {
            let modes: &[&str] = if postgres {
                &[
                    "disable",
                    "allow",
                    "prefer",
                    "require",
                    "verify-ca",
                    "verify-full",
                ]
            } else {
                &[
                    "disabled",
                    "preferred",
                    "required",
                    "verify_ca",
                    "verify_identity",
                ]
            };
            if !modes.iter().any(|m| m.eq_ignore_ascii_case(&value)) {
                bail!(
                    "`{key}={value}` in `{redacted}`: expected one of {}",
                    modes.join(", ")
                );
            }
            kept.push((key, value));
        } else if known.contains(&key.as_str()) || (postgres && key.starts_with("options[")) {
            kept.push((key, value));
        } else {
            bail!(
                "unknown parameter `{key}` in database URL `{redacted}`; the driver takes: {}",
                known.join(", ")
            );
        }
    }
    if let Some(path) = search_path {
        let option = format!("-c search_path={path}");
        match kept.iter_mut().find(|(k, _)| k == "options") {
            Some((_, options)) => *options = format!("{options} {option}"),
            None => kept.push(("options".into(), option)),
        }
    }
    if kept.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(kept);
    }
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = DbUrl::parse("postgres://app:s3cr%40t@db.example:5433/shop").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db.example:5433/shop");
        assert_eq!(url.describe(), "database `shop` on db.example:5433");
        assert_eq!(url.scrub("auth failed for s3cr@t"), "auth failed for ***");
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(DbUrl::parse("oracle://x").is_err());
    }

    #[test]
    fn urls_that_would_do_something_else_are_refused() {
        let refused = |url: &str| {
            DbUrl::parse(url)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(refused("postgres://u@db:5432").contains("names no database"));
        assert!(refused("postgres://u@db:5432/").contains("names no database"));
        assert!(refused("mysql://root@db:3306").contains("names no database"));
        assert!(refused("sqlite://").contains("names no SQLite file"));
        assert!(
            refused("postgres://u@db/app?sslmod=require").contains("unknown parameter `sslmod`")
        );
        assert!(refused("mysql://u@db/app?search_path=x").contains("unknown parameter"));
        assert!(DbUrl::parse("postgres://u@db:5432/?dbname=app").is_ok());
        assert!(DbUrl::parse("sqlite::memory:").unwrap().is_sqlite_memory());
    }

    #[test]
    fn mariadb_is_mysql_and_current_schema_is_the_search_path() {
        let url = DbUrl::parse("mariadb://root@db:3306/app").unwrap();
        assert_eq!(url.as_str(), "mysql://root@db:3306/app");
        assert_eq!(url.backend(), Some(DbBackend::MySql));
        let url = DbUrl::parse("postgres://u@db/app?currentSchema=shop&sslmode=disable").unwrap();
        assert_eq!(
            url.as_str(),
            "postgres://u@db/app?sslmode=disable&options=-c+search_path%3Dshop"
        );
    }

    /// The database's TCP sockets of this process, each with whether Nagle's algorithm
    /// is off on it.
    #[cfg(target_os = "linux")]
    fn tcp_sockets_nodelay() -> Vec<bool> {
        let get = |fd: i32, level: i32, name: i32| -> Option<i32> {
            let mut value: libc::c_int = 0;
            let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
            // SAFETY: `value` and `len` outlive the call and `len` is `value`'s size; a
            // descriptor that is not a socket fails with ENOTSOCK.
            let ok = unsafe {
                libc::getsockopt(
                    fd,
                    level,
                    name,
                    (&mut value as *mut libc::c_int).cast(),
                    &mut len,
                )
            } == 0;
            ok.then_some(value)
        };
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&fd| {
                matches!(
                    get(fd, libc::SOL_SOCKET, libc::SO_DOMAIN),
                    Some(libc::AF_INET | libc::AF_INET6)
                ) && get(fd, libc::SOL_SOCKET, libc::SO_TYPE) == Some(libc::SOCK_STREAM)
            })
            .map(|fd| get(fd, libc::IPPROTO_TCP, libc::TCP_NODELAY).is_some_and(|on| on != 0))
            .collect()
    }

    /// Every connection to a server is opened with Nagle's algorithm off: with it on,
    /// a TLS handshake waits twice for the server's delayed ACK, about 90 ms per
    /// connection (the driver sets the option from sqlx 0.9.1 on).
    #[cfg(target_os = "linux")]
    #[tokio::test(flavor = "current_thread")]
    async fn server_connections_are_opened_without_nagle() {
        let servers = [
            std::env::var("MANAGE_TEST_POSTGRES")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
                + "/postgres",
            std::env::var("MANAGE_TEST_MYSQL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
                + "/mysql",
        ];
        for server in servers {
            let url = DbUrl::parse(&server).unwrap();
            let db = match url.connect().await {
                Ok(db) => db,
                Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                    eprintln!("SKIPPED {}: {e:#}", url.describe());
                    continue;
                }
                Err(e) => panic!("{}: {e:#}", url.describe()),
            };
            let sockets = tcp_sockets_nodelay();
            assert!(!sockets.is_empty(), "no TCP socket to {}", url.describe());
            assert!(
                sockets.iter().all(|&off| off),
                "Nagle is on for {}",
                url.describe()
            );
            drop(db);
        }
    }
}
