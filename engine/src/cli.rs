//! The command line: every command, flag and its help. Parsing only; no side effects.

use crate::connection::server::RunLock;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "manage",
    version,
    about = "Migrations for SeaORM projects: makemigrations, migrate, rollback",
    after_help = "Examples:\n  \
        manage makemigrations -m \"add events\"   write a migration from model changes\n  \
        manage migrate                          apply pending migrations\n  \
        manage rollback users                   revert the latest change to users (asks first)\n  \
        manage rollback --yes                   revert the latest applied migration\n  \
        manage showmigrations                   list migrations, applied or not\n\n\
        The database is --database-url, else DATABASE_URL (environment or .env),\n\
        else sqlite://db.sqlite3?mode=rwc in the project root.\n\n\
        Exit codes: 0 done; 1 ran and found something (check, makemigrations --check);\n\
        2 wrong command line; 3 could not run (the error says why); 130/143 stopped by\n\
        SIGINT/SIGTERM."
)]
pub struct Cli {
    /// Database URL (overrides DATABASE_URL and .env)
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a migration for the changes in models/ since the last one
    #[command(after_help = "Examples:\n  \
        manage makemigrations -m \"add attendees\"\n  \
        manage makemigrations add_attendees\n  \
        manage makemigrations --check      exit 1 when models have unmigrated changes\n  \
        manage makemigrations -m \"rename\" --rename users.name=full_name --no-input\n  \
        manage makemigrations -m \"age\" --default users.age=0 --no-input\n  \
        manage makemigrations --dry-run    print the migration, write nothing")]
    Makemigrations(MakeMigrations),

    /// Apply pending migrations, or move to TARGET
    #[command(after_help = "Examples:\n  \
        manage migrate                        apply every pending migration\n  \
        manage migrate m20261122_101500       apply or revert until that one is the latest\n  \
        manage migrate --plan                 show what would run\n  \
        manage migrate --sql                  print the SQL that would run\n  \
        manage migrate --atomic               all pending in one transaction, or none\n  \
        manage migrate m20261122_101500 --fake   record as applied, run nothing\n  \
        manage migrate --wait 60              wait for the database first")]
    Migrate(Migrate),

    /// Revert the latest change to a table, or the latest applied migrations
    #[command(after_help = "Examples:\n  \
        manage rollback users           revert the latest migration that touched users,\n  \
        \x20                               and the later ones that depend on it (asks first)\n  \
        manage rollback users --all     every applied migration that touched users\n  \
        manage rollback                 revert the latest applied migration\n  \
        manage rollback --steps 3 --yes\n  \
        manage rollback --to m20261122_101500   revert everything applied after it\n  \
        manage rollback users --dry-run --format json")]
    Rollback(Rollback),

    /// Print the SQL a migration runs on the configured backend, running nothing
    #[command(after_help = "Examples:\n  \
        manage sqlmigrate m20261122_101500          the SQL of up()\n  \
        manage sqlmigrate add_events --down         the SQL of down()\n  \
        DATABASE_URL=postgres://db/app manage sqlmigrate add_events   as PostgreSQL runs it\n\n\
        Needs no database: the backend comes from the URL's scheme.")]
    Sqlmigrate(SqlMigrate),

    /// The latest applied migration, and how many are pending
    #[command(after_help = "Examples:\n  \
        manage current\n  \
        manage current --format json")]
    Current(Status),

    /// List every migration, applied or not, with the tables it touches
    #[command(after_help = "Example:\n  manage showmigrations --format json")]
    Showmigrations(Status),

    /// Applied migrations, newest first, with when and what they touched
    #[command(after_help = "Examples:\n  \
        manage history\n  \
        manage history --table users --format json")]
    History(History),

    /// Exit 1 when models, migrations and the database disagree
    #[command(
        after_help = "Checks that the models have no unmigrated changes, that every migration\n\
        file is registered, that the migrations produce the snapshot (replayed on a\n\
        scratch database), that no migration is pending, and that the database's\n\
        schema matches the snapshot.\n\nExamples:\n  manage check && echo clean\n  \
        manage check --no-replay    skip the replay (no scratch database)"
    )]
    Check(CheckArgs),

    /// Prove the snapshot against the migrations, or rebuild it from them
    #[command(
        after_help = "Both replay every migration on a scratch database: a temporary SQLite\n\
        file, or on PostgreSQL and MySQL/MariaDB a temporary database created on the\n\
        configured server (the user needs the right to create databases; --scratch\n\
        names an empty one instead).\n\nExamples:\n  \
        manage snapshot verify     exit 1, naming each difference, when they disagree\n  \
        manage snapshot rebuild    after a merge kept one side of a snapshot file"
    )]
    Snapshot(SnapshotArgs),

    /// Replace a range of migrations with one, generated from the schema they make
    #[command(
        after_help = "The squashed migration is generated from the schema before FROM and at TO,\n\
        replayed on a scratch database of the configured backend, and replaces the\n\
        range's files. A database that applied all of them takes it as applied; one\n\
        that applied none runs it; one part-way through is refused until the release\n\
        before the squash has migrated it past them. A migration with hand-written\n\
        steps a generated one cannot repeat (data statements, SQL for what entities\n\
        cannot declare) makes the squash refuse, naming it.\n\nExamples:\n  \
        manage squashmigrations m20261101_090000 m20261120_170000\n  \
        manage squashmigrations initial add_events -m \"the first release\""
    )]
    Squashmigrations(Squash),

    /// In a scratch database, each migration up, down (schema restored?), up again
    #[command(
        after_help = "Stops at the first migration that fails to run, or whose down() does not\n\
        give back the schema from before its up(), naming what differs, and exits 1;\n\
        3 when there is no scratch database to test in.\n\nExamples:\n  \
        manage testmigrations\n  \
        manage testmigrations --format json\n  \
        manage testmigrations --scratch postgres://localhost/empty_db"
    )]
    Testmigrations(TestMigrations),

    /// Find locks, rewrites and breaking changes in the SQL migrations send
    #[command(
        after_help = "Lints the SQL each migration's up() sends on the configured backend, recorded\n\
        without running it: hand-written migrations are read like generated ones. Each\n\
        finding names a rule (L001...), why it hurts a live database, and the safe way.\n\
        A migration file opts out with the reason:\n  \
        // lint: allow L001 -- the table holds a few hundred rows\n  \
        // lint: allow L003 at statement 2 -- backfilled and checked in the previous release\n\n\
        Exits 1 when something is found, 3 when it could not run.\n\nExamples:\n  \
        manage lint                 the migrations the database has not applied\n  \
        manage lint add_index       one migration\n  \
        manage lint --all --format json"
    )]
    Lint(Lint),

    /// Accept an edit to an applied migration whose SQL is unchanged
    #[command(
        after_help = "The edit is harmless when the file is the same Rust as the applied version\n\
        once comments and layout are set aside (the applied version comes from git:\n\
        the commit whose file has the checksum the database recorded, or --from REV),\n\
        or when the SQL up() sends now (recorded, not run) is the SQL the database kept\n\
        from running it. Shows the edit, and the SQL's difference when there is one;\n\
        exits 1 and records nothing when the SQL changed.\n\nExamples:\n  \
        manage accept m20261122_101500        after a comment-only edit\n  \
        manage accept add_events --from main~3"
    )]
    Accept(Accept),

    /// Print a shell completion script
    #[command(after_help = "Examples:\n  \
        manage completions bash > ~/.local/share/bash-completion/completions/manage\n  \
        manage completions zsh > ~/.zfunc/_manage\n  \
        manage completions fish > ~/.config/fish/completions/manage.fish")]
    Completions(CompletionsArgs),

    /// Print a schema: the models', the snapshot's, or the database's
    #[command(after_help = "Examples:\n  \
        manage schema                     the models' schema as JSON\n  \
        manage schema --from database     the connected database's schema\n  \
        manage schema --format mermaid    an ER diagram (renders on GitHub)\n  \
        manage schema --format dot | dot -Tpng -o schema.png\n  \
        manage schema --format sql        CREATE statements for the configured backend")]
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
pub struct MakeMigrations {
    /// Name for the file (`mYYYYMMDD_HHMMSS_<name>.rs`); defaults to the message
    pub name: Option<String>,

