//! Golden files of `manage --help` and of `manage COMMAND --help` for every command
//! that `manage --help` lists: the help users read, at a fixed width of 100 columns.

use super::assert_golden;
use crate::support::{Run, bin};
use std::process::Command;

/// `manage ARGS` outside any project, without colour, as wide as a 100-column terminal
/// (clap reads COLUMNS when the output is not a terminal, and wraps at 100 at most).
fn help(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(args)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("LINES", "50")
        .output()
        .unwrap();
    let run = Run::from_output(out).ok();
    assert_eq!(run.stderr, "", "{args:?} wrote to stderr");
    run.stdout
}

/// The commands of the `Commands:` section of `manage --help`, in order, but clap's
/// own `help` (`manage help COMMAND` is `manage COMMAND --help`, checked below).
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(|line| line.split_whitespace().next().unwrap().to_string())
        .filter(|command| command != "help")
        .collect()
}

#[test]
fn help_of_manage_and_of_every_command() {
    let top = help(&["--help"]);
    assert_golden("help__manage", "manage --help", &top);
    let commands = commands(&top);
    assert!(commands.len() >= 10, "{commands:?}");
    for command in &commands {
        let text = help(&[command, "--help"]);
        assert_eq!(help(&["help", command]), text, "manage help {command}");
        assert_golden(
            &format!("help__manage_{command}"),
            &format!("manage {command} --help"),
            &text,
        );
    }
    // No golden file of a command that is gone.
    let mut kept: Vec<String> = std::fs::read_dir(super::snapshots())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            Some(
                name.strip_prefix("help__manage_")?
                    .strip_suffix(".snap")?
                    .to_string(),
            )
        })
        .collect();
    kept.sort();
    let mut listed = commands.clone();
    listed.sort();
    assert_eq!(kept, listed, "help__manage_*.snap and the commands differ");
}
