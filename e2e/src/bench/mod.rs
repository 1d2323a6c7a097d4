//! `cargo xtask bench` (the `bench` binary of this crate): the release build in headless
//! Chromium against ilert-sim, several runs, each session in a fresh Chromium with a fresh
//! profile; prints one table (median, min, max per metric) and writes JSON.
//!
//! A run is three sessions, each its own world (see [`browser::World`]):
//! 1. loopback, ilert-sim at 0 ms: Home's first load (bytes, time to Connect), then a
//!    sign-in (callback → profile and token info shown);
//! 2. loopback, ilert-sim at 50 ms on every API answer: Home, then the same sign-in;
//! 3. "slow 4G" emulated by the DevTools protocol: Home's first load (time to Connect);
//! 4. slow 4G: Home, idle time fetches the parts, then the first click on Settings (time
//!    until the Settings page is usable: a part that was prefetched);
//! 5. slow 4G, no idle time (`crate::NO_IDLE_TIME`, so no prefetch): Home, then at once the
//!    first click on Settings (the same time, with the part fetched on the click);
//!
//!
//! and two of the React comparison page (bench/react-signin/, React 19 + oidc-client-ts, served
//! by the same server code from its own Vite build, with the same config.json and ilert-sim):
//! 6. slow 4G: its first load (bytes, time to Connect);
//! 7. loopback, ilert-sim at 50 ms: the same sign-in (callback → profile and token info).
//!
//! Under the table: Connect on slow 4G, app over React (median over median).
pub mod browser;
pub mod site;
pub mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use browser::{Page, Prefetch, Throttle, World, SLOW_4G};
use site::Dist;
use stats::Metric;

/// The API latencies the callback is measured at (ms, ilert-sim's `--latency-ms`).
pub const SIM_LATENCIES: [u64; 2] = [0, 50];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    pub runs: usize,
    pub quick: bool,
    pub out: PathBuf,
    /// The React comparison page's build (`target/bench/react-dist`).
    pub react_dist: PathBuf,
}

/// The run's settings, from the environment `cargo xtask bench` sets after it has checked
/// the flags (`--runs`, `--quick`, `--out`): one parser of them, xtask's.
pub fn args_from_env() -> Result<Args, String> {
    let var = |name: &str| {
        std::env::var(name).map_err(|_| format!("{name} is not set: run `cargo xtask bench`"))
    };
    let runs = var(RUNS_VAR)?;
    Ok(Args {
        runs: runs
            .parse()
            .map_err(|_| format!("{RUNS_VAR}={runs:?} is not a number"))?,
        quick: std::env::var(QUICK_VAR).is_ok_and(|v| v == "1"),
        out: PathBuf::from(var(OUT_VAR)?),
        react_dist: PathBuf::from(var(REACT_DIST_VAR)?),
    })
}

/// What `cargo xtask bench` passes (see [`args_from_env`]).
pub const RUNS_VAR: &str = "ILERT_PKCE_BENCH_RUNS";
pub const QUICK_VAR: &str = "ILERT_PKCE_BENCH_QUICK";
pub const OUT_VAR: &str = "ILERT_PKCE_BENCH_OUT";
pub const REACT_DIST_VAR: &str = "ILERT_PKCE_BENCH_REACT_DIST";

/// The table's rows, in order.
pub fn metrics() -> Vec<Metric> {
    vec![
        Metric::new(
            "first_load_transfer_bytes",
            "first load: Σ transferSize (HTML, JS, wasm, CSS, config.json)",
            "B",
        ),
        Metric::new(
            "first_load_encoded_bytes",
            "first load: Σ encodedBodySize",
            "B",
        ),
        Metric::new(
            "connect_visible_loopback_ms",
            "Connect visible + enabled, loopback",
            "ms",
        ),
        Metric::new(
            "connect_visible_slow_4g_ms",
            "Connect visible + enabled, slow 4G",
            "ms",
        ),
        Metric::new(
            "settings_usable_slow_4g_prefetched_ms",
            "Settings usable after its first click, slow 4G, part prefetched",
            "ms",
        ),
        Metric::new(
            "settings_usable_slow_4g_no_prefetch_ms",
            "Settings usable after its first click, slow 4G, no prefetch",
            "ms",
        ),
        Metric::new(
            "callback_to_shown_latency_0_ms",
            "callback → profile + token info, API latency 0 ms",
            "ms",
        ),
        Metric::new(
            "callback_to_shown_latency_50_ms",
            "callback → profile + token info, API latency 50 ms",
            "ms",
        ),
        Metric::new(
            "react_first_load_transfer_bytes",
            "React page: first load, Σ transferSize (HTML, JS, config.json)",
            "B",
        ),
        Metric::new(
            "react_connect_visible_slow_4g_ms",
            "React page: Connect visible + enabled, slow 4G",
            "ms",
        ),
        Metric::new(
            "react_callback_to_shown_latency_50_ms",
            "React page: callback → profile + token info, API latency 50 ms",
            "ms",
        ),
    ]
}

