//! From a request to a [`Step`]: `--latency-ms`, CORS preflights, the fault rules, then the
//! endpoint; in the order the axum-only simulator's layers had.

use crate::faults::{self, Endpoint, FaultAction, FaultRule, GrantType, Respond};
use crate::http::{Request, Response};
use crate::params::Params;
use crate::{api, authorize, cors, guard, hooks, pages, rest, token, Sim};

/// What the host does next with a request. Only the host can wait or close a connection.
#[derive(Debug)]
pub enum Step {
    /// Send this answer.
    Answer(Response),
    /// Wait `ms` milliseconds, then pass `then` to [`Sim::resume`].
    Wait { ms: u64, then: Resume },
    /// Never answer: hold the request until [`Sim::hang_epoch`] changes, the host shuts down
    /// or [`faults::HANG_LIMIT_MS`] passes, then close the connection without an answer.
    Hang,
    /// Close the connection without an answer (a TCP reset natively, a network error in a
    /// browser).
    Reset,
}

/// A request waiting to go on (see [`Step::Wait`]).
#[derive(Debug)]
pub struct Resume(Stage);

#[derive(Debug)]
enum Stage {
    /// `--latency-ms` has passed.
    Arrived(Request),
    /// A fault rule's `delay_ms` has passed.
    Delayed(Request, FaultRule),
}

/// Whether `--latency-ms` slows requests to `path`: those of the endpoints an app calls with
/// fetch (token, token_info, revoke, the REST API), CORS preflights included; not the
/// authorize page a person sees, nor the `/_sim/` hooks.
pub fn delayed(path: &str) -> bool {
    path.starts_with("/api/") && path != "/api/developers/oauth2/authorize"
}

pub(crate) fn handle(sim: &mut Sim, mut req: Request, now: u64) -> Step {
    match unmount(&sim.config.mount, &req.path) {
        Some(path) => req.path = path,
        None => return Step::Answer(Response::new(404)),
    }
    // What expired leaves before anything else, so no snapshot keeps it.
    sim.store.prune(now);
    let latency = sim.config.latency_ms;
    if latency > 0 && delayed(&req.path) {
        return Step::Wait {
            ms: latency,
            then: Resume(Stage::Arrived(req)),
        };
    }
    arrived(sim, req, now)
}

/// `path` as seen from the simulator's mount point `mount` (see [`crate::SimConfig::mount`]):
/// `/_sim/api/x` under `/_sim` is `/api/x`, `/_sim` itself is `/`; `None` outside it.
pub(crate) fn unmount(mount: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(mount)?;
    if rest.is_empty() {
        Some("/".to_string())
    } else if rest.starts_with('/') {
        Some(rest.to_string())
    } else {
        None
    }
}

pub(crate) fn resume(sim: &mut Sim, next: Resume, now: u64) -> Step {
    match next.0 {
        Stage::Arrived(req) => arrived(sim, req, now),
        Stage::Delayed(req, rule) => apply(sim, req, &rule, now),
    }
}

/// CORS answers preflights before anything else; then the fault rules get their turn.
fn arrived(sim: &mut Sim, req: Request, now: u64) -> Step {
    if req.method == "OPTIONS" {
        return Step::Answer(cors::preflight(&sim.config, &req));
    }
    let Some(endpoint) = Endpoint::of(&req.method, &req.path) else {
        return Step::Answer(endpoint_answer(sim, &req, now));
    };
    let params = if endpoint.logged() {
        Params::parse(&req.body)
    } else {
        Params::default()
    };
    let grant = match endpoint {
        Endpoint::Token => params
            .get("grant_type")
            .ok()
            .flatten()
            .and_then(GrantType::from_param),
        _ => None,
    };
    let stats = &mut sim.store.stats;
    *stats.received.get_mut(endpoint) += 1;
    if let Some(g) = grant {
        *stats.received_by_grant.get_mut(g) += 1;
    }
    let Some(rule) = sim.faults.take(endpoint, &req.method, grant) else {
        return Step::Answer(endpoint_answer(sim, &req, now));
    };
    *sim.store.stats.faulted.get_mut(endpoint) += 1;
    if endpoint.logged() {
        log_faulted(sim, endpoint, &req, &params, &rule, now);
    }
    if rule.delay_ms > 0 {
        return Step::Wait {
            ms: rule.delay_ms,
            then: Resume(Stage::Delayed(req, rule)),
        };
    }
    apply(sim, req, &rule, now)
}

/// A token, token_info or revoke request the endpoint will not see is logged as it would
/// have logged it.
fn log_faulted(
    sim: &mut Sim,
    endpoint: Endpoint,
    req: &Request,
    params: &Params,
    rule: &FaultRule,
    now: u64,
) {
    let status = match &rule.action {
        FaultAction::Respond(r) => Some(r.status),
        FaultAction::Hang(_) | FaultAction::Reset(_) => None,
        _ => return,
    };
    let code = match &rule.action {
        FaultAction::Respond(Respond {
            body: Some(serde_json::Value::Object(o)),
            ..
        }) => o.get("code").and_then(serde_json::Value::as_str),
        _ => None,
    };
    let mut entry = token::log_entry(&sim.config, endpoint.name(), req, params, status, code, now);
    entry["fault"] = rule.action.kind().into();
    sim.store.log_request(endpoint.name(), entry);
}

