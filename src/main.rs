// The entities, the migrator and the migrations' sources and snapshot, as build.rs
// found them.
manage::main!();
