//! Passwords out of everything `manage` prints: from any URL in a text, and the
//! configured URL's password wherever a driver's message repeats it.

use regex::Regex;
use std::sync::LazyLock;

/// `scheme://user:password@` in any text.
static URL_PASSWORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@").unwrap());

/// `text` with the password of every URL in it replaced by `***`.
pub fn urls(text: &str) -> String {
    URL_PASSWORD.replace_all(text, "$1:***@").into_owned()
}

/// `text` with `url`'s password, as written or percent-decoded, replaced by `***`
/// wherever it appears.
pub fn password(text: &str, url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.password() {
            Some(pw) if !pw.is_empty() => {
                let decoded = percent_decode(pw);
                text.replace(pw, "***").replace(&decoded, "***")
            }
            _ => text.to_string(),
        },
        Err(_) => text.to_string(),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn scrubs_passwords_in_urls() {
        assert_eq!(
            super::urls("failed: mysql://root:hunter2@db:3306/app"),
            "failed: mysql://root:***@db:3306/app"
        );
        assert_eq!(super::urls("sqlite://x.db"), "sqlite://x.db");
    }
}
