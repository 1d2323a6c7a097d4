/* ilert-sim's browser home: a Service Worker that answers the app's same-origin requests
 * under <scope>_sim/ with the simulator core (Rust, wasm). A plain script, not a module
 * (module workers came late to Firefox and Safari).
 *
 * `cargo xtask dist` writes the content-hashed names of this build's glue and wasm into the
 * copy of this file in the build (sim-worker.js, a name that never changes): a new app version
 * is a new worker script, which installs and takes over, and never loads the old files.
 *
 * The browser stops an idle worker whenever it likes: the simulator's state (codes, grants,
 * refresh tokens, its HMAC key, fault rules, the request log) is saved in IndexedDB after
 * every request and restored when the worker starts again. */
'use strict';

const GLUE = '__SIM_GLUE__';
const WASM = '__SIM_WASM__';
// The core's Step::Hang limit (faults::HANG_LIMIT_MS), after which a hang ends in an error.
const HANG_LIMIT_MS = 600000;
const DB_NAME = 'ilert-sim';
const DB_STORE = 'state';
const DB_KEY = 'snapshot';
// importScripts works only while the script first runs (and at install), so here.
importScripts(GLUE);

const SCOPE = new URL(self.registration.scope);
const MOUNT = SCOPE.pathname + '_sim';

self.addEventListener('install', (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// A page opened with a hard reload (Shift+Reload) is not controlled even by an active
// worker: the app asks to be, or its requests under the mount would reach the web server.
self.addEventListener('message', (event) => {
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
});

// On every answer of the worker: the app tells it from the web server's (say, an SPA
// fallback's index.html when the worker does not control the page), and marks it in its
// timeline.
const MARK_HEADER = 'x-ilert-sim';
const MARK = 'service-worker';

function idb(mode, use) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(DB_STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(DB_STORE, mode);
      const req = use(tx.objectStore(DB_STORE));
      tx.oncomplete = () => {
        db.close();
        resolve(req.result);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(tx.error);
      };
    };
  });
}

let simulator = null;
let starting = null;

/** The simulator, started once per worker life from the snapshot in IndexedDB, if any. */
function sim() {
  if (simulator) return Promise.resolve(simulator);
  if (!starting) {
    starting = (async () => {
      await wasm_bindgen({ module_or_path: WASM });
      let saved;
      try {
        saved = await idb('readonly', (s) => s.get(DB_KEY));
      } catch (e) {
        console.warn('ilert-sim: no saved state', e);
      }
      // A snapshot it cannot read (an older version's) starts it afresh.
      simulator = new wasm_bindgen.Simulator(
        SCOPE.origin,
        SCOPE.pathname,
        typeof saved === 'string' ? saved : undefined,
      );
      return simulator;
    })();
    starting.catch(() => {
      starting = null;
    });
  }
  return starting;
}

// One request at a time reaches the core (its state is single-threaded), and the snapshots
// are written in the order they were taken. Waits and hangs happen outside the chain.
let chain = Promise.resolve();
function inTurn(work) {
  const result = chain.then(work);
  chain = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

function save(s) {
  const snapshot = s.snapshot();
  return idb('readwrite', (store) => store.put(snapshot, DB_KEY)).catch((e) =>
    console.warn('ilert-sim: state not saved', e),
  );
}

const hanging = [];
let hangEpoch = null;

/** After every call into the core: end the hangs when `DELETE _sim/faults` asked for it. */
function checkHangs(s) {
  if (hangEpoch !== null && s.hangEpoch !== hangEpoch) {
    hanging.splice(0).forEach((end) => end());
  }
  hangEpoch = s.hangEpoch;
}

const NULL_BODY = [101, 103, 204, 205, 304];

/** The core's decision as a fetch answer. */
function carryOut(decision) {
  if (decision.waitMs !== undefined) {
    return new Promise((resolve) => setTimeout(resolve, decision.waitMs)).then(() =>
      inTurn(async () => {
        const s = await sim();
        const next = s.resume(decision.resume, Date.now());
        checkHangs(s);
        await save(s);
        return next;
      }).then(carryOut),
    );
  }
  if (decision.reset) return Response.error();
  if (decision.hang) {
    return new Promise((resolve) => {
      const end = () => resolve(Response.error());
      hanging.push(end);
      setTimeout(end, HANG_LIMIT_MS);
    });
  }
  const headers = new Headers();
  for (const [name, value] of decision.headers) {
    try {
      headers.append(name, value);
    } catch (e) {
      console.warn('ilert-sim: header not allowed in a Response', name);
    }
  }
  headers.set(MARK_HEADER, MARK);
  const body = NULL_BODY.includes(decision.status) ? null : decision.body;
  return new Response(body, { status: decision.status, headers });
}

async function serve(request, url) {
  const body = new Uint8Array(await request.arrayBuffer());
  const decision = await inTurn(async () => {
    const s = await sim();
    const d = s.handle(
      request.method,
      url.pathname + url.search,
      Array.from(request.headers),
      body,
      Date.now(),
    );
    checkHangs(s);
    await save(s);
    return d;
  });
  return carryOut(decision);
}

/** What a navigation to a test hook gets instead: words, inert as a page. */
function refuseHook() {
  return new Response(
    'ilert-sim: the test hooks answer the app\'s fetch only, never a page, a link or a form.',
    {
      status: 403,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-security-policy': "sandbox; default-src 'none'",
        'x-content-type-options': 'nosniff',
        [MARK_HEADER]: MARK,
      },
    },
  );
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  const mine =
    url.origin === SCOPE.origin &&
    (url.pathname === MOUNT || url.pathname.startsWith(MOUNT + '/'));
  if (!mine) return; // the network's, as if there were no worker
  // The test hooks are for the app's fetch only: a navigation (a link, a form another site
  // posts, an iframe) or a subresource (img, script) never reaches the simulator there.
  // The consent page under <mount>/api/ is a navigation and is served as before.
  const hook = url.pathname === MOUNT + '/_sim' || url.pathname.startsWith(MOUNT + '/_sim/');
  if (hook && (event.request.mode === 'navigate' || event.request.destination !== '')) {
    event.respondWith(refuseHook());
    return;
  }
  event.respondWith(
    serve(event.request, url).catch((e) => {
      console.error('ilert-sim:', e);
      return new Response('ilert-sim in the Service Worker failed: ' + e, {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8', [MARK_HEADER]: MARK },
      });
    }),
  );
});
