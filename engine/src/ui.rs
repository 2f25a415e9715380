//! Talking to the person at the terminal: messages, colour, prompts.
//!
//! Colour comes from `console`, which turns it off without a TTY and with `NO_COLOR`.
//! Prompts only happen on a TTY; without one, callers must have an answer already.

use crate::connection::redact;
use anyhow::{Result, bail};
use console::{Term, style};
use std::io::IsTerminal;

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
