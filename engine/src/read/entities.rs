//! Reads SeaORM entities into the normalized [`Schema`].
//!
//! The binary's build script (manage-build) finds every entity module of the entity
//! crate and hands each `Entity` type to [`Entities::add`]. Everything is read from
//! SeaORM's own metadata, so the schema is exactly what
//! `Schema::create_table_from_entity` would build; and SeaORM's entity registry, which
//! every `DeriveEntityModel` joins, confirms that no entity of the crate was left out.

use crate::schema::{self, Action, Column, ColumnType, Enum, ForeignKey, Index, Schema, Table};
use sea_orm::sea_query::{self, ForeignKeyAction, Keyword, StringLen, Value};
use sea_orm::{DbBackend, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn, PrimaryKeyTrait};

/// The project's entities, as registered by the models crate. Read only when a
/// command needs the models: `migrate` at container start never pays for it.
#[derive(Default)]
pub struct Entities {
    readers: Vec<Reader>,
    /// The entity crate's name as SeaORM's registry spells module paths (`models`).
    krate: Option<String>,
}

/// One entity: the path of the module defining it (`models::user`) and how to read it.
type Reader = (&'static str, fn() -> Parts);

/// What SeaORM itself builds from one entity. Everything per-entity type stays in
/// [`Entities::add`], kept this small because it is compiled once per entity into
/// the binary, which relinks after every model edit; the reading is not generic.
struct Parts {
    create: sea_query::TableCreateStatement,
    indexes: Vec<sea_query::IndexCreateStatement>,
    primary_key: Vec<String>,
    auto_increment: bool,
}

impl Entities {
    /// The entities of the crate named `krate` (as in its Cargo.toml): every entity
    /// SeaORM registers under that name must then be added.
    pub fn of_crate(krate: &str) -> Entities {
        Entities {
            readers: Vec::new(),
            krate: Some(krate.replace('-', "_")),
        }
    }

    pub fn add<E: EntityTrait>(&mut self, _entity: E) {
        // The path of the module that defines `Entity`, as `module_path!()` gives it
        // there: what SeaORM's registry records.
        let type_path = std::any::type_name::<E>();
        let module = type_path.strip_suffix("::Entity").unwrap_or(type_path);
        self.readers.push((module, || {
            // The backend only matters for how SeaORM spells enum columns: SQLite's
            // keeps the abstract enum type, which is what the model records.
            let builder = sea_orm::Schema::new(DbBackend::Sqlite);
            Parts {
                create: builder.create_table_from_entity(E::default()),
                indexes: builder.create_index_from_entity(E::default()),
                primary_key: E::PrimaryKey::iter()
                    .map(|pk| pk.into_column().as_str().to_string())
                    .collect(),
                auto_increment: E::PrimaryKey::auto_increment(),
            }
        }));
    }

    /// Entities of the crate that SeaORM's registry has and this list lacks: a module
    /// the build script could not see (behind `#[cfg]`, made by a macro).
    fn unread(&self) -> Vec<&'static str> {
        let Some(krate) = &self.krate else {
            return Vec::new();
        };
        let read: std::collections::HashSet<&str> = self.readers.iter().map(|(m, _)| *m).collect();
        let mut missing: Vec<&'static str> = inventory::iter::<sea_orm::EntityRegistry>()
            .map(|entry| entry.module_path)
            .filter(|module| {
                module
                    .strip_prefix(krate.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            })
            .filter(|module| !read.contains(module))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// The models' tables by the names migration code gives their entities: the
    /// module (`bakery`, as in `bakery::Entity`) and sea-orm-cli's prelude alias
    /// (`Bakery`). The history scanner reads `.table(bakery::Entity)` with it.
    pub fn tables_by_entity_name(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for (module, read) in &self.readers {
            let Some(table) = read().create.get_table_name().map(table_ref_name) else {
                continue;
            };
            let word = module.rsplit("::").next().unwrap_or(module);
            out.insert(word.to_string(), table.clone());
            out.insert(heck::ToUpperCamelCase::to_upper_camel_case(word), table);
        }
        out
    }

    /// The models' schema; an error when two entities claim one table.
    pub fn schema(&self) -> anyhow::Result<Schema> {
        let unread = self.unread();
        if !unread.is_empty() {
            anyhow::bail!(
                "SeaORM registers entities that manage's build did not find: {} (in a module \
                 behind #[cfg] or made by a macro, which the build cannot follow); without \
                 them the models would look as if those tables were dropped. Declare the \
                 module with a plain `pub mod`",
                unread.join(", ")
            );
        }
        let mut schema = Schema::default();
        let mut defined_in = std::collections::HashMap::new();
        for (module, read) in &self.readers {
            let parts = read();
            let table = table_from_parts(parts, &mut schema);
            if let Some(first) = defined_in.insert(table.name.clone(), *module) {
                anyhow::bail!(
                    "two entities use the table name `{}`: {first} and {module}",
                    table.name
                );
            }
            schema.tables.insert(table.name.clone(), table);
        }
        Ok(schema)
    }
}

fn table_from_parts(parts: Parts, schema: &mut Schema) -> Table {
    let Parts {
        create,
        indexes,
        primary_key,
        auto_increment,
    } = parts;
    let name = create
        .get_table_name()
        .map(table_ref_name)
        .unwrap_or_default();
    let auto_increment = primary_key.len() == 1 && auto_increment;

    let columns = create
        .get_columns()
        .iter()
        .map(|def| {
            let spec = def.get_column_spec();
            let col_name = def.get_column_name();
            let is_pk = primary_key.contains(&col_name);
            Column {
                ty: def
                    .get_column_type()
                    .map(|ty| column_type(ty, schema))
                    .unwrap_or(ColumnType::Custom { sql: String::new() }),
                nullable: spec.nullable != Some(false) && !is_pk,
                default: spec.default.as_ref().map(default_from_expr),
                unique: spec.unique && !is_pk,
                auto_increment: is_pk && auto_increment || spec.auto_increment,
                name: col_name,
            }
        })
        .collect();

    let indexes = indexes
        .iter()
        .filter(|stmt| !stmt.is_primary_key())
        .map(|stmt| {
            let spec = stmt.get_index_spec();
            let columns = spec.get_column_names();
            Index {
                name: spec
                    .get_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| schema::index_name(&name, &columns)),
                columns,
                unique: stmt.is_unique_key(),
            }
        })
        .collect();

    let foreign_keys = create
        .get_foreign_key_create_stmts()
        .iter()
        .map(|stmt| {
            let fk = stmt.get_foreign_key();
            let columns = fk.get_columns();
            let ref_table = fk.get_ref_table().map(table_ref_name).unwrap_or_default();
            ForeignKey {
                name: fk
                    .get_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| schema::foreign_key_name(&name, &columns, &ref_table)),
                columns,
                ref_columns: fk.get_ref_columns(),
                ref_table,
                on_delete: action(fk.get_on_delete()),
                on_update: action(fk.get_on_update()),
            }
        })
        .collect();

    let mut table = Table {
        name,
        columns,
        primary_key,
        indexes,
        foreign_keys,
        unmanaged: Vec::new(),
    };
    table.sort();
    table
}

