//! iLert's REST API as the explorer offers it: each endpoint with its method, path, the scope
//! it needs and an example body. The app's own copy of the table (the simulator has its
//! own, and must not share code with the client it tests); a host test compares the two
//! through the simulator's OpenAPI document.
//!
//! iLert's rule (developer docs, "scopes"): a bare scope or `:r` opens GET, `:w` adds POST
//! and PUT, `:d` adds DELETE; `wildcard` opens every resource at its level, `profile`
//! included (the simulator's reading, see docs/ilert-api.md).

/// What a call does, and so the level of scope it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Delete,
}

impl Level {
    pub fn suffix(self) -> &'static str {
        match self {
            Level::Read => "r",
            Level::Write => "w",
            Level::Delete => "d",
        }
    }

    /// The level a granted scope token's suffix gives (none, `r`, `w`, `d`).
    fn of_suffix(suffix: Option<&str>) -> Option<Level> {
        match suffix {
            None | Some("r") => Some(Level::Read),
            Some("w") => Some(Level::Write),
            Some("d") => Some(Level::Delete),
            _ => None,
        }
    }
}

/// One endpoint of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub method: &'static str,
    /// With `{id}` where an id goes.
    pub path: &'static str,
    /// The scope's resource name (`source`), or `profile` for `users/current`.
    pub scope: &'static str,
    /// The group the explorer shows it in.
    pub group: &'static str,
    pub summary: &'static str,
    /// A body the simulator takes, for POST and PUT.
    pub example: Option<&'static str>,
}

impl Endpoint {
    pub fn level(&self) -> Level {
        match self.method {
            "POST" | "PUT" => Level::Write,
            "DELETE" => Level::Delete,
            _ => Level::Read,
        }
    }

    /// The scope token a 403 would name: `source:w`, or `profile`.
    pub fn needed(&self) -> String {
        if self.scope == PROFILE {
            return PROFILE.to_string();
        }
        format!("{}:{}", self.scope, self.level().suffix())
    }

    /// Whether the `granted` scopes (space-separated, as in `il_s` or token_info's `scope`)
    /// open this endpoint.
    pub fn allowed_by(&self, granted: &str) -> bool {
        granted.split_whitespace().any(|token| {
            let (name, suffix) = match token.split_once(':') {
                Some((name, suffix)) => (name, Some(suffix)),
                None => (token, None),
            };
            let level = Level::of_suffix(suffix);
            if name == WILDCARD {
                return level.is_some_and(|l| self.scope == PROFILE || l >= self.level());
            }
            name == self.scope
                && if self.scope == PROFILE {
                    suffix.is_none()
                } else {
                    level.is_some_and(|l| l >= self.level())
                }
        })
    }
}

pub const PROFILE: &str = "profile";
pub const WILDCARD: &str = "wildcard";

const fn ep(
    method: &'static str,
    path: &'static str,
    scope: &'static str,
    group: &'static str,
    summary: &'static str,
    example: Option<&'static str>,
) -> Endpoint {
    Endpoint {
        method,
        path,
        scope,
        group,
        summary,
        example,
    }
}

/// A collection with list, create, get, change and delete.
macro_rules! crud {
    ($path:literal, $scope:literal, $group:literal, $one:literal, $example:literal) => {
        [
            ep(
                "GET",
                concat!("/api/", $path),
                $scope,
                $group,
                concat!("List the ", $group),
                None,
            ),
            ep(
                "POST",
                concat!("/api/", $path),
                $scope,
                $group,
                concat!("Create a ", $one),
                Some($example),
            ),
            ep(
                "GET",
                concat!("/api/", $path, "/{id}"),
                $scope,
                $group,
                concat!("Get one ", $one),
                None,
            ),
            ep(
                "PUT",
                concat!("/api/", $path, "/{id}"),
                $scope,
                $group,
                concat!("Change a ", $one),
                Some($example),
            ),
            ep(
                "DELETE",
                concat!("/api/", $path, "/{id}"),
                $scope,
                $group,
                concat!("Delete a ", $one),
                None,
            ),
        ]
    };
}

