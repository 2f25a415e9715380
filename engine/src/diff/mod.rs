//! Compares two schemas and returns the operations that turn one into the other.
//!
//! Every operation carries the whole objects it changes, so that its exact inverse can
//! be generated for `down()`. The returned list is in a safe order: enum types first,
//! renames, new tables (referenced before referencing), changes that drop foreign keys
//! to dropped tables, dropped tables (referencing before referenced), the other changes
//! to existing tables, and unused enum types last.
//!
//! What the diff cannot know, it asks through a [`Questioner`]: whether a table or
//! column that disappeared was renamed, and what to fill existing rows with.

mod column;
mod operation;

pub use column::cheap_on_postgres;
use operation::same_shape;
pub use operation::{Change, Operation, rename_hints};

use crate::schema::{
    Column, Cycle, Default, ForeignKey, Index, Schema, Table, Unmanaged, creation_order,
};
use std::collections::BTreeSet;

/// Answers the questions a diff cannot answer from the schemas alone.
pub trait Questioner {
    /// Was table `from` renamed to `to`?
    fn renamed_table(&mut self, from: &str, to: &str) -> anyhow::Result<bool>;
    /// Was `table.from` renamed to `table.to`?
    fn renamed_column(&mut self, table: &str, from: &str, to: &str) -> anyhow::Result<bool>;
    /// A one-off value for existing rows of a new, or newly NOT NULL, column.
    fn fill_value(&mut self, table: &str, column: &Column) -> anyhow::Result<Default>;
}

/// Answers every rename question with "no" and has no fill values (for tests).
#[cfg(test)]
pub struct NoQuestions;

#[cfg(test)]
impl Questioner for NoQuestions {
    fn renamed_table(&mut self, _: &str, _: &str) -> anyhow::Result<bool> {
        Ok(false)
    }
    fn renamed_column(&mut self, _: &str, _: &str, _: &str) -> anyhow::Result<bool> {
        Ok(false)
    }
    fn fill_value(&mut self, table: &str, column: &Column) -> anyhow::Result<Default> {
        anyhow::bail!("{table}.{} needs a value for existing rows", column.name)
    }
}

/// Something the diff cannot turn into operations (yet); reported, never guessed.
#[derive(Debug, thiserror::Error)]
pub enum Unsupported {
    #[error("tables {0} reference each other in a cycle; this is not supported yet")]
    ForeignKeyCycle(String),
}

/// Makes the models comparable with the snapshot before [`diff`]: what the models now
/// declare of the unmanaged objects joins the snapshot's managed schema, the models
/// take the database's names for their indexes and foreign keys, and they keep the
/// snapshot's unmanaged objects (which models never declare, and which the snapshot
/// written after the migration must still hold).
/// Returns what the models took over, in words.
pub fn align(snapshot: &mut Schema, models: &mut Schema) -> Vec<String> {
    let declared = snapshot.absorb_declared(models);
    models.carry_names_from(snapshot);
    models.keep_unmanaged_of(snapshot);
    declared
}

