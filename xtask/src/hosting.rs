//! How a host serves the release build, written once and generated for each host: the base
//! path the build lives under, the headers every answer carries, how long each file may be
//! cached, and from that Netlify's / Cloudflare Pages' `_headers` and `_redirects`, an nginx
//! `server` block and a Caddyfile, each with the deployment's CSP ([`Csp`]: connect-src is
//! its config.json's allowed origins). Pure text, no I/O: `cargo xtask dist` writes the files,
//! deploy/ holds the configs for `/` and deploy/config.json (a test keeps them equal to these
//! generators' output), and the e2e suite runs a real nginx with [`nginx_server`] and
//! [`nginx_standalone`].
use std::fmt;
use std::path::Path;

use crate::csp::Csp;

/// The URL path the app is served under: `/` or `/a/b/`, so that every asset URL is
/// `<base><file>` (Trunk's `--public-url`) and the callback is `<base>webapp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePath(String);

impl BasePath {
    /// `/`: the app at the top of its origin.
    pub fn root() -> BasePath {
        BasePath("/".into())
    }

    /// A base path as `--base-path` takes it: starts and ends with `/`, only letters, digits
    /// and `-._~/` (nothing to escape in a URL, an HTML attribute or a server config), no
    /// empty segment (`//`), no `..` and no `.` segment.
    pub fn parse(text: &str) -> Result<BasePath, String> {
        let refuse = |why: String| {
            Err(format!(
                "base path {text:?}: {why} (for example `/` or `/ilert-pkce/`)"
            ))
        };
        if !text.starts_with('/') || !text.ends_with('/') {
            return refuse("it must start and end with `/`".into());
        }
        if let Some(c) = text
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && !"-._~/".contains(*c))
        {
            return refuse(format!(
                "{c:?} is not allowed, only letters, digits and `-._~/`"
            ));
        }
        if text.contains("//") {
            return refuse("it has an empty segment (`//`)".into());
        }
        if text.contains("..") || text.split('/').any(|segment| segment == ".") {
            return refuse("it has a `..` or `.` segment".into());
        }
        Ok(BasePath(text.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }
}

impl fmt::Display for BasePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The headers of every answer, in every generated config, for a deployment whose policy is
/// `csp` (its connect-src: config.json's allowed origins). Browsers enforce them; the CSP is
/// also in index.html's meta tag (without `frame-ancestors`, which only a header can carry).
pub fn security_headers(csp: &Csp) -> [(&'static str, String); 5] {
    [
        ("Content-Security-Policy", csp.header()),
        ("Referrer-Policy", "no-referrer".into()),
        ("X-Content-Type-Options", "nosniff".into()),
        // For browsers without CSP level 2's frame-ancestors.
        ("X-Frame-Options", "DENY".into()),
        (
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()".into(),
        ),
    ]
}

/// What every generated file says about its CSP.
const REGENERATE: &str =
    "Content-Security-Policy lets the page connect (connect-src) only to itself and\n\
     # config.json's allowed_origins: after editing config.json, run `cargo xtask dist` (and\n\
     # `cargo xtask deploy-files`) again.";

/// Content-hashed files (a new build has new names): Trunk's `ilert-pkce-<hash>.js`,
/// `ilert-pkce-<hash>_bg.wasm`, `main-<hash>.css`, and the release build's `start-<hash>.js`,
/// its parts loaded on demand `ilert-pkce-part-<name>-<hash>.wasm` and their link module
/// `ilert-pkce-load-<hash>.js`.
pub const HASHED_PREFIXES: [&str; 4] = ["ilert-pkce-", "ilert-sim-", "main-", "start-"];

/// The OAuth callback route, under the base path: the page that receives the code.
pub const CALLBACK: &str = "webapp";

/// Files cached for a year, never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The page, config.json (edited after the build), anything else: revalidated every time.
pub const NO_CACHE: &str = "no-cache";
/// The callback page, whose URL carries the one-time code: never stored.
pub const NO_STORE: &str = "no-store";

/// The `Cache-Control` every generated config sends for the URL path `path`.
pub fn cache_control(base: &BasePath, path: &str) -> &'static str {
    let Some(name) = path.strip_prefix(base.as_str()) else {
        return NO_CACHE;
    };
    if name == CALLBACK {
        NO_STORE
    } else if !name.contains('/') && HASHED_PREFIXES.iter().any(|p| name.starts_with(p)) {
        IMMUTABLE
    } else {
        NO_CACHE
    }
}

/// `_headers` for Netlify and Cloudflare Pages. Both add the headers of every rule a path
/// matches (and join repeated names with commas), so `Cache-Control` is in rules that never
/// match the same path.
pub fn netlify_headers(base: &BasePath, csp: &Csp) -> String {
    let mut out = format!(
        "# Netlify and Cloudflare Pages: the headers of ilert-pkce at {base}. Generated by\n\
         # `cargo xtask dist` (xtask/src/hosting.rs): edit that, not this. The\n\
         # {REGENERATE}\n"
    );
    if !base.is_root() {
        out.push_str(
            "# Served under a sub-path, this file and _redirects belong at the top of the\n\
             # published folder, not beside index.html.\n",
        );
    }
    out.push_str(&format!("{base}*\n"));
    for (name, value) in security_headers(csp) {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    out.push_str("\n# Content-hashed names: a new build has new names.\n");
    for prefix in HASHED_PREFIXES {
        out.push_str(&format!("{base}{prefix}*\n  Cache-Control: {IMMUTABLE}\n"));
    }
    out.push_str(
        "\n# The page and the deployment's settings (edited without a rebuild): revalidated.\n",
    );
    for name in ["", "index.html", "404.html", "config.json"] {
        out.push_str(&format!("{base}{name}\n  Cache-Control: {NO_CACHE}\n"));
    }
    out.push_str(&format!(
        "\n# The OAuth callback, whose URL carries the code: never stored.\n\
         {base}{CALLBACK}\n  Cache-Control: {NO_STORE}\n"
    ));
    out
}

/// `_redirects` for Netlify (and Cloudflare Pages): the SPA fallback.
pub fn netlify_redirects(base: &BasePath) -> String {
    format!(
        "# Netlify and Cloudflare Pages: an SPA fallback, so that {base}{CALLBACK} and {base}settings load\n\
         # the app. Generated by `cargo xtask dist` (xtask/src/hosting.rs). The app's own paths\n\
         # first: Cloudflare Pages may ignore the catch-all as a loop, and with a 404.html present\n\
         # it has no automatic SPA fallback.\n\
         {base}{CALLBACK}  {base}index.html  200\n\
         {base}settings  {base}index.html  200\n\
         {base}*  {base}index.html  200\n"
    )
}

/// The media types of the files a build has, for servers whose own list may lack one (older
/// nginx mime.types files have no `application/wasm`, and browsers compile a wasm streamed
/// with another type only after a slower fallback, if at all).
pub const TYPES: [(&str, &str); 8] = [
    ("html", "text/html"),
    ("js", "text/javascript"),
    ("css", "text/css"),
    ("wasm", "application/wasm"),
    ("json", "application/json"),
    ("svg", "image/svg+xml"),
    ("txt", "text/plain"),
    ("map", "application/json"),
];

/// A path as a server config may hold it: absolute, and nothing a config would read as
/// syntax or a variable.
fn config_path(dir: &Path) -> Result<String, String> {
    let text = dir
        .to_str()
        .ok_or_else(|| format!("{}: not UTF-8", dir.display()))?
        .trim_end_matches('/');
    let ok = dir.is_absolute()
        && !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/+@%,=".contains(c));
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{}: the folder of a server config must be an absolute path of letters, digits and -._~/+@%,=",
            dir.display()
        ))
    }
}

