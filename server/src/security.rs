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

/// The largest request body a server function accepts. Forms here are a few hundred bytes; an
/// API key or an alert recipient list a few kilobytes.
pub const MAX_API_BODY: u64 = 64 * 1024;

/// Server-function requests: a body over [`MAX_API_BODY`] is refused with 413 before anything
/// reads it, and a refused answer carries the status its error means (400 for input to
/// correct, 401, 403) instead of a blanket 500, so a client or a proxy log tells bad input from
/// a failure on our side.
pub async fn api_limits(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_API_BODY) {
        return too_large();
    }
    // A body without a declared length is cut off at the limit.
    let (parts, body) = req.into_parts();
    let limited = http_body_util::Limited::new(body, MAX_API_BODY as usize);
    let bytes = match http_body_util::BodyExt::collect(limited).await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return too_large(),
    };
    let resp = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes =
        match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, 64 * 1024)).await
        {
            Ok(c) => c.to_bytes(),
            Err(_) => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.",
                )
                    .into_response()
            }
        };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        use app::error::AppError;
        parts.status = match error {
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            // Arguments that could not be read are the client's to fix.
            AppError::Invalid(_) | AppError::Transport(_) => StatusCode::BAD_REQUEST,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Busy => {
                parts.headers.insert(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from_static("5"),
                );
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "This request is too large: the dashboard accepts at most {} KB per request.",
            MAX_API_BODY / 1024
        ),
    )
        .into_response()
}

/// Requests one client may make per minute to a family of public link pages (a page and its
/// server functions): a person needs three or four; guessing tokens needs millions.
pub const LINK_PAGE_REQUESTS_PER_MINUTE: u32 = 30;

/// The same for the creator's application: five steps, each a post and a page (and Back, and
/// a refused step), from one phone or from several behind one carrier's address; guessing a
/// 256-bit token still needs far more than any rate allows.
pub const APPLICATION_REQUESTS_PER_MINUTE: u32 = 120;

/// A per-client rate limit on one family of public link pages, with the proxies whose
/// `X-Forwarded-For` says who the client is.
#[derive(Clone)]
pub struct LinkPageLimit {
    /// The paths it covers, by prefix.
    prefixes: &'static [&'static str],
    /// What a refused client reads.
    refusal: &'static str,
    limiter: Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>>,
    trusted_proxies: Arc<[ipnet::IpNet]>,
}

impl LinkPageLimit {
    pub fn new(
        prefixes: &'static [&'static str],
        refusal: &'static str,
        per_minute: u32,
        trusted_proxies: Arc<[ipnet::IpNet]>,
    ) -> Self {
        let quota = governor::Quota::per_minute(
            std::num::NonZeroU32::new(per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN),
        );
        LinkPageLimit {
            prefixes,
            refusal,
            limiter: Arc::new(governor::RateLimiter::keyed(quota)),
            trusted_proxies,
        }
    }

    /// The creator's application pages (`/apply/…` and their server functions).
    pub fn application(trusted_proxies: Arc<[ipnet::IpNet]>) -> Self {
        Self::new(
            &["/apply/", "/api/apply"],
            "Too many requests from your connection. Wait a minute and open your link again.",
            APPLICATION_REQUESTS_PER_MINUTE,
            trusted_proxies,
        )
    }

    /// A member's one-time sign-in link pages (`/welcome/…` and their server functions).
    pub fn sign_in_link(trusted_proxies: Arc<[ipnet::IpNet]>) -> Self {
        Self::new(
            &["/welcome/", "/api/welcome"],
            "Too many requests from your connection. Wait a minute and open your link again.",
            LINK_PAGE_REQUESTS_PER_MINUTE,
            trusted_proxies,
        )
    }
}

/// Refuses a client's requests to the pages `limit` covers past its rate with 429 and a
/// `Retry-After`.
pub async fn limit_link_pages(
    State(limit): State<LinkPageLimit>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if !limit.prefixes.iter().any(|p| path.starts_with(p)) {
        return next.run(req).await;
    }
    let client =
        app::ssr::client_address_in(req.headers(), req.extensions(), &limit.trusted_proxies);
    let Some(client) = client else {
        return next.run(req).await;
    };
    // Old keys are dropped now and then so the table does not grow with every address seen.
    if limit.limiter.len() > 100_000 {
        limit.limiter.retain_recent();
    }
    match limit.limiter.check_key(&client) {
        Ok(()) => next.run(req).await,
        Err(_) => {
            tracing::warn!(path = loggable_path(path), "link page rate limit reached");
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(http::header::RETRY_AFTER, "60")],
                limit.refusal,
            )
                .into_response()
        }
    }
}

/// A request path as it may be logged: the token of an application or one-time sign-in link is
/// a secret, so it is replaced.
pub fn loggable_path(path: &str) -> String {
    for prefix in ["/apply/", "/welcome/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}••••");
        }
    }
    path.to_string()
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
                path = loggable_path(req.uri().path()),
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
    fn link_tokens_never_reach_the_log() {
        assert_eq!(loggable_path("/apply/abcDEF123_-xyz"), "/apply/••••");
        assert_eq!(loggable_path("/welcome/abcDEF123_-xyz"), "/welcome/••••");
        assert_eq!(loggable_path("/api/login"), "/api/login");
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
