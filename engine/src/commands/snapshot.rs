//! `manage snapshot verify|rebuild`: the snapshot proven against the migrations, by
//! replaying them on a scratch database, or written anew from that replay (after a
//! merge that kept one side of a snapshot file).
//!
//! The same proof runs in `check` and before `makemigrations` writes a migration: a
//! snapshot the migrations do not produce would make the next migration repeat a
//! change they already make (a column added twice) or miss one.

use crate::apply::scratch::Scratch;
use crate::cli::{Format, SnapshotAction, SnapshotArgs};
use crate::context::Context;
use crate::schema::{Schema, compare};
use crate::ui::{self, sayln};
use anyhow::{Context as _, Result};
use console::style;
use std::process::ExitCode;

pub async fn snapshot(ctx: &Context, args: &SnapshotArgs) -> Result<ExitCode> {
    ctx.project.require_sources("snapshot")?;
    match args.action {
        SnapshotAction::Verify => verify(ctx, args).await,
        SnapshotAction::Rebuild => rebuild(ctx, args).await,
    }
}

/// What the migrations make, replayed on a scratch database.
pub struct Replayed {
    pub schema: Schema,
    pub backend: sea_orm::DbBackend,
    pub migrations: usize,
    /// The scratch database, as messages name it.
    pub on: String,
}

/// Whether this binary's migrations are the project's, as on disk now: only then does
/// replaying them say anything about the project's snapshot. A binary built before
/// the last edit, or from another project, carries other migrations (`check` reports
/// the first case; `./manage` rebuilds before running).
pub fn binary_has_the_migrations(ctx: &Context) -> bool {
    if !ctx.project.on_disk {
        return true;
    }
    let Ok(registered) = ctx.project.registered_migrations() else {
        return false;
    };
    let built: Vec<String> = ctx
        .migrator
        .migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let disk = ctx.sources();
    let compiled = crate::project::sources::Sources::CompiledIn(ctx.compiled_in);
    built == registered
        && built.iter().all(|name| {
            disk.checksum(name).is_some() && disk.checksum(name) == compiled.checksum(name)
        })
}

/// Why a replay did not finish: no scratch database to replay in (the user cannot
/// create one, say), or the migrations themselves failed there.
pub enum ReplayError {
    NoScratch(anyhow::Error),
    Failed(anyhow::Error),
}

impl From<ReplayError> for anyhow::Error {
    fn from(e: ReplayError) -> anyhow::Error {
        match e {
            ReplayError::NoScratch(e) | ReplayError::Failed(e) => e,
        }
    }
}

/// Replays every migration of the binary on a scratch database (`chosen`, or one made
/// for the purpose on the configured backend) and reads its schema.
pub async fn replay(
    ctx: &Context,
    chosen: Option<&str>,
    schemas: &[String],
) -> Result<Replayed, ReplayError> {
    let url = ctx.db_url().map_err(ReplayError::NoScratch)?;
    let scratch = Scratch::create(&url, chosen)
        .await
        .map_err(ReplayError::NoScratch)?;
    let result = async {
        scratch.apply_all(ctx.migrator).await?;
        let schema = scratch
            .schema(&ctx.migrator.table_name().to_string(), schemas)
            .await?;
        Ok::<_, anyhow::Error>(Replayed {
            schema,
            backend: scratch.db().get_database_backend(),
            migrations: ctx.migrator.migrations().len(),
            on: scratch.url().describe(),
        })
    }
    .await;
    // The scratch database goes whatever happened; its own failure to go is only said.
    if let Err(e) = scratch.remove().await {
        ui::warn(&format!("{e:#}"));
    }
    result.map_err(ReplayError::Failed)
}

/// A schema read from a database on `backend`, in the snapshot's words: what the
/// backend cannot show (integer widths on SQLite, enum names on MySQL) taken from the
/// models where they agree with it, and the `current` snapshot's table kept word for
/// word where it already says what the database has (it may hold what this backend
/// cannot show, such as another backend's objects).
pub fn faithful(
    read: &Schema,
    backend: sea_orm::DbBackend,
    models: &Schema,
    current: Option<&Schema>,
) -> Schema {
    let mut out = super::adopt::reconcile(read, models, backend);
    let Some(current) = current else {
        return out;
    };
    let one = |name: &str, t: &crate::schema::Table| Schema {
        tables: [(name.to_string(), t.clone())].into(),
        enums: current.enums.clone(),
        ..Schema::default()
    };
    for (name, table) in out.tables.iter_mut() {
        if let (Some(kept), Some(made)) = (current.tables.get(name), read.tables.get(name))
            && compare::differences(&one(name, kept), &one(name, made), backend).is_empty()
        {
            *table = kept.clone();
        }
    }
    for (name, e) in out.enums.iter_mut() {
        if let Some(kept) = current.enums.get(name)
            && kept.values == e.values
        {
            *e = kept.clone();
        }
    }
    // Views read on another backend cannot be read here: they stay.
    let here = crate::schema::Backend::of(backend);
    for (name, view) in &current.views {
        if view.backend != here {
            out.views.insert(name.clone(), view.clone());
        }
    }
    out
}

