//! Copying a text for the person: `navigator.clipboard.writeText`, called through `Reflect`
//! like the worker's calls (web-sys's Clipboard types would bring their own glue).
use wasm_bindgen::JsValue;

use crate::browser::sim_worker::{call, get, settle};

/// How long the browser may take to answer: a clipboard that asks for a permission nobody
/// can grant (a headless browser, a blocked prompt) may never settle its promise.
const LIMIT_MS: u32 = 3_000;

/// Whether `text` is on the clipboard now (the browser may refuse, have no clipboard, or not
/// answer in time).
pub async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = get(&window.navigator(), "clipboard");
    let written = call(&clipboard, "writeText", &text.into(), &JsValue::UNDEFINED);
    matches!(settle(written, LIMIT_MS).await, Ok(Some(_)))
}

/// Opens the `<details>` that `selector` finds and selects the text of its `<pre>`, for the
/// person to copy by hand.
pub fn open_and_select(selector: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let find = |css: &str| document.query_selector(css).ok().flatten();
    let (Some(details), Some(pre)) = (find(selector), find(&format!("{selector} pre"))) else {
        return;
    };
    let _ = details.set_attribute("open", "");
    let none = JsValue::UNDEFINED;
    if let Ok(selection) = call(&window, "getSelection", &none, &none) {
        let _ = call(&selection, "selectAllChildren", &pre, &none);
    }
}
