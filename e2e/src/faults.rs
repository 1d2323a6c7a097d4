//! Fault injection for the e2e tests: ilert-sim's `/_sim/faults` rules, and its counters of
//! what reached the simulator (faulted requests included). The rules' JSON is described in
//! sim-core/src/faults.rs; for example
//!
//! ```ignore
//! h.fault(json!({"endpoint": "token", "grant_type": "refresh_token",
//!                "action": {"respond": {"status": 503, "headers": {"Retry-After": "7"}}}})).await;
//! h.fault(json!({"endpoint": "user", "forever": true, "action": {"hang": true}})).await;
//! ```
//!
//! A browser may resend a request on its own when a reused keep-alive connection fails before
//! any answer, so a `reset` meant to reach the page wants `"count": 3` or `"forever": true`.

use serde_json::Value;

use crate::Harness;

impl Harness {
    /// Adds a fault rule to the simulator (tried after those already there); panics unless
    /// it is accepted. Gives the rule as installed (with its `id`).
    pub async fn fault(&self, rule: Value) -> Value {
        let (status, body) = self
            .sim_request(
                "POST",
                "/_sim/faults",
                Some(("application/json", rule.to_string())),
            )
            .await;
        assert!(
            (200..300).contains(&status),
            "ilert-sim refused the fault {rule}: {status} {body}"
        );
        body
    }

    /// The fault rules still in force, in the order they are tried, each with `id`,
    /// `remaining` (null for `forever`) and `applied`.
    pub async fn faults(&self) -> Vec<Value> {
        let list = self.sim_get("/_sim/faults").await;
        list.as_array()
            .expect("GET /_sim/faults lists rules")
            .clone()
    }

    /// Drops every fault rule and ends every hanging request.
    pub async fn clear_faults(&self) {
        let (status, body) = self.sim_request("DELETE", "/_sim/faults", None).await;
        assert!(
            (200..300).contains(&status),
            "DELETE /_sim/faults: {status} {body}"
        );
    }

    /// How many requests reached `endpoint` (token, token_info, revoke, user, authorize),
    /// faulted ones included.
    pub async fn sim_received(&self, endpoint: &str) -> u64 {
        self.sim_counter("received", endpoint).await
    }

    /// How many token requests with this `grant_type` (authorization_code, refresh_token)
    /// reached the simulator, faulted ones included.
    pub async fn sim_received_grant(&self, grant_type: &str) -> u64 {
        self.sim_counter("received_by_grant", grant_type).await
    }

    /// How many requests to `endpoint` a fault rule applied to.
    pub async fn sim_faulted(&self, endpoint: &str) -> u64 {
        self.sim_counter("faulted", endpoint).await
    }

    async fn sim_counter(&self, group: &str, name: &str) -> u64 {
        let stats = self.sim_stats().await;
        stats[group][name]
            .as_u64()
            .unwrap_or_else(|| panic!("no counter {group}.{name} in {stats}"))
    }
}
