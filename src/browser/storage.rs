//! Web Storage, as strings. sessionStorage for anything secret (it dies with the tab);
//! localStorage only for settings the user chose to keep.
use web_sys::Storage;

/// Which Web Storage area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Session,
    Local,
}

fn area(which: Area) -> Option<Storage> {
    let window = web_sys::window()?;
    match which {
        Area::Session => window.session_storage().ok().flatten(),
        Area::Local => window.local_storage().ok().flatten(),
    }
}

/// The value under `key`, if storage is available and holds one.
pub fn get(which: Area, key: &str) -> Option<String> {
    area(which)?.get_item(key).ok().flatten()
}

/// Stores `value` under `key`; false when storage is unavailable or full.
pub fn set(which: Area, key: &str, value: &str) -> bool {
    area(which).is_some_and(|s| s.set_item(key, value).is_ok())
}

/// Removes `key`.
pub fn remove(which: Area, key: &str) {
    if let Some(s) = area(which) {
        let _ = s.remove_item(key);
    }
}
