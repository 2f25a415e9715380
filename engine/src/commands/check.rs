//! `manage check` and `manage schema`.

use crate::apply::bookkeeping;
use crate::apply::executor::Executor;
use crate::cli::{CheckArgs, Format, SchemaArgs, SchemaFormat, Source};
use crate::context::Context;
use crate::diff;
use crate::render::{diagram, sql_script};
use crate::schema::Schema;
use crate::schema::compare;
use crate::sql::Dialect;
use crate::ui::{self, say, sayln};
use anyhow::Result;
use console::style;
use sea_orm::DatabaseConnection;
use std::process::ExitCode;

pub async fn check(ctx: &Context, args: &CheckArgs) -> Result<ExitCode> {
    let format = args.output.format;
    let project = &ctx.project;
    let mut problems = Vec::new();
    // Migrations but no snapshot (a project that has just added manage): the models
    // and the database have nothing to be compared with, and one problem says why.
    let unadopted = project.on_disk && super::adopt::needed(project)?;
    if unadopted {
        problems.push(format!(
            "{} does not exist, so the models and the database cannot be checked against \
             the migrations: run `manage makemigrations --adopt` to create it from the \
             migrated database",
            project.shown(&project.snapshot_dir())
        ));
    }
    let snapshot = ctx.snapshot()?;

    // The checks of sources; the binary alone has only the database-side ones, and
    // compares the database with the snapshot it was built with.
    if project.on_disk {
        if !unadopted {
            let mut answers = super::questions::Answers::for_check(&[])?;
            let mut models = ctx.entities.schema()?;
            let mut snapshot = snapshot.clone();
            diff::align(&mut snapshot, &mut models);
            match diff::diff(&snapshot, &models, &mut answers) {
                Ok(ops) if !ops.is_empty() => problems.extend(
                    ops.iter()
                        .flat_map(|op| op.describe())
                        .map(|line| format!("models have a change with no migration: {line}")),
                ),
                Ok(_) => {}
                Err(e) => problems.push(format!("models have a change with no migration: {e}")),
            }
        }
        let registered = project.registered_migrations()?;
        let files = project.migration_files()?;
        for file in files.iter().filter(|f| !registered.contains(f)) {
            problems.push(format!(
                "{} is not registered in {}",
                project.shown_migration(file),
                project.shown(&project.lib_rs())
            ));
        }
        for name in registered.iter().filter(|r| !files.contains(r)) {
            problems.push(format!(
                "migration {name} is registered but {} is missing",
                project.shown_migration(name)
            ));
        }
        if !unadopted
            && !args.no_replay
            && super::snapshot::binary_has_the_migrations(ctx)
            && !super::snapshot::known_proven(ctx)
        {
            let schemas = snapshot.named_schemas();
            match super::snapshot::replay(ctx, args.scratch.scratch.as_deref(), &schemas).await {
                Ok(replayed) => {
                    let found = super::snapshot::differences(&snapshot, &replayed);
                    if found.is_empty() {
                        super::snapshot::remember_proven(ctx);
                    } else {
                        problems.extend(
                            found.iter().map(|d| {
                                format!("the migrations do not produce the snapshot: {d}")
                            }),
                        );
                        problems.push(format!("to fix the snapshot: {}", super::snapshot::FIX));
                    }
                }
                // A history that starts from a database made before it (an adopted
                // project) cannot replay on an empty one: nothing is proven, and
                // nothing is wrong either.
                Err(super::snapshot::ReplayError::Failed(e)) => ui::warn(&format!(
                    "the snapshot is not proven: the migrations do not replay on an empty \
                     database ({e:#})"
                )),
                // The rest of the checks still say what they find (a user without the
                // right to create databases, say).
                Err(super::snapshot::ReplayError::NoScratch(e)) => ui::warn(&format!(
                    "the snapshot is not proven: no scratch database to replay the migrations \
                     in ({e:#}); --scratch URL names one, --no-replay skips the proof"
                )),
            }
        }
    } else if format == Format::Human {
        eprintln!(
            "note: no project sources in {}: checking the database against the migrations \
             and snapshot compiled into this binary",
            project.root.display()
        );
    }

    let db = ctx.db_url()?.connect().await?;
    let executor = Executor::new(&db, ctx.migrator).sources(ctx.sources());
    let (states, unknown) = executor.scan().await?;
    problems.extend(executor.partly_replaced(&unknown));
    let records = bookkeeping::records(&db).await?;
    if project.on_disk {
        problems.extend(bookkeeping::not_built(
            &states,
            &project.registered_migrations()?,
            &project.shown(&project.lib_rs()),
        ));
    }
    problems.extend(bookkeeping::interrupted(&records));
    problems.extend(bookkeeping::problems(
        &states,
        &unknown,
        &records,
        &ctx.sources(),
    ));
    let pending: Vec<&str> = states
        .iter()
        .filter(|s| s.applied_at.is_none())
        .map(|s| s.name.as_str())
        .collect();
    if unadopted {
        // Nothing to compare the database with.
    } else if pending.is_empty() {
        let discovery = ctx.db_url()?.connect_for_discovery().await?;
        let live = database_schema(ctx, &discovery, &snapshot.named_schemas()).await?;
        for d in compare::differences(&snapshot, &live, db.get_database_backend()) {
            problems.push(format!("database differs from the migrations: {d}"));
        }
    } else {
        problems.push(format!(
            "{} migration(s) not applied: {}",
            pending.len(),
            pending.join(", ")
        ));
    }

    let unmanaged = unmanaged_objects(&snapshot);
    if format == Format::Json {
        sayln!(
            "{}",
            serde_json::json!({ "problems": problems, "unmanaged": unmanaged })
        );
    } else {
        if problems.is_empty() {
            sayln!(
                "{} models, migrations and database agree",
                style("ok:").green().bold()
            );
        } else {
            for p in &problems {
                sayln!("{} {p}", style("problem:").red().bold());
            }
        }
        if !unmanaged.is_empty() {
            sayln!(
                "{} the database's own, kept by every generated migration: {}",
                style("unmanaged:").cyan().bold(),
                unmanaged.join(", ")
            );
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        crate::exit_code::found()
    })
}

