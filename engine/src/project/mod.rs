//! The project on disk: where models, migrations and the snapshot live, and how new
//! files land there without ever leaving a half-registered migration.

use crate::schema::Schema;
use anyhow::{Context, Result, bail};
use regex::Regex;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

pub mod sources;

/// How long `lock_for_writing` waits for another `manage` that is writing migrations.
pub const WRITE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The project's write lock (see [`Project::lock_for_writing`]); released when dropped.
pub struct WriteLock {
    _held: fs::File,
}

pub struct Project {
    pub root: PathBuf,
    /// Whether the project's sources are here. Without them (the release binary
    /// alone in an image) `root` is the working directory, and everything that
    /// reads sources reads the copy compiled into the binary.
    pub on_disk: bool,
    pub layout: Layout,
}

/// Where the project's crates are, as the binary's build found them (manage-build
/// reads `[package.metadata.manage]`, else the conventional places), and the
/// project's settings there.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The project's root when the binary was built.
    pub root: &'static str,
    /// The entity crate's directory, relative to the root, `/`-separated.
    pub entities: &'static str,
    /// The migration crate's directory, likewise.
    pub migrations: &'static str,
    /// `safe-migrations = true`: `makemigrations` always writes the safe forms for
    /// live PostgreSQL tables, as with `--safe`.
    pub safe_migrations: bool,
}

impl Layout {
    /// This repository's layout, rooted at `root`.
    pub const fn conventional(root: &'static str) -> Layout {
        Layout {
            root,
            entities: "models",
            migrations: "migrations",
            safe_migrations: false,
        }
    }
}

/// A migration's name (as [`is_migration_name`] checks it) in a pattern. Spelled with
/// ASCII classes and "any non-ASCII character" rather than `\d` and `\w`: the Unicode
/// classes take a millisecond or more to compile each, and accept nothing a file name
/// here needs.
const MIGRATION_NAME: &str = r"m[0-9]{8}_[0-9]{6}(?:[0-9A-Za-z_]|[^\x00-\x7F])*";

/// `mod m20250101_120000_slug;` in the migrator's lib.rs.
static MOD_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?m)^[ \t]*(?:pub\s+)?mod\s+({MIGRATION_NAME})\s*;[^\n]*$"
    ))
    .unwrap()
});
pub use migration_files::is_migration_name;

/// The names in `Box::new(m20250101_120000_slug::Migration)` entries of `text` (the
/// `vec![...]` of `migrations()`), however formatted. A plain scan rather than a
/// regex: `migrate` reads lib.rs on every run, and compiling a pattern would cost it
/// more than the scan.
fn box_entries(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in text.match_indices("Box::new") {
        let rest = text[at + "Box::new".len()..].trim_start();
        let Some(rest) = rest.strip_prefix('(') else {
            continue;
        };
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric() || !c.is_ascii()))
            .unwrap_or(rest.len());
        let (name, rest) = rest.split_at(end);
        let closed = rest
            .strip_prefix("::Migration")
            .is_some_and(|rest| rest.trim_start().starts_with(')'));
        if closed && is_migration_name(name) {
            names.push(name.to_string());
        }
    }
    names
}

/// Whether lib.rs takes its migrations from the directory, as manage-build's
/// `register_migrations` lists them: a line `include!(concat!(env!("OUT_DIR"),
/// "/migrations.rs"))`, spaces and line breaks anywhere between its tokens.
fn lists_the_directory(lib: &str) -> bool {
    const INCLUDE: &str = r#"include!(concat!(env!("OUT_DIR"),"/migrations.rs"))"#;
    lib.match_indices("include!").any(|(at, _)| {
        let line_start = lib[..at].rfind('\n').map_or(0, |i| i + 1);
        if !lib[line_start..at].trim().is_empty() {
            return false; // commented out, or inside something else
        }
        let mut tokens = lib[at..].chars().filter(|c| !c.is_whitespace());
        INCLUDE
            .chars()
            .all(|expected| tokens.next() == Some(expected))
    })
}

