//! `/settings`: the configuration in the browser. Validated as typed, kept in localStorage,
//! used from the next Connect on; "Reset to defaults" goes back to config.json. The authorize
//! URL and API base must stay within config.json's allowed origins, which settings cannot change.
//! The server comes first: the built-in simulator uses only the scopes of the fields below,
//! so the iLert fields are disabled then, and what is checked is the configuration in force.
//! A deployment whose config.json forbids the built-in simulator gets its choice disabled,
//! with the reason. Saving (or resetting to) iLert removes the simulator from this browser.
use leptos::prelude::*;

use crate::browser::{history, sim_worker};
use crate::components::{dynamic, text, OrNothing};
use crate::config::{Config, ConfigProblem, InForce, Server, BUILT_IN_FORBIDDEN};
use crate::oauth::scopes::RESOURCES;
use crate::playground::explain;
use crate::route::Page;
use crate::session::built_in::leave_built_in;
use crate::session::Session;
use crate::settings::Settings;

const LEVELS: &[(&str, &str)] = &[("r", "read"), ("w", "write"), ("d", "delete")];

/// Whether `scope` is requested; a bare resource name counts as its `:r`.
fn has_scope(list: &[String], scope: &str) -> bool {
    list.iter().any(|s| s == scope)
        || scope
            .strip_suffix(":r")
            .is_some_and(|bare| list.iter().any(|s| s == bare))
}

fn set_scope(list: &mut Vec<String>, scope: &str, on: bool) {
    let bare = scope.strip_suffix(":r");
    list.retain(|s| s != scope && Some(s.as_str()) != bare);
    if on {
        list.push(scope.to_string());
    }
}

fn optional(text: String) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

