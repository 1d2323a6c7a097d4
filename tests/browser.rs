//! The browser glue in a real Chromium (wasm-bindgen-test): storage, randomness, clock,
//! address bar. Run by `cargo xtask test`.
#![cfg(target_arch = "wasm32")]

use ilert_pkce::browser::{clock, history, random, storage};
use ilert_pkce::oauth::pkce;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn session_storage_round_trips_and_removes() {
    let key = "ilert-pkce.test.session";
    assert!(storage::set(storage::Area::Session, key, "value with spaces & ünïcode"));
    assert_eq!(storage::get(storage::Area::Session, key).as_deref(), Some("value with spaces & ünïcode"));
    storage::remove(storage::Area::Session, key);
    assert_eq!(storage::get(storage::Area::Session, key), None);
}

#[wasm_bindgen_test]
fn session_and_local_storage_are_separate_areas() {
    let key = "ilert-pkce.test.areas";
    storage::set(storage::Area::Session, key, "session");
    assert_eq!(storage::get(storage::Area::Local, key), None, "a session value must not leak into localStorage");
    storage::set(storage::Area::Local, key, "local");
    assert_eq!(storage::get(storage::Area::Session, key).as_deref(), Some("session"));
    assert_eq!(storage::get(storage::Area::Local, key).as_deref(), Some("local"));
    storage::remove(storage::Area::Session, key);
    storage::remove(storage::Area::Local, key);
}

#[wasm_bindgen_test]
fn random_bytes_come_from_the_csprng_and_differ() {
    let a = random::bytes::<32>();
    let b = random::bytes::<32>();
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    let verifier = pkce::verifier_from_bytes(&a);
    assert_eq!(verifier.len(), 43);
    assert!(pkce::is_valid_verifier(&verifier));
    // 1000 draws of 32 bytes: every byte value should appear (p of a miss is ~e^-125).
    let mut seen = [false; 256];
    for _ in 0..1000 {
        for byte in random::bytes::<32>() {
            seen[byte as usize] = true;
        }
    }
    assert!(seen.iter().all(|s| *s));
}

