//! Pending sign-in attempts: what Connect remembers (state → verifier, …) until the callback
//! comes back. Storage-agnostic: the browser glue keeps the JSON of a [`PendingStore`] under
//! one sessionStorage key, and takes the attempt out before its first await (single use).

use super::request::Endpoints;
use super::secret::Secret;
use crate::json::{self, Value};

/// How long a sign-in attempt stays valid: 10 minutes.
pub const MAX_AGE_MS: f64 = 600_000.0;

/// How many attempts are kept (the newest ones), e.g. when Connect is clicked repeatedly.
pub const MAX_ATTEMPTS: usize = 5;

/// One sign-in attempt started with Connect, waiting for its callback.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAttempt {
    /// The `state` sent to the authorize endpoint.
    pub state: String,
    /// The PKCE code verifier (secret; never leaves this tab except to the token endpoint).
    pub verifier: Secret,
    /// The S256 challenge sent to the authorize endpoint (for display).
    pub challenge: String,
    /// The redirect URI sent at authorize; the token request must send the same.
    pub redirect_uri: String,
    /// The client id and every endpoint the sign-in and its session will use, as they were
    /// when Connect started it: settings changed meanwhile cannot redirect the code.
    pub endpoints: Endpoints,
    /// The issuer a callback's `iss` (RFC 9207) must equal, if it carries one.
    pub issuer: Option<String>,
    /// When the attempt started, in ms since the epoch (`Date.now()`).
    pub created_at_ms: f64,
}

impl PendingAttempt {
    /// How old the attempt is at `now_ms` (0 if the clock went backwards).
    pub fn age_ms(&self, now_ms: f64) -> f64 {
        (now_ms - self.created_at_ms).max(0.0)
    }

    /// Whether the attempt is too old to be used at `now_ms` (or its timestamp is unusable).
    pub fn is_expired(&self, now_ms: f64) -> bool {
        !self.created_at_ms.is_finite() || self.age_ms(now_ms) > MAX_AGE_MS
    }

    fn to_value(&self) -> Value {
        json::object([
            ("state", self.state.as_str().into()),
            ("verifier", self.verifier.expose().into()),
            ("challenge", self.challenge.as_str().into()),
            ("redirect_uri", self.redirect_uri.as_str().into()),
            ("endpoints", self.endpoints.to_value()),
            ("issuer", self.issuer.clone().into()),
            ("created_at_ms", self.created_at_ms.into()),
        ])
    }

    fn from_value(v: &Value) -> Result<PendingAttempt, String> {
        let text = |key| v.req(key, Value::as_str).map(str::to_string);
        Ok(PendingAttempt {
            state: text("state")?,
            verifier: text("verifier")?.into(),
            challenge: text("challenge")?,
            redirect_uri: text("redirect_uri")?,
            endpoints: Endpoints::from_value(v.req("endpoints", Some)?)?,
            issuer: v.opt("issuer", Value::as_str)?.map(str::to_string),
            created_at_ms: v.req("created_at_ms", Value::as_f64)?,
        })
    }
}

/// All pending attempts of this tab.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PendingStore {
    /// The attempts, oldest first.
    pub attempts: Vec<PendingAttempt>,
}

/// Why a callback's state cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// The callback carried no state.
    #[error("This sign-in answer carries no state, so it cannot be matched to a sign-in started in this tab. No token was requested. Start again with Connect.")]
    Missing,
    /// No pending attempt has this state (another tab, a reload after use, or a forged link).
    #[error("This sign-in answer does not belong to a sign-in started in this tab, or it was already used. No token was requested. Start again with Connect.")]
    Unknown,
    /// The attempt is older than [`MAX_AGE_MS`].
    #[error("This sign-in answer came {age_secs} s after the sign-in started; an attempt is valid for 10 minutes. No token was requested. Start again with Connect.")]
    Expired {
        /// How old the attempt was, in seconds.
        age_secs: u64,
    },
}

