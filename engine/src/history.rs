//! Reads migration sources to learn which tables each migration touches, and how.
//!
//! Generated and hand-written files are read the same way, from their code: SeaQuery
//! builder chains (`Table::create().table(..)`, `Index::create()..table(..)`,
//! `ForeignKey::create().from(..).to(..)`, `Query::insert().into_table(..)`, ...), with
//! table names given as strings, `Alias::new("..")` or `DeriveIden` enums, and SQL in
//! string literals. Reading the code rather than a header means a hand edit can never
//! leave stale facts behind. A table name the scanner cannot resolve, or SQL it cannot
//! see, makes the migration opaque: the planner then treats it as touching everything.

use regex::Regex;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// How a migration touches a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Touch {
    Create,
    Alter,
    Drop,
    Index,
    /// Named as the target of a foreign key.
    Referenced,
    /// Rows inserted, updated or deleted.
    Data,
}

impl Touch {
    pub fn word(self) -> &'static str {
        match self {
            Touch::Create => "create",
            Touch::Alter => "alter",
            Touch::Drop => "drop",
            Touch::Index => "index",
            Touch::Referenced => "referenced",
            Touch::Data => "data",
        }
    }
}

/// What one migration does to which tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    pub tables: BTreeMap<String, BTreeSet<Touch>>,
    /// Table renames, in the order they appear: (from, to).
    pub renames: Vec<(String, String)>,
    /// Why the table set is uncertain; empty when it is known.
    pub opaque: Vec<String>,
}

impl Facts {
    pub fn is_opaque(&self) -> bool {
        !self.opaque.is_empty()
    }

    fn touch(&mut self, table: &str, how: Touch) {
        let name = bare_name(table);
        if !name.is_empty() {
            self.tables.entry(name).or_default().insert(how);
        }
    }

    /// "users (create, index), events (referenced)".
    pub fn summary(&self) -> String {
        if self.tables.is_empty() && self.is_opaque() {
            return "unknown tables".into();
        }
        let mut parts: Vec<String> = self
            .tables
            .iter()
            .map(|(t, hows)| {
                let hows: Vec<&str> = hows.iter().map(|h| h.word()).collect();
                format!("{t} ({})", hows.join(", "))
            })
            .collect();
        if self.is_opaque() {
            parts.push("and unknown tables".into());
        }
        parts.join(", ")
    }
}

/// A migration's row for `--format json` listings: its state and what it touches.
pub fn json_row(
    name: &str,
    applied_at: Option<i64>,
    facts: &BTreeMap<String, Facts>,
) -> serde_json::Value {
    let f = facts.get(name);
    serde_json::json!({
        "name": name,
        "applied_at": applied_at,
        "touches": f.map(|f| &f.tables),
        "opaque": f.is_none_or(Facts::is_opaque),
    })
}

/// What a migration touches in words, or why that is unknown.
pub fn touches_line(name: &str, facts: &BTreeMap<String, Facts>) -> String {
    facts
        .get(name)
        .map_or_else(|| "source file missing".to_string(), Facts::summary)
}

/// Scans every `m*.rs` migration file under `dir`, by migration name.
///
/// Files are independent, so a long history is split over the processors. Callers
/// scan before connecting: a SQLite connection keeps its thread on one processor, and
/// threads started after it would inherit that.
pub fn scan_dir(dir: &Path) -> std::io::Result<BTreeMap<String, Facts>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).max_depth(1) {
        let entry = entry.map_err(std::io::Error::other)?;
        let name = entry.file_name().to_string_lossy();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if !crate::project::is_migration_name(stem) {
            continue;
        }
        files.push((stem.to_string(), entry.into_path()));
    }
    let scan_all = |part: &[(String, PathBuf)]| {
        part.iter()
            .map(|(stem, path)| Ok((stem.clone(), scan(&std::fs::read_to_string(path)?))))
            .collect::<std::io::Result<Vec<_>>>()
    };
    // Threads pay off on long histories (0.7x of the time at 5,000 files); a history
    // of a few hundred files, the common case, stays on this thread as before.
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.len() / 256)
        .max(1);
    if workers == 1 {
        return Ok(scan_all(&files)?.into_iter().collect());
    }
    let chunk = files.len().div_ceil(workers);
    std::thread::scope(|threads| {
        let parts: Vec<_> = files
            .chunks(chunk)
            .map(|part| threads.spawn(move || scan_all(part)))
            .collect();
        let mut out = BTreeMap::new();
        for part in parts {
            let facts = part
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            out.extend(facts?);
        }
        Ok(out)
    })
}

