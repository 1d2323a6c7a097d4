//! The flow timeline: each step of this tab's sign-in with its real data. Secrets are masked
//! until the entry's "Reveal secrets" is pressed.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::clipboard;
use crate::components::on_demand::OnDemand;
use crate::components::secret::mask;
use crate::components::{dynamic, text, OrNothing};
use crate::json;
use crate::oauth::answer::masked_form;
use crate::playground::curl;
use crate::playground::explain;
use crate::playground::masking::{self, Secrets};
use crate::playground::timeline::{self, AnswerRecord, Entry, Field, RequestRecord};

#[component]
pub fn TimelineView() -> impl IntoView {
    let entries = timeline::entries();
    // The steps' view is a part of its own ([`TIMELINE`]): a first visit, whose
    // timeline is empty, never needs it.
    let empty = Memo::new(move |_| entries.with(Vec::is_empty));
    view! {
        <section class="card timeline" aria-labelledby="timeline-h" data-testid="timeline">
            <h2 id="timeline-h">"Flow timeline"</h2>
            {dynamic(move || if empty.get() {
                view! { <p>"Nothing yet: press Connect and every step will be shown here."</p> }.into_any()
            } else {
                view! { <OnDemand what="the flow timeline" part=TIMELINE /> }.into_any()
            })}
        </section>
    }
}

crate::part!(
    timeline,
    load_steps,
    TIMELINE,
    pub fn steps_view() -> AnyView {
        let entries = timeline::entries();
        view! {
            <ol class="steps">
                <For each=move || entries.get() key=|e| (e.id, e.answer.is_some()) let:entry>
                    <EntryView entry />
                </For>
            </ol>
        }
        .into_any()
    }
);

fn show(value: &str, secret: bool, revealed: bool) -> String {
    if secret && !revealed {
        mask(value)
    } else {
        value.to_string()
    }
}

/// JSON answer bodies pretty-printed, with secret members (at any depth) masked unless revealed.
fn pretty_body(body: &str, revealed: bool) -> String {
    match json::parse(body) {
        Ok(mut value) => {
            if !revealed {
                masking::mask_value(&mut value, &Secrets::default());
            }
            value.pretty()
        }
        // A form-encoded answer (some servers send tokens that way) is masked the same way.
        Err(_) if !revealed => masked_form(body).chars().take(2000).collect(),
        Err(_) => body.chars().take(2000).collect(),
    }
}

fn fields_view(fields: Vec<Field>, revealed: RwSignal<bool>) -> impl IntoView {
    view! {
        <dl class="fields">
            {fields.into_iter().map(|f| {
                let secret = f.secret;
                let value = f.value.clone();
                view! {
                    <dt><code>{f.name.clone()}</code></dt>
                    <dd>
                        <code class:secret-value=secret data-secret=secret.to_string()>{text(move || show(&value, secret, revealed.get()))}</code>
                        {f.note.clone().map(|n| view! { <span class="field-note">{n}</span> }.into_any()).or_nothing()}
                    </dd>
                }.into_any()
            }).collect_view()}
        </dl>
    }
}

/// "Copy as curl" and the command, masked unless `revealed`; the code exchange also gets
/// what a backend app sends instead, and why this app must not.
fn curl_view(id: u32, r: RequestRecord, revealed: RwSignal<bool>) -> AnyView {
    let exchange = r
        .form
        .iter()
        .any(|f| f.name == "grant_type" && f.value == "authorization_code");
    let status = RwSignal::new(String::new());
    let (shown, copied, backend) = (r.clone(), r.clone(), r);
    let copy = move |_| {
        if let Some(why) = curl::refusal(&copied) {
            status.set(why.into());
            return;
        }
        let command = curl::command(&copied, revealed.get_untracked(), false);
        spawn_local(async move {
            if clipboard::copy(&command).await {
                status.set("Copied".into());
            } else {
                status.set(
                    "The browser refused: the command is selected below, copy it by hand.".into(),
                );
                clipboard::open_and_select(&format!("#curl-{id}"));
            }
        });
    };
    view! {
        <p><button type="button" on:click=copy>"Copy as curl"</button>" "<span role="status">{text(move || status.get())}</span></p>
        <details id=format!("curl-{id}")><summary>"curl"</summary>
            <pre class="curl" data-testid="curl" tabindex="0">{text(move || curl::command(&shown, revealed.get(), false))}</pre>
        </details>
        {exchange.then(|| view! {
            <div class="field-note" data-testid="backend-contrast">
                <p>"A backend app sends this from its server with its "<code>"client_secret"</code>" (or HTTP Basic). A browser app must not: every visitor can read what the page holds (view source, DevTools), so a secret here would authenticate anyone who copied it. PKCE's verifier is made fresh per sign-in, in this tab only."</p>
                <pre class="curl" tabindex="0">{text(move || curl::command(&backend, revealed.get(), true))}</pre>
            </div>
        }.into_any()).or_nothing()}
    }
    .into_any()
}

