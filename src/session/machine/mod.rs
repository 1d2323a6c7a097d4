//! The session's decisions, without a browser: a state machine that takes an [`Event`] and
//! the time, and answers with the [`Effect`]s the browser driver (the rest of `session/`)
//! carries out: keep or forget the tokens, arm the refresh timer, send a refresh or a
//! revocation, tell the other tabs, note a step in the timeline, say something on the page.
//!
//! It owns no clock, timer, storage, lock or network, so every edge case of a session's life
//! (a refresh that lands after a sign-out, another tab that refreshed first, `invalid_grant`,
//! the back-off, the budget) is a host test (`tests.rs`). The model is sim-core's `Step`: the
//! core decides, the host does what it is told and reports back with the next event.
use super::Notice;
use crate::error::Error;
use crate::oauth::refresh_policy::{self, RefreshBudget, MAX_PER_MINUTE};
use crate::oauth::request::Endpoints;
use crate::oauth::token::{self, TokenResponse};
use crate::oauth::Secret;
use crate::playground::entries::{Field, Step};
use crate::stored::tab_message::TabMessage;
use crate::stored::tokens::Tokens;

#[cfg(test)]
mod tests;

/// What happened: the driver's report to the core.
// One event at a time, moved in: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    /// The page started with these tokens in sessionStorage (a reload of a signed-in tab).
    Restored(Tokens),
    /// The code exchange answered: a new session with these endpoints.
    Began {
        answer: TokenResponse,
        endpoints: Endpoints,
    },
    /// The session ends in this tab (the simulator went away, say), with this notice.
    Ended(Option<Notice>),
    /// The refresh timer fired.
    TimerFired,
    /// The tab woke (visible again, back from the cache, online again); `refreshing`: a
    /// refresh of this tab is under way.
    Woke { refreshing: bool },
    /// A refresh holds the cross-tab lock. `before`: the access token when it asked for it.
    RefreshLocked { before: Option<Secret> },
    /// A refresh did not get the lock within `waited_ms`: nothing was sent.
    RefreshLockBusy { waited_ms: u32 },
    /// The refresh sent with `sent`'s refresh token answered (`retry_after_ms`: the
    /// answer's `Retry-After`, if any).
    RefreshAnswered {
        sent: Tokens,
        result: Result<TokenResponse, Error>,
        retry_after_ms: Option<f64>,
    },
    /// An API call was refused (401) even after the refresh-and-retry, or without a refresh
    /// token to try one: the grant is of no use any more.
    AccessRefused(Error),
    /// A message of another tab of this origin, opened with the session's key.
    FromTab(TabMessage),
    /// The person asked to sign out.
    SignOutAsked,
    /// The sign-out holds the cross-tab lock, or gave up waiting for it (`busy`): revoke now.
    SignOutLocked { busy: bool },
    /// The revocation of this refresh token ([`Effect::Revoke`]) ended so.
    Revoked {
        refresh_token: Secret,
        outcome: Result<(), Error>,
    },
}

