//! Times the history scanner and the rollback planner over generated migration files:
//! `cargo run --example plan_bench -- [FILES]` (default 5000). Used by `scripts/bench`.

use manage::history::{self, rollback_plan};
use std::collections::BTreeSet;
use std::time::Instant;

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

    let mut times = Vec::new();
    let mut planned = 0;
    for _ in 0..7 {
        let started = Instant::now();
        let facts = history::scan_dir(dir.path()).expect("scan");
        let plan = rollback_plan::plan("t0042", false, &order, &applied, &facts).expect("plan");
        times.push(started.elapsed());
        planned = plan.len();
    }
    times.sort();
    println!(
        "scan + plan over {files} files: median {:.1} ms (min {:.1}, max {:.1}, 7 runs; plan reverts {planned})",
        times[3].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[6].as_secs_f64() * 1000.0,
    );
}
