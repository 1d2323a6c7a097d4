//! Moving between the app's pages without loading the page again: the address bar's path as
//! a signal ([`Nav`]), a click on a link of this app (same origin, under the base path) turned
//! into `history.pushState`, Back and Forward (`popstate`) followed, and [`Nav::go`] for code.
//!
//! Instead of leptos_router's `<Router>` (issue 20): the app has four flat paths
//! (`crate::route`) and no nested routes, params or transitions, and the router cost the
//! first load 18.0 KB raw of its own code, plus what it made Leptos link in (measured on the
//! split main module with twiggy; `cargo xtask size` before and after is in budget.rs).
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser::history;

/// The address bar's path, kept current by [`Nav::start`].
#[derive(Clone, Copy)]
pub struct Nav {
    path: RwSignal<String>,
}

/// The address bar's path now (`location.pathname`).
fn pathname() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

impl Nav {
    /// Follows the address bar from now on, for the whole life of the page: links of this app
    /// and Back/Forward change the path without a page load.
    pub fn start() -> Nav {
        let nav = Nav {
            path: RwSignal::new(pathname()),
        };
        // The listeners live as long as the page; their handles are not kept.
        let _ = window_event_listener(ev::popstate, move |_| nav.path.set(pathname()));
        let _ = window_event_listener(ev::click, move |e| nav.on_click(e));
        nav
    }

    /// The path, tracked.
    pub fn path(self) -> RwSignal<String> {
        self.path
    }

    /// Goes to `path` of this app: a new history entry, or in place of the current one.
    pub fn go(self, path: &str, replace: bool) {
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let null = wasm_bindgen::JsValue::NULL;
            let _ = if replace {
                h.replace_state_with_url(&null, "", Some(path))
            } else {
                h.push_state_with_url(&null, "", Some(path))
            };
        }
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.path.set(pathname());
    }

    /// A plain left click on a link to a page of this app: shown here, not loaded. A click
    /// with a modifier (new tab or window), on a link with a target or `download`, or to
    /// another origin or outside the base path is the browser's.
    fn on_click(self, e: web_sys::MouseEvent) {
        if e.default_prevented()
            || e.button() != 0
            || e.meta_key()
            || e.alt_key()
            || e.ctrl_key()
            || e.shift_key()
        {
            return;
        }
        let Some(link) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        if link.has_attribute("target") || link.has_attribute("download") {
            return;
        }
        let page = web_sys::window().and_then(|w| w.location().href().ok());
        let (Some(href), Some(page), Some(origin)) =
            (link.get_attribute("href"), page, history::origin())
        else {
            return;
        };
        let Ok(url) = web_sys::Url::new_with_base(&href, &page) else {
            return;
        };
        let path = url.pathname();
        let base = history::base();
        if url.origin() != origin
            || !(path.starts_with(base) || base.strip_suffix('/') == Some(path.as_str()))
        {
            return;
        }
        e.prevent_default();
        self.go(&format!("{path}{}{}", url.search(), url.hash()), false);
    }
}
