//! Formatting the generated file with the toolchain's rustfmt.

/// rustfmt, started before it is needed: loading its compiler libraries takes about as
/// long as reading the models and diffing them, so the two overlap. It waits for the
/// source on stdin; dropped unused, it is killed.
pub struct Rustfmt {
    child: Option<std::process::Child>,
}

impl Rustfmt {
    pub fn start() -> Rustfmt {
        use std::process::Stdio;
        let child = rustfmt_command()
            .args(["--edition", "2024", "--emit", "stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok();
        Rustfmt { child }
    }

    /// Lays `source` out with rustfmt when it is installed; the code is valid either way.
    pub fn format(mut self, source: String) -> String {
        use std::io::Write;
        let Some(mut child) = self.child.take() else {
            return source;
        };
        // rustfmt reads all of its input before writing anything: no deadlock.
        let written = child
            .stdin
            .take()
            .is_some_and(|mut stdin| stdin.write_all(source.as_bytes()).is_ok());
        if !written {
            self.child = Some(child); // dropped, and so killed, on return
            return source;
        }
        match child.wait_with_output() {
            Ok(out) if out.status.success() && !out.stdout.is_empty() => {
                String::from_utf8(out.stdout).unwrap_or(source)
            }
            _ => source,
        }
    }
}

impl Drop for Rustfmt {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `$RUSTFMT` when set (as cargo fmt honours it), else the rustfmt of the toolchain
/// that built this binary, else whichever `rustfmt` is on PATH.
fn rustfmt_command() -> std::process::Command {
    if let Some(path) = std::env::var_os("RUSTFMT") {
        return std::process::Command::new(path);
    }
    if let Some(bin) = option_env!("MANAGE_TOOLCHAIN_BIN") {
        let path = std::path::Path::new(bin).join("rustfmt");
        if path.is_file() {
            return std::process::Command::new(path);
        }
    }
    std::process::Command::new("rustfmt")
}
