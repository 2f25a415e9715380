//! Which sea-orm-migration helper declares a column of each model type. One table,
//! read two ways: generated migrations call the helper by name, and `schema --format
//! sql` (and every type spelled out in SQL) calls the helper itself, so the SQL shown
//! is what the migration will create.

use crate::schema::ColumnType;
use sea_orm::sea_query::{self, Alias, ColumnDef};
use sea_orm_migration::schema as helpers;

/// An argument of a helper after the column name: as Rust source, and as the value
/// the helper takes.
trait HelperArg {
    type Value;
    fn source(&self) -> String;
    fn value(&self) -> Self::Value;
}

impl HelperArg for u32 {
    type Value = u32;
    fn source(&self) -> String {
        self.to_string()
    }
    fn value(&self) -> u32 {
        *self
    }
}

impl HelperArg for String {
    type Value = Alias;
    fn source(&self) -> String {
        format!("{self:?}")
    }
    fn value(&self) -> Alias {
        Alias::new(self)
    }
}

impl HelperArg for Vec<String> {
    type Value = Vec<Alias>;
    fn source(&self) -> String {
        let items: Vec<String> = self.iter().map(HelperArg::source).collect();
        format!("[{}]", items.join(", "))
    }
    fn value(&self) -> Vec<Alias> {
        self.iter().map(Alias::new).collect()
    }
}

/// Defines [`helper`] and [`column`] from one list of `pattern => helper(args)`.
macro_rules! type_helpers {
    ($( $pattern:pat => $helper:ident ( $($arg:expr),* ) ),* $(,)?) => {
        /// The helper that declares a NOT NULL column of type `ty`, and its arguments
        /// after the column name as Rust source (`", 20"`).
        pub fn helper(ty: &ColumnType) -> (&'static str, String) {
            use ColumnType as T;
            match ty {
                $( $pattern => {
                    let args: Vec<String> = vec![$(format!(", {}", HelperArg::source($arg))),*];
                    (stringify!($helper), args.concat())
                } )*
            }
        }

        /// The NOT NULL column `name` of type `ty`, as that helper declares it.
        pub fn column(ty: &ColumnType, name: &str) -> ColumnDef {
            use ColumnType as T;
            match ty {
                $( $pattern => helpers::$helper(Alias::new(name) $(, HelperArg::value($arg))*), )*
            }
        }
    };
}

type_helpers! {
    T::Char { length: Some(n) } => char_len(n),
    T::Char { length: None } => char(),
    T::String { length: Some(n) } => string_len(n),
    T::String { length: None } => string(),
    T::Text => text(),
    T::TinyInteger => tiny_integer(),
    T::SmallInteger => small_integer(),
    T::Integer => integer(),
    T::BigInteger => big_integer(),
    T::TinyUnsigned => tiny_unsigned(),
    T::SmallUnsigned => small_unsigned(),
    T::Unsigned => unsigned(),
    T::BigUnsigned => big_unsigned(),
    T::Float => float(),
    T::Double => double(),
    T::Decimal { precision: Some((p, s)) } => decimal_len(p, s),
    T::Decimal { precision: None } => decimal(),
    T::DateTime => date_time(),
    T::Timestamp => timestamp(),
    T::TimestampWithTimeZone => timestamp_with_time_zone(),
    T::Time => time(),
    T::Date => date(),
    T::Binary { length } => binary_len(length),
    T::VarBinary { length: Some(n) } => var_binary(n),
    // `Vec<u8>` with no length: binary data of any length, not the 255 bytes
    // sea-query would give `varbinary` on MySQL.
    T::VarBinary { length: None } => blob(),
    T::Blob => blob(),
    T::Boolean => boolean(),
    T::Json => json(),
    T::JsonBinary => json_binary(),
    T::Uuid => uuid(),
    T::Enum { name, values } => enumeration(name, values),
    T::Custom { sql } => custom(sql),
}

/// The model's type as SeaQuery's, to render it: the type its helper declares.
pub fn to_sea_type(ty: &ColumnType) -> sea_query::ColumnType {
    let column = column(ty, "column");
    match column.get_column_type() {
        Some(declared) => declared.clone(),
        // Every helper declares a type; this keeps the model's own words if one did not.
        None => sea_query::ColumnType::Custom(Alias::new(ty.describe()).into_iden()),
    }
}

use sea_query::IntoIden;

#[cfg(test)]
mod tests {
    use super::*;

    /// The helper's name and the helper called agree: the generated call, read back
    /// as the helper, declares the type `column` does.
    #[test]
    fn names_and_calls_agree() {
        let ty = ColumnType::Enum {
            name: "mood".into(),
            values: vec!["happy".into(), "it's fine".into()],
        };
        assert_eq!(
            helper(&ty),
            (
                "enumeration",
                r#", "mood", ["happy", "it's fine"]"#.to_string()
            )
        );
        assert_eq!(
            helper(&ColumnType::Decimal {
                precision: Some((10, 2))
            }),
            ("decimal_len", ", 10, 2".to_string())
        );
        assert_eq!(
            to_sea_type(&ColumnType::VarBinary { length: None }),
            sea_query::ColumnType::Blob
        );
        assert_eq!(
            to_sea_type(&ColumnType::String { length: Some(20) }),
            sea_query::ColumnType::String(sea_query::StringLen::N(20))
        );
    }
}
