//! The browser glue in a real Chromium (wasm-bindgen-test): storage, randomness, clock,
//! address bar. Run by `cargo xtask test`.
#![cfg(target_arch = "wasm32")]

use ilert_pkce::browser::{clock, history, random, storage};
use ilert_pkce::oauth::pkce;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn session_storage_round_trips_and_removes() {
    let key = "ilert-pkce.test.session";
    assert!(storage::set(storage::Area::Session, key, "value with spaces & ünïcode"));
    assert_eq!(storage::get(storage::Area::Session, key).as_deref(), Some("value with spaces & ünïcode"));
    storage::remove(storage::Area::Session, key);
    assert_eq!(storage::get(storage::Area::Session, key), None);
}

#[wasm_bindgen_test]
fn session_and_local_storage_are_separate_areas() {
    let key = "ilert-pkce.test.areas";
    storage::set(storage::Area::Session, key, "session");
    assert_eq!(storage::get(storage::Area::Local, key), None, "a session value must not leak into localStorage");
    storage::set(storage::Area::Local, key, "local");
    assert_eq!(storage::get(storage::Area::Session, key).as_deref(), Some("session"));
    assert_eq!(storage::get(storage::Area::Local, key).as_deref(), Some("local"));
    storage::remove(storage::Area::Session, key);
    storage::remove(storage::Area::Local, key);
}

#[wasm_bindgen_test]
fn random_bytes_come_from_the_csprng_and_differ() {
    let a = random::bytes::<32>();
    let b = random::bytes::<32>();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    let verifier = pkce::verifier_from_bytes(&a);
    assert_eq!(verifier.len(), 43);
    assert!(pkce::is_valid_verifier(&verifier));
    // 1000 draws of 32 bytes: every byte value should appear (p of a miss is ~e^-125).
    let mut seen = [false; 256];
    for _ in 0..1000 {
        for byte in random::bytes::<32>() {
            seen[byte as usize] = true;
        }
    }
    assert!(seen.iter().all(|s| *s));
}

#[wasm_bindgen_test]
fn clocks_are_sane() {
    let wall = clock::now_ms();
    // After 2020 and before 2100: Date.now() in ms, not seconds.
    assert!(wall > 1.577e12 && wall < 4.1e12, "{wall}");
    let a = clock::monotonic_ms();
    let mut x = 0u64;
    for i in 0..200_000u64 {
        x = x.wrapping_add(i * i);
    }
    assert!(x > 0);
    let b = clock::monotonic_ms();
    assert!(b >= a);
}

#[wasm_bindgen_test]
fn replace_url_changes_the_address_without_navigating() {
    let before = web_sys::window().unwrap().location().href().unwrap();
    history::replace_url("?code=secret&state=abc");
    assert_eq!(history::query(), "?code=secret&state=abc");
    history::replace_url(&before);
    assert!(!history::query().contains("secret"));
    assert!(history::origin().unwrap().starts_with("http://"));
}
