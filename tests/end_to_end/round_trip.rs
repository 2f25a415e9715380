//! The backbone: for the example models and a chain of model edits, on every backend,
//! makemigrations → build → migrate gives a database whose introspected schema equals
//! the models'; rollback gives back the previous schema; migrate again is clean.
//!
//! Every edit's migration is generated first, then the scenario binary is built once
//! and replays the whole history on each backend. Each part is a
//! [`stage`](crate::support::stage), so a failure's first line names the step and the
//! backend it happened on.
//!
//! The history covers these changes (each checked after up, after down, and after up
//! again, with seeded rows read back each time):
//!
//! - create tables with an auto-increment key, a composite key, a big-integer key and a
//!   string key; foreign keys with ON DELETE CASCADE and SET NULL; an index and a unique
//!   column at creation; a native PostgreSQL enum; a boolean default; a nullable text
//! - add a table; add a table with foreign keys to existing tables; drop a table; drop a
//!   table that references others; drop a table with a composite foreign key
//! - add a nullable column; add a NOT NULL column with a default; add a NOT NULL column
//!   with a one-off value for existing rows; drop a nullable column; drop a NOT NULL
//!   column (restored on rollback); a rename nobody confirmed, written as drop + add
//! - widen a string; integer to big integer; char to text; timestamp to timestamp with
//!   time zone; JSON to JSONB; UUID to a string; many column types in one table
//! - nullable to NOT NULL with a one-off value; NOT NULL to nullable
//! - change a default; drop a default; add a CURRENT_TIMESTAMP default
//! - add and drop a unique constraint; add an index; drop an index; a two-column unique
//!   index
//! - change ON DELETE; change ON UPDATE; add a self-referencing foreign key; drop a
//!   foreign key and keep its column; a composite foreign key
//! - rename a column and a table, keeping their rows
//! - single to composite primary key, and back; a plain integer key becomes
//!   auto-increment (and back)
//! - add an enum value (PostgreSQL ALTER TYPE; MySQL ENUM); remove it (the rollback,
//!   which rebuilds the PostgreSQL type); drop an enum's only column, and the type

use crate::support;

mod generative;

use crate::support::db::{ALL, Backend, TestDb, block_on, execute};
use crate::support::scenario::Scenario;
use crate::support::stage::stage;
use manage::schema::compare::differences;
use manage::schema::{ColumnType, Schema};
use sea_orm::{ConnectionTrait, DbBackend};

/// One migration of the history: a model edit, named for the changes it makes.
struct Step {
    message: &'static str,
    edit: fn(&Scenario),
    /// Answers for makemigrations' questions (`--rename`, `--default`).
    answers: &'static [&'static str],
}

/// A message with everything that could break out of a comment or a string.
const HOSTILE_MESSAGE: &str =
    "Add \"nickname\" */ to users; /* \\ \"# r#\"raw\"# \u{e9}t\u{e9}\nsecond line `code` }";

const VENUE: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venues")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub capacity: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

const COMMENT: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(indexed)]
    pub event_id: i32,
    pub author_id: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub posted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventId",
        to = "super::event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id",
        on_delete = "SetNull"
    )]
    Author,
}

impl ActiveModelBehavior for ActiveModel {}
"#;

fn edit_model(s: &Scenario, file: &str, from: &str, to: &str) {
    let source = s.read_model(file);
    assert!(source.contains(from), "{file} has no `{from}`");
    s.write_model(file, &source.replacen(from, to, 1));
}

