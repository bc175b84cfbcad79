//! Shared set-up for the sync tests: a CreatorIQ sandbox on a random port, a store on the
//! test's backend (a SQLite file in a temporary directory, or a fresh PostgreSQL database), an organization whose settings point at the sandbox, and an engine with
//! short retry delays and no client-side rate limit.

#![allow(dead_code)]

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ciq_sandbox::{RunningSandbox, SandboxConfig, Size};
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::{ApplicationLink, Contractor, Organization, Store, Trigger, TriggerKind};
use domain::sync::{RunSummary, SyncConfig, SyncEngine};

pub struct Env {
    pub sandbox: RunningSandbox,
    pub store: Arc<dyn Store>,
    pub engine: SyncEngine,
    pub org: Organization,
    pub master: MasterKey,
    /// Keeps the database alive (and drops a PostgreSQL one at the end).
    pub db: crate::store_support::TestStore,
}

pub fn fast_ciq() -> CreatorIqConfig {
    CreatorIqConfig {
        requests_per_second: NonZeroU32::new(100_000).unwrap(),
        max_attempts: 10,
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
        ..CreatorIqConfig::default()
    }
}

pub fn engine_config(ciq: CreatorIqConfig) -> SyncConfig {
    SyncConfig {
        ciq,
        join_poll_interval: Duration::from_millis(20),
        today: Some(Utc::now().date_naive()),
        ..SyncConfig::default()
    }
}

/// Production plus `base_url` (a loopback sandbox), as `CREATORIQ_BASE_URLS` would list them.
pub fn allowing(base_url: &str) -> CiqEnvironments {
    CiqEnvironments::default()
        .with(base_url)
        .expect("a loopback sandbox is an allowed environment")
}

/// Stores `key` for `base_url` directly, skipping the check with CreatorIQ that
/// [`SyncEngine::connect_creatoriq`] makes (for keys CreatorIQ would refuse).
pub async fn store_key_unchecked(
    store: &dyn Store,
    master: &MasterKey,
    org: domain::store::OrgId,
    base_url: &str,
    key: &str,
) {
    let key = ApiKey::parse(key).unwrap();
    let sealed = master.encrypt_api_key(org, base_url, &key).unwrap();
    store
        .save_ciq_connection(org, base_url, &sealed, key.last4())
        .await
        .unwrap();
}

pub async fn env(size: Size) -> Env {
    env_with(size, fast_ciq()).await
}

pub async fn env_with(size: Size, ciq: CreatorIqConfig) -> Env {
    env_custom(size, ciq, |_| {}, |_| {}).await
}

/// Like [`env`], with the sandbox's and the engine's settings adjusted by the callers.
pub async fn env_custom(
    size: Size,
    ciq: CreatorIqConfig,
    sandbox_settings: impl FnOnce(&mut SandboxConfig),
    engine_settings: impl FnOnce(&mut SyncConfig),
) -> Env {
    let today = Utc::now().date_naive();
    let mut sandbox_config = SandboxConfig {
        size,
        today,
        fault_timeout: Duration::from_secs(2),
        ..SandboxConfig::tiny()
    };
    sandbox_settings(&mut sandbox_config);
    let sandbox = ciq_sandbox::spawn(sandbox_config)
        .await
        .expect("sandbox starts");
    let db = crate::store_support::current().await;
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let master = MasterKey::generate();
    let mut config = engine_config(ciq);
    config.today = Some(today);
    config.environments = allowing(&sandbox.base_url);
    engine_settings(&mut config);
    let engine = SyncEngine::new(store.clone(), master.clone(), config).unwrap();
    let key = ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap();
    engine
        .connect_creatoriq(org.id, &sandbox.base_url, &key)
        .await
        .expect("the sandbox accepts partner 1's key");
    Env {
        sandbox,
        store,
        engine,
        org,
        master,
        db,
    }
}

impl Env {
    /// Stores `key` for the organization at the sandbox without asking CreatorIQ (see
    /// [`store_key_unchecked`]).
    pub async fn store_key_unchecked(&self, key: &str) {
        store_key_unchecked(
            self.store.as_ref(),
            &self.master,
            self.org.id,
            &self.sandbox.base_url,
            key,
        )
        .await;
    }

    /// Requests the sandbox has received with partner 1's key so far.
    pub fn sandbox_requests(&self) -> u64 {
        self.sandbox
            .handle
            .counters()
            .by_key
            .get(ciq_sandbox::PARTNER1_KEY)
            .map_or(0, |k| k.total)
    }

    pub async fn sync(&self) -> RunSummary {
        self.engine
            .sync_organization(
                self.org.id,
                Trigger::new(TriggerKind::Cli, "test".to_string()),
            )
            .await
            .expect("sync runs")
    }

    pub async fn row(&self, campaign: u32, publisher: u32) -> Contractor {
        self.store
            .contractor_by_ciq_ids(self.org.id, i64::from(campaign), i64::from(publisher))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no row for creator {publisher} on campaign {campaign}"))
    }

    pub async fn link(&self, row: &Contractor) -> Option<ApplicationLink> {
        self.store.current_link(self.org.id, row.id).await.unwrap()
    }

    /// Every scenario row with its current link token, for before/after comparisons.
    pub async fn snapshot(&self) -> Vec<(Contractor, Option<String>)> {
        let mut out = Vec::new();
        for creator in ciq_sandbox::scenarios::CREATORS {
            for campaign in creator.campaign_ids {
                let row = self.row(*campaign, creator.publisher_id).await;
                let token = self.link(&row).await.map(|l| l.token.expose().to_string());
                out.push((row, token));
            }
        }
        out
    }
}

/// A local SMTP server ([`domain::testing::MailSink`]) that accepts every message and keeps it
/// (headers and body as sent).
pub struct SmtpSink {
    pub port: u16,
    sink: domain::testing::MailSink,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let sink = domain::testing::MailSink::start().await;
        SmtpSink {
            port: sink.port(),
            sink,
        }
    }

    pub fn received(&self) -> Vec<String> {
        self.sink.received().into_iter().map(|m| m.data).collect()
    }
}

/// A local HTTP listener that answers 200 to every POST and keeps the JSON bodies.
pub struct HookListener {
    pub addr: std::net::SocketAddr,
    pub bodies: Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl HookListener {
    pub async fn start() -> HookListener {
        let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = bodies.clone();
        let app = axum::Router::new().route(
            "/hook/{*rest}",
            axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let kept = kept.clone();
                async move {
                    kept.lock().unwrap().push(body);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        HookListener { addr, bodies }
    }

    pub fn received(&self) -> Vec<serde_json::Value> {
        self.bodies.lock().unwrap().clone()
    }
}

/// What `count()` is after a moment: for checking that nothing more arrives.
pub async fn quiet(count: impl Fn() -> usize) -> usize {
    tokio::time::sleep(Duration::from_millis(500)).await;
    count()
}

/// Waits until `count()` reaches `n` (up to 10 s), then a moment longer to catch extras.
pub async fn settle(count: impl Fn() -> usize, n: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while count() < n && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    count()
}
