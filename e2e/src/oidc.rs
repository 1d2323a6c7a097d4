//! A standards server instead of ilert-sim: panva's oidc-provider (OpenID Certified, from
//! package.json's devDependencies), run by `node e2e/oidc/server.mjs` on iLert's paths. The
//! app gets the same config.json shape as against the simulator, with the issuer as API base
//! and the OpenID Connect scopes, and must work unchanged.
//!
//! [`Harness::standards`] returns an ordinary [`Harness`] whose `sim` is the issuer, so every
//! helper works; the helpers here replace the ones that assume ilert-sim's consent page.
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use super::{app_config, app_listener, dist_dir, serve_app, Harness, CLIENT_ID, WAIT};

/// What the app asks the standards server for: OpenID Connect's userinfo needs `openid`.
pub const SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
/// The one person the server knows (any password works).
pub const USERNAME: &str = "ada";
/// iLert's paths, which the server is configured with.
pub const TOKEN_PATH: &str = "/api/developers/oauth2/token";
pub const TOKEN_INFO_PATH: &str = "/api/developers/oauth2/token_info";
pub const REVOKE_PATH: &str = "/api/developers/oauth2/revoke";
pub const AUTHORIZE_PATH: &str = "/api/developers/oauth2/authorize";
pub const USER_PATH: &str = "/api/users/current";

/// A running oidc-provider.
pub struct OidcServer {
    /// `http://127.0.0.1:<port>`: the issuer, and the app's API base.
    pub issuer: String,
    /// From spawning node to the server's ready line.
    pub startup: Duration,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Starts `node e2e/oidc/server.mjs` on a free port for one public client and waits for its
/// ready line. The server lives as long as the test's Tokio runtime: a task owns the process
/// (killed when the task is dropped, i.e. when the test ends, passed or failed), and the
/// server also exits when its stdin closes, should this process die without killing it.
pub async fn start_server(client_id: &str, redirect_uri: &str) -> OidcServer {
    let module = root().join("node_modules/oidc-provider/package.json");
    assert!(
        module.exists(),
        "{} is missing: run `cargo xtask setup` (npm ci)",
        module.display()
    );
    let script = root().join("e2e/oidc/server.mjs");
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&node)
        .arg(&script)
        .args([
            "--port",
            "0",
            "--client-id",
            client_id,
            "--redirect-uri",
            redirect_uri,
            "--exit-with-stdin",
        ])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {node} {}: {e}", script.display()));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.ok()? {
            if let Some(issuer) = line.strip_prefix("oidc-provider ready ") {
                return Some(issuer.trim().to_string());
            }
        }
        None
    })
    .await;
    let issuer = match ready {
        Ok(Some(issuer)) => issuer,
        Ok(None) => panic!(
            "{} exited before it was ready: {:?}",
            script.display(),
            child.wait().await
        ),
        Err(_) => panic!("{} printed no ready line within {WAIT:?}", script.display()),
    };
    let startup = started.elapsed();
    tokio::spawn(async move {
        let _stdin = child.stdin.take();
        while let Ok(Some(_)) = lines.next_line().await {}
        let _ = child.wait().await;
    });
    OidcServer { issuer, startup }
}

impl Harness {
    /// Starts oidc-provider, the release build with a config.json that points at it, and a
    /// browser: the same world as [`Harness::start`], with a standards server in place of
    /// ilert-sim (`self.sim` is the issuer).
    pub async fn standards() -> Harness {
        let dist = dist_dir();
        let (app_listener, app) = app_listener().await;
        let server = start_server(CLIENT_ID, &format!("{app}/webapp")).await;
        let mut config = app_config(&app, &server.issuer);
        config["scopes"] = json!(SCOPES);
        let (config_delay_ms, served) = serve_app(app_listener, dist, Some(config.to_string()));
        Harness::with_browser(app, server.issuer, config_delay_ms, None)
            .await
            .served_by(served)
    }

    /// Home → Connect → waits for oidc-provider's login page.
    pub async fn oidc_connect(&self) {
        self.open("/").await;
        self.click("[data-testid=connect]").await;
        self.wait("#username").await;
    }

    /// On the login page: signs in as `user` (any password) and waits for the consent page.
    pub async fn oidc_login(&self, user: &str) {
        self.wait("#username").await.send_keys(user).await.unwrap();
        self.wait("#password")
            .await
            .send_keys("any password")
            .await
            .unwrap();
        self.click("#sign-in").await;
        self.wait("#allow").await;
    }

    /// Connect → login as ada → Allow, then waits for the profile.
    pub async fn oidc_sign_in(&self) {
        self.oidc_connect().await;
        self.oidc_login(USERNAME).await;
        self.click("#allow").await;
        self.wait_text("[data-testid=profile-username]", USERNAME)
            .await;
    }

    /// What the server saw, oldest first: method, path, route (oidc-provider's name for the
    /// endpoint: token, introspection, revocation, userinfo, …), status, origin, the names of
    /// the form fields, client_id, grant_type and the OAuth error. No secrets.
    pub async fn oidc_requests(&self) -> Vec<Value> {
        let all = self.sim_get("/_test/requests").await;
        all.as_array().unwrap().clone()
    }

    /// The requests the server saw at one endpoint (`token`, `introspection`, `revocation`,
    /// `userinfo`), CORS preflights left out.
    pub async fn oidc_requests_to(&self, route: &str) -> Vec<Value> {
        self.oidc_requests()
            .await
            .into_iter()
            .filter(|r| r["route"] == route)
            .collect()
    }

    /// Spends a refresh token at the token endpoint, outside the browser, as the client.
    pub async fn oidc_refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.sim_post(
            TOKEN_PATH,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT_ID),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    /// Asks the introspection endpoint (iLert's token_info path) about a token, as the client.
    pub async fn oidc_introspect(&self, token: &str) -> Value {
        let (status, answer) = self
            .sim_post(
                TOKEN_INFO_PATH,
                &[("token", token), ("client_id", CLIENT_ID)],
            )
            .await;
        assert_eq!(status, 200, "introspection: {answer}");
        answer
    }
}
