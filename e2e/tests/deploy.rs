//! The release build on a real nginx with the project's own server block (deploy/nginx.conf's
//! generator): the whole flow at the root of a host and under a sub-path, the headers of each
//! kind of file, and the wasm arriving compressed.
use e2e::{dist_dir, subpath_dist_dir, Harness};

/// Sign in, profile and token info, a refresh, a deep link, sign out: through nginx, with a
/// config.json that names no redirect_uri (the app uses its own callback page).
async fn whole_flow(h: &Harness) {
    h.open("/").await;
    let redirect = h.text("[data-testid=redirect-uri]").await;
    assert_eq!(redirect, format!("{}/webapp", h.app));
    assert!(h
        .text("[data-testid=redirect-uri-note]")
        .await
        .contains("Register exactly this URL"));
    h.sign_in().await;
    h.wait_text("[data-testid=info-tenant]", "demo-tenant")
        .await;
    assert_eq!(h.url().await, format!("{}/", h.app));
    let before = h.access_token().await;
    h.click("[data-testid=refresh]").await;
    h.until("a refreshed access token", || async {
        (h.tokens().await?["access_token"] != before.as_str()).then_some(())
    })
    .await;

    // A deep link loads the app (the SPA fallback), and its links stay under the base path.
    h.open("/settings").await;
    h.wait("#redirect_uri").await;
    let home_link = h
        .js("return document.querySelector('nav a').getAttribute('href');")
        .await;
    assert_eq!(
        home_link.as_str(),
        Some(format!("{}/", path_of(&h.app)).as_str())
    );
    h.open("/no-such-page").await;
    h.wait_contains("main", "Page not found").await;

    h.open("/").await;
    h.click("[data-testid=sign-out]").await;
    h.wait("[data-testid=connect]").await;
    assert!(h.tokens().await.is_none());
    assert_eq!(h.sim_stats().await["revocations"], 1);
}

