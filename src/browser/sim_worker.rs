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
//! Leaving built-in mode ([`remove`]): whenever iLert's mode is in force (at start, or when the
//! settings switch to it), the app unregisters its simulator worker and deletes the
//! simulator's IndexedDB database (codes, grants, tokens), awaited but bounded in time, and
//! the simulator is off for this page: [`ready`] refuses and [`cleared`] refuses any request to
//! it. An unregistered worker still controls the pages it controlled until they are left: it
//! sees their requests but answers only those under `<app root>_sim/` (iLert's go to other
//! origins), and the app sends none there; at start the app reloads such a page once.
//!
//! Start-up gate ([`cleared`], awaited by every request of the app): when the simulator may
//! be in play (its worker is registered here, or the session is one of the simulator's),
//! nothing is sent before config.json has said which mode is in force and the simulator has
//! been removed in iLert's; otherwise requests go at once (a callback does not wait for
//! config.json).
//!
//! Called through `Reflect`, not web-sys's ServiceWorker types: each web-sys method is an
//! import with its own glue, and these few calls would cost the first load ~1.5 KB brotli.
use std::cell::Cell;

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser::history;
use crate::error::Error;

/// The worker's script, beside index.html; its name never changes (the build writes it).
const SCRIPT: &str = "sim-worker.js";
/// How long registering, installing and taking over may take (the worker loads its glue as
/// it installs).
const START_LIMIT_MS: u32 = 10_000;
/// How often [`ready`] looks whether the right worker controls the page yet.
const POLL_MS: u32 = 50;
/// The simulator's IndexedDB database (sim-sw/worker.js's `DB_NAME`).
const DB_NAME: &str = "ilert-sim";
/// How long [`remove`] and [`found`] may take in all. The browser does each step in
/// milliseconds (a delete waits at most for the worker's current IndexedDB transaction); a
/// browser whose Service Worker or IndexedDB API hangs must not hold the app up longer.
const REMOVE_LIMIT_MS: u32 = 3_000;

thread_local! {
    /// This page unregistered the worker ([`remove`]): it may still control the page, but no
    /// longer answers navigations (the consent page), so [`ready`] must register it again.
    static FORGOTTEN: Cell<bool> = const { Cell::new(false) };
    /// The built-in mode is off in this page ([`remove`]) until the settings choose it again
    /// ([`enable`]): nothing is sent to the simulator, and no worker is registered.
    static OFF: Cell<bool> = const { Cell::new(false) };
    /// The start-up gate: a promise and its resolve function ([`open`]).
    static GATE: (Promise, Function) = {
        let mut resolve = None;
        let promise = Promise::new(&mut |yes, _| resolve = Some(yes));
        (promise, resolve.expect("the executor runs at once"))
    };
}

/// Lets the app's requests go ([`cleared`]); opening it twice is harmless.
pub fn open() {
    GATE.with(|(_, resolve)| {
        let _ = resolve.call0(&JsValue::UNDEFINED);
    });
}

/// Awaited by every request before anything else: waits for the start-up gate ([`open`]),
/// then refuses a request to the simulator while the built-in mode is off in this page.
/// `simulated`: whether the request goes to the simulator (the sender knows already).
pub async fn cleared(simulated: bool) -> Result<(), Error> {
    let gate = GATE.with(|(promise, _)| promise.clone());
    let _ = JsFuture::from(gate).await;
    if simulated && OFF.get() {
        return Err(off());
    }
    Ok(())
}

fn off() -> Error {
    Error::Simulator(
        "Not sent: this app now signs in to iLert (config.json or your settings), so the built-in simulator was removed from this browser. Press Connect to sign in to iLert."
            .into(),
    )
}

