//! The two halves of the authorization code flow as the browser runs them:
//! `connect`/`start` (Connect → iLert's authorize page, or the built-in simulator's) and
//! `finish` (the `/webapp` callback → tokens).
use crate::browser::storage::{self, Area};
use leptos::prelude::{RwSignal, WithUntracked};

use super::driver::PENDING_KEY;
use super::Session;
use crate::browser::{clock, history, http, random, sim_worker};
use crate::config::{InForce, Server};
use crate::error::Error;
use crate::oauth::authorize::{self, AuthorizeRequest};
use crate::oauth::callback::{self, Callback};
use crate::oauth::pending::{PendingAttempt, PendingStore, StateError};
use crate::oauth::request;
use crate::oauth::{self, pkce, token};
use crate::playground::explain;
use crate::playground::timeline::{self, Field, Step};
use crate::route::Page;

/// Runs `f` on this tab's pending attempts and stores the result; Err when sessionStorage
/// refuses to keep it (private browsing, full storage).
fn with_pending<T>(f: impl FnOnce(&mut PendingStore) -> T) -> Result<T, Error> {
    let stored = storage::read(Area::Session, PENDING_KEY);
    let mut store = PendingStore::from_json(stored.as_deref());
    let out = f(&mut store);
    if store.attempts.is_empty() {
        storage::remove(Area::Session, PENDING_KEY);
    } else if !storage::write(Area::Session, PENDING_KEY, &store.to_json()) {
        return Err(Error::Storage(
            "This tab cannot keep the sign-in: its sessionStorage refused to store the code verifier \
             (private browsing, or the storage is full or switched off). Nothing was sent to iLert. \
             Allow site data for this page, or use a normal window, then press Connect again."
                .into(),
        ));
    }
    Ok(out)
}

/// Connect, as the button does it: with the built-in simulator, its worker must control the
/// page first, or the navigation to the authorize page reaches the web server (a 404 or the
/// SPA fallback); with iLert, a worker left from an earlier try is removed, with its data.
/// Takes the settings' configuration in force as it is (a signal: not copied).
pub async fn connect(in_force: RwSignal<InForce>) -> Result<(), Error> {
    if in_force.with_untracked(InForce::server) == Server::BuiltIn {
        sim_worker::enable();
        sim_worker::ready().await?;
    } else {
        sim_worker::remove().await;
    }
    in_force.with_untracked(start)
}

/// Makes a fresh verifier, challenge and state, remembers them for this tab, and sends the
/// browser to the authorize endpoint of the configuration in force, as resolved when the
/// settings last changed (its endpoints are pinned for the sign-in).
pub fn start(in_force: &InForce) -> Result<(), Error> {
    in_force.checked()?;
    let authorize_url = in_force.authorize_url.as_ref().map_err(Error::clone)?;
    let config = &in_force.config;
    let verifier = pkce::verifier_from_bytes(&random::bytes::<{ pkce::VERIFIER_BYTES }>());
    let challenge = pkce::challenge_s256(verifier.expose());
    let state = pkce::state_from_bytes(&random::bytes::<32>());
    let now = clock::now_ms();

    let request = AuthorizeRequest {
        authorize_url,
        client_id: &config.client_id,
        redirect_uri: &config.redirect_uri,
        scopes: &config.scopes,
        state: &state,
        code_challenge: &challenge,
    };
    let url = authorize::authorize_url(&request);

    let endpoints = in_force.endpoints.clone();
    // First the verifier must be safe in this tab: without it the callback cannot finish.
    with_pending(|store| {
        store.insert(
            PendingAttempt {
                state: state.clone(),
                verifier: verifier.clone(),
                challenge: challenge.clone(),
                redirect_uri: config.redirect_uri.clone(),
                endpoints,
                issuer: in_force.issuer.clone(),
                created_at_ms: now,
            },
            now,
        )
    })?;

    timeline::clear();
    timeline::note(
        Step::Pkce,
        "Verifier and S256 challenge created",
        vec![
            Field::secret("code_verifier", &verifier)
                .note("32 random bytes from crypto.getRandomValues, base64url: stays in this tab until the token request"),
            Field::new("code_challenge", challenge.clone(), false)
                .note("base64url(SHA-256(code_verifier)): the only part iLert sees now"),
            Field::new(
                "check",
                if pkce::verify_challenge(verifier.expose(), &challenge) { "base64url(SHA-256(verifier)) = challenge ✓" } else { "mismatch ✗" },
                false,
            ),
        ],
    );
    timeline::note(
        Step::Authorize,
        "Authorize request (browser navigation)",
        std::iter::once(Field::new("URL", url.clone(), false))
            .chain(
                authorize::params(&request)
                    .into_iter()
                    .map(|(name, value)| {
                        Field::new(name, value, false).note(explain::explain_param(name))
                    }),
            )
            .collect(),
    );

    history::go_to(&url).map_err(Error::Navigation)
}

