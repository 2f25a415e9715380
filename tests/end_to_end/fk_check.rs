//! SQLite applies each migration with foreign-key enforcement off and checks the keys
//! before committing. The check covers the tables a migration wrote to and those
//! referencing them, or the whole database when the statements are not understood;
//! each way, a migration that leaves a dangling key fails and leaves nothing behind.
//! An `--atomic` run checks once, before it commits.

use manage::apply::executor::Executor;
use manage::apply::migrator::Migrator;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::async_trait::async_trait;
use sea_orm_migration::prelude::*;

/// One migration running `sql`, named after the migrator.
macro_rules! migrator {
    ($migrator:ident, $name:literal, $sql:expr) => {
        struct $migrator;
        impl MigrationName for $migrator {
            fn name(&self) -> &str {
                $name
            }
        }
        #[async_trait]
        impl MigrationTrait for $migrator {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                for sql in $sql {
                    manager.get_connection().execute_unprepared(sql).await?;
                }
                Ok(())
            }
        }
        impl MigratorTrait for $migrator {
            fn migrations() -> Vec<Box<dyn MigrationTrait>> {
                vec![Box::new($migrator)]
            }
        }
    };
}

const SETUP: [&str; 4] = [
    "CREATE TABLE parent (id integer PRIMARY KEY)",
    "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id))",
    "INSERT INTO parent (id) VALUES (1)",
    "INSERT INTO child (id, parent_id) VALUES (1, 1)",
];

migrator!(Setup, "m1_setup", SETUP);
// A row written to the migration's own table points nowhere.
migrator!(
    Orphan,
    "m2_orphan",
    ["INSERT INTO child (id, parent_id) VALUES (2, 9)"]
);
// A table the migration never named loses its rows' parent.
migrator!(Unparent, "m2_unparent", ["DELETE FROM parent"]);
// A shape the scope reader does not know: the whole database is checked.
migrator!(
    Opaque,
    "m2_opaque",
    ["WITH p AS (SELECT 5 AS id) INSERT INTO child (id, parent_id) SELECT id, id FROM p"]
);
// A trigger writes a dangling key into a table no statement names.
migrator!(
    TriggerSetup,
    "m1_setup",
    [
        "CREATE TABLE parent (id integer PRIMARY KEY)",
        "CREATE TABLE child (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id))",
        "CREATE TABLE audit (parent_id integer REFERENCES parent (id))",
        "CREATE TRIGGER audit_child AFTER INSERT ON child BEGIN INSERT INTO audit VALUES (9); END",
        "INSERT INTO parent (id) VALUES (1)",
    ]
);
migrator!(
    Triggered,
    "m2_triggered",
    ["INSERT INTO child (id, parent_id) VALUES (1, 1)"]
);
// A statement that keeps every key.
migrator!(
    Fine,
    "m2_fine",
    ["INSERT INTO child (id, parent_id) VALUES (2, 1)"]
);

async fn fresh() -> DatabaseConnection {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Executor::new(&db, Migrator::of::<Setup>())
        .apply("m1_setup")
        .await
        .unwrap();
    db
}