impl Project {
    /// The project laid out as `layout` says whose migration crate is in `start` or
    /// above it, else the one the binary was built from, else none: the binary runs
    /// alone from `start`.
    pub fn find(start: &Path, layout: Layout) -> Project {
        let has_sources = |dir: &Path| {
            dir.join(layout.migrations).join("src/lib.rs").is_file()
                && dir.join(layout.entities).is_dir()
        };
        let at = |root: &Path, on_disk: bool| Project {
            root: root.to_path_buf(),
            on_disk,
            layout,
        };
        if let Some(dir) = start.ancestors().find(|dir| has_sources(dir)) {
            return at(dir, true);
        }
        let built_from = Path::new(layout.root);
        if built_from
            .join(layout.migrations)
            .join("src/lib.rs")
            .is_file()
        {
            return at(built_from, true);
        }
        at(start, false)
    }

    /// Fails, saying why, when `command` needs the project's sources and they are not here.
    pub fn require_sources(&self, command: &str) -> Result<()> {
        if !self.on_disk {
            bail!(
                "{command} needs the project's sources ({}/ and {}), and there are none in {} \
                 or a parent directory: this binary carries only its compiled migrations. Run \
                 it in the project's checkout.",
                self.layout.entities,
                self.shown(&self.lib_rs()),
                self.root.display()
            );
        }
        Ok(())
    }

    /// The migration crate's directory.
    pub fn migrations_dir(&self) -> PathBuf {
        self.root.join(self.layout.migrations)
    }

    pub fn migrations_src(&self) -> PathBuf {
        self.migrations_dir().join("src")
    }

    pub fn lib_rs(&self) -> PathBuf {
        self.migrations_src().join("lib.rs")
    }

    pub fn snapshot_dir(&self) -> PathBuf {
        self.migrations_dir().join("schema")
    }

    fn journal_dir(&self) -> PathBuf {
        self.migrations_dir().join(".manage-journal")
    }

    /// A path of the project as messages show it: relative to the root
    /// (`migration/src/lib.rs`).
    pub fn shown(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A migration's file as messages show it.
    pub fn shown_migration(&self, name: &str) -> String {
        self.shown(&self.migrations_src().join(format!("{name}.rs")))
    }

    /// Whether lib.rs is `built`, the text the binary was compiled from, and names its
    /// migrations itself: then the binary has every migration lib.rs registers.
    pub fn lib_rs_is(&self, built: &str) -> bool {
        !built.is_empty()
            && fs::read(self.lib_rs()).is_ok_and(|text| text == built.as_bytes())
            && !lists_the_directory(built)
    }

    /// Names of the migrations registered in lib.rs, in order: every migration file
    /// when lib.rs takes them from the directory.
    pub fn registered_migrations(&self) -> Result<Vec<String>> {
        let lib = read(&self.lib_rs())?;
        if lists_the_directory(&lib) {
            return self.migration_files();
        }
        let Some((start, end)) = migrations_vec(&lib) else {
            return Ok(Vec::new());
        };
        Ok(box_entries(&lib[start..end]))
    }

    /// Migration files in migrations/src, registered or not.
    pub fn migration_files(&self) -> Result<Vec<String>> {
        let mut files: Vec<String> = fs::read_dir(self.migrations_src())
            .with_context(|| format!("reading {}", self.migrations_src().display()))?
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|f| f.strip_suffix(".rs").map(str::to_string))
            .filter(|name| is_migration_name(name))
            .collect();
        files.sort();
        Ok(files)
    }

    /// lib.rs with `name` added to its module list and to `migrations()`; None when
    /// lib.rs takes its migrations from the directory, where the file is enough.
    pub fn register(&self, name: &str) -> Result<Option<String>> {
        self.register_replacing(&[], name)
    }

