//! The root: routes "/" (home / signed in), "/webapp" (the OAuth callback), "/settings", and
//! everything else (not found). The configuration loads in the background from the first
//! moment, and only what needs it waits for it ([`WithConfig`]: Connect and Settings): the
//! callback exchanges the code with the endpoints its sign-in pinned, and a signed-in page
//! talks to its session's endpoints, so neither waits for config.json.
use leptos::prelude::*;
use leptos_router::components::Router;
use leptos_router::hooks::use_location;

use crate::browser::{config_file, history};
use crate::components::dynamic;
use crate::config::Config;
use crate::oauth::Error;
use crate::pages::{
    callback::CallbackPage, home::Home, not_found::NotFound, settings::SettingsPage,
};
use crate::route::Page;
use crate::session::Session;
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

#[component]
pub fn App() -> impl IntoView {
    provide_context(Session::restore());
    let file = RwSignal::new_local(None);
    leptos::task::spawn_local(async move { file.set(Some(config_file::fetch().await)) });
    provide_context(ConfigState {
        file,
        settings: StoredValue::new(None),
        owner: StoredValue::new_local(Owner::current()),
    });
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

/// Shows `children` once the configuration is known (with `Settings` and the configuration
/// in force as context), "Loading configuration…" until then, and what is wrong if it cannot.
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
            let settings = state.settings.get_value().unwrap_or_else(|| {
                // Owned by the app, not by this page: the settings outlive a navigation.
                let make = move || Settings::load(config);
                let settings = match state.owner.get_value() {
                    Some(owner) => owner.with(make),
                    None => make(),
                };
                state.settings.set_value(Some(settings));
                settings
            });
            provide_context(settings);
            provide_context(settings.current);
            children().into_any()
        }
    }
    })
}
