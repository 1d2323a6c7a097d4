//! The browser glue in a real Chromium (wasm-bindgen-test): storage, randomness, clock,
//! address bar. Run by `cargo xtask test`.
#![cfg(target_arch = "wasm32")]

use ilert_pkce::browser::{clock, history, random};
use ilert_pkce::oauth::pkce;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn random_bytes_come_from_the_csprng_and_differ() {
    let a = random::bytes::<32>();
    let b = random::bytes::<32>();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    let verifier = pkce::verifier_from_bytes(&a);
    let verifier = verifier.expose();
    assert_eq!(verifier.len(), 43);
    assert!(pkce::is_valid_verifier(verifier));
    // 1000 draws of 32 bytes: every byte value should appear (p of a miss is ~e^-125).
    let mut seen = [false; 256];
    for _ in 0..1000 {
        for byte in random::bytes::<32>() {
            seen[byte as usize] = true;
        }
    }
    assert!(seen.iter().all(|s| *s));
}

/// Expiry uses the wall clock in ms; durations (the timeline's timings) the monotonic one, which
/// must advance in ms across a real wait and must not be the epoch clock.
#[wasm_bindgen_test]
async fn the_wall_clock_counts_ms_since_the_epoch_and_the_monotonic_one_measures_a_wait() {
    let wall = clock::now_ms();
    // After 2020 and before 2100: Date.now() in ms, not seconds.
    assert!(wall > 1.577e12 && wall < 4.1e12, "{wall}");
    let a = clock::monotonic_ms();
    assert!(
        a < 1.0e11,
        "performance.now() counts from the page's start, not 1970: {a}"
    );
    gloo_timers::future::TimeoutFuture::new(120).await;
    let waited = clock::monotonic_ms() - a;
    assert!(
        (100.0..5_000.0).contains(&waited),
        "120 ms of timer measured as {waited} ms"
    );
    let wall_waited = clock::now_ms() - wall;
    assert!((100.0..5_000.0).contains(&wall_waited), "{wall_waited}");
}

#[wasm_bindgen_test]
fn replace_url_changes_the_address_without_navigating() {
    let before = web_sys::window().unwrap().location().href().unwrap();
    history::replace_url("?code=secret&state=abc");
    assert_eq!(history::query(), "?code=secret&state=abc");
    history::replace_url(&before);
    assert!(!history::query().contains("secret"));
    assert!(history::origin().unwrap().starts_with("http://"));
}

mod session_and_timeline {
    use gloo_storage::{SessionStorage, Storage};
    use ilert_pkce::config::Config;
    use ilert_pkce::oauth::request::Endpoints;
    use ilert_pkce::oauth::token::TokenResponse;
    use ilert_pkce::oauth::Secret;
    use ilert_pkce::playground::timeline::{self, Field, Step};
    use ilert_pkce::session::Tokens;
    use ilert_pkce::settings::Settings;
    use wasm_bindgen_test::*;

    fn answer(refresh: Option<&str>) -> TokenResponse {
        TokenResponse {
            token_type: "Bearer".into(),
            access_token: "access-2".into(),
            expires_in: 3600,
            expires_in_sent: None,
            scope: None,
            refresh_token: refresh.map(Secret::from),
            refresh_token_expires_in: refresh.map(|_| 31_536_000),
        }
    }

    fn endpoints() -> Endpoints {
        Config::from_json(include_str!("../public/config.json"))
            .unwrap()
            .endpoints()
    }

    #[wasm_bindgen_test]
    fn a_refresh_answer_without_refresh_token_keeps_the_old_one() {
        let first = Tokens::from_answer(
            TokenResponse {
                access_token: "access-1".into(),
                scope: Some("profile offline_access".into()),
                ..answer(Some("refresh-1"))
            },
            1_000.0,
            endpoints(),
            None,
        );
        assert_eq!(first.last_refresh_ms, None);
        assert_eq!(first.expires_at_ms, 1_000.0 + 3_600_000.0);
        let kept = Tokens::from_answer(answer(None), 5_000.0, endpoints(), Some(&first));
        assert_eq!(
            kept.refresh_token.as_ref().map(Secret::expose),
            Some("refresh-1")
        );
        assert_eq!(kept.refresh_expires_at_ms, first.refresh_expires_at_ms);
        assert_eq!(
            kept.scope.as_deref(),
            Some("profile offline_access"),
            "scope carried over when not repeated"
        );
        assert_eq!(kept.last_refresh_ms, Some(5_000.0));
        let rotated =
            Tokens::from_answer(answer(Some("refresh-2")), 6_000.0, endpoints(), Some(&kept));
        assert_eq!(
            rotated.refresh_token.as_ref().map(Secret::expose),
            Some("refresh-2")
        );
        assert_eq!(rotated.access_token.expose(), "access-2");
        assert_eq!(endpoints().user, "http://127.0.0.1:4598/api/users/current");
    }

