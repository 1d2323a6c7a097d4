//! The app's JSON parser (`src/json.rs`) against serde_json on hostile 1 MB answers: an object
//! with ~110k distinct keys, and one with a single key repeated as often. Both parsers must be
//! linear here (issue 17: the parser used to compare each key with every earlier one, 15 s).
//!
//! `cargo run --release --example json_bench` (the wasm's size-first profile);
//! `CARGO_PROFILE_RELEASE_OPT_LEVEL=3 cargo run --release --example json_bench` for speed.
use std::time::{Duration, Instant};

use ilert_pkce::json;

/// `{"0":0,"1":0,…}` as long as it stays within `bytes`, and its member count.
fn many_keys(bytes: usize, same_key: bool) -> (String, usize) {
    let mut text = String::from("{");
    let mut n = 0;
    loop {
        let member = if same_key {
            "\"key\":0".to_string()
        } else {
            format!("\"{n}\":0")
        };
        if text.len() + member.len() + 2 > bytes {
            break;
        }
        if n > 0 {
            text.push(',');
        }
        text.push_str(&member);
        n += 1;
    }
    text.push('}');
    (text, n)
}

/// The fastest of a few runs (at least one; more while the total stays under a second).
fn time(mut f: impl FnMut()) -> Duration {
    let mut best = Duration::MAX;
    let started = Instant::now();
    for run in 0..10 {
        if run > 0 && started.elapsed() > Duration::from_secs(1) {
            break;
        }
        let t = Instant::now();
        f();
        best = best.min(t.elapsed());
    }
    best
}

fn main() {
    println!("{:<40} {:>12} {:>12}", "input", "ours", "serde_json");
    for (label, same_key) in [("distinct keys", false), ("one key repeated", true)] {
        let (text, members) = many_keys(1 << 20, same_key);
        let ours = time(|| {
            json::parse(&text).expect("ours accepts it");
        });
        let theirs = time(|| {
            serde_json::from_str::<serde_json::Value>(&text).expect("serde_json accepts it");
        });
        println!(
            "{:<40} {:>9.1} ms {:>9.1} ms",
            format!("{} B object, {members} {label}", text.len()),
            ours.as_secs_f64() * 1e3,
            theirs.as_secs_f64() * 1e3
        );
    }
}
