//! The backbone: for the example models and a chain of model edits, on every backend,
//! makemigrations → build → migrate gives a database whose introspected schema equals
//! the models'; rollback gives back the previous schema; migrate again is clean.
//!
//! Every edit's migration is generated first, then the scenario binary is built once
//! and replays the whole history on each backend.

mod support;

use manage::compare::differences;
use manage::schema::Schema;
use sea_orm::DbBackend;
use support::db::{ALL, Backend, TestDb};
use support::scenario::Scenario;

struct Step {
    message: &'static str,
    edit: fn(&Scenario),
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
        },
        Step {
            message: "add table venues",
            edit: |s| s.write_model("venue.rs", VENUE),
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
        },
        Step {
            message: "add comments, referencing events and users",
            edit: |s| s.write_model("comment.rs", COMMENT),
        },
        Step {
            message: "drop table venues",
            edit: |s| s.remove_model("venue.rs"),
        },
    ]
}

fn db_backend(b: Backend) -> DbBackend {
    match b {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
        Backend::MySql => DbBackend::MySql,
    }
}

/// Generates every step's migration, checking makemigrations' own contract on the way.
fn generate(s: &Scenario) -> (Vec<String>, Vec<Schema>) {
    let created = regex::Regex::new(r"Created migrations/src/(m\d{8}_\d{6}_\w+)\.rs").unwrap();
    let mut names = Vec::new();
    let mut snapshots = Vec::new();
    for (i, step) in steps().iter().enumerate() {
        (step.edit)(s);
        s.build();
        s.manage(&["makemigrations", "--check"]).expect(1);
        let args: Vec<&str> = if i == 0 {
            vec!["makemigrations", "initial", "-m", step.message]
        } else {
            vec!["makemigrations", "-m", step.message]
        };
        let out = s.manage(&args).ok();
        let name = created
            .captures(&out.stdout)
            .unwrap_or_else(|| panic!("no file reported in:\n{}", out.stdout))[1]
            .to_string();
        let again = s.manage(&["makemigrations", "--check"]).ok();
        assert!(again.stdout.contains("No changes detected"));
        names.push(name);
        snapshots.push(manage::project::read_snapshot(&s.path("migrations/schema")).unwrap());
    }
    (names, snapshots)
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

#[test]
fn round_trip_on_every_backend() {
    let s = Scenario::new("round-trip");
    let (names, snapshots) = generate(&s);

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

    // One build serves every backend: it compiles every generated migration.
    s.build();
    let mut ran = 0;
    for backend in ALL {
        let Some(db) = TestDb::create(backend, "roundtrip") else {
            continue;
        };
        let url = db.url.as_str();
        let manage = |args: &[&str]| {
            let mut full = vec!["--database-url", url];
            full.extend_from_slice(args);
            s.manage(&full)
        };
        for (i, name) in names.iter().enumerate() {
            manage(&["migrate", name]).ok();
            assert_schema(&s, url, backend, &snapshots[i], &format!("after {name}"));
            if i > 0 {
                manage(&["rollback", "--yes"]).ok();
                assert_schema(
                    &s,
                    url,
                    backend,
                    &snapshots[i - 1],
                    &format!("after reverting {name}"),
                );
                manage(&["migrate", name]).ok();
                assert_schema(
                    &s,
                    url,
                    backend,
                    &snapshots[i],
                    &format!("after re-applying {name}"),
                );
            }
        }
        manage(&["check"]).ok();

        let steps = names.len().to_string();
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
        assert_eq!(listed.as_array().unwrap().len(), names.len());
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["applied_at"].is_i64())
        );
        ran += 1;
    }
    assert!(ran >= 1, "no backend ran");
}
