//! A secret value (token, code, verifier), masked until the person asks to see it.
use leptos::prelude::*;

use crate::components::text;
pub use crate::oauth::form::mask;

#[component]
pub fn Secret(#[prop(into)] value: Signal<String>, #[prop(into)] label: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    view! {
        <span class="secret">
            <code class="secret-value" data-revealed=move || shown.get().to_string()>
                {text(move || if shown.get() { value.get() } else { mask(&value.get()) })}
            </code>
            <button
                type="button"
                class="reveal"
                on:click=move |_| shown.update(|s| *s = !*s)
            >
                // The visible word is the start of the accessible name ("Reveal access token"),
                // as WCAG's label-in-name asks, in either state.
                {text(move || String::from(if shown.get() { "Hide" } else { "Reveal" }))}
                <span class="visually-hidden">" "{label}</span>
            </button>
        </span>
    }
}