/// The operations that turn `from` into `to`, in the order they must run.
pub fn diff(
    from: &Schema,
    to: &Schema,
    ask: &mut dyn Questioner,
) -> anyhow::Result<Vec<Operation>> {
    let mut ops = Vec::new();
    let mut enums_dropped = Vec::new();
    for (name, e) in &to.enums {
        match from.enums.get(name) {
            None => ops.push(Operation::CreateEnum(e.clone())),
            Some(old) if old.values != e.values => {
                let removed: Vec<&str> = old
                    .values
                    .iter()
                    .filter(|v| !e.values.contains(v))
                    .map(String::as_str)
                    .collect();
                let _ = removed;
                ops.push(Operation::AlterEnum {
                    from: old.clone(),
                    to: e.clone(),
                });
            }
            Some(_) => {}
        }
    }
    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            enums_dropped.push(Operation::DropEnum(e.clone()));
        }
    }

    // Tables that disappeared while a table of the same shape appeared may be renames.
    let mut from_tables = from.tables.clone();
    let mut gone: Vec<String> = from
        .tables
        .keys()
        .filter(|n| !to.tables.contains_key(*n))
        .cloned()
        .collect();
    for new in to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name))
    {
        // A table moved to another schema is not a rename (`ALTER TABLE .. RENAME`
        // stays in the schema): it is dropped and created.
        let candidate = gone.iter().position(|old| {
            same_shape(&from.tables[old], new)
                && crate::schema::split_name(old).0 == crate::schema::split_name(&new.name).0
        });
        if let Some(at) = candidate
            && ask.renamed_table(&gone[at], &new.name)?
        {
            let old = gone.remove(at);
            let mut table = from_tables.remove(&old).expect("known table");
            ops.push(Operation::RenameTable {
                from: old.clone(),
                to: new.name.clone(),
            });
            rename_table_refs(&mut table, &new.name);
            from_tables.insert(new.name.clone(), table);
            // Every backend points other tables' foreign keys at the new name as it
            // renames (SQLite since 3.26): taken as still naming the old table, a
            // key would be dropped and re-added for nothing, and a renamed key would
            // be re-added by `down()` against a name the table does not have yet.
            for other in from_tables.values_mut() {
                for fk in &mut other.foreign_keys {
                    if fk.ref_table == old {
                        fk.ref_table = new.name.clone();
                    }
                }
            }
        }
    }

    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from_tables.contains_key(&t.name))
        .collect();
    let dropped: Vec<&Table> = from_tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name))
        .collect();
    ops.extend(
        creation_order(&created)
            .or_else(cycle)?
            .into_iter()
            .map(|t| Operation::CreateTable(t.clone())),
    );
    // A table that stops referencing a dropped table lets go of it before the drop;
    // every other change waits until dropped tables no longer reference it.
    let dropped_names: BTreeSet<&str> = dropped.iter().map(|t| t.name.as_str()).collect();
    let mut late = Vec::new();
    for new in to.tables.values() {
        if let Some(old) = from_tables.get(&new.name) {
            // A renamed table's unmanaged objects are still the database's: a rebuild
            // or a restated column must keep them.
            let mut new = new.clone();
            if new.unmanaged.is_empty() {
                new.unmanaged = old.unmanaged.clone();
            }
            let changes = table_changes(old, &new, ask)?;
            follow_column_renames(old, &mut new, &changes);
            let new = &new;
            if changes.is_empty() {
                continue;
            }
            let releases_dropped = changes.iter().any(|c| {
                matches!(c, Change::DropForeignKey(fk) if dropped_names.contains(fk.ref_table.as_str()))
            });
            let op = Operation::AlterTable {
                from: old.clone(),
                to: new.clone(),
                changes,
            };
            if releases_dropped {
                ops.push(op);
            } else {
                late.push(op);
            }
        }
    }
    let mut drops = creation_order(&dropped).or_else(cycle)?;
    drops.reverse();
    ops.extend(drops.into_iter().map(|t| Operation::DropTable(t.clone())));
    ops.extend(late);
    ops.extend(enums_dropped);
    Ok(ops)
}

/// An unmanaged default goes where its column goes: a renamed column keeps it, a
/// dropped one takes it along.
fn follow_column_renames(old: &Table, new: &mut Table, changes: &[Change]) {
    for change in changes {
        let Change::RenameColumn { from, to } = change else {
            continue;
        };
        for object in &old.unmanaged {
            if let Unmanaged::Default {
                column,
                default,
                backend,
            } = object
                && column == from
            {
                new.unmanaged.push(Unmanaged::Default {
                    column: to.clone(),
                    default: default.clone(),
                    backend: *backend,
                });
            }
        }
    }
    let columns: BTreeSet<String> = new.columns.iter().map(|c| c.name.clone()).collect();
    new.unmanaged.retain(|u| match u {
        Unmanaged::Default { column, .. } => columns.contains(column),
        _ => true,
    });
    new.unmanaged.dedup();
    new.sort();
}