/// An nginx `server { … }` serving the build at `base` from the folder `root_dir` (what
/// dist-release/ holds) on `port`. Needs nginx's gzip_static (in Debian's nginx) and
/// brotli_static (Debian: libnginx-mod-http-brotli-static) modules. Every location repeats the
/// security headers because an `add_header` in a location drops all the server's.
pub fn nginx_server(
    base: &BasePath,
    root_dir: &Path,
    port: u16,
    csp: &Csp,
) -> Result<String, String> {
    let root = config_path(root_dir)?;
    let mut out = String::new();
    let mut line = |indent: usize, text: &str| {
        if !text.is_empty() {
            out.push_str(&"    ".repeat(indent));
            out.push_str(text);
        }
        out.push('\n');
    };
    line(0, "server {");
    line(1, &format!("listen {port};"));
    line(1, &format!("# And over IPv6: listen [::]:{port};"));
    line(1, "server_name _;");
    if base.is_root() {
        line(1, &format!("root {root};"));
    }
    line(1, "index index.html;");
    line(
        1,
        "# Redirects to the same host and port as asked, also behind a proxy.",
    );
    line(1, "absolute_redirect off;");
    line(
        1,
        "# The .br and .gz files `cargo xtask dist` writes beside the build's files.",
    );
    line(1, "brotli_static on;");
    line(1, "gzip_static on;");
    line(1, "gzip_vary on;");
    line(
        1,
        "# The build's media types, also where mime.types lacks application/wasm.",
    );
    line(1, "types {");
    for (ext, media_type) in TYPES {
        line(2, &format!("{media_type} {ext};"));
    }
    line(1, "}");
    line(1, "default_type application/octet-stream;");
    line(1, "charset utf-8;");
    let mut text_types: Vec<&str> = TYPES
        .iter()
        .map(|(_, t)| *t)
        // text/html always is (nginx warns of a duplicate), a wasm is no text.
        .filter(|t| !matches!(*t, "text/html" | "application/wasm"))
        .collect();
    text_types.sort_unstable();
    text_types.dedup();
    line(1, &format!("charset_types {};", text_types.join(" ")));
    line(0, "");
    // `always`: on error answers too; but not a year's caching, which would keep a 404 (a
    // hashed file asked before it is uploaded) in caches for a year.
    let headers = |cache: &str| -> Vec<String> {
        let mut lines: Vec<String> = security_headers(csp)
            .iter()
            .map(|(name, value)| format!("add_header {name} \"{value}\" always;"))
            .collect();
        let always = if cache == IMMUTABLE { "" } else { " always" };
        lines.push(format!("add_header Cache-Control \"{cache}\"{always};"));
        lines
    };
    if !base.is_root() {
        let bare = base.as_str().trim_end_matches('/');
        line(1, &format!("location = {bare} {{"));
        line(2, &format!("return 301 {base};"));
        line(1, "}");
        line(1, "location / {");
        line(2, "return 404;");
        line(1, "}");
    }
    line(
        1,
        "# The page, config.json and the app's routes (SPA fallback): revalidated.",
    );
    line(1, &format!("location {base} {{"));
    if !base.is_root() {
        line(2, &format!("alias {root}/;"));
    }
    line(2, &format!("try_files $uri $uri/ {base}index.html;"));
    for header in headers(NO_CACHE) {
        line(2, &header);
    }
    line(0, "");
    line(2, "# Content-hashed names: a new build has new names.");
    for prefix in HASHED_PREFIXES {
        line(2, &format!("location ^~ {base}{prefix} {{"));
        for header in headers(IMMUTABLE) {
            line(3, &header);
        }
        line(2, "}");
    }
    line(0, "");
    line(
        2,
        "# The OAuth callback, whose URL carries the code: never stored.",
    );
    line(2, &format!("location = {base}{CALLBACK} {{"));
    // The file itself: try_files and rewrite do not work with an alias in an exact location.
    line(3, &format!("alias {root}/index.html;"));
    line(3, "default_type text/html;");
    for header in headers(NO_STORE) {
        line(3, &header);
    }
    line(2, "}");
    line(1, "}");
    line(0, "}");
    Ok(out)
}

