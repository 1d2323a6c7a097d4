//! The flow timeline: one entry per protocol step of this tab's session, with the real
//! requests and answers. It lives in sessionStorage so it survives the trip to iLert and a
//! reload, and is cleared on sign-out. Secret values are kept (the same tab already holds
//! them) and masked when shown.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::browser::{clock, http::Answer, storage};
use crate::oauth::form::FormBody;
use crate::oauth::Error;

const KEY: &str = "ilert-pkce.timeline";
/// Older entries are dropped past this many: a long-lived tab refreshes every hour.
const MAX_ENTRIES: usize = 60;

/// Which protocol step an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    Pkce,
    Authorize,
    Callback,
    TokenExchange,
    Profile,
    TokenInfo,
    Refresh,
    Revoke,
}

impl Step {
    pub fn label(self) -> &'static str {
        match self {
            Step::Pkce => "PKCE verifier and challenge",
            Step::Authorize => "Authorize request",
            Step::Callback => "Callback received",
            Step::TokenExchange => "Token request (code exchange)",
            Step::Profile => "Profile (GET /api/users/current)",
            Step::TokenInfo => "Token info",
            Step::Refresh => "Refresh",
            Step::Revoke => "Revoke",
        }
    }
}

/// A name/value line of an entry; `secret` values are masked until revealed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub secret: bool,
    /// A line of explanation, for the playground.
    pub note: Option<String>,
}

impl Field {
    pub fn new(name: impl Into<String>, value: impl Into<String>, secret: bool) -> Self {
        Field { name: name.into(), value: value.into(), secret, note: None }
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// An HTTP request as it was sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<Field>,
    pub form: Vec<Field>,
}

/// An HTTP answer as it came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub status: u16,
    pub duration_ms: f64,
    pub content_type: Option<String>,
    pub body: String,
}

/// One step of the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: u32,
    pub step: Step,
    pub at_ms: f64,
    pub title: String,
    pub fields: Vec<Field>,
    pub request: Option<RequestRecord>,
    pub answer: Option<AnswerRecord>,
    pub error: Option<String>,
}

thread_local! {
    static ENTRIES: RwSignal<Vec<Entry>> = RwSignal::new(load());
}

fn load() -> Vec<Entry> {
    storage::get(storage::Area::Session, KEY)
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

/// The entries, as a signal for the views.
pub fn entries() -> RwSignal<Vec<Entry>> {
    ENTRIES.with(|e| *e)
}

fn update(f: impl FnOnce(&mut Vec<Entry>)) {
    let signal = entries();
    signal.update(|list| {
        f(list);
        if list.len() > MAX_ENTRIES {
            let extra = list.len() - MAX_ENTRIES;
            list.drain(..extra);
        }
        if let Ok(json) = serde_json::to_string(list) {
            storage::set(storage::Area::Session, KEY, &json);
        }
    });
}

fn push(step: Step, title: String, fields: Vec<Field>, request: Option<RequestRecord>, error: Option<String>) -> u32 {
    let mut id = 0;
    update(|list| {
        id = list.last().map_or(1, |e| e.id + 1);
        list.push(Entry { id, step, at_ms: clock::now_ms(), title, fields, request, answer: None, error });
    });
    id
}

/// Records a step that is not an HTTP request (PKCE creation, the authorize URL, the callback).
pub fn note(step: Step, title: impl Into<String>, fields: Vec<Field>) -> u32 {
    push(step, title.into(), fields, None, None)
}

/// Records a form POST as sent; returns the id its answer is filed under.
pub fn request(step: Step, method: &str, url: &str, headers: &[(&str, &str)], form: &FormBody) -> u32 {
    let request = RequestRecord {
        method: method.into(),
        url: url.into(),
        headers: headers.iter().map(|(n, v)| Field::new(*n, *v, false)).collect(),
        form: form.fields().iter().map(|(n, v)| Field::new(*n, v.clone(), FormBody::is_secret(n))).collect(),
    };
    push(step, step.label().into(), vec![], Some(request), None)
}

/// Records a bearer GET (the token itself is shown masked).
pub fn request_bearer(step: Step, url: &str) -> u32 {
    let request = RequestRecord {
        method: "GET".into(),
        url: url.into(),
        headers: vec![
            Field::new("Authorization", "Bearer <access token>", false),
            Field::new("Accept", "application/json", false),
        ],
        form: vec![],
    };
    push(step, step.label().into(), vec![], Some(request), None)
}

/// Files the answer of request `id`.
pub fn answer(id: u32, answer: &Answer) {
    let record = AnswerRecord {
        status: answer.status,
        duration_ms: answer.duration_ms,
        content_type: answer.content_type.clone(),
        body: answer.body.clone(),
    };
    update(|list| {
        if let Some(entry) = list.iter_mut().rev().find(|e| e.id == id) {
            entry.answer = Some(record);
        }
    });
}

/// Records an error of a step.
pub fn error(step: Step, err: &Error) {
    push(step, format!("{}: {}", step.label(), err.title()), vec![], None, Some(err.to_string()));
}

/// Forgets the whole timeline (a new Connect, or a session ended elsewhere).
pub fn clear() {
    clear_except(None);
}

/// Forgets every entry but `keep` (sign-out keeps its revocation).
pub fn clear_except(keep: Option<u32>) {
    update(|list| list.retain(|e| Some(e.id) == keep));
    if entries().with_untracked(Vec::is_empty) {
        storage::remove(storage::Area::Session, KEY);
    }
}