/// Connect on slow 4G: the app's median over the React page's (issue 20 wants at most 1.2).
pub fn connect_ratio(metrics: &[Metric]) -> Option<f64> {
    let median = |id: &str| {
        metrics
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| stats::summarize(&m.samples))
            .map(|s| s.median)
    };
    let (app, react) = (
        median("connect_visible_slow_4g_ms")?,
        median("react_connect_visible_slow_4g_ms")?,
    );
    (react > 0.0).then(|| app / react)
}

/// The line under the table.
pub fn ratio_line(ratio: Option<f64>) -> String {
    match ratio {
        Some(r) => format!(
            "Connect on slow 4G, app / React page (median over median): {r:.2}x (issue 20's goal: at most 1.20x)"
        ),
        None => "Connect on slow 4G, app / React page: no ratio (a median is missing)".into(),
    }
}

/// Runs the bench; prints the table; writes the JSON to `args.out`.
pub async fn run(args: Args) -> Result<(), String> {
    let started = Instant::now();
    let dir = crate::dist_dir();
    let t = Instant::now();
    let dist = Arc::new(Dist::load(&dir)?);
    eprintln!(
        "bench: {} compressed (brotli 11) in {:.1}s",
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let react = Arc::new(Dist::load(&args.react_dist)?);
    eprintln!(
        "bench: {} compressed (brotli 11) in {:.1}s",
        args.react_dist.display(),
        t.elapsed().as_secs_f64()
    );
    let meta_before = machine();
    let mut metrics = metrics();
    let mut runs = Vec::new();
    let warmups = if args.quick { 0 } else { 1 };
    for n in 0..warmups + args.runs {
        let warmup = n < warmups;
        let label = if warmup {
            "warm-up (not counted)".to_string()
        } else {
            format!("run {}/{}", n + 1 - warmups, args.runs)
        };
        eprintln!("bench: {label}");
        let run = one_run(dist.clone(), react.clone()).await?;
        if warmup {
            continue;
        }
        let samples = [
            run.loopback.0.transfer_bytes,
            run.loopback.0.encoded_bytes,
            run.loopback.0.connect_ms,
            run.slow_4g.connect_ms,
            run.settings_prefetched,
            run.settings_no_prefetch,
            run.loopback.1.both_ms(),
            run.latency_50.1.both_ms(),
            run.react_slow_4g.transfer_bytes,
            run.react_slow_4g.connect_ms,
            run.react_latency_50.1.both_ms(),
        ];
        for (metric, sample) in metrics.iter_mut().zip(samples) {
            metric.samples.push(sample);
        }
        eprintln!(
            "bench:   {:.0} B, Connect {:.1} ms (loopback) / {:.1} ms (slow 4G), callback {:.1} ms / {:.1} ms (API at 0 / 50 ms)",
            samples[0], samples[2], samples[3], samples[6], samples[7]
        );
        eprintln!(
            "bench:   Settings after its first click (slow 4G): {:.1} ms prefetched, {:.1} ms not",
            samples[4], samples[5]
        );
        eprintln!(
            "bench:   React page: {:.0} B, Connect {:.1} ms (slow 4G), callback {:.1} ms (API at 50 ms)",
            samples[8], samples[9], samples[10]
        );
        runs.push(run.json(n + 1 - warmups));
    }
    let table = stats::table(&metrics);
    println!("{table}");
    let ratio = connect_ratio(&metrics);
    println!("{}\n", ratio_line(ratio));
    let unix_time = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let machine = meta_before;
    let load_after = loadavg();
    println!(
        "{} runs{} on {}: {} cores, {}, {}; load average {} before, {} after",
        args.runs,
        if warmups > 0 { " after a warm-up" } else { "" },
        stats::utc_date(unix_time),
        machine["nproc"],
        machine["cpu"].as_str().unwrap_or("CPU unknown"),
        machine["chromium"]
            .as_str()
            .unwrap_or("Chromium version unknown"),
        first_word(&machine["loadavg_before"]),
        first_word(&json!(load_after)),
    );
    let meta = json!({
        "date": stats::utc_date(unix_time),
        "unix_time": unix_time,
        "runs": args.runs,
        "warmup_runs": warmups,
        "quick": args.quick,
        "seconds": started.elapsed().as_secs_f64().round(),
        "dist": dir.display().to_string(),
        "react_dist": args.react_dist.display().to_string(),
        "connect_slow_4g_app_over_react": ratio,
        "machine": machine,
        "loadavg_after": load_after,
        "conditions": {
            "each_session": "a fresh chromedriver + Chromium (headless=new) with a fresh profile, a fresh ilert-sim and app server",
            "serving": "every file brotli quality 11 (Content-Encoding: br); hashed assets max-age=31536000, immutable; page and config.json no-cache; /webapp no-store",
            "slow_4g": {
                "latency_ms": SLOW_4G.latency_ms,
                "download_bits_per_s": SLOW_4G.download_bits_per_s,
                "upload_bits_per_s": SLOW_4G.upload_bits_per_s,
                "cdp": SLOW_4G.params(),
            },
            "sim_latencies_ms": SIM_LATENCIES,
            "time_origin": "performance.now() in the measured document: Home's navigation, or the callback's (Grant's form post, redirected to /webapp?code=…&state=…)",
        },
        "table": table,
    });
    let report = stats::report_json(meta, &metrics, runs);
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&args.out, text + "\n").map_err(|e| format!("{}: {e}", args.out.display()))?;
    eprintln!(
        "bench: wrote {} ({:.0}s)",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What one run measured.
struct Run {
    loopback: (browser::FirstLoad, browser::Callback),
    latency_50: (browser::FirstLoad, browser::Callback),
    slow_4g: browser::FirstLoad,
    /// ms from the first click on Settings until it is usable, slow 4G.
    settings_prefetched: f64,
    settings_no_prefetch: f64,
    react_slow_4g: browser::FirstLoad,
    react_latency_50: (browser::FirstLoad, browser::Callback),
}

impl Run {
    fn json(&self, number: usize) -> Value {
        let first = |f: &browser::FirstLoad| {
            json!({
                "connect_ms": f.connect_ms, "transfer_bytes": f.transfer_bytes,
                "encoded_bytes": f.encoded_bytes, "decoded_bytes": f.decoded_bytes,
                "entries": f.entries, "probe": f.probe,
            })
        };
        let callback = |c: &browser::Callback| json!({ "profile_ms": c.profile_ms, "token_info_ms": c.info_ms, "both_ms": c.both_ms(), "shown": c.shown, "probe": c.probe });
        json!({
            "run": number,
            "loopback": { "first_load": first(&self.loopback.0), "callback": callback(&self.loopback.1) },
            "api_latency_50": { "first_load": first(&self.latency_50.0), "callback": callback(&self.latency_50.1) },
            "slow_4g": { "first_load": first(&self.slow_4g) },
            "settings_after_click_slow_4g": { "prefetched_ms": self.settings_prefetched, "no_prefetch_ms": self.settings_no_prefetch },
            "react": {
                "slow_4g": { "first_load": first(&self.react_slow_4g) },
                "api_latency_50": { "first_load": first(&self.react_latency_50.0), "callback": callback(&self.react_latency_50.1) },
            },
        })
    }
}

/// The seven sessions of a run, one after the other, each in its own world: the app's five,
/// then the React page's two.
async fn one_run(dist: Arc<Dist>, react: Arc<Dist>) -> Result<Run, String> {
    let [zero, fifty] = SIM_LATENCIES;
    let loopback = session(dist.clone(), Page::App, zero, None, true).await?;
    let latency_50 = session(dist.clone(), Page::App, fifty, None, true).await?;
    let (slow_4g, _) = session(dist.clone(), Page::App, zero, Some(SLOW_4G), false).await?;
    let settings_prefetched = settings_session(dist.clone(), Prefetch::Done).await?;
    let settings_no_prefetch = settings_session(dist, Prefetch::Off).await?;
    let (react_slow_4g, _) =
        session(react.clone(), Page::React, zero, Some(SLOW_4G), false).await?;
    let react_latency_50 = session(react, Page::React, fifty, None, true).await?;
    let signed_in = |(first, callback): (browser::FirstLoad, Option<browser::Callback>)| {
        callback
            .map(|c| (first, c))
            .ok_or_else(|| "a session that signs in measured no callback".to_string())
    };
    Ok(Run {
        loopback: signed_in(loopback)?,
        latency_50: signed_in(latency_50)?,
        slow_4g,
        settings_prefetched,
        settings_no_prefetch,
        react_slow_4g,
        react_latency_50: signed_in(react_latency_50)?,
    })
}

async fn session(
    dist: Arc<Dist>,
    page: Page,
    sim_latency_ms: u64,
    throttle: Option<Throttle>,
    sign_in: bool,
) -> Result<(browser::FirstLoad, Option<browser::Callback>), String> {
    let world = World::start(dist, sim_latency_ms).await?;
    let result = async {
        let first = browser::first_load(&world, page, throttle).await?;
        let callback = if sign_in {
            Some(browser::sign_in(&world).await?)
        } else {
            None
        };
        Ok((first, callback))
    }
    .await;
    world.stop().await;
    result
}

/// Slow 4G: Home's first load, then the first click on Settings ([`browser::settings_after_click`]).
async fn settings_session(dist: Arc<Dist>, prefetch: Prefetch) -> Result<f64, String> {
    let world = World::start(dist, 0).await?;
    let result = async {
        if prefetch == Prefetch::Off {
            browser::cdp(
                &world.browser,
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": crate::NO_IDLE_TIME }),
            )
            .await?;
        }
        browser::first_load(&world, Page::App, Some(SLOW_4G)).await?;
        browser::settings_after_click(&world, prefetch).await
    }
    .await;
    world.stop().await;
    result
}

/// The machine: cores, CPU model, Chromium, load average.
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_string())
        });
    let chromium = std::process::Command::new("/usr/bin/chromium")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    json!({
        "nproc": std::thread::available_parallelism().map(|n| n.get()).ok(),
        "cpu": cpu,
        "chromium": chromium,
        "loadavg_before": loadavg(),
    })
}

