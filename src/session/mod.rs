//! The session: which tokens this tab holds, what the views show of them, and how a session
//! begins and ends. Views read its signals and call its methods; they never build a request.
//!
//! - Tokens live in memory (signals) and in sessionStorage, so a reload of the tab keeps the
//!   session and closing the tab ends it. Nothing here writes to localStorage.
//! - [`signin`]: how a session begins: Connect, the callback, the code exchange.
//! - [`refresh`]: when and how the access token is renewed (single flight, Web Lock, back-off).
//! - [`tabs`]: what a duplicated tab, which holds the same refresh token, is told.
//! - [`signout`]: forgetting locally first, then revoking.
//! - [`built_in`]: the end of a session of the built-in simulator when iLert's mode is in force.
//! - When a session ends in any way, no token, code or verifier stays in web storage: the
//!   tokens and pending sign-ins are removed and the timeline keeps masked values only.
pub mod built_in;
mod refresh;
pub mod signin;
mod signout;
mod tabs;

use crate::browser::storage::{self, Area};
use futures::future::LocalBoxFuture;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use web_sys::BroadcastChannel;

use crate::browser::{broadcast, clock, http, locks, wake};
use crate::error::Error;
use crate::oauth::refresh_policy::RefreshBudget;
use crate::oauth::request::{self, Endpoints};
use crate::oauth::token::{self, TokenInfo, TokenResponse};
use crate::oauth::user::{self, User};
use crate::oauth::{self, Secret};
use crate::playground::timeline::{self, Field, Step};

pub use crate::stored::tokens::Tokens;
pub use refresh::RefreshFuture;

const TOKENS_KEY: &str = "ilert-pkce.tokens";
/// Where Connect keeps its pending sign-in attempts (state → verifier, endpoints).
const PENDING_KEY: &str = "ilert-pkce.pending";

/// A message for the person, shown above the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub error: bool,
    pub title: String,
    pub text: String,
}

impl Notice {
    pub fn info(title: impl Into<String>, text: impl Into<String>) -> Self {
        Notice {
            error: false,
            title: title.into(),
            text: text.into(),
        }
    }
    pub fn failure(title: impl Into<String>, text: impl Into<String>) -> Self {
        Notice {
            error: true,
            title: title.into(),
            text: text.into(),
        }
    }
    pub fn error(err: &Error) -> Self {
        Notice::failure(err.title(), err.to_string())
    }
}

/// Something the page asks the server for: it ends in data or in an error, never in "loading".
#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    /// Not asked yet (a new session, or one restored by a reload).
    Idle,
    Loading,
    Ready(T),
    Failed(Error),
}

/// What an API call made under [`Session::with_access`] brought back.
enum Fetched {
    User(Box<User>),
    Info(TokenInfo),
}

/// An API call made with the given tokens (see [`Session::with_access`]).
type Call = fn(Tokens) -> LocalBoxFuture<'static, Result<Fetched, Error>>;

/// The session: signals for the views, methods for the protocol steps. Copy, like signals.
#[derive(Clone, Copy)]
pub struct Session {
    pub tokens: RwSignal<Option<Tokens>>,
    pub profile: RwSignal<Load<User>>,
    pub token_info: RwSignal<Load<TokenInfo>>,
    pub notice: RwSignal<Option<Notice>>,
    /// Milliseconds from the callback landing to the profile being on screen (this tab).
    pub callback_to_profile_ms: RwSignal<Option<f64>>,
    /// Everything else, in one StoredValue: each StoredValue of a distinct type costs the wasm
    /// its own copy of the arena code.
    state: StoredValue<State, LocalStorage>,
}

/// The session's private state (see [`Session::state`]).
#[derive(Default)]
struct State {
    callback_started: Option<f64>,
    inflight: Option<RefreshFuture>,
    timer: Option<Timeout>,
    /// When the armed timer fires (wall clock), so a woken tab can tell a refresh is overdue.
    due_at_ms: Option<f64>,
    /// Passing refresh failures in a row, for the back-off.
    failures: u32,
    budget: RefreshBudget,
    /// A sign-out of this tab is revoking: a refresh that lands meanwhile leaves its new
    /// refresh token here for it instead of revoking it itself.
    signing_out: bool,
    landed_after_end: Option<Secret>,
    channel: Option<BroadcastChannel>,
}

