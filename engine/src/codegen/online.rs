//! The safe forms `makemigrations --safe` writes for PostgreSQL: the changes that
//! would hold a long lock on a live table move out of the migration's transaction
//! into a second migration that runs without one, each step taking its locks briefly.
//!
//! - an index is built `CONCURRENTLY` (writes go on while it builds);
//! - a foreign key is added `NOT VALID` (instant), then `VALIDATE`d (a lock that lets
//!   writes go on);
//! - `NOT NULL` goes through a `CHECK (column IS NOT NULL) NOT VALID` constraint,
//!   validated, which `SET NOT NULL` then trusts instead of scanning (PostgreSQL 12+).
//!
//! Outside a transaction a step that fails leaves the earlier ones in place, so each
//! step first removes what an earlier attempt may have left (an invalid index, an
//! unvalidated constraint): `manage migrate --retry` can run it again from the top.
//! Other backends make these changes in the first migration as usual; there the
//! second one does nothing (MySQL builds indexes online already and has no `NOT VALID`).

use super::builder::{foreign_key_statement, index_statement, raw_lit};
use crate::diff::{Change, Operation};
use crate::schema::{Column, Default, ForeignKey, Index, split_name};
use crate::sql::Dialect;

/// One change the online migration makes on PostgreSQL.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Index(Index),
    ForeignKey(ForeignKey),
    NotNull {
        column: Column,
        fill: Option<Default>,
    },
}

/// What `--safe` moves out of the transaction, table by table.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Online {
    steps: Vec<(String, Step)>,
}

