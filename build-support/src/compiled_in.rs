//! The project's migration sources and snapshot, compiled into the binary, so that the
//! release binary alone (a slim container image holds nothing else) can migrate, report
//! and roll back: a migration's checksum, the tables it touches and the schema `check`
//! compares the database with all come from these copies when the project is absent.

use crate::modules::Error;
use migration_files::checksum;
pub(crate) use migration_files::is_migration_name;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// `MIGRATION_SOURCES`, `MIGRATION_CHECKSUMS`, `MIGRATION_FACTS`, `MIGRATION_LIB` and `SNAPSHOT` for the migration crate
/// in `migrations`, as Rust. The facts of a file whose text an earlier run already read
/// are taken from `facts_cache`, which this run rewrites.
pub fn render(migrations: &Path, facts_cache: Option<&Path>) -> Result<String, Error> {
    let src = migrations.join("src");
    let schema = migrations.join("schema");
    // A new or removed file changes its directory's mtime; `include_str!` makes the
    // compiler track each file's contents. A directory not there yet is watched
    // through its parent: cargo would rerun this script on every build for a path
    // that does not exist.
    for dir in [
        &src,
        &schema.join("tables"),
        &schema.join("enums"),
        &schema.join("views"),
    ] {
        let watched = dir.ancestors().find(|d| d.is_dir()).unwrap_or(migrations);
        println!("cargo:rerun-if-changed={}", watched.display());
    }

    // In name order: the engine looks them up by binary search.
    let mut migrations: Vec<(String, PathBuf)> = files(&src, "rs")
        .into_iter()
        .filter_map(|path| {
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            is_migration_name(&stem).then_some((stem, path))
        })
        .collect();
    migrations.sort();
    let mut out = String::from("/// Every migration file of migrations/src, by name.\n");
    out += "static MIGRATION_SOURCES: &[(&str, &str)] = &[\n";
    for (stem, path) in &migrations {
        let path = path.display().to_string();
        writeln!(out, "    ({stem:?}, include_str!({path:?})),").unwrap();
    }
    // Computed here so that `migrate` does not hash every applied migration on every
    // run. The same text as include_str! takes: this script reruns when a file changes.
    out += "];\n\n/// The checksum of each of MIGRATION_SOURCES.\n";
    out += "static MIGRATION_CHECKSUMS: &[(&str, &str)] = &[\n";
    let mut facts = String::new();
    let mut cache = FactsCache::read(facts_cache);
    for (stem, path) in &migrations {
        let text = fs::read_to_string(path)
            .map_err(|e| Error(format!("reading {}: {e}", path.display())))?;
        let sum = checksum(&text);
        writeln!(out, "    ({stem:?}, {sum:?}),").unwrap();
        // What each migration touches, so that `rollback` does not parse every file
        // of the history again on every run. A file whose tables only the models can
        // name is left to be read on the run, with them.
        if let Some(read) = cache.facts(sum, &text) {
            writeln!(facts, "    ({stem:?}, {read:?}),").unwrap();
        }
    }
    cache.write();
    out += "];\n\n/// What each of MIGRATION_SOURCES touches, as `migration_facts::encode` wrote it.\n";
    out += "static MIGRATION_FACTS: &[(&str, &str)] = &[\n";
    out += &facts;
    // Lets `migrate` see that lib.rs registers nothing the binary lacks without
    // reading its list: the file is the one the binary was built from.
    out += "];\n\n/// migrations/src/lib.rs as built.\n";
    let lib = src.join("lib.rs");
    if lib.is_file() {
        writeln!(
            out,
            "static MIGRATION_LIB: &str = include_str!({:?});",
            lib.display().to_string()
        )
        .unwrap();
    } else {
        out += "static MIGRATION_LIB: &str = \"\";\n";
    }
    out += "\n/// Every snapshot file, by its path under migrations/schema.\n";
    out += "static SNAPSHOT: &[(&str, &str)] = &[\n";
    for sub in ["tables", "enums", "views"] {
        for path in files(&schema.join(sub), "json") {
            let name = path.file_name().unwrap().to_string_lossy();
            writeln!(
                out,
                "    (\"{sub}/{name}\", include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    out += "];\n";
    Ok(out)
}

/// The facts of migration texts by checksum, kept in `OUT_DIR` between runs of the
/// build script: it reruns on every change to a migration or to the models, and
/// parsing every file of a long history each time cost about 0.6 s per 1,000 files
/// (build scripts run unoptimized). The cache is only trusted by the build script
/// that wrote it: a rebuilt script (a new scanner) starts afresh.
struct FactsCache {
    path: Option<PathBuf>,
    /// Which build script wrote the cache: its executable's size and modification time.
    writer: String,
    /// Earlier runs' facts by checksum; None for a text that needs the models.
    earlier: HashMap<String, Option<String>>,
    /// This run's, written back.
    now: BTreeMap<String, Option<String>>,
}

impl FactsCache {
    fn read(path: Option<&Path>) -> FactsCache {
        let writer = std::env::current_exe()
            .and_then(fs::metadata)
            .ok()
            .and_then(|m| {
                let modified = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
                Some(format!("{} {}", m.len(), modified.as_nanos()))
            });
        let mut cache = FactsCache {
            // Without knowing which script wrote it, a cache is neither read nor kept.
            path: path.filter(|_| writer.is_some()).map(Path::to_path_buf),
            writer: writer.unwrap_or_default(),
            earlier: HashMap::new(),
            now: BTreeMap::new(),
        };
        let text = cache.path.as_ref().and_then(|p| fs::read_to_string(p).ok());
        let mut lines = text.as_deref().unwrap_or_default().lines();
        if lines.next() == Some(cache.writer.as_str()) {
            for line in lines {
                let Some((sum, facts)) = line.split_once('\t') else {
                    cache.earlier.clear();
                    break;
                };
                let facts = (facts != "-").then(|| facts.to_string());
                cache.earlier.insert(sum.to_string(), facts);
            }
        }
        cache
    }

    /// The facts of `text` (whose checksum is `sum`) as compiled in.
    fn facts(&mut self, sum: String, text: &str) -> Option<String> {
        let facts = match self.earlier.remove(&sum) {
            Some(known) => known,
            None => migration_facts::scan_without_models(text).map(|f| migration_facts::encode(&f)),
        };
        self.now.insert(sum, facts.clone());
        facts
    }

    /// Keeps this run's facts for the next; a cache that cannot be written is only
    /// slower next time. Written aside and renamed, so that a stopped build never
    /// leaves half a cache.
    fn write(self) {
        let Some(path) = self.path else { return };
        let mut text = self.writer;
        for (sum, facts) in &self.now {
            // Encoded facts are JSON on one line: no tab, no newline.
            write!(text, "\n{sum}\t{}", facts.as_deref().unwrap_or("-")).unwrap();
        }
        let aside = path.with_extension("new");
        if fs::write(&aside, text).is_ok() {
            let _ = fs::rename(&aside, &path);
        }
    }
}

/// The files of `dir` with extension `ext`, sorted; none when `dir` is absent.
pub(crate) fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::render;
    use std::fs;

    const MIGRATION: &str = "impl MigrationTrait for Migration {\n    \
        async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {\n        \
        manager.create_table(Table::create().table(\"posts\").to_owned()).await\n    }\n}\n";

    #[test]
    fn facts_come_from_the_cache_only_when_this_script_wrote_it() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("migrations/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("m20260101_000000_posts.rs"), MIGRATION).unwrap();
        let cache = dir.path().join("facts.cache");
        let migrations = dir.path().join("migrations");

        let first = render(&migrations, Some(&cache)).unwrap();
        assert!(first.contains(r#"\"posts\":[\"create\"]"#), "{first}");
        // A later run takes what the cache says for the same text...
        let kept = fs::read_to_string(&cache).unwrap();
        fs::write(&cache, kept.replace("posts", "from_the_cache")).unwrap();
        let second = render(&migrations, Some(&cache)).unwrap();
        assert!(second.contains("from_the_cache"), "{second}");
        // ...but not a cache another build of the script wrote.
        let other = format!("0 0{}", &kept[kept.find('\n').unwrap()..]);
        fs::write(&cache, other.replace("posts", "from_the_cache")).unwrap();
        let third = render(&migrations, Some(&cache)).unwrap();
        assert!(!third.contains("from_the_cache"), "{third}");
        assert_eq!(third, first);
        // An edited file is read again.
        fs::write(
            src.join("m20260101_000000_posts.rs"),
            MIGRATION.replace("posts", "articles"),
        )
        .unwrap();
        let edited = render(&migrations, Some(&cache)).unwrap();
        assert!(edited.contains(r#"\"articles\":[\"create\"]"#), "{edited}");
    }
}
