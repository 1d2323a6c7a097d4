//! The flow timeline: one entry per protocol step of this tab's session, with the real
//! requests and answers. It lives in sessionStorage so it survives the trip to iLert and a
//! reload. While the session lives, secret values are kept (the same tab already holds them)
//! and masked when shown; when it ends, [`end_session`] replaces every secret by its mask, in
//! memory and in storage, so nothing secret outlives the session.
use gloo_storage::{SessionStorage, Storage};
use leptos::prelude::*;

use crate::browser::clock;
use crate::error_text;
use crate::json;
use crate::oauth::answer::{masked_form, Answer};
use crate::oauth::form::{is_secret, mask};
use crate::oauth::request::{Kind, Request};
use crate::oauth::Error;
pub use crate::stored::timeline::{AnswerRecord, Entry, Field, RequestRecord, Step};

const KEY: &str = "ilert-pkce.timeline";
/// Older entries are dropped past this many: a long-lived tab refreshes every hour.
const MAX_ENTRIES: usize = 60;

thread_local! {
    static ENTRIES: RwSignal<Vec<Entry>> = RwSignal::new(load());
}

fn load() -> Vec<Entry> {
    SessionStorage::raw()
        .get_item(KEY)
        .ok()
        .flatten()
        .and_then(|text| crate::stored::timeline::from_json(&text))
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
        if list.is_empty() {
            SessionStorage::delete(KEY);
        } else {
            // A full storage loses the record across a reload, not the flow itself.
            let _ = SessionStorage::raw().set_item(KEY, &crate::stored::timeline::to_json(list));
        }
    });
}

fn push(
    step: Step,
    title: String,
    fields: Vec<Field>,
    request: Option<RequestRecord>,
    error: Option<String>,
) -> u32 {
    let mut id = 0;
    update(|list| {
        id = list.last().map_or(1, |e| e.id + 1);
        list.push(Entry {
            id,
            step,
            at_ms: clock::now_ms(),
            title,
            fields,
            request,
            answer: None,
            error,
        });
    });
    id
}

/// Records a step that is not an HTTP request (PKCE creation, the authorize URL, the callback).
pub fn note(step: Step, title: impl Into<String>, fields: Vec<Field>) -> u32 {
    push(step, title.into(), fields, None, None)
}

/// Records a request as it is sent; returns the id its answer is filed under. A revocation
/// happens after the session has ended, so its token is recorded masked.
pub fn request(request: &Request) -> u32 {
    let keep = request.kind != Kind::Revoke;
    let field = |name: &str, value: &str, secret: bool| {
        let value = if secret && !keep {
            mask(value)
        } else {
            value.to_string()
        };
        Field::new(name, value, secret)
    };
    let mut headers = Vec::new();
    for (n, v) in request.headers() {
        headers.push(field(n, &v, n == "Authorization"));
    }
    let mut form = Vec::new();
    for (n, v) in request.form.as_ref().map_or(&[][..], |f| f.fields()) {
        form.push(field(n, v, is_secret(n)));
    }
    let record = RequestRecord {
        method: request.method.as_str().into(),
        url: request.url.clone(),
        headers,
        form,
    };
    let step = Step::from(request.kind);
    push(step, step.label().into(), vec![], Some(record), None)
}

/// Files the answer of request `id`.
pub fn answer(id: u32, answer: &Answer) {
    let record = AnswerRecord {
        status: answer.status,
        duration_ms: answer.duration_ms,
        content_type: answer.content_type.clone(),
        body: answer.body.clone(),
        by_worker: answer.by_worker,
    };
    update(|list| {
        if let Some(entry) = list.iter_mut().rev().find(|e| e.id == id) {
            entry.answer = Some(record);
        }
    });
}

/// Files why request `id` failed: no answer (network, timeout) or an answer that was refused.
pub fn failed(id: u32, err: &Error) {
    update(|list| {
        if let Some(entry) = list.iter_mut().rev().find(|e| e.id == id) {
            entry.title = format!("{}: {}", entry.step.label(), error_text::title(err));
            entry.error = Some(err.to_string());
        }
    });
}

/// Records an error of a step.
pub fn error(step: Step, err: &Error) {
    push(
        step,
        format!("{}: {}", step.label(), error_text::title(err)),
        vec![],
        None,
        Some(err.to_string()),
    );
}

/// Forgets the whole timeline (a new Connect, or a session ended elsewhere).
pub fn clear() {
    clear_except(None);
}

/// Forgets every entry but those of `keep` (sign-out keeps its revocation).
pub fn clear_except(keep: Option<Step>) {
    update(|list| list.retain(|e| Some(e.step) == keep));
}

/// The session has ended: every secret in the record (codes, verifiers, tokens, wherever they
/// appear: fields, forms, headers, answer bodies, error texts) is replaced by its mask.
pub fn end_session() {
    update(|list| {
        let mut secrets = Vec::new();
        for entry in list.iter() {
            collect_secrets(entry, &mut secrets);
        }
        for entry in list.iter_mut() {
            scrub(entry, &secrets);
        }
    });
}

/// Secret values shorter than this are not hunted for in other texts (they would match by chance).
const MIN_SECRET_LEN: usize = 8;

/// Adds the secrets of `entry` to `out`, which stays longest first (so a token is not
/// half-replaced by a shorter secret inside it) and without repeats: kept in order as it grows,
/// it needs no sort.
fn collect_secrets(entry: &Entry, out: &mut Vec<String>) {
    let mut add = |value: &str| {
        let value = value.strip_prefix("Bearer ").unwrap_or(value);
        if value.chars().count() >= MIN_SECRET_LEN
            && !value.contains('•')
            && !out.iter().any(|s| s == value)
        {
            let at = out
                .iter()
                .position(|s| s.len() < value.len())
                .unwrap_or(out.len());
            out.insert(at, value.to_string());
        }
    };
    let request_fields = entry
        .request
        .iter()
        .flat_map(|r| r.headers.iter().chain(r.form.iter()));
    for field in entry
        .fields
        .iter()
        .chain(request_fields)
        .filter(|f| f.secret)
    {
        add(&field.value);
    }
    if let Some(answer) = &entry.answer {
        if let Ok(json::Value::Object(members)) = json::parse(&answer.body) {
            for (_, value) in members.iter().filter(|(k, _)| is_secret(k)) {
                if let Some(text) = value.as_str() {
                    add(text);
                }
            }
        }
        for (key, value) in form_urlencoded::parse(answer.body.trim().as_bytes()) {
            if is_secret(&key) {
                add(&value);
            }
        }
    }
}

fn scrub(entry: &mut Entry, secrets: &[String]) {
    let hide = |text: &mut String| {
        for secret in secrets {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), &mask(secret));
            }
        }
    };
    let request_fields = entry
        .request
        .iter_mut()
        .flat_map(|r| r.headers.iter_mut().chain(r.form.iter_mut()));
    for field in entry.fields.iter_mut().chain(request_fields) {
        if field.secret && !field.value.contains('•') {
            field.value = match field.value.strip_prefix("Bearer ") {
                Some(token) => format!("Bearer {}", mask(token)),
                None => mask(&field.value),
            };
        }
        hide(&mut field.value);
    }
    if let Some(request) = &mut entry.request {
        hide(&mut request.url);
    }
    if let Some(answer) = &mut entry.answer {
        answer.body = masked_form(&answer.body);
        hide(&mut answer.body);
    }
    if let Some(error) = &mut entry.error {
        hide(error);
    }
    hide(&mut entry.title);
}
