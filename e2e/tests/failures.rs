//! Bad input and broken servers end in a clear message on screen, and lose nothing.
use e2e::{Harness, BROKEN_API};

#[tokio::test]
async fn a_broken_config_json_says_what_is_wrong() {
    let h = Harness::custom(|_| {}, |_| "{ this is not json".to_string()).await;
    h.open("/").await;
    let text = h.text("[role=alert]").await;
    assert!(text.contains("configuration could not be loaded"), "{text}");
    // The page's own reason, not the help line under it (which names config.json always).
    let reason = h.text("[role=alert] h2 + p").await;
    assert!(
        reason.contains("config.json is not valid JSON") && reason.contains("line 1"),
        "{reason}"
    );
    h.stop().await;
}

#[tokio::test]
async fn a_config_without_client_id_says_which_field() {
    let h = Harness::custom(
        |_| {},
        |mut c| {
            c.as_object_mut().unwrap().remove("client_id");
            c.to_string()
        },
    )
    .await;
    h.open("/").await;
    // The reason names the missing field; the help line under it names client_id always.
    let reason = h.text("[role=alert] h2 + p").await;
    assert!(reason.contains("\"client_id\" is missing"), "{reason}");
    h.stop().await;
}

#[tokio::test]
async fn a_token_endpoint_that_is_down_gives_a_network_message() {
    let h = Harness::custom(
        |_| {},
        |mut c| {
            // The authorize page is the simulator; the token endpoint is a closed port.
            c["api_base"] = "http://127.0.0.1:9".into();
            c.to_string()
        },
    )
    .await;
    h.sign_in_as("ada").await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("Network failure") && error.contains("could not reach"),
        "{error}"
    );
    assert!(!h.url().await.contains("code="));
    assert!(h.tokens().await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn a_gateway_answering_html_gives_a_not_json_message() {
    let h = Harness::custom(
        |_| {},
        |mut c| {
            let app = c["redirect_uri"]
                .as_str()
                .unwrap()
                .trim_end_matches("/webapp")
                .to_string();
            c["api_base"] = format!("{app}{BROKEN_API}").into();
            c.to_string()
        },
    )
    .await;
    h.sign_in_as("ada").await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("502") && error.contains("text/html") && error.contains("instead of JSON"),
        "{error}"
    );
    // The timeline shows the request, its HTML answer and the error, marked as failed.
    let failed = h
        .text("[data-testid=timeline] li.failed[data-step=TokenExchange]")
        .await;
    assert!(failed.contains("HTTP 502"), "{failed}");
    let steps = h.text("[data-testid=timeline]").await;
    assert!(steps.contains("The answer was not JSON"), "{steps}");
    h.stop().await;
}

#[tokio::test]
async fn an_expired_code_shows_ilerts_invalid_grant() {
    let h = Harness::with_sim(|c| c.code_ttl = 1).await;
    h.connect().await;
    // The code for this tab's own attempt, held until it is dead (exp is rounded up: wait 2.5 s).
    let authorize = h.browser.current_url().await.unwrap();
    let param = |name: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let (state, challenge) = (param("state"), param("code_challenge"));
    let code = h.code_from_sim(&state, &challenge).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    h.open(&format!("/webapp?code={code}&state={state}")).await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("The token request was refused") && error.contains("invalid_grant"),
        "{error}"
    );
    assert!(
        error.contains("HTTP 401"),
        "iLert sends invalid_grant with 401: {error}"
    );
    assert!(h.tokens().await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn a_crafted_error_link_is_not_shown_as_ilerts_words() {
    let h = Harness::start().await;
    h.connect().await;
    // A phishing link: an error "from iLert" with a made-up state and text.
    h.open(
        "/webapp?error=access_denied&error_description=Call+our+support+at+555-0100&state=made-up",
    )
    .await;
    let error = h.text("[data-testid=error]").await;
    assert!(
        error.contains("does not belong to a sign-in started in this tab"),
        "{error}"
    );
    assert!(
        !error.contains("555-0100"),
        "attacker text shown as iLert's: {error}"
    );
    assert!(!h.url().await.contains("error="));
    h.stop().await;
}

#[tokio::test]
async fn the_content_security_policy_blocks_injected_scripts_but_not_the_app() {
    let h = Harness::start().await;
    h.sign_in().await;
    let policy = h
        .js("return document.querySelector('meta[http-equiv=Content-Security-Policy]').content;")
        .await;
    assert!(
        policy.as_str().unwrap().contains("default-src 'none'"),
        "{policy}"
    );
    h.js("window.violations = []; document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));").await;

    // What the app does after sign-in runs under the policy without a single violation.
    h.click("[data-testid=refresh]").await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    h.click("[data-testid=reload-profile]").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;

    // An injected inline script does not run.
    let ran = h
        .js("const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.head.appendChild(s); return window.injected === true;")
        .await;
    assert_eq!(
        ran,
        serde_json::Value::Bool(false),
        "an inline script ran despite the CSP"
    );
    let violations = h
        .until("the blocked script to be reported", || async {
            let v = h.js("return window.violations;").await;
            (!v.as_array().unwrap().is_empty()).then_some(v)
        })
        .await;
    assert_eq!(
        violations.as_array().unwrap().len(),
        1,
        "only the injected script is blocked: {violations}"
    );
    assert!(
        violations[0].as_str().unwrap().starts_with("script-src"),
        "{violations}"
    );
    h.stop().await;
}