/// A whole nginx configuration around `server` for a test: `nginx -p <prefix> -c <this file>
/// -e stderr -g 'daemon off;'` runs it in the foreground, with its pid and temporary files in
/// the prefix folder (which must exist and be writable). `brotli_module`: the module to load
/// (Debian: /usr/lib/nginx/modules/ngx_http_brotli_static_module.so), which `brotli_static`
/// needs. `user root` lets workers of a root nginx read a test's private temporary folder
/// (nginx ignores it, with a warning, when not started as root). Requests are logged to
/// access.log in the prefix folder, for tests to read.
pub fn nginx_standalone(server: &str, brotli_module: Option<&Path>) -> String {
    let mut out = String::new();
    if let Some(module) = brotli_module {
        out.push_str(&format!("load_module {};\n", module.display()));
    }
    out.push_str(
        "user root;\n\
         worker_processes 1;\n\
         pid nginx.pid;\n\
         error_log stderr warn;\n\
         events {\n    worker_connections 256;\n}\n\
         http {\n    \
         access_log access.log;\n    \
         client_body_temp_path client_body_temp;\n    \
         proxy_temp_path proxy_temp;\n    \
         fastcgi_temp_path fastcgi_temp;\n    \
         uwsgi_temp_path uwsgi_temp;\n    \
         scgi_temp_path scgi_temp;\n",
    );
    for line in server.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str("}\n");
    out
}

