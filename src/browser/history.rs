//! The address bar: reading the callback query, erasing it, leaving for the authorize page.

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
