//! The demo tenant and its users, as `GET /api/users/current` answers them.

use serde_json::{json, Value};
use std::sync::LazyLock;

pub const TENANT_ID: &str = "demo-tenant";

/// A demo user of the consent page's picker.
#[derive(Debug)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    /// The User object in iLert's camelCase shape.
    pub json: Value,
}

static USERS: LazyLock<Vec<DemoUser>> = LazyLock::new(|| {
    vec![
        DemoUser {
            username: "ada",
            display_name: "Ada Lovelace",
            role: "ADMIN",
            json: json!({
                "id": 1,
                "username": "ada",
                "firstName": "Ada",
                "lastName": "Lovelace",
                "email": "ada@example.com",
                "timezone": "Europe/Berlin",
                "position": "Head of Operations",
                "department": "Platform",
                "avatarUrl": "https://example.com/avatars/ada.png",
                "language": "en",
                "region": "DE",
                "role": "ADMIN",
                "shiftColor": "#7b1fa2",
                "mutedUntil": null,
                "createdAt": "2021-03-04T09:15:00Z",
                "updatedAt": "2024-11-20T16:42:11Z"
            }),
        },
        DemoUser {
            username: "grace",
            display_name: "Grace Hopper",
            role: "RESPONDER",
            json: json!({
                "id": 2,
                "username": "grace",
                "firstName": "Grace",
                "lastName": "Hopper",
                "email": "grace@example.com",
                "timezone": "America/New_York",
                "position": "Site Reliability Engineer",
                "department": "On-call",
                "avatarUrl": "https://example.com/avatars/grace.png",
                "language": "en",
                "region": "US",
                "role": "RESPONDER",
                "shiftColor": "#00796b",
                "mutedUntil": "2030-01-01T00:00:00Z",
                "createdAt": "2022-06-01T12:00:00Z",
                "updatedAt": "2025-01-15T08:30:00Z"
            }),
        },
        // An older account: upper-case language, a role an app may not know in detail,
        // missing optional fields and the legacy fields iLert still returns for such users.
        // It is there so the app's lenient parsing is exercised.
        DemoUser {
            username: "alan",
            display_name: "Alan Turing",
            role: "STAKEHOLDER",
            json: json!({
                "id": 3,
                "username": "alan",
                "firstName": "Alan",
                "lastName": "Turing",
                "email": "alan@example.com",
                "timezone": "Europe/London",
                "language": "DE",
                "role": "STAKEHOLDER",
                "mobile": {"regionCode": "GB", "number": "+447700900123"},
                "landline": null,
                "notificationPreferences": [{"method": "EMAIL", "delayMin": 0, "type": "ALERT"}],
                "createdAt": "2016-08-09T10:00:00Z",
                "updatedAt": "2019-02-03T11:22:33Z"
            }),
        },
    ]
});

pub fn all() -> &'static [DemoUser] {
    &USERS
}

pub fn by_username(username: &str) -> Option<&'static DemoUser> {
    USERS.iter().find(|u| u.username == username)
}
