//! The rules, each with a stable code: scripts, opt-outs in migration files and CI
//! configurations name them, so a code never changes meaning and is never reused.

use crate::schema::Backend;

/// One rule: what it finds, why that hurts a live database, and the safe way.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// Where the rule applies.
    pub backends: &'static [Backend],
    pub why: &'static str,
    pub instead: &'static str,
}

use Backend::{Mysql, Postgres, Sqlite};

pub const INDEX_NOT_CONCURRENT: Rule = Rule {
    code: "L001",
    name: "index-not-concurrent",
    backends: &[Postgres],
    why: "CREATE INDEX takes a SHARE lock on the table: every INSERT, UPDATE and DELETE \
          waits until the whole index is built",
    instead: "CREATE INDEX CONCURRENTLY, in a migration that runs outside a transaction \
              (`fn use_transaction(&self) -> Option<bool> { Some(false) }`); \
              `manage makemigrations --safe` writes it",
};

pub const FOREIGN_KEY_VALIDATED: Rule = Rule {
    code: "L002",
    name: "foreign-key-validated-under-lock",
    backends: &[Postgres],
    why: "adding a foreign key checks every existing row while holding a SHARE ROW \
          EXCLUSIVE lock on both tables: writes to either wait for the scan",
    instead: "ADD CONSTRAINT ... NOT VALID (instant), then VALIDATE CONSTRAINT in a later \
              transaction (it takes a lock that lets writes go on); \
              `manage makemigrations --safe` writes both",
};

pub const SET_NOT_NULL: Rule = Rule {
    code: "L003",
    name: "set-not-null-scans-under-lock",
    backends: &[Postgres],
    why: "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock: no reads or \
          writes until the scan ends",
    instead: "ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT \
              in another transaction, then SET NOT NULL (PostgreSQL 12+ trusts the \
              validated check and skips the scan) and drop the check; \
              `manage makemigrations --safe` writes these",
};

pub const TYPE_CHANGE_REWRITES: Rule = Rule {
    code: "L004",
    name: "column-type-change-rewrites",
    backends: &[Postgres, Mysql],
    why: "changing a column's type rewrites the table (PostgreSQL: under an ACCESS \
          EXCLUSIVE lock; MySQL/MariaDB: ALGORITHM=COPY, writes blocked), unless it only \
          widens a varchar or drops its length limit",
    instead: "add a column of the new type, backfill it in batches, switch the \
              application to it, then drop the old column; or opt out with the reason when \
              the change is a cheap widening",
};

pub const VOLATILE_DEFAULT: Rule = Rule {
    code: "L005",
    name: "volatile-default-rewrites",
    backends: &[Postgres],
    why: "a new column whose default is volatile (random(), gen_random_uuid(), \
          clock_timestamp(), a serial) must be computed per row: PostgreSQL rewrites the \
          table under an ACCESS EXCLUSIVE lock; a constant or now() default is instant",
    instead: "add the column without a default (or with a constant), set the default \
              afterwards for new rows, and backfill existing rows in batches",
};

pub const RENAME_BREAKS_RUNNING: Rule = Rule {
    code: "L006",
    name: "rename-breaks-running-version",
    backends: &[Postgres, Mysql, Sqlite],
    why: "during a rolling deploy the previous version of the application still runs, and \
          its entities name the old table or column: its queries fail from the moment the \
          rename commits",
    instead: "add the new column or table, write to both and backfill, move reads over, and \
              drop the old one in a later release; or a view under the old name while both \
              versions run",
};

pub const DROP_BREAKS_RUNNING: Rule = Rule {
    code: "L007",
    name: "drop-breaks-running-version",
    backends: &[Postgres, Mysql, Sqlite],
    why: "the previous version of the application, still running during a rolling deploy, \
          selects every column its entities declare: its queries fail once the column or \
          table is gone (and the data is lost)",
    instead: "remove the field from the entity and deploy that first; drop the column or \
              table in a later release",
};

