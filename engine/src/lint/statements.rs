//! The rules applied to the SQL a migration sends, parsed with sqlparser in the
//! backend's dialect. What the parser cannot read is reported as unread, never
//! passed as clean.

use super::rules::{self, Rule};
use super::{Finding, Unread};
use crate::schema::Backend;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableAlgorithm, AlterTableOperation, AlterTypeOperation,
    ColumnOption, Expr, ObjectName, ObjectType, RenameTableNameKind, Statement, TableConstraint,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What a constraint added NOT VALID will check when validated.
#[derive(Debug, Clone)]
enum Added {
    ForeignKey,
    /// `CHECK (column IS NOT NULL)`.
    NotNull(String),
    Check,
}

/// Functions whose value differs per row: a default calling one is computed per row.
const VOLATILE: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
];

/// The findings for one migration's statements, in the order it sends them.
/// `transactional`: whether `manage migrate` runs them in one transaction.
pub fn lint(
    backend: Backend,
    transactional: bool,
    statements: &[String],
) -> (Vec<Finding>, Vec<Unread>) {
    let parsed: Vec<(usize, Result<Vec<Statement>, String>)> = statements
        .iter()
        .enumerate()
        .map(|(i, sql)| (i + 1, parse(backend, sql)))
        .collect();
    let mut unread = Vec::new();
    let mut readable = Vec::new();
    for (n, result) in parsed {
        match result {
            Ok(list) => readable.extend(list.into_iter().map(|s| (n, s))),
            Err(error) => unread.push(Unread {
                statement: n,
                sql: statements[n - 1].clone(),
                error,
            }),
        }
    }
    let mut state = State::new(backend, transactional, &readable);
    for (n, statement) in &readable {
        state.statement(*n, &statements[*n - 1], statement);
    }
    state.many_locks();
    (state.findings, unread)
}

fn parse(backend: Backend, sql: &str) -> Result<Vec<Statement>, String> {
    let dialect: &dyn Dialect = match backend {
        Backend::Postgres => &PostgreSqlDialect {},
        Backend::Mysql => &MySqlDialect {},
        Backend::Sqlite => &SQLiteDialect {},
    };
    if takes_no_table_lock(dialect, sql) {
        return Ok(Vec::new());
    }
    Parser::parse_sql(dialect, sql).map_err(|e| e.to_string())
}

/// Statements the parser does not read but no rule is about: SQLite's `PRAGMA`s
/// (what its table rebuilds send) and PostgreSQL's `DROP INDEX CONCURRENTLY` (what
/// the safe forms send), told by their first words.
fn takes_no_table_lock(dialect: &dyn Dialect, sql: &str) -> bool {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(tokens) = Tokenizer::new(dialect, sql).tokenize() else {
        return false;
    };
    let words: Vec<Keyword> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .take(3)
        .map(|t| match t {
            Token::Word(w) => w.keyword,
            _ => Keyword::NoKeyword,
        })
        .collect();
    matches!(
        words.as_slice(),
        [Keyword::PRAGMA, ..] | [Keyword::DROP, Keyword::INDEX, Keyword::CONCURRENTLY]
    )
}

/// The unqualified table name, as the rules compare it.
fn table(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|part| part.as_ident())
        .map(|ident| ident.value.to_lowercase())
        .unwrap_or_else(|| name.to_string().to_lowercase())
}

struct State {
    backend: Backend,
    transactional: bool,
    /// Tables this migration creates: empty, nobody else uses them yet.
    created: HashSet<String>,
    /// Tables this migration replaces by a new one renamed over them (SQLite's
    /// rebuild): the drop is a copy, not a loss.
    rebuilt: HashSet<String>,
    /// Existing tables on which a statement took a lock held to commit, with the first
    /// statement that did.
    locked: Vec<(String, usize)>,
    /// Constraints added NOT VALID, by (table, name): what validating them checks.
    not_valid: HashMap<(String, String), Added>,
    /// (table, column) with a validated `CHECK (column IS NOT NULL)`: SET NOT NULL
    /// trusts it and does not scan.
    checked_not_null: HashSet<(String, String)>,
    findings: Vec<Finding>,
}

