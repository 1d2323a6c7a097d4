//! Loading `config.json`, served beside index.html: one build serves every deployment.
use std::cell::RefCell;

use crate::browser::storage::{self, Area};
use gloo_net::http::{Request, Response};
use wasm_bindgen::JsValue;
use web_sys::RequestCache;

use crate::browser::gloo_error::error_text;
use crate::browser::history;
use crate::config::{self, Config, OriginPattern};
use crate::error::Error;

/// This tab's copy of config.json's allowed origins, one per line (not secret).
const ALLOWED_KEY: &str = "ilert-pkce.allowed-origins";

thread_local! {
    /// config.json's allowed origins once it has loaded (the defaults if it could not be).
    static ALLOWED: RefCell<Option<Vec<OriginPattern>>> = const { RefCell::new(None) };
}

/// Fetches and parses config.json (beside index.html, under the app's base path); every
/// failure says what to fix. Without a `redirect_uri` in it, the app's own callback page is.
/// The app calls it once, at start.
pub async fn fetch() -> Result<Config, Error> {
    let config = load().await;
    let allowed = match &config {
        Ok(config) => config.allowed_origins(),
        // A file that could not be read never widens them.
        Err(_) => config::default_allowed_origins(),
    };
    let text: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    storage::write(Area::Session, ALLOWED_KEY, &text.join("\n"));
    ALLOWED.with(|a| *a.borrow_mut() = Some(allowed));
    config
}

/// The origins this deployment lets tokens go to: config.json's once [`fetch`] has read it
/// on this page; before that, the copy this tab kept when it last read it (the callback page
/// exchanges its code without waiting for config.json: Connect read it in this tab, and only
/// this tab's own scripts can write its sessionStorage); with neither, once config.json is
/// read. Polled, not a shared future: config.json is fetched beside the wasm by the start
/// script, and a `Shared` of its own would cost the wasm more than this loop.
pub async fn allowed_origins() -> Vec<OriginPattern> {
    loop {
        if let Some(allowed) = ALLOWED.with(|a| a.borrow().clone()) {
            return allowed;
        }
        if let Some(kept) = storage::read(Area::Session, ALLOWED_KEY) {
            return kept
                .lines()
                .filter_map(|p| OriginPattern::parse(p).ok())
                .collect();
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
}

async fn load() -> Result<Config, Error> {
    let url = format!("{}config.json", history::base());
    let config = read(&url).await?;
    Ok(match history::app_root() {
        Some(root) => config.with_redirect_default(root),
        None => config,
    })
}

/// The global the release build's start script puts its fetch of config.json in (see
/// xtask/src/dist.rs, `fetch_early`).
const EARLY_FETCH: &str = "ilertPkceConfig";

/// The start script's fetch of config.json, taken (a second call fetches anew): issued
/// beside the wasm's, before the glue loads, so config.json arrives with the wasm, and
/// downloaded once in every engine. A `<link rel=preload>` did neither everywhere: Firefox
/// does not hand a preload to a fetch of another cache mode, WebKitGTK not to any fetch.
/// None without a start script that made one (`trunk serve`).
async fn early_response(url: &str) -> Option<Result<Response, Error>> {
    use wasm_bindgen::JsCast;
    let window: JsValue = web_sys::window()?.into();
    let key = JsValue::from_str(EARLY_FETCH);
    let promise = js_sys::Reflect::get(&window, &key)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let _ = js_sys::Reflect::delete_property(window.unchecked_ref::<js_sys::Object>(), &key);
    Some(
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map(|r| Response::from(r.unchecked_into::<web_sys::Response>()))
            .map_err(|e| {
                let reason = e
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "the request failed".to_string());
                Error::Config(format!("{url} could not be loaded: {reason}"))
            }),
    )
}

async fn read(url: &str) -> Result<Config, Error> {
    let response = match early_response(url).await {
        Some(response) => response?,
        None => Request::get(url)
            .cache(RequestCache::NoCache)
            .send()
            .await
            .map_err(|e| Error::Config(format!("{url} could not be loaded: {}", error_text(e))))?,
    };
    if !response.ok() {
        return Err(Error::Config(format!(
            "{url} could not be loaded (HTTP {}): put a config.json beside index.html",
            response.status()
        )));
    }
    let text = response
        .text()
        .await
        .map_err(|e| Error::Config(format!("{url} could not be read: {}", error_text(e))))?;
    Config::from_json(&text)
}
