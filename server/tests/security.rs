//! Security over HTTP against the real server (port 0, SQLite in a tempdir, the CreatorIQ
//! sandbox in-process): cross-site request refusal, CSP, roles, organization scoping, sign-in
//! throttling and the CreatorIQ key never leaving the server.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use domain::creatoriq::{ApiKey, CiqEnvironments};
use domain::crypto::MasterKey;
use domain::store::roles::*;
use domain::store::{OrgId, SqliteStore, Trigger, TriggerKind};
use domain::sync::{SyncConfig, SyncEngine};
use reqwest::redirect::Policy;
use reqwest::StatusCode;

mod common;

const ADMIN: &str = common::EMAIL;
const VIEWER: &str = "viewer@acme.example";
const OTHER: &str = "ops@bluebird.example";
const PASSWORD: &str = common::PASSWORD;
const KEY: &str = ciq_sandbox::PARTNER1_KEY;

/// A local HTTP listener that records every request it receives (path and `x-api-key`), and
/// answers either 404 or, when `redirect_to` is set, 302 to that address.
/// (URI, `x-api-key`) of each request received.
type Requests = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Recorder {
    url: String,
    seen: Requests,
}

impl Recorder {
    async fn start(redirect_to: Option<String>) -> Recorder {
        let seen: Requests = Arc::default();
        let log = seen.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
                let log = log.clone();
                let redirect_to = redirect_to.clone();
                async move {
                    let key = headers
                        .get("x-api-key")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    log.lock().unwrap().push((uri.to_string(), key));
                    match redirect_to {
                        Some(to) => axum::response::Response::builder()
                            .status(302)
                            .header("location", format!("{to}{}", uri.path()))
                            .body(axum::body::Body::empty())
                            .unwrap(),
                        None => axum::response::Response::builder()
                            .status(404)
                            .body(axum::body::Body::empty())
                            .unwrap(),
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Recorder { url, seen }
    }

    fn requests(&self) -> Vec<(String, Option<String>)> {
        self.seen.lock().unwrap().clone()
    }
}

/// The common test server with a viewer, a second organization (Bluebird), and CreatorIQ
/// environments that must or must not receive anything.
struct TestServer {
    base: String,
    db_path: PathBuf,
    acme: OrgId,
    bluebird: OrgId,
    sandbox_url: String,
    /// Not an allowed environment: must never receive anything.
    elsewhere: Recorder,
    /// An allowed environment that redirects every request to `elsewhere`.
    redirector: Recorder,
    inner: common::TestServer,
    _sandbox: ciq_sandbox::RunningSandbox,
}

impl TestServer {
    async fn start() -> Self {
        let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
            .await
            .unwrap();
        let elsewhere = Recorder::start(None).await;
        let redirector = Recorder::start(Some(elsewhere.url.clone())).await;
        // Production, the sandbox, a redirecting host and a port where nothing listens.
        let inner = common::TestServer::build()
            .viewer("acme", VIEWER, PASSWORD)
            .organization("bluebird", "Bluebird Brands", OTHER, PASSWORD)
            .creatoriq_environments(&[&sandbox.base_url, &redirector.url, "http://127.0.0.1:9"])
            .start()
            .await;
        let db_path = PathBuf::from(inner.db.strip_prefix("sqlite://").unwrap());
        Self {
            base: inner.base.clone(),
            db_path,
            acme: inner.org,
            bluebird: inner.org_id("bluebird"),
            sandbox_url: sandbox.base_url.clone(),
            elsewhere,
            redirector,
            inner,
            _sandbox: sandbox,
        }
    }

    async fn store(&self) -> SqliteStore {
        SqliteStore::open(&format!("sqlite://{}", self.db_path.display()))
            .await
            .unwrap()
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    async fn login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> (StatusCode, String) {
        let resp = client
            .post(format!("{}/api/login", self.base))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = Self::client();
        let (status, body) = self.login(&client, email, PASSWORD).await;
        assert!(
            status.is_success() || status.is_redirection(),
            "{status} {body}"
        );
        client
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let resp = client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Settings' "Save" for the CreatorIQ connection.
    async fn save_key(
        &self,
        client: &reqwest::Client,
        key: &str,
        environment: &str,
    ) -> (StatusCode, String) {
        let form = [("api_key", key), ("environment", environment)];
        self.call(client, "settings/save_key", &form).await
    }

    async fn page(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let resp = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn stop(self) {
        self.inner.stop().await;
    }
}

#[tokio::test]
async fn cross_origin_posts_are_refused_and_same_origin_ones_pass() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    let post = |origin: Option<&str>, site: Option<&str>| {
        let mut req = client
            .post(format!("{}/api/login", server.base))
            .header("accept", "application/json")
            .form(&[("email", ADMIN), ("password", PASSWORD)]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.send()
    };

    let evil = post(Some("https://evil.example"), None).await.unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(evil
        .text()
        .await
        .unwrap()
        .contains("came from another website"));
    let opaque = post(Some("null"), Some("cross-site")).await.unwrap();
    assert_eq!(opaque.status(), StatusCode::FORBIDDEN);

    // Still signed out: the refused request never reached sign-in.
    let (status, _) = server.page(&client, "/contractors").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let own = post(Some(&server.base), None).await.unwrap();
    assert!(
        own.status().is_success() || own.status().is_redirection(),
        "{}",
        own.status()
    );
    let (status, _) = server.page(&client, "/contractors").await;
    assert_eq!(status, StatusCode::OK);

    // What Chromium sends for a same-origin POST under Referrer-Policy: no-referrer.
    let null_same_origin = post(Some("null"), Some("same-origin")).await.unwrap();
    assert_ne!(null_same_origin.status(), StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_the_nonce_is_on_the_scripts() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    let resp = client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap();
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for part in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the page CSP")
        .to_owned();
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    let html = resp.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");

    // A second page gets a different nonce.
    let again = client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap();
    let csp2 = again.headers()["content-security-policy"].to_str().unwrap();
    assert!(!csp2.contains(&nonce));

    // Non-page responses still get a policy.
    let (_, _) = server.login(&client, ADMIN, PASSWORD).await;
    let resp = client
        .post(format!("{}/api/me", server.base))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("content-security-policy"));
    server.stop().await;
}

#[tokio::test]
async fn a_viewer_cannot_change_settings_even_over_http() {
    let server = TestServer::start().await;
    let viewer = server.signed_in(VIEWER).await;
    for (endpoint, form) in [
        (
            "settings/save_key",
            vec![
                ("api_key", KEY),
                ("environment", server.sandbox_url.as_str()),
            ],
        ),
        ("settings/save_coverage", vec![("coverage", "general")]),
        ("settings/test_connection", vec![]),
    ] {
        let (status, body) = server.call(&viewer, endpoint, &form).await;
        assert!(!status.is_success(), "{endpoint}: {status}");
        assert!(body.contains("Forbidden"), "{endpoint}: {body}");
    }
    let settings = server
        .store()
        .await
        .ciq_settings(server.acme)
        .await
        .unwrap();
    assert!(settings.api_key.is_none());
    assert_ne!(settings.base_url, server.sandbox_url);

    // The viewer still sees the page, without the forms.
    let (status, html) = server.page(&viewer, "/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("CreatorIQ connection"), "{html}");
    assert!(!html.contains("name=\"api_key\""));
    assert!(!html.contains("name=\"coverage\""));
    server.stop().await;
}

#[tokio::test]
async fn another_organizations_sync_run_is_not_found() {
    let server = TestServer::start().await;
    // A real run of organization A, made with its own engine.
    let store = std::sync::Arc::new(server.store().await);
    let master = MasterKey::generate();
    let key = ApiKey::parse(KEY).unwrap();
    let config = SyncConfig {
        environments: CiqEnvironments::default()
            .with(&server.sandbox_url)
            .unwrap(),
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(store.clone(), master, config).unwrap();
    engine
        .connect_creatoriq(server.acme, &server.sandbox_url, &key)
        .await
        .unwrap();
    let summary = engine
        .sync_organization(
            server.acme,
            Trigger::new(TriggerKind::Cli, Some("acme-operator".to_string())),
        )
        .await
        .unwrap();
    let run = summary.run_id();
    let id = run.0.to_string();

    let owner = server.signed_in(ADMIN).await;
    let (_, body) = server.call(&owner, "runs/get", &[("id", &id)]).await;
    assert!(body.contains("acme-operator"), "{body}");
    let (_, html) = server.page(&owner, "/sync-runs").await;
    assert!(html.contains(&format!("/sync-runs/{id}")), "{html}");

    let outsider = server.signed_in(OTHER).await;
    let (status, body) = server.call(&outsider, "runs/get", &[("id", &id)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.trim(), "null");
    let (_, body) = server.call(&outsider, "runs/list", &[]).await;
    assert!(!body.contains("acme-operator"), "{body}");
    let (_, html) = server.page(&outsider, &format!("/sync-runs/{id}")).await;
    assert!(html.contains("Sync run not found"), "{html}");
    assert!(!html.contains("acme-operator"));
    let _ = server.bluebird;
    server.stop().await;
}

#[tokio::test]
async fn five_failures_lock_an_email_and_unknown_emails_alike() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    for _ in 0..5 {
        let (_, body) = server.login(&client, ADMIN, "wrong password").await;
        assert!(body.contains("InvalidCredentials"), "{body}");
    }
    // Even the right password is refused now, with how long to wait.
    let (status, locked) = server.login(&client, ADMIN, PASSWORD).await;
    assert!(!status.is_success());
    assert!(
        locked.contains("Too many failed sign-in attempts. Try again in 15 minutes."),
        "{locked}"
    );

    for _ in 0..5 {
        server
            .login(&client, "nobody@acme.example", "wrong password")
            .await;
    }
    let (unknown_status, unknown) = server
        .login(&client, "nobody@acme.example", "anything")
        .await;
    assert_eq!(unknown_status, status);
    assert_eq!(unknown, locked, "unknown emails must read exactly the same");

    // Other emails are unaffected, and a success clears that email's count.
    for _ in 0..4 {
        server.login(&client, VIEWER, "wrong password").await;
    }
    let (status, _) = server.login(&client, VIEWER, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    let fresh = TestServer::client();
    for _ in 0..4 {
        server.login(&fresh, VIEWER, "wrong password").await;
    }
    let (status, _) = server.login(&fresh, VIEWER, PASSWORD).await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    server.stop().await;
}

#[tokio::test]
async fn the_api_key_is_tested_stored_encrypted_and_never_shown() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN).await;

    let sandbox = server.sandbox_url.clone();

    // A masked value is never taken for a key.
    let (status, body) = server.save_key(&admin, "•••• er-1", &sandbox).await;
    assert!(!status.is_success());
    assert!(body.contains("masked key"), "{body}");

    let (status, saved) = server.save_key(&admin, KEY, &sandbox).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert!(
        saved.contains("CreatorIQ accepted the key: it can see 8 campaigns"),
        "{saved}"
    );
    assert!(saved.contains("\"key_last4\":\"er-1\""), "{saved}");

    // A refused key is not stored; the old one stays.
    let (status, refused) = server
        .save_key(&admin, "not-a-real-key-9999", &sandbox)
        .await;
    assert!(!status.is_success());
    assert!(refused.contains("CreatorIQ refused this key"), "{refused}");
    assert!(
        refused.contains("the stored key ending in er-1 is still in use"),
        "{refused}"
    );

    let (_, tested) = server.call(&admin, "settings/test_connection", &[]).await;
    assert!(tested.contains("Connected"), "{tested}");
    let (_, settings_json) = server.call(&admin, "settings/get", &[]).await;
    let (_, html) = server.page(&admin, "/settings").await;
    assert!(html.contains("•••• er-1"), "{html}");
    let (_, edit_html) = server.page(&admin, "/settings?edit=key").await;
    assert!(edit_html.contains("type=\"password\""), "{edit_html}");

    for body in [&saved, &refused, &tested, &settings_json, &html, &edit_html] {
        assert!(!body.contains(KEY), "the key leaked: {body}");
    }

    let bytes = std::fs::read(&server.db_path).unwrap();
    let wal = std::fs::read(server.db_path.with_extension("db-wal")).unwrap_or_default();
    let needle = KEY.as_bytes();
    for file in [&bytes, &wal] {
        assert!(
            !file.windows(needle.len()).any(|w| w == needle),
            "the key is stored in plain text"
        );
    }
    let stored = server
        .store()
        .await
        .ciq_settings(server.acme)
        .await
        .unwrap();
    assert_eq!(stored.api_key_last4.as_deref(), Some("er-1"));

    // Unreachable CreatorIQ: said in plain words, key kept.
    let (_, unreachable) = server
        .save_key(&admin, "another-key-1234", "http://127.0.0.1:9")
        .await;
    assert!(
        unreachable.contains("Could not reach CreatorIQ at http://127.0.0.1:9"),
        "{unreachable}"
    );
    assert!(
        unreachable.contains("the stored key ending in er-1 is still in use"),
        "{unreachable}"
    );
    server.stop().await;
}

#[tokio::test]
async fn the_key_goes_only_to_an_allowed_environment_and_never_follows_a_redirect() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN).await;
    let (status, saved) = server.save_key(&admin, KEY, &server.sandbox_url).await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    // A host outside the server's list, plain-http production, and a credentials URL: refused
    // before anything is sent, with the allowed choices named.
    for (env, expected) in [
        (
            server.elsewhere.url.clone(),
            "is not one of the CreatorIQ environments this server allows",
        ),
        (
            "http://apis.creatoriq.com".to_string(),
            "is not one of the CreatorIQ environments",
        ),
        (
            "https://u:p@apis.creatoriq.com".to_string(),
            "is not one of the CreatorIQ environments",
        ),
    ] {
        let (status, body) = server.save_key(&admin, "attacker-chosen-key-1", &env).await;
        assert!(!status.is_success(), "{env}");
        assert!(body.contains(expected), "{env}: {body}");
        assert!(body.contains("https://apis.creatoriq.com"), "{body}");
        assert!(
            body.contains("the stored key ending in er-1 is still in use"),
            "{body}"
        );
        assert!(!body.contains("u:p@"), "{body}");
    }

    // An allowed host that redirects: the typed key reaches it once, nothing follows the
    // redirect, and the operator reads why.
    let (status, redirected) = server
        .save_key(&admin, "typed-for-redirector-1", &server.redirector.url)
        .await;
    assert!(!status.is_success());
    assert!(redirected.contains("redirect"), "{redirected}");
    assert!(redirected.contains("still in use"), "{redirected}");

    // The stored key keeps working where it was saved.
    let (_, tested) = server.call(&admin, "settings/test_connection", &[]).await;
    assert!(tested.contains("Connected"), "{tested}");

    // Someone with database access points the organization elsewhere without the key: the
    // key was sealed for the sandbox, so it is never sent to the new host.
    let store = server.store().await;
    for target in [&server.redirector.url, &server.elsewhere.url] {
        sqlx::query("UPDATE ciq_settings SET base_url = $1 WHERE org_id = $2")
            .bind(target)
            .bind(server.acme.0)
            .execute(store.pool())
            .await
            .unwrap();
        let (_, tested) = server.call(&admin, "settings/test_connection", &[]).await;
        assert!(!tested.contains("Connected"), "{target}: {tested}");
        let (status, started) = server.call(&admin, "start_sync", &[]).await;
        assert_eq!(status, StatusCode::OK, "{started}");
        // Wait for the run to end (no running run left).
        for _ in 0..250 {
            let (_, progress) = server.call(&admin, "sync_progress", &[]).await;
            if progress.trim() == "null" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    assert!(
        server.elsewhere.requests().is_empty(),
        "a host outside the list received {:?}",
        server.elsewhere.requests()
    );
    let to_redirector = server.redirector.requests();
    assert_eq!(to_redirector.len(), 1, "{to_redirector:?}");
    assert_eq!(
        to_redirector[0].1.as_deref(),
        Some("typed-for-redirector-1"),
        "only the key typed for that environment reached it"
    );
    let runs = store.sync_runs(server.acme, None, 10).await.unwrap();
    assert!(!runs.is_empty());
    for run in &runs {
        let error = run.totals.error.clone().unwrap_or_default();
        assert!(
            error.contains("not one this server allows") || error.contains("could not be read"),
            "{error}"
        );
    }
    server.stop().await;
}