impl State {
    fn new(backend: Backend, transactional: bool, statements: &[(usize, Statement)]) -> State {
        let mut created = HashSet::new();
        let mut rebuilt = HashSet::new();
        for (_, s) in statements {
            match s {
                Statement::CreateTable(c) => {
                    created.insert(table(&c.name));
                }
                Statement::AlterTable(a) => {
                    for op in &a.operations {
                        if let AlterTableOperation::RenameTable {
                            table_name: RenameTableNameKind::To(to) | RenameTableNameKind::As(to),
                        } = op
                            && created.contains(&table(&a.name))
                        {
                            rebuilt.insert(table(to));
                        }
                    }
                }
                _ => {}
            }
        }
        State {
            backend,
            transactional,
            created,
            rebuilt,
            locked: Vec::new(),
            not_valid: HashMap::new(),
            checked_not_null: HashSet::new(),
            findings: Vec::new(),
        }
    }

    fn existing(&self, table: &str) -> bool {
        !self.created.contains(table)
    }

    fn find(&mut self, rule: &'static Rule, n: usize, sql: &str, table: &str, what: String) {
        if rule.backends.contains(&self.backend) {
            self.findings.push(Finding {
                rule,
                statement: Some(n),
                sql: Some(sql.to_string()),
                table: Some(table.to_string()),
                what,
            });
        }
    }

    /// A lock on an existing table held to the end of the transaction.
    fn lock(&mut self, table: &str, n: usize) {
        if self.transactional
            && self.existing(table)
            && !self.locked.iter().any(|(t, _)| t == table)
        {
            self.locked.push((table.to_string(), n));
        }
    }

