//! The fault matrix of the session: however a session ends (sign-out, a failed revocation,
//! invalid_grant, a 401 after refresh, a sign-out racing a refresh, in one tab or in its
//! duplicate), no token, code or verifier stays in web storage; refreshes cannot storm, back
//! off as asked and keep to their budget; a tab that cannot store says so; a woken tab catches
//! up; saved settings cannot send the sign-in elsewhere.
use std::future::Future;
use std::time::Duration;

use e2e::fantoccini::Locator;
use e2e::{Harness, CLIENT_ID};
use serde_json::{json, Value};
use tokio::time::{sleep, Instant};

const TOKEN_PATH: &str = "/api/developers/oauth2/token";
const REVOKE_PATH: &str = "/api/developers/oauth2/revoke";
const AUTHORIZE_PATH: &str = "/api/developers/oauth2/authorize";
const SETTINGS_KEY: &str = "ilert-pkce.settings";

// ---------------------------------------------------------------------------------------------
// Secrets: collected during a test, then hunted for in web storage once the session has ended.

/// Every secret a test has seen: tokens, codes, verifiers; those the simulator's request
/// log shows as it masks them (`[masked] abcd… fp:…`, see `ilert_sim::masked`), which
/// are hunted for by that fingerprint.
#[derive(Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn add(&mut self, value: &Value) {
        if let Some(s) = value.as_str().filter(|s| s.len() >= 8) {
            if !self.0.iter().any(|k| k == s) {
                self.0.push(s.to_string());
            }
        }
    }

    /// Whether `dump` holds a secret: as it is, or, for a masked one, a piece of text whose
    /// masked form it is (every piece that starts with its visible prefix is tried).
    fn found_in(secret: &str, dump: &str) -> bool {
        let Some(rest) = secret.strip_prefix("[masked] ") else {
            return dump.contains(secret);
        };
        let prefix = rest.split('\u{2026}').next().unwrap_or_default();
        assert!(
            !prefix.is_empty(),
            "a masked secret with no prefix: {secret}"
        );
        dump.match_indices(prefix).any(|(i, _)| {
            (i + 16..=dump.len().min(i + 4096))
                .filter(|j| dump.is_char_boundary(*j))
                .any(|j| ilert_sim::masked(&dump[i..j]) == secret)
        })
    }

    /// The tokens the tab holds now (call before the session ends).
    async fn held(&mut self, h: &Harness) {
        if let Some(t) = h.tokens().await {
            self.add(&t["access_token"]);
            self.add(&t["refresh_token"]);
        }
    }

    /// Every code, verifier and token the app sent to the simulator (token and revoke logs).
    async fn sent(&mut self, h: &Harness) {
        for endpoint in ["token", "revoke"] {
            let log = h
                .sim_get(&format!("/_sim/requests?endpoint={endpoint}"))
                .await;
            for entry in log.as_array().unwrap() {
                for field in ["code", "code_verifier", "refresh_token", "token"] {
                    self.add(&entry["form"][field]);
                }
            }
        }
    }

    /// Every token in the answers the fetch spy of `win` saw (see [`spy`]).
    async fn answered(&mut self, h: &Harness, win: &str) {
        let bodies = h.js(&format!("return {win}.__answers || [];")).await;
        for body in bodies.as_array().unwrap() {
            if let Ok(answer) = serde_json::from_str::<Value>(body.as_str().unwrap_or("")) {
                self.add(&answer["access_token"]);
                self.add(&answer["refresh_token"]);
            }
        }
    }

    /// The refresh tokens issued to the page (as its fetch spy saw them), oldest first.
    async fn issued_refresh_tokens(h: &Harness, win: &str) -> Vec<String> {
        let bodies = h.js(&format!("return {win}.__answers || [];")).await;
        bodies
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|b| serde_json::from_str::<Value>(b.as_str()?).ok())
            .filter_map(|a| a["refresh_token"].as_str().map(str::to_string))
            .collect()
    }
}

/// Records, in memory only, the body of every answer the page `win` fetches, so a test can see
/// tokens that never reach storage (a refresh that lands after the sign-out).
async fn spy(h: &Harness, win: &str) {
    h.js(&format!(
        "const w = {win}; if (w.__answers) return; w.__answers = []; const real = w.fetch;
         w.fetch = function (...args) {{
           return real.apply(w, args).then(r => {{ r.clone().text().then(t => w.__answers.push(t), () => {{}}); return r; }});
         }};"
    ))
    .await;
}

/// Everything the tab `win` keeps: every key and value of its sessionStorage and of
/// localStorage, and the text on its screen.
async fn kept(h: &Harness, win: &str) -> String {
    let dump = h
        .js(&format!(
            "const w = {win}; const all = {{}};
             for (const [name, s] of [['sessionStorage', w.sessionStorage], ['localStorage', w.localStorage]])
               for (let i = 0; i < s.length; i++) {{ const k = s.key(i); all[name + ' ' + k] = s.getItem(k); }}
             all.screen = w.document.body.innerText;
             return JSON.stringify(all);"
        ))
        .await;
    dump.as_str().unwrap().to_string()
}

