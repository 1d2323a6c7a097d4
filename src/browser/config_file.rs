//! Loading `config.json`, served beside index.html: one build serves every deployment.
use gloo_net::http::Request;
use web_sys::RequestCache;

use crate::browser::history;
use crate::browser::http::error_text;
use crate::config::Config;
use crate::oauth::Error;

/// Fetches and parses config.json (beside index.html, under the app's base path); every
/// failure says what to fix. Without a `redirect_uri` in it, the app's own callback page is.
pub async fn fetch() -> Result<Config, Error> {
    let url = format!("{}config.json", history::base());
    let config = read(&url).await?;
    Ok(match history::app_root() {
        Some(root) => config.with_redirect_default(&root),
        None => config,
    })
}

async fn read(url: &str) -> Result<Config, Error> {
    let response = Request::get(url)
        .cache(RequestCache::NoCache)
        .send()
        .await
        .map_err(|e| Error::Config(format!("{url} could not be loaded: {}", error_text(e))))?;
    if !response.ok() {
        return Err(Error::Config(format!(
            "{url} could not be loaded (HTTP {}): put a config.json beside index.html",
            response.status()
        )));
    }
    let text = response
        .text()
        .await
        .map_err(|e| Error::Config(format!("{url} could not be read: {}", error_text(e))))?;
    Config::from_json(&text)
}
