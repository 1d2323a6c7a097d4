//! A secret value (token, code, verifier), masked until the person asks to see it.
use leptos::prelude::*;

/// How a secret is shown while hidden: its length and, for long values only, a prefix of at
/// most 4 characters (enough to tell two tokens apart, far too little to guess one).
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    let prefix: String = value.chars().take((count / 10).min(4)).collect();
    format!("{prefix}•••••••• ({count} characters)")
}

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
