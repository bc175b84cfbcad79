//! CreatorIQ sandbox: a stand-in HTTP server for the parts of CreatorIQ's API the insurance
//! dashboard uses, seeded with deterministic campaigns and creators.
//!
//! It serves the CreatorIQ paths (`/crm/v1/api/...`, `/pubsub/...`) with the field names,
//! envelopes and types of CreatorIQ's published OpenAPI (copies in `sandbox/reference/`), and
//! reproduces CreatorIQ's documented behaviour: `x-api-key` auth (missing -> 403
//! `{"message":"Forbidden"}` on any path, unknown -> 401, unknown route -> 404), per-partner data
//! isolation, 400 for unknown ids, internal `Id` versus external `PublisherId` on the publisher
//! endpoints (see [`data::Publisher`]),
//! a per-key rate limit answered with 429 and no `Retry-After`, signed webhooks with retries.
//! Control endpoints under `/_sandbox/` (no key needed) inject faults, read request counters,
//! reset state and edit creators.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny()).await?;
//! let url = format!("{}/crm/v1/api/campaigns", sandbox.base_url);
//! // ... call it with header x-api-key: ciq_sandbox::PARTNER1_KEY
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use chrono::NaiveDate;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

mod api;
mod control;
pub mod data;
mod edit;
mod guard;
mod messages;
mod pubsub;
pub mod scenarios;

pub use data::{generate, Dataset, Size};
pub use edit::{CreatorEdit, EditOutcome};
pub use messages::SentMessage;
pub use pubsub::{signature_md5, signature_sha256, WebhookDelivery};

/// Default API key of partner 1 (owns the sized dataset with the scenario creators).
pub const PARTNER1_KEY: &str = "sandbox-key-partner-1";
/// Default API key of partner 2 (a small, different dataset, for isolation tests).
pub const PARTNER2_KEY: &str = "sandbox-key-partner-2";
/// Partner 1's CreatorIQ partner id (`NetworkId`, webhook `partnerId`).
pub const PARTNER1_ID: u32 = data::PARTNER_IDS[0];
/// Partner 2's CreatorIQ partner id.
pub const PARTNER2_ID: u32 = data::PARTNER_IDS[1];

/// Everything that shapes a sandbox instance.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Seed of the data generator (same seed + size + today = same data).
    pub seed: u64,
    /// Dataset size of partner 1.
    pub size: Size,
    /// The date campaign dates are relative to (default: today's UTC date).
    pub today: NaiveDate,
    /// Requests per second allowed per API key; `None` = no limit. CreatorIQ's is 5.
    pub rate_limit_per_sec: Option<u32>,
    /// Delay between webhook delivery attempts (CreatorIQ: 1 minute; tests use ~100 ms).
    pub webhook_retry_delay: Duration,
    /// Timeout of one webhook delivery attempt.
    pub webhook_timeout: Duration,
    /// How long a request hangs when a timeout fault hits it (then it answers 504).
    pub fault_timeout: Duration,
    /// API keys of partner 1 (default `[PARTNER1_KEY]`).
    pub partner1_keys: Vec<String>,
    /// API keys of partner 2 (default `[PARTNER2_KEY]`).
    pub partner2_keys: Vec<String>,
    /// Read `publishersList?fields=` as the published schema types it
    /// (`campaignPublishersListFieldsQuery`: one enum value): a comma list, an empty value or a
    /// name outside the enum is a 400 "Invalid value for fields". Default `false`: comma lists
    /// are accepted (as the parameter's description shows) and unknown names are ignored.
    pub strict_list_fields: bool,
    /// Get Campaign Publishers shows `sections` only with `publisherId` (the spec: "Show
    /// additional info about publisher if publisherId in query params"): the bulk answer then
    /// has no `PublishersCustomFields`, `FinalPayout`, `InstructionsForPublishers` or
    /// `CampaignDashboardLink`, whatever `sections` asks for. Default `false`: the bulk answer
    /// has the sections asked for too.
    pub sections_need_publisher_id: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            size: Size::Demo,
            today: chrono::Utc::now().date_naive(),
            rate_limit_per_sec: Some(5),
            webhook_retry_delay: Duration::from_secs(60),
            webhook_timeout: Duration::from_secs(10),
            fault_timeout: Duration::from_secs(60),
            partner1_keys: vec![PARTNER1_KEY.to_string()],
            partner2_keys: vec![PARTNER2_KEY.to_string()],
            strict_list_fields: false,
            sections_need_publisher_id: false,
        }
    }
}

impl SandboxConfig {
    /// A config for fast tests: `tiny` data, no rate limit, 100 ms webhook retries.
    pub fn tiny() -> Self {
        SandboxConfig {
            size: Size::Tiny,
            rate_limit_per_sec: None,
            webhook_retry_delay: Duration::from_millis(100),
            webhook_timeout: Duration::from_secs(5),
            ..SandboxConfig::default()
        }
    }
}

