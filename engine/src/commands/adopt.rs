//! Adopting `manage` in a project that has sea-orm migrations but no snapshot: the
//! snapshot is read from the migrated database.

use crate::apply::executor::Executor;
use crate::codegen::OnlyOn;
use crate::context::Context;
use crate::diff::{Change, Operation};
use crate::project::{Project, WriteLock};
use crate::read::database;
use crate::schema::compare;
use crate::schema::{Backend, Column, ColumnType, Default, Schema, Table, Unmanaged};
use crate::ui;
use crate::ui::sayln;
use anyhow::{Result, bail};

/// Whether this project needs a snapshot before it can diff: it has migrations but
/// no snapshot directory.
pub fn needed(project: &Project) -> Result<bool> {
    Ok(!project.snapshot_dir().exists() && !project.registered_migrations()?.is_empty())
}

/// Writes the snapshot of the migrated database, after confirmation (or `--adopt`);
/// returns it with the backend it was read from.
pub async fn snapshot_from_database(
    ctx: &Context,
    lock: &WriteLock,
    models: &Schema,
    confirmed: bool,
) -> Result<(Schema, Backend)> {
    let url = ctx.db_url()?;
    let snapshot_dir = ctx.project.shown(&ctx.project.snapshot_dir());
    let question = format!(
        "{snapshot_dir} does not exist. Create it from {}?",
        url.describe()
    );
    if !confirmed && !ui::confirm(&question, "pass --adopt to create it from the database")? {
        bail!("no snapshot to compare the models with; nothing written");
    }
    let (live, backend) = migrated_schema(ctx, &models.named_schemas()).await?;
    let snapshot = reconcile(&live, models, backend);
    ctx.project.commit(
        lock,
        &crate::read::snapshot::snapshot_files(&ctx.project.snapshot_dir(), &snapshot)?,
    )?;
    sayln!(
        "Created {snapshot_dir} from {} ({} tables)",
        url.describe(),
        snapshot.tables.len()
    );
    for warning in database_only(&snapshot, models) {
        ui::warn(&warning);
    }
    Ok((snapshot, Backend::of(backend)))
}

