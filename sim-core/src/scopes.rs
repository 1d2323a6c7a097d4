//! iLert's OAuth scopes: which are valid, and how the consent page explains them.
//!
//! The app's `src/oauth/scopes.rs` has the same list on purpose: the simulator stands for
//! iLert and must not share code with the client it tests, or a bug in one list would pass.

pub const PROFILE: &str = "profile";
pub const OFFLINE_ACCESS: &str = "offline_access";
/// Every resource at its level, `profile` included: iLert's own CLI asks for `wildcard:d`
/// (not in the docs' table; the simulator's reading is in docs/ilert-api.md).
pub const WILDCARD: &str = "wildcard";

/// What a call does to a resource, and so the level of scope it needs (iLert's rule: a bare
/// scope or `:r` opens GET, `:w` adds POST and PUT, `:d` adds DELETE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Delete,
}

impl Level {
    /// The level an HTTP method needs; None for a method the API does not answer.
    pub fn of_method(method: &str) -> Option<Level> {
        match method {
            "GET" | "HEAD" => Some(Level::Read),
            "POST" | "PUT" => Some(Level::Write),
            "DELETE" => Some(Level::Delete),
            _ => None,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Level::Read => "r",
            Level::Write => "w",
            Level::Delete => "d",
        }
    }

    fn parse(suffix: Option<&str>) -> Option<Level> {
        match suffix {
            None | Some("r") => Some(Level::Read),
            Some("w") => Some(Level::Write),
            Some("d") => Some(Level::Delete),
            _ => None,
        }
    }
}

/// Whether the granted `scopes` (space-separated, as in the token's `il_s`) open `resource`
/// at `level`: the resource's own scope or `wildcard`, at that level or above.
pub fn allows(scopes: &str, resource: &str, level: Level) -> bool {
    scopes.split(' ').any(|token| {
        let (name, suffix) = match token.split_once(':') {
            Some((name, suffix)) => (name, Some(suffix)),
            None => (token, None),
        };
        (name == resource || name == WILDCARD)
            && Level::parse(suffix).is_some_and(|granted| granted >= level)
    })
}

/// The scope a call on `resource` at `level` needs, as iLert's 403 names it: `source:w`.
pub fn needed(resource: &str, level: Level) -> String {
    format!("{resource}:{}", level.suffix())
}

/// Whether `scopes` let the bearer read their own profile: `profile`, or `wildcard` at any
/// level (iLert's CLI reads `users/current` with `wildcard:d` alone).
pub fn allows_profile(scopes: &str) -> bool {
    scopes
        .split(' ')
        .any(|t| t == PROFILE || t.split(':').next() == Some(WILDCARD))
}

/// Resource scopes with their names in words. Each may be bare, `:r`, `:w` or `:d`.
pub const RESOURCES: [(&str, &str); 17] = [
    ("policy", "escalation policies"),
    ("schedule", "on-call schedules"),
    ("source", "alert sources"),
    ("monitor", "monitors"),
    ("action", "alert actions"),
    ("connector", "connectors"),
    ("maintenance", "maintenance windows"),
    ("report", "reports"),
    ("template", "templates"),
    ("service", "services"),
    ("status_page", "status pages"),
    ("team", "teams"),
    ("user", "users"),
    ("alert", "alerts"),
    ("incident", "incidents"),
    ("metric", "metrics"),
    ("metric_source", "metric data sources"),
];

/// Splits a scope parameter (RFC 6749 §3.3: tokens separated by single spaces) and checks
/// every token. Duplicates are dropped, the order is kept. The error names the first
/// offending token.
pub fn parse(scope: &str) -> Result<Vec<String>, String> {
    if scope.is_empty() {
        return Err("scope is required".into());
    }
    let mut out: Vec<String> = Vec::new();
    for token in scope.split(' ') {
        if token.is_empty() {
            return Err("scope tokens must be separated by single spaces".into());
        }
        if describe_one(token).is_none() {
            return Err(format!("Unknown scope: {token}"));
        }
        if !out.iter().any(|t| t == token) {
            out.push(token.to_string());
        }
    }
    Ok(out)
}

