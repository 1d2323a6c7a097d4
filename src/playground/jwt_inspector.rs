//! The JWT inspector: header and claims of the access and refresh tokens, iLert's claims
//! explained. Decoding only: see the note in the view for why that is fine here. A token that
//! is no JWT (opaque, as many standards servers issue them) is shown as such, not as an error.
use leptos::prelude::*;

use crate::components::countdown::{format_left, ticking_now};
use crate::components::{dynamic, text, OrNothing};
use crate::json::Value;
use crate::oauth::jwt::{self, DecodedJwt};
use crate::oauth::Secret as OauthSecret;
use crate::playground::explain;
use crate::session::Session;

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.compact(),
    }
}

/// `exp`/`iat` as a date in the person's locale and time zone.
fn date_of(secs: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs * 1000.0));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

#[component]
pub fn JwtInspector() -> impl IntoView {
    let session = expect_context::<Session>();
    let now = ticking_now();
    view! {
        <section class="card" aria-labelledby="jwt-h" data-testid="jwt-inspector">
            <h2 id="jwt-h">"JWT inspector"</h2>
            <p class="help" data-testid="jwt-note">
                "Decoded, not verified: this page does not check the signatures. It does not need to: it got the tokens \
                 straight from iLert's token endpoint (over TLS, in production) and never decides anything from their contents. iLert's \
                 API checks the signature of the access token (RS256) on every call, and only iLert can check the refresh \
                 token's (HS256, a secret key of iLert). Never trust a JWT's claims for access decisions without verifying it."
            </p>
            {dynamic(move || {
                let mut views = Vec::new();
                if let Some(t) = session.tokens.get() {
                    views.push(token_view("Access token", &t.access_token, now));
                    if let Some(token) = t.refresh_token {
                        views.push(token_view("Refresh token", &token, now));
                    }
                }
                views.into_any()
            })}
        </section>
    }
}

fn token_view(name: &'static str, token: &OauthSecret, now: ReadSignal<f64>) -> AnyView {
    let decoded: Result<DecodedJwt, _> = jwt::decode(token.expose());
    view! {
        <div class="jwt" data-testid=format!("jwt-{}", name.split(' ').next().unwrap_or(name).to_ascii_lowercase())>
            <h3>{name}</h3>
            {match decoded {
                // Opaque or encrypted: not a failure, the server chose a format only it reads.
                Err(err) if err.is_opaque() => view! { <p class="help" data-testid="jwt-opaque">{err.to_string()}</p> }.into_any(),
                Err(err) => view! { <p class="error-text" data-testid="jwt-error">{format!("This JWT cannot be decoded: {err}")}</p> }.into_any(),
                Ok(jwt) => {
                    let header = jwt.header.pretty();
                    let claims: Vec<(String, Value)> = jwt.claims.as_object().cloned().unwrap_or_default();
                    view! {
                        <h4>"Header"</h4>
                        <pre class="json">{header}</pre>
                        <h4>"Claims"</h4>
                        <div class="table-scroll"><table class="claims">
                            <thead><tr><th scope="col">"Claim"</th><th scope="col">"Value"</th><th scope="col">"Meaning"</th></tr></thead>
                            <tbody>
                            {claims.into_iter().map(|(claim, value)| {
                                let seconds = value.as_f64().filter(|_| claim == "exp" || claim == "iat");
                                let meaning = explain::explain_claim(&claim).unwrap_or("not documented by iLert");
                                view! {
                                    <tr data-claim=claim.clone()>
                                        <th scope="row"><code>{claim.clone()}</code></th>
                                        <td>
                                            <code>{value_text(&value)}</code>
                                            {seconds.map(|s| view! { <span class="help">{date_of(s)}</span> }.into_any()).or_nothing()}
                                            {(claim == "exp").then(|| seconds.map(|s| view! {
                                                <span class="help" data-testid="exp-left">{text(move || match format_left(s * 1000.0 - now.get()) {
                                                    left if left == "expired" => left,
                                                    left => format!("{left} left"),
                                                })}</span>
                                            }.into_any())).flatten().or_nothing()}
                                        </td>
                                        <td>{meaning}</td>
                                    </tr>
                                }.into_any()
                            }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any()
                }
            }}
        </div>
    }
    .into_any()
}