    fn statement(&mut self, n: usize, sql: &str, statement: &Statement) {
        match statement {
            Statement::CreateIndex(index) => {
                let t = table(&index.table_name);
                if index.concurrently {
                    if self.transactional {
                        self.find(
                            &rules::CONCURRENTLY_IN_TRANSACTION,
                            n,
                            sql,
                            &t,
                            format!("builds an index on {t} CONCURRENTLY inside a transaction"),
                        );
                    }
                } else if self.existing(&t) {
                    self.find(
                        &rules::INDEX_NOT_CONCURRENT,
                        n,
                        sql,
                        &t,
                        format!("builds an index on {t} without CONCURRENTLY"),
                    );
                    self.lock(&t, n);
                }
            }
            Statement::AlterTable(alter) => self.alter_table(n, sql, alter),
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                ..
            } => {
                for name in names {
                    let t = table(name);
                    if self.rebuilt.contains(&t) {
                        self.find(
                            &rules::SQLITE_REBUILD,
                            n,
                            sql,
                            &t,
                            format!("rebuilds {t}: every row is copied into a new table"),
                        );
                    } else if self.existing(&t) {
                        self.find(
                            &rules::DROP_BREAKS_RUNNING,
                            n,
                            sql,
                            &t,
                            format!("drops table {t}"),
                        );
                        self.lock(&t, n);
                    }
                }
            }
            Statement::AlterType(alter) => {
                let t = table(&alter.name);
                let what = match &alter.operation {
                    AlterTypeOperation::AddValue(_) => None,
                    AlterTypeOperation::Rename(r) => {
                        Some(format!("renames enum type {t} to {}", r.new_name.value))
                    }
                    AlterTypeOperation::RenameValue(r) => Some(format!(
                        "renames value {} of enum type {t} to {}",
                        r.from, r.to
                    )),
                };
                if let Some(what) = what {
                    self.find(&rules::ENUM_REWRITE, n, sql, &t, what);
                }
            }
            _ => {}
        }
    }

    fn alter_table(&mut self, n: usize, sql: &str, alter: &sqlparser::ast::AlterTable) {
        let t = table(&alter.name);
        if !self.existing(&t) {
            return;
        }
        // MySQL refuses, rather than copies, when the statement names an online algorithm.
        let online = alter.operations.iter().any(|op| {
            matches!(
                op,
                AlterTableOperation::Algorithm {
                    algorithm: AlterTableAlgorithm::Instant | AlterTableAlgorithm::Inplace,
                    ..
                }
            )
        });
        let mut locks = false;
        for op in &alter.operations {
            locks |= !matches!(op, AlterTableOperation::ValidateConstraint { .. });
            match op {
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid,
                } => {
                    if *not_valid {
                        self.remember_not_valid(&t, constraint);
                    }
                    self.add_constraint(n, sql, &t, constraint, *not_valid, online)
                }
                AlterTableOperation::ValidateConstraint { name } => self.validate(n, sql, &t, name),
                AlterTableOperation::AddColumn { column_def, .. } => {
                    let column = &column_def.name.value;
                    let volatile = column_def.options.iter().any(|o| match &o.option {
                        ColumnOption::Default(e) => calls_volatile(e),
                        _ => false,
                    }) || column_def
                        .data_type
                        .to_string()
                        .to_lowercase()
                        .contains("serial");
                    if volatile {
                        self.find(
                            &rules::VOLATILE_DEFAULT,
                            n,
                            sql,
                            &t,
                            format!("adds {t}.{column} with a default computed per row"),
                        );
                    }
                    for o in &column_def.options {
                        if let ColumnOption::ForeignKey(_) = o.option {
                            self.foreign_key(n, sql, &t, false, online);
                        }
                    }
                }
                AlterTableOperation::AlterColumn { column_name, op } => match op {
                    AlterColumnOperation::SetNotNull
                        if self
                            .checked_not_null
                            .contains(&(t.clone(), column_name.value.to_lowercase())) => {}
                    AlterColumnOperation::SetNotNull => self.find(
                        &rules::SET_NOT_NULL,
                        n,
                        sql,
                        &t,
                        format!("sets {t}.{} NOT NULL", column_name.value),
                    ),
                    AlterColumnOperation::SetDataType { data_type, .. } => self.find(
                        &rules::TYPE_CHANGE_REWRITES,
                        n,
                        sql,
                        &t,
                        format!(
                            "changes the type of {t}.{} to {data_type}",
                            column_name.value
                        ),
                    ),
                    _ => {}
                },
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    ..
                } if !online => self.find(
                    &rules::TYPE_CHANGE_REWRITES,
                    n,
                    sql,
                    &t,
                    format!("redefines {t}.{} as {data_type}", col_name.value),
                ),
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    ..
                } => {
                    if old_name.value != new_name.value {
                        self.find(
                            &rules::RENAME_BREAKS_RUNNING,
                            n,
                            sql,
                            &t,
                            format!("renames {t}.{old_name} to {new_name}"),
                        );
                    }
                    if !online {
                        self.find(
                            &rules::TYPE_CHANGE_REWRITES,
                            n,
                            sql,
                            &t,
                            format!("redefines {t}.{} as {data_type}", new_name.value),
                        );
                    }
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => self.find(
                    &rules::RENAME_BREAKS_RUNNING,
                    n,
                    sql,
                    &t,
                    format!("renames {t}.{old_column_name} to {new_column_name}"),
                ),
                AlterTableOperation::RenameTable {
                    table_name: RenameTableNameKind::To(to) | RenameTableNameKind::As(to),
                } => self.find(
                    &rules::RENAME_BREAKS_RUNNING,
                    n,
                    sql,
                    &t,
                    format!("renames table {t} to {}", table(to)),
                ),
                AlterTableOperation::DropColumn { column_names, .. } => {
                    for c in column_names {
                        self.find(
                            &rules::DROP_BREAKS_RUNNING,
                            n,
                            sql,
                            &t,
                            format!("drops column {t}.{}", c.value),
                        );
                    }
                }
                AlterTableOperation::DropPrimaryKey { .. } if !online => self.find(
                    &rules::MYSQL_TABLE_COPY,
                    n,
                    sql,
                    &t,
                    format!("drops the primary key of {t}"),
                ),
                _ => {}
            }
        }
        if locks {
            self.lock(&t, n);
        }
    }

    fn add_constraint(
        &mut self,
        n: usize,
        sql: &str,
        t: &str,
        constraint: &TableConstraint,
        not_valid: bool,
        online: bool,
    ) {
        match constraint {
            TableConstraint::ForeignKey(_) => self.foreign_key(n, sql, t, not_valid, online),
            TableConstraint::Check(_) if !not_valid => self.find(
                &rules::CONSTRAINT_UNDER_LOCK,
                n,
                sql,
                t,
                format!("adds a CHECK constraint to {t}, validated at once"),
            ),
            TableConstraint::Unique(u) if u.index_name.is_none() => self.find(
                &rules::CONSTRAINT_UNDER_LOCK,
                n,
                sql,
                t,
                format!("adds a UNIQUE constraint to {t}, building its index under the lock"),
            ),
            TableConstraint::PrimaryKey(_) => {
                self.find(
                    &rules::CONSTRAINT_UNDER_LOCK,
                    n,
                    sql,
                    t,
                    format!("adds a primary key to {t}, building its index under the lock"),
                );
                if !online {
                    self.find(
                        &rules::MYSQL_TABLE_COPY,
                        n,
                        sql,
                        t,
                        format!("adds a primary key to {t}, rebuilding it"),
                    );
                }
            }
            _ => {}
        }
    }

    fn remember_not_valid(&mut self, t: &str, constraint: &TableConstraint) {
        let (name, added) = match constraint {
            TableConstraint::ForeignKey(fk) => (fk.name.as_ref(), Added::ForeignKey),
            TableConstraint::Check(check) => (
                check.name.as_ref(),
                match check.expr.as_ref() {
                    Expr::IsNotNull(e) => match e.as_ref() {
                        Expr::Identifier(column) => Added::NotNull(column.value.to_lowercase()),
                        _ => Added::Check,
                    },
                    _ => Added::Check,
                },
            ),
            _ => return,
        };
        if let Some(name) = name {
            self.not_valid
                .insert((t.to_string(), name.value.to_lowercase()), added);
        }
    }

    /// VALIDATE CONSTRAINT: in the transaction that added the constraint, the lock
    /// ADD took is still held while it scans, which defeats NOT VALID.
    fn validate(&mut self, n: usize, sql: &str, t: &str, name: &sqlparser::ast::Ident) {
        let key = (t.to_string(), name.value.to_lowercase());
        let Some(added) = self.not_valid.get(&key).cloned() else {
            return;
        };
        if self.transactional {
            let rule = match added {
                Added::ForeignKey => &rules::FOREIGN_KEY_VALIDATED,
                Added::NotNull(_) => &rules::SET_NOT_NULL,
                Added::Check => &rules::CONSTRAINT_UNDER_LOCK,
            };
            self.find(
                rule,
                n,
                sql,
                t,
                format!(
                    "validates {} in the transaction that added it NOT VALID: the lock taken \
                     by adding it is held during the scan",
                    name.value
                ),
            );
        } else if let Added::NotNull(column) = added {
            self.checked_not_null.insert((t.to_string(), column));
        }
    }

    fn foreign_key(&mut self, n: usize, sql: &str, t: &str, not_valid: bool, online: bool) {
        if !not_valid {
            self.find(
                &rules::FOREIGN_KEY_VALIDATED,
                n,
                sql,
                t,
                format!("adds a foreign key to {t}, checking every row under the lock"),
            );
        }
        if !online {
            self.find(
                &rules::MYSQL_TABLE_COPY,
                n,
                sql,
                t,
                format!("adds a foreign key to {t}: copied while foreign_key_checks is on"),
            );
        }
    }

    /// One finding for a transaction that holds locks on more than one existing table.
    fn many_locks(&mut self) {
        if self.locked.len() < 2 || self.backend != Backend::Postgres {
            return;
        }
        let tables: BTreeSet<&str> = self.locked.iter().map(|(t, _)| t.as_str()).collect();
        let (second, at) = &self.locked[1];
        self.findings.push(Finding {
            rule: &rules::MANY_LOCKS_IN_ONE_TRANSACTION,
            statement: Some(*at),
            sql: None,
            table: Some(second.clone()),
            what: format!(
                "holds locks on {} in one transaction",
                tables.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
}

/// Whether the PostgreSQL expression `sql` (a column default) calls a volatile function.
pub fn volatile_expression(sql: &str) -> bool {
    Parser::new(&PostgreSqlDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .is_ok_and(|e| calls_volatile(&e))
}

/// Whether evaluating `expr` calls a volatile function.
fn calls_volatile(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) => {
            let name = f
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.to_lowercase())
                .unwrap_or_default();
            VOLATILE.contains(&name.as_str())
        }
        Expr::Cast { expr, .. } | Expr::Nested(expr) | Expr::UnaryOp { expr, .. } => {
            calls_volatile(expr)
        }
        Expr::BinaryOp { left, right, .. } => calls_volatile(left) || calls_volatile(right),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(backend: Backend, transactional: bool, sql: &[&str]) -> Vec<&'static str> {
        let statements: Vec<String> = sql.iter().map(|s| s.to_string()).collect();
        let (findings, unread) = lint(backend, transactional, &statements);
        assert!(unread.is_empty(), "{unread:?}");
        findings.iter().map(|f| f.rule.code).collect()
    }

    #[test]
    fn an_index_on_an_existing_table_needs_concurrently_on_postgres_only() {
        let sql = [r#"CREATE INDEX "i" ON "users" ("email")"#];
        assert_eq!(codes(Backend::Postgres, true, &sql), ["L001"]);
        assert!(codes(Backend::Mysql, false, &sql).is_empty());
        let concurrent = [r#"CREATE INDEX CONCURRENTLY "i" ON "users" ("email")"#];
        assert!(codes(Backend::Postgres, false, &concurrent).is_empty());
        assert_eq!(codes(Backend::Postgres, true, &concurrent), ["L013"]);
    }

    #[test]
    fn a_table_created_in_the_same_migration_is_not_live() {
        let sql = [
            r#"CREATE TABLE "posts" ("id" integer PRIMARY KEY, "user_id" integer)"#,
            r#"CREATE INDEX "i" ON "posts" ("user_id")"#,
            r#"ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id")"#,
        ];
        assert!(codes(Backend::Postgres, true, &sql).is_empty());
    }

    #[test]
    fn foreign_keys_set_not_null_and_type_changes() {
        let fk = [
            r#"ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id")"#,
        ];
        assert_eq!(codes(Backend::Postgres, true, &fk), ["L002"]);
        assert_eq!(codes(Backend::Mysql, false, &fk), ["L010"]);
        let not_valid = [
            r#"ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") NOT VALID"#,
        ];
        assert!(codes(Backend::Postgres, true, &not_valid).is_empty());
        let not_null = [r#"ALTER TABLE "posts" ALTER COLUMN "title" SET NOT NULL"#];
        assert_eq!(codes(Backend::Postgres, true, &not_null), ["L003"]);
        let ty = [r#"ALTER TABLE "posts" ALTER COLUMN "n" TYPE bigint"#];
        assert_eq!(codes(Backend::Postgres, true, &ty), ["L004"]);
        let modify = ["ALTER TABLE `posts` MODIFY COLUMN `n` bigint NOT NULL"];
        assert_eq!(codes(Backend::Mysql, false, &modify), ["L004"]);
        let inplace = ["ALTER TABLE `posts` MODIFY COLUMN `n` bigint NOT NULL, ALGORITHM=INPLACE"];
        assert!(codes(Backend::Mysql, false, &inplace).is_empty());
    }

    #[test]
    fn not_valid_then_validate_is_safe_only_outside_one_transaction() {
        let sql = [
            r#"ALTER TABLE "posts" ADD CONSTRAINT "c" CHECK ("title" IS NOT NULL) NOT VALID"#,
            r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "c""#,
            r#"ALTER TABLE "posts" ALTER COLUMN "title" SET NOT NULL"#,
            r#"ALTER TABLE "posts" DROP CONSTRAINT "c""#,
        ];
        assert!(codes(Backend::Postgres, false, &sql).is_empty());
        assert_eq!(codes(Backend::Postgres, true, &sql), ["L003", "L003"]);
        let fk = [
            r#"ALTER TABLE "posts" ADD CONSTRAINT "fk" FOREIGN KEY ("user_id") REFERENCES "users" ("id") NOT VALID"#,
            r#"ALTER TABLE "posts" VALIDATE CONSTRAINT "fk""#,
        ];
        assert!(codes(Backend::Postgres, false, &fk).is_empty());
        assert_eq!(codes(Backend::Postgres, true, &fk), ["L002"]);
    }

    #[test]
    fn volatile_defaults_but_not_constant_ones() {
        let volatile = [r#"ALTER TABLE "users" ADD COLUMN "token" uuid DEFAULT gen_random_uuid()"#];
        assert_eq!(codes(Backend::Postgres, true, &volatile), ["L005"]);
        let constant = [r#"ALTER TABLE "users" ADD COLUMN "n" integer NOT NULL DEFAULT 0"#];
        assert!(codes(Backend::Postgres, true, &constant).is_empty());
        let now = [r#"ALTER TABLE "users" ADD COLUMN "at" timestamp DEFAULT now()"#];
        assert!(codes(Backend::Postgres, true, &now).is_empty());
    }

    #[test]
    fn renames_and_drops_on_every_backend_but_not_a_sqlite_rebuild() {
        let rename = [r#"ALTER TABLE "users" RENAME COLUMN "name" TO "full_name""#];
        for backend in [Backend::Postgres, Backend::Mysql, Backend::Sqlite] {
            assert_eq!(codes(backend, true, &rename), ["L006"]);
        }
        let drop = [r#"ALTER TABLE "users" DROP COLUMN "bio""#];
        assert_eq!(codes(Backend::Sqlite, true, &drop), ["L007"]);
        let rebuild = [
            r#"CREATE TABLE "users__manage_new" ("id" integer PRIMARY KEY)"#,
            r#"INSERT INTO "users__manage_new" ("id") SELECT "id" FROM "users""#,
            r#"DROP TABLE "users""#,
            r#"ALTER TABLE "users__manage_new" RENAME TO "users""#,
        ];
        assert_eq!(codes(Backend::Sqlite, true, &rebuild), ["L012"]);
    }

    #[test]
    fn locks_on_two_tables_in_one_transaction() {
        let sql = [
            r#"ALTER TABLE "users" ADD COLUMN "a" integer"#,
            r#"ALTER TABLE "posts" ADD COLUMN "b" integer"#,
        ];
        assert_eq!(codes(Backend::Postgres, true, &sql), ["L011"]);
        assert!(codes(Backend::Postgres, false, &sql).is_empty());
    }

    #[test]
    fn enum_renames_but_not_appended_values() {
        let add = [r#"ALTER TYPE "mood" ADD VALUE 'meh'"#];
        assert!(codes(Backend::Postgres, true, &add).is_empty());
        let rename = [r#"ALTER TYPE "mood" RENAME TO "mood__manage_old""#];
        assert_eq!(codes(Backend::Postgres, true, &rename), ["L009"]);
    }

    #[test]
    fn pragmas_and_concurrent_index_drops_are_read_as_harmless() {
        let sql = [
            "PRAGMA legacy_alter_table = ON",
            r#"DROP INDEX CONCURRENTLY IF EXISTS "idx""#,
        ];
        assert!(codes(Backend::Sqlite, true, &sql[..1]).is_empty());
        assert!(codes(Backend::Postgres, false, &sql[1..]).is_empty());
    }

    #[test]
    fn what_the_parser_cannot_read_is_reported_unread() {
        let (findings, unread) = lint(Backend::Postgres, true, &["FROB THE TABLE".to_string()]);
        assert!(findings.is_empty());
        assert_eq!(unread.len(), 1);
        assert_eq!(unread[0].statement, 1);
    }
}
