//! Tabs: a duplicated tab starts with a copy of this tab's sessionStorage, so both hold the
//! same refresh token. The tab that refreshed hands the new tokens to the tabs that held the
//! old refresh token, and a sign-out reaches them too (BroadcastChannel, same origin only), so
//! a rotated token is never spent twice and no copy outlives a sign-out.
//!
//! The channel reaches every document of the origin, so every message is sealed with the
//! session's own key ([`seal`]), which only this tab and its duplicates hold; a message that
//! does not open with it is ignored, and tokens from another tab are taken only for the
//! endpoints this session pinned.
use crate::browser::storage::{self, Area};

use super::machine::Event;
use super::Session;
use crate::browser::{broadcast, seal};
pub(super) use crate::stored::tab_message::TabMessage;

/// The channel on which tabs of this origin tell each other.
pub(super) const CHANNEL: &str = "ilert-pkce.session";
/// The session's channel key (see [`seal`]), beside its tokens in sessionStorage.
pub(super) const KEY: &str = "ilert-pkce.tab-key";

/// The session's channel key, made now if the session has none yet (a new session, or one a
/// previous version stored).
pub(super) fn ensure_key() {
    if key().is_none() {
        storage::write(Area::Session, KEY, &seal::new_key());
    }
}

fn key() -> Option<String> {
    storage::read(Area::Session, KEY)
}

impl Session {
    /// Seals `message` with the session's key (read now: a sign-out forgets it right after)
    /// and sends it; without a key nothing is sent.
    pub(super) fn tell_tabs(&self, message: &TabMessage) {
        let (Some(key), Some(channel)) = (key(), self.state(|s| s.channel.clone())) else {
            return;
        };
        let text = message.to_json();
        leptos::task::spawn_local(async move {
            if let Some(sealed) = seal::seal(&key, &text).await {
                broadcast::post(&channel, &sealed);
            }
        });
    }

    /// A message on the channel: opened with the session's key, or ignored.
    pub(super) fn on_tab_text(self, text: String) {
        let Some(key) = key() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(plain) = seal::open(&key, &text).await {
                self.on_tab_message(&plain);
            }
        });
    }

    /// Another tab of this origin refreshed or revoked a grant: the machine decides whether
    /// this tab follows (only a tab holding that very refresh token does).
    pub(super) fn on_tab_message(&self, text: &str) {
        if let Some(message) = TabMessage::from_json(text) {
            self.step(Event::FromTab(message));
        }
    }
}