pub const CONSTRAINT_UNDER_LOCK: Rule = Rule {
    code: "L008",
    name: "constraint-validated-under-lock",
    backends: &[Postgres],
    why: "adding a CHECK validates every row, and a UNIQUE or PRIMARY KEY constraint builds \
          its index, under an ACCESS EXCLUSIVE lock: no reads or writes meanwhile",
    instead: "CHECK: add it NOT VALID, then VALIDATE CONSTRAINT in another transaction; \
              UNIQUE or PRIMARY KEY: CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT \
              ... USING INDEX",
};

pub const ENUM_REWRITE: Rule = Rule {
    code: "L009",
    name: "enum-change-locks",
    backends: &[Postgres],
    why: "renaming an enum type or value, or recreating the type, breaks the running \
          version's casts and values and rewrites every column of the type under an \
          ACCESS EXCLUSIVE lock; only appending a value (ADD VALUE) is instant",
    instead: "append values at the end; retire a value by no longer writing it rather than \
              removing it",
};

pub const MYSQL_TABLE_COPY: Rule = Rule {
    code: "L010",
    name: "mysql-table-copy",
    backends: &[Mysql],
    why: "this ALTER cannot run with ALGORITHM=INSTANT or INPLACE: MySQL/MariaDB copy the \
          whole table and block writes meanwhile (adding a foreign key while \
          foreign_key_checks is on; adding or dropping the primary key rebuilds the table)",
    instead: "an online schema change tool (gh-ost, pt-online-schema-change) for big \
              tables; or state ALGORITHM=INPLACE, LOCK=NONE so the server refuses instead \
              of copying",
};

pub const MANY_LOCKS_IN_ONE_TRANSACTION: Rule = Rule {
    code: "L011",
    name: "many-locks-in-one-transaction",
    backends: &[Postgres],
    why: "locks are held until the transaction commits: the lock taken on one table waits \
          while a later statement queues for another table's lock, and everything that \
          needs the first table queues behind it (and deadlocks become possible)",
    instead: "one table's lock-taking changes per migration; split the rest into further \
              migrations",
};

pub const SQLITE_REBUILD: Rule = Rule {
    code: "L012",
    name: "sqlite-table-rebuild",
    backends: &[Sqlite],
    why: "SQLite cannot alter this in place: the table is copied into a new one, row by \
          row, while the whole database is locked for writing",
    instead: "acceptable for small tables; for a big one, run it in a maintenance window",
};

pub const CONCURRENTLY_IN_TRANSACTION: Rule = Rule {
    code: "L013",
    name: "concurrently-in-transaction",
    backends: &[Postgres],
    why: "CREATE or DROP INDEX CONCURRENTLY cannot run inside a transaction block: the \
          migration fails",
    instead: "mark the migration non-transactional: \
              `fn use_transaction(&self) -> Option<bool> { Some(false) }`",
};

pub const BAD_OPT_OUT: Rule = Rule {
    code: "L000",
    name: "opt-out-without-reason",
    backends: &[Postgres, Mysql, Sqlite],
    why: "an opt-out must name a rule and say why the finding does not apply, so that a \
          reviewer can judge it",
    instead: "`// lint: allow L001 -- the table holds a few hundred rows`",
};

/// Every rule, in code order.
pub const ALL: &[&Rule] = &[
    &BAD_OPT_OUT,
    &INDEX_NOT_CONCURRENT,
    &FOREIGN_KEY_VALIDATED,
    &SET_NOT_NULL,
    &TYPE_CHANGE_REWRITES,
    &VOLATILE_DEFAULT,
    &RENAME_BREAKS_RUNNING,
    &DROP_BREAKS_RUNNING,
    &CONSTRAINT_UNDER_LOCK,
    &ENUM_REWRITE,
    &MYSQL_TABLE_COPY,
    &MANY_LOCKS_IN_ONE_TRANSACTION,
    &SQLITE_REBUILD,
    &CONCURRENTLY_IN_TRANSACTION,
];

/// The rule a code (`L001`) or name (`index-not-concurrent`) means.
pub fn named(word: &str) -> Option<&'static Rule> {
    ALL.iter()
        .copied()
        .find(|r| r.code.eq_ignore_ascii_case(word) || r.name.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }
}