fn request_view(id: u32, r: RequestRecord, revealed: RwSignal<bool>) -> AnyView {
    let curl = curl_view(id, r.clone(), revealed);
    let headers = (!r.headers.is_empty())
        .then(|| view! { <h4>"Headers"</h4> {fields_view(r.headers, revealed)} }.into_any());
    let form = (!r.form.is_empty()).then(|| {
        view! { <h4>"Form fields"</h4> <div data-testid="form-fields">{fields_view(r.form, revealed)}</div> }.into_any()
    });
    view! {
        <div class="http request">
            <p><strong>{r.method}</strong>" "<code class="url">{r.url}</code></p>
            {headers.or_nothing()}
            {form.or_nothing()}
            {curl}
        </div>
    }
    .into_any()
}

/// An answer; `by_worker`: the note on an answer of the built-in simulator.
fn answer_view(
    a: AnswerRecord,
    by_worker: Option<&'static str>,
    revealed: RwSignal<bool>,
) -> AnyView {
    let body = a.body;
    view! {
        <div class="http answer">
            <p><strong>"HTTP "{a.status}</strong>" in "{format!("{} ms", a.duration_ms.round() as i64)}
               {a.content_type.map(|c| format!(" · {c}")).unwrap_or_default()}</p>
            {by_worker.map(|note| view! { <p class="field-note by-worker" data-testid="answered-by-worker">{note}</p> }.into_any()).or_nothing()}
            <pre class="json" tabindex="0">{text(move || pretty_body(&body, revealed.get()))}</pre>
        </div>
    }
    .into_any()
}

fn reveal_button(revealed: RwSignal<bool>) -> AnyView {
    view! {
        <button type="button" class="reveal" aria-pressed=move || revealed.get().to_string()
            on:click=move |_| revealed.update(|r| *r = !*r)>
            {text(move || String::from(if revealed.get() { "Hide secrets" } else { "Reveal secrets" }))}
        </button>
    }
    .into_any()
}

#[component]
fn EntryView(entry: Entry) -> impl IntoView {
    let revealed = RwSignal::new(false);
    let has_secret = entry.fields.iter().any(|f| f.secret)
        || entry
            .request
            .as_ref()
            .is_some_and(|r| r.form.iter().any(|f| f.secret))
        || entry
            .answer
            .as_ref()
            .is_some_and(|a| a.body.contains("_token"));
    let failed = entry.error.is_some() || entry.answer.as_ref().is_some_and(|a| a.status >= 400);
    let by_worker = match (&entry.answer, &entry.request) {
        (Some(a), Some(r)) if a.by_worker => Some(explain::worker_answer(&r.headers)),
        _ => None,
    };
    let Entry {
        id,
        step,
        title,
        fields,
        request,
        answer,
        error,
        ..
    } = entry;
    view! {
        <li class="step" class:failed=failed data-step=step.name()>
            <h3>{title}</h3>
            {(!fields.is_empty()).then(|| fields_view(fields, revealed).into_any()).or_nothing()}
            {request.map(|r| request_view(id, r, revealed)).or_nothing()}
            {answer.map(|a| answer_view(a, by_worker, revealed)).or_nothing()}
            {error.map(|e| view! { <p class="error-text">{e}</p> }.into_any()).or_nothing()}
            {has_secret.then(|| reveal_button(revealed)).or_nothing()}
        </li>
    }
}
