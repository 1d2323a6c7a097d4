//! Waiting for the configuration: what needs it (Connect, Settings) is wrapped in
//! [`WithConfig`]; the app's start-up (`crate::app`) loads config.json into [`ConfigState`].
//! Its own module, so that pages and the app's root both use it without importing each other.
use leptos::prelude::*;

use crate::components::dynamic;
use crate::config::Config;
use crate::error::Error;
use crate::settings::Settings;

/// config.json as it loads, and the settings made from it once it has (made once, owned by
/// the app, so every page shares them).
#[derive(Clone, Copy)]
pub struct ConfigState {
    /// `None` while config.json loads. A signal set by one task, not a `LocalResource`: the
    /// async-derived machinery behind a resource is 17 KB of wasm (6 KB brotli) for one fetch.
    pub file: RwSignal<Option<Result<Config, Error>>, LocalStorage>,
    pub settings: StoredValue<Option<Settings>>,
    pub owner: StoredValue<Option<Owner>, LocalStorage>,
}

/// Shows `children` once the configuration is known (with `Settings`, which holds the
/// configuration in force, as context), "Loading configuration…" until then, and what is
/// wrong if it cannot.
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
pub fn settings_of(state: ConfigState, config: Config) -> Settings {
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
