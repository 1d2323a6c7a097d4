//! Messages for the person: the session's notice banner and a card for a failed step.
use leptos::prelude::*;

use crate::components::{dynamic, OrNothing};
use crate::error::Error;
use crate::session::Session;

/// The session's current notice (signed out, refresh failed, …), dismissable.
#[component]
pub fn NoticeBanner() -> impl IntoView {
    let session = expect_context::<Session>();
    dynamic(move || {
        session.notice.get().map(|notice| {
            let class = if notice.error { "notice error" } else { "notice info" };
            view! {
                <section class=class role=if notice.error { "alert" } else { "status" } data-testid="notice">
                    <h2>{notice.title}</h2>
                    <p>{notice.text}</p>
                    <button type="button" class="link" on:click=move |_| session.notice.set(None)>"Dismiss"</button>
                </section>
            }.into_any()
        }).or_nothing()
    })
}

/// A failed step: the heading says what failed, the text what the server said and what to do.
#[component]
pub fn ErrorCard(error: Error) -> impl IntoView {
    view! {
        <section class="notice error" role="alert" data-testid="error">
            <h1>{error.title()}</h1>
            {said(&error)}
        </section>
    }
}

/// A load that failed, inside its card: what failed, the server's words, and a way to try again.
#[component]
pub fn LoadFailed(error: Error, what: &'static str, retry: Box<dyn Fn()>) -> impl IntoView {
    view! {
        <div class="notice error" role="alert" data-testid="load-error">
            <h3>{format!("{what} could not be loaded: {}", error.title())}</h3>
            {said(&error)}
            <button type="button" data-testid="retry" on:click=move |_| retry()>"Try again"</button>
        </div>
    }
}

/// What the server said about a failure, and the hint what to do (when there is one).
fn said(error: &Error) -> AnyView {
    view! {
        <p class="error-text">{error.to_string()}</p>
        {error.hint().map(|hint| view! { <p>{hint}</p> }.into_any()).or_nothing()}
    }
    .into_any()
}
