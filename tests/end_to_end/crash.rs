//! Interrupted runs. `manage migrate` is killed with SIGKILL at random points of a
//! multi-migration run, 20 times per backend; and a PostgreSQL server of the test's
//! own is stopped mid-run. Where DDL is transactional (PostgreSQL, SQLite) the
//! database must always be at a migration boundary and a re-run must complete; on
//! MySQL/MariaDB a migration cut part-way is reported, and completes with `--retry`
//! once its leftovers are undone.

use crate::support;

use crate::support::db::{self, Backend, TestDb, block_on};
use crate::support::scenario::Scenario;
use crate::support::server::OwnServer;
use sea_orm::{ConnectionTrait, Database};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const MIGRATIONS: usize = 12;
const BATCHES: usize = 6;
const ROWS: usize = 300;
const TRIALS: usize = 20;

/// A migration that creates `crash_<n>` and fills it in several statements, so a
/// kill can land between any two of them.
fn migration_source(n: usize) -> String {
    format!(
        r#"use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {{
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE crash_{n} (id INTEGER NOT NULL PRIMARY KEY, payload VARCHAR(40) NOT NULL)",
        )
        .await?;
        for batch in 0..{BATCHES} {{
            let rows: Vec<String> = (0..{ROWS})
                .map(|i| format!("({{}}, 'payload {{}}')", batch * {ROWS} + i, i))
                .collect();
            db.execute_unprepared(&format!(
                "INSERT INTO crash_{n} (id, payload) VALUES {{}}",
                rows.join(", ")
            ))
            .await?;
        }}
        Ok(())
    }}

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE crash_{n}").await?;
        Ok(())
    }}
}}
"#
    )
}

/// The scenario project with MIGRATIONS hand-written migrations, built. Tests run
/// in parallel, so each has a project (`label`) of its own.
fn scenario(label: &str) -> Scenario {
    let s = Scenario::new(label);
    let names: Vec<String> = (1..=MIGRATIONS)
        .map(|n| format!("m20260101_{:06}_crash_{n}", n))
        .collect();
    let mut lib = String::from("pub use sea_orm_migration::prelude::*;\n\n");
    for name in &names {
        lib += &format!("mod {name};\n");
    }
    lib += "\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![\n";
    for name in &names {
        lib += &format!("            Box::new({name}::Migration),\n");
    }
    lib += "        ]\n    }\n}\n";
    std::fs::write(s.path("migrations/src/lib.rs"), lib).unwrap();
    for (i, name) in names.iter().enumerate() {
        std::fs::write(
            s.path(&format!("migrations/src/{name}.rs")),
            migration_source(i + 1),
        )
        .unwrap();
    }
    s.build();
    s
}

