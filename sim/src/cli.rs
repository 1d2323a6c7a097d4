//! `ilert-sim`'s command line: the flags that fill the core's [`SimConfig`], and what only
//! this native host has (the port, the request log on stderr).

use std::fmt;

use ilert_sim_core::{Client, ClientSecret, FaultRule, SimConfig, FIRST_APP_ID};

pub const DEFAULT_PORT: u16 = 4598;

pub const USAGE: &str = "\
ilert-sim: a local simulator of iLert's OAuth2 API (authorization code with PKCE for
browser apps, with a client secret for backend apps)

USAGE: ilert-sim [OPTIONS]

OPTIONS:
  --port N               port on 127.0.0.1 (default 4598; 0 = any free port)
  --access-ttl SECS      access token lifetime (default 3600)
  --refresh-ttl SECS     refresh token lifetime (default 31536000)
  --code-ttl SECS        authorization code lifetime (default 120)
  --latency-ms MS        delay added before every answer of the token, token_info,
                         revoke and API endpoints, CORS preflights included (default 0)
  --client ID=URI        register a client and its exact redirect URI (repeatable;
                         default ilert-pkce-demo=http://localhost:4597/webapp): a public
                         client (a browser app: PKCE, no secret) unless given a secret
  --client-secret ID=SECRET
                         make client ID (from --client, or the default) confidential, a
                         backend app: the code exchange and every refresh must send
                         SECRET (form field client_secret or HTTP Basic), PKCE becomes
                         optional, refresh tokens come without offline_access, and
                         revoking its tokens needs the secret too; or, as iLert's PKCE
                         guide allows, no secret but PKCE (a browser half of the app).
                         Never printed; use a test value (the process list shows it)
  --rotate-refresh on|off
                         on (default): a refresh answers with a new refresh token and
                         the spent one stops working; off: the answer brings none and
                         the same refresh token goes on working (iLert's docs are silent)
  --fault JSON           install a fault rule at start (repeatable), as POST /_sim/faults
                         takes it, e.g. '{\"endpoint\":\"token\",\"forever\":true,
                         \"action\":{\"respond\":{\"status\":503}}}' (see /_sim/faults)
  --quiet                no request log on stderr
  -h, --help             this text

Clients can also be registered while it runs: POST /_sim/clients with
{\"id\":…,\"redirect_uri\":…,\"secret\":… or null} (Content-Type: application/json and
X-Ilert-Sim-Hook: 1, as every hook that changes state wants). Only requests whose Host is
localhost, 127.0.0.0/8 or [::1] are answered.
";

/// Everything the flags set. `Default` equals the flags' defaults.
#[derive(Clone, Debug)]
pub struct Options {
    /// On 127.0.0.1; 0 = any free port.
    pub port: u16,
    /// No request log on stderr.
    pub quiet: bool,
    pub sim: SimConfig,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: DEFAULT_PORT,
            quiet: false,
            sim: SimConfig::default(),
        }
    }
}

/// Why the flags could not be turned into a config.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgsError {
    /// `-h`/`--help` was given: print [`USAGE`] and exit successfully.
    Help,
    Invalid(String),
}

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgsError::Help => f.write_str(USAGE),
            ArgsError::Invalid(msg) => write!(f, "{msg}\n\n{USAGE}"),
        }
    }
}

impl std::error::Error for ArgsError {}

