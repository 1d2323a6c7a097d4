//! The browser driver of the session: its signals for the views, its timer, and the effects
//! of [`super::machine`] carried out with web storage, the timeline and the tab channel.
use crate::browser::storage::{self, Area};
use futures::future::LocalBoxFuture;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::BroadcastChannel;

use super::machine::{Effect, Event, Machine};
use crate::browser::{broadcast, clock, http, wake};
use crate::error::Error;
use crate::oauth;
use crate::oauth::request::{self, Endpoints};
use crate::oauth::token::{self, TokenInfo, TokenResponse};
use crate::oauth::user::{self, User};
use crate::playground::timeline;

use super::refresh::RefreshFuture;
use super::{tabs, Notice, Tokens};

pub(super) const TOKENS_KEY: &str = "ilert-pkce.tokens";
/// Where Connect keeps its pending sign-in attempts (state → verifier, endpoints).
pub(super) const PENDING_KEY: &str = "ilert-pkce.pending";

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
pub(super) struct State {
    /// The decisions; everything else here is the browser's side of them.
    pub(super) machine: Machine,
    pub(super) callback_started: Option<f64>,
    pub(super) inflight: Option<RefreshFuture>,
    pub(super) timer: Option<Timeout>,
    pub(super) channel: Option<BroadcastChannel>,
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
        wake::on_wake(move || {
            let refreshing = session.inflight_refresh().is_some();
            session.step(Event::Woke { refreshing });
        });
        if let Some(tokens) = session.tokens.get_untracked() {
            // A session a previous version stored has no channel key yet.
            tabs::ensure_key();
            session.step(Event::Restored(tokens));
        }
        session
    }

    /// Reads or changes the private state. `f` must not call back into the session. The
    /// StoredValue is reached through one `dyn` closure type, so its code exists once.
    pub(super) fn state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
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

    /// Hands `event` to the decisions ([`Machine`]) and carries out what they say; gives
    /// back the effects only an async caller can carry out (requests, locks, the result).
    pub(super) fn step(&self, event: Event) -> Vec<Effect> {
        let now = clock::now_ms();
        let effects = self.state(|s| s.machine.on(event, now));
        let mut rest = Vec::new();
        for effect in effects {
            match effect {
                Effect::Keep(tokens) => self.keep(tokens),
                Effect::Forget => self.forget(),
                Effect::Arm(delay_ms) => self.arm(delay_ms),
                Effect::Disarm => self.state(|s| s.timer = None),
                Effect::StartRefresh => {
                    let session = *self;
                    spawn_local(async move {
                        let _ = session.refresh_now().await;
                    });
                }
                Effect::TellTabs(message) => self.tell_tabs(&message),
                Effect::Note(step, title, fields) => {
                    timeline::note(step, title, fields);
                }
                Effect::ClearTimeline(None) => timeline::clear(),
                Effect::ClearTimeline(keep) => timeline::clear_except(keep),
                Effect::MaskTimeline => timeline::end_session(),
                Effect::Say(notice) => self.notice.set(notice),
                other => rest.push(other),
            }
        }
        rest
    }

    /// Keeps `tokens` in memory and in sessionStorage. A storage that refuses them is said
    /// on the page: the session works on, but a reload would lose it.
    fn keep(&self, tokens: Tokens) {
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
    }

    /// Forgets every token and pending sign-in of this tab, and masks the timeline's secrets.
    fn forget(&self) {
        self.tokens.set(None);
        storage::remove(Area::Session, TOKENS_KEY);
        storage::remove(Area::Session, PENDING_KEY);
        storage::remove(Area::Session, tabs::KEY);
        self.profile.set(Load::Idle);
        self.token_info.set(Load::Idle);
        timeline::end_session();
    }

    /// Arms the refresh timer.
    fn arm(&self, delay_ms: f64) {
        let session = *self;
        let timeout = Timeout::new(delay_ms as u32, move || {
            session.step(Event::TimerFired);
        });
        self.state(|s| s.timer = Some(timeout));
    }

    /// Starts a session from the code exchange's answer.
    pub fn begin(&self, answer: TokenResponse, endpoints: Endpoints) {
        self.profile.set(Load::Idle);
        self.token_info.set(Load::Idle);
        self.step(Event::Began { answer, endpoints });
    }

    /// Ends the session in this tab: forgets every token, pending sign-in and timer, masks
    /// the timeline's secrets, and says why.
    pub fn end(&self, notice: Option<Notice>) {
        self.step(Event::Ended(notice));
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
            let _ = self.run(Event::AccessRefused(err.clone())).await;
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
            spawn_local(self.load());
        }
    }

    /// Loads the profile and the token info in parallel, and shows each when it arrives.
    pub async fn load(self) {
        futures::join!(self.load_profile(), self.load_token_info());
    }
}