/// One partner's API keys, as listed by [`SandboxHandle::keys`] and `GET /_sandbox/keys`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PartnerKeys {
    /// 1 or 2.
    pub partner: u8,
    /// CreatorIQ partner id.
    pub partner_id: u32,
    /// Display name.
    pub partner_name: String,
    /// Keys accepted for this partner.
    pub keys: Vec<String>,
    /// Number of campaigns the partner owns.
    pub campaigns: usize,
    /// Number of creators the partner owns.
    pub creators: usize,
}

/// Injected faults. Fractions are probabilities in `0.0..=1.0`, drawn once per request in the
/// order 429, 500, timeout, malformed (so their sum should not exceed 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FaultConfig {
    /// Fraction of requests answered 429 (no `Retry-After`).
    pub rate_429: f64,
    /// Fraction answered 500.
    pub rate_500: f64,
    /// Fraction that hang for `timeout_ms` (then answer 504).
    pub rate_timeout: f64,
    /// Fraction answered 200 with a truncated, unparseable JSON body.
    pub rate_malformed: f64,
    /// Latency added to every affected request, in ms.
    pub latency_ms: u64,
    /// Hang duration for timeout faults, in ms (`None` = the config's `fault_timeout`).
    pub timeout_ms: Option<u64>,
    /// Only requests naming this campaign id in their path are affected.
    pub campaign_id: Option<u32>,
}

/// Request counters of the CreatorIQ surface (control endpoints are not counted).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Counters {
    /// All requests.
    pub total: u64,
    /// By `"METHOD /route/{template}"` (`"unmatched"` for unknown paths).
    pub by_endpoint: BTreeMap<String, u64>,
    /// By HTTP status of the answer.
    pub by_status: BTreeMap<String, u64>,
    /// By API key (`"(missing)"`, `"(unknown)"` for bad ones).
    pub by_key: BTreeMap<String, KeyCounters>,
    /// Webhook delivery attempts made.
    pub webhook_attempts: u64,
}

/// Counters of one API key.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KeyCounters {
    /// All requests with this key.
    pub total: u64,
    /// By endpoint.
    pub by_endpoint: BTreeMap<String, u64>,
    /// By status.
    pub by_status: BTreeMap<String, u64>,
}

/// A webhook subscription (`POST /pubsub/subscribe`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Subscription {
    pub partner: usize,
    pub api_key: String,
    pub entity_type: String,
    pub action_type: String,
    pub entity_id: Option<f64>,
    pub callback: String,
}

pub(crate) struct AppState {
    pub config: SandboxConfig,
    pub data: RwLock<Dataset>,
    pub keys: HashMap<String, usize>,
    pub subs: Mutex<Vec<Subscription>>,
    pub faults: Mutex<FaultConfig>,
    pub counters: Mutex<Counters>,
    pub limiter: RwLock<Option<Arc<DefaultKeyedRateLimiter<String>>>>,
    pub rate_limit: Mutex<Option<u32>>,
    pub http: reqwest::Client,
    pub event_seq: AtomicU64,
    pub deliveries: Mutex<VecDeque<WebhookDelivery>>,
    /// Messages creators received (`POST /crm/v1/api/communication/send`).
    pub inbox: Mutex<VecDeque<SentMessage>>,
    pub fault_rng: Mutex<StdRng>,
}

/// Poisoned locks only mean a panic elsewhere; the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
pub(crate) fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}
pub(crate) fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

fn make_limiter(per_sec: Option<u32>) -> Option<Arc<DefaultKeyedRateLimiter<String>>> {
    per_sec
        .and_then(NonZeroU32::new)
        .map(|n| Arc::new(RateLimiter::keyed(Quota::per_second(n))))
}

impl AppState {
    fn new(config: SandboxConfig) -> Self {
        let data = generate(config.seed, config.size, config.today);
        let mut keys = HashMap::new();
        for k in &config.partner1_keys {
            keys.insert(k.clone(), 0);
        }
        for k in &config.partner2_keys {
            keys.insert(k.clone(), 1);
        }
        let http = reqwest::Client::builder()
            .timeout(config.webhook_timeout)
            .build()
            .unwrap_or_default();
        let rate = config.rate_limit_per_sec.filter(|&n| n > 0);
        AppState {
            data: RwLock::new(data),
            keys,
            subs: Mutex::new(Vec::new()),
            faults: Mutex::new(FaultConfig::default()),
            counters: Mutex::new(Counters::default()),
            limiter: RwLock::new(make_limiter(rate)),
            rate_limit: Mutex::new(rate),
            http,
            event_seq: AtomicU64::new(0),
            deliveries: Mutex::new(VecDeque::new()),
            inbox: Mutex::new(VecDeque::new()),
            fault_rng: Mutex::new(StdRng::seed_from_u64(config.seed)),
            config,
        }
    }
}

