//! Reads what a migration's Rust code does to tables, from its syntax tree (syn):
//! SeaQuery builder chains, the `DeriveIden` enums that name tables, string literals
//! holding SQL, and SQL that is only known at run time. Comments, raw strings and char
//! literals are the parser's business, never confused with code.

use super::{EntityTables, Facts, Touch};
use std::cell::Cell;
use std::collections::BTreeMap;
use syn::visit::Visit;
use syn::{Expr, ExprCall, ExprMethodCall, Lit, LitStr};

/// The facts of one migration file's `up()` (the whole file when it has none), and
/// whether a table name needed the models (`entities`) to resolve: without them
/// (None), such a name is left unresolved.
pub fn scan(source: &str, entities: Option<&EntityTables>) -> (Facts, bool) {
    let mut facts = Facts::default();
    let file = match syn::parse_file(source) {
        Ok(file) => file,
        Err(e) => {
            facts.opaque.push(format!("its code does not parse ({e})"));
            return (facts, false);
        }
    };
    let mut reader = Reader {
        idens: iden_enums(&file),
        entities,
        needed_models: Cell::new(false),
        builders: BTreeMap::new(),
        facts,
    };
    let up = up_fn(&file);
    match up {
        Some(up) => reader.visit_block(&up.block),
        None => reader.visit_file(&file),
    }
    let needed_models = reader.needed_models.get();
    let mut facts = reader.facts;
    if facts.tables.is_empty() && !facts.is_opaque() && up.is_some() {
        facts
            .opaque
            .push("no table could be read from its code".into());
    }
    facts.opaque.dedup();
    (facts, needed_models)
}

/// `fn up` of the file's `impl MigrationTrait` (or any impl): what applying it does
/// (`down()` undoes it, and touches the same tables).
fn up_fn(file: &syn::File) -> Option<&syn::ImplItemFn> {
    file.items.iter().find_map(|item| match item {
        syn::Item::Impl(imp) => imp.items.iter().find_map(|i| match i {
            syn::ImplItem::Fn(f) if f.sig.ident == "up" => Some(f),
            _ => None,
        }),
        _ => None,
    })
}

/// `DeriveIden` enums of the file: enum name → the table its `Table` variant names
/// (`#[sea_orm(iden = "..")]` or `#[iden = ".."]` on it, else the enum's name in snake
/// case, as sea-query's derive spells it with `heck`).
fn iden_enums(file: &syn::File) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let syn::Item::Enum(e) = item else { continue };
        let derives_iden = e.attrs.iter().any(|a| {
            a.path().is_ident("derive")
                && a.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths.iter().any(|p| {
                        p.segments
                            .last()
                            .is_some_and(|s| s.ident == "DeriveIden" || s.ident == "Iden")
                    })
                })
        });
        if !derives_iden {
            continue;
        }
        let name = e.ident.to_string();
        let renamed = e
            .variants
            .iter()
            .find(|v| v.ident == "Table")
            .and_then(|v| v.attrs.iter().find_map(iden_rename));
        let table = renamed.unwrap_or_else(|| heck::ToSnakeCase::to_snake_case(name.as_str()));
        out.insert(name, table);
    }
    out
}

/// `#[sea_orm(iden = "x")]`, `#[iden(rename = "x")]`, `#[iden = "x"]`.
fn iden_rename(attr: &syn::Attribute) -> Option<String> {
    if attr.path().is_ident("iden")
        && let syn::Meta::NameValue(nv) = &attr.meta
        && let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) = &nv.value
    {
        return Some(s.value());
    }
    if !(attr.path().is_ident("sea_orm") || attr.path().is_ident("iden")) {
        return None;
    }
    let mut found = None;
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("iden") || meta.path.is_ident("rename") {
            found = Some(meta.value()?.parse::<LitStr>()?.value());
        }
        Ok(())
    });
    found
}

