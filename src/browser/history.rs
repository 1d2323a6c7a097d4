//! The address bar: reading the callback query, erasing it, leaving for the authorize page;
//! where the app lives (origin and base path).
use crate::route::{self, Page};

/// The current query string, with its leading `?` (empty when there is none).
pub fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The page's origin, e.g. `http://localhost:4597`.
pub fn origin() -> Option<String> {
    web_sys::window().and_then(|w| w.location().origin().ok())
}

/// The path the app is served under (`/`, `/ilert-pkce/`): index.html's
/// `<meta name="ilert-pkce-base">`, which `cargo xtask dist --base-path` sets.
pub fn base() -> &'static str {
    static BASE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let declared = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| {
                d.query_selector("meta[name=ilert-pkce-base]")
                    .ok()
                    .flatten()
            })
            .and_then(|meta| meta.get_attribute("content"));
        route::base_path(declared.as_deref())
    })
}

/// The path of `page` of this app (`/ilert-pkce/settings`).
pub fn path_of(page: Page) -> String {
    format!("{}{}", base(), page.path())
}

/// Where the app lives: origin and base path (`https://example.github.io/ilert-pkce/`).
/// Worked out once: neither changes while the page lives, and every request asks.
pub fn app_root() -> Option<&'static str> {
    static ROOT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| origin().map(|origin| format!("{origin}{}", base())))
        .as_deref()
}

/// Replaces the current entry's URL without a navigation, so the code and state leave the
/// address bar, the history and any later Referer at once.
pub fn replace_url(path: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
    }
}

/// Leaves the app for `url` (the authorize endpoint): a navigation, never a fetch.
pub fn go_to(url: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    window
        .location()
        .assign(url)
        .map_err(|_| format!("the browser refused to open {url}"))
}
