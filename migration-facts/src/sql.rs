//! Table names as SQL statements write them.

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
