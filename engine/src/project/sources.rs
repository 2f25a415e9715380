//! The text of the project's migrations and its snapshot: read from the project on
//! disk, or, where the binary runs alone (a slim container image), the copy compiled
//! into it.
//!
//! Everything `migrate` and the status commands read from sources (a file's checksum,
//! the tables a migration touches, the snapshot `check` compares the database with)
//! comes through here, so those commands work the same from the binary alone.

use crate::schema::Schema;
use anyhow::Result;
pub use migration_files::checksum;
use std::borrow::Cow;
use std::path::PathBuf;

/// What the project's binary carries of its sources: every migration file of
/// `migrations/src` by name, and every snapshot file by its path under
/// `migrations/schema` (`tables/users.json`). Written by the binary's build script,
/// which also computes each migration's checksum: `migrate` compares those of every
/// applied migration on every run.
#[derive(Clone, Copy, Default)]
pub struct CompiledIn {
    pub migrations: &'static [(&'static str, &'static str)],
    /// `(name, checksum)` of each of `migrations`, in the same order.
    pub checksums: &'static [(&'static str, &'static str)],
    pub snapshot: &'static [(&'static str, &'static str)],
    /// migrations/src/lib.rs as the binary was built from it; empty without one.
    pub lib_rs: &'static str,
    /// `(name, facts)` of each of `migrations` whose tables the build could read
    /// without the models (`migration_facts::encode`), in name order.
    pub facts: &'static [(&'static str, &'static str)],
}

/// Where migration sources are read from.
#[derive(Clone)]
pub enum Sources {
    /// `migrations/src` of the project.
    Disk(PathBuf),
    CompiledIn(CompiledIn),
}

impl Sources {
    /// The source text of migration `name`, if there is one.
    pub fn text(&self, name: &str) -> Option<Cow<'static, str>> {
        match self {
            Sources::Disk(dir) => std::fs::read_to_string(dir.join(format!("{name}.rs")))
                .ok()
                .map(Cow::Owned),
            Sources::CompiledIn(compiled) => by_name(compiled.migrations, name).map(Cow::Borrowed),
        }
    }

    /// The checksum of migration `name`'s source (see [`checksum`]).
    pub fn checksum(&self, name: &str) -> Option<String> {
        if let Sources::CompiledIn(compiled) = self
            && let Some(sum) = by_name(compiled.checksums, name)
        {
            return Some(sum.to_string());
        }
        self.text(name).map(|text| checksum(&text))
    }

    /// How to say that migration `name` has no source here.
    pub fn missing(&self, name: &str) -> String {
        match self {
            Sources::Disk(dir) => {
                format!("{} is missing", dir.join(format!("{name}.rs")).display())
            }
            Sources::CompiledIn(_) => format!("this binary carries no source of {name}"),
        }
    }
}

/// The value for `name` in one of the build script's tables, which it writes in name
/// order (`migrate` looks up every applied migration); any order is still searched.
fn by_name(table: &'static [(&'static str, &'static str)], name: &str) -> Option<&'static str> {
    match table.binary_search_by(|(n, _)| (*n).cmp(name)) {
        Ok(i) => Some(table[i].1),
        Err(_) => table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
    }
}

impl CompiledIn {
    /// The binary's copy of migration `name`.
    pub fn text(&self, name: &str) -> Option<&'static str> {
        by_name(self.migrations, name)
    }

    /// The facts the build computed for migration `name`, as text. By binary search
    /// alone: the build writes them in name order, and most lookups of a long history
    /// that misses some must not go through all of it.
    pub fn facts(&self, name: &str) -> Option<&'static str> {
        let i = self.facts.binary_search_by(|(n, _)| (*n).cmp(name)).ok()?;
        Some(self.facts[i].1)
    }

    /// The snapshot as it was when the binary was built.
    pub fn snapshot(&self) -> Result<Schema> {
        crate::read::snapshot::parse_snapshot(
            self.snapshot
                .iter()
                .map(|(path, text)| (PathBuf::from(path), Cow::Borrowed(*text))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_s_copy_answers_with_the_checksum_computed_at_build_time() {
        let compiled = |checksums| {
            Sources::CompiledIn(CompiledIn {
                migrations: &[("m20250101_000000_a", "a\n")],
                checksums,
                snapshot: &[],
                lib_rs: "",
                facts: &[],
            })
        };
        // Taken as the build script wrote it, not computed again.
        let built = compiled(&[("m20250101_000000_a", "from the build")]);
        assert_eq!(
            built.checksum("m20250101_000000_a").unwrap(),
            "from the build"
        );
        // Without it (a copy made by hand), from the text.
        let unbuilt = compiled(&[]);
        assert_eq!(
            unbuilt.checksum("m20250101_000000_a"),
            Some(checksum("a\n"))
        );
        assert_eq!(unbuilt.checksum("m20250101_000000_b"), None);
    }
}