/// A Rust string literal: normal or raw (up to three `#`).
const STRING: &str =
    r####"(?:r###"(?s:.*?)"###|r##"(?s:.*?)"##|r#"(?s:.*?)"#|r"[^"]*"|"(?s:(?:[^"\\]|\\.)*)")"####;

/// An argument that names a table: a string, `Alias::new(..)`, or `Enum::Variant`.
static TABLE_ARG: LazyLock<String> = LazyLock::new(|| {
    format!(
        r#"(?:Alias::new\(\s*(?P<alias>{STRING})\s*\)|(?P<lit>{STRING})|(?P<iden>[A-Z]\w*)::(?P<variant>\w+)|(?P<other>[^,()]+(?:\([^()]*\))?))"#
    )
});

static STRING_LITERAL: LazyLock<Regex> = LazyLock::new(|| Regex::new(STRING).unwrap());
static STRING_AT_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{STRING}")).unwrap());

/// The facts of one migration file.
pub fn scan(source: &str) -> Facts {
    let whole = strip_comments(source);
    let idens = iden_enums(&whole);
    let code = up_body(&whole);
    let mut facts = Facts::default();

    for (stmt, nested) in statements(code) {
        builder_facts(&stmt, nested, &idens, &mut facts);
    }
    // SQL inside string literals: raw SQL run through the connection.
    for m in STRING_LITERAL.find_iter(code) {
        sql_facts(&unquote(m.as_str()), &mut facts);
    }
    // SQL built at run time cannot be read.
    static RUNS_SQL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(execute_unprepared|execute_raw|Statement::from_string|Statement::from_sql_and_values)\s*\(").unwrap()
    });
    for c in RUNS_SQL.captures_iter(code) {
        let args = call_args(&code[c.get(0).unwrap().end()..]);
        let sql_at = if c[1].starts_with("Statement::") {
            1
        } else {
            0
        };
        let Some(arg) = args.get(sql_at) else {
            continue;
        };
        let literal = arg.starts_with('"') || arg.starts_with("r\"") || arg.starts_with("r#");
        if !literal && !arg.starts_with("Statement::") {
            facts
                .opaque
                .push(format!("runs SQL built at run time ({arg})"));
        }
    }
    if facts.tables.is_empty() && !facts.is_opaque() && has_body(code) {
        facts
            .opaque
            .push("no table could be read from its code".into());
    }
    facts.opaque.dedup();
    facts
}

/// The code of `up()`: what applying the migration does (`down()` undoes it, and
/// touches the same tables). The whole file when there is no recognizable `up`.
fn up_body(code: &str) -> &str {
    let Some(start) = code.find("fn up") else {
        return code;
    };
    let end = code[start..]
        .find("fn down")
        .map_or(code.len(), |i| start + i);
    &code[start..end]
}

/// Whether `up()` does anything at all (a skeleton with `todo!()` touches nothing yet,
/// but is unknown).
fn has_body(code: &str) -> bool {
    code.contains("fn up")
}