/// The 1-minute load average of a `/proc/loadavg` line.
fn first_word(value: &Value) -> &str {
    value
        .as_str()
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or("?")
}

fn loadavg() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_eleven_metrics_in_bytes_and_milliseconds() {
        let m = metrics();
        let units: Vec<_> = m.iter().map(|m| m.unit).collect();
        assert_eq!(
            units,
            ["B", "B", "ms", "ms", "ms", "ms", "ms", "ms", "B", "ms", "ms"]
        );
        let mut ids: Vec<_> = m.iter().map(|m| m.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 11);
    }

    #[test]
    fn the_ratio_is_the_app_s_median_over_the_react_page_s_on_slow_4g() {
        let mut m = metrics();
        let set = |m: &mut [Metric], id: &str, samples: &[f64]| {
            m.iter_mut().find(|x| x.id == id).unwrap().samples = samples.to_vec();
        };
        assert_eq!(connect_ratio(&m), None);
        set(
            &mut m,
            "connect_visible_slow_4g_ms",
            &[1300.0, 1200.0, 100.0],
        );
        assert_eq!(connect_ratio(&m), None);
        // Loopback figures are not the ratio's.
        set(&mut m, "connect_visible_loopback_ms", &[1.0, 1.0, 1.0]);
        set(
            &mut m,
            "react_connect_visible_slow_4g_ms",
            &[800.0, 1.0, 900.0],
        );
        assert_eq!(connect_ratio(&m), Some(1.5));
        assert_eq!(
            ratio_line(Some(1.5)),
            "Connect on slow 4G, app / React page (median over median): 1.50x (issue 20's goal: at most 1.20x)"
        );
        assert!(ratio_line(None).contains("no ratio"));
    }
}