fn apply(sim: &mut Sim, req: Request, rule: &FaultRule, now: u64) -> Step {
    let kind = rule.action.kind();
    let mut response = match &rule.action {
        FaultAction::Hang(_) => return Step::Hang,
        FaultAction::Reset(_) => return Step::Reset,
        FaultAction::Pass(_) => endpoint_answer(sim, &req, now),
        FaultAction::Tamper(t) => {
            let answer = dispatch(sim, &req, now);
            let mut r = faults::tamper(t, answer);
            faults::harden(&mut r);
            cors::finish(&sim.config, &req, &mut r, &[]);
            r
        }
        FaultAction::Respond(r) => {
            let (mut answer, exposed) = faults::respond(r);
            faults::harden(&mut answer);
            cors::finish(&sim.config, &req, &mut answer, &exposed);
            answer
        }
    };
    response.fault = Some(kind);
    Step::Answer(response)
}

/// The endpoint's answer with the CORS headers.
fn endpoint_answer(sim: &mut Sim, req: &Request, now: u64) -> Response {
    let mut r = dispatch(sim, req, now);
    cors::finish(&sim.config, req, &mut r, &[]);
    if req.method == "HEAD" {
        r.body.clear();
    }
    r
}

/// A state-changing hook runs only for a request that passes [`guard::hook_refusal`].
fn guarded(req: &Request, run: impl FnOnce() -> Response) -> Response {
    guard::hook_refusal(req).unwrap_or_else(run)
}

/// The routes, as axum had them: a known path with a method it does not answer gets 405.
fn dispatch(sim: &mut Sim, req: &Request, now: u64) -> Response {
    const GET: &[&str] = &["GET", "HEAD"];
    const POST: &[&str] = &["POST"];
    let m = req.method.as_str();
    let get = GET.contains(&m);
    let post = m == "POST";
    let (allowed, answer): (&[&str], Option<Response>) = match req.path.as_str() {
        "/" => (
            GET,
            get.then(|| pages::index_page(&sim.config.clients, &sim.config.mount)),
        ),
        "/api/developers/oauth2/authorize" => (
            &["GET", "HEAD", "POST"],
            if get {
                Some(authorize::authorize_get(sim, req, now))
            } else if post {
                Some(authorize::authorize_post(sim, req, now))
            } else {
                None
            },
        ),
        "/api/developers/oauth2/token" => (POST, post.then(|| token::token(sim, req, now))),
        "/api/developers/oauth2/token_info" => {
            (POST, post.then(|| token::token_info(sim, req, now)))
        }
        "/api/developers/oauth2/revoke" => (POST, post.then(|| token::revoke(sim, req, now))),
        "/api/users/current" => (GET, get.then(|| api::current_user(sim, req, now))),
        // Public, like iLert's: what a client may call, and with which scope.
        "/api-docs/openapi.json" => (
            GET,
            get.then(|| Response::json(200, &rest::openapi::document(&sim.config.mount))),
        ),
        "/_sim/stats" => (GET, get.then(|| hooks::stats(sim))),
        "/_sim/requests" => (GET, get.then(|| hooks::requests(sim, req))),
        "/_sim/config" => (
            &["GET", "HEAD", "POST"],
            match m {
                "GET" | "HEAD" => Some(hooks::config(sim)),
                "POST" => Some(guarded(req, || hooks::config_set(sim, req))),
                _ => None,
            },
        ),
        "/_sim/reset" => (POST, post.then(|| guarded(req, || hooks::reset(sim)))),
        "/_sim/revoke_refresh_tokens" => (
            POST,
            post.then(|| guarded(req, || hooks::revoke_refresh_tokens(sim))),
        ),
        "/_sim/revoke_access_tokens" => (
            POST,
            post.then(|| guarded(req, || hooks::revoke_access_tokens(sim))),
        ),
        "/_sim/clients" => (
            &["GET", "HEAD", "POST"],
            match m {
                "GET" | "HEAD" => Some(hooks::clients_list(sim)),
                "POST" => Some(guarded(req, || hooks::clients_add(sim, req))),
                _ => None,
            },
        ),
        "/_sim/faults" => (
            &["GET", "HEAD", "POST", "DELETE"],
            match m {
                "GET" | "HEAD" => Some(hooks::faults_list(sim)),
                "POST" => Some(guarded(req, || hooks::faults_add(sim, req))),
                "DELETE" => Some(guarded(req, || hooks::faults_clear(sim))),
                _ => None,
            },
        ),
        p if rest::serves(p) => (&[], Some(rest::handle(sim, req, now))),
        p if p.starts_with("/api/") && p.len() > "/api/".len() => (&[], Some(api::not_found())),
        _ => (&[], Some(Response::new(404))),
    };
    answer.unwrap_or_else(|| {
        let mut r = Response::new(405);
        r.set_header("allow", &allowed.join(","));
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmount_strips_the_prefix_at_a_segment_boundary() {
        assert_eq!(unmount("", "/api/x").as_deref(), Some("/api/x"));
        assert_eq!(unmount("/_sim", "/_sim/api/x").as_deref(), Some("/api/x"));
        assert_eq!(unmount("/_sim", "/_sim").as_deref(), Some("/"));
        assert_eq!(unmount("/_sim", "/_simx"), None);
        assert_eq!(unmount("/_sim", "/api/x"), None);
    }
}
