//! The session state machine: which tokens we hold, when they are refreshed, what happens on
//! a 401, and how the session ends. Views read its signals and call its methods; they never
//! build a request themselves.
//!
//! - Tokens live in memory (signals) and in sessionStorage, so a reload of the tab keeps the
//!   session and closing the tab ends it. Nothing here writes to localStorage.
//! - Refresh: by hand, by timer shortly before expiry, or once after a 401. Every trigger that
//!   arrives while a refresh is under way awaits that same request (single flight).
//! - A refresh answered with `invalid_grant` ends the session: the grant is gone.
//! - Tabs: a duplicated tab starts with a copy of the same tokens. Refreshes take a Web Lock
//!   shared by all tabs, and the tab that refreshed hands the new tokens to the tabs that held
//!   the old refresh token (BroadcastChannel), so a rotated token is never spent twice.
use std::future::Future;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use web_sys::BroadcastChannel;

use crate::browser::{broadcast, clock, http, locks, storage};
use crate::config::Config;
use crate::oauth::token::{self, TokenInfo, TokenResponse};
use crate::oauth::user::{self, User};
use crate::oauth::{refresh_policy, Error};
use crate::timeline::{self, Field, Step};

const TOKENS_KEY: &str = "ilert-pkce.tokens";
/// The Web Lock every tab takes to refresh, and the channel on which tabs tell each other.
const REFRESH_LOCK: &str = "ilert-pkce.refresh";
const TAB_CHANNEL: &str = "ilert-pkce.session";
const TAB_MESSAGE_GRACE_MS: u32 = 30;
/// After a refresh that failed for a passing reason (network, 5xx), try again this much later.
const RETRY_AFTER_MS: f64 = 30_000.0;

/// The endpoints a session talks to, fixed when it starts so a settings change mid-session
/// cannot send its tokens somewhere else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Endpoints {
    pub client_id: String,
    pub token: String,
    pub token_info: String,
    pub revoke: String,
    pub user: String,
}

impl Endpoints {
    pub fn new(config: &Config, client_id: &str, token_url: &str) -> Self {
        Endpoints {
            client_id: client_id.to_string(),
            token: token_url.to_string(),
            token_info: config.token_info_url(),
            revoke: config.revoke_url(),
            user: config.user_url(),
        }
    }
}

/// The tokens of a signed-in session and what we know of their lifetimes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    /// Wall-clock ms when the access token expires (from `expires_in`).
    pub expires_at_ms: f64,
    /// The access token's lifetime as granted, ms.
    pub lifetime_ms: f64,
    pub refresh_expires_at_ms: Option<f64>,
    /// When the last refresh happened (iLert: not more than once per 5 minutes).
    pub last_refresh_ms: Option<f64>,
    pub endpoints: Endpoints,
}

impl Tokens {
    /// Tokens from a token answer. A refresh answer without `refresh_token` keeps the old one
    /// (iLert does not document rotation); with one, the old one is dropped.
    pub fn from_answer(answer: TokenResponse, now_ms: f64, endpoints: Endpoints, previous: Option<&Tokens>) -> Self {
        let lifetime_ms = answer.expires_in as f64 * 1000.0;
        let expires_at_ms = answer.expires_at_ms(now_ms);
        let refresh_expires_at_ms = match &answer.refresh_token {
            Some(_) => answer.refresh_expires_at_ms(now_ms),
            None => previous.and_then(|p| p.refresh_expires_at_ms),
        };
        Tokens {
            refresh_token: answer
                .refresh_token
                .or_else(|| previous.and_then(|p| p.refresh_token.clone())),
            refresh_expires_at_ms,
            access_token: answer.access_token,
            scope: answer.scope.or_else(|| previous.and_then(|p| p.scope.clone())),
            expires_at_ms,
            lifetime_ms,
            last_refresh_ms: previous.map(|_| now_ms),
            endpoints,
        }
    }
}

/// A message for the person, shown above the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub error: bool,
    pub title: String,
    pub text: String,
}

impl Notice {
    pub fn info(title: impl Into<String>, text: impl Into<String>) -> Self {
        Notice { error: false, title: title.into(), text: text.into() }
    }
    pub fn error(err: &Error) -> Self {
        Notice { error: true, title: err.title().to_string(), text: err.to_string() }
    }
}

type RefreshFuture = Shared<LocalBoxFuture<'static, Result<(), Error>>>;

/// The session: signals for the views, methods for the protocol steps. Copy, like signals.
#[derive(Clone, Copy)]
pub struct Session {
    pub tokens: RwSignal<Option<Tokens>>,
    pub profile: RwSignal<Option<User>>,
    pub token_info: RwSignal<Option<TokenInfo>>,
    pub notice: RwSignal<Option<Notice>>,
    /// Milliseconds from the callback landing to the profile being on screen (this tab).
    pub callback_to_profile_ms: RwSignal<Option<f64>>,
    callback_started: StoredValue<Option<f64>>,
    inflight: StoredValue<Option<RefreshFuture>, LocalStorage>,
    timer: StoredValue<Option<Timeout>, LocalStorage>,
    channel: StoredValue<Option<BroadcastChannel>, LocalStorage>,
}