/// Points a renamed table's self-references at its new name.
fn rename_table_refs(table: &mut Table, new_name: &str) {
    let old = std::mem::replace(&mut table.name, new_name.to_string());
    for fk in &mut table.foreign_keys {
        if fk.ref_table == old {
            fk.ref_table = new_name.to_string();
        }
    }
}

fn table_changes(
    old: &Table,
    new: &Table,
    ask: &mut dyn Questioner,
) -> anyhow::Result<Vec<Change>> {
    let t = &new.name;
    let mut renames = Vec::new();
    let mut old_cols: Vec<Column> = old.columns.clone();
    let mut gone: Vec<String> = old
        .columns
        .iter()
        .filter(|c| new.column(&c.name).is_none())
        .map(|c| c.name.clone())
        .collect();
    for column in new.columns.iter().filter(|c| old.column(&c.name).is_none()) {
        let candidate = gone.iter().position(|g| {
            let was = old.column(g).expect("old column");
            was.ty == column.ty && was.nullable == column.nullable
        });
        if let Some(at) = candidate
            && ask.renamed_column(t, &gone[at], &column.name)?
        {
            let from = gone.remove(at);
            for c in &mut old_cols {
                if c.name == from {
                    c.name = column.name.clone();
                }
            }
            renames.push(Change::RenameColumn {
                from,
                to: column.name.clone(),
            });
        }
    }
    let renamed = |name: &str| -> String {
        renames
            .iter()
            .find_map(|r| match r {
                Change::RenameColumn { from, to } if from == name => Some(to.clone()),
                _ => None,
            })
            .unwrap_or_else(|| name.to_string())
    };
    let old_col = |name: &str| old_cols.iter().find(|c| c.name == name);

    let mut changes = renames.clone();
    // Indexes and foreign keys on the old table, with renamed columns followed.
    let old_indexes: Vec<Index> = old
        .indexes
        .iter()
        .map(|i| Index {
            columns: i.columns.iter().map(|c| renamed(c)).collect(),
            ..i.clone()
        })
        .collect();
    let old_fks: Vec<ForeignKey> = old
        .foreign_keys
        .iter()
        .map(|f| ForeignKey {
            columns: f.columns.iter().map(|c| renamed(c)).collect(),
            ..f.clone()
        })
        .collect();
    let old_pk: Vec<String> = old.primary_key.iter().map(|c| renamed(c)).collect();

    changes.extend(
        old_fks
            .iter()
            .filter(|f| !new.foreign_keys.contains(f))
            .map(|f| Change::DropForeignKey(f.clone())),
    );
    changes.extend(
        old_indexes
            .iter()
            .filter(|i| !new.indexes.contains(i))
            .map(|i| Change::DropIndex(i.clone())),
    );
    for column in &new.columns {
        match old_col(&column.name) {
            None => {
                let fill = if !column.nullable && column.default.is_none() && !column.auto_increment
                {
                    Some(ask.fill_value(t, column)?)
                } else {
                    None
                };
                changes.push(Change::AddColumn {
                    column: column.clone(),
                    fill,
                });
            }
            Some(was) if was != column => {
                let fill = if was.nullable && !column.nullable && column.default.is_none() {
                    Some(ask.fill_value(t, column)?)
                } else {
                    None
                };
                changes.push(Change::AlterColumn {
                    from: was.clone(),
                    to: column.clone(),
                    fill,
                });
            }
            Some(_) => {}
        }
    }
    if old_pk != new.primary_key {
        changes.push(Change::SetPrimaryKey {
            from: old_pk,
            to: new.primary_key.clone(),
        });
    }
    changes.extend(
        new.indexes
            .iter()
            .filter(|i| !old_indexes.contains(i))
            .map(|i| Change::CreateIndex(i.clone())),
    );
    changes.extend(
        new.foreign_keys
            .iter()
            .filter(|f| !old_fks.contains(f))
            .map(|f| Change::AddForeignKey(f.clone())),
    );
    changes.extend(
        old_cols
            .iter()
            .filter(|c| new.column(&c.name).is_none())
            .map(|c| Change::DropColumn { column: c.clone() }),
    );
    Ok(changes)
}

