//! The configuration in force: config.json's defaults, or the person's own settings kept in
//! localStorage (they hold no secret: client id, URLs, scopes). Provided as context; its
//! `in_force` is resolved once per change of settings, and every caller takes that value.
//!
//! Saved settings are checked again when read back (`Config::from_settings_json`): they always
//! get config.json's `allowed_origins`, and any problem means they are not used; `rejected` then
//! says why, for the Home and Settings pages.
use crate::browser::storage::{self, Area};
use leptos::prelude::*;

use crate::browser::history;
pub use crate::config::RejectedSettings;
use crate::config::{Config, InForce};

const KEY: &str = "ilert-pkce.settings";

/// config.json's configuration and the one in force.
#[derive(Clone, Copy)]
pub struct Settings {
    pub defaults: StoredValue<Config>,
    /// The configuration in force, with its endpoints, issuer, redirect URI and problems:
    /// resolved here when the settings change (load, save, reset), never by its readers.
    pub in_force: RwSignal<InForce>,
    /// Whether `in_force` comes from localStorage rather than config.json.
    pub customised: RwSignal<bool>,
    /// Settings saved in this browser that were read back at start and refused (so `in_force`
    /// is config.json's), with why; None when there were none or they were fine. Cleared by
    /// `save` and `reset`. Show `RejectedSettings::summary()` where the configuration in force
    /// is shown.
    pub rejected: RwSignal<Option<RejectedSettings>>,
    /// The saved settings chose the built-in simulator, which config.json forbids: they were
    /// read as iLert's and stored so (so this is said once, at this load).
    pub built_in_refused: bool,
}

impl Settings {
    /// The saved settings if there are any and they pass the checks, else config.json's.
    pub fn load(defaults: Config) -> Self {
        // `from_settings_json` says which field is wrong.
        let (current, rejected, built_in_refused) = match storage::read(Area::Local, KEY) {
            None => (None, None, false),
            Some(json) => match Config::from_settings_json(
                &json,
                &defaults,
                history::app_root().unwrap_or_default(),
            ) {
                Ok((config, refused)) => {
                    if refused {
                        storage::write(Area::Local, KEY, &stored(&config));
                    }
                    (Some(config), None, refused)
                }
                Err(rejected) => (None, Some(rejected), false),
            },
        };
        Settings {
            built_in_refused,
            customised: RwSignal::new(current.is_some()),
            in_force: RwSignal::new(resolve(current.unwrap_or_else(|| defaults.clone()))),
            defaults: StoredValue::new(defaults),
            rejected: RwSignal::new(rejected),
        }
    }

    /// Keeps `config` for this browser; it takes effect at the next Connect. The allowed
    /// origins are always config.json's: they are neither taken from `config` nor stored.
    pub fn save(&self, config: Config) -> bool {
        let (allowed, allow_built_in) = self
            .defaults
            .with_value(|d| (d.allowed_origins.clone(), d.allow_built_in));
        let ok = storage::write(Area::Local, KEY, &stored(&config));
        self.in_force.set(resolve(Config {
            allowed_origins: allowed,
            allow_built_in,
            ..config
        }));
        self.customised.set(true);
        self.rejected.set(None);
        ok
    }

    /// Forgets the saved settings and returns to config.json's.
    pub fn reset(&self) {
        storage::remove(Area::Local, KEY);
        self.in_force.set(resolve(self.defaults.get_value()));
        self.customised.set(false);
        self.rejected.set(None);
    }
}

/// The configuration in force of `chosen` for this page's app.
fn resolve(chosen: Config) -> InForce {
    InForce::resolve(chosen, history::app_root())
}

/// `config` as localStorage keeps it: without the deployer's fields, which are always
/// config.json's (`allowed_origins`, `allow_built_in`).
fn stored(config: &Config) -> String {
    Config {
        allowed_origins: None,
        allow_built_in: true,
        ..config.clone()
    }
    .to_value()
    .compact()
}
