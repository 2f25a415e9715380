//! The generative round trip: random, seeded sequences of entity changes on a few
//! related tables holding rows, each generated, built, applied, compared with its
//! snapshot, rolled back, compared with the one before, and applied again, on every
//! backend. The examples of `round_trip_on_every_backend` are what someone thought
//! of; these are what nobody did.
//!
//! CI runs the seeds of `CI_SEEDS`. A longer run:
//!
//! ```text
//! MANAGE_GENERATIVE_SEEDS=1-40 MANAGE_GENERATIVE_CHANGES=12 \
//!     cargo nextest run -E 'test(generated_change_sequences_round_trip)'
//! ```
//!
//! A failing sequence is printed with its seed; with `MANAGE_GENERATIVE_SHRINK=1` it
//! is then shrunk: changes are left out one at a time while it still fails, and the
//! smallest failing sequence is printed (each try rebuilds the scenario, so this is
//! for a developer's machine, not CI).

use super::{assert_schema, block_on};
use crate::support::db::{ALL, TestDb};
use crate::support::scenario::Scenario;
use crate::support::stage::stage;
use manage::schema::Schema;
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;

/// Seeds run by the test command: a fixed, small set within CI's time.
const CI_SEEDS: &[u64] = &[7];
/// Changes per sequence by default (each is one migration).
const CI_CHANGES: usize = 9;

/// xorshift64*: reproducible from the seed, with no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Big,
    /// `String`; `Some(n)` with `column_type = "String(StringLen::N(n))"`.
    Str(Option<u32>),
    Text,
    Bool,
    Float,
    /// `Vec<u8>` with no column type.
    Bytes,
    /// An `ActiveEnum` with this many values (`v0`, `v1`, ..): a PostgreSQL enum type,
    /// MySQL's `ENUM`, text on SQLite.
    Enum(u8),
}

impl Kind {
    fn rust(self) -> &'static str {
        match self {
            Kind::Int => "i32",
            Kind::Big => "i64",
            Kind::Str(_) | Kind::Text => "String",
            Kind::Bool => "bool",
            Kind::Float => "f64",
            Kind::Bytes => "Vec<u8>",
            Kind::Enum(_) => unreachable!("named after its column: Col::rust_type"),
        }
    }

    /// Indexable on every backend (MySQL cannot index TEXT or BLOB without a length).
    fn indexable(self) -> bool {
        !matches!(self, Kind::Text | Kind::Bytes)
    }

    /// The SQL literal row `row` holds in column `col`: distinct per row.
    fn value(self, row: usize, col: usize) -> String {
        match self {
            Kind::Int | Kind::Big => (row * 10 + col).to_string(),
            Kind::Str(_) | Kind::Text => format!("'v{row}_{col}'"),
            Kind::Bool => if row.is_multiple_of(2) {
                "TRUE"
            } else {
                "FALSE"
            }
            .into(),
            Kind::Float => format!("{row}.5"),
            Kind::Bytes => "NULL".into(),
            Kind::Enum(n) => format!("'v{}'", row % usize::from(n)),
        }
    }

    /// What `--default` fills existing NULLs with when the column becomes NOT NULL.
    fn fill(self) -> Option<&'static str> {
        match self {
            Kind::Int | Kind::Big | Kind::Float => Some("0"),
            Kind::Str(_) | Kind::Text => Some("filled"),
            Kind::Bool | Kind::Bytes | Kind::Enum(_) => None,
        }
    }
}

#[derive(Clone, Debug)]
struct Col {
    name: String,
    kind: Kind,
    nullable: bool,
    unique: bool,
    indexed: bool,
    /// Declared with `default_value` (a new NOT NULL column).
    default: bool,
    /// A key to the table with this id (always nullable).
    refs: Option<usize>,
    /// Whether its rows may hold the same value (a default or a fill): then it cannot
    /// become unique.
    repeats: bool,
    /// An enum column's type: `e_<its first name>`, kept through renames.
    enum_name: String,
}

impl Col {
    fn rust_type(&self) -> String {
        match self.kind {
            Kind::Enum(_) => self.enum_type(),
            kind => kind.rust().to_string(),
        }
    }

    /// `e_c5` is `EC5`.
    fn enum_type(&self) -> String {
        format!("E{}", self.enum_name[2..].to_uppercase())
    }
}

