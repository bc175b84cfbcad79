//! The dashboard server as a library: `main` parses the command line and calls [`launch`], and
//! tests call it on port 0.

// The release build's layout computation of the large Leptos view types nests deeper than the
// default limit of 128.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
mod documents;
mod export;
mod guard;
mod live;
mod outreach;
pub mod security;
mod webhooks;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use app::ssr::ServerContext;
use app::{apply_shell, shell, App};
use axum::Router;
use domain::crypto::MasterKey;
use domain::store::{Database, DatabaseUrl, MemberId, SessionRecords, SessionRow, Store};
use domain::sync::SyncEngine;
use http::header::{HeaderName, HeaderValue};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio_util::sync::CancellationToken;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use config::Config;

/// Opens the database named by the configuration (SQLite or PostgreSQL, by the URL's scheme)
/// and runs its migrations.
pub async fn open_database(config: &Config) -> anyhow::Result<Database> {
    let url = DatabaseUrl::parse(&config.database_url).map_err(|e| anyhow::anyhow!("{e}"))?;
    Database::open(&url).await.with_context(|| {
        format!(
            "opening database {}",
            config::redact_url(&config.database_url)
        )
    })
}

/// The store of the configured database, for commands that need nothing else.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(open_database(config).await?.store())
}

/// The session library's store over the database's sessions table, so any instance can serve
/// any signed-in member and removing a member deletes their sessions (see
/// [`domain::store::SessionRecords`]).
#[derive(Clone)]
struct SessionStore(Arc<dyn SessionRecords>);

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionStore")
    }
}

type SessionResult<T> = tower_sessions::session_store::Result<T>;

fn session_backend_error(e: impl std::fmt::Display) -> tower_sessions::session_store::Error {
    tower_sessions::session_store::Error::Backend(e.to_string())
}

impl SessionStore {
    fn row(record: &tower_sessions::session::Record) -> SessionResult<SessionRow> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| tower_sessions::session_store::Error::Encode(e.to_string()))?;
        let expires_at = chrono::DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0)
            .ok_or_else(|| session_backend_error("session expiry out of range"))?;
        Ok(SessionRow {
            id: record.id.to_string(),
            member: record
                .data
                .get(app::ssr::MEMBER_KEY)
                .and_then(|v| v.as_i64())
                .map(MemberId),
            data,
            expires_at,
        })
    }
}

#[async_trait::async_trait]
impl tower_sessions::SessionStore for SessionStore {
    async fn create(&self, record: &mut tower_sessions::session::Record) -> SessionResult<()> {
        // A random 128-bit id taken already is as good as impossible, but never overwritten.
        loop {
            let row = Self::row(record)?;
            if self
                .0
                .create_session(&row)
                .await
                .map_err(session_backend_error)?
            {
                return Ok(());
            }
            record.id = tower_sessions::session::Id::default();
        }
    }

    async fn save(&self, record: &tower_sessions::session::Record) -> SessionResult<()> {
        self.0
            .save_session(&Self::row(record)?)
            .await
            .map_err(session_backend_error)
    }

    async fn load(
        &self,
        id: &tower_sessions::session::Id,
    ) -> SessionResult<Option<tower_sessions::session::Record>> {
        let Some((data, expires_at)) = self
            .0
            .load_session(&id.to_string(), chrono::Utc::now())
            .await
            .map_err(session_backend_error)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data)
            .map_err(|e| tower_sessions::session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(expires_at.timestamp())
            .map_err(session_backend_error)?;
        Ok(Some(tower_sessions::session::Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &tower_sessions::session::Id) -> SessionResult<()> {
        self.0
            .delete_session(&id.to_string())
            .await
            .map_err(session_backend_error)
    }
}

impl SessionStore {
    /// Deletes expired sessions every `period` for as long as the server runs (a session is
    /// refused once expired either way; this keeps the table from growing). Any instance may do
    /// it: the deletion is one idempotent statement.
    fn spawn_expired_deletion(
        &self,
        period: std::time::Duration,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let store = self.0.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(period);
            every.tick().await;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = every.tick() => {}
                }
                if let Err(e) = store.delete_expired_sessions(chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "deleting expired sessions failed; trying again later");
                }
            }
        })
    }
}