    /// What the migration does, written at the top of the file
    #[arg(short, long)]
    pub message: Option<String>,

    /// Write a skeleton for a hand-written migration
    #[arg(long)]
    pub empty: bool,

    /// Write nothing; exit 1 when the models have unmigrated changes
    #[arg(long, conflicts_with_all = ["dry_run", "empty"])]
    pub check: bool,

    /// Print the migration and write nothing
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub questions: Questions,

    /// Do not prove the snapshot by replaying the migrations on a scratch database
    /// first
    #[arg(long)]
    pub no_replay: bool,

    #[command(flatten)]
    pub scratch: Scratch,

    /// Write the safe forms for live PostgreSQL tables: indexes built CONCURRENTLY,
    /// foreign keys and NOT NULL added NOT VALID then validated, in a second migration
    /// that runs outside a transaction
    #[arg(long)]
    pub safe: bool,

    /// A project with migrations but no snapshot: create it from the migrated database.
    /// With a snapshot: record the database's unmanaged objects (partial indexes,
    /// checks, triggers, views) that hand-written migrations made
    #[arg(long)]
    pub adopt: bool,
}

#[derive(Debug, Args)]
pub struct Migrate {
    /// Move to this migration (full name or a unique part of it)
    pub target: Option<String>,

    /// Show what would run, in order, and run nothing
    #[arg(long)]
    pub plan: bool,

