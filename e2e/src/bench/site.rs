//! The release build served as a CDN serves it: every file brotli-compressed at quality 11
//! (`Content-Encoding: br` when the request accepts it, the plain file otherwise), hashed
//! assets cached for a year, the page and config.json revalidated, `/webapp` never stored
//! (as the generated _headers asks), and `index.html` for unknown paths (the SPA fallback).
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode, Uri};
use axum::Router;

/// Brotli as `cargo xtask size` counts it: quality 11, a 4 MiB window.
const QUALITY: u32 = 11;
const WINDOW: u32 = 22;

/// One file, plain and compressed.
#[derive(Debug, Clone)]
pub struct Asset {
    pub raw: Vec<u8>,
    pub br: Vec<u8>,
    pub content_type: &'static str,
}

impl Asset {
    pub fn new(path: &str, raw: Vec<u8>) -> Asset {
        Asset {
            br: brotli(&raw),
            content_type: content_type(path),
            raw,
        }
    }
}

/// The release build, compressed once for every run.
#[derive(Debug)]
pub struct Dist {
    /// By URL path without the leading slash (`index.html`, `ilert-pkce-<hash>_bg.wasm`).
    files: HashMap<String, Asset>,
}

impl Dist {
    /// Reads and compresses every file at the top of `dir` (Trunk writes no subfolders), but
    /// the host's own files (`_headers`, `_redirects`, `.nojekyll`), which no CDN serves, and
    /// `dist`'s compressed copies (this server compresses for itself).
    pub fn load(dir: &Path) -> Result<Dist, String> {
        let mut files = HashMap::new();
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let copy = name.ends_with(".br") || name.ends_with(".gz");
            if !path.is_file() || name.starts_with('_') || name.starts_with('.') || copy {
                continue;
            }
            let raw = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.insert(name.to_string(), Asset::new(&name, raw));
        }
        if !files.contains_key("index.html") {
            return Err(format!("no index.html in {}", dir.display()));
        }
        Ok(Dist { files })
    }
}

/// What one server answered: how many bodies went out brotli-compressed and how many plain,
/// and the `Accept-Encoding` of the first request (to say why, if any went plain).
#[derive(Debug, Default)]
pub struct Served {
    pub br: AtomicU64,
    pub plain: AtomicU64,
    pub accept_encoding: Mutex<Option<String>>,
}

/// The app's files plus this run's config.json (pointing at this run's simulator).
pub fn router(dist: Arc<Dist>, config_json: String, served: Arc<Served>) -> Router {
    let config = Arc::new(Asset::new("config.json", config_json.into_bytes()));
    Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let (dist, config, served) = (dist.clone(), config.clone(), served.clone());
        async move { answer(&dist, &config, &served, uri.path(), &headers) }
    })
}

fn answer(
    dist: &Dist,
    config: &Asset,
    served: &Served,
    path: &str,
    headers: &HeaderMap,
) -> Response<Body> {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    served
        .accept_encoding
        .lock()
        .unwrap()
        .get_or_insert_with(|| accept.to_string());
    let name = path.trim_start_matches('/');
    let asset = match name {
        "config.json" => Some(config),
        "" => dist.files.get("index.html"),
        _ => dist.files.get(name),
    };
    let asset = match asset {
        Some(asset) => asset,
        // A path without a file extension is a route of the app (`/webapp`, `/settings`).
        None if !name.rsplit('/').next().unwrap_or("").contains('.') => &dist.files["index.html"],
        None => {
            return Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Body::from("not found"))
                .unwrap()
        }
    };
    let compressed = accepts_br(accept);
    let counter = if compressed {
        &served.br
    } else {
        &served.plain
    };
    counter.fetch_add(1, Ordering::Relaxed);
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, asset.content_type)
        .header(header::CACHE_CONTROL, cache_control(path))
        .header(header::VARY, "Accept-Encoding")
        .header("Referrer-Policy", "no-referrer")
        .header("X-Content-Type-Options", "nosniff");
    if compressed {
        response = response.header(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
    }
    let body = if compressed { &asset.br } else { &asset.raw };
    response.body(Body::from(body.clone())).unwrap()
}

/// Whether an `Accept-Encoding` value accepts brotli (`br`, not with `q=0`).
pub fn accepts_br(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let coding = parts.next().unwrap_or("");
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f64>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        coding.eq_ignore_ascii_case("br") && !refused
    })
}

