//! The rules applied to the changes `makemigrations` is about to write, before the
//! migration exists as code to record: each change maps to the statements the
//! generated code sends, and so to the same findings `manage lint` gives for them.

use super::Finding;
use super::rules::{self, Rule};
use crate::diff::{Change, Operation, cheap_on_postgres};
use crate::schema::{Backend, Default};

/// Which safe forms the migration is written in (`makemigrations --safe`): their
/// findings do not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Safe(pub bool);

/// The findings for `ops` on `backend`.
pub fn lint(ops: &[Operation], backend: Backend, safe: Safe) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut find = |rule: &'static Rule, table: &str, what: String| {
        if rule.backends.contains(&backend) {
            out.push(Finding {
                rule,
                statement: None,
                sql: None,
                table: Some(table.to_string()),
                what,
            });
        }
    };
    // Existing tables locked in the migration's transaction (PostgreSQL).
    let mut locked: Vec<&str> = Vec::new();
    for op in ops {
        match op {
            Operation::DropTable(t) => {
                find(
                    &rules::DROP_BREAKS_RUNNING,
                    &t.name,
                    format!("drops table {}", t.name),
                );
                locked.push(&t.name);
            }
            Operation::RenameTable { from, to } => {
                find(
                    &rules::RENAME_BREAKS_RUNNING,
                    from,
                    format!("renames table {from} to {to}"),
                );
                locked.push(from);
            }
            Operation::AlterEnum { from, to } if !to.values.starts_with(&from.values) => find(
                &rules::ENUM_REWRITE,
                &to.name,
                format!(
                    "recreates enum type {} (values removed or reordered)",
                    to.name
                ),
            ),
            Operation::AlterTable { from, changes, .. } => {
                let t = from.name.as_str();
                let locks_table = changes.iter().any(|c| !(safe.0 && defers_its_lock(c)));
                if locks_table {
                    locked.push(t);
                }
                if backend == Backend::Sqlite
                    && !changes
                        .iter()
                        .all(|c| crate::codegen::sqlite_alters_in_place(from, c))
                {
                    find(
                        &rules::SQLITE_REBUILD,
                        t,
                        format!("rebuilds {t}: every row is copied into a new table"),
                    );
                }
                for change in changes {
                    change_findings(t, change, backend, safe, &mut find);
                }
            }
            _ => {}
        }
    }
    if locked.len() > 1 && backend == Backend::Postgres {
        out.push(Finding {
            rule: &rules::MANY_LOCKS_IN_ONE_TRANSACTION,
            statement: None,
            sql: None,
            table: None,
            what: format!("holds locks on {} in one transaction", locked.join(", ")),
        });
    }
    out
}

/// Whether the safe form of `change` moves its long lock out of the migration's
/// transaction (the concurrent index, the validation of a NOT VALID constraint).
fn defers_its_lock(change: &Change) -> bool {
    matches!(change, Change::CreateIndex(_) | Change::AddForeignKey(_))
}

fn change_findings(
    t: &str,
    change: &Change,
    backend: Backend,
    safe: Safe,
    find: &mut impl FnMut(&'static Rule, &str, String),
) {
    match change {
        Change::RenameColumn { from, to } => find(
            &rules::RENAME_BREAKS_RUNNING,
            t,
            format!("renames {t}.{from} to {to}"),
        ),
        Change::DropColumn { column } => find(
            &rules::DROP_BREAKS_RUNNING,
            t,
            format!("drops column {t}.{}", column.name),
        ),
        Change::AddColumn { column, .. } if column.default.as_ref().is_some_and(volatile) => find(
            &rules::VOLATILE_DEFAULT,
            t,
            format!("adds {t}.{} with a default computed per row", column.name),
        ),
        Change::AlterColumn { from, to, .. } => {
            let retyped = from.ty != to.ty;
            if retyped && (backend != Backend::Postgres || !cheap_on_postgres(&from.ty, &to.ty)) {
                find(
                    &rules::TYPE_CHANGE_REWRITES,
                    t,
                    format!(
                        "changes the type of {t}.{} from {} to {}",
                        to.name,
                        from.ty.describe(),
                        to.ty.describe()
                    ),
                );
            } else if backend == Backend::Mysql {
                // MySQL redefines the whole column (MODIFY COLUMN) for any change.
                find(
                    &rules::TYPE_CHANGE_REWRITES,
                    t,
                    format!("redefines {t}.{} (MODIFY COLUMN)", to.name),
                );
            }
            if from.nullable && !to.nullable && !safe.0 {
                find(
                    &rules::SET_NOT_NULL,
                    t,
                    format!("sets {t}.{} NOT NULL", to.name),
                );
            }
        }
        Change::CreateIndex(index) if !safe.0 => find(
            &rules::INDEX_NOT_CONCURRENT,
            t,
            format!("builds index {} on {t} without CONCURRENTLY", index.name),
        ),
        Change::AddForeignKey(fk) => {
            if !safe.0 {
                find(
                    &rules::FOREIGN_KEY_VALIDATED,
                    t,
                    format!(
                        "adds foreign key {t} ({}) -> {}, checking every row under the lock",
                        fk.columns.join(", "),
                        fk.ref_table
                    ),
                );
            }
            find(
                &rules::MYSQL_TABLE_COPY,
                t,
                format!("adds a foreign key to {t}: copied while foreign_key_checks is on"),
            );
        }
        Change::SetPrimaryKey { to, .. } if !to.is_empty() => {
            find(
                &rules::CONSTRAINT_UNDER_LOCK,
                t,
                format!("sets the primary key of {t}, building its index under the lock"),
            );
            find(
                &rules::MYSQL_TABLE_COPY,
                t,
                format!("sets the primary key of {t}, rebuilding it"),
            );
        }
        _ => {}
    }
}

/// A default computed per row on PostgreSQL.
fn volatile(default: &Default) -> bool {
    matches!(default, Default::Expr(sql) if super::statements::volatile_expression(sql))
}
