//! The root: routes "/" (home / signed in), "/webapp" (the OAuth callback), "/settings", and
//! everything else (not found). The configuration loads in the background from the first
//! moment, and only what needs it waits for it ([`WithConfig`]: Connect and Settings): the
//! callback exchanges the code with the endpoints its sign-in pinned, and a signed-in page
//! talks to its session's endpoints, so neither waits for config.json, unless the built-in
//! simulator may be in play ([`start`]): in iLert's mode it is removed before any request.
use gloo_storage::{SessionStorage, Storage};
use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::use_location;

use crate::browser::{config_file, history, sim_worker};
use crate::components::dynamic;
use crate::config::{self, Config, InForce, Server};
use crate::oauth::Error;
use crate::pages::{
    callback::CallbackPage, home::Home, not_found::NotFound, settings::SettingsPage,
};
use crate::route::Page;
use crate::session::{Notice, Session};
use crate::settings::Settings;

/// config.json as it loads, and the settings made from it once it has (made once, owned by
/// the app, so every page shares them).
#[derive(Clone, Copy)]
struct ConfigState {
    /// `None` while config.json loads. A signal set by one task, not a `LocalResource`: the
    /// async-derived machinery behind a resource is 17 KB of wasm (6 KB brotli) for one fetch.
    file: RwSignal<Option<Result<Config, Error>>, LocalStorage>,
    settings: StoredValue<Option<Settings>>,
    owner: StoredValue<Option<Owner>, LocalStorage>,
}

/// Marks a page that [`start`] reloaded to leave the simulator's worker (sessionStorage):
/// it never reloads twice in a row.
const RELOADED_KEY: &str = "ilert-pkce.left-built-in";
/// How long requests wait for config.json when the simulator may be in play: its own load's
/// limit. A host that never answers must not hold a session's requests forever (they then go,
/// and the simulator is removed when config.json comes).
const CONFIG_WAIT_MS: u32 = crate::oauth::request::TIMEOUT_MS;

#[component]
pub fn App() -> impl IntoView {
    let session = Session::restore();
    provide_context(session);
    let state = ConfigState {
        file: RwSignal::new_local(None),
        settings: StoredValue::new(None),
        owner: StoredValue::new_local(Owner::current()),
    };
    leptos::task::spawn_local(start(state, session));
    provide_context(state);
    view! {
        <header class="top">
            <a class="brand" href=history::path_of(Page::Home)>"ilert-pkce"</a>
            <span class="tagline">"Sign in to iLert with OAuth2 + PKCE, step by step"</span>
            <nav aria-label="Main">
                <a href=history::path_of(Page::Home)>"Home"</a>
                <a href=history::path_of(Page::Settings) data-testid="nav-settings">"Settings"</a>
            </nav>
        </header>
        <main id="main">
            <Router>
                <Pages />
            </Router>
        </main>
    }
}

/// The page for the address bar's path (`crate::route`). A plain match on the router's
/// location, not `<Routes>`: the nested-route machinery (matching, params, async
/// transitions) is 68 KB of wasm that four flat paths do not need; `<Router>` still gives
/// link interception and history.
#[component]
fn Pages() -> impl IntoView {
    let path = use_location().pathname;
    // A memo: a new query string or hash on the same page does not build the page again.
    let page = Memo::new(move |_| path.with(|p| Page::of(p, history::base())));
    dynamic(move || match page.get() {
        Page::Home => view! { <Home /> }.into_any(),
        Page::Callback => view! { <CallbackPage /> }.into_any(),
        Page::Settings => view! { <WithConfig><SettingsPage /></WithConfig> }.into_any(),
        Page::NotFound => view! { <NotFound /> }.into_any(),
    })
}