#[derive(Clone, Debug)]
struct Tbl {
    /// Its entity module is `t{id}`, whatever the table is called.
    id: usize,
    name: String,
    cols: Vec<Col>,
}

#[derive(Clone, Debug, Default)]
struct World {
    tables: Vec<Tbl>,
}

impl World {
    fn table(&self, id: usize) -> Option<&Tbl> {
        self.tables.iter().find(|t| t.id == id)
    }

    fn table_mut(&mut self, id: usize) -> Option<&mut Tbl> {
        self.tables.iter_mut().find(|t| t.id == id)
    }

    fn referenced(&self, id: usize) -> bool {
        self.tables
            .iter()
            .any(|t| t.id != id && t.cols.iter().any(|c| c.refs == Some(id)))
    }
}

/// One model edit; each becomes one migration.
#[derive(Clone, Debug)]
enum Change {
    AddTable(Tbl),
    DropTable {
        id: usize,
    },
    RenameTable {
        id: usize,
        to: String,
    },
    AddColumn {
        id: usize,
        col: Col,
    },
    DropColumn {
        id: usize,
        col: String,
    },
    RenameColumn {
        id: usize,
        from: String,
        to: String,
    },
    SetKind {
        id: usize,
        col: String,
        kind: Kind,
    },
    SetNullable {
        id: usize,
        col: String,
        nullable: bool,
    },
    SetUnique {
        id: usize,
        col: String,
        unique: bool,
    },
    SetIndexed {
        id: usize,
        col: String,
        indexed: bool,
    },
}

impl Change {
    /// Applies the change to `world` if it still makes sense there (a shrunk sequence
    /// may have lost what a later change needs); returns the answers makemigrations
    /// needs for it, or `None` when it does not apply.
    fn apply(&self, world: &mut World) -> Option<Vec<String>> {
        let column = |world: &World, id: usize, name: &str| -> Option<Col> {
            world
                .table(id)?
                .cols
                .iter()
                .find(|c| c.name == name)
                .cloned()
        };
        match self {
            Change::AddTable(t) => {
                if world.table(t.id).is_some()
                    || world.tables.iter().any(|o| o.name == t.name)
                    || t.cols
                        .iter()
                        .any(|c| c.refs.is_some_and(|r| world.table(r).is_none()))
                {
                    return None;
                }
                world.tables.push(t.clone());
                Some(vec![])
            }
            Change::DropTable { id } => {
                world.table(*id)?;
                if world.referenced(*id) {
                    return None;
                }
                world.tables.retain(|t| t.id != *id);
                Some(vec![])
            }
            Change::RenameTable { id, to } => {
                if world.tables.iter().any(|t| t.name == *to) {
                    return None;
                }
                let t = world.table_mut(*id)?;
                let answer = format!("{}={to}", t.name);
                t.name = to.clone();
                Some(vec!["--rename".into(), answer])
            }
            Change::AddColumn { id, col } => {
                if column(world, *id, &col.name).is_some()
                    || col.refs.is_some_and(|r| world.table(r).is_none())
                {
                    return None;
                }
                world.table_mut(*id)?.cols.push(col.clone());
                Some(vec![])
            }
            Change::DropColumn { id, col } => {
                let c = column(world, *id, col)?;
                // Its rollback would give every row one value (makemigrations warns).
                if c.unique && !c.nullable && !c.default {
                    return None;
                }
                world.table_mut(*id)?.cols.retain(|c| c.name != *col);
                Some(vec![])
            }
            Change::RenameColumn { id, from, to } => {
                if column(world, *id, to).is_some() {
                    return None;
                }
                column(world, *id, from)?;
                let t = world.table_mut(*id)?;
                let answer = format!("{}.{from}={to}", t.name);
                t.cols.iter_mut().find(|c| c.name == *from)?.name = to.clone();
                Some(vec!["--rename".into(), answer])
            }
            Change::SetKind { id, col, kind } => {
                let c = column(world, *id, col)?;
                if c.refs.is_some() || c.default || (!kind.indexable() && (c.unique || c.indexed)) {
                    return None;
                }
                let t = world.table_mut(*id)?;
                t.cols.iter_mut().find(|c| c.name == *col)?.kind = *kind;
                Some(vec![])
            }
            Change::SetNullable { id, col, nullable } => {
                let c = column(world, *id, col)?;
                if c.refs.is_some() || c.nullable == *nullable {
                    return None;
                }
                let mut answers = vec![];
                if !nullable {
                    let fill = c.kind.fill()?;
                    if c.unique {
                        return None;
                    }
                    answers = vec![
                        "--default".into(),
                        format!("{}.{col}={fill}", world.table(*id)?.name),
                    ];
                }
                let t = world.table_mut(*id)?;
                let c = t.cols.iter_mut().find(|c| c.name == *col)?;
                c.nullable = *nullable;
                if !nullable {
                    c.repeats = true;
                }
                Some(answers)
            }
            Change::SetUnique { id, col, unique } => {
                let c = column(world, *id, col)?;
                // A unique column needs no index of its own: never both.
                if c.unique == *unique
                    || !c.kind.indexable()
                    || (*unique && (c.repeats || c.indexed))
                {
                    return None;
                }
                let t = world.table_mut(*id)?;
                t.cols.iter_mut().find(|c| c.name == *col)?.unique = *unique;
                Some(vec![])
            }
            Change::SetIndexed { id, col, indexed } => {
                let c = column(world, *id, col)?;
                if c.indexed == *indexed || !c.kind.indexable() || c.unique {
                    return None;
                }
                let t = world.table_mut(*id)?;
                t.cols.iter_mut().find(|c| c.name == *col)?.indexed = *indexed;
                Some(vec![])
            }
        }
    }
}

