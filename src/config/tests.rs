//! The configuration's tests: JSON, endpoints, validation, origins, URL parsing.
use super::ilert::{normalize_tenant, tenant_authorize_url};
use super::*;
use crate::error::Error;
use crate::json::Value;

/// The repo's config.json, as the app at http://localhost:4597/ has it.
fn base() -> Config {
    Config::from_json(include_str!("../../public/config.json"))
        .unwrap()
        .with_redirect_default("http://localhost:4597/")
}

#[test]
fn the_repos_config_json_parses_and_is_valid() {
    let c = Config::from_json(include_str!("../../public/config.json")).unwrap();
    assert_eq!(c.client_id, "ilert-pkce-demo");
    assert_eq!(c.tenant, None);
    assert_eq!(
        c.authorize_url.as_deref(),
        Some("http://127.0.0.1:4598/api/developers/oauth2/authorize")
    );
    assert_eq!(c.api_base, "http://127.0.0.1:4598");
    // No redirect_uri: the page's own callback, wherever the build is served.
    assert_eq!(c.redirect_uri, "");
    let c = c.with_redirect_default("http://localhost:4597/");
    assert_eq!(c.redirect_uri, "http://localhost:4597/webapp");
    assert_eq!(c.scopes, ["profile", "offline_access"]);
    assert_eq!(c.issuer, None);
    // The repo's config.json spells out the default list, as an example for deployers.
    assert_eq!(
        c.allowed_origins.as_deref(),
        Some(
            &DEFAULT_ALLOWED_ORIGINS
                .iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()[..]
        )
    );
    assert_eq!(
        c.expected_issuer().as_deref(),
        Some("http://127.0.0.1:4598")
    );
    assert_eq!(c.validate(Some("http://localhost:4597")), vec![]);
    assert_eq!(
        InForce::resolve(c.clone(), Some("http://localhost:4597")).checked(),
        Ok(())
    );
    assert_eq!(c.validate(None), vec![]);
    assert_eq!(
        c.authorize_endpoint().unwrap(),
        "http://127.0.0.1:4598/api/developers/oauth2/authorize"
    );
    assert_eq!(
        c.token_url(),
        "http://127.0.0.1:4598/api/developers/oauth2/token"
    );
    assert_eq!(
        c.token_info_url(),
        "http://127.0.0.1:4598/api/developers/oauth2/token_info"
    );
    assert_eq!(
        c.revoke_url(),
        "http://127.0.0.1:4598/api/developers/oauth2/revoke"
    );
    assert_eq!(c.user_url(), "http://127.0.0.1:4598/api/users/current");
    assert_eq!(c.scopes.join(" "), "profile offline_access");
    assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
    assert_eq!(c, base());
}