crate::part!(
    settings,
    load_settings,
    SETTINGS,
    pub fn settings_view() -> AnyView {
        view! { <SettingsPage /> }.into_any()
    }
);

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = expect_context::<Settings>();
    // Saved settings that were refused at start: shown again, with their problems per field.
    let start = settings
        .rejected
        .get_untracked()
        .and_then(|r| r.config)
        .unwrap_or_else(|| settings.in_force.with_untracked(|f| f.chosen.clone()));
    let allowed_origins = settings.defaults.with_value(|d| d.allowed_origins.clone());
    let allow_built_in = settings.defaults.with_value(|d| d.allow_built_in);
    let session = expect_context::<Session>();
    let allowed_text = settings.defaults.with_value(Config::allowed_origins_text);
    let client_id = RwSignal::new(start.client_id.clone());
    let tenant = RwSignal::new(start.tenant.clone().unwrap_or_default());
    let authorize_url = RwSignal::new(start.authorize_url.clone().unwrap_or_default());
    let api_base = RwSignal::new(start.api_base.clone());
    let redirect_uri = RwSignal::new(start.redirect_uri.clone());
    let scope_list = RwSignal::new(start.scopes.clone());
    let issuer = start.issuer.clone();
    let saved = RwSignal::new(None::<String>);

    // A bool, not a Server: a signal of a new type costs the wasm its own copy of the
    // signal code.
    let built_in = RwSignal::new(start.server == Server::BuiltIn);
    let server = move || {
        if built_in.get() {
            Server::BuiltIn
        } else {
            Server::Ilert
        }
    };
    let draft = Memo::new(move |_| Config {
        server: server(),
        client_id: client_id.get().trim().to_string(),
        tenant: optional(tenant.get()),
        authorize_url: optional(authorize_url.get()),
        api_base: api_base.get().trim().to_string(),
        redirect_uri: redirect_uri.get().trim().to_string(),
        scopes: scope_list.get(),
        issuer: issuer.clone(),
        allowed_origins: allowed_origins.clone(),
        allow_built_in,
    });
    let origin = history::app_root();
    let problems = Memo::new(move |_| {
        draft.with(|d| {
            // The draft is not in force yet: resolved as it would be once saved.
            let mut problems = InForce::resolve(d.clone(), origin).problems;
            let unusable = if !allow_built_in {
                BUILT_IN_FORBIDDEN
            } else {
                sim_worker::UNAVAILABLE
            };
            if d.server == Server::BuiltIn && !(allow_built_in && sim_worker::available()) {
                problems.insert(
                    0,
                    ConfigProblem {
                        field: "server",
                        message: unusable.into(),
                    },
                );
            }
            problems
        })
    });
    let load = move |c: Config| {
        built_in.set(c.server == Server::BuiltIn);
        client_id.set(c.client_id);
        tenant.set(c.tenant.unwrap_or_default());
        authorize_url.set(c.authorize_url.unwrap_or_default());
        api_base.set(c.api_base);
        redirect_uri.set(c.redirect_uri);
        scope_list.set(c.scopes);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if problems.with(Vec::is_empty) {
            let stored = settings.save(draft.get_untracked());
            let text = if stored {
                "Saved in this browser. The next Connect uses these settings."
            } else {
                "Used for this visit, but the browser refused to store them (storage full or disabled)."
            };
            switched(settings, session, saved, text);
        } else {
            saved.set(None);
        }
    };
    let reset = move |_| {
        settings.reset();
        load(settings.in_force.with_untracked(|f| f.chosen.clone()));
        switched(
            settings,
            session,
            saved,
            "Back to the defaults of config.json.",
        );
    };

    view! {
        <h1>"Settings"</h1>
        <p class="intro-text">"Sign in to the built-in simulator, or point the app at your iLert app (or the local ilert-sim). Kept in this browser (localStorage; no secret is stored), used from the next Connect on. A session that is already signed in keeps the endpoints it started with, except one of the built-in simulator: choosing iLert removes the simulator from this browser, with its data, and ends that session."</p>
        {dynamic(move || settings.rejected.get().map(|r| view! {
            <div class="notice error" role="alert" data-testid="settings-rejected">
                <h2>"Your saved settings are not in use"</h2>
                <p>{r.summary()}</p>
            </div>
        }.into_any()).or_nothing())}
        <p class="help" data-testid="allowed-origins">
            "This deployment lets the authorize URL and the API base use only: "<code>{allowed_text}</code>
            ". That list is config.json's "<code>"allowed_origins"</code>"; settings cannot change it."
        </p>
        <form class="card settings" on:submit=on_submit novalidate=true data-testid="settings">
            <fieldset class="server-field">
                <legend>"Server"</legend>
                {server_radio(built_in, true, "Built-in simulator (runs in this browser, no account needed)", allow_built_in)}
                {server_radio(built_in, false, "My iLert account", true)}
                {(!allow_built_in).then(|| view! {
                    <p class="help" data-testid="built-in-forbidden">{BUILT_IN_FORBIDDEN}</p>
                }.into_any()).or_nothing()}
            </fieldset>
            <fieldset class="ilert-fields" disabled=move || built_in.get()>
                <legend>"Your iLert app"</legend>
                <p class="help">"Used when \"My iLert account\" is chosen; the built-in simulator has its own client and endpoints."</p>
                <TextField id="client_id" label="Client id" value=client_id problems
                    help="The client id of the app registered in iLert (Settings → Developers → Apps). A browser app has no secret." />
                <TextField id="tenant" label="Tenant (optional)" value=tenant problems
                    help="Your iLert subdomain, e.g. acme for acme.ilert.com: the consent page then skips the login if you are signed in there." />
                <TextField id="authorize_url" label="Authorize URL" value=authorize_url problems kind="url"
                    help="Used when no tenant is set. Default: https://app.ilert.com/api/developers/oauth2/authorize" />
                <TextField id="api_base" label="API base" value=api_base problems kind="url"
                    help="Where the token, token_info, revoke and /api/users/current requests go, e.g. https://api.ilert.com" />
                <TextField id="redirect_uri" label="Redirect URI" value=redirect_uri problems kind="url"
                    help="Must be registered in iLert exactly like this, and be this page's origin + /webapp." />
            </fieldset>
            <fieldset class="scopes-field" aria-describedby="scopes-help scopes-error">
                <legend>"Scopes"</legend>
                <p id="scopes-help" class="help">"Bare or :r grants reading, :w adds writing, :d adds deleting."</p>
                {["profile", "offline_access"].into_iter().map(|scope| view! {
                    <label class="check">
                        {scope_box(scope_list, scope.to_string(), None)}
                        <code>{scope}</code>" — "{explain::explain_scope(scope)}
                    </label>
                }.into_any()).collect_view()}
                <div class="table-scroll"><table class="scope-table">
                    <caption class="visually-hidden">"Resource scopes"</caption>
                    <thead><tr><th scope="col">"Resource"</th><th scope="col">"read"</th><th scope="col">"write"</th><th scope="col">"delete"</th></tr></thead>
                    <tbody>
                        {scope_rows(scope_list)}
                    </tbody>
                </table></div>
                <p class="help">"Requested: "<code data-testid="scope-string">{text(move || scope_list.get().join(" "))}</code></p>
                <FieldErrors id="scopes-error" field="scopes" problems />
            </fieldset>
            {dynamic(move || (!problems.with(Vec::is_empty)).then(|| view! {
                <div class="notice error" role="alert" data-testid="settings-problems">
                    <h2>"Fix these before saving"</h2>
                    <ul>{problems.get().into_iter().map(|p| view! { <li>{p.message}</li> }.into_any()).collect_view()}</ul>
                </div>
            }.into_any()).or_nothing())}
            <div class="actions">
                <button type="submit" class="primary" data-testid="save-settings">"Save"</button>
                <button type="button" data-testid="reset-settings" on:click=reset>"Reset to defaults"</button>
                <a class="button" href=history::path_of(Page::Home)>"Back"</a>
            </div>
            {dynamic(move || saved.get().map(|text| view! { <p class="notice info" role="status" data-testid="settings-saved">{text}</p> }.into_any()).or_nothing())}
        </form>
    }
}

