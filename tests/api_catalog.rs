//! The explorer's catalogue (the app's copy) against the simulator's OpenAPI document (its
//! own copy): the same endpoints, each needing the same scope. Either table drifting from
//! the other fails here.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use ilert_pkce::oauth::api_catalog::endpoints;
use ilert_sim_core::{Request, SeededEntropy, Sim, SimConfig, Step};

#[test]
fn the_catalogue_is_the_simulators_openapi_document() {
    let mut sim = Sim::new(SimConfig::default(), Box::new(SeededEntropy(1)));
    let Step::Answer(r) = sim.handle_now(Request::new("GET", "/api-docs/openapi.json"), 0) else {
        panic!("no answer")
    };
    let doc: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
    let mut served = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(scope) = op["x-ilert-scope"].as_str() {
                served.insert((method.to_uppercase(), path.clone(), scope.to_string()));
            }
        }
    }
    let offered: BTreeSet<_> = endpoints()
        .map(|e| (e.method.to_string(), e.path.to_string(), e.needed()))
        .collect();
    assert_eq!(
        offered.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "offered by the app, not served so"
    );
    assert_eq!(
        served.difference(&offered).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "served, not offered so"
    );
}
