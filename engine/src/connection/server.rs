//! Which server answers behind a PostgreSQL or MySQL URL. Distributed SQL servers
//! speak those protocols but differ where `migrate` depends on them (docs/distributed.md):
//! CockroachDB and YugabyteDB accept advisory lock calls without enforcing them (or
//! reject them), and run DDL in explicit transactions with caveats or not at all;
//! TiDB and Vitess emulate MySQL's named locks per release and per connection path.
//! The version string tells them apart, and decides how runs exclude each other and
//! whether each migration runs in a transaction.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    Cockroach,
    Yugabyte,
    MySql,
    MariaDb,
    Tidb,
    Vitess,
    Sqlite,
}

/// How concurrent runs exclude each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunLock {
    /// The server's own: an advisory lock (PostgreSQL), `GET_LOCK` (MySQL), a file
    /// lock (SQLite).
    Advisory,
    /// A row in `manage_migration_lock` with an expiry the holder keeps extending:
    /// needs nothing but a table, and a crashed holder's lease runs out.
    Lease,
}

impl Server {
    /// Asks the server on `db` for its version.
    pub async fn detect(db: &impl ConnectionTrait) -> Result<Server, DbErr> {
        let backend = db.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => "SELECT version()",
            DbBackend::MySql => "SELECT CONCAT(@@version, ' ', @@version_comment)",
            _ => return Ok(Server::Sqlite),
        };
        let row = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await?;
        let version: String = row
            .and_then(|r| r.try_get_by_index::<String>(0).ok())
            .unwrap_or_default();
        Ok(Server::from_version(backend, &version))
    }

    /// The server a version string names.
    pub fn from_version(backend: DbBackend, version: &str) -> Server {
        let v = version.to_ascii_lowercase();
        match backend {
            DbBackend::Postgres if v.contains("cockroachdb") => Server::Cockroach,
            DbBackend::Postgres if v.contains("-yb-") => Server::Yugabyte,
            DbBackend::Postgres => Server::Postgres,
            DbBackend::MySql if v.contains("tidb") => Server::Tidb,
            DbBackend::MySql if v.contains("vitess") || v.contains("planetscale") => Server::Vitess,
            DbBackend::MySql if v.contains("mariadb") => Server::MariaDb,
            DbBackend::MySql => Server::MySql,
            _ => Server::Sqlite,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Server::Postgres => "PostgreSQL",
            Server::Cockroach => "CockroachDB",
            Server::Yugabyte => "YugabyteDB",
            Server::MySql => "MySQL",
            Server::MariaDb => "MariaDB",
            Server::Tidb => "TiDB",
            Server::Vitess => "Vitess",
            Server::Sqlite => "SQLite",
        }
    }

    /// Whether the server is one of the distributed ones, whose emulations `migrate`
    /// does not rely on.
    pub fn is_distributed(self) -> bool {
        matches!(
            self,
            Server::Cockroach | Server::Yugabyte | Server::Tidb | Server::Vitess
        )
    }

    /// How runs exclude each other on this server, unless told otherwise.
    pub fn run_lock(self) -> RunLock {
        if self.is_distributed() {
            RunLock::Lease
        } else {
            RunLock::Advisory
        }
    }

    /// Whether a migration's DDL runs in a transaction with its bookkeeping, unless
    /// told otherwise: where DDL is transactional and mixes with DML in one.
    pub fn ddl_in_transactions(self) -> bool {
        matches!(self, Server::Postgres | Server::Sqlite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_strings_name_the_server() {
        let pg = DbBackend::Postgres;
        let my = DbBackend::MySql;
        for (backend, version, server) in [
            (
                pg,
                "PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu",
                Server::Postgres,
            ),
            (
                pg,
                "CockroachDB CCL v23.2.4 (x86_64-pc-linux-gnu, built 2024/04/08)",
                Server::Cockroach,
            ),
            (
                pg,
                "PostgreSQL 11.2-YB-2.20.1.0-b0 on x86_64-pc-linux-gnu",
                Server::Yugabyte,
            ),
            (my, "10.11.19-MariaDB-0+deb12u1 Debian 12", Server::MariaDb),
            (my, "8.0.36 MySQL Community Server - GPL", Server::MySql),
            (
                my,
                "8.0.11-TiDB-v7.5.1 TiDB Server (Apache License 2.0)",
                Server::Tidb,
            ),
            (my, "8.0.34-Vitess Version: 19.0.0", Server::Vitess),
        ] {
            assert_eq!(Server::from_version(backend, version), server, "{version}");
        }
        assert_eq!(Server::Cockroach.run_lock(), RunLock::Lease);
        assert!(!Server::Yugabyte.ddl_in_transactions());
        assert_eq!(Server::MariaDb.run_lock(), RunLock::Advisory);
    }
}