/// What the driver must do, in order.
#[allow(clippy::large_enum_variant)]
// PartialEq for the tests only: the driver never compares effects, it matches them.
#[cfg_attr(test, derive(PartialEq))]
#[derive(Debug)]
pub enum Effect {
    /// Keep these tokens: in memory for the views, and in sessionStorage for a reload.
    Keep(Tokens),
    /// Forget the session in this tab: its tokens, pending sign-ins and channel key in
    /// storage, what the views show of it, the timeline's secrets (masked).
    Forget,
    /// (Re)arm the refresh timer to fire in this many ms (within setTimeout's range).
    Arm(f64),
    /// No refresh timer.
    Disarm,
    /// Start a refresh, as the timer does (and say its failure on the page).
    StartRefresh,
    /// Send a refresh request with these tokens' refresh token and endpoints, then report
    /// [`Event::RefreshAnswered`].
    SendRefresh(Tokens),
    /// Send a revocation of this refresh token (the driver is already inside the lock), then
    /// report [`Event::Revoked`].
    Revoke {
        endpoints: Endpoints,
        refresh_token: Secret,
    },
    /// Revoke this refresh token under the cross-tab lock, or without it when it is not
    /// granted in time (as a sign-out does), then mask the timeline again.
    RevokeUnderLock {
        endpoints: Endpoints,
        refresh_token: Secret,
    },
    /// Wait for a refresh of this tab under way, then take the cross-tab lock (or give up on
    /// it) and report [`Event::SignOutLocked`].
    LockForSignOut,
    /// Tell the other tabs of this origin (sealed with the session's key).
    TellTabs(TabMessage),
    /// A note in the timeline.
    Note(Step, &'static str, Vec<Field>),
    /// Empty the timeline, but for the entries of this step.
    ClearTimeline(Option<Step>),
    /// Mask the timeline's secrets (the session has ended).
    MaskTimeline,
    /// Show this notice above the page (None: take the notice down).
    Say(Option<Notice>),
    /// The refresh is over, with this result (its failure already noted and rescheduled).
    Done(Result<(), Error>),
}

/// A sign-out of this tab that is revoking.
#[derive(Debug)]
struct SignOut {
    endpoints: Endpoints,
    refresh_token: Secret,
    /// A refresh that landed after the tokens were forgotten: its refresh token is the one
    /// to revoke.
    landed: Option<Secret>,
    /// The lock was not granted in time: the revocation went without it.
    busy: bool,
}

/// The session's state, as far as decisions need it.
#[derive(Debug, Default)]
pub struct Machine {
    tokens: Option<Tokens>,
    /// When the armed timer fires (wall clock), so a woken tab can tell a refresh is overdue.
    due_at_ms: Option<f64>,
    /// Passing refresh failures in a row, for the back-off.
    failures: u32,
    budget: RefreshBudget,
    signing_out: Option<SignOut>,
}

impl Machine {
    pub fn tokens(&self) -> Option<&Tokens> {
        self.tokens.as_ref()
    }

    /// When the refresh timer is due, if armed.
    pub fn due_at_ms(&self) -> Option<f64> {
        self.due_at_ms
    }

    /// What to do after `event`, at `now_ms` (wall clock, ms since the epoch).
    pub fn on(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
        let mut out = Vec::new();
        match event {
            Event::Restored(tokens) => {
                self.tokens = Some(tokens);
                self.schedule(now_ms, &mut out);
            }
            Event::Began { answer, endpoints } => {
                self.failures = 0;
                note_lifetime(&answer, &mut out);
                self.keep(
                    Tokens::from_answer(answer, now_ms, endpoints, None),
                    now_ms,
                    &mut out,
                );
            }
            Event::Ended(notice) => self.end(notice, &mut out),
            Event::TimerFired => {
                self.due_at_ms = None;
                out.push(Effect::StartRefresh);
            }
            Event::Woke { refreshing } => {
                let due = self.due_at_ms.is_some_and(|at| at <= now_ms);
                if due && self.tokens.is_some() && !refreshing {
                    out.push(Effect::StartRefresh);
                }
            }
            Event::RefreshLocked { before } => self.refresh_locked(before, now_ms, &mut out),
            Event::RefreshLockBusy { waited_ms } => {
                self.postpone(Error::LockBusy { waited_ms }, None, now_ms, &mut out)
            }
            Event::RefreshAnswered {
                sent,
                result,
                retry_after_ms,
            } => self.refresh_answered(sent, result, retry_after_ms, now_ms, &mut out),
            Event::AccessRefused(err) => self.access_refused(err, &mut out),
            Event::FromTab(message) => self.tab_said(message, now_ms, &mut out),
            Event::SignOutAsked => self.sign_out(&mut out),
            Event::SignOutLocked { busy } => {
                let Some(s) = &mut self.signing_out else {
                    return out;
                };
                if busy {
                    out.push(Effect::Note(
                        Step::Revoke,
                        "Revoking without the lock",
                        vec![Field::new("why", LOCK_BUSY.trim_start(), false)],
                    ));
                }
                s.busy = busy;
                if let Some(landed) = s.landed.take() {
                    s.refresh_token = landed;
                }
                out.push(Effect::Revoke {
                    endpoints: s.endpoints.clone(),
                    refresh_token: s.refresh_token.clone(),
                });
            }
            Event::Revoked {
                refresh_token,
                outcome,
            } => {
                // Only the sign-out's own revocation says how the sign-out ended.
                if self
                    .signing_out
                    .as_ref()
                    .is_some_and(|s| s.refresh_token == refresh_token)
                {
                    let s = self.signing_out.take().expect("checked above");
                    self.signed_out(outcome, s.busy, &mut out);
                }
            }
        }
        out
    }

