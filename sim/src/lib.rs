//! ilert-sim: a local server that behaves like iLert's OAuth2 API, strictly, so the
//! ilert-pkce app can be tried offline and its tests run the real flow.
//!
//! The behaviour is [`ilert_sim_core`]'s (endpoints, `/_sim/` hooks, fault rules); this crate
//! is its HTTP host: it turns requests into the core's, passes the time, and carries out
//! what the core decides (waits, hangs, connection resets).

pub mod cli;
pub mod net;

use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

pub use ilert_sim_core::{
    delayed, masked, rfc3339, AccessClaims, Client, ClientSecret, FaultRule, Keys, RefreshClaims,
    Sim, SimConfig, Step, DEMO_PUBLIC_KEY_PEM, FIRST_APP_ID, HANG_LIMIT_MS, HOOK_HEADER,
};
use net::Conn;

/// Request bodies are read whole, up to axum's own default limit.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// What every request shares.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<SimConfig>,
    /// One line per request on stderr (the command line's default; tests stay quiet).
    log_requests: bool,
    sim: Arc<Mutex<Sim>>,
    /// The core's hang epoch, and whether the server shuts down: any change ends the hangs.
    released: Arc<watch::Sender<(u64, bool)>>,
}

impl AppState {
    /// Panics if a preset fault rule of `config.faults` does not check.
    pub fn new(config: SimConfig) -> Self {
        let sim = Sim::new(config.clone(), Box::new(ilert_sim_core::OsEntropy));
        AppState {
            config: Arc::new(config),
            log_requests: false,
            released: Arc::new(watch::Sender::new((sim.hang_epoch(), false))),
            sim: Arc::new(Mutex::new(sim)),
        }
    }

    /// The simulator; a panic in one request must not wedge the others, so poison is ignored.
    pub fn sim(&self) -> MutexGuard<'_, Sim> {
        self.sim.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ends every hanging request now (at shutdown).
    pub fn release_hangs(&self) {
        self.released.send_modify(|r| r.1 = true);
    }

    /// One step of the core, under its lock; a `hang` subscribes to the release signal
    /// before the lock is let go, so no `DELETE /_sim/faults` is missed in between.
    fn step(
        &self,
        run: impl FnOnce(&mut Sim) -> Step,
    ) -> (Step, Option<watch::Receiver<(u64, bool)>>) {
        let mut sim = self.sim();
        let step = run(&mut sim);
        let epoch = sim.hang_epoch();
        self.released.send_if_modified(|r| {
            let changed = r.0 != epoch;
            r.0 = epoch;
            changed
        });
        let hang = matches!(step, Step::Hang).then(|| self.released.subscribe());
        (step, hang)
    }
}

/// The whole simulator as a router. Served other than by [`serve`], [`serve_until`] or
/// [`spawn`], its `reset` fault cannot break connections and answers 500 instead.
pub fn app(config: SimConfig) -> Router {
    router(AppState::new(config))
}

fn router(state: AppState) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// Wall-clock milliseconds since the epoch: the core's only clock.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Every request whose `Host` names loopback: to the core, and its decisions carried out. One line per request on
/// stderr unless quiet: method, path (never the query: it may hold a code or state; tokens
/// only ever travel in bodies and headers), status and time taken.
async fn handle(State(app): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let conn = request
        .extensions()
        .get::<ConnectInfo<Conn>>()
        .map(|c| c.0.clone());
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let (response, shown) = match core_request(request).await {
        // DNS rebinding: a page of another name that resolves here is refused before the core.
        Ok(req) => match ilert_sim_core::host_refusal(&req) {
            Some(refused) => (to_axum(refused), "421 (Host not loopback)".into()),
            None => run(&app, req, conn).await,
        },
        Err(response) => {
            let status = response.status().as_u16().to_string();
            (response, status)
        }
    };
    if app.log_requests {
        let ms = started.elapsed().as_millis();
        eprintln!("{method} {path} {shown} {ms}ms");
    }
    response
}

/// The request as the core takes it; header values that are not UTF-8 are passed lossily.
async fn core_request(request: Request) -> Result<ilert_sim_core::Request, Response> {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|e| {
        let message = format!("Failed to buffer the request body: {e}");
        (StatusCode::PAYLOAD_TOO_LARGE, message).into_response()
    })?;
    Ok(ilert_sim_core::Request {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_string(), value)
            })
            .collect(),
        body: body.to_vec(),
    })
}

/// Drives the core through its waits; gives the answer and how the log shows it.
async fn run(
    app: &AppState,
    req: ilert_sim_core::Request,
    conn: Option<Conn>,
) -> (Response, String) {
    let (mut step, mut hang) = app.step(|sim| sim.handle(req, now_ms()));
    loop {
        match step {
            Step::Wait { ms, then } => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                (step, hang) = app.step(|sim| sim.resume(then, now_ms()));
            }
            Step::Answer(answer) => {
                let shown = match answer.fault {
                    Some(kind) => format!("{} ({kind} fault)", answer.status),
                    None => answer.status.to_string(),
                };
                return (to_axum(answer), shown);
            }
            Step::Hang => {
                if let Some(released) = hang.take() {
                    held(released).await;
                }
                return (reset(conn), "hang (fault)".into());
            }
            Step::Reset => return (reset(conn), "reset (fault)".into()),
        }
    }
}

fn to_axum(answer: ilert_sim_core::Response) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = response.headers_mut();
    for (name, value) in &answer.headers {
        // The core checks fault rules' headers; anything else it makes is valid.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            h.append(n, v);
        }
    }
    response
}

/// A `hang`: until the rules are cleared, the server shuts down, or the limit.
async fn held(mut released: watch::Receiver<(u64, bool)>) {
    let limit = Duration::from_millis(ilert_sim_core::HANG_LIMIT_MS);
    tokio::select! {
        () = tokio::time::sleep(limit) => {}
        _ = released.changed() => {}
    }
}

/// Aborts the request's connection: nothing of the returned answer is sent.
fn reset(conn: Option<Conn>) -> Response {
    match conn {
        Some(conn) => {
            conn.abort();
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "ilert-sim: a reset fault needs the server of ilert_sim::serve or ilert_sim::spawn",
        )
            .into_response(),
    }
}

/// Serves the simulator, quiet, on an already bound listener until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, config: SimConfig) -> std::io::Result<()> {
    serve_until(listener, config, false, std::future::pending()).await
}

/// Serves the simulator on an already bound listener until `shutdown` completes, then ends
/// every hanging request (fault `hang`) and returns once the open requests are answered.
/// `log_requests`: one line per request on stderr.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    config: SimConfig,
    log_requests: bool,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut state = AppState::new(config);
    state.log_requests = log_requests;
    let release = state.clone();
    let service = router(state).into_make_service_with_connect_info::<Conn>();
    axum::serve(net::SimListener(listener), service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            release.release_hangs();
        })
        .await
}

/// Binds a free port of 127.0.0.1 and serves there in the background, quiet; for tests that
/// start the simulator in-process. Panics if no port can be bound.
pub async fn spawn(config: SimConfig) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap_or_else(|e| panic!("ilert-sim cannot bind 127.0.0.1: {e}"));
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let handle = tokio::spawn(async move {
        if let Err(e) = serve(listener, config).await {
            eprintln!("ilert-sim stopped: {e}");
        }
    });
    (addr, handle)
}
