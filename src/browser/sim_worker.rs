//! The built-in simulator's Service Worker (`<base>sim-worker.js`, built by `cargo xtask
//! dist`): registering it and making sure it controls this page, since only then do the
//! page's requests under `<base>_sim/` reach it. Only built-in mode calls [`ready`]: with
//! iLert, none of the simulator's files is ever fetched.
use std::cell::Cell;

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration};

use crate::browser::history;
use crate::oauth::Error;

/// The worker's script, beside index.html; its name never changes (the build writes it).
const SCRIPT: &str = "sim-worker.js";
/// How long registering and installing may take (the worker loads its glue as it installs).
const START_LIMIT_MS: u32 = 10_000;
/// How long the active worker may take to claim this page.
const CLAIM_LIMIT_MS: u32 = 4_000;

thread_local! {
    /// Registered by this page load: a new build's worker is found by registering again.
    static REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// `navigator.serviceWorker`, if this window has one: it is missing outside secure contexts
/// (https, localhost) and in the private windows of some browsers.
fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let sw = Reflect::get(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    (!sw.is_undefined() && !sw.is_null()).then(|| sw.unchecked_into())
}

/// Whether this browser window can run the built-in simulator at all.
pub fn available() -> bool {
    container().is_some()
}

/// Why the built-in simulator cannot run in this window.
pub fn unavailable() -> Error {
    Error::Simulator(
        "The built-in simulator runs as a Service Worker, and this browser window has none: some browsers turn them off in private windows, and every browser only offers them to pages on https or localhost. Use a normal window on https or localhost, or your iLert account (Settings)."
            .into(),
    )
}

/// `promise`, for at most `limit_ms`: Ok(None) when it took longer, Err when it was refused.
async fn settle(
    promise: Result<Promise, JsValue>,
    limit_ms: u32,
) -> Result<Option<JsValue>, JsValue> {
    let answer = JsFuture::from(promise?);
    match select(answer, TimeoutFuture::new(limit_ms)).await {
        Either::Left((result, _)) => result.map(Some),
        Either::Right(_) => Ok(None),
    }
}

/// The message of a refusal (a DOMException or TypeError), for the page.
fn reason(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "no reason given".into())
}

/// Registers the worker (scope: the app's base path) and waits until it controls this page.
pub async fn ready() -> Result<(), Error> {
    let sw = container().ok_or_else(unavailable)?;
    if REGISTERED.get() && sw.controller().is_some() {
        return Ok(());
    }
    let base = history::base();
    let script = format!("{base}{SCRIPT}");
    let options = RegistrationOptions::new();
    options.set_scope(base);
    let late = |what: &str, s: u32| {
        Error::Simulator(format!(
            "The built-in simulator's Service Worker did not {what} within {s} s. Reload the page and try again."
        ))
    };
    settle(Ok(sw.register_with_options(&script, &options)), START_LIMIT_MS)
        .await
        .map_err(|e| {
            Error::Simulator(format!(
                "The built-in simulator's Service Worker {script} could not be registered ({}). A `trunk serve` build does not contain it: run `cargo xtask dist` and serve its output, or use your iLert account (Settings).",
                reason(&e)
            ))
        })?
        .ok_or_else(|| late("register", START_LIMIT_MS / 1000))?;
    REGISTERED.set(true);
    let registration: ServiceWorkerRegistration = settle(sw.ready(), START_LIMIT_MS)
        .await
        .ok()
        .flatten()
        .ok_or_else(|| late("start", START_LIMIT_MS / 1000))?
        .unchecked_into();
    if sw.controller().is_none() {
        // A page opened with Shift+Reload is not controlled, even by an active worker: the
        // worker claims it when asked. Listen first, so the change cannot slip by.
        let sw2 = sw.clone();
        let change = Promise::new(&mut |resolve, _| {
            let _ = sw2.add_event_listener_with_callback("controllerchange", &resolve);
        });
        if let Some(active) = registration.active() {
            let _ = active.post_message(&JsValue::from_str("claim"));
        }
        if sw.controller().is_none() {
            let _ = settle(Ok(change), CLAIM_LIMIT_MS).await;
        }
        if sw.controller().is_none() {
            return Err(late("take control of this page", CLAIM_LIMIT_MS / 1000));
        }
    }
    Ok(())
}

/// Unregisters the built-in simulator's worker, if this browser has one from an earlier try,
/// so that it stops answering and updating. Fire and forget.
pub fn forget() {
    // An unregistered worker keeps the page it controls, but no longer gets its navigations.
    REGISTERED.set(false);
    let Some(sw) = container() else {
        return;
    };
    let found = sw.get_registration_with_document_url(history::base());
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(found) = JsFuture::from(found).await else {
            return;
        };
        if found.is_undefined() {
            return;
        }
        let registration: ServiceWorkerRegistration = found.unchecked_into();
        let worker = registration
            .active()
            .or_else(|| registration.waiting())
            .or_else(|| registration.installing());
        if worker.is_some_and(|w| w.script_url().ends_with(SCRIPT)) {
            if let Ok(done) = registration.unregister() {
                let _ = JsFuture::from(done).await;
            }
        }
    });
}
