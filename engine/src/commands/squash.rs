//! `manage squashmigrations FROM TO`: one migration in place of a range, generated
//! from the schema before FROM and the schema at TO, both read from a scratch database
//! the migrations are replayed in.
//!
//! The new file says which migrations it replaces (a `Replaces:` line in its header):
//! a database that applied all of them takes it as applied and never runs it (see the
//! executor's `scan`); a database that applied none runs it; a database part-way
//! through the range is refused until the release before the squash has taken it past.
//! Hand-written steps that a generated migration cannot repeat (data statements, SQL
//! that makes what entities cannot declare) make the squash refuse, naming them.

use super::questions::Answers;
use crate::apply::executor::{self, Direction, Executor};
use crate::apply::plan::resolve_name;
use crate::apply::recorder::Recording;
use crate::apply::scratch::Scratch;
use crate::apply::statement_log;
use crate::cli::Squash;
use crate::context::Context;
use crate::schema::{Schema, compare};
use crate::ui::{self, sayln};
use crate::{codegen, diff, history};
use anyhow::{Context as _, Result, anyhow, bail};
use console::style;
use sea_orm::DbBackend;
use sea_orm_migration::{MigrationTrait, SchemaManager};
use std::process::ExitCode;

pub async fn squash(ctx: &Context, args: &Squash) -> Result<ExitCode> {
    let project = &ctx.project;
    project.require_sources("squashmigrations")?;
    let lock = project.lock_for_writing()?;
    let registered = project.registered_migrations()?;
    let migrations = ctx.migrator.migrations();
    if !super::snapshot::binary_has_the_migrations(ctx) {
        bail!(
            "this binary was not built from the migrations in {}: rebuild it (`./manage` does) \
             and run squashmigrations again",
            project.shown(&project.migrations_src())
        );
    }
    let names: Vec<&str> = registered.iter().map(String::as_str).collect();
    let from = resolve_name(&names, &args.from)?;
    let to = resolve_name(&names, &args.to)?;
    if from >= to {
        bail!(
            "{} does not come before {}: a squash replaces two or more migrations, FROM first",
            registered[from],
            registered[to]
        );
    }
    let range = &registered[from..=to];
    let sources = ctx.sources();
    for name in range {
        let text = sources.text(name).unwrap_or_default();
        if !history::replaced(&text).is_empty() {
            bail!(
                "{name} is itself a squash: squashing it again would lose track of the \
                 databases that applied its originals; squash a range that starts after it"
            );
        }
        let migration = migrations
            .iter()
            .find(|m| m.name() == name)
            .expect("registered and built");
        if let Some(why) = hand_written_steps(migration.as_ref()).await {
            bail!(
                "{name} {why}, which a generated migration cannot repeat: squash the \
                 migrations before it and after it separately, keeping it between them"
            );
        }
    }

    // The schema before the range and at its end, replayed on the configured backend.
    let url = ctx.db_url()?;
    let models = ctx.entities.schema()?;
    let snapshot = ctx.snapshot()?;
    let mut schemas = models.named_schemas();
    schemas.extend(snapshot.named_schemas());
    schemas.sort();
    schemas.dedup();
    let scratch = Scratch::create(&url, args.scratch.scratch.as_deref()).await?;
    let read = replay_range(ctx, &scratch, &registered, from, to, &schemas).await;
    if let Err(e) = scratch.remove().await {
        ui::warn(&format!("{e:#}"));
    }
    let (before, at_to, backend) = read?;
    let before = if from == 0 {
        Schema::default()
    } else {
        super::snapshot::faithful(&before, backend, &models, Some(&snapshot))
    };
    let at_to = if to + 1 == registered.len() {
        // The end of the history: the committed snapshot, once proven to be it.
        let found = compare::differences(&snapshot, &at_to, backend);
        if !found.is_empty() {
            bail!(
                "the snapshot is not what the migrations produce:\n  - {}\n{}",
                found.join("\n  - "),
                super::snapshot::FIX
            );
        }
        snapshot.clone()
    } else {
        super::snapshot::faithful(&at_to, backend, &models, Some(&snapshot))
    };
    let made: Vec<String> = unmanaged_made(&before, &at_to);
    if !made.is_empty() {
        bail!(
            "the range makes what entities cannot declare ({}): a generated migration cannot \
             make it, so the squash would lose it",
            made.join(", ")
        );
    }

    let interactive = !args.questions.no_input && ui::is_interactive();
    let mut answers = Answers::new(&args.questions.rename, &args.questions.default, interactive)?;
    let (mut old, mut new) = (before, at_to);
    diff::align(&mut old, &mut new);
    let ops = diff::diff(&old, &new, &mut answers).context("nothing written")?;
    for hint in diff::rename_hints(&ops) {
        ui::warn(&hint);
    }
    let message = format!(
        "{}\n{}",
        args.message.clone().unwrap_or_else(|| format!(
            "Squash of {} migrations, {} to {}",
            range.len(),
            range[0],
            range[range.len() - 1]
        )),
        history::replaces_line(range)
            .trim_start_matches("//! ")
            .trim_end()
    );
    let code = codegen::Rustfmt::start().format(codegen::migration_file(
        &message,
        &ops,
        &diff::reverse(&ops),
        None,
        None,
    ));
    let name = squashed_name(&registered, to)?;
    let path = project.migrations_src().join(format!("{name}.rs"));
    let mut files = vec![(path.clone(), Some(code))];
    for original in range {
        files.push((
            project.migrations_src().join(format!("{original}.rs")),
            None,
        ));
    }
    if let Some(lib) = project.register_replacing(range, &name)? {
        files.push((project.lib_rs(), Some(lib)));
    }
    project.commit(&lock, &files)?;
    sayln!(
        "{} {}, replacing {} migrations ({} to {})",
        style("Created").green().bold(),
        project.shown(&path),
        range.len(),
        range[0],
        range[range.len() - 1]
    );
    for line in ops.iter().flat_map(|op| op.describe()) {
        sayln!("  - {line}");
    }
    sayln!(
        "Databases that applied all {} take it as applied; a database part-way through them \
         must be migrated past them by the release before this squash first. Build, then \
         prove it: `manage testmigrations` and `manage snapshot verify`.",
        range.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Replays the migrations before `from` and reads the schema, then those up to `to`
/// and reads it again.
async fn replay_range(
    ctx: &Context,
    scratch: &Scratch,
    registered: &[String],
    from: usize,
    to: usize,
    schemas: &[String],
) -> Result<(Schema, Schema, DbBackend)> {
    let table = ctx.migrator.table_name().to_string();
    let executor = Executor::new(scratch.db(), ctx.migrator);
    for name in &registered[..from] {
        executor
            .apply(name)
            .await
            .with_context(|| format!("replaying {name} on a scratch database"))?;
    }
    executor.finish().await?;
    let before = scratch.schema(&table, schemas).await?;
    for name in &registered[from..=to] {
        executor
            .apply(name)
            .await
            .with_context(|| format!("replaying {name} on a scratch database"))?;
    }
    executor.finish().await?;
    let at_to = scratch.schema(&table, schemas).await?;
    Ok((before, at_to, scratch.db().get_database_backend()))
}

/// Why `migration` has steps of its own that a generated migration would not repeat,
/// if it has: its up() as PostgreSQL would run it, recorded, holds a statement that
/// is not a schema change (or one manage writes: filling a new NOT NULL column).
async fn hand_written_steps(migration: &dyn MigrationTrait) -> Option<String> {
    let recording = Recording::new(DbBackend::Postgres);
    let manager = SchemaManager::new(&recording.db);
    statement_log::start();
    let ran = executor::run_code(migration, &manager, Direction::Up).await;
    let statements = statement_log::take();
    if let Err(e) = ran {
        return Some(format!("cannot be read without a database ({e})"));
    }
    statements
        .iter()
        .find(|sql| !is_schema_change(sql))
        .map(|sql| {
            format!(
                "runs `{}`",
                statement_log::one_line(sql)
                    .chars()
                    .take(120)
                    .collect::<String>()
            )
        })
}

/// Statements generated migrations send: schema changes, and the fill of a column's
/// existing rows before it becomes NOT NULL.
fn is_schema_change(sql: &str) -> bool {
    static FILL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?is)^UPDATE\s+\S+\s+SET\s+("?[^\s"=]+"?)\s*=.*\sWHERE\s+("?[^\s"]+"?)\s+IS\s+NULL\s*;?$"#)
            .expect("valid")
    });
    let flat = statement_log::one_line(sql);
    let upper = flat.to_ascii_uppercase();
    const SCHEMA: [&str; 9] = [
        "CREATE TABLE ",
        "ALTER TABLE ",
        "DROP TABLE ",
        "CREATE INDEX ",
        "CREATE UNIQUE INDEX ",
        "DROP INDEX ",
        "CREATE TYPE ",
        "ALTER TYPE ",
        "DROP TYPE ",
    ];
    SCHEMA.iter().any(|p| upper.starts_with(p))
        || FILL
            .captures(&flat)
            .is_some_and(|c| c[1].trim_matches('"') == c[2].trim_matches('"'))
}

