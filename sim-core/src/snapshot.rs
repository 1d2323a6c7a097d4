//! The simulator's state as JSON, so a host can keep it where a restart cannot lose it (a
//! Service Worker is stopped at the browser's will; IndexedDB outlives it). The settings are
//! not in it: the host gives them again to [`Sim::restore`]. The clients registered at run
//! time are (their secrets as SHA-256 only: see [`crate::store::SavedClient`]). No code,
//! token or secret is in it as it is (see [`crate::store`], [`crate::mask`]).
//!
//! Fields added later have serde defaults, so a snapshot of an older build still restores.

use serde::{Deserialize, Serialize};

use crate::faults::{FaultRule, Faults, Installed};
use crate::random::Entropy;
use crate::store::Store;
use crate::{jwt, Sim, SimConfig};

/// Bumped when the shape changes; an older snapshot is then refused, not misread. 2: codes
/// and refresh tokens under their SHA-256, client secrets as SHA-256, revoked tokens gone.
/// A version-1 snapshot is refused on purpose: it holds them in clear, and may hold a fault
/// rule that another website installed before the hooks were guarded.
const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    /// Refresh tokens are HS256 with it: without it they would all die with the worker.
    hmac_key: [u8; 32],
    store: Store,
    faults: SavedFaults,
    /// The REST API's data; a snapshot of an older version has none, and gets the seed.
    #[serde(default)]
    api_data: Option<crate::rest::Data>,
    /// Set by `POST /_sim/config`; none in an older snapshot (the host's setting holds).
    #[serde(default)]
    rotate_refresh: Option<bool>,
}

#[derive(Serialize, Deserialize)]
struct SavedFaults {
    last_id: u64,
    hang_epoch: u64,
    rules: Vec<SavedRule>,
}

/// An [`Installed`] without its `flatten` (serde cannot read that back strictly).
#[derive(Serialize, Deserialize)]
struct SavedRule {
    id: u64,
    remaining: Option<u64>,
    applied: u64,
    rule: FaultRule,
}

impl Sim {
    /// Everything the simulator remembers, as JSON text.
    pub fn snapshot(&self) -> String {
        let (last_id, hang_epoch, list) = self.faults.parts();
        let snapshot = Snapshot {
            version: VERSION,
            hmac_key: self.keys.hmac_key(),
            store: self.store.clone(),
            api_data: self.api_data.clone(),
            rotate_refresh: Some(self.config.rotate_refresh),
            faults: SavedFaults {
                last_id,
                hang_epoch,
                rules: list
                    .iter()
                    .map(|i| SavedRule {
                        id: i.id,
                        remaining: i.remaining,
                        applied: i.applied,
                        rule: i.rule.clone(),
                    })
                    .collect(),
            },
        };
        serde_json::to_string(&snapshot).expect("the state serializes")
    }

    /// A simulator that goes on from `snapshot` with `config` (whose preset faults are not
    /// installed again: the snapshot has the rules in force), plus the clients registered
    /// at run time, which take the place of a configured client of the same id.
    pub fn restore(
        mut config: SimConfig,
        rng: Box<dyn Entropy>,
        snapshot: &str,
    ) -> Result<Sim, String> {
        // The version first: an older shape is refused as such, not as a parse error.
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let v: Version = serde_json::from_str(snapshot).map_err(|e| e.to_string())?;
        if v.version != VERSION {
            return Err(format!("snapshot version {} is not {VERSION}", v.version));
        }
        let s: Snapshot = serde_json::from_str(snapshot).map_err(|e| e.to_string())?;
        let list = s
            .faults
            .rules
            .into_iter()
            .map(|r| Installed {
                id: r.id,
                remaining: r.remaining,
                applied: r.applied,
                rule: r.rule,
            })
            .collect();
        for saved in s.store.registered_clients() {
            let client = saved
                .client()
                .map_err(|e| format!("registered client {:?}: {e}", saved.id))?;
            crate::put_client(&mut config, client);
        }
        if let Some(rotate) = s.rotate_refresh {
            config.rotate_refresh = rotate;
        }
        Ok(Sim {
            config,
            keys: jwt::Keys::from_hmac_key(s.hmac_key),
            faults: Faults::from_parts(s.faults.last_id, s.faults.hang_epoch, list),
            store: s.store,
            api_data: s.api_data,
            rng,
        })
    }
}