#[wasm_bindgen_test]
fn clocks_are_sane() {
    let wall = clock::now_ms();
    // After 2020 and before 2100: Date.now() in ms, not seconds.
    assert!(wall > 1.577e12 && wall < 4.1e12, "{wall}");
    let a = clock::monotonic_ms();
    let mut x = 0u64;
    for i in 0..200_000u64 {
        x = x.wrapping_add(i * i);
    }
    assert!(x > 0);
    let b = clock::monotonic_ms();
    assert!(b >= a);
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
    use ilert_pkce::config::Config;
    use ilert_pkce::oauth::token::TokenResponse;
    use ilert_pkce::session::{Endpoints, Tokens};
    use ilert_pkce::settings::Settings;
    use ilert_pkce::timeline::{self, Field, Step};
    use wasm_bindgen_test::*;

    fn answer(refresh: Option<&str>) -> TokenResponse {
        TokenResponse {
            token_type: "Bearer".into(),
            access_token: "access-2".into(),
            expires_in: 3600,
            scope: None,
            refresh_token: refresh.map(str::to_string),
            refresh_token_expires_in: refresh.map(|_| 31_536_000),
        }
    }

    fn endpoints() -> Endpoints {
        let config = Config::from_json(include_str!("../public/config.json")).unwrap();
        Endpoints::new(&config, "ilert-pkce-demo", &config.token_url())
    }

    #[wasm_bindgen_test]
    fn a_refresh_answer_without_refresh_token_keeps_the_old_one() {
        let first = Tokens::from_answer(
            TokenResponse { access_token: "access-1".into(), scope: Some("profile offline_access".into()), ..answer(Some("refresh-1")) },
            1_000.0,
            endpoints(),
            None,
        );
        assert_eq!(first.last_refresh_ms, None);
        assert_eq!(first.expires_at_ms, 1_000.0 + 3_600_000.0);
        let kept = Tokens::from_answer(answer(None), 5_000.0, endpoints(), Some(&first));
        assert_eq!(kept.refresh_token.as_deref(), Some("refresh-1"));
        assert_eq!(kept.refresh_expires_at_ms, first.refresh_expires_at_ms);
        assert_eq!(kept.scope.as_deref(), Some("profile offline_access"), "scope carried over when not repeated");
        assert_eq!(kept.last_refresh_ms, Some(5_000.0));
        let rotated = Tokens::from_answer(answer(Some("refresh-2")), 6_000.0, endpoints(), Some(&kept));
        assert_eq!(rotated.refresh_token.as_deref(), Some("refresh-2"));
        assert_eq!(rotated.access_token, "access-2");
        assert_eq!(endpoints().user, "http://127.0.0.1:4598/api/users/current");
    }

    #[wasm_bindgen_test]
    fn the_timeline_is_kept_in_session_storage_and_cleared() {
        use leptos::prelude::*;
        timeline::clear();
        let id = timeline::note(Step::Pkce, "test", vec![Field::new("code_verifier", "v", true)]);
        let stored = web_sys::window().unwrap().session_storage().unwrap().unwrap().get_item("ilert-pkce.timeline").unwrap().unwrap();
        assert!(stored.contains("code_verifier"), "{stored}");
        assert_eq!(timeline::entries().with_untracked(|e| e.last().map(|e| e.id)), Some(id));
        timeline::clear();
        assert!(web_sys::window().unwrap().session_storage().unwrap().unwrap().get_item("ilert-pkce.timeline").unwrap().is_none());
    }

    #[wasm_bindgen_test]
    fn settings_go_to_local_storage_and_reset_returns_to_the_defaults() {
        use leptos::prelude::*;
        let defaults = Config::from_json(include_str!("../public/config.json")).unwrap();
        let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        local.remove_item("ilert-pkce.settings").unwrap();
        let settings = Settings::load(defaults.clone());
        assert!(!settings.customised.get_untracked());
        let mut mine = defaults.clone();
        mine.client_id = "my-app".into();
        assert!(settings.save(mine.clone()));
        assert!(local.get_item("ilert-pkce.settings").unwrap().unwrap().contains("my-app"));
        // A new page load picks them up.
        let reloaded = Settings::load(defaults.clone());
        assert_eq!(reloaded.current.get_untracked().client_id, "my-app");
        reloaded.reset();
        assert_eq!(reloaded.current.get_untracked(), defaults);
        assert!(local.get_item("ilert-pkce.settings").unwrap().is_none());
    }
}

mod callback {
    use ilert_pkce::browser::{clock, history, storage};
    use ilert_pkce::config::Config;
    use ilert_pkce::oauth::pending::{PendingAttempt, PendingStore, StateError};
    use ilert_pkce::oauth::Error;
    use ilert_pkce::session::Session;
    use ilert_pkce::signin;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn an_attempt_older_than_ten_minutes_is_refused_as_expired() {
        let config = Config::from_json(include_str!("../public/config.json")).unwrap();
        let mut store = PendingStore::default();
        let eleven_minutes_ago = clock::now_ms() - 660_000.0;
        store.attempts.push(PendingAttempt {
            state: "old-state".into(),
            verifier: "v".repeat(43),
            challenge: "c".into(),
            redirect_uri: config.redirect_uri.clone(),
            client_id: config.client_id.clone(),
            token_url: config.token_url(),
            created_at_ms: eleven_minutes_ago,
        });
        storage::set(storage::Area::Session, "ilert-pkce.pending", &store.to_json());
        let back = web_sys::window().unwrap().location().href().unwrap();
        history::replace_url("?code=some-code&state=old-state");

        let result = signin::finish(Session::restore(), &config).await;
        history::replace_url(&back);
        // Expired, not "unknown": the person learns that the sign-in took too long.
        assert!(matches!(result, Err(Error::State(StateError::Expired { age_secs })) if age_secs >= 660), "{result:?}");
        assert_eq!(storage::get(storage::Area::Session, "ilert-pkce.pending"), None, "the attempt is gone");
    }
}
