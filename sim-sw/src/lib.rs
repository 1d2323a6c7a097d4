//! The simulator's browser home: [`ilert_sim_core`] behind a wasm-bindgen class that a
//! Service Worker (`worker.js`, built with `wasm-bindgen --target no-modules`) feeds every
//! same-origin request under `<base>_sim/`.
//!
//! The core owns no clock and no timers: the worker passes `Date.now()` with each request and
//! carries out the decision it gets back, an object of one of these shapes:
//! - `{status, headers: [[name, value], …], body: Uint8Array}`: the answer;
//! - `{waitMs, resume}`: sleep `waitMs`, then call [`Simulator::resume`] with `resume`;
//! - `{hang: true}`: never answer (a promise that does not settle);
//! - `{reset: true}`: a network error (`Response.error()`).
//!
//! It has one client of its own, the app's (public, PKCE). A confidential client (a backend
//! app with a secret) is registered by a tester at run time, never built in: a secret
//! shipped to every browser would be the very thing the app's playground warns about. A
//! page does it with `POST <mount>/_sim/clients` (the core's hook; the worker saves the
//! state after it, as after every request), JavaScript in the worker with
//! [`Simulator::register_client`].

use std::collections::HashMap;

use ilert_sim_core::{Client, OsEntropy, Request, Resume, Sim, SimConfig, Step, FIRST_APP_ID};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// The client the app's built-in mode signs in with (as `cargo xtask demo` registers it).
pub const CLIENT_ID: &str = "ilert-pkce-demo";

/// The settings of the simulator for an app at `origin` (`https://host`, no trailing `/`)
/// under `base` (`/` or `/x/`): one client, `ilert-pkce-demo`, whose redirect URI is the
/// app's `<origin><base>webapp`, mounted at `<base>_sim`.
pub fn config_for(origin: &str, base: &str) -> Result<SimConfig, String> {
    if !base.starts_with('/') || !base.ends_with('/') {
        return Err(format!("base {base:?} must start and end with /"));
    }
    let origin = origin.trim_end_matches('/');
    let client = Client::new(CLIENT_ID, &format!("{origin}{base}webapp"), FIRST_APP_ID)?;
    Ok(SimConfig {
        clients: vec![client],
        mount: format!("{base}_sim"),
        ..SimConfig::default()
    })
}

/// One simulator in a Service Worker, with the requests it is waiting to resume.
#[wasm_bindgen]
pub struct Simulator {
    sim: Sim,
    waiting: HashMap<u32, Resume>,
    next_id: u32,
}

#[wasm_bindgen]
impl Simulator {
    /// A simulator for the app at `origin` under `base` (see [`config_for`]) that goes on
    /// from `snapshot` (from [`Simulator::snapshot`]) when there is one it can read, and starts
    /// afresh otherwise (say, a snapshot of an older version).
    #[wasm_bindgen(constructor)]
    pub fn new(origin: &str, base: &str, snapshot: Option<String>) -> Result<Simulator, JsError> {
        let config = config_for(origin, base).map_err(|e| JsError::new(&e))?;
        let restored = snapshot
            .as_deref()
            .and_then(|s| Sim::restore(config.clone(), Box::new(OsEntropy), s).ok());
        let sim = restored.unwrap_or_else(|| Sim::new(config, Box::new(OsEntropy)));
        Ok(Simulator {
            sim,
            waiting: HashMap::new(),
            next_id: 0,
        })
    }

    /// Takes a request (`headers` an array of `[name, value]`) that arrived at `now_ms`;
    /// gives the decision (see the crate's documentation).
    pub fn handle(
        &mut self,
        method: &str,
        path_and_query: &str,
        headers: Array,
        body: Vec<u8>,
        now_ms: f64,
    ) -> Result<Object, JsError> {
        let mut req = Request::new(method, path_and_query).with_body(body);
        for pair in headers.iter() {
            let pair = Array::from(&pair);
            let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                return Err(JsError::new("headers: an array of [name, value] strings"));
            };
            req.headers.push((name, value));
        }
        let step = self.sim.handle(req, now_ms as u64);
        self.decision(step)
    }

    /// Goes on with the request of a `{waitMs, resume}` once the wait has passed.
    pub fn resume(&mut self, resume: u32, now_ms: f64) -> Result<Object, JsError> {
        let next = self
            .waiting
            .remove(&resume)
            .ok_or_else(|| JsError::new("no request waits under this id"))?;
        let step = self.sim.resume(next, now_ms as u64);
        self.decision(step)
    }

    /// Registers a client (confidential with `secret`, public without), or replaces the one of
    /// that id, as `POST <mount>/_sim/clients` does; gives the client as that hook shows it
    /// (never the secret). The worker saves the state only after a request: call
    /// [`Simulator::snapshot`] and keep it yourself, or use the hook, for it to outlive the
    /// worker. The snapshot (IndexedDB) holds the secret: fine for a simulator's test value.
    #[wasm_bindgen(js_name = registerClient)]
    pub fn register_client(
        &mut self,
        id: &str,
        redirect_uri: &str,
        secret: Option<String>,
    ) -> Result<JsValue, JsError> {
        let shown = register(&mut self.sim, id, redirect_uri, secret.as_deref())
            .map_err(|e| JsError::new(&e))?;
        js_sys::JSON::parse(&shown).map_err(|_| JsError::new("the client's JSON"))
    }

    /// Everything the simulator remembers, as JSON text, for IndexedDB.
    pub fn snapshot(&self) -> String {
        self.sim.snapshot()
    }

    /// Changes when every hanging request must end (`DELETE <mount>/_sim/faults`).
    #[wasm_bindgen(getter, js_name = hangEpoch)]
    pub fn hang_epoch(&self) -> f64 {
        self.sim.hang_epoch() as f64
    }

    /// The path the simulator answers under (`<base>_sim`).
    #[wasm_bindgen(getter)]
    pub fn mount(&self) -> String {
        self.sim.config().mount.clone()
    }
}