#[test]
fn a_masked_secret_is_found_by_its_fingerprint() {
    let code = "HZ5_9gMA2X4HaqhI9N_qF2C4cikayl6w6KNVZEtEE_U";
    let m = ilert_sim::masked(code);
    assert!(Secrets::found_in(&m, &format!(r#"{{"k":"{code}"}}"#)));
    assert!(Secrets::found_in(&m, &format!("x{code}y")));
    assert!(!Secrets::found_in(&m, &code[..40]));
    assert!(!Secrets::found_in(&m, "HZ5_\u{2022}\u{2022}\u{2022}"));
    assert!(Secrets::found_in(code, code) && !Secrets::found_in(code, "x"));
}

/// The central check of every session-ending test: none of `secrets` is left in the web
/// storage (or on the screen) of the tab `win`.
async fn no_secret_left_in(h: &Harness, win: &str, secrets: &Secrets) {
    assert!(
        secrets.0.len() >= 3,
        "the test collected too few secrets to mean anything: {}",
        secrets.0.len()
    );
    let dump = kept(h, win).await;
    for s in &secrets.0 {
        assert!(
            !Secrets::found_in(s, &dump),
            "a secret ({}…, {} chars) outlived the session in {win}: {dump}",
            &s[..6],
            s.len()
        );
    }
}

async fn no_secret_left(h: &Harness, secrets: &Secrets) {
    no_secret_left_in(h, "window", secrets).await;
}

// ---------------------------------------------------------------------------------------------
// Small steps.

/// Waits at most `secs` for `check`; panics with `what`.
async fn within<T, F, Fut>(secs: f64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        sleep(Duration::from_millis(100)).await;
    }
}

/// Whether an element is on the page now (no waiting).
async fn present(h: &Harness, css: &str) -> bool {
    h.browser.find(Locator::Css(css)).await.is_ok()
}

async fn refreshes(h: &Harness) -> u64 {
    h.sim_received_grant("refresh_token").await
}

/// Waits until no session action is running (the buttons are enabled again).
async fn idle(h: &Harness) {
    h.until("the session actions to be enabled again", || async {
        h.js(
            "const b = document.querySelector('[data-testid=refresh]'); return !!b && !b.disabled;",
        )
        .await
        .as_bool()?
        .then_some(())
    })
    .await;
}

/// Presses Refresh and waits for the new access token and the end of the action.
async fn refresh_by_hand(h: &Harness) -> Value {
    let before = h.access_token().await;
    h.click("[data-testid=refresh]").await;
    let after = h
        .until("a new access token", || async {
            h.tokens()
                .await
                .filter(|t| t["access_token"] != before.as_str())
        })
        .await;
    idle(h).await;
    after
}

/// Signs out and waits for the outcome of the revocation (`outcome`: words of the notice).
async fn sign_out(h: &Harness, outcome: &str) -> String {
    h.click("[data-testid=sign-out]").await;
    let notice = h.wait_contains("[data-testid=notice]", outcome).await;
    h.wait("[data-testid=connect]").await;
    notice
}

/// Tries a refresh token at the simulator, as the app would; gives the error code, if any.
async fn refresh_error(h: &Harness, refresh_token: &str) -> Option<String> {
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("refresh_token", refresh_token),
    ];
    let (status, body) = h.sim_post(TOKEN_PATH, &form).await;
    (status != 200).then(|| {
        body["code"]
            .as_str()
            .or(body["error"].as_str())
            .unwrap_or("?")
            .to_string()
    })
}

/// How many refresh tokens are still alive at the simulator (counted by revoking them all:
/// call last).
async fn live_refresh_tokens(h: &Harness) -> u64 {
    let answer = h.sim_hook("/_sim/revoke_refresh_tokens").await;
    answer["revoked"].as_u64().unwrap()
}

/// Moves the page's wall clock (`Date.now`) forward by `hours`, on top of earlier moves.
async fn jump_clock(h: &Harness, hours: f64) {
    h.js(&format!(
        "if (!window.__realNow) {{ window.__realNow = Date.now.bind(Date); window.__skew = 0;
           Date.now = () => window.__realNow() + window.__skew; }}
         window.__skew += {};",
        hours * 3_600_000.0
    ))
    .await;
}

/// Makes every `Storage.setItem` of the page throw, as a full or disabled storage does.
async fn refuse_storage(h: &Harness) {
    h.js("window.__setItem = Storage.prototype.setItem;
          Storage.prototype.setItem = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };")
        .await;
}

async fn allow_storage(h: &Harness) {
    h.js("Storage.prototype.setItem = window.__setItem;").await;
}

/// The timeline as stored.
async fn timeline(h: &Harness) -> Vec<Value> {
    h.session_storage("ilert-pkce.timeline")
        .await
        .and_then(|t| t.as_array().cloned())
        .unwrap_or_default()
}

