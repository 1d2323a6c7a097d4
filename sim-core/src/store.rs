//! The simulator's memory: pending consent requests, codes, grants, refresh tokens, the
//! access-token revocation list, counters and the request log. Serialisable whole, so a
//! host can keep it across restarts (a browser's IndexedDB).
//!
//! Nothing in it works as a secret: codes and refresh tokens are kept under their SHA-256
//! ([`mask::store_key`]), a spent code forgets its challenge, a revoked or rotated refresh
//! token leaves at once, and [`Store::prune`] drops what expired, then the grants nothing
//! refers to any more. Registered client secrets are kept as their SHA-256.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::config::{Client, ClientSecret};
use crate::faults::{Endpoint, GrantType};
use crate::mask;

/// At most this many live refresh tokens per (user, client); the oldest goes first.
pub const MAX_REFRESH_TOKENS: usize = 10;
/// Entries the request log keeps per endpoint.
pub const REQUEST_LOG_LEN: usize = 50;
/// How long a consent page stays answerable.
pub const PENDING_TTL_MS: u64 = 10 * 60 * 1000;
/// How long a code is remembered after it expired (spent or not), so that its late use is
/// answered "expired" and its replay still revokes what it gave, for a while.
pub const CODE_KEPT_MS: u64 = 60 * 1000;

/// An authorize request shown on a consent page and waiting for the user's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    /// `None` when a confidential client asked without PKCE. (Older snapshots hold a plain
    /// string here, which reads as `Some`.)
    pub code_challenge: Option<String>,
    pub created_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub username: String,
    pub scope: String,
    /// As in [`Pending`]: `None` for a confidential client's code without PKCE. Forgotten
    /// once the code is used.
    pub code_challenge: Option<String>,
    pub expires_ms: u64,
    pub used: bool,
    /// The grant its tokens belong to, once it was exchanged: revoked if the code is replayed.
    pub grant: Option<u64>,
}

/// One user's consent to one client, from a code exchange; refreshes stay in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Grant {
    pub client_id: String,
    pub username: String,
    pub scope: String,
    /// Set when the grant is revoked as a whole (code replay): its access tokens die too.
    pub access_revoked: bool,
    /// Begun by a confidential client on PKCE alone, without its secret (see
    /// `token::exchange`): its refreshes and revocations need no secret either.
    #[serde(default)]
    pub pkce_only: bool,
}

/// A live refresh token (a revoked or rotated one is not kept).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refresh {
    pub grant: u64,
    pub client_id: String,
    pub username: String,
    pub exp: u64,
    pub seq: u64,
}

/// An access token issued (by `jti`), kept until it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Access {
    pub grant: u64,
    pub revoked: bool,
    /// Seconds since the epoch, as in the token.
    pub exp: u64,
}

pub enum CodeUse {
    Unknown,
    /// The code was presented before; carries the grant issued from it, if any.
    Replayed(Option<u64>),
    Fresh(Code),
}

/// Counters read by `GET /_sim/stats`.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Stats {
    pub token_requests: u64,
    pub authorization_code_grants: u64,
    pub refresh_grants: u64,
    pub revocations: u64,
    pub token_info_requests: u64,
    pub user_requests: u64,
    /// Calls of the REST API's collections ([`crate::rest`]).
    #[serde(default)]
    pub api_requests: u64,
    pub failed_token_requests: u64,
    pub authorize_requests: u64,
    pub consent_answers: u64,
    /// Every request that reached an endpoint, including those a fault rule answered (the
    /// counters above only see requests the endpoint itself processed).
    pub received: PerEndpoint,
    /// The token requests of `received.token` by their `grant_type` (sent once, either value).
    pub received_by_grant: PerGrant,
    /// The requests of `received` that a fault rule ([`crate::faults`]) applied to.
    pub faulted: PerEndpoint,
}

/// One counter per endpoint a fault rule can name.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct PerEndpoint {
    pub token: u64,
    pub token_info: u64,
    pub revoke: u64,
    /// `GET /api/users/current`.
    pub user: u64,
    /// `GET` and `POST /api/developers/oauth2/authorize`.
    pub authorize: u64,
}

