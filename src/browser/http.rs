//! The one request pipeline. Every exchange with the server (code exchange, refresh,
//! token_info, revoke, users/current) goes through [`send`]: it records the request in the
//! timeline, sends it with fetch (no cookies, no cache, no Referer), abandons it after
//! [`TIMEOUT_MS`] (AbortController), files the answer or the failure on the same timeline
//! entry, and [`Sent::judge`] hands the answer to the step's judge (`crate::oauth`), whose verdict
//! is filed too. A request to the built-in simulator (under `<app root>_sim/`) first makes sure
//! its Service Worker controls the page, and its answer must come from that worker.
//!
//! Whatever a URL's source (settings, storage, a tab message), it is sent only to an origin
//! the deployer's config.json allows, or to this app's own built-in simulator; answers are
//! never followed when they redirect (a 307 would carry the form, code and verifier or a
//! refresh token, wherever it points), and a body above [`MAX_BODY_BYTES`] is refused unread.
use futures::future::{select, Either};
use gloo_net::http::{Request as Fetch, RequestBuilder};
use web_sys::{
    AbortController, ReferrerPolicy, RequestCache, RequestCredentials, RequestRedirect,
    ResponseType,
};

use crate::browser::gloo_error::error_text;
use crate::browser::{clock, config_file, history, sim_worker};
use crate::config;
use crate::error::Error;
use crate::oauth;
use crate::oauth::answer::{retry_after_ms, Answer};
use crate::oauth::request::{Method, Request, TIMEOUT_MS};
use crate::playground::timeline;

/// What came of a request: the judged result, and how long the server asked the client to
/// wait before the next try (`Retry-After`), if it did.
pub struct Outcome<T> {
    pub result: Result<T, Error>,
    pub retry_after_ms: Option<f64>,
}

/// How a step reads its answer: `crate::oauth`'s parsers (status, content type, body).
pub type Judge<T> = fn(u16, Option<&str>, &str) -> Result<T, oauth::Error>;

/// A request that was sent, with its answer (or why there is none), not judged yet.
pub struct Sent {
    entry: u32,
    answer: Result<Answer, Error>,
    retry_after_ms: Option<f64>,
}

/// Sends `request` (not generic: one copy of the pipeline serves every step); its answer is
/// then judged with [`Sent::judge`].
pub async fn send(request: &Request) -> Sent {
    let simulated =
        history::app_root().is_some_and(|root| config::is_simulator_url(&request.url, root));
    // Before anything: the start-up gate, and no request to a simulator that was removed.
    if let Err(err) = sim_worker::cleared(simulated).await {
        return Sent {
            entry: u32::MAX,
            answer: Err(err),
            retry_after_ms: None,
        };
    }
    let entry = timeline::request(request);
    let allowed = if simulated {
        Ok(())
    } else {
        let origins = config_file::allowed_origins().await;
        config::check_endpoint_url(&request.url, &origins).map_err(|why| {
            Error::Config(format!(
                "the request was not sent: {}",
                why.trim_end_matches('.')
            ))
        })
    };
    let mut answer = match allowed {
        Err(refused) => Err(refused),
        Ok(()) if simulated => match sim_worker::ready().await {
            Ok(()) => transport(request).await,
            Err(e) => Err(e),
        },
        Ok(()) => transport(request).await,
    };
    let mut retry_after = None;
    if let Ok(a) = &answer {
        timeline::answer(entry, a);
        retry_after = retry_after_ms(a.retry_after.as_deref(), clock::now_ms(), |date| {
            Some(js_sys::Date::parse(date)).filter(|t| !t.is_nan())
        });
        if simulated && !a.by_worker {
            // Say, the host's SPA fallback (index.html): "not JSON" would miss the point.
            answer = Err(Error::Simulator(format!(
                "The web server answered {} (HTTP {}): the built-in simulator did not answer, because its Service Worker does not control this page; reload the page.",
                request.url, a.status
            )));
        }
    }
    Sent {
        entry,
        answer,
        retry_after_ms: retry_after,
    }
}