/// How long, after the last request was answered, background workers get to finish the work
/// in hand before the server returns anyway.
const WORKERS_STOP_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves the dashboard on `listener` until `shutdown` resolves, then finishes in-flight
/// requests, stops the background workers (each finishes what it is doing) and returns.
pub async fn launch(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let database = open_database(&config).await?;
    let master_key = MasterKey::load_or_create(&config.master_key_file).with_context(|| {
        format!(
            "loading the master key {}",
            config.master_key_file.display()
        )
    })?;
    let stop = CancellationToken::new();
    // Cancelled as soon as shutdown begins: open event streams end then, or the graceful
    // shutdown would wait for them for ever.
    let draining = CancellationToken::new();
    let (router, workers) = router(
        &config,
        database,
        master_key,
        stop.clone(),
        draining.clone(),
    )
    .await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "dashboard listening");
    // The peer address feeds the sign-in throttle.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            draining.cancel();
        })
        .await
        .context("serving HTTP");
    stop.cancel();
    let all = async {
        for worker in workers {
            let _ = worker.await;
        }
    };
    if tokio::time::timeout(WORKERS_STOP_WITHIN, all)
        .await
        .is_err()
    {
        tracing::warn!("background work was still running at shutdown; it stops with the process");
    }
    served
}

/// The dashboard's routes, and the handles of the background workers it started (they run
/// until `stop` is cancelled).
async fn router(
    config: &Config,
    database: Database,
    master_key: MasterKey,
    stop: CancellationToken,
    draining: CancellationToken,
) -> anyhow::Result<(Router, Vec<tokio::task::JoinHandle<()>>)> {
    let session_store = SessionStore(database.sessions());
    let mut workers =
        vec![session_store
            .spawn_expired_deletion(std::time::Duration::from_secs(60 * 60), stop.clone())];
    // Over https the cookie is `__Host-` prefixed: the browser then only accepts it Secure,
    // for the whole site, and from this host itself (no Domain attribute).
    let cookie_name = if config.secure_cookies() {
        "__Host-dashboard_session"
    } else {
        "dashboard_session"
    };
    let sessions = SessionManagerLayer::new(session_store)
        .with_name(cookie_name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));

    let mut leptos_options = LeptosOptions::builder()
        .output_name("dashboard")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(Env::PROD)
        .build();
    // `scripts/build.sh` names the bundle's files by their content and lists the names in
    // `hash.txt` (Leptos reads it by a path relative to the binary, which an absolute one
    // replaces); a site built by `cargo leptos watch` has plain names.
    let hash_file = std::path::absolute(config.site_root.join("hash.txt"))
        .context("finding the site's hash.txt")?;
    let hashed = hash_file.exists();
    if hashed {
        leptos_options.hash_files = true;
        leptos_options.hash_file = hash_file.to_string_lossy().into();
    }
    let mut routes = generate_route_list(App);
    // The creator's application page is served with its own small bundle when the site has
    // one (`hash-apply.txt`, written by `scripts/build.sh`); otherwise the dashboard's serves.
    let apply_hash_file = std::path::absolute(config.site_root.join("hash-apply.txt"))
        .context("finding the site's hash-apply.txt")?;
    let apply_options = (hashed && apply_hash_file.exists()).then(|| {
        routes.retain(|r| !r.path().starts_with("/apply"));
        let mut options = leptos_options.clone();
        options.output_name = "apply".into();
        options.hash_file = apply_hash_file.to_string_lossy().into();
        options
    });
    let store = database.store();
    let engine = Arc::new(
        SyncEngine::new(store.clone(), master_key, config.sync_config())
            .context("starting the sync engine")?,
    );
    // Deliveries are processed by this instance's worker, woken at once by the receiving
    // handler, and every 10 s for retries, other instances' abandoned claims and schedules.
    workers.push(engine.spawn_delivery(std::time::Duration::from_secs(10), stop.clone()));
    workers.extend(engine.spawn_background(std::time::Duration::from_secs(10), stop));
    let webhook_routes = webhooks::routes(engine.clone());
    let stop_routes = outreach::routes(store.clone());
    let context = ServerContext {
        store,
        engine,
        public_base_url: config.public_base_url.clone(),
        session_max_age: config.session_max_age,
        trusted_proxies: config.trusted_proxies.clone().into(),
    };
    // The sign-in guard and the CSV exports work from the same context as the server functions.
    let guard_state = context.clone();
    let export_routes = export::routes(context.clone());
    let document_routes = documents::routes(context.clone());
    let live_routes = live::routes(context.clone(), database.sessions(), draining);
    let provide = move || provide_context(context.clone());

    // Registered by hand: `leptos_routes_with_context` also mounts every server function,
    // which the dashboard's routes below already do.
    let router = match apply_options {
        Some(apply_options) => Router::new().route(
            "/apply/{token}",
            axum::routing::get(leptos_axum::render_app_async_with_context(
                provide.clone(),
                move || {
                    security::set_page_csp();
                    apply_shell(apply_options.clone())
                },
            )),
        ),
        None => Router::new(),
    };
    let router = router
        .leptos_routes_with_context(&leptos_options, routes, provide, {
            let options = leptos_options.clone();
            move || {
                security::set_page_csp();
                shell(options.clone())
            }
        })
        .merge(export_routes)
        .merge(document_routes)
        .merge(live_routes)
        .nest("/pkg", assets(&config.site_root, hashed))
        .fallback(leptos_axum::file_and_error_handler(|options| {
            security::set_page_csp();
            shell(options)
        }))
        .with_state(leptos_options)
        .layer(axum::middleware::from_fn_with_state(
            guard_state,
            guard::require_session,
        ))
        .layer(sessions)
        // CreatorIQ's deliveries carry no session and no browser origin: they are verified by
        // their signature instead.
        .merge(webhook_routes)
        // A creator's "stop reminders" (and a mail client's one-click POST) carries no session.
        .merge(stop_routes)
        .layer(axum::middleware::from_fn_with_state(
            security::OwnOrigin::from_base_url(&config.public_base_url),
            security::check_origin,
        ))
        .layer(axum::middleware::from_fn(security::no_store))
        .layer(axum::middleware::from_fn(security::api_limits))
        .layer(axum::middleware::from_fn_with_state(
            security::LinkPageLimit::application(config.trusted_proxies.clone().into()),
            security::limit_link_pages,
        ))
        .layer(axum::middleware::from_fn_with_state(
            security::LinkPageLimit::sign_in_link(config.trusted_proxies.clone().into()),
            security::limit_link_pages,
        ))
        .layer(header("content-security-policy", security::DEFAULT_CSP))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("referrer-policy", "no-referrer"))
        .layer(header("x-frame-options", "DENY"));
    // Pages and server-function answers compressed as they go (the bundle was compressed when
    // it was built); not the event streams, which the default predicate leaves alone.
    let router = router.layer(tower_http::compression::CompressionLayer::new());
    let router = if config.secure_cookies() {
        // Served over https: browsers are told to use nothing else for a year.
        router.layer(header(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        router
    };
    Ok((router, workers))
}

/// The bundle under `/pkg/`: its precompressed `.br` or `.gz` copy to browsers that accept one.
fn assets<S: Clone + Send + Sync + 'static>(
    site_root: &std::path::Path,
    hashed: bool,
) -> Router<S> {
    let files = tower_http::services::ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(hashed, cache_assets))
}

/// Content-hashed files never change under their name, so browsers keep them for a year
/// without asking again; plain names (a development build) are checked on every use. Only
/// files found: a missing one may appear with the next deployment.
async fn cache_assets(
    axum::extract::State(hashed): axum::extract::State<bool>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut resp = next.run(req).await;
    let cache = match (resp.status().is_success(), hashed) {
        (true, true) => "public, max-age=31536000, immutable",
        (true, false) => "no-cache",
        (false, _) => "no-store",
    };
    resp.headers_mut()
        .insert(http::header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

fn header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    )
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