/// Compares two strings in time that depends only on their lengths.
fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl PendingStore {
    /// Reads the stored JSON (`{"attempts":[…]}`); absent or corrupt storage (one unreadable
    /// attempt included) is an empty store.
    pub fn from_json(s: Option<&str>) -> Self {
        let read = |v: &Value| -> Result<PendingStore, String> {
            let attempts = match v.opt("attempts", Value::as_array)? {
                None if v.is_object() => Vec::new(),
                None => return Err("not an object".into()),
                Some(list) => {
                    let mut out = Vec::new();
                    for a in list {
                        out.push(PendingAttempt::from_value(a)?);
                    }
                    out
                }
            };
            Ok(PendingStore { attempts })
        };
        s.and_then(|s| json::parse(s).ok())
            .and_then(|v| read(&v).ok())
            .unwrap_or_default()
    }

    /// The JSON to store.
    pub fn to_json(&self) -> String {
        let attempts = self.attempts.iter().map(PendingAttempt::to_value).collect();
        json::object([("attempts", Value::Array(attempts))]).compact()
    }

    /// Adds an attempt: drops expired ones and any with the same state, keeps the newest [`MAX_ATTEMPTS`].
    pub fn insert(&mut self, a: PendingAttempt, now_ms: f64) {
        self.prune(now_ms);
        self.attempts.retain(|x| x.state != a.state);
        self.attempts.push(a);
        while self.attempts.len() > MAX_ATTEMPTS {
            let oldest = self
                .attempts
                .iter()
                .enumerate()
                .min_by(|(_, x), (_, y)| x.created_at_ms.total_cmp(&y.created_at_ms))
                .map(|(i, _)| i)
                .unwrap_or(0);
            self.attempts.remove(oldest);
        }
    }

    /// Takes the attempt for `state` out of the store (single use: it is removed even when
    /// expired), then drops other expired attempts.
    pub fn take(&mut self, state: &str, now_ms: f64) -> Result<PendingAttempt, StateError> {
        if state.is_empty() {
            return Err(StateError::Missing);
        }
        let mut found = None;
        for (i, a) in self.attempts.iter().enumerate() {
            if ct_eq(&a.state, state) {
                found = Some(i);
            }
        }
        let Some(i) = found else {
            self.prune(now_ms);
            return Err(StateError::Unknown);
        };
        let attempt = self.attempts.remove(i);
        self.prune(now_ms);
        if attempt.is_expired(now_ms) {
            let age = attempt.age_ms(now_ms);
            let age_secs = if age.is_finite() {
                (age / 1000.0) as u64
            } else {
                u64::MAX
            };
            return Err(StateError::Expired { age_secs });
        }
        Ok(attempt)
    }

    /// Drops expired attempts; returns how many were dropped.
    pub fn prune(&mut self, now_ms: f64) -> usize {
        let before = self.attempts.len();
        self.attempts.retain(|a| !a.is_expired(now_ms));
        before - self.attempts.len()
    }

    /// Whether there are no pending attempts.
    pub fn is_empty(&self) -> bool {
        self.attempts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debug_print_shows_no_verifier() {
        let printed = format!("{:?}", attempt("s", T0));
        assert!(!printed.contains("verifier-s"), "{printed}");
        assert!(printed.contains("[redacted]"), "{printed}");
    }

    fn attempt(state: &str, at: f64) -> PendingAttempt {
        PendingAttempt {
            state: state.into(),
            verifier: format!("verifier-{state}").into(),
            challenge: format!("challenge-{state}"),
            redirect_uri: "http://localhost:4597/webapp".into(),
            endpoints: Endpoints {
                client_id: "demo".into(),
                token: "http://127.0.0.1:4598/api/developers/oauth2/token".into(),
                token_info: "http://127.0.0.1:4598/api/developers/oauth2/token_info".into(),
                revoke: "http://127.0.0.1:4598/api/developers/oauth2/revoke".into(),
                user: "http://127.0.0.1:4598/api/users/current".into(),
            },
            issuer: Some("http://127.0.0.1:4598".into()),
            created_at_ms: at,
        }
    }

    const T0: f64 = 1_700_000_000_000.0;

    #[test]
    fn insert_and_take_once() {
        let mut s = PendingStore::default();
        s.insert(attempt("a", T0), T0);
        s.insert(attempt("b", T0 + 1.0), T0 + 1.0);
        let got = s.take("a", T0 + 60_000.0).unwrap();
        assert_eq!(got, attempt("a", T0));
        assert_eq!(s.take("a", T0 + 60_000.0), Err(StateError::Unknown));
        assert_eq!(s.attempts.len(), 1);
        assert_eq!(
            s.take("b", T0 + 2.0).unwrap().verifier.expose(),
            "verifier-b"
        );
        assert!(s.is_empty());
    }

    #[test]
    fn missing_and_unknown_state() {
        let mut s = PendingStore::default();
        s.insert(attempt("a", T0), T0);
        assert_eq!(s.take("", T0), Err(StateError::Missing));
        assert_eq!(s.take("nope", T0), Err(StateError::Unknown));
        assert_eq!(s.take("A", T0), Err(StateError::Unknown));
        assert_eq!(s.take("a ", T0), Err(StateError::Unknown));
        assert_eq!(
            s.attempts.len(),
            1,
            "a wrong state must not consume other attempts"
        );
        assert!(StateError::Unknown
            .to_string()
            .contains("does not belong to a sign-in started in this tab"));
    }

    #[test]
    fn expired_attempt_is_removed_and_reported() {
        let mut s = PendingStore::default();
        s.insert(attempt("a", T0), T0);
        // Exactly at the limit it is still valid.
        let mut s2 = s.clone();
        assert!(s2.take("a", T0 + MAX_AGE_MS).is_ok());
        assert_eq!(
            s.take("a", T0 + MAX_AGE_MS + 1_000.0),
            Err(StateError::Expired { age_secs: 601 })
        );
        assert!(s.is_empty());
        assert_eq!(
            s.take("a", T0 + MAX_AGE_MS + 1_000.0),
            Err(StateError::Unknown)
        );
        assert!(StateError::Expired { age_secs: 601 }
            .to_string()
            .contains("601 s"));
    }

    #[test]
    fn clock_going_backwards_is_not_expiry() {
        let mut s = PendingStore::default();
        s.insert(attempt("a", T0), T0);
        assert!(s.take("a", T0 - 5_000.0).is_ok());
    }

    #[test]
    fn insert_prunes_dedupes_and_caps() {
        let mut s = PendingStore::default();
        s.insert(attempt("old", T0), T0);
        for i in 0..7 {
            let at = T0 + MAX_AGE_MS + 1.0 + i as f64;
            s.insert(attempt(&format!("s{i}"), at), at);
        }
        let states: Vec<_> = s.attempts.iter().map(|a| a.state.as_str()).collect();
        assert_eq!(states, ["s2", "s3", "s4", "s5", "s6"]);
        // Same state again replaces the old entry.
        let at = T0 + MAX_AGE_MS + 10.0;
        s.insert(attempt("s4", at), at);
        assert_eq!(s.attempts.len(), 5);
        assert_eq!(s.attempts.iter().filter(|a| a.state == "s4").count(), 1);
        assert_eq!(s.attempts.last().unwrap().created_at_ms, at);
    }

    #[test]
    fn prune_counts() {
        let mut s = PendingStore::default();
        s.insert(attempt("a", T0), T0);
        s.insert(attempt("b", T0 + 100_000.0), T0 + 100_000.0);
        s.attempts.push(attempt("nan", f64::NAN));
        assert_eq!(s.prune(T0 + MAX_AGE_MS + 1.0), 2);
        assert_eq!(s.attempts.len(), 1);
        assert_eq!(s.prune(T0 + MAX_AGE_MS + 1.0), 0);
    }

    #[test]
    fn json_round_trip_and_corruption() {
        let mut s = PendingStore::default();
        s.insert(attempt("a", T0), T0);
        let json = s.to_json();
        assert_eq!(PendingStore::from_json(Some(&json)), s);
        assert_eq!(PendingStore::from_json(None), PendingStore::default());
        assert_eq!(PendingStore::from_json(Some("")), PendingStore::default());
        assert_eq!(
            PendingStore::from_json(Some("{not json")),
            PendingStore::default()
        );
        assert_eq!(
            PendingStore::from_json(Some("[1,2]")),
            PendingStore::default()
        );
        assert_eq!(
            PendingStore::from_json(Some(r#"{"attempts":[{"state":"x"}]}"#)),
            PendingStore::default()
        );
        assert_eq!(PendingStore::from_json(Some("{}")), PendingStore::default());
        assert_eq!(PendingStore::default().to_json(), r#"{"attempts":[]}"#);
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(!ct_eq("abc", "ab"));
        assert!(ct_eq("", ""));
    }
}