/// How the snapshot differs from what the migrations make, one sentence each.
///
/// The database's own objects (partial indexes, checks, triggers, views) are left
/// out: `makemigrations --adopt` records those a database has whichever way they came
/// (a DBA's index included), so that generated migrations keep them, and `check`
/// compares them with the database itself.
pub fn differences(snapshot: &Schema, replayed: &Replayed) -> Vec<String> {
    compare::differences(
        &without_own_objects(snapshot),
        &without_own_objects(&replayed.schema),
        replayed.backend,
    )
    .into_iter()
    .map(|d| {
        d.replace("the database", "what the migrations make")
            .replace("from the database", "from what the migrations make")
    })
    .collect()
}

fn without_own_objects(schema: &Schema) -> Schema {
    let mut out = schema.clone();
    out.views.clear();
    for table in out.tables.values_mut() {
        table.unmanaged.retain(|u| u.definition().is_none());
    }
    out
}

/// How to put a snapshot that the migrations do not produce right.
pub const FIX: &str = "a merge may have kept one side of a snapshot file, or a migration was \
    edited by hand: run `manage snapshot rebuild` to write the snapshot the migrations \
    produce, review it, and commit it";

/// Refuses to replay a binary's migrations that are not the project's.
fn require_built(ctx: &Context) -> Result<()> {
    if !binary_has_the_migrations(ctx) {
        anyhow::bail!(
            "this binary was not built from the migrations in {}: rebuild it (`./manage` \
             does) and run it again",
            ctx.project.shown(&ctx.project.migrations_src())
        );
    }
    Ok(())
}

async fn verify(ctx: &Context, args: &SnapshotArgs) -> Result<ExitCode> {
    require_built(ctx)?;
    let snapshot = ctx.snapshot()?;
    let replayed = replay(
        ctx,
        args.scratch.scratch.as_deref(),
        &snapshot.named_schemas(),
    )
    .await?;
    let found = differences(&snapshot, &replayed);
    if found.is_empty() {
        remember_proven(ctx);
    }
    if args.output.format == Format::Json {
        sayln!(
            "{}",
            serde_json::json!({
                "replayed": replayed.migrations,
                "scratch": replayed.on,
                "differences": found,
            })
        );
    } else if found.is_empty() {
        sayln!(
            "{} the migrations produce the snapshot ({} replayed on {})",
            style("ok:").green().bold(),
            replayed.migrations,
            replayed.on
        );
    } else {
        sayln!(
            "The snapshot differs from what the {} migrations make (replayed on {}):",
            replayed.migrations,
            replayed.on
        );
        for d in &found {
            sayln!("{} {d}", style("problem:").red().bold());
        }
        sayln!("{FIX}");
    }
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        crate::exit_code::found()
    })
}

