//! Where the project's entity and migration crates are, read from the Cargo.toml of
//! the `manage` binary's crate: `[package.metadata.manage]` when it says, else the
//! conventional places, this repository's (`models/`, `migrations/`) and sea-orm-cli's
//! (`entity/`, `migration/`), looked for beside the crate and in the directories above.
//!
//! Cargo's manifest is the place because the binary must depend on both crates there
//! anyway: the dependency that points at a crate's directory also says the name the
//! binary's code calls it by.

use crate::modules::Error;
use std::path::{Component, Path, PathBuf};
use toml_edit::{DocumentMut, Item};

/// The project, as the binary's build sees it.
#[derive(Debug)]
pub struct Layout {
    /// What the project's paths are relative to: the nearest directory holding the
    /// binary's crate and both crates (the workspace, usually).
    pub root: PathBuf,
    pub entities: Crate,
    pub migrations: Crate,
    /// `safe-migrations = true` under `[package.metadata.manage]`.
    pub safe_migrations: bool,
}

/// One of the project's crates.
#[derive(Debug)]
pub struct Crate {
    /// Its directory (the one with its Cargo.toml).
    pub dir: PathBuf,
    /// The name the binary's code uses for it (its dependency key, `-` as `_`).
    pub name: String,
    /// Its own package name.
    pub package: String,
    /// Its root source file (`src/lib.rs` unless `[lib] path` says otherwise).
    pub root_file: PathBuf,
}

impl Layout {
    /// A crate's directory relative to [`Layout::root`], with `/` between parts.
    pub fn relative(&self, dir: &Path) -> String {
        relative_path(&self.root, dir)
    }
}

/// Conventional directories of the entity crate and of the migration crate.
const ENTITY_DIRS: &[&str] = &["models", "entity"];
const MIGRATION_DIRS: &[&str] = &["migrations", "migration"];

/// Reads the layout of the binary crate whose manifest is in `manifest_dir`.
pub fn read(manifest_dir: &Path) -> Result<Layout, Error> {
    let manifest_path = manifest_dir.join("Cargo.toml");
    let manifest = parse(&manifest_path)?;
    let configured = manifest
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("manage"));
    let setting = |key: &str| -> Result<Option<PathBuf>, Error> {
        match configured.and_then(|c| c.get(key)) {
            None => Ok(None),
            Some(value) => match value.as_str() {
                Some(path) => Ok(Some(normalize(&manifest_dir.join(path)))),
                None => Err(Error(format!(
                    "{}: [package.metadata.manage] {key} must be a path (a string)",
                    manifest_path.display()
                ))),
            },
        }
    };
    let (entities, migrations) =
        match (setting("entities")?, setting("migrations")?) {
            (Some(e), Some(m)) => (e, m),
            (e, m) => {
                let found = conventional(manifest_dir);
                let pick =
                    |given: Option<PathBuf>, at: Option<PathBuf>, what: &str, dirs: &[&str]| {
                        given.or(at).ok_or_else(|| {
                    Error(format!(
                        "no {what} crate found: looked for {} beside {} and in the directories \
                         above; say where it is in {} under [package.metadata.manage] \
                         ({what_key} = \"path/to/crate\")",
                        dirs.iter().map(|d| format!("{d}/")).collect::<Vec<_>>().join(" or "),
                        manifest_dir.display(),
                        manifest_path.display(),
                        what_key = if what == "entity" { "entities" } else { "migrations" }
                    ))
                })
                    };
                (
                    pick(e, found.0, "entity", ENTITY_DIRS)?,
                    pick(m, found.1, "migration", MIGRATION_DIRS)?,
                )
            }
        };
    let entities = describe(&manifest, manifest_dir, &entities, "entity")?;
    let migrations = describe(&manifest, manifest_dir, &migrations, "migration")?;
    let root = common_ancestor(&[manifest_dir, &entities.dir, &migrations.dir]);
    let safe_migrations = match configured.and_then(|c| c.get("safe-migrations")) {
        None => false,
        Some(value) => value.as_bool().ok_or_else(|| {
            Error(format!(
                "{}: [package.metadata.manage] safe-migrations must be true or false",
                manifest_path.display()
            ))
        })?,
    };
    Ok(Layout {
        root,
        entities,
        migrations,
        safe_migrations,
    })
}

