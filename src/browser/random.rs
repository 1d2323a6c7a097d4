//! Randomness from the browser's CSPRNG (`crypto.getRandomValues`, through getrandom).

/// `N` bytes from the CSPRNG. Panics only when the browser has no Web Crypto at all, in which
/// case no safe sign-in is possible anyway.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the browser's crypto.getRandomValues is available");
    buf
}
