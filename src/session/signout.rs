//! Sign-out: the tokens are forgotten in this tab first (and in a duplicated tab), so nothing
//! can use them any more, whatever happens next; then the newest refresh token is revoked,
//! under the same cross-tab lock as refresh and after any refresh in flight, so a refresh that
//! lands late cannot leave a live token behind. The page and the timeline say whether the
//! revocation reached the server.
use super::machine::{Effect, Event};
use super::refresh::{REFRESH_LOCK, SIGN_OUT_LOCK_WAIT_MS};
use super::Session;
use crate::browser::{http, locks};
use crate::error::Error;
use crate::oauth::request::{self, Endpoints};
use crate::oauth::{token, Secret};

impl Session {
    /// Forgets every token, then revokes the refresh token and says how that went.
    pub async fn sign_out(self) {
        let asked = self.step(Event::SignOutAsked);
        if !asked.iter().any(|e| matches!(e, Effect::LockForSignOut)) {
            return;
        }
        // A refresh under way finishes first; if it brought a new refresh token, that one is
        // the token to revoke.
        if let Some(inflight) = self.inflight_refresh() {
            let _ = inflight.await;
        }
        let locked = locks::exclusive(
            REFRESH_LOCK,
            SIGN_OUT_LOCK_WAIT_MS,
            Box::pin(self.run(Event::SignOutLocked { busy: false })),
        )
        .await;
        // The lock is there so that no refresh of another tab spends the token meanwhile; a
        // holder that keeps it this long is stuck or hostile, and the token must not stay
        // valid for its sake: revoke without it.
        if locked.is_err() {
            let _ = self.run(Event::SignOutLocked { busy: true }).await;
        }
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
