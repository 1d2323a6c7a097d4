//! What the end of a session does to the timeline: every secret it holds is replaced by its
//! mask, by value, however an answer spelled it. Answers are masked on their parsed JSON (so
//! `\/` or `\u002e` inside a token change nothing) and stored re-serialized; texts (URLs,
//! error messages, bodies that are not JSON) are searched for each known secret written as it
//! is, percent-encoded or JSON-escaped. Pure, so the host tests every spelling.
use super::entries::{AnswerRecord, Entry, Field, RequestRecord};
use crate::json::{self, Value};
use crate::oauth::answer::masked_form;
use crate::oauth::form::{is_mask, is_secret, mask};

/// Secret values shorter than this are not hunted for in other texts (they would match by
/// chance); fields and members named as secrets are masked whatever their length.
const MIN_SECRET_LEN: usize = 8;

/// The secret values to hunt for: longest first (so a token is not half-replaced by a shorter
/// secret inside it), without repeats.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Secrets(Vec<String>);

impl Secrets {
    /// Adds one value (a `Bearer ` header's token); masks and short values are left out.
    pub fn add(&mut self, value: &str) {
        let value = value.strip_prefix("Bearer ").unwrap_or(value);
        if value.chars().count() >= MIN_SECRET_LEN
            && !is_mask(value)
            && !self.0.iter().any(|s| s == value)
        {
            // Kept in order as it grows, it needs no sort.
            let at = self
                .0
                .iter()
                .position(|s| s.len() < value.len())
                .unwrap_or(self.0.len());
            self.0.insert(at, value.to_string());
        }
    }

    /// Adds the secrets of `entry`: its secret fields, and the values of secret members of
    /// its answer (at any depth of its JSON, or the fields of a form-encoded answer).
    pub fn add_entry(&mut self, entry: &Entry) {
        let request_fields = entry
            .request
            .iter()
            .flat_map(|r| r.headers.iter().chain(r.form.iter()));
        for field in entry.fields.iter().chain(request_fields) {
            if field.secret {
                self.add(&field.value);
            }
        }
        if let Some(answer) = &entry.answer {
            match json::parse_any_number(&answer.body) {
                Ok(value) => self.add_members(&value),
                Err(_) => {
                    for (key, value) in form_urlencoded::parse(answer.body.trim().as_bytes()) {
                        if is_secret(&key) {
                            self.add(&value);
                        }
                    }
                }
            }
        }
    }

    fn add_members(&mut self, value: &Value) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.add_members(v)),
            Value::Object(members) => {
                for (key, v) in members {
                    match v {
                        Value::String(s) if is_secret(key) => self.add(s),
                        Value::Number(n) if is_secret(key) => self.add(n),
                        _ => self.add_members(v),
                    }
                }
            }
            _ => {}
        }
    }
}

/// The session has ended: masks every secret of `entries`, those they hold and the `known`
/// ones they may only echo (a revoked token, recorded masked).
pub fn end_session(entries: &mut [Entry], known: &[String]) {
    let mut secrets = Secrets::default();
    for value in known {
        secrets.add(value);
    }
    for entry in entries.iter() {
        secrets.add_entry(entry);
    }
    for entry in entries.iter_mut() {
        scrub(entry, &secrets);
    }
}

/// Whether `entry`'s request was recorded after the session ended (a revocation) or was
/// overtaken by its end (a secret of it is a mask already): its answer is masked as it is
/// filed, since no later end of the session will come for it.
pub fn after_end(entry: &Entry) -> bool {
    entry
        .request
        .iter()
        .flat_map(|r| r.headers.iter().chain(r.form.iter()))
        .any(|f| f.secret && is_masked(&f.value))
}

fn is_masked(value: &str) -> bool {
    is_mask(value.strip_prefix("Bearer ").unwrap_or(value))
}

/// Masks every secret of one entry: secret fields whole, and `secrets` wherever they appear.
pub fn scrub(entry: &mut Entry, secrets: &Secrets) {
    let request_fields = entry
        .request
        .iter_mut()
        .flat_map(|r| r.headers.iter_mut().chain(r.form.iter_mut()));
    for field in entry.fields.iter_mut().chain(request_fields) {
        scrub_field(field, secrets);
    }
    if let Some(RequestRecord { url, .. }) = &mut entry.request {
        hide(url, secrets);
    }
    if let Some(AnswerRecord { body, .. }) = &mut entry.answer {
        *body = masked_body(body, secrets);
    }
    if let Some(error) = &mut entry.error {
        hide(error, secrets);
    }
    hide(&mut entry.title, secrets);
}

fn scrub_field(field: &mut Field, secrets: &Secrets) {
    if field.secret && !is_masked(&field.value) {
        field.value = match field.value.strip_prefix("Bearer ") {
            Some(token) => format!("Bearer {}", mask(token)),
            None => mask(&field.value),
        };
    }
    hide(&mut field.value, secrets);
    if let Some(note) = &mut field.note {
        hide(note, secrets);
    }
}

