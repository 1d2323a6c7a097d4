//! Parts of the app that load on demand (issue 20): in the release build (`cargo xtask dist`,
//! `--cfg ilert_split`), the functions that [`part!`] declares go to wasm modules of their own
//! (wasm-split), fetched when a page first needs one, or earlier in idle time
//! ([`prefetch_in_idle_time`]) once Connect is usable. Under `trunk serve` and in tests
//! (no `ilert_split`) the same functions are plain functions of the one module.
//!
//! [`OnDemand`] shows a part: "Loading …" while its module comes, and when it cannot come
//! (the network is cut, the host refuses it) says so with "Try again"; the session and the
//! rest of the page are untouched, since a failed load is an `Err`, never a panic (which
//! would end the whole app: the release build aborts on panic).
use futures::future::LocalBoxFuture;
use futures::FutureExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use crate::components::dynamic;

/// A part's module could not be loaded (the browser's console has the details).
pub type LoadError = leptos::wasm_split::SplitLoaderError;

/// One part: `load` fetches and instantiates its module (at once when it already is), `view`
/// builds its view (it loads the module first, so once `load` succeeded it is ready at its
/// first poll).
#[derive(Clone, Copy)]
pub struct Part {
    pub load: fn() -> LocalBoxFuture<'static, Result<(), LoadError>>,
    pub view: fn() -> LocalBoxFuture<'static, Result<AnyView, LoadError>>,
}

/// Declares `fn $name() -> AnyView { … }` as the part `$module`, with `$preload` loading it:
/// a split point of wasm-split in the release build, a plain function elsewhere. The
/// function becomes `async fn $name() -> Result<AnyView, LoadError>`, and `$part` the
/// [`Part`] that [`OnDemand`] shows. Each part is declared beside its view, so no module
/// lists them all (and none imports its users back).
#[macro_export]
macro_rules! part {
    ($module:ident, $preload:ident, $part:ident, $vis:vis fn $name:ident() -> AnyView $body:block) => {
        $vis const $part: $crate::components::on_demand::Part = $crate::components::on_demand::Part {
            load: || ::futures::FutureExt::boxed_local($preload()),
            view: || ::futures::FutureExt::boxed_local($name()),
        };
        #[cfg(ilert_split)]
        #[::leptos::wasm_split::wasm_split(
            $module,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            preload($preload)
        )]
        $vis fn $name() -> Result<AnyView, $crate::components::on_demand::LoadError> {
            Ok($body)
        }
        #[cfg(not(ilert_split))]
        $vis async fn $name() -> Result<AnyView, $crate::components::on_demand::LoadError> {
            Ok($body)
        }
        #[cfg(not(ilert_split))]
        $vis async fn $preload() -> Result<(), $crate::components::on_demand::LoadError> {
            Ok(())
        }
    };
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Loading,
    Failed,
    Ready,
}

/// `part`'s view once its module is there; "Loading {what}…" until then; if it cannot load,
/// "{What} could not be loaded" with "Try again", which loads it again.
#[component]
pub fn OnDemand(
    /// What the part is, for the messages ("the Settings page").
    what: &'static str,
    part: Part,
) -> impl IntoView {
    let state = RwSignal::new(State::Loading);
    let load = move || {
        state.set(State::Loading);
        spawn_local(async move {
            let loaded = (part.load)().await;
            state.set(if loaded.is_ok() {
                State::Ready
            } else {
                State::Failed
            });
        });
    };
    load();
    dynamic(move || {
        match state.get() {
        State::Loading => {
            view! { <p class="loading" role="status" data-testid="part-loading">{format!("Loading {what}…")}</p> }
                .into_any()
        }
        State::Ready => match (part.view)().now_or_never() {
            Some(Ok(view)) => view,
            // Not reached: a loaded module builds its view at the first poll.
            _ => failed(what, load),
        },
        State::Failed => failed(what, load),
    }
    })
}

fn failed(what: &'static str, retry: impl Fn() + Copy + Send + 'static) -> AnyView {
    let mut title = String::from(what);
    if let Some(first) = title.get(..1) {
        let upper = first.to_ascii_uppercase();
        title.replace_range(..1, &upper);
    }
    view! {
        <div class="notice error" role="alert" data-testid="part-error">
            <h3>{format!("{title} could not be loaded")}</h3>
            <p>"This part of the app comes from the server when it is first needed, and it did not arrive (is the network down?). You are still signed in as before."</p>
            <button type="button" data-testid="part-retry" on:click=move |_| retry()>"Try again"</button>
        </div>
    }
    .into_any()
}

/// Loads `parts` one after the other when the browser is idle (`requestIdleCallback`, or
/// after 2 s where it has none), once per page: a later click on Settings or a sign-in then
/// does not wait for the network. A part that fails here is tried again when it is needed.
/// The e2e tests and the bench take idle time away (e2e's `NO_IDLE_TIME`) to see what a
/// page fetches on its own: no switch in the app for it.
pub fn prefetch_in_idle_time(parts: &'static [Part]) {
    thread_local! {
        static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let run = Closure::once_into_js(move || {
        spawn_local(async move {
            for part in parts {
                let _ = (part.load)().await;
            }
        });
    });
    let idle = js_sys::Reflect::get(&window, &JsValue::from_str("requestIdleCallback"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"timeout".into(), &JsValue::from_f64(5000.0));
    match idle {
        Some(idle) => {
            let _ = idle.call2(&window, &run, &options);
        }
        None => {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(run.unchecked_ref(), 2000);
        }
    }
}