impl Sent {
    /// Judges the answer with `judge` (the parser of its step) and files a refusal.
    pub fn judge<T>(self, judge: Judge<T>) -> Outcome<T> {
        let result = self
            .answer
            .and_then(|a| Ok(judge(a.status, a.content_type.as_deref(), &a.body)?));
        if let Err(err) = &result {
            timeline::failed(self.entry, err);
        }
        Outcome {
            result,
            retry_after_ms: self.retry_after_ms,
        }
    }
}

/// The largest answer body the app reads (256 KiB): iLert's answers here are a few KB, and
/// a larger one is refused before it is parsed, so no answer can stall the tab.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

fn too_large(url: &str, status: u16, len: u64) -> Error {
    Error::Protocol(oauth::Error::InvalidResponse {
        status,
        reason: format!(
            "the answer of {url} is {len} bytes, more than the {} KB this app reads; it was refused unread",
            MAX_BODY_BYTES / 1024
        ),
    })
}

/// fetch with a time limit; transport failures become [`Error::Network`] or [`Error::Timeout`].
async fn transport(request: &Request) -> Result<Answer, Error> {
    let url = request.url.as_str();
    let controller = AbortController::new().ok();
    let mut builder: RequestBuilder = match request.method {
        Method::Get => Fetch::get(url),
        Method::Post => Fetch::post(url),
    };
    builder = builder
        // Not "error": its rejection cannot be told from a network failure, and "manual"
        // follows nothing either (the answer is an empty "opaqueredirect").
        .redirect(RequestRedirect::Manual)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .referrer_policy(ReferrerPolicy::NoReferrer)
        .abort_signal(controller.as_ref().map(|c| c.signal()).as_ref());
    for header in request.headers() {
        builder = builder.header(header.name, header.as_sent());
    }
    let fetch = match &request.form {
        Some(form) => builder.body(form.encode()),
        None => builder.build(),
    }
    .map_err(|e| Error::Network(error_text(e)))?;

    let started = clock::monotonic_ms();
    let exchange = Box::pin(async move {
        let response = fetch.send().await.map_err(|_| {
            // fetch hides the reason (CORS, DNS, offline, a reset) from scripts on purpose.
            Error::Network(format!(
                "could not reach {url}: the server is down, the address is wrong, the connection was cut, or it does not allow this origin (CORS)"
            ))
        })?;
        if response.type_() == ResponseType::Opaqueredirect {
            return Err(Error::Redirected {
                url: url.to_string(),
            });
        }
        let status = response.status();
        let headers = response.headers();
        let declared = headers.get("content-length");
        if let Some(len) = declared
            .as_deref()
            .and_then(|l| l.trim().parse::<u64>().ok())
        {
            if len > MAX_BODY_BYTES as u64 {
                return Err(too_large(url, status, len));
            }
        }
        let (content_type, retry_after) = (headers.get("content-type"), headers.get("retry-after"));
        let by_worker = headers.get("x-ilert-sim").is_some();
        let body = response.text().await.map_err(|_| {
            Error::Network(format!(
                "the answer of {url} broke off before it was complete"
            ))
        })?;
        if body.len() > MAX_BODY_BYTES {
            return Err(too_large(url, status, body.len() as u64));
        }
        Ok(Answer {
            status,
            content_type,
            body,
            duration_ms: clock::monotonic_ms() - started,
            retry_after,
            by_worker,
        })
    });
    let limit = gloo_timers::future::TimeoutFuture::new(TIMEOUT_MS);
    match select(exchange, limit).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => {
            if let Some(controller) = controller {
                controller.abort();
            }
            Err(Error::Timeout {
                url: url.to_string(),
                after_ms: TIMEOUT_MS,
            })
        }
    }
}