/// The schema of the configured database, which must have applied every migration of
/// this project and no other: only then is it what the migrations make.
async fn migrated_schema(
    ctx: &Context,
    schemas: &[String],
) -> Result<(Schema, sea_orm::DbBackend)> {
    let url = ctx.db_url()?;
    let db = url.connect_for_discovery().await?;
    let (states, unknown) = Executor::new(&db, ctx.migrator)
        .sources(ctx.sources())
        .scan()
        .await?;
    if let Some(problem) = crate::apply::bookkeeping::unknown_applied(&unknown, &url.describe()) {
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
    let live = database::introspect(
        &db,
        &[table.as_str(), crate::apply::bookkeeping::TABLE],
        schemas,
    )
    .await?;
    Ok((live, db.get_database_backend()))
}

/// `makemigrations --adopt` where a snapshot exists: the unmanaged objects of this
/// backend (indexes, checks, triggers, views), as the fully migrated database has them
/// now, replace those the snapshot recorded, so that one a hand-written migration made
/// is kept from then on. Returns what changed, in words.
pub async fn record_unmanaged(ctx: &Context, snapshot: &mut Schema) -> Result<Vec<String>> {
    let (live, backend) = migrated_schema(ctx, &snapshot.named_schemas()).await?;
    let backend = crate::schema::Backend::of(backend);
    let mut said = Vec::new();
    for (name, table) in &mut snapshot.tables {
        let Some(now) = live.tables.get(name) else {
            continue;
        };
        let before = std::mem::take(&mut table.unmanaged);
        let (here, elsewhere): (Vec<Unmanaged>, Vec<Unmanaged>) =
            before.into_iter().partition(|u| {
                // Defaults and columns are the managed schema's business, never re-read.
                u.definition().is_some() && u.backend() == Some(backend)
            });
        for u in now.unmanaged.iter().filter(|u| !here.contains(u)) {
            said.push(format!("recorded {}", u.describe(name)));
        }
        for u in here.iter().filter(|u| !now.unmanaged.contains(u)) {
            said.push(format!(
                "forgot {} (no longer in the database)",
                u.describe(name)
            ));
        }
        table.unmanaged = elsewhere;
        table.unmanaged.extend(now.unmanaged.iter().cloned());
        table.sort();
    }
    let (here, elsewhere): (Vec<_>, Vec<_>) = std::mem::take(&mut snapshot.views)
        .into_values()
        .partition(|v| v.backend == backend);
    for v in live.views.values().filter(|v| !here.contains(v)) {
        said.push(format!("recorded view {}", v.name));
    }
    for v in here
        .iter()
        .filter(|v| !live.views.values().any(|l| l == *v))
    {
        said.push(format!(
            "forgot view {} (no longer in the database)",
            v.name
        ));
    }
    snapshot.views = elsewhere
        .into_iter()
        .chain(live.views.into_values())
        .map(|v| (v.name.clone(), v))
        .collect();
    Ok(said)
}

/// Where a migration written from a snapshot just read from a `backend` database
/// puts that database's own terms into SQL: a type the model has no word for, or a
/// default written as an expression, in a table it drops (recreated by `down()`) or a
/// column it drops or alters (restored by `down()`). Such a migration runs there only.
pub fn written_in_terms_of(backend: Backend, ops: &[Operation]) -> Option<OnlyOn> {
    let mut because = Vec::new();
    let mut look = |table: &str, column: &Column| {
        if let ColumnType::Custom { sql } = &column.ty {
            because.push(format!("{table}.{} has its type {sql}", column.name));
        }
        if let Some(Default::Expr(expr)) = &column.default {
            because.push(format!("{table}.{} has the default {expr}", column.name));
        }
    };
    for op in ops {
        match op {
            Operation::DropTable(table) => {
                for column in &table.columns {
                    look(&table.name, column);
                }
            }
            Operation::AlterTable { from, changes, .. } => {
                for change in changes {
                    match change {
                        Change::AlterColumn { from: column, .. }
                        | Change::DropColumn { column } => look(&from.name, column),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (!because.is_empty()).then_some(OnlyOn { backend, because })
}

/// What the database has and the entities do not declare, each with what becomes of
/// it: said before the first migration is written. Unmanaged objects are kept (and
/// a default is offered for adoption into its entity); a plain index or a table the
/// entities could declare and do not is dropped by that migration, as any later
/// removal from the entities would be.
fn database_only(snapshot: &Schema, models: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    for (name, table) in &snapshot.tables {
        let Some(model) = models.tables.get(name) else {
            out.push(format!(
                "table {name} is in the database but no entity declares it: the first migration drops it"
            ));
            continue;
        };
        for object in &table.unmanaged {
            let kept = format!(
                "{} is not declared by its entity: kept as unmanaged (no generated migration \
                 drops it; `check` reports changes to it)",
                object.describe(name)
            );
            out.push(match object {
                Unmanaged::Default { default, .. } => format!(
                    "{kept}; to declare it, add {} to the field",
                    default_attribute(default)
                ),
                _ => kept,
            });
        }
        for index in &table.indexes {
            let declared = model.indexes.iter().any(|m| m.same_meaning(index))
                || (index.unique
                    && index.columns.len() == 1
                    && model.column(&index.columns[0]).is_some_and(|c| c.unique));
            if !declared {
                out.push(format!(
                    "{} {} on {name} ({}) is in the database but no entity declares it: the first \
                     migration drops it (declare it on the entity to keep it)",
                    if index.unique {
                        "unique index"
                    } else {
                        "index"
                    },
                    index.name,
                    index.columns.join(", ")
                ));
            }
        }
    }
    for view in snapshot.views.values() {
        out.push(format!(
            "view {} is kept as unmanaged (no generated migration drops it; `check` reports \
             changes to it)",
            view.name
        ));
    }
    out
}

/// The live table without what its entity does not declare, and that as unmanaged
/// objects: columns the entity lacks, defaults it lacks, and what the database alone
/// can have (already read as unmanaged). A default written as an SQL expression, or
/// a column of a type the model has no word for, is tagged with `backend`: it means
/// something only there.
fn split_database_only(live: &Table, model: &Table, backend: Backend) -> (Table, Vec<Unmanaged>) {
    let expression =
        |d: &Option<crate::schema::Default>| matches!(d, Some(crate::schema::Default::Expr(_)));
    let mut managed = live.clone();
    let mut unmanaged = std::mem::take(&mut managed.unmanaged);
    managed.columns.retain(|column| {
        let extra =
            model.column(&column.name).is_none() && !live.primary_key.contains(&column.name);
        if extra {
            let specific = expression(&column.default)
                || matches!(column.ty, crate::schema::ColumnType::Custom { .. });
            unmanaged.push(Unmanaged::Column {
                column: column.clone(),
                backend: specific.then_some(backend),
            });
        }
        !extra
    });
    for column in &mut managed.columns {
        if let (Some(declared), Some(_)) = (model.column(&column.name), &column.default)
            && declared.default.is_none()
        {
            unmanaged.push(Unmanaged::Default {
                column: column.name.clone(),
                backend: expression(&column.default).then_some(backend),
                default: column.default.take().expect("checked"),
            });
        }
    }
    (managed, unmanaged)
}

/// The entity attribute that declares `default`.
fn default_attribute(default: &crate::schema::Default) -> String {
    use crate::schema::Default as D;
    match default {
        D::Bool(b) => format!("#[sea_orm(default_value = {b})]"),
        D::Int(n) => format!("#[sea_orm(default_value = {n})]"),
        D::Float(f) => format!("#[sea_orm(default_value = {f})]"),
        D::String(text) => format!("#[sea_orm(default_value = {text:?})]"),
        D::CurrentTimestamp => "#[sea_orm(default_expr = \"Expr::current_timestamp()\")]".into(),
        D::Expr(sql) => format!(
            "#[sea_orm(default_expr = {:?})]",
            format!("Expr::cust({sql:?})")
        ),
    }
}

/// The live schema, object by object as the models say it wherever the database cannot
/// tell the two apart: a column the backend stores alike is the models' (which keeps
/// what a backend does not store, such as abstract types and enum names on MySQL), a
/// unique constraint the database keeps as an index is the models' column-level
/// `unique`, and a whole table that matches is the models' table. Indexes and foreign
/// keys keep the database's names, which later migrations refer to them by. Real
/// differences stay, so the next makemigrations writes exactly those.
pub(super) fn reconcile(live: &Schema, models: &Schema, backend: sea_orm::DbBackend) -> Schema {
    let mut out = live.clone();
    for (name, table) in &live.tables {
        let Some(model) = models.tables.get(name) else {
            continue;
        };
        let (table, unmanaged) = split_database_only(table, model, Backend::of(backend));
        let one = |t: &Table| Schema {
            tables: [(name.clone(), t.clone())].into(),
            enums: models.enums.clone(),
            ..Schema::default()
        };
        let mut reconciled = if compare::differences(&one(model), &one(&table), backend).is_empty()
        {
            let mut whole = model.clone();
            whole.carry_names_from(&table);
            whole
        } else {
            reconcile_table(&table, model, backend)
        };
        reconciled.unmanaged = unmanaged;
        reconciled.sort();
        out.tables.insert(name.clone(), reconciled);
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

/// A table that differs from its model, with what does not differ taken from the model.
fn reconcile_table(live: &Table, model: &Table, backend: sea_orm::DbBackend) -> Table {
    let mut out = live.clone();
    // The unique constraint of `.unique_key()`, which the database reports as a unique
    // index under the name it gives a column's constraint, is the models' `unique`.
    let mut unique_columns = Vec::new();
    out.indexes.retain(|index| {
        let [column] = index.columns.as_slice() else {
            return true;
        };
        let declared_on_column = model.column(column).is_some_and(|c| c.unique);
        let default_name = match backend {
            sea_orm::DbBackend::Postgres => {
                index.name == format!("{}_{column}_key", crate::schema::split_name(&live.name).1)
            }
            sea_orm::DbBackend::MySql => index.name == *column,
            // Rebuilt, never altered in place: names do not matter.
            _ => true,
        };
        if index.unique && declared_on_column && default_name {
            unique_columns.push(column.clone());
            return false;
        }
        true
    });
    for column in &mut out.columns {
        if unique_columns.contains(&column.name) {
            column.unique = true;
        }
        let Some(declared) = model.column(&column.name) else {
            continue;
        };
        let in_pk = live.primary_key.contains(&column.name);
        if compare::same_column(column, declared, in_pk, backend) {
            *column = declared.clone();
        }
    }
    // SQLite keeps no names for foreign keys: an empty one would be written into later
    // migrations (`DROP CONSTRAINT ""`, which fails on every other backend). Such a key
    // takes its model twin's name, or the name SeaORM would derive.
    let table = out.name.clone();
    for fk in out.foreign_keys.iter_mut().filter(|f| f.name.is_empty()) {
        fk.name = model
            .foreign_keys
            .iter()
            .find(|m| m.same_reference(fk))
            .map(|m| m.name.clone())
            .unwrap_or_else(|| crate::schema::foreign_key_name(&table, &fk.columns, &fk.ref_table));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::reconcile_table;
    use crate::schema::{Action, Column, ColumnType, ForeignKey, Index, Table};
    use sea_orm::DbBackend;

    fn column(name: &str, ty: ColumnType, unique: bool) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            unique,
            auto_increment: false,
        }
    }

    /// The model: `cake (id, name UNIQUE, description NULL)` with a key to `shop`.
    fn model() -> Table {
        let mut description = column("description", ColumnType::Text, false);
        description.nullable = true;
        Table {
            name: "cake".into(),
            columns: vec![
                column("id", ColumnType::Integer, false),
                column("name", ColumnType::String { length: None }, true),
                column("shop_id", ColumnType::Integer, false),
                description,
            ],
            primary_key: vec!["id".into()],
            indexes: vec![],
            foreign_keys: vec![ForeignKey {
                name: "fk-cake-shop_id".into(),
                columns: vec!["shop_id".into()],
                ref_table: "shop".into(),
                ref_columns: vec!["id".into()],
                on_delete: Action::default(),
                on_update: Action::default(),
            }],
            unmanaged: vec![],
        }
    }

    /// The database as `backend` reports the model's table without `description`.
    fn live(backend: DbBackend, unique_index: &str, fk_name: &str) -> Table {
        let mut t = model();
        t.columns.pop();
        t.columns[0].ty = ColumnType::BigInteger;
        t.columns[1].unique = false;
        if backend == DbBackend::MySql {
            t.columns[1].ty = ColumnType::String { length: Some(255) };
        }
        t.indexes = vec![Index {
            name: unique_index.into(),
            columns: vec!["name".into()],
            unique: true,
        }];
        t.foreign_keys[0].name = fk_name.into();
        t
    }

    #[test]
    fn what_only_the_database_has_is_said_with_the_attribute_that_keeps_it() {
        let mut database = model();
        database.unmanaged.push(crate::schema::Unmanaged::Default {
            backend: None,
            column: "shop_id".into(),
            default: crate::schema::Default::Int(7),
        });
        database.indexes.push(Index {
            name: "cake_recent".into(),
            columns: vec!["shop_id".into()],
            unique: false,
        });
        let snapshot = crate::schema::Schema {
            tables: [
                ("cake".to_string(), database),
                ("legacy".to_string(), model()),
            ]
            .into(),
            ..Default::default()
        };
        let models = crate::schema::Schema {
            tables: [("cake".to_string(), model())].into(),
            ..Default::default()
        };
        let said = super::database_only(&snapshot, &models);
        assert_eq!(said.len(), 3, "{said:#?}");
        assert!(
            said[0].contains("default 7 of cake.shop_id is not declared")
                && said[0].contains("kept as unmanaged")
                && said[0].contains("#[sea_orm(default_value = 7)]"),
            "{}",
            said[0]
        );
        assert!(said[1].contains("index cake_recent on cake (shop_id)"));
        assert!(said[2].starts_with("table legacy is in the database but no entity"));
    }

    #[test]
    fn what_the_entity_does_not_declare_is_kept_as_unmanaged() {
        use crate::schema::{Backend, Default as D, Schema, Unmanaged};
        let mut database = model();
        database.columns[2].default = Some(D::Int(7));
        let mut legacy = column("legacy_code", ColumnType::Text, false);
        legacy.nullable = true;
        database.columns.push(legacy.clone());
        let trigger = Unmanaged::Trigger {
            name: "cake_touch".into(),
            sql: "CREATE TRIGGER cake_touch ...".into(),
            backend: Backend::Postgres,
        };
        database.unmanaged.push(trigger.clone());
        let one = |t: Table| Schema {
            tables: [("cake".to_string(), t)].into(),
            ..Schema::default()
        };
        let got = super::reconcile(&one(database), &one(model()), DbBackend::Postgres);
        let mut want = model();
        want.unmanaged = vec![
            Unmanaged::Column {
                column: legacy,
                backend: None,
            },
            Unmanaged::Default {
                backend: None,
                column: "shop_id".into(),
                default: D::Int(7),
            },
            trigger,
        ];
        want.sort();
        assert_eq!(got.tables["cake"], want);
        // The next makemigrations sees no change, and its snapshot keeps them all.
        let (mut snapshot, mut models) = (got.clone(), one(model()));
        crate::diff::align(&mut snapshot, &mut models);
        assert_eq!(models, got);
    }

    #[test]
    fn an_expression_default_belongs_to_its_backend() {
        use crate::schema::{Backend, Default as D, Unmanaged};
        let mut database = model();
        database.columns[1].default = Some(D::Expr("gen_random_uuid()::text".into()));
        let (_, unmanaged) = super::split_database_only(&database, &model(), Backend::Postgres);
        assert_eq!(
            unmanaged,
            [Unmanaged::Default {
                column: "name".into(),
                default: D::Expr("gen_random_uuid()::text".into()),
                backend: Some(Backend::Postgres),
            }]
        );
        // Restated (and compared) on PostgreSQL only: a SQLite rebuild never writes it.
        let mut table = model();
        table.unmanaged = unmanaged;
        assert!(
            table.as_stored(Backend::Postgres).columns[1]
                .default
                .is_some()
        );
        assert!(
            table.as_stored(Backend::Sqlite).columns[1]
                .default
                .is_none()
        );
    }

    #[test]
    fn only_the_real_difference_is_left() {
        for (backend, index, fk) in [
            (DbBackend::Postgres, "cake_name_key", "fk_shop"),
            (DbBackend::MySql, "name", "fk_shop"),
            (DbBackend::Sqlite, "sqlite_autoindex_cake_1", ""),
        ] {
            let got = reconcile_table(&live(backend, index, fk), &model(), backend);
            let mut want = model();
            want.columns.pop();
            // Names the database has stay; SQLite's missing one is the model's.
            want.foreign_keys[0].name = if fk.is_empty() { "fk-cake-shop_id" } else { fk }.into();
            if backend != DbBackend::Sqlite {
                // Only SQLite stores `integer` and `bigint` alike; elsewhere it is a
                // real difference.
                want.columns[0].ty = ColumnType::BigInteger;
            }
            assert_eq!(got, want, "{backend:?}");
        }
    }

    /// Only what the database read puts into SQL binds a migration to its backend:
    /// a table it drops, a column it alters back; not a table the entities add.
    #[test]
    fn a_migration_is_bound_to_the_backend_whose_terms_it_restores() {
        use super::written_in_terms_of;
        use crate::diff::{Change, Operation};
        use crate::schema::{Backend, Default};
        let mut legacy = model();
        legacy.name = "legacy".into();
        legacy.columns[3].ty = ColumnType::Custom { sql: "inet".into() };
        assert!(
            written_in_terms_of(Backend::Postgres, &[Operation::CreateTable(legacy.clone())])
                .is_none()
        );
        let only = written_in_terms_of(Backend::Postgres, &[Operation::DropTable(legacy)]).unwrap();
        assert_eq!(only.because, ["legacy.description has its type inet"]);

        let mut from = model().columns[1].clone();
        from.default = Some(Default::Expr("gen_name()".into()));
        let altered = Operation::AlterTable {
            from: model(),
            to: model(),
            changes: vec![Change::AlterColumn {
                to: model().columns[1].clone(),
                from,
                fill: None,
            }],
        };
        let only = written_in_terms_of(Backend::Mysql, &[altered]).unwrap();
        assert_eq!(only.backend, Backend::Mysql);
        assert_eq!(only.because, ["cake.name has the default gen_name()"]);
    }
}
