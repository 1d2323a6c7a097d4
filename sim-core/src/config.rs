//! The simulator's settings: the command-line flags and the registered OAuth clients.

use std::fmt;

use crate::faults::FaultRule;

/// The client that the app's default `config.json` uses.
pub const DEFAULT_CLIENT_ID: &str = "ilert-pkce-demo";
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:4597/webapp";
pub const DEFAULT_PORT: u16 = 4598;

/// iLert's app id of the first registered client (the docs' token_info example shows 250);
/// further clients get 251, 252, …
pub const FIRST_APP_ID: u64 = 250;

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
                         revoking its tokens needs the secret too. Never printed; use a
                         test value (the process list shows it)
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

/// A registered OAuth client with one exact redirect URI: a public app (a browser app,
/// PKCE, no secret) or, with a `secret`, a confidential one (a backend app).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub redirect_uri: String,
    /// `scheme://host[:port]` of the redirect URI: the only origin CORS lets in for it.
    pub origin: String,
    pub app_id: u64,
    /// Set for a confidential client: it must present it at the token endpoint.
    pub secret: Option<ClientSecret>,
}

impl Client {
    pub fn new(id: &str, redirect_uri: &str, app_id: u64) -> Result<Self, String> {
        if id.is_empty() {
            return Err("client id must not be empty".into());
        }
        let origin = origin_of(redirect_uri)?;
        Ok(Client {
            id: id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            origin,
            app_id,
            secret: None,
        })
    }

    /// The same client, confidential with `secret`.
    pub fn with_secret(mut self, secret: &str) -> Result<Self, String> {
        self.secret = Some(ClientSecret::new(secret)?);
        Ok(self)
    }

    /// A backend app, which authenticates with its secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }
}

/// A confidential client's secret, kept as its SHA-256 only: neither memory nor a snapshot
/// holds the secret itself. It never shows in `Debug` output, and it is compared in
/// constant time.
#[derive(Clone)]
pub struct ClientSecret([u8; 32]);