/// Tables whose foreign keys form a cycle have no creation order: refused, not guessed.
fn cycle<T>(cycle: Cycle) -> Result<T, Unsupported> {
    let names: Vec<&str> = cycle.stuck.iter().map(|t| t.name.as_str()).collect();
    Err(Unsupported::ForeignKeyCycle(names.join(", ")))
}

/// The operations that undo `ops`: each inverse, newest first.
pub fn reverse(ops: &[Operation]) -> Vec<Operation> {
    ops.iter().rev().map(Operation::inverse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType;

    fn column(name: &str) -> Column {
        Column {
            name: name.into(),
            ty: ColumnType::Integer,
            nullable: false,
            default: None,
            unique: false,
            auto_increment: false,
        }
    }

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            columns: vec![column("id")],
            primary_key: vec!["id".into()],
            indexes: vec![],
            foreign_keys: refs
                .iter()
                .map(|r| ForeignKey {
                    name: format!("fk-{name}-{r}"),
                    columns: vec!["id".into()],
                    ref_table: r.to_string(),
                    ref_columns: vec!["id".into()],
                    on_delete: std::default::Default::default(),
                    on_update: std::default::Default::default(),
                })
                .collect(),
            unmanaged: vec![],
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
            ..std::default::Default::default()
        }
    }

    fn names(ops: &[Operation]) -> Vec<String> {
        ops.iter().flat_map(Operation::describe).collect()
    }

    struct Yes;
    impl Questioner for Yes {
        fn renamed_table(&mut self, _: &str, _: &str) -> anyhow::Result<bool> {
            Ok(true)
        }
        fn renamed_column(&mut self, _: &str, _: &str, _: &str) -> anyhow::Result<bool> {
            Ok(true)
        }
        fn fill_value(&mut self, _: &str, _: &Column) -> anyhow::Result<Default> {
            Ok(Default::Int(7))
        }
    }

    /// A table renamed while another references it: the database itself points the
    /// reference at the new name, so a key whose name is kept does not change, and a
    /// renamed key is re-added in `down()` against the name the table has then.
    #[test]
    fn a_reference_follows_its_renamed_table() {
        let before = schema(vec![table("cake", &[]), table("review", &["cake"])]);
        let mut review = table("review", &["bakery_cake"]);
        review.foreign_keys[0].name = "fk-review-cake".into();
        let after = schema(vec![table("bakery_cake", &[]), review]);
        let up = diff(&before, &after, &mut Yes).unwrap();
        assert_eq!(names(&up), ["Rename table cake to bakery_cake"]);
        assert_eq!(names(&reverse(&up)), ["Rename table bakery_cake to cake"]);

        let after = schema(vec![
            table("bakery_cake", &[]),
            table("review", &["bakery_cake"]),
        ]);
        let down = reverse(&diff(&before, &after, &mut Yes).unwrap());
        let Operation::AlterTable { changes, .. } = &down[0] else {
            panic!("{down:?}")
        };
        let added: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::AddForeignKey(fk) => Some(fk.ref_table.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(added, ["bakery_cake"]);
        assert_eq!(names(&down[1..]), ["Rename table bakery_cake to cake"]);
    }

    /// Dropping a unique NOT NULL column says that its rollback cannot refill it.
    #[test]
    fn dropping_a_unique_not_null_column_warns_of_its_rollback() {
        let mut with = table("cake", &[]);
        with.columns.push(Column {
            unique: true,
            ..column("code")
        });
        let ops = diff(
            &schema(vec![with]),
            &schema(vec![table("cake", &[])]),
            &mut NoQuestions,
        )
        .unwrap();
        let warnings = ops[0].warnings();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("cake.code is unique and NOT NULL: rolling this back fails")),
            "{warnings:?}"
        );
    }

    /// A drop beside an add of the same shape says how to keep the data.
    #[test]
    fn a_rename_answered_no_says_how_to_keep_the_data() {
        let before = schema(vec![table("cake", &[])]);
        let after = schema(vec![table("pie", &[])]);
        let ops = diff(&before, &after, &mut NoQuestions).unwrap();
        assert_eq!(
            rename_hints(&ops),
            ["if table cake was renamed to pie, pass --rename cake=pie to keep its rows"]
        );
        let mut with_old = table("cake", &[]);
        with_old.columns.push(Column {
            nullable: true,
            ..column("name")
        });
        let mut with_new = table("cake", &[]);
        with_new.columns.push(Column {
            nullable: true,
            ..column("title")
        });
        let ops = diff(
            &schema(vec![with_old]),
            &schema(vec![with_new]),
            &mut NoQuestions,
        )
        .unwrap();
        assert_eq!(
            rename_hints(&ops),
            ["if cake.name was renamed to title, pass --rename cake.name=title to keep its data"]
        );
    }

    #[test]
    fn referenced_tables_are_created_first_and_dropped_last() {
        let full = schema(vec![
            table("a_child", &["b_parent"]),
            table("b_parent", &[]),
        ]);
        let up = diff(&Schema::default(), &full, &mut NoQuestions).unwrap();
        assert_eq!(
            names(&up),
            ["Create table b_parent", "Create table a_child"]
        );
        let down = diff(&full, &Schema::default(), &mut NoQuestions).unwrap();
        assert_eq!(names(&down), ["Drop table a_child", "Drop table b_parent"]);
        assert_eq!(reverse(&up), down);
    }

    #[test]
    fn identical_schemas_give_nothing() {
        let s = schema(vec![table("a", &[])]);
        assert!(diff(&s, &s, &mut NoQuestions).unwrap().is_empty());
    }

    #[test]
    fn cycles_are_refused() {
        let s = schema(vec![table("a", &["b"]), table("b", &["a"])]);
        assert!(diff(&Schema::default(), &s, &mut NoQuestions).is_err());
    }

    #[test]
    fn renames_are_asked_and_followed() {
        let mut old = table("posts", &[]);
        old.columns.push(column("title"));
        let mut new = table("articles", &[]);
        new.columns.push(column("headline"));
        let ops = diff(
            &schema(vec![old.clone()]),
            &schema(vec![new.clone()]),
            &mut Yes,
        )
        .unwrap();
        assert_eq!(
            names(&ops),
            [
                "Rename table posts to articles",
                "Rename column articles.title to headline"
            ]
        );
        let ops = diff(&schema(vec![old]), &schema(vec![new]), &mut NoQuestions).unwrap();
        assert_eq!(names(&ops), ["Create table articles", "Drop table posts"]);
    }

    #[test]
    fn an_unmanaged_default_follows_its_renamed_column() {
        let mut old = table("posts", &[]);
        old.columns.push(column("title"));
        old.unmanaged.push(Unmanaged::Default {
            column: "title".into(),
            default: Default::Int(1),
            backend: None,
        });
        let mut new = table("posts", &[]);
        new.columns.push(column("headline"));
        let (mut from, mut to) = (schema(vec![old]), schema(vec![new]));
        align(&mut from, &mut to);
        let ops = diff(&from, &to, &mut Yes).unwrap();
        let Operation::AlterTable { to: table, .. } = &ops[0] else {
            panic!("{ops:?}")
        };
        assert_eq!(
            table.unmanaged,
            [Unmanaged::Default {
                column: "headline".into(),
                default: Default::Int(1),
                backend: None,
            }]
        );
        assert_eq!(
            table.as_stored(crate::schema::Backend::Sqlite).columns[1].default,
            Some(Default::Int(1))
        );
    }

    #[test]
    fn a_new_not_null_column_asks_for_a_fill_value() {
        let old = table("t", &[]);
        let mut new = old.clone();
        new.columns.push(column("n"));
        let err = diff(
            &schema(vec![old.clone()]),
            &schema(vec![new.clone()]),
            &mut NoQuestions,
        );
        assert!(err.is_err());
        let ops = diff(&schema(vec![old]), &schema(vec![new]), &mut Yes).unwrap();
        assert_eq!(names(&ops), ["Add column t.n (existing rows get 7)"]);
    }
}