/// The path part of `app` (`/ilert-pkce`, or empty at the root).
fn path_of(app: &str) -> String {
    let rest = app.split("://").nth(1).unwrap();
    rest.find('/')
        .map(|at| rest[at..].to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_whole_flow_through_nginx_at_the_root() {
    let h = Harness::behind_nginx(dist_dir(), "/").await;
    whole_flow(&h).await;
    let errors = h.nginx.as_ref().unwrap().errors();
    assert!(!errors.contains("[error]"), "{errors}");
    h.stop().await;
}

/// The sub-path build as it is (its config.json: the built-in simulator) on nginx with the
/// project's server block: the worker registers under /ilert-pkce/ with nginx's headers (CSP
/// included), answers there, and nginx never sees a request for the simulator's API.
#[tokio::test]
async fn the_built_in_simulator_under_a_sub_path_on_nginx() {
    let h = Harness::built_in_behind_nginx(subpath_dist_dir(), "/ilert-pkce/").await;
    h.open("/").await;
    assert!(h
        .text("[data-testid=builtin-banner]")
        .await
        .to_lowercase()
        .contains("built-in simulator"));
    assert_eq!(
        h.text("[data-testid=redirect-uri]").await,
        format!("{}/webapp", h.app)
    );
    h.sign_in().await;
    h.wait_text("[data-testid=info-tenant]", "demo-tenant")
        .await;
    assert_eq!(h.url().await, format!("{}/", h.app));
    let scope = h
        .js_async("navigator.serviceWorker.ready.then((r) => done(r.scope));")
        .await;
    assert_eq!(scope.as_str(), Some(format!("{}/", h.app).as_str()));
    h.click("[data-testid=sign-out]").await;
    h.wait("[data-testid=connect]").await;
    assert_eq!(h.sim_stats().await["revocations"], 1);
    let log = h.nginx.as_ref().unwrap().access_log();
    assert!(log.contains("sim-worker.js?v="), "{log}");
    assert!(
        !log.contains("/_sim/"),
        "nginx saw the simulator's API: {log}"
    );
    let errors = h.nginx.as_ref().unwrap().errors();
    assert!(!errors.contains("[error]"), "{errors}");
    h.stop().await;
}

#[tokio::test]
async fn the_whole_flow_through_nginx_under_a_sub_path() {
    let h = Harness::behind_nginx(subpath_dist_dir(), "/ilert-pkce/").await;
    whole_flow(&h).await;
    // Nothing is asked for outside the base path.
    let outside = h
        .js("return performance.getEntriesByType('resource').map(e => e.name)
               .filter(n => n.startsWith(location.origin) && !n.startsWith(location.origin + '/ilert-pkce/'));")
        .await;
    assert_eq!(
        outside,
        serde_json::json!([]),
        "requests outside /ilert-pkce/"
    );
    h.stop().await;
}

/// What the page's `fetch(url)` came to: `"answered"` or `"refused: <error>"`, and the
/// `securitypolicyviolation` events it raised, as `[directive, blocked URI]`.
async fn fetch_from_page(h: &Harness, url: &str) -> (String, Vec<(String, String)>) {
    let outcome = h
        .js_async(&format!(
            "const seen = [];
             document.addEventListener('securitypolicyviolation',
                 (e) => seen.push([e.effectiveDirective, e.blockedURI]));
             fetch({url:?}, {{ mode: 'no-cors', cache: 'no-store' }})
                 .then(() => 'answered', (e) => 'refused: ' + e)
                 // The event is queued as a task: let it arrive.
                 .then((result) => setTimeout(() => done([result, seen]), 200));"
        ))
        .await;
    let seen = outcome[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v[0].as_str().unwrap().to_string(),
                v[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (outcome[0].as_str().unwrap().to_string(), seen)
}

/// The browser backs `allowed_origins` up: nginx's CSP, made from the config.json it serves,
/// lets the page connect only to itself and the origins that config.json allows. With only
/// the simulator's origin allowed, the whole flow works, and a fetch from the page to another
/// port of the same host (which the build's meta tag, the default list, would allow) is
/// refused by the browser before anything reaches that port.
#[tokio::test]
async fn the_browser_refuses_connections_outside_allowed_origins() {
    let h = Harness::behind_nginx_with(dist_dir(), "/", |config| {
        let sim = config["api_base"].as_str().unwrap().to_string();
        config["allowed_origins"] = serde_json::json!([sim]);
    })
    .await;
    let (_, headers) = head(&format!("{}/", h.app), "identity").await;
    let csp = header(&headers, "content-security-policy");
    assert!(
        csp.contains(&format!("; connect-src 'self' {}; ", h.sim)),
        "{csp}"
    );
    whole_flow(&h).await;

    // A server that would answer, on a port the policy does not name.
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    other.set_nonblocking(true).unwrap();
    let other_url = format!("http://127.0.0.1:{}/", other.local_addr().unwrap().port());
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    let (result, seen) = fetch_from_page(&h, &other_url).await;
    assert!(result.starts_with("refused: "), "{result}");
    assert!(
        seen.iter()
            .any(|(directive, uri)| directive == "connect-src"
                && uri.starts_with(&other_url[..other_url.len() - 1])),
        "no connect-src violation for {other_url}: {seen:?}"
    );
    assert!(
        other.accept().is_err(),
        "the refused fetch reached {other_url}"
    );
    // The allowed origin still is reachable from the same page (no-cors: an opaque answer).
    let (result, seen) = fetch_from_page(&h, &format!("{}/", h.sim)).await;
    assert_eq!((result.as_str(), seen), ("answered", vec![]));
    h.stop().await;
}

/// On a host that sends no headers (GitHub Pages), the build's meta tag holds: the demo
/// build's connect-src is the app's default list, so an https origin outside it is refused.
#[tokio::test]
async fn the_meta_tag_refuses_connections_outside_the_default_list() {
    let h = Harness::start().await;
    h.open("/").await;
    h.wait("[data-testid=connect]").await;
    let meta = h
        .js("return document.querySelector('meta[http-equiv=Content-Security-Policy]').content;")
        .await;
    let meta = meta.as_str().unwrap();
    assert!(
        meta.contains("connect-src 'self' https://app.ilert.com ") && !meta.contains(" https: "),
        "{meta}"
    );
    let (result, seen) = fetch_from_page(&h, "https://evil.example/").await;
    assert!(result.starts_with("refused: "), "{result}");
    assert!(
        seen.iter()
            .any(|(directive, uri)| directive == "connect-src"
                && uri.starts_with("https://evil.example")),
        "no connect-src violation: {seen:?}"
    );
    h.stop().await;
}

/// The headers of one answer (lower-case names).
async fn head(url: &str, encoding: &str) -> (u16, reqwest::header::HeaderMap) {
    let answer = reqwest::Client::new()
        .get(url)
        .header("accept-encoding", encoding)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.headers().clone())
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn nginx_sends_the_headers_of_each_kind_of_file_and_the_wasm_compressed() {
    for (dist, base) in [(dist_dir(), "/"), (subpath_dist_dir(), "/ilert-pkce/")] {
        let index = std::fs::read_to_string(dist.join("index.html")).unwrap();
        let server = e2e::nginx::Nginx::start(
            &dist,
            base,
            "{\"client_id\":\"x\",\"api_base\":\"http://127.0.0.1:1\"}",
        );
        let root = format!("http://127.0.0.1:{}{base}", server.port);
        // The hashed files, as index.html names them.
        let linked = |ext: &str| -> String {
            let end = index
                .find(ext)
                .unwrap_or_else(|| panic!("no {ext} in index.html"));
            let start = index[..end].rfind(['"', '=']).unwrap() + 1;
            let path = &index[start..end + ext.len()];
            assert!(path.starts_with(base), "{path} is not under {base}");
            format!("http://127.0.0.1:{}{path}", server.port)
        };
        // The wasm is named by the start script (which fetches it), not by index.html.
        let wasm = std::fs::read_dir(&dist)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|n| {
                n.starts_with("ilert-pkce-") && n.ends_with("_bg.wasm") && !n.contains("-part-")
            })
            .expect("the main wasm in the build");
        let start = index
            .split("/start-")
            .nth(1)
            .and_then(|rest| rest.split(".js").next())
            .expect("index.html loads the start script");
        let start = format!("{root}start-{start}.js");
        let start_script = reqwest::get(&start).await.unwrap().text().await.unwrap();
        assert!(
            start_script.contains(&format!("{base}{wasm}")),
            "{start_script}"
        );
        let wasm = format!("http://127.0.0.1:{}{base}{wasm}", server.port);
        let css = linked(".css");

        for (url, cache) in [
            (root.clone(), "no-cache"),
            (format!("{root}index.html"), "no-cache"),
            (format!("{root}config.json"), "no-cache"),
            (format!("{root}settings"), "no-cache"),
            (format!("{root}webapp"), "no-store"),
            (wasm.clone(), "public, max-age=31536000, immutable"),
            (css.clone(), "public, max-age=31536000, immutable"),
        ] {
            let (status, headers) = head(&url, "br, gzip").await;
            assert_eq!(status, 200, "{url}");
            assert_eq!(header(&headers, "cache-control"), cache, "{url}");
            let csp = header(&headers, "content-security-policy");
            assert!(
                csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
                "{url}: {csp}"
            );
            assert_eq!(header(&headers, "referrer-policy"), "no-referrer", "{url}");
            assert_eq!(
                header(&headers, "x-content-type-options"),
                "nosniff",
                "{url}"
            );
            assert!(!header(&headers, "permissions-policy").is_empty(), "{url}");
        }
        // The CSP header is the meta tag's policy plus frame-ancestors.
        let (_, headers) = head(&root, "identity").await;
        let csp = header(&headers, "content-security-policy");
        let meta = csp.replace("; frame-ancestors 'none'", "");
        assert!(
            index.contains(&meta),
            "meta tag policy differs from the header: {csp}"
        );

        // The wasm: application/wasm, brotli when asked for, gzip otherwise, as built.
        let (_, br) = head(&wasm, "br, gzip").await;
        assert_eq!(header(&br, "content-type"), "application/wasm");
        assert_eq!(header(&br, "content-encoding"), "br");
        let (_, gz) = head(&wasm, "gzip").await;
        assert_eq!(header(&gz, "content-encoding"), "gzip");
        let bytes = reqwest::Client::new()
            .get(&wasm)
            .header("accept-encoding", "br")
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len() as u64;
        let name = wasm.rsplit('/').next().unwrap();
        let on_disk = std::fs::metadata(dist.join(format!("{name}.br")))
            .unwrap()
            .len();
        assert_eq!(bytes, on_disk, "the precompressed .br is what nginx sends");
        // config.json is never precompressed: it is edited after the build.
        let (_, config) = head(&format!("{root}config.json"), "br, gzip").await;
        assert_eq!(header(&config, "content-encoding"), "", "config.json");
    }
}
