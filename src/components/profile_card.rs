//! The signed-in user, from GET /api/users/current.
use leptos::prelude::*;

use leptos::task::spawn_local;

use crate::components::dynamic;
use crate::components::notice::LoadFailed;
use crate::session::{Load, Session};

#[component]
pub fn ProfileCard() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <section class="card" aria-labelledby="profile-h" data-testid="profile">
            <h2 id="profile-h">"Profile"</h2>
            {dynamic(move || match session.profile.get() {
                Load::Idle | Load::Loading => view! { <p role="status">"Loading the profile…"</p> }.into_any(),
                Load::Failed(error) => view! {
                    <LoadFailed error what="The profile" retry=Box::new(move || spawn_local(session.load_profile())) />
                }.into_any(),
                Load::Ready(user) => {
                    let or_dash = |v: Option<String>| v.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into());
                    view! {
                        <dl class="facts" data-callback-to-profile-ms=move || session.callback_to_profile_ms.get().map(|ms| (ms.round() as i64).to_string())>
                            <dt>"Name"</dt><dd data-testid="profile-name">{user.display_name()}</dd>
                            <dt>"Username"</dt><dd data-testid="profile-username">{or_dash(user.username.clone())}</dd>
                            <dt>"Email"</dt><dd data-testid="profile-email">{or_dash(user.email.clone())}</dd>
                            <dt>"Role"</dt><dd data-testid="profile-role">{or_dash(user.role.clone())}</dd>
                            <dt>"Timezone"</dt><dd data-testid="profile-timezone">{or_dash(user.timezone.clone())}</dd>
                        </dl>
                    }.into_any()
                }
            })}
        </section>
    }
}
