//! Reusable view pieces.
use leptos::prelude::*;

pub mod builtin;
pub mod countdown;
pub mod notice;
pub mod on_demand;
pub mod profile_card;
pub mod secret;
pub mod token_info_card;
pub mod token_panel;
pub mod with_config;

/// An optional view as a plain `AnyView` (an empty one, with its placeholder, for `None`): one
/// view type less to compile than `Option<AnyView>`.
pub trait OrNothing {
    fn or_nothing(self) -> AnyView;
}

impl OrNothing for Option<AnyView> {
    fn or_nothing(self) -> AnyView {
        self.unwrap_or_else(|| ().into_any())
    }
}

/// A reactive view as one boxed type: every such closure then shares one copy of the reactive
/// view code (build, rebuild, mount, …) instead of one per closure.
pub fn dynamic(f: impl FnMut() -> AnyView + Send + 'static) -> Box<dyn FnMut() -> AnyView + Send> {
    Box::new(f)
}

/// Reactive text as one boxed type, for the same reason as [`dynamic`].
pub fn text(f: impl FnMut() -> String + Send + 'static) -> Box<dyn FnMut() -> String + Send> {
    Box::new(f)
}
