//! Unguessable values (codes, ids, token keys) from the OS CSPRNG.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use std::fmt::Write;

pub static RNG: std::sync::LazyLock<SystemRandom> = std::sync::LazyLock::new(SystemRandom::new);

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    RNG.fill(&mut buf).expect("the OS random source works");
    buf
}

pub fn hex<const N: usize>() -> String {
    bytes::<N>()
        .iter()
        .fold(String::with_capacity(N * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// 32 random bytes, base64url: 256 bits, safe in a URL as is.
pub fn token() -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>())
}
