//! Records where the toolchain building this binary keeps its tools.
//!
//! makemigrations lays generated files out with rustfmt. Run through rustup's proxy
//! it costs a third more (the proxy resolves the toolchain on every call), so the
//! binary calls the toolchain's own rustfmt when it is still there.

use std::{env, process::Command};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return;
    };
    let sysroot = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && !sysroot.trim().is_empty() {
        println!(
            "cargo:rustc-env=MANAGE_TOOLCHAIN_BIN={}/bin",
            sysroot.trim()
        );
    }
}