impl PerEndpoint {
    pub fn get_mut(&mut self, endpoint: Endpoint) -> &mut u64 {
        match endpoint {
            Endpoint::Token => &mut self.token,
            Endpoint::TokenInfo => &mut self.token_info,
            Endpoint::Revoke => &mut self.revoke,
            Endpoint::User => &mut self.user,
            Endpoint::Authorize => &mut self.authorize,
        }
    }
}

/// One counter per grant type the token endpoint knows.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct PerGrant {
    pub authorization_code: u64,
    pub refresh_token: u64,
}

impl PerGrant {
    pub fn get_mut(&mut self, grant: GrantType) -> &mut u64 {
        match grant {
            GrantType::AuthorizationCode => &mut self.authorization_code,
            GrantType::RefreshToken => &mut self.refresh_token,
        }
    }
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Store {
    pending: HashMap<String, Pending>,
    /// By [`mask::store_key`] of the code.
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    /// By [`mask::store_key`] of the token's `il_k`.
    refresh: HashMap<String, Refresh>,
    /// Every access token issued and not yet expired, by `jti`.
    access: HashMap<String, Access>,
    next_id: u64,
    pub stats: Stats,
    requests: BTreeMap<String, VecDeque<serde_json::Value>>,
    /// The clients registered at run time (`POST /_sim/clients`), so that a snapshot keeps
    /// them; the host's settings do not have them.
    #[serde(default)]
    clients: Vec<SavedClient>,
}

/// A client registered at run time, as a snapshot keeps it: its secret as its SHA-256 only
/// (see [`ClientSecret`]), never the secret.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedClient {
    pub id: String,
    pub redirect_uri: String,
    pub app_id: u64,
    #[serde(default)]
    pub secret_sha256: Option<String>,
}

impl SavedClient {
    pub fn of(client: &Client) -> SavedClient {
        SavedClient {
            id: client.id.clone(),
            redirect_uri: client.redirect_uri.clone(),
            app_id: client.app_id,
            secret_sha256: client.secret.as_ref().map(ClientSecret::hash_hex),
        }
    }

    pub fn client(&self) -> Result<Client, String> {
        let mut client = Client::new(&self.id, &self.redirect_uri, self.app_id)?;
        if let Some(hash) = &self.secret_sha256 {
            client.secret = Some(ClientSecret::from_hash_hex(hash)?);
        }
        Ok(client)
    }
}

impl Store {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Keeps `p` under `id`, dropping the requests that expired by `now` (ms).
    pub fn add_pending(&mut self, id: String, p: Pending, now: u64) {
        self.pending
            .retain(|_, p| p.created_ms + PENDING_TTL_MS > now);
        self.pending.insert(id, p);
    }

    pub fn pending(&self, id: &str, now: u64) -> Option<&Pending> {
        self.pending
            .get(id)
            .filter(|p| p.created_ms + PENDING_TTL_MS > now)
    }

    pub fn take_pending(&mut self, id: &str) -> Option<Pending> {
        self.pending.remove(id)
    }

    pub fn add_code(&mut self, value: &str, code: Code) {
        self.codes.insert(mask::store_key(value), code);
    }

    /// Looks a code up and marks it used: a code works once, whatever the outcome. A used
    /// code forgets its challenge.
    pub fn use_code(&mut self, value: &str) -> CodeUse {
        match self.codes.get_mut(&mask::store_key(value)) {
            None => CodeUse::Unknown,
            Some(c) if c.used => CodeUse::Replayed(c.grant),
            Some(c) => {
                let fresh = c.clone();
                c.used = true;
                c.code_challenge = None;
                CodeUse::Fresh(fresh)
            }
        }
    }

    /// Whether `value` is an unused code issued for a PKCE challenge (spends nothing).
    pub fn fresh_code_has_challenge(&self, value: &str) -> bool {
        self.codes
            .get(&mask::store_key(value))
            .is_some_and(|c| !c.used && c.code_challenge.is_some())
    }

