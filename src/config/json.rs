//! The configuration as JSON: config.json as the deployer writes it, the settings this browser
//! keeps (localStorage), and the check that saved settings get before any use.

use super::ilert::DEFAULT_API_BASE;
use super::origins::list_text;
use super::url::origin_of;
use super::validate::{check_endpoint, shown, ConfigProblem, EndpointProblem};
use super::{Config, Server, BUILT_IN_FORBIDDEN};
use crate::error::Error;
use crate::json::{self, Value};
use crate::oauth::scopes::{parse_scopes, DEFAULT_SCOPES};

impl Server {
    /// Reads `server` (absent or null: iLert, so every older config.json keeps working).
    fn of(v: &Value) -> Result<Server, Error> {
        const BOTH: &str = "\"built-in\" (the simulator that runs in this browser) or \"ilert\" (an iLert account, the default)";
        match v.get("server") {
            None | Some(Value::Null) => Ok(Server::Ilert),
            Some(Value::String(s)) => match s.trim() {
                "ilert" => Ok(Server::Ilert),
                "built-in" => Ok(Server::BuiltIn),
                other => Err(Error::Config(format!(
                    "\"server\" is \"{other}\": set it to {BOTH}"
                ))),
            },
            Some(_) => Err(Error::Config(format!("\"server\" must be a text: {BOTH}"))),
        }
    }
}

/// The scopes used when the configuration names none.
fn default_scopes() -> Vec<String> {
    DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// A JSON list of texts.
fn strings(v: &Value) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for s in v.as_array()? {
        out.push(s.as_str()?.to_string());
    }
    Some(out)
}

/// Saved settings (localStorage) that were read back and refused: they are not used.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedSettings {
    /// The saved configuration, if it could be read at all (with the deployer's
    /// `allowed_origins`): for showing the problems next to the fields.
    pub config: Option<Config>,
    /// Why it was refused (never empty).
    pub problems: Vec<ConfigProblem>,
}

impl RejectedSettings {
    /// One paragraph for the person: what was refused, why, and what is used instead.
    pub fn summary(&self) -> String {
        let why = self
            .problems
            .iter()
            .map(ConfigProblem::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "The settings saved in this browser were not used, because: {why} The app uses config.json's configuration instead; fix the settings or reset them to the defaults."
        )
    }
}

/// What each required field is, for "missing field" messages.
const REQUIRED: &[(&str, &str)] = &[
    (
        "client_id",
        "the OAuth client id of the app registered in iLert",
    ),
    (
        "api_base",
        "the base URL of iLert's API, e.g. https://api.ilert.com",
    ),
];

