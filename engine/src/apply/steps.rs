//! Running a plan's steps: one migration at a time (each in its own transaction where
//! the backend has transactional DDL), all of them in one transaction (`--atomic`),
//! or against a connection that only records, for the SQL they would send (`--sql`).

use crate::apply::bookkeeping;
use crate::apply::executor::{Confirm, Direction, Executor};
use crate::apply::migrator::Migrator;
use crate::apply::plan::Step;
use crate::apply::recorder::{self, Recording};
use crate::project::sources::Sources;
use crate::ui::{self, sayln};
use anyhow::{Result, bail};
use console::style;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_orm_migration::IntoSchemaManagerConnection;

/// Runs one step, with its line of output.
pub async fn execute<'a, C>(executor: &Executor<'a, C>, step: &Step, fake: bool) -> Result<()>
where
    C: ConnectionTrait + TransactionTrait<Transaction = DatabaseTransaction> + Confirm,
    &'a C: IntoSchemaManagerConnection<'a>,
{
    match step {
        Step::Apply(name) if fake => {
            executor.fake(name, Direction::Up).await?;
            sayln!("  {} {name}", style("Faked").yellow());
        }
        Step::Revert(name) if fake => {
            executor.fake(name, Direction::Down).await?;
            sayln!("  {} {name} (reverted)", style("Faked").yellow());
        }
        Step::Apply(name) => {
            let took = ui::while_running(name, executor.apply(name)).await?;
            ui::report("Applied", name, took);
        }
        Step::Revert(name) => {
            let took = ui::while_running(name, executor.revert(name)).await?;
            ui::report("Reverted", name, took);
        }
    }
    Ok(())
}

/// `--atomic`: the whole run in one transaction, so that either every step lands or
/// none does.
pub async fn atomic(
    outer: &Executor<'_>,
    db: &DatabaseConnection,
    steps: &[Step],
    fake: bool,
) -> Result<()> {
    let backend = db.get_database_backend();
    if backend == DbBackend::MySql {
        bail!(
            "--atomic needs transactional DDL (PostgreSQL or SQLite): MySQL/MariaDB commit every DDL statement"
        );
    }
    if !outer.runs_ddl_in_transactions() {
        bail!(
            "--atomic needs DDL in transactions, and this run sends it outside them \
             (--ddl-transactions, or a server whose DDL is not transactional)"
        );
    }
    let names = steps.iter().map(|step| match step {
        Step::Apply(name) | Step::Revert(name) => name.as_str(),
    });
    if let Some(name) = outer.outside_transactions(names) {
        bail!("--atomic cannot include {name}: it opts out of transactions (use_transaction)");
    }
    // As for single migrations, SQLite's enforcement is off (it cannot change inside a
    // transaction) and foreign_key_check stands in for it, here once before the commit.
    let sqlite = backend == DbBackend::Sqlite;
    if sqlite {
        outer.suspend_foreign_keys().await?;
    }
    let result = async {
        let txn = db.begin().await?;
        {
            let executor = outer.within(&txn);
            for step in steps {
                execute(&executor, step, fake).await?;
            }
            executor
                .record_applied()
                .await
                .map_err(|e| anyhow::anyhow!("recording the applied migrations: {e}"))?;
            if sqlite {
                executor
                    .check_deferred_foreign_keys()
                    .await
                    .map_err(|e| anyhow::anyhow!("checking foreign keys: {e}"))?;
            }
        }
        txn.commit().await?;
        db.confirm().await?;
        anyhow::Ok(())
    }
    .await;
    outer.finish().await?;
    result.map_err(|e| e.context("--atomic: the whole run was rolled back, nothing of it remains"))
}

/// `--sql`: the statements `steps` would run, bookkeeping included, as a script: the same
/// executor runs each step against a connection that only records.
pub async fn script(
    migrator: Migrator,
    backend: DbBackend,
    mut found: bookkeeping::Found,
    sources: &Sources,
    steps: &[Step],
) -> Result<String> {
    let mut out = String::new();
    for step in steps {
        let recording = Recording::new(backend);
        let executor = Executor::new(&recording.db, migrator)
            .sources(sources.clone())
            .bookkeeping_found(found)
            .without_statements();
        // The first step's script brings the table up to date.
        found = bookkeeping::Found::Current;
        match step {
            Step::Apply(name) => {
                executor.apply(name).await?;
                out += &format!("-- apply {name}\n");
            }
            Step::Revert(name) => {
                executor.revert(name).await?;
                out += &format!("-- revert {name}\n");
            }
        }
        executor.finish().await?;
        out += &recorder::script(&recording.finish());
        out += "\n";
    }
    Ok(out)
}
