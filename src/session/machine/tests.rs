//! Every decision of a session's life, on the host: the edge cases that before could only be
//! reached in Chromium with a fault-injecting server (a refresh that lands after a sign-out,
//! another tab that refreshed first, `invalid_grant`, the back-off, the budget, the lock).
use super::*;
use crate::oauth;

const T0: f64 = 1_700_000_000_000.0;
const HOUR_S: u64 = 3_600;

fn endpoints(base: &str) -> Endpoints {
    Endpoints {
        client_id: "app".into(),
        token: format!("{base}/api/developers/oauth2/token"),
        token_info: format!("{base}/api/developers/oauth2/token_info"),
        revoke: format!("{base}/api/developers/oauth2/revoke"),
        user: format!("{base}/api/users/current"),
    }
}

fn answer(access: &str, refresh: Option<&str>, expires_in: u64) -> TokenResponse {
    TokenResponse {
        token_type: "Bearer".into(),
        access_token: access.into(),
        expires_in,
        expires_in_sent: None,
        scope: Some("profile offline_access".into()),
        refresh_token: refresh.map(Secret::from),
        refresh_token_expires_in: Some(365 * 24 * HOUR_S),
    }
}

/// The code exchange answered `answer` at T0, for iLert's endpoints.
fn begin(m: &mut Machine, answer: TokenResponse) -> Vec<Effect> {
    m.on(
        Event::Began {
            answer,
            endpoints: endpoints("https://api.ilert.com"),
        },
        T0,
    )
}

/// A machine signed in at T0 with access token `a1` and refresh token `r1`, an hour long.
fn signed_in() -> Machine {
    let mut m = Machine::default();
    begin(&mut m, answer("a1", Some("r1"), HOUR_S));
    m
}

/// A machine signed in at T0 with access token `a1` and no refresh token.
fn signed_in_without_a_refresh_token() -> Machine {
    let mut m = Machine::default();
    begin(&mut m, answer("a1", None, HOUR_S));
    m
}

/// The revocation of `refresh_token` ended with `outcome`.
fn revoked(
    m: &mut Machine,
    refresh_token: &str,
    outcome: Result<(), Error>,
    now: f64,
) -> Vec<Effect> {
    m.on(
        Event::Revoked {
            refresh_token: Secret::from(refresh_token),
            outcome,
        },
        now,
    )
}

fn current(m: &Machine) -> Tokens {
    m.tokens().cloned().expect("signed in")
}

fn secret(s: &str) -> Option<Secret> {
    Some(Secret::from(s))
}

fn network() -> Error {
    Error::Network("Failed to fetch".into())
}

fn invalid_grant() -> Error {
    oauth::Error::OAuth {
        status: 401,
        code: "invalid_grant".into(),
        description: Some("refresh token expired".into()),
    }
    .into()
}

fn unauthorized() -> Error {
    oauth::Error::Unauthorized { message: None }.into()
}

/// Takes the lock and gets the request to send: the tokens it goes with.
fn locked_send(m: &mut Machine, now: f64) -> Tokens {
    let before = m.tokens().map(|t| t.access_token.clone());
    let effects = m.on(Event::RefreshLocked { before }, now);
    match effects.as_slice() {
        [Effect::SendRefresh(sent)] => sent.clone(),
        other => panic!("expected one SendRefresh, got {other:?}"),
    }
}

fn answered(
    m: &mut Machine,
    sent: Tokens,
    result: Result<TokenResponse, Error>,
    now: f64,
) -> Vec<Effect> {
    m.on(
        Event::RefreshAnswered {
            sent,
            result,
            retry_after_ms: None,
        },
        now,
    )
}

fn arms(effects: &[Effect]) -> Vec<f64> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Arm(ms) => Some(*ms),
            _ => None,
        })
        .collect()
}

fn said(effects: &[Effect]) -> Option<Notice> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Say(n) => n.clone(),
        _ => None,
    })
}

fn notes(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Note(_, title, _) => Some(*title),
            _ => None,
        })
        .collect()
}