/// A Caddyfile site serving the build at `base` from `root_dir` on `port`, the precompressed
/// files included.
pub fn caddyfile(base: &BasePath, root_dir: &Path, port: u16, csp: &Csp) -> Result<String, String> {
    let root = config_path(root_dir)?;
    let hashed: Vec<String> = HASHED_PREFIXES.iter().map(|p| format!("/{p}*")).collect();
    let hashed = hashed.join(" ");
    let mut out = format!(":{port} {{\n");
    let block = if base.is_root() {
        "\thandle {\n".to_string()
    } else {
        let bare = base.as_str().trim_end_matches('/');
        format!(
            "\tredir {bare} {base} permanent\n\
             \t# Paths below are without the {base} prefix, which handle_path removes.\n\
             \thandle_path {base}* {{\n"
        )
    };
    out.push_str(&block);
    out.push_str(&format!("\t\troot * {root}\n\t\theader {{\n"));
    for (name, value) in security_headers(csp) {
        out.push_str(&format!("\t\t\t{name} \"{value}\"\n"));
    }
    out.push_str(&format!(
        "\t\t}}\n\
         \t\t# Content-hashed names: a new build has new names. Only files that exist: not\n\
         \t\t# the page the fallback answers for a file not (yet) uploaded.\n\
         \t\t@hashed {{\n\
         \t\t\tpath {hashed}\n\
         \t\t\tfile\n\
         \t\t}}\n\
         \t\theader @hashed Cache-Control \"{IMMUTABLE}\"\n\
         \t\t# The OAuth callback, whose URL carries the code: never stored.\n\
         \t\theader /{CALLBACK} Cache-Control \"{NO_STORE}\"\n\
         \t\t# The page, config.json, the app's routes (`?`: unless set above): revalidated.\n\
         \t\theader ?Cache-Control \"{NO_CACHE}\"\n\
         \t\t# SPA fallback, so that /{CALLBACK} and /settings load the app.\n\
         \t\ttry_files {{path}} /index.html\n\
         \t\tfile_server {{\n\
         \t\t\tprecompressed br gzip\n\
         \t\t}}\n\
         \t}}\n\
         }}\n"
    ));
    Ok(out)
}

/// Where Debian's libnginx-mod-http-brotli-static puts the module (`load_module` it).
pub const DEBIAN_BROTLI_STATIC_MODULE: &str =
    "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// Where the deploy configs put the build by default.
pub const DEFAULT_ROOT: &str = "/srv/ilert-pkce";

/// The `cargo xtask dist` flag that makes a build for `base` (none for `/`).
fn dist_flag(base: &BasePath) -> String {
    if base.is_root() {
        String::new()
    } else {
        format!(" --base-path {base}")
    }
}

/// deploy/nginx.conf (base `/`) or the config `cargo xtask dist --base-path` writes: how to
/// use it, then [`nginx_server`] on port 80.
pub fn nginx_conf_file(base: &BasePath, root_dir: &Path, csp: &Csp) -> Result<String, String> {
    let flag = dist_flag(base);
    Ok(format!(
        "# nginx serving ilert-pkce at {base} from {root}. Generated from xtask/src/hosting.rs by\n\
         # `cargo xtask deploy-files` (deploy/, for /) and `cargo xtask dist{flag}`\n\
         # (target/deploy/, for the build's base path): edit that, not this. The\n\
         # {REGENERATE}\n\
         #\n\
         # On Debian: apt install nginx libnginx-mod-http-brotli-static, copy this file to\n\
         # /etc/nginx/conf.d/ilert-pkce.conf (and remove /etc/nginx/sites-enabled/default, which\n\
         # also listens on port 80), copy dist-release/ of `cargo xtask dist{flag}` to\n\
         # {root}/, then `nginx -t && systemctl reload nginx`. For another base path, build with\n\
         # `cargo xtask dist --base-path /x/`: it writes the matching config to target/deploy/.\n\
         # Put TLS in front of it (or add `listen 443 ssl` and certificates here).\n\
         {}",
        nginx_server(base, root_dir, 80, csp)?,
        root = root_dir.display(),
    ))
}