/// How far the database got: the number of recorded migrations, and for each table
/// its row count or None when it does not exist.
fn state(url: &str) -> (usize, Vec<Option<i64>>) {
    block_on(async {
        let db = Database::connect(url).await.unwrap();
        let count = |sql: String| {
            let db = &db;
            async move {
                let backend = db.get_database_backend();
                let row = db
                    .query_one_raw(sea_orm::Statement::from_string(backend, sql))
                    .await
                    .ok()??;
                row.try_get_by_index::<i64>(0).ok()
            }
        };
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            // A killed run's server sessions outlive it until they notice: one may
            // still commit the COMMIT it was sent. Read once they have ended, so
            // that the counts below are final and agree with each other.
            let busy = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                        AND pid <> pg_backend_pid() AND xact_start IS NOT NULL";
            let started = Instant::now();
            while count(busy.into()).await.unwrap_or(0) > 0 {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "the killed run's transactions never ended"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let applied = count("SELECT COUNT(*) FROM seaql_migrations".into())
            .await
            .unwrap_or(0) as usize;
        let mut tables = Vec::new();
        for n in 1..=MIGRATIONS {
            tables.push(count(format!("SELECT COUNT(*) FROM crash_{n}")).await);
        }
        db.close().await.unwrap();
        (applied, tables)
    })
}

/// Whether the database is exactly after its first `applied` migrations.
fn at_boundary(applied: usize, tables: &[Option<i64>]) -> bool {
    let full = (BATCHES * ROWS) as i64;
    tables[..applied].iter().all(|t| *t == Some(full))
        && tables[applied..].iter().all(Option::is_none)
}

fn migrate(s: &Scenario, url: &str, extra: &[&str]) -> support::Run {
    let mut args = vec!["--database-url", url, "migrate", "--lock-timeout", "60"];
    args.extend_from_slice(extra);
    s.manage(&args)
}

/// Repairs migration `n`, cut part-way on MySQL/MariaDB, as the error `advice` says,
/// running its commands as printed: undo what ran and `--retry`, or complete the
/// migration by hand and record it with `migrate NAME --fake`.
fn follow_the_advice(s: &Scenario, url: &str, n: usize, undo: bool, advice: &str) {
    let rows: Vec<String> = (0..BATCHES * ROWS)
        .map(|i| format!("({i}, 'payload {}')", i % ROWS))
        .collect();
    let by_hand = if undo {
        vec![format!("DROP TABLE IF EXISTS crash_{n}")]
    } else {
        vec![
            format!("DROP TABLE IF EXISTS crash_{n}"),
            format!(
                "CREATE TABLE crash_{n} (id INTEGER NOT NULL PRIMARY KEY, payload VARCHAR(40) NOT NULL)"
            ),
            format!(
                "INSERT INTO crash_{n} (id, payload) VALUES {}",
                rows.join(", ")
            ),
        ]
    };
    let by_hand: Vec<&str> = by_hand.iter().map(String::as_str).collect();
    db::execute(url, &by_hand);
    // The command as printed, e.g. `manage migrate m20260101_000003_crash_3 --fake`.
    let pattern = if undo {
        regex::Regex::new(r"`manage (migrate --retry)`").unwrap()
    } else {
        regex::Regex::new(r"`manage (migrate \S+ --fake)`").unwrap()
    };
    let printed = &pattern
        .captures(advice)
        .unwrap_or_else(|| panic!("no {pattern} in the advice: {advice}"))[1];
    let mut args = vec!["--database-url", url];
    args.extend(printed.split_whitespace());
    s.manage(&args).ok();
    if !undo {
        // The rest of the history, as the next start-up would run it.
        migrate(s, url, &[]).ok();
    }
}

/// A small xorshift generator: reproducible from the seed it prints.
struct Rng(u64);

impl Rng {
    fn from_clock() -> Rng {
        let seed = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1;
        let seed = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(seed);
        eprintln!("crash trials: CRASH_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn kill_9_at_random_points_leaves_a_boundary_and_a_rerun_completes() {
    let s = scenario("crash-kill");
    let mut rng = Rng::from_clock();
    for backend in db::ALL {
        // How long a whole run takes here, to spread the kills over it.
        let Some(calibration) = TestDb::create(backend, "crashcal") else {
            continue;
        };
        let started = Instant::now();
        migrate(&s, &calibration.url, &[]).ok();
        let whole = started.elapsed();
        drop(calibration);

        let mut mid_run = 0;
        let mut cut_part_way = 0;
        for trial in 0..TRIALS {
            let t = TestDb::create(backend, "crash").unwrap();
            let delay = Duration::from_millis(rng.below(whole.as_millis() as u64 + 1));
            let mut child = Command::new(&s.bin)
                .args(["--database-url", &t.url, "migrate"])
                .current_dir(s.root())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(delay);
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();

            let (applied, tables) = state(&t.url);
            let when = format!("{} trial {trial}, killed after {delay:?}", backend.name());
            if (1..MIGRATIONS).contains(&applied) {
                mid_run += 1;
            }
            if backend == Backend::MySql {
                let rerun = migrate(&s, &t.url, &[]);
                if rerun.code != 0 {
                    // Cut inside a migration: reported, then undone by hand and retried.
                    cut_part_way += 1;
                    assert!(
                        rerun
                            .stderr
                            .contains("stopped part-way while being applied"),
                        "{when}: {}",
                        rerun.stderr
                    );
                    let next = applied + 1;
                    // Retried without undoing anything: whatever fails must not claim
                    // that nothing of the migration is in the database.
                    let blind = migrate(&s, &t.url, &["--retry"]);
                    if blind.code != 0 {
                        assert!(
                            blind
                                .stderr
                                .contains("an earlier attempt at it had stopped part-way")
                                && !blind.stderr.contains("nothing of it remains"),
                            "{when}: {}",
                            blind.stderr
                        );
                        follow_the_advice(&s, &t.url, next, cut_part_way % 2 == 0, &blind.stderr);
                    }
                }
            } else {
                assert!(
                    at_boundary(applied, &tables),
                    "{when}: not at a migration boundary: {applied} recorded, tables {tables:?}"
                );
                migrate(&s, &t.url, &[]).ok();
            }
            let (applied, tables) = state(&t.url);
            assert!(
                applied == MIGRATIONS && at_boundary(applied, &tables),
                "{when}: the re-run did not complete: {applied} recorded, tables {tables:?}"
            );
        }
        eprintln!(
            "{}: {TRIALS} kills over a {whole:?} run; {mid_run} left some but not all migrations applied{}",
            backend.name(),
            if backend == Backend::MySql {
                format!(", {cut_part_way} cut inside a migration")
            } else {
                String::new()
            }
        );
        assert!(mid_run > 0, "no kill landed mid-run on {}", backend.name());
    }
}

#[test]
fn postgres_server_stopped_mid_run_gives_a_clear_error_and_a_rerun_completes() {
    let Some(mut server) = OwnServer::postgres() else {
        eprintln!("SKIPPED: cannot start a PostgreSQL server of the test's own here");
        return;
    };
    let s = scenario("crash-server");
    let admin = server.url.clone();
    let create = |name: &str| {
        block_on(async {
            let db = Database::connect(&admin).await.unwrap();
            db.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            db.close().await.unwrap();
        });
        format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
    };
    let calibration = create("calibration");
    let started = Instant::now();
    migrate(&s, &calibration, &[]).ok();
    let whole = started.elapsed();

    // The server is stopped half-way through a run as long as the calibration run; a
    // run that finishes before that (the machine got faster) is tried again on a
    // fresh database, stopped sooner.
    let mut stop_after = whole / 2;
    let mut attempt = 1;
    let (url, out) = loop {
        let url = create(&format!("app{attempt}"));
        let child = spawn_migrate(&s, &url);
        std::thread::sleep(stop_after);
        server.kill();
        let out = support::Run::from_output(child.wait_with_output().unwrap());
        if out.code != 0 {
            break (url, out);
        }
        assert!(
            attempt < 8,
            "every run finished before the server stopped, the last {stop_after:?} in: {}",
            out.stdout
        );
        server.start();
        stop_after /= 2;
        attempt += 1;
    };
    assert!(
        out.stderr.starts_with("error: ") && !out.stderr.contains("panicked"),
        "{}",
        out.stderr
    );

    // Unreachable now: the same clear message as any unreachable server.
    let down = migrate(&s, &url, &[]).expect(3);
    assert!(down.stderr.contains("127.0.0.1"), "{}", down.stderr);

    server.start();
    let (applied, tables) = state(&url);
    assert!(
        at_boundary(applied, &tables),
        "not at a boundary after the crash: {applied} recorded, tables {tables:?}\n{}",
        out.stderr
    );
    let crashed_at = applied;
    migrate(&s, &url, &[]).ok();
    let (applied, tables) = state(&url);
    assert!(applied == MIGRATIONS && at_boundary(applied, &tables));
    eprintln!(
        "server stopped {stop_after:?} into a {whole:?} run (attempt {attempt}), {crashed_at} applied by then; error: {}",
        out.stderr.lines().next().unwrap_or("")
    );
}

/// Two migrations that wait (yielding, so that signals are seen) where a signal is
/// to land: the first before its first statement, the second between two.
const PAUSING_MIGRATIONS: [(&str, &str); 2] = [
    (
        "m20260201_000001_wait_then_create",
        "pause(3).await;\n        db.execute_unprepared(\"CREATE TABLE sig_1 (id INTEGER PRIMARY KEY)\").await?;",
    ),
    (
        "m20260201_000002_create_wait_create",
        "db.execute_unprepared(\"CREATE TABLE sig_2a (id INTEGER PRIMARY KEY)\").await?;\n        \
         pause(3).await;\n        \
         db.execute_unprepared(\"CREATE TABLE sig_2b (id INTEGER PRIMARY KEY)\").await?;",
    ),
];

fn pausing_scenario(label: &str) -> Scenario {
    let s = Scenario::new(label);
    let mut lib = String::from("pub use sea_orm_migration::prelude::*;\n\n");
    for (name, _) in PAUSING_MIGRATIONS {
        lib += &format!("mod {name};\n");
    }
    lib += "\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![\n";
    for (name, _) in PAUSING_MIGRATIONS {
        lib += &format!("            Box::new({name}::Migration),\n");
    }
    lib += "        ]\n    }\n}\n";
    std::fs::write(s.path("migrations/src/lib.rs"), lib).unwrap();
    for (name, body) in PAUSING_MIGRATIONS {
        let source = format!(
            r#"use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Gives the runtime back once.
struct YieldNow(bool);

impl std::future::Future for YieldNow {{
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {{
        if self.0 {{
            return std::task::Poll::Ready(());
        }}
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }}
}}

async fn pause(seconds: u64) {{
    let until = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < until {{
        YieldNow(false).await;
    }}
}}

#[async_trait::async_trait]
impl MigrationTrait for Migration {{
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{
        let db = manager.get_connection();
        {body}
        Ok(())
    }}

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {{
        Ok(())
    }}
}}
"#
        );
        std::fs::write(s.path(&format!("migrations/src/{name}.rs")), source).unwrap();
    }
    s.build();
    s
}

/// The `manage_migrations` markers and whether `table` exists, on MySQL.
fn markers_and_table(url: &str, table: &str) -> (Vec<(String, i64)>, bool) {
    block_on(async {
        let db = Database::connect(url).await.unwrap();
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                backend,
                "SELECT version, duration_ms FROM manage_migrations WHERE duration_ms < 0",
            ))
            .await
            .unwrap_or_default();
        let markers = rows
            .iter()
            .map(|r| {
                (
                    r.try_get("", "version").unwrap(),
                    r.try_get("", "duration_ms").unwrap(),
                )
            })
            .collect();
        let exists = db
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                format!("SELECT COUNT(*) FROM {table}"),
            ))
            .await
            .is_ok();
        db.close().await.unwrap();
        (markers, exists)
    })
}