/// [`Simulator::register_client`] without JavaScript values: the client as JSON text.
pub fn register(
    sim: &mut Sim,
    id: &str,
    redirect_uri: &str,
    secret: Option<&str>,
) -> Result<String, String> {
    let (client, _) = sim.register_client(id, redirect_uri, secret)?;
    Ok(ilert_sim_core::client_json(&client).to_string())
}

impl Simulator {
    fn decision(&mut self, step: Step) -> Result<Object, JsError> {
        let o = Object::new();
        let set = |k: &str, v: &JsValue| Reflect::set(&o, &JsValue::from_str(k), v).map(|_| ());
        let done = match step {
            Step::Answer(r) => {
                let headers: Array = r
                    .headers
                    .iter()
                    .map(|(n, v)| Array::of2(&JsValue::from_str(n), &JsValue::from_str(v)))
                    .collect();
                set("status", &JsValue::from(r.status))
                    .and_then(|_| set("headers", &headers))
                    .and_then(|_| set("body", &Uint8Array::from(r.body.as_slice())))
            }
            Step::Wait { ms, then } => {
                let id = self.next_id;
                self.next_id = self.next_id.wrapping_add(1);
                self.waiting.insert(id, then);
                set("waitMs", &JsValue::from(ms as f64)).and_then(|_| set("resume", &id.into()))
            }
            Step::Hang => set("hang", &JsValue::TRUE),
            Step::Reset => set("reset", &JsValue::TRUE),
        };
        done.map_err(|_| JsError::new("building the answer object"))?;
        Ok(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_serves_the_app_under_its_base() {
        let c = config_for("https://demo.example/", "/ilert-pkce/").unwrap();
        assert_eq!(c.mount, "/ilert-pkce/_sim");
        assert_eq!(c.clients.len(), 1);
        assert_eq!(c.clients[0].id, CLIENT_ID);
        assert_eq!(
            c.clients[0].redirect_uri,
            "https://demo.example/ilert-pkce/webapp"
        );
        assert_eq!(c.clients[0].app_id, FIRST_APP_ID);
        assert_eq!(
            config_for("http://localhost:8080", "/").unwrap().mount,
            "/_sim"
        );
        assert!(config_for("http://localhost:8080", "x").is_err());
    }

    /// What `registerClient` does, without JavaScript: a confidential client in the built-in
    /// simulator, kept by the snapshot that the worker puts in IndexedDB and restored by the
    /// constructor's path.
    #[test]
    fn a_registered_client_outlives_the_worker() {
        let config = config_for("https://demo.example", "/").unwrap();
        let mut sim = Sim::new(config, Box::new(OsEntropy));
        let shown = register(
            &mut sim,
            "backend",
            "http://localhost:8080/cb",
            Some("s3cret"),
        )
        .unwrap();
        assert!(shown.contains("\"confidential\":true"), "{shown}");
        assert!(!shown.contains("s3cret"));
        assert!(register(&mut sim, "bad", "ftp://x/", None).is_err());
        let saved = sim.snapshot();
        let config = config_for("https://demo.example", "/").unwrap();
        let sim = Sim::restore(config, Box::new(OsEntropy), &saved).unwrap();
        let backend = sim.config().client("backend").unwrap();
        assert!(backend.secret.as_ref().unwrap().matches("s3cret"));
        assert_eq!(sim.config().clients[0].id, CLIENT_ID);
        assert!(!sim.config().clients[0].is_confidential());
    }
}