fn done(effects: &[Effect]) -> &Result<(), Error> {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Done(r) => Some(r),
            _ => None,
        })
        .expect("the refresh says how it ended")
}

// --- beginning, restoring, the timer -------------------------------------------------------

#[test]
fn a_new_session_is_kept_and_refreshed_a_minute_before_its_hour_is_up() {
    let mut m = Machine::default();
    let effects = begin(&mut m, answer("a1", Some("r1"), HOUR_S));
    let kept = current(&m);
    assert_eq!(
        effects,
        vec![Effect::Keep(kept.clone()), Effect::Arm(3_540_000.0)]
    );
    assert_eq!(kept.expires_at_ms, T0 + 3_600_000.0);
    assert_eq!(kept.last_refresh_ms, None);
    assert_eq!(m.due_at_ms(), Some(T0 + 3_540_000.0));
}

#[test]
fn a_session_without_a_refresh_token_arms_no_timer() {
    let mut m = Machine::default();
    let effects = begin(&mut m, answer("a1", None, HOUR_S));
    assert!(
        matches!(effects.as_slice(), [Effect::Keep(_), Effect::Disarm]),
        "{effects:?}"
    );
    assert_eq!(m.due_at_ms(), None);
}

#[test]
fn an_adjusted_lifetime_is_noted_when_the_session_begins() {
    let mut m = Machine::default();
    let mut sent = answer("a1", Some("r1"), token::MIN_EXPIRES_IN_S);
    sent.expires_in_sent = Some("0".into());
    let effects = begin(&mut m, sent);
    assert_eq!(notes(&effects), vec!["The token's lifetime was adjusted"]);
    // Never "now": a server that says 0 cannot make the app refresh in a loop.
    assert!(arms(&effects)[0] >= 1_000.0, "{effects:?}");
}

#[test]
fn a_reloaded_tab_rearms_from_what_storage_kept_without_writing_it_again() {
    let tokens = current(&signed_in());
    let mut m = Machine::default();
    let effects = m.on(Event::Restored(tokens), T0 + 3_000_000.0);
    assert_eq!(effects, vec![Effect::Arm(540_000.0)]);
}

#[test]
fn a_timer_beyond_set_timeouts_range_is_armed_at_its_end() {
    // setTimeout fires at once for more than 2^31-1 ms: a token stored to expire in 100 days
    // (a previous version, or a hand-edited storage) is armed for ~24.8 days instead.
    let mut tokens = current(&signed_in());
    tokens.expires_at_ms = T0 + 100.0 * 86_400_000.0;
    let mut m = Machine::default();
    let effects = m.on(Event::Restored(tokens), T0);
    assert_eq!(arms(&effects), vec![i32::MAX as f64]);
}

#[test]
fn the_timer_starts_a_refresh_and_is_no_longer_due() {
    let mut m = signed_in();
    assert_eq!(
        m.on(Event::TimerFired, T0 + 3_540_000.0),
        vec![Effect::StartRefresh]
    );
    assert_eq!(m.due_at_ms(), None);
}

#[test]
fn a_woken_tab_refreshes_only_when_overdue_signed_in_and_not_already_refreshing() {
    let mut m = signed_in();
    let due = m.due_at_ms().unwrap();
    assert_eq!(m.on(Event::Woke { refreshing: false }, due - 1.0), vec![]);
    assert_eq!(m.on(Event::Woke { refreshing: true }, due + 1.0), vec![]);
    assert_eq!(
        m.on(Event::Woke { refreshing: false }, due + 1.0),
        vec![Effect::StartRefresh]
    );
    m.on(Event::Ended(None), due);
    assert_eq!(m.on(Event::Woke { refreshing: false }, due + 1.0), vec![]);
}

// --- a refresh -----------------------------------------------------------------------------