/// A SeaQuery statement builder: `Table::create()` and the like.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Builder {
    TableCreate,
    TableAlter,
    TableDrop,
    TableTruncate,
    TableRename,
    IndexCreate,
    IndexDrop,
    ForeignKeyCreate,
    ForeignKeyDrop,
    Insert,
    Update,
    Delete,
}

impl Builder {
    /// The builder a call like `Table::create()` starts.
    fn of(call: &ExprCall) -> Option<Builder> {
        let names = path_words(&call.func)?;
        let [.., ty, ctor] = names.as_slice() else {
            return None;
        };
        Some(match (ty.as_str(), ctor.as_str()) {
            ("Table", "create") => Builder::TableCreate,
            ("Table", "alter") => Builder::TableAlter,
            ("Table", "drop") => Builder::TableDrop,
            ("Table", "truncate") => Builder::TableTruncate,
            ("Table", "rename") => Builder::TableRename,
            ("Index", "create") => Builder::IndexCreate,
            ("Index", "drop") => Builder::IndexDrop,
            ("ForeignKey", "create") => Builder::ForeignKeyCreate,
            ("ForeignKey", "drop") => Builder::ForeignKeyDrop,
            ("Query", "insert") => Builder::Insert,
            ("Query", "update") => Builder::Update,
            ("Query", "delete") => Builder::Delete,
            _ => return None,
        })
    }
}

struct Reader<'a> {
    idens: BTreeMap<String, String>,
    /// The models' tables by entity name: `bakery::Entity` and `Bakery`. None at
    /// build time, when the models cannot be asked.
    entities: Option<&'a EntityTables>,
    /// A table name was looked up in `entities`.
    needed_models: Cell<bool>,
    /// Local variables holding a builder (`let mut t = Table::create();`).
    builders: BTreeMap<String, Builder>,
    facts: Facts,
}

/// One `.method(args)` of a chain.
struct Call<'a> {
    method: String,
    args: Vec<&'a Expr>,
}

/// A method-call chain unrolled: its root (the receiver of the first call) and the
/// calls in order.
fn unroll(outer: &ExprMethodCall) -> (&Expr, Vec<Call<'_>>) {
    let mut calls = Vec::new();
    let mut at = outer;
    loop {
        calls.push(Call {
            method: at.method.to_string(),
            args: at.args.iter().collect(),
        });
        match strip(&at.receiver) {
            Expr::MethodCall(inner) => at = inner,
            root => {
                calls.reverse();
                return (root, calls);
            }
        }
    }
}

/// Through references, parentheses, `?`, `.await` and casts, to what is meant.
fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(r) => strip(&r.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::Try(t) => strip(&t.expr),
        Expr::Await(a) => strip(&a.base),
        _ => expr,
    }
}

