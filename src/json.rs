//! JSON (RFC 8259), parsed and printed by the app itself: serde and serde_json cost the wasm
//! about 24 KB brotli (measured) for the few small shapes the app reads and writes.
//!
//! Numbers are kept as their source text and read on demand ([`number`]), so neither core's
//! float parser nor its float printer (each links ~10 KB of tables) is needed. Objects keep
//! their members in source order; a repeated key keeps its first place and its last value
//! (serde_json's `Value` keeps the last value too).
pub mod number;
mod parse;

pub use parse::{parse, parse_any_number, Error, MAX_DEPTH};

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as its JSON text, e.g. `3600` or `-1.5e3` (see [`Value::as_f64`] and friends).
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// Members in order, keys unique.
    Object(Vec<(String, Value)>),
}

/// An object from its members, in this order (keys must be unique).
pub fn object<const N: usize>(mut members: [(&str, Value); N]) -> Value {
    object_of(&mut members)
}

/// [`object`]'s work, not generic over the number of members (the values are taken).
fn object_of(members: &mut [(&str, Value)]) -> Value {
    Value::Object(
        members
            .iter_mut()
            .map(|(k, v)| (k.to_string(), std::mem::replace(v, Value::Null)))
            .collect(),
    )
}

impl Value {
    /// The member `key` of an object (None for a missing key or a non-object).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number's text, if this is a number.
    pub fn as_number(&self) -> Option<&str> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A number written as an integer (`42`, not `42.0` nor `4.2e1`) that fits an i64.
    pub fn as_i64(&self) -> Option<i64> {
        // serde_json reads `-0` as a float; so does this.
        self.as_number()
            .filter(|n| *n != "-0")
            .and_then(|n| n.parse().ok())
    }

    /// A number written as an integer that fits a u64.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(|n| n.parse().ok())
    }

    /// Any number, as the nearest float (see [`number::to_f64`]).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(number::to_f64)
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Vec<(String, Value)>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Vec<(String, Value)>> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Member `key`, read with `read`: what a hand-written `from_value` needs for a required
    /// field. Missing, null or of another type is an error naming the member.
    pub fn req<'a, T>(
        &'a self,
        key: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<T, String> {
        match self.get(key) {
            None => Err(member_error(key, "is missing")),
            Some(v) => read(v).ok_or_else(|| member_error(key, "has the wrong type")),
        }
    }

    /// Member `key`, read with `read`, for an optional field: missing or null is None, another
    /// type is an error naming the member.
    pub fn opt<'a, T>(
        &'a self,
        key: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => read(v)
                .map(Some)
                .ok_or_else(|| member_error(key, "has the wrong type")),
        }
    }

    /// Compact JSON text, as `serde_json::to_string` writes it.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write(None, &mut out);
        out
    }

    /// Indented JSON text, as `serde_json::to_string_pretty` writes it (two spaces,
    /// `"key": value`, empty arrays and objects as `[]` and `{}`).
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(Some(0), &mut out);
        out
    }

    /// Writes the value; `indent` is the depth when pretty-printing, None for compact text.
    fn write(&self, indent: Option<usize>, out: &mut String) {
        let newline = |out: &mut String, depth: usize| {
            out.push('\n');
            out.extend(std::iter::repeat_n("  ", depth));
        };
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_string(s, out),
            Value::Array(items) if items.is_empty() => out.push_str("[]"),
            Value::Object(members) if members.is_empty() => out.push_str("{}"),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if let Some(depth) = indent {
                        newline(out, depth + 1);
                    }
                    item.write(indent.map(|d| d + 1), out);
                }
                if let Some(depth) = indent {
                    newline(out, depth);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if let Some(depth) = indent {
                        newline(out, depth + 1);
                    }
                    write_string(key, out);
                    out.push_str(if indent.is_some() { ": " } else { ":" });
                    value.write(indent.map(|d| d + 1), out);
                }
                if let Some(depth) = indent {
                    newline(out, depth);
                }
                out.push('}');
            }
        }
    }
}

/// Why member `key` could not be read (one copy for every `req` and `opt`).
#[inline(never)]
fn member_error(key: &str, what: &str) -> String {
    format!("\"{key}\" {what}")
}

/// A JSON string literal, escaped as serde_json escapes: `"`, `\` and control characters only.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(n.to_string())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Number(n.to_string())
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::from(u64::from(n))
    }
}

impl From<u16> for Value {
    fn from(n: u16) -> Value {
        Value::from(u64::from(n))
    }
}

/// A float as serde_json writes it (`1712345678901.0`); NaN and infinities are null.
impl From<f64> for Value {
    fn from(x: f64) -> Value {
        number::f64_text(x).map_or(Value::Null, Value::Number)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

/// `value["key"]`, as serde_json's: null for a missing key (tests read answers this way).
impl std::ops::Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

#[cfg(test)]
mod tests;