async fn rebuild(ctx: &Context, args: &SnapshotArgs) -> Result<ExitCode> {
    require_built(ctx)?;
    let lock = ctx.project.lock_for_writing()?;
    let models = ctx.entities.schema()?;
    // The snapshot as it is, when it can be read at all (not after a merge conflict).
    let current = ctx.snapshot().ok();
    let mut schemas = models.named_schemas();
    if let Some(current) = &current {
        schemas.extend(current.named_schemas());
    }
    schemas.sort();
    schemas.dedup();
    let replayed = replay(ctx, args.scratch.scratch.as_deref(), &schemas).await?;
    let rebuilt = faithful(
        &replayed.schema,
        replayed.backend,
        &models,
        current.as_ref(),
    );
    // What the rebuild changed, in the words of the snapshot before and after.
    let changed: Vec<String> = match &current {
        Some(current) => compare::differences_between(
            current,
            &rebuilt,
            replayed.backend,
            "is gone from the snapshot",
            "is new in the snapshot",
        ),
        None => vec!["the snapshot could not be read (a merge conflict?): written anew".into()],
    };
    let files = crate::read::snapshot::snapshot_files(&ctx.project.snapshot_dir(), &rebuilt)
        .context("writing the snapshot")?;
    ctx.project.commit(&lock, &files)?;
    let dir = ctx.project.shown(&ctx.project.snapshot_dir());
    if args.output.format == Format::Json {
        sayln!(
            "{}",
            serde_json::json!({
                "rebuilt": dir,
                "replayed": replayed.migrations,
                "scratch": replayed.on,
                "tables": rebuilt.tables.len(),
                "changed": changed,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    sayln!(
        "Rebuilt {dir} from the {} migrations (replayed on {}): {} tables",
        replayed.migrations,
        replayed.on,
        rebuilt.tables.len()
    );
    for line in &changed {
        sayln!("  {} {line}", style("changed:").cyan());
    }
    Ok(ExitCode::SUCCESS)
}

/// Before `makemigrations` writes: fails when the migrations do not produce the
/// snapshot, since the migration written now would then repeat or miss a change.
/// Returns whether the snapshot is proven; a replay that cannot be done (no scratch
/// database, a migration that needs data) is only warned about.
///
/// A proof is remembered, per project and backend, by a fingerprint of the migration
/// sources and the snapshot: it is paid after they change (a pull, a merge, an edit),
/// not on every run.
pub async fn prove_before_writing(
    ctx: &Context,
    snapshot: &Schema,
    chosen: Option<&str>,
) -> Result<bool> {
    if !binary_has_the_migrations(ctx) {
        return Ok(false);
    }
    let memo = ProofMemo::of(ctx)?;
    if memo.holds() {
        return Ok(true);
    }
    let replayed = match replay(ctx, chosen, &snapshot.named_schemas()).await {
        Ok(replayed) => replayed,
        Err(ReplayError::NoScratch(e)) => {
            ui::warn(&format!(
                "the snapshot is not proven against the migrations: no scratch database to \
                 replay them in ({e:#}); --scratch URL names one, --no-replay skips the proof"
            ));
            return Ok(false);
        }
        Err(ReplayError::Failed(e)) => {
            ui::warn(&format!(
                "the snapshot is not proven against the migrations: they do not replay on a \
                 fresh database ({e:#})"
            ));
            return Ok(false);
        }
    };
    let found = differences(snapshot, &replayed);
    if !found.is_empty() {
        anyhow::bail!(
            "the snapshot is not what the migrations produce (replayed on {}), so a migration \
             written from it would repeat or miss a change:\n  - {}\n{FIX}; nothing written",
            replayed.on,
            found.join("\n  - ")
        );
    }
    memo.remember();
    Ok(true)
}

/// Whether the migrations and snapshot as they are now were proven before.
pub fn known_proven(ctx: &Context) -> bool {
    ProofMemo::of(ctx).is_ok_and(|memo| memo.holds())
}

/// Says that the migrations and snapshot as they are now are proven (a replay agreed,
/// or a migration was just written from a proven snapshot).
pub fn remember_proven(ctx: &Context) {
    if let Ok(memo) = ProofMemo::of(ctx) {
        memo.remember();
    }
}

/// The fingerprint of the migrations and snapshot last proven, kept in a file of the
/// system's temporary directory named after the project and backend: nothing is
/// written into the project.
struct ProofMemo {
    file: std::path::PathBuf,
    fingerprint: String,
}

impl ProofMemo {
    fn of(ctx: &Context) -> Result<ProofMemo> {
        use sha2::{Digest, Sha256};
        let project = &ctx.project;
        let backend = format!("{:?}", ctx.db_url()?.backend());
        let mut hash = Sha256::new();
        hash.update(backend.as_bytes());
        let mut files = Vec::new();
        for dir in [
            project.migrations_src(),
            project.snapshot_dir().join("tables"),
            project.snapshot_dir().join("enums"),
            project.snapshot_dir().join("views"),
        ] {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                files.extend(entries.filter_map(|e| e.ok()).map(|e| e.path()));
            }
        }
        files.sort();
        for path in files.iter().filter(|p| p.is_file()) {
            hash.update(path.to_string_lossy().as_bytes());
            hash.update([0]);
            hash.update(std::fs::read(path)?);
            hash.update([0]);
        }
        let fingerprint = format!("{:x}", hash.finalize());
        let place = format!(
            "{:x}",
            Sha256::digest(format!("{}\0{backend}", project.root.display()).as_bytes())
        );
        Ok(ProofMemo {
            file: std::env::temp_dir()
                .join("manage-proofs")
                .join(&place[..32]),
            fingerprint,
        })
    }

    fn holds(&self) -> bool {
        std::fs::read_to_string(&self.file).is_ok_and(|kept| kept == self.fingerprint)
    }

    /// Best effort: without it the next run proves again.
    fn remember(&self) {
        if let Some(dir) = self.file.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = std::fs::write(&self.file, &self.fingerprint);
        }
    }
}