/// A random column named `name`, possibly a key to one of `targets`.
fn random_col(rng: &mut Rng, name: String, targets: &[usize], new_in_table: bool) -> Col {
    let kinds = [
        Kind::Int,
        Kind::Big,
        Kind::Str(None),
        Kind::Str(Some(50)),
        Kind::Text,
        Kind::Bool,
        Kind::Float,
        Kind::Bytes,
        Kind::Enum(2),
    ];
    if let Some(&target) = rng.pick(targets).filter(|_| rng.below(4) == 0) {
        return Col {
            name,
            kind: Kind::Int,
            nullable: true,
            unique: false,
            indexed: false,
            default: false,
            refs: Some(target),
            repeats: false,
            enum_name: String::new(),
        };
    }
    let kind = *rng.pick(&kinds).unwrap();
    let mut col = Col {
        enum_name: format!("e_{name}"),
        name,
        kind,
        nullable: kind == Kind::Bytes || rng.below(2) == 0,
        unique: false,
        indexed: false,
        default: false,
        refs: None,
        repeats: false,
    };
    // A column added to a table with rows is nullable, or NOT NULL with a default
    // (then every row holds that default).
    if !new_in_table && !col.nullable {
        if matches!(kind, Kind::Int | Kind::Big | Kind::Str(None)) {
            col.default = true;
            col.repeats = true;
        } else {
            col.nullable = true;
        }
    }
    if new_in_table && kind.indexable() {
        col.unique = rng.below(4) == 0;
        col.indexed = !col.unique && rng.below(4) == 0;
    }
    col
}

