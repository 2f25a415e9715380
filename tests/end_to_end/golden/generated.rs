//! Golden files of the migrations makemigrations writes for representative changes,
//! as the user reads them: the engine's diff of two schemas, its migration file, laid
//! out by rustfmt.
//!
//! Every call into the engine's API of these goldens is in this module.

use manage::codegen;
use manage::diff::{self, Questioner};
use manage::schema::{
    Action, Column, ColumnType, Default, Enum, ForeignKey, Index, Schema, Table, foreign_key_name,
    index_name,
};

/// Answers as `makemigrations --no-input` with `--rename` for every rename asked
/// about: renames are confirmed, and no column needs a value for existing rows.
struct Renames;

impl Questioner for Renames {
    fn renamed_table(&mut self, _: &str, _: &str) -> anyhow::Result<bool> {
        Ok(true)
    }

    fn renamed_column(&mut self, _: &str, _: &str, _: &str) -> anyhow::Result<bool> {
        Ok(true)
    }

    fn fill_value(&mut self, table: &str, column: &Column) -> anyhow::Result<Default> {
        anyhow::bail!(
            "{table}.{} would need a value for existing rows",
            column.name
        )
    }
}

fn column(name: &str, ty: ColumnType) -> Column {
    Column {
        name: name.into(),
        ty,
        nullable: false,
        default: None,
        unique: false,
        auto_increment: false,
    }
}

fn nullable(name: &str, ty: ColumnType) -> Column {
    Column {
        nullable: true,
        ..column(name, ty)
    }
}

fn id() -> Column {
    Column {
        auto_increment: true,
        ..column("id", ColumnType::Integer)
    }
}

fn table(name: &str, columns: Vec<Column>) -> Table {
    Table {
        name: name.into(),
        columns,
        primary_key: vec!["id".into()],
        indexes: vec![],
        foreign_keys: vec![],
        unmanaged: vec![],
    }
}

fn status() -> Enum {
    Enum {
        name: "post_status".into(),
        values: vec!["draft".into(), "published".into()],
    }
}

fn users() -> Table {
    let email = Column {
        unique: true,
        ..column("email", ColumnType::String { length: None })
    };
    table(
        "users",
        vec![
            id(),
            email,
            column("name", ColumnType::String { length: None }),
            nullable("bio", ColumnType::Text),
            column("score", ColumnType::Integer),
        ],
    )
}

/// Posts, by a user, with a status: a foreign key, an index on it, an enum column.
fn posts() -> Table {
    let author: Vec<String> = vec!["author_id".into()];
    let status = status();
    let mut posts = table(
        "posts",
        vec![
            id(),
            column("title", ColumnType::String { length: Some(200) }),
            column("author_id", ColumnType::Integer),
            column(
                "status",
                ColumnType::Enum {
                    name: status.name,
                    values: status.values,
                },
            ),
        ],
    );
    posts.indexes.push(Index {
        name: index_name("posts", &author),
        columns: author.clone(),
        unique: false,
    });
    posts.foreign_keys.push(ForeignKey {
        name: foreign_key_name("posts", &author, "users"),
        columns: author,
        ref_table: "users".into(),
        ref_columns: vec!["id".into()],
        on_delete: Action::Cascade,
        on_update: Action::NoAction,
    });
    posts
}

fn schema(tables: Vec<Table>) -> Schema {
    let mut schema = Schema::default();
    for table in tables {
        for c in &table.columns {
            if let ColumnType::Enum { name, values } = &c.ty {
                schema.enums.insert(
                    name.clone(),
                    Enum {
                        name: name.clone(),
                        values: values.clone(),
                    },
                );
            }
        }
        schema.tables.insert(table.name.clone(), table);
    }
    schema
}

