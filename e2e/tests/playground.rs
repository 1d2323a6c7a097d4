//! The playground: the timeline, the settings, the JWT inspector, and accessibility.
use base64::Engine;
use e2e::fantoccini::Locator;
use e2e::Harness;
use sha2::{Digest, Sha256};

/// The entry of the timeline for a step, e.g. `TokenExchange`.
fn step(name: &str) -> String {
    format!("[data-testid=timeline] li[data-step={name}]")
}

#[tokio::test]
async fn the_timeline_shows_every_step_with_real_data_and_masks_secrets() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    for name in [
        "Pkce",
        "Authorize",
        "Callback",
        "TokenExchange",
        "Profile",
        "TokenInfo",
    ] {
        h.wait(&step(name)).await;
    }

    // PKCE: the check is shown as passing; the verifier is masked until revealed.
    let pkce = h.text(&step("Pkce")).await;
    assert!(
        pkce.contains("base64url(SHA-256(verifier)) = challenge ✓"),
        "{pkce}"
    );
    assert!(
        pkce.contains("••••") && pkce.contains("(43 characters)"),
        "{pkce}"
    );
    h.click(&format!("{} button.reveal", step("Pkce"))).await;
    let fields = h
        .wait(&step("Pkce"))
        .await
        .find_all(Locator::Css("dd code"))
        .await
        .unwrap();
    let verifier = fields[0].text().await.unwrap();
    let challenge = fields[1].text().await.unwrap();
    assert_eq!(verifier.len(), 43, "{verifier}");
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(
        challenge, expected,
        "the challenge shown is base64url(SHA-256(the verifier shown))"
    );

    // The authorize URL taken apart, each parameter explained.
    let authorize = h.text(&step("Authorize")).await;
    for p in [
        "client_id",
        "response_type",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        assert!(authorize.contains(p), "{p} missing: {authorize}");
    }
    assert!(authorize.contains("S256"));

    // The exact token request: method, URL, headers, every form field; the secrets masked.
    let exchange = h.text(&step("TokenExchange")).await;
    assert!(
        exchange.contains("POST") && exchange.contains("/api/developers/oauth2/token"),
        "{exchange}"
    );
    assert!(
        exchange.contains("application/x-www-form-urlencoded") && exchange.contains("Accept"),
        "{exchange}"
    );
    let form = h
        .text(&format!(
            "{} [data-testid=form-fields]",
            step("TokenExchange")
        ))
        .await;
    for field in [
        "grant_type",
        "authorization_code",
        "client_id",
        "ilert-pkce-demo",
        "code",
        "code_verifier",
        "redirect_uri",
    ] {
        assert!(form.contains(field), "{field} missing: {form}");
    }
    assert!(
        !form.contains(&verifier),
        "the verifier is shown unmasked before Reveal"
    );
    assert!(
        exchange.contains("HTTP 200") && exchange.contains(" ms"),
        "{exchange}"
    );
    let token = h.access_token().await;
    assert!(
        !exchange.contains(&token),
        "the access token is shown unmasked before Reveal"
    );
    h.click(&format!("{} button.reveal", step("TokenExchange")))
        .await;
    let revealed = h.text(&step("TokenExchange")).await;
    assert!(
        revealed.contains(&verifier) && revealed.contains(&token),
        "Reveal shows the real values"
    );

    // It survives a reload.
    h.browser.refresh().await.unwrap();
    h.wait(&step("TokenExchange")).await;

    h.resize(1280, 2600).await;
    let el = h.wait("[data-testid=timeline]").await;
    h.js("document.querySelector('[data-testid=timeline]').scrollIntoView();")
        .await;
    let png = el.screenshot().await.unwrap();
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/screenshots/timeline.png"
        ),
        png,
    )
    .unwrap();

    // Sign-out clears it, but for the revocation that ended the session.
    let refresh = h.refresh_token().await;
    h.click("[data-testid=sign-out]").await;
    h.wait_contains("[data-testid=notice]", "Signed out").await;
    h.wait("[data-testid=connect]").await;
    let revoke = h.text(&step("Revoke")).await;
    assert!(
        revoke.contains("/api/developers/oauth2/revoke") && revoke.contains("HTTP 200"),
        "{revoke}"
    );
    assert!(!revoke.contains(&refresh), "the refresh token is masked");
    for gone in [
        "Pkce",
        "Authorize",
        "Callback",
        "TokenExchange",
        "Profile",
        "TokenInfo",
    ] {
        assert!(
            h.browser.find(Locator::Css(&step(gone))).await.is_err(),
            "{gone} survived sign-out"
        );
    }
    let stored = h
        .session_storage("ilert-pkce.timeline")
        .await
        .unwrap()
        .to_string();
    assert!(
        !stored.contains(&verifier) && !stored.contains(&token),
        "secrets of the ended session stay in storage"
    );
    h.stop().await;
}

