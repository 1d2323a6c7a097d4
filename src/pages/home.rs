//! `/`: before sign-in, what will be requested and the Connect button; after, the profile,
//! the token info, the tokens and the actions. The timeline is below either. With the built-in
//! simulator, a banner says so (signed in: when the session's endpoints are the simulator's),
//! and its worker is registered once the signed-out page has rendered, so that Connect rarely
//! waits for it.
use leptos::prelude::*;

use leptos::task::spawn_local;

use crate::browser::sim_worker;
use crate::components::builtin;
use crate::components::countdown::ticking_now;
use crate::components::notice::NoticeBanner;
use crate::components::on_demand::{self, OnDemand, Part};
use crate::components::profile_card::ProfileCard;
use crate::components::token_info_card::TokenInfoCard;
use crate::components::token_panel::TokenPanel;
use crate::components::with_config::WithConfig;
use crate::components::{dynamic, OrNothing};
use crate::config::Server;
use crate::oauth::refresh_policy;
use crate::playground::jwt_inspector::JwtInspector;
use crate::playground::request_summary::RequestSummary;
use crate::playground::timeline_view::TimelineView;
use crate::session::built_in::simulator_session;
use crate::session::signin;
use crate::session::{Notice, Session};
use crate::settings::Settings;

#[component]
pub fn Home() -> impl IntoView {
    let session = expect_context::<Session>();
    // Built again on sign-in and sign-out only, not at each refresh of the tokens.
    let signed_in = Memo::new(move |_| session.tokens.with(Option::is_some));
    view! {
        <NoticeBanner />
        {dynamic(move || if signed_in.get() {
            // The profile and token info load while the signed-in view's part comes.
            session.load_if_idle();
            view! { <OnDemand what="the signed-in view" part=SIGNED_IN /> }.into_any()
        } else {
            view! { <WithConfig><SignedOut /></WithConfig> }.into_any()
        })}
        <TimelineView />
    }
}

/// Every part, in the order idle time fetches them: the likeliest next need first.
const PREFETCHED: [Part; 3] = [
    SIGNED_IN,
    crate::playground::timeline_view::TIMELINE,
    crate::pages::settings::SETTINGS,
];

#[component]
fn SignedOut() -> impl IntoView {
    let session = expect_context::<Session>();
    let in_force = expect_context::<Settings>().in_force;
    // The page is built again when it is opened, so after any change in Settings.
    let built_in = in_force.with_untracked(|f| f.server() == Server::BuiltIn);
    let usable = !built_in || sim_worker::available();
    if built_in && usable {
        // The worker installs while the person reads, after the page has rendered: the first
        // load stays the app's alone. A failure is Connect's to report, when it tries again.
        spawn_local(async {
            gloo_timers::future::TimeoutFuture::new(0).await;
            let _ = sim_worker::ready().await;
        });
    }
    // A backend app's code exchange with the settings in force, for the steps below.
    let backend = in_force.with_untracked(|f| {
        let e = &f.endpoints;
        crate::playground::curl::backend_exchange(&e.token, &e.client_id, f.redirect_uri())
    });
    if usable {
        on_demand::prefetch_in_idle_time(&PREFETCHED);
    }
    let busy = RwSignal::new(false);
    let connect = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            if let Err(err) = signin::connect(in_force).await {
                session.notice.set(Some(Notice::error(&err)));
            }
            busy.set(false);
        });
    };
    view! {
        <section class="intro">
            <h1>"Sign in to iLert with PKCE"</h1>
            <p>"This page is a public OAuth2 client: it has no secret. It proves it started the sign-in by a one-time code verifier that never leaves this tab until the token request."</p>
        </section>
        {match (built_in, usable) {
            (false, _) => ().into_any(),
            (true, true) => builtin::banner(),
            (true, false) => builtin::unavailable(),
        }}
        <RequestSummary />
        {usable.then(|| view! {
            <p><button type="button" class="primary" data-testid="connect" on:click=connect>
                {if built_in { "Connect to the built-in simulator" } else { "Connect to iLert" }}
            </button></p>
        }.into_any()).or_nothing()}
        <section class="card" aria-labelledby="how-h">
            <h2 id="how-h">"What happens when you connect"</h2>
            <ol class="how">
                <li>"This tab draws a random "<strong>"code verifier"</strong>" and keeps it in sessionStorage. iLert (or the built-in simulator) only gets its SHA-256, the "<strong>"code challenge"</strong>", and a random "<strong>"state"</strong>"."</li>
                <li>"On its consent page you sign in (with the built-in simulator: pick a demo user) and grant the scopes above; it sends this tab back to the redirect URI with a one-time "<strong>"code"</strong>" and the same state."</li>
                <li>"The app checks the state (it must be the one this tab made), removes the code from the address bar, and sends code + verifier to its token endpoint. A backend app would add its client secret; a page cannot keep one, since every visitor can read what it holds."
                    <details><summary>"A backend app's request, with these settings"</summary>
                        <pre class="curl" data-testid="backend-curl-home" tabindex="0">{backend}</pre>
                    </details>
                </li>
                <li>"It hashes the verifier and compares it with the challenge: only the tab that started the sign-in can finish it, even if someone else saw the code."</li>
                <li>"With the access token the app reads your profile; with the refresh token ("<code>"offline_access"</code>") it renews the session before the hour is up."</li>
            </ol>
        </section>
    }
}