async fn rows(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT count(*) FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

async fn applied(db: &DatabaseConnection, name: &str) -> bool {
    let sql = format!("SELECT count(*) FROM seaql_migrations WHERE version = '{name}'");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap() == 1
}

#[tokio::test]
async fn a_dangling_key_fails_the_migration_and_is_rolled_back() {
    for (name, run) in [("m2_orphan", 0), ("m2_unparent", 1), ("m2_opaque", 2)] {
        let db = fresh().await;
        let result = match run {
            0 => {
                Executor::new(&db, Migrator::of::<Orphan>())
                    .apply(name)
                    .await
            }
            1 => {
                Executor::new(&db, Migrator::of::<Unparent>())
                    .apply(name)
                    .await
            }
            _ => {
                Executor::new(&db, Migrator::of::<Opaque>())
                    .apply(name)
                    .await
            }
        };
        let err = result.expect_err(name).to_string();
        assert!(err.contains("would violate foreign keys"), "{name}: {err}");
        assert!(err.contains("table child"), "{name}: {err}");
        assert_eq!(rows(&db, "child").await, 1, "{name} was not rolled back");
        assert_eq!(rows(&db, "parent").await, 1, "{name} was not rolled back");
        assert!(!applied(&db, name).await, "{name} was recorded");
    }
}

/// A fresh database with `Setup`'s m1_setup applied, then the error `Failing`'s
/// migration `name` must fail with.
async fn failing_after<Setup: MigratorTrait, Failing: MigratorTrait>(
    name: &str,
) -> (DatabaseConnection, String) {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Executor::new(&db, Migrator::of::<Setup>())
        .apply("m1_setup")
        .await
        .unwrap();
    let err = Executor::new(&db, Migrator::of::<Failing>())
        .apply(name)
        .await
        .expect_err("a row points nowhere")
        .to_string();
    (db, err)
}

#[tokio::test]
async fn with_triggers_the_whole_database_is_checked() {
    let (db, err) = failing_after::<TriggerSetup, Triggered>("m2_triggered").await;
    assert!(err.contains("first in table audit"), "{err}");
    assert_eq!(rows(&db, "child").await, 0);
    assert_eq!(rows(&db, "audit").await, 0);
    assert!(!applied(&db, "m2_triggered").await);
}

#[tokio::test]
async fn a_migration_that_keeps_its_keys_commits() {
    let db = fresh().await;
    let executor = Executor::new(&db, Migrator::of::<Fine>());
    executor.apply("m2_fine").await.unwrap();
    executor.finish().await.unwrap();
    assert_eq!(rows(&db, "child").await, 2);
    assert!(applied(&db, "m2_fine").await);
}

// Names SQLite folds only in their ASCII letters: "Ärger" and "ärger" are two tables.
migrator!(
    UnicodeSetup,
    "m1_setup",
    [
        r#"CREATE TABLE "Eltern" (id integer PRIMARY KEY)"#,
        r#"CREATE TABLE "Ärger" (id integer PRIMARY KEY, eltern_id integer REFERENCES "Eltern" (id))"#,
    ]
);
migrator!(
    UnicodeOrphan,
    "m2_orphan",
    [r#"INSERT INTO "Ärger" (id, eltern_id) VALUES (1, 9)"#]
);

#[tokio::test]
async fn a_table_is_found_by_its_name_as_sqlite_compares_names() {
    let (db, err) = failing_after::<UnicodeSetup, UnicodeOrphan>("m2_orphan").await;
    assert!(err.contains("first in table Ärger"), "{err}");
    assert_eq!(rows(&db, "\"Ärger\"").await, 0);
}

/// Setup then Unparent in one run: the second migration's check relies on what the
/// first taught the run about which table references which.
struct SetupThenUnparent;
impl MigratorTrait for SetupThenUnparent {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Setup), Box::new(Unparent)]
    }
}

#[tokio::test]
async fn references_learnt_earlier_in_a_run_scope_later_checks() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let executor = Executor::new(&db, Migrator::of::<SetupThenUnparent>());
    executor.apply("m1_setup").await.unwrap();
    let err = executor
        .apply("m2_unparent")
        .await
        .expect_err("child's row loses its parent")
        .to_string();
    executor.finish().await.unwrap();
    assert!(err.contains("first in table child"), "{err}");
    assert_eq!(rows(&db, "parent").await, 1);
    assert!(applied(&db, "m1_setup").await);
    assert!(!applied(&db, "m2_unparent").await);
}

// Puts back the parent m2_unparent deletes.
migrator!(Mend, "m3_mend", ["INSERT INTO parent (id) VALUES (1)"]);
// Writes nothing that refers to anything.
migrator!(
    Another,
    "m3_another",
    ["INSERT INTO parent (id) VALUES (2)"]
);

struct UnparentThenMend;
impl MigratorTrait for UnparentThenMend {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Unparent), Box::new(Mend)]
    }
}

struct OrphanThenAnother;
impl MigratorTrait for OrphanThenAnother {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(Orphan), Box::new(Another)]
    }
}

/// `migrate --atomic` on `fresh()`: migrations `names` of `M` in one transaction.
async fn atomic<M: MigratorTrait>(names: [&str; 2]) -> (DatabaseConnection, anyhow::Result<()>) {
    use manage::apply::plan::Step;
    let db = fresh().await;
    let executor = Executor::new(&db, Migrator::of::<M>());
    let steps = names.map(|name| Step::Apply(name.to_string()));
    let result = manage::apply::steps::atomic(&executor, &db, &steps, false).await;
    (db, result)
}