    /// lib.rs with each of `names` added, in order (see [`Project::register`]).
    pub fn register_all(&self, names: &[String]) -> Result<Option<String>> {
        let mut lib = read(&self.lib_rs())?;
        for name in names {
            match self.registered_in(lib, &[], name)? {
                Some(next) => lib = next,
                None => return Ok(None),
            }
        }
        Ok(Some(lib))
    }

    /// lib.rs with `originals` taken out of its module list and `migrations()`, and
    /// `name` put where the first of them was (at the end when there are none); None
    /// when lib.rs takes its migrations from the directory.
    pub fn register_replacing(&self, originals: &[String], name: &str) -> Result<Option<String>> {
        self.registered_in(read(&self.lib_rs())?, originals, name)
    }

    /// `lib` (lib.rs's text) registering `name` in place of `originals`.
    fn registered_in(
        &self,
        lib: String,
        originals: &[String],
        name: &str,
    ) -> Result<Option<String>> {
        if lists_the_directory(&lib) {
            return Ok(None);
        }
        let mod_line = format!("mod {name};\n");
        let first_original = MOD_LINE
            .captures_iter(&lib)
            .find(|c| originals.contains(&c[1].to_string()))
            .map(|c| c.get(0).expect("whole match").start());
        let lib = match (first_original, MOD_LINE.find_iter(&lib).last()) {
            (Some(at), _) => format!("{}{mod_line}{}", &lib[..at], &lib[at..]),
            (None, Some(m)) => insert_after_line(&lib, m.end(), &mod_line),
            (None, None) => {
                let at = lib.find("pub struct Migrator").with_context(|| {
                    format!("{} has no `pub struct Migrator`", self.lib_rs().display())
                })?;
                format!("{}{mod_line}\n{}", &lib[..at], &lib[at..])
            }
        };
        // The originals' module lines go, each with its line break.
        let lib = MOD_LINE
            .replace_all(&lib, |c: &regex::Captures| {
                if originals.contains(&c[1].to_string()) {
                    "\u{0}".to_string()
                } else {
                    c[0].to_string()
                }
            })
            .replace("\u{0}\n", "");
        // Rewrite the whole `vec![...]` in one canonical shape, whatever rustfmt made of it.
        let (start, end) = migrations_vec(&lib).with_context(|| {
            format!(
                "cannot find `vec![...]` in `fn migrations()` of {}",
                self.lib_rs().display()
            )
        })?;
        let mut names: Vec<String> = Vec::new();
        let mut placed = false;
        for entry in box_entries(&lib[start..end]) {
            if originals.contains(&entry) {
                if !placed {
                    names.push(name.to_string());
                    placed = true;
                }
            } else {
                names.push(entry);
            }
        }
        if !placed {
            names.push(name.to_string());
        }
        let entries: String = names
            .iter()
            .map(|n| format!("            Box::new({n}::Migration),\n"))
            .collect();
        Ok(Some(format!(
            "{}vec![\n{entries}        ]{}",
            &lib[..start],
            &lib[end..]
        )))
    }

    /// The committed snapshot: the schema the migrations produce.
    pub fn read_snapshot(&self) -> Result<Schema> {
        crate::read::snapshot::read_snapshot(&self.snapshot_dir())
    }

    /// Applies `files` as one unit. A journal is written first and replayed by
    /// [`Project::recover`] if the process dies half-way, so either every file lands
    /// or none does.
    pub fn commit(&self, _lock: &WriteLock, files: &[(PathBuf, Option<String>)]) -> Result<()> {
        let journal = self.journal_dir();
        if journal.exists() {
            fs::remove_dir_all(&journal)?;
        }
        fs::create_dir_all(&journal)?;
        let mut plan = String::new();
        for (i, (target, content)) in files.iter().enumerate() {
            match content {
                Some(text) => {
                    let staged = journal.join(format!("{i}.staged"));
                    write_synced(&staged, text)?;
                    plan += &format!("write\t{}\t{}\n", staged.display(), target.display());
                }
                None => plan += &format!("delete\t\t{}\n", target.display()),
            }
        }
        // The plan's rename is the commit point.
        write_synced(&journal.join("plan.tmp"), &plan)?;
        fs::rename(journal.join("plan.tmp"), journal.join("plan"))?;
        self.finish_commit()
    }