/// deploy/Caddyfile (base `/`) or the one `cargo xtask dist --base-path` writes.
pub fn caddyfile_file(base: &BasePath, root_dir: &Path, csp: &Csp) -> Result<String, String> {
    let flag = dist_flag(base);
    Ok(format!(
        "# Caddy serving ilert-pkce at {base} from {root}. Generated from xtask/src/hosting.rs by\n\
         # `cargo xtask deploy-files` (deploy/, for /) and `cargo xtask dist{flag}`\n\
         # (target/deploy/, for the build's base path): edit that, not this. The\n\
         # {REGENERATE}\n\
         #\n\
         # Copy dist-release/ of `cargo xtask dist{flag}` to {root}/ and run\n\
         # `caddy run --config Caddyfile`. For HTTPS, replace `:80` with the site's host name.\n\
         {}",
        caddyfile(base, root_dir, 80, csp)?,
        root = root_dir.display(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(text: &str) -> BasePath {
        BasePath::parse(text).unwrap()
    }

    /// The policy of the demo's config.json (the app's default allowed_origins).
    fn demo() -> Csp {
        Csp::for_config_json("{\"server\": \"built-in\"}").unwrap()
    }

    /// A deployment that allows exactly two origins.
    fn strict() -> Csp {
        Csp::for_config_json(
            r#"{"client_id": "c", "api_base": "https://api.ilert.com", "tenant": "acme",
                "allowed_origins": ["https://acme.ilert.com", "https://api.ilert.com"]}"#,
        )
        .unwrap()
    }

    /// Every `connect-src` of `text`, as its list of sources.
    fn connect_srcs(text: &str) -> Vec<Vec<String>> {
        text.match_indices("connect-src ")
            .map(|(at, _)| {
                let rest = &text[at + "connect-src ".len()..];
                rest[..rest.find(';').unwrap()]
                    .split(' ')
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_generated_connect_src_is_self_and_the_allowed_origins() {
        let want = ["'self'", "https://acme.ilert.com", "https://api.ilert.com"];
        for b in [BasePath::root(), base("/ilert-pkce/")] {
            let site = Path::new("/srv/site");
            for (what, text, count) in [
                ("_headers", netlify_headers(&b, &strict()), 1),
                (
                    "nginx",
                    nginx_server(&b, site, 80, &strict()).unwrap(),
                    HASHED_PREFIXES.len() + 2,
                ),
                ("Caddyfile", caddyfile(&b, site, 80, &strict()).unwrap(), 1),
                (
                    "nginx.conf",
                    nginx_conf_file(&b, site, &strict()).unwrap(),
                    HASHED_PREFIXES.len() + 2,
                ),
                (
                    "Caddyfile file",
                    caddyfile_file(&b, site, &strict()).unwrap(),
                    1,
                ),
            ] {
                let found = connect_srcs(&text);
                assert_eq!(found.len(), count, "{what}: {text}");
                for sources in found {
                    assert_eq!(sources, want, "{what}");
                }
                assert!(
                    !text.contains(" https: ") && !text.contains(" http: "),
                    "{what}"
                );
                // The files a deployer copies say how to write them again.
                if !matches!(what, "nginx" | "Caddyfile") {
                    assert!(text.contains("after editing config.json"), "{what}");
                }
            }
        }
        // The demo: the app's default list, loopback on any port, no scheme-source.
        for sources in connect_srcs(&netlify_headers(&BasePath::root(), &demo())) {
            assert!(sources.contains(&"http://127.0.0.1:*".to_string()));
            assert!(sources.iter().all(|s| s == "'self'" || s.contains("://")));
        }
    }

    #[test]
    fn base_paths_are_plain_url_paths_between_slashes() {
        for ok in ["/", "/ilert-pkce/", "/a/b-c/d.e_f~g/", "/v1.2/"] {
            assert_eq!(base(ok).as_str(), ok);
        }
        for (bad, why) in [
            ("", "start and end"),
            ("ilert-pkce/", "start and end"),
            ("/ilert-pkce", "start and end"),
            ("/a b/", "not allowed"),
            ("/a%20b/", "not allowed"),
            ("/a?b/", "not allowed"),
            ("/\"/", "not allowed"),
            ("/é/", "not allowed"),
            ("/a;b/", "not allowed"),
            ("//", "empty segment"),
            ("/a//b/", "empty segment"),
            ("/../", "`..`"),
            ("/a/../b/", "`..`"),
            ("/./", "`.`"),
        ] {
            let err = BasePath::parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
        assert!(BasePath::root().is_root() && !base("/x/").is_root());
    }

    #[test]
    fn hashed_files_are_immutable_the_callback_never_stored_the_rest_revalidated() {
        for b in [BasePath::root(), base("/ilert-pkce/")] {
            let at = |name: &str| cache_control(&b, &format!("{b}{name}"));
            for hashed in [
                "ilert-pkce-7a1b2c3d4e5f6071.js",
                "ilert-pkce-7a1b2c3d4e5f6071_bg.wasm",
                // The split build's link module and parts (xtask/src/split.rs).
                "ilert-pkce-load-7a1b2c3d4e5f6071.js",
                "ilert-pkce-part-settings-7a1b2c3d4e5f6071.wasm",
                "ilert-pkce-part-chunk-3-7a1b2c3d4e5f6071.wasm",
                "main-0123456789abcdef.css",
                "start-0123456789abcdef.js",
            ] {
                assert_eq!(at(hashed), IMMUTABLE, "{b}{hashed}");
            }
            assert_eq!(at(CALLBACK), NO_STORE);
            for other in ["", "index.html", "404.html", "config.json", "settings"] {
                assert_eq!(at(other), NO_CACHE, "{b}{other}");
            }
        }
        assert_eq!(cache_control(&base("/x/"), "/start-1.js"), NO_CACHE);
    }

    #[test]
    fn headers_file_has_the_security_headers_everywhere_and_one_cache_rule_per_path() {
        let b = base("/ilert-pkce/");
        let text = netlify_headers(&b, &demo());
        assert!(text.contains(&format!(
            "/ilert-pkce/*\n  Content-Security-Policy: {}\n",
            demo().header()
        )));
        assert!(text.contains("frame-ancestors 'none'"));
        for (name, value) in security_headers(&demo()) {
            assert_eq!(text.matches(&format!("  {name}: {value}\n")).count(), 1);
        }
        // Every rule's path and the Cache-Control it gives agree with cache_control().
        let mut rules = 0;
        let mut path = "";
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            match line.strip_prefix("  Cache-Control: ") {
                Some(value) if !path.ends_with('*') || path.ends_with("-*") => {
                    let example = path.replace('*', "0123456789abcdef.js");
                    assert_eq!(value, cache_control(&b, &example), "{path}");
                    rules += 1;
                }
                Some(_) => panic!("Cache-Control in the catch-all rule: {text}"),
                None if line.starts_with("  ") => {}
                None => path = line,
            }
        }
        assert_eq!(rules, HASHED_PREFIXES.len() + 4 + 1, "{text}");
        assert!(text.contains("/ilert-pkce/webapp\n  Cache-Control: no-store"));
        assert!(text.contains("top of the\n# published folder"));
        assert!(!netlify_headers(&BasePath::root(), &demo()).contains("top of the"));
    }

    #[test]
    fn redirects_fall_back_to_the_page_under_the_base_path() {
        assert!(netlify_redirects(&base("/x/")).ends_with(
            "\n/x/webapp  /x/index.html  200\n/x/settings  /x/index.html  200\n/x/*  /x/index.html  200\n"
        ));
        assert!(netlify_redirects(&BasePath::root()).ends_with("\n/*  /index.html  200\n"));
    }

    #[test]
    fn every_nginx_location_carries_every_header_and_its_cache_control() {
        for b in [BasePath::root(), base("/ilert-pkce/")] {
            let conf = nginx_server(&b, Path::new("/srv/site"), 8080, &demo()).unwrap();
            assert_eq!(conf.matches('{').count(), conf.matches('}').count());
            assert!(conf.contains("    listen 8080;\n"));
            assert!(conf.contains("brotli_static on;") && conf.contains("gzip_static on;"));
            assert!(conf.contains("application/wasm wasm;"));
            let charset_types = conf.lines().find(|l| l.contains("charset_types")).unwrap();
            assert!(charset_types.contains("text/javascript"));
            assert!(!charset_types.contains("wasm") && !charset_types.contains("text/html"));
            // The page, one location per hashed prefix and the callback, each with the full
            // list of headers.
            let locations = HASHED_PREFIXES.len() + 2;
            for (name, value) in security_headers(&demo()) {
                let line = format!("add_header {name} \"{value}\" always;");
                assert_eq!(conf.matches(&line).count(), locations, "{name} in {conf}");
            }
            assert_eq!(
                conf.matches(&format!("add_header Cache-Control \"{IMMUTABLE}\";\n"))
                    .count(),
                HASHED_PREFIXES.len(),
                "a year for successful answers only"
            );
            assert_eq!(
                conf.matches("Cache-Control \"no-store\" always;").count(),
                1
            );
            assert_eq!(conf.matches("Cache-Control \"no-cache\"").count(), 1);
            assert!(conf.contains(&format!(
                "location = {b}webapp {{\n            alias /srv/site/index.html;\n            \
                 default_type text/html;\n"
            )));
            assert!(conf.contains(&format!("try_files $uri $uri/ {b}index.html;")));
            for prefix in HASHED_PREFIXES {
                assert!(conf.contains(&format!("location ^~ {b}{prefix} {{")));
            }
            // No header outside a location: nginx would drop it in every location anyway.
            let server_level = conf.split("location").next().unwrap();
            assert!(!server_level.contains("add_header"));
        }
        let root = nginx_server(&BasePath::root(), Path::new("/srv/site/"), 80, &demo()).unwrap();
        assert!(root.contains("    root /srv/site;\n") && !root.contains("alias /srv/site/;"));
        let sub = nginx_server(&base("/a/b/"), Path::new("/srv/site"), 80, &demo()).unwrap();
        assert!(sub.contains("location /a/b/ {\n        alias /srv/site/;\n"));
        assert!(sub.contains("location = /a/b {\n        return 301 /a/b/;"));
        assert!(!sub.contains("root "));
    }

    #[test]
    fn server_configs_refuse_folders_they_would_misread() {
        for bad in [
            "relative/dir",
            "/srv/my site",
            "/srv/$x",
            "/srv/a;b",
            "/srv/{x}",
        ] {
            assert!(
                nginx_server(&BasePath::root(), Path::new(bad), 80, &demo()).is_err(),
                "{bad}"
            );
            assert!(
                caddyfile(&BasePath::root(), Path::new(bad), 80, &demo()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_standalone_nginx_config_wraps_the_server() {
        let server =
            nginx_server(&BasePath::root(), Path::new("/srv/site"), 8080, &demo()).unwrap();
        let conf = nginx_standalone(
            &server,
            Some(Path::new(
                "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so",
            )),
        );
        assert!(conf
            .starts_with("load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;\n"));
        assert!(conf.contains("http {\n") && conf.contains("        listen 8080;\n"));
        assert_eq!(conf.matches('{').count(), conf.matches('}').count());
        assert!(!nginx_standalone(&server, None).contains("load_module"));
        assert!(
            !conf.contains("daemon"),
            "the command line says `daemon off`"
        );
    }

    #[test]
    fn the_caddyfile_strips_the_base_path_and_sends_the_same_headers() {
        let sub = caddyfile(&base("/ilert-pkce/"), Path::new("/srv/site"), 80, &demo()).unwrap();
        assert!(sub.starts_with(":80 {\n\tredir /ilert-pkce /ilert-pkce/ permanent\n"));
        assert!(sub.contains("\thandle_path /ilert-pkce/* {\n"));
        assert!(sub.contains("\t\troot * /srv/site\n"));
        for (name, value) in security_headers(&demo()) {
            assert!(
                sub.contains(&format!("\t\t\t{name} \"{value}\"\n")),
                "{name}"
            );
        }
        assert!(
            sub.contains("\t\t\tpath /ilert-pkce-* /ilert-sim-* /main-* /start-*\n\t\t\tfile\n")
        );
        assert!(sub.contains("header /webapp Cache-Control \"no-store\"\n"));
        assert!(sub.contains("header ?Cache-Control \"no-cache\"\n"));
        assert!(sub.contains("precompressed br gzip"));
        assert_eq!(sub.matches('{').count(), sub.matches('}').count());
        let root = caddyfile(&BasePath::root(), Path::new("/srv/site"), 80, &demo()).unwrap();
        assert!(root.starts_with(":80 {\n\thandle {\n") && !root.contains("redir"));
    }
}
