//! Lists the migrations from src/ (see lib.rs).

fn main() {
    manage_build::register_migrations();
}