/// Waits at most `secs` until the simulator has received `n` refresh requests.
async fn wait_refreshes(h: &Harness, n: u64, secs: f64) {
    let what = format!("refresh request number {n} at the simulator");
    within(secs, &what, || async {
        (refreshes(h).await == n).then_some(())
    })
    .await;
}

/// The first refresh token that the fetch spy of `win` saw issued (waits for it).
async fn first_issued_refresh_token(h: &Harness, win: &str) -> String {
    within(5.0, "a refresh answer seen by the spy", || async {
        Secrets::issued_refresh_tokens(h, win)
            .await
            .into_iter()
            .next()
    })
    .await
}

/// The simulator refuses `refresh_token` with invalid_grant (it is revoked or rotated).
async fn assert_dead(h: &Harness, refresh_token: &str, what: &str) {
    let error = refresh_error(h, refresh_token).await;
    assert_eq!(error.as_deref(), Some("invalid_grant"), "{what} is alive");
}

/// No refresh token is left alive at the simulator (call last).
async fn assert_none_alive(h: &Harness) {
    let live = live_refresh_tokens(h).await;
    assert_eq!(live, 0, "{live} refresh token(s) still alive at iLert");
}

/// The sign-out notice once the revocation succeeded.
const REVOKED: &str = "The refresh token was revoked at iLert";

fn fault_refresh(delay_ms: u64) -> Value {
    json!({"endpoint": "token", "grant_type": "refresh_token", "delay_ms": delay_ms, "action": {"pass": true}})
}

// ---------------------------------------------------------------------------------------------
// 1–5: secrets at rest after every kind of session end.

