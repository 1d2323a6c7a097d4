//! The configuration in force: config.json's defaults, or the person's own settings kept in
//! localStorage (they hold no secret: client id, URLs, scopes). Provided as context.
use leptos::prelude::*;

use crate::browser::storage::{self, Area};
use crate::config::Config;

const KEY: &str = "ilert-pkce.settings";

/// config.json's configuration and the one in force.
#[derive(Clone, Copy)]
pub struct Settings {
    pub defaults: StoredValue<Config>,
    pub current: RwSignal<Config>,
    /// Whether `current` comes from localStorage rather than config.json.
    pub customised: RwSignal<bool>,
}

impl Settings {
    /// The saved settings if there are any that parse, else config.json's.
    pub fn load(defaults: Config) -> Self {
        let saved = storage::get(Area::Local, KEY).and_then(|json| Config::from_json(&json).ok());
        let customised = saved.is_some();
        Settings {
            current: RwSignal::new(saved.unwrap_or_else(|| defaults.clone())),
            defaults: StoredValue::new(defaults),
            customised: RwSignal::new(customised),
        }
    }

    /// Keeps `config` for this browser; it takes effect at the next Connect.
    pub fn save(&self, config: Config) -> bool {
        let ok = storage::set(Area::Local, KEY, &config.to_json());
        self.current.set(config);
        self.customised.set(true);
        ok
    }

    /// Forgets the saved settings and returns to config.json's.
    pub fn reset(&self) {
        storage::remove(Area::Local, KEY);
        self.current.set(self.defaults.get_value());
        self.customised.set(false);
    }
}
