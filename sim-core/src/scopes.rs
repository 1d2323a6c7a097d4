//! iLert's OAuth scopes: which are valid, and how the consent page explains them.
//!
//! The app's `src/oauth/scopes.rs` has the same list on purpose: the simulator stands for
//! iLert and must not share code with the client it tests, or a bug in one list would pass.

pub const PROFILE: &str = "profile";
pub const OFFLINE_ACCESS: &str = "offline_access";

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
    let (_, words) = RESOURCES.iter().find(|(n, _)| *n == name)?;
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
