//! Adopting `manage` in a project that has sea-orm migrations but no snapshot: the
//! snapshot is read from the migrated database.

use crate::compare;
use crate::executor::Executor;
use crate::project::{self, Project};
use crate::schema::Schema;
use crate::{Context, introspect, ui};
use anyhow::{Result, bail};

/// Whether this project needs a snapshot before it can diff: it has migrations but
/// no snapshot directory.
pub fn needed(project: &Project) -> Result<bool> {
    Ok(!project.snapshot_dir().exists() && !project.registered_migrations()?.is_empty())
}

/// Writes the snapshot of the migrated database, after confirmation (or `--adopt`).
pub async fn snapshot_from_database(
    ctx: &Context,
    models: &Schema,
    confirmed: bool,
) -> Result<Schema> {
    let url = ctx.db_url()?;
    let snapshot_dir = ctx.project.shown(&ctx.project.snapshot_dir());
    let question = format!(
        "{snapshot_dir} does not exist. Create it from {}?",
        url.describe()
    );
    if !confirmed && !ui::confirm(&question, "pass --adopt to create it from the database")? {
        bail!("no snapshot to compare the models with; nothing written");
    }
    let db = url.connect_for_discovery().await?;
    let (states, unknown) = Executor::new(&db, ctx.migrator).scan().await?;
    if let Some(problem) = crate::integrity::unknown_applied(&unknown, &url.describe()) {
        bail!("{problem}: its schema is not what these migrations make, so it cannot be adopted");
    }
    let pending: Vec<String> = states
        .into_iter()
        .filter(|s| s.applied_at.is_none())
        .map(|s| s.name)
        .collect();
    if !pending.is_empty() {
        bail!(
            "the database must be fully migrated to adopt it; not applied: {}",
            pending.join(", ")
        );
    }
    let table = ctx.migrator.table_name().to_string();
    let live = introspect::introspect(&db, &[table.as_str(), crate::integrity::TABLE]).await?;
    let snapshot = reconcile(&live, models, db.get_database_backend());
    ctx.project.commit(&project::snapshot_files(
        &ctx.project.snapshot_dir(),
        &snapshot,
    )?)?;
    println!(
        "Created {snapshot_dir} from {} ({} tables)",
        url.describe(),
        snapshot.tables.len()
    );
    Ok(snapshot)
}

/// The live schema, with every table the database cannot tell apart from the models'
/// replaced by the models' own definition (which keeps names and types a backend
/// does not store, such as enum names on MySQL). Real differences stay, so the next
/// makemigrations writes them.
fn reconcile(live: &Schema, models: &Schema, backend: sea_orm::DbBackend) -> Schema {
    let mut out = live.clone();
    for (name, table) in &live.tables {
        let Some(model) = models.tables.get(name) else {
            continue;
        };
        let one = |t: &crate::schema::Table| Schema {
            tables: [(name.clone(), t.clone())].into(),
            enums: models.enums.clone(),
        };
        if compare::differences(&one(model), &one(table), backend).is_empty() {
            out.tables.insert(name.clone(), model.clone());
        }
    }
    for name in out.used_enums().map(str::to_string).collect::<Vec<_>>() {
        if let Some(e) = models.enums.get(&name) {
            out.enums.entry(name).or_insert_with(|| e.clone());
        }
    }
    let used: Vec<String> = out.used_enums().map(str::to_string).collect();
    out.enums.retain(|name, _| used.contains(name));
    out
}