/// `migrate` started in the background, its output kept.
fn spawn_migrate(s: &Scenario, url: &str) -> std::process::Child {
    Command::new(&s.bin)
        .args(["--database-url", url, "migrate"])
        .current_dir(s.root())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts `migrate`, waits until `ready` holds, sends SIGINT, and returns the outcome.
fn interrupt_when(s: &Scenario, url: &str, ready: impl Fn() -> bool) -> support::Run {
    let child = spawn_migrate(s, url);
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(30), "never ready");
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    support::Run::from_output(child.wait_with_output().unwrap())
}

#[test]
fn sigint_on_mysql_clears_an_unstarted_marker_and_names_what_ran() {
    let Some(t) = TestDb::create(Backend::MySql, "sigint") else {
        return;
    };
    let s = pausing_scenario("crash-sigint");
    let first = PAUSING_MIGRATIONS[0].0;
    // Marked as started, and waiting before its first statement.
    let out = interrupt_when(&s, &t.url, || {
        markers_and_table(&t.url, "sig_1")
            .0
            .iter()
            .any(|(name, _)| name == first)
    });
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(out.stderr.contains("had not started"), "{}", out.stderr);
    assert_eq!(markers_and_table(&t.url, "sig_1"), (vec![], false));

    // Between two statements of the second: its marker stays, and says what ran.
    let out = interrupt_when(&s, &t.url, || markers_and_table(&t.url, "sig_2a").1);
    assert_eq!(out.code, 130, "{}", out.stderr);
    assert!(
        out.stderr.contains("stopped part-way")
            && out.stderr.contains("CREATE TABLE sig_2a")
            && out.stderr.contains("its marker keeps the list"),
        "{}",
        out.stderr
    );
    let (markers, _) = markers_and_table(&t.url, "sig_2a");
    assert_eq!(markers, vec![(PAUSING_MIGRATIONS[1].0.to_string(), -1)]);
    // The marker itself keeps what had been sent, for the run that finds it.
    let refused = migrate(&s, &t.url, &[]).expect(3);
    assert!(
        refused.stderr.contains("stopped part-way")
            && refused.stderr.contains("had sent 1 statement(s)")
            && refused.stderr.contains("1. CREATE TABLE sig_2a"),
        "{}",
        refused.stderr
    );
}