#[test]
fn a_refresh_hands_its_tokens_to_the_duplicate_tab_then_keeps_them() {
    let mut m = signed_in();
    let now = T0 + 3_540_000.0;
    let sent = locked_send(&mut m, now);
    assert_eq!(sent.refresh_token, secret("r1"));
    let effects = answered(
        &mut m,
        sent,
        Ok(answer("a2", Some("r2"), HOUR_S)),
        now + 100.0,
    );
    let kept = current(&m);
    assert_eq!(kept.access_token, Secret::from("a2"));
    assert_eq!(kept.refresh_token, secret("r2"));
    assert_eq!(kept.last_refresh_ms, Some(now + 100.0));
    assert_eq!(
        effects,
        vec![
            Effect::Note(
                Step::Refresh,
                "The server rotated the refresh token",
                vec![Field::new("refresh_token", "a new refresh_token came with the answer: the one sent is spent, and this tab (and its duplicates) go on with the new one", false)],
            ),
            // Told before it is kept: the duplicate must not spend r1 meanwhile.
            Effect::TellTabs(TabMessage::Refreshed {
                replaces: token::fingerprint(&Secret::from("r1")),
                tokens: kept.clone(),
            }),
            Effect::Keep(kept),
            Effect::Arm(3_540_000.0),
            Effect::Done(Ok(())),
        ]
    );
}

#[test]
fn an_answer_without_a_new_refresh_token_keeps_the_old_one() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    let effects = answered(&mut m, sent, Ok(answer("a2", None, HOUR_S)), T0);
    assert_eq!(current(&m).refresh_token, secret("r1"));
    // The playground says which the server showed.
    assert_eq!(notes(&effects), vec!["The server kept the refresh token"]);
}

#[test]
fn within_five_minutes_of_a_refresh_the_next_one_waits_until_the_token_has_expired() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    // A 2-minute token: its ideal refresh (12 s before expiry) is within the 5 minutes.
    let effects = answered(&mut m, sent, Ok(answer("a2", Some("r2"), 120)), T0);
    assert_eq!(arms(&effects), vec![120_000.0]);
}

#[test]
fn a_tab_that_waited_for_the_lock_while_another_refreshed_sends_nothing() {
    let mut m = signed_in();
    let before = secret("a1");
    // Meanwhile the duplicate's message handed this tab the new tokens.
    let theirs = Tokens::from_answer(
        answer("a2", Some("r2"), HOUR_S),
        T0,
        endpoints("https://api.ilert.com"),
        Some(&current(&m)),
    );
    m.on(
        Event::FromTab(TabMessage::Refreshed {
            replaces: token::fingerprint(&Secret::from("r1")),
            tokens: theirs,
        }),
        T0,
    );
    let effects = m.on(Event::RefreshLocked { before }, T0 + 30.0);
    assert_eq!(effects, vec![Effect::Done(Ok(()))]);
}

#[test]
fn a_refresh_without_a_session_or_a_refresh_token_sends_nothing_and_says_why() {
    let mut m = Machine::default();
    let effects = m.on(Event::RefreshLocked { before: None }, T0);
    assert_eq!(effects, vec![Effect::Done(Err(Error::NotSignedIn))]);

    let mut m = signed_in_without_a_refresh_token();
    let effects = m.on(
        Event::RefreshLocked {
            before: secret("a1"),
        },
        T0,
    );
    let Err(Error::Config(why)) = done(&effects) else {
        panic!("{effects:?}")
    };
    assert!(why.contains("offline_access"), "{why}");
}

#[test]
fn a_fourth_refresh_within_a_minute_is_not_sent() {
    let mut m = signed_in();
    for i in 0..3 {
        let now = T0 + f64::from(i) * 10_000.0;
        let sent = locked_send(&mut m, now);
        answered(
            &mut m,
            sent,
            Ok(answer(&format!("b{i}"), None, HOUR_S)),
            now,
        );
    }
    let before = m.tokens().map(|t| t.access_token.clone());
    let effects = m.on(Event::RefreshLocked { before }, T0 + 30_000.0);
    assert_eq!(
        done(&effects),
        &Err(Error::Throttled {
            limit: MAX_PER_MINUTE,
            wait_s: 30
        })
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SendRefresh(_))),
        "{effects:?}"
    );
    // The schedule (5 minutes after the last refresh) is later than the budget's wait: kept.
    assert_eq!(arms(&effects), vec![3_540_000.0 - 30_000.0 + 20_000.0]);
    // A minute after the first, one may go again.
    let before = m.tokens().map(|t| t.access_token.clone());
    let later = m.on(Event::RefreshLocked { before }, T0 + 60_000.0);
    assert!(
        matches!(later.as_slice(), [Effect::SendRefresh(_)]),
        "{later:?}"
    );
}

