use leptos::prelude::*;

/// Any path but "/" and "/webapp".
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p>"This app has the start page, the settings and the sign-in callback. "<a href="/">"Go to the start page"</a>"."</p>
        </section>
    }
}