fn steps() -> Vec<Step> {
    vec![
        Step {
            message: "Initial schema: users, events and attendees",
            edit: |_| {},
            answers: &[],
        },
        Step {
            message: "add table venues",
            edit: |s| s.write_model("venue.rs", VENUE),
            answers: &[],
        },
        Step {
            message: HOSTILE_MESSAGE,
            edit: |s| {
                edit_model(
                    s,
                    "user.rs",
                    "    pub name: String,\n",
                    "    pub name: String,\n    pub nickname: Option<String>,\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "add events.capacity, NOT NULL with a default",
            edit: |s| {
                edit_model(
                    s,
                    "event.rs",
                    "    pub is_public: bool,\n",
                    "    pub is_public: bool,\n    #[sea_orm(default_value = 100)]\n    pub capacity: i32,\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "drop events.description",
            edit: |s| {
                edit_model(
                    s,
                    "event.rs",
                    "    #[sea_orm(column_type = \"Text\", nullable)]\n    pub description: Option<String>,\n",
                    "",
                )
            },
            answers: &[],
        },
        Step {
            message: "add comments, referencing events and users",
            edit: |s| s.write_model("comment.rs", COMMENT),
            answers: &[],
        },
        Step {
            message: "drop table venues",
            edit: |s| s.remove_model("venue.rs"),
            answers: &[],
        },
        Step {
            message: "widen users.name to 200 characters; events.capacity becomes a big integer",
            edit: |s| {
                edit_model(
                    s,
                    "user.rs",
                    "    pub name: String,\n",
                    "    #[sea_orm(column_type = \"String(StringLen::N(200))\")]\n    pub name: String,\n",
                );
                edit_model(
                    s,
                    "event.rs",
                    "    pub capacity: i32,\n",
                    "    pub capacity: i64,\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "users.nickname becomes NOT NULL (existing rows: anon); comments.body becomes nullable",
            edit: |s| {
                edit_model(
                    s,
                    "user.rs",
                    "    pub nickname: Option<String>,\n",
                    "    pub nickname: String,\n",
                );
                edit_model(
                    s,
                    "comment.rs",
                    "    pub body: String,\n",
                    "    pub body: Option<String>,\n",
                );
            },
            answers: &["--default", "users.nickname=anon"],
        },
        Step {
            message: "defaults: events.is_public now true, events.capacity loses its default, comments.posted_at defaults to now",
            edit: |s| {
                edit_model(
                    s,
                    "event.rs",
                    "    #[sea_orm(default_value = false)]\n",
                    "    #[sea_orm(default_value = true)]\n",
                );
                edit_model(s, "event.rs", "    #[sea_orm(default_value = 100)]\n", "");
                edit_model(
                    s,
                    "comment.rs",
                    "    pub posted_at: DateTimeUtc,\n",
                    "    #[sea_orm(default_expr = \"Expr::current_timestamp()\")]\n    pub posted_at: DateTimeUtc,\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "users.name becomes unique; a new NOT NULL column without default (existing rows: 0)",
            edit: |s| {
                edit_model(
                    s,
                    "user.rs",
                    "    #[sea_orm(column_type = \"String(StringLen::N(200))\")]\n",
                    "    #[sea_orm(column_type = \"String(StringLen::N(200))\", unique)]\n",
                );
                edit_model(
                    s,
                    "user.rs",
                    "    pub updated_at: DateTimeUtc,\n",
                    "    pub updated_at: DateTimeUtc,\n    pub login_count: i32,\n",
                );
            },
            answers: &["--default", "users.login_count=0"],
        },
        Step {
            message: "indexes: add events.starts_at, drop events.title, a two-column unique index on comments",
            edit: |s| {
                edit_model(
                    s,
                    "event.rs",
                    "    pub starts_at: DateTimeUtc,\n",
                    "    #[sea_orm(indexed)]\n    pub starts_at: DateTimeUtc,\n",
                );
                edit_model(
                    s,
                    "event.rs",
                    "    #[sea_orm(indexed)]\n    pub title: String,\n",
                    "    pub title: String,\n",
                );
                edit_model(
                    s,
                    "comment.rs",
                    "    #[sea_orm(indexed)]\n    pub event_id: i32,\n    pub author_id: Option<i32>,\n",
                    "    #[sea_orm(indexed, unique_key = \"one_per_author\")]\n    pub event_id: i32,\n    #[sea_orm(unique_key = \"one_per_author\")]\n    pub author_id: Option<i32>,\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "foreign keys: comments.author_id now cascades on delete, comments.event_id on update; events get a self-referencing parent",
            edit: |s| {
                edit_model(
                    s,
                    "comment.rs",
                    "        on_delete = \"SetNull\"\n",
                    "        on_delete = \"Cascade\"\n",
                );
                edit_model(
                    s,
                    "comment.rs",
                    "        on_delete = \"Cascade\"\n    )]\n    Event,\n",
                    "        on_delete = \"Cascade\",\n        on_update = \"Cascade\"\n    )]\n    Event,\n",
                );
                edit_model(
                    s,
                    "event.rs",
                    "    pub starts_at: DateTimeUtc,\n",
                    "    pub starts_at: DateTimeUtc,\n    pub parent_id: Option<i32>,\n",
                );
                edit_model(
                    s,
                    "event.rs",
                    "    #[sea_orm(has_many = \"super::attendee::Entity\")]\n    Attendee,\n",
                    "    #[sea_orm(has_many = \"super::attendee::Entity\")]\n    Attendee,\n    #[sea_orm(belongs_to = \"Entity\", from = \"Column::ParentId\", to = \"Column::Id\", on_delete = \"SetNull\")]\n    Parent,\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "rename users.nickname to handle, keeping the data",
            edit: |s| {
                edit_model(
                    s,
                    "user.rs",
                    "    pub nickname: String,\n",
                    "    pub handle: String,\n",
                )
            },
            answers: &["--rename", "users.nickname=handle"],
        },
        Step {
            message: "rename table comments to remarks, keeping the data",
            edit: |s| {
                let source = s
                    .read_model("comment.rs")
                    .replace("table_name = \"comments\"", "table_name = \"remarks\"");
                s.remove_model("comment.rs");
                s.write_model("remark.rs", &source);
            },
            answers: &["--rename", "comments=remarks"],
        },
        Step {
            message: "add tags (single primary key) and measurements (many column types)",
            edit: |s| {
                s.write_model("tag.rs", TAG);
                s.write_model("measurement.rs", MEASUREMENT);
            },
            answers: &[],
        },
        Step {
            message: "tags get a composite primary key (name, kind)",
            edit: |s| {
                edit_model(
                    s,
                    "tag.rs",
                    "    pub kind: String,\n",
                    "    #[sea_orm(primary_key, auto_increment = false)]\n    pub kind: String,\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "enum event_status gains archived",
            edit: |s| {
                edit_model(
                    s,
                    "event.rs",
                    "    Cancelled,\n",
                    "    Cancelled,\n    #[sea_orm(string_value = \"archived\")]\n    Archived,\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "drop remarks, a table with foreign keys to others",
            edit: |s| s.remove_model("remark.rs"),
            answers: &[],
        },
        Step {
            message: "char to text, timestamp without to with time zone",
            edit: |s| {
                edit_model(
                    s,
                    "measurement.rs",
                    "    #[sea_orm(column_type = \"Char(Some(3))\")]\n",
                    "    #[sea_orm(column_type = \"Text\")]\n",
                );
                edit_model(
                    s,
                    "measurement.rs",
                    "    pub at: DateTime,\n",
                    "    pub at: DateTimeUtc,\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "json to jsonb, uuid to a 36-character string",
            edit: |s| {
                edit_model(
                    s,
                    "measurement.rs",
                    "    pub payload: Json,\n",
                    "    #[sea_orm(column_type = \"JsonBinary\")]\n    pub payload: Json,\n",
                );
                edit_model(
                    s,
                    "measurement.rs",
                    "    #[sea_orm(column_type = \"Uuid\")]\n",
                    "    #[sea_orm(column_type = \"String(StringLen::N(36))\")]\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "drop a foreign key (events.parent_id stays) and a unique constraint (users.name)",
            edit: |s| {
                edit_model(
                    s,
                    "event.rs",
                    "    #[sea_orm(belongs_to = \"Entity\", from = \"Column::ParentId\", to = \"Column::Id\", on_delete = \"SetNull\")]\n    Parent,\n",
                    "",
                );
                edit_model(s, "user.rs", "\", unique)]\n", "\")]\n");
            },
            answers: &[],
        },
        Step {
            message: "add tag_links with a composite foreign key to tags",
            edit: |s| s.write_model("tag_link.rs", TAG_LINK),
            answers: &[],
        },
        Step {
            message: "drop tag_links, then tags go back to a single-column primary key",
            edit: |s| {
                s.remove_model("tag_link.rs");
                edit_model(
                    s,
                    "tag.rs",
                    "    #[sea_orm(primary_key, auto_increment = false)]\n    pub kind: String,\n",
                    "    pub kind: String,\n",
                );
            },
            answers: &[],
        },
        Step {
            message: "drop events.status, and with it the enum type",
            edit: |s| edit_model(s, "event.rs", "    pub status: Status,\n", ""),
            answers: &[],
        },
        Step {
            message: "measurements.flag to enabled with no answer: a drop and an add",
            edit: |s| {
                edit_model(
                    s,
                    "measurement.rs",
                    "    pub flag: Option<bool>,\n",
                    "    pub enabled: Option<bool>,\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "add counters, keyed by a plain integer",
            edit: |s| s.write_model("counter.rs", COUNTER),
            answers: &[],
        },
        Step {
            message: "counters.id becomes auto-increment",
            edit: |s| {
                edit_model(
                    s,
                    "counter.rs",
                    "    #[sea_orm(primary_key, auto_increment = false)]\n",
                    "    #[sea_orm(primary_key)]\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "add shelves and books: a unique (title, shelf_id) beside the key to shelves, a cover of bytes",
            edit: |s| {
                s.write_model("shelf.rs", SHELF);
                s.write_model("book.rs", BOOK);
            },
            answers: &[],
        },
        Step {
            message: "books' unique index becomes (shelf_id, title), which serves the key",
            edit: |s| {
                edit_model(
                    s,
                    "book.rs",
                    "    #[sea_orm(unique_key = \"shelf_title\")]\n    pub title: String,\n    #[sea_orm(unique_key = \"shelf_title\")]\n    pub shelf_id: i32,\n",
                    "    #[sea_orm(unique_key = \"shelf_title\")]\n    pub shelf_id: i32,\n    #[sea_orm(unique_key = \"shelf_title\")]\n    pub title: String,\n",
                )
            },
            answers: &[],
        },
        Step {
            message: "rename table shelves to bookcases, which books reference",
            edit: |s| {
                edit_model(
                    s,
                    "shelf.rs",
                    "table_name = \"shelves\"",
                    "table_name = \"bookcases\"",
                )
            },
            answers: &["--rename", "shelves=bookcases"],
        },
    ]
}

const SHELF: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shelves")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub label: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

const BOOK: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "books")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "shelf_title")]
    pub title: String,
    #[sea_orm(unique_key = "shelf_title")]
    pub shelf_id: i32,
    pub cover: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::shelf::Entity",
        from = "Column::ShelfId",
        to = "super::shelf::Column::Id"
    )]
    Shelf,
}

impl ActiveModelBehavior for ActiveModel {}
"#;

const COUNTER: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub hits: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

const TAG_LINK: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tag_links")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub tag_name: String,
    pub tag_kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::tag::Entity",
        from = "(Column::TagName, Column::TagKind)",
        to = "(super::tag::Column::Name, super::tag::Column::Kind)",
        on_delete = "Cascade"
    )]
    Tag,
}

impl ActiveModelBehavior for ActiveModel {}
"#;

const TAG: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

const MEASUREMENT: &str = r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "measurements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub small: i16,
    pub ratio: f64,
    #[sea_orm(column_type = "Decimal(Some((10, 2)))")]
    pub price: f64,
    pub payload: Json,
    #[sea_orm(column_type = "Uuid")]
    pub token: String,
    pub day: Date,
    pub at: DateTime,
    #[sea_orm(column_type = "Char(Some(3))")]
    pub code: String,
    pub flag: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#;

fn db_backend(b: Backend) -> DbBackend {
    match b {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
        Backend::MySql => DbBackend::MySql,
    }
}

/// Step `i` of the history as a failure names it: `round trip step 3 of 30 `add ...``.
fn step_title(i: usize) -> String {
    let steps = steps();
    format!(
        "round trip step {} of {} `{}`",
        i + 1,
        steps.len(),
        steps[i].message.lines().next().unwrap_or_default()
    )
}

/// Generates every step's migration, checking makemigrations' own contract on the way.
fn generate(s: &Scenario) -> (Vec<String>, Vec<Schema>) {
    let mut names = Vec::new();
    let mut snapshots = Vec::new();
    for (i, step) in steps().iter().enumerate() {
        let _stage = stage(format!("{} (generating its migration)", step_title(i)));
        (step.edit)(s);
        s.build();
        s.manage(&["makemigrations", "--check"]).expect(1);
        let mut args: Vec<&str> = if i == 0 {
            vec!["makemigrations", "initial", "-m", step.message]
        } else {
            vec!["makemigrations", "-m", step.message]
        };
        args.extend_from_slice(step.answers);
        args.push("--no-input");
        let out = s.manage(&args).ok();
        let name = support::created_migration(&out.stdout)
            .unwrap_or_else(|| panic!("no file reported in:\n{}", out.stdout));
        let again = s.manage(&["makemigrations", "--check"]).ok();
        assert!(again.stdout.contains("No changes detected"));
        names.push(name);
        snapshots
            .push(manage::read::snapshot::read_snapshot(&s.path("migrations/schema")).unwrap());
    }
    (names, snapshots)
}

/// A hand-written migration (from `makemigrations --empty`) that changes nothing, or
/// fails half-way when FAIL_HALF_WAY is set, or at its first statement when
/// FAIL_AT_ONCE is, or panics first when PANIC_AT_ONCE is; it opts out of transactions
/// when OUTSIDE_TRANSACTION is set.
const FAILS_HALF_WAY: &str = r#"//! Changes nothing, or fails half-way when FAIL_HALF_WAY is set.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if std::env::var_os("PANIC_AT_ONCE").is_some() {
            todo!("the backfill")
        }
        if std::env::var_os("FAIL_AT_ONCE").is_some() {
            manager
                .get_connection()
                .execute_unprepared("INSERT INTO half_done_missing (id) VALUES (1)")
                .await?;
        }
        let table = Table::create()
            .table("half_done")
            .if_not_exists()
            .col(pk_auto("id"))
            .to_owned();
        manager.create_table(table).await?;
        if std::env::var_os("FAIL_HALF_WAY").is_some() {
            // A statement the database rejects: there is no such table.
            manager
                .get_connection()
                .execute_unprepared("INSERT INTO half_done_missing (id) VALUES (1)")
                .await?;
        }
        manager
            .drop_table(Table::drop().table("half_done").to_owned())
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        std::env::var_os("OUTSIDE_TRANSACTION").map(|_| false)
    }
}
"#;

fn add_failing_migration(s: &Scenario) -> String {
    let out = s
        .manage(&[
            "makemigrations",
            "--empty",
            "-m",
            "fails half-way on demand",
        ])
        .ok();
    let name = support::created_migration(&out.stdout)
        .unwrap_or_else(|| panic!("no file reported in:\n{}", out.stdout));
    // Not filled in yet: applying it fails, naming the file, and records nothing.
    s.build();
    let db = TestDb::create(Backend::Sqlite, "unwritten").unwrap();
    let out = s
        .manage(&["--database-url", db.url.as_str(), "migrate"])
        .expect(3);
    assert!(
        out.stderr.contains(&format!(
            "migrations/src/{name}.rs was made by `makemigrations --empty` and its up() is not written yet"
        )) && out.stderr.contains("nothing of it remains"),
        "{}",
        out.stderr
    );
    std::fs::write(s.path(&format!("migrations/src/{name}.rs")), FAILS_HALF_WAY).unwrap();
    name
}

fn assert_schema(s: &Scenario, url: &str, backend: Backend, expected: &Schema, when: &str) {
    let out = s
        .manage(&["--database-url", url, "schema", "--from", "database"])
        .ok();
    let live: Schema = serde_json::from_str(&out.stdout).unwrap();
    let diffs = differences(expected, &live, db_backend(backend));
    assert!(
        diffs.is_empty(),
        "{} {when}: the database does not match:\n  {}",
        backend.name(),
        diffs.join("\n  ")
    );
}

/// Rows written after the first migration; every later migration, and every rollback,
/// must keep them (SQLite table rebuilds especially, and cascades must not fire).
const SEED: &[&str] = &[
    "INSERT INTO users (id, email, name, created_at, updated_at) VALUES \
     (1, 'a@example.com', 'Ada', '2026-01-01 10:00:00', '2026-01-01 10:00:00'), \
     (2, 'b@example.com', 'Bob', '2026-01-01 10:00:00', '2026-01-01 10:00:00')",
    "INSERT INTO events (id, organizer_id, title, is_public, status, starts_at) VALUES \
     (1, 1, 'Launch', FALSE, 'draft', '2026-02-01 18:00:00')",
    "INSERT INTO attendees (event_id, user_id, registered_at) VALUES \
     (1, 1, '2026-01-02 09:00:00'), (1, 2, '2026-01-02 09:00:00')",
];

/// The seeded rows as they read back: emails by id, event titles, attendee pairs.
fn seeded_rows(url: &str) -> Vec<String> {
    block_on(async {
        let db = sea_orm::Database::connect(url).await.unwrap();
        let mut out = Vec::new();
        for (sql, cols) in [
            ("SELECT email FROM users ORDER BY id", 1),
            ("SELECT title FROM events ORDER BY id", 1),
            (
                "SELECT event_id, user_id FROM attendees ORDER BY event_id, user_id",
                2,
            ),
        ] {
            let stmt = sea_orm::Statement::from_string(db.get_database_backend(), sql);
            for row in db.query_all_raw(stmt).await.unwrap() {
                let mut line = Vec::new();
                for i in 0..cols {
                    line.push(
                        row.try_get_by_index::<String>(i)
                            .or_else(|_| row.try_get_by_index::<i32>(i).map(|n| n.to_string()))
                            .or_else(|_| row.try_get_by_index::<i64>(i).map(|n| n.to_string()))
                            .unwrap(),
                    );
                }
                out.push(line.join(","));
            }
        }
        db.close().await.unwrap();
        out
    })
}

const SEEDED: &[&str] = &["a@example.com", "b@example.com", "Launch", "1,1", "1,2"];

#[test]
fn round_trip_on_every_backend() {
    let s = Scenario::new("round-trip");
    let (names, snapshots) = generate(&s);
    let mut doing = stage("round trip: the generated files");

    // The repository's initial migration is exactly what the tool generates.
    let repo_initial = std::fs::read_dir(support::repo_root().join("migrations/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .ends_with("_initial.rs")
        })
        .expect("the repository has an initial migration");
    assert_eq!(
        std::fs::read_to_string(repo_initial).unwrap(),
        std::fs::read_to_string(s.path(&format!("migrations/src/{}.rs", names[0]))).unwrap(),
        "migrations/src/*_initial.rs differs from what makemigrations generates"
    );

    // The hostile message is in the file, verbatim, as comments only.
    let hostile =
        std::fs::read_to_string(s.path(&format!("migrations/src/{}.rs", names[2]))).unwrap();
    assert!(hostile.starts_with(&format!(
        "//! {}\n//! second line `code` }}\n",
        HOSTILE_MESSAGE.lines().next().unwrap()
    )));

    // Generated files are rustfmt-clean, and a drop that may have been a rename says so.
    let sources: Vec<std::path::PathBuf> = names
        .iter()
        .map(|n| s.path(&format!("migrations/src/{n}.rs")))
        .collect();
    let fmt = std::process::Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .args(&sources)
        .output()
        .expect("rustfmt runs");
    assert!(
        fmt.status.success(),
        "not rustfmt-clean:\n{}",
        String::from_utf8_lossy(&fmt.stdout)
    );
    let last = std::fs::read_to_string(&sources[25]).unwrap();
    assert!(
        last.contains("// WARNING: Drop column measurements.flag: its data is lost."),
        "{last}"
    );

    doing.set("round trip: the hand-written migration");
    let failing = add_failing_migration(&s);
    let all = names.len() + 1;

    // One build serves every backend: it compiles every generated migration.
    doing.set("round trip: building the scenario with every migration");
    s.build();
    let mut ran = 0;
    for backend in ALL {
        doing.set(format!(
            "round trip on {backend}: ten `migrate` processes at once"
        ));
        let Some(db) = TestDb::create(backend, "roundtrip") else {
            continue;
        };
        let url = db.url.as_str();
        let manage = |args: &[&str]| s.manage_at(url, args);
        // Ten processes migrating one fresh database at once: the lock lets one apply
        // each migration exactly once; the others wait and find nothing left to do.
        if let Some(race) = TestDb::create(backend, "race") {
            let args = ["--database-url", race.url.as_str(), "migrate"];
            let applied = support::migrate_replicas(&s.bin, s.root(), &args, 10);
            assert_eq!(
                applied,
                all,
                "{}: each migration applied exactly once",
                backend.name()
            );
            s.manage(&["--database-url", &race.url, "check"]).ok();
        }

        let rows_kept = |when: &str| {
            assert_eq!(
                seeded_rows(url),
                SEEDED,
                "{} {when}: rows changed",
                backend.name()
            );
        };
        for (i, name) in names.iter().enumerate() {
            doing.set(format!("{} on {backend}", step_title(i)));
            manage(&["migrate", name]).ok();
            assert_schema(&s, url, backend, &snapshots[i], &format!("after {name}"));
            if i == 0 {
                execute(url, SEED);
            }
            rows_kept(&format!("after {name}"));
            if i > 0 {
                manage(&["rollback", "--yes"]).ok();
                let when = format!("after reverting {name}");
                assert_schema(&s, url, backend, &snapshots[i - 1], &when);
                rows_kept(&when);
                manage(&["migrate", name]).ok();
                let when = format!("after re-applying {name}");
                assert_schema(&s, url, backend, &snapshots[i], &when);
                rows_kept(&when);
            }
        }
        doing.set(format!(
            "round trip on {backend}: adopting the migrated database, its snapshot set aside"
        ));
        manage(&["migrate"]).ok();
        manage(&["check"]).ok();

        // Adopting this database with its snapshot set aside: after every kind of change
        // above, the backend's spellings, implicit indexes and names are no difference,
        // so adopt writes no migration.
        let schema_dir = s.path("migrations/schema");
        let aside = s.path("migrations/schema.aside");
        std::fs::rename(&schema_dir, &aside).unwrap();
        let adopted = manage(&["makemigrations", "--adopt", "-m", "adopted"]);
        let snapshot = std::fs::read_dir(schema_dir.join("tables")).map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect::<Vec<_>>()
        });
        let _ = std::fs::remove_dir_all(&schema_dir);
        std::fs::rename(&aside, &schema_dir).unwrap();
        let adopted = adopted.ok();
        assert!(
            adopted.stdout.contains("No changes detected"),
            "{}: adopt wrote a migration:\n{}",
            backend.name(),
            adopted.stdout
        );
        // Nothing was mistaken for the database's own: no unmanaged object, no warning.
        let snapshot = snapshot.unwrap();
        assert!(!snapshot.is_empty());
        assert!(
            snapshot.iter().all(|t| !t.contains("\"unmanaged\""))
                && !adopted.stderr.contains("not declared"),
            "{}: {}\n{snapshot:#?}",
            backend.name(),
            adopted.stderr
        );

        doing.set(format!("round trip on {backend}: `rollback tags --all`"));
        // rollback <table>: the migration that created tags (with measurements) and
        // every later one touching either goes; unrelated later ones stay applied.
        let plan = manage(&["rollback", "tags", "--all", "--yes", "--format", "json"]).ok();
        let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
        let reverted: Vec<&str> = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = [25, 23, 22, 20, 19, 16, 15]
            .iter()
            .map(|&i| names[i].as_str())
            .collect();
        assert_eq!(reverted, expected, "{}", backend.name());
        // The plan says what reverting deletes for good.
        let creates_tags = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == names[15].as_str())
            .unwrap();
        assert!(
            creates_tags["loses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l == "table tags and its rows"),
            "{creates_tags}"
        );
        let listed: serde_json::Value =
            serde_json::from_str(&manage(&["showmigrations", "--format", "json"]).ok().stdout)
                .unwrap();
        for (i, m) in listed
            .as_array()
            .unwrap()
            .iter()
            .take(names.len())
            .enumerate()
        {
            let applied = m["applied_at"].is_i64();
            assert_eq!(
                applied,
                !expected.contains(&names[i].as_str()),
                "{} {}",
                backend.name(),
                names[i]
            );
        }
        let mut without = snapshots.last().unwrap().clone();
        without
            .tables
            .retain(|t, _| t != "tags" && t != "measurements");
        assert_schema(&s, url, backend, &without, "after rollback tags --all");
        rows_kept("after rollback tags --all");
        let out = manage(&["check"]).expect(1);
        assert!(
            format!("{}{}", out.stdout, out.stderr).contains(&format!(
                "{}, {}), as merging branches produces: `manage migrate` applies them; check \
                 that they do not conflict with {failing}",
                names[23], names[25]
            )),
            "{}: {}{}",
            backend.name(),
            out.stdout,
            out.stderr
        );
        doing.set(format!(
            "round trip on {backend}: migrations applied again after later ones"
        ));
        // Applied again now, after later migrations that stayed: out of order. What
        // was applied last is listed first and undone first (applied_at has whole
        // seconds, so a second passes first).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        // --in-order (for CI) refuses them instead, naming them, and applies nothing.
        let refused = manage(&["migrate", "--in-order"]).expect(3);
        let said = format!("older than the newest applied one {failing}: ");
        assert!(
            refused.stderr.contains(&said)
                && refused
                    .stderr
                    .contains(&format!("{}, {} (--in-order", names[23], names[25])),
            "{}: {}",
            backend.name(),
            refused.stderr
        );
        assert_schema(
            &s,
            url,
            backend,
            &without,
            "after a refused migrate --in-order",
        );
        manage(&["migrate"]).ok();
        let listed = manage(&["history", "--format", "json"]).ok();
        let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        assert_eq!(listed[0]["name"], names[25].as_str(), "{}", backend.name());
        let plan = manage(&["rollback", "--dry-run", "--format", "json"]).ok();
        let plan: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
        assert_eq!(
            plan["steps"][0]["name"],
            names[25].as_str(),
            "{}",
            backend.name()
        );
        doing.set(format!(
            "round trip on {backend}: `migrate TARGET` backwards"
        ));
        // migrate TARGET moves backwards too, by a unique part of the name.
        let back_to = &names[20];
        let part = &back_to[back_to.len() - 24..];
        manage(&["migrate", part]).ok();
        assert_schema(
            &s,
            url,
            backend,
            &snapshots[20],
            &format!("after migrate {part}"),
        );
        rows_kept("after migrating backwards");
        let out = manage(&["rollback", "usr", "--yes"]).expect(3);
        assert!(
            out.stderr.contains("did you mean `users`?"),
            "{}",
            out.stderr
        );
        manage(&["migrate"]).ok();
        manage(&["check"]).ok();

        doing.set(format!("round trip on {backend}: `migrate --atomic`"));
        // --atomic: the last two generated migrations and the failing one in one
        // transaction; the failure takes all three back.
        let run_with = |vars: &[&str], args: &[&str]| {
            let mut full = vec!["--database-url", url];
            full.extend_from_slice(args);
            let mut command = std::process::Command::new(&s.bin);
            command.args(&full).current_dir(s.root());
            for var in vars {
                command.env(var, "1");
            }
            support::Run::from_output(command.output().unwrap())
        };
        let failing_run = |args: &[&str]| run_with(&["FAIL_HALF_WAY"], args);
        if backend == Backend::MySql {
            let out = manage(&["migrate", "--atomic"]).ok();
            assert!(
                out.stdout.contains("No migrations to apply"),
                "{}",
                out.stdout
            );
            manage(&["rollback", "--yes"]).ok();
            let out = failing_run(&["migrate", "--atomic"]).expect(3);
            assert!(
                out.stderr.contains("needs transactional DDL"),
                "{}",
                out.stderr
            );
            manage(&["migrate"]).ok();
        } else {
            manage(&["rollback", "--steps", "3", "--yes"]).ok();
            let before = &snapshots[snapshots.len() - 3];
            assert_schema(&s, url, backend, before, "before --atomic");
            // A migration outside any transaction cannot be part of one: refused
            // before anything runs.
            let out = run_with(&["OUTSIDE_TRANSACTION"], &["migrate", "--atomic"]).expect(3);
            assert!(
                out.stderr
                    .contains(&format!("--atomic cannot include {failing}: it opts out")),
                "{}",
                out.stderr
            );
            assert_schema(&s, url, backend, before, "after a refused --atomic run");
            let out = failing_run(&["migrate", "--atomic"]).expect(3);
            assert!(
                out.stderr.contains("the whole run was rolled back")
                    && out.stderr.contains("half_done_missing"),
                "{}",
                out.stderr
            );
            assert_schema(&s, url, backend, before, "after a failed --atomic run");
            let out = manage(&["migrate", "--atomic"]).ok();
            assert!(
                out.stdout.contains("Committed 3 migration(s)"),
                "{}",
                out.stdout
            );
            manage(&["check"]).ok();
            // Backwards in one transaction too, and forwards again: the bookkeeping
            // rows, written together before the commit, follow the steps.
            let target = &names[names.len() - 3];
            let out = manage(&["migrate", target, "--atomic"]).ok();
            assert!(
                out.stdout.contains("Committed 3 migration(s)"),
                "{}",
                out.stdout
            );
            assert_schema(
                &s,
                url,
                backend,
                before,
                "after --atomic back to its target",
            );
            let listed = manage(&["showmigrations", "--format", "json"]).ok();
            let rows: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
            let applied = rows
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| !r["applied_at"].is_null())
                .count();
            assert_eq!(applied, all - 3, "{}", listed.stdout);
            manage(&["migrate", "--atomic"]).ok();
            manage(&["check"]).ok();
        }

        doing.set(format!(
            "round trip on {backend}: a migration that fails, panics, or fails half-way"
        ));
        // Outside a transaction, a migration whose first statement fails leaves no
        // started marker: it says nothing of it ran, and the next run does not claim
        // otherwise.
        manage(&["rollback", "--yes"]).ok();
        let out = run_with(&["FAIL_AT_ONCE", "OUTSIDE_TRANSACTION"], &["migrate"]).expect(3);
        assert!(
            out.stderr.contains("none of its statements had run"),
            "{}",
            out.stderr
        );
        manage(&["migrate"]).ok();
        manage(&["rollback", "--yes"]).ok();

        // A panic in a migration's code is that migration's failure, not a crash.
        let out = run_with(&["PANIC_AT_ONCE"], &["migrate"]).expect(3);
        assert!(
            out.stderr.contains(&format!("migration {failing} failed"))
                && out
                    .stderr
                    .contains("its code panicked: not yet implemented: the backfill")
                && out.stderr.contains("nothing of it remains"),
            "{}",
            out.stderr
        );

        // A migration failing half-way leaves nothing: not its table (where DDL is
        // transactional), not its row; the error names it.
        let out = failing_run(&["migrate"]).expect(3);
        assert!(
            out.stderr.contains(&failing)
                && out
                    .stderr
                    .contains("failing statement: INSERT INTO half_done_missing (id) VALUES (1)"),
            "{}",
            out.stderr
        );
        if backend == Backend::MySql {
            // No transactional DDL: the error lists what had already run.
            assert!(
                out.stderr.contains("had already run and remain applied")
                    && out
                        .stderr
                        .contains("1. CREATE TABLE IF NOT EXISTS `half_done`"),
                "{}",
                out.stderr
            );
        } else {
            assert!(
                out.stderr.contains("nothing of it remains"),
                "{}",
                out.stderr
            );
            assert_schema(
                &s,
                url,
                backend,
                snapshots.last().unwrap(),
                "after a failed migration",
            );
        }
        let listed = manage(&["showmigrations", "--format", "json"]).ok();
        let listed: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
        assert!(listed[names.len()]["applied_at"].is_null(), "{listed}");
        if backend == Backend::MySql {
            // Left part-way: migrate refuses until told the leftovers are dealt with
            // (this migration's CREATE ... IF NOT EXISTS tolerates them).
            // The refusal lists what the failed run had sent.
            let refused = manage(&["migrate"]).expect(3);
            assert!(
                refused.stderr.contains("stopped part-way")
                    && refused.stderr.contains("had sent 2 statement(s)")
                    && refused
                        .stderr
                        .contains("1. CREATE TABLE IF NOT EXISTS `half_done`"),
                "{}",
                refused.stderr
            );
            manage(&["check"]).expect(1);
            manage(&["migrate", "--retry"]).ok();
        }
        manage(&["migrate"]).ok();
        manage(&["check"]).ok();

        doing.set(format!(
            "round trip on {backend}: reverting everything, and migrating again"
        ));
        let steps = all.to_string();
        manage(&["rollback", "--steps", &steps, "--yes"]).ok();
        assert_schema(
            &s,
            url,
            backend,
            &Schema::default(),
            "after reverting everything",
        );
        manage(&["migrate"]).ok();
        manage(&["check"]).ok();
        let listed: serde_json::Value =
            serde_json::from_str(&manage(&["showmigrations", "--format", "json"]).ok().stdout)
                .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), all);
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["applied_at"].is_i64())
        );
        ran += 1;
    }
    drop(doing);
    assert!(ran >= 1, "no backend ran");
}

/// Entities laid out as real projects lay them out: sea-orm-cli's `mod.rs` and
/// `prelude.rs`, a nested directory, two entities in one file, a private module
/// re-exported with `pub use`, and both entity formats.
const LAYOUT: &[(&str, &str)] = &[
    (
        "lib.rs",
        "pub mod entity;\nmod hidden;\npub use hidden::*;\n",
    ),
    (
        "entity/mod.rs",
        "pub mod prelude;\npub mod shop;\npub mod two;\n",
    ),
    (
        "entity/prelude.rs",
        "pub use super::shop::customer::Entity as Customer;\n",
    ),
    ("entity/shop.rs", "pub mod customer;\n"),
    (
        "entity/shop/customer.rs",
        r#"use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    #[sea_orm(has_many)]
    pub purchases: HasMany<crate::entity::two::purchase::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
    (
        "entity/two.rs",
        r#"pub mod purchase {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "purchase")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(indexed)]
        pub customer_id: i32,
        #[sea_orm(belongs_to, from = "customer_id", to = "id", on_delete = "Cascade")]
        pub customer: BelongsTo<crate::entity::shop::customer::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "note")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub body: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
"#,
    ),
    ("hidden.rs", "pub mod tag;\n"),
    (
        "hidden/tag.rs",
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tag")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
];

#[test]
fn entities_in_any_module_layout_round_trip() {
    let s = Scenario::new("layout");
    let models = s.path("models/src");
    std::fs::remove_dir_all(&models).unwrap();
    for (file, text) in LAYOUT {
        let path = models.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    s.build();
    let out = s.manage(&["makemigrations", "-m", "layout"]).ok();
    assert!(
        out.stdout.contains("Created migrations/src/"),
        "{}",
        out.stdout
    );
    let tables: Vec<String> = {
        let out = s.manage(&["schema", "--from", "models"]).ok();
        let schema: Schema = serde_json::from_str(&out.stdout).unwrap();
        schema.tables.keys().cloned().collect()
    };
    assert_eq!(tables, ["customer", "note", "purchase", "tag"]);
    s.build();
    for backend in ALL {
        let _stage = stage(format!("module layouts on {backend}"));
        let Some(t) = TestDb::create(backend, "layout") else {
            continue;
        };
        let url = t.url.as_str();
        s.manage(&["--database-url", url, "migrate"]).ok();
        s.manage(&["--database-url", url, "check"]).ok();
        s.manage(&["--database-url", url, "rollback", "--yes"]).ok();
        assert_schema(&s, url, backend, &Schema::default(), "after the rollback");
    }

    // An entity module the build cannot follow is an error naming it, not a table
    // that looks dropped.
    let lib = models.join("lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    std::fs::write(
        &lib,
        text.replace("mod hidden;", "#[cfg(not(test))]\nmod hidden;"),
    )
    .unwrap();
    s.build();
    let out = s.manage(&["makemigrations", "--check"]).expect(3);
    assert!(
        out.stderr
            .contains("did not find: layout_models::hidden::tag"),
        "{}",
        out.stderr
    );
}

/// Entities in a PostgreSQL schema (`schema_name`), one of them named with a reserved
/// word, and a table of the connection's schema referencing one of them.
const IN_SCHEMA: &[(&str, &str)] = &[
    (
        "lib.rs",
        "pub mod customer;\npub mod note;\npub mod order;\n",
    ),
    (
        "customer.rs",
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(schema_name = "shop", table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
    (
        "order.rs",
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(schema_name = "shop", table_name = "order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub customer_id: i32,
    #[sea_orm(indexed)]
    pub total: i32,
    pub status: Status,
}

#[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "order_status")]
pub enum Status {
    #[sea_orm(string_value = "new")]
    New,
    #[sea_orm(string_value = "paid")]
    Paid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::customer::Entity",
        from = "Column::CustomerId",
        to = "super::customer::Column::Id"
    )]
    Customer,
}

impl Related<super::customer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Customer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
    (
        "note.rs",
        r#"use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub customer_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::customer::Entity",
        from = "Column::CustomerId",
        to = "super::customer::Column::Id"
    )]
    Customer,
}

impl Related<super::customer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Customer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
"#,
    ),
];

#[test]
fn entities_in_a_postgres_schema_round_trip() {
    let Some(t) = TestDb::create(Backend::Postgres, "pgschema") else {
        return;
    };
    let url = t.url.as_str();
    let s = Scenario::new("pgschema");
    let models = s.path("models/src");
    std::fs::remove_dir_all(&models).unwrap();
    std::fs::create_dir_all(&models).unwrap();
    for (file, text) in IN_SCHEMA {
        std::fs::write(models.join(file), text).unwrap();
    }
    s.build();

    // Without PostgreSQL the tables would be created unqualified: refused.
    let out = s.manage(&["makemigrations", "-m", "shop"]).expect(3);
    assert!(
        out.stderr
            .contains("PostgreSQL schemas (shop.customer, shop.order)"),
        "{}",
        out.stderr
    );
    let pg = |args: &[&str]| s.manage_at(url, args);
    pg(&["makemigrations", "-m", "shop"]).ok();
    s.build();
    pg(&["migrate"]).ok();
    pg(&["check"]).ok();
    let live = pg(&["schema", "--from", "database"]).ok();
    let live: Schema = serde_json::from_str(&live.stdout).unwrap();
    let names: Vec<&String> = live.tables.keys().collect();
    assert_eq!(names, ["note", "shop.customer", "shop.order"]);
    assert_eq!(
        live.tables["note"].foreign_keys[0].ref_table,
        "shop.customer"
    );
    // The database's own objects in the schema are seen, and recorded on request.
    execute(
        url,
        &["CREATE INDEX big_orders ON shop.\"order\" (total) WHERE total > 1000"],
    );
    let out = pg(&["check"]).expect(1);
    assert!(
        out.stdout
            .contains("index big_orders on shop.order is in the database but not in the snapshot"),
        "{}",
        out.stdout
    );
    let out = pg(&["makemigrations", "--adopt", "-m", "record"]).ok();
    assert!(
        out.stdout
            .contains("recorded index big_orders on shop.order"),
        "{}",
        out.stdout
    );
    pg(&["check"]).ok();

    // An edit to a table in the schema, and back.
    let order = models.join("order.rs");
    let text = std::fs::read_to_string(&order).unwrap();
    std::fs::write(
        &order,
        text.replace(
            "    pub total: i32,\n",
            "    pub total: i32,\n    #[sea_orm(unique)]\n    pub code: Option<String>,\n",
        ),
    )
    .unwrap();
    s.build();
    pg(&["makemigrations", "-m", "order code"]).ok();
    s.build();
    pg(&["migrate"]).ok();
    pg(&["check"]).ok();
    // The table by its qualified name: the latest change to it is the new column.
    let plan = pg(&["rollback", "shop.order", "--dry-run"]).ok();
    assert!(
        plan.stdout.contains("order_code") && !plan.stdout.contains("_shop\n"),
        "{}",
        plan.stdout
    );
    // History names the table as the entities do, qualified.
    let history = pg(&["history", "--table", "shop.order"]).ok();
    assert!(
        history.stdout.contains("shop.order (create")
            && history.stdout.contains("shop.order (alter"),
        "{}",
        history.stdout
    );
    let mermaid = pg(&["schema", "--format", "mermaid"]).ok();
    assert!(
        mermaid.stdout.contains("    shop_order[\"shop.order\"] {"),
        "{}",
        mermaid.stdout
    );
    let sql = pg(&["schema", "--format", "sql"]).ok();
    assert!(
        sql.stdout.contains("CREATE SCHEMA IF NOT EXISTS \"shop\"")
            && sql.stdout.contains("CREATE TABLE \"shop\".\"order\""),
        "{}",
        sql.stdout
    );
    // The enum type lives in the connection's schema; a value inserted between
    // others recreates it, retyping the column in the shop schema too.
    let text = std::fs::read_to_string(&order).unwrap();
    std::fs::write(
        &order,
        text.replace(
            "    New,\n",
            "    New,\n    #[sea_orm(string_value = \"held\")]\n    Held,\n",
        ),
    )
    .unwrap();
    s.build();
    pg(&["makemigrations", "-m", "held"]).ok();
    s.build();
    pg(&["migrate"]).ok();
    pg(&["check"]).ok();
    pg(&["rollback", "--yes"]).ok();
    pg(&["migrate"]).ok();
    pg(&["check"]).ok();
    pg(&["rollback", "--steps", "3", "--yes"]).ok();
    assert_schema(
        &s,
        url,
        Backend::Postgres,
        &Schema::default(),
        "after the rollback",
    );

    // The generated migration itself refuses a backend without schemas.
    let Some(other) = TestDb::create(Backend::Sqlite, "pgschema") else {
        return;
    };
    let out = s
        .manage(&["--database-url", other.url.as_str(), "migrate"])
        .expect(3);
    assert!(
        out.stderr
            .contains("changes tables in PostgreSQL schemas (shop.customer, shop.order)"),
        "{}",
        out.stderr
    );
}

/// Adopting a database that holds what only its backend can express: the first
/// migration restores it in that backend's terms (here a PostgreSQL `inet` column of a
/// table no entity declares), so it says so, runs and reverts there, and refuses
/// any other backend before a statement is sent.
#[test]
fn a_migration_adopted_in_one_backends_terms_runs_there_only() {
    let Some(db) = TestDb::create(Backend::Postgres, "adoptterms") else {
        return;
    };
    let url = db.url.as_str();
    let s = Scenario::new("adoptterms");
    s.build();
    let pg = |args: &[&str]| s.manage_at(url, args);
    pg(&["makemigrations", "-m", "init"]).ok();
    s.build();
    pg(&["migrate"]).ok();
    execute(
        url,
        &["CREATE TABLE legacy (id integer PRIMARY KEY, addr inet)"],
    );
    std::fs::remove_dir_all(s.path("migrations/schema")).unwrap();
    let out = pg(&["makemigrations", "--adopt", "-m", "adopted"]).ok();
    assert!(
        out.stderr.contains("runs on PostgreSQL only")
            && out.stderr.contains("legacy.addr has its type inet"),
        "{}",
        out.stderr
    );
    let file = std::fs::read_dir(s.path("migrations/src"))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with("_adopted.rs"))
        .unwrap()
        .path();
    let code = std::fs::read_to_string(file).unwrap();
    assert!(
        code.contains("//! Only for PostgreSQL")
            && code.contains("if manager.get_database_backend() != DbBackend::Postgres"),
        "{code}"
    );
    s.build();
    pg(&["migrate"]).ok();
    pg(&["check"]).ok();
    pg(&["rollback", "--yes"]).ok();
    let live = pg(&["schema", "--from", "database"]).ok();
    let live: Schema = serde_json::from_str(&live.stdout).unwrap();
    assert_eq!(
        live.tables["legacy"].column("addr").unwrap().ty,
        ColumnType::Custom { sql: "inet".into() }
    );
    pg(&["migrate"]).ok();

    let Some(other) = TestDb::create(Backend::Sqlite, "adoptterms") else {
        return;
    };
    let out = s
        .manage(&["--database-url", other.url.as_str(), "migrate"])
        .expect(3);
    assert!(
        out.stderr.contains(
            "written from a PostgreSQL database and only runs there (legacy.addr has its type inet)"
        ),
        "{}",
        out.stderr
    );
}
