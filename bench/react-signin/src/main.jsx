// A React 19 + oidc-client-ts sign-in page, the comparison of `cargo xtask bench` (issue 20):
// what the app's sign-in path does, written the usual React way, without the playground.
// It reads the app's config.json, offers "Connect to iLert" once a UserManager exists,
// signs in with the authorization code and PKCE (S256; state in sessionStorage), and on
// /webapp finishes the sign-in and shows the user and the token info, marked with the same
// data-testid as the app's so that the bench's probe finds both alike.
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { UserManager, WebStorageStateStore } from "oidc-client-ts";

const TOKEN_PATH = "/api/developers/oauth2/token";
const TOKEN_INFO_PATH = "/api/developers/oauth2/token_info";
const USER_PATH = "/api/users/current";
const DEFAULT_AUTHORIZE_URL = "https://app.ilert.com/api/developers/oauth2/authorize";

// The app's rules (src/config.rs): a tenant's own authorize URL, else authorize_url, else iLert's.
function authorizeUrl(config) {
  const tenant = (config.tenant || "").trim().toLowerCase();
  if (tenant) return `https://${encodeURIComponent(tenant)}.ilert.com/api/developers/oauth2/authorize`;
  return config.authorize_url || DEFAULT_AUTHORIZE_URL;
}

function userManager(config) {
  const api = (config.api_base || "https://api.ilert.com").replace(/\/+$/, "");
  const scopes = Array.isArray(config.scopes) ? config.scopes : ["profile", "offline_access"];
  const store = new WebStorageStateStore({ store: window.sessionStorage });
  return new UserManager({
    authority: api,
    // iLert has no discovery document: the endpoints are given.
    metadata: {
      issuer: api,
      authorization_endpoint: authorizeUrl(config),
      token_endpoint: api + TOKEN_PATH,
    },
    client_id: config.client_id,
    redirect_uri: config.redirect_uri || `${location.origin}/webapp`,
    response_type: "code",
    scope: scopes.join(" "),
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    stateStore: store,
    userStore: store,
  });
}

async function json(response) {
  if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`);
  return response.json();
}

function Home({ manager }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const connect = () => {
    setBusy(true);
    manager.signinRedirect().catch((e) => {
      setBusy(false);
      setError(String(e.message || e));
    });
  };
  return (
    <>
      <p>Sign in with your iLert account.</p>
      <button data-testid="connect" disabled={!manager || busy} onClick={connect}>
        Connect to iLert
      </button>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

function Callback({ manager, config }) {
  const [state, setState] = useState({});
  useEffect(() => {
    let gone = false;
    (async () => {
      const user = await manager.signinRedirectCallback();
      // The code leaves the address bar at once.
      history.replaceState(null, "", "/webapp");
      const api = manager.settings.authority;
      const bearer = { Authorization: `Bearer ${user.access_token}`, Accept: "application/json" };
      const form = new URLSearchParams({ token: user.access_token, client_id: config.client_id });
      const [profile, info] = await Promise.all([
        fetch(api + USER_PATH, { headers: bearer }).then(json),
        fetch(api + TOKEN_INFO_PATH, { method: "POST", body: form, headers: { Accept: "application/json" } }).then(json),
      ]);
      if (!gone) setState({ profile, info });
    })().catch((e) => !gone && setState({ error: String(e.message || e) }));
    return () => {
      gone = true;
    };
  }, [manager, config]);
  const { profile, info, error } = state;
  if (error) return <p role="alert">{error}</p>;
  if (!profile) return <p>Signing in…</p>;
  return (
    <>
      <h2 data-testid="profile-name">{[profile.firstName, profile.lastName].filter(Boolean).join(" ") || profile.username}</h2>
      <p data-testid="profile-email">{profile.email}</p>
      <dl>
        <dt>Active</dt>
        <dd data-testid="info-active">{info.active ? "yes" : "no"}</dd>
        <dt>Tenant</dt>
        <dd data-testid="info-tenant">{info.tenant_id}</dd>
        <dt>Scope</dt>
        <dd data-testid="info-scope">{info.scope}</dd>
      </dl>
    </>
  );
}

function App() {
  const [loaded, setLoaded] = useState({});
  useEffect(() => {
    // Plain fetch, so that it takes the preloaded answer (index.html).
    fetch("/config.json")
      .then(json)
      .then((config) => setLoaded({ config, manager: userManager(config) }))
      .catch((e) => setLoaded({ error: `config.json: ${e.message || e}` }));
  }, []);
  const { config, manager, error } = loaded;
  const callback = location.pathname === "/webapp" && /[?&](code|error)=/.test(location.search);
  return (
    <main>
      <h1>iLert sign-in</h1>
      {error && <p role="alert">{error}</p>}
      {callback ? manager && <Callback manager={manager} config={config} /> : <Home manager={manager} />}
    </main>
  );
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
