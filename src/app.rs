//! The root: load the configuration, then route "/" (home / signed in), "/webapp" (the OAuth
//! callback), "/settings", and everything else (not found).
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::browser::config_file;
use crate::config::Config;
use crate::pages::{
    callback::CallbackPage, home::Home, not_found::NotFound, settings::SettingsPage,
};
use crate::session::Session;
use crate::settings::Settings;

#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(config_file::fetch);
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
            {move || match config.get() {
                None => view! { <p class="loading" role="status">"Loading configuration…"</p> }.into_any(),
                Some(Err(err)) => view! {
                    <section class="notice error" role="alert">
                        <h2>"The configuration could not be loaded"</h2>
                        <p>{err.to_string()}</p>
                        <p>"The app reads config.json beside index.html (client_id, authorize URL or tenant, API base, redirect_uri, scopes). See the README."</p>
                    </section>
                }.into_any(),
                Some(Ok(config)) => view! { <Ready config /> }.into_any(),
            }}
        </main>
    }
}

/// Everything that needs a configuration: the session and the routes.
#[component]
fn Ready(config: Config) -> impl IntoView {
    let settings = Settings::load(config);
    provide_context(settings);
    provide_context(settings.current);
    provide_context(Session::restore());
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home />
                <Route path=path!("/webapp") view=CallbackPage />
                <Route path=path!("/settings") view=SettingsPage />
            </Routes>
        </Router>
    }
}