/// Shows `children` once the configuration is known (with `Settings`, which holds the
/// configuration in force, as context), "Loading configuration…" until then, and what is wrong if it cannot.
#[component]
pub fn WithConfig(children: ChildrenFn) -> impl IntoView {
    let state = expect_context::<ConfigState>();
    dynamic(move || {
        match state.file.get() {
        None => view! { <p class="loading" role="status">"Loading configuration…"</p> }.into_any(),
        Some(Err(err)) => view! {
            <section class="notice error" role="alert">
                <h2>"The configuration could not be loaded"</h2>
                <p>{err.to_string()}</p>
                <p>"The app reads config.json beside index.html (client_id, authorize URL or tenant, API base, redirect_uri, scopes). See the README."</p>
            </section>
        }
        .into_any(),
        Some(Ok(config)) => {
            let settings = settings_of(state, config);
            provide_context(settings);
            children().into_any()
        }
    }
    })
}

/// The settings, made once from config.json and owned by the app, not by a page: they
/// outlive a navigation.
fn settings_of(state: ConfigState, config: Config) -> Settings {
    state.settings.get_value().unwrap_or_else(|| {
        let make = move || Settings::load(config);
        let settings = match state.owner.get_value() {
            Some(owner) => owner.with(make),
            None => make(),
        };
        state.settings.set_value(Some(settings));
        settings
    })
}

/// Start-up: loads config.json, and in iLert's mode (config.json's or the saved settings')
/// removes the built-in simulator from this browser before any request of the app goes
/// ([`sim_worker::cleared`]) when it may be in play; otherwise requests need not wait.
async fn start(state: ConfigState, session: Session) {
    let was_sim = simulator_session(session);
    leptos::task::spawn_local(async move {
        if was_sim || sim_worker::found().await {
            gloo_timers::future::TimeoutFuture::new(CONFIG_WAIT_MS).await;
        }
        sim_worker::open();
    });
    let loaded = config_file::fetch().await;
    if let Ok(config) = &loaded {
        let settings = settings_of(state, config.clone());
        let marker = SessionStorage::raw().get_item(RELOADED_KEY).ok().flatten();
        SessionStorage::delete(RELOADED_KEY);
        // Said once: the saved settings were stored as iLert's (maybe before a reload).
        let refused = settings.built_in_refused || marker.as_deref() == Some("refused");
        if refused {
            session.notice.set(Some(Notice::info(
                "Your saved settings now sign in to iLert",
                config::BUILT_IN_FORBIDDEN,
            )));
        }
        if settings.in_force.with_untracked(InForce::server) == Server::Ilert {
            // Still controlled by the old worker, the page would hand it every request (it
            // answers only those under _sim/, which the app no longer sends): reload once
            // to be rid of it. The next start ends a session of the simulator.
            if sim_worker::remove().await && marker.is_none() {
                let mark = if refused { "refused" } else { "1" };
                if SessionStorage::raw().set_item(RELOADED_KEY, mark).is_ok() {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                        return;
                    }
                }
            }
            end_simulator_session(session);
        }
    }
    sim_worker::open();
    state.file.set(Some(loaded));
}

/// Whether this tab's session was signed in to the built-in simulator.
fn simulator_session(session: Session) -> bool {
    session.tokens.with_untracked(|t| {
        t.as_ref().is_some_and(|t| {
            history::app_root()
                .is_some_and(|root| config::is_simulator_url(&t.endpoints.token, root))
        })
    })
}

/// Leaves the built-in mode (iLert's is in force, say by the settings): removes the
/// simulator ([`sim_worker::remove`], awaited and bounded) and ends a session signed in to it.
pub async fn leave_built_in(session: Session) {
    sim_worker::remove().await;
    end_simulator_session(session);
}

/// Ends a session signed in to the built-in simulator, whose grant went with its data.
fn end_simulator_session(session: Session) {
    if simulator_session(session) {
        session.end(Some(Notice::info(
            "The built-in simulator's session has ended",
            "This app now signs in to iLert (config.json or your settings), so the built-in simulator was removed from this browser with all it kept, and the session signed in to it is over. Press Connect to sign in to iLert.",
        )));
    }
}