const SOURCES: [Endpoint; 5] = crud!(
    "alert-sources",
    "source",
    "alert sources",
    "alert source",
    r#"{"name": "Grafana staging", "integrationType": "GRAFANA", "escalationPolicy": {"id": 1}}"#
);
const INCIDENTS: [Endpoint; 5] = crud!(
    "incidents",
    "incident",
    "incidents",
    "incident",
    r#"{"summary": "Login is slow", "status": "INVESTIGATING"}"#
);
const SERVICES: [Endpoint; 5] = crud!(
    "services",
    "service",
    "services",
    "service",
    r#"{"name": "Search", "status": "OPERATIONAL"}"#
);
const SCHEDULES: [Endpoint; 5] = crud!(
    "schedules",
    "schedule",
    "schedules",
    "schedule",
    r#"{"name": "Weekend rotation", "timezone": "Europe/Berlin"}"#
);
const POLICIES: [Endpoint; 5] = crud!(
    "escalation-policies",
    "policy",
    "escalation policies",
    "escalation policy",
    r#"{"name": "Weekend on-call"}"#
);
const TEAMS: [Endpoint; 5] = crud!(
    "teams",
    "team",
    "teams",
    "team",
    r#"{"name": "Payments", "visibility": "PUBLIC"}"#
);
const USERS: [Endpoint; 5] = crud!(
    "users",
    "user",
    "users",
    "user",
    r#"{"firstName": "Edsger", "lastName": "Dijkstra", "email": "edsger@example.com"}"#
);
const OTHERS: [Endpoint; 7] = [
    ep(
        "GET",
        "/api/users/current",
        PROFILE,
        "users",
        "The user the token acts for",
        None,
    ),
    ep(
        "GET",
        "/api/alerts",
        "alert",
        "alerts",
        "List the alerts",
        None,
    ),
    ep(
        "GET",
        "/api/alerts/count",
        "alert",
        "alerts",
        "Count the alerts",
        None,
    ),
    ep(
        "GET",
        "/api/alerts/{id}",
        "alert",
        "alerts",
        "Get one alert",
        None,
    ),
    ep(
        "PUT",
        "/api/alerts/{id}/accept",
        "alert",
        "alerts",
        "Accept an alert",
        None,
    ),
    ep(
        "PUT",
        "/api/alerts/{id}/resolve",
        "alert",
        "alerts",
        "Resolve an alert",
        None,
    ),
    ep(
        "GET",
        "/api/on-calls",
        "schedule",
        "schedules",
        "Who is on call",
        None,
    ),
];

/// Every endpoint, grouped by resource in the order the explorer shows them.
pub fn endpoints() -> impl Iterator<Item = &'static Endpoint> {
    [
        &SOURCES[..],
        &OTHERS[1..6],
        &INCIDENTS,
        &SERVICES,
        &SCHEDULES,
        &OTHERS[6..],
        &POLICIES,
        &TEAMS,
        &OTHERS[..1],
        &USERS,
    ]
    .into_iter()
    .flatten()
}