/// The bare table name of a reference (schema qualifiers are not modelled yet).
/// The model's name of a table SeaORM refers to: `schema.table` for an entity with
/// `schema_name`.
fn table_ref_name(table: &sea_query::TableRef) -> String {
    match table {
        sea_query::TableRef::Table(sea_query::TableName(schema, name), _) => {
            schema::qualified_name(
                schema.as_ref().map(|s| s.1.to_string()).as_deref(),
                &name.to_string(),
            )
        }
        other => format!("{other:?}"),
    }
}

fn action(action: Option<ForeignKeyAction>) -> Action {
    match action {
        Some(ForeignKeyAction::Cascade) => Action::Cascade,
        Some(ForeignKeyAction::Restrict) => Action::Restrict,
        Some(ForeignKeyAction::SetNull) => Action::SetNull,
        Some(ForeignKeyAction::SetDefault) => Action::SetDefault,
        _ => Action::NoAction,
    }
}

/// Maps SeaQuery's column type to the model's, recording enum types on the way.
pub fn column_type(ty: &sea_query::ColumnType, schema: &mut Schema) -> ColumnType {
    use sea_query::ColumnType as Q;
    let len = |l: &StringLen| match l {
        StringLen::N(n) => Some(*n),
        _ => None,
    };
    match ty {
        Q::Char(n) => ColumnType::Char { length: *n },
        Q::String(l) => ColumnType::String { length: len(l) },
        Q::Text => ColumnType::Text,
        Q::Blob => ColumnType::Blob,
        Q::TinyInteger => ColumnType::TinyInteger,
        Q::SmallInteger => ColumnType::SmallInteger,
        Q::Integer => ColumnType::Integer,
        Q::BigInteger => ColumnType::BigInteger,
        Q::TinyUnsigned => ColumnType::TinyUnsigned,
        Q::SmallUnsigned => ColumnType::SmallUnsigned,
        Q::Unsigned => ColumnType::Unsigned,
        Q::BigUnsigned => ColumnType::BigUnsigned,
        Q::Float => ColumnType::Float,
        Q::Double => ColumnType::Double,
        Q::Decimal(p) => ColumnType::Decimal { precision: *p },
        Q::DateTime => ColumnType::DateTime,
        Q::Timestamp => ColumnType::Timestamp,
        Q::TimestampWithTimeZone => ColumnType::TimestampWithTimeZone,
        Q::Time => ColumnType::Time,
        Q::Date => ColumnType::Date,
        Q::Binary(n) => ColumnType::Binary { length: *n },
        Q::VarBinary(l) => ColumnType::VarBinary { length: len(l) },
        Q::Boolean => ColumnType::Boolean,
        Q::Json => ColumnType::Json,
        Q::JsonBinary => ColumnType::JsonBinary,
        Q::Uuid => ColumnType::Uuid,
        Q::Enum { name, variants } => {
            let name = name.to_string();
            let values: Vec<String> = variants.iter().map(|v| v.to_string()).collect();
            schema.enums.insert(
                name.clone(),
                Enum {
                    name: name.clone(),
                    values: values.clone(),
                },
            );
            ColumnType::Enum { name, values }
        }
        Q::Custom(name) => ColumnType::Custom {
            sql: name.to_string(),
        },
        other => {
            let mut sql = String::new();
            sea_query::TableBuilder::prepare_column_type(
                &sea_query::PostgresQueryBuilder,
                other,
                &mut sql,
            );
            ColumnType::Custom { sql }
        }
    }
}

