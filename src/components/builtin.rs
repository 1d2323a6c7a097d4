//! What the page says about the built-in simulator: that it is in use, or that this browser
//! window cannot run it.
use leptos::prelude::*;

use crate::browser::history;
use crate::route::Page;

/// The built-in simulator plays iLert: said plainly wherever a sign-in to it is shown.
pub fn banner() -> AnyView {
    view! {
        <p class="notice info" data-testid="builtin-banner">
            <strong>"Built-in simulator: "</strong>
            "no iLert account and no server. A Service Worker in this browser plays iLert: the consent page, the tokens and the profile. "
            <a href=history::path_of(Page::Settings)>"Use your iLert account instead"</a>
        </p>
    }
    .into_any()
}

/// Built-in mode in a window without Service Workers: why, and the way out.
pub fn unavailable() -> AnyView {
    view! {
        <section class="notice error" role="alert" data-testid="builtin-unavailable">
            <h2>"The built-in simulator is unavailable in this browser window"</h2>
            <p>"It runs as a Service Worker, and this window has none: some browsers turn them off in private windows, and every browser offers them only to pages on https or localhost."</p>
            <p><a href=history::path_of(Page::Settings)>"Use your iLert account instead"</a>", or open the app in a normal window on https or localhost."</p>
        </section>
    }
    .into_any()
}
