//! Web Locks: one holder at a time across every tab of this origin, so two tabs that hold the
//! same refresh token (a duplicated tab copies sessionStorage) never spend it twice.
//! Called through `Reflect` because web-sys keeps `LockManager` behind an unstable cfg.
//!
//! Any page of the origin may request the same lock and never release it (another project
//! site of the same GitHub Pages user shares the origin). So the wait is bounded: the request
//! carries an `AbortSignal` that fires after the caller's limit, and then the caller gets its
//! job back ([`exclusive`]'s `Err`) to run without the lock, or to drop.
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortController;

/// A job to run under a lock, boxed by the caller: one copy of [`exclusive`] serves them all.
pub type Job<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

/// Runs `job` while holding the lock `name` (exclusive mode), if the lock is granted within
/// `wait_ms`; otherwise gives `job` back, not run (`Err`). Without Web Locks (old browsers,
/// some embedded views) it just runs `job`: a single tab is still single-flight.
pub async fn exclusive<T: 'static>(name: &str, wait_ms: u32, job: Job<T>) -> Result<T, Job<T>> {
    let job: Rc<RefCell<Option<Job<T>>>> = Rc::new(RefCell::new(Some(job)));
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
    let timed_out = Rc::new(Cell::new(false));
    if let Some((locks, request)) = lock_manager() {
        let (job_in, out_in) = (job.clone(), out.clone());
        let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
            let job = job_in.borrow_mut().take();
            future_to_promise(async move {
                if let Some(job) = job {
                    let value = job.await;
                    *out_in.borrow_mut() = Some(value);
                }
                Ok(JsValue::UNDEFINED)
            })
        });
        // The signal only ends the wait: once granted, the lock is held until the job ends.
        let options = Object::new();
        let controller = AbortController::new().ok();
        let _timer = controller.map(|c| {
            let _ = Reflect::set(&options, &"signal".into(), &c.signal());
            let flag = timed_out.clone();
            Timeout::new(wait_ms, move || {
                flag.set(true);
                c.abort();
            })
        });
        if let Ok(promise) = request.call3(&locks, &JsValue::from_str(name), &options, &callback) {
            let _ = JsFuture::from(Promise::from(promise)).await;
        }
    }
    if let Some(value) = out.borrow_mut().take() {
        return Ok(value);
    }
    let job = job.borrow_mut().take();
    match job {
        // Not granted in time: the caller decides.
        Some(job) if timed_out.get() => Err(job),
        // No lock manager, or it refused (say, an opaque origin): run the job here.
        Some(job) => Ok(job.await),
        None => unreachable!("the lock callback took the job but produced nothing"),
    }
}

fn lock_manager() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}
