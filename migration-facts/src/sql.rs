//! SQL in a migration's strings: the tables its statements touch, and table names as
//! statements write them.

use crate::{Facts, Touch};
use regex::Regex;
use std::sync::LazyLock;

/// A table name as SQL statements write it, perhaps schema-qualified, each part bare
/// or quoted (`""`, `` ` ` ``, `[]`), as one capture group. The history scanner and the
/// foreign-key check read the same statements with it. A bare name's characters are
/// spelled as ASCII classes and "any non-ASCII character" (which SQL engines take as
/// identifier characters), not `\w`: with Unicode `\w` the patterns built on this took
/// several milliseconds to compile, on every `migrate`.
pub const TABLE_NAME: &str = r#"((?:(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_](?:[0-9A-Za-z_$]|[^\x00-\x7F])*)\s*\.\s*)?(?:"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_](?:[0-9A-Za-z_$]|[^\x00-\x7F])*))"#;

/// A [`TABLE_NAME`] match as the schema model names tables: unquoted, and qualified
/// (`schema.table`) when it was written so: `"shop"."order"` is `shop.order`.
pub fn written_table_name(name: &str) -> String {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    let mut chars = name.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '`') => quote = Some(c),
            (None, '[') => quote = Some(']'),
            (Some('"'), '"') if chars.peek() == Some(&'"') => {
                chars.next();
                parts.last_mut().unwrap().push('"');
            }
            (Some(q), c) if c == q => quote = None,
            (None, '.') => parts.push(String::new()),
            (None, c) if c.is_whitespace() => {}
            (_, c) => parts.last_mut().unwrap().push(c),
        }
    }
    // A database-qualified name (`db.schema.table`) keeps its last two parts.
    let keep = parts.len().saturating_sub(2);
    parts[keep..].join(".")
}

/// SQL statements inside one string.
pub(crate) fn facts(sql: &str, facts: &mut Facts) {
    // Every pattern needs white space between a keyword and a name: most of a
    // migration's strings (table and column names) cannot hold a statement.
    if !sql.contains(char::is_whitespace) {
        return;
    }
    use TABLE_NAME as NAME;
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
            facts.rename(&c[1], &c[2]);
        }
    }
    for c in DROP_INDEX_ON.captures_iter(sql) {
        facts.touch(&c[2], Touch::Index);
    }
}