/// The fewest scopes that would have allowed exactly `calls`: each resource at the highest
/// level a call needed, `profile` if it was read, and `offline_access` if `keep_offline`
/// (so a session of the new scopes still refreshes). In the catalogue's order.
pub fn least_scopes<'a>(
    calls: impl IntoIterator<Item = &'a Endpoint>,
    keep_offline: bool,
) -> String {
    let calls: Vec<&Endpoint> = calls.into_iter().collect();
    let mut out: Vec<String> = Vec::new();
    for e in endpoints() {
        if out
            .iter()
            .any(|s| s == e.scope || s.split(':').next() == Some(e.scope))
        {
            continue;
        }
        let top = calls
            .iter()
            .filter(|c| c.scope == e.scope)
            .map(|c| c.level())
            .max();
        match top {
            Some(_) if e.scope == PROFILE => out.push(PROFILE.to_string()),
            Some(level) => out.push(format!("{}:{}", e.scope, level.suffix())),
            None => {}
        }
    }
    if keep_offline {
        out.push("offline_access".to_string());
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(method: &str, path: &str) -> &'static Endpoint {
        endpoints()
            .find(|e| e.method == method && e.path == path)
            .unwrap_or_else(|| panic!("{method} {path}"))
    }

    #[test]
    fn a_level_opens_its_methods_and_those_below_and_wildcard_opens_all() {
        let get = find("GET", "/api/alert-sources");
        let post = find("POST", "/api/alert-sources");
        let delete = find("DELETE", "/api/alert-sources/{id}");
        let cases: [(&str, [bool; 3]); 10] = [
            ("", [false; 3]),
            ("source", [true, false, false]),
            ("source:r", [true, false, false]),
            ("source:w", [true, true, false]),
            ("source:d", [true, true, true]),
            ("wildcard", [true, false, false]),
            ("wildcard:w offline_access", [true, true, false]),
            ("wildcard:d", [true, true, true]),
            ("alert:d profile", [false; 3]),
            ("sources:d source:x wildcard:x", [false; 3]),
        ];
        for (granted, want) in cases {
            let got = [get, post, delete].map(|e| e.allowed_by(granted));
            assert_eq!(got, want, "{granted:?}");
        }
        assert_eq!(
            (get.needed(), post.needed(), delete.needed()),
            ("source:r".into(), "source:w".into(), "source:d".into())
        );
    }

    #[test]
    fn the_profile_opens_with_profile_or_any_wildcard() {
        let me = find("GET", "/api/users/current");
        assert_eq!(me.needed(), "profile");
        assert!(me.allowed_by("profile"));
        assert!(me.allowed_by("wildcard:d offline_access"));
        assert!(me.allowed_by("wildcard"));
        assert!(!me.allowed_by("user:d source:d"));
        assert!(!me.allowed_by("profile:w"));
    }

    #[test]
    fn accept_and_resolve_need_alert_w_and_on_calls_schedule_r() {
        assert_eq!(find("PUT", "/api/alerts/{id}/accept").needed(), "alert:w");
        assert_eq!(find("PUT", "/api/alerts/{id}/resolve").needed(), "alert:w");
        assert_eq!(find("GET", "/api/on-calls").needed(), "schedule:r");
    }

    #[test]
    fn the_least_scopes_of_a_session_of_calls() {
        let calls = [
            find("GET", "/api/alert-sources"),
            find("POST", "/api/alert-sources"),
            find("GET", "/api/users/current"),
            find("GET", "/api/on-calls"),
            find("DELETE", "/api/alert-sources/{id}"),
            find("PUT", "/api/alerts/{id}/accept"),
        ];
        assert_eq!(
            least_scopes(calls, true),
            "source:d alert:w schedule:r profile offline_access"
        );
        assert_eq!(least_scopes([find("GET", "/api/teams")], false), "team:r");
        assert_eq!(least_scopes([], false), "");
    }

    #[test]
    fn every_endpoint_is_listed_once_with_a_body_exactly_where_it_writes() {
        let all: Vec<&Endpoint> = endpoints().collect();
        assert_eq!(all.len(), 7 * 5 + 7);
        for (i, e) in all.iter().enumerate() {
            assert!(
                !all[..i]
                    .iter()
                    .any(|o| o.method == e.method && o.path == e.path),
                "{e:?} twice"
            );
            let writes_a_body = e.level() == Level::Write
                && !e.path.ends_with("/accept")
                && !e.path.ends_with("/resolve");
            assert_eq!(e.example.is_some(), writes_a_body, "{e:?}");
            if let Some(example) = e.example {
                assert!(crate::json::parse(example).is_ok(), "{example}");
            }
        }
    }
}
