//! Web Locks: one holder at a time across every tab of this origin, so two tabs that hold the
//! same refresh token (a duplicated tab copies sessionStorage) never spend it twice.
//! Called through `Reflect` because web-sys keeps `LockManager` behind an unstable cfg.
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// A job to run under a lock, boxed by the caller: one copy of [`exclusive`] serves them all.
pub type Job<T> = std::pin::Pin<Box<dyn Future<Output = T>>>;

/// Runs `job` while holding the lock `name` (exclusive mode). Without Web Locks (old
/// browsers, some embedded views) it just runs `job`: a single tab is still single-flight.
pub async fn exclusive<T: 'static>(name: &str, job: Job<T>) -> T {
    let job: Rc<RefCell<Option<Job<T>>>> = Rc::new(RefCell::new(Some(job)));
    let out: Rc<RefCell<Option<T>>> = Rc::new(RefCell::new(None));
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
        if let Ok(promise) = request.call2(&locks, &JsValue::from_str(name), &callback) {
            let _ = JsFuture::from(Promise::from(promise)).await;
        }
    }
    if let Some(value) = out.borrow_mut().take() {
        return value;
    }
    // No lock manager, or it refused: run the job here.
    let job = job.borrow_mut().take();
    match job {
        Some(job) => job.await,
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