/// The migration file makemigrations writes for `from` → `to` with `message`, laid
/// out by rustfmt as makemigrations lays it out, compared with the golden file
/// `generated__NAME.snap`.
#[track_caller]
fn golden(name: &str, message: &str, from: &Schema, to: &Schema) {
    let up = diff::diff(from, to, &mut Renames).expect("the diff needs no answer");
    assert!(!up.is_empty(), "{message}: no change");
    let code = codegen::migration_file(message, &up, &diff::reverse(&up), None, None);
    let code = codegen::Rustfmt::start().format(code);
    let description = format!("the migration makemigrations writes for: {message}");
    super::assert_golden(&format!("generated__{name}"), &description, &code);
}

/// The users table changed by `edit`.
fn users_with(edit: impl FnOnce(&mut Table)) -> Table {
    let mut t = users();
    edit(&mut t);
    t
}

fn column_of<'a>(t: &'a mut Table, name: &str) -> &'a mut Column {
    t.columns.iter_mut().find(|c| c.name == name).unwrap()
}

#[test]
fn create_table_with_a_foreign_key_and_an_index() {
    golden(
        "create_table_with_a_foreign_key_and_an_index",
        "add posts",
        &schema(vec![users()]),
        &schema(vec![users(), posts()]),
    );
}

#[test]
fn add_a_column_with_a_default() {
    let to = users_with(|t| {
        t.columns.push(Column {
            default: Some(Default::Bool(true)),
            ..column("active", ColumnType::Boolean)
        })
    });
    golden(
        "add_a_column_with_a_default",
        "add users.active",
        &schema(vec![users()]),
        &schema(vec![to]),
    );
}

#[test]
fn drop_a_column() {
    let to = users_with(|t| t.columns.retain(|c| c.name != "bio"));
    golden(
        "drop_a_column",
        "drop users.bio",
        &schema(vec![users()]),
        &schema(vec![to]),
    );
}

#[test]
fn rename_a_column() {
    let to = users_with(|t| column_of(t, "name").name = "full_name".into());
    golden(
        "rename_a_column",
        "rename users.name to full_name",
        &schema(vec![users()]),
        &schema(vec![to]),
    );
}

/// A change SQLite cannot make in place: the table is rebuilt there.
#[test]
fn change_a_column_type() {
    let to = users_with(|t| column_of(t, "score").ty = ColumnType::Double);
    golden(
        "change_a_column_type",
        "users.score becomes a double",
        &schema(vec![users()]),
        &schema(vec![to]),
    );
}

#[test]
fn add_an_enum_value() {
    let mut to = posts();
    column_of(&mut to, "status").ty = ColumnType::Enum {
        name: status().name,
        values: vec!["draft".into(), "published".into(), "archived".into()],
    };
    golden(
        "add_an_enum_value",
        "post_status gains archived",
        &schema(vec![users(), posts()]),
        &schema(vec![users(), to]),
    );
}

#[test]
fn drop_a_table() {
    golden(
        "drop_a_table",
        "drop posts",
        &schema(vec![users(), posts()]),
        &schema(vec![users()]),
    );
}

/// `makemigrations --safe` on live tables: an index, a foreign key and NOT NULL added
/// to posts, which exists. The first migration keeps them for SQLite and MySQL; the
/// second makes them online on PostgreSQL.
#[test]
fn safe_forms_for_live_tables() {
    let mut from = posts();
    from.indexes.clear();
    from.foreign_keys.clear();
    column_of(&mut from, "title").nullable = true;
    let from = schema(vec![users(), from]);
    let mut posts = posts();
    column_of(&mut posts, "title").default = Some(Default::String("untitled".into()));
    let to = schema(vec![users(), posts]);
    let up = diff::diff(&from, &to, &mut Renames).expect("the diff needs no answer");
    let online = codegen::Online::of(&up);
    let message = "posts: author index and key, title required";
    let first = codegen::migration_file(message, &up, &diff::reverse(&up), None, Some(&online));
    let first = codegen::Rustfmt::start().format(first);
    let second =
        codegen::Rustfmt::start().format(online.migration_file(message, "m20261207_120000_posts"));
    super::assert_golden(
        "generated__safe_forms_for_live_tables",
        "the two migrations makemigrations --safe writes: in a transaction, then online",
        &format!("{first}\n// ---- m20261207_120000_posts_online.rs ----\n\n{second}"),
    );
}