/// A session action run by a button.
type Job = fn(Session) -> futures::future::LocalBoxFuture<'static, ()>;

crate::part!(
    signed_in,
    load_signed_in,
    SIGNED_IN,
    pub fn signed_in_view() -> AnyView {
        view! { <SignedIn /> }.into_any()
    }
);

#[component]
fn SignedIn() -> impl IntoView {
    let session = expect_context::<Session>();
    let busy = RwSignal::new(false);
    let now = ticking_now();
    let recently = move || {
        session.tokens.with(|t| {
            t.as_ref()
                .is_some_and(|t| refresh_policy::refreshed_recently(now.get(), t.last_refresh_ms))
        })
    };
    let has_refresh_token = move || {
        session
            .tokens
            .with(|t| t.as_ref().is_some_and(|t| t.refresh_token.is_some()))
    };
    // One action at a time; each reports its own outcome through the session's notice.
    let act = move |job: Job| {
        move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            spawn_local(async move {
                job(session).await;
                busy.set(false);
            });
        }
    };
    // The session keeps the endpoints it started with, whatever the settings say now.
    let built_in = simulator_session(session);
    view! {
        <h1 class="visually-hidden">"Signed in"</h1>
        {built_in.then(builtin::banner).or_nothing()}
        <div class="grid">
            <ProfileCard />
            <TokenInfoCard />
        </div>
        <TokenPanel />
        <div class="actions" role="group" aria-label="Session actions">
            <button type="button" data-testid="refresh"
                disabled=move || busy.get() || !has_refresh_token()
                title=move || (!has_refresh_token()).then_some("No refresh token: iLert issues one only with the scope offline_access")
                on:click=act(|s| Box::pin(async move { let _ = s.refresh_now().await; }))>"Refresh token"</button>
            <button type="button" data-testid="reload-profile" disabled=move || busy.get()
                on:click=act(|s| Box::pin(s.load()))>"Reload profile"</button>
            <button type="button" data-testid="sign-out" class="danger" disabled=move || busy.get()
                on:click=act(|s| Box::pin(s.sign_out()))>"Sign out"</button>
        </div>
        {dynamic(move || recently().then(|| view! {
            <p class="help" data-testid="refresh-advice">"iLert asks apps not to refresh more than once per 5 minutes; the automatic refresh keeps to that, the button lets you try it anyway."</p>
        }.into_any()).or_nothing())}
        <JwtInspector />
    }
}
