//! What a command needs to know about the project it runs in: the project on disk,
//! the entities and the migrator compiled into the binary, and where the database is.

use crate::project::sources::CompiledIn;
use crate::read::entities::Entities;
use crate::{apply, connection, history, project, schema};

/// What a command needs to know about the project it runs in.
pub struct Context {
    pub project: project::Project,
    pub entities: Entities,
    pub migrator: apply::migrator::Migrator,
    pub compiled_in: CompiledIn,
    pub database_url: Option<String>,
}

impl Context {
    pub fn db_url(&self) -> anyhow::Result<connection::DbUrl> {
        connection::DbUrl::resolve(self.database_url.as_deref(), &self.project.root)
    }

    /// The migrations' sources: the project's files, or the binary's copy of them.
    pub fn sources(&self) -> project::sources::Sources {
        if self.project.on_disk {
            project::sources::Sources::Disk(self.project.migrations_src())
        } else {
            project::sources::Sources::CompiledIn(self.compiled_in)
        }
    }

    /// The sources of the migrations this binary runs: its own copy, with the
    /// checksums its build computed. `migrate` and `rollback` record and compare these
    /// (a file edited since the build is not what they run, and reading and hashing
    /// every applied file would be most of a no-op run); `check` compares the files.
    pub fn built_sources(&self) -> project::sources::Sources {
        project::sources::Sources::CompiledIn(self.compiled_in)
    }

    /// What every migration touches, by name (tables named by entity type read
    /// through the models).
    pub fn facts(&self) -> std::io::Result<std::collections::BTreeMap<String, history::Facts>> {
        history::scan_sources(
            &self.sources(),
            &self.compiled_in,
            &self.entities.tables_by_entity_name(),
        )
    }

    /// The committed snapshot: the project's, or the binary's copy of it.
    pub fn snapshot(&self) -> anyhow::Result<schema::Schema> {
        if self.project.on_disk {
            self.project.read_snapshot()
        } else {
            self.compiled_in.snapshot()
        }
    }
}
