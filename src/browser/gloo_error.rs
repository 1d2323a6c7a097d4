//! gloo-net's errors as text: the one place both senders (config.json and the request
//! pipeline) read them, so neither imports the other.

/// What a gloo-net error says, without gloo-net's `Display`: that one also formats its
/// `SerdeError` (from `.json()`, which this app never calls), and so links serde_json's
/// and std::io's error texts into the wasm (about 0.5 KB brotli).
pub fn error_text(e: gloo_net::Error) -> String {
    match e {
        gloo_net::Error::JsError(js) => js.to_string(),
        gloo_net::Error::GlooError(text) => text,
        gloo_net::Error::SerdeError(_) => "the answer is not valid JSON".to_string(),
    }
}
