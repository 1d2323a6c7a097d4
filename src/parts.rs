//! The parts of the app that load on demand ([`crate::components::on_demand`]): each is a
//! wasm module of its own in the release build. The sign-in path (config, PKCE, the
//! authorize URL, the callback, the code exchange, the profile and token info requests) is
//! not among them: a first visit and a callback need only the main module.
use futures::FutureExt;

use crate::components::on_demand::Part;
use crate::components::timeline_view;
use crate::pages::{home, settings};

/// The Settings page.
pub const SETTINGS: Part = Part {
    load: || settings::load_settings().boxed_local(),
    view: || settings::settings_view().boxed_local(),
};

/// The flow timeline's steps: each request and answer, Copy as curl, the explanations.
pub const TIMELINE: Part = Part {
    load: || timeline_view::load_steps().boxed_local(),
    view: || timeline_view::steps_view().boxed_local(),
};

/// The signed-in view: profile, token info, tokens, actions, the JWT inspector.
pub const SIGNED_IN: Part = Part {
    load: || home::load_signed_in().boxed_local(),
    view: || home::signed_in_view().boxed_local(),
};

/// Every part, in the order idle time fetches them: the likeliest next need first.
pub const ALL: [Part; 3] = [SIGNED_IN, TIMELINE, SETTINGS];
