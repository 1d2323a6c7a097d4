//! Tabs: a duplicated tab starts with a copy of this tab's sessionStorage, so both hold the
//! same refresh token. The tab that refreshed hands the new tokens to the tabs that held the
//! old refresh token, and a sign-out reaches them too (BroadcastChannel, same origin only), so
//! a rotated token is never spent twice and no copy outlives a sign-out.
use super::{Notice, Session};
use crate::browser::broadcast;
use crate::oauth::token;
pub(super) use crate::stored::tab_message::TabMessage;
use crate::timeline::{self, Field, Step};
use leptos::prelude::*;

/// The channel on which tabs of this origin tell each other.
pub(super) const CHANNEL: &str = "ilert-pkce.session";

impl Session {
    pub(super) fn tell_tabs(&self, message: &TabMessage) {
        let text = message.to_json();
        self.state(|s| {
            if let Some(channel) = &s.channel {
                broadcast::post(channel, &text);
            }
        });
    }

    /// Another tab of this origin refreshed or revoked a grant. Only a tab holding that very
    /// refresh token (a duplicated tab) follows; any other tab ignores the message.
    pub(super) fn on_tab_message(&self, text: &str) {
        let Some(message) = TabMessage::from_json(text) else {
            return;
        };
        let ours = self.tokens.with_untracked(|t| {
            t.as_ref()
                .and_then(|t| t.refresh_token.as_deref().map(token::fingerprint))
        });
        match message {
            TabMessage::Refreshed { replaces, tokens }
                if ours.as_deref() == Some(replaces.as_str()) =>
            {
                timeline::note(
                    Step::Refresh,
                    "Refreshed by another tab",
                    vec![Field::new("why", "another tab of this app held the same refresh token and refreshed it first; this tab took over its new tokens instead of spending the old one", false)],
                );
                self.save(tokens);
            }
            TabMessage::SignedOut { refresh } if ours.as_deref() == Some(refresh.as_str()) => {
                self.end(Some(Notice::info(
                    "Signed out in another tab",
                    "Another tab of this app signed out of the session this tab shared with it; every token was forgotten here too.",
                )));
                timeline::clear();
            }
            _ => {}
        }
    }
}