/// Builder chains, each from its constructor to the next constructor, and whether the
/// chain is an argument of `.foreign_key(..)` inside a table's create or alter.
fn statements(code: &str) -> Vec<(String, bool)> {
    static START: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(?:Table|Index|ForeignKey|Query|Type)::(?:create|alter|drop|rename|truncate|insert|update|delete)\s*\(\s*\)").unwrap()
    });
    let starts: Vec<usize> = START.find_iter(code).map(|m| m.start()).collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let end = starts.get(i + 1).copied().unwrap_or(code.len());
            // A chain ends at `;` or at the closing of the call it is an argument of.
            let chunk = &code[s..end];
            let stop = chunk
                .find(".await")
                .or_else(|| chunk.find(';'))
                .unwrap_or(chunk.len());
            let nested = code[..s].trim_end().ends_with(".foreign_key(");
            (chunk[..stop].to_string(), nested)
        })
        .collect()
}

fn builder_facts(stmt: &str, nested: bool, idens: &BTreeMap<String, String>, facts: &mut Facts) {
    let kind = stmt
        .split("(")
        .next()
        .unwrap_or_default()
        .replace(char::is_whitespace, "");
    let args = |method: &str| -> Vec<Vec<Option<String>>> {
        method_calls(stmt, method)
            .map(|rest| {
                call_args(rest)
                    .iter()
                    .map(|a| table_name(a, idens))
                    .collect()
            })
            .collect()
    };
    let name_of = |arg: Option<String>, what: &str, facts: &mut Facts| -> Option<String> {
        if arg.is_none() {
            facts
                .opaque
                .push(format!("a table name in {what} is computed at run time"));
        }
        arg
    };
    match kind.as_str() {
        "Table::create" | "Table::alter" | "Table::drop" | "Table::truncate" => {
            let how = match kind.as_str() {
                "Table::create" => Touch::Create,
                "Table::alter" => Touch::Alter,
                "Table::drop" => Touch::Drop,
                _ => Touch::Data,
            };
            for a in args("table") {
                if let Some(t) = a.into_iter().next().and_then(|t| name_of(t, &kind, facts)) {
                    facts.touch(&t, how);
                }
            }
            // Foreign keys declared inside a create or alter: only their targets.
            foreign_key_facts(stmt, idens, facts, false);
        }
        "Table::rename" => {
            for a in args("table") {
                if let [Some(from), Some(to)] = a.as_slice() {
                    facts.touch(from, Touch::Alter);
                    facts.touch(to, Touch::Alter);
                    facts.renames.push((bare_name(from), bare_name(to)));
                } else {
                    facts
                        .opaque
                        .push("a renamed table's name is computed at run time".into());
                }
            }
        }
        "Index::create" | "Index::drop" => {
            for a in args("table") {
                if let Some(t) = a.into_iter().next().and_then(|t| name_of(t, &kind, facts)) {
                    facts.touch(&t, Touch::Index);
                }
            }
        }
        "ForeignKey::create" | "ForeignKey::drop" => {
            foreign_key_facts(stmt, idens, facts, !nested);
            for a in args("table") {
                if let Some(t) = a.into_iter().next().and_then(|t| name_of(t, &kind, facts)) {
                    facts.touch(&t, Touch::Alter);
                }
            }
        }
        "Query::insert" | "Query::update" | "Query::delete" => {
            for method in ["into_table", "table", "from_table"] {
                for a in args(method) {
                    if let Some(t) = a.into_iter().next().and_then(|t| name_of(t, &kind, facts)) {
                        facts.touch(&t, Touch::Data);
                    }
                }
            }
        }
        _ => {}
    }
}

/// `.from(T, c)` / `.from_tbl(T)` alter T (when `alters`); `.to(U, c)` / `.to_tbl(U)`
/// reference U.
fn foreign_key_facts(
    stmt: &str,
    idens: &BTreeMap<String, String>,
    facts: &mut Facts,
    alters: bool,
) {
    static FK_CALL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\.(from|to|from_tbl|to_tbl)\s*\(").unwrap());
    for m in FK_CALL.captures_iter(stmt) {
        let whole = m.get(0).unwrap();
        let args = call_args(&stmt[whole.end()..]);
        let Some(first) = args.first() else { continue };
        match table_name(first, idens) {
            Some(t) if m[1].starts_with("from") => {
                if alters {
                    facts.touch(&t, Touch::Alter);
                }
            }
            Some(t) => facts.touch(&t, Touch::Referenced),
            None => facts
                .opaque
                .push("a foreign key's table is computed at run time".into()),
        }
    }
}

/// For each `.method(` in `code`, the text right after its `(`.
fn method_calls<'a>(code: &'a str, method: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    code.match_indices('.').filter_map(move |(at, _)| {
        let rest = code[at + 1..].strip_prefix(method)?;
        rest.trim_start().strip_prefix('(')
    })
}