    /// The sign-out's revocation ended: the timeline keeps it alone, masked, and the page
    /// says whether the server confirmed it.
    fn signed_out(&mut self, outcome: Result<(), Error>, busy: bool, out: &mut Vec<Effect>) {
        let busy = if busy { LOCK_BUSY } else { "" };
        out.push(Effect::MaskTimeline);
        out.push(Effect::ClearTimeline(Some(Step::Revoke)));
        out.push(Effect::Say(Some(match outcome {
            Ok(()) => Notice::info(
                "Signed out",
                format!("The refresh token was revoked at iLert and every token was forgotten in this tab.{busy}"),
            ),
            Err(err) => Notice::failure(
                "Signed out, but the revocation failed",
                format!(
                    "Every token was forgotten in this tab, but iLert did not confirm the revocation: {err} \
                     The refresh token may stay valid until it expires: remove the app's access in iLert under your profile's connected apps.{busy}"
                ),
            ),
        })));
    }

    /// Keeps `tokens` and arms the next refresh.
    fn keep(&mut self, tokens: Tokens, now_ms: f64, out: &mut Vec<Effect>) {
        out.push(Effect::Keep(tokens.clone()));
        self.tokens = Some(tokens);
        self.schedule(now_ms, out);
    }

    /// Ends the session in this tab: every token, pending sign-in and timer forgotten, the
    /// timeline's secrets masked, and why said.
    fn end(&mut self, notice: Option<Notice>, out: &mut Vec<Effect>) {
        self.tokens = None;
        self.due_at_ms = None;
        self.failures = 0;
        out.push(Effect::Disarm);
        out.push(Effect::Forget);
        out.push(Effect::Say(notice));
    }

    /// Arms the timer for the next automatic refresh (iLert: shortly before expiry, and not
    /// more than once per 5 minutes unless the access token has expired); none without a
    /// refresh token.
    fn schedule(&mut self, now_ms: f64, out: &mut Vec<Effect>) {
        match self.next_refresh_in(now_ms) {
            Some(delay) => self.arm(delay, now_ms, out),
            None => {
                self.due_at_ms = None;
                out.push(Effect::Disarm);
            }
        }
    }

    /// How long from `now_ms` until the next automatic refresh; None without a refresh token.
    fn next_refresh_in(&self, now_ms: f64) -> Option<f64> {
        let t = self.tokens.as_ref().filter(|t| t.refresh_token.is_some())?;
        let at = refresh_policy::next_refresh_at(t.expires_at_ms, t.lifetime_ms, t.last_refresh_ms);
        Some(refresh_policy::delay_ms(at, now_ms))
    }

    fn arm(&mut self, delay_ms: f64, now_ms: f64, out: &mut Vec<Effect>) {
        // setTimeout takes an i32 of ms; a year-long refresh token is re-armed on the next load.
        let delay = delay_ms.clamp(0.0, i32::MAX as f64);
        self.due_at_ms = Some(now_ms + delay);
        out.push(Effect::Arm(delay));
    }

    /// Inside the lock: a tab that waited while another one refreshed the same grant has
    /// taken over that tab's tokens (see [`Machine::tab_said`]) and sends nothing; else the
    /// refresh is sent if the budget allows.
    fn refresh_locked(&mut self, before: Option<Secret>, now_ms: f64, out: &mut Vec<Effect>) {
        let Some(current) = &self.tokens else {
            out.push(Effect::Done(Err(Error::NotSignedIn)));
            return;
        };
        if before.as_ref() != Some(&current.access_token) {
            out.push(Effect::Done(Ok(())));
            return;
        }
        if current.refresh_token.is_none() {
            out.push(Effect::Done(Err(Error::Config(
                "there is no refresh token: iLert only issues one when the scope offline_access is granted".into(),
            ))));
            return;
        }
        if let Err(wait_ms) = self.budget.check(now_ms) {
            // Not now: keep the schedule, but not before the budget allows another one.
            let delay = self.next_refresh_in(now_ms).unwrap_or(0.0).max(wait_ms);
            self.arm(delay, now_ms, out);
            out.push(Effect::Done(Err(Error::Throttled {
                limit: MAX_PER_MINUTE,
                wait_s: (wait_ms / 1000.0).ceil() as u64,
            })));
            return;
        }
        self.budget.record(now_ms);
        out.push(Effect::SendRefresh(current.clone()));
    }

