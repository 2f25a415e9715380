//! A column's change judged: whether its new type narrows the old one (values may not
//! fit) and whether PostgreSQL rewrites the table for it, and the change in words.

use crate::schema::{Column, ColumnType};

/// Whether every value of `from` may not fit `to`.
pub(super) fn narrows(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    let int_rank = |t: &T| match t {
        T::TinyInteger | T::TinyUnsigned => Some(1),
        T::SmallInteger | T::SmallUnsigned => Some(2),
        T::Integer | T::Unsigned => Some(3),
        T::BigInteger | T::BigUnsigned => Some(4),
        _ => None,
    };
    let text_len = |t: &T| match t {
        T::Char { length } | T::String { length } => Some(length.unwrap_or(u32::MAX)),
        T::Text => Some(u32::MAX),
        _ => None,
    };
    match (from, to) {
        (a, b) if int_rank(a).is_some() && int_rank(b).is_some() => int_rank(b) < int_rank(a),
        (a, b) if text_len(a).is_some() && text_len(b).is_some() => text_len(b) < text_len(a),
        (T::Double, T::Float) => true,
        // A double holds every 32-bit integer exactly, a float every 16-bit one.
        (a, T::Double) if int_rank(a).is_some_and(|rank| rank <= 3) => false,
        (a, T::Float) if int_rank(a).is_some_and(|rank| rank <= 2) => false,
        (
            T::Decimal {
                precision: Some((p1, s1)),
            },
            T::Decimal {
                precision: Some((p2, s2)),
            },
        ) => p2 < p1 || s2 < s1,
        (T::Decimal { precision: None }, T::Decimal { precision: Some(_) }) => true,
        (T::Enum { values: a, .. }, T::Enum { values: b, .. }) => a.iter().any(|v| !b.contains(v)),
        (a, b) => std::mem::discriminant(a) != std::mem::discriminant(b),
    }
}

/// Type changes PostgreSQL makes without rewriting the table: widening or dropping a
/// varchar limit, varchar to text, and enum values (handled on the type itself).
pub fn cheap_on_postgres(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    match (from, to) {
        (T::String { length: Some(a) }, T::String { length: Some(b) }) => b >= a,
        (T::String { .. }, T::String { length: None }) | (T::String { .. }, T::Text) => true,
        (T::Enum { name: a, .. }, T::Enum { name: b, .. }) => a == b,
        _ => false,
    }
}

/// What changed about a column, in words.
pub(super) fn column_change(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    if from.ty != to.ty {
        parts.push(format!(
            "type {} -> {}",
            from.ty.describe(),
            to.ty.describe()
        ));
    }
    if from.nullable != to.nullable {
        parts.push(if to.nullable { "nullable" } else { "NOT NULL" }.to_string());
    }
    if from.default != to.default {
        parts.push(match &to.default {
            Some(d) => format!("default {}", d.sql_literal()),
            None => "no default".into(),
        });
    }
    if from.unique != to.unique {
        parts.push(if to.unique { "unique" } else { "not unique" }.to_string());
    }
    if from.auto_increment != to.auto_increment {
        parts.push(
            if to.auto_increment {
                "auto-increment"
            } else {
                "no auto-increment"
            }
            .to_string(),
        );
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::narrows;
    use crate::schema::ColumnType as T;

    #[test]
    fn narrowing_is_losing_values() {
        assert!(!narrows(&T::Integer, &T::Double));
        assert!(!narrows(&T::SmallInteger, &T::Float));
        assert!(narrows(&T::BigInteger, &T::Double));
        assert!(narrows(&T::Integer, &T::Float));
        assert!(narrows(&T::Double, &T::Integer));
        assert!(narrows(
            &T::String { length: Some(20) },
            &T::String { length: Some(10) }
        ));
        assert!(!narrows(&T::String { length: Some(10) }, &T::Text));
    }
}
