//! CORS: only the origins of the registered redirect URIs may read answers, and they may
//! send `Authorization` (which makes the browser send a preflight first).

use axum::http::{header, HeaderValue, Method};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::SimConfig;

pub fn layer(config: &SimConfig) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .origins()
        .iter()
        .map(|o| HeaderValue::from_str(o).expect("origins are validated ASCII"))
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([header::WWW_AUTHENTICATE])
        .max_age(Duration::from_secs(600))
}