impl ClientSecret {
    /// RFC 6749 Appendix A.2: `client-secret = *VSCHAR` (printable ASCII and space); an
    /// empty one would be no secret at all (a form field sent empty counts as omitted).
    /// The error never quotes the secret.
    pub fn new(secret: &str) -> Result<Self, String> {
        if secret.is_empty() {
            return Err("a client secret must not be empty".into());
        }
        if !secret.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err("a client secret must be printable ASCII (RFC 6749 VSCHAR)".into());
        }
        Ok(ClientSecret(Self::digest(secret)))
    }

    fn digest(secret: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(secret.as_bytes()).into()
    }

    /// Whether `presented` is the secret. It is hashed first and the hashes compared in
    /// constant time, so that neither the position of the first difference nor the secret's
    /// length shows in the time taken.
    pub fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&Self::digest(presented)).into()
    }

    /// The SHA-256 as hex, for a snapshot.
    pub(crate) fn hash_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The secret of a snapshot (see [`ClientSecret::hash_hex`]).
    pub(crate) fn from_hash_hex(hex: &str) -> Result<Self, String> {
        let bad = || "a saved client secret must be 64 hex digits (its SHA-256)".to_string();
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut hash = [0u8; 32];
        for (i, byte) in hash.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(ClientSecret(hash))
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

impl PartialEq for ClientSecret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for ClientSecret {}

/// Everything the flags set. `Default` equals the flags' defaults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub port: u16,
    pub access_ttl: u64,
    pub refresh_ttl: u64,
    pub code_ttl: u64,
    pub latency_ms: u64,
    pub clients: Vec<Client>,
    /// Silences the per-request log (tests that start the simulator in-process want that).
    pub quiet: bool,
    /// Fault rules in force from the start, as if posted to `/_sim/faults` in this order
    /// (see [`crate::faults`]); the server panics at start on one that does not check.
    pub faults: Vec<FaultRule>,
    /// The path the simulator is mounted under, e.g. `/_sim` or `/app/_sim` in a Service
    /// Worker; empty (the default) when it has its origin's root, as the native one has.
    /// The core strips it from every request's path (a request outside it gets 404) and puts
    /// it in front of every URL it generates (form actions, the paths its pages show).
    /// No trailing `/`.
    pub mount: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: DEFAULT_PORT,
            access_ttl: 3600,
            refresh_ttl: 31_536_000,
            code_ttl: 120,
            latency_ms: 0,
            clients: vec![
                Client::new(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, FIRST_APP_ID)
                    .expect("the default client is valid"),
            ],
            quiet: false,
            faults: Vec::new(),
            mount: String::new(),
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

impl SimConfig {
    /// Parses the flags, without the program name (`std::env::args().skip(1)`).
    /// Accepts both `--flag value` and `--flag=value`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<SimConfig, ArgsError> {
        let mut config = SimConfig {
            clients: Vec::new(),
            ..SimConfig::default()
        };
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
                "--quiet" => config.quiet = true,
                "--port" => config.port = number(&flag, &value(&flag)?)?,
                "--access-ttl" => config.access_ttl = positive(&flag, &value(&flag)?)?,
                "--refresh-ttl" => config.refresh_ttl = positive(&flag, &value(&flag)?)?,
                "--code-ttl" => config.code_ttl = positive(&flag, &value(&flag)?)?,
                "--latency-ms" => config.latency_ms = number(&flag, &value(&flag)?)?,
                "--fault" => {
                    let text = value(&flag)?;
                    let rule = serde_json::from_str(&text)
                        .map_err(|e| e.to_string())
                        .and_then(FaultRule::from_json)
                        .map_err(|e| ArgsError::Invalid(format!("--fault {text}: {e}")))?;
                    config.faults.push(rule);
                }
                "--client" => {
                    let spec = value(&flag)?;
                    let (id, uri) = spec.split_once('=').ok_or_else(|| {
                        ArgsError::Invalid(format!("--client wants ID=REDIRECT_URI, got {spec:?}"))
                    })?;
                    if config.clients.iter().any(|c| c.id == id) {
                        return Err(ArgsError::Invalid(format!("client {id:?} given twice")));
                    }
                    let app_id = FIRST_APP_ID + config.clients.len() as u64;
                    let client = Client::new(id, uri, app_id).map_err(ArgsError::Invalid)?;
                    config.clients.push(client);
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
        if config.clients.is_empty() {
            config.clients = SimConfig::default().clients;
        }
        // After every --client (and the default), so the flags may come in any order.
        for (id, secret) in secrets {
            let client = config
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
        Ok(config)
    }

    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// The distinct origins of the registered redirect URIs (the CORS allow-list).
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for c in &self.clients {
            if !origins.contains(&c.origin) {
                origins.push(c.origin.clone());
            }
        }
        origins
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

/// The web origin (`scheme://host[:port]`, default port left out) of an absolute http(s) URI.
/// Redirect URIs with a fragment or user info are refused, as RFC 6749 §3.1.2 wants.
pub fn origin_of(uri: &str) -> Result<String, String> {
    let (scheme, rest) = uri
        .split_once("://")
        .ok_or_else(|| format!("redirect URI {uri:?} is not absolute"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(format!("redirect URI {uri:?} must be http or https"));
    }
    if !uri.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "redirect URI {uri:?} must be printable ASCII without spaces"
        ));
    }
    if uri.contains('#') {
        return Err(format!("redirect URI {uri:?} must not have a fragment"));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(format!(
            "redirect URI {uri:?} needs a host and no user info"
        ));
    }
    let mut authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "http" { ":80" } else { ":443" };
    if authority.ends_with(default_port) {
        authority.truncate(authority.len() - default_port.len());
    }
    Ok(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn defaults_match_flags() {
        let parsed = SimConfig::from_args(Vec::new()).unwrap();
        let d = SimConfig::default();
        assert_eq!(parsed.port, 4598);
        assert_eq!(
            (parsed.access_ttl, parsed.refresh_ttl, parsed.code_ttl),
            (3600, 31_536_000, 120)
        );
        assert_eq!(parsed.clients, d.clients);
        assert_eq!(d.clients[0].origin, "http://localhost:4597");
        assert_eq!(d.clients[0].app_id, 250);
    }

    #[test]
    fn parses_every_flag() {
        let c = SimConfig::from_args(args(
            "--port 0 --access-ttl=5 --refresh-ttl 6 --code-ttl 7 --latency-ms 8 --quiet \
             --client a=http://127.0.0.1:9000/cb --client b=https://EXAMPLE.com:443/x?y=1",
        ))
        .unwrap();
        assert_eq!(
            (
                c.port,
                c.access_ttl,
                c.refresh_ttl,
                c.code_ttl,
                c.latency_ms
            ),
            (0, 5, 6, 7, 8)
        );
        assert!(c.quiet);
        assert_eq!(c.clients.len(), 2);
        assert_eq!(c.client("b").unwrap().origin, "https://example.com");
        assert_eq!(c.client("b").unwrap().app_id, 251);
        assert!(c.faults.is_empty());
        let f = SimConfig::from_args(vec![
            "--fault".into(),
            r#"{"endpoint":"user","action":{"hang":true}}"#.into(),
            r#"--fault={"endpoint":"token","count":2,"action":{"reset":true}}"#.into(),
        ])
        .unwrap();
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
            SimConfig::from_args(args("--help")).unwrap_err(),
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
                matches!(SimConfig::from_args(args(bad)), Err(ArgsError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn client_secret_makes_a_client_confidential() {
        let c = SimConfig::from_args(args(
            "--client-secret back=s3=cr:et --client back=http://localhost:8080/cb \
             --client web=http://localhost:4597/webapp",
        ))
        .unwrap();
        let back = c.client("back").unwrap();
        assert!(back.is_confidential());
        // Split at the first `=`: a secret may hold `=` (base64 padding) and `:`.
        assert!(back.secret.as_ref().unwrap().matches("s3=cr:et"));
        assert!(!c.client("web").unwrap().is_confidential());
        // The default client may be given one too.
        let d = SimConfig::from_args(args("--client-secret ilert-pkce-demo=x")).unwrap();
        assert!(d.clients[0].is_confidential());
        assert!(!SimConfig::default().clients[0].is_confidential());
    }

    #[test]
    fn a_secret_is_never_printed() {
        let c = SimConfig::from_args(args(
            "--client a=http://x/ --client-secret a=hunter2-secret",
        ))
        .unwrap();
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
            let e = SimConfig::from_args(argv.clone()).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{argv:?}: {e}");
        }
    }

    #[test]
    fn secrets_compare_whole_and_in_constant_time() {
        let s = ClientSecret::new("s3cret").unwrap();
        assert!(s.matches("s3cret"));
        for other in ["", "s3cre", "s3cret ", "S3cret", "s3cret\0"] {
            assert!(!s.matches(other), "{other:?}");
        }
        assert!(ClientSecret::new("").is_err());
        assert!(ClientSecret::new("tab\there").is_err());
        assert!(ClientSecret::new("space and ~ are VSCHAR").is_ok());
        // Only the hash is kept, and it goes back and forth through a snapshot's hex.
        assert!(!s.hash_hex().contains("s3cret"));
        let back = ClientSecret::from_hash_hex(&s.hash_hex()).unwrap();
        assert!(back.matches("s3cret") && back == s);
        assert!(ClientSecret::from_hash_hex("s3cret").is_err());
        assert!(ClientSecret::from_hash_hex(&"g".repeat(64)).is_err());
    }
}