#[test]
fn a_throttled_refresh_of_an_expired_token_is_armed_for_when_the_budget_allows() {
    let mut m = signed_in();
    for i in 0..3 {
        let now = T0 + f64::from(i) * 1_000.0;
        let sent = locked_send(&mut m, now);
        // Tokens that live 10 s: due again at once once expired.
        answered(&mut m, sent, Ok(answer(&format!("b{i}"), None, 10)), now);
    }
    let before = m.tokens().map(|t| t.access_token.clone());
    let effects = m.on(Event::RefreshLocked { before }, T0 + 20_000.0);
    assert_eq!(arms(&effects), vec![40_000.0], "{effects:?}");
    assert_eq!(m.due_at_ms(), Some(T0 + 60_000.0));
}

#[test]
fn passing_failures_back_off_from_30_s_to_10_minutes_and_start_again_after_a_success() {
    let mut m = signed_in();
    let mut delays = Vec::new();
    for i in 0..7 {
        let now = T0 + f64::from(i) * 700_000.0;
        let sent = locked_send(&mut m, now);
        let effects = answered(&mut m, sent, Err(network()), now);
        assert_eq!(notes(&effects), vec!["Refresh postponed"]);
        assert_eq!(done(&effects), &Err(network()));
        assert!(m.tokens().is_some(), "a passing failure keeps the session");
        delays.push(arms(&effects)[0] / 1000.0);
    }
    assert_eq!(delays, vec![30.0, 60.0, 120.0, 240.0, 480.0, 600.0, 600.0]);

    let now = T0 + 10_000_000.0;
    let sent = locked_send(&mut m, now);
    answered(&mut m, sent, Ok(answer("a2", Some("r2"), HOUR_S)), now);
    let sent = locked_send(&mut m, now + 600_000.0);
    let effects = answered(&mut m, sent, Err(network()), now + 600_000.0);
    assert_eq!(arms(&effects), vec![30_000.0]);
}

#[test]
fn the_postponement_note_says_when_and_retry_after_wins_when_longer() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    let effects = m.on(
        Event::RefreshAnswered {
            sent,
            result: Err(Error::Protocol(oauth::Error::Api {
                status: 503,
                code: None,
                message: None,
            })),
            retry_after_ms: Some(120_000.0),
        },
        T0,
    );
    assert_eq!(arms(&effects), vec![120_000.0]);
    let Some(Effect::Note(Step::Refresh, _, fields)) =
        effects.iter().find(|e| matches!(e, Effect::Note(..)))
    else {
        panic!("{effects:?}")
    };
    assert_eq!(fields[0].value, "in 120 s");
    // The request's failure is on its own entry: no "why" here.
    assert_eq!(fields.len(), 1);
}

#[test]
fn a_refresh_that_did_not_get_the_lock_keeps_the_session_and_says_why_in_the_note() {
    let mut m = signed_in();
    let effects = m.on(Event::RefreshLockBusy { waited_ms: 16_000 }, T0);
    assert_eq!(done(&effects), &Err(Error::LockBusy { waited_ms: 16_000 }));
    assert_eq!(arms(&effects), vec![30_000.0]);
    let Some(Effect::Note(_, "Refresh postponed", fields)) =
        effects.iter().find(|e| matches!(e, Effect::Note(..)))
    else {
        panic!("{effects:?}")
    };
    assert_eq!(fields[1].name, "why");
    assert_eq!(
        fields[1].value,
        Error::LockBusy { waited_ms: 16_000 }.to_string()
    );
    assert!(m.tokens().is_some());
}

