//! Loading `config.json`, served beside index.html: one build serves every deployment.
use gloo_net::http::Request;
use web_sys::RequestCache;

use crate::config::Config;
use crate::oauth::Error;

/// Where the deployment's configuration lives.
pub const CONFIG_URL: &str = "/config.json";

/// Fetches and parses config.json; every failure says what to fix.
pub async fn fetch() -> Result<Config, Error> {
    let response = Request::get(CONFIG_URL)
        .cache(RequestCache::NoCache)
        .send()
        .await
        .map_err(|e| Error::Config(format!("{CONFIG_URL} could not be loaded: {e}")))?;
    if !response.ok() {
        return Err(Error::Config(format!(
            "{CONFIG_URL} could not be loaded (HTTP {}): put a config.json beside index.html",
            response.status()
        )));
    }
    let text = response
        .text()
        .await
        .map_err(|e| Error::Config(format!("{CONFIG_URL} could not be read: {e}")))?;
    Config::from_json(&text)
}
