//! Findings about what a migration does to a live database: locks that stop the
//! application, table rewrites, and changes that break the version still running
//! during a rolling deploy. Each finding names a rule with a stable code
//! ([`rules`]), why it hurts, and the safe way.
//!
//! `manage lint` and `migrate --plan` lint the SQL each migration sends, recorded
//! (not run) for the configured backend, so hand-written migrations are read like
//! generated ones ([`statements`]). `makemigrations` lints the changes it is about to
//! write ([`changes`]), with the same rules, before any code exists to record.
//!
//! A migration file opts out with a line naming the rule and the reason:
//! `// lint: allow L001 -- the table holds a few hundred rows` for the whole
//! migration, `// lint: allow L001 at statement 2 -- ...` for one statement (numbered
//! as `manage lint` and `manage sqlmigrate` show them).

pub mod changes;
pub mod rules;
mod statements;

use crate::apply::executor;
use crate::apply::recorder::Recording;
use crate::schema::Backend;
use regex::Regex;
use rules::Rule;
use sea_orm_migration::{MigrationTrait, SchemaManager};
use serde_json::json;
use std::sync::LazyLock;

/// One thing a rule found.
#[derive(Debug)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The statement's number among those the migration sends (from 1).
    pub statement: Option<usize>,
    pub sql: Option<String>,
    pub table: Option<String>,
    /// What the statement does, in words: "builds an index on users without CONCURRENTLY".
    pub what: String,
}

impl Finding {
    pub fn json(&self) -> serde_json::Value {
        json!({
            "code": self.rule.code,
            "rule": self.rule.name,
            "statement": self.statement,
            "table": self.table,
            "sql": self.sql,
            "message": self.what,
            "why": self.rule.why,
            "instead": self.rule.instead,
        })
    }

    /// The finding as a few indented lines for a terminal.
    pub fn lines(&self, indent: &str) -> Vec<String> {
        let at = self
            .statement
            .map(|n| format!("statement {n}: "))
            .unwrap_or_default();
        let mut out = vec![format!(
            "{indent}{} {}: {at}{}",
            self.rule.code, self.rule.name, self.what
        )];
        if let Some(sql) = &self.sql {
            out.push(format!("{indent}    {}", one_line(sql)));
        }
        out.push(format!("{indent}    why: {}", self.rule.why));
        out.push(format!("{indent}    instead: {}", self.rule.instead));
        out
    }
}

/// A statement the SQL parser could not read: not linted, and said so.
#[derive(Debug)]
pub struct Unread {
    pub statement: usize,
    pub sql: String,
    pub error: String,
}

/// An opt-out written in a migration file.
#[derive(Debug, Clone, PartialEq)]
pub struct Allow {
    pub rule: &'static Rule,
    /// One statement, or the whole migration.
    pub statement: Option<usize>,
    pub reason: String,
}

/// One migration linted.
#[derive(Debug)]
pub struct Report {
    pub migration: String,
    /// What still stands after the file's opt-outs.
    pub findings: Vec<Finding>,
    /// What the file's opt-outs set aside, with the reason they give.
    pub allowed: Vec<(Finding, Allow)>,
    pub unread: Vec<Unread>,
}

impl Report {
    pub fn json(&self) -> serde_json::Value {
        json!({
            "migration": self.migration,
            "findings": self.findings.iter().map(Finding::json).collect::<Vec<_>>(),
            "allowed": self.allowed.iter().map(|(f, a)| {
                let mut v = f.json();
                v["reason"] = json!(a.reason);
                v
            }).collect::<Vec<_>>(),
            "unread": self.unread.iter().map(|u| json!({
                "statement": u.statement,
                "sql": u.sql,
                "error": u.error,
            })).collect::<Vec<_>>(),
        })
    }
}

static ALLOW_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?m)^\s*//[/!]?\s*lint:\s*allow\s+(?P<rule>[A-Za-z0-9-]+)(?:\s+at\s+statement\s+(?P<n>\d+))?\s*(?:--\s*(?P<reason>.*?))?\s*$",
    )
    .expect("valid")
});

