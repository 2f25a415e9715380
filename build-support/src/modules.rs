//! Where a crate's SeaORM entities are, read from its module tree the way rustc reads
//! it: `mod name;` from the crate root (`name.rs`, `name/mod.rs`, `#[path]`), inline
//! modules, and `pub use` re-exports that make a private module reachable from outside.
//!
//! Only the tree is read here, and which modules define an entity. What an entity
//! holds is read from SeaORM's own metadata when `manage` runs, and SeaORM's entity
//! registry then confirms that no entity was missed (see the engine's `entities`).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use syn::{Attribute, Item, UseTree, Visibility};

/// The entities of one crate.
#[derive(Debug, Default)]
pub struct Found {
    /// Each entity module's path as seen from outside the crate, without the crate's
    /// name (`cake`, `entities::cake`; empty for the crate root), sorted.
    pub entities: Vec<String>,
    /// Modules left out because a `#[cfg]` decides whether they exist, by path.
    pub conditional: Vec<String>,
    /// Every file and directory read, for cargo's `rerun-if-changed`.
    pub watched: Vec<PathBuf>,
}

/// Why the entities could not be found, naming the file at fault.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// One module, as declared.
#[derive(Default)]
struct Module {
    /// Its path inside the crate, from the root (empty for the root).
    path: Vec<String>,
    public: bool,
    defines_entity: bool,
    children: Vec<String>,
    /// `pub use` items: what they name, relative to this module, and the name given
    /// (None for a glob).
    reexports: Vec<(Vec<String>, Option<String>)>,
}

/// Reads the crate whose root file is `root` (its `lib.rs`).
pub fn find_entities(root: &Path) -> Result<Found, Error> {
    let mut reader = Reader::default();
    let items = reader.parse(root)?;
    let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
    reader.module(Vec::new(), true, &items, &dir)?;

    let public = reader.public_paths();
    let mut entities = Vec::new();
    for module in reader.modules.values().filter(|m| m.defines_entity) {
        match public.get(&module.path) {
            Some(path) => entities.push(path.join("::")),
            None => {
                return Err(Error(format!(
                    "the entity in module `{}` cannot be named from outside its crate: make the \
                     modules on its path `pub` (or re-export it with `pub use`)",
                    module.path.join("::")
                )));
            }
        }
    }
    entities.sort();
    Ok(Found {
        entities,
        conditional: reader.conditional,
        watched: reader.watched,
    })
}

#[derive(Default)]
struct Reader {
    modules: BTreeMap<Vec<String>, Module>,
    conditional: Vec<String>,
    watched: Vec<PathBuf>,
    /// Files already read: a `#[path]` cycle must not recurse for ever.
    read: HashSet<PathBuf>,
}

impl Reader {
    fn parse(&mut self, file: &Path) -> Result<Vec<Item>, Error> {
        if !self.read.insert(file.to_path_buf()) {
            return Err(Error(format!("{} is included twice", file.display())));
        }
        self.watched.push(file.to_path_buf());
        let text = std::fs::read_to_string(file)
            .map_err(|e| Error(format!("cannot read {}: {e}", file.display())))?;
        syn::parse_file(&text).map(|f| f.items).map_err(|e| {
            let at = e.span().start();
            Error(format!(
                "{}:{}:{}: cannot parse: {e}",
                file.display(),
                at.line,
                at.column + 1
            ))
        })
    }

