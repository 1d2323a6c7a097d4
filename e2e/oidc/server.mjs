#!/usr/bin/env node
// A standards OAuth 2.0 / OpenID Connect server for the e2e suite: panva's oidc-provider
// (OpenID Certified), mounted on iLert's paths, so the app talks to it exactly as it talks to
// iLert. Nothing here is iLert-specific except the paths: the point is that the app works with
// any server that follows the RFCs.
//
//   node e2e/oidc/server.mjs --port 0 --client-id ilert-pkce-demo \
//        --redirect-uri http://localhost:8080/webapp [--access-token-ttl 3600] [--exit-with-stdin]
//
// (or OIDC_PORT, OIDC_CLIENT_ID, OIDC_REDIRECT_URI, OIDC_ACCESS_TOKEN_TTL in the environment).
// Prints one line `oidc-provider ready <issuer>` on stdout once it listens (port 0: a free one).
// The person to sign in as is ada, with any password.
// Logs no secrets: the request log at GET /_test/requests holds method, path, status, origin,
// the NAMES of the form fields, client_id and grant_type, and the OAuth error code, never a
// token, code or verifier.
import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  const env = process.env[`OIDC_${name.toUpperCase().replaceAll('-', '_')}`];
  return env ?? fallback;
}

const PORT = Number(arg('port', '0'));
const CLIENT_ID = arg('client-id', 'ilert-pkce-demo');
const REDIRECT_URI = arg('redirect-uri', 'http://localhost:8080/webapp');
const ACCESS_TOKEN_TTL = Number(arg('access-token-ttl', '3600'));

// iLert's paths (the app builds them from its api_base = this issuer).
const ROUTES = {
  authorization: '/api/developers/oauth2/authorize',
  token: '/api/developers/oauth2/token',
  introspection: '/api/developers/oauth2/token_info',
  revocation: '/api/developers/oauth2/revoke',
  userinfo: '/api/users/current',
  jwks: '/api/developers/oauth2/jwks',
  end_session: '/api/developers/oauth2/logout',
};

// One person. Any password is accepted: this is a test server.
const ACCOUNTS = {
  'ada-1': {
    login: 'ada',
    claims: {
      sub: 'ada-1',
      preferred_username: 'ada',
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      email: 'ada@example.com',
      email_verified: true,
      locale: 'en',
      zoneinfo: 'Europe/London',
    },
  },
};

function accountIdForLogin(login) {
  return Object.keys(ACCOUNTS).find((id) => ACCOUNTS[id].login === login.trim());
}

// The storage of oidc-provider's models, in memory (a fresh server per test). The library's
// own in-memory adapter is the same, but warns loudly on every start.
class MemoryAdapter {
  static store = new Map();

  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    MemoryAdapter.store.set(key, { payload, expiresAt });
    if (payload.grantId) {
      const grantKey = `grant:${payload.grantId}`;
      const keys = MemoryAdapter.store.get(grantKey) ?? { payload: [], expiresAt: undefined };
      keys.payload.push(key);
      MemoryAdapter.store.set(grantKey, keys);
    }
    if (payload.userCode) MemoryAdapter.store.set(`userCode:${payload.userCode}`, { payload: id });
    if (payload.uid) MemoryAdapter.store.set(`uid:${payload.uid}`, { payload: id });
  }

  async find(id) {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt < Date.now()) {
      MemoryAdapter.store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }

  async findByUserCode(userCode) {
    const id = MemoryAdapter.store.get(`userCode:${userCode}`)?.payload;
    return id === undefined ? undefined : this.find(id);
  }

  async findByUid(uid) {
    const id = MemoryAdapter.store.get(`uid:${uid}`)?.payload;
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = MemoryAdapter.store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    MemoryAdapter.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const grantKey = `grant:${grantId}`;
    for (const key of MemoryAdapter.store.get(grantKey)?.payload ?? []) {
      MemoryAdapter.store.delete(key);
    }
    MemoryAdapter.store.delete(grantKey);
  }
}

const redirectOrigin = new URL(REDIRECT_URI).origin;

function configuration() {
  // A fresh signing key per run, for the ID token (EC P-256: generated in a millisecond).
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-es256', alg: 'ES256', use: 'sig' };

  return {
    adapter: MemoryAdapter,
    routes: ROUTES,
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: CLIENT_ID,
        // A public client: no secret, it authenticates by sending its client_id.
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'openid profile email offline_access',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    // What each scope releases from the account (OIDC Core 5.4).
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'zoneinfo'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { ...account.claims };
        },
      };
    },
    // PKCE for every authorization request, S256 only (plain is refused).
    pkce: { required: () => true, methods: ['S256'] },
    // A refresh token when the grant has offline_access (oidc-provider's rule, spelled out);
    // see offlineAccessMeansConsent below for how offline_access survives without a prompt.
    async issueRefreshToken(_ctx, client, code) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
    },
    // Every refresh answers with a new refresh token and marks the old one consumed; a consumed
    // one presented again is reuse: oidc-provider then revokes the whole grant (every access
    // and refresh token of that sign-in) and answers invalid_grant.
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    // Browser calls (token, token_info, revoke, users/current) only from the client's own
    // origin, the one of its redirect URI.
    clientBasedCORS(_ctx, origin, client) {
      return client.redirectUris.some((uri) => new URL(uri).origin === origin);
    },
    features: {
      devInteractions: { enabled: false },
      // RFC 7662. A public client authenticates with its client_id alone, and may ask only
      // about its own tokens.
      introspection: {
        enabled: true,
        async allowedPolicy(_ctx, client, token) {
          return token.clientId === client.clientId;
        },
      },
      // RFC 7009, the same rule: a client revokes only its own tokens.
      revocation: {
        enabled: true,
        async allowedPolicy(_ctx, client, token) {
          return token.clientId === client.clientId;
        },
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: false },
    },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1><p id="error">${escape(out.error)}: ${escape(out.error_description ?? '')}</p>`);
    },
  };
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · oidc-provider</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}
input{display:block;font-size:1rem;padding:.3rem;width:100%}button{font-size:1rem;margin:.5rem .5rem 0 0;padding:.4rem 1rem}</style>
</head><body><main>${body}</main></body></html>`;
}

