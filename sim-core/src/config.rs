//! The simulator's settings (lifetimes, latency, preset faults, mount) and the registered OAuth
//! clients. The native host's command line that fills them is `ilert-sim`'s (sim/src/cli.rs).

use std::fmt;

use crate::faults::FaultRule;

/// The client that the app's default `config.json` uses.
pub const DEFAULT_CLIENT_ID: &str = "ilert-pkce-demo";
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:4597/webapp";

/// iLert's app id of the first registered client (the docs' token_info example shows 250);
/// further clients get 251, 252, …
pub const FIRST_APP_ID: u64 = 250;

/// A registered OAuth client with one exact redirect URI: a public app (a browser app,
/// PKCE, no secret) or, with a `secret`, a confidential one (a backend app).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub redirect_uri: String,
    /// `scheme://host[:port]` of the redirect URI: the only origin CORS lets in for it.
    pub origin: String,
    pub app_id: u64,
    /// Set for a confidential client: it must present it at the token endpoint.
    pub secret: Option<ClientSecret>,
}

impl Client {
    pub fn new(id: &str, redirect_uri: &str, app_id: u64) -> Result<Self, String> {
        if id.is_empty() {
            return Err("client id must not be empty".into());
        }
        let origin = origin_of(redirect_uri)?;
        Ok(Client {
            id: id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            origin,
            app_id,
            secret: None,
        })
    }

    /// The same client, confidential with `secret`.
    pub fn with_secret(mut self, secret: &str) -> Result<Self, String> {
        self.secret = Some(ClientSecret::new(secret)?);
        Ok(self)
    }

    /// A backend app, which authenticates with its secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }
}

/// A confidential client's secret, kept as its SHA-256 only: neither memory nor a snapshot
/// holds the secret itself. It never shows in `Debug` output, and it is compared in
/// constant time.
#[derive(Clone)]
pub struct ClientSecret([u8; 32]);

impl ClientSecret {
    /// RFC 6749 Appendix A.2: `client-secret = *VSCHAR` (printable ASCII and space); an
    /// empty one would be no secret at all (a form field sent empty counts as omitted).
    /// The error never quotes the secret.
    pub fn new(secret: &str) -> Result<Self, String> {
        if secret.is_empty() {
            return Err("a client secret must not be empty".into());
        }
        if !secret.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err("a client secret must be printable ASCII (RFC 6749 VSCHAR)".into());
        }
        Ok(ClientSecret(Self::digest(secret)))
    }

    fn digest(secret: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(secret.as_bytes()).into()
    }

    /// Whether `presented` is the secret. It is hashed first and the hashes compared in
    /// constant time, so that neither the position of the first difference nor the secret's
    /// length shows in the time taken.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&Self::digest(presented)).into()
    }

    /// The SHA-256 as hex, for a snapshot.
    pub(crate) fn hash_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The secret of a snapshot (see [`ClientSecret::hash_hex`]).
    pub(crate) fn from_hash_hex(hex: &str) -> Result<Self, String> {
        let bad = || "a saved client secret must be 64 hex digits (its SHA-256)".to_string();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut hash = [0u8; 32];
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(ClientSecret(hash))
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

impl PartialEq for ClientSecret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for ClientSecret {}

/// The simulator's behaviour, whatever its host. `Default` equals the native flags' defaults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub access_ttl: u64,
    pub refresh_ttl: u64,
    pub code_ttl: u64,
    pub latency_ms: u64,
    pub clients: Vec<Client>,
    /// Fault rules in force from the start, as if posted to `/_sim/faults` in this order
    /// (see [`crate::faults`]); the server panics at start on one that does not check.
    pub faults: Vec<FaultRule>,
    /// The path the simulator is mounted under, e.g. `/_sim` or `/app/_sim` in a Service
    /// Worker; empty (the default) when it has its origin's root, as the native one has.
    /// The core strips it from every request's path (a request outside it gets 404) and puts
    /// it in front of every URL it generates (form actions, the paths its pages show).
    /// No trailing `/`.
    pub mount: String,
    /// Whether a refresh answers with a new refresh token and retires the one it spent
    /// (rotation), or answers without one and the same refresh token goes on working.
    /// iLert's docs do not say; see docs/ilert-api.md for the default.
    pub rotate_refresh: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            access_ttl: 3600,
            refresh_ttl: 31_536_000,
            code_ttl: 120,
            latency_ms: 0,
            clients: vec![
                Client::new(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, FIRST_APP_ID)
                    .expect("the default client is valid"),
            ],
            faults: Vec::new(),
            mount: String::new(),
            rotate_refresh: true,
        }
    }
}

impl SimConfig {
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// The distinct origins of the registered redirect URIs (the CORS allow-list).
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for c in &self.clients {
            if !origins.contains(&c.origin) {
                origins.push(c.origin.clone());
            }
        }
        origins
    }
}

/// The web origin (`scheme://host[:port]`, default port left out) of an absolute http(s) URI.
/// Redirect URIs with a fragment or user info are refused, as RFC 6749 §3.1.2 wants.
pub fn origin_of(uri: &str) -> Result<String, String> {
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| format!("redirect URI {uri:?} is not absolute"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("redirect URI {uri:?} must be http or https"));
    }
    if !uri.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "redirect URI {uri:?} must be printable ASCII without spaces"
        ));
    }
    if uri.contains('#') {
        return Err(format!("redirect URI {uri:?} must not have a fragment"));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(format!(
            "redirect URI {uri:?} needs a host and no user info"
        ));
    }
    let mut authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "http" { ":80" } else { ":443" };
    if authority.ends_with(default_port) {
        authority.truncate(authority.len() - default_port.len());
    }
    Ok(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole_and_in_constant_time() {
        let s = ClientSecret::new("s3cret").unwrap();
        assert!(s.matches("s3cret"));
        for other in ["", "s3cre", "s3cret ", "S3cret", "s3cret\0"] {
            assert!(!s.matches(other), "{other:?}");
        }
        assert!(ClientSecret::new("").is_err());
        assert!(ClientSecret::new("tab\there").is_err());
        assert!(ClientSecret::new("space and ~ are VSCHAR").is_ok());
        // Only the hash is kept, and it goes back and forth through a snapshot's hex.
        assert!(!s.hash_hex().contains("s3cret"));
        let back = ClientSecret::from_hash_hex(&s.hash_hex()).unwrap();
        assert!(back.matches("s3cret") && back == s);
        assert!(ClientSecret::from_hash_hex("s3cret").is_err());
        assert!(ClientSecret::from_hash_hex(&"g".repeat(64)).is_err());
    }
}
