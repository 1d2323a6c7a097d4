//! Refreshing the access token: by hand, by timer shortly before expiry, once after a 401,
//! or at once when a sleeping tab wakes with a refresh overdue. Every trigger that arrives
//! while a refresh is under way awaits that same request (single flight in the tab), and the
//! request itself runs under a Web Lock shared by every tab of this origin. The timing rules
//! (5 minutes apart, back-off, at most 3 a minute) are `crate::oauth::refresh_policy`'s.
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::tabs::TabMessage;
use super::{note_lifetime, Notice, Session, Tokens};
use crate::browser::{clock, http, locks};
use crate::error::Error;
use crate::oauth::refresh_policy::{self, MAX_PER_MINUTE};
use crate::oauth::request;
use crate::oauth::token;
use crate::playground::timeline::{self, Field, Step};

/// One refresh, awaited by every trigger that arrives while it runs.
pub type RefreshFuture = Shared<LocalBoxFuture<'static, Result<(), Error>>>;

/// The Web Lock every tab takes to refresh or revoke.
pub(super) const REFRESH_LOCK: &str = "ilert-pkce.refresh";
/// How long a refresh waits for the lock: a tab that holds it honestly is sending one refresh
/// or revocation, which ends within the request's own time limit; a holder that keeps it
/// longer is stuck or hostile (any page of the origin can take it), and the refresh is put off.
const REFRESH_LOCK_WAIT_MS: u32 = request::TIMEOUT_MS + 1_000;
/// A tab that waited for the lock gives the holder's message this long to land.
const TAB_MESSAGE_GRACE_MS: u32 = 30;

impl Session {
    /// Refreshes the access token. Calls made while one refresh is under way share it.
    pub async fn refresh(self) -> Result<(), Error> {
        let running = self.inflight_refresh();
        let future = match running {
            Some(future) => future,
            None => {
                let future = self.refresh_request().boxed_local().shared();
                self.state(|s| s.inflight = Some(future.clone()));
                future
            }
        };
        let result = future.clone().await;
        // Forget it once done, unless a newer refresh has taken its place meanwhile.
        self.state(|s| {
            if s.inflight.as_ref().is_some_and(|f| f.ptr_eq(&future)) {
                s.inflight = None;
            }
        });
        result
    }

    /// The refresh under way, if any (sign-out waits for it).
    pub(super) fn inflight_refresh(&self) -> Option<RefreshFuture> {
        self.state(|s| s.inflight.clone())
    }

    /// The request itself, under the lock: a tab that waited while another one refreshed the
    /// same grant takes over that tab's tokens (see `on_tab_message`) and sends nothing.
    async fn refresh_request(self) -> Result<(), Error> {
        let before = self
            .tokens
            .with_untracked(|t| t.as_ref().map(|t| t.access_token.clone()));
        let locked = locks::exclusive(
            REFRESH_LOCK,
            REFRESH_LOCK_WAIT_MS,
            Box::pin(async move {
                gloo_timers::future::TimeoutFuture::new(TAB_MESSAGE_GRACE_MS).await;
                let now = self
                    .tokens
                    .with_untracked(|t| t.as_ref().map(|t| t.access_token.clone()));
                if now.is_some() && now != before {
                    return Ok(());
                }
                self.refresh_locked().await
            }),
        )
        .await;
        // Not granted in time: nothing was sent, the tokens stay as they are; try again later.
        locked.unwrap_or_else(|_| {
            Err(self.postpone(
                Error::LockBusy {
                    waited_ms: REFRESH_LOCK_WAIT_MS,
                },
                None,
            ))
        })
    }

    /// A refresh that failed without ending the session: noted, and tried again after the
    /// back-off. Gives `err` back.
    fn postpone(&self, err: Error, retry_after_ms: Option<f64>) -> Error {
        if !self.is_signed_in() {
            return err;
        }
        let failures = self.state(|s| {
            s.failures = s.failures.saturating_add(1);
            s.failures
        });
        let delay = refresh_policy::backoff_ms(failures, retry_after_ms);
        let mut fields = vec![Field::new("next attempt", format!("in {} s", (delay / 1000.0).round() as i64), false).note(
            "a failed refresh is tried again after 30 s, then 1, 2, 4, 8 and at most 10 minutes (or after Retry-After, if the server asks for longer); the session goes on meanwhile",
        )];
        // A request's failure is on its own entry; a lock that was not granted has none.
        if let Error::LockBusy { .. } = err {
            fields.push(Field::new("why", err.to_string(), false));
        }
        timeline::note(Step::Refresh, "Refresh postponed", fields);
        self.arm(delay);
        err
    }