/// The explanation the consent page shows for one valid scope token.
pub fn describe_one(token: &str) -> Option<String> {
    match token {
        PROFILE => {
            return Some(
                "See your user profile: name, username, e-mail, role and time zone.".into(),
            )
        }
        OFFLINE_ACCESS => {
            return Some(
                "Stay connected: the app gets a refresh token and keeps access without asking you \
                 again, until you revoke it or it expires."
                    .into(),
            )
        }
        _ => {}
    }
    let (name, level) = match token.split_once(':') {
        Some((name, level)) => (name, level),
        None => (token, "r"),
    };
    let words = if name == WILDCARD {
        "everything your user may see in iLert, your profile included"
    } else {
        RESOURCES.iter().find(|(n, _)| *n == name)?.1
    };
    let what = match level {
        "r" => "View",
        "w" => "View, create and change",
        "d" => "View, create, change and delete",
        _ => return None,
    };
    Some(format!("{what} {words}."))
}

pub fn contains(scopes: &str, wanted: &str) -> bool {
    scopes.split(' ').any(|s| s == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_documented_scope() {
        let mut all = vec!["profile".to_string(), "offline_access".to_string()];
        for (name, _) in RESOURCES {
            for suffix in ["", ":r", ":w", ":d"] {
                all.push(format!("{name}{suffix}"));
            }
        }
        assert_eq!(parse(&all.join(" ")).unwrap(), all);
    }

    #[test]
    fn wildcard_is_a_scope_at_every_level() {
        assert_eq!(
            parse("wildcard wildcard:r wildcard:w wildcard:d offline_access")
                .unwrap()
                .len(),
            5
        );
        assert_eq!(
            describe_one("wildcard:d").unwrap(),
            "View, create, change and delete everything your user may see in iLert, your profile included."
        );
        assert!(parse("wildcard:x").is_err());
    }

    #[test]
    fn a_level_opens_its_methods_and_those_below() {
        use Level::*;
        let cases: [(&str, [bool; 3]); 11] = [
            ("", [false, false, false]),
            ("source", [true, false, false]),
            ("source:r", [true, false, false]),
            ("source:w", [true, true, false]),
            ("source:d", [true, true, true]),
            ("wildcard", [true, false, false]),
            ("wildcard:w", [true, true, false]),
            ("wildcard:d", [true, true, true]),
            ("alert:d", [false, false, false]),
            ("profile offline_access", [false, false, false]),
            // Only whole tokens count: a longer name or an unknown level opens nothing.
            ("sources:d source:x wildcardx:d", [false, false, false]),
        ];
        for (scopes, want) in cases {
            let got = [Read, Write, Delete].map(|l| allows(scopes, "source", l));
            assert_eq!(got, want, "{scopes:?}");
        }
        assert_eq!(needed("source", Write), "source:w");
        assert_eq!(Level::of_method("PUT"), Some(Write));
        assert_eq!(Level::of_method("PATCH"), None);
    }

    #[test]
    fn the_profile_opens_with_profile_or_any_wildcard() {
        assert!(allows_profile("profile"));
        assert!(allows_profile("wildcard:d offline_access"));
        assert!(allows_profile("source:r wildcard"));
        assert!(!allows_profile("source:d user:d"));
        assert!(!allows_profile("profiles wildcards"));
    }

    #[test]
    fn rejects_unknown_and_malformed() {
        assert!(parse("").is_err());
        assert_eq!(parse("profile bogus").unwrap_err(), "Unknown scope: bogus");
        assert!(parse("source:x").is_err());
        assert!(parse("profile,source").is_err());
        assert!(parse("profile  source").is_err());
        assert!(parse("Profile").is_err());
        assert_eq!(
            parse("profile profile source:w").unwrap(),
            ["profile", "source:w"]
        );
    }

    #[test]
    fn describes_in_words() {
        assert_eq!(
            describe_one("incident:d").unwrap(),
            "View, create, change and delete incidents."
        );
        assert_eq!(describe_one("status_page").unwrap(), "View status pages.");
        assert!(contains("profile offline_access", "offline_access"));
        assert!(!contains("profile", "offline"));
    }
}