#[test]
fn from_json_messages() {
    let err = |s: &str| match Config::from_json(s) {
        Err(Error::Config(m)) => m,
        other => panic!("{s}: {other:?}"),
    };
    assert!(err("{nope").contains("not valid JSON"));
    assert!(err("[]").contains("must be a JSON object"));
    assert!(err(r#"{"api_base":"x","redirect_uri":"y"}"#).contains("\"client_id\" is missing"));
    assert!(
        err(r#"{"client_id":" ","api_base":"x","redirect_uri":"y"}"#)
            .contains("\"client_id\" is empty")
    );
    assert!(err(r#"{"client_id":"c","redirect_uri":"y"}"#).contains("\"api_base\" is missing"));
    // No redirect_uri: the app's own callback page (`with_redirect_default`).
    for optional in [
        r#"{"client_id":"c","api_base":"x","redirect_uri":null}"#,
        r#"{"client_id":"c","api_base":"x"}"#,
        r#"{"client_id":"c","api_base":"x","redirect_uri":" "}"#,
    ] {
        assert_eq!(Config::from_json(optional).unwrap().redirect_uri, "");
    }
    assert!(err(r#"{"client_id":5,"api_base":"x","redirect_uri":"y"}"#)
        .contains("\"client_id\" must be a text"));
    assert!(
        err(r#"{"client_id":"c","api_base":"x","redirect_uri":"y","scopes":[1]}"#)
            .contains("wrong type")
    );
}

#[test]
fn from_json_defaults_and_normalisation() {
    let c = Config::from_json(
        r#"{"client_id":" c ","api_base":"https://api.ilert.com/","redirect_uri":"https://app.example/cb",
            "tenant":"  ","authorize_url":"","issuer":"","unknown":1}"#,
    )
    .unwrap();
    assert_eq!(c.client_id, "c");
    assert_eq!(
        (
            c.tenant.as_deref(),
            c.authorize_url.as_deref(),
            c.issuer.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(c.scopes, ["profile", "offline_access"]);
    assert_eq!(c.authorize_endpoint().unwrap(), DEFAULT_AUTHORIZE_URL);
    assert_eq!(
        c.token_url(),
        "https://api.ilert.com/api/developers/oauth2/token"
    );
    let c = Config::from_json(r#"{"client_id":"c","api_base":"https://api.ilert.com//","redirect_uri":"https://b","scopes":null}"#).unwrap();
    assert_eq!(c.scopes, ["profile", "offline_access"]);
    assert_eq!(c.user_url(), "https://api.ilert.com/api/users/current");
    let c = Config::from_json(r#"{"client_id":"c","api_base":"https://api.ilert.com","redirect_uri":"https://b","scopes":"profile  source:w profile"}"#).unwrap();
    assert_eq!(c.scopes, ["profile", "source:w"]);
    let c = Config::from_json(r#"{"client_id":"c","api_base":"https://api.ilert.com","redirect_uri":"https://b","scopes":["profile","profile"," "]}"#).unwrap();
    assert_eq!(c.scopes, ["profile"]);
}

#[test]
fn tenant_wins_over_authorize_url() {
    let mut c = base();
    c.tenant = Some(" Acme ".into());
    assert_eq!(
        c.authorize_endpoint().unwrap(),
        "https://acme.ilert.com/api/developers/oauth2/authorize"
    );
    assert_eq!(c.validate(None), vec![]);
    c.tenant = Some("acme.ilert.com".into());
    assert!(matches!(c.authorize_endpoint(), Err(Error::Config(_))));
    let p = c.validate(None);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].field, "tenant");
    c.tenant = Some("".into());
    c.authorize_url = None;
    assert_eq!(c.authorize_endpoint().unwrap(), DEFAULT_AUTHORIZE_URL);
}

fn fields(c: &Config, origin: Option<&str>) -> Vec<&'static str> {
    c.validate(origin).into_iter().map(|p| p.field).collect()
}

#[test]
fn validation_problems() {
    let mut c = base();
    c.client_id = "".into();
    assert_eq!(fields(&c, None), ["client_id"]);

    let mut c = base();
    c.api_base = "api.ilert.com".into();
    assert_eq!(fields(&c, None), ["api_base"]);
    c.api_base = "http://api.ilert.com".into();
    assert!(c.validate(None)[0].message.contains("must use https"));
    c.api_base = "ftp://api.ilert.com".into();
    assert_eq!(fields(&c, None), ["api_base"]);
    c.api_base = "https://api.ilert.com/?x=1".into();
    assert!(c.validate(None)[0].message.contains("query"));
    c.api_base = "http://[::1]:4598".into();
    assert_eq!(fields(&c, None), Vec::<&str>::new());
    c.api_base = "http://localhost".into();
    assert_eq!(fields(&c, None), Vec::<&str>::new());

    let mut c = base();
    c.authorize_url = Some("http://evil.example/authorize".into());
    assert_eq!(fields(&c, None), ["authorize_url"]);
    c.authorize_url = Some("https://app.ilert.com/api/developers/oauth2/authorize#x".into());
    assert_eq!(fields(&c, None), ["authorize_url"]);
    c.authorize_url = Some("https://app.ilert.com/api/developers/oauth2/authorize?x=1".into());
    assert_eq!(fields(&c, None), Vec::<&str>::new());

    let mut c = base();
    c.scopes = vec![];
    assert_eq!(fields(&c, None), ["scopes"]);
    c.scopes = vec!["profile".into(), "nonsense".into(), "source:x".into()];
    let p = c.validate(None);
    assert_eq!(p.len(), 2);
    assert!(p[0].message.contains("\"nonsense\""));
    assert!(p[0].to_string().starts_with("scopes: "));
}

#[test]
fn redirect_uri_checks() {
    let mut c = base();
    let problems = c.validate(Some("http://localhost:8080"));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].field, "redirect_uri");
    assert_eq!(
        problems[0].message,
        "The redirect URI must be on this page's origin (http://localhost:8080), or the callback never reaches this app."
    );
    assert_eq!(
        fields(&c, Some("HTTP://LocalHost:4597/")),
        Vec::<&str>::new()
    );
    assert_eq!(fields(&c, Some("http://127.0.0.1:4597")), ["redirect_uri"]);
    c.redirect_uri = "http://localhost:4597/webapp#x".into();
    assert_eq!(fields(&c, Some("http://localhost:4597")), ["redirect_uri"]);
    c.redirect_uri = "/webapp".into();
    assert_eq!(fields(&c, None), ["redirect_uri"]);
    c.redirect_uri = "http://app.example.com/webapp".into();
    assert_eq!(fields(&c, None), ["redirect_uri"]);
    c.redirect_uri = "https://app.example.com:443/webapp?x=1".into();
    assert_eq!(
        fields(&c, Some("https://app.example.com")),
        Vec::<&str>::new()
    );
}

#[test]
fn origins() {
    assert_eq!(
        origin_of("http://localhost:4597/webapp?x#y").as_deref(),
        Some("http://localhost:4597")
    );
    assert_eq!(
        origin_of("HTTPS://App.Example.COM:443/").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(
        origin_of("http://example.com:80").as_deref(),
        Some("http://example.com")
    );
    assert_eq!(
        origin_of("https://example.com:80").as_deref(),
        Some("https://example.com:80")
    );
    assert_eq!(
        origin_of("http://[::1]:4597/x").as_deref(),
        Some("http://[::1]:4597")
    );
    assert_eq!(origin_of("http://[::1]/x").as_deref(), Some("http://[::1]"));
    assert_eq!(
        origin_of("https://user:pw@example.com/x").as_deref(),
        Some("https://example.com")
    );
    assert_eq!(
        origin_of("https://example.com?x=1").as_deref(),
        Some("https://example.com")
    );
    assert_eq!(
        origin_of("https://example.com:").as_deref(),
        Some("https://example.com")
    );
    // As the browser reads it: extra slashes before the host are skipped.
    assert_eq!(origin_of("https:///x").as_deref(), Some("https://x"));
    assert_eq!(
        origin_of(" https://example.com ").as_deref(),
        Some("https://example.com")
    );
    for bad in [
        "",
        "example.com",
        "/webapp",
        "https://",
        "javascript:alert(1)",
        "https://ex ample.com",
        "https://a:99999",
        "https://a:x",
        "1http://a",
        "http://[::1",
        "http://[::1]x",
    ] {
        assert_eq!(origin_of(bad), None, "{bad}");
    }
}

#[test]
fn a_trailing_slash_on_the_api_base_does_not_change_the_endpoints() {
    let c = base();
    let mut d = c.clone();
    d.api_base = "http://127.0.0.1:4598/".into();
    assert_eq!(d.token_url(), c.token_url());
    assert_eq!(d.user_url(), "http://127.0.0.1:4598/api/users/current");
}

#[test]
fn a_build_under_a_sub_path_gets_its_own_callback_by_default() {
    let mut c = base();
    c.redirect_uri = String::new();
    let c = c.with_redirect_default("https://someone.github.io/ilert-pkce/");
    assert_eq!(
        c.redirect_uri,
        "https://someone.github.io/ilert-pkce/webapp"
    );
    assert_eq!(
        c.validate(Some("https://someone.github.io/ilert-pkce/")),
        vec![]
    );
    // A named one is kept, and checked against where the app really is.
    let named = Config {
        redirect_uri: "https://someone.github.io/webapp".into(),
        ..c.clone()
    }
    .with_redirect_default("https://someone.github.io/ilert-pkce/");
    assert_eq!(named.redirect_uri, "https://someone.github.io/webapp");
    let problems = named.validate(Some("https://someone.github.io/ilert-pkce/"));
    assert_eq!(fields_of(&problems), ["redirect_uri"]);
    assert!(
        problems[0].message.contains("/ilert-pkce/webapp"),
        "{}",
        problems[0].message
    );
    // The same URI is right for the app at the root.
    assert_eq!(named.validate(Some("https://someone.github.io")), vec![]);
    // Another origin is refused too.
    let elsewhere = Config {
        redirect_uri: "https://other.example/ilert-pkce/webapp".into(),
        ..c
    };
    let problems = elsewhere.validate(Some("https://someone.github.io/ilert-pkce/"));
    assert!(problems[0].message.contains("https://someone.github.io"));
}

fn fields_of(problems: &[ConfigProblem]) -> Vec<&'static str> {
    problems.iter().map(|p| p.field).collect()
}

#[test]
fn the_redirect_uri_must_point_at_the_callback_route() {
    let mut c = base();
    assert!(c.validate(Some("http://localhost:4597")).is_empty());
    c.redirect_uri = "http://localhost:4597/callback".into();
    let problems = c.validate(Some("http://localhost:4597"));
    assert!(
        problems
            .iter()
            .any(|p| p.field == "redirect_uri" && p.message.contains("/webapp")),
        "{problems:?}"
    );
    c.redirect_uri = "http://localhost:4597/webapp?x=1".into();
    assert!(!c
        .validate(None)
        .iter()
        .any(|p| p.message.contains("must end in")));
}

#[test]
fn the_url_crate_reads_the_shared_vectors_like_a_browser() {
    let mismatches = url_vector_mismatches();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert!(URL_VECTORS.len() >= 40);
}

#[test]
fn url_parts_of_the_tricky_ones() {
    let u = parse_url("https://api.ilert.com\\@evil.example").unwrap();
    assert_eq!(
        (u.host.as_str(), u.path.as_str(), u.has_userinfo),
        ("api.ilert.com", "/@evil.example", false)
    );
    let u = parse_url("https://api.ilert.com@evil.example").unwrap();
    assert_eq!((u.host.as_str(), u.has_userinfo), ("evil.example", true));
    let u = parse_url("https://api.ilert.com:443/a?b#c").unwrap();
    assert_eq!(u.port, None);
    assert_eq!(u.origin, "https://api.ilert.com");
    assert!(u.has_query && u.has_fragment);
    let u = parse_url("https://a/?#").unwrap();
    assert!(
        u.has_query && u.has_fragment,
        "empty query and fragment still count"
    );
    let u = parse_url("http://[::1]:4598").unwrap();
    assert_eq!((u.host.as_str(), u.port), ("[::1]", Some(4598)));
    assert!(u.is_loopback());
}

fn pattern(s: &str) -> Result<String, String> {
    OriginPattern::parse(s).map(|p| p.to_string())
}

#[test]
fn allowed_origin_syntax() {
    for (text, canonical) in [
        ("https://api.ilert.com", "https://api.ilert.com"),
        (" HTTPS://API.iLert.com/ ", "https://api.ilert.com"),
        ("https://api.ilert.com:443", "https://api.ilert.com"),
        ("https://api.ilert.com:8443", "https://api.ilert.com:8443"),
        ("https://*.ilert.com", "https://*.ilert.com"),
        ("https://*.ILERT.com:*", "https://*.ilert.com:*"),
        ("http://localhost:*", "http://localhost:*"),
        ("http://127.1:*", "http://127.0.0.1:*"),
        ("http://[0:0::1]:4598", "http://[::1]:4598"),
        ("https://ilert.example.org", "https://ilert.example.org"),
    ] {
        assert_eq!(pattern(text).as_deref(), Ok(canonical), "{text}");
    }
    for (text, why) in [
        ("api.ilert.com", "is not an origin"),
        ("ftp://api.ilert.com", "must start with https://"),
        ("javascript://x", "must start with https://"),
        ("http://api.ilert.com", "plain http"),
        ("http://*.localhost", "too broad"),
        ("http://*.ilert.com", "plain http"),
        ("https://*.com", "too broad"),
        ("https://*", "may use * only"),
        ("https://a.*.ilert.com", "may use * only"),
        ("https://*ilert.com", "may use * only"),
        ("https://api.ilert.com:8*", "may use * only"),
        ("https://api.ilert.com/api", "origin only"),
        ("https://api.ilert.com?x", "origin only"),
        ("https://api.ilert.com\\x", "origin only"),
        ("https://user@api.ilert.com", "origin only"),
        ("https://", "not a valid origin"),
        ("https://api.ilert.com:99999", "not a valid origin"),
        ("https://ex ample.com", "origin only"),
    ] {
        match pattern(text) {
            Err(m) => assert!(m.contains(why), "{text}: {m}"),
            Ok(p) => panic!("{text} was accepted as {p}"),
        }
    }
    let defaults: Vec<String> = base()
        .allowed_origins()
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(defaults, DEFAULT_ALLOWED_ORIGINS);
    assert!(base().allowed_origins_text().starts_with(
        "https://app.ilert.com, https://api.ilert.com, https://*.ilert.com, http://localhost:*"
    ));
}

#[test]
fn wildcards_over_a_shared_hosting_domain_or_a_public_suffix_are_refused() {
    for domain in SHARED_HOSTING_SUFFIXES {
        let text = format!("https://*.{domain}");
        match pattern(&text) {
            Err(m) => assert_eq!(
                m,
                format!("\"{text}\" spans {domain}, where anyone can host a site: list the exact origin instead"),
            ),
            Ok(p) => panic!("{text} was accepted as {p}"),
        }
    }
    for (text, why) in [
        ("https://*.GitHub.IO", "spans github.io,"),
        ("https://*.github.io.", "spans github.io,"),
        ("https://*.github.io:*", "spans github.io,"),
        ("https://*.gitlab.io", "spans gitlab.io,"),
        ("https://*.netlify.app", "spans netlify.app,"),
        ("https://*.pages.dev", "spans pages.dev,"),
        ("https://*.vercel.app", "spans vercel.app,"),
        ("https://*.herokuapp.com", "spans herokuapp.com,"),
        ("https://*.web.app", "spans web.app,"),
        ("https://*.firebaseapp.com", "spans firebaseapp.com,"),
        ("https://*.azurewebsites.net", "spans azurewebsites.net,"),
        ("https://*.cloudfront.net", "spans cloudfront.net,"),
        ("https://*.amazonaws.com", "spans amazonaws.com,"),
        ("https://*.appspot.com", "spans appspot.com,"),
        (
            "https://*.s3.amazonaws.com",
            "spans s3.amazonaws.com (part of amazonaws.com),",
        ),
        ("https://*.co.uk", "spans co.uk, a public suffix"),
        ("https://*.com.au", "spans com.au, a public suffix"),
        ("https://*.ac.uk", "spans ac.uk, a public suffix"),
        ("https://*.co.jp", "spans co.jp, a public suffix"),
        ("https://*.ne.jp", "spans ne.jp, a public suffix"),
        ("https://*.or.jp", "spans or.jp, a public suffix"),
        ("https://*.go.jp", "spans go.jp, a public suffix"),
        ("https://*.gov.uk", "spans gov.uk, a public suffix"),
        ("https://*.edu.au", "spans edu.au, a public suffix"),
        ("https://*.org.uk", "spans org.uk, a public suffix"),
        ("https://*.net.br", "spans net.br, a public suffix"),
        ("https://*.com", "too broad"),
        ("https://*.io", "too broad"),
        ("https://*.uk", "too broad"),
    ] {
        match pattern(text) {
            Err(m) => {
                assert!(m.contains(why), "{text}: {m}");
                assert!(m.starts_with(&format!("\"{text}\"")), "{text}: {m}");
            }
            Ok(p) => panic!("{text} was accepted as {p}"),
        }
    }
    // A deployer's own domains: one label under them, and exact origins on shared hosts.
    for ok in [
        "https://*.ilert.com",
        "https://*.eu.ilert.com",
        "https://*.ilert.co.uk",
        "https://*.example.com.au",
        "https://*.co.example",
        "https://*.mygithub.io",
        "https://you.github.io",
        "https://acme.netlify.app",
        "https://*.com.example",
    ] {
        assert!(pattern(ok).is_ok(), "{ok}: {:?}", pattern(ok));
    }
    assert!(OriginPattern::parse("https://*.eu.ilert.com")
        .unwrap()
        .matches(&parse_url("https://acme.eu.ilert.com").unwrap()));
    // config.json says so, naming the field, and so does a settings check.
    let m = match Config::from_json(&deployer(
        r#","allowed_origins":["https://*.github.io","https://app.ilert.example.org","https://api.ilert.example.org"]"#,
    )) {
        Err(Error::Config(m)) => m,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        m,
        "config.json: allowed_origins: \"https://*.github.io\" spans github.io, where anyone can host a site: list the exact origin instead"
    );
    let mut c = base();
    c.allowed_origins = Some(vec!["https://*.co.uk".into()]);
    let p = c.validate(None);
    assert_eq!(p[0].field, "allowed_origins");
    assert!(p[0].message.contains("spans co.uk"), "{}", p[0].message);
}

#[test]
fn an_api_base_typed_into_settings_outside_the_list_is_refused_with_the_list() {
    let mut c = base();
    c.api_base = "https://api.evil.example".into();
    let p = c.validate(Some("http://localhost:4597"));
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].field, "api_base");
    assert!(
        p[0].message.contains("https://api.evil.example"),
        "{}",
        p[0].message
    );
    assert!(p[0].message.contains("does not allow"), "{}", p[0].message);
    assert!(
        p[0].message
            .contains("https://api.ilert.com, https://*.ilert.com"),
        "{}",
        p[0].message
    );
    assert!(p[0].message.contains("config.json"), "{}", p[0].message);
    let err = InForce::resolve(c.clone(), Some("http://localhost:4597"))
        .checked()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("api_base: The API base")),
        "{err:?}"
    );

    for (url, ok) in [
        ("https://api.ilert.com", true),
        ("https://api.ilert.com:443/", true),
        ("https://api.ilert.com:8443", false),
        ("https://evil.example\\@api.ilert.com", false),
        ("https://api.ilert.com@evil.example", false),
        ("https://user:pw@api.ilert.com", false),
        ("http://127.1:4598", true),
    ] {
        c.api_base = url.into();
        assert_eq!(
            c.validate(None).is_empty(),
            ok,
            "{url}: {:?}",
            c.validate(None)
        );
    }
    c.api_base = "https://user:pw@api.ilert.com".into();
    assert!(c.validate(None)[0].message.contains("user name"));

    let mut c = base();
    c.authorize_url = Some("https://app.ilert.com.evil.example/authorize".into());
    assert_eq!(fields(&c, None), ["authorize_url"]);
    c.authorize_url = Some("https://acme.ilert.com/api/developers/oauth2/authorize".into());
    assert_eq!(fields(&c, None), Vec::<&str>::new());
    c.authorize_url = Some("https://a.b.ilert.com/api/developers/oauth2/authorize".into());
    assert_eq!(fields(&c, None), ["authorize_url"]);
}

fn deployer(extra: &str) -> String {
    format!(
        r#"{{"client_id":"c","api_base":"https://api.ilert.example.org","authorize_url":"https://app.ilert.example.org/authorize",
            "redirect_uri":"https://demo.example.org/webapp"{extra}}}"#
    )
}