#[tokio::test]
async fn the_jwt_inspector_explains_ilerts_claims() {
    let h = Harness::start().await;
    h.sign_in().await;
    let access = h.text("[data-testid=jwt-access]").await;
    assert!(access.contains("RS256"), "{access}");
    for claim in ["il_s", "il_u", "il_t", "exp"] {
        assert!(access.contains(claim), "{claim}: {access}");
    }
    assert!(
        access.contains("profile offline_access")
            && access.contains("ACCESS")
            && access.contains("ada"),
        "{access}"
    );
    assert!(h.text("[data-testid=exp-left]").await.ends_with("left"));
    let refresh = h.text("[data-testid=jwt-refresh]").await;
    assert!(
        refresh.contains("HS256") && refresh.contains("OAUTH"),
        "{refresh}"
    );
    assert!(h
        .text("[data-testid=jwt-note]")
        .await
        .contains("not verified"));
    h.stop().await;
}

#[tokio::test]
async fn settings_are_validated_kept_across_a_reload_and_used_by_the_next_connect() {
    let h = Harness::start().await;
    h.open("/settings").await;
    let client = h.wait("#client_id").await;
    assert_eq!(
        client.prop("value").await.unwrap().as_deref(),
        Some("ilert-pkce-demo")
    );

    // An empty client id and a redirect URI on another origin: clear messages, nothing saved.
    client.clear().await.unwrap();
    let redirect = h.wait("#redirect_uri").await;
    redirect.clear().await.unwrap();
    redirect
        .send_keys("https://evil.example/webapp")
        .await
        .unwrap();
    let problems = h.text("[data-testid=settings-problems]").await;
    assert!(problems.contains("client id is empty"), "{problems}");
    assert!(problems.contains("this page's origin"), "{problems}");
    assert_eq!(
        h.wait("#client_id")
            .await
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    h.click("[data-testid=save-settings]").await;
    assert!(
        h.browser
            .find(Locator::Css("[data-testid=settings-saved]"))
            .await
            .is_err(),
        "an invalid config was saved"
    );

    // Fixed, with one more scope.
    h.wait("#client_id")
        .await
        .send_keys("ilert-pkce-demo")
        .await
        .unwrap();
    let redirect = h.wait("#redirect_uri").await;
    redirect.clear().await.unwrap();
    redirect
        .send_keys(&format!("{}/webapp", h.app))
        .await
        .unwrap();
    h.click("input[value='incident:w']").await;
    assert_eq!(
        h.text("[data-testid=scope-string]").await,
        "profile offline_access incident:w"
    );
    h.resize(1280, 2200).await;
    h.screenshot("docs/screenshots/settings.png").await;
    h.click("[data-testid=save-settings]").await;
    h.wait("[data-testid=settings-saved]").await;

    // After a reload, Home shows it and Connect asks for it.
    h.open("/").await;
    h.browser.refresh().await.unwrap();
    assert!(h.text("[data-testid=scopes]").await.contains("incident:w"));
    assert!(h
        .text("[data-testid=config-source]")
        .await
        .contains("From your settings"));
    h.click("[data-testid=connect]").await;
    h.wait("#grant").await;
    let url = h.browser.current_url().await.unwrap();
    let scope = url
        .query_pairs()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(scope, "profile offline_access incident:w");
    assert!(
        h.text("body").await.contains("incidents"),
        "the consent page explains the scope"
    );

    // A tenant makes the authorize URL the tenant's own.
    h.open("/settings").await;
    h.wait("#tenant").await.send_keys("acme").await.unwrap();
    h.click("[data-testid=save-settings]").await;
    h.wait("[data-testid=settings-saved]").await;
    h.open("/").await;
    assert_eq!(
        h.text("[data-testid=authorize-url]").await,
        "https://acme.ilert.com/api/developers/oauth2/authorize"
    );

    // Reset to defaults returns to config.json.
    h.open("/settings").await;
    h.click("[data-testid=reset-settings]").await;
    h.wait_text("[data-testid=scope-string]", "profile offline_access")
        .await;
    h.open("/").await;
    assert!(!h.text("[data-testid=scopes]").await.contains("incident:w"));
    assert!(h
        .text("[data-testid=config-source]")
        .await
        .contains("From config.json"));
    assert_eq!(
        h.js("return localStorage.getItem('ilert-pkce.settings');")
            .await,
        serde_json::Value::Null
    );
    h.stop().await;
}

#[tokio::test]
async fn no_serious_accessibility_violations_and_no_sideways_scrolling() {
    let h = Harness::start().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    assert_eq!(h.axe_serious().await, Vec::<String>::new(), "Home");

    // Keyboard: Tab reaches the Connect button, and focus is visible.
    let mut reached = false;
    for _ in 0..12 {
        h.browser
            .active_element()
            .await
            .unwrap()
            .send_keys("\u{E004}")
            .await
            .unwrap();
        let focused = h
            .js("return document.activeElement.dataset.testid || '';")
            .await;
        if focused == "connect" {
            reached = true;
            let outline = h
                .js("return getComputedStyle(document.activeElement).outlineStyle;")
                .await;
            assert_ne!(outline, "none", "focus is visible");
            break;
        }
    }
    assert!(reached, "Connect is reachable with Tab");

    h.sign_in().await;
    h.wait("[data-testid=timeline] li[data-step=TokenInfo]")
        .await;
    assert_eq!(
        h.axe_serious().await,
        Vec::<String>::new(),
        "signed in, timeline open"
    );
    // After Reveal the button reads "Hide access token", and its name says so too.
    h.click("[data-testid=access-token] button.reveal").await;
    h.until("the Reveal button to read Hide access token", || async {
        let name = h.js("return document.querySelector('[data-testid=access-token] button.reveal').textContent.trim();").await;
        (name == "Hide access token").then_some(())
    })
    .await;
    h.click(&format!(
        "{} button.reveal",
        "[data-testid=timeline] li[data-step=TokenExchange]"
    ))
    .await;
    // The revealed tokens make the answer long enough to scroll (on a phone for sure): a
    // keyboard must be able to reach and scroll it.
    h.resize(360, 800).await;
    h.until(
        "the token answer to show the real tokens and scroll",
        || async {
            let scrolls = h
                .js(
                    "const pre = document.querySelector('li[data-step=TokenExchange] pre.json');
                 return !pre.textContent.includes('•') && pre.scrollHeight > pre.clientHeight;",
                )
                .await;
            (scrolls == true).then_some(())
        },
    )
    .await;
    assert_eq!(h.axe_serious().await, Vec::<String>::new(), "after Reveal");
    h.resize(1280, 1000).await;
    h.open("/settings").await;
    h.wait("#client_id").await;
    assert_eq!(h.axe_serious().await, Vec::<String>::new(), "Settings");

    for path in ["/", "/settings"] {
        h.resize(360, 800).await;
        h.open(path).await;
        h.wait("main h1, main h2").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(
            h.overflows_horizontally().await,
            None,
            "{path} scrolls sideways at 360 px"
        );
    }
    h.open("/").await;
    h.wait("[data-testid=profile-name]").await;
    h.screenshot("docs/screenshots/mobile.png").await;
    h.stop().await;
}

#[tokio::test]
async fn without_offline_access_there_is_no_refresh_token_and_the_ui_says_so() {
    let h = Harness::start().await;
    h.open("/settings").await;
    h.click("input[value=offline_access]").await;
    h.wait_text("[data-testid=scope-string]", "profile").await;
    h.click("[data-testid=save-settings]").await;
    h.wait("[data-testid=settings-saved]").await;

    h.sign_in().await;
    assert!(h.tokens().await.unwrap()["refresh_token"].is_null());
    assert!(h
        .text("[data-testid=refresh-token]")
        .await
        .contains("offline_access"));
    assert!(h
        .wait("[data-testid=refresh]")
        .await
        .attr("disabled")
        .await
        .unwrap()
        .is_some());
    assert!(h
        .browser
        .find(Locator::Css("[data-testid=jwt-refresh]"))
        .await
        .is_err());
    h.click("[data-testid=sign-out]").await;
    let notice = h.text("[data-testid=notice]").await;
    assert!(notice.contains("no refresh token to revoke"), "{notice}");
    assert_eq!(h.sim_stats().await["revocations"], 0);
    h.stop().await;
}

/// The text of `css` as the page holds it (also inside a closed `<details>`).
async fn content(h: &Harness, css: &str) -> String {
    h.wait(css).await;
    h.js(&format!(
        "return document.querySelector({css:?}).textContent;"
    ))
    .await
    .as_str()
    .unwrap()
    .to_string()
}

/// The value of form field `name` in the request of the timeline's last `step` entry, as stored.
async fn sent_field(h: &Harness, step: &str, name: &str) -> String {
    let entries = h.session_storage("ilert-pkce.timeline").await.unwrap();
    let entry = entries
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["step"] == step)
        .unwrap();
    let form = entry["request"]["form"].as_array().unwrap();
    let field = form.iter().find(|f| f["name"] == name).unwrap();
    field["value"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_request_copies_as_curl_and_the_code_exchange_shows_what_a_backend_app_sends() {
    let h = Harness::start().await;
    let token_url = format!("{}/api/developers/oauth2/token", h.sim);

    // Home: the backend app's request with the settings in force, the secret a placeholder.
    h.open("/").await;
    let home = content(&h, "[data-testid=backend-curl-home]").await;
    for want in [
        format!("curl '{token_url}'"),
        "client_id=ilert-pkce-demo".into(),
        "--data-urlencode 'client_secret=<YOUR_CLIENT_SECRET>'".into(),
        "--data-urlencode 'code=<code>'".into(),
    ] {
        assert!(home.contains(&want), "{want} missing: {home}");
    }

    h.sign_in().await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    let exchange = step("TokenExchange");
    h.wait(&format!("{exchange} .answer")).await;
    let code = sent_field(&h, "TokenExchange", "code").await;
    let verifier = sent_field(&h, "TokenExchange", "code_verifier").await;

    // Masked until Reveal, then the real values.
    let masked = content(&h, &format!("{exchange} [data-testid=curl]")).await;
    assert!(
        masked.starts_with(&format!("curl '{token_url}'")),
        "{masked}"
    );
    assert!(
        !masked.contains(&code) && !masked.contains(&verifier),
        "a secret in the masked command: {masked}"
    );
    assert!(masked.contains("(43 characters)"), "{masked}");

    // What a backend app sends instead, and why this app must not.
    let contrast = content(&h, &format!("{exchange} [data-testid=backend-contrast]")).await;
    assert!(
        contrast.contains("client_secret=<YOUR_CLIENT_SECRET>")
            && contrast.contains("every visitor")
            && !contrast.contains(&verifier),
        "{contrast}"
    );

    // Copy as curl: the clipboard, or (refused) the command selected for copying by hand.
    let copy = h
        .wait(&exchange)
        .await
        .find(Locator::XPath(
            ".//button[normalize-space(.)='Copy as curl']",
        ))
        .await
        .unwrap();
    copy.click().await.unwrap();
    let status = h
        .until("the copy's status", || async {
            let s = content(&h, &format!("{exchange} [role=status]")).await;
            (!s.is_empty()).then_some(s)
        })
        .await;
    if status != "Copied" {
        assert!(status.contains("copy it by hand"), "{status}");
        let by_hand = h.text(&format!("{exchange} [data-testid=curl]")).await;
        assert_eq!(by_hand, masked.trim_end(), "shown: the details opened");
        let selected = h.js("return String(getSelection());").await;
        assert_eq!(selected.as_str().unwrap().trim_end(), masked.trim_end());
    }

    h.click(&format!("{exchange} button.reveal")).await;
    let shown = content(&h, &format!("{exchange} [data-testid=curl]")).await;
    assert!(
        shown.contains(&format!("-d 'code={code}'"))
            && shown.contains(&format!("-d 'code_verifier={verifier}'")),
        "{shown}"
    );

    // The refresh, revealed and run as it is: the simulator answers it with new tokens. The
    // simulator rotates refresh tokens, so the app's own refresh must not spend this one: it
    // gets a 503 (Retry-After: no retry meanwhile) that the token endpoint never sees.
    h.fault(
        serde_json::json!({"endpoint": "token", "grant_type": "refresh_token",
        "action": {"respond": {"status": 503, "headers": {"Retry-After": "120"}}}}),
    )
    .await;
    let unspent = h.refresh_token().await;
    h.click("[data-testid=refresh]").await;
    let refresh = step("Refresh");
    h.wait(&format!("{refresh} .answer")).await;
    let masked = content(&h, &format!("{refresh} [data-testid=curl]")).await;
    assert!(!masked.contains(&unspent), "{masked}");
    h.click(&format!("{refresh} button.reveal")).await;
    let command = content(&h, &format!("{refresh} [data-testid=curl]")).await;
    assert!(command.contains(&unspent), "{command}");
    // tokio's Command: a blocking wait would stop this test's runtime, which serves the
    // simulator curl is talking to.
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{command} -s --max-time 10 -w '\\n%{{http_code}}'"))
        .output()
        .await
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let (body, status) = out.rsplit_once('\n').unwrap();
    assert_eq!(status, "200", "{command}\n{out}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(
        json["access_token"].is_string() && json["refresh_token"].is_string(),
        "{body}"
    );
    h.stop().await;
}
