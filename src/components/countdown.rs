//! A clock that ticks every second, for live expiry countdowns.
use leptos::prelude::*;
use std::time::Duration;

use crate::browser::clock;

/// A signal of the wall clock (ms), updated every second while the calling view lives.
pub fn ticking_now() -> ReadSignal<f64> {
    let (now, set_now) = signal(clock::now_ms());
    if let Ok(handle) =
        set_interval_with_handle(move || set_now.set(clock::now_ms()), Duration::from_secs(1))
    {
        on_cleanup(move || handle.clear());
    }
    now
}

/// "59:58", "1:02:03", or "expired".
pub fn format_left(ms: f64) -> String {
    if ms <= 0.0 {
        return "expired".into();
    }
    let secs = (ms / 1000.0).floor() as u64;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