/// The opt-outs in a migration's source, and a finding for each one that names no
/// rule or gives no reason (an unexplained opt-out is itself a finding).
pub fn allowances(source: &str) -> (Vec<Allow>, Vec<Finding>) {
    let mut allows = Vec::new();
    let mut bad = Vec::new();
    for c in ALLOW_LINE.captures_iter(source) {
        let line = c[0].trim().to_string();
        let reason = c.name("reason").map(|r| r.as_str().trim()).unwrap_or("");
        let problem = match rules::named(&c["rule"]) {
            None => Some(format!("`{line}` names no rule")),
            Some(_) if reason.is_empty() => Some(format!(
                "`{line}` gives no reason (`-- why it is safe here`)"
            )),
            Some(rule) => {
                allows.push(Allow {
                    rule,
                    statement: c.name("n").and_then(|n| n.as_str().parse().ok()),
                    reason: reason.to_string(),
                });
                None
            }
        };
        if let Some(what) = problem {
            bad.push(Finding {
                rule: &rules::BAD_OPT_OUT,
                statement: None,
                sql: None,
                table: None,
                what,
            });
        }
    }
    (allows, bad)
}

/// `findings` split by the opt-outs in `source` (when the source is known).
pub fn report(migration: &str, found: (Vec<Finding>, Vec<Unread>), source: Option<&str>) -> Report {
    let (findings, unread) = found;
    let (allows, bad) = source.map(allowances).unwrap_or_default();
    let mut report = Report {
        migration: migration.to_string(),
        findings: bad,
        allowed: Vec::new(),
        unread,
    };
    for finding in findings {
        let allow = allows.iter().find(|a| {
            a.rule == finding.rule && (a.statement.is_none() || a.statement == finding.statement)
        });
        match allow {
            Some(allow) => report.allowed.push((finding, allow.clone())),
            None => report.findings.push(finding),
        }
    }
    report
}

/// Lints `migration`'s `up()` as `manage migrate` would run it on `backend`: its
/// statements recorded from a connection that executes nothing.
pub async fn migration(
    migration: &dyn MigrationTrait,
    backend: sea_orm::DbBackend,
    source: Option<&str>,
) -> anyhow::Result<Report> {
    let name = migration.name().to_string();
    let recording = Recording::new(backend);
    let manager = SchemaManager::new(&recording.db);
    executor::run_code(migration, &manager, executor::Direction::Up)
        .await
        .map_err(|e| {
            anyhow::anyhow!("{name} could not be run against a recording connection: {e}")
        })?;
    let statements: Vec<String> = recording
        .finish()
        .into_iter()
        .filter(|s| !is_transaction_control(s))
        .collect();
    let transactional = executor::transactional(backend, migration);
    let found = statements::lint(Backend::of(backend), transactional, &statements);
    Ok(report(&name, found, source))
}

/// BEGIN/COMMIT a migration sends itself are not its changes.
fn is_transaction_control(sql: &str) -> bool {
    let word = sql.trim().trim_end_matches(';').to_ascii_uppercase();
    matches!(
        word.as_str(),
        "BEGIN" | "COMMIT" | "ROLLBACK" | "START TRANSACTION"
    )
}

/// `sql` on one line, cut to a readable length.
fn one_line(sql: &str) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 160 {
        format!("{}...", flat.chars().take(157).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_outs_need_a_known_rule_and_a_reason() {
        let source = "//! lint: allow L001 -- 300 rows\n\
                      // lint: allow set-not-null-scans-under-lock at statement 2 -- backfilled\n\
                      // lint: allow L004\n\
                      // lint: allow L999 -- typo\n";
        let (allows, bad) = allowances(source);
        assert_eq!(allows.len(), 2);
        assert_eq!(allows[0].rule.code, "L001");
        assert_eq!(allows[0].statement, None);
        assert_eq!(allows[1].rule.code, "L003");
        assert_eq!(allows[1].statement, Some(2));
        assert_eq!(allows[1].reason, "backfilled");
        assert_eq!(bad.len(), 2);
        assert!(bad[0].what.contains("gives no reason"), "{:?}", bad[0]);
        assert!(bad[1].what.contains("names no rule"), "{:?}", bad[1]);
    }

    #[test]
    fn a_statement_opt_out_covers_that_statement_only() {
        let finding = |n| Finding {
            rule: &rules::SET_NOT_NULL,
            statement: Some(n),
            sql: None,
            table: None,
            what: String::new(),
        };
        let found = (vec![finding(1), finding(2)], Vec::new());
        let r = report("m", found, Some("// lint: allow L003 at statement 2 -- ok"));
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].statement, Some(1));
        assert_eq!(r.allowed.len(), 1);
    }
}