/// What one tab tells the others (BroadcastChannel, same origin only).
/// Externally tagged (serde's default): an internally tagged enum would pull in serde's
/// buffering deserializer (measured: +18 KB raw, +5 KB brotli of wasm).
#[derive(Debug, Clone, Serialize, Deserialize)]
enum TabMessage {
    /// The refresh token with this fingerprint was spent; here are the tokens that replace it.
    Refreshed { replaces: String, tokens: Tokens },
    /// The refresh token with this fingerprint was revoked.
    SignedOut { refresh: String },
}

impl Session {
    /// The session of this tab, restored from sessionStorage if there is one.
    pub fn restore() -> Self {
        let tokens = storage::get(storage::Area::Session, TOKENS_KEY)
            .and_then(|json| serde_json::from_str::<Tokens>(&json).ok());
        let session = Session {
            tokens: RwSignal::new(tokens),
            profile: RwSignal::new(None),
            token_info: RwSignal::new(None),
            notice: RwSignal::new(None),
            callback_to_profile_ms: RwSignal::new(None),
            callback_started: StoredValue::new(None),
            inflight: StoredValue::new_local(None),
            timer: StoredValue::new_local(None),
            channel: StoredValue::new_local(None),
        };
        let channel = broadcast::open(TAB_CHANNEL, move |text| session.on_tab_message(&text));
        session.channel.set_value(channel);
        if session.tokens.get_untracked().is_some() {
            session.schedule_refresh();
        }
        session
    }

    pub fn is_signed_in(&self) -> bool {
        self.tokens.with_untracked(Option::is_some)
    }

    /// Marks the moment the callback page started, to measure callback → profile.
    pub fn mark_callback_start(&self) {
        self.callback_started.set_value(Some(clock::monotonic_ms()));
    }

    fn save(&self, tokens: Option<Tokens>) {
        match &tokens {
            Some(t) => {
                let json = serde_json::to_string(t).expect("tokens serialize");
                storage::set(storage::Area::Session, TOKENS_KEY, &json);
            }
            None => storage::remove(storage::Area::Session, TOKENS_KEY),
        }
        self.tokens.set(tokens);
        self.schedule_refresh();
    }

    /// Starts a session from the code exchange's answer.
    pub fn begin(&self, answer: TokenResponse, endpoints: Endpoints) {
        self.profile.set(None);
        self.token_info.set(None);
        self.save(Some(Tokens::from_answer(answer, clock::now_ms(), endpoints, None)));
    }

    /// Forgets every token, here and in storage, and says why.
    pub fn end(&self, notice: Option<Notice>) {
        self.inflight.set_value(None);
        self.save(None);
        self.profile.set(None);
        self.token_info.set(None);
        self.notice.set(notice);
    }

    /// Refreshes the access token. Calls made while one refresh is under way share it.
    pub async fn refresh(self) -> Result<(), Error> {
        let running = self.inflight.with_value(|f| f.clone());
        let future = match running {
            Some(future) => future,
            None => {
                let future = self.refresh_request().boxed_local().shared();
                self.inflight.set_value(Some(future.clone()));
                future
            }
        };
        let result = future.clone().await;
        // Forget it once done, unless a newer refresh has taken its place meanwhile.
        self.inflight.update_value(|slot| {
            if slot.as_ref().is_some_and(|f| f.ptr_eq(&future)) {
                *slot = None;
            }
        });
        result
    }

    /// The refresh request itself, under a Web Lock shared by every tab of this origin: a tab
    /// that waited for the lock while another one refreshed the same grant takes over that
    /// tab's tokens (see `on_tab_message`) and sends nothing.
    async fn refresh_request(self) -> Result<(), Error> {
        let before = self.tokens.with_untracked(|t| t.as_ref().map(|t| t.access_token.clone()));
        locks::exclusive(REFRESH_LOCK, async move {
            // The tab that held the lock before posted its new tokens before letting go, but a
            // message and a lock grant travel separately: give the message a moment to land.
            gloo_timers::future::TimeoutFuture::new(TAB_MESSAGE_GRACE_MS).await;
            let now = self.tokens.with_untracked(|t| t.as_ref().map(|t| t.access_token.clone()));
            if now.is_some() && now != before {
                return Ok(());
            }
            self.refresh_locked().await
        })
        .await
    }

