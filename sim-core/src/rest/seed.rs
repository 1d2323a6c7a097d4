//! The demo tenant's data, made to hang together: two alert sources that raised the alerts,
//! an incident on a degraded service, an escalation policy that pages the schedule whose
//! on-call is the demo user Grace, and the team they all belong to. Timestamps are fixed, so
//! a fresh simulator always answers the same.
use serde_json::{json, Value};
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

pub fn data() -> Data {
    let team = json!({ "id": 1, "name": "Platform" });
    let policy = json!({ "id": 1, "name": "Platform on-call" });
    let schedule = json!({ "id": 1, "name": "Primary rotation" });
    let grace = json!({ "id": 2, "username": "grace", "firstName": "Grace", "lastName": "Hopper" });
    let ada = json!({ "id": 1, "username": "ada", "firstName": "Ada", "lastName": "Lovelace" });
    let prometheus = json!({ "id": 1, "name": "Prometheus production" });
    let uptime = json!({ "id": 2, "name": "Website uptime" });
    let checkout = json!({ "id": 1, "name": "Checkout API" });
    let collections = BTreeMap::from([
        (
            "teams",
            vec![json!({
                "id": 1, "name": "Platform", "visibility": "PUBLIC",
                "members": [{ "user": ada, "role": "ADMIN" }, { "user": grace, "role": "RESPONDER" }],
                "createdAt": "2021-03-04T09:20:00Z", "updatedAt": "2024-11-20T16:42:11Z"
            })],
        ),
        (
            "escalation-policies",
            vec![json!({
                "id": 1, "name": "Platform on-call", "repeating": true, "frequency": 1,
                "escalationRules": [
                    { "escalationTimeout": 0, "users": [], "schedules": [schedule] },
                    { "escalationTimeout": 15, "users": [ada], "schedules": [] }
                ],
                "teams": [team],
                "createdAt": "2021-03-04T09:30:00Z", "updatedAt": "2024-10-01T10:00:00Z"
            })],
        ),
        (
            "schedules",
            vec![json!({
                "id": 1, "name": "Primary rotation", "timezone": "Europe/Berlin", "type": "RECURRING",
                "teams": [team],
                "currentShift": { "user": grace, "start": "2026-12-07T08:00:00Z", "end": "2026-12-14T08:00:00Z" },
                "createdAt": "2021-03-04T09:25:00Z", "updatedAt": "2026-11-30T08:00:00Z"
            })],
        ),
        (
            "on-calls",
            vec![json!({
                "user": grace, "escalationPolicy": policy, "schedule": schedule, "escalationLevel": 1,
                "start": "2026-12-07T08:00:00Z", "end": "2026-12-14T08:00:00Z"
            })],
        ),
        (
            "services",
            vec![
                json!({
                    "id": 1, "name": "Checkout API", "status": "DEGRADED",
                    "description": "Payments and order placement", "teams": [team],
                    "createdAt": "2022-01-10T12:00:00Z", "updatedAt": "2026-12-07T09:12:00Z"
                }),
                json!({
                    "id": 2, "name": "Website", "status": "OPERATIONAL",
                    "description": "The public website", "teams": [team],
                    "createdAt": "2022-01-10T12:05:00Z", "updatedAt": "2025-06-02T07:45:00Z"
                }),
            ],
        ),
        (
            "alert-sources",
            vec![
                json!({
                    "id": 1, "name": "Prometheus production", "integrationType": "PROMETHEUS",
                    "integrationKey": "il1prom0a3f9c2d7e", "status": "PENDING", "active": true,
                    "alertCreation": "ONE_ALERT_PER_INCIDENT_KEY", "alertPriorityRule": { "type": "HIGH" },
                    "escalationPolicy": policy, "teams": [team],
                    "createdAt": "2021-03-04T09:40:00Z", "updatedAt": "2026-12-07T09:10:00Z"
                }),
                json!({
                    "id": 2, "name": "Website uptime", "integrationType": "UPTIMEMONITOR",
                    "integrationKey": "il1upt7b61e04c98", "status": "ALL_RESOLVED", "active": true,
                    "alertCreation": "ONE_ALERT_PER_EMAIL", "alertPriorityRule": { "type": "LOW" },
                    "escalationPolicy": policy, "teams": [team],
                    "createdAt": "2022-01-10T12:10:00Z", "updatedAt": "2026-12-01T03:00:00Z"
                }),
            ],
        ),
        (
            "alerts",
            vec![
                json!({
                    "id": 1, "summary": "High error rate on checkout", "details": "5xx rate 7.2% over 5 minutes",
                    "status": "PENDING", "priority": "HIGH", "incidentKey": "checkout-5xx",
                    "alertSource": prometheus, "assignedTo": grace,
                    "reportTime": "2026-12-07T09:10:00Z", "resolvedOn": null
                }),
                json!({
                    "id": 2, "summary": "Checkout latency p99 above 2 s", "details": "p99 2.4 s",
                    "status": "ACCEPTED", "priority": "HIGH", "incidentKey": "checkout-latency",
                    "alertSource": prometheus, "assignedTo": grace,
                    "reportTime": "2026-12-07T09:05:00Z", "resolvedOn": null
                }),
                json!({
                    "id": 3, "summary": "Website down from 2 regions", "details": "HTTP 503 from eu-west and us-east",
                    "status": "RESOLVED", "priority": "LOW", "incidentKey": "website-down",
                    "alertSource": uptime, "assignedTo": ada,
                    "reportTime": "2026-12-01T02:40:00Z", "resolvedOn": "2026-12-01T03:00:00Z"
                }),
            ],
        ),
        (
            "incidents",
            vec![json!({
                "id": 1, "summary": "Checkout errors elevated", "status": "INVESTIGATING",
                "message": "We are looking into failed payments.", "sendNotification": true,
                "affectedServices": [{ "impact": "DEGRADED", "service": checkout }],
                "createdAt": "2026-12-07T09:12:00Z", "updatedAt": "2026-12-07T09:12:00Z"
            })],
        ),
        (
            "users",
            users::all()
                .iter()
                .map(|u| u.json.clone())
                .collect::<Vec<Value>>(),
        ),
    ]);
    Data {
        collections: collections
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        next_id: FIRST_NEW_ID - 1,
    }
}
