//! `/webapp`: where iLert sends the browser back. `signin::finish` does the work; this page
//! shows progress, and on failure what went wrong, with nothing lost.
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::history;
use crate::browser::nav::Nav;
use crate::components::dynamic;
use crate::components::notice::ErrorCard;
use crate::error::Error;
use crate::playground::timeline_view::TimelineView;
use crate::route::Page;
use crate::session::signin;
use crate::session::Session;

#[component]
pub fn CallbackPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let failure = RwSignal::new(None::<Error>);
    let nav = expect_context::<Nav>();
    spawn_local(async move {
        match signin::finish(session).await {
            Ok(()) => {
                // Profile and token info are asked for the moment the tokens arrive.
                session.load_if_idle();
                nav.go(&history::path_of(Page::Home), true);
            }
            Err(err) => failure.set(Some(err)),
        }
    });
    view! {
        {dynamic(move || match failure.get() {
            None => view! {
                <section class="card" aria-busy="true">
                    <h1>"Finishing sign-in…"</h1>
                    <p role="status">"Checking the answer from iLert and exchanging the code for tokens."</p>
                </section>
            }.into_any(),
            Some(err) => view! {
                <ErrorCard error=err />
                <p><a class="button" href=history::path_of(Page::Home)>"Back to the start page"</a></p>
                <TimelineView />
            }.into_any(),
        })}
    }
}