impl Reader<'_> {
    /// The table of the models' entity `name`.
    fn entity_table(&self, name: &str) -> Option<String> {
        self.needed_models.set(true);
        self.entities?.get(name).cloned()
    }

    /// The table an argument names: a string, `Alias::new("..")`, a `DeriveIden`
    /// enum's `Table` of this file, an entity type of the models, or a `(schema,
    /// table)` pair. None when it is anything else: computed at run time, or defined
    /// elsewhere (an enum in another file may rename its table).
    fn table_name(&self, expr: &Expr) -> Option<String> {
        match strip(expr) {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            // One identifier: a dot in it is part of the name.
            }) => Some(s.value()),
            // `(schema, table)`: the table in a PostgreSQL schema, as the model names it.
            Expr::Tuple(t) => match t.elems.iter().collect::<Vec<_>>().as_slice() {
                [schema, table] => Some(format!(
                    "{}.{}",
                    self.table_name(schema)?,
                    self.table_name(table)?
                )),
                _ => None,
            },
            Expr::Call(call) => {
                let names = path_words(&call.func)?;
                match names.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                    [.., "Alias" | "SeaRc" | "Rc" | "Arc", "new"] if call.args.len() == 1 => {
                        self.table_name(&call.args[0])
                    }
                    _ => None,
                }
            }
            path @ Expr::Path(_) => match path_words(path)?.as_slice() {
                [iden, variant] if variant == "Table" => self.idens.get(iden).cloned(),
                // An entity type (`bakery::Entity`, or the prelude's `Bakery`): its
                // table as the models name it today.
                [.., module, last] if last == "Entity" => self.entity_table(module),
                [alias] => self.entity_table(alias),
                _ => None,
            },
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "into_iden" | "into_table_ref" | "to_owned" | "clone"
                ) =>
            {
                self.table_name(&m.receiver)
            }
            _ => None,
        }
    }

    /// The table an argument names; when it cannot be known, the migration is opaque.
    fn named(&mut self, expr: &Expr, what: &str) -> Option<String> {
        let name = self.table_name(expr);
        if name.is_none() {
            self.facts
                .opaque
                .push(format!("a table name in {what} is computed at run time"));
        }
        name
    }

    /// What a builder chain does, given its calls in order. `nested`: the chain is
    /// the argument of a table's `.foreign_key(..)`, whose table it belongs to.
    fn chain(&mut self, builder: Builder, calls: &[Call], nested: bool) {
        let args_of = |method: &str| -> Vec<&Vec<&Expr>> {
            calls
                .iter()
                .filter(|c| c.method == method)
                .map(|c| &c.args)
                .collect()
        };
        use Builder as B;
        match builder {
            B::TableCreate | B::TableAlter | B::TableDrop | B::TableTruncate => {
                let how = match builder {
                    B::TableCreate => Touch::Create,
                    B::TableAlter => Touch::Alter,
                    B::TableDrop => Touch::Drop,
                    _ => Touch::Data,
                };
                let adds = calls.iter().any(|c| c.method == "add_column");
                for args in args_of("table") {
                    if let Some(t) = args
                        .first()
                        .and_then(|a| self.named(a, "a table statement"))
                    {
                        self.facts.touch(&t, how);
                        if how == Touch::Alter && adds {
                            self.facts.adds_columns.insert(t.clone());
                        }
                    }
                }
            }
            B::TableRename => {
                for args in args_of("table") {
                    match (
                        args.first().and_then(|a| self.table_name(a)),
                        args.get(1).and_then(|a| self.table_name(a)),
                    ) {
                        (Some(from), Some(to)) => self.facts.rename(&from, &to),
                        _ => self
                            .facts
                            .opaque
                            .push("a renamed table's name is computed at run time".into()),
                    }
                }
            }
            B::IndexCreate | B::IndexDrop => {
                for args in args_of("table") {
                    if let Some(t) = args
                        .first()
                        .and_then(|a| self.named(a, "an index statement"))
                    {
                        self.facts.touch(&t, Touch::Index);
                    }
                }
            }
            B::ForeignKeyCreate | B::ForeignKeyDrop => {
                // `.from(T, c)` / `.from_tbl(T)` alter T unless the key belongs to a
                // table statement; `.to(U, c)` / `.to_tbl(U)` reference U.
                for call in calls {
                    let how = match call.method.as_str() {
                        "from" | "from_tbl" if !nested => Touch::Alter,
                        "from" | "from_tbl" => continue,
                        "to" | "to_tbl" => Touch::Referenced,
                        "table" => Touch::Alter,
                        _ => continue,
                    };
                    let Some(first) = call.args.first() else {
                        continue;
                    };
                    if let Some(t) = self.named(first, "a foreign key") {
                        self.facts.touch(&t, how);
                    }
                }
            }
            B::Insert | B::Update | B::Delete => {
                for call in calls
                    .iter()
                    .filter(|c| matches!(c.method.as_str(), "into_table" | "table" | "from_table"))
                {
                    if let Some(t) = call.args.first().and_then(|a| self.named(a, "a query")) {
                        self.facts.touch(&t, Touch::Data);
                    }
                }
            }
        }
        // Keys declared inside a table statement, and anything else in the arguments.
        for call in calls {
            for arg in &call.args {
                self.visit_nested(arg, call.method == "foreign_key");
            }
        }
    }

    fn visit_nested(&mut self, expr: &Expr, in_foreign_key: bool) {
        if let Expr::MethodCall(m) = strip(expr)
            && let (Expr::Call(root), calls) = unroll(m)
            && let Some(builder) = Builder::of(root)
        {
            self.chain(builder, &calls, in_foreign_key);
            return;
        }
        self.visit_expr(expr);
    }

    /// A call that runs SQL: the SQL must be a literal to be read.
    fn runs_sql(&mut self, what: &str, sql: Option<&Expr>) {
        let Some(sql) = sql else { return };
        match strip(sql) {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(_), ..
            }) => {}
            // `Statement::from_string(..)` passed on is read where it is built.
            Expr::Call(c) if is_statement_constructor(c) => {}
            other => self.facts.opaque.push(format!(
                "runs SQL built at run time ({what}({}))",
                quote_expr(other)
            )),
        }
    }
}

