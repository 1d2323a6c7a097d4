//! A secret value (token, code, verifier), masked until the person asks to see it.
use leptos::prelude::*;

pub use crate::oauth::form::mask;

#[component]
pub fn Secret(#[prop(into)] value: Signal<String>, #[prop(into)] label: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    let button_label = format!("Reveal {label}");
    view! {
        <span class="secret">
            <code class="secret-value" data-revealed=move || shown.get().to_string()>
                {move || if shown.get() { value.get() } else { mask(&value.get()) }}
            </code>
            <button
                type="button"
                class="reveal"
                aria-pressed=move || shown.get().to_string()
                aria-label=button_label
                on:click=move |_| shown.update(|s| *s = !*s)
            >
                {move || if shown.get() { "Hide" } else { "Reveal" }}
            </button>
        </span>
    }
}
