//! The root: routes "/" (home / signed in), "/webapp" (the OAuth callback), "/settings", and
//! everything else (not found). The configuration loads in the background from the first
//! moment, and only what needs it waits for it ([`WithConfig`]: Connect and Settings): the
//! callback exchanges the code with the endpoints its sign-in pinned, and a signed-in page
//! talks to its session's endpoints, so neither waits for config.json.
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::browser::config_file;
use crate::components::dynamic;
use crate::config::Config;
use crate::oauth::Error;
use crate::pages::{
    callback::CallbackPage, home::Home, not_found::NotFound, settings::SettingsPage,
};
use crate::session::Session;
use crate::settings::Settings;

/// config.json as it loads, and the settings made from it once it has (made once, owned by
/// the app, so every page shares them).
#[derive(Clone, Copy)]
struct ConfigState {
    file: LocalResource<Result<Config, Error>>,
    settings: StoredValue<Option<Settings>>,
    owner: StoredValue<Option<Owner>, LocalStorage>,
}

#[component]
pub fn App() -> impl IntoView {
    provide_context(Session::restore());
    provide_context(ConfigState {
        file: LocalResource::new(config_file::fetch),
        settings: StoredValue::new(None),
        owner: StoredValue::new_local(Owner::current()),
    });
    view! {
        <header class="top">
            <a class="brand" href="/">"ilert-pkce"</a>
            <span class="tagline">"Sign in to iLert with OAuth2 + PKCE, step by step"</span>
            <nav aria-label="Main">
                <a href="/">"Home"</a>
                <a href="/settings" data-testid="nav-settings">"Settings"</a>
            </nav>
        </header>
        <main id="main">
            <Router>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home />
                    <Route path=path!("/webapp") view=CallbackPage />
                    <Route path=path!("/settings") view=|| view! { <WithConfig><SettingsPage /></WithConfig> } />
                </Routes>
            </Router>
        </main>
    }
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