    async fn refresh_locked(self) -> Result<(), Error> {
        let Some(current) = self.tokens.get_untracked() else {
            return Err(Error::Config("not signed in".into()));
        };
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(Error::Config(
                "there is no refresh token: iLert only issues one when the scope offline_access is granted".into(),
            ));
        };
        let form = token::refresh_form(&current.endpoints.client_id, &refresh_token);
        let id = timeline::request(Step::Refresh, "POST", &current.endpoints.token, http::FORM_HEADERS, &form);
        let outcome = match http::post_form(&current.endpoints.token, &form).await {
            Ok(answer) => {
                timeline::answer(id, &answer);
                token::parse_token_response(answer.status, answer.content_type.as_deref(), &answer.body)
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(answer) => {
                // The tab may have signed out while the request was under way.
                if self.tokens.with_untracked(|t| t.as_ref().map(|t| &t.access_token) == Some(&current.access_token)) {
                    let tokens = Tokens::from_answer(answer, clock::now_ms(), current.endpoints.clone(), Some(&current));
                    self.tell_tabs(&TabMessage::Refreshed { replaces: token::fingerprint(&refresh_token), tokens: tokens.clone() });
                    self.save(Some(tokens));
                }
                Ok(())
            }
            Err(err) => {
                timeline::error(Step::Refresh, &err);
                let replaced = self.tokens.with_untracked(|t| t.as_ref().is_some_and(|t| t.access_token != current.access_token));
                if err.is_invalid_grant() && replaced {
                    // Another tab spent the token first and handed this one its result meanwhile.
                    return Ok(());
                }
                if err.is_invalid_grant() {
                    self.end(Some(Notice {
                        error: true,
                        title: "Your iLert session has ended".into(),
                        text: format!(
                            "iLert refused the refresh token ({err}). This happens when access was revoked in iLert, \
                             the refresh token expired or was replaced. Every token was forgotten: connect again to sign in."
                        ),
                    }));
                } else {
                    self.schedule_retry();
                }
                Err(err)
            }
        }
    }

