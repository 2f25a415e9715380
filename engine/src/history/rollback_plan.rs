//! Plans `rollback <table>`: which applied migrations to revert, and why.
//!
//! The migrations that touched the table (following renames back through history)
//! are the targets: the latest one, or all with `--all`. Every later applied migration
//! that depends on what is being undone is reverted too: it touches a table a reverted
//! migration touched (including by foreign key), or it cannot be read (opaque), or a
//! reverted migration cannot be read. Unrelated later migrations stay applied. The
//! plan runs newest first.

use crate::history::{Facts, Touch};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub name: String,
    pub reason: String,
    pub touches: BTreeMap<String, BTreeSet<Touch>>,
    pub opaque: bool,
    /// What reverting it deletes for good (`Facts::losses`).
    pub loses: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("no migration is applied")]
    NothingApplied,
    #[error("no migration touches table `{table}`{}", suggestion(.suggestions))]
    UnknownTable {
        table: String,
        suggestions: Vec<String>,
    },
    #[error("table `{table}` is touched only by migrations that are not applied: {}", .pending.join(", "))]
    OnlyPending { table: String, pending: Vec<String> },
}

fn suggestion(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean one of {}?",
            many.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether two table names can be the same table: equal, or one of them unqualified
/// and naming a table of that name in the other's schema (a migration's raw SQL may
/// or may not qualify a table; taking them together reverts more, never less).
pub fn same_table(a: &str, b: &str) -> bool {
    use crate::schema::split_name;
    let ((sa, ta), (sb, tb)) = (split_name(a), split_name(b));
    a == b || (ta == tb && (sa.is_none() || sb.is_none()))
}

/// Migrations (oldest first) that touched `table` under any of its names.
pub fn touching(table: &str, order: &[String], facts: &BTreeMap<String, Facts>) -> Vec<String> {
    let mut names: BTreeSet<String> = [table.to_string()].into();
    let mut found = Vec::new();
    for name in order.iter().rev() {
        let Some(f) = facts.get(name) else { continue };
        // A migration that only points a foreign key at the table does not change it
        // (it depends on it, and is reverted with it as a dependent).
        let named = |names: &BTreeSet<String>, t: &str| names.iter().any(|n| same_table(n, t));
        let changes = f
            .tables
            .iter()
            .any(|(t, hows)| named(&names, t) && hows.iter().any(|h| *h != Touch::Referenced));
        if changes {
            found.push(name.clone());
        }
        for (from, to) in f.renames.iter().rev() {
            if named(&names, to) {
                names.insert(from.clone());
            }
        }
    }
    found.reverse();
    found
}

/// The plan for `rollback <table>`: `order` is every known migration, oldest first;
/// `applied` those applied. A migration without facts (its file is missing) is opaque.
pub fn plan(
    table: &str,
    all: bool,
    order: &[String],
    applied: &BTreeSet<String>,
    facts: &BTreeMap<String, Facts>,
) -> Result<Vec<Step>, PlanError> {
    if applied.is_empty() {
        return Err(PlanError::NothingApplied);
    }
    let missing = Facts {
        opaque: vec!["its source file is missing".into()],
        ..Facts::default()
    };
    let facts_of = |name: &str| facts.get(name).unwrap_or(&missing);
    let touched = touching(table, order, facts);
    let touched_applied: Vec<&String> = touched.iter().filter(|n| applied.contains(*n)).collect();
    if touched_applied.is_empty() {
        if !touched.is_empty() {
            return Err(PlanError::OnlyPending {
                table: table.to_string(),
                pending: touched,
            });
        }
        let known: BTreeSet<&String> = facts.values().flat_map(|f| f.tables.keys()).collect();
        let mut suggestions: Vec<(f64, String)> = known
            .iter()
            .map(|k| (strsim::jaro_winkler(table, k), k.to_string()))
            .filter(|(score, _)| *score >= 0.8)
            .collect();
        suggestions.sort_by(|a, b| b.0.total_cmp(&a.0));
        return Err(PlanError::UnknownTable {
            table: table.to_string(),
            suggestions: suggestions.into_iter().take(3).map(|(_, n)| n).collect(),
        });
    }
    let targets: Vec<&String> = if all {
        touched_applied
    } else {
        vec![*touched_applied.last().expect("not empty")]
    };

    let position = |name: &str| order.iter().position(|n| n == name).unwrap_or(usize::MAX);
    let first = targets.iter().map(|t| position(t)).min().unwrap_or(0);
    let mut reverted: Vec<Step> = Vec::new();
    let mut tables: BTreeSet<String> = BTreeSet::new();
    let mut anything_goes = false;
    for name in order[first..].iter().filter(|n| applied.contains(*n)) {
        let f = facts_of(name);
        let reason = if targets.contains(&name) {
            Some(format!("touches {table}"))
        } else if anything_goes {
            Some("comes after a reverted migration that cannot be read".into())
        } else if f.is_opaque() {
            Some(format!(
                "cannot be read ({}), so it may depend on what is reverted",
                f.opaque.join("; ")
            ))
        } else {
            f.tables
                .iter()
                .find(|(t, _)| tables.iter().any(|x| same_table(x, t)))
                .map(|(t, hows)| {
                    if hows.iter().all(|h| *h == Touch::Referenced) {
                        format!("references {t}, which a reverted migration changes")
                    } else {
                        format!("also touches {t}")
                    }
                })
        };
        let Some(reason) = reason else { continue };
        tables.extend(f.tables.keys().cloned());
        for (from, to) in &f.renames {
            tables.insert(from.clone());
            tables.insert(to.clone());
        }
        anything_goes |= f.is_opaque();
        reverted.push(Step {
            name: name.clone(),
            reason,
            touches: f.tables.clone(),
            opaque: f.is_opaque(),
            loses: f.losses(),
        });
    }
    reverted.reverse();
    Ok(reverted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Facts from "table:how" words, "rename:a>b" and "opaque".
    fn facts(spec: &[(&str, &str)]) -> (Vec<String>, BTreeMap<String, Facts>) {
        let mut order = Vec::new();
        let mut map = BTreeMap::new();
        for (name, words) in spec {
            let mut f = Facts::default();
            for word in words.split_whitespace() {
                if word == "opaque" {
                    f.opaque.push("test".into());
                } else if let Some(pair) = word.strip_prefix("rename:") {
                    let (a, b) = pair.split_once('>').unwrap();
                    f.renames.push((a.into(), b.into()));
                    f.tables.entry(a.into()).or_default().insert(Touch::Alter);
                    f.tables.entry(b.into()).or_default().insert(Touch::Alter);
                } else {
                    let (t, how) = word.split_once(':').unwrap();
                    let how = match how {
                        "create" => Touch::Create,
                        "ref" => Touch::Referenced,
                        "data" => Touch::Data,
                        _ => Touch::Alter,
                    };
                    f.tables.entry(t.into()).or_default().insert(how);
                }
            }
            order.push(name.to_string());
            map.insert(name.to_string(), f);
        }
        (order, map)
    }

    fn names(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.name.as_str()).collect()
    }

    fn all_applied(order: &[String]) -> BTreeSet<String> {
        order.iter().cloned().collect()
    }

    #[test]
    fn the_latest_change_to_a_table_and_its_dependents_but_not_unrelated_ones() {
        let (order, f) = facts(&[
            ("m1", "users:create"),
            ("m2", "posts:create users:ref"),
            ("m3", "users:alter"),
            ("m4", "tags:create"),
            ("m5", "posts:alter"),
            ("m6", "users:data"),
        ]);
        let applied = all_applied(&order);
        let steps = plan("users", false, &order, &applied, &f).unwrap();
        assert_eq!(names(&steps), ["m6"]);
        let steps = plan("posts", false, &order, &applied, &f).unwrap();
        assert_eq!(names(&steps), ["m5"]);
        let steps = plan("users", true, &order, &applied, &f).unwrap();
        // m2 references users; m5 alters posts, which m2 created; m4 is unrelated.
        assert_eq!(names(&steps), ["m6", "m5", "m3", "m2", "m1"]);
    }

    #[test]
    fn a_foreign_key_chain_pulls_in_later_migrations() {
        let (order, f) = facts(&[
            ("m1", "a:create"),
            ("m2", "a:alter"),
            ("m3", "b:create a:ref"),
            ("m4", "c:create b:ref"),
            ("m5", "d:create"),
        ]);
        // m2 is the latest change to a: m3 only references a, and goes with it as a
        // dependent; m4 references b, which m3 creates; m5 is unrelated.
        let steps = plan("a", false, &order, &all_applied(&order), &f).unwrap();
        assert_eq!(names(&steps), ["m4", "m3", "m2"]);
        assert!(
            steps[0].reason.contains("references b"),
            "{}",
            steps[0].reason
        );
        assert!(
            steps[1].reason.contains("references a"),
            "{}",
            steps[1].reason
        );
        let steps = plan("a", true, &order, &all_applied(&order), &f).unwrap();
        assert_eq!(names(&steps), ["m4", "m3", "m2", "m1"]);
    }

    /// A table of a PostgreSQL schema is found by its qualified name, and by its bare
    /// name where a migration did not qualify it; another schema's table of that name
    /// is another table.
    #[test]
    fn tables_in_schemas_are_told_apart() {
        assert!(same_table("shop.order", "shop.order"));
        assert!(same_table("shop.order", "order"));
        assert!(same_table("order", "shop.order"));
        assert!(!same_table("shop.order", "public.order"));
        assert!(!same_table("shop.order", "shop.customer"));
        let (order, f) = facts(&[
            ("m1", "shop.order:create"),
            ("m2", "public.order:create"),
            ("m3", "public.order:alter"),
        ]);
        let steps = plan("shop.order", false, &order, &all_applied(&order), &f).unwrap();
        assert_eq!(names(&steps), ["m1"]);
    }

    #[test]
    fn renames_are_followed_back() {
        let (order, f) = facts(&[
            ("m1", "posts:create"),
            ("m2", "posts:alter"),
            ("m3", "other:create"),
            ("m4", "rename:posts>articles"),
            ("m5", "articles:alter"),
        ]);
        let applied = all_applied(&order);
        let steps = plan("articles", true, &order, &applied, &f).unwrap();
        assert_eq!(names(&steps), ["m5", "m4", "m2", "m1"]);
        let steps = plan("posts", false, &order, &applied, &f).unwrap();
        assert_eq!(names(&steps), ["m5", "m4"]);
    }

    #[test]
    fn opaque_migrations_are_treated_conservatively() {
        let (order, f) = facts(&[
            ("m1", "a:create"),
            ("m2", "b:create"),
            ("m3", "opaque"),
            ("m4", "c:create"),
        ]);
        let applied = all_applied(&order);
        assert_eq!(
            names(&plan("b", false, &order, &applied, &f).unwrap()),
            ["m4", "m3", "m2"]
        );
        let (order, f) = facts(&[("m1", "a:create opaque"), ("m2", "z:create")]);
        assert_eq!(
            names(&plan("a", false, &order, &all_applied(&order), &f).unwrap()),
            ["m2", "m1"]
        );
    }

    #[test]
    fn pending_migrations_are_never_planned() {
        let (order, f) = facts(&[("m1", "a:create"), ("m2", "a:alter")]);
        let applied: BTreeSet<String> = ["m1".to_string()].into();
        assert_eq!(
            names(&plan("a", false, &order, &applied, &f).unwrap()),
            ["m1"]
        );
    }

    #[test]
    fn clear_errors() {
        let (order, f) = facts(&[("m1", "users:create"), ("m2", "tags:create")]);
        let applied: BTreeSet<String> = ["m1".to_string()].into();
        let err = plan("usr", false, &order, &applied, &f).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no migration touches table `usr`; did you mean `users`?"
        );
        let err = plan("tags", false, &order, &applied, &f).unwrap_err();
        assert_eq!(
            err.to_string(),
            "table `tags` is touched only by migrations that are not applied: m2"
        );
        let err = plan("users", false, &order, &BTreeSet::new(), &f).unwrap_err();
        assert_eq!(err, PlanError::NothingApplied);
    }
}
