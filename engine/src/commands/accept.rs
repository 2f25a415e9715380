//! `manage accept NAME`: an applied migration's file was edited in a way that changes
//! nothing the database ran (a comment, the layout, a refactor with the same SQL):
//! record the file's new checksum, so `migrate` and `check` stop calling it edited.
//!
//! The edit is harmless when the applied version (found in git: the commit whose file
//! has the checksum the database recorded) and the file now are the same Rust once
//! comments and layout are set aside, or when the SQL up() sends now is the SQL the
//! database recorded running for it. Otherwise it is refused, with the difference.

use crate::apply::bookkeeping;
use crate::apply::executor::{self, Direction};
use crate::apply::plan::resolve_name;
use crate::apply::recorder::Recording;
use crate::cli::Accept;
use crate::context::Context;
use crate::project::Project;
use crate::project::sources::checksum;
use crate::ui::{self, say, sayln};
use anyhow::{Context as _, Result, anyhow, bail};
use console::style;
use sea_orm_migration::SchemaManager;
use std::path::Path;
use std::process::{Command, ExitCode};

pub async fn accept(ctx: &Context, args: &Accept) -> Result<ExitCode> {
    let project = &ctx.project;
    project.require_sources("accept")?;
    let migrations = ctx.migrator.migrations();
    let names: Vec<&str> = migrations.iter().map(|m| m.name()).collect();
    let migration = &migrations[resolve_name(&names, &args.name)?];
    let name = migration.name();
    let path = project.migrations_src().join(format!("{name}.rs"));
    let now = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {}", project.shown(&path)))?;
    let url = ctx.db_url()?;
    let db = url.connect().await?;
    let records = bookkeeping::records(&db).await?;
    let record = records.get(name).ok_or_else(|| {
        anyhow!(
            "{name} is not applied to {}: its checksum is recorded when it is applied, so \
             there is nothing to accept",
            url.describe()
        )
    })?;
    let Some(recorded) = record.checksum.as_deref() else {
        bail!(
            "{} recorded no checksum for {name} (applied without its source): there is no \
             edit to accept",
            url.describe()
        );
    };
    if checksum(&now) == recorded {
        sayln!("{name} is unchanged since it was applied: nothing to accept");
        return Ok(ExitCode::SUCCESS);
    }

    let applied = applied_version(project, &path, recorded, args.from.as_deref())?;
    if let Some(applied) = &applied {
        sayln!(
            "{}",
            style(format!("The edit to {}:", project.shown(&path))).bold()
        );
        say!("{}", unified(applied, &now, "applied", "now"));
    }
    let same_code = applied.as_deref().is_some_and(|old| same_tokens(old, &now));
    let verdict = if same_code {
        "only comments and layout changed: the code, and so its SQL, is the same".to_string()
    } else {
        let sends = up_sql(ctx, migration.as_ref(), url.backend()).await?;
        match &bookkeeping::statements_ran(&db, name).await? {
            Some(ran) if *ran == sends => format!(
                "the {} statement(s) up() sends are the ones {} ran",
                ran.len(),
                url.describe()
            ),
            Some(ran) => {
                sayln!(
                    "{}",
                    style("The SQL up() sends now, against what the database ran:").bold()
                );
                say!(
                    "{}",
                    unified(&ran.join(";\n"), &sends.join(";\n"), "ran", "now")
                );
                sayln!(
                    "{} the edit changes the SQL of {name}, which {} has run: restore the \
                     file, and write a new migration for the change",
                    style("refused:").red().bold(),
                    url.describe()
                );
                return Ok(crate::exit_code::found());
            }
            None => bail!(
                "cannot tell whether the edit to {name} is harmless: {}, and {} did not keep \
                 the SQL it ran for it (applied by an earlier release). Restore the file, or \
                 point --from at the commit it was applied from",
                if applied.is_some() {
                    "it changes code, not only comments or layout"
                } else {
                    "the applied version is not in git (no commit has the checksum the \
                     database recorded)"
                },
                url.describe()
            ),
        }
    };
    sayln!("{} {verdict}", style("harmless:").green().bold());
    if !args.yes
        && !ui::confirm(
            &format!("Record the new checksum of {name}?"),
            "pass --yes to record it",
        )?
    {
        sayln!("Nothing recorded.");
        return Ok(crate::exit_code::found());
    }
    bookkeeping::set_checksum(&db, name, &checksum(&now)).await?;
    sayln!(
        "{} the new checksum of {name} on {}",
        style("Recorded").green(),
        url.describe()
    );
    Ok(ExitCode::SUCCESS)
}

/// The text of `path` as it was applied: at `from`, or in the newest commit whose
/// version has the checksum the database recorded. None without git or such a commit.
fn applied_version(
    project: &Project,
    path: &Path,
    recorded: &str,
    from: Option<&str>,
) -> Result<Option<String>> {
    let relative = format!("./{}", project.shown(path));
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&project.root)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    if let Some(rev) = from {
        let text = git(&["show", &format!("{rev}:{relative}")]).ok_or_else(|| {
            anyhow!("git has no {relative} at {rev} (git show {rev}:{relative} failed)")
        })?;
        if checksum(&text) != recorded {
            bail!(
                "{relative} at {rev} is not the version the database applied (its checksum \
                 differs from the recorded one)"
            );
        }
        return Ok(Some(text));
    }
    let Some(log) = git(&["log", "--format=%H", "--", &relative]) else {
        return Ok(None);
    };
    Ok(log
        .lines()
        .filter_map(|commit| git(&["show", &format!("{commit}:{relative}")]))
        .find(|text| checksum(text) == recorded))
}

/// Whether two migration files are the same Rust once comments (doc comments too)
/// and layout are set aside.
fn same_tokens(a: &str, b: &str) -> bool {
    match (without_comments(a), without_comments(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn without_comments(text: &str) -> Option<String> {
    use quote::ToTokens;
    use syn::visit_mut::VisitMut;
    struct Undoc;
    impl VisitMut for Undoc {
        fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
            attrs.retain(|a| !a.path().is_ident("doc"));
            for attr in attrs {
                self.visit_attribute_mut(attr);
            }
        }
    }
    let mut file = syn::parse_file(text).ok()?;
    Undoc.visit_file_mut(&mut file);
    Some(file.to_token_stream().to_string())
}

/// The statements up() sends on `backend`, recorded, run nowhere, in the form the
/// executor keeps them.
async fn up_sql(
    _ctx: &Context,
    migration: &dyn sea_orm_migration::MigrationTrait,
    backend: Option<sea_orm::DbBackend>,
) -> Result<Vec<String>> {
    let backend = backend.ok_or_else(|| anyhow!("cannot tell the backend of the database"))?;
    let recording = Recording::new(backend);
    let manager = SchemaManager::new(&recording.db);
    crate::apply::statement_log::start();
    let ran = executor::run_code(migration, &manager, Direction::Up).await;
    let statements = crate::apply::statement_log::take();
    ran.map_err(|e| anyhow!("running up() against a recording connection: {e}"))?;
    Ok(statements)
}

/// A unified diff of two texts, for people.
fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(2)
        .header(old_name, new_name)
        .to_string()
}