impl Session {
    /// The session of this tab, restored from sessionStorage if there is one.
    pub fn restore() -> Self {
        let tokens =
            storage::read(Area::Session, TOKENS_KEY).and_then(|text| Tokens::from_json(&text));
        let session = Session {
            tokens: RwSignal::new(tokens),
            profile: RwSignal::new(Load::Idle),
            token_info: RwSignal::new(Load::Idle),
            notice: RwSignal::new(None),
            callback_to_profile_ms: RwSignal::new(None),
            state: StoredValue::new_local(State::default()),
        };
        let channel = broadcast::open(tabs::CHANNEL, move |text| session.on_tab_text(text));
        session.state(|s| s.channel = channel);
        // After sleep, a frozen tab or the back-forward cache, timers are late: catch up.
        wake::on_wake(move || session.refresh_if_due());
        if session.tokens.get_untracked().is_some() {
            // A session a previous version stored has no channel key yet.
            tabs::ensure_key();
            session.schedule_refresh();
        }
        session
    }

    /// Reads or changes the private state. `f` must not call back into the session. The
    /// StoredValue is reached through one `dyn` closure type, so its code exists once.
    fn state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let mut f = Some(f);
        let mut out = None;
        self.access(&mut |s| out = f.take().map(|f| f(s)));
        out.expect("the session's state lives as long as the page")
    }

    fn access(&self, f: &mut dyn FnMut(&mut State)) {
        self.state.update_value(f);
    }

    pub fn is_signed_in(&self) -> bool {
        self.tokens.with_untracked(Option::is_some)
    }

    /// Marks the moment the callback page started, to measure callback → profile.
    pub fn mark_callback_start(&self) {
        let now = clock::monotonic_ms();
        self.state(|s| s.callback_started = Some(now));
    }

    /// Keeps `tokens` in memory and in sessionStorage, and arms the next refresh. A storage
    /// that refuses them is said on the page: the session works on, but a reload would lose it.
    fn save(&self, tokens: Tokens) {
        tabs::ensure_key();
        if !storage::write(Area::Session, TOKENS_KEY, &tokens.to_json()) {
            storage::remove(Area::Session, TOKENS_KEY);
            self.notice.set(Some(Notice::failure(
                "The new tokens could not be saved in this tab",
                "sessionStorage refused them (private browsing or full storage). The session goes on in this page, \
                 but a reload will sign you out.",
            )));
        }
        self.tokens.set(Some(tokens));
        self.schedule_refresh();
    }

    /// Starts a session from the code exchange's answer.
    pub fn begin(&self, answer: TokenResponse, endpoints: Endpoints) {
        self.profile.set(Load::Idle);
        self.token_info.set(Load::Idle);
        self.state(|s| s.failures = 0);
        note_lifetime(&answer);
        self.save(Tokens::from_answer(
            answer,
            clock::now_ms(),
            endpoints,
            None,
        ));
    }

    /// Ends the session in this tab: forgets every token, pending sign-in and timer, masks
    /// the timeline's secrets, and says why.
    pub fn end(&self, notice: Option<Notice>) {
        self.tokens.set(None);
        storage::remove(Area::Session, TOKENS_KEY);
        storage::remove(Area::Session, PENDING_KEY);
        storage::remove(Area::Session, tabs::KEY);
        self.state(|s| {
            s.timer = None;
            s.due_at_ms = None;
            s.failures = 0;
        });
        self.profile.set(Load::Idle);
        self.token_info.set(Load::Idle);
        timeline::end_session();
        self.notice.set(notice);
    }

    /// Runs an API call with the current access token; on a 401, refreshes once and retries
    /// once. A 401 even after that ends the session: the grant is of no use any more.
    ///
    /// Not generic: one copy of this state machine serves every call ([`Fetched`]).
    async fn with_access(self, call: Call) -> Result<Fetched, Error> {
        let tokens = self.tokens.get_untracked().ok_or(Error::NotSignedIn)?;
        let result = match call(tokens.clone()).await {
            Err(e) if e.is_unauthorized() && tokens.refresh_token.is_some() => {
                self.refresh().await?;
                let fresh = self.tokens.get_untracked().ok_or(Error::NotSignedIn)?;
                call(fresh).await
            }
            other => other,
        };
        if let Some(err) = result.as_ref().err().filter(|e| e.is_unauthorized()) {
            if let Some(last) = self.tokens.get_untracked() {
                let why = if last.refresh_token.is_some() {
                    "even a freshly refreshed access token was refused"
                } else {
                    "without a refresh token (scope offline_access) the session cannot be renewed"
                };
                self.end(Some(Notice::failure(
                    "iLert no longer accepts the access token",
                    format!("{err} The session has ended: {why}. Every token was forgotten: connect again."),
                )));
                // The refresh token still lives at the server: a session that ended must not
                // leave it valid for a year.
                if let Some(refresh_token) = &last.refresh_token {
                    let endpoints = last.endpoints.clone();
                    let refresh_token = refresh_token.clone();
                    // Like a sign-out: revoked even when the lock is not granted in time.
                    if let Err(revoke) = locks::exclusive(
                        refresh::REFRESH_LOCK,
                        signout::SIGN_OUT_LOCK_WAIT_MS,
                        Box::pin(
                            async move { self.revoke_token(&endpoints, &refresh_token).await },
                        ),
                    )
                    .await
                    {
                        let _ = revoke.await;
                    }
                    timeline::end_session();
                }
            }
        }
        result
    }

    /// GET /api/users/current, with the 401 rule.
    pub async fn fetch_profile(self) -> Result<User, Error> {
        let fetched = self
            .with_access(|t| {
                Box::pin(async move {
                    let request = request::user(&t.endpoints, &t.access_token);
                    http::send(&request)
                        .await
                        .judge(user::parse_user)
                        .result
                        .map(|user| Fetched::User(Box::new(user)))
                })
            })
            .await?;
        match fetched {
            Fetched::User(user) => Ok(*user),
            Fetched::Info(_) => unreachable!("the profile call answers with a user"),
        }
    }

    /// POST token_info for the current access token. An inactive token is treated like a 401
    /// (refresh once, ask again): an expired access token is the usual reason.
    pub async fn fetch_token_info(self) -> Result<TokenInfo, Error> {
        let fetched = self
            .with_access(|t| {
                Box::pin(async move {
                    let request = request::token_info(&t.endpoints, &t.access_token);
                    let info = http::send(&request)
                        .await
                        .judge(token::parse_token_info)
                        .result?;
                    if info.active {
                        Ok(Fetched::Info(info))
                    } else {
                        Err(oauth::Error::Unauthorized {
                            message: Some("token_info says the access token is not active".into()),
                        }
                        .into())
                    }
                })
            })
            .await?;
        match fetched {
            Fetched::Info(info) => Ok(info),
            Fetched::User(_) => unreachable!("the token_info call answers with token info"),
        }
    }

    /// Loads the profile; it ends on screen as the user or as the error.
    pub async fn load_profile(self) {
        self.profile.set(Load::Loading);
        let result = self.fetch_profile().await;
        if !self.is_signed_in() {
            return;
        }
        match result {
            Ok(user) => {
                self.profile.set(Load::Ready(user));
                if let Some(started) = self.state(|s| s.callback_started.take()) {
                    self.callback_to_profile_ms
                        .set(Some(clock::monotonic_ms() - started));
                }
            }
            Err(err) => self.profile.set(Load::Failed(err)),
        }
    }

    /// Loads the token info; it ends on screen as the answer or as the error.
    pub async fn load_token_info(self) {
        self.token_info.set(Load::Loading);
        let result = self.fetch_token_info().await;
        if !self.is_signed_in() {
            return;
        }
        self.token_info.set(match result {
            Ok(info) => Load::Ready(info),
            Err(err) => Load::Failed(err),
        });
    }

    /// Starts loading the profile and the token info now, unless that has begun already:
    /// the callback calls it the moment the tokens arrive, the signed-in page when it opens.
    pub fn load_if_idle(self) {
        let idle = self.profile.with_untracked(|p| matches!(p, Load::Idle));
        if idle {
            self.profile.set(Load::Loading);
            self.token_info.set(Load::Loading);
            leptos::task::spawn_local(self.load());
        }
    }

    /// Loads the profile and the token info in parallel, and shows each when it arrives.
    pub async fn load(self) {
        futures::join!(self.load_profile(), self.load_token_info());
    }
}

/// Puts in the timeline that the server's `expires_in` could not be used as sent.
fn note_lifetime(answer: &TokenResponse) {
    if let Some(sent) = &answer.expires_in_sent {
        timeline::note(
            Step::TokenExchange,
            "The token's lifetime was adjusted",
            vec![Field::new("expires_in", sent.clone(), false).note(format!(
                "not a usable number of seconds: the app uses {} s (it keeps lifetimes between {} s and {} s, and assumes an hour when none is given), so a server that says 0 cannot make it refresh in a loop",
                answer.expires_in,
                token::MIN_EXPIRES_IN_S,
                token::MAX_EXPIRES_IN_S
            ))],
        );
    }
}
