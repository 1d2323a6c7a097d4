//! ilert-sim's logic, without a server: behaves like iLert's OAuth2 API, strictly, for the
//! native `ilert-sim` (axum) and a browser build (a Service Worker) alike.
//!
//! Endpoints (as on iLert):
//! - `GET  /api/developers/oauth2/authorize`: validation, then a consent page with demo users
//! - `POST /api/developers/oauth2/authorize`: the consent form's answer (code or access_denied)
//! - `POST /api/developers/oauth2/token`: `authorization_code` (PKCE S256, or a client secret
//!   for a confidential client, see [`client_auth`]) and `refresh_token`
//! - `POST /api/developers/oauth2/token_info`, `POST /api/developers/oauth2/revoke`
//! - `GET  /api/users/current`
//!
//! Simulator-only test hooks live under `/_sim/` (see [`hooks`]), fault injection among them
//! (see [`faults`]).
//!
//! The core owns no clock, no randomness and no sockets: the host passes the time with every
//! request, supplies an [`Entropy`], and carries out the [`Step`] it gets back (sleep, then
//! [`Sim::resume`]; hang; reset the connection).

// The modules are private: the hosts (sim/, sim-sw/) and the tests use the front below.
mod api;
mod authorize;
mod client_auth;
mod config;
mod cors;
mod errors;
mod faults;
mod guard;
mod hooks;
mod http;
mod jwt;
mod mask;
mod pages;
mod params;
mod pkce;
mod random;
mod rest;
mod router;
mod scopes;
mod snapshot;
mod store;
mod time;
mod token;
mod users;

pub use config::{Client, ClientSecret, SimConfig, FIRST_APP_ID};
pub use faults::{FaultRule, Faults, HANG_LIMIT_MS};
pub use guard::{host_refusal, HOOK_HEADER};
pub use hooks::client_json;
pub use http::{Request, Response};
pub use jwt::{AccessClaims, Keys, RefreshClaims, DEMO_PUBLIC_KEY_PEM};
pub use mask::masked;
pub use random::{Entropy, OsEntropy, SeededEntropy};
pub use router::{delayed, Resume, Step};
pub use time::rfc3339;

/// One simulator: its settings, keys, fault rules and memory.
pub struct Sim {
    pub(crate) config: SimConfig,
    pub(crate) keys: jwt::Keys,
    pub(crate) faults: faults::Faults,
    pub(crate) store: store::Store,
    /// The REST API's data, seeded on its first call (see [`rest`]).
    pub(crate) api_data: Option<rest::Data>,
    pub(crate) rng: Box<dyn Entropy>,
}

impl Sim {
    /// Panics if a preset fault rule of `config.faults` does not check.
    pub fn new(config: SimConfig, mut rng: Box<dyn Entropy>) -> Sim {
        Sim {
            faults: faults::Faults::new(&config.faults),
            keys: jwt::Keys::new(&mut *rng),
            config,
            store: store::Store::default(),
            api_data: None,
            rng,
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// The fault rules in force.
    pub fn faults(&self) -> &faults::Faults {
        &self.faults
    }

    /// Changes whenever every hanging request must end (`DELETE /_sim/faults`): a host
    /// holding [`Step::Hang`]s compares it after each call.
    pub fn hang_epoch(&self) -> u64 {
        self.faults.hang_epoch()
    }

    /// Registers a client while the simulator runs (`POST /_sim/clients` does this):
    /// confidential with `secret`, public without. A client of the same id is replaced
    /// (say, to change its secret), keeping its app id; a new one gets the next app id.
    /// Snapshots keep it. Gives the client and whether it replaced one.
    pub fn register_client(
        &mut self,
        id: &str,
        redirect_uri: &str,
        secret: Option<&str>,
    ) -> Result<(Client, bool), String> {
        let existing = self.config.client(id).map(|c| c.app_id);
        let app_id = existing.unwrap_or_else(|| {
            let last = self.config.clients.iter().map(|c| c.app_id).max();
            last.map_or(config::FIRST_APP_ID, |a| a + 1)
        });
        let mut client = Client::new(id, redirect_uri, app_id)?;
        if let Some(secret) = secret {
            client = client.with_secret(secret)?;
        }
        self.store.remember_client(&client);
        put_client(&mut self.config, client.clone());
        Ok((client, existing.is_some()))
    }

    /// Takes a request that arrived at `now_ms` (milliseconds since the Unix epoch).
    pub fn handle(&mut self, req: Request, now_ms: u64) -> Step {
        router::handle(self, req, now_ms)
    }

    /// Goes on with a request after the wait of a [`Step::Wait`].
    pub fn resume(&mut self, next: Resume, now_ms: u64) -> Step {
        router::resume(self, next, now_ms)
    }

    /// Runs a request to its end, skipping waits: for tests and hosts without timers.
    pub fn handle_now(&mut self, req: Request, now_ms: u64) -> Step {
        let mut step = self.handle(req, now_ms);
        while let Step::Wait { then, .. } = step {
            step = self.resume(then, now_ms);
        }
        step
    }
}

/// Adds `client` to the settings, in place of one of the same id.
pub(crate) fn put_client(config: &mut SimConfig, client: Client) {
    match config.clients.iter_mut().find(|c| c.id == client.id) {
        Some(c) => *c = client,
        None => config.clients.push(client),
    }
}
