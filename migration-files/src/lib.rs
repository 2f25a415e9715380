//! What a migration file is, as the build script and the binary both see it: which
//! file names are migrations, and the checksum that tells an applied migration's file
//! was edited afterwards. manage-build computes the checksums of the binary's
//! migrations when it compiles them in; the engine computes those of files on disk.

use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// Whether `stem` (a file name without `.rs`) names a migration: `m`, an 8-digit
/// date, `_`, a 6-digit time, then what a Rust identifier may hold.
pub fn is_migration_name(stem: &str) -> bool {
    let b = stem.as_bytes();
    b.len() >= 16
        && b[0] == b'm'
        && b[1..9].iter().all(u8::is_ascii_digit)
        && b[9] == b'_'
        && b[10..16].iter().all(u8::is_ascii_digit)
        && stem[16..]
            .chars()
            .all(|c| c == '_' || c.is_ascii_alphanumeric() || !c.is_ascii())
}

/// The checksum of a migration's source: SHA-256 of its text, in lowercase hex, with
/// line endings made `\n` and a leading byte-order mark left out, so that a checkout
/// on Windows does not look edited.
pub fn checksum(text: &str) -> String {
    // Only a file that has `\r` is copied.
    let text = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let digest = Sha256::digest(text.trim_start_matches('\u{feff}').as_bytes());
    format!("{digest:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_names_are_what_rust_and_sea_orm_accept() {
        for ok in [
            "m20250101_000000",
            "m20250101_000000_create_users",
            "m20250101_000000_caf\u{e9}_Menu2",
        ] {
            assert!(is_migration_name(ok), "{ok}");
        }
        for bad in [
            "lib",
            "m2025010_000000_short_date",
            "m20250101-000000_dash",
            "m20250101_12000a_x",
            "m20250101_000000_two words",
            "m20250101_000000_dot.rs",
            "x20250101_000000_a",
        ] {
            assert!(!is_migration_name(bad), "{bad}");
        }
    }

    #[test]
    fn checksum_is_sha256_hex_of_the_text_with_unix_line_endings() {
        // sha256("") and sha256("a\n"), as `sha256sum` prints them.
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let unix = checksum("a\n");
        assert_eq!(
            unix,
            "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7"
        );
        assert_eq!(checksum("a\r\n"), unix);
        assert_eq!(checksum("\u{feff}a\n"), unix);
    }
}
