//! Names the part of a long test that a failure happened in.
//!
//! A test that walks many steps on several backends marks each part with [`stage`]:
//! while the returned guard lives, a panic on this thread is reported with the stage
//! in front of its message, so the failure's first line says where it happened:
//!
//! ```text
//! thread 'round_trip::round_trip_on_every_backend' panicked at tests/end_to_end/support/mod.rs:LINE:COL:
//! round trip step 14 of 30 `rename users.nickname to handle, keeping the data` on PostgreSQL: expected exit 0, got 1
//! ```
//!
//! Stages nest (the outer one is named first). A panic outside any stage is reported
//! as Rust reports it.

use std::cell::RefCell;
use std::fmt::Display;
use std::panic::PanicHookInfo;
use std::sync::Once;

thread_local! {
    static STAGES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The current thread is in `what` until the guard is dropped.
#[must_use = "the stage ends when the guard is dropped: bind it with `let _stage = ...`"]
pub fn stage(what: impl Display) -> Stage {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let rusts = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            match STAGES.try_with(|s| s.borrow().join(": ")) {
                Ok(stages) if !stages.is_empty() => report(info, &stages),
                _ => rusts(info),
            }
        }));
    });
    let depth = STAGES.with(|s| {
        let mut s = s.borrow_mut();
        s.push(what.to_string());
        s.len() - 1
    });
    Stage { depth }
}

/// Ends its stage, and any begun inside it, when dropped (also while unwinding, after
/// the report).
pub struct Stage {
    depth: usize,
}

impl Stage {
    /// The next part: the current thread is in `what` instead, at the same depth.
    pub fn set(&mut self, what: impl Display) {
        STAGES.with(|s| {
            let mut s = s.borrow_mut();
            s.truncate(self.depth);
            s.push(what.to_string());
        });
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = STAGES.try_with(|s| s.borrow_mut().truncate(self.depth));
    }
}

/// Rust's own report of a panic, with `stages` before the message.
fn report(info: &PanicHookInfo, stages: &str) {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    let at = info
        .location()
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    let message = info.payload_as_str().unwrap_or("Box<dyn Any>");
    eprintln!("thread '{name}' panicked{at}:\n{stages}: {message}");
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() != std::backtrace::BacktraceStatus::Captured {
        eprintln!("note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace");
    } else if std::env::var("RUST_BACKTRACE").is_ok_and(|v| v == "full") {
        eprintln!("stack backtrace:\n{backtrace}");
    } else {
        eprintln!("stack backtrace:\n{}", short(&backtrace.to_string()));
    }
}

/// The frames of `backtrace` between the panic machinery and the test harness, as
/// Rust's short backtraces show them.
fn short(backtrace: &str) -> String {
    let lines: Vec<&str> = backtrace.lines().collect();
    let frame = |line: &&str| {
        line.trim_start()
            .split_once(": ")
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
    };
    let start = lines
        .iter()
        .rposition(|l| l.contains("__rust_end_short_backtrace"))
        .and_then(|i| (i + 1..lines.len()).find(|&j| frame(&lines[j])))
        .unwrap_or(0);
    let end = (start..lines.len())
        .find(|&i| lines[i].contains("__rust_begin_short_backtrace"))
        .unwrap_or(lines.len());
    lines[start..end].join("\n")
}

#[test]
fn a_stage_names_itself_until_it_ends() {
    let current = || STAGES.with(|s| s.borrow().join(": "));
    {
        let mut outer = stage("round trip on SQLite");
        let inner = stage("step 1");
        assert_eq!(current(), "round trip on SQLite: step 1");
        outer.set("round trip on MySQL");
        assert_eq!(current(), "round trip on MySQL");
        drop(inner);
        assert_eq!(current(), "round trip on MySQL");
    }
    assert_eq!(current(), "");
    // A panic inside a stage ends it while unwinding.
    let caught = std::panic::catch_unwind(|| {
        let _stage = stage("a part that fails");
        panic!("on purpose");
    });
    assert!(caught.is_err());
    assert_eq!(current(), "");
}