    #[wasm_bindgen_test]
    fn the_timeline_is_kept_in_session_storage_and_cleared() {
        use leptos::prelude::*;
        timeline::clear();
        let id = timeline::note(
            Step::Pkce,
            "test",
            vec![Field::new("code_verifier", "v", true)],
        );
        let stored = web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
            .get_item("ilert-pkce.timeline")
            .unwrap()
            .unwrap();
        assert!(stored.contains("code_verifier"), "{stored}");
        assert_eq!(
            timeline::entries().with_untracked(|e| e.last().map(|e| e.id)),
            Some(id)
        );
        timeline::clear();
        assert!(web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
            .get_item("ilert-pkce.timeline")
            .unwrap()
            .is_none());
    }

    #[wasm_bindgen_test]
    fn when_a_session_ends_no_secret_stays_in_the_stored_timeline() {
        use ilert_pkce::error::Error;
        use ilert_pkce::oauth::answer::Answer;
        use ilert_pkce::oauth::request;
        timeline::clear();
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let (access, refresh) = (
            "eyJhbGciOiJSUzI1NiJ9.eyJpbF91IjoiYWRhIn0.c2ln",
            "eyJhbGciOiJIUzI1NiJ9.eyJpbF90IjoiT0FVVEgifQ.cmVm",
        );
        timeline::note(
            Step::Pkce,
            "PKCE",
            vec![Field::new("code_verifier", verifier, true)],
        );
        let id = timeline::request(&request::code_exchange(
            &endpoints(),
            &"the-code-1234567".into(),
            &verifier.into(),
            "http://localhost:4597/webapp",
        ));
        let body = format!(
            r#"{{"access_token":"{access}","refresh_token":"{refresh}","token_type":"Bearer"}}"#
        );
        timeline::answer(id, &Answer::new(200, Some("application/json"), &body));
        let id = timeline::request(&request::user(&endpoints(), &access.into()));
        timeline::failed(id, &Error::Network(format!("echo {refresh}")));
        let id = timeline::request(&request::refresh(&endpoints(), &refresh.into()));
        timeline::answer(
            id,
            &Answer::new(
                200,
                Some("application/x-www-form-urlencoded"),
                &format!("access_token={access}&expires_in=60"),
            ),
        );
        // A rotation whose new tokens appear in this JSON answer only, in no request: only
        // the answer's member names say they are secrets.
        let rotated = (
            "eyJhbGciOiJSUzI1NiJ9.eyJpbF91Ijoicm90In0.bmV3",
            "rotated-refresh-token-only-in-an-answer",
        );
        let id = timeline::request(&request::refresh(&endpoints(), &refresh.into()));
        let body = format!(
            r#"{{"access_token":"{}","refresh_token":"{}","expires_in":3600}}"#,
            rotated.0, rotated.1
        );
        timeline::answer(id, &Answer::new(200, Some("application/json"), &body));
        let stored = || {
            SessionStorage::raw()
                .get_item("ilert-pkce.timeline")
                .unwrap()
                .unwrap()
        };
        assert!(
            stored().contains(access) && stored().contains(refresh) && stored().contains(rotated.1),
            "kept while the session lives"
        );

        timeline::end_session();
        let after = stored();
        for secret in [
            verifier,
            access,
            refresh,
            "the-code-1234567",
            rotated.0,
            rotated.1,
        ] {
            assert!(!after.contains(secret), "{secret} is still stored: {after}");
        }
        assert!(after.contains("••••"), "masks remain: {after}");
        timeline::clear();
    }

