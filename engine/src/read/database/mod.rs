//! Reads a live database into the normalized [`Schema`] with sea-schema discovery.
//!
//! Each backend spells types, defaults and constraints its own way; this module maps
//! them back to the model's words. What a backend cannot tell apart (SQLite's integer
//! widths, MySQL's enum names) is evened out later by [`crate::schema::compare`]. What entities
//! cannot declare (partial indexes, checks, triggers, views) is read by [`unmanaged`].

mod unmanaged;

use crate::read::entities;
use crate::schema::{self, Action, Column, ColumnType, Enum, ForeignKey, Index, Schema, Table};
use anyhow::{Context, Result};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::collections::BTreeMap;

/// The schema of the connected database, leaving out the tables named in `skip`. On
/// PostgreSQL, the tables of the connection's schema and of `schemas` (those entities
/// name with `schema_name`), the latter as `schema.table`.
pub async fn introspect(
    db: &DatabaseConnection,
    skip: &[&str],
    schemas: &[String],
) -> Result<Schema> {
    let mut schema = match db.get_database_backend() {
        DbBackend::Sqlite => sqlite(db).await,
        DbBackend::Postgres => postgres_schemas(db, schemas).await,
        DbBackend::MySql => mysql(db).await,
        other => anyhow::bail!("introspection of {other:?} is not supported"),
    }
    .context("reading the database schema")?;
    schema
        .tables
        .retain(|name, _| !skip.contains(&name.as_str()));
    let found = unmanaged::read(db, schemas).await?;
    let partial = found.index_names();
    for (name, table) in &mut schema.tables {
        table
            .indexes
            .retain(|i| !partial.contains(&(name.as_str(), i.name.as_str())));
    }
    for (table, object) in found.objects {
        if let Some(table) = schema.tables.get_mut(&table) {
            table.unmanaged.push(object);
        }
    }
    schema.views = found
        .views
        .into_iter()
        .map(|v| (v.name.clone(), v))
        .collect();
    for table in schema.tables.values_mut() {
        table.sort();
    }
    Ok(schema)
}

fn action_from(name: &str) -> Action {
    match name {
        "Cascade" => Action::Cascade,
        "Restrict" => Action::Restrict,
        "SetNull" => Action::SetNull,
        "SetDefault" => Action::SetDefault,
        _ => Action::NoAction,
    }
}

async fn sqlite(db: &DatabaseConnection) -> Result<Schema> {
    use sea_schema::sqlite::def::DefaultType;
    let pool = db.get_sqlite_connection_pool().clone();
    let found = sea_schema::sqlite::discovery::SchemaDiscovery::new(pool)
        .discover()
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut schema = Schema::default();
    for t in &found.tables {
        if t.name.starts_with("sqlite_") {
            continue;
        }
        let primary_key: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        let columns = t
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                ty: entities::column_type(&c.r#type, &mut Schema::default()),
                nullable: !c.not_null && !c.primary_key,
                default: match &c.default_value {
                    DefaultType::Integer(n) => Some(schema::Default::Int(*n)),
                    DefaultType::Float(f) => Some(schema::Default::Float(f64::from(*f))),
                    DefaultType::String(s) => Some(schema::Default::String(s.clone())),
                    DefaultType::CurrentTimestamp => Some(schema::Default::CurrentTimestamp),
                    DefaultType::Null | DefaultType::Unspecified => None,
                },
                unique: false,
                auto_increment: t.auto_increment && c.primary_key && primary_key.len() == 1,
            })
            .collect();
        let mut indexes: Vec<Index> = found
            .indexes
            .iter()
            .filter(|i| i.table_name == t.name)
            .chain(t.constraints.iter())
            .map(|i| Index {
                name: i.index_name.clone(),
                columns: i.columns.clone(),
                unique: i.unique,
            })
            .collect();
        indexes.dedup_by(|a, b| a.name == b.name);
        let foreign_keys = t
            .foreign_keys
            .iter()
            .map(|fk| ForeignKey {
                name: String::new(),
                columns: fk.from.clone(),
                ref_table: fk.table.clone(),
                ref_columns: fk.to.clone(),
                on_delete: action_from(&format!("{:?}", fk.on_delete)),
                on_update: action_from(&format!("{:?}", fk.on_update)),
            })
            .collect();
        schema.tables.insert(
            t.name.clone(),
            Table {
                name: t.name.clone(),
                columns,
                primary_key,
                indexes,
                foreign_keys,
                unmanaged: Vec::new(),
            },
        );
    }
    Ok(schema)
}