#[test]
fn a_failure_after_the_session_ended_is_neither_noted_nor_rearmed() {
    let mut m = Machine::default();
    let effects = m.on(Event::RefreshLockBusy { waited_ms: 16_000 }, T0);
    assert_eq!(
        effects,
        vec![Effect::Done(Err(Error::LockBusy { waited_ms: 16_000 }))]
    );
}

#[test]
fn invalid_grant_ends_the_session_and_says_what_may_have_happened() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    let effects = answered(&mut m, sent, Err(invalid_grant()), T0);
    assert!(m.tokens().is_none());
    assert_eq!(m.due_at_ms(), None);
    assert_eq!(&effects[..2], &[Effect::Disarm, Effect::Forget]);
    let notice = said(&effects).expect("a notice");
    assert!(notice.error);
    assert_eq!(notice.title, "Your iLert session has ended");
    assert!(notice.text.contains("used twice"), "{}", notice.text);
    assert_eq!(done(&effects), &Err(invalid_grant()));
}

#[test]
fn an_error_after_another_tab_handed_over_its_tokens_is_not_this_sessions_end() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    // The duplicate spent r1 first and told this tab; the server refuses this tab's r1.
    let theirs = Tokens::from_answer(
        answer("a2", Some("r2"), HOUR_S),
        T0,
        endpoints("https://api.ilert.com"),
        Some(&current(&m)),
    );
    m.on(
        Event::FromTab(TabMessage::Refreshed {
            replaces: token::fingerprint(&Secret::from("r1")),
            tokens: theirs.clone(),
        }),
        T0,
    );
    let effects = answered(&mut m, sent, Err(invalid_grant()), T0 + 50.0);
    assert_eq!(effects, vec![Effect::Done(Ok(()))]);
    assert_eq!(current(&m), theirs);
}

// --- the end of a session, and what lands after it -----------------------------------------

#[test]
fn a_refresh_that_lands_after_the_session_ended_is_revoked_not_kept() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    m.on(Event::Ended(None), T0 + 10.0);
    let effects = answered(
        &mut m,
        sent,
        Ok(answer("a2", Some("r2"), HOUR_S)),
        T0 + 20.0,
    );
    assert_eq!(
        effects,
        vec![
            Effect::Revoke {
                endpoints: endpoints("https://api.ilert.com"),
                refresh_token: Secret::from("r2"),
            },
            Effect::Done(Ok(())),
        ]
    );
    assert!(m.tokens().is_none());
    // Its revocation's answer changes nothing: no sign-out is waiting for it.
    let after = revoked(&mut m, "r2", Ok(()), T0 + 30.0);
    assert_eq!(after, vec![]);
}

#[test]
fn a_late_answer_without_a_new_refresh_token_revokes_the_one_it_was_sent_with() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    m.on(Event::Ended(None), T0 + 10.0);
    let effects = answered(&mut m, sent, Ok(answer("a2", None, HOUR_S)), T0 + 20.0);
    assert!(
        matches!(&effects[0], Effect::Revoke { refresh_token, .. } if *refresh_token == Secret::from("r1")),
        "{effects:?}"
    );
}

#[test]
fn a_refresh_that_lands_during_a_sign_out_is_the_token_the_sign_out_revokes() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    let asked = m.on(Event::SignOutAsked, T0 + 10.0);
    assert!(asked.contains(&Effect::LockForSignOut));
    let effects = answered(
        &mut m,
        sent,
        Ok(answer("a2", Some("r2"), HOUR_S)),
        T0 + 20.0,
    );
    // Not revoked by the refresh, not kept either: left for the sign-out.
    assert_eq!(effects, vec![Effect::Done(Ok(()))]);
    assert!(m.tokens().is_none());
    let revoke = m.on(Event::SignOutLocked { busy: false }, T0 + 30.0);
    assert_eq!(
        revoke,
        vec![Effect::Revoke {
            endpoints: endpoints("https://api.ilert.com"),
            refresh_token: Secret::from("r2"),
        }]
    );
    let end = revoked(&mut m, "r2", Ok(()), T0 + 40.0);
    assert_eq!(said(&end).unwrap().title, "Signed out");
}

