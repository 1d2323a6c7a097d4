//! Time: wall-clock milliseconds for expiry, a monotonic clock for durations.

/// Milliseconds since the Unix epoch (`Date.now()`), for token expiry that survives a reload.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A monotonic timestamp in milliseconds (`performance.now()`), for measuring durations.
pub fn monotonic_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(now_ms)
}