/// The tables of the connection's schema and of the named `schemas`.
async fn postgres_schemas(db: &DatabaseConnection, schemas: &[String]) -> Result<Schema> {
    let current = query_string(db, "SELECT CURRENT_SCHEMA()").await?;
    let mut all = postgres(db, &current, None, &BTreeMap::new()).await?;
    // Enum types are created in the connection's schema (sea-orm names them
    // unqualified), also for columns of tables in named schemas.
    let current_enums = all.enums.clone();
    for named in schemas {
        let more = postgres(db, named, Some(named), &current_enums).await?;
        // `schema_name` naming the connection's own schema: its tables are the
        // entities' `schema.table`, not unqualified ones as well.
        if *named == current {
            for name in more.tables.keys() {
                all.tables.remove(schema::split_name(name).1);
            }
        }
        all.tables.extend(more.tables);
        for (name, e) in more.enums {
            all.enums.entry(name).or_insert(e);
        }
    }
    resolve_references(&mut all);
    Ok(all)
}

/// The tables of PostgreSQL schema `nsp`, called `nsp.table` when it is `named` by
/// entities rather than the connection's own; a column of a type that is not `nsp`'s
/// own is one of `other_enums` if it names one.
async fn postgres(
    db: &DatabaseConnection,
    nsp: &str,
    named: Option<&str>,
    other_enums: &BTreeMap<String, Enum>,
) -> Result<Schema> {
    use sea_schema::postgres::def::{ColumnDefault, Type};
    let pool = db.get_postgres_connection_pool().clone();
    let found = sea_schema::postgres::discovery::SchemaDiscovery::new(pool, nsp)
        .discover()
        .await?;
    let mut schema = Schema::default();
    for e in &found.enums {
        schema.enums.insert(
            e.typename.clone(),
            Enum {
                name: e.typename.clone(),
                values: e.values.clone(),
            },
        );
    }
    let indexes = postgres_indexes(db, nsp).await?;
    for t in &found.tables {
        let bare = t.info.name.clone();
        let name = schema::qualified_name(named, &bare);
        let primary_key = t
            .primary_key_constraints
            .first()
            .map(|pk| pk.columns.clone())
            .unwrap_or_default();
        let columns = t
            .columns
            .iter()
            .map(|c| {
                let ty = match &c.col_type {
                    Type::SmallInt => ColumnType::SmallInteger,
                    Type::Integer | Type::Serial => ColumnType::Integer,
                    Type::BigInt | Type::BigSerial => ColumnType::BigInteger,
                    Type::Decimal(a) | Type::Numeric(a) => ColumnType::Decimal {
                        precision: a
                            .precision
                            .map(|p| (u32::from(p), u32::from(a.scale.unwrap_or(0)))),
                    },
                    Type::Real => ColumnType::Float,
                    Type::DoublePrecision => ColumnType::Double,
                    Type::Varchar(a) => ColumnType::String {
                        length: a.length.map(u32::from),
                    },
                    Type::Char(a) => ColumnType::Char {
                        length: a.length.map(u32::from),
                    },
                    Type::Text => ColumnType::Text,
                    Type::Bytea => ColumnType::Blob,
                    Type::Timestamp(_) => ColumnType::DateTime,
                    Type::TimestampWithTimeZone(_) => ColumnType::TimestampWithTimeZone,
                    Type::Date => ColumnType::Date,
                    Type::Time(_) => ColumnType::Time,
                    Type::Boolean => ColumnType::Boolean,
                    Type::Uuid => ColumnType::Uuid,
                    Type::Json => ColumnType::Json,
                    Type::JsonBinary => ColumnType::JsonBinary,
                    Type::Enum(e) => ColumnType::Enum {
                        name: e.typename.clone(),
                        values: e.values.clone(),
                    },
                    Type::Unknown(udt) if other_enums.contains_key(udt) => ColumnType::Enum {
                        name: udt.clone(),
                        values: other_enums[udt].values.clone(),
                    },
                    other => ColumnType::Custom {
                        sql: format!("{other:?}").to_lowercase(),
                    },
                };
                let mut auto_increment = c.is_identity;
                let default = match &c.default {
                    None => None,
                    Some(ColumnDefault::AutoIncrement(_)) => {
                        auto_increment = true;
                        None
                    }
                    Some(ColumnDefault::Int(n)) => Some(schema::Default::Int(*n)),
                    Some(ColumnDefault::Real(f)) => Some(schema::Default::Float(*f)),
                    Some(ColumnDefault::Bool(b)) => Some(schema::Default::Bool(*b)),
                    Some(ColumnDefault::String(s)) => Some(schema::Default::String(s.clone())),
                    Some(ColumnDefault::CurrentTimestamp) => {
                        Some(schema::Default::CurrentTimestamp)
                    }
                    Some(ColumnDefault::Expression(e)) => Some(postgres_default(e)),
                };
                Column {
                    name: c.name.clone(),
                    ty,
                    nullable: c.not_null.is_none(),
                    default,
                    unique: false,
                    auto_increment,
                }
            })
            .collect();
        let foreign_keys = t
            .reference_constraints
            .iter()
            .map(|r| ForeignKey {
                name: r.name.clone(),
                columns: r.columns.clone(),
                ref_table: r.table.clone(),
                ref_columns: r.foreign_columns.clone(),
                on_delete: r
                    .on_delete
                    .as_ref()
                    .map_or(Action::NoAction, |a| action_from(&format!("{a:?}"))),
                on_update: r
                    .on_update
                    .as_ref()
                    .map_or(Action::NoAction, |a| action_from(&format!("{a:?}"))),
            })
            .collect();
        schema.tables.insert(
            name.clone(),
            Table {
                indexes: indexes
                    .iter()
                    .filter(|(table, _)| *table == bare)
                    .map(|(_, i)| i.clone())
                    .collect(),
                name,
                columns,
                primary_key,
                foreign_keys,
                unmanaged: Vec::new(),
            },
        );
    }
    Ok(schema)
}

