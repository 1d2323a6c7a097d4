//! What iLert says about the access token (POST token_info).
use leptos::prelude::*;

use leptos::task::spawn_local;

use crate::components::dynamic;
use crate::components::notice::LoadFailed;
use crate::session::{Load, Session};

#[component]
pub fn TokenInfoCard() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <section class="card" aria-labelledby="info-h" data-testid="token-info">
            <h2 id="info-h">"Token info"</h2>
            {dynamic(move || match session.token_info.get() {
                Load::Idle | Load::Loading => view! { <p role="status">"Asking iLert about the token…"</p> }.into_any(),
                Load::Failed(error) => view! {
                    <LoadFailed error what="The token info" retry=Box::new(move || spawn_local(session.load_token_info())) />
                }.into_any(),
                Load::Ready(info) => {
                    let shown = |name: &str| info.get(name).unwrap_or("—").to_string();
                    // Members iLert does not send (another server's) are listed as they came.
                    let others = info
                        .others()
                        .map(|(name, value)| view! { <dt>{name.clone()}</dt><dd data-testid="info-other">{value.clone()}</dd> })
                        .collect::<Vec<_>>();
                    view! {
                        <dl class="facts">
                            <dt>"Active"</dt><dd data-testid="info-active">{if info.active { "yes" } else { "no" }}</dd>
                            <dt>"Tenant"</dt><dd data-testid="info-tenant">{shown("tenant_id")}</dd>
                            <dt>"Scope"</dt><dd data-testid="info-scope">{shown("scope")}</dd>
                            <dt>"App id"</dt><dd data-testid="info-app-id">{shown("app_id")}</dd>
                            {others}
                        </dl>
                    }.into_any()
                }
            })}
        </section>
    }
}
