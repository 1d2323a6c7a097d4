//! How secrets appear where the simulator keeps or shows them: never as they are.
//!
//! - The store keys codes and refresh tokens by [`store_key`] (a SHA-256), so its snapshot
//!   (a browser's IndexedDB for the built-in simulator) holds no value that works as a code
//!   or a token.
//! - The request log (`GET /_sim/requests`) shows a code, verifier or token as [`masked`]:
//!   a short visible prefix and a fingerprint. A test that knows the value it expects
//!   compares `masked(expected)` with the log; nobody can read the value back from it.

use sha2::{Digest, Sha256};

/// What the request log shows instead of a secret that it gives no fingerprint of (a client
/// secret, HTTP Basic credentials).
pub const MASK: &str = "[masked]";

/// The key under which the store keeps `value` (a code, a refresh token's key): hex SHA-256.
pub fn store_key(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

/// `value` as the request log shows it: `[masked] abcd… fp:0123456789abcdef`, the first four
/// characters (only for a value of 16 or more, and only URL-safe ones) and 64 bits of a
/// SHA-256 of the value, apart from [`store_key`]'s (another prefix is hashed in).
pub fn masked(value: &str) -> String {
    let prefix: String = if value.chars().count() >= 16 {
        value
            .chars()
            .take(4)
            .filter(|c| c.is_ascii_alphanumeric() || "-._~".contains(*c))
            .collect()
    } else {
        String::new()
    };
    let mut hash = Sha256::new();
    hash.update(b"ilert-sim request log\n");
    hash.update(value.as_bytes());
    format!("{MASK} {prefix}\u{2026} fp:{}", hex(&hash.finalize()[..8]))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_value_shows_a_prefix_and_a_fingerprint_only() {
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let m = masked(v);
        assert!(m.starts_with("[masked] dBjf\u{2026} fp:"), "{m}");
        assert_eq!(m.len(), "[masked] dBjf\u{2026} fp:".len() + 16);
        assert!(!m.contains("tJeZ"));
        assert_eq!(m, masked(v), "stable, so tests can compare");
        assert_ne!(m, masked("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj"));
        assert_eq!(masked("short").split(' ').nth(1), Some("\u{2026}"));
        assert!(!masked("\u{1b}[201~xxxxxxxxxxxxxxxx").contains('\u{1b}'));
        assert_eq!(store_key("x").len(), 64);
        assert!(!m.contains(&store_key(v)[..16]), "the two hashes differ");
    }
}
