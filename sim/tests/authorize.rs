//! The authorize endpoint over HTTP: what is refused with a page, what is sent back to the
//! client, the consent page and its answers.

mod common;

use common::*;
use reqwest::{header, StatusCode};

/// The standard query with `name` replaced (or removed when `value` is None).
fn query_with<'a>(name: &'a str, value: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut q: Vec<_> = authorize_query("profile", "s t&=/é")
        .into_iter()
        .filter(|(k, _)| *k != name)
        .collect();
    q.extend(value.map(|v| (name, v)));
    q
}

async fn assert_error_page(resp: reqwest::Response, needle: &str) {
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(
        resp.headers().get(header::LOCATION).is_none(),
        "must never redirect"
    );
    assert_eq!(resp.headers()[header::REFERRER_POLICY], "no-referrer");
    assert!(resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    // The page's own error element, not its static note (which names client_id and
    // redirect_uri whatever went wrong).
    let error = html
        .split_once("<p id=\"error\">")
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(error, _)| error)
        .unwrap_or_else(|| panic!("no error element in {html}"));
    assert!(
        error.contains(needle),
        "{needle:?} not in the error {error:?}"
    );
}

/// Asserts a redirect back to the client with an error, the description and the state.
async fn assert_bounced(query: &[(&str, &str)], error: &str, description_has: &str) {
    let sim = start(config()).await;
    let resp = sim.authorize(query).await;
    assert!(
        matches!(resp.status().as_u16(), 302 | 303),
        "{}",
        resp.status()
    );
    assert_eq!(resp.headers()[header::REFERRER_POLICY], "no-referrer");
    let q = location(&resp, REDIRECT);
    assert_eq!(q["error"], error);
    assert!(
        q["error_description"].contains(description_has),
        "{:?}",
        q["error_description"]
    );
    assert_eq!(q["state"], "s t&=/é", "state echoed, URL-encoded");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn untrusted_requests_get_an_error_page_and_no_redirect() {
    let sim = start(config()).await;
    // Unknown client, reflected text escaped.
    let resp = sim
        .authorize(&query_with("client_id", Some("<script>x</script>")))
        .await;
    assert_error_page(resp, "Unknown client_id: &lt;script&gt;x&lt;/script&gt;").await;
    assert_error_page(
        sim.authorize(&query_with("client_id", None)).await,
        "client_id is missing",
    )
    .await;
    // Redirect URIs must match exactly: not a prefix, not another path or port.
    for bad in [
        "http://localhost:4597/webapp/",
        "http://localhost:4597/",
        "http://127.0.0.1:4597/webapp",
        "http://localhost:4597/webapp?x=1",
        "https://localhost:4597/webapp",
        "http://evil.example/webapp",
    ] {
        assert_error_page(
            sim.authorize(&query_with("redirect_uri", Some(bad))).await,
            &format!(
                "redirect_uri {} does not match the redirect URI registered for",
                bad.replace('&', "&amp;")
            ),
        )
        .await;
    }
    assert_error_page(
        sim.authorize(&query_with("redirect_uri", None)).await,
        "redirect_uri is missing",
    )
    .await;
    // The same parameter twice cannot be trusted either.
    let mut twice = authorize_query("profile", "s");
    twice.push(("redirect_uri", REDIRECT));
    assert_error_page(sim.authorize(&twice).await, "more than once").await;
}

#[tokio::test]
async fn missing_code_challenge_is_sent_back() {
    assert_bounced(
        &query_with("code_challenge", None),
        "invalid_request",
        "S256",
    )
    .await;
}

#[tokio::test]
async fn plain_or_missing_method_is_sent_back() {
    assert_bounced(
        &query_with("code_challenge_method", Some("plain")),
        "invalid_request",
        "S256",
    )
    .await;
    assert_bounced(
        &query_with("code_challenge_method", None),
        "invalid_request",
        "S256",
    )
    .await;
    // A challenge that cannot be an S256 digest.
    assert_bounced(
        &query_with("code_challenge", Some("too-short")),
        "invalid_request",
        "43",
    )
    .await;
}

#[tokio::test]
async fn response_type_is_checked() {
    assert_bounced(
        &query_with("response_type", Some("token")),
        "unsupported_response_type",
        "code",
    )
    .await;
    assert_bounced(
        &query_with("response_type", None),
        "invalid_request",
        "response_type",
    )
    .await;
}

#[tokio::test]
async fn scopes_are_checked() {
    assert_bounced(
        &query_with("scope", Some("profile bogus:w")),
        "invalid_scope",
        "bogus:w",
    )
    .await;
    assert_bounced(
        &query_with("scope", Some("profile,source")),
        "invalid_scope",
        "",
    )
    .await;
    assert_bounced(&query_with("scope", None), "invalid_scope", "scope").await;
}

#[tokio::test]
async fn no_state_no_state_back() {
    let sim = start(config()).await;
    let q: Vec<_> = authorize_query("profile", "")
        .into_iter()
        .filter(|(k, _)| *k != "state")
        .collect();
    let id = sim.consent(&q).await;
    let q = location(&sim.decide(&id, "grant", "grace").await, REDIRECT);
    assert!(q.contains_key("code"));
    assert!(!q.contains_key("state"));
}

#[tokio::test]
async fn consent_page_explains_and_offers_users() {
    let sim = start(config()).await;
    let resp = sim
        .authorize(&authorize_query(
            "profile offline_access incident:d status_page",
            "s",
        ))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let html = resp.text().await.unwrap();
    for needle in [
        "<html lang=\"en\">",
        "<style>",
        CLIENT,
        "<label for=\"user\">",
        "<select name=\"user\" id=\"user\">",
        "<option value=\"ada\">Ada Lovelace",
        "<option value=\"grace\">Grace Hopper",
        "method=\"post\" action=\"/api/developers/oauth2/authorize\"",
        "name=\"decision\" value=\"grant\" id=\"grant\">Grant access</button>",
        "name=\"decision\" value=\"deny\" id=\"deny\">Deny</button>",
        "View, create, change and delete incidents.",
        "View status pages.",
        "refresh token",
        "user profile",
    ] {
        assert!(html.contains(needle), "{needle:?} missing");
    }
    assert!(!html.contains("<script"), "no scripts on the consent page");
}

#[tokio::test]
async fn grant_and_deny_go_back_with_state() {
    let sim = start(config()).await;
    let id = sim.consent(&authorize_query("profile", "xyz")).await;
    let resp = sim.decide(&id, "grant", "grace").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[header::REFERRER_POLICY], "no-referrer");
    let q = location(&resp, REDIRECT);
    assert_eq!(q["state"], "xyz");
    assert_eq!(q.len(), 2);
    // The code belongs to the user picked on the page.
    let t = sim.exchange(&q["code"]).await;
    let info = sim.token_info(str_of(&t, "access_token")).await;
    assert_eq!(info["username"], "grace");

    // The same consent form cannot be answered twice.
    assert_error_page(sim.decide(&id, "grant", "ada").await, "already answered").await;

    let id = sim.consent(&authorize_query("profile", "abc")).await;
    let resp = sim.decide(&id, "deny", "ada").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let q = location(&resp, REDIRECT);
    assert_eq!(q["error"], "access_denied");
    assert!(!q["error_description"].is_empty());
    assert_eq!(q["state"], "abc");
    assert!(!q.contains_key("code"));
}

#[tokio::test]
async fn bad_consent_answers_get_an_error_page() {
    let sim = start(config()).await;
    assert_error_page(sim.decide("made-up", "grant", "ada").await, "unknown").await;
    let id = sim.consent(&authorize_query("profile", "s")).await;
    assert_error_page(sim.decide(&id, "grant", "mallory").await, "demo users").await;
    assert_error_page(
        sim.decide(&id, "maybe", "ada").await,
        "Grant access or Deny",
    )
    .await;
    // Those did not use the request up.
    assert_eq!(
        sim.decide(&id, "grant", "ada").await.status(),
        StatusCode::SEE_OTHER
    );
}