/// The first directory, from `start` up, with both an entity and a migration crate in
/// their conventional places.
fn conventional(start: &Path) -> (Option<PathBuf>, Option<PathBuf>) {
    let has_crate = |dir: &Path| dir.join("Cargo.toml").is_file();
    for dir in start.ancestors() {
        let entity = ENTITY_DIRS
            .iter()
            .map(|d| dir.join(d))
            .find(|d| has_crate(d));
        let migration = MIGRATION_DIRS
            .iter()
            .map(|d| dir.join(d))
            .find(|d| has_crate(d));
        if entity.is_some() && migration.is_some() {
            return (entity, migration);
        }
    }
    (None, None)
}

/// The crate in `dir`, and the name the binary (manifest in `manifest_dir`) gives it.
fn describe(
    manifest: &DocumentMut,
    manifest_dir: &Path,
    dir: &Path,
    what: &str,
) -> Result<Crate, Error> {
    let own_path = dir.join("Cargo.toml");
    let own = parse(&own_path)?;
    let package = own
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(Item::as_str)
        .ok_or_else(|| Error(format!("{} has no [package] name", own_path.display())))?
        .to_string();
    let root_file = own
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(Item::as_str)
        .map(|p| dir.join(p))
        .unwrap_or_else(|| dir.join("src/lib.rs"));
    let name = dependency_on(manifest, manifest_dir, dir)?.ok_or_else(|| {
        Error(format!(
            "{} does not depend on the {what} crate in {}: add it under [dependencies], \
             e.g. {package} = {{ path = \"{}\" }}",
            manifest_dir.join("Cargo.toml").display(),
            dir.display(),
            relative_path(manifest_dir, dir)
        ))
    })?;
    Ok(Crate {
        dir: dir.to_path_buf(),
        name: name.replace('-', "_"),
        package,
        root_file,
    })
}

/// The key of the dependency in `manifest` whose path is `dir`; a dependency taken
/// from the workspace (`workspace = true`) has its path in the workspace's manifest.
fn dependency_on(
    manifest: &DocumentMut,
    manifest_dir: &Path,
    dir: &Path,
) -> Result<Option<String>, Error> {
    let Some(deps) = manifest.get("dependencies").and_then(Item::as_table_like) else {
        return Ok(None);
    };
    let mut workspace: Option<(PathBuf, DocumentMut)> = None;
    for (key, spec) in deps.iter() {
        let Some(spec) = spec.as_table_like() else {
            continue;
        };
        let path = if let Some(path) = spec.get("path").and_then(Item::as_str) {
            normalize(&manifest_dir.join(path))
        } else if spec.get("workspace").and_then(Item::as_bool) == Some(true) {
            if workspace.is_none() {
                workspace = workspace_manifest(manifest_dir)?;
            }
            let Some((root, doc)) = &workspace else {
                continue;
            };
            let inherited = doc
                .get("workspace")
                .and_then(|w| w.get("dependencies"))
                .and_then(|d| d.get(key))
                .and_then(|d| d.get("path"))
                .and_then(Item::as_str);
            match inherited {
                Some(path) => normalize(&root.join(path)),
                None => continue,
            }
        } else {
            continue;
        };
        if path == normalize(dir) {
            return Ok(Some(key.to_string()));
        }
    }
    Ok(None)
}

/// The manifest with `[workspace]` above `dir` (or in it), and its directory.
fn workspace_manifest(dir: &Path) -> Result<Option<(PathBuf, DocumentMut)>, Error> {
    for candidate in dir.ancestors() {
        let path = candidate.join("Cargo.toml");
        if path.is_file() {
            let doc = parse(&path)?;
            if doc.get("workspace").is_some_and(|w| w.is_table_like()) {
                return Ok(Some((candidate.to_path_buf(), doc)));
            }
        }
    }
    Ok(None)
}

fn parse(path: &Path) -> Result<DocumentMut, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
    text.parse::<DocumentMut>()
        .map_err(|e| Error(format!("{}: {e}", path.display())))
}