/// The arguments of a call whose `(` was just consumed, split at top-level commas.
fn call_args(rest: &str) -> Vec<String> {
    let mut depth = 0;
    let mut args = vec![String::new()];
    let mut chars = rest.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if in_str {
            args.last_mut().unwrap().push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    args.last_mut().unwrap().push(n);
                }
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_str = true;
                args.last_mut().unwrap().push(c);
            }
            '(' | '[' => {
                depth += 1;
                args.last_mut().unwrap().push(c);
            }
            ')' | ']' if depth == 0 => break,
            ')' | ']' => {
                depth -= 1;
                args.last_mut().unwrap().push(c);
            }
            ',' if depth == 0 => args.push(String::new()),
            _ => args.last_mut().unwrap().push(c),
        }
    }
    args.into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect()
}

/// The table a builder argument names, or None when it is computed at run time.
fn table_name(arg: &str, idens: &BTreeMap<String, String>) -> Option<String> {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!("^{}$", *TABLE_ARG)).unwrap());
    let arg = arg.trim().trim_start_matches('&');
    // (schema, table) tuples and `TableRef`s: the table is the last name.
    if let Some(inner) = arg.strip_prefix('(').and_then(|a| a.strip_suffix(')')) {
        return call_args(&format!("{inner})"))
            .last()
            .and_then(|a| table_name(a, idens));
    }
    let c = RE.captures(arg)?;
    if let Some(s) = c.name("alias").or(c.name("lit")) {
        return Some(bare_name(&unquote(s.as_str())));
    }
    if let (Some(iden), Some(variant)) = (c.name("iden"), c.name("variant")) {
        let (iden, variant) = (iden.as_str(), variant.as_str());
        if iden == "Alias" || iden == "SeaRc" {
            return None;
        }
        if variant == "Table" {
            return Some(idens.get(iden).cloned().unwrap_or_else(|| snake_case(iden)));
        }
        // `Entity::Variant` naming a table, e.g. `Post::Table` spelled otherwise: take
        // the enum's table.
        return idens.get(iden).cloned();
    }
    None
}

/// `DeriveIden` enums: enum name → table name (`#[sea_orm(iden = "..")]` on `Table`
/// renames it; otherwise the enum name in snake case).
fn iden_enums(code: &str) -> BTreeMap<String, String> {
    static ENUM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s)#\[derive\([^)]*\bDeriveIden\b[^)]*\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?enum\s+(\w+)\s*\{(.*?)\}").unwrap()
    });
    static TABLE_IDEN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"#\[(?:sea_orm|iden)\s*\(\s*iden\s*=\s*"([^"]*)"\s*\)\]\s*Table\b|#\[iden\s*=\s*"([^"]*)"\]\s*Table\b"#).unwrap()
    });
    ENUM.captures_iter(code)
        .map(|c| {
            let name = c[1].to_string();
            let table = TABLE_IDEN
                .captures(&c[2])
                .and_then(|t| t.get(1).or(t.get(2)))
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| snake_case(&name));
            (name, table)
        })
        .collect()
}

