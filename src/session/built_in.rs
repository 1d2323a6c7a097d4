//! Leaving the built-in simulator: a session signed in to it ends when iLert's mode is in
//! force, since the simulator's grant goes with its data.
use leptos::prelude::WithUntracked;

use crate::browser::{history, sim_worker};
use crate::config;

use super::{Notice, Session};

/// Whether this tab's session was signed in to the built-in simulator.
pub fn simulator_session(session: Session) -> bool {
    session.tokens.with_untracked(|t| {
        t.as_ref().is_some_and(|t| {
            history::app_root()
                .is_some_and(|root| config::is_simulator_url(&t.endpoints.token, root))
        })
    })
}

/// Leaves the built-in mode (iLert's is in force, say by the settings): removes the
/// simulator ([`sim_worker::remove`], awaited and bounded) and ends a session signed in to it.
pub async fn leave_built_in(session: Session) {
    sim_worker::remove().await;
    end_simulator_session(session);
}

/// Ends a session signed in to the built-in simulator, whose grant went with its data.
pub fn end_simulator_session(session: Session) {
    if simulator_session(session) {
        session.end(Some(Notice::info(
            "The built-in simulator's session has ended",
            "This app now signs in to iLert (config.json or your settings), so the built-in simulator was removed from this browser with all it kept, and the session signed in to it is over. Press Connect to sign in to iLert.",
        )));
    }
}
