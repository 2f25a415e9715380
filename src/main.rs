mod tcp_nodelay;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut entities = manage::Entities::default();
    models::register_entities!(entities);
    manage::run::<migrations::Migrator>(entities, Path::new(env!("CARGO_MANIFEST_DIR")))
}
