//! The tab channel and the sender against another page of the origin: BroadcastChannel
//! reaches every document of the origin (on GitHub Pages, every project site of the same
//! user), so it must carry nothing readable and believe nothing it cannot authenticate; and a
//! URL from any source (a tab message, storage) is sent only to an allowed origin.
use std::sync::atomic::Ordering;
use std::time::Duration;

use e2e::Harness;
use serde_json::{json, Value};

/// Starts listening on the channel from a script of the origin that is not the app.
async fn eavesdrop(h: &Harness) {
    h.js("window.heard = [];
          window.spy = new BroadcastChannel('ilert-pkce.session');
          window.spy.onmessage = (e) => window.heard.push(String(e.data));")
        .await;
}

/// The session's tokens with every endpoint moved to `base`.
fn moved_to(tokens: &Value, base: &str) -> Value {
    let mut forged = tokens.clone();
    for (key, path) in [
        ("token", "/api/developers/oauth2/token"),
        ("token_info", "/api/developers/oauth2/token_info"),
        ("revoke", "/api/developers/oauth2/revoke"),
        ("user", "/api/users/current"),
    ] {
        forged["endpoints"][key] = json!(format!("{base}{path}"));
    }
    forged["access_token"] = json!("forged-access");
    forged["refresh_token"] = json!("forged-refresh");
    forged
}

#[tokio::test]
async fn an_eavesdropper_on_the_origin_hears_no_token_while_the_duplicate_tab_still_follows() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.open_duplicate_tab().await;
    eavesdrop(&h).await;
    let (access, refresh) = (h.access_token().await, h.refresh_token().await);

    h.click("[data-testid=refresh]").await;
    let fresh = h
        .until("a new access token", || async {
            Some(h.access_token().await).filter(|t| *t != access)
        })
        .await;
    h.until("the duplicate to take the new tokens over", || async {
        let raw = h
            .js("return window.second.sessionStorage.getItem('ilert-pkce.tokens');")
            .await;
        raw.as_str()
            .is_some_and(|t| t.contains(&fresh))
            .then_some(())
    })
    .await;
    let new_refresh = h.refresh_token().await;
    let heard = h.js("return window.heard;").await;
    let heard: Vec<String> = serde_json::from_value(heard).unwrap();
    assert!(
        !heard.is_empty(),
        "the refresh was announced on the channel"
    );
    for message in &heard {
        assert!(
            message.starts_with("ilert-pkce.sealed.1:"),
            "sealed: {message}"
        );
        for secret in [&access, &refresh, &fresh, &new_refresh] {
            assert!(
                !message.contains(secret.as_str()),
                "a token in clear: {message}"
            );
        }
        assert!(
            !message.contains("access_token"),
            "readable JSON: {message}"
        );
    }
    h.stop().await;
}

#[tokio::test]
async fn forged_tab_messages_are_ignored_and_tokens_never_reach_another_origin() {
    let (evil, hits) = e2e::counting_server().await;
    let h = Harness::start().await;
    h.sign_in().await;
    let before = h.tokens().await.unwrap();
    let forged = moved_to(&before, &evil);

    // 1. The previous shape, in clear, with the right fingerprint (SHA-256 of the refresh
    //    token, which is what an attacker who once saw the token can compute).
    // 2. Sealed with a key of the attacker's own.
    // 3. Sealed with the session's real key (as if it had leaked) but naming other endpoints.
    let sent = h.js_async(&format!(
        "(async () => {{
         const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
             .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
         const unb64 = (text) => Uint8Array.from(
             atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
         const refresh = {refresh:?};
         const fp = b64(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(refresh)));
         const text = JSON.stringify({{ Refreshed: {{ replaces: fp, tokens: {forged} }} }});
         const seal = async (raw) => {{
           const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
           const iv = crypto.getRandomValues(new Uint8Array(12));
           const sealed = await crypto.subtle.encrypt(
             {{ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode('ilert-pkce tab channel v1') }},
             key, new TextEncoder().encode(text));
           return 'ilert-pkce.sealed.1:' + b64([...iv, ...new Uint8Array(sealed)]);
         }};
         const channel = new BroadcastChannel('ilert-pkce.session');
         channel.postMessage(text);
         channel.postMessage(await seal(crypto.getRandomValues(new Uint8Array(32))));
         channel.postMessage(await seal(unb64(sessionStorage.getItem('ilert-pkce.tab-key'))));
         }})().then(() => done(true), (e) => done(String(e)));",
        refresh = before["refresh_token"].as_str().unwrap(),
        forged = forged,
    ))
    .await;
    assert_eq!(sent, json!(true), "the forgeries were sent: {sent}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        h.tokens().await.unwrap(),
        before,
        "no forged message was taken"
    );

    // The session goes on with its own server.
    let refreshes = h.sim_stats().await["refresh_grants"].as_u64().unwrap();
    h.click("[data-testid=refresh]").await;
    h.until("the refresh at the real server", || async {
        (h.sim_stats().await["refresh_grants"].as_u64().unwrap() > refreshes).then_some(())
    })
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached {evil}");
    h.stop().await;
}

#[tokio::test]
async fn tokens_stored_with_foreign_endpoints_are_not_sent_there() {
    let (evil, hits) = e2e::counting_server().await;
    // This deployment allows only its simulator's origin (the default allows all loopback).
    let h = Harness::custom(
        |_| {},
        |mut config| {
            let sim = config["api_base"].as_str().unwrap().to_string();
            config["allowed_origins"] = json!([sim]);
            config.to_string()
        },
    )
    .await;
    h.sign_in().await;
    // What storage written by someone else (or a previous version) could say.
    let forged = moved_to(&h.tokens().await.unwrap(), &evil);
    h.js(&format!(
        "sessionStorage.setItem('ilert-pkce.tokens', JSON.stringify({forged}));"
    ))
    .await;
    h.open("/").await;
    let failure = h
        .wait_contains(
            "[data-testid=profile] [data-testid=load-error]",
            "was not sent",
        )
        .await;
    assert!(failure.contains("does not allow"), "{failure}");
    h.click("[data-testid=refresh]").await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing reached {evil}");
    h.stop().await;
}
