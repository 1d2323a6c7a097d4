// Injected into every new document by the DevTools protocol
// (Page.addScriptToEvaluateOnNewDocument), before any of the page's own scripts: notes the
// performance.now() (from this document's navigation start) at which each thing the bench
// waits for is first on screen. A MutationObserver sees the DOM change; a check on every
// animation frame catches what only style or layout changed.
(() => {
  if (window.top !== window || window.__ilertBench) return;
  const marks = {};
  const start = {
    path: location.pathname,
    // The callback's code leaves the address bar as soon as the app runs: note it now.
    callback: location.pathname === "/webapp" && /[?&]code=/.test(location.search),
  };
  const text = (css) => {
    const e = document.querySelector(css);
    return e ? e.textContent.trim() : "";
  };
  const shown = (e) =>
    !!e &&
    e.isConnected &&
    (e.checkVisibility
      ? e.checkVisibility({ opacityProperty: true, visibilityProperty: true })
      : e.getClientRects().length > 0);
  const checks = {
    // Home: "Connect to iLert" visible and enabled.
    connect: () => {
      const e = document.querySelector("[data-testid=connect]");
      return !!e && !e.disabled && e.getAttribute("aria-disabled") !== "true" && shown(e);
    },
    // Settings (a part loaded on demand): its Save button visible and enabled.
    settings: () => {
      const e = document.querySelector("[data-testid=save-settings]");
      return !!e && !e.disabled && shown(e);
    },
    // The callback: the user's name and email, not the "Loading the profile…" line.
    profile: () =>
      text("[data-testid=profile-name]") !== "" &&
      text("[data-testid=profile-email]").includes("@") &&
      shown(document.querySelector("[data-testid=profile-email]")),
    // The token info's fields, not "Asking iLert about the token…".
    info: () =>
      ["yes", "no"].includes(text("[data-testid=info-active]")) &&
      text("[data-testid=info-scope]") !== "" &&
      shown(document.querySelector("[data-testid=info-scope]")),
  };
  // The first click on the nav's Settings link (capture phase: before the app sees it).
  addEventListener(
    "click",
    (e) => {
      const link = e.target && e.target.closest && e.target.closest("[data-testid=nav-settings]");
      if (link && !("settings_click" in marks)) marks.settings_click = performance.now();
    },
    true,
  );
  const waiting = [];
  const check = () => {
    const now = performance.now();
    for (const key in checks) {
      if (!(key in marks) && checks[key]()) marks[key] = now;
    }
    for (let i = waiting.length - 1; i >= 0; i--) {
      if (waiting[i].keys.every((k) => k in marks)) {
        waiting[i].resolve(true);
        waiting.splice(i, 1);
      }
    }
  };
  new MutationObserver(check).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    characterData: true,
  });
  const frame = () => {
    check();
    if (Object.keys(checks).some((k) => !(k in marks)) && performance.now() < 60000) {
      requestAnimationFrame(frame);
    }
  };
  requestAnimationFrame(frame);
  window.__ilertBench = {
    start,
    marks,
    // Resolves true once every key has a mark, false after `ms`.
    when: (keys, ms) =>
      new Promise((resolve) => {
        check();
        if (keys.every((k) => k in marks)) return resolve(true);
        waiting.push({ keys, resolve });
        setTimeout(() => resolve(false), ms);
      }),
  };
})();