    async fn refresh_locked(self) -> Result<(), Error> {
        let Some(current) = self.tokens.get_untracked() else {
            return Err(Error::NotSignedIn);
        };
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(Error::Config(
                "there is no refresh token: iLert only issues one when the scope offline_access is granted".into(),
            ));
        };
        let now = clock::now_ms();
        if let Err(wait_ms) = self.state(|s| s.budget.check(now)) {
            // Not now: keep the schedule, but not before the budget allows another one.
            self.schedule_refresh();
            if self
                .state(|s| s.due_at_ms)
                .is_some_and(|at| at < now + wait_ms)
            {
                self.arm(wait_ms);
            }
            return Err(Error::Throttled {
                limit: MAX_PER_MINUTE,
                wait_s: (wait_ms / 1000.0).ceil() as u64,
            });
        }
        self.state(|s| s.budget.record(now));

        let sent = request::refresh(&current.endpoints, &refresh_token);
        let outcome = http::send(&sent).await.judge(token::parse_token_response);
        let same_session = self
            .tokens
            .with_untracked(|t| t.as_ref().map(|t| &t.access_token) == Some(&current.access_token));
        match outcome.result {
            Ok(answer) if same_session => {
                self.state(|s| s.failures = 0);
                note_lifetime(&answer);
                let tokens = Tokens::from_answer(
                    answer,
                    clock::now_ms(),
                    current.endpoints.clone(),
                    Some(&current),
                );
                self.tell_tabs(&TabMessage::Refreshed {
                    replaces: token::fingerprint(&refresh_token),
                    tokens: tokens.clone(),
                });
                self.save(tokens);
                Ok(())
            }
            Ok(answer) => {
                // The session ended while the request was under way: what it brought must not
                // outlive it. A sign-out of this tab revokes it; otherwise revoke it here.
                let newest = answer.refresh_token.unwrap_or(refresh_token);
                if self.state(|s| s.signing_out) {
                    self.state(|s| s.landed_after_end = Some(newest));
                } else if !self.is_signed_in() {
                    let _ = self.revoke_token(&current.endpoints, &newest).await;
                }
                Ok(())
            }
            Err(_) if !same_session && self.is_signed_in() => {
                // Another tab spent the token first and handed this one its result meanwhile.
                Ok(())
            }
            Err(err) if err.is_invalid_grant() => {
                self.end(Some(Notice::failure(
                    "Your iLert session has ended",
                    format!(
                        "The server refused the refresh token ({err}). This happens when access was revoked in iLert, \
                         the refresh token expired, or it was used twice (a server that detects reuse then revokes the whole grant). \
                         Every token was forgotten: connect again to sign in."
                    ),
                )));
                Err(err)
            }
            Err(err) => Err(self.postpone(err, outcome.retry_after_ms)),
        }
    }

    /// A refresh asked for by the person or the timer: new tokens, then their token info.
    pub async fn refresh_now(self) -> Result<(), Error> {
        if let Err(err) = self.refresh().await {
            if self.is_signed_in() {
                self.notice.set(Some(Notice::error(&err)));
            }
            return Err(err);
        }
        self.load_token_info().await;
        Ok(())
    }

    /// Arms the timer for the next automatic refresh (iLert: shortly before expiry, and not
    /// more than once per 5 minutes unless the access token has expired).
    pub(super) fn schedule_refresh(&self) {
        self.state(|s| {
            s.timer = None;
            s.due_at_ms = None;
        });
        let Some(tokens) = self.tokens.get_untracked() else {
            return;
        };
        if tokens.refresh_token.is_none() {
            return;
        }
        let at = refresh_policy::next_refresh_at(
            tokens.expires_at_ms,
            tokens.lifetime_ms,
            tokens.last_refresh_ms,
        );
        self.arm(refresh_policy::delay_ms(at, clock::now_ms()));
    }

    /// When the tab wakes (visible again, back from the cache, online again), a refresh whose
    /// time has come while timers slept happens at once.
    pub(super) fn refresh_if_due(&self) {
        let now = clock::now_ms();
        let due = self.state(|s| s.due_at_ms).is_some_and(|at| at <= now);
        if due && self.is_signed_in() && self.inflight_refresh().is_none() {
            let session = *self;
            spawn_local(async move {
                let _ = session.refresh_now().await;
            });
        }
    }

    fn arm(&self, delay_ms: f64) {
        let session = *self;
        // setTimeout takes an i32 of ms; a year-long refresh token is re-armed on the next load.
        let delay = delay_ms.clamp(0.0, i32::MAX as f64);
        let due_at = clock::now_ms() + delay;
        self.state(|s| s.due_at_ms = Some(due_at));
        let timeout = Timeout::new(delay as u32, move || {
            session.state(|s| s.due_at_ms = None);
            spawn_local(async move {
                let _ = session.refresh_now().await;
            });
        });
        self.state(|s| s.timer = Some(timeout));
    }
}