#[tokio::test]
async fn an_atomic_run_checks_the_keys_once_before_it_commits() {
    // Broken by one migration and mended by the next: the run commits.
    let (db, result) = atomic::<UnparentThenMend>(["m2_unparent", "m3_mend"]).await;
    result.unwrap();
    assert!(applied(&db, "m2_unparent").await && applied(&db, "m3_mend").await);
    assert_eq!(rows(&db, "child").await, 1);

    // Left broken: nothing of the run remains, and the error names who broke it.
    let (db, result) = atomic::<OrphanThenAnother>(["m2_orphan", "m3_another"]).await;
    let err = format!("{:#}", result.expect_err("child's new row has no parent"));
    assert!(err.contains("would violate foreign keys"), "{err}");
    assert!(err.contains("first in table child"), "{err}");
    assert!(err.contains("written by m2_orphan"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert_eq!(rows(&db, "child").await, 1);
    assert_eq!(rows(&db, "parent").await, 1);
    assert!(!applied(&db, "m2_orphan").await && !applied(&db, "m3_another").await);
}

// A table created with its reference (nothing checked: no row changed), then given a
// row, then its parent emptied.
migrator!(
    NewKid,
    "m2_new_kid",
    ["CREATE TABLE kid (id integer PRIMARY KEY, parent_id integer REFERENCES parent (id))"]
);
migrator!(
    KidRow,
    "m3_kid_row",
    ["INSERT INTO kid (id, parent_id) VALUES (1, 1)"]
);
migrator!(
    EmptyParent,
    "m4_empty_parent",
    ["DELETE FROM child", "DELETE FROM parent"]
);

struct KidHistory;
impl MigratorTrait for KidHistory {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Setup),
            Box::new(NewKid),
            Box::new(KidRow),
            Box::new(EmptyParent),
        ]
    }
}

#[tokio::test]
async fn a_table_created_without_rows_is_checked_once_it_has_some() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let executor = Executor::new(&db, Migrator::of::<KidHistory>());
    for name in ["m1_setup", "m2_new_kid", "m3_kid_row"] {
        executor.apply(name).await.unwrap();
    }
    // The run learnt that kid references parent when m3 wrote to kid, although
    // m2, which created it, was not checked.
    let err = executor
        .apply("m4_empty_parent")
        .await
        .expect_err("kid's row loses its parent")
        .to_string();
    executor.finish().await.unwrap();
    assert!(err.contains("first in table kid"), "{err}");
    assert_eq!(rows(&db, "parent").await, 1);
    assert_eq!(rows(&db, "child").await, 1);
    assert!(applied(&db, "m3_kid_row").await);
    assert!(!applied(&db, "m4_empty_parent").await);
}

// A new table whose key names parent columns without a unique index: SQLite says so
// only when the table is checked or written.
migrator!(
    Mismatch,
    "m2_mismatch",
    [
        "CREATE TABLE coded (id integer PRIMARY KEY, code text)",
        "CREATE TABLE kid (id integer PRIMARY KEY, code text REFERENCES coded (code))",
    ]
);

#[tokio::test]
async fn a_new_key_that_matches_no_parent_key_fails_the_migration_creating_it() {
    let db = fresh().await;
    let err = Executor::new(&db, Migrator::of::<Mismatch>())
        .apply("m2_mismatch")
        .await
        .expect_err("kid's key names a column without a unique index")
        .to_string();
    assert!(err.contains("foreign key mismatch"), "{err}");
    assert!(!applied(&db, "m2_mismatch").await);
    let kid = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) FROM sqlite_master WHERE name = 'kid'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kid.try_get_by_index::<i64>(0).unwrap(), 0, "kid was kept");
}

// Renaming a parent rewrites its children's references (SQLite 3.26 and later).
migrator!(
    RenameParent,
    "m2_rename_parent",
    ["ALTER TABLE parent RENAME TO elder"]
);
migrator!(EmptyElder, "m3_empty_elder", ["DELETE FROM elder"]);

struct RenameHistory;
impl MigratorTrait for RenameHistory {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Setup),
            Box::new(RenameParent),
            Box::new(EmptyElder),
        ]
    }
}

#[tokio::test]
async fn after_a_rename_the_renamed_tables_children_are_still_checked() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let executor = Executor::new(&db, Migrator::of::<RenameHistory>());
    executor.apply("m1_setup").await.unwrap();
    executor.apply("m2_rename_parent").await.unwrap();
    let err = executor
        .apply("m3_empty_elder")
        .await
        .expect_err("child's row loses its parent, now called elder")
        .to_string();
    executor.finish().await.unwrap();
    assert!(err.contains("first in table child"), "{err}");
    assert_eq!(rows(&db, "elder").await, 1);
}