/// Objects entities cannot declare that the range makes: views, and unmanaged
/// indexes, checks and triggers on its tables.
fn unmanaged_made(before: &Schema, after: &Schema) -> Vec<String> {
    let mut out: Vec<String> = after
        .views
        .keys()
        .filter(|v| !before.views.contains_key(*v))
        .map(|v| format!("view {v}"))
        .collect();
    for (name, table) in &after.tables {
        let had = before.tables.get(name).map(|t| &t.unmanaged);
        for object in &table.unmanaged {
            if !had.is_some_and(|h| h.contains(object)) {
                out.push(object.describe(name));
            }
        }
    }
    out
}

/// The squash's name: TO's date and time, so it sorts where the range was.
fn squashed_name(registered: &[String], to: usize) -> Result<String> {
    let stamp = registered[to]
        .get(..16)
        .ok_or_else(|| anyhow!("{} is not a migration name", registered[to]))?;
    let name = format!("{stamp}_squashed");
    let fits = registered[to + 1..].iter().all(|later| *later > name)
        && !registered.contains(&name)
        && registered[..to].iter().all(|earlier| *earlier < name);
    if !fits {
        bail!(
            "a squash named {name} would not sort where the range is: rename the migrations \
             after {} so that their names are later",
            registered[to]
        );
    }
    Ok(name)
}