fn is_statement_constructor(call: &ExprCall) -> bool {
    path_words(&call.func).is_some_and(|w| w.len() >= 2 && w[w.len() - 2] == "Statement")
}

/// The words of a path expression: `Table::create` is `["Table", "create"]`.
fn path_words(expr: &Expr) -> Option<Vec<String>> {
    let Expr::Path(p) = expr else { return None };
    Some(
        p.path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect(),
    )
}

/// A short rendering of an expression for messages.
fn quote_expr(expr: &Expr) -> String {
    let text = quote::ToTokens::to_token_stream(expr).to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

impl<'ast> Visit<'ast> for Reader<'_> {
    fn visit_expr_method_call(&mut self, m: &'ast ExprMethodCall) {
        let (root, calls) = unroll(m);
        // A chain from a builder's constructor, or from a variable holding one.
        let builder = match root {
            Expr::Call(call) => Builder::of(call),
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|v| self.builders.get(&v.to_string()).copied()),
            _ => None,
        };
        if let Some(builder) = builder {
            self.chain(builder, &calls, false);
            return;
        }
        let method = m.method.to_string();
        if matches!(
            method.as_str(),
            "execute_unprepared" | "execute_raw" | "query_one_raw" | "query_all_raw"
        ) {
            self.runs_sql(&method, m.args.first());
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_call(&mut self, call: &'ast ExprCall) {
        if is_statement_constructor(call) {
            // `Statement::from_string(backend, sql)` and its kin: the SQL is second.
            self.runs_sql("Statement", call.args.iter().nth(1));
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        // `let mut t = Table::create();`: later `t.table(..)` calls continue it.
        let var = match &local.pat {
            syn::Pat::Ident(p) => Some(&p.ident),
            syn::Pat::Type(t) => match t.pat.as_ref() {
                syn::Pat::Ident(p) => Some(&p.ident),
                _ => None,
            },
            _ => None,
        };
        if let (Some(var), Some(init)) = (var, &local.init) {
            let builder = match strip(&init.expr) {
                Expr::MethodCall(m) => match unroll(m).0 {
                    Expr::Call(c) => Builder::of(c),
                    _ => None,
                },
                Expr::Call(c) => Builder::of(c),
                _ => None,
            };
            if let Some(builder) = builder {
                self.builders.insert(var.to_string(), builder);
            }
        }
        syn::visit::visit_local(self, local);
    }

    /// Attributes (doc comments among them) state intent, not what runs.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_lit_str(&mut self, s: &'ast LitStr) {
        super::sql::facts(&s.value(), &mut self.facts);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        // `vec![..]` holds code; other macros (`format!`, `println!`) hold text.
        if mac.path.is_ident("vec")
            && let Ok(items) = mac.parse_body_with(
                syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated,
            )
        {
            for item in &items {
                self.visit_expr(item);
            }
        }
    }
}
