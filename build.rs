//! Finds the entities and compiles the migrations in (see manage-build).

fn main() {
    manage_build::build();
}