/// PostgreSQL keeps literal defaults with a cast: `'abc'::character varying`.
fn postgres_default(expr: &str) -> schema::Default {
    let bare = match expr.rfind("::") {
        Some(at) if expr.starts_with('\'') || expr.starts_with("('") => &expr[..at],
        _ => expr,
    };
    let bare = bare.trim_start_matches('(').trim_end_matches(')');
    if let Some(s) = bare.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        let s = s.replace("''", "'");
        return match s.parse::<i64>() {
            Ok(n)
                if expr.contains("::integer")
                    || expr.contains("::bigint")
                    || expr.contains("::smallint") =>
            {
                schema::Default::Int(n)
            }
            _ => schema::Default::String(s),
        };
    }
    schema::Default::Expr(expr.to_string())
}

/// A foreign key names the table it references without its schema: one in a named
/// schema references a table of that schema if there is one, else of the connection's.
/// One in the connection's schema references a table of its own schema if there is
/// one, else the only table of that name in a named schema.
fn resolve_references(schema: &mut Schema) {
    let names: std::collections::BTreeSet<String> = schema.tables.keys().cloned().collect();
    for (name, table) in &mut schema.tables {
        let nsp = schema::split_name(name).0;
        for fk in &mut table.foreign_keys {
            let same = schema::qualified_name(nsp, &fk.ref_table);
            if names.contains(&same) {
                fk.ref_table = same;
                continue;
            }
            let elsewhere: Vec<&String> = names
                .iter()
                .filter(|n| schema::split_name(n).1 == fk.ref_table && n.contains('.'))
                .collect();
            if let ([only], false) = (elsewhere.as_slice(), names.contains(&fk.ref_table)) {
                fk.ref_table = (*only).clone();
            }
        }
    }
}

/// Every plain index of schema `nsp` but primary keys (sea-schema reports only the
/// unique ones); partial and expression indexes are unmanaged, read elsewhere.
async fn postgres_indexes(db: &DatabaseConnection, nsp: &str) -> Result<Vec<(String, Index)>> {
    let sql = "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
               ix.indisunique AS is_unique, \
               array_to_string(array_agg(a.attname::text ORDER BY k.n), ',') AS columns \
               FROM pg_index ix \
               JOIN pg_class i ON i.oid = ix.indexrelid \
               JOIN pg_class t ON t.oid = ix.indrelid \
               JOIN pg_namespace ns ON ns.oid = t.relnamespace \
               CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
               WHERE ns.nspname = {} AND NOT ix.indisprimary \
               AND ix.indpred IS NULL AND ix.indexprs IS NULL \
               GROUP BY t.relname, i.relname, ix.indisunique";
    // A literal rather than a parameter: no prepared statement, which a
    // transaction-mode pooler would not keep.
    let sql = sql.replace("{}", &format!("'{}'", nsp.replace('\'', "''")));
    let rows = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    rows.iter()
        .map(|row| {
            let columns: String = row.try_get("", "columns")?;
            Ok((
                row.try_get("", "table_name")?,
                Index {
                    name: row.try_get("", "index_name")?,
                    columns: columns.split(',').map(str::to_string).collect(),
                    unique: row.try_get("", "is_unique")?,
                },
            ))
        })
        .collect()
}

