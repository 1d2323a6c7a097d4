use leptos::prelude::*;

use crate::browser::history;
use crate::route::Page;

/// Any path but the start page, `webapp` and `settings`.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"This app has the start page, the settings and the sign-in callback. "<a href=history::path_of(Page::Home)>"Go to the start page"</a>"."</p>
        </section>
    }
}