    /// Issue 17, item 5: masking works on values, not spellings. A token answered with JSON
    /// escapes, and a refresh token that the revocation answer echoes after sign-out forgot
    /// it, are masked in storage; the echo from the moment the answer is filed.
    #[wasm_bindgen_test]
    fn escaped_tokens_and_the_revocations_echo_are_masked_in_the_stored_timeline() {
        use ilert_pkce::oauth::answer::Answer;
        use ilert_pkce::oauth::request;
        let stored = || {
            SessionStorage::raw()
                .get_item("ilert-pkce.timeline")
                .unwrap()
                .unwrap_or_default()
        };
        let (access, refresh) = (
            "eyJhbGciOiJSUzI1NiJ9.eyJpbF91IjoiYWRhIn0.c2ln/x",
            "eyJhbGciOiJIUzI1NiJ9.eyJpbF90IjoiT0FVVEgifQ.cmVm/y",
        );
        let escape = |t: &str| t.replace('.', r"\u002e").replace('/', r"\/");
        // As the storage writes a body's text (a string in JSON: each `\` doubled).
        let in_storage = |t: String| t.replace('\\', r"\\");
        // Every spelling that must be gone: as it is, escaped, and JSON's `/` escape alone.
        let spellings = |t: &str| {
            [
                t.to_string(),
                in_storage(escape(t)),
                in_storage(t.replace('/', r"\/")),
            ]
        };
        timeline::clear();
        let id = timeline::request(&request::refresh(
            &endpoints(),
            &"refresh-0-0123456789".into(),
        ));
        let body = format!(
            r#"{{"access_token":"{}","refresh_token":"{}","expires_in":300}}"#,
            escape(access),
            escape(refresh)
        );
        timeline::answer(id, &Answer::new(200, Some("application/json"), &body));
        assert!(
            stored().contains(&in_storage(escape(access))),
            "kept while the session lives: {}",
            stored()
        );

        // Sign-out: the record of the session goes, the revocation is recorded masked and
        // answered with an echo of the token, then the session's record is written.
        timeline::clear();
        let id = timeline::request(&request::revoke(&endpoints(), &refresh.into()));
        let echo = format!(r#"{{"revoked":"{}"}}"#, escape(refresh));
        timeline::answer(id, &Answer::new(200, Some("application/json"), &echo));
        for spelling in spellings(refresh) {
            assert!(
                !stored().contains(&spelling),
                "{spelling} filed: {}",
                stored()
            );
        }
        timeline::end_session();
        let after = stored();
        for spelling in spellings(refresh) {
            assert!(!after.contains(&spelling), "{spelling} in {after}");
        }
        assert!(
            after.contains("(50 characters)"),
            "the echo's mask: {after}"
        );

        // A session that ends with the escaped answer still in its record.
        timeline::clear();
        let id = timeline::request(&request::refresh(
            &endpoints(),
            &"refresh-0-0123456789".into(),
        ));
        timeline::answer(id, &Answer::new(200, Some("application/json"), &body));
        timeline::end_session();
        let after = stored();
        for secret in [access, refresh] {
            for spelling in spellings(secret) {
                assert!(!after.contains(&spelling), "{spelling} in {after}");
            }
        }
        timeline::clear();
    }

    #[wasm_bindgen_test]
    fn settings_go_to_local_storage_and_reset_returns_to_the_defaults() {
        use leptos::prelude::*;
        let defaults = Config::from_json(include_str!("../public/config.json"))
            .unwrap()
            .with_redirect_default("http://localhost:4597/");
        let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        local.remove_item("ilert-pkce.settings").unwrap();
        let settings = Settings::load(defaults.clone());
        assert!(!settings.customised.get_untracked());
        let mut mine = defaults.clone();
        mine.client_id = "my-app".into();
        assert!(settings.save(mine.clone()));
        assert!(local
            .get_item("ilert-pkce.settings")
            .unwrap()
            .unwrap()
            .contains("my-app"));
        // A new page load picks them up.
        let reloaded = Settings::load(defaults.clone());
        assert_eq!(reloaded.in_force.get_untracked().chosen.client_id, "my-app");
        reloaded.reset();
        assert_eq!(reloaded.in_force.get_untracked().chosen, defaults);
        assert!(local.get_item("ilert-pkce.settings").unwrap().is_none());
    }
}

mod callback {
    use gloo_storage::{SessionStorage, Storage};
    use ilert_pkce::browser::{clock, history};
    use ilert_pkce::config::{Config, InForce};
    use ilert_pkce::error::Error;
    use ilert_pkce::oauth::pending::{PendingAttempt, PendingStore, StateError};
    use ilert_pkce::session::signin;
    use ilert_pkce::session::Session;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn an_attempt_older_than_ten_minutes_is_refused_as_expired() {
        let config = Config::from_json(include_str!("../public/config.json")).unwrap();
        let mut store = PendingStore::default();
        let eleven_minutes_ago = clock::now_ms() - 660_000.0;
        store.attempts.push(PendingAttempt {
            state: "old-state".into(),
            verifier: "v".repeat(43).into(),
            challenge: "c".into(),
            redirect_uri: config.redirect_uri.clone(),
            endpoints: config.endpoints(),
            issuer: config.expected_issuer(),
            created_at_ms: eleven_minutes_ago,
        });
        SessionStorage::raw()
            .set_item("ilert-pkce.pending", &store.to_json())
            .unwrap();
        let back = web_sys::window().unwrap().location().href().unwrap();
        history::replace_url("?code=some-code&state=old-state");

        let result = signin::finish(Session::restore()).await;
        history::replace_url(&back);
        // Expired, not "unknown": the person learns that the sign-in took too long.
        assert!(
            matches!(result, Err(Error::Protocol(ilert_pkce::oauth::Error::State(StateError::Expired { age_secs }))) if age_secs >= 660),
            "{result:?}"
        );
        assert!(
            SessionStorage::raw()
                .get_item("ilert-pkce.pending")
                .unwrap()
                .is_none(),
            "the attempt is gone"
        );
    }