/// The settings chose the built-in simulator again (Connect, Settings).
pub fn enable() {
    OFF.set(false);
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
    if OFF.get() {
        return Err(off());
    }
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

/// Whether `url` (a worker's script URL) is this app's simulator worker:
/// `<app root>sim-worker.js`, whatever its `?v=`. At `/`, other apps of the origin may have
/// workers of their own.
fn is_ours(url: &str, root: &str) -> bool {
    url.split('?').next() == Some(format!("{root}{SCRIPT}").as_str())
}

/// The script URL of a registration's newest worker.
fn script_of(registration: &JsValue) -> String {
    ["installing", "waiting", "active"]
        .into_iter()
        .find_map(|state| some(get(registration, state)))
        .and_then(|w| get(&w, "scriptURL").as_string())
        .unwrap_or_default()
}

/// Whether a simulator worker of this app controls this page.
fn controlled() -> bool {
    let root = history::app_root().unwrap_or_default();
    container().is_some_and(|sw| {
        get(&get(&sw, "controller"), "scriptURL")
            .as_string()
            .is_some_and(|url| is_ours(&url, root))
    })
}

/// Goes through this origin's registrations: whether one is this app's simulator worker
/// (unregistered, awaited, when `unregister`), and whether another scope of the origin has a
/// simulator worker too (another deployment of this app, which shares the database).
async fn scan(unregister: bool) -> (bool, bool) {
    let (mut ours, mut shared) = (controlled(), false);
    let Some(sw) = container() else {
        return (ours, shared);
    };
    let root = history::app_root().unwrap_or_default();
    let listed = call(
        &sw,
        "getRegistrations",
        &JsValue::UNDEFINED,
        &JsValue::UNDEFINED,
    );
    let Ok(Some(list)) = settle(listed, REMOVE_LIMIT_MS).await else {
        return (ours, shared);
    };
    for registration in Array::from(&list).iter() {
        let script = script_of(&registration);
        let scope = get(&registration, "scope").as_string().unwrap_or_default();
        if scope == root && is_ours(&script, root) {
            ours = true;
            if unregister {
                let gone = call(
                    &registration,
                    "unregister",
                    &JsValue::UNDEFINED,
                    &JsValue::UNDEFINED,
                );
                let _ = settle(gone, REMOVE_LIMIT_MS).await;
            }
        } else if script
            .split('?')
            .next()
            .is_some_and(|s| s.ends_with(&format!("/{SCRIPT}")))
        {
            shared = true;
        }
    }
    (ours, shared)
}

/// Whether the simulator may be in play in this page: its worker is registered for this
/// app, or controls the page. Bounded ([`REMOVE_LIMIT_MS`]); in doubt, yes.
pub async fn found() -> bool {
    match select(Box::pin(scan(false)), TimeoutFuture::new(REMOVE_LIMIT_MS)).await {
        Either::Left(((ours, _), _)) => ours,
        Either::Right(_) => true,
    }
}

/// Leaves built-in mode: turns the simulator off in this page, unregisters this app's
/// simulator worker and deletes the simulator's database (unless another deployment of this
/// app on the origin still has a simulator worker: the database is shared by name). Awaited,
/// at most [`REMOVE_LIMIT_MS`]. Gives whether a simulator worker still controls this page
/// (it does until the page is left).
pub async fn remove() -> bool {
    OFF.set(true);
    FORGOTTEN.set(true);
    let work = async {
        let (_, shared) = scan(true).await;
        if !shared {
            let _ = settle(delete_database(), REMOVE_LIMIT_MS).await;
        }
    };
    let _ = select(Box::pin(work), TimeoutFuture::new(REMOVE_LIMIT_MS)).await;
    controlled()
}

/// `indexedDB.deleteDatabase(DB_NAME)` as a promise: resolved when it is gone (or was never
/// there), refused on error. While a worker's transaction holds it open the delete waits.
fn delete_database() -> Result<JsValue, JsValue> {
    let window = web_sys::window().ok_or(JsValue::UNDEFINED)?;
    let factory = some(get(&window, "indexedDB")).ok_or(JsValue::UNDEFINED)?;
    let request = call(
        &factory,
        "deleteDatabase",
        &DB_NAME.into(),
        &JsValue::UNDEFINED,
    )?;
    Ok(Promise::new(&mut |yes, no| {
        let _ = Reflect::set(&request, &"onsuccess".into(), &yes);
        let _ = Reflect::set(&request, &"onerror".into(), &no);
    })
    .into())
}