/// A sequence of `n` changes drawn from `seed`, each valid where it is applied.
fn draw(seed: u64, n: usize) -> Vec<Change> {
    let mut rng = Rng::new(seed);
    let mut world = World::default();
    let mut names = 0;
    let mut fresh = |prefix: &str| {
        names += 1;
        format!("{prefix}{names}")
    };
    let mut out = Vec::new();
    let mut next_id = 0;
    while out.len() < n {
        let ids: Vec<usize> = world.tables.iter().map(|t| t.id).collect();
        let roll = rng.below(12);
        let change = match roll {
            _ if world.tables.is_empty() || (roll == 0 && world.tables.len() < 4) => {
                next_id += 1;
                let cols = (0..1 + rng.below(3))
                    .map(|_| random_col(&mut rng, fresh("c"), &ids, true))
                    .collect();
                Change::AddTable(Tbl {
                    id: next_id,
                    name: fresh("g"),
                    cols,
                })
            }
            1 => Change::DropTable {
                id: *rng.pick(&ids).unwrap(),
            },
            2 => Change::RenameTable {
                id: *rng.pick(&ids).unwrap(),
                to: fresh("g"),
            },
            3 | 4 => {
                let id = *rng.pick(&ids).unwrap();
                let targets: Vec<usize> = ids.iter().copied().filter(|&t| t != id).collect();
                Change::AddColumn {
                    id,
                    col: random_col(&mut rng, fresh("c"), &targets, false),
                }
            }
            pick => {
                let id = *rng.pick(&ids).unwrap();
                let cols = world.table(id).unwrap().cols.clone();
                let Some(col) = rng.pick(&cols).cloned() else {
                    continue;
                };
                let name = col.name.clone();
                match pick {
                    5 => Change::DropColumn { id, col: name },
                    6 => Change::RenameColumn {
                        id,
                        from: name,
                        to: fresh("c"),
                    },
                    7 | 8 => Change::SetKind {
                        id,
                        col: name,
                        kind: match col.kind {
                            Kind::Int => Kind::Big,
                            Kind::Big => Kind::Int,
                            Kind::Str(None) => Kind::Str(Some(100)),
                            Kind::Str(Some(100)) => Kind::Str(Some(50)),
                            Kind::Str(Some(_)) => Kind::Text,
                            Kind::Text => Kind::Str(None),
                            // A value appended (PostgreSQL: `ADD VALUE`).
                            Kind::Enum(n) if n < 5 => Kind::Enum(n + 1),
                            Kind::Bool | Kind::Float | Kind::Bytes | Kind::Enum(_) => continue,
                        },
                    },
                    9 => Change::SetNullable {
                        id,
                        col: name,
                        nullable: !col.nullable,
                    },
                    10 => Change::SetUnique {
                        id,
                        col: name,
                        unique: !col.unique,
                    },
                    _ => Change::SetIndexed {
                        id,
                        col: name,
                        indexed: !col.indexed,
                    },
                }
            }
        };
        if change.apply(&mut world).is_some() {
            out.push(change);
        }
    }
    out
}

/// The entity file of `t`.
fn entity(t: &Tbl, world: &World) -> String {
    let mut fields = String::new();
    let mut relations = String::new();
    for c in &t.cols {
        let mut attrs = Vec::new();
        match c.kind {
            Kind::Str(Some(n)) => {
                attrs.push(format!("column_type = \"String(StringLen::N({n}))\""))
            }
            Kind::Text => attrs.push("column_type = \"Text\"".into()),
            _ => {}
        }
        if c.unique {
            attrs.push("unique".into());
        }
        if c.indexed {
            attrs.push("indexed".into());
        }
        if c.default {
            attrs.push(match c.kind {
                Kind::Str(_) => "default_value = \"d\"".into(),
                _ => "default_value = 7".into(),
            });
        }
        if !attrs.is_empty() {
            fields += &format!("    #[sea_orm({})]\n", attrs.join(", "));
        }
        let ty = if c.nullable {
            format!("Option<{}>", c.rust_type())
        } else {
            c.rust_type()
        };
        fields += &format!("    pub {}: {ty},\n", c.name);
        if let Some(target) = c.refs.filter(|r| world.table(*r).is_some()) {
            let variant = heck_camel(&c.name);
            relations += &format!(
                "    #[sea_orm(\n        belongs_to = \"super::t{target}::Entity\",\n        \
                 from = \"Column::{variant}\",\n        to = \"super::t{target}::Column::Id\"\n    )]\n    \
                 {variant},\n"
            );
        }
    }
    let mut enums = String::new();
    for c in t.cols.iter() {
        let Kind::Enum(n) = c.kind else { continue };
        let values: String = (0..n)
            .map(|v| format!("    #[sea_orm(string_value = \"v{v}\")]\n    V{v},\n"))
            .collect();
        enums += &format!(
            "\n#[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]\n\
             #[sea_orm(rs_type = \"String\", db_type = \"Enum\", enum_name = \"{}\")]\n\
             pub enum {} {{\n{values}}}\n",
            c.enum_name,
            c.enum_type()
        );
    }
    format!(
        "use sea_orm::entity::prelude::*;\n\n\
         #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n\
         #[sea_orm(table_name = \"{}\")]\n\
         pub struct Model {{\n    #[sea_orm(primary_key)]\n    pub id: i32,\n{fields}}}\n\n\
         #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\n\
         pub enum Relation {{\n{relations}}}\n\n\
         impl ActiveModelBehavior for ActiveModel {{}}\n{enums}",
        t.name
    )
}