    #[wasm_bindgen_test]
    fn connect_refuses_to_leave_when_session_storage_refuses_the_verifier() {
        let mut config = Config::from_json(include_str!("../public/config.json")).unwrap();
        config.redirect_uri = format!("{}/webapp", history::origin().unwrap());
        let before = web_sys::window().unwrap().location().href().unwrap();
        js_sys::eval(
            "window.__setItem = Storage.prototype.setItem;
             Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); };",
        )
        .unwrap();
        let in_force = InForce::resolve(config, history::app_root());
        let result = ilert_pkce::session::signin::start(&in_force);
        js_sys::eval("Storage.prototype.setItem = window.__setItem;").unwrap();
        assert!(
            matches!(&result, Err(Error::Storage(text)) if text.contains("cannot keep the sign-in")),
            "{result:?}"
        );
        assert_eq!(
            web_sys::window().unwrap().location().href().unwrap(),
            before,
            "no navigation to the authorize page"
        );
        assert!(SessionStorage::raw()
            .get_item("ilert-pkce.pending")
            .unwrap()
            .is_none());
    }
}

mod where_tokens_may_go {
    use ilert_pkce::config::{self, url, Config, URL_VECTORS};
    use ilert_pkce::settings::Settings;
    use wasm_bindgen_test::*;

    /// The same table as the host test (url crate), here through web_sys::Url: same origins,
    /// same verdicts.
    #[wasm_bindgen_test]
    fn the_browser_reads_the_shared_vectors_like_the_url_crate() {
        let mismatches = config::url_vector_mismatches();
        assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
        assert!(URL_VECTORS.len() >= 40);
        let u = url::parse_url("https://api.ilert.com\\@evil.example").unwrap();
        assert_eq!(
            (u.host.as_str(), u.path.as_str(), u.has_userinfo),
            ("api.ilert.com", "/@evil.example", false)
        );
        let u = url::parse_url("https://a/?#").unwrap();
        assert!(
            u.has_query && u.has_fragment,
            "empty query and fragment still count"
        );
        let u = url::parse_url("https://user:pw@api.ilert.com:8443/x").unwrap();
        assert_eq!(
            (u.has_userinfo, u.port, u.origin.as_str()),
            (true, Some(8443), "https://api.ilert.com:8443")
        );
        assert_eq!(url::parse_url("not a url"), None);
    }

    #[wasm_bindgen_test]
    fn allowed_origin_patterns_are_read_by_the_browser_parser() {
        let c = Config::from_json(include_str!("../public/config.json")).unwrap();
        assert!(c.allowed_origins_text().contains("http://[::1]:*"));
        assert_eq!(
            config::OriginPattern::parse("http://127.1:*")
                .unwrap()
                .to_string(),
            "http://127.0.0.1:*"
        );
        assert_eq!(
            config::OriginPattern::parse("HTTPS://*.iLert.com:443/")
                .unwrap()
                .to_string(),
            "https://*.ilert.com"
        );
        assert!(config::OriginPattern::parse("https://*.com").is_err());
    }

