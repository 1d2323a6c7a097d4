//! The demo tenant's data, made to hang together: two alert sources that raised the alerts,
//! an incident on a degraded service, an escalation policy that pages the schedule whose
//! on-call is the demo user Grace, and the team they all belong to. Timestamps are fixed, so
//! a fresh simulator always answers the same.
use serde_json::Value;
use std::collections::BTreeMap;

use super::Data;
use crate::users;

/// Fields that refer to an item of another collection by `{"id": …}`: a new or changed item
/// must name one that exists.
pub const REFERENCES: &[(&str, &str)] = &[
    ("escalationPolicy", "escalation-policies"),
    ("alertSource", "alert-sources"),
];

/// Ids of items made at run time start here, above every seeded id.
const FIRST_NEW_ID: u64 = 100;

/// The seed as JSON text, parsed on the first call of the API: as `json!` macros the same
/// data made the built-in simulator's wasm 44.9 KB larger (1,498,114 B against 1,453,213 B,
/// before wasm-bindgen and wasm-opt).
const SEED: &str = include_str!("seed.json");

pub fn data() -> Data {
    let mut collections: BTreeMap<String, Vec<Value>> =
        serde_json::from_str(SEED).expect("seed.json is the collections' JSON");
    let users = users::all().iter().map(|u| u.json.clone()).collect();
    collections.insert("users".to_string(), users);
    Data {
        collections,
        next_id: FIRST_NEW_ID - 1,
    }
}
