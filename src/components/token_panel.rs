//! The tokens themselves: masked with a reveal toggle, the access token's expiry counting down.
use leptos::prelude::*;

use crate::components::countdown::{format_left, ticking_now};
use crate::components::secret::Secret;
use crate::components::{dynamic, text, OrNothing};
use crate::oauth::scopes;
use crate::session::Session;
use crate::settings::Settings;

#[component]
pub fn TokenPanel() -> impl IntoView {
    let session = expect_context::<Session>();
    let now = ticking_now();
    let access = Signal::derive(move || {
        session.tokens.with(|t| {
            t.as_ref()
                .map(|t| t.access_token.expose().to_string())
                .unwrap_or_default()
        })
    });
    let refresh = Signal::derive(move || {
        session.tokens.with(|t| {
            t.as_ref()
                .and_then(|t| t.refresh_token.as_ref().map(|r| r.expose().to_string()))
        })
    });
    // The scopes in force, where the page has them (a restored session shows before
    // config.json has loaded); the granted scope tells the rest.
    let settings = use_context::<Settings>();
    let no_refresh_token = move || {
        let granted = session
            .tokens
            .with(|t| t.as_ref().and_then(|t| t.scope.clone()));
        let requested = settings
            .map(|s| s.in_force.with(|f| f.config.scopes.clone()))
            .unwrap_or_default();
        scopes::no_refresh_token(&requested, granted.as_deref())
    };
    // Days are enough for a token that lives a year; the exact date is in the JWT inspector.
    let refresh_expiry = move || {
        session.tokens.with(|t| {
            let at = t.as_ref()?.refresh_expires_at_ms?;
            // Whole numbers only: formatting an f64 links ~9 KB of float printing into the wasm.
            let days = ((at - now.get()) / 86_400_000.0).floor() as i64;
            Some(if days >= 1 {
                format!("{days} more days")
            } else {
                format!("{} more", format_left(at - now.get()))
            })
        })
    };
    let left = move || {
        session.tokens.with(|t| {
            t.as_ref()
                .map(|t| format_left(t.expires_at_ms - now.get()))
                .unwrap_or_default()
        })
    };
    view! {
        <section class="card" aria-labelledby="tokens-h" data-testid="tokens">
            <h2 id="tokens-h">"Tokens"</h2>
            <dl class="facts">
                <dt>"Access token"</dt>
                <dd data-testid="access-token"><Secret value=access label="access token" /></dd>
                <dt>"Expires in"</dt>
                <dd><span class="countdown" data-testid="expires-in" aria-live="off">{left}</span></dd>
                <dt>"Scope"</dt>
                <dd>{text(move || session.tokens.with(|t| t.as_ref().and_then(|t| t.scope.clone()).unwrap_or_default()))}</dd>
                <dt>"Refresh token"</dt>
                <dd data-testid="refresh-token">
                    {dynamic(move || match refresh.get() {
                        Some(token) => view! { <Secret value=Signal::derive(move || token.clone()) label="refresh token" /> }.into_any(),
                        None => view! { <span data-testid="no-refresh-token">{no_refresh_token()}</span> }.into_any(),
                    })}
                </dd>
                {dynamic(move || refresh_expiry().map(|days| view! {
                    <dt>"Refresh token lasts"</dt>
                    <dd data-testid="refresh-expires">{days}</dd>
                }.into_any()).or_nothing())}
            </dl>
        </section>
    }
}