    /// Print the SQL that would run, in order, and run nothing
    #[arg(long, conflicts_with = "plan")]
    pub sql: bool,

    /// Record migrations as applied (or reverted) without running them, for a
    /// database that already has their changes
    #[arg(long, conflicts_with_all = ["plan", "sql"])]
    pub fake: bool,

    /// Refuse pending migrations older than the newest applied one (a merge of
    /// branches) instead of applying them with a warning: for CI
    #[arg(long)]
    pub in_order: bool,

    /// Run every step in one transaction: all of them land, or none
    /// (PostgreSQL, SQLite)
    #[arg(long, conflicts_with_all = ["plan", "sql"])]
    pub atomic: bool,

    /// Wait up to SECS for the database to accept connections (for container start)
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub wait: u64,

    #[command(flatten)]
    pub run: Run,
}

/// What every command that changes the database takes: how it waits for another
/// run, goes on after an interrupted one, and treats applied migrations it lacks.
#[derive(Debug, Args)]
pub struct Run {
    /// Wait up to SECS for another process migrating the same database
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub lock_timeout: u64,

    /// Go on after a migration or revert was left part-way on MySQL/MariaDB (once put
    /// right by hand)
    #[arg(long)]
    pub retry: bool,

    #[command(flatten)]
    pub table_locks: TableLocks,

    #[command(flatten)]
    pub server: ServerModes,

    #[command(flatten)]
    pub unknown: Unknown,
}

/// How a run adapts to the server behind the URL: detected from its version
/// (docs/distributed.md), or forced, for a server the detection gets wrong.
#[derive(Debug, Args, Clone, Copy)]
pub struct ServerModes {
    /// How concurrent runs exclude each other: the server's advisory lock, or a lease
    /// row in manage_migration_lock that runs out when its holder dies; auto takes a
    /// lease on CockroachDB, YugabyteDB, TiDB and Vitess
    #[arg(long, value_enum, value_name = "KIND", default_value_t = RunLockArg::Auto)]
    pub run_lock: RunLockArg,

