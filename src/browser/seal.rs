//! Sealing the tab channel's messages (AES-256-GCM, WebCrypto): BroadcastChannel reaches every
//! document of the origin (on a shared host such as GitHub Pages, other sites of the same
//! user), so what one tab tells its duplicates must be unreadable and unforgeable by them.
//! The key is the session's: made when a session begins, kept in this tab's sessionStorage
//! (which a duplicated tab copies and no other tab can read), forgotten when it ends.
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::browser::random;

/// What marks a sealed message (and its version) on the channel.
const PREFIX: &str = "ilert-pkce.sealed.1:";
/// Bound into every message (GCM's additional data): a message sealed for another purpose
/// with the same key never opens here.
const CONTEXT: &[u8] = b"ilert-pkce tab channel v1";
/// AES-GCM's nonce length; each message gets a random one (2^-32 collision odds after 2^32
/// messages, and a session sends a handful).
const NONCE_LEN: usize = 12;
/// Larger messages are not even tried: the largest real one (new tokens) is a few KB.
pub const MAX_MESSAGE_LEN: usize = 64 * 1024;

/// A new key, as sessionStorage keeps it (base64url of 32 random bytes).
pub fn new_key() -> String {
    B64.encode(random::bytes::<32>())
}

/// `plain` sealed with `key` (see [`new_key`]); None when the key is malformed or the browser
/// has no WebCrypto (then nothing is sent: no message beats a message in clear).
pub async fn seal(key: &str, plain: &str) -> Option<String> {
    let (subtle, key) = import(key).await?;
    let nonce = random::bytes::<NONCE_LEN>();
    let params = params(&nonce)?;
    let data = Uint8Array::from(plain.as_bytes());
    let sealed = call(subtle.encrypt_with_object_and_buffer_source(&params, &key, &data)).await?;
    let mut out = nonce.to_vec();
    out.extend(Uint8Array::new(&sealed).to_vec());
    Some(format!("{PREFIX}{}", B64.encode(out)))
}

/// The text inside `message` if it was sealed with `key`; None for anything else (another
/// key, a changed byte, a message in clear, a message too large).
pub async fn open(key: &str, message: &str) -> Option<String> {
    if message.len() > MAX_MESSAGE_LEN {
        return None;
    }
    let bytes = B64.decode(message.strip_prefix(PREFIX)?).ok()?;
    if bytes.len() <= NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let (subtle, key) = import(key).await?;
    let params = params(nonce)?;
    let data = Uint8Array::from(sealed);
    let plain = call(subtle.decrypt_with_object_and_buffer_source(&params, &key, &data)).await?;
    String::from_utf8(Uint8Array::new(&plain).to_vec()).ok()
}

async fn import(key: &str) -> Option<(SubtleCrypto, CryptoKey)> {
    let raw = B64.decode(key).ok().filter(|k| k.len() == 32)?;
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let usages = js_sys::Array::of2(&"encrypt".into(), &"decrypt".into());
    let imported = subtle.import_key_with_str(
        "raw",
        &Uint8Array::from(raw.as_slice()),
        "AES-GCM",
        false,
        &usages,
    );
    let key = call(imported).await?.dyn_into::<CryptoKey>().ok()?;
    Some((subtle, key))
}

/// `{name: "AES-GCM", iv, additionalData}`, built by hand: web-sys' AesGcmParams setters
/// changed names between versions.
fn params(nonce: &[u8]) -> Option<Object> {
    let params = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&params, &JsValue::from_str(k), v).ok();
    set("name", &JsValue::from_str("AES-GCM"))?;
    set("iv", &Uint8Array::from(nonce))?;
    set("additionalData", &Uint8Array::from(CONTEXT))?;
    Some(params)
}

async fn call(promise: Result<Promise, JsValue>) -> Option<JsValue> {
    JsFuture::from(promise.ok()?).await.ok()
}