    pub fn new_grant(
        &mut self,
        code: &str,
        client_id: &str,
        username: &str,
        scope: &str,
        pkce_only: bool,
    ) -> u64 {
        let id = self.next();
        let grant = Grant {
            client_id: client_id.into(),
            username: username.into(),
            scope: scope.into(),
            access_revoked: false,
            pkce_only,
        };
        self.grants.insert(id, grant);
        if let Some(c) = self.codes.get_mut(&mask::store_key(code)) {
            c.grant = Some(id);
        }
        id
    }

    pub fn grant(&self, id: u64) -> Option<&Grant> {
        self.grants.get(&id)
    }

    /// RFC 6749 §4.1.2: a replayed code revokes what was issued from it.
    pub fn revoke_grant(&mut self, id: u64) {
        if let Some(g) = self.grants.get_mut(&id) {
            g.access_revoked = true;
        }
        self.refresh.retain(|_, r| r.grant != id);
    }

    /// Records an access token of `grant` that expires at `exp` (seconds).
    pub fn record_access(&mut self, jti: &str, grant: u64, exp: u64) {
        let access = Access {
            grant,
            revoked: false,
            exp,
        };
        self.access.insert(jti.to_string(), access);
    }

    /// True when this access token, or the grant it came from, was revoked. A token this
    /// store never saw (another simulator run) is judged by its signature alone.
    pub fn access_revoked(&self, jti: &str) -> bool {
        match self.access.get(jti) {
            Some(a) => a.revoked || self.grants.get(&a.grant).is_some_and(|g| g.access_revoked),
            None => false,
        }
    }

    /// The client an access token this store knows was issued to.
    pub fn access_client(&self, jti: &str) -> Option<&str> {
        let a = self.access.get(jti)?;
        self.grants.get(&a.grant).map(|g| g.client_id.as_str())
    }

    pub fn revoke_access(&mut self, jti: &str) {
        if let Some(entry) = self.access.get_mut(jti) {
            entry.revoked = true;
        }
    }

    pub fn revoke_all_access(&mut self) -> usize {
        self.access
            .values_mut()
            .filter(|e| !e.revoked)
            .map(|e| e.revoked = true)
            .count()
    }

    /// Stores a new refresh token (by its `il_k`); when the (user, client) pair then holds
    /// more than [`MAX_REFRESH_TOKENS`] live ones, the oldest is revoked.
    pub fn add_refresh(&mut self, key: &str, grant: u64, exp: u64, now: u64) {
        let Some(g) = self.grants.get(&grant) else {
            return;
        };
        let (client_id, username) = (g.client_id.clone(), g.username.clone());
        let seq = self.next();
        self.refresh.insert(
            mask::store_key(key),
            Refresh {
                grant,
                client_id: client_id.clone(),
                username: username.clone(),
                exp,
                seq,
            },
        );
        let mut live: Vec<(u64, String)> = self
            .refresh
            .iter()
            .filter(|(_, r)| r.exp > now && r.client_id == client_id && r.username == username)
            .map(|(k, r)| (r.seq, k.clone()))
            .collect();
        if live.len() > MAX_REFRESH_TOKENS {
            live.sort();
            for (_, k) in &live[..live.len() - MAX_REFRESH_TOKENS] {
                self.refresh.remove(k);
            }
        }
    }

