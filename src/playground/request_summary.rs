//! What Connect will ask iLert (or the built-in simulator) for: the configuration in force
//! (`Settings::in_force`), and any problem with it.
use leptos::prelude::*;

use crate::browser::history;
use crate::components::{dynamic, text, OrNothing};
use crate::config::Server;
use crate::playground::explain;
use crate::route::Page;
use crate::settings::Settings;

#[component]
pub fn RequestSummary() -> impl IntoView {
    let settings = expect_context::<Settings>();
    view! {
        <section class="card" aria-labelledby="request-h" data-testid="request-summary">
            <h2 id="request-h">"What will be requested"</h2>
            <p class="help" data-testid="config-source">
                {text(move || String::from(if settings.customised.get() {
                    "From your settings, saved in this browser. "
                } else {
                    "From config.json, this deployment's defaults. "
                }))}
                <a href=history::path_of(Page::Settings)>"Change the settings"</a>
            </p>
            {dynamic(move || settings.rejected.get().map(|rejected| view! {
                <div class="notice error" role="alert" data-testid="settings-rejected">
                    <h3>"Your saved settings were not used"</h3>
                    <p>{rejected.summary()}</p>
                </div>
            }.into_any()).or_nothing())}
            {dynamic(move || settings.in_force.with(|f| {
                let c = &f.config;
                let authorize = match &f.authorize_url {
                    Ok(url) => url.clone(),
                    Err(e) => e.to_string(),
                };
                let problems = f.problems.clone();
                let redirect_note = if c.server == Server::BuiltIn {
                    "The built-in simulator registers this URL by itself: its one client, ilert-pkce-demo, sends the browser back here."
                } else {
                    "Register exactly this URL as a redirect URL of your app in iLert: iLert only sends the browser back to a URL registered there."
                };
                view! {
                    <dl class="facts">
                        <dt>"Client id"</dt><dd data-testid="client-id"><code>{c.client_id.clone()}</code></dd>
                        <dt>"Authorize URL"</dt><dd data-testid="authorize-url"><code>{authorize}</code></dd>
                        <dt>"Redirect URI"</dt>
                        <dd>
                            <code data-testid="redirect-uri">{c.redirect_uri.clone()}</code>
                            <span class="field-note" data-testid="redirect-uri-note">{redirect_note}</span>
                        </dd>
                        <dt>"Scopes"</dt>
                        <dd data-testid="scopes">
                            <ul class="scopes">
                                {c.scopes.iter().map(|s| view! { <li><code>{s.clone()}</code>" — "{explain::explain_scope(s)}</li> }.into_any()).collect_view()}
                            </ul>
                        </dd>
                    </dl>
                    {(!problems.is_empty()).then(|| view! {
                        <div class="notice error" role="alert">
                            <h3>"The configuration has problems"</h3>
                            <ul>{problems.into_iter().map(|p| view! { <li><strong>{p.field}</strong>": "{p.message}</li> }.into_any()).collect_view()}</ul>
                        </div>
                    }.into_any()).or_nothing()}
                }.into_any()
            }))}
        </section>
    }
}