impl Options {
    /// Parses the flags, without the program name (`std::env::args().skip(1)`).
    /// Accepts both `--flag value` and `--flag=value`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Options, ArgsError> {
        let mut options = Options::default();
        options.sim.clients = Vec::new();
        let mut secrets: Vec<(String, String)> = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, ArgsError> {
                match inline.clone().or_else(|| args.next()) {
                    Some(v) => Ok(v),
                    None => Err(ArgsError::Invalid(format!("{name} needs a value"))),
                }
            };
            match flag.as_str() {
                "-h" | "--help" => return Err(ArgsError::Help),
                "--quiet" => options.quiet = true,
                "--port" => options.port = number(&flag, &value(&flag)?)?,
                "--access-ttl" => options.sim.access_ttl = positive(&flag, &value(&flag)?)?,
                "--refresh-ttl" => options.sim.refresh_ttl = positive(&flag, &value(&flag)?)?,
                "--code-ttl" => options.sim.code_ttl = positive(&flag, &value(&flag)?)?,
                "--latency-ms" => options.sim.latency_ms = number(&flag, &value(&flag)?)?,
                "--rotate-refresh" => {
                    options.sim.rotate_refresh = match value(&flag)?.as_str() {
                        "on" => true,
                        "off" => false,
                        other => {
                            return Err(ArgsError::Invalid(format!(
                                "--rotate-refresh wants on or off, got {other:?}"
                            )))
                        }
                    }
                }
                "--fault" => {
                    let text = value(&flag)?;
                    let rule = serde_json::from_str(&text)
                        .map_err(|e| e.to_string())
                        .and_then(FaultRule::from_json)
                        .map_err(|e| ArgsError::Invalid(format!("--fault {text}: {e}")))?;
                    options.sim.faults.push(rule);
                }
                "--client" => {
                    let spec = value(&flag)?;
                    let (id, uri) = spec.split_once('=').ok_or_else(|| {
                        ArgsError::Invalid(format!("--client wants ID=REDIRECT_URI, got {spec:?}"))
                    })?;
                    if options.sim.clients.iter().any(|c| c.id == id) {
                        return Err(ArgsError::Invalid(format!("client {id:?} given twice")));
                    }
                    let app_id = FIRST_APP_ID + options.sim.clients.len() as u64;
                    let client = Client::new(id, uri, app_id).map_err(ArgsError::Invalid)?;
                    options.sim.clients.push(client);
                }
                "--client-secret" => {
                    // The value is never quoted in an error: it may be the secret.
                    let spec = value(&flag)?;
                    let (id, secret) = spec.split_once('=').ok_or_else(|| {
                        ArgsError::Invalid("--client-secret wants ID=SECRET".into())
                    })?;
                    if secrets.iter().any(|(i, _)| i == id) {
                        return Err(ArgsError::Invalid(format!(
                            "--client-secret for {id:?} given twice"
                        )));
                    }
                    secrets.push((id.to_string(), secret.to_string()));
                }
                // Only a flag's name: neither `--client-secrt=ID=SECRET` nor the stray half of
                // an unquoted secret with a space may print the secret.
                f if f.starts_with('-') => {
                    return Err(ArgsError::Invalid(format!("unknown argument {f:?}")))
                }
                _ => {
                    return Err(ArgsError::Invalid(
                        "an argument that is not a flag (not shown: it may be a secret)".into(),
                    ))
                }
            }
        }
        if options.sim.clients.is_empty() {
            options.sim.clients = SimConfig::default().clients;
        }
        // After every --client (and the default), so the flags may come in any order.
        for (id, secret) in secrets {
            let client = options
                .sim
                .clients
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(|| {
                    ArgsError::Invalid(format!(
                        "--client-secret names {id:?}, which no --client registers"
                    ))
                })?;
            let secret = ClientSecret::new(&secret)
                .map_err(|e| ArgsError::Invalid(format!("--client-secret for {id:?}: {e}")))?;
            client.secret = Some(secret);
        }
        Ok(options)
    }
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, ArgsError> {
    v.parse()
        .map_err(|_| ArgsError::Invalid(format!("{flag}: {v:?} is not a valid number")))
}

