//! A database server of the test's own, on a free port, that a test may stop and
//! start again. Needs the server binaries and (as root) `runuser` to start
//! PostgreSQL as its own user; `None` when the machine cannot.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct OwnServer {
    pub url: String,
    dir: tempfile::TempDir,
    port: u16,
    process: Option<Child>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn postgres_bin(name: &str) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// PostgreSQL refuses to run as root: run it as the `postgres` account then.
fn as_postgres(program: &Path) -> Command {
    let root = is_root();
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

/// As root, makes `dir` the `postgres` account's, for the servers run as it; false
/// when that fails.
fn give_to_postgres(dir: &Path) -> bool {
    !is_root()
        || Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl OwnServer {
    /// A new PostgreSQL cluster, started, with trust authentication.
    pub fn postgres() -> Option<OwnServer> {
        let initdb = postgres_bin("initdb")?;
        let dir = tempfile::Builder::new()
            .prefix("manage-pg-")
            .tempdir()
            .ok()?;
        if !give_to_postgres(dir.path()) {
            return None;
        }
        let init = as_postgres(&initdb)
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !init.success() {
            return None;
        }
        let port = free_port();
        let mut server = OwnServer {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            port,
            process: None,
        };
        server.start();
        Some(server)
    }

    pub fn start(&mut self) {
        let postgres = postgres_bin("postgres").unwrap();
        let child = as_postgres(&postgres)
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args([
                "-p",
                &self.port.to_string(),
                "-c",
                "listen_addresses=127.0.0.1",
            ])
            .arg("-k")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.process = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "own PostgreSQL did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server the hard way (immediate shutdown: no checkpoint, every
    /// connection cut, crash recovery at the next start), as a crash would.
    pub fn kill(&mut self) {
        let Some(mut child) = self.process.take() else {
            return;
        };
        let _ = as_postgres(&postgres_bin("pg_ctl").unwrap())
            .args(["stop", "-m", "immediate", "-D"])
            .arg(self.dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = child.wait();
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// PgBouncer in transaction pooling mode, on a free port, in front of a PostgreSQL
/// server: what a managed database's pooled port is. `None` when `pgbouncer` is not
/// installed (Debian: `apt-get install pgbouncer`; .ci/run installs it in CI).
pub struct Pooler {
    /// `postgres://postgres@127.0.0.1:PORT`: add `/DATABASE`.
    pub server: String,
    dir: tempfile::TempDir,
    process: Child,
}

impl Pooler {
    /// Pools connections to `upstream` (`host:port`) with `pool_size` server
    /// connections per database, released after each transaction.
    pub fn pgbouncer(upstream: &str, pool_size: usize) -> Option<Pooler> {
        let program = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())?;
        let dir = tempfile::Builder::new()
            .prefix("manage-pgbouncer-")
            .tempdir()
            .ok()?;
        let (host, port) = upstream.rsplit_once(':')?;
        let listen = free_port();
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(dir.path().join("userlist.txt"), "\"postgres\" \"\"\n").ok()?;
        let config = format!(
            "[databases]\n* = host={host} port={port}\n\n[pgbouncer]\n\
             listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {}\npool_mode = transaction\n\
             default_pool_size = {pool_size}\nmax_client_conn = 500\n\
             logfile = {}\npidfile = {}\n",
            path("userlist.txt"),
            path("pgbouncer.log"),
            path("pgbouncer.pid"),
        );
        std::fs::write(dir.path().join("pgbouncer.ini"), config).ok()?;
        // PgBouncer refuses to run as root.
        if !give_to_postgres(dir.path()) {
            return None;
        }
        let process = as_postgres(&program)
            .arg(dir.path().join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let pooler = Pooler {
            server: format!("postgres://postgres@127.0.0.1:{listen}"),
            dir,
            process,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", listen)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(pooler)
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        // As root the child is `runuser`, and killing it leaves PgBouncer running:
        // PgBouncer itself is stopped, by its pid file.
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("pgbouncer.pid")) {
            let _ = Command::new("kill")
                .args(["-TERM", pid.trim()])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