#[test]
fn sign_out_tells_the_tabs_before_it_forgets_the_key_then_revokes_under_the_lock() {
    let mut m = signed_in();
    let effects = m.on(Event::SignOutAsked, T0);
    assert_eq!(
        effects,
        vec![
            Effect::TellTabs(TabMessage::SignedOut {
                refresh: token::fingerprint(&Secret::from("r1")),
            }),
            Effect::Disarm,
            Effect::Forget,
            Effect::Say(Some(Notice::info(
                "Signing out…",
                "Every token was forgotten in this tab; now asking the server to revoke the refresh token.",
            ))),
            Effect::ClearTimeline(None),
            Effect::LockForSignOut,
        ]
    );
    assert!(m.tokens().is_none());
    let revoke = m.on(Event::SignOutLocked { busy: false }, T0 + 1.0);
    assert_eq!(
        revoke,
        vec![Effect::Revoke {
            endpoints: endpoints("https://api.ilert.com"),
            refresh_token: Secret::from("r1"),
        }]
    );
    let end = revoked(&mut m, "r1", Ok(()), T0 + 2.0);
    assert_eq!(
        end,
        vec![
            Effect::MaskTimeline,
            Effect::ClearTimeline(Some(Step::Revoke)),
            Effect::Say(Some(Notice::info(
                "Signed out",
                "The refresh token was revoked at iLert and every token was forgotten in this tab.",
            ))),
        ]
    );
    // Over: a second report changes nothing.
    let again = revoked(&mut m, "r1", Ok(()), T0 + 3.0);
    assert_eq!(again, vec![]);
}

#[test]
fn a_sign_out_without_the_lock_revokes_anyway_and_says_so_twice() {
    let mut m = signed_in();
    m.on(Event::SignOutAsked, T0);
    let revoke = m.on(Event::SignOutLocked { busy: true }, T0 + 5_000.0);
    assert_eq!(notes(&revoke), vec!["Revoking without the lock"]);
    assert!(
        matches!(revoke.last(), Some(Effect::Revoke { .. })),
        "{revoke:?}"
    );
    let end = revoked(&mut m, "r1", Ok(()), T0 + 5_100.0);
    let notice = said(&end).unwrap();
    assert!(notice.text.ends_with(LOCK_BUSY), "{}", notice.text);
}

#[test]
fn a_failed_revocation_says_the_token_may_stay_valid() {
    let mut m = signed_in();
    m.on(Event::SignOutAsked, T0);
    m.on(Event::SignOutLocked { busy: false }, T0);
    let end = revoked(&mut m, "r1", Err(network()), T0);
    let notice = said(&end).unwrap();
    assert!(notice.error);
    assert_eq!(notice.title, "Signed out, but the revocation failed");
    assert!(notice.text.contains("may stay valid"), "{}", notice.text);
}

#[test]
fn a_sign_out_without_a_refresh_token_has_nothing_to_revoke() {
    let mut m = signed_in_without_a_refresh_token();
    let effects = m.on(Event::SignOutAsked, T0);
    assert!(!effects.contains(&Effect::LockForSignOut));
    assert!(!effects.iter().any(|e| matches!(e, Effect::TellTabs(_))));
    assert_eq!(said(&effects).unwrap().title, "Signed out");
    assert_eq!(effects.last(), Some(&Effect::ClearTimeline(None)));
    // Signed out already: a second click does nothing.
    assert_eq!(m.on(Event::SignOutAsked, T0), vec![]);
}

#[test]
fn a_401_after_the_refresh_ends_the_session_and_revokes_its_refresh_token() {
    let mut m = signed_in();
    let effects = m.on(Event::AccessRefused(unauthorized()), T0);
    assert!(m.tokens().is_none());
    let notice = said(&effects).unwrap();
    assert_eq!(notice.title, "iLert no longer accepts the access token");
    assert!(notice
        .text
        .contains("even a freshly refreshed access token was refused"));
    assert_eq!(
        effects.last(),
        Some(&Effect::RevokeUnderLock {
            endpoints: endpoints("https://api.ilert.com"),
            refresh_token: Secret::from("r1"),
        })
    );
    // Ended already: a second refusal changes nothing.
    assert_eq!(m.on(Event::AccessRefused(unauthorized()), T0), vec![]);
}

