//! The text of the project's migrations and its snapshot: read from the project on
//! disk, or, where the binary runs alone (a slim container image), the copy compiled
//! into it.
//!
//! Everything `migrate` and the status commands read from sources (a file's checksum,
//! the tables a migration touches, the snapshot `check` compares the database with)
//! comes through here, so those commands work the same from the binary alone.

use crate::history::{self, Facts};
use crate::integrity;
use crate::schema::Schema;
use anyhow::Result;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the project's binary carries of its sources: every migration file of
/// `migrations/src` by name, and every snapshot file by its path under
/// `migrations/schema` (`tables/users.json`). Written by the binary's build script.
#[derive(Clone, Copy, Default)]
pub struct CompiledIn {
    pub migrations: &'static [(&'static str, &'static str)],
    pub snapshot: &'static [(&'static str, &'static str)],
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
            Sources::CompiledIn(compiled) => compiled
                .migrations
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| Cow::Borrowed(*text)),
        }
    }

    /// The checksum of migration `name`'s source (see [`integrity::checksum`]).
    pub fn checksum(&self, name: &str) -> Option<String> {
        self.text(name).map(|text| integrity::checksum(&text))
    }

    /// What every migration touches, by name.
    pub fn facts(
        &self,
        entities: &history::EntityTables,
    ) -> std::io::Result<BTreeMap<String, Facts>> {
        match self {
            Sources::Disk(dir) => history::scan_dir_with(dir, entities),
            Sources::CompiledIn(compiled) => Ok(compiled
                .migrations
                .iter()
                .map(|(name, text)| (name.to_string(), history::scan_with(text, entities)))
                .collect()),
        }
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

impl CompiledIn {
    /// The snapshot as it was when the binary was built.
    pub fn snapshot(&self) -> Result<Schema> {
        crate::project::parse_snapshot(
            self.snapshot
                .iter()
                .map(|(path, text)| (PathBuf::from(path), Cow::Borrowed(*text))),
        )
    }
}