    /// A refresh token (by its `il_k`) that may be used by `client_id`, or why not. The
    /// caller checked its signature: one this simulator signed and no longer keeps was
    /// revoked (or rotated, or pushed out by newer ones).
    pub fn usable_refresh(&self, key: &str, client_id: &str) -> Result<&Refresh, &'static str> {
        match self.refresh.get(&mask::store_key(key)) {
            None => Err("Provided refresh token has been revoked"),
            Some(r) if r.client_id != client_id => {
                Err("Provided refresh token was issued to another client")
            }
            Some(r) => Ok(r),
        }
    }

    /// Whether the grant of the live refresh token `key` was begun on PKCE alone (a refresh
    /// or revocation of it needs no secret); None for a token this store does not hold.
    pub fn refresh_pkce_only(&self, key: &str) -> Option<bool> {
        let r = self.refresh.get(&mask::store_key(key))?;
        self.grants.get(&r.grant).map(|g| g.pkce_only)
    }

    /// As [`Store::refresh_pkce_only`], for the access token `jti`.
    pub fn access_pkce_only(&self, jti: &str) -> Option<bool> {
        let a = self.access.get(jti)?;
        self.grants.get(&a.grant).map(|g| g.pkce_only)
    }

    pub fn refresh_client(&self, key: &str) -> Option<&str> {
        let r = self.refresh.get(&mask::store_key(key))?;
        Some(r.client_id.as_str())
    }

    /// Revokes a refresh token (by its `il_k`): it leaves the store.
    pub fn revoke_refresh(&mut self, key: &str) {
        self.refresh.remove(&mask::store_key(key));
    }

    pub fn revoke_all_refresh(&mut self) -> usize {
        let n = self.refresh.len();
        self.refresh.clear();
        n
    }

    /// Drops what expired by `now_ms`: consent requests, codes ([`CODE_KEPT_MS`] after their
    /// expiry), refresh and access tokens; then the grants that no token refers to any more.
    pub fn prune(&mut self, now_ms: u64) {
        let now_s = now_ms / 1000;
        self.pending
            .retain(|_, p| p.created_ms + PENDING_TTL_MS > now_ms);
        self.codes
            .retain(|_, c| c.expires_ms.saturating_add(CODE_KEPT_MS) > now_ms);
        self.refresh.retain(|_, r| r.exp > now_s);
        self.access.retain(|_, a| a.exp > now_s);
        let (refresh, access) = (&self.refresh, &self.access);
        self.grants.retain(|id, _| {
            refresh.values().any(|r| r.grant == *id) || access.values().any(|a| a.grant == *id)
        });
    }

    pub fn log_request(&mut self, endpoint: &str, entry: serde_json::Value) {
        let log = self.requests.entry(endpoint.to_string()).or_default();
        if log.len() == REQUEST_LOG_LEN {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub fn requests(&self, endpoint: &str) -> Vec<serde_json::Value> {
        self.requests
            .get(endpoint)
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Keeps a client registered at run time, replacing any of the same id.
    pub fn remember_client(&mut self, client: &Client) {
        let saved = SavedClient::of(client);
        match self.clients.iter_mut().find(|c| c.id == client.id) {
            Some(c) => *c = saved,
            None => self.clients.push(saved),
        }
    }

    /// The clients registered at run time, in the order they were first registered.
    pub fn registered_clients(&self) -> &[SavedClient] {
        &self.clients
    }

    /// Clears the counters and the request log (tokens and grants stay).
    pub fn reset_observations(&mut self) {
        self.stats = Stats::default();
        self.requests.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleventh_refresh_token_revokes_the_oldest() {
        let mut s = Store::default();
        let g = s.new_grant("c", "app", "ada", "profile offline_access", false);
        for i in 0..=MAX_REFRESH_TOKENS {
            s.add_refresh(&format!("k{i}"), g, 100, 1);
        }
        assert_eq!(
            s.usable_refresh("k0", "app").unwrap_err(),
            "Provided refresh token has been revoked"
        );
        for i in 1..=MAX_REFRESH_TOKENS {
            assert!(s.usable_refresh(&format!("k{i}"), "app").is_ok());
        }
        // Another user's tokens are counted apart.
        let g2 = s.new_grant("d", "app", "grace", "offline_access", false);
        s.add_refresh("other", g2, 100, 1);
        assert!(s.usable_refresh("k1", "app").is_ok());
        assert!(s.usable_refresh("other", "elsewhere").is_err());
    }

    #[test]
    fn grant_revocation_reaches_access_and_refresh() {
        let mut s = Store::default();
        let g = s.new_grant("c", "app", "ada", "profile", false);
        s.record_access("j1", g, 100);
        s.add_refresh("k", g, 100, 1);
        assert!(!s.access_revoked("j1"));
        s.revoke_grant(g);
        assert!(s.access_revoked("j1"));
        assert!(s.usable_refresh("k", "app").is_err());
        assert!(!s.access_revoked("never-seen"));
    }
}
