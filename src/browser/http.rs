//! fetch, as the protocol needs it: form posts and bearer GETs, each answer kept whole
//! (status, content type, body, duration) so `crate::oauth` can judge it and the timeline can
//! show it. No cookies, no cache, no Referer.
use gloo_net::http::{Request, RequestBuilder};
use web_sys::{ReferrerPolicy, RequestCache, RequestCredentials};

use crate::browser::clock;
use crate::oauth::form::FormBody;
use crate::oauth::Error;

/// One HTTP answer, unjudged.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    pub duration_ms: f64,
}

/// The request headers a form post sends (shown in the timeline as sent).
pub const FORM_HEADERS: &[(&str, &str)] = &[
    ("Content-Type", "application/x-www-form-urlencoded"),
    ("Accept", "application/json"),
];

fn prepared(builder: RequestBuilder) -> RequestBuilder {
    builder
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .referrer_policy(ReferrerPolicy::NoReferrer)
}

/// POSTs a form-urlencoded body with `Accept: application/json`.
pub async fn post_form(url: &str, form: &FormBody) -> Result<Answer, Error> {
    let mut builder = prepared(Request::post(url));
    for (name, value) in FORM_HEADERS {
        builder = builder.header(name, value);
    }
    let request = builder.body(form.encode()).map_err(|e| Error::Network(e.to_string()))?;
    send(url, request).await
}

/// GETs a JSON resource with `Authorization: Bearer <token>`.
pub async fn get_bearer(url: &str, access_token: &str) -> Result<Answer, Error> {
    let request = prepared(Request::get(url))
        .header("Authorization", &format!("Bearer {access_token}"))
        .header("Accept", "application/json")
        .build()
        .map_err(|e| Error::Network(e.to_string()))?;
    send(url, request).await
}

async fn send(url: &str, request: gloo_net::http::Request) -> Result<Answer, Error> {
    let started = clock::monotonic_ms();
    let response = request.send().await.map_err(|_| {
        // fetch hides the reason (CORS, DNS, offline) from scripts on purpose.
        Error::Network(format!(
            "could not reach {url}: the server is down, the address is wrong, or it does not allow this origin (CORS)"
        ))
    })?;
    let status = response.status();
    let content_type = response.headers().get("content-type");
    let body = response.text().await.map_err(|e| Error::Network(format!("reading the answer of {url} failed: {e}")))?;
    Ok(Answer { status, content_type, body, duration_ms: clock::monotonic_ms() - started })
}
