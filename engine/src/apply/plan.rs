//! What moving a database to a migration takes: the steps, in order, from the
//! migrations' states; and a migration named by the whole or a unique part of its name.

use crate::apply::migrator::MigrationState;
use anyhow::{Result, bail};

/// One step of a plan.
pub enum Step {
    Apply(String),
    Revert(String),
}

/// What moving to `target` (or to the latest migration) takes, in order.
pub fn to_target(states: &[MigrationState], target: Option<&str>) -> Result<Vec<Step>> {
    let Some(target) = target else {
        return Ok(states
            .iter()
            .filter(|s| s.applied_at.is_none())
            .map(|s| Step::Apply(s.name.clone()))
            .collect());
    };
    let at = resolve(states, target)?;
    Ok(if states[at].applied_at.is_some() {
        states[at + 1..]
            .iter()
            .rev()
            .filter(|s| s.applied_at.is_some())
            .map(|s| Step::Revert(s.name.clone()))
            .collect()
    } else {
        states[..=at]
            .iter()
            .filter(|s| s.applied_at.is_none())
            .map(|s| Step::Apply(s.name.clone()))
            .collect()
    })
}

/// The index of the migration named exactly `target`, or uniquely containing it.
pub fn resolve(states: &[MigrationState], target: &str) -> Result<usize> {
    let names: Vec<&str> = states.iter().map(|s| s.name.as_str()).collect();
    resolve_name(&names, target)
}

/// [`resolve`] among names.
pub fn resolve_name(names: &[&str], target: &str) -> Result<usize> {
    if let Some(at) = names.iter().position(|n| *n == target) {
        return Ok(at);
    }
    let matches: Vec<usize> = (0..names.len())
        .filter(|&i| names[i].contains(target))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => bail!("no migration matches `{target}`; see `manage showmigrations`"),
        many => bail!(
            "`{target}` matches {} migrations ({}); give more of the name",
            many.len(),
            many.iter()
                .map(|&i| names[i])
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