/// An answer body with its secrets masked. JSON is masked on its parsed value and stored
/// re-serialized (compact), so no escape in the original spelling can hide a token.
///
/// A body that is not JSON is kept as the text it came as and never decoded by the app: it is
/// shown as written. Its secrets are masked by name if it is form-encoded, and every known
/// secret is found in it as written, percent-encoded (a form or a URL) or JSON-escaped (a JSON
/// fragment in a text or HTML error page): the spellings a server has a reason to use for a
/// token, whose characters are URL-safe and need no other escape.
pub fn masked_body(body: &str, secrets: &Secrets) -> String {
    match json::parse_any_number(body) {
        Ok(mut value) => {
            mask_value(&mut value, secrets);
            value.compact()
        }
        Err(_) => {
            let mut text = masked_form(body);
            hide(&mut text, secrets);
            text
        }
    }
}

/// Masks a parsed answer: the value of every secret member (at any depth) whole, and every
/// known secret inside any other string or key. With no known secrets, this is the masking of
/// a live session's answer on screen.
pub fn mask_value(value: &mut Value, secrets: &Secrets) {
    match value {
        Value::String(s) => hide(s, secrets),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_value(v, secrets)),
        Value::Object(members) => {
            for (key, v) in members.iter_mut() {
                let text = match v {
                    Value::String(s) | Value::Number(s) if is_secret(key) => Some(s),
                    _ => None,
                };
                match text {
                    Some(s) if !is_mask(s) => *v = Value::String(mask(s)),
                    Some(_) => {}
                    None => mask_value(v, secrets),
                }
                hide(key, secrets);
            }
        }
        _ => {}
    }
}

/// Replaces every known secret in `text` by its mask.
fn hide(text: &mut String, secrets: &Secrets) {
    for secret in &secrets.0 {
        if text.contains(secret.as_str()) {
            *text = text.replace(secret.as_str(), &mask(secret));
        }
        // Other spellings only where an escape or a cut could be (a cheap test for the
        // common text).
        if text.contains(['%', '\\', '…']) || (secret.contains(' ') && text.contains('+')) {
            *text = replace_spelled(text, secret);
        }
    }
}

/// `text` with each spelling of `secret` replaced by its mask; a text that ends (or shows `…`,
/// as a shortened quote does) after at least [`MIN_SECRET_LEN`] bytes of it counts too.
fn replace_spelled(text: &str, secret: &str) -> String {
    let t = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut done, mut at) = (0, 0);
    while at < t.len() {
        if text.is_char_boundary(at) {
            if let Some(end) = spelled_at(t, at, secret.as_bytes()) {
                out.push_str(&text[done..at]);
                out.push_str(&mask(secret));
                (done, at) = (end, end);
                continue;
            }
        }
        at += 1;
    }
    out.push_str(&text[done..]);
    out
}

/// Where a spelling of `secret` that starts at `at` in `t` ends, if one does. Each next part of
/// the secret may be written as it is, as `%XX` bytes, or as a JSON escape (`\/`, `\u002e`, a
/// surrogate pair); `+` stands for a space. An escape is preferred when it fits (a secret that
/// holds `%41` as it is was found by the plain search before).
fn spelled_at(t: &[u8], at: usize, secret: &[u8]) -> Option<usize> {
    let (mut p, mut k) = (at, 0);
    while k < secret.len() {
        let rest = &secret[k..];
        if p == t.len() || t[p..].starts_with("…".as_bytes()) {
            return (k >= MIN_SECRET_LEN).then_some(p);
        }
        if let Some((bytes, n, len)) = escape(&t[p..]) {
            if rest.starts_with(&bytes[..n]) {
                (p, k) = (p + len, k + n);
                continue;
            }
        }
        if t[p] != rest[0] {
            return None;
        }
        (p, k) = (p + 1, k + 1);
    }
    Some(p)
}

/// The bytes an escape at the start of `t` stands for: (bytes, how many, its length in `t`).
fn escape(t: &[u8]) -> Option<([u8; 4], usize, usize)> {
    let hex = |s: &[u8]| -> Option<u32> {
        s.iter()
            .try_fold(0, |n, b| Some(n * 16 + (*b as char).to_digit(16)?))
    };
    let byte = |b: u8| Some(([b, 0, 0, 0], 1, 2));
    match t {
        [b'%', a, b, ..] => Some(([hex(&[*a, *b])? as u8, 0, 0, 0], 1, 3)),
        [b'+', ..] => Some(([b' ', 0, 0, 0], 1, 1)),
        [b'\\', b'u', ..] => {
            let unit = hex(t.get(2..6)?)?;
            let (c, len) = match unit {
                0xD800..=0xDBFF => {
                    let low = t.get(6..12).filter(|s| s.starts_with(b"\\u"))?;
                    let low = hex(&low[2..]).filter(|l| (0xDC00..=0xDFFF).contains(l))?;
                    (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
                }
                c => (c, 6),
            };
            let mut bytes = [0; 4];
            let n = char::from_u32(c)?.encode_utf8(&mut bytes).len();
            Some((bytes, n, len))
        }
        [b'\\', e, ..] => match e {
            b'"' | b'\\' | b'/' => byte(*e),
            b'b' => byte(8),
            b'f' => byte(12),
            b'n' => byte(b'\n'),
            b'r' => byte(b'\r'),
            b't' => byte(b'\t'),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests;