    fn refresh_answered(
        &mut self,
        sent: Tokens,
        result: Result<TokenResponse, Error>,
        retry_after_ms: Option<f64>,
        now_ms: f64,
        out: &mut Vec<Effect>,
    ) {
        let Some(spent) = sent.refresh_token.clone() else {
            out.push(Effect::Done(Err(Error::NotSignedIn)));
            return;
        };
        let same_session =
            self.tokens.as_ref().map(|t| &t.access_token) == Some(&sent.access_token);
        match result {
            Ok(answer) if same_session => {
                self.failures = 0;
                note_lifetime(&answer, out);
                note_rotation(answer.refresh_token.is_some(), out);
                let endpoints = sent.endpoints.clone();
                let tokens = Tokens::from_answer(answer, now_ms, endpoints, Some(&sent));
                out.push(Effect::TellTabs(TabMessage::Refreshed {
                    replaces: token::fingerprint(&spent),
                    tokens: tokens.clone(),
                }));
                self.keep(tokens, now_ms, out);
                out.push(Effect::Done(Ok(())));
            }
            Ok(answer) => {
                // The session ended while the request was under way: what it brought must not
                // outlive it. A sign-out of this tab revokes it; otherwise revoke it here.
                let newest = answer.refresh_token.unwrap_or(spent);
                if let Some(s) = &mut self.signing_out {
                    s.landed = Some(newest);
                } else if self.tokens.is_none() {
                    out.push(Effect::Revoke {
                        endpoints: sent.endpoints,
                        refresh_token: newest,
                    });
                }
                out.push(Effect::Done(Ok(())));
            }
            // Another tab spent the token first and handed this one its result meanwhile.
            Err(_) if !same_session && self.tokens.is_some() => out.push(Effect::Done(Ok(()))),
            Err(err) if err.is_invalid_grant() => {
                self.end(
                    Some(Notice::failure(
                        "Your iLert session has ended",
                        format!(
                            "The server refused the refresh token ({err}). This happens when access was revoked in iLert, \
                             the refresh token expired, or it was used twice (a server that detects reuse then revokes the whole grant). \
                             Every token was forgotten: connect again to sign in."
                        ),
                    )),
                    out,
                );
                out.push(Effect::Done(Err(err)));
            }
            Err(err) => self.postpone(err, retry_after_ms, now_ms, out),
        }
    }

    /// A refresh that failed without ending the session: noted, and tried again after the
    /// back-off.
    fn postpone(
        &mut self,
        err: Error,
        retry_after_ms: Option<f64>,
        now_ms: f64,
        out: &mut Vec<Effect>,
    ) {
        if self.tokens.is_some() {
            self.failures = self.failures.saturating_add(1);
            let delay = refresh_policy::backoff_ms(self.failures, retry_after_ms);
            let mut fields = vec![Field::new("next attempt", format!("in {} s", (delay / 1000.0).round() as i64), false).note(
                "a failed refresh is tried again after 30 s, then 1, 2, 4, 8 and at most 10 minutes (or after Retry-After, if the server asks for longer); the session goes on meanwhile",
            )];
            // A request's failure is on its own entry; a lock that was not granted has none.
            if let Error::LockBusy { .. } = err {
                fields.push(Field::new("why", err.to_string(), false));
            }
            out.push(Effect::Note(Step::Refresh, "Refresh postponed", fields));
            self.arm(delay, now_ms, out);
        }
        out.push(Effect::Done(Err(err)));
    }

    /// A 401 that even a refresh could not cure: the session ends, and its refresh token,
    /// still alive at the server, must not stay valid for a year.
    fn access_refused(&mut self, err: Error, out: &mut Vec<Effect>) {
        let Some(last) = self.tokens.take() else {
            return;
        };
        let why = if last.refresh_token.is_some() {
            "even a freshly refreshed access token was refused"
        } else {
            "without a refresh token (scope offline_access) the session cannot be renewed"
        };
        self.end(
            Some(Notice::failure(
                "iLert no longer accepts the access token",
                format!(
                    "{err} The session has ended: {why}. Every token was forgotten: connect again."
                ),
            )),
            out,
        );
        if let Some(refresh_token) = last.refresh_token {
            out.push(Effect::RevokeUnderLock {
                endpoints: last.endpoints,
                refresh_token,
            });
        }
    }

