//! The first-load budget: `cargo xtask size` checks the build's files against it, and the e2e
//! suite checks what a page in built-in mode really fetches before Connect.

/// The most the first load may weigh, brotli 11, in bytes. A ratchet: lowered as the app
/// shrinks. Raised once, from 160,000, by the security work of issue 17 (sealed tab channel,
/// the sender's checks, built-in mode's clean exit, masking by value, exact JSON numbers:
/// +12.1 KB), which the sign-in path needs; lazy loading of the playground (issue 20) is what
/// brings it back under the goal. The goal is 160 KB (a React + oidc-client-ts sign-in page
/// is 74 KB).
pub const FIRST_LOAD_BUDGET: u64 = 170_000;
/// Where the ratchet is headed.
pub const FIRST_LOAD_GOAL: u64 = 160_000;