/// An optional text that is empty or blank counts as absent.
fn non_blank(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Config {
    /// Reads the deployer's configuration (config.json) from JSON, with messages that name the
    /// missing or wrong field.
    ///
    /// Text values are trimmed; blank optional values count as absent; `scopes` may be a list or
    /// a space-separated string, and defaults to `profile offline_access`. `allowed_origins`
    /// must be well formed, and the authorize URL (or tenant) and API base must be in it;
    /// everything else is left to [`Config::validate`].
    pub fn from_json(s: &str) -> Result<Config, Error> {
        let c = Config::parse_json(s)?;
        if c.server == Server::BuiltIn && !c.allow_built_in {
            return Err(Error::Config(
                "config.json sets \"server\": \"built-in\" and \"allow_built_in\": false: forbid the built-in simulator with \"server\": \"ilert\" (and the iLert fields), or allow it".into(),
            ));
        }
        let (patterns, bad) = c.origin_patterns();
        if let Some(m) = bad.into_iter().next() {
            return Err(Error::Config(format!("config.json: {m}")));
        }
        // With the built-in server these are only kept, not used: the settings check them
        // when someone switches to iLert.
        let (field, url) = c.authorize_source();
        let own = [(field, url), ("api_base", c.api_base.clone())];
        let own = if c.server == Server::Ilert {
            &own[..]
        } else {
            &[]
        };
        for (field, url) in own.iter().cloned() {
            // Other problems (not a URL, http, …) are the settings panel's to show.
            if let Err(EndpointProblem::NotAllowed(_)) =
                check_endpoint(field, &url, field == "api_base", &patterns)
            {
                return Err(Error::Config(format!(
                    "config.json: {field} \"{}\" (origin {}) is not in allowed_origins ({}): add its origin there, or point {field} at an allowed origin",
                    shown(&url),
                    origin_of(&url).unwrap_or_default(),
                    list_text(&patterns)
                )));
            }
        }
        Ok(c)
    }

    /// Reads settings saved in this browser and checks them again before any use: the
    /// deployer's `allowed_origins` and `allow_built_in` replace whatever the saved text says,
    /// and every problem [`Config::validate`] finds in the configuration in force for the app
    /// at `app_root` ([`Config::in_force`]; without the page-origin check, which Connect
    /// makes) refuses them. Saved settings that choose the built-in server where the deployer
    /// forbids it are read as iLert's: then the second value is true (say so, once).
    // Called once per page load: the size of the refusal does not matter.
    #[allow(clippy::result_large_err)]
    pub fn from_settings_json(
        s: &str,
        deployer: &Config,
        app_root: &str,
    ) -> Result<(Config, bool), RejectedSettings> {
        let mut c = Config::parse_json(s).map_err(|e| RejectedSettings {
            config: None,
            problems: vec![ConfigProblem {
                field: "settings",
                message: format!("They could not be read ({e})."),
            }],
        })?;
        c.allowed_origins = deployer.allowed_origins.clone();
        c.allow_built_in = deployer.allow_built_in;
        let refused = c.server == Server::BuiltIn && !c.allow_built_in;
        if refused {
            c.server = Server::Ilert;
        }
        let mut problems = c.in_force(app_root).validate(None);
        if refused && !problems.is_empty() {
            problems.insert(
                0,
                ConfigProblem {
                    field: "server",
                    message: BUILT_IN_FORBIDDEN.into(),
                },
            );
        }
        if problems.is_empty() {
            Ok((c, refused))
        } else {
            Err(RejectedSettings {
                config: Some(c),
                problems,
            })
        }
    }

    /// The JSON reading and normalisation, without any check.
    fn parse_json(s: &str) -> Result<Config, Error> {
        let value = json::parse(s)
            .map_err(|e| Error::Config(format!("config.json is not valid JSON ({e})")))?;
        if !value.is_object() {
            return Err(Error::Config(
                "config.json must be a JSON object with client_id and api_base (and optionally redirect_uri, scopes, tenant or authorize_url)"
                    .into(),
            ));
        }
        let server = Server::of(&value)?;
        let allow_built_in = match value.get("allow_built_in") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Error::Config(
                "\"allow_built_in\" must be true or false (without quotes): false forbids the built-in simulator for this deployment, true (the default) offers it".into(),
            )),
        };
        // The simulator needs no iLert values: absent, they are iLert's defaults.
        let required = if server == Server::Ilert {
            REQUIRED
        } else {
            &[]
        };
        for (field, what) in required {
            match value.get(field) {
                None | Some(Value::Null) => {
                    return Err(Error::Config(format!(
                        "\"{field}\" is missing: set it to {what}"
                    )))
                }
                Some(Value::String(v)) if v.trim().is_empty() => {
                    return Err(Error::Config(format!(
                        "\"{field}\" is empty: set it to {what}"
                    )))
                }
                Some(Value::String(_)) => {}
                Some(_) => {
                    return Err(Error::Config(format!("\"{field}\" must be a text: {what}")))
                }
            }
        }
        let c = Config::from_value(&value).map_err(|e| {
            Error::Config(format!("config.json has a field of the wrong type ({e})"))
        })?;
        Ok(Config {
            server,
            client_id: c.client_id.trim().to_string(),
            tenant: non_blank(c.tenant),
            authorize_url: non_blank(c.authorize_url),
            api_base: c.api_base.trim().to_string(),
            redirect_uri: c.redirect_uri.trim().to_string(),
            // One scope list however it was written: trimmed, no blanks, no duplicates.
            scopes: parse_scopes(&c.scopes.join(" ")),
            issuer: non_blank(c.issuer),
            allowed_origins: c
                .allowed_origins
                .map(|l| l.into_iter().map(|o| o.trim().to_string()).collect()),
            allow_built_in,
        })
    }

    /// The fields as written, unchecked (`server` is read by [`Server::of`]): text fields must
    /// be texts (optional ones may be missing or null; `client_id` and `api_base` too, as
    /// `""` and [`DEFAULT_API_BASE`], since [`Config::parse_json`] has made sure they are there
    /// unless the server is the built-in one), `scopes` a list of texts or one space-separated
    /// text (missing or null: the defaults), `allowed_origins` a list of texts.
    fn from_value(v: &Value) -> Result<Config, String> {
        let optional = |key| v.opt(key, Value::as_str).map(|t| t.map(str::to_string));
        let text = |key, default: &str| {
            optional(key).map(|t| non_blank(t).unwrap_or_else(|| default.to_string()))
        };
        let list = |key| v.opt(key, strings);
        let scopes = match v.get("scopes") {
            Some(Value::String(s)) => parse_scopes(s),
            _ => list("scopes")?.unwrap_or_else(default_scopes),
        };
        Ok(Config {
            server: Server::Ilert,
            client_id: text("client_id", "")?,
            tenant: optional("tenant")?,
            authorize_url: optional("authorize_url")?,
            api_base: text("api_base", DEFAULT_API_BASE)?,
            // Blank or missing: the page's own `<origin><base>webapp` (`with_redirect_default`).
            redirect_uri: optional("redirect_uri")?.unwrap_or_default(),
            scopes,
            issuer: optional("issuer")?,
            allowed_origins: list("allowed_origins")?,
            allow_built_in: true,
        })
    }

    /// As JSON (localStorage keeps it compact): `allowed_origins` only when set,
    /// `allow_built_in` only when false.
    pub fn to_value(&self) -> Value {
        let mut members = vec![
            ("server", self.server.name().into()),
            ("client_id", self.client_id.as_str().into()),
            ("tenant", self.tenant.clone().into()),
            ("authorize_url", self.authorize_url.clone().into()),
            ("api_base", self.api_base.as_str().into()),
            ("redirect_uri", self.redirect_uri.as_str().into()),
            ("scopes", self.scopes.clone().into()),
            ("issuer", self.issuer.clone().into()),
        ];
        if let Some(origins) = &self.allowed_origins {
            members.push(("allowed_origins", origins.clone().into()));
        }
        if !self.allow_built_in {
            members.push(("allow_built_in", Value::Bool(false)));
        }
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    /// The configuration as pretty JSON (for the settings panel).
    pub fn to_json(&self) -> String {
        self.to_value().pretty()
    }
}