async fn mysql(db: &DatabaseConnection) -> Result<Schema> {
    use sea_schema::mysql::def::{ColumnDefault, Type};
    let pool = db.get_mysql_connection_pool().clone();
    let current = query_string(db, "SELECT DATABASE()").await?;
    let found = sea_schema::mysql::discovery::SchemaDiscovery::new(pool, &current)
        .discover()
        .await?;
    let mut schema = Schema::default();
    for t in &found.tables {
        let name = t.info.name.clone();
        let columns = t
            .columns
            .iter()
            .map(|c| {
                let unsigned = |a: &sea_schema::mysql::def::NumericAttr| a.unsigned == Some(true);
                let ty = match &c.col_type {
                    Type::Bool => ColumnType::Boolean,
                    Type::TinyInt(a) if a.maximum == Some(1) => ColumnType::Boolean,
                    Type::TinyInt(a) if unsigned(a) => ColumnType::TinyUnsigned,
                    Type::TinyInt(_) => ColumnType::TinyInteger,
                    Type::SmallInt(a) if unsigned(a) => ColumnType::SmallUnsigned,
                    Type::SmallInt(_) => ColumnType::SmallInteger,
                    Type::Int(a) | Type::MediumInt(a) if unsigned(a) => ColumnType::Unsigned,
                    Type::Int(_) | Type::MediumInt(_) => ColumnType::Integer,
                    Type::BigInt(a) if unsigned(a) => ColumnType::BigUnsigned,
                    Type::BigInt(_) | Type::Serial => ColumnType::BigInteger,
                    Type::Decimal(a) => ColumnType::Decimal {
                        precision: a.maximum.map(|p| (p, a.decimal.unwrap_or(0))),
                    },
                    Type::Float(_) => ColumnType::Float,
                    Type::Double(_) => ColumnType::Double,
                    Type::Char(a) | Type::NChar(a) => ColumnType::Char { length: a.length },
                    Type::Varchar(a) | Type::NVarchar(a) => ColumnType::String { length: a.length },
                    Type::Text(_) | Type::TinyText(_) | Type::MediumText(_) | Type::LongText(_) => {
                        ColumnType::Text
                    }
                    Type::Binary(a) => ColumnType::Binary {
                        length: a.length.unwrap_or(1),
                    },
                    Type::Varbinary(a) => ColumnType::VarBinary { length: a.length },
                    Type::Blob(_) | Type::TinyBlob | Type::MediumBlob | Type::LongBlob => {
                        ColumnType::Blob
                    }
                    Type::DateTime(_) => ColumnType::DateTime,
                    Type::Timestamp(_) => ColumnType::Timestamp,
                    Type::Date => ColumnType::Date,
                    Type::Time(_) => ColumnType::Time,
                    Type::Json => ColumnType::Json,
                    Type::Enum(e) => ColumnType::Enum {
                        name: String::new(),
                        values: e.values.clone(),
                    },
                    other => ColumnType::Custom {
                        sql: format!("{other:?}").to_lowercase(),
                    },
                };
                let default = match &c.default {
                    None | Some(ColumnDefault::Null) => None,
                    Some(ColumnDefault::Int(n)) => Some(schema::Default::Int(*n)),
                    Some(ColumnDefault::Real(f)) => Some(schema::Default::Float(*f)),
                    Some(ColumnDefault::String(s)) => Some(schema::Default::String(s.clone())),
                    Some(ColumnDefault::CurrentTimestamp) => {
                        Some(schema::Default::CurrentTimestamp)
                    }
                    Some(ColumnDefault::CustomExpr(e)) => Some(schema::Default::Expr(e.clone())),
                };
                Column {
                    name: c.name.clone(),
                    ty,
                    nullable: c.null,
                    default,
                    unique: false,
                    auto_increment: c.extra.auto_increment,
                }
            })
            .collect();
        let primary_key = t
            .indexes
            .iter()
            .find(|i| i.name == "PRIMARY")
            .map(|i| i.parts.iter().map(|p| p.column.clone()).collect())
            .unwrap_or_default();
        let indexes = t
            .indexes
            .iter()
            .filter(|i| i.name != "PRIMARY")
            .map(|i| Index {
                name: i.name.clone(),
                columns: i.parts.iter().map(|p| p.column.clone()).collect(),
                unique: i.unique,
            })
            .collect();
        let foreign_keys = t
            .foreign_keys
            .iter()
            .map(|fk| ForeignKey {
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                ref_table: fk.referenced_table.clone(),
                ref_columns: fk.referenced_columns.clone(),
                on_delete: action_from(&format!("{:?}", fk.on_delete)),
                on_update: action_from(&format!("{:?}", fk.on_update)),
            })
            .collect();
        schema.tables.insert(
            name.clone(),
            Table {
                name,
                columns,
                primary_key,
                indexes,
                foreign_keys,
                unmanaged: Vec::new(),
            },
        );
    }
    Ok(schema)
}

async fn query_string(db: &DatabaseConnection, sql: &str) -> Result<String> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("the database returned no row")?;
    Ok(row.try_get_by_index::<String>(0)?)
}
