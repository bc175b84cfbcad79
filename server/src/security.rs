//! Browser-facing defences that apply to every response: a cross-site request check on
//! state-changing requests, the Content-Security-Policy with its per-page script nonce, and
//! `Cache-Control: no-store` on everything that is not a built asset.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERER};
use http::{Method, StatusCode};

/// `Cache-Control: no-store` on every answer except the built CSS, JS and wasm under `/pkg/`:
/// pages and server-function answers carry an organization's data, which neither the browser's
/// history cache nor a proxy may keep.
pub async fn no_store(req: Request, next: Next) -> Response {
    let asset = req.uri().path().starts_with("/pkg/");
    let mut resp = next.run(req).await;
    if !asset && !resp.headers().contains_key(CACHE_CONTROL) {
        resp.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// The dashboard's own origin, e.g. `https://cover.example.com` (scheme, host and port only).
#[derive(Clone, Debug)]
pub struct OwnOrigin(Arc<str>);

impl OwnOrigin {
    /// From `PUBLIC_BASE_URL`, which may carry a path.
    pub fn from_base_url(base_url: &str) -> Self {
        OwnOrigin(origin_of(base_url).unwrap_or(base_url).into())
    }
}

/// `scheme://host[:port]` of an absolute URL, or `None` when it is not one.
fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")?;
    let rest = &url[scheme_end + 3..];
    let end = rest
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + 3 + i);
    (end > scheme_end + 3).then(|| &url[..end])
}

const REFUSED: &str = "This request came from another website, so it was refused. Open the \
                       dashboard directly and try again.";

/// Cross-site request forgery defence for POST, PUT, PATCH and DELETE, on top of the SameSite=Lax
/// session cookie: the browser must say the request comes from the dashboard itself.
///
/// 1. An `Origin` header must be the dashboard's origin (from `PUBLIC_BASE_URL`, or
///    `http://{Host}` for local runs). Browsers send `Origin: null` for same-origin POSTs when
///    the page's Referrer-Policy is `no-referrer` (ours is), so `null` defers to the next checks.
/// 2. Otherwise `Sec-Fetch-Site`, which scripts cannot set, must be `same-origin`.
/// 3. Otherwise a `Referer` must have the dashboard's origin.
/// 4. A request with none of these is not from a current browser (e.g. a command-line client),
///    which a forged cross-site request cannot be; it passes unless it claimed `Origin: null`.
pub async fn check_origin(State(own): State<OwnOrigin>, req: Request, next: Next) -> Response {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return next.run(req).await;
    }
    match verdict(&own, &req) {
        Ok(()) => next.run(req).await,
        Err(why) => {
            tracing::warn!(
                method = %req.method(),
                path = req.uri().path(),
                why,
                "refused a cross-site request"
            );
            (StatusCode::FORBIDDEN, REFUSED).into_response()
        }
    }
}

fn verdict(own: &OwnOrigin, req: &Request) -> Result<(), &'static str> {
    let headers = req.headers();
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let host_origin = header(HOST).map(|h| format!("http://{h}"));
    let is_ours = |origin: &str| {
        origin.eq_ignore_ascii_case(&own.0) || host_origin.as_deref() == Some(origin)
    };

    let origin = header(ORIGIN);
    match origin {
        Some("null") | None => {}
        Some(o) if is_ours(o) => return Ok(()),
        Some(_) => return Err("origin"),
    }
    if let Some(site) = header(http::HeaderName::from_static("sec-fetch-site")) {
        return if site == "same-origin" {
            Ok(())
        } else {
            Err("sec-fetch-site")
        };
    }
    if let Some(referer) = header(REFERER) {
        return match origin_of(referer) {
            Some(o) if is_ours(o) => Ok(()),
            _ => Err("referer"),
        };
    }
    if origin == Some("null") {
        Err("opaque origin")
    } else {
        Ok(())
    }
}

/// The policy without inline scripts: for responses that are not pages (server functions,
/// files, redirects).
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                               style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                               frame-ancestors 'none'; base-uri 'none'; form-action 'self'; \
                               object-src 'none'";

/// The page policy: Leptos' hydration and streaming scripts are inline, and carry the
/// per-request nonce Leptos generates (`leptos::nonce`), so only they may run.
/// `'wasm-unsafe-eval'` lets the page compile its own WebAssembly, nothing more.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'self'; object-src 'none'"
    )
}

/// Called while a page renders (inside Leptos' context): sets the page's CSP with this
/// response's nonce.
pub fn set_page_csp() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_csp(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut b = Request::builder().method("POST").uri("/api/login");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn origins() {
        let own = OwnOrigin::from_base_url("https://cover.example.com/app");
        assert_eq!(&*own.0, "https://cover.example.com");
        let ok = |h: &[(&str, &str)]| verdict(&own, &post(h)).is_ok();
        assert!(ok(&[("origin", "https://cover.example.com")]));
        assert!(ok(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ]));
        assert!(!ok(&[("origin", "https://evil.example")]));
        assert!(!ok(&[("origin", "https://cover.example.com.evil.example")]));
        assert!(ok(&[("origin", "null"), ("sec-fetch-site", "same-origin")]));
        assert!(!ok(&[("origin", "null"), ("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        assert!(ok(&[("referer", "https://cover.example.com/settings")]));
        assert!(!ok(&[("referer", "https://evil.example/x")]));
        assert!(!ok(&[("origin", "null")]));
        assert!(ok(&[]));
    }
}
