//! iLert's OAuth scopes: what exists and what each one covers, and parsing a scope string. The
//! standard OpenID Connect scopes `openid` and `email` are known too: iLert does not need them,
//! but a standards server (OpenID Connect) answers the profile request only with `openid`.

/// The scopes the app asks for unless configured otherwise.
pub const DEFAULT_SCOPES: &[&str] = &["profile", "offline_access"];

/// What the token panel says when a session has no refresh token: advice to ask for
/// `offline_access` only if it was not asked for (in the scopes in force, or granted, which
/// means it was asked for); otherwise that the server issued none.
pub fn no_refresh_token(requested: &[String], granted: Option<&str>) -> &'static str {
    let asked = requested.iter().any(|s| s == "offline_access")
        || granted.is_some_and(|g| g.split_whitespace().any(|s| s == "offline_access"));
    if asked {
        "none: the server issued no refresh token although offline_access was requested"
    } else {
        "none (request the scope offline_access to get one)"
    }
}

/// iLert's resource scopes, each with what it covers (`name`, `name:r`, `name:w`, `name:d`).
pub const RESOURCES: &[(&str, &str)] = &[
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

/// The access levels of a resource scope suffix: none or `:r` read, `:w` read and write,
/// `:d` read, write and delete.
fn level(suffix: Option<&str>) -> Option<&'static str> {
    match suffix {
        None | Some("r") => Some("read"),
        Some("w") => Some("read and write"),
        Some("d") => Some("read, write and delete"),
        Some(_) => None,
    }
}

/// Splits `source:w` into the resource's description and the access level, if both are known.
pub fn resource_scope(scope: &str) -> Option<(&'static str, &'static str)> {
    let (name, suffix) = match scope.split_once(':') {
        Some((n, s)) => (n, Some(s)),
        None => (scope, None),
    };
    // `wildcard`: every resource at its level, the profile included (iLert's CLI asks for
    // `wildcard:d`; not in the docs' table).
    let description = if name == "wildcard" {
        "everything your user may see in iLert, your profile included"
    } else {
        RESOURCES.iter().find(|(n, _)| *n == name)?.1
    };
    Some((description, level(suffix)?))
}

/// The standard OpenID Connect scopes (OIDC Core 3.1.2.1 and 5.4) a settings check accepts
/// besides iLert's own: a standards server wants `openid` for its userinfo endpoint.
pub const OIDC_SCOPES: &[&str] = &["openid", "email"];

/// Whether this scope is known: iLert's (`profile`, `offline_access`, or a resource with
/// `:r`/`:w`/`:d`) or a standard OpenID Connect one ([`OIDC_SCOPES`]).
pub fn is_known_scope(s: &str) -> bool {
    matches!(s, "profile" | "offline_access")
        || OIDC_SCOPES.contains(&s)
        || resource_scope(s).is_some()
}

/// Splits a space-separated scope string, dropping duplicates and keeping the first order.
pub fn parse_scopes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in s.split_whitespace() {
        if !out.iter().any(|x| x == scope) {
            out.push(scope.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_refresh_token_advises_offline_access_only_when_it_was_not_asked_for() {
        let asked = vec!["profile".to_string(), "offline_access".to_string()];
        let not_asked = vec!["profile".to_string()];
        let issued_none =
            "none: the server issued no refresh token although offline_access was requested";
        assert_eq!(no_refresh_token(&asked, Some("profile")), issued_none);
        assert_eq!(no_refresh_token(&asked, None), issued_none);
        assert_eq!(
            no_refresh_token(&not_asked, Some("profile offline_access")),
            issued_none
        );
        assert_eq!(
            no_refresh_token(&not_asked, Some("profile")),
            "none (request the scope offline_access to get one)"
        );
    }

    #[test]
    fn wildcard_is_every_resource_at_its_level() {
        assert_eq!(
            resource_scope("wildcard:w"),
            Some((
                "everything your user may see in iLert, your profile included",
                "read and write"
            ))
        );
        assert_eq!(resource_scope("wildcard").map(|(_, l)| l), Some("read"));
    }

    #[test]
    fn known_scopes() {
        for s in [
            "profile",
            "offline_access",
            "source",
            "source:r",
            "source:w",
            "source:d",
            "metric_source:d",
            "user",
            "wildcard",
            "wildcard:d",
            "openid",
            "email",
        ] {
            assert!(is_known_scope(s), "{s}");
        }
        for s in [
            "",
            "OpenID",
            "openid profile",
            "address",
            "phone",
            "Profile",
            "source:",
            "source:rw",
            "source:w:d",
            "wildcard:x",
            "wildcards",
            "sources",
            ":w",
            "profile offline_access",
        ] {
            assert!(!is_known_scope(s), "{s}");
        }
        for (name, _) in RESOURCES {
            assert!(is_known_scope(name));
            assert!(is_known_scope(&format!("{name}:d")));
        }
        assert_eq!(RESOURCES.len(), 17);
        assert!(DEFAULT_SCOPES.iter().all(|s| is_known_scope(s)));
    }

    #[test]
    fn parsing_splits_and_dedupes_in_order() {
        assert_eq!(
            parse_scopes("profile  source:w\tprofile\noffline_access source:w"),
            vec!["profile", "source:w", "offline_access"]
        );
        assert!(parse_scopes("   ").is_empty());
        assert!(parse_scopes("").is_empty());
    }
}