/// SQL statements inside one string.
fn sql_facts(sql: &str, facts: &mut Facts) {
    const NAME: &str = r#"((?:(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)\s*\.\s*)?(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*))"#;
    static PATTERNS: LazyLock<Vec<(Regex, Touch)>> = LazyLock::new(|| {
        let p = |re: &str, t| {
            (
                Regex::new(&format!("(?i){}", re.replace("NAME", NAME))).unwrap(),
                t,
            )
        };
        vec![
            p(
                r"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?NAME",
                Touch::Create,
            ),
            p(
                r"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?NAME",
                Touch::Alter,
            ),
            p(r"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?NAME", Touch::Drop),
            p(
                r"\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:NAME\s+)?ON\s+(?:ONLY\s+)?NAME",
                Touch::Index,
            ),
            p(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+NAME", Touch::Data),
            p(r"\bUPDATE\s+(?:ONLY\s+)?NAME\s+SET\b", Touch::Data),
            p(r"\bDELETE\s+FROM\s+(?:ONLY\s+)?NAME", Touch::Data),
            p(r"\bTRUNCATE\s+(?:TABLE\s+)?NAME", Touch::Data),
            p(r"\bREFERENCES\s+NAME", Touch::Referenced),
        ]
    });
    static RENAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?{NAME}\s+RENAME\s+TO\s+{NAME}"
        ))
        .unwrap()
    });
    static RENAME_MYSQL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(r"(?i)\bRENAME\s+TABLE\s+{NAME}\s+TO\s+{NAME}")).unwrap()
    });
    static DROP_INDEX_ON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)\bDROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?{NAME}\s+ON\s+{NAME}"
        ))
        .unwrap()
    });
    for (re, how) in PATTERNS.iter() {
        for c in re.captures_iter(sql) {
            // The table is the last capture (CREATE INDEX has the index name first).
            let table = c.iter().skip(1).flatten().last().map(|m| m.as_str());
            if let Some(t) = table {
                facts.touch(t, *how);
            }
        }
    }
    for re in [&*RENAME, &*RENAME_MYSQL] {
        for c in re.captures_iter(sql) {
            facts.touch(&c[1], Touch::Alter);
            facts.touch(&c[2], Touch::Alter);
            facts.renames.push((bare_name(&c[1]), bare_name(&c[2])));
        }
    }
    for c in DROP_INDEX_ON.captures_iter(sql) {
        facts.touch(&c[2], Touch::Index);
    }
}

/// `"public"."users"` → `users`; `` `app`.`users` `` → `users`; `[users]` → `users`.
fn bare_name(name: &str) -> String {
    let last = split_qualified(name.trim()).pop().unwrap_or_default();
    last.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_string()
}

fn split_qualified(name: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in name.chars() {
        match (quote, c) {
            (None, '"' | '`') => {
                quote = Some(c);
                parts.last_mut().unwrap().push(c);
            }
            (None, '[') => {
                quote = Some(']');
                parts.last_mut().unwrap().push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                parts.last_mut().unwrap().push(c);
            }
            (None, '.') => parts.push(String::new()),
            (_, c) if quote.is_none() && c.is_whitespace() => {}
            _ => parts.last_mut().unwrap().push(c),
        }
    }
    parts
}

/// The text of a Rust string literal.
fn unquote(lit: &str) -> String {
    if let Some(rest) = lit.strip_prefix('r') {
        let hashes = rest.chars().take_while(|&c| c == '#').count();
        return rest[hashes + 1..rest.len() - hashes - 1].to_string();
    }
    let inner = &lit[1..lit.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\n') => {
                // A line continuation skips the next line's indentation.
                let rest: String = chars.clone().collect();
                let skipped = rest.len() - rest.trim_start().len();
                for _ in 0..skipped {
                    chars.next();
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The source without comments (doc comments state intent, not what runs).
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while !rest.is_empty() {
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            rest = &rest[end..];
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |i| i + 2);
            rest = &rest[end..];
        } else if let Some(m) =
            (rest.starts_with('"') || rest.starts_with("r\"") || rest.starts_with("r#"))
                .then(|| STRING_AT_START.find(rest))
                .flatten()
        {
            out.push_str(m.as_str());
            rest = &rest[m.end()..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `BakeryChef` → `bakery_chef`, as `DeriveIden` names a type.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