#[test]
fn config_json_lists_its_own_origins() {
    let list = r#","allowed_origins":["https://app.ilert.example.org","https://api.ilert.example.org:443/"]"#;
    let c = Config::from_json(&deployer(list)).unwrap();
    assert_eq!(c.validate(Some("https://demo.example.org")), vec![]);
    assert_eq!(
        c.allowed_origins_text(),
        "https://app.ilert.example.org, https://api.ilert.example.org"
    );
    // iLert's own hosts are not allowed by this list.
    let mut d = c.clone();
    d.api_base = DEFAULT_API_BASE.into();
    assert_eq!(fields(&d, None), ["api_base"]);
    assert!(d.validate(None)[0]
        .message
        .contains("Allowed: https://app.ilert.example.org, https://api.ilert.example.org."));
    let mut d = c.clone();
    d.tenant = Some("acme".into());
    assert_eq!(fields(&d, None), ["tenant"]);
    let mut d = c.clone();
    d.authorize_url = None;
    assert_eq!(
        fields(&d, None),
        ["authorize_url"],
        "the default authorize URL is not on the list either"
    );
    // The round trip keeps the list.
    assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
}

#[test]
fn config_json_urls_outside_its_own_list_are_an_error_at_load() {
    let err = |s: &str| match Config::from_json(s) {
        Err(Error::Config(m)) => m,
        other => panic!("{s}: {other:?}"),
    };
    // Without a list, the default one applies.
    let m = err(&deployer(""));
    assert!(m.starts_with("config.json: authorize_url \"https://app.ilert.example.org/authorize\" (origin https://app.ilert.example.org) is not in allowed_origins (https://app.ilert.com, "), "{m}");
    let m = err(&deployer(
        r#","allowed_origins":["https://app.ilert.example.org"]"#,
    ));
    assert!(
        m.starts_with("config.json: api_base \"https://api.ilert.example.org\""),
        "{m}"
    );
    let m = err(&deployer(
        r#","allowed_origins":["https://*.example.org"], "tenant":"acme""#,
    ));
    assert!(
        m.starts_with(
            "config.json: tenant \"https://acme.ilert.com/api/developers/oauth2/authorize\""
        ),
        "{m}"
    );
    let m = err(&deployer(
        r#","allowed_origins":["https://*.example.org", "http://example.org"]"#,
    ));
    assert!(
        m.starts_with("config.json: allowed_origins: \"http://example.org\" uses plain http"),
        "{m}"
    );
    let m = err(&deployer(r#","allowed_origins":"https://*.example.org""#));
    assert!(m.contains("wrong type"), "{m}");
    let m = err(&deployer(r#","allowed_origins":[]"#));
    assert!(m.contains("is not in allowed_origins (none)"), "{m}");
    assert!(Config::from_json(&deployer(
        r#","allowed_origins":["https://*.ilert.example.org"]"#
    ))
    .is_ok());
    // Other problems are left to validate(), which the page shows.
    let c = Config::from_json(
        r#"{"client_id":"c","api_base":"ftp://x","redirect_uri":"https://b/webapp"}"#,
    )
    .unwrap();
    assert_eq!(fields(&c, None), ["api_base"]);
}

#[test]
fn saved_settings_are_checked_again_and_cannot_widen_the_list() {
    let deployer = base();
    let mut mine = deployer.clone();
    mine.client_id = "my-app".into();
    mine.tenant = Some("acme".into());
    let back = Config::from_settings_json(&mine.to_json(), &deployer, ROOT).unwrap();
    assert_eq!(back, (mine.clone(), false));

    // A value that is outside the list (typed long ago, or edited in localStorage).
    mine.api_base = "https://api.evil.example".into();
    mine.allowed_origins = Some(vec!["https://api.evil.example".into()]);
    let rejected = Config::from_settings_json(&mine.to_json(), &deployer, ROOT).unwrap_err();
    assert_eq!(rejected.problems.len(), 1, "{rejected:?}");
    assert_eq!(rejected.problems[0].field, "api_base");
    let kept = rejected.config.clone().unwrap();
    assert_eq!(kept.api_base, "https://api.evil.example");
    assert_eq!(
        kept.allowed_origins, deployer.allowed_origins,
        "the deployer's list replaced the saved one"
    );
    let summary = rejected.summary();
    assert!(summary.starts_with("The settings saved in this browser were not used, because: api_base: The API base \"https://api.evil.example\""), "{summary}");
    assert!(summary.contains("https://*.ilert.com"), "{summary}");

    // A deployer with its own list: the saved settings get that list, whatever they say.
    let strict = Config::from_json(&deployer_with_list()).unwrap();
    let mut saved = strict.clone();
    saved.allowed_origins = None;
    saved.api_base = DEFAULT_API_BASE.into();
    let rejected = Config::from_settings_json(&saved.to_json(), &strict, ROOT).unwrap_err();
    assert_eq!(rejected.problems[0].field, "api_base");
    saved.api_base = strict.api_base.clone();
    assert_eq!(
        Config::from_settings_json(&saved.to_json(), &strict, ROOT).unwrap(),
        (strict, false)
    );

    let rejected = Config::from_settings_json("{nope", &deployer, ROOT).unwrap_err();
    assert_eq!(rejected.config, None);
    assert_eq!(rejected.problems[0].field, "settings");
    assert!(rejected.summary().contains("could not be read"));
}

/// Where the app is, for the tests that need it.
const ROOT: &str = "http://localhost:4597/";

#[test]
fn the_server_is_ilert_unless_config_json_says_built_in() {
    let c = Config::from_json(include_str!("../../public/config.json")).unwrap();
    assert_eq!(c.server, Server::Ilert);
    let c = Config::from_json(&deployer_with_list().replace('{', r#"{"server":"ilert","#)).unwrap();
    assert_eq!(c.server, Server::Ilert);
    // iLert's fields stay required for iLert.
    let m = Config::from_json(r#"{"server":"ilert","api_base":"https://api.ilert.com"}"#)
        .unwrap_err()
        .to_string();
    assert!(m.contains("\"client_id\" is missing"), "{m}");
}

#[test]
fn built_in_needs_no_ilert_fields_and_starts_from_ilerts_defaults() {
    for text in [
        r#"{"server":"built-in"}"#,
        r#"{"server":" built-in ","client_id":" ","api_base":null}"#,
    ] {
        let c = Config::from_json(text).unwrap();
        assert_eq!(c.server, Server::BuiltIn, "{text}");
        assert_eq!(
            (c.client_id.as_str(), c.api_base.as_str()),
            ("", DEFAULT_API_BASE)
        );
        assert_eq!(c.authorize_endpoint().unwrap(), DEFAULT_AUTHORIZE_URL);
        assert_eq!(c.scopes, ["profile", "offline_access"]);
    }
    // Written ones are kept as written, for a switch to iLert, and not checked against
    // allowed_origins at load: they are not used.
    let c = Config::from_json(
        r#"{"server":"built-in","client_id":"mine","api_base":"https://api.ilert.example.org",
            "tenant":"acme","scopes":"profile","allowed_origins":["https://app.ilert.com"]}"#,
    )
    .unwrap();
    assert_eq!(
        (
            c.client_id.as_str(),
            c.api_base.as_str(),
            c.tenant.as_deref()
        ),
        ("mine", "https://api.ilert.example.org", Some("acme"))
    );
    assert_eq!(c.scopes, ["profile"]);
    // A malformed list is still refused.
    let m = Config::from_json(r#"{"server":"built-in","allowed_origins":["ftp://x"]}"#)
        .unwrap_err()
        .to_string();
    assert!(m.contains("allowed_origins"), "{m}");
}

#[test]
fn an_unknown_server_is_refused_naming_both_values() {
    for (text, said) in [
        (
            r#"{"server":"foo"}"#,
            "\"server\" is \"foo\": set it to \"built-in\"",
        ),
        (
            r#"{"server":"Built-In","client_id":"c","api_base":"https://api.ilert.com"}"#,
            "\"server\" is \"Built-In\"",
        ),
        (r#"{"server":true}"#, "\"server\" must be a text"),
    ] {
        match Config::from_json(text) {
            Err(Error::Config(m)) => {
                assert!(m.contains(said), "{text}: {m}");
                assert!(m.contains("\"ilert\""), "{text}: {m}");
                assert!(m.contains("\"built-in\""), "{text}: {m}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn the_server_round_trips_through_saved_settings() {
    let deployer = base();
    assert!(deployer.to_json().contains(r#""server": "ilert""#));
    let mut built_in = deployer.clone();
    built_in.server = Server::BuiltIn;
    // Even iLert fields that would not pass: the simulator does not use them.
    built_in.client_id = String::new();
    let text = built_in.to_value().compact();
    assert!(text.starts_with(r#"{"server":"built-in","#), "{text}");
    assert_eq!(
        Config::from_settings_json(&text, &deployer, ROOT),
        Ok((built_in.clone(), false))
    );
    assert_eq!(Config::from_json(&text).unwrap(), built_in);
    // Its scopes are checked all the same.
    built_in.scopes = vec!["nonsense".into()];
    let rejected =
        Config::from_settings_json(&built_in.to_value().compact(), &deployer, ROOT).unwrap_err();
    assert_eq!(fields_of(&rejected.problems), ["scopes"]);
    // Settings saved before there was a choice are iLert's.
    let mut old = deployer.to_value();
    if let Value::Object(members) = &mut old {
        members.retain(|(k, _)| k != "server");
    }
    assert_eq!(
        Config::from_settings_json(&old.compact(), &deployer, ROOT)
            .unwrap()
            .0
            .server,
        Server::Ilert
    );
}

#[test]
fn in_force_with_the_built_in_server() {
    let mut c = Config::from_json(r#"{"server":"built-in","scopes":"profile source:w"}"#).unwrap();
    for (root, origin) in [
        ("https://demo.example.org/", "https://demo.example.org"),
        ("http://localhost:4597/", "http://localhost:4597"),
        (
            "https://someone.github.io/ilert-pkce/",
            "https://someone.github.io",
        ),
    ] {
        let f = c.in_force(root);
        assert_eq!(f.server, Server::BuiltIn);
        assert_eq!(f.client_id, SIM_CLIENT_ID);
        assert_eq!(f.tenant, None);
        assert_eq!(
            f.authorize_endpoint().unwrap(),
            format!("{root}_sim/api/developers/oauth2/authorize")
        );
        assert_eq!(f.api_base, format!("{root}_sim"));
        assert_eq!(
            f.token_url(),
            format!("{root}_sim/api/developers/oauth2/token")
        );
        assert_eq!(f.user_url(), format!("{root}_sim/api/users/current"));
        assert_eq!(f.redirect_uri, format!("{root}webapp"));
        assert_eq!(f.issuer, None);
        assert_eq!(f.expected_issuer().as_deref(), Some(origin));
        assert_eq!(f.scopes, ["profile", "source:w"]);
        assert_eq!(f.allowed_origins, Some(vec![origin.to_string()]));
        assert_eq!(f.validate(Some(root)), vec![], "{root}");
        assert_eq!(InForce::resolve(c.clone(), Some(root)).checked(), Ok(()));
        for url in [
            f.authorize_endpoint().unwrap(),
            f.token_url(),
            f.revoke_url(),
        ] {
            assert!(is_simulator_url(&url, root), "{url}");
        }
        // The endpoints a sign-in pins are the simulator's.
        assert_eq!(f.endpoints().client_id, SIM_CLIENT_ID);
        assert!(is_simulator_url(&f.endpoints().token_info, root));
    }
    // A root without its final slash gets one.
    assert_eq!(
        c.in_force("http://localhost:4597").redirect_uri,
        "http://localhost:4597/webapp"
    );
    // The configured iLert fields do not leak into it.
    c.client_id = "mine".into();
    c.tenant = Some("acme".into());
    c.issuer = Some("https://issuer.example.org".into());
    let f = c.in_force(ROOT);
    assert_eq!(
        (
            f.client_id.as_str(),
            f.tenant.as_deref(),
            f.issuer.as_deref()
        ),
        (SIM_CLIENT_ID, None, None)
    );
    // iLert's configuration is in force as it is.
    let ilert = base();
    assert_eq!(ilert.in_force("https://demo.example.org/"), ilert);
}

/// The one value every caller takes: the configuration in force with what a sign-in pins,
/// worked out from the configuration in force, not from the one chosen.
#[test]
fn in_force_is_resolved_once_with_what_a_sign_in_needs() {
    let chosen = Config::from_json(r#"{"server":"built-in","scopes":"profile"}"#).unwrap();
    let f = InForce::resolve(chosen.clone(), Some(ROOT));
    assert_eq!(
        f.chosen, chosen,
        "the chosen configuration is kept for the settings form"
    );
    assert_eq!(f.server(), Server::BuiltIn);
    assert_eq!(f.config, chosen.in_force(ROOT));
    assert_eq!(f.redirect_uri(), "http://localhost:4597/webapp");
    assert_eq!(
        f.authorize_url.as_deref().unwrap(),
        "http://localhost:4597/_sim/api/developers/oauth2/authorize"
    );
    assert_eq!(f.endpoints.client_id, SIM_CLIENT_ID);
    assert_eq!(
        f.endpoints.token,
        "http://localhost:4597/_sim/api/developers/oauth2/token"
    );
    assert_eq!(f.issuer.as_deref(), Some("http://localhost:4597"));
    assert_eq!(f.problems, vec![]);

    // iLert's, with a problem: the page-origin check is part of it, and Connect refuses.
    let mut chosen = base();
    chosen.tenant = Some("acme".into());
    let f = InForce::resolve(chosen.clone(), Some("https://elsewhere.example.org/"));
    assert_eq!(f.config, chosen);
    assert_eq!(
        f.authorize_url.as_deref().unwrap(),
        "https://acme.ilert.com/api/developers/oauth2/authorize"
    );
    assert_eq!(f.issuer.as_deref(), Some("https://acme.ilert.com"));
    assert_eq!(f.endpoints, chosen.endpoints());
    assert_eq!(fields_of(&f.problems), ["redirect_uri"]);
    assert!(
        matches!(f.checked(), Err(Error::Config(m)) if m.starts_with("the configuration cannot be used to sign in: redirect_uri: "))
    );
    // A tenant that is not one: no authorize URL, and a problem that says why.
    chosen.tenant = Some("a.b".into());
    let f = InForce::resolve(chosen, Some(ROOT));
    assert!(f.authorize_url.is_err());
    assert_eq!(fields_of(&f.problems), ["tenant"]);
}

#[test]
fn which_urls_the_simulator_answers() {
    let root = "https://someone.github.io/ilert-pkce/";
    for (url, answered) in [
        (
            "https://someone.github.io/ilert-pkce/_sim/api/users/current",
            true,
        ),
        ("https://someone.github.io/ilert-pkce/_sim/", true),
        ("https://someone.github.io/ilert-pkce/_sim", false),
        ("https://someone.github.io/ilert-pkce/_simulator/x", false),
        ("https://someone.github.io/_sim/api/users/current", false),
        ("https://someone.github.io/ilert-pkce/webapp", false),
        (
            "https://other.example/ilert-pkce/_sim/api/users/current",
            false,
        ),
        ("https://api.ilert.com/api/users/current", false),
    ] {
        assert_eq!(is_simulator_url(url, root), answered, "{url}");
    }
    assert!(is_simulator_url("http://localhost:4597/_sim/x", ROOT));
}

#[test]
fn config_json_may_forbid_the_built_in_server() {
    // Absent or null: allowed, and not written back.
    for text in [
        deployer_with_list(),
        deployer_with_list().replace('{', r#"{"allow_built_in":null,"#),
    ] {
        let c = Config::from_json(&text).unwrap();
        assert!(c.allow_built_in, "{text}");
        assert!(!c.to_json().contains("allow_built_in"));
    }
    let c = Config::from_json(&deployer_with_list().replace('{', r#"{"allow_built_in":false,"#))
        .unwrap();
    assert!(!c.allow_built_in);
    assert_eq!(c.server, Server::Ilert);
    // It round-trips (the settings panel shows it), but Settings::save never stores it.
    assert!(c.to_value().compact().contains(r#""allow_built_in":false"#));
    assert_eq!(Config::from_json(&c.to_json()).unwrap(), c);
    assert!(
        Config::from_json(&deployer_with_list().replace('{', r#"{"allow_built_in":true,"#))
            .unwrap()
            .allow_built_in
    );
    // A wrong type says what the field takes.
    for wrong in [r#""no""#, "0", "[]", r#""false""#] {
        let text = deployer_with_list().replace('{', &format!(r#"{{"allow_built_in":{wrong},"#));
        match Config::from_json(&text) {
            Err(Error::Config(m)) => {
                assert!(
                    m.contains("\"allow_built_in\" must be true or false"),
                    "{wrong}: {m}"
                );
            }
            other => panic!("{wrong}: {other:?}"),
        }
    }
    // Built-in chosen and forbidden at once is a contradiction, said as such.
    let m = Config::from_json(r#"{"server":"built-in","allow_built_in":false}"#)
        .unwrap_err()
        .to_string();
    assert!(
        m.contains("\"allow_built_in\": false") && m.contains("\"server\": \"built-in\""),
        "{m}"
    );
}

#[test]
fn saved_settings_cannot_choose_a_forbidden_built_in_server() {
    let mut deployer = base();
    deployer.allow_built_in = false;
    // Saved while built-in was offered, with usable iLert fields: read as iLert's.
    let mut saved = base();
    saved.server = Server::BuiltIn;
    saved.client_id = "my-app".into();
    let text = saved.to_value().compact();
    assert!(!text.contains("allow_built_in"), "{text}");
    let (c, refused) = Config::from_settings_json(&text, &deployer, ROOT).unwrap();
    assert!(refused);
    assert_eq!(c.server, Server::Ilert);
    assert_eq!(c.client_id, "my-app");
    assert!(
        !c.allow_built_in,
        "the deployer's choice, not the saved one"
    );
    assert_eq!(
        c.in_force(ROOT).api_base,
        base().api_base,
        "iLert's endpoints, not the simulator's"
    );
    // Saved text that says it is allowed changes nothing.
    let planted = text.replace('{', r#"{"allow_built_in":true,"#);
    let (c, refused) = Config::from_settings_json(&planted, &deployer, ROOT).unwrap();
    assert!(refused && c.server == Server::Ilert && !c.allow_built_in);
    // With iLert fields that do not pass (fine for the simulator): refused, saying why first.
    saved.client_id = String::new();
    let rejected =
        Config::from_settings_json(&saved.to_value().compact(), &deployer, ROOT).unwrap_err();
    assert_eq!(fields_of(&rejected.problems), ["server", "client_id"]);
    assert!(
        rejected.summary().contains(BUILT_IN_FORBIDDEN),
        "{}",
        rejected.summary()
    );
    // Where it is allowed, the same text keeps the built-in server.
    let (c, refused) =
        Config::from_settings_json(&saved.to_value().compact(), &base(), ROOT).unwrap();
    assert!(!refused);
    assert_eq!(c.server, Server::BuiltIn);
    // iLert settings are not concerned.
    saved.server = Server::Ilert;
    saved.client_id = "my-app".into();
    let (c, refused) =
        Config::from_settings_json(&saved.to_value().compact(), &deployer, ROOT).unwrap();
    assert!(!refused);
    assert_eq!(c.server, Server::Ilert);
}

fn deployer_with_list() -> String {
    deployer(
        r#","allowed_origins":["https://app.ilert.example.org","https://api.ilert.example.org"]"#,
    )
}

#[test]
fn the_expected_issuer() {
    let mut c = base();
    assert_eq!(
        c.expected_issuer().as_deref(),
        Some("http://127.0.0.1:4598")
    );
    c.tenant = Some("Acme".into());
    assert_eq!(
        c.expected_issuer().as_deref(),
        Some("https://acme.ilert.com")
    );
    c.tenant = None;
    c.authorize_url = None;
    assert_eq!(
        c.expected_issuer().as_deref(),
        Some("https://app.ilert.com")
    );
    c.issuer = Some("https://issuer.example.org/oauth".into());
    assert_eq!(
        c.expected_issuer().as_deref(),
        Some("https://issuer.example.org/oauth")
    );
    assert_eq!(
        fields(&c, None),
        Vec::<&str>::new(),
        "the issuer is not restricted by the list"
    );
    for bad in [
        "http://issuer.example.org",
        "https://issuer.example.org/?x",
        "https://issuer.example.org/#x",
        "ilert",
        "javascript:alert(1)",
    ] {
        c.issuer = Some(bad.into());
        assert_eq!(fields(&c, None), ["issuer"], "{bad}");
    }
    c.issuer = Some("http://localhost:4598".into());
    assert_eq!(fields(&c, None), Vec::<&str>::new());
    c.issuer = None;
    c.authorize_url = Some("not a url".into());
    assert_eq!(c.expected_issuer(), None);
}

#[test]
fn tenants() {
    assert_eq!(
        tenant_authorize_url("acme").unwrap(),
        "https://acme.ilert.com/api/developers/oauth2/authorize"
    );
    assert_eq!(
        tenant_authorize_url("  ACME-2 \n").unwrap(),
        "https://acme-2.ilert.com/api/developers/oauth2/authorize"
    );
    assert!(tenant_authorize_url(&"a".repeat(63)).is_ok());
    for bad in [
        "",
        "  ",
        "acme.ilert.com",
        "a/b",
        "evil.com/x",
        "a b",
        "a_b",
        "-acme",
        "acme-",
        "ac:80",
        "ü",
        "a@b",
        "a?b",
        "a#b",
    ] {
        match tenant_authorize_url(bad) {
            Err(Error::Config(m)) => assert!(!m.is_empty()),
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    assert!(tenant_authorize_url(&"a".repeat(64)).is_err());
    assert!(
        matches!(normalize_tenant("acme.ilert.com"), Err(Error::Config(m)) if m.contains("e.g. \"acme\""))
    );
}
