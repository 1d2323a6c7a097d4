//! Unguessable values (codes, ids, token keys) from a source the host supplies: the core has
//! no randomness of its own, so tests can use a fixed one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::fmt::Write;

/// A source of random bytes. `Send`, so a host may keep the simulator behind a mutex.
pub trait Entropy: Send {
    fn fill(&mut self, buf: &mut [u8]);
}

/// The system's CSPRNG: the OS natively, `crypto.getRandomValues` in a browser.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("the system random source works");
    }
}

/// A predictable stream (SplitMix64) for tests: the same seed gives the same values.
#[derive(Clone, Debug)]
pub struct SeededEntropy(pub u64);

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

pub fn bytes<const N: usize>(rng: &mut dyn Entropy) -> [u8; N] {
    let mut buf = [0u8; N];
    rng.fill(&mut buf);
    buf
}

pub fn hex<const N: usize>(rng: &mut dyn Entropy) -> String {
    bytes::<N>(rng)
        .iter()
        .fold(String::with_capacity(N * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// 32 random bytes, base64url: 256 bits, safe in a URL as is.
pub fn token(rng: &mut dyn Entropy) -> String {
    URL_SAFE_NO_PAD.encode(bytes::<32>(rng))
}