/// `c12` -> `C12`: the Column variant SeaORM derives for a field.
fn heck_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Writes the models of `world` into the scenario (every entity file, the lib.rs).
fn write_models(s: &Scenario, world: &World) {
    let dir = s.path("models/src");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "lib.rs" {
            std::fs::remove_file(path).unwrap();
        }
    }
    let mut lib = String::new();
    for t in &world.tables {
        lib += &format!("pub mod t{};\n", t.id);
        std::fs::write(dir.join(format!("t{}.rs", t.id)), entity(t, world)).unwrap();
    }
    std::fs::write(dir.join("lib.rs"), lib).unwrap();
}

/// Inserts two rows into `t`: the first with every column set, the second with its
/// nullable columns NULL.
fn insert_rows(url: &str, t: &Tbl) {
    block_on(async {
        let db = sea_orm::Database::connect(url).await.unwrap();
        let quote = |name: &str| match db.get_database_backend() {
            sea_orm::DbBackend::MySql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        };
        for row in 1..=2 {
            let mut names = vec![quote("id")];
            let mut values = vec![row.to_string()];
            for (i, c) in t.cols.iter().enumerate() {
                if c.default {
                    continue;
                }
                names.push(quote(&c.name));
                values.push(if c.refs.is_some() || (row == 2 && c.nullable) {
                    "NULL".into()
                } else {
                    c.kind.value(row, i)
                });
            }
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                quote(&t.name),
                names.join(", "),
                values.join(", ")
            );
            db.execute_unprepared(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        db.close().await.unwrap();
    })
}

/// Rows per table, by table name.
fn row_counts(url: &str, world: &World) -> BTreeMap<String, i64> {
    block_on(async {
        let db = sea_orm::Database::connect(url).await.unwrap();
        let mut out = BTreeMap::new();
        for t in &world.tables {
            let quoted = match db.get_database_backend() {
                sea_orm::DbBackend::MySql => format!("`{}`", t.name),
                _ => format!("\"{}\"", t.name),
            };
            let sql = format!("SELECT COUNT(*) FROM {quoted}");
            let stmt = sea_orm::Statement::from_string(db.get_database_backend(), sql);
            let row = db.query_one_raw(stmt).await.unwrap().unwrap();
            out.insert(t.name.clone(), row.try_get_by_index::<i64>(0).unwrap());
        }
        db.close().await.unwrap();
        out
    })
}

/// Tables whose row count differs between `a` and `b`, among those the step keeps:
/// `kept` pairs each one's name in `a` with its name in `b` (a rename keeps rows); a
/// table the step creates or drops has rows on one side only.
fn shared(
    a: &BTreeMap<String, i64>,
    b: &BTreeMap<String, i64>,
    kept: &[(String, String)],
) -> Vec<(String, i64, i64)> {
    kept.iter()
        .filter_map(|(x, y)| Some((y.clone(), *a.get(x)?, *b.get(y)?)))
        .filter(|(_, n, m)| n != m)
        .collect()
}

/// Generates, builds and round-trips `changes` in the scenario `label`, on every
/// backend; panics at the first failure.
fn run(label: &str, changes: &[Change]) {
    let s = Scenario::new(label);
    let _ = std::fs::remove_dir_all(s.path("migrations/schema"));
    let mut world = World::default();
    // Per migration: its name, the snapshot after it, the world after it, the tables
    // it created (by id), the change as a failure names it.
    let mut steps: Vec<(String, Schema, World, Vec<usize>, String)> = Vec::new();
    for (i, change) in changes.iter().enumerate() {
        let what = format!("generative run {label}, change {i} {change:?}");
        let _stage = stage(format!("{what} (generating its migration)"));
        let before = world.clone();
        let Some(answers) = change.apply(&mut world) else {
            continue;
        };
        write_models(&s, &world);
        s.build();
        let message = format!("step {i}");
        let mut args = vec!["makemigrations", "-m", message.as_str(), "--no-input"];
        args.extend(answers.iter().map(String::as_str));
        let out = s.manage(&args).ok();
        let Some(name) = crate::support::created_migration(&out.stdout) else {
            panic!("{change:?} wrote no migration:\n{}", out.stdout);
        };
        let again = s.manage(&["makemigrations", "--check"]).ok();
        assert!(again.stdout.contains("No changes detected"), "{change:?}");
        let new: Vec<usize> = world
            .tables
            .iter()
            .filter(|t| before.table(t.id).is_none())
            .map(|t| t.id)
            .collect();
        let snapshot = manage::read::snapshot::read_snapshot(&s.path("migrations/schema")).unwrap();
        steps.push((name, snapshot, world.clone(), new, what));
    }
    let mut doing = stage(format!("generative run {label}: building the scenario"));
    s.build();

    for backend in ALL {
        doing.set(format!("generative run {label} on {backend}"));
        let Some(db) = TestDb::create(backend, label) else {
            continue;
        };
        let url = db.url.as_str();
        let manage = |args: &[&str]| s.manage_at(url, args);
        let empty = (Schema::default(), World::default());
        for (i, (name, snapshot, world, new, what)) in steps.iter().enumerate() {
            doing.set(format!("{what} on {backend}"));
            let (before_schema, before_world) = match i {
                0 => (&empty.0, &empty.1),
                _ => (&steps[i - 1].1, &steps[i - 1].2),
            };
            let counts_before = row_counts(url, before_world);
            let kept: Vec<(String, String)> = before_world
                .tables
                .iter()
                .filter_map(|t| Some((t.name.clone(), world.table(t.id)?.name.clone())))
                .collect();
            let kept_back: Vec<(String, String)> =
                kept.iter().map(|(x, _)| (x.clone(), x.clone())).collect();
            let apply = |when: &str| {
                manage(&["migrate", name]).ok();
                assert_schema(&s, url, backend, snapshot, &format!("{when} {name}"));
                for id in new {
                    insert_rows(url, world.table(*id).unwrap());
                }
                let counts = row_counts(url, world);
                let lost = shared(&counts_before, &counts, &kept);
                assert!(
                    lost.is_empty(),
                    "{} {when} {name}: rows {lost:?}",
                    backend.name()
                );
            };
            apply("after applying");
            manage(&["rollback", "--yes"]).ok();
            assert_schema(
                &s,
                url,
                backend,
                before_schema,
                &format!("after reverting {name}"),
            );
            let lost = shared(&counts_before, &row_counts(url, before_world), &kept_back);
            assert!(
                lost.is_empty(),
                "{} after reverting {name}: rows {lost:?}",
                backend.name()
            );
            apply("after re-applying");
        }
        doing.set(format!(
            "generative run {label} on {backend}: `check` at the end"
        ));
        manage(&["check"]).ok();
    }
}

/// Leaves out changes one at a time while the sequence still fails; returns the
/// smallest failing sequence found.
fn shrink(label: &str, mut changes: Vec<Change>) -> Vec<Change> {
    let mut at = 0;
    while at < changes.len() {
        let mut fewer = changes.clone();
        fewer.remove(at);
        let fails = std::panic::catch_unwind(|| run(label, &fewer)).is_err();
        if fails {
            changes = fewer;
        } else {
            at += 1;
        }
    }
    changes
}

fn seeds() -> Vec<u64> {
    let Ok(spec) = std::env::var("MANAGE_GENERATIVE_SEEDS") else {
        return CI_SEEDS.to_vec();
    };
    spec.split(',')
        .flat_map(|part| match part.split_once('-') {
            Some((a, b)) => (a.trim().parse().unwrap()..=b.trim().parse().unwrap()).collect(),
            None => vec![part.trim().parse().unwrap()],
        })
        .collect()
}

#[test]
fn generated_change_sequences_round_trip() {
    let n: usize = std::env::var("MANAGE_GENERATIVE_CHANGES")
        .ok()
        .map(|v| v.parse().unwrap())
        .unwrap_or(CI_CHANGES);
    let mut failed = Vec::new();
    for seed in seeds() {
        let changes = draw(seed, n);
        let label = format!("gen{seed}");
        eprintln!("seed {seed}: {} changes: {changes:#?}", changes.len());
        if std::panic::catch_unwind(|| run(&label, &changes)).is_ok() {
            eprintln!("seed {seed}: passed");
            continue;
        }
        if std::env::var("MANAGE_GENERATIVE_SHRINK").as_deref() == Ok("1") {
            let smallest = shrink(&label, changes);
            eprintln!("seed {seed}: smallest failing sequence: {smallest:#?}");
        }
        failed.push(seed);
    }
    assert!(failed.is_empty(), "seeds that failed: {failed:?}");
}