    /// Records the module at `path` with `items`; `dir` is where its `mod name;`
    /// declarations look for their files.
    fn module(
        &mut self,
        path: Vec<String>,
        public: bool,
        items: &[Item],
        dir: &Path,
    ) -> Result<(), Error> {
        let mut module = Module {
            path: path.clone(),
            public,
            defines_entity: defines_entity(items),
            ..Module::default()
        };
        let mut nested = Vec::new();
        for item in items {
            match item {
                Item::Mod(m) => {
                    let name = ident(&m.ident);
                    let mut child = path.clone();
                    child.push(name.clone());
                    if is_test_only(&m.attrs) {
                        continue;
                    }
                    if has_cfg(&m.attrs) {
                        self.conditional.push(child.join("::"));
                        continue;
                    }
                    module.children.push(name.clone());
                    nested.push((child, m, name));
                }
                Item::Use(u) if is_pub(&u.vis) => {
                    collect_uses(&u.tree, Vec::new(), &mut module.reexports);
                }
                _ => {}
            }
        }
        self.modules.insert(path, module);
        for (child, m, name) in nested {
            let public = is_pub(&m.vis);
            match &m.content {
                Some((_, items)) => {
                    self.module(child, public, items, &dir.join(file_stem(&name)))?;
                }
                None => {
                    let (file, child_dir) = self.locate(dir, &name, &m.attrs)?;
                    let items = self.parse(&file)?;
                    self.module(child, public, &items, &child_dir)?;
                }
            }
        }
        Ok(())
    }

    /// The file of `mod name;` declared in a module whose files live in `dir`, and
    /// where that module's own declarations look.
    fn locate(
        &mut self,
        dir: &Path,
        name: &str,
        attrs: &[Attribute],
    ) -> Result<(PathBuf, PathBuf), Error> {
        // A new `name.rs` beside the others changes this directory; watch it once.
        if !self.watched.iter().any(|w| w == dir) {
            self.watched.push(dir.to_path_buf());
        }
        if let Some(explicit) = path_attribute(attrs) {
            // Like a `mod.rs`, a file named by `#[path]` keeps its children beside it.
            let file = dir.join(explicit);
            let child_dir = file.parent().unwrap_or(dir).to_path_buf();
            return Ok((file, child_dir));
        }
        let stem = file_stem(name);
        let flat = dir.join(format!("{stem}.rs"));
        let nested = dir.join(stem).join("mod.rs");
        match (flat.is_file(), nested.is_file()) {
            (true, false) => Ok((flat, dir.join(stem))),
            (false, true) => Ok((nested, dir.join(stem))),
            (true, true) => Err(Error(format!(
                "module `{name}`: both {} and {} exist",
                flat.display(),
                nested.display()
            ))),
            (false, false) => Err(Error(format!(
                "module `{name}`: neither {} nor {} exists",
                flat.display(),
                nested.display()
            ))),
        }
    }

    /// Each module's path from outside the crate, where it has one: through `pub`
    /// modules and `pub use` re-exports, shortest first.
    fn public_paths(&self) -> BTreeMap<Vec<String>, Vec<String>> {
        let mut found: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(Vec::new(), Vec::new())]);
        while let Some((module, outside)) = queue.pop_front() {
            if found.contains_key(&module) {
                continue;
            }
            found.insert(module.clone(), outside.clone());
            for (name, target) in self.visible_in(&module, &mut BTreeSet::new()) {
                let mut next = outside.clone();
                next.push(name);
                queue.push_back((target, next));
            }
        }
        found
    }

    /// The modules nameable as `module::name` from outside: its `pub` children and
    /// what it re-exports, by name.
    fn visible_in(
        &self,
        module: &[String],
        seen: &mut BTreeSet<Vec<String>>,
    ) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        let Some(m) = self.modules.get(module) else {
            return out;
        };
        if !seen.insert(module.to_vec()) {
            return out;
        }
        for child in &m.children {
            let mut path = module.to_vec();
            path.push(child.clone());
            if self.modules.get(&path).is_some_and(|c| c.public) {
                out.insert(child.clone(), path);
            }
        }
        for (target, alias) in &m.reexports {
            let Some(target) = self.resolve(module, target) else {
                continue;
            };
            match alias {
                Some(alias) => {
                    out.entry(alias.clone()).or_insert(target);
                }
                None => {
                    for (name, path) in self.visible_in(&target, seen) {
                        out.entry(name).or_insert(path);
                    }
                    // A glob also brings in the target's private children: they are
                    // visible inside the crate, but not from outside, so not here.
                }
            }
        }
        out
    }

    /// The module a `use` path names from inside `module`, if it is one of this crate.
    fn resolve(&self, module: &[String], path: &[String]) -> Option<Vec<String>> {
        let mut at = module.to_vec();
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                at.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            _ => {}
        }
        while rest.first().map(String::as_str) == Some("super") {
            at.pop()?;
            rest = &rest[1..];
        }
        at.extend(rest.iter().cloned());
        self.modules.contains_key(&at).then_some(at)
    }
}

