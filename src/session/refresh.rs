//! Refreshing the access token: by hand, by timer shortly before expiry, once after a 401,
//! or at once when a sleeping tab wakes with a refresh overdue. Every trigger that arrives
//! while a refresh is under way awaits that same request (single flight in the tab), and the
//! request itself runs under a Web Lock shared by every tab of this origin. What to do at
//! each step (send, take another tab's tokens, back off, end) is the machine's
//! ([`super::machine`]); the timing rules are `crate::oauth::refresh_policy`'s.
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use leptos::prelude::*;

use super::machine::{Effect, Event};
use super::Session;
use crate::browser::{http, locks};
use crate::error::Error;
use crate::oauth::request;
use crate::oauth::token;
use crate::playground::timeline;

/// One refresh, awaited by every trigger that arrives while it runs.
pub type RefreshFuture = Shared<LocalBoxFuture<'static, Result<(), Error>>>;

/// The Web Lock every tab takes to refresh or revoke.
pub(super) const REFRESH_LOCK: &str = "ilert-pkce.refresh";
/// How long a refresh waits for the lock: a tab that holds it honestly is sending one refresh
/// or revocation, which ends within the request's own time limit; a holder that keeps it
/// longer is stuck or hostile (any page of the origin can take it), and the refresh is put off.
const REFRESH_LOCK_WAIT_MS: u32 = request::TIMEOUT_MS + 1_000;
/// How long a sign-out (or a revocation after a 401) waits for the lock before it revokes
/// anyway: long enough for another tab's refresh under way on a quick server, short enough
/// that the person is not left with "Signing out…" (and a live refresh token) by a page that
/// never lets go of the lock.
pub(super) const SIGN_OUT_LOCK_WAIT_MS: u32 = 5_000;
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

    /// The request itself, under the lock. Not granted in time: nothing was sent, the tokens
    /// stay as they are, and the machine puts the refresh off.
    async fn refresh_request(self) -> Result<(), Error> {
        let before = self.state(|s| s.machine.tokens().map(|t| t.access_token.clone()));
        let locked = locks::exclusive(
            REFRESH_LOCK,
            REFRESH_LOCK_WAIT_MS,
            Box::pin(async move {
                gloo_timers::future::TimeoutFuture::new(TAB_MESSAGE_GRACE_MS).await;
                self.run(Event::RefreshLocked { before }).await
            }),
        )
        .await;
        match locked {
            Ok(result) => result,
            Err(_) => {
                self.run(Event::RefreshLockBusy {
                    waited_ms: REFRESH_LOCK_WAIT_MS,
                })
                .await
            }
        }
    }

    /// Steps the machine from `event`, carrying out the requests it asks for and reporting
    /// their answers back, until it has nothing more to ask; gives the result it said.
    pub(super) async fn run(self, event: Event) -> Result<(), Error> {
        let mut next = Some(event);
        let mut result = Ok(());
        while let Some(event) = next.take() {
            for effect in self.step(event) {
                match effect {
                    Effect::SendRefresh(sent) => {
                        let Some(refresh_token) = &sent.refresh_token else {
                            continue;
                        };
                        let request = request::refresh(&sent.endpoints, refresh_token);
                        let outcome = http::send(&request)
                            .await
                            .judge(token::parse_token_response);
                        next = Some(Event::RefreshAnswered {
                            sent,
                            result: outcome.result,
                            retry_after_ms: outcome.retry_after_ms,
                        });
                    }
                    Effect::Revoke {
                        endpoints,
                        refresh_token,
                    } => {
                        let outcome = self.revoke_token(&endpoints, &refresh_token).await;
                        next = Some(Event::Revoked {
                            refresh_token,
                            outcome,
                        });
                    }
                    Effect::RevokeUnderLock {
                        endpoints,
                        refresh_token,
                    } => {
                        // Like a sign-out: revoked even when the lock is not granted in time.
                        let job =
                            Box::pin(
                                async move { self.revoke_token(&endpoints, &refresh_token).await },
                            );
                        if let Err(revoke) =
                            locks::exclusive(REFRESH_LOCK, SIGN_OUT_LOCK_WAIT_MS, job).await
                        {
                            let _ = revoke.await;
                        }
                        timeline::end_session();
                    }
                    Effect::Done(said) => result = said,
                    _ => {}
                }
            }
        }
        result
    }

    /// A refresh asked for by the person or the timer: new tokens, then their token info.
    pub async fn refresh_now(self) -> Result<(), Error> {
        if let Err(err) = self.refresh().await {
            if self.is_signed_in() {
                self.notice.set(Some(super::Notice::error(&err)));
            }
            return Err(err);
        }
        self.load_token_info().await;
        Ok(())
    }
}