    /// Whether each migration's DDL runs in one transaction with its bookkeeping
    /// (PostgreSQL, SQLite); off sends it as is and records it after, as on MySQL;
    /// auto turns it off on CockroachDB and YugabyteDB
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = Toggle::Auto)]
    pub ddl_transactions: Toggle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunLockArg {
    Auto,
    Advisory,
    Lease,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Toggle {
    Auto,
    On,
    Off,
}

impl ServerModes {
    /// The run lock and whether DDL runs in transactions, on `server`.
    pub fn resolve(self, server: crate::connection::server::Server) -> (RunLock, bool) {
        let lock = match self.run_lock {
            RunLockArg::Auto => server.run_lock(),
            RunLockArg::Advisory => RunLock::Advisory,
            RunLockArg::Lease => RunLock::Lease,
        };
        let ddl = match self.ddl_transactions {
            Toggle::Auto => server.ddl_in_transactions(),
            Toggle::On => true,
            Toggle::Off => false,
        };
        (lock, ddl)
    }
}

/// How long a migration's statement may wait for a table lock (PostgreSQL,
/// MySQL/MariaDB): a migration queued behind a long transaction would otherwise block
/// every query behind it, for as long as that transaction lasts.
#[derive(Debug, Args, Clone, Copy)]
pub struct TableLocks {
    /// Give up a statement after SECS waiting for a table lock, and try the migration
    /// again (PostgreSQL lock_timeout, MySQL lock_wait_timeout); 0 waits as long as it
    /// takes
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub ddl_lock_timeout: u64,

    /// How many more times a migration that gave up waiting for a lock is tried, after
    /// 1, 2, 4, ... seconds (at most 10)
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub lock_retries: u32,

    /// PostgreSQL: give up any statement of a migration after SECS (statement_timeout);
    /// 0, the default, sets none
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub statement_timeout: u64,
}

impl TableLocks {
    /// What the executor is told.
    pub fn waits(self) -> crate::apply::executor::LockWaits {
        let secs = |s: u64| (s > 0).then(|| std::time::Duration::from_secs(s));
        crate::apply::executor::LockWaits {
            timeout: secs(self.ddl_lock_timeout),
            retries: if self.ddl_lock_timeout > 0 {
                self.lock_retries
            } else {
                0
            },
            statement_timeout: secs(self.statement_timeout),
        }
    }
}

/// Applied migrations that the binary does not have.
#[derive(Debug, Args)]
pub struct Unknown {
    /// Fail when the database has applied migrations this binary does not have
    /// (by default a warning: a newer release may have applied them)
    #[arg(long)]
    pub fail_on_unknown: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SqlMigrate {
    /// The migration (full name or a unique part of it)
    pub name: String,

    /// The SQL of down() instead of up()
    #[arg(long)]
    pub down: bool,
}

#[derive(Debug, Args)]
pub struct Rollback {
    /// Revert the latest applied migration that touched this table (and what depends on it)
    pub table: Option<String>,

    /// With TABLE: every applied migration that touched it
    #[arg(long, requires = "table")]
    pub all: bool,

    /// How many applied migrations to revert (without TABLE; default 1)
    #[arg(long, value_name = "N", conflicts_with_all = ["table", "to"])]
    pub steps: Option<usize>,

    /// Revert every migration applied after NAME (full name or a unique part)
    #[arg(long, value_name = "NAME", conflicts_with = "table")]
    pub to: Option<String>,

    /// Show what would be reverted and revert nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub output: Output,

    #[command(flatten)]
    pub run: Run,
}

#[derive(Debug, Args)]
pub struct History {
    /// Only migrations that touched this table (following renames)
    #[arg(long)]
    pub table: Option<String>,

    #[command(flatten)]
    pub output: Output,

    #[command(flatten)]
    pub unknown: Unknown,
}

#[derive(Debug, Args)]
pub struct Status {
    #[command(flatten)]
    pub output: Output,

    #[command(flatten)]
    pub unknown: Unknown,
}

/// Answers to the questions a schema change raises, for commands that generate code.
#[derive(Debug, Args)]
pub struct Questions {
    /// Never prompt; fail when an answer is missing
    #[arg(long)]
    pub no_input: bool,

    /// Answer a rename question: `TABLE.OLD=NEW` for a column, `OLD=NEW` for a table
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,

    /// One-off value for existing rows of a new NOT NULL column: `TABLE.COLUMN=VALUE`
    #[arg(long, value_name = "TABLE.COLUMN=VALUE")]
    pub default: Vec<String>,
}

/// Where migrations are replayed to prove or test them.
#[derive(Debug, Args)]
pub struct Scratch {
    /// Replay in this empty database instead of a temporary one made on the
    /// configured backend
    #[arg(long, value_name = "URL")]
    pub scratch: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Skip proving the snapshot by replaying the migrations on a scratch database
    #[arg(long)]
    pub no_replay: bool,

    #[command(flatten)]
    pub scratch: Scratch,

    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    pub action: SnapshotAction,

    #[command(flatten)]
    pub scratch: Scratch,

    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotAction {
    /// Replay the migrations and compare the result with the snapshot
    Verify,
    /// Replay the migrations and write the snapshot they produce
    Rebuild,
}

#[derive(Debug, Args)]
pub struct Squash {
    /// The first migration of the range (full name or a unique part of it)
    pub from: String,

    /// The last migration of the range (full name or a unique part of it)
    pub to: String,

    /// What the squashed migration is, written at the top of the file
    #[arg(short, long)]
    pub message: Option<String>,

    #[command(flatten)]
    pub questions: Questions,

    #[command(flatten)]
    pub scratch: Scratch,
}

#[derive(Debug, Args)]
pub struct TestMigrations {
    #[command(flatten)]
    pub scratch: Scratch,

    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct Lint {
    /// One migration (full name or a unique part of it); by default those the
    /// configured database has not applied
    pub name: Option<String>,

    /// Every migration, applied or not (needs no database)
    #[arg(long, conflicts_with = "name")]
    pub all: bool,

    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct Accept {
    /// The applied migration (full name or a unique part of it)
    pub name: String,

    /// The git revision holding the applied version of the file (default: the last
    /// commit that changed it)
    #[arg(long, value_name = "REV")]
    pub from: Option<String>,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
}

/// How a command that lists things prints them.
#[derive(Debug, Args)]
pub struct Output {
    /// For people, or JSON for scripts
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Whose schema to print
    #[arg(long, value_enum, default_value_t = Source::Models)]
    pub from: Source,

    /// Output format
    #[arg(long, value_enum, default_value_t = SchemaFormat::Json)]
    pub format: SchemaFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    Models,
    Snapshot,
    Database,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    /// The normalized schema, as the snapshot stores it
    Json,
    /// An ER diagram for Mermaid (`erDiagram`)
    Mermaid,
    /// An ER diagram for Graphviz
    Dot,
    /// CREATE statements for the configured backend
    Sql,
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
