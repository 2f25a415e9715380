mod tcp_nodelay;

use std::path::Path;
use std::process::ExitCode;

// `MIGRATION_SOURCES` and `SNAPSHOT`: the project's migration files and snapshot, so
// that the binary alone migrates and reports; `entities()`: every entity of the models
// crate (see build.rs).
include!(concat!(env!("OUT_DIR"), "/compiled_in.rs"));
include!(concat!(env!("OUT_DIR"), "/entities.rs"));

fn main() -> ExitCode {
    let entities = entities();
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
