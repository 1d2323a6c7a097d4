//! The built-in simulator's Service Worker (`<base>sim-worker.js`, built by `cargo xtask
//! dist`): registering it and making sure it controls this page, since only then do the
//! page's requests under `<base>_sim/` reach it. Only built-in mode calls [`ready`]: with
//! iLert, none of the simulator's files is ever fetched.
//!
//! index.html names the worker of its own build, `<base>sim-worker.js?v=<version>`
//! (`<meta name="ilert-sim-worker">`, written by `cargo xtask dist`): a new version of the
//! app registers a new URL, and waits until that worker controls the page, so it never
//! talks to an older build's worker, whose files the host may no longer have.
//!
//! Called through `Reflect`, not web-sys's ServiceWorker types: each web-sys method is an
//! import with its own glue, and these few calls would cost the first load ~1.5 KB brotli.
use std::cell::Cell;

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::history;
use crate::oauth::Error;

/// The worker's script, beside index.html; its name never changes (the build writes it).
const SCRIPT: &str = "sim-worker.js";
/// How long registering, installing and taking over may take (the worker loads its glue as
/// it installs).
const START_LIMIT_MS: u32 = 10_000;
/// How often [`ready`] looks whether the right worker controls the page yet.
const POLL_MS: u32 = 50;

thread_local! {
    /// This page unregistered the worker ([`forget`]): it may still control the page, but no
    /// longer answers navigations (the consent page), so [`ready`] must register it again.
    static FORGOTTEN: Cell<bool> = const { Cell::new(false) };
}

/// `obj[name]`; undefined when there is none.
pub(crate) fn get(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[name](a, b)`; Err when it throws (or is no method).
pub(crate) fn call(
    obj: &JsValue,
    name: &str,
    a: &JsValue,
    b: &JsValue,
) -> Result<JsValue, JsValue> {
    get(obj, name).unchecked_into::<Function>().call2(obj, a, b)
}

fn some(v: JsValue) -> Option<JsValue> {
    (!v.is_undefined() && !v.is_null()).then_some(v)
}

/// `navigator.serviceWorker`, if this window has one: it is missing outside secure contexts
/// (https, localhost) and in the private windows of some browsers.
fn container() -> Option<JsValue> {
    some(get(&web_sys::window()?.navigator(), "serviceWorker"))
}

/// This build's worker: `<base>sim-worker.js?v=<version>` from index.html; None in a page
/// that names none (`trunk serve`, which builds no simulator).
fn script() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector("meta[name=ilert-sim-worker]")
        .ok()??
        .get_attribute("content")
        .filter(|s| !s.is_empty())
}

/// Whether `worker` (a ServiceWorker, or undefined) runs `script`.
fn runs(worker: &JsValue, script: &str) -> bool {
    get(worker, "scriptURL")
        .as_string()
        .is_some_and(|url| url.ends_with(script))
}

/// Whether this browser window can run the built-in simulator at all.
pub fn available() -> bool {
    container().is_some()
}

/// Why the built-in simulator cannot run in this window (also the settings' words for it).
pub const UNAVAILABLE: &str = "The built-in simulator runs as a Service Worker, and this browser window has none: some browsers turn them off in private windows, and all offer them only to pages on https or localhost. Use a normal window on https or localhost, or your iLert account (Settings).";

fn too_slow() -> Error {
    Error::Simulator(
        "The built-in simulator's Service Worker did not start and take control of this page in time. Reload the page and try again."
            .into(),
    )
}

/// `promise`, for at most `limit_ms`: Ok(None) when it took longer, Err when it was refused.
pub(crate) async fn settle(
    promise: Result<JsValue, JsValue>,
    limit_ms: u32,
) -> Result<Option<JsValue>, JsValue> {
    let answer = JsFuture::from(promise?.unchecked_into::<Promise>());
    match select(answer, TimeoutFuture::new(limit_ms)).await {
        Either::Left((result, _)) => result.map(Some),
        Either::Right(_) => Ok(None),
    }
}

/// Registers this build's worker (scope: the app's base path) and waits until it controls
/// this page.
pub async fn ready() -> Result<(), Error> {
    let sw = container().ok_or_else(|| Error::Simulator(UNAVAILABLE.into()))?;
    let script = script().ok_or_else(|| {
        Error::Simulator(
            "This build has no built-in simulator (`trunk serve` builds none): run `cargo xtask dist` and serve its output, or use your iLert account (Settings)."
                .into(),
        )
    })?;
    // Controlled by this build's worker (a page it loaded): nothing to register. Calling
    // register() anyway would queue behind the browser's own update check of the worker,
    // which a navigation starts: measured 1.6 to 3 s on a loaded machine.
    if !FORGOTTEN.get() && runs(&get(&sw, "controller"), &script) {
        return Ok(());
    }
    let options = js_sys::Object::new();
    let _ = Reflect::set(&options, &"scope".into(), &history::base().into());
    let registered = call(&sw, "register", &script.as_str().into(), &options);
    let registration = settle(registered, START_LIMIT_MS)
        .await
        .map_err(|e| {
            Error::Simulator(format!(
                "The browser could not register the built-in simulator's Service Worker {script} ({}): the host may lack it (deploy all of dist-release/), or the browser refuses workers here (some private windows, blocked site data). Use your iLert account instead (Settings).",
                get(&e, "message").as_string().unwrap_or_default()
            ))
        })?
        .ok_or_else(too_slow)?;
    FORGOTTEN.set(false);
    // A new version's worker installs, activates and claims the page by itself. A page opened
    // with Shift+Reload is controlled by no worker, even an active one: the worker claims it
    // when asked.
    let mut asked = false;
    for _ in 0..START_LIMIT_MS / POLL_MS {
        if runs(&get(&sw, "controller"), &script) {
            return Ok(());
        }
        let active = get(&registration, "active");
        if !asked && runs(&active, &script) {
            let _ = call(&active, "postMessage", &"claim".into(), &JsValue::UNDEFINED);
            asked = true;
        }
        TimeoutFuture::new(POLL_MS).await;
    }
    Err(too_slow())
}

/// Unregisters the built-in simulator's worker, if this browser has one from an earlier try,
/// so that it stops answering and updating. Fire and forget. Its script is checked: at `/`,
/// the registration found may be another app's of the same origin.
pub fn forget() {
    // An unregistered worker keeps the page it controls, but no longer gets its navigations.
    FORGOTTEN.set(true);
    let Some(sw) = container() else {
        return;
    };
    let found = call(
        &sw,
        "getRegistration",
        &history::base().into(),
        &JsValue::UNDEFINED,
    );
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(Some(registration)) = settle(found, START_LIMIT_MS).await else {
            return;
        };
        let worker = ["active", "waiting", "installing"]
            .into_iter()
            .find_map(|state| some(get(&registration, state)));
        let script = worker.and_then(|w| get(&w, "scriptURL").as_string());
        if script.is_some_and(|s| s.contains(SCRIPT)) {
            let _ = call(
                &registration,
                "unregister",
                &JsValue::UNDEFINED,
                &JsValue::UNDEFINED,
            );
        }
    });
}
