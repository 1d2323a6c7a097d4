//! Reusable view pieces.
pub mod countdown;
pub mod jwt_inspector;
pub mod notice;
pub mod profile_card;
pub mod request_summary;
pub mod secret;
pub mod timeline_view;
pub mod token_info_card;
pub mod token_panel;
