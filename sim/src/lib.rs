//! ilert-sim: a local server that behaves like iLert's OAuth2 API, strictly, so the
//! ilert-pkce app can be tried offline and its tests run the real flow.
//!
//! Endpoints (as on iLert):
//! - `GET  /api/developers/oauth2/authorize`: validation, then a consent page with demo users
//! - `POST /api/developers/oauth2/authorize`: the consent form's answer (code or access_denied)
//! - `POST /api/developers/oauth2/token`: `authorization_code` (PKCE S256) and `refresh_token`
//! - `POST /api/developers/oauth2/token_info`, `POST /api/developers/oauth2/revoke`
//! - `GET  /api/users/current`
//!
//! Simulator-only test hooks live under `/_sim/` (see [`hooks`]), fault injection among them
//! (see [`faults`]).

pub mod api;
pub mod authorize;
pub mod config;
pub mod cors;
pub mod errors;
pub mod faults;
pub mod hooks;
pub mod jwt;
pub mod pages;
pub mod params;
pub mod pkce;
pub mod random;
pub mod scopes;
pub mod store;
pub mod token;
pub mod users;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub use config::{ArgsError, Client, SimConfig, USAGE};
pub use jwt::DEMO_PUBLIC_KEY_PEM;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<SimConfig>,
    pub keys: Arc<jwt::Keys>,
    /// The fault rules in force (`/_sim/faults`).
    pub faults: Arc<faults::Faults>,
    store: Arc<Mutex<store::Store>>,
}

impl AppState {
    /// Panics if a preset fault rule of `config.faults` does not check.
    pub fn new(config: SimConfig) -> Self {
        AppState {
            faults: Arc::new(faults::Faults::new(&config.faults)),
            config: Arc::new(config),
            keys: Arc::new(jwt::Keys::new()),
            store: Arc::new(Mutex::new(store::Store::default())),
        }
    }

    /// The store; a panic in one handler must not wedge the others, so poison is ignored.
    pub fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The whole simulator as a router. Served other than by [`serve`], [`serve_until`] or
/// [`spawn`], its `reset` fault cannot break connections and answers 500 instead.
pub fn app(config: SimConfig) -> Router {
    router(AppState::new(config))
}

/// The layers, outermost first: the stderr log; `--latency-ms` (the API endpoints only, see
/// [`delayed`], preflights included); the CORS headers' complement for fault answers; CORS,
/// which answers preflights itself; the fault rules; the endpoints.
fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route(
            "/api/developers/oauth2/authorize",
            get(authorize::authorize_get).post(authorize::authorize_post),
        )
        .route("/api/developers/oauth2/token", post(token::token))
        .route("/api/developers/oauth2/token_info", post(token::token_info))
        .route("/api/developers/oauth2/revoke", post(token::revoke))
        .route("/api/users/current", get(api::current_user))
        .route("/api/{*rest}", any(api::not_found))
        .route("/_sim/stats", get(hooks::stats))
        .route("/_sim/requests", get(hooks::requests))
        .route("/_sim/config", get(hooks::config))
        .route("/_sim/reset", post(hooks::reset))
        .route(
            "/_sim/revoke_refresh_tokens",
            post(hooks::revoke_refresh_tokens),
        )
        .route(
            "/_sim/revoke_access_tokens",
            post(hooks::revoke_access_tokens),
        )
        .route(
            "/_sim/faults",
            get(hooks::faults_list)
                .post(hooks::faults_add)
                .delete(hooks::faults_clear),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::middleware,
        ))
        .layer(cors::layer(&state.config))
        .layer(middleware::from_fn(faults::expose))
        .layer(middleware::from_fn_with_state(state.clone(), latency))
        .layer(middleware::from_fn_with_state(state.clone(), log))
        .with_state(state)
}

/// Whether `--latency-ms` slows requests to `path`: those of the endpoints an app calls with
/// fetch (token, token_info, revoke, the REST API), CORS preflights included; not the
/// authorize page a person sees, nor the `/_sim/` hooks.
pub fn delayed(path: &str) -> bool {
    path.starts_with("/api/") && path != "/api/developers/oauth2/authorize"
}

async fn index(State(app): State<AppState>) -> Response {
    pages::index_page(&app.config.clients)
}

async fn latency(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if app.config.latency_ms > 0 && delayed(request.uri().path()) {
        tokio::time::sleep(Duration::from_millis(app.config.latency_ms)).await;
    }
    next.run(request).await
}

/// One line per request on stderr: method, path (never the query: it may hold a code or
/// state; tokens only ever travel in bodies and headers), status and time taken.
async fn log(State(app): State<AppState>, request: Request, next: Next) -> Response {
    if app.config.quiet {
        return next.run(request).await;
    }
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    let answer = match response.extensions().get::<faults::Applied>() {
        // Nothing was sent: no status to show.
        Some(faults::Applied(kind @ ("hang" | "reset"))) => format!("{kind} (fault)"),
        Some(faults::Applied(kind)) => format!("{} ({kind} fault)", response.status().as_u16()),
        None => response.status().as_u16().to_string(),
    };
    eprintln!(
        "{method} {path} {answer} {}ms",
        started.elapsed().as_millis()
    );
    response
}

/// Serves the simulator on an already bound listener until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, config: SimConfig) -> std::io::Result<()> {
    serve_until(listener, config, std::future::pending()).await
}

/// Serves the simulator on an already bound listener until `shutdown` completes, then ends
/// every hanging request (fault `hang`) and returns once the open requests are answered.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    config: SimConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = AppState::new(config);
    let faults = state.faults.clone();
    let service = router(state).into_make_service_with_connect_info::<faults::Conn>();
    axum::serve(faults::SimListener(listener), service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            faults.release_hangs();
        })
        .await
}

/// Binds 127.0.0.1:`config.port` (0 = a free port) and serves in the background; for tests
/// that start the simulator in-process. Panics if the port cannot be bound.
pub async fn spawn(config: SimConfig) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
        .await
        .unwrap_or_else(|e| panic!("ilert-sim cannot bind 127.0.0.1:{}: {e}", config.port));
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