/// `a/b/../c` as `a/c`, without touching the file system (the paths may be symlinks
/// users chose; cargo does not resolve them either).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn common_ancestor(paths: &[&Path]) -> PathBuf {
    let mut common = normalize(paths[0]);
    for path in &paths[1..] {
        let path = normalize(path);
        while !path.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// `to` as seen from `from`, for a suggestion.
fn relative_path(from: &Path, to: &Path) -> String {
    let (from, to) = (normalize(from), normalize(to));
    let common = common_ancestor(&[&from, &to]);
    let ups = from
        .strip_prefix(&common)
        .map_or(0, |r| r.components().count());
    let mut parts: Vec<String> = vec!["..".into(); ups];
    if let Ok(rest) = to.strip_prefix(&common) {
        parts.extend(
            rest.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned()),
        );
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of `files` (path, text) in a fresh directory.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn package(name: &str) -> String {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n")
    }

    #[test]
    fn this_repositorys_layout_needs_no_configuration() {
        let dir = tree(&[
            (
                "Cargo.toml",
                "[package]\nname = \"manage\"\n\n[dependencies]\n\
                 models = { path = \"models\", package = \"my-models\" }\n\
                 migrations = { path = \"migrations\" }\n",
            ),
            ("models/Cargo.toml", &package("my-models")),
            ("migrations/Cargo.toml", &package("migrations")),
        ]);
        let layout = read(dir.path()).unwrap();
        assert_eq!(layout.root, dir.path());
        assert_eq!(layout.entities.name, "models");
        assert_eq!(layout.entities.package, "my-models");
        assert_eq!(
            layout.entities.root_file,
            dir.path().join("models/src/lib.rs")
        );
        assert_eq!(layout.relative(&layout.migrations.dir), "migrations");
    }

    #[test]
    fn sea_orm_cli_crates_beside_a_manage_crate() {
        let dir = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\", \"entity\", \"migration\", \"manage\"]\n\n\
                 [workspace.dependencies]\nentity = { path = \"entity\" }\n",
            ),
            (
                "manage/Cargo.toml",
                "[package]\nname = \"manage\"\n\n[dependencies]\nentity.workspace = true\n\
                 migration = { path = \"../migration\" }\n",
            ),
            (
                "entity/Cargo.toml",
                &format!("{}[lib]\npath = \"src/mod.rs\"\n", package("entity")),
            ),
            ("migration/Cargo.toml", &package("migration")),
        ]);
        let layout = read(&dir.path().join("manage")).unwrap();
        assert_eq!(layout.root, dir.path());
        assert_eq!(layout.relative(&layout.entities.dir), "entity");
        assert_eq!(layout.relative(&layout.migrations.dir), "migration");
        assert_eq!(
            layout.entities.root_file,
            dir.path().join("entity/src/mod.rs")
        );
        assert_eq!(layout.migrations.name, "migration");
    }

    #[test]
    fn metadata_says_where_the_crates_are() {
        let dir = tree(&[
            (
                "tools/manage/Cargo.toml",
                "[package]\nname = \"manage\"\n\n[package.metadata.manage]\n\
                 entities = \"../../crates/db-entities\"\nmigrations = \"../../crates/db-migrations\"\n\
                 safe-migrations = true\n\n\
                 [dependencies]\ndb-entities = { path = \"../../crates/db-entities\" }\n\
                 db-migrations = { path = \"../../crates/db-migrations\" }\n",
            ),
            ("crates/db-entities/Cargo.toml", &package("db-entities")),
            ("crates/db-migrations/Cargo.toml", &package("db-migrations")),
            // Conventional crates elsewhere must not win over the configuration.
            ("models/Cargo.toml", &package("models")),
            ("migrations/Cargo.toml", &package("migrations")),
        ]);
        let layout = read(&dir.path().join("tools/manage")).unwrap();
        assert_eq!(layout.root, dir.path());
        assert_eq!(layout.relative(&layout.entities.dir), "crates/db-entities");
        assert_eq!(layout.entities.name, "db_entities");
        assert!(layout.safe_migrations);
    }

    #[test]
    fn what_is_missing_is_named() {
        let dir = tree(&[("Cargo.toml", "[package]\nname = \"manage\"\n")]);
        let err = read(dir.path()).unwrap_err();
        assert!(
            err.0.contains("no entity crate found") && err.0.contains("[package.metadata.manage]"),
            "{err}"
        );

        let dir = tree(&[
            (
                "Cargo.toml",
                "[package]\nname = \"manage\"\n\n[dependencies]\nmigration = { path = \"migration\" }\n",
            ),
            ("entity/Cargo.toml", &package("entity")),
            ("migration/Cargo.toml", &package("migration")),
        ]);
        let err = read(dir.path()).unwrap_err();
        assert!(
            err.0.contains("does not depend on the entity crate")
                && err.0.contains("entity = { path = \"entity\" }"),
            "{err}"
        );

        let dir = tree(&[(
            "Cargo.toml",
            "[package]\nname = \"manage\"\n[package.metadata.manage]\nentities = 3\n",
        )]);
        assert!(read(dir.path()).unwrap_err().0.contains("must be a path"));
    }
}