/// The callback: reads the query and erases it from the address bar, takes the pending
/// attempt for its state out of storage before anything is awaited (so a second run of the
/// page finds nothing), then exchanges the code once. Tokens go to the session.
pub async fn finish(session: Session) -> Result<(), Error> {
    let result = exchange(session).await;
    // Failures of the token request are filed on its own timeline entry by the pipeline.
    if let Err(
        err @ (Error::Protocol(
            oauth::Error::Callback(_) | oauth::Error::State(_) | oauth::Error::Authorization { .. },
        )
        | Error::Storage(_)),
    ) = &result
    {
        timeline::error(Step::Callback, err);
    }
    if result.is_err() {
        // The sign-in is over: its code, verifier and whatever a refused answer carried
        // (a token in a form-encoded body, say) stay only as masks.
        timeline::end_session();
    }
    result
}

async fn exchange(session: Session) -> Result<(), Error> {
    session.mark_callback_start();
    let query = history::query();
    // Before anything else: the code must not stay in the address bar or the history.
    history::replace_url(&history::path_of(Page::Callback));
    let now = clock::now_ms();
    let parsed = callback::parse_callback(&query);

    let (code, state, iss) = match parsed {
        Ok(Callback::Code { code, state, iss }) => (code, state, iss),
        Ok(Callback::Error {
            error,
            description,
            state,
        }) => {
            // The attempt is over either way: take it out. Only an answer to a sign-in of this
            // tab is shown as iLert's words; anyone can craft a link with `error_description`.
            // `take` prunes the other stale attempts itself, after telling an expired one apart.
            let taken = with_pending(|store| match &state {
                Some(state) => store.take(state, now),
                None => {
                    store.prune(now);
                    Err(StateError::Missing)
                }
            })?;
            timeline::note(
                Step::Callback,
                "Callback with an error",
                vec![
                    Field::new("error", error.clone(), false),
                    Field::new(
                        "error_description",
                        description.clone().unwrap_or_default(),
                        false,
                    ),
                    Field::new("state", state.unwrap_or_default(), false).note(match &taken {
                        Ok(_) => "matches the attempt started in this tab ✓",
                        Err(_) => {
                            "refused: no sign-in started in this tab is waiting for this state"
                        }
                    }),
                ],
            );
            taken?;
            return Err(oauth::Error::Authorization { error, description }.into());
        }
        Err(e) => {
            with_pending(|store| store.prune(now))?;
            return Err(e.into());
        }
    };
    let taken = with_pending(|store| store.take(&state, now))?;
    timeline::note(
        Step::Callback,
        "Callback received",
        vec![
            Field::secret("code", &code).note("single use, valid for 2 minutes"),
            Field::new("state", state.clone(), false).note(match &taken {
                Ok(_) => "matches the attempt started in this tab ✓".to_string(),
                Err(_) => {
                    "refused: no sign-in started in this tab is waiting for this state".to_string()
                }
            }),
        ],
    );
    let attempt = taken?;
    callback::check_issuer(attempt.issuer.as_deref(), iss.as_deref())?;

    let sent = request::code_exchange(
        &attempt.endpoints,
        &code,
        &attempt.verifier,
        &attempt.redirect_uri,
    );
    let tokens = http::send(&sent)
        .await
        .judge(token::parse_token_response)
        .result?;
    session.begin(tokens, attempt.endpoints);
    Ok(())
}