function loginPage(uid, clientId, problem) {
  return page('Sign in', `<h1>Sign in</h1>
<p>to continue to <strong id="client">${escape(clientId)}</strong> (this test server accepts any password).</p>
${problem ? `<p id="problem" role="alert">${escape(problem)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
<label>Username <input id="username" name="username" required autofocus></label>
<label>Password <input id="password" name="password" type="password" required></label>
<button id="sign-in" type="submit">Sign in</button>
</form>`);
}

function consentPage(uid, clientId, scopes) {
  const items = scopes.map((s) => `<li><code>${escape(s)}</code></li>`).join('');
  return page('Consent', `<h1>Allow access?</h1>
<p><strong id="client">${escape(clientId)}</strong> asks for:</p>
<ul id="scopes">${items}</ul>
<form method="post" action="/interaction/${escape(uid)}/confirm"><button id="allow" type="submit">Allow</button></form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button id="deny" type="submit">Deny</button></form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

// The interaction pages (login, consent) that oidc-provider leaves to the deployment.
async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, 'text/html', page('Error', '<p id="error">This sign-in is not the one in progress.</p>'));
    return;
  }
  const { prompt, params, session } = details;
  if (req.method === 'GET' && !action) {
    const html = prompt.name === 'login'
      ? loginPage(uid, params.client_id)
      : consentPage(uid, params.client_id, String(params.scope ?? '').split(' ').filter(Boolean));
    send(res, 200, 'text/html; charset=utf-8', html);
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, 'text/plain', 'method not allowed');
    return;
  }
  if (action === 'login') {
    const form = await readForm(req);
    const accountId = accountIdForLogin(form.get('username') ?? '');
    if (!accountId) {
      send(res, 200, 'text/html; charset=utf-8', loginPage(uid, params.client_id, 'Unknown user: try ada.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (action === 'confirm') {
    await readForm(req);
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    if (prompt.details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (action === 'abort') {
    await readForm(req);
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'The person denied access.',
    }, { mergeWithLastSubmission: false });
    return;
  }
  send(res, 404, 'text/plain', 'not found');
}

// What each protocol request carried, without secrets (see the top of the file).
const requests = [];

function recordRequests(provider) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method === 'OPTIONS' && !ctx.get('Access-Control-Request-Method')) return;
    const body = ctx.oidc?.body ?? {};
    const answer = ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) ? ctx.body : {};
    requests.push({
      method: ctx.method,
      path: ctx.path,
      route: ctx.oidc?.route ?? null,
      status: ctx.status,
      origin: ctx.get('Origin') || null,
      authorization_header: ctx.get('Authorization') ? ctx.get('Authorization').split(' ')[0] : null,
      content_type: ctx.get('Content-Type') || null,
      fields: Object.keys(body).sort(),
      client_id: typeof body.client_id === 'string' ? body.client_id : null,
      grant_type: typeof body.grant_type === 'string' ? body.grant_type : null,
      token_type_hint: typeof body.token_type_hint === 'string' ? body.token_type_hint : null,
      error: typeof answer.error === 'string' ? answer.error : null,
      error_description: typeof answer.error_description === 'string' ? answer.error_description : null,
    });
  });
}

// OpenID Connect Core 11: offline_access is honoured only with prompt=consent "unless other
// conditions for processing the request permitting offline access are in place", and
// oidc-provider drops it otherwise. Our condition: consent is always asked when offline_access
// is, so an authorization request that asks for offline_access without any prompt (the app
// sends none, like iLert's own clients) is treated as prompt=consent.
function offlineAccessMeansConsent(provider) {
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === ROUTES.authorization && ctx.query.prompt === undefined) {
      const scopes = String(ctx.query.scope ?? '').split(' ');
      if (scopes.includes('offline_access')) ctx.query = { ...ctx.query, prompt: 'consent' };
    }
    await next();
  });
}

const server = http.createServer();
server.listen(PORT, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  recordRequests(provider);
  offlineAccessMeansConsent(provider);
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/_test/requests' && req.method === 'GET') {
      send(res, 200, 'application/json', JSON.stringify(requests));
      return;
    }
    const match = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|confirm|abort))?$/);
    if (match) {
      interaction(provider, req, res, match[1], match[2]).catch((err) => {
        send(res, 400, 'text/html; charset=utf-8', page('Error', `<p id="error">${escape(err.message)}</p>`));
      });
      return;
    }
    callback(req, res);
  });
  console.log(`oidc-provider ready ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
// Started by a test: end with it, even if it dies without killing us (its end of our stdin
// closes then).
if (process.argv.includes('--exit-with-stdin')) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}
