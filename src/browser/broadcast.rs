//! BroadcastChannel: messages to the other tabs of this origin (never to other sites).
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, MessageEvent};

/// A channel that hands every text message from another tab to `on_message`. It stays open for
/// the page's life.
pub fn open(name: &str, on_message: impl Fn(String) + 'static) -> Option<BroadcastChannel> {
    let channel = BroadcastChannel::new(name).ok()?;
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(text) = event.data().as_string() {
            on_message(text);
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    Some(channel)
}

/// Sends `text` to the other tabs (not to this one).
pub fn post(channel: &BroadcastChannel, text: &str) {
    let _ = channel.post_message(&JsValue::from_str(text));
}