/// `pub use` trees as (path, name given): `a::b` as (["a","b"], Some("b")), `a::b as c`
/// as (["a","b"], Some("c")), `a::*` as (["a"], None).
fn collect_uses(tree: &UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    match tree {
        UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(ident(&p.ident));
            collect_uses(&p.tree, prefix, out);
        }
        UseTree::Name(n) => {
            let name = ident(&n.ident);
            let mut path = prefix;
            if name == "self" {
                let Some(last) = path.last().cloned() else {
                    return;
                };
                out.push((path, Some(last)));
            } else {
                path.push(name.clone());
                out.push((path, Some(name)));
            }
        }
        UseTree::Rename(r) => {
            let mut path = prefix;
            path.push(ident(&r.ident));
            out.push((path, Some(ident(&r.rename))));
        }
        UseTree::Glob(_) => out.push((prefix, None)),
        UseTree::Group(g) => {
            for tree in &g.items {
                collect_uses(tree, prefix.clone(), out);
            }
        }
    }
}

/// Whether `items` define a SeaORM entity (its `Entity` type is then in this module):
/// a `Model` deriving `DeriveEntityModel` or under `#[sea_orm::model]`
/// (`compact_model`), or an `Entity` deriving `DeriveEntity` (the expanded format).
fn defines_entity(items: &[Item]) -> bool {
    items.iter().any(|item| {
        let Item::Struct(s) = item else {
            return false;
        };
        match s.ident.to_string().as_str() {
            "Model" => {
                derives(&s.attrs, "DeriveEntityModel")
                    || s.attrs.iter().any(|a| {
                        let segments: Vec<String> = a
                            .path()
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect();
                        matches!(
                            segments.iter().map(String::as_str).collect::<Vec<_>>()[..],
                            ["sea_orm", "model" | "compact_model"] | ["model" | "compact_model"]
                        )
                    })
            }
            "Entity" => derives(&s.attrs, "DeriveEntity"),
            _ => false,
        }
    })
}

/// Whether a `#[derive(...)]` among `attrs` names `name` (by its last segment).
fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta.path.segments.last().is_some_and(|s| s.ident == name);
                Ok(())
            });
            found
        })
}

fn is_pub(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

/// `#[cfg(test)]`: never part of the crate a binary links.
fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

fn has_cfg(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

fn path_attribute(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        if !a.path().is_ident("path") {
            return None;
        }
        match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        }
    })
}

/// An identifier as written in paths (`r#type` stays raw, as generated code needs it).
fn ident(i: &syn::Ident) -> String {
    i.to_string()
}

