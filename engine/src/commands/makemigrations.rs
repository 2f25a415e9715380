//! `manage makemigrations`: diff the models against the snapshot and write a migration.

use super::adopt;
use super::questions::Answers;
use crate::cli::MakeMigrations;
use crate::context::Context;
use crate::project::{Project, WriteLock};
use crate::schema::Schema;
use crate::ui::{say, sayln};
use crate::{codegen, diff, ui};
use anyhow::{Context as _, Result, bail};
use chrono::{NaiveDateTime, SubsecRound, Utc};
use console::style;
use std::path::PathBuf;
use std::process::ExitCode;

pub async fn run(ctx: &Context, args: &MakeMigrations) -> Result<ExitCode> {
    let project = &ctx.project;
    project.require_sources("makemigrations")?;
    // A run that writes holds the project's write lock from before it reads lib.rs
    // and the snapshot until its files are in place.
    let lock = if args.check || args.dry_run {
        None
    } else {
        Some(project.lock_for_writing()?)
    };
    // A hand-written migration needs neither the entities nor the snapshot.
    if args.empty {
        let message = message(args)?;
        let name = migration_name(project, args.name.as_deref().unwrap_or(&message))?;
        let code = codegen::empty_migration_file(&message, &project.shown_migration(&name));
        return write(project, lock.as_ref(), &[(name, code)], None);
    }
    // Only a migration with operations is laid out by rustfmt.
    let rustfmt = (!args.check && !args.empty).then(codegen::Rustfmt::start);
    let models = ctx.entities.schema()?;
    require_schemas(ctx, &models)?;
    warn_about_unregistered(project)?;
    // Set when the snapshot was just read from a database: the first migration may
    // then be in that backend's terms.
    let mut adopted_from = None;
    let mut snapshot = if adopt::needed(project)? {
        // --check and --dry-run write nothing, a snapshot included.
        let Some(lock) = &lock else {
            bail!(
                "{} does not exist; run `manage makemigrations --adopt` to create it from the migrated database",
                project.shown(&project.snapshot_dir())
            );
        };
        let (snapshot, backend) =
            adopt::snapshot_from_database(ctx, lock, &models, args.adopt).await?;
        adopted_from = Some(backend);
        snapshot
    } else if let (true, Some(lock)) = (args.adopt, &lock) {
        let mut snapshot = project.read_snapshot()?;
        let recorded = adopt::record_unmanaged(ctx, &mut snapshot).await?;
        if recorded.is_empty() {
            sayln!("The database has no unmanaged object the snapshot lacks");
        } else {
            project.commit(
                lock,
                &crate::read::snapshot::snapshot_files(&project.snapshot_dir(), &snapshot)?,
            )?;
            sayln!(
                "Updated {}: {}",
                project.shown(&project.snapshot_dir()),
                recorded.join(", ")
            );
        }
        snapshot
    } else {
        project.read_snapshot()?
    };
    // Whether the snapshot is known to be what the migrations produce; the migration
    // written now then keeps it so.
    let proven = match &lock {
        Some(_) if !args.no_replay && adopted_from.is_none() => {
            super::snapshot::prove_before_writing(ctx, &snapshot, args.scratch.scratch.as_deref())
                .await?
        }
        _ => false,
    };
    let mut models = models;
    let declared = diff::align(&mut snapshot, &mut models);

    let interactive =
        !args.questions.no_input && !args.check && !args.dry_run && ui::is_interactive();
    let mut answers = if args.check {
        Answers::for_check(&args.questions.rename)?
    } else {
        Answers::new(&args.questions.rename, &args.questions.default, interactive)?
    };
    let ops = diff::diff(&snapshot, &models, &mut answers).context("nothing written")?;
    if ops.is_empty() {
        sayln!("No changes detected");
        // An unmanaged default or column the entities now declare as the database has
        // it needs no migration, only the snapshot's word that it is managed now.
        if let (false, Some(lock)) = (declared.is_empty(), &lock) {
            project.commit(
                lock,
                &crate::read::snapshot::snapshot_files(&project.snapshot_dir(), &models)?,
            )?;
            sayln!(
                "Recorded in {} that the entities now declare: {}",
                project.shown(&project.snapshot_dir()),
                declared.join(", ")
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    keep_unmanaged_as_migrated(&ops, &snapshot, &mut models);
    let lines: Vec<String> = ops.iter().flat_map(|op| op.describe()).collect();
    if args.check {
        sayln!("The models have changes with no migration:");
        for line in &lines {
            sayln!("  - {line}");
        }
        sayln!("Run `manage makemigrations` to write one.");
        return Ok(crate::exit_code::found());
    }

    let message = message(args)?;
    let name = migration_name(project, args.name.as_deref().unwrap_or(&message))?;
    let only_on = adopted_from.and_then(|backend| adopt::written_in_terms_of(backend, &ops));
    // --safe: on PostgreSQL the changes that would lock a live table for long move to a
    // second migration that runs outside a transaction (see codegen's `online`).
    let safe = args.safe || project.layout.safe_migrations;
    let online = Some(codegen::Online::of(&ops)).filter(|o| safe && !o.is_empty());
    let code = codegen::migration_file(
        &message,
        &ops,
        &diff::reverse(&ops),
        only_on.as_ref(),
        online.as_ref(),
    );
    let code = match rustfmt {
        Some(rustfmt) => rustfmt.format(code),
        None => code,
    };
    let online = online.map(|online| {
        let online_name = format!("{name}_online");
        let code = codegen::Rustfmt::start().format(online.migration_file(&message, &name));
        (online_name, code)
    });
    for warning in ops.iter().flat_map(|op| op.warnings()) {
        ui::warn(&warning);
    }
    for warning in unmanaged_warnings(&ops) {
        ui::warn(&warning);
    }
    for hint in diff::rename_hints(&ops) {
        ui::warn(&hint);
    }
    lint_changes(ctx, &ops, safe)?;
    if let Some(only_on) = &only_on {
        ui::warn(&format!(
            "this migration restores what the {} database held in its own terms ({}): it runs \
             on {} only and refuses any other backend",
            only_on.backend.name(),
            only_on.because.join("; "),
            only_on.backend.name()
        ));
    }
    let mut files = vec![(name, code)];
    files.extend(online);
    let code_written = write(project, lock.as_ref(), &files, Some(&models))?;
    if proven {
        super::snapshot::remember_proven(ctx);
    }
    if !args.dry_run {
        for line in &lines {
            sayln!("  - {line}");
        }
    }
    Ok(code_written)
}

/// Entities with `schema_name` put tables in PostgreSQL schemas, which other backends
/// do not have: refused before anything is written, never created unqualified where
/// SeaORM's queries would not look.
fn require_schemas(ctx: &Context, models: &Schema) -> Result<()> {
    let in_schemas: Vec<&String> = models
        .tables
        .keys()
        .filter(|t| crate::schema::split_name(t).0.is_some())
        .collect();
    if in_schemas.is_empty() {
        return Ok(());
    }
    let url = ctx.db_url()?;
    if url.backend() == Some(sea_orm::DbBackend::Postgres) {
        return Ok(());
    }
    bail!(
        "entities with schema_name put tables in PostgreSQL schemas ({}), and the configured \
         database ({}) has none: set DATABASE_URL to the PostgreSQL database, or remove \
         schema_name",
        in_schemas
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        url.describe()
    )
}

/// The next snapshot keeps the unmanaged objects as the migration leaves them: a
/// renamed table keeps its own, a renamed column its default.
fn keep_unmanaged_as_migrated(ops: &[diff::Operation], snapshot: &Schema, models: &mut Schema) {
    for op in ops {
        match op {
            diff::Operation::RenameTable { from, to } => {
                if let (Some(old), Some(new)) =
                    (snapshot.tables.get(from), models.tables.get_mut(to))
                {
                    new.unmanaged = old.unmanaged.clone();
                }
            }
            diff::Operation::AlterTable { to, .. } => {
                if let Some(new) = models.tables.get_mut(&to.name) {
                    new.unmanaged = to.unmanaged.clone();
                }
            }
            _ => {}
        }
    }
}

/// What a change does to the database's own objects on the table, which the models
/// cannot see: a dropped table takes them with it, and a dropped, renamed or altered
/// column may break one whose definition names it.
fn unmanaged_warnings(ops: &[diff::Operation]) -> Vec<String> {
    use diff::{Change, Operation};
    let mut out = Vec::new();
    for op in ops {
        match op {
            Operation::DropTable(table) if !table.unmanaged.is_empty() => {
                let objects: Vec<String> = table
                    .unmanaged
                    .iter()
                    .map(|u| u.describe(&table.name))
                    .collect();
                out.push(format!(
                    "dropping table {} drops what the database alone has on it: {}",
                    table.name,
                    objects.join(", ")
                ));
            }
            Operation::AlterTable { from, changes, .. } => {
                for change in changes {
                    let column = match change {
                        Change::DropColumn { column } => &column.name,
                        Change::RenameColumn { from, .. } => from,
                        Change::AlterColumn { from, .. } => &from.name,
                        _ => continue,
                    };
                    let word = regex::Regex::new(&format!(r"\b{}\b", regex::escape(column)))
                        .expect("escaped");
                    for object in &from.unmanaged {
                        if object.definition().is_some_and(|sql| word.is_match(sql)) {
                            out.push(format!(
                                "{} names column {column}, which this migration changes: review \
                                 it (the database may drop it, refuse the change, or keep it \
                                 pointing at the old definition)",
                                object.describe(&from.name)
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The message from `-m`, else NAME, else asked for at the terminal.
fn message(args: &MakeMigrations) -> Result<String> {
    if let Some(m) = args.message.as_ref().or(args.name.as_ref()) {
        if m.trim().is_empty() {
            bail!("the migration message is empty");
        }
        return Ok(m.clone());
    }
    if args.questions.no_input || !ui::is_interactive() {
        bail!(
            "a migration needs a message: pass -m \"what it does\" (there is no terminal to ask on)"
        );
    }
    let m = ui::input("Migration message")?;
    if m.trim().is_empty() {
        bail!("the migration message is empty; nothing written");
    }
    Ok(m)
}

/// `mYYYYMMDD_HHMMSS_slug`, later than every migration registered or on disk, so a
/// second run within the same second (or a clock behind the last migration) never
/// reuses a name.
fn migration_name(project: &Project, text: &str) -> Result<String> {
    // Whole seconds, as names have them: 12:00:00.7 is no later than 12:00:00.
    let mut when = Utc::now().naive_utc().trunc_subsecs(0);
    let mut existing = project.registered_migrations()?;
    existing.extend(project.migration_files()?);
    let latest = existing
        .iter()
        .filter_map(|name| {
            name.get(1..16)
                .and_then(|ts| NaiveDateTime::parse_from_str(ts, "%Y%m%d_%H%M%S").ok())
        })
        .max();
    if let Some(latest) = latest
        && when <= latest
    {
        when = latest + chrono::Duration::seconds(1);
    }
    Ok(format!("m{}_{}", when.format("%Y%m%d_%H%M%S"), slug(text)))
}

/// A file-name-safe, identifier-safe rendering of any text.
pub fn slug(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let mut out = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "migration".into()
    } else {
        out
    }
}

/// Writes the migration `name` and the snapshot, and registers it; without the write
/// lock (`--dry-run`), prints the migration instead.
fn write(
    project: &Project,
    lock: Option<&WriteLock>,
    migrations: &[(String, String)],
    snapshot: Option<&crate::schema::Schema>,
) -> Result<ExitCode> {
    let Some(lock) = lock else {
        for (_, code) in migrations {
            say!("{code}");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let mut files = Vec::new();
    for (name, code) in migrations {
        let path = project.migrations_src().join(format!("{name}.rs"));
        if path.exists() {
            bail!("{} already exists; nothing written", project.shown(&path));
        }
        files.push((path, Some(code.clone())));
    }
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    if let Some(schema) = snapshot {
        files.extend(crate::read::snapshot::snapshot_files(
            &project.snapshot_dir(),
            schema,
        )?);
    }
    // lib.rs goes last, although the journal makes the order irrelevant to safety.
    let names: Vec<String> = migrations.iter().map(|(n, _)| n.clone()).collect();
    if let Some(lib) = project.register_all(&names)? {
        files.push((project.lib_rs(), Some(lib)));
    }
    project.commit(lock, &files)?;
    for path in paths {
        sayln!(
            "{} {}",
            style("Created").green().bold(),
            project.shown(&path)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The lint findings for the changes, on the configured backend (`manage lint` gives
/// the same for the migration once built).
fn lint_changes(ctx: &Context, ops: &[diff::Operation], safe: bool) -> Result<()> {
    // Writing a migration needs no database: without a usable URL there is no backend
    // to lint for, and nothing to say.
    let Some(backend) = ctx.db_url().ok().and_then(|url| url.backend()) else {
        return Ok(());
    };
    let backend = crate::schema::Backend::of(backend);
    let findings = crate::lint::changes::lint(ops, backend, crate::lint::changes::Safe(safe));
    for f in &findings {
        ui::warn(&format!(
            "{} {} ({}): {}; instead: {}",
            f.rule.code,
            f.rule.name,
            backend.name(),
            f.what,
            f.rule.instead
        ));
    }
    if !findings.is_empty() {
        sayln!(
            "{}",
            style(
                "Lint findings above (`manage lint NAME` once built; opt out in the file with \
                 `// lint: allow CODE -- reason`)."
            )
            .dim()
        );
    }
    Ok(())
}

/// A migration file that lib.rs does not list never runs; say so early.
fn warn_about_unregistered(project: &Project) -> Result<()> {
    let registered = project.registered_migrations()?;
    for file in project.migration_files()? {
        if !registered.contains(&file) {
            ui::warn(&format!(
                "{} is not registered in {}, so it never runs",
                project.shown_migration(&file),
                project.shown(&project.lib_rs())
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_safe_identifiers() {
        assert_eq!(slug("Add events"), "add_events");
        assert_eq!(slug("café \"quoted\" */ \\n"), "cafe_quoted_n");
        assert_eq!(slug("***"), "migration");
        assert!(slug(&"x".repeat(200)).len() <= 48);
    }
}
