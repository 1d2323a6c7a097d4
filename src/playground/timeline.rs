//! The flow timeline: one entry per protocol step of this tab's session, with the real
//! requests and answers. It lives in sessionStorage so it survives the trip to iLert and a
//! reload. While the session lives, secret values are kept (the same tab already holds them)
//! and masked when shown; when it ends, [`end_session`] replaces every secret by its mask, in
//! memory and in storage, so nothing secret outlives the session.
use crate::browser::storage::{self, Area};
use leptos::prelude::*;

use crate::browser::clock;
use crate::error::Error;
use crate::oauth::answer::Answer;
use crate::oauth::form::mask;
use crate::oauth::request::{Kind, Request};
pub use crate::playground::entries::{AnswerRecord, Entry, Field, RequestRecord, Step};
use crate::playground::masking::{self, Secrets};

const KEY: &str = "ilert-pkce.timeline";
/// Older entries are dropped past this many: a long-lived tab refreshes every hour.
const MAX_ENTRIES: usize = 60;

thread_local! {
    /// Reference-counted, not owned by a view: an arena signal made here would belong to
    /// whichever view first asked for it, and die with that view (going from Home to
    /// Settings disposed it, and Home then panicked reading it).
    static ENTRIES: ArcRwSignal<Vec<Entry>> = ArcRwSignal::new(load());
    /// The tokens of revocations: recorded masked (the session has ended), but their answers
    /// may echo them, so they stay known, in memory only, until [`end_session`] has masked
    /// the record.
    static REVOKED: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn load() -> Vec<Entry> {
    storage::read(Area::Session, KEY)
        .and_then(|text| crate::playground::entries::from_json(&text))
        .unwrap_or_default()
}

/// The entries, as a signal for the views: a handle owned by the calling view, onto the one
/// record that outlives every view.
pub fn entries() -> RwSignal<Vec<Entry>> {
    ENTRIES.with(|e| RwSignal::from(e.clone()))
}

fn update(f: impl FnOnce(&mut Vec<Entry>)) {
    let signal = ENTRIES.with(ArcRwSignal::clone);
    signal.update(|list| {
        f(list);
        if list.len() > MAX_ENTRIES {
            let extra = list.len() - MAX_ENTRIES;
            list.drain(..extra);
        }
        if list.is_empty() {
            storage::remove(Area::Session, KEY);
        } else {
            // A full storage loses the record across a reload, not the flow itself.
            storage::write(
                Area::Session,
                KEY,
                &crate::playground::entries::to_json(list),
            );
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
    if !keep {
        let secrets = request.form.iter().flat_map(|f| f.fields());
        for field in secrets.filter(|f| f.is_secret()) {
            REVOKED.with_borrow_mut(|r| r.push(field.as_sent().to_string()));
        }
    }
    let field = |name: &str, value: &str, secret: bool| {
        let value = if secret && !keep {
            mask(value)
        } else {
            value.to_string()
        };
        Field::new(name, value, secret)
    };
    let mut headers = Vec::new();
    for h in request.headers() {
        headers.push(field(h.name, h.as_sent(), h.is_secret()));
    }
    let mut form = Vec::new();
    for f in request.form.as_ref().map_or(&[][..], |f| f.fields()) {
        form.push(field(f.name, f.as_sent(), f.is_secret()));
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
    file(id, |entry| entry.answer = Some(record));
}

/// Changes entry `id` with `f`. An entry recorded after the session ended (a revocation) or
/// overtaken by its end is masked at once: its answer can echo a token, and no later end of
/// the session comes to mask it.
fn file(id: u32, f: impl FnOnce(&mut Entry)) {
    update(|list| {
        if let Some(entry) = list.iter_mut().rev().find(|e| e.id == id) {
            f(entry);
            if masking::after_end(entry) {
                let mut secrets = Secrets::default();
                REVOKED.with_borrow(|r| r.iter().for_each(|s| secrets.add(s)));
                secrets.add_entry(entry);
                masking::scrub(entry, &secrets);
            }
        }
    });
}

/// Files why request `id` failed: no answer (network, timeout) or an answer that was refused.
pub fn failed(id: u32, err: &Error) {
    file(id, |entry| {
        entry.title = format!("{}: {}", entry.step.label(), err.title());
        entry.error = Some(err.to_string());
    });
}

/// Records an error of a step.
pub fn error(step: Step, err: &Error) {
    push(
        step,
        format!("{}: {}", step.label(), err.title()),
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
/// appear: fields, forms, headers, answer bodies, error texts) is replaced by its mask, and the
/// revoked tokens are forgotten here too.
pub fn end_session() {
    let known = REVOKED.take();
    update(|list| masking::end_session(list, &known));
}