/// The `Cache-Control` a CDN sends for `path`: the generated host configs' rule (a year for
/// content-hashed files, `no-store` for the callback, revalidation for the rest).
pub fn cache_control(path: &str) -> &'static str {
    xtask::hosting::cache_control(&xtask::hosting::BasePath::root(), path)
}

pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, QUALITY, WINDOW);
        writer.write_all(bytes).expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn brotli_is_accepted_unless_absent_or_refused() {
        assert!(accepts_br("gzip, deflate, br, zstd"));
        assert!(accepts_br("BR;q=0.5"));
        assert!(accepts_br("gzip;q=1.0, br"));
        assert!(!accepts_br("gzip, deflate"));
        assert!(!accepts_br("br;q=0"));
        assert!(!accepts_br("br;q=0.0, gzip"));
        assert!(!accepts_br("brotli"));
        assert!(!accepts_br(""));
    }

    #[test]
    fn hashed_assets_are_cached_for_a_year_the_page_and_config_revalidated_the_callback_never_stored(
    ) {
        let immutable = "public, max-age=31536000, immutable";
        assert_eq!(
            cache_control("/ilert-pkce-0123456789abcdef_bg.wasm"),
            immutable
        );
        assert_eq!(cache_control("/ilert-pkce-0123456789abcdef.js"), immutable);
        assert_eq!(cache_control("/main-fedcba9876543210.css"), immutable);
        assert_eq!(cache_control("/start-0123456789abcdef.js"), immutable);
        assert_eq!(cache_control("/"), "no-cache");
        assert_eq!(cache_control("/index.html"), "no-cache");
        assert_eq!(cache_control("/config.json"), "no-cache");
        assert_eq!(cache_control("/webapp"), "no-store");
        assert_eq!(cache_control("/settings"), "no-cache");
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("a_bg.wasm"), "application/wasm");
        assert_eq!(content_type("config.json"), "application/json");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("x.css"), "text/css; charset=utf-8");
    }

    #[test]
    fn brotli_round_trips_and_shrinks() {
        let text = "the same words again and again; ".repeat(200);
        let packed = brotli(text.as_bytes());
        assert!(packed.len() < text.len() / 10, "{}", packed.len());
        let mut back = String::new();
        brotli::Decompressor::new(&packed[..], 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }

    #[tokio::test]
    async fn serves_br_to_browsers_that_accept_it_and_falls_back_to_index_html() {
        let dir = std::env::temp_dir().join(format!("e2e-bench-site-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<html>app</html>".repeat(50)).unwrap();
        std::fs::write(dir.join("app-0123456789abcdef.js"), "js").unwrap();
        std::fs::write(dir.join("_headers"), "not served").unwrap();
        let dist = Arc::new(Dist::load(&dir).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
        let served = Arc::new(Served::default());
        let app = router(dist, r#"{"client_id":"x"}"#.into(), served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let http = reqwest::Client::new();

        let page = http
            .get(format!("{base}/webapp?code=1"))
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        assert_eq!(page.headers()["content-encoding"], "br");
        assert_eq!(page.headers()["cache-control"], "no-store");
        let body = page.bytes().await.unwrap();
        let mut html = String::new();
        brotli::Decompressor::new(&body[..], 4096)
            .read_to_string(&mut html)
            .unwrap();
        assert!(html.starts_with("<html>app</html>"));

        let config = http
            .get(format!("{base}/config.json"))
            .header("accept-encoding", "identity")
            .send()
            .await
            .unwrap();
        assert!(config.headers().get("content-encoding").is_none());
        assert_eq!(config.headers()["content-type"], "application/json");
        assert_eq!(config.text().await.unwrap(), r#"{"client_id":"x"}"#);

        let status = |path: &'static str| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                http.get(format!("{base}{path}"))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // The host's own files are not served: a path without an extension is the app's.
        let headers = http.get(format!("{base}/_headers")).send().await.unwrap();
        assert!(headers.text().await.unwrap().starts_with("<html>app"));
        assert_eq!(status("/missing.js").await, StatusCode::NOT_FOUND);
        assert_eq!(status("/app-0123456789abcdef.js").await, StatusCode::OK);
        assert_eq!(served.br.load(Ordering::Relaxed), 1);
        assert_eq!(served.plain.load(Ordering::Relaxed), 3);
        assert_eq!(
            served.accept_encoding.lock().unwrap().as_deref(),
            Some("gzip, br")
        );
        server.abort();
    }
}
