//! PKCE (RFC 7636): the code verifier, its S256 challenge, and the `state` value.
//!
//! The random bytes come from the caller (the browser's CSPRNG, `crypto.getRandomValues`), so
//! everything here is deterministic and testable.

use super::secret::Secret;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// How many random bytes make a verifier (and a state): 32 bytes = 256 bits = 43 characters.
pub const VERIFIER_BYTES: usize = 32;

/// The shortest verifier RFC 7636 allows.
pub const MIN_VERIFIER_LEN: usize = 43;

/// The longest verifier RFC 7636 allows.
pub const MAX_VERIFIER_LEN: usize = 128;

/// A code verifier from 32 CSPRNG bytes: base64url without padding, 43 characters.
pub fn verifier_from_bytes(bytes: &[u8; VERIFIER_BYTES]) -> Secret {
    Secret::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// The S256 code challenge of a verifier: base64url-no-pad(SHA-256(ASCII verifier)).
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether a string is a valid RFC 7636 verifier: 43–128 characters of `A-Z a-z 0-9 - . _ ~`.
pub fn is_valid_verifier(v: &str) -> bool {
    (MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A fresh `state` value from 32 CSPRNG bytes: base64url without padding (43 characters).
pub fn state_from_bytes(bytes: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `challenge` is the S256 challenge of `verifier` (what the server checks; for the playground).
pub fn verify_challenge(verifier: &str, challenge: &str) -> bool {
    is_valid_verifier(verifier) && challenge_s256(verifier) == challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B: the 32 octets, their verifier and its S256 challenge.
    const RFC_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(verifier_from_bytes(&RFC_OCTETS).expose(), RFC_VERIFIER);
        assert_eq!(challenge_s256(RFC_VERIFIER), RFC_CHALLENGE);
        assert!(verify_challenge(RFC_VERIFIER, RFC_CHALLENGE));
        assert!(is_valid_verifier(RFC_VERIFIER));
    }

    #[test]
    fn verify_challenge_rejects_mismatches() {
        assert!(!verify_challenge(
            RFC_VERIFIER,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!verify_challenge(RFC_VERIFIER, ""));
        // The "plain" method's challenge (the verifier itself) is not an S256 challenge.
        assert!(!verify_challenge(RFC_VERIFIER, RFC_VERIFIER));
        // An invalid verifier never verifies, even against its own hash.
        assert!(!verify_challenge("short", &challenge_s256("short")));
    }

    fn patterns() -> Vec<[u8; 32]> {
        let mut v = vec![
            [0x00; 32], [0xFF; 32], [0xFB; 32], [0xFC; 32], [0x3E; 32], [0x3F; 32], RFC_OCTETS,
        ];
        let mut counting = [0u8; 32];
        let mut descending = [0u8; 32];
        let mut alternating = [0u8; 32];
        for i in 0..32 {
            counting[i] = i as u8;
            descending[i] = 255 - i as u8;
            alternating[i] = if i % 2 == 0 { 0xAA } else { 0x55 };
        }
        v.extend([counting, descending, alternating]);
        // A cheap deterministic pseudo-random walk over many byte values.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..200 {
            let mut b = [0u8; 32];
            for byte in &mut b {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *byte = (x >> 24) as u8;
            }
            v.push(b);
        }
        v
    }

    #[test]
    fn verifier_and_state_have_length_43_and_the_right_alphabet() {
        for b in patterns() {
            let v = verifier_from_bytes(&b);
            let v = v.expose();
            assert_eq!(v.len(), 43, "{v}");
            assert!(is_valid_verifier(v), "{v}");
            assert!(
                !v.contains('=') && !v.contains('+') && !v.contains('/'),
                "{v}"
            );
            let s = state_from_bytes(&b);
            assert_eq!(s.len(), 43);
            assert!(is_valid_verifier(&s));
            let c = challenge_s256(v);
            assert_eq!(c.len(), 43, "{c}");
            assert!(c
                .bytes()
                .all(|x| x.is_ascii_alphanumeric() || x == b'-' || x == b'_'));
            assert!(verify_challenge(v, &c));
        }
        assert_eq!(verifier_from_bytes(&[0; 32]).expose(), "A".repeat(42) + "A");
        assert_eq!(
            verifier_from_bytes(&[0xFF; 32]).expose(),
            "_".repeat(42) + "8"
        );
    }

    #[test]
    fn distinct_bytes_give_distinct_verifiers() {
        let mut seen = std::collections::HashSet::new();
        for b in patterns() {
            seen.insert(verifier_from_bytes(&b).expose().to_string());
        }
        assert_eq!(seen.len(), patterns().len());
    }

    #[test]
    fn invalid_verifiers_are_rejected() {
        assert!(!is_valid_verifier(""));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(is_valid_verifier(&"a".repeat(43)));
        assert!(is_valid_verifier(&"a".repeat(128)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(is_valid_verifier(&format!("{}-._~", "Z9".repeat(20))));
        for bad in ['=', '+', '/', ' ', '%', 'é', '\n', '!', '*'] {
            let v = format!("{}{bad}", "a".repeat(43));
            assert!(!is_valid_verifier(&v), "{bad:?}");
        }
        // 43 characters but multi-byte: not ASCII, so invalid.
        assert!(!is_valid_verifier(&"é".repeat(43)));
    }
}