#[test]
fn a_401_without_a_refresh_token_says_the_session_cannot_be_renewed() {
    let mut m = signed_in_without_a_refresh_token();
    let effects = m.on(Event::AccessRefused(unauthorized()), T0);
    assert!(said(&effects)
        .unwrap()
        .text
        .contains("without a refresh token"));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::RevokeUnderLock { .. })));
}

// --- other tabs ----------------------------------------------------------------------------

#[test]
fn the_duplicate_takes_over_tokens_only_for_its_refresh_token_and_its_endpoints() {
    let theirs = |base: &str| {
        Tokens::from_answer(answer("a2", Some("r2"), HOUR_S), T0, endpoints(base), None)
    };
    let message = |replaces: &str, tokens| TabMessage::Refreshed {
        replaces: token::fingerprint(&Secret::from(replaces)),
        tokens,
    };

    let mut m = signed_in();
    let other_grant = m.on(
        Event::FromTab(message("r9", theirs("https://api.ilert.com"))),
        T0,
    );
    assert_eq!(other_grant, vec![]);
    let elsewhere = m.on(
        Event::FromTab(message("r1", theirs("https://evil.example"))),
        T0,
    );
    assert_eq!(elsewhere, vec![]);
    assert_eq!(current(&m).access_token, Secret::from("a1"));

    let ours = m.on(
        Event::FromTab(message("r1", theirs("https://api.ilert.com"))),
        T0,
    );
    assert_eq!(notes(&ours), vec!["Refreshed by another tab"]);
    assert!(ours.contains(&Effect::Keep(theirs("https://api.ilert.com"))));
    assert_eq!(current(&m).refresh_token, secret("r2"));
}

#[test]
fn a_sign_out_elsewhere_ends_only_the_session_that_shared_its_refresh_token() {
    let mut m = signed_in();
    let stranger = TabMessage::SignedOut {
        refresh: token::fingerprint(&Secret::from("r9")),
    };
    assert_eq!(m.on(Event::FromTab(stranger), T0), vec![]);
    let ours = TabMessage::SignedOut {
        refresh: token::fingerprint(&Secret::from("r1")),
    };
    let effects = m.on(Event::FromTab(ours.clone()), T0);
    assert!(m.tokens().is_none());
    assert_eq!(said(&effects).unwrap().title, "Signed out in another tab");
    assert_eq!(effects.last(), Some(&Effect::ClearTimeline(None)));
    // A tab with no session ignores every message.
    assert_eq!(m.on(Event::FromTab(ours), T0), vec![]);
}

#[test]
fn a_tab_without_a_refresh_token_follows_no_message() {
    let mut m = signed_in_without_a_refresh_token();
    // A forged message with the fingerprint of "no token" cannot match.
    let forged = TabMessage::SignedOut {
        refresh: String::new(),
    };
    assert_eq!(m.on(Event::FromTab(forged), T0), vec![]);
    assert!(m.tokens().is_some());
}

#[test]
fn ending_forgets_the_timer_and_the_back_off() {
    let mut m = signed_in();
    let sent = locked_send(&mut m, T0);
    answered(&mut m, sent, Err(network()), T0);
    let effects = m.on(Event::Ended(Some(Notice::info("x", "y"))), T0);
    assert_eq!(
        effects,
        vec![
            Effect::Disarm,
            Effect::Forget,
            Effect::Say(Some(Notice::info("x", "y")))
        ]
    );
    assert_eq!(m.due_at_ms(), None);
    // The next session's first failure backs off 30 s again.
    let mut m2 = m;
    begin(&mut m2, answer("a5", Some("r5"), HOUR_S));
    let sent = locked_send(&mut m2, T0 + 120_000.0);
    let effects = answered(&mut m2, sent, Err(network()), T0 + 120_000.0);
    assert_eq!(arms(&effects), vec![30_000.0]);
}
