//! The history scanner over a corpus of migration files, one per idiom people write
//! migrations with, plus the files makemigrations generates. Each corpus file states
//! what it touches in its first lines:
//!
//!   // expect: posts=create,index users=referenced
//!   // expect-renames: posts->articles
//!   // expect-opaque

use crate::support;

use manage::history::{Facts, scan};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;

/// Tables with how they are touched, renames, and whether the file is opaque.
type Expected = (
    BTreeMap<String, BTreeSet<String>>,
    Vec<(String, String)>,
    bool,
);

fn expected(source: &str) -> Expected {
    let mut tables = BTreeMap::new();
    let mut renames = Vec::new();
    let mut opaque = false;
    for line in source.lines().take_while(|l| l.starts_with("//")) {
        if let Some(list) = line.strip_prefix("// expect:") {
            // Table names may contain spaces: split on `=` boundaries.
            let mut rest = list.trim();
            while !rest.is_empty() {
                let eq = rest.find('=').unwrap();
                let name = rest[..eq].trim().to_string();
                let after = &rest[eq + 1..];
                let end = after.find(' ').unwrap_or(after.len());
                let hows = after[..end].split(',').map(str::to_string).collect();
                tables.insert(name, hows);
                rest = after[end..].trim_start();
            }
        } else if let Some(list) = line.strip_prefix("// expect-renames:") {
            for pair in list.split_whitespace() {
                let (a, b) = pair.split_once("->").unwrap();
                renames.push((a.to_string(), b.to_string()));
            }
        } else if line.starts_with("// expect-opaque") {
            opaque = true;
        }
    }
    (tables, renames, opaque)
}

