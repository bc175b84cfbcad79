//! Hydrates the server-rendered dashboard in the browser.
//!
//! Built twice (`scripts/build.sh`): the dashboard's bundle hydrates [`app::App`]; with the
//! `apply` feature, the creator's bundle hydrates the application page alone
//! ([`app::ApplyApp`]), and the linker leaves the rest of the dashboard out of it.

#[cfg(all(feature = "hydrate", not(feature = "apply")))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

#[cfg(all(feature = "hydrate", feature = "apply"))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::ApplyApp);
}