    /// Runs an API call with the current access token; on a 401, refreshes once and retries once.
    pub async fn with_access<T, F, Fut>(self, call: F) -> Result<T, Error>
    where
        F: Fn(Tokens) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let tokens = self.tokens.get_untracked().ok_or_else(|| Error::Config("not signed in".into()))?;
        match call(tokens.clone()).await {
            Err(Error::Unauthorized { .. }) if tokens.refresh_token.is_some() => {
                self.refresh().await?;
                let fresh = self.tokens.get_untracked().ok_or_else(|| Error::Config("signed out".into()))?;
                call(fresh).await
            }
            other => other,
        }
    }

    /// GET /api/users/current, with the 401 rule.
    pub async fn fetch_profile(self) -> Result<User, Error> {
        self.with_access(|t| async move {
            let id = timeline::request_bearer(Step::Profile, &t.endpoints.user);
            let answer = http::get_bearer(&t.endpoints.user, &t.access_token).await?;
            timeline::answer(id, &answer);
            user::parse_user(answer.status, answer.content_type.as_deref(), &answer.body)
        })
        .await
    }

    /// POST token_info for the current access token. An inactive token is treated like a 401
    /// (refresh once, ask again): an expired access token is the usual reason.
    pub async fn fetch_token_info(self) -> Result<TokenInfo, Error> {
        self.with_access(|t| async move {
            let form = token::token_info_form(&t.access_token);
            let id = timeline::request(Step::TokenInfo, "POST", &t.endpoints.token_info, http::FORM_HEADERS, &form);
            let answer = http::post_form(&t.endpoints.token_info, &form).await?;
            timeline::answer(id, &answer);
            let info = token::parse_token_info(answer.status, answer.content_type.as_deref(), &answer.body)?;
            if info.active {
                Ok(info)
            } else {
                Err(Error::Unauthorized { message: Some("token_info says the access token is not active".into()) })
            }
        })
        .await
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

    async fn load_token_info(self) {
        match self.fetch_token_info().await {
            Ok(info) => self.token_info.set(Some(info)),
            Err(err) => self.report(Step::TokenInfo, err),
        }
    }

    /// Loads the profile and the token info in parallel, and shows each when it arrives.
    pub async fn load(self) {
        let profile = async {
            match self.fetch_profile().await {
                Ok(user) => {
                    self.profile.set(Some(user));
                    if let Some(started) = self.callback_started.get_value() {
                        self.callback_started.set_value(None);
                        self.callback_to_profile_ms.set(Some(clock::monotonic_ms() - started));
                    }
                }
                Err(err) => self.report(Step::Profile, err),
            }
        };
        futures::join!(profile, self.load_token_info());
    }

    fn report(&self, step: Step, err: Error) {
        timeline::error(step, &err);
        // A 401 that a refresh could not cure, without a refresh token: the session is over.
        if matches!(err, Error::Unauthorized { .. }) && self.tokens.with_untracked(|t| t.as_ref().is_some_and(|t| t.refresh_token.is_none())) {
            self.end(Some(Notice {
                error: true,
                title: "iLert no longer accepts the access token".into(),
                text: format!("{err}. Without a refresh token (scope offline_access) the session cannot be renewed: connect again."),
            }));
            return;
        }
        if self.is_signed_in() {
            self.notice.set(Some(Notice::error(&err)));
        }
    }

    /// Revokes the refresh token, forgets every token and says so.
    pub async fn sign_out(self) {
        let Some(tokens) = self.tokens.get_untracked() else { return };
        let mut outcome = Ok(());
        let mut revoke_entry = None;
        if let Some(refresh_token) = &tokens.refresh_token {
            let form = token::revoke_form(refresh_token);
            let id = timeline::request(Step::Revoke, "POST", &tokens.endpoints.revoke, http::FORM_HEADERS, &form);
            revoke_entry = Some(id);
            outcome = match http::post_form(&tokens.endpoints.revoke, &form).await {
                Ok(answer) => {
                    timeline::answer(id, &answer);
                    token::parse_revoke(answer.status, answer.content_type.as_deref(), &answer.body)
                }
                Err(e) => Err(e),
            };
        }
        let notice = match (&outcome, tokens.refresh_token.is_some()) {
            (Ok(()), true) => Notice::info(
                "Signed out",
                "The refresh token was revoked at iLert and every token was forgotten in this tab.",
            ),
            (Ok(()), false) => Notice::info(
                "Signed out",
                "Every token was forgotten in this tab. There was no refresh token to revoke; the access token expires by itself.",
            ),
            (Err(err), _) => Notice {
                error: true,
                title: "Signed out, but the revocation failed".into(),
                text: format!(
                    "Every token was forgotten in this tab, but iLert did not confirm the revocation: {err}. \
                     You can remove the app's access in iLert under your profile's connected apps."
                ),
            },
        };
        if let (Ok(()), Some(refresh_token)) = (&outcome, &tokens.refresh_token) {
            self.tell_tabs(&TabMessage::SignedOut { refresh: token::fingerprint(refresh_token) });
        }
        self.end(Some(notice));
        // The session's steps go with its tokens; the revocation stays, to show how it ended.
        timeline::clear_except(revoke_entry);
    }

    fn tell_tabs(&self, message: &TabMessage) {
        let text = serde_json::to_string(message).expect("tab messages serialize");
        self.channel.with_value(|c| {
            if let Some(channel) = c {
                broadcast::post(channel, &text);
            }
        });
    }

    /// Another tab of this origin refreshed or revoked a grant. Only a tab holding that very
    /// refresh token (a duplicated tab) follows; any other tab ignores the message.
    fn on_tab_message(&self, text: &str) {
        let Ok(message) = serde_json::from_str::<TabMessage>(text) else { return };
        let ours = self
            .tokens
            .with_untracked(|t| t.as_ref().and_then(|t| t.refresh_token.as_deref().map(token::fingerprint)));
        match message {
            TabMessage::Refreshed { replaces, tokens } if ours.as_deref() == Some(replaces.as_str()) => {
                timeline::note(
                    Step::Refresh,
                    "Refreshed by another tab",
                    vec![Field::new("why", "another tab of this app held the same refresh token and refreshed it first; this tab took over its new tokens instead of spending the old one", false)],
                );
                self.save(Some(tokens));
            }
            TabMessage::SignedOut { refresh } if ours.as_deref() == Some(refresh.as_str()) => {
                self.end(Some(Notice::info(
                    "Signed out in another tab",
                    "Another tab of this app revoked the refresh token this tab shared with it; every token was forgotten here too.",
                )));
                timeline::clear();
            }
            _ => {}
        }
    }

    /// Arms the timer for the next automatic refresh (iLert: shortly before expiry, and not
    /// more than once per 5 minutes unless the token would expire first).
    fn schedule_refresh(&self) {
        self.timer.set_value(None);
        let Some(tokens) = self.tokens.get_untracked() else { return };
        if tokens.refresh_token.is_none() {
            return;
        }
        let at = refresh_policy::next_refresh_at(tokens.expires_at_ms, tokens.lifetime_ms, tokens.last_refresh_ms);
        self.arm(refresh_policy::delay_ms(at, clock::now_ms()));
    }

    fn schedule_retry(&self) {
        self.arm(RETRY_AFTER_MS);
    }

    fn arm(&self, delay_ms: f64) {
        let session = *self;
        // setTimeout takes an i32 of ms; a year-long refresh token is re-armed on the next load.
        let delay = delay_ms.min(i32::MAX as f64) as u32;
        let timeout = Timeout::new(delay, move || {
            spawn_local(async move {
                let _ = session.refresh_now().await;
            });
        });
        self.timer.set_value(Some(timeout));
    }
}