    #[wasm_bindgen_test]
    fn saved_settings_outside_the_list_are_not_used_and_say_why() {
        use leptos::prelude::*;
        let defaults = Config::from_json(include_str!("../public/config.json"))
            .unwrap()
            .with_redirect_default("http://localhost:4597/");
        let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        let mut evil = defaults.clone();
        evil.api_base = "https://api.evil.example".into();
        evil.allowed_origins = Some(vec!["https://api.evil.example".into()]);
        local
            .set_item("ilert-pkce.settings", &evil.to_json())
            .unwrap();

        let settings = Settings::load(defaults.clone());
        assert_eq!(
            settings.in_force.get_untracked().chosen,
            defaults,
            "config.json's configuration is used"
        );
        assert!(!settings.customised.get_untracked());
        let rejected = settings
            .rejected
            .get_untracked()
            .expect("the refusal is reported");
        assert_eq!(rejected.problems[0].field, "api_base");
        assert!(
            rejected.summary().contains("https://*.ilert.com"),
            "{}",
            rejected.summary()
        );
        assert_eq!(
            rejected.config.unwrap().api_base,
            "https://api.evil.example"
        );

        // Saving good settings clears it, and never stores a list of allowed origins.
        let mut mine = defaults.clone();
        mine.client_id = "my-app".into();
        mine.allowed_origins = Some(vec!["https://api.evil.example".into()]);
        settings.save(mine);
        assert_eq!(settings.rejected.get_untracked(), None);
        assert_eq!(
            settings.in_force.get_untracked().chosen.allowed_origins,
            defaults.allowed_origins
        );
        assert!(!local
            .get_item("ilert-pkce.settings")
            .unwrap()
            .unwrap()
            .contains("allowed_origins"));
        let reloaded = Settings::load(defaults.clone());
        assert_eq!(reloaded.in_force.get_untracked().chosen.client_id, "my-app");
        assert_eq!(reloaded.rejected.get_untracked(), None);

        local.set_item("ilert-pkce.settings", "{not json").unwrap();
        let broken = Settings::load(defaults.clone());
        assert_eq!(
            broken.rejected.get_untracked().unwrap().problems[0].field,
            "settings"
        );
        broken.reset();
        assert_eq!(broken.rejected.get_untracked(), None);
        assert!(local.get_item("ilert-pkce.settings").unwrap().is_none());
    }
}

/// The tab channel's sealing (WebCrypto AES-GCM): only the session's key opens a message, and
/// any change to it, a message in clear or one too large is refused.
#[wasm_bindgen_test]
async fn tab_messages_open_only_with_their_key_and_unchanged() {
    use ilert_pkce::browser::seal;
    let (key, other) = (seal::new_key(), seal::new_key());
    assert_ne!(key, other);
    let text = r#"{"SignedOut":{"refresh":"fp"}}"#;
    let sealed = seal::seal(&key, text).await.expect("sealed");
    assert!(sealed.starts_with("ilert-pkce.sealed.1:"), "{sealed}");
    assert!(!sealed.contains("SignedOut"), "{sealed}");
    assert_ne!(
        seal::seal(&key, text).await.unwrap(),
        sealed,
        "a fresh nonce each time"
    );
    assert_eq!(seal::open(&key, &sealed).await.as_deref(), Some(text));
    assert_eq!(seal::open(&other, &sealed).await, None, "another key");
    assert_eq!(seal::open(&key, text).await, None, "in clear");
    assert_eq!(seal::open("not a key", &sealed).await, None);
    // Every byte of nonce, ciphertext and tag is covered.
    let body = sealed.strip_prefix("ilert-pkce.sealed.1:").unwrap();
    for i in [0, 10, body.len() / 2, body.len() - 2] {
        let mut flipped: Vec<u8> = body.bytes().collect();
        flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
        let tampered = format!(
            "ilert-pkce.sealed.1:{}",
            String::from_utf8(flipped).unwrap()
        );
        assert_eq!(seal::open(&key, &tampered).await, None, "byte {i} changed");
    }
    let huge = format!("ilert-pkce.sealed.1:{}", "A".repeat(seal::MAX_MESSAGE_LEN));
    assert_eq!(seal::open(&key, &huge).await, None);
}