impl Online {
    /// The changes of `ops` (made on tables that exist, so live) that have a safe form.
    pub fn of(ops: &[Operation]) -> Online {
        let mut steps = Vec::new();
        for op in ops {
            let Operation::AlterTable { to, changes, .. } = op else {
                continue;
            };
            for change in changes {
                let step = match change {
                    Change::CreateIndex(index) => Step::Index(index.clone()),
                    Change::AddForeignKey(fk) => Step::ForeignKey(fk.clone()),
                    Change::AlterColumn { from, to, fill } if from.nullable && !to.nullable => {
                        Step::NotNull {
                            column: to.clone(),
                            fill: fill.clone(),
                        }
                    }
                    _ => continue,
                };
                steps.push((to.name.clone(), step));
            }
        }
        Online { steps }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// What the transactional migration still does to `table` on PostgreSQL: `changes`
    /// (of `up()` or of `down()`) without what the online migration does or undoes.
    pub fn kept_on_postgres(&self, table: &str, changes: &[Change]) -> Vec<Change> {
        let here: Vec<&Step> = self
            .steps
            .iter()
            .filter(|(t, _)| t == table)
            .map(|(_, s)| s)
            .collect();
        let moved_index = |i: &Index| {
            here.iter()
                .any(|s| matches!(s, Step::Index(x) if x.name == i.name))
        };
        let moved_fk = |f: &ForeignKey| {
            here.iter()
                .any(|s| matches!(s, Step::ForeignKey(x) if x.name == f.name))
        };
        let moved_not_null = |c: &str| {
            here.iter()
                .any(|s| matches!(s, Step::NotNull { column, .. } if column.name == c))
        };
        changes
            .iter()
            .filter_map(|change| match change {
                Change::CreateIndex(i) | Change::DropIndex(i) if moved_index(i) => None,
                Change::AddForeignKey(f) | Change::DropForeignKey(f) if moved_fk(f) => None,
                Change::AlterColumn { from, to, .. } if moved_not_null(&to.name) => {
                    // The nullability (and the fill that goes with it) moves; the rest stays.
                    let mut to = to.clone();
                    to.nullable = from.nullable;
                    (to != *from).then(|| Change::AlterColumn {
                        from: from.clone(),
                        to,
                        fill: None,
                    })
                }
                other => Some(other.clone()),
            })
            .collect()
    }

    /// The online migration's file: `up()` runs the steps on PostgreSQL, `down()`
    /// undoes them; on other backends both do nothing. `first` is the migration that
    /// makes the rest of the change (and these on other backends).
    pub fn migration_file(&self, message: &str, first: &str) -> String {
        let mut out = String::new();
        for line in message.lines() {
            out.push_str(&format!("//! {line}\n"));
        }
        out.push_str(
            "//!\n\
             //! The online steps of the change, for PostgreSQL (`makemigrations --safe`). It runs\n\
             //! outside a transaction so that no step holds a long lock on a live table: indexes\n\
             //! are built CONCURRENTLY, foreign keys and NOT NULL are added NOT VALID and then\n\
             //! validated while writes go on. Each step first removes what an interrupted\n\
             //! attempt may have left (an invalid index, an unvalidated constraint), so\n\
             //! `manage migrate --retry` runs it again from the top.\n",
        );
        out.push_str(&format!(
            "//! Other backends make these changes in {first}; here this does nothing.\n\n"
        ));
        out.push_str(
            "use sea_orm_migration::prelude::*;\nuse sea_orm_migration::sea_orm::DbBackend;\n\n\
             #[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
             #[async_trait::async_trait]\nimpl MigrationTrait for Migration {\n\
             \x20   fn use_transaction(&self) -> Option<bool> {\n        Some(false)\n    }\n\n",
        );
        let up: Vec<String> = self.steps.iter().flat_map(|(t, s)| up_sql(t, s)).collect();
        let down: Vec<String> = self
            .steps
            .iter()
            .rev()
            .flat_map(|(t, s)| down_sql(t, s))
            .collect();
        push_fn(&mut out, "up", &up);
        out.push('\n');
        push_fn(&mut out, "down", &down);
        out.push_str("}\n");
        out
    }
}

fn push_fn(out: &mut String, name: &str, statements: &[String]) {
    out.push_str(&format!(
        "    async fn {name}(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n\
         \x20       if manager.get_database_backend() != DbBackend::Postgres {{\n\
         \x20           return Ok(());\n        }}\n\
         \x20       let db = manager.get_connection();\n"
    ));
    for sql in statements {
        out.push_str(&format!(
            "        db.execute_unprepared({}).await?;\n",
            raw_lit(sql)
        ));
    }
    out.push_str("        Ok(())\n    }\n");
}

/// An object in the table's schema (indexes live beside their table), quoted.
fn beside(table: &str, name: &str) -> String {
    let pg = Dialect::Postgres;
    match split_name(table) {
        (Some(schema), _) => format!("{}.{}", pg.ident(schema), pg.ident(name)),
        (None, _) => pg.ident(name),
    }
}

/// A constraint name of at most PostgreSQL's 63 bytes.
fn constraint_name(table: &str, column: &str) -> String {
    let mut name = format!("{}_{column}_not_null", split_name(table).1);
    while name.len() > 63 {
        name.remove(0);
    }
    name
}

fn up_sql(table: &str, step: &Step) -> Vec<String> {
    let pg = Dialect::Postgres;
    let t = pg.table(table);
    match step {
        Step::Index(index) => {
            let mut create = index_statement(table, index);
            create.concurrently();
            vec![
                format!(
                    "DROP INDEX CONCURRENTLY IF EXISTS {}",
                    beside(table, &index.name)
                ),
                pg.render(&create),
            ]
        }
        Step::ForeignKey(fk) => {
            let name = pg.ident(&fk.name);
            vec![
                format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {name}"),
                format!("{} NOT VALID", pg.render(&foreign_key_statement(table, fk))),
                format!("ALTER TABLE {t} VALIDATE CONSTRAINT {name}"),
            ]
        }
        Step::NotNull { column, fill } => {
            let c = pg.ident(&column.name);
            let check = pg.ident(&constraint_name(table, &column.name));
            let mut out = Vec::new();
            if let Some(value) = fill {
                out.push(format!(
                    "UPDATE {t} SET {c} = {} WHERE {c} IS NULL",
                    pg.literal(value)
                ));
            }
            out.extend([
                format!("ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {check}"),
                format!("ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID"),
                format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"),
                format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"),
                format!("ALTER TABLE {t} DROP CONSTRAINT {check}"),
            ]);
            out
        }
    }
}

fn down_sql(table: &str, step: &Step) -> Vec<String> {
    let pg = Dialect::Postgres;
    let t = pg.table(table);
    match step {
        Step::Index(index) => vec![format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            beside(table, &index.name)
        )],
        Step::ForeignKey(fk) => vec![format!(
            "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {}",
            pg.ident(&fk.name)
        )],
        Step::NotNull { column, .. } => vec![format!(
            "ALTER TABLE {t} ALTER COLUMN {} DROP NOT NULL",
            pg.ident(&column.name)
        )],
    }
}