fn default_from_expr(expr: &sea_query::Expr) -> schema::Default {
    use schema::Default as D;
    match expr {
        sea_query::Expr::Value(v) | sea_query::Expr::Constant(v) => match v {
            Value::Bool(Some(b)) => D::Bool(*b),
            Value::TinyInt(Some(n)) => D::Int(i64::from(*n)),
            Value::SmallInt(Some(n)) => D::Int(i64::from(*n)),
            Value::Int(Some(n)) => D::Int(i64::from(*n)),
            Value::BigInt(Some(n)) => D::Int(*n),
            Value::TinyUnsigned(Some(n)) => D::Int(i64::from(*n)),
            Value::SmallUnsigned(Some(n)) => D::Int(i64::from(*n)),
            Value::Unsigned(Some(n)) => D::Int(i64::from(*n)),
            Value::BigUnsigned(Some(n)) => D::Int(*n as i64),
            Value::Float(Some(f)) => D::Float(f64::from(*f)),
            Value::Double(Some(f)) => D::Float(*f),
            Value::String(Some(s)) => D::String(s.clone()),
            Value::Char(Some(c)) => D::String(c.to_string()),
            _ => D::Expr(render_expr(expr)),
        },
        sea_query::Expr::Keyword(Keyword::CurrentTimestamp) => D::CurrentTimestamp,
        sea_query::Expr::Custom(sql) if is_current_timestamp(sql) => D::CurrentTimestamp,
        _ => D::Expr(render_expr(expr)),
    }
}

fn is_current_timestamp(sql: &str) -> bool {
    matches!(
        sql.trim().to_ascii_lowercase().as_str(),
        "current_timestamp" | "current_timestamp()" | "now()"
    )
}

fn render_expr(expr: &sea_query::Expr) -> String {
    use sea_query::QueryBuilder;
    let mut sql = String::new();
    sea_query::PostgresQueryBuilder.prepare_expr(expr, &mut sql);
    sql
}

#[cfg(test)]
mod tests {
    mod shop_order {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(schema_name = "shop", table_name = "order")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    #[test]
    fn an_entity_in_a_named_schema_is_read_qualified() {
        let mut entities = super::Entities::default();
        entities.add(shop_order::Entity);
        let schema = entities.schema().unwrap();
        let names: Vec<&String> = schema.tables.keys().collect();
        assert_eq!(names, ["shop.order"]);
        assert_eq!(schema.named_schemas(), ["shop"]);
    }
}