    /// Takes the project's write lock: one `manage` at a time writes migrations, the
    /// snapshot and the registration in lib.rs, or finishes an interrupted commit.
    /// Two `makemigrations` at once would otherwise both register into the lib.rs they
    /// read, and the later write would drop the earlier one's line. Finishes a commit
    /// that a process left behind when it died. Waits up to
    /// [`WRITE_LOCK_WAIT`] for another holder; the OS releases the lock of a process
    /// that dies.
    pub fn lock_for_writing(&self) -> Result<WriteLock> {
        let started = std::time::Instant::now();
        let mut announced = false;
        loop {
            if let Some(lock) = self.try_lock_for_writing()? {
                // A predecessor that died mid-commit is finished (or undone) first.
                self.finish_commit()?;
                return Ok(lock);
            }
            if started.elapsed() >= WRITE_LOCK_WAIT {
                bail!(
                    "another manage has been writing to {} for {}s; giving up",
                    self.shown(&self.migrations_dir()),
                    WRITE_LOCK_WAIT.as_secs()
                );
            }
            if !announced {
                eprintln!(
                    "waiting for another manage to finish writing to {} ...",
                    self.shown(&self.migrations_dir())
                );
                announced = true;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The write lock, or None while another process holds it.
    fn try_lock_for_writing(&self) -> Result<Option<WriteLock>> {
        // On Unix the migrations' directory itself is locked (flock on its
        // descriptor), so no lock file is left in the user's tree. Windows cannot
        // open a directory as a file: a lock file beside the journal stands in.
        #[cfg(unix)]
        let dir = self.migrations_dir();
        #[cfg(not(unix))]
        let dir = self.migrations_dir().join(".manage-lock");
        let file = fs::OpenOptions::new()
            .read(true)
            .write(cfg!(not(unix)))
            .create(cfg!(not(unix)))
            .truncate(false)
            .open(&dir)
            .with_context(|| format!("cannot open {} to lock it", self.shown(&dir)))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(WriteLock { _held: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("cannot lock {}", self.shown(&dir)))
            }
        }
    }

    /// Finishes or discards a commit that a process left behind when it died. Skipped
    /// while another process holds the write lock: that one is alive and finishes its
    /// own commit.
    pub fn recover(&self) -> Result<()> {
        if !self.on_disk || !self.journal_dir().exists() {
            return Ok(());
        }
        match self.try_lock_for_writing()? {
            Some(_lock) => self.finish_commit(),
            None => Ok(()),
        }
    }

    /// Finishes a commit that was interrupted after its commit point, or discards one
    /// interrupted before it. The caller holds the write lock.
    fn finish_commit(&self) -> Result<()> {
        let journal = self.journal_dir();
        if !self.on_disk || !journal.exists() {
            return Ok(());
        }
        if let Ok(plan) = fs::read_to_string(journal.join("plan")) {
            for line in plan.lines() {
                let mut parts = line.split('\t');
                let (Some(kind), Some(staged), Some(target)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let target = Path::new(target);
                match kind {
                    "write" if Path::new(staged).exists() => {
                        if let Some(dir) = target.parent() {
                            fs::create_dir_all(dir)?;
                        }
                        fs::rename(staged, target)
                            .with_context(|| format!("writing {}", target.display()))?;
                    }
                    "delete" if target.exists() => fs::remove_file(target)
                        .with_context(|| format!("removing {}", target.display()))?,
                    _ => {}
                }
            }
        }
        fs::remove_dir_all(&journal)?;
        Ok(())
    }
}

/// The byte span of `vec![ ... ]` inside `fn migrations`.
fn migrations_vec(lib: &str) -> Option<(usize, usize)> {
    let body = lib.find("fn migrations")?;
    let start = body + lib[body..].find("vec![")?;
    let mut depth = 0;
    // Brackets are ASCII: bytes find them, at their byte offsets, without decoding.
    for (i, c) in lib.as_bytes()[start..].iter().enumerate() {
        match c {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, start + i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

fn insert_after_line(text: &str, at: usize, line: &str) -> String {
    let at = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    format!("{}{line}{}", &text[..at], &text[at..])
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn write_synced(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut f = fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_LIB: &str = "pub use sea_orm_migration::prelude::*;\n\npub struct Migrator;\n\n#[async_trait::async_trait]\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![]\n    }\n}\n";

    #[test]
    fn registers_into_an_empty_and_a_filled_lib() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("migrations/src")).unwrap();
        let project = Project {
            root: dir.path().to_path_buf(),
            on_disk: true,
            layout: Layout::conventional(""),
        };
        fs::write(project.lib_rs(), EMPTY_LIB).unwrap();
        let one = project.register("m20250101_000000_a").unwrap().unwrap();
        fs::write(project.lib_rs(), &one).unwrap();
        let two = project.register("m20250101_000001_b").unwrap().unwrap();
        fs::write(project.lib_rs(), &two).unwrap();
        assert_eq!(
            project.registered_migrations().unwrap(),
            ["m20250101_000000_a", "m20250101_000001_b"]
        );
        assert!(two.contains("mod m20250101_000000_a;\nmod m20250101_000001_b;\n"));

        // rustfmt folds a short list onto one line; registration still finds it.
        let folded = two.replace(
            "vec![\n            Box::new(m20250101_000000_a::Migration),\n            Box::new(m20250101_000001_b::Migration),\n        ]",
            "vec![Box::new(m20250101_000000_a::Migration), Box::new(m20250101_000001_b::Migration)]",
        );
        assert_ne!(folded, two);
        fs::write(project.lib_rs(), &folded).unwrap();
        let three = project.register("m20250101_000002_c").unwrap().unwrap();
        fs::write(project.lib_rs(), &three).unwrap();
        assert_eq!(project.registered_migrations().unwrap().len(), 3);
    }

    #[test]
    fn lib_rs_is_the_built_one_only_when_equal_and_listing_its_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let project = project_in(dir.path());
        fs::write(project.lib_rs(), EMPTY_LIB).unwrap();
        assert!(project.lib_rs_is(EMPTY_LIB));
        // Built without a lib.rs, or from another one.
        assert!(!project.lib_rs_is(""));
        let edited = EMPTY_LIB.replace("vec![]", "vec![Box::new(m20250101_000000_a::Migration)]");
        assert!(!project.lib_rs_is(&edited));
        // A list from the directory: files added since the build are not in it.
        let listed = EMPTY_LIB.replace(
            "pub struct Migrator;",
            "include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));\npub struct Migrator;",
        );
        assert_ne!(listed, EMPTY_LIB);
        fs::write(project.lib_rs(), &listed).unwrap();
        assert!(!project.lib_rs_is(&listed));
    }

    #[test]
    fn a_squash_takes_the_place_of_its_originals_in_lib() {
        let dir = tempfile::tempdir().unwrap();
        let project = project_in(dir.path());
        fs::write(project.lib_rs(), EMPTY_LIB).unwrap();
        for name in [
            "m20250101_000000_a",
            "m20250102_000000_b",
            "m20250103_000000_c",
        ] {
            let lib = project.register(name).unwrap().unwrap();
            fs::write(project.lib_rs(), lib).unwrap();
        }
        let originals = [
            "m20250101_000000_a".to_string(),
            "m20250102_000000_b".to_string(),
        ];
        let lib = project
            .register_replacing(&originals, "m20250102_000000_squashed")
            .unwrap()
            .unwrap();
        fs::write(project.lib_rs(), &lib).unwrap();
        assert_eq!(
            project.registered_migrations().unwrap(),
            ["m20250102_000000_squashed", "m20250103_000000_c"]
        );
        assert!(
            lib.contains("mod m20250102_000000_squashed;\nmod m20250103_000000_c;\n"),
            "{lib}"
        );
        assert!(!lib.contains("_a;") && !lib.contains("_b;"), "{lib}");
    }

    #[test]
    fn a_lib_that_lists_the_directory_registers_every_file_and_is_never_edited() {
        let dir = tempfile::tempdir().unwrap();
        let project = project_in(dir.path());
        let lib = "pub use sea_orm_migration::prelude::*;\n\n\
                   include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));\n\n\
                   pub struct Migrator;\n";
        fs::write(project.lib_rs(), lib).unwrap();
        for file in ["m20250102_000000_b.rs", "m20250101_000000_a.rs", "util.rs"] {
            fs::write(project.migrations_src().join(file), "").unwrap();
        }
        assert_eq!(
            project.registered_migrations().unwrap(),
            ["m20250101_000000_a", "m20250102_000000_b"]
        );
        assert_eq!(project.register("m20250103_000000_c").unwrap(), None);
    }

    #[test]
    fn registrations_are_read_however_formatted() {
        let lib = "mod m20250101_000000_caf\u{e9};\n\
                   fn migrations() { vec![Box::new(m20250101_000000_caf\u{e9}::Migration),\n\
                   Box::new (\n  m20250102_000000_b::Migration\n),\n\
                   Box::new(other::Migration), Box::new(m20250103_000000_c::Other)] }";
        assert_eq!(
            box_entries(lib),
            ["m20250101_000000_caf\u{e9}", "m20250102_000000_b"]
        );
        assert!(MOD_LINE.is_match(lib));
        assert!(!lists_the_directory(lib));
        for listed in [
            "include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));",
            "x;\n    include! (\n concat!(env!(\"OUT_DIR\"),\n \"/migrations.rs\"))\n",
        ] {
            assert!(lists_the_directory(listed), "{listed}");
        }
        for not_listed in [
            "// include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"));",
            "include!(concat!(env!(\"OUT_DIR\"), \"/other.rs\"));",
            "include!(concat!(env!(\"OUT_DIR\"), \"/migrations.rs\"",
        ] {
            assert!(!lists_the_directory(not_listed), "{not_listed}");
        }
    }

    fn project_in(dir: &Path) -> Project {
        fs::create_dir_all(dir.join("migrations/src")).unwrap();
        Project {
            root: dir.to_path_buf(),
            on_disk: true,
            layout: Layout::conventional(""),
        }
    }

    #[test]
    fn a_commit_interrupted_after_its_plan_is_finished() {
        let dir = tempfile::tempdir().unwrap();
        let project = project_in(dir.path());
        let journal = project.journal_dir();
        fs::create_dir_all(&journal).unwrap();
        let target = dir.path().join("migrations/src/m1.rs");
        let lib = project.lib_rs();
        fs::write(&lib, "old").unwrap();
        // The process died after writing the plan and moving the first file.
        fs::write(journal.join("1.staged"), "new lib").unwrap();
        fs::write(&target, "migration").unwrap();
        let plan = format!(
            "write\t{}\t{}\nwrite\t{}\t{}\n",
            journal.join("0.staged").display(),
            target.display(),
            journal.join("1.staged").display(),
            lib.display()
        );
        fs::write(journal.join("plan"), plan).unwrap();
        project.recover().unwrap();
        assert_eq!(fs::read_to_string(&lib).unwrap(), "new lib");
        assert_eq!(fs::read_to_string(&target).unwrap(), "migration");
        assert!(!journal.exists());
    }

    #[test]
    fn a_commit_interrupted_before_its_plan_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let project = project_in(dir.path());
        let journal = project.journal_dir();
        fs::create_dir_all(&journal).unwrap();
        fs::write(journal.join("0.staged"), "half").unwrap();
        fs::write(journal.join("plan.tmp"), "write\t...").unwrap();
        project.recover().unwrap();
        assert!(!journal.exists());
        assert_eq!(fs::read_dir(project.migrations_src()).unwrap().count(), 0);
    }
}
