//! Loading `config.json`, served beside index.html: one build serves every deployment.
use std::cell::RefCell;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::Request;
use web_sys::RequestCache;

use crate::browser::history;
use crate::browser::http::error_text;
use crate::config::{Config, OriginPattern, DEFAULT_ALLOWED_ORIGINS};
use crate::oauth::Error;

type Loading = Shared<LocalBoxFuture<'static, Result<Config, Error>>>;

thread_local! {
    /// The one load of config.json per page: the app and the request pipeline share it.
    static FILE: RefCell<Option<Loading>> = const { RefCell::new(None) };
}

/// config.json (beside index.html, under the app's base path), fetched once per page and
/// parsed; every failure says what to fix. Without a `redirect_uri` in it, the app's own
/// callback page is.
pub async fn fetch() -> Result<Config, Error> {
    let loading = FILE.with(|f| {
        f.borrow_mut()
            .get_or_insert_with(|| load().boxed_local().shared())
            .clone()
    });
    loading.await
}

/// The origins this deployment lets tokens go to: config.json's, or the defaults (iLert's
/// hosts and loopback) when it could not be read, so a broken file never widens them.
pub async fn allowed_origins() -> Vec<OriginPattern> {
    match fetch().await {
        Ok(config) => config.allowed_origins(),
        Err(_) => DEFAULT_ALLOWED_ORIGINS
            .iter()
            .filter_map(|p| OriginPattern::parse(p).ok())
            .collect(),
    }
}

async fn load() -> Result<Config, Error> {
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
