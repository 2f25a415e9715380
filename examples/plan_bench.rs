//! Times the history scanner and the rollback planner over generated migration files:
//! `cargo run --example plan_bench -- [FILES]` (default 5000). Used by `scripts/bench`.
//!
//! Two ways: as `rollback` plans in a binary built with these files (each file's text
//! is the binary's copy, so the facts its build computed stand for it), and with every
//! file parsed (a binary built before them).

use manage::CompiledIn;
use manage::history::{self, rollback_plan};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let files: usize = std::env::args()
        .nth(1)
        .map_or(5000, |n| n.parse().expect("a number"));
    let dir = tempfile::tempdir().expect("temp dir");
    let tables = 200;
    let mut order = Vec::new();
    for i in 0..files {
        let name = format!("m2026{:04}_{:06}_step", i / 10000 + 1, i % 1_000_000);
        let table = format!("t{:04}", i % tables);
        let parent = format!("t{:04}", (i + 7) % tables);
        let source = format!(
            "use sea_orm_migration::{{prelude::*, schema::*}};\n\n\
             #[derive(DeriveMigrationName)]\npub struct Migration;\n\n\
             #[async_trait::async_trait]\nimpl MigrationTrait for Migration {{\n    \
             async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n        \
             manager.alter_table(Table::alter().table(\"{table}\").add_column(integer_null(\"c{i}\")).to_owned()).await?;\n        \
             manager.create_foreign_key(ForeignKey::create().name(\"fk{i}\").from(\"{table}\", \"c{i}\").to(\"{parent}\", \"id\").to_owned()).await?;\n        \
             manager.get_connection().execute_unprepared(r#\"UPDATE \"{table}\" SET \"c{i}\" = 0\"#).await?;\n        \
             Ok(())\n    }}\n\n    \
             async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {{\n        \
             manager.alter_table(Table::alter().table(\"{table}\").drop_column(\"c{i}\").to_owned()).await?;\n        \
             Ok(())\n    }}\n}}\n"
        );
        std::fs::write(dir.path().join(format!("{name}.rs")), source).expect("write");
        order.push(name);
    }
    let applied: BTreeSet<String> = order.iter().cloned().collect();

    // What the build script compiles in: each file's text and facts, in name order.
    let mut texts = Vec::new();
    let mut facts = Vec::new();
    for name in &order {
        let text: &'static str = std::fs::read_to_string(dir.path().join(format!("{name}.rs")))
            .expect("read")
            .leak();
        let name: &'static str = name.clone().leak();
        texts.push((name, text));
        if let Some(read) = history::scan_without_models(text) {
            facts.push((name, &*history::encode(&read).leak()));
        }
    }
    let built = CompiledIn {
        migrations: texts.leak(),
        facts: facts.leak(),
        ..Default::default()
    };

    for (how, built) in [
        ("with the facts its build computed", &built),
        ("parsing every file", &CompiledIn::default()),
    ] {
        let (times, planned) = time(dir.path(), built, &order, &applied);
        println!(
            "scan + plan over {files} files, {how}: median {:.1} ms (min {:.1}, max {:.1}, 7 runs; plan reverts {planned})",
            ms(times[3]),
            ms(times[0]),
            ms(times[6]),
        );
    }
}

/// Seven timings of reading the history in `dir` and planning `rollback t0042`,
/// sorted, and how many migrations the plan reverts.
fn time(
    dir: &Path,
    built: &CompiledIn,
    order: &[String],
    applied: &BTreeSet<String>,
) -> (Vec<Duration>, usize) {
    let mut times = Vec::new();
    let mut planned = 0;
    for _ in 0..7 {
        let started = Instant::now();
        let facts = history::scan_dir_with(dir, built, &Default::default()).expect("scan");
        let plan = rollback_plan::plan("t0042", false, order, applied, &facts).expect("plan");
        times.push(started.elapsed());
        planned = plan.len();
    }
    times.sort();
    (times, planned)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
