//! Wake-ups: the moments a tab's timers may have slept through something (the tab becomes
//! visible again, comes back from the back-forward cache, or the network comes back).
use wasm_bindgen::prelude::*;

/// Calls `on_wake` on `visibilitychange` to visible, `pageshow` and `online`, for the page's life.
pub fn on_wake(on_wake: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let handler = Closure::<dyn Fn()>::new(move || {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if visible {
            on_wake();
        }
    });
    let callback = handler.as_ref().unchecked_ref();
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", callback);
    }
    let _ = window.add_event_listener_with_callback("pageshow", callback);
    let _ = window.add_event_listener_with_callback("online", callback);
    handler.forget();
}