/// A handle on a running (or not yet served) sandbox: inspect and steer it from Rust.
/// Cheap to clone; every method has an HTTP equivalent under `/_sandbox/`.
#[derive(Clone)]
pub struct SandboxHandle {
    state: Arc<AppState>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("seed", &self.state.config.seed)
            .field("size", &self.state.config.size)
            .finish()
    }
}

impl SandboxHandle {
    /// The configuration the sandbox was built with.
    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// Both partners with their keys and data sizes.
    pub fn keys(&self) -> Vec<PartnerKeys> {
        control::partner_keys(&self.state)
    }

    /// Replaces the injected faults.
    pub fn set_faults(&self, faults: FaultConfig) {
        *lock(&self.state.faults) = faults;
    }

    /// Removes all injected faults.
    pub fn clear_faults(&self) {
        self.set_faults(FaultConfig::default());
    }

    /// The faults currently injected.
    pub fn faults(&self) -> FaultConfig {
        lock(&self.state.faults).clone()
    }

    /// A snapshot of the request counters.
    pub fn counters(&self) -> Counters {
        lock(&self.state.counters).clone()
    }

    /// Changes the per-key rate limit (`None` or `Some(0)` = off).
    pub fn set_rate_limit(&self, per_sec: Option<u32>) {
        control::set_rate_limit(&self.state, per_sec);
    }

    /// Resets counters, faults, rate limiter, subscriptions, the delivery log, and the data back
    /// to the seed.
    pub fn reset(&self) {
        control::reset_all(&self.state);
    }

    /// Read access to the current data.
    pub fn with_data<R>(&self, f: impl FnOnce(&Dataset) -> R) -> R {
        f(&read(&self.state.data))
    }

    /// Edits a creator exactly like `PATCH /_sandbox/creators/{id}`: fires the same webhooks as
    /// CreatorIQ's write endpoints. Must be called inside a Tokio runtime (deliveries are
    /// spawned tasks).
    pub fn edit_creator(
        &self,
        publisher_id: u32,
        edit: &CreatorEdit,
    ) -> Result<EditOutcome, String> {
        let partner = read(&self.state.data)
            .partner_of_publisher(publisher_id)
            .ok_or_else(|| format!("no creator with PublisherId {publisher_id}"))?;
        edit::apply(&self.state, partner, publisher_id, edit).map_err(|e| e.message())
    }

    /// Moves a campaign's dates (`YYYY-MM-DD`; `None` blanks one), like
    /// `PATCH /_sandbox/campaigns/{id}`. CreatorIQ sends no webhook for a campaign's dates: the
    /// next sync reads them.
    pub fn set_campaign_dates(
        &self,
        campaign_id: u32,
        start_date: Option<&str>,
        end_date: Option<&str>,
    ) -> Result<(), String> {
        control::set_campaign_dates(&self.state, campaign_id, start_date, end_date)
    }

    /// Messages creators received so far, oldest first (`GET /_sandbox/messages`).
    pub fn messages(&self) -> Vec<SentMessage> {
        lock(&self.state.inbox).iter().cloned().collect()
    }

    /// Webhook delivery attempts so far (most recent last, at most 1,000 kept).
    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        lock(&self.state.deliveries).iter().cloned().collect()
    }
}

/// Builds the sandbox's router (CreatorIQ paths + `/_sandbox/` control paths) and a handle on
/// its state. Generating the data happens here (under a second for `bench` in release builds).
pub fn router(config: SandboxConfig) -> (Router, SandboxHandle) {
    let state = Arc::new(AppState::new(config));
    let api = api::routes(state.clone());
    let control = control::routes(state.clone());
    (api.merge(control), SandboxHandle { state })
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    config: SandboxConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (app, _handle) = router(config);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A sandbox serving on `127.0.0.1` (random port) in a background task.
/// Dropping it stops the server too; [`RunningSandbox::shutdown`] also waits for it.
pub struct RunningSandbox {
    /// `http://127.0.0.1:PORT` (no trailing slash): the CreatorIQ base URL to configure.
    pub base_url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// Handle to steer the sandbox from Rust.
    pub handle: SandboxHandle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl RunningSandbox {
    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a sandbox on `127.0.0.1:0` in a background task (needs a Tokio runtime) and returns
/// its base URL, handle and shutdown.
pub async fn spawn(config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // Generation can take a moment for large sizes: keep it off the async workers.
        let (app, handle) = tokio::task::spawn_blocking(move || router(config))
            .await
            .map_err(std::io::Error::other)?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
        });
        Ok(RunningSandbox {
            base_url: format!("http://{addr}"),
            addr,
            handle,
            stop: Some(tx),
            task: Some(task),
        })
    }
}
