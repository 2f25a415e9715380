//! Talking to the person at the terminal: messages, colour, prompts.
//!
//! Colour comes from `console`, which turns it off without a TTY and with `NO_COLOR`.
//! Prompts only happen on a TTY; without one, callers must have an answer already.

use crate::connection::redact;
use anyhow::{Result, bail};
use console::{Term, style};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Writes to standard output. A reader that went away (`manage schema | head`) is not
/// an error: the rest of the output is dropped and the command finishes as it would
/// have, migrations included, and exits as it would have. Any other failure to write
/// is said once on stderr.
pub fn out(args: std::fmt::Arguments) {
    static FAILED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if let Err(e) = std::io::stdout().lock().write_fmt(args)
        && e.kind() != std::io::ErrorKind::BrokenPipe
        && !FAILED.swap(true, std::sync::atomic::Ordering::Relaxed)
    {
        eprintln!(
            "{} cannot write to standard output: {e}",
            style("warning:").yellow().bold()
        );
    }
}

/// `print!` through [`out`].
macro_rules! say {
    ($($arg:tt)*) => { $crate::ui::out(format_args!($($arg)*)) };
}

/// `println!` through [`out`].
macro_rules! sayln {
    () => { $crate::ui::out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::ui::out(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {say, sayln};

pub fn error(err: &anyhow::Error) {
    eprintln!(
        "{} {}",
        style("error:").red().bold(),
        redact::urls(&format!("{err:#}"))
    );
}

pub fn warn(text: &str) {
    eprintln!(
        "{} {}",
        style("warning:").yellow().bold(),
        redact::urls(text)
    );
}

pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && Term::stderr().is_term()
}

/// Awaits `work` behind a spinner labelled `label` when stderr is a terminal.
pub async fn while_running<T>(label: &str, work: impl Future<Output = T>) -> T {
    if !Term::stderr().is_term() {
        return work.await;
    }
    let spinner = indicatif::ProgressBar::new_spinner().with_message(label.to_string());
    // Ticks from a thread of its own: the runtime is busy with the migration.
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = work.await;
    spinner.finish_and_clear();
    out
}

/// Asks a yes/no question (default no). Refuses without a TTY: `hint` says how to answer.
pub fn confirm(question: &str, hint: &str) -> Result<bool> {
    if !is_interactive() {
        bail!("{question} needs an answer, and there is no terminal to ask on; {hint}");
    }
    Ok(dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact_opt()?
        .unwrap_or(false))
}

/// Asks for a line of text.
pub fn input(prompt: &str) -> Result<String> {
    Ok(dialoguer::Input::<String>::new()
        .with_prompt(prompt)
        .interact_text()?)
}

/// A Unix time as people read it.
pub fn when(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// A step's line of output: `Applied NAME (12.3ms)`.
pub fn report(verb: &str, name: &str, took: Duration) {
    sayln!(
        "  {} {name} {}",
        style(verb).green(),
        style(format!("({:.1?})", took)).dim()
    );
}
