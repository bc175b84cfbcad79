//! Small pieces shared by the contractor pages.

use leptos::prelude::*;

use vocabulary::ContractorStatus;

/// A contractor status as a coloured badge with its name in words.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<ContractorStatus>) -> impl IntoView {
    view! {
        <span class=move || format!("badge status-{}", status.get())>
            {move || status.get().label()}
        </span>
    }
}

/// An application link: the URL in a read-only field (select and copy by hand works too) and a
/// button that puts it on the clipboard.
#[component]
pub fn CopyLink(url: String, #[prop(optional)] label: Option<String>) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Application link".to_string());
    view! {
        <span class="copy-link">
            <input type="text" readonly value=url.clone() aria-label=label class="link-field"/>
            <CopyButton url/>
        </span>
    }
}

/// A "Copy link" button; alone in tables where the URL itself would not fit, with `whose` naming
/// whose link it copies for screen readers ("Copy link for Ann Lee"), after the visible words.
#[component]
pub fn CopyButton(url: String, #[prop(optional)] whose: Option<String>) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let on_click = move |_| {
        let text = url.clone();
        leptos::task::spawn_local(async move {
            copied.set(Some(copy_to_clipboard(&text).await));
        });
    };
    view! {
        <button type="button" class="small copy-button" on:click=on_click>
            {move || match copied.get() {
                Some(true) => "Copied",
                Some(false) => "Copy failed",
                None => "Copy link",
            }}
            {whose.map(|w| view! { <span class="sr-only">{format!(" for {w}")}</span> })}
        </button>
        <span class="sr-only" role="status">
            {move || match copied.get() {
                Some(true) => "Link copied to the clipboard",
                Some(false) => "Could not copy; select the link and copy it",
                None => "",
            }}
        </span>
    }
}

/// Writes `text` to the clipboard; `false` when the browser refuses or has no clipboard API.
#[cfg(feature = "hydrate")]
async fn copy_to_clipboard(text: &str) -> bool {
    use wasm_bindgen::JsValue;
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    // `navigator.clipboard` is missing on plain-HTTP pages other than localhost.
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .map(|v| !v.is_undefined() && !v.is_null())
        .unwrap_or(false);
    if !has_clipboard {
        return false;
    }
    let promise = navigator.clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

#[cfg(not(feature = "hydrate"))]
async fn copy_to_clipboard(_text: &str) -> bool {
    false
}
