//! Where the database is: `--database-url`, then `DATABASE_URL` from the environment,
//! then from the project's `.env`, then the embedded SQLite default.

use anyhow::{Context, Result, bail};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use std::path::Path;
use std::time::Duration;

/// Rows SQLite's driver may hand over before it waits for them to be read: more than
/// the bookkeeping rows of any history of a realistic size.
const SQLITE_ROW_BUFFER: usize = 4096;

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

    pub fn parse(url: &str) -> Result<DbUrl> {
        let url = url.trim().to_string();
        let db = DbUrl { url };
        if db.backend().is_none() {
            bail!(
                "unsupported database URL `{}`: expected sqlite://, postgres:// or mysql://",
                db.redacted()
            );
        }
        if db.backend() != Some(DbBackend::Sqlite) && url::Url::parse(&db.url).is_err() {
            bail!("malformed database URL `{}`", db.redacted());
        }
        Ok(db)
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
        redact(&self.url, &self.url)
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
        redact(text, &self.url)
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

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub async fn connect(&self) -> Result<DatabaseConnection> {
        self.probe()?;
        let mut options = ConnectOptions::new(self.url.clone());
        // One connection for the whole run: each new one costs a server process and,
        // over TLS, a handshake (about 90 ms on a local PostgreSQL), and the migration
        // lock (a session lock) and SQLite's foreign_keys setting live on it. Nothing
        // runs two statements at once, so it is never pinged before reuse either.
        options
            .sqlx_logging(false)
            .max_connections(1)
            .test_before_acquire(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            // SQLite's driver thread hands rows over through a channel of 50; once it
            // is full, every row taken wakes the driver for one more, so reading the
            // applied lists (a row per migration) became a thread switch per row.
            // Past the larger buffer the driver still waits for the reader.
            .map_sqlx_sqlite_opts(|sqlite| sqlite.row_buffer_size(SQLITE_ROW_BUFFER));
        if self.backend() == Some(DbBackend::Sqlite) {
            crate::one_cpu::stay_on_this_cpu();
        }
        Database::connect(options).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot connect to {}: {}",
                self.describe(),
                self.scrub(&e.to_string())
            )
        })
    }
}

impl DbUrl {
    /// Fails fast, and in plain words, when nothing listens at the server's address;
    /// the driver would otherwise retry until its timeout and report a pool error.
    fn probe(&self) -> Result<()> {
        use std::net::{TcpStream, ToSocketAddrs};
        if self.backend() == Some(DbBackend::Sqlite) {
            return Ok(());
        }
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
        let addrs: Vec<_> = match (host, port).to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(e) => bail!(
                "cannot connect to {}: cannot resolve host `{host}`: {e}",
                self.describe()
            ),
        };
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
                Ok(_) => return Ok(()),
                Err(e) => last = Some(e),
            }
        }
        match last {
            Some(e) => bail!(
                "cannot connect to {}: {e} (is the server running and reachable?)",
                self.describe()
            ),
            None => Ok(()),
        }
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
                Err(e) if std::time::Instant::now() + delay < deadline => {
                    eprintln!("waiting for the database (attempt {attempt}): {e:#}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                    attempt += 1;
                }
                Err(e) if wait.is_zero() => return Err(e),
                Err(e) => {
                    return Err(e.context(format!(
                        "the database did not come up within {}s",
                        wait.as_secs()
                    )));
                }
            }
        }
    }
}

fn redact(text: &str, url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.password() {
            Some(pw) if !pw.is_empty() => {
                let decoded = percent_decode(pw);
                text.replace(pw, "***").replace(&decoded, "***")
            }
            _ => text.to_string(),
        },
        Err(_) => text.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
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
}