fn actual(facts: &Facts) -> BTreeMap<String, BTreeSet<String>> {
    facts
        .tables
        .iter()
        .map(|(t, hows)| {
            (
                t.clone(),
                hows.iter().map(|h| h.word().to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn every_corpus_idiom_is_read() {
    let dir = support::repo_root().join("tests/corpus");
    let mut count = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = fs::read_to_string(&path).unwrap();
        let (tables, renames, opaque) = expected(&source);
        let facts = scan(&source);
        let name = path.file_name().unwrap().to_string_lossy();
        assert_eq!(
            facts.is_opaque(),
            opaque,
            "{name}: opaque? {:?}",
            facts.opaque
        );
        if !opaque {
            assert_eq!(actual(&facts), tables, "{name}");
        }
        assert_eq!(facts.renames, renames, "{name}");
        count += 1;
    }
    assert!(count >= 25, "the corpus has {count} files");
}

#[test]
fn the_generated_initial_migration_is_read() {
    let facts = manage::history::scan_dir(&support::repo_root().join("migrations/src")).unwrap();
    let (name, initial) = facts.iter().find(|(n, _)| n.ends_with("_initial")).unwrap();
    assert!(!initial.is_opaque(), "{name}: {:?}", initial.opaque);
    let tables = actual(initial);
    let set = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(tables["users"], set(&["create", "referenced"]));
    assert_eq!(tables["events"], set(&["create", "index", "referenced"]));
    assert_eq!(tables["attendees"], set(&["create"]));
}

#[test]
fn a_long_history_is_read_as_each_file_alone() {
    // Enough files that the scan is split over threads: every file must come back
    // under its own name with exactly the facts it has when read alone.
    let corpus: Vec<String> = fs::read_dir(support::repo_root().join("tests/corpus"))
        .unwrap()
        .map(|entry| fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut alone = BTreeMap::new();
    for i in 0..1200 {
        let name = format!("m20260101_{i:06}_step");
        let source = &corpus[i % corpus.len()];
        fs::write(dir.path().join(format!("{name}.rs")), source).unwrap();
        alone.insert(name, scan(source));
    }
    fs::write(dir.path().join("lib.rs"), "pub struct Migrator;").unwrap();
    fs::write(dir.path().join("notes.txt"), "not a migration").unwrap();

    let read = manage::history::scan_dir(dir.path()).unwrap();
    assert_eq!(read.len(), alone.len());
    assert!(
        read == alone,
        "scan_dir differs from reading each file alone"
    );
}

/// What reverting a migration deletes for good is read from its code: the tables it
/// creates and the columns it adds, for `rollback` plans to say.
#[test]
fn what_reverting_deletes_is_read() {
    let facts = scan(
        r#"
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(Table::create().table("tags").col(pk_auto("id")).to_owned()).await?;
        manager
            .alter_table(Table::alter().table("events").add_column(integer_null("capacity")).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table("users").drop_column("age").to_owned())
            .await
    }
}
"#,
    );
    assert_eq!(
        facts.losses(),
        [
            "table tags and its rows",
            "the columns it added to events, and their data"
        ]
    );
}

/// A table named by its entity type is read through the models: the module name as
/// in `bakery::Entity`, or sea-orm-cli's prelude alias.
#[test]
fn entity_types_are_read_through_the_models() {
    let source =
        fs::read_to_string(support::repo_root().join("tests/corpus/entity_typed_table.rs"))
            .unwrap();
    let entities: manage::history::EntityTables = [
        ("bakery".to_string(), "bakeries".to_string()),
        ("Bakery".to_string(), "bakeries".to_string()),
    ]
    .into();
    let facts = manage::history::scan_with(&source, &entities);
    assert!(!facts.is_opaque(), "{:?}", facts.opaque);
    assert_eq!(
        actual(&facts),
        [("bakeries".to_string(), ["drop".to_string()].into())].into()
    );
    let alias = source.replace("bakery::Entity", "Bakery");
    assert_eq!(
        actual(&manage::history::scan_with(&alias, &entities)),
        actual(&facts)
    );
}

/// The build computes each migration's facts without the models: they must be what
/// the run would read, for every idiom, and survive the text they are compiled in as.
/// Only a file naming a table by entity type, or by a bare name that may be one, is
/// left to the run.
#[test]
fn facts_computed_at_build_time_are_those_read_on_the_run() {
    use manage::history::{decode, encode, scan_without_models};
    let dir = support::repo_root().join("tests/corpus");
    let mut left = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let source = fs::read_to_string(&path).unwrap();
        match scan_without_models(&source) {
            Some(built) => {
                assert_eq!(built, scan(&source), "{name}");
                assert_eq!(decode(&encode(&built)).as_ref(), Some(&built), "{name}");
            }
            None => left.push(name),
        }
    }
    // A bare name may be an entity's (a prelude alias) or a variable: both are the
    // run's to read.
    left.sort();
    assert_eq!(left, ["computed_table_name.rs", "entity_typed_table.rs"]);
}

/// A file whose text is the binary's copy takes the facts its build computed; one
/// edited since, or without built facts, is read from its code.
#[test]
fn built_facts_stand_only_for_the_text_they_were_computed_from() {
    let dir = tempfile::tempdir().unwrap();
    let create = |table: &str| {
        format!(
            "use sea_orm_migration::prelude::*;\n\
             pub struct Migration;\n\
             impl MigrationTrait for Migration {{\n    \
             async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n        \
             manager.create_table(Table::create().table(\"{table}\").to_owned()).await\n    }}\n}}\n"
        )
    };
    let (same, edited, unbuilt) = (create("same"), create("edited"), create("unbuilt"));
    fs::write(dir.path().join("m20260101_000001_same.rs"), &same).unwrap();
    fs::write(dir.path().join("m20260101_000002_edited.rs"), &edited).unwrap();
    fs::write(dir.path().join("m20260101_000003_unbuilt.rs"), &unbuilt).unwrap();
    // Facts no scan would give, to see where each migration's came from.
    let marker = r#"{"tables":{"from_the_build":["create"]},"renames":[],"opaque":[]}"#;
    let built = manage::CompiledIn {
        migrations: Box::leak(
            vec![
                ("m20260101_000001_same", &*same.clone().leak()),
                (
                    "m20260101_000002_edited",
                    &*create("before the edit").leak(),
                ),
                ("m20260101_000003_unbuilt", &*unbuilt.clone().leak()),
            ]
            .into_boxed_slice(),
        ),
        facts: Box::leak(
            vec![
                ("m20260101_000001_same", marker),
                ("m20260101_000002_edited", marker),
            ]
            .into_boxed_slice(),
        ),
        ..Default::default()
    };
    let facts = manage::history::scan_dir_with(dir.path(), &built, &Default::default()).unwrap();
    let tables = |name: &str| facts[name].tables.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables("m20260101_000001_same"), ["from_the_build"]);
    assert_eq!(tables("m20260101_000002_edited"), ["edited"]);
    assert_eq!(tables("m20260101_000003_unbuilt"), ["unbuilt"]);
}
