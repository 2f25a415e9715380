//! Answers to makemigrations' questions: from flags first, else asked at the terminal.

use crate::diff::Questioner;
use crate::schema::{Column, Default};
use crate::ui;
use anyhow::{Result, bail};
use std::collections::BTreeMap;

pub struct Answers {
    /// `table=new_table` and `table.column=new_column`.
    renames: BTreeMap<String, String>,
    /// `table.column` → value typed by the user.
    fills: BTreeMap<String, String>,
    interactive: bool,
    /// For `--check`: report the change instead of asking for a value.
    placeholder_fills: bool,
}

impl Answers {
    pub fn new(renames: &[String], fills: &[String], interactive: bool) -> Result<Answers> {
        let pairs = |items: &[String], flag: &str| -> Result<BTreeMap<String, String>> {
            items
                .iter()
                .map(|item| match item.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        Ok((k.trim().to_string(), v.to_string()))
                    }
                    _ => bail!("--{flag} expects KEY=VALUE, got `{item}`"),
                })
                .collect()
        };
        Ok(Answers {
            renames: pairs(renames, "rename")?,
            fills: pairs(fills, "default")?,
            interactive,
            placeholder_fills: false,
        })
    }

    /// Answers for a dry comparison: no renames unless given, any value for fills.
    pub fn for_check(renames: &[String]) -> Result<Answers> {
        let mut answers = Answers::new(renames, &[], false)?;
        answers.placeholder_fills = true;
        Ok(answers)
    }
}

impl Questioner for Answers {
    fn renamed_table(&mut self, from: &str, to: &str) -> Result<bool> {
        if let Some(answer) = self.renames.get(from) {
            return Ok(answer == to);
        }
        if !self.interactive {
            return Ok(false);
        }
        ui::confirm(&format!("Did you rename table `{from}` to `{to}`?"), "")
    }

    fn renamed_column(&mut self, table: &str, from: &str, to: &str) -> Result<bool> {
        if let Some(answer) = self.renames.get(&format!("{table}.{from}")) {
            return Ok(answer == to);
        }
        if !self.interactive {
            return Ok(false);
        }
        ui::confirm(
            &format!("Did you rename `{table}.{from}` to `{table}.{to}`?"),
            "",
        )
    }

    fn fill_value(&mut self, table: &str, column: &Column) -> Result<Default> {
        let key = format!("{table}.{}", column.name);
        if self.placeholder_fills {
            return Ok(Default::Expr("?".into()));
        }
        if let Some(text) = self.fills.get(&key) {
            return Default::parse_for(&column.ty, text)
                .map_err(|e| anyhow::anyhow!("--default {key}: {e}"));
        }
        if !self.interactive {
            bail!(
                "{key} is NOT NULL without a default, and existing rows need a value: \
                 pass --default {key}=VALUE, or give the field a default or make it nullable"
            );
        }
        loop {
            let text = ui::input(&format!(
                "{key} is NOT NULL without a default. One-off value for existing rows ({})",
                column.ty.describe()
            ))?;
            match Default::parse_for(&column.ty, &text) {
                Ok(value) => return Ok(value),
                Err(e) => ui::warn(&e),
            }
        }
    }
}
