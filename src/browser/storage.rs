//! The one door to web storage. sessionStorage holds what lives and dies with this tab (the
//! tokens, the pending sign-in, the timeline, the tab channel's key); localStorage only the
//! settings, which hold no secret. Every read and write of the app goes through here, so
//! what is stored where is answered by one grep.
use gloo_storage::{LocalStorage, SessionStorage, Storage};

/// Which of the two storages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// sessionStorage: this tab (and its duplicates), gone when the tab closes.
    Session,
    /// localStorage: this browser, for the settings only.
    Local,
}

fn raw(area: Area) -> web_sys::Storage {
    match area {
        Area::Session => SessionStorage::raw(),
        Area::Local => LocalStorage::raw(),
    }
}

/// The value under `key`, if any (None too when the browser refuses to read).
pub fn read(area: Area, key: &str) -> Option<String> {
    raw(area).get_item(key).ok().flatten()
}

/// Stores `value` under `key`; false when the browser refuses (full, or storage disabled).
pub fn write(area: Area, key: &str, value: &str) -> bool {
    raw(area).set_item(key, value).is_ok()
}

/// Removes `key` (nothing if it is not there).
pub fn remove(area: Area, key: &str) {
    let _ = raw(area).remove_item(key);
}
