mod tcp_nodelay;

use std::path::Path;
use std::process::ExitCode;

// `MIGRATION_SOURCES` and `SNAPSHOT`: the project's migration files and snapshot, so
// that the binary alone migrates and reports (see build.rs).
include!(concat!(env!("OUT_DIR"), "/compiled_in.rs"));

fn main() -> ExitCode {
    let mut entities = manage::Entities::default();
    models::register_entities!(entities);
    let compiled_in = manage::CompiledIn {
        migrations: MIGRATION_SOURCES,
        snapshot: SNAPSHOT,
    };
    manage::run::<migrations::Migrator>(
        entities,
        compiled_in,
        Path::new(env!("CARGO_MANIFEST_DIR")),
    )
}
