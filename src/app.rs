//! The root: routes "/" (home / signed in), "/webapp" (the OAuth callback), "/settings", and
//! everything else (not found). The configuration loads in the background from the first
//! moment, and only what needs it waits for it ([`WithConfig`]: Connect and Settings): the
//! callback exchanges the code with the endpoints its sign-in pinned, and a signed-in page
//! talks to its session's endpoints, so neither waits for config.json, unless the built-in
//! simulator may be in play ([`start`]): in iLert's mode it is removed before any request.
use crate::browser::storage::{self, Area};
use leptos::prelude::*;

use crate::browser::nav::Nav;
use crate::browser::{config_file, history, sim_worker};
use crate::components::dynamic;
use crate::components::on_demand::OnDemand;
use crate::components::with_config::{settings_of, ConfigState, WithConfig};
use crate::config::{self, InForce, Server};
use crate::pages::{callback::CallbackPage, home::Home, not_found::NotFound};
use crate::route::Page;
use crate::session::built_in::{end_simulator_session, simulator_session};
use crate::session::{Notice, Session};

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
    provide_context(Nav::start());
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
            <Pages />
        </main>
    }
}

/// The page for the address bar's path (`crate::route`, followed by [`Nav`]).
#[component]
fn Pages() -> impl IntoView {
    let path = expect_context::<Nav>().path();
    // A memo: a new query string or hash on the same page does not build the page again.
    let page = Memo::new(move |_| path.with(|p| Page::of(p, history::base())));
    dynamic(move || {
        match page.get() {
        Page::Home => view! { <Home /> }.into_any(),
        Page::Callback => view! { <CallbackPage /> }.into_any(),
        Page::Settings => view! { <WithConfig><OnDemand what="the Settings page" part=crate::pages::settings::SETTINGS /></WithConfig> }.into_any(),
        Page::NotFound => view! { <NotFound /> }.into_any(),
    }
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
        let marker = storage::read(Area::Session, RELOADED_KEY);
        storage::remove(Area::Session, RELOADED_KEY);
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
                if storage::write(Area::Session, RELOADED_KEY, mark) {
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
