//! Entry point: mount the app. Everything else lives in the modules below.
#[cfg(target_arch = "wasm32")]
fn main() {
    // Release builds abort on panic (-Cpanic=immediate-abort): no hook would ever run.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ilert_pkce::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("ilert-pkce is a browser app: run `cargo xtask demo`, or `trunk serve`.");
}