pub async fn schema(ctx: &Context, args: &SchemaArgs) -> Result<ExitCode> {
    let schema = match args.from {
        Source::Models => ctx.entities.schema()?,
        Source::Snapshot => ctx.snapshot()?,
        Source::Database => {
            // The schemas the snapshot names (without sources, all there is), and the
            // models' (where there are sources).
            let mut schemas = ctx
                .snapshot()
                .map(|s| s.named_schemas())
                .unwrap_or_default();
            if ctx.project.on_disk
                && let Ok(models) = ctx.entities.schema()
            {
                schemas.extend(models.named_schemas());
            }
            schemas.sort();
            schemas.dedup();
            database_schema(ctx, &ctx.db_url()?.connect_for_discovery().await?, &schemas).await?
        }
    };
    match args.format {
        SchemaFormat::Json => sayln!("{}", serde_json::to_string_pretty(&schema)?),
        SchemaFormat::Mermaid => say!("{}", diagram::mermaid(&schema)),
        SchemaFormat::Dot => say!("{}", diagram::dot(&schema)),
        SchemaFormat::Sql => {
            let dialect = ctx
                .db_url()?
                .backend()
                .map_or(Dialect::Sqlite, Dialect::from);
            say!("{}", sql_script::create_script(&schema, dialect));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The snapshot's unmanaged objects, one phrase each.
fn unmanaged_objects(snapshot: &Schema) -> Vec<String> {
    let mut out: Vec<String> = snapshot
        .tables
        .iter()
        .flat_map(|(name, t)| t.unmanaged.iter().map(move |u| u.describe(name)))
        .collect();
    out.extend(snapshot.views.keys().map(|v| format!("view {v}")));
    out
}

/// The live schema without the migration bookkeeping table.
async fn database_schema(
    ctx: &Context,
    db: &DatabaseConnection,
    schemas: &[String],
) -> Result<Schema> {
    bookkeeping::user_schema(db, &ctx.migrator.table_name().to_string(), schemas).await
}