#[tokio::test]
async fn sign_out_after_a_rotation_leaves_no_secret_and_only_the_masked_revocation() {
    let h = Harness::start().await;
    h.sign_in().await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    refresh_by_hand(&h).await;
    secrets.held(&h).await;
    let notice = sign_out(&h, REVOKED).await;
    assert!(notice.starts_with("Signed out"), "{notice}");
    secrets.sent(&h).await;
    assert!(
        secrets.0.len() >= 6,
        "code, verifier, 2 access and 2 refresh tokens: {}",
        secrets.0.len()
    );
    no_secret_left(&h, &secrets).await;
    for key in ["ilert-pkce.tokens", "ilert-pkce.pending"] {
        assert!(h.session_storage(key).await.is_none(), "{key} is kept");
    }
    // The timeline keeps the revocation alone, its token masked.
    let entries = timeline(&h).await;
    let steps: Vec<&str> = entries
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["Revoke"], "{entries:?}");
    let token = entries[0]["request"]["form"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "token")
        .unwrap();
    assert!(token["value"].as_str().unwrap().contains('•'), "{token}");
    assert_eq!(
        h.browser
            .find_all(Locator::Css("[data-testid=timeline] li"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(h.sim_stats().await["revocations"], 1);
    h.stop().await;
}

#[tokio::test]
async fn a_failed_revocation_says_so_and_leaves_no_secret() {
    let h = Harness::start().await;
    h.sign_in().await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    h.fault(json!({"endpoint": "revoke", "action": {"respond": {"status": 500, "body": {"message": "boom"}}}})).await;
    let notice = sign_out(&h, "revocation failed").await;
    assert!(
        notice.contains("Signed out, but the revocation failed") && notice.contains("500"),
        "{notice}"
    );
    assert_eq!(h.sim_faulted("revoke").await, 1);
    secrets.sent(&h).await;
    no_secret_left(&h, &secrets).await;
    assert!(h.tokens().await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn invalid_grant_on_refresh_ends_the_session_and_leaves_no_secret() {
    let h = Harness::start().await;
    h.sign_in().await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    let refresh = h.refresh_token().await;
    assert_eq!(h.sim_post(REVOKE_PATH, &[("token", &refresh)]).await.0, 200);
    h.click("[data-testid=refresh]").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "session has ended")
        .await;
    assert!(notice.contains("invalid_grant"), "{notice}");
    h.wait("[data-testid=connect]").await;
    secrets.sent(&h).await;
    no_secret_left(&h, &secrets).await;
    // The timeline stays, to show how it ended, but masked: the refused refresh is in it.
    assert!(
        timeline(&h).await.iter().any(|e| e["step"] == "Refresh"),
        "the refused refresh is recorded"
    );
    assert!(h.session_storage("ilert-pkce.tokens").await.is_none());
    h.stop().await;
}

#[tokio::test]
async fn a_401_even_after_refresh_ends_the_session_and_leaves_no_secret() {
    let h = Harness::start().await;
    h.sign_in().await;
    spy(&h, "window").await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    h.fault(json!({"endpoint": "user", "forever": true,
                   "action": {"respond": {"status": 401, "body": {"status": 401, "message": "Token expired", "code": "UNAUTHORIZED"}}}}))
        .await;
    h.click("[data-testid=reload-profile]").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "The session has ended")
        .await;
    assert!(
        notice.contains("iLert no longer accepts the access token"),
        "{notice}"
    );
    h.wait("[data-testid=connect]").await;
    assert_eq!(
        h.sim_received_grant("refresh_token").await,
        1,
        "one refresh, then the retry was refused too"
    );
    assert!(
        h.sim_received("user").await >= 3,
        "the first profile call, the refused one and its retry"
    );
    secrets.answered(&h, "window").await;
    secrets.sent(&h).await;
    assert!(
        secrets.0.len() >= 6,
        "the rotated tokens are among the secrets: {}",
        secrets.0.len()
    );
    no_secret_left(&h, &secrets).await;
    // The refresh token the session held is revoked as it ends, not left valid for a year.
    h.until("the revocation of the last refresh token", || async {
        (h.sim_stats().await["revocations"] == 1).then_some(())
    })
    .await;
    assert_none_alive(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn sign_out_during_a_refresh_forgets_at_once_and_revokes_the_late_token() {
    let h = Harness::start().await;
    h.sign_in().await;
    spy(&h, "window").await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    let old = h.refresh_token().await;
    h.fault(fault_refresh(2000)).await;
    // An automatic refresh (the tab woke with it overdue) is under way: the buttons stay usable.
    jump_clock(&h, 2.0).await;
    h.js("document.dispatchEvent(new Event('visibilitychange'));")
        .await;
    wait_refreshes(&h, 1, 3.0).await;
    h.click("[data-testid=sign-out]").await;
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none(), "tokens kept after sign-out");
    let stats = h.sim_stats().await;
    assert_eq!(
        stats["refresh_grants"], 0,
        "Connect came back only after the refresh: {stats}"
    );
    h.wait_contains("[data-testid=notice]", REVOKED).await;

    // The refresh landed after the sign-out: its new refresh token is the one revoked.
    let late = first_issued_refresh_token(&h, "window").await;
    assert_dead(&h, &old, "the rotated refresh token").await;
    assert_dead(
        &h,
        &late,
        "the refresh token that landed after the sign-out",
    )
    .await;
    let stats = h.sim_stats().await;
    let counts = (
        stats["refresh_grants"].as_u64(),
        stats["revocations"].as_u64(),
    );
    assert_eq!(counts, (Some(1), Some(1)), "{stats}");
    secrets.answered(&h, "window").await;
    secrets.sent(&h).await;
    no_secret_left(&h, &secrets).await;
    assert_none_alive(&h).await;
    h.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 6–8: refresh timing under a misbehaving server and an impatient person.

#[tokio::test]
async fn a_server_saying_expires_in_0_cannot_make_the_app_refresh_in_a_loop() {
    let h = Harness::start().await;
    h.fault(json!({"endpoint": "token", "forever": true, "action": {"tamper": {"set": {"expires_in": 0}}}})).await;
    h.sign_in().await;
    let started = Instant::now();
    // 30 s is the shortest lifetime the app believes: one refresh near 27 s, the next one
    // not before that token expires (57 s). 35 s see exactly one; the old app sent 49 in 6 s.
    // (The 3-a-minute budget alone would allow 3: this counts the 30 s floor.)
    while started.elapsed() < Duration::from_secs(35) {
        let sent = refreshes(&h).await;
        assert!(
            sent <= 1,
            "{sent} refresh requests after {:?}",
            started.elapsed()
        );
        sleep(Duration::from_secs(1)).await;
    }
    let sent = refreshes(&h).await;
    assert_eq!(sent, 1, "refresh requests in 35 s");
    assert!(
        h.sim_faulted("token").await >= 2,
        "the exchange and the refreshes were all tampered with"
    );
    let steps = h.text("[data-testid=timeline]").await;
    assert!(
        steps.contains("The token's lifetime was adjusted"),
        "{steps}"
    );
    assert!(steps.contains("30 s"), "the lifetime the app uses: {steps}");
    h.wait_text("[data-testid=profile-username]", "ada").await;
    assert!(h.tokens().await.is_some(), "the session goes on");
    h.stop().await;
}

#[tokio::test]
async fn a_503_with_retry_after_postpones_the_refresh_but_not_the_button() {
    let h = Harness::start().await;
    h.sign_in().await;
    let before = h.access_token().await;
    h.fault(json!({"endpoint": "token", "grant_type": "refresh_token",
                   "action": {"respond": {"status": 503, "headers": {"Retry-After": "120"}}}}))
        .await;
    h.click("[data-testid=refresh]").await;
    let notice = h.wait_contains("[data-testid=notice]", "503").await;
    idle(&h).await;
    assert_eq!(
        h.access_token().await,
        before,
        "the session goes on with its tokens: {notice}"
    );
    let postponed = h
        .wait_contains("[data-testid=timeline]", "Refresh postponed")
        .await;
    assert!(
        postponed.contains("in 120 s"),
        "Retry-After is honoured: {postponed}"
    );
    sleep(Duration::from_secs(5)).await;
    assert_eq!(refreshes(&h).await, 1, "no retry before the 120 s");
    // The back-off holds the timer back, not the person.
    refresh_by_hand(&h).await;
    assert_eq!(refreshes(&h).await, 2);
    assert_eq!(h.sim_stats().await["refresh_grants"], 1);
    h.stop().await;
}

#[tokio::test]
async fn a_fourth_refresh_within_a_minute_is_not_sent() {
    let h = Harness::start().await;
    h.sign_in().await;
    for _ in 0..3 {
        refresh_by_hand(&h).await;
    }
    let third = h.access_token().await;
    h.click("[data-testid=refresh]").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "Too many refreshes")
        .await;
    assert!(
        notice.contains("3 refresh requests in the last minute"),
        "{notice}"
    );
    idle(&h).await;
    sleep(Duration::from_millis(500)).await;
    assert_eq!(refreshes(&h).await, 3, "the 4th was sent");
    assert_eq!(
        h.access_token().await,
        third,
        "the session keeps its tokens"
    );
    h.stop().await;
}

/// The times (the simulator's clock, ms) of the refresh requests it answered with new tokens.
async fn refresh_times(h: &Harness) -> Vec<u64> {
    let log = h.sim_requests().await;
    log.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["form"]["grant_type"] == "refresh_token" && e["status"] == 200)
        .map(|e| e["at_ms"].as_u64().unwrap())
        .collect()
}

/// The "next attempt" of every "Refresh postponed" entry of the timeline, in order.
async fn postponements(h: &Harness) -> Vec<String> {
    timeline(h)
        .await
        .iter()
        .filter(|e| e["title"] == "Refresh postponed")
        .filter_map(|e| {
            e["fields"].as_array()?.iter().find_map(|f| {
                (f["name"] == "next attempt").then(|| f["value"].as_str().unwrap().to_string())
            })
        })
        .collect()
}

#[tokio::test]
async fn within_five_minutes_of_a_refresh_the_timer_waits_until_the_token_has_expired() {
    // 30 s tokens: the first refresh comes 3 s before expiry (27 s). The next token would be
    // due at 27 s too, but iLert asks for 5 minutes between refreshes, and only an expired
    // token may break that: the second refresh waits the token's whole 30 s.
    let h = Harness::with_sim(|c| c.access_ttl = 30).await;
    h.sign_in().await;
    wait_refreshes(&h, 2, 80.0).await;
    let times = refresh_times(&h).await;
    assert_eq!(times.len(), 2, "{times:?}");
    let apart = times[1] - times[0];
    assert!(
        (29_500..40_000).contains(&apart),
        "the second automatic refresh came {apart} ms after the first (the token lives 30 s; \
         refreshing before it expires breaks the 5-minute rule)"
    );
    h.stop().await;
}

#[tokio::test]
async fn after_a_refresh_that_worked_the_back_off_starts_again_at_30_s() {
    let h = Harness::start().await;
    h.sign_in().await;
    let unavailable = json!({"endpoint": "token", "grant_type": "refresh_token",
                             "action": {"respond": {"status": 503}}});
    // 503, then a refresh that works, then 503 again: three requests, within the budget.
    h.fault(unavailable.clone()).await;
    h.click("[data-testid=refresh]").await;
    within(10.0, "the first postponement", || async {
        (postponements(&h).await.len() == 1).then_some(())
    })
    .await;
    idle(&h).await;
    refresh_by_hand(&h).await;
    h.fault(unavailable).await;
    h.click("[data-testid=refresh]").await;
    let after = within(10.0, "the second postponement", || async {
        let p = postponements(&h).await;
        (p.len() == 2).then_some(p)
    })
    .await;
    assert_eq!(
        after,
        ["in 30 s", "in 30 s"],
        "a refresh that worked ends the run of failures"
    );
    assert_eq!(refreshes(&h).await, 3);
    h.stop().await;
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_read_by_the_browser_and_honoured() {
    let h = Harness::start().await;
    h.sign_in().await;
    // An IMF-fixdate 3 minutes ahead, as the page's own clock sees it.
    let date = h
        .js("return new Date(Date.now() + 180000).toUTCString();")
        .await;
    let date = date.as_str().unwrap().to_string();
    assert!(date.ends_with(" GMT"), "{date}");
    h.fault(json!({"endpoint": "token", "grant_type": "refresh_token",
                   "action": {"respond": {"status": 503, "headers": {"Retry-After": date}}}}))
        .await;
    h.click("[data-testid=refresh]").await;
    let after = within(10.0, "the postponement", || async {
        postponements(&h).await.into_iter().next()
    })
    .await;
    let seconds: u64 = after
        .strip_prefix("in ")
        .and_then(|a| a.strip_suffix(" s"))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("{after}"));
    assert!(
        (170..=181).contains(&seconds),
        "Retry-After: {date} was taken as {after}"
    );
    h.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 9–10: a tab whose sessionStorage refuses writes.

#[tokio::test]
async fn connect_with_a_storage_that_refuses_writes_says_so_and_stays() {
    let h = Harness::start().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    refuse_storage(&h).await;
    h.click("[data-testid=connect]").await;
    let notice = h
        .wait_contains("[data-testid=notice]", "This tab cannot keep the sign-in")
        .await;
    assert!(notice.contains("Nothing was sent to iLert"), "{notice}");
    sleep(Duration::from_millis(500)).await;
    assert!(
        h.url().await.starts_with(&h.app),
        "the tab left the app: {}",
        h.url().await
    );
    assert_eq!(h.sim_received("authorize").await, 0);
    assert!(h.session_storage("ilert-pkce.pending").await.is_none());
    // Once the storage works again, Connect does too.
    allow_storage(&h).await;
    h.click("[data-testid=connect]").await;
    h.wait("#grant").await;
    assert_eq!(h.sim_received("authorize").await, 1);
    h.stop().await;
}

#[tokio::test]
async fn rotated_tokens_that_cannot_be_saved_are_said_and_the_session_goes_on() {
    let h = Harness::start().await;
    h.sign_in().await;
    let before = h.access_token().await;
    refuse_storage(&h).await;
    h.click("[data-testid=refresh]").await;
    let notice = h
        .wait_contains(
            "[data-testid=notice]",
            "The new tokens could not be saved in this tab",
        )
        .await;
    assert!(notice.contains("a reload will sign you out"), "{notice}");
    idle(&h).await;
    assert_eq!(h.sim_stats().await["refresh_grants"], 1);
    // Nothing stale is kept: the stored tokens were the rotated-away ones.
    assert!(
        h.tokens().await.is_none(),
        "the old, rotated tokens stayed in sessionStorage"
    );
    assert_eq!(h.text("[data-testid=profile-username]").await, "ada");
    assert!(
        present(&h, "[data-testid=sign-out]").await,
        "the page is still signed in"
    );
    // Once the storage works again, the next refresh is kept.
    allow_storage(&h).await;
    h.click("[data-testid=refresh]").await;
    let kept = h
        .until("the next tokens in sessionStorage", || async {
            h.tokens().await
        })
        .await;
    assert_ne!(kept["access_token"], before.as_str());
    idle(&h).await;
    h.wait_text("[data-testid=info-active]", "yes").await;
    h.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 11–12: a tab that wakes after its timers slept.

#[tokio::test]
async fn a_tab_woken_with_a_refresh_overdue_refreshes_at_once() {
    let h = Harness::start().await;
    h.sign_in().await;
    // Control: visible again, nothing due: nothing is sent.
    h.js("document.dispatchEvent(new Event('visibilitychange'));")
        .await;
    sleep(Duration::from_secs(3)).await;
    assert_eq!(
        refreshes(&h).await,
        0,
        "a wake-up with nothing due sent a refresh"
    );
    // Two hours later (a laptop lid closed): the refresh is overdue.
    let before = h.access_token().await;
    jump_clock(&h, 2.0).await;
    h.js("document.dispatchEvent(new Event('visibilitychange'));")
        .await;
    wait_refreshes(&h, 1, 3.0).await;
    h.until("the new tokens", || async {
        h.tokens()
            .await
            .filter(|t| t["access_token"] != before.as_str())
    })
    .await;
    sleep(Duration::from_secs(1)).await;
    assert_eq!(refreshes(&h).await, 1, "one wake-up, one refresh");
    assert!(!present(&h, "[data-testid=notice]").await, "no error shown");
    h.stop().await;
}

#[tokio::test]
async fn pageshow_and_online_catch_up_an_overdue_refresh_too() {
    let h = Harness::start().await;
    h.sign_in().await;
    for (n, event) in ["pageshow", "online"].into_iter().enumerate() {
        let before = h.access_token().await;
        jump_clock(&h, 2.0).await;
        h.js(&format!("window.dispatchEvent(new Event('{event}'));"))
            .await;
        let expected = n as u64 + 1;
        wait_refreshes(&h, expected, 3.0).await;
        h.until("the new tokens", || async {
            h.tokens()
                .await
                .filter(|t| t["access_token"] != before.as_str())
        })
        .await;
        idle(&h).await;
        sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(refreshes(&h).await, 2);
    assert_eq!(h.sim_stats().await["failed_token_requests"], 0);
    h.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 13–15: settings that would send the sign-in elsewhere.

/// Saved settings as the app writes them, pointing at this test's simulator.
fn saved_settings(h: &Harness) -> Value {
    json!({
        "client_id": CLIENT_ID,
        "api_base": h.sim,
        "authorize_url": format!("{}{AUTHORIZE_PATH}", h.sim),
        "redirect_uri": format!("{}/webapp", h.app),
        "scopes": ["profile", "offline_access"],
    })
}

/// Puts `settings` into localStorage as if saved earlier, and reloads the app.
async fn store_settings(h: &Harness, settings: &Value) {
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    h.js(&format!(
        "localStorage.setItem({SETTINGS_KEY:?}, {:?});",
        settings.to_string()
    ))
    .await;
    h.browser.refresh().await.unwrap();
    h.wait("[data-testid=connect]").await;
}

/// Connect goes to this test's simulator with the default client id.
async fn connect_goes_to_the_sim(h: &Harness) {
    h.click("[data-testid=connect]").await;
    h.wait("#grant").await;
    let url = h.url().await;
    assert!(
        url.starts_with(&format!("{}{AUTHORIZE_PATH}?", h.sim)),
        "{url}"
    );
    assert!(url.contains(&format!("client_id={CLIENT_ID}&")), "{url}");
}

#[tokio::test]
async fn typed_settings_with_a_foreign_api_base_are_not_saved() {
    let h = Harness::start().await;
    h.open("/settings").await;
    let field = h.wait("#api_base").await;
    field.clear().await.unwrap();
    field.send_keys("https://api.evil.example").await.unwrap();
    let problem = h.wait_contains("#api_base-error", "does not allow").await;
    assert!(problem.contains("https://api.evil.example"), "{problem}");
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    h.click("[data-testid=save-settings]").await;
    h.wait_contains("[data-testid=settings-problems]", "API base")
        .await;
    assert!(
        !present(&h, "[data-testid=settings-saved]").await,
        "it says it saved"
    );
    assert!(
        h.js(&format!("return localStorage.getItem({SETTINGS_KEY:?});"))
            .await
            .is_null(),
        "the settings were stored"
    );
    h.open("/").await;
    connect_goes_to_the_sim(&h).await;
    assert_eq!(h.sim_received("authorize").await, 1);
    h.stop().await;
}

#[tokio::test]
async fn stored_settings_pointing_elsewhere_are_refused_and_the_defaults_sign_in() {
    let h = Harness::start().await;
    let evil = json!({"client_id": "x", "api_base": "https://api.evil.example", "redirect_uri": format!("{}/webapp", h.app),
                      "authorize_url": "https://evil.example/authorize"});
    store_settings(&h, &evil).await;
    let rejected = h.text("[data-testid=settings-rejected]").await;
    for needle in ["authorize_url", "api_base", "evil.example", "not used"] {
        assert!(rejected.contains(needle), "{needle} missing: {rejected}");
    }
    assert_eq!(h.text("[data-testid=client-id]").await, CLIENT_ID);
    assert!(h
        .text("[data-testid=config-source]")
        .await
        .contains("config.json"));
    connect_goes_to_the_sim(&h).await;
    h.click("#grant").await;
    h.wait_text("[data-testid=profile-username]", "ada").await;
    // Every request and navigation of the sign-in went to the simulator.
    let mut urls = vec![];
    for entry in timeline(&h).await {
        urls.extend(entry["request"]["url"].as_str().map(str::to_string));
        urls.extend(
            entry["fields"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["name"] == "URL")
                .filter_map(|f| f["value"].as_str().map(str::to_string)),
        );
    }
    assert!(urls.len() >= 4, "{urls:?}");
    assert!(urls.iter().all(|u| u.starts_with(&h.sim)), "{urls:?}");
    let stored = h
        .js(&format!("return localStorage.getItem({SETTINGS_KEY:?});"))
        .await;
    assert_eq!(
        stored.as_str(),
        Some(evil.to_string().as_str()),
        "the refused settings were changed, not just ignored"
    );
    h.stop().await;
}

#[tokio::test]
async fn stored_settings_with_userinfo_or_backslash_tricks_are_refused() {
    let h = Harness::start().await;
    let sim_host = h.sim.trim_start_matches("http://").to_string();
    let authorize = |prefix: &str| format!("{prefix}{sim_host}{AUTHORIZE_PATH}");
    let table = [
        ("api_base", "https://user:pw@127.0.0.1:9".to_string()),
        ("api_base", format!("http://user:pw@{sim_host}")),
        ("api_base", format!("http://{sim_host}@evil.example")),
        ("api_base", format!("https://evil.example\\@{sim_host}")),
        ("authorize_url", authorize("http://user:pw@")),
        ("authorize_url", authorize("https://evil.example\\@")),
    ];
    for (field, value) in &table {
        let mut settings = saved_settings(&h);
        settings[*field] = value.as_str().into();
        store_settings(&h, &settings).await;
        let rejected = h.text("[data-testid=settings-rejected]").await;
        assert!(
            rejected.contains(&format!("{field}:")),
            "{field} = {value}: {rejected}"
        );
        let source = h.text("[data-testid=config-source]").await;
        assert!(
            source.contains("config.json"),
            "{field} = {value} is in use: {source}"
        );
        assert_eq!(h.text("[data-testid=client-id]").await, CLIENT_ID);
    }
    h.stop().await;
}

#[tokio::test]
async fn a_backslash_before_the_at_sign_cannot_send_the_code_to_the_host_after_it() {
    let h = Harness::start().await;
    // The browser reads "https://api.ilert.com\@evil.example" as api.ilert.com (a backslash
    // ends the host): used or refused, the code must never be meant for evil.example.
    let mut settings = saved_settings(&h);
    settings["api_base"] = "https://api.ilert.com\\@evil.example".into();
    store_settings(&h, &settings).await;
    connect_goes_to_the_sim(&h).await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    let pending = h
        .session_storage("ilert-pkce.pending")
        .await
        .expect("the attempt is pending");
    let token_url = pending["attempts"][0]["endpoints"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    let origin = h
        .js(&format!("return new URL({token_url:?}).origin;"))
        .await;
    let origin = origin.as_str().unwrap();
    assert!(
        origin == "https://api.ilert.com" || origin == h.sim,
        "the code would go to {origin} ({token_url})"
    );
    h.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 16–17: a duplicated tab (window.open copies sessionStorage, as in tabs.rs).

#[tokio::test]
async fn sign_out_in_one_tab_during_the_duplicates_refresh_leaves_nothing_alive() {
    let h = Harness::start().await;
    h.sign_in().await;
    h.open_duplicate_tab().await;
    spy(&h, "window.second").await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    h.fault(fault_refresh(2000)).await;
    h.js("window.second.document.querySelector('[data-testid=refresh]').click();")
        .await;
    wait_refreshes(&h, 1, 3.0).await;
    h.click("[data-testid=sign-out]").await;
    h.wait("[data-testid=connect]").await;
    // The race really happened: the duplicate's refresh was still held at the simulator
    // when this tab had signed out.
    let stats = h.sim_stats().await;
    assert_eq!(
        stats["refresh_grants"], 0,
        "the duplicate's refresh had landed before the sign-out: {stats}"
    );
    h.until("the second tab signed out", || async {
        let text = h.js("return window.second.document.body.innerText;").await;
        text.as_str()?
            .contains("Signed out in another tab")
            .then_some(())
    })
    .await;
    h.wait_contains("[data-testid=notice]", REVOKED).await;
    let late = first_issued_refresh_token(&h, "window.second").await;
    assert_dead(
        &h,
        &late,
        "the second tab's refresh token that landed after the sign-out",
    )
    .await;
    secrets.answered(&h, "window.second").await;
    secrets.sent(&h).await;
    for win in ["window", "window.second"] {
        let script = format!("return {win}.sessionStorage.getItem('ilert-pkce.tokens');");
        assert!(h.js(&script).await.is_null(), "{win} keeps tokens");
        no_secret_left_in(&h, win, &secrets).await;
    }
    assert!(present(&h, "[data-testid=connect]").await);
    let stats = h.sim_stats().await;
    assert_eq!(
        stats["refresh_grants"], 1,
        "the duplicate's refresh landed after the sign-out: {stats}"
    );
    assert_none_alive(&h).await;
    h.stop().await;
}

#[tokio::test]
async fn a_duplicate_signed_out_elsewhere_shows_and_keeps_no_token() {
    let h = Harness::start().await;
    h.sign_in().await;
    let (first, second) = h.open_duplicate_tab().await;
    let mut secrets = Secrets::default();
    secrets.held(&h).await;
    // The duplicate shows its tokens: revealed, and decoded in the JWT inspector.
    h.browser.switch_to_window(second.clone()).await.unwrap();
    h.click("[data-testid=access-token] button.reveal").await;
    h.wait("[data-testid=access-token] .secret-value[data-revealed=true]")
        .await;
    h.wait("[data-testid=jwt-access]").await;
    h.browser.switch_to_window(first).await.unwrap();
    sign_out(&h, REVOKED).await;

    h.browser.switch_to_window(second).await.unwrap();
    h.wait_contains("[data-testid=notice]", "Signed out in another tab")
        .await;
    h.wait("[data-testid=connect]").await;
    for gone in [
        "[data-testid=access-token]",
        "[data-testid=jwt-access]",
        "[data-testid=jwt-refresh]",
        ".secret-value",
        "[data-testid=sign-out]",
    ] {
        assert!(
            !present(&h, gone).await,
            "{gone} is still shown in the signed-out duplicate"
        );
    }
    secrets.sent(&h).await;
    no_secret_left(&h, &secrets).await;
    // Restored (reloaded) later, it is still signed out.
    h.browser.refresh().await.unwrap();
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none());
    no_secret_left(&h, &secrets).await;
    h.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 18: sign-in attempts that were never finished.

#[tokio::test]
async fn abandoned_sign_in_attempts_are_forgotten_when_the_session_ends() {
    let h = Harness::start().await;
    h.connect().await;
    // Back to the app without answering the consent page: the attempt stays pending.
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    let pending = h
        .session_storage("ilert-pkce.pending")
        .await
        .expect("the attempt is pending");
    let mut secrets = Secrets::default();
    let abandoned = pending["attempts"][0]["verifier"].clone();
    secrets.add(&abandoned);
    h.sign_in().await;
    secrets.held(&h).await;
    let still = h.session_storage("ilert-pkce.pending").await;
    assert!(
        still.as_ref().is_some_and(|p| p.to_string().contains(abandoned.as_str().unwrap())),
        "the abandoned attempt is expected to wait while signed in (else this test proves nothing): {still:?}"
    );
    sign_out(&h, REVOKED).await;
    assert!(
        h.session_storage("ilert-pkce.pending").await.is_none(),
        "pending attempts outlived the session"
    );
    secrets.sent(&h).await;
    no_secret_left(&h, &secrets).await;
    h.stop().await;
}