    /// Another tab of this origin refreshed or revoked a grant. Only a tab holding that very
    /// refresh token (a duplicated tab) follows, and takes tokens only for the endpoints it
    /// pinned; any other tab ignores the message.
    fn tab_said(&mut self, message: TabMessage, now_ms: f64, out: &mut Vec<Effect>) {
        let Some(ours) = &self.tokens else {
            return;
        };
        let fingerprint = ours.refresh_token.as_ref().map(token::fingerprint);
        match message {
            TabMessage::Refreshed { replaces, tokens }
                if fingerprint.as_deref() == Some(replaces.as_str())
                    && tokens.endpoints == ours.endpoints =>
            {
                out.push(Effect::Note(
                    Step::Refresh,
                    "Refreshed by another tab",
                    vec![Field::new("why", "another tab of this app held the same refresh token and refreshed it first; this tab took over its new tokens instead of spending the old one", false)],
                ));
                self.keep(tokens, now_ms, out);
            }
            TabMessage::SignedOut { refresh }
                if fingerprint.as_deref() == Some(refresh.as_str()) =>
            {
                self.end(
                    Some(Notice::info(
                        "Signed out in another tab",
                        "Another tab of this app signed out of the session this tab shared with it; every token was forgotten here too.",
                    )),
                    out,
                );
                out.push(Effect::ClearTimeline(None));
            }
            _ => {}
        }
    }

    /// Sign-out: the tokens are forgotten in this tab first (and in a duplicated tab), so
    /// nothing can use them any more, whatever happens next; then the newest refresh token is
    /// revoked, under the lock and after any refresh in flight.
    fn sign_out(&mut self, out: &mut Vec<Effect>) {
        let Some(tokens) = &self.tokens else {
            return;
        };
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            self.end(
                Some(Notice::info(
                    "Signed out",
                    "Every token was forgotten in this tab. There was no refresh token to revoke; the access token expires by itself.",
                )),
                out,
            );
            out.push(Effect::ClearTimeline(None));
            return;
        };
        out.push(Effect::TellTabs(TabMessage::SignedOut {
            refresh: token::fingerprint(&refresh_token),
        }));
        self.signing_out = Some(SignOut {
            endpoints: tokens.endpoints.clone(),
            refresh_token,
            landed: None,
            busy: false,
        });
        self.end(
            Some(Notice::info(
                "Signing out…",
                "Every token was forgotten in this tab; now asking the server to revoke the refresh token.",
            )),
            out,
        );
        // The session's steps go with its tokens; the revocation stays, to show how it ended.
        out.push(Effect::ClearTimeline(None));
        out.push(Effect::LockForSignOut);
    }
}

/// What a sign-out that did not get the lock says, in the notice and the timeline.
const LOCK_BUSY: &str = " Another tab or page of this app held the session's lock for 5 s, so the app revoked the token without waiting for it any longer.";

/// Notes in the timeline whether the server rotated the refresh token (iLert's docs do not
/// say; the simulator does either, `--rotate-refresh`).
fn note_rotation(rotated: bool, out: &mut Vec<Effect>) {
    let (title, why) = if rotated {
        (
            "The server rotated the refresh token",
            "a new refresh_token came with the answer: the one sent is spent, and this tab (and its duplicates) go on with the new one",
        )
    } else {
        (
            "The server kept the refresh token",
            "no refresh_token in the answer: the one sent goes on working, and this tab keeps it",
        )
    };
    out.push(Effect::Note(
        Step::Refresh,
        title,
        vec![Field::new("refresh_token", why, false)],
    ));
}

/// Notes in the timeline that the server's `expires_in` could not be used as sent.
fn note_lifetime(answer: &TokenResponse, out: &mut Vec<Effect>) {
    if let Some(sent) = &answer.expires_in_sent {
        out.push(Effect::Note(
            Step::TokenExchange,
            "The token's lifetime was adjusted",
            vec![Field::new("expires_in", sent.clone(), false).note(format!(
                "not a usable number of seconds: the app uses {} s (it keeps lifetimes between {} s and {} s, and assumes an hour when none is given), so a server that says 0 cannot make it refresh in a loop",
                answer.expires_in,
                token::MIN_EXPIRES_IN_S,
                token::MAX_EXPIRES_IN_S
            ))],
        ));
    }
}
