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

/// A moment the server wrote as "2026-12-05 12:10 UTC", shown in the viewer's own time zone
/// once the page runs ("Dec 5, 2026, 7:10 AM"), with the UTC time on hover and in `datetime`.
/// The server renders the UTC text, and so does hydration, then the browser's clock takes over:
/// without the script, the page still reads right, in UTC. Text that is not such a moment
/// ("never") is shown as it is.
#[component]
pub fn When(#[prop(into)] at: String) -> impl IntoView {
    let iso = utc_iso(&at);
    let text = RwSignal::new(at.clone());
    #[cfg(feature = "hydrate")]
    if let Some(iso) = iso.clone() {
        Effect::new(move |_| {
            if let Some(local) = local_text(&iso) {
                text.set(local);
            }
        });
    }
    let title = iso.is_some().then(|| at.clone());
    view! { <time datetime=iso title=title>{move || text.get()}</time> }
}

/// "2026-12-05 12:10 UTC" (or with seconds) as "2026-12-05T12:10:00Z"; `None` for anything
/// else.
pub fn utc_iso(at: &str) -> Option<String> {
    let rest = at.strip_suffix(" UTC")?;
    let (date, time) = rest.split_once(' ')?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let d: Vec<&str> = date.split('-').collect();
    let t: Vec<&str> = time.split(':').collect();
    let ok = d.len() == 3
        && digits(d[0], 4)
        && digits(d[1], 2)
        && digits(d[2], 2)
        && (t.len() == 2 || t.len() == 3)
        && t.iter().all(|part| digits(part, 2));
    let seconds = if t.len() == 2 { ":00" } else { "" };
    ok.then(|| format!("{date}T{time}{seconds}Z"))
}

/// The moment in the browser's time zone and language, e.g. "Dec 5, 2026, 7:10 AM".
#[cfg(feature = "hydrate")]
fn local_text(iso: &str) -> Option<String> {
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    for (k, v) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "numeric"),
        ("minute", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    date.to_locale_string("default", &options).as_string()
}

#[cfg(test)]
mod when_tests {
    use super::utc_iso;

    #[test]
    fn server_times_are_read_and_anything_else_is_left() {
        assert_eq!(
            utc_iso("2026-12-05 12:10 UTC").as_deref(),
            Some("2026-12-05T12:10:00Z")
        );
        assert_eq!(
            utc_iso("2026-12-05 12:10:42 UTC").as_deref(),
            Some("2026-12-05T12:10:42Z")
        );
        assert_eq!(utc_iso("never"), None);
        assert_eq!(utc_iso("2026-12-05 12:10"), None);
        assert_eq!(utc_iso("2026-12-5 12:10 UTC"), None);
    }
}
