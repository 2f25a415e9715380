//! The text of the project's migrations and its snapshot: read from the project on
//! disk, or, where the binary runs alone (a slim container image), the copy compiled
//! into it.
//!
//! Everything `migrate` and the status commands read from sources (a file's checksum,
//! the tables a migration touches, the snapshot `check` compares the database with)
//! comes through here, so those commands work the same from the binary alone.

use crate::schema::Schema;
use anyhow::Result;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
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

impl CompiledIn {
    /// The snapshot as it was when the binary was built.
    pub fn snapshot(&self) -> Result<Schema> {
        crate::read::snapshot::parse_snapshot(
            self.snapshot
                .iter()
                .map(|(path, text)| (PathBuf::from(path), Cow::Borrowed(*text))),
        )
    }
}

/// The checksum of a migration's source: SHA-256 of its text with line endings made
/// `\n`, so a checkout on Windows does not look edited.
pub fn checksum(text: &str) -> String {
    // `migrate` hashes every applied file: copy only the files that need it.
    let text = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let digest = Sha256::digest(text.trim_start_matches('\u{feff}').as_bytes());
    format!("{digest:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_sha256_hex_of_the_text_with_unix_line_endings() {
        assert_eq!(
            checksum("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(checksum("a\nb\n"), checksum("\u{feff}a\r\nb\r\n"));
    }
}
