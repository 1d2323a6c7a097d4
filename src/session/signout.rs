//! Sign-out: the tokens are forgotten in this tab first (and in a duplicated tab), so nothing
//! can use them any more, whatever happens next; then the newest refresh token is revoked,
//! under the same cross-tab lock as refresh and after any refresh in flight, so a refresh that
//! lands late cannot leave a live token behind. The page and the timeline say whether the
//! revocation reached the server.
use leptos::prelude::*;

use super::refresh::REFRESH_LOCK;
use super::tabs::TabMessage;
use super::{Notice, Session};
use crate::browser::{http, locks};
use crate::error::Error;
use crate::oauth::request::{self, Endpoints};
use crate::oauth::{token, Secret};
use crate::playground::timeline::{self, Field, Step};

/// How long a sign-out waits for the lock before it revokes anyway: long enough for another
/// tab's refresh under way on a quick server, short enough that the person is not left with
/// "Signing out…" (and a live refresh token) by a page that never lets go of the lock.
pub(super) const SIGN_OUT_LOCK_WAIT_MS: u32 = 5_000;

/// What a sign-out that did not get the lock says, in the notice and the timeline.
const LOCK_BUSY: &str = " Another tab or page of this app held the session's lock for 5 s, so the app revoked the token without waiting for it any longer.";

impl Session {
    /// Forgets every token, then revokes the refresh token and says how that went.
    pub async fn sign_out(self) {
        let Some(tokens) = self.tokens.get_untracked() else {
            return;
        };
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            self.end(Some(Notice::info(
                "Signed out",
                "Every token was forgotten in this tab. There was no refresh token to revoke; the access token expires by itself.",
            )));
            timeline::clear();
            return;
        };
        self.state(|s| {
            s.signing_out = true;
            s.landed_after_end = None;
        });
        self.tell_tabs(&TabMessage::SignedOut {
            refresh: token::fingerprint(&refresh_token),
        });
        self.end(Some(Notice::info(
            "Signing out…",
            "Every token was forgotten in this tab; now asking the server to revoke the refresh token.",
        )));
        // The session's steps go with its tokens; the revocation stays, to show how it ended.
        timeline::clear();

        // A refresh under way finishes first; if it brought a new refresh token, that one is
        // the token to revoke.
        if let Some(inflight) = self.inflight_refresh() {
            let _ = inflight.await;
        }
        let endpoints = tokens.endpoints.clone();
        let locked = locks::exclusive(
            REFRESH_LOCK,
            SIGN_OUT_LOCK_WAIT_MS,
            Box::pin(async move {
                let newest = self
                    .state(|s| s.landed_after_end.take())
                    .unwrap_or(refresh_token);
                self.revoke_token(&endpoints, &newest).await
            }),
        )
        .await;
        // The lock is there so that no refresh of another tab spends the token meanwhile; a
        // holder that keeps it this long is stuck or hostile, and the token must not stay
        // valid for its sake: revoke without it.
        let (outcome, busy) = match locked {
            Ok(outcome) => (outcome, ""),
            Err(revoke) => {
                timeline::note(
                    Step::Revoke,
                    "Revoking without the lock",
                    vec![Field::new("why", LOCK_BUSY.trim_start(), false)],
                );
                (revoke.await, LOCK_BUSY)
            }
        };
        self.state(|s| s.signing_out = false);
        timeline::end_session();
        timeline::clear_except(Some(Step::Revoke));
        self.notice.set(Some(match outcome {
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
        }));
    }

    /// Revokes one refresh token (RFC 7009: any 2xx is success).
    pub(super) async fn revoke_token(
        &self,
        endpoints: &Endpoints,
        refresh_token: &Secret,
    ) -> Result<(), Error> {
        let sent = request::revoke(endpoints, refresh_token);
        http::send(&sent).await.judge(token::parse_revoke).result
    }
}