fn positive(flag: &str, v: &str) -> Result<u64, ArgsError> {
    match number::<u64>(flag, v)? {
        0 => Err(ArgsError::Invalid(format!("{flag} must be at least 1"))),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_match_flags() {
        let options = Options::from_args(Vec::new()).unwrap();
        let parsed = &options.sim;
        let d = SimConfig::default();
        assert_eq!((options.port, options.quiet), (4598, false));
        assert_eq!(
            (parsed.access_ttl, parsed.refresh_ttl, parsed.code_ttl),
            (3600, 31_536_000, 120)
        );
        assert_eq!(parsed.clients, d.clients);
        assert_eq!(d.clients[0].origin, "http://localhost:4597");
        assert_eq!(d.clients[0].app_id, 250);
        assert!(parsed.rotate_refresh && d.rotate_refresh);
    }

    #[test]
    fn rotation_is_on_or_off() {
        let off = Options::from_args(args("--rotate-refresh off")).unwrap();
        assert!(!off.sim.rotate_refresh);
        let on = Options::from_args(args("--rotate-refresh=on")).unwrap();
        assert!(on.sim.rotate_refresh);
        assert!(Options::from_args(args("--rotate-refresh yes")).is_err());
        assert!(Options::from_args(args("--rotate-refresh")).is_err());
    }

    #[test]
    fn parses_every_flag() {
        let o = Options::from_args(args(
            "--port 0 --access-ttl=5 --refresh-ttl 6 --code-ttl 7 --latency-ms 8 --quiet \
             --client a=http://127.0.0.1:9000/cb --client b=https://EXAMPLE.com:443/x?y=1",
        ))
        .unwrap();
        let c = &o.sim;
        assert_eq!(
            (
                o.port,
                c.access_ttl,
                c.refresh_ttl,
                c.code_ttl,
                c.latency_ms
            ),
            (0, 5, 6, 7, 8)
        );
        assert!(o.quiet);
        assert_eq!(c.clients.len(), 2);
        assert_eq!(c.client("b").unwrap().origin, "https://example.com");
        assert_eq!(c.client("b").unwrap().app_id, 251);
        assert!(c.faults.is_empty());
        let f = &Options::from_args(vec![
            "--fault".into(),
            r#"{"endpoint":"user","action":{"hang":true}}"#.into(),
            r#"--fault={"endpoint":"token","count":2,"action":{"reset":true}}"#.into(),
        ])
        .unwrap()
        .sim;
        assert_eq!(f.faults.len(), 2);
        assert_eq!(f.faults[1].count, Some(2));
        assert_eq!(
            c.origins(),
            vec!["http://127.0.0.1:9000", "https://example.com"]
        );
    }

    #[test]
    fn rejects_bad_flags() {
        assert_eq!(
            Options::from_args(args("--help")).unwrap_err(),
            ArgsError::Help
        );
        for bad in [
            "--port",
            "--port x",
            "--code-ttl 0",
            "--client nope",
            "--client a=ftp://x/",
            "--client a=http://x/#f",
            "--client a=http://x/ --client a=http://y/",
            "--what",
            "--fault",
            "--fault {}",
            "--fault {\"endpoint\":\"token\"}",
            "--client-secret",
            "--client-secret nope",
            "--client-secret ilert-pkce-demo=",
            "--client a=http://x/ --client-secret b=s",
            "--client a=http://x/ --client-secret a=s --client-secret a=t",
        ] {
            assert!(
                matches!(Options::from_args(args(bad)), Err(ArgsError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn client_secret_makes_a_client_confidential() {
        let c = &Options::from_args(args(
            "--client-secret back=s3=cr:et --client back=http://localhost:8080/cb \
             --client web=http://localhost:4597/webapp",
        ))
        .unwrap()
        .sim;
        let back = c.client("back").unwrap();
        assert!(back.is_confidential());
        // Split at the first `=`: a secret may hold `=` (base64 padding) and `:`.
        assert!(back.secret.as_ref().unwrap().matches("s3=cr:et"));
        assert!(!c.client("web").unwrap().is_confidential());
        // The default client may be given one too.
        let d = Options::from_args(args("--client-secret ilert-pkce-demo=x"))
            .unwrap()
            .sim;
        assert!(d.clients[0].is_confidential());
        assert!(!SimConfig::default().clients[0].is_confidential());
    }

    #[test]
    fn a_secret_is_never_printed() {
        let c = Options::from_args(args(
            "--client a=http://x/ --client-secret a=hunter2-secret",
        ))
        .unwrap()
        .sim;
        assert!(!format!("{c:?}").contains("hunter2"), "{c:?}");
        assert!(format!("{c:?}").contains("ClientSecret(***)"));
        // Nor by an error about the flags.
        let cases: [&[&str]; 4] = [
            &["--client-secret=hunter2-secret"],
            &["--client-secrt=a=hunter2-secret"],
            &[
                "--client",
                "a=http://x/",
                "--client-secret",
                "a=hunter2\u{7}",
            ],
            // An unquoted secret with a space: its second half is a stray argument.
            &[
                "--client",
                "a=http://x/",
                "--client-secret",
                "a=hunter2",
                "secret-hunter2",
            ],
        ];
        for argv in cases {
            let argv: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
            let e = Options::from_args(argv.clone()).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{argv:?}: {e}");
        }
    }
}