/// A module's name as its file or directory is named: `r#type` lives in `type.rs`.
fn file_stem(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSIC: &str = "use sea_orm::entity::prelude::*;\n\
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n\
        #[sea_orm(table_name = \"t\")]\n\
        pub struct Model { #[sea_orm(primary_key)] pub id: i32 }\n";
    const MODEL_2: &str = "use sea_orm::entity::prelude::*;\n\
        #[sea_orm::model]\n\
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n\
        pub struct Model { #[sea_orm(primary_key)] pub id: i32 }\n";
    const EXPANDED: &str = "#[derive(Copy, Clone, Default, Debug, DeriveEntity)]\n\
        pub struct Entity;\n";

    /// A crate made of `files` (path under `src/`, text); returns what was found.
    fn read(files: &[(&str, &str)]) -> Result<Found, Error> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join("src").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        find_entities(&dir.path().join("src/lib.rs"))
    }

    fn entities(files: &[(&str, &str)]) -> Vec<String> {
        read(files).unwrap().entities
    }

    #[test]
    fn flat_files_and_both_entity_formats() {
        assert_eq!(
            entities(&[
                (
                    "lib.rs",
                    "pub mod cake;\npub mod fruit;\npub mod old;\npub mod helpers;\n"
                ),
                ("cake.rs", CLASSIC),
                ("fruit.rs", MODEL_2),
                ("old.rs", EXPANDED),
                ("helpers.rs", "pub fn f() {}\n"),
            ]),
            ["cake", "fruit", "old"]
        );
    }

    #[test]
    fn sea_orm_cli_layout_with_mod_rs_and_prelude() {
        assert_eq!(
            entities(&[
                ("lib.rs", "pub mod entities;\n"),
                (
                    "entities/mod.rs",
                    "pub mod prelude;\npub mod cake;\npub mod filling;\n"
                ),
                (
                    "entities/prelude.rs",
                    "pub use super::cake::Entity as Cake;\npub use super::filling::Entity as Filling;\n"
                ),
                ("entities/cake.rs", CLASSIC),
                ("entities/filling.rs", CLASSIC),
            ]),
            ["entities::cake", "entities::filling"]
        );
    }

    #[test]
    fn nested_inline_and_path_modules() {
        assert_eq!(
            entities(&[
                (
                    "lib.rs",
                    "pub mod shop;\n#[path = \"elsewhere/audit_log.rs\"]\npub mod audit;\n\
                     pub mod two { pub mod a { use super::*; \
                     #[derive(DeriveEntityModel)] pub struct Model { id: i32 } } \
                     pub mod b { #[derive(DeriveEntity)] pub struct Entity; } }\n"
                ),
                ("shop.rs", "pub mod order;\n"),
                ("shop/order.rs", CLASSIC),
                ("elsewhere/audit_log.rs", CLASSIC),
            ]),
            ["audit", "shop::order", "two::a", "two::b"]
        );
    }

    #[test]
    fn private_modules_are_named_through_their_reexports() {
        assert_eq!(
            entities(&[
                (
                    "lib.rs",
                    "mod entities;\npub use entities::*;\nmod inner;\npub use inner::kept as renamed;\n"
                ),
                ("entities.rs", "pub mod cake;\n"),
                ("entities/cake.rs", CLASSIC),
                ("inner.rs", "pub mod kept;\n"),
                ("inner/kept.rs", CLASSIC),
            ]),
            ["cake", "renamed"]
        );
        let err = read(&[("lib.rs", "mod hidden;\n"), ("hidden.rs", CLASSIC)]).unwrap_err();
        assert!(err.0.contains("module `hidden` cannot be named"), "{err}");
    }

    #[test]
    fn test_only_and_conditional_modules() {
        let found = read(&[
            (
                "lib.rs",
                "#[cfg(test)]\nmod tests;\n#[cfg(feature = \"x\")]\npub mod extra;\npub mod t;\n",
            ),
            ("t.rs", CLASSIC),
        ])
        .unwrap();
        assert_eq!(found.entities, ["t"]);
        assert_eq!(found.conditional, ["extra"]);
    }

    #[test]
    fn the_crate_root_itself_and_raw_names() {
        assert_eq!(
            entities(&[
                ("lib.rs", &format!("{CLASSIC}pub mod r#type;\n")),
                ("type.rs", CLASSIC)
            ]),
            ["", "r#type"]
        );
    }

    #[test]
    fn missing_files_and_syntax_errors_name_the_file() {
        let err = read(&[("lib.rs", "pub mod gone;\n")]).unwrap_err();
        assert!(
            err.0.contains("neither") && err.0.contains("gone.rs"),
            "{err}"
        );
        let err = read(&[("lib.rs", "pub mod bad;\n"), ("bad.rs", "pub struct {")]).unwrap_err();
        assert!(err.0.contains("bad.rs:1:"), "{err}");
    }

    #[test]
    fn every_file_read_is_watched() {
        let found = read(&[("lib.rs", "pub mod a;\n"), ("a.rs", CLASSIC)]).unwrap();
        assert!(found.watched.iter().any(|p| p.ends_with("src/a.rs")));
        assert!(found.watched.iter().any(|p| p.ends_with("src/lib.rs")));
    }
}