/// Once the settings in force are saved or reset: in iLert's mode the built-in simulator is
/// removed from this browser (and a session signed in to it ends) before `text` is shown;
/// in built-in mode it may be used again.
fn switched(
    settings: Settings,
    session: Session,
    saved: RwSignal<Option<String>>,
    text: &'static str,
) {
    saved.set(None);
    if settings.in_force.with_untracked(InForce::server) == Server::BuiltIn {
        sim_worker::enable();
        saved.set(Some(text.into()));
        return;
    }
    leptos::task::spawn_local(async move {
        leave_built_in(session).await;
        saved.set(Some(text.into()));
    });
}

/// One choice of server (`built_in` or not), labelled: its accessible name is the label.
/// Disabled unless `offered`.
fn server_radio(
    built_in: RwSignal<bool>,
    value: bool,
    label: &'static str,
    offered: bool,
) -> AnyView {
    let name = if value {
        Server::BuiltIn
    } else {
        Server::Ilert
    }
    .name();
    view! {
        <label class="check">
            <input type="radio" name="server" value=name disabled=!offered
                prop:checked=move || built_in.get() == value
                on:change=move |_| built_in.set(value) />
            {label}
        </label>
    }
    .into_any()
}

/// A scope's checkbox, checked while the scope is requested.
fn scope_box(list: RwSignal<Vec<String>>, scope: String, label: Option<String>) -> impl IntoView {
    let (a, b) = (scope.clone(), scope.clone());
    view! {
        <input type="checkbox" name="scope" value=scope aria-label=label
            prop:checked=move || list.with(|l| has_scope(l, &a))
            on:change=move |ev| list.update(|l| set_scope(l, &b, event_target_checked(&ev))) />
    }
}

/// One row per resource, a checkbox per level.
fn scope_rows(list: RwSignal<Vec<String>>) -> impl IntoView {
    let mut rows = Vec::new();
    for (resource, what) in RESOURCES {
        let mut cells = Vec::new();
        for (suffix, name) in LEVELS {
            let scope = format!("{resource}:{suffix}");
            let label = format!("{resource}: {name} ({scope})");
            cells.push(view! { <td>{scope_box(list, scope, Some(label))}</td> }.into_any());
        }
        rows.push(
            view! {
                <tr>
                    <th scope="row"><code>{*resource}</code><span class="help">{*what}</span></th>
                    {cells}
                </tr>
            }
            .into_any(),
        );
    }
    rows
}

#[component]
fn TextField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    problems: Memo<Vec<ConfigProblem>>,
    help: &'static str,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let invalid = move || problems.with(|ps| ps.iter().any(|p| p.field == id));
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name=id type=kind autocomplete="off" spellcheck="false"
                aria-describedby=format!("{help_id} {error_id}")
                aria-invalid=move || invalid().to_string()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:change=move |ev| value.set(event_target_value(&ev)) />
            <p id=help_id class="help">{help}</p>
            <FieldErrors id=error_id field=id problems />
        </div>
    }
}

/// The problems of one field, where a screen reader finds them (aria-describedby).
#[component]
fn FieldErrors(
    #[prop(into)] id: String,
    field: &'static str,
    problems: Memo<Vec<ConfigProblem>>,
) -> impl IntoView {
    view! {
        <p id=id class="field-error">
            {text(move || problems.with(|ps| ps.iter().filter(|p| p.field == field).map(|p| p.message.clone()).collect::<Vec<_>>().join(" ")))}
        </p>
    }
}
