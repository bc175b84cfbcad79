//! The sync pipeline (PRODUCT.md sections 3-6): fetch from CreatorIQ -> map -> decide ->
//! persist, per campaign, with one run per organization at a time.
//!
//! - [`plan`] is the pure middle: CreatorIQ data in, rows to write out.
//! - [`writes`] decides what a store writes for those rows given what it holds (unchanged,
//!   rewritten, removed, links retired or issued, history text); stores only execute it.
//! - [`SyncEngine`] is the I/O around it: builds the organization's CreatorIQ client, walks the
//!   campaigns with bulk endpoints (about two requests per campaign, never one per creator),
//!   writes each campaign in one transaction, records the run, and publishes live progress.
//!
//! Concurrency: in one process, a second trigger for an organization that is already syncing
//! joins the running run (a per-organization registry of watch channels). Across server
//! instances, a lease row in the database with an expiry makes sure only one instance runs an
//! organization; another instance's trigger waits for that run by polling its row.

mod alerting;
mod automatic;
pub mod plan;
pub mod writes;

pub use alerting::{AlertRecipientsView, WebhookChange};
pub use automatic::{DeliveryWork, SubscriptionState};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use tokio::sync::{watch, Mutex};
use tracing::Instrument;

use async_trait::async_trait;

use crate::alerts::{AlertConfig, Notifier};
use crate::creatoriq::model::Campaign;
use crate::creatoriq::{
    http_client, ApiKey, CiqEnvironments, CiqError, CreatorIqClient, CreatorIqConfig,
    EnvironmentError, GateRefusal, PublisherRef, RequestGate, SYNC_SECTIONS,
};
use crate::crypto::{CryptoError, MasterKey};
use crate::mapping::ContactInfo;
use crate::store::{
    ApplyOutcome, BeginRun, CampaignRecord, CampaignSync, CiqSettings, ContractorId, LeaseRequest,
    OrgId, RunError, RunState, RunTotals, Store, StoreError, SyncFailure, SyncProgress, SyncRun,
    SyncRunId, Trigger,
};

pub use plan::{campaign_record, plan_campaign, plan_row};

/// Why a sync could not run. The `Display` text is meant for operators.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    #[error(
        "This organization has no CreatorIQ API key yet. An admin can add it in Organization > \
         Settings."
    )]
    NotConfigured,
    #[error(transparent)]
    Ciq(#[from] CiqError),
    #[error(
        "The stored CreatorIQ API key could not be read with this server's master key. An admin \
         should enter the key again in Organization > Settings."
    )]
    Crypto(#[source] Arc<CryptoError>),
    #[error("The sync could not be saved (database error).")]
    Store(#[source] Arc<StoreError>),
    #[error("{0} was not found.")]
    NotFound(&'static str),
    #[error("The sync was interrupted before it finished; start it again.")]
    Interrupted,
    /// The run a trigger was waiting for lost its holder (that server stopped).
    #[error("Sync run #{0} stopped without finishing: the server running it stopped answering.")]
    HolderDied(i64),
    /// The stored environment is no longer in the server's allowed list.
    #[error(
        "This organization's CreatorIQ environment ({0}) is not one this server allows any \
         more, so its API key is not sent there. An admin can choose an environment and enter \
         the key again in Organization > Settings."
    )]
    EnvironmentNotAllowed(String),
    /// Another run of the organization is going (webhook processing waits for it).
    #[error("Sync run #{0} of this organization is running; this waits for it to finish.")]
    Busy(i64),
    /// The server's own settings are unusable (said at start-up).
    #[error("{0}")]
    Config(String),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => SyncError::NotFound(what),
            other => SyncError::Store(Arc::new(other)),
        }
    }
}

impl From<CryptoError> for SyncError {
    fn from(e: CryptoError) -> Self {
        SyncError::Crypto(Arc::new(e))
    }
}

/// CreatorIQ's documented daily allowance per API key.
pub const CREATORIQ_DAILY_LIMIT: u64 = 100_000;

/// Engine settings. The CreatorIQ template's `base_url` is replaced by each organization's.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub ciq: CreatorIqConfig,
    /// The CreatorIQ environments an organization may use: the only hosts that ever receive an
    /// API key.
    pub environments: CiqEnvironments,
    /// Requests allowed per API key per UTC day, counted in the database across instances.
    pub daily_request_limit: u64,
    /// How long a run's lease lasts without renewal: a holder that died is noticed this long
    /// after its last heartbeat, and another trigger takes over.
    pub lease_ttl: Duration,
    /// How often the running instance renews its lease, whatever the sync is doing.
    pub lease_heartbeat: Duration,
    /// Identifies this server instance in the lease table.
    pub instance_id: String,
    /// How often a trigger waiting on another instance's run polls that run's row.
    pub join_poll_interval: Duration,
    /// The date coverage is judged against; `None` = today in UTC.
    pub today: Option<NaiveDate>,
    /// The dashboard's public address, for webhook callback URLs; `None`: no subscriptions.
    pub public_base_url: Option<String>,
    /// Email and webhook alerts.
    pub alerts: AlertConfig,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            ciq: CreatorIqConfig::default(),
            environments: CiqEnvironments::default(),
            daily_request_limit: CREATORIQ_DAILY_LIMIT,
            lease_ttl: Duration::from_secs(30),
            lease_heartbeat: Duration::from_secs(10),
            instance_id: format!("instance-{:016x}", rand::random::<u64>()),
            join_poll_interval: Duration::from_secs(1),
            today: None,
            public_base_url: None,
            alerts: AlertConfig::default(),
        }
    }
}

/// A finished run as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub run: SyncRun,
    /// This trigger joined a run that was already going instead of starting one.
    pub joined: bool,
}

impl RunSummary {
    pub fn run_id(&self) -> SyncRunId {
        self.run.id
    }

    pub fn state(&self) -> RunState {
        self.run.state
    }

    pub fn totals(&self) -> &RunTotals {
        &self.run.totals
    }

    pub fn duration(&self) -> Option<chrono::Duration> {
        self.run.finished_at.map(|f| f - self.run.started_at)
    }
}

/// A run's live state, published on a watch channel.
#[derive(Debug, Clone)]
pub enum LiveRun {
    Running {
        run_id: SyncRunId,
        progress: SyncProgress,
    },
    /// The run this trigger was waiting for died with its server; this instance took over the
    /// lease and started `run_id` in its place.
    Restarted {
        previous: SyncRunId,
        run_id: SyncRunId,
    },
    /// Boxed: the summary is large and the channel mostly carries progress.
    Finished(Box<Result<RunSummary, SyncError>>),
}

impl LiveRun {
    pub fn is_finished(&self) -> bool {
        matches!(self, LiveRun::Finished(_))
    }
}

/// A handle on a running (or joined) run: its id, live progress, and its end.
#[derive(Debug, Clone)]
pub struct RunHandle {
    pub run_id: SyncRunId,
    pub joined: bool,
    rx: watch::Receiver<LiveRun>,
}

impl RunHandle {
    /// The latest state.
    pub fn live(&self) -> LiveRun {
        self.rx.borrow().clone()
    }

    /// A receiver that wakes on every progress update.
    pub fn subscribe(&self) -> watch::Receiver<LiveRun> {
        self.rx.clone()
    }

    /// Waits for the run to end.
    pub async fn wait(mut self) -> Result<RunSummary, SyncError> {
        let joined = self.joined;
        let result = match self.rx.wait_for(LiveRun::is_finished).await {
            Ok(state) => match &*state {
                LiveRun::Finished(result) => (**result).clone(),
                LiveRun::Running { .. } | LiveRun::Restarted { .. } => Err(SyncError::Interrupted),
            },
            Err(_) => Err(SyncError::Interrupted),
        };
        result.map(|mut summary| {
            summary.joined = joined;
            summary
        })
    }
}

struct CachedClient {
    base_url: String,
    key: Vec<u8>,
    client: CreatorIqClient,
}

struct Inner {
    store: Arc<dyn Store>,
    master_key: MasterKey,
    config: SyncConfig,
    http: reqwest::Client,
    running: Mutex<HashMap<OrgId, (SyncRunId, watch::Receiver<LiveRun>)>>,
    clients: std::sync::Mutex<HashMap<OrgId, CachedClient>>,
    /// What CreatorIQ last listed as each organization's webhook subscriptions
    /// ([`automatic::SubscriptionCache`]), so viewing Settings does not spend the daily quota.
    subscriptions: automatic::SubscriptionCache,
    /// Wakes this instance's webhook delivery worker (a delivery arrived or was requeued).
    webhook_wake: Arc<tokio::sync::Notify>,
    notifier: Arc<Notifier>,
}

/// The sync engine. Cheap to clone; share one per server (it holds the per-organization registry
/// of running runs and the CreatorIQ clients, whose rate limiters must be shared per key).
#[derive(Clone)]
pub struct SyncEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("instance_id", &self.inner.config.instance_id)
            .finish_non_exhaustive()
    }
}

/// What a run covers.
#[derive(Debug, Clone)]
enum Scope {
    Organization,
    /// A scheduled full sync: campaigns whose end date has passed are not re-read.
    Scheduled,
    Row(ContractorId),
    /// Rows an operator selected in the list.
    Rows(Arc<Vec<ContractorId>>),
    /// What webhook deliveries named: some creators' rows and some campaigns.
    Targets(Arc<automatic::RunTargets>),
}

impl Scope {
    fn contractor(&self) -> Option<ContractorId> {
        match self {
            Scope::Row(id) => Some(*id),
            _ => None,
        }
    }
}

impl SyncEngine {
    pub fn new(
        store: Arc<dyn Store>,
        master_key: MasterKey,
        config: SyncConfig,
    ) -> Result<SyncEngine, SyncError> {
        let http = http_client(&config.ciq)?;
        let notifier = Notifier::new(config.alerts.clone()).map_err(SyncError::Config)?;
        Ok(SyncEngine {
            inner: Arc::new(Inner {
                store,
                master_key,
                config,
                http,
                running: Mutex::new(HashMap::new()),
                clients: std::sync::Mutex::new(HashMap::new()),
                subscriptions: automatic::SubscriptionCache::default(),
                webhook_wake: Arc::new(tokio::sync::Notify::new()),
                notifier: Arc::new(notifier),
            }),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn master_key(&self) -> &MasterKey {
        &self.inner.master_key
    }

    /// The CreatorIQ environments this server allows.
    pub fn environments(&self) -> &CiqEnvironments {
        &self.inner.config.environments
    }

    /// Requests allowed per API key per UTC day.
    pub fn daily_request_limit(&self) -> u64 {
        self.inner.config.daily_request_limit
    }

    /// Syncs every campaign of the organization and waits for the run to end. Joins the run
    /// already going for the organization, if any.
    pub async fn sync_organization(
        &self,
        org: OrgId,
        trigger: Trigger,
    ) -> Result<RunSummary, SyncError> {
        self.start_sync(org, trigger).await?.wait().await
    }

    /// Starts (or joins) the organization's sync and returns at once: what "Sync now" calls.
    /// Poll [`RunHandle::live`], [`SyncEngine::live_run`], or the run's row
    /// ([`Store::sync_run`], updated after each campaign) for progress.
    pub async fn start_sync(&self, org: OrgId, trigger: Trigger) -> Result<RunHandle, SyncError> {
        self.start(org, trigger, Scope::Organization).await
    }

    /// Re-syncs one contractor row with the per-creator endpoints (campaign, the creator's
    /// campaign entry, publisher, contact) and waits. Joins a running organization sync instead
    /// when there is one (it covers the row too).
    pub async fn resync_row(
        &self,
        org: OrgId,
        contractor: ContractorId,
        trigger: Trigger,
    ) -> Result<RunSummary, SyncError> {
        self.start(org, trigger, Scope::Row(contractor))
            .await?
            .wait()
            .await
    }

    /// Re-syncs the rows an operator selected, one after another with the per-creator endpoints,
    /// in one run, and returns at once (progress as for [`SyncEngine::start_sync`]). Joins a
    /// running organization sync instead when there is one (it covers the rows too).
    pub async fn resync_rows(
        &self,
        org: OrgId,
        rows: Vec<ContractorId>,
        trigger: Trigger,
    ) -> Result<RunHandle, SyncError> {
        self.start(org, trigger, Scope::Rows(Arc::new(rows))).await
    }

    /// The in-process live state of the organization's running run, if this instance runs one.
    pub async fn live_run(&self, org: OrgId) -> Option<LiveRun> {
        let running = self.inner.running.lock().await;
        running.get(&org).map(|(_, rx)| rx.borrow().clone())
    }

    async fn start(
        &self,
        org: OrgId,
        trigger: Trigger,
        scope: Scope,
    ) -> Result<RunHandle, SyncError> {
        let mut running = self.inner.running.lock().await;
        let exclusive = matches!(scope, Scope::Targets(_));
        if let Some((run_id, rx)) = running.get(&org) {
            if !rx.borrow().is_finished() {
                if exclusive {
                    return Err(SyncError::Busy(run_id.0));
                }
                return Ok(RunHandle {
                    run_id: *run_id,
                    joined: true,
                    rx: rx.clone(),
                });
            }
        }
        // Fail fast, before taking the lease, on a row of another organization.
        let named: &[ContractorId] = match &scope {
            Scope::Row(id) => std::slice::from_ref(id),
            Scope::Rows(ids) => ids,
            _ => &[],
        };
        for id in named {
            if self.inner.store.contractor(org, *id).await?.is_none() {
                return Err(SyncError::NotFound("contractor"));
            }
        }
        let contractor = scope.contractor();
        let lease = self.lease();
        let begun = self
            .inner
            .store
            .begin_sync_run(org, &trigger, contractor, &lease)
            .await?;
        let (run_id, joined) = match begun {
            BeginRun::Started(id) => {
                self.audit_started(org, id, &trigger, &scope).await;
                (id, false)
            }
            BeginRun::AlreadyRunning(id) if exclusive => return Err(SyncError::Busy(id.0)),
            BeginRun::AlreadyRunning(id) => (id, true),
        };
        let (tx, rx) = watch::channel(LiveRun::Running {
            run_id,
            progress: SyncProgress::default(),
        });
        running.insert(org, (run_id, rx.clone()));
        drop(running);

        let engine = self.clone();
        let span = tracing::info_span!("sync_run", org = org.0, run = run_id.0);
        let work = async move {
            let result = if joined {
                engine
                    .follow_or_take_over(org, run_id, trigger, scope, &tx)
                    .await
            } else {
                engine.run(org, run_id, scope, &tx).await
            };
            let _ = tx.send(LiveRun::Finished(Box::new(result)));
            let mut running = engine.inner.running.lock().await;
            if running.get(&org).is_some_and(|(id, _)| *id == run_id) {
                running.remove(&org);
            }
        };
        // Runs on its own task so a dropped request does not cancel a half-done sync; a panic
        // inside is turned into a finished (failed) run so joiners are not left waiting.
        let task = tokio::spawn(work.instrument(span));
        let engine = self.clone();
        tokio::spawn(async move {
            if task.await.is_err() {
                tracing::error!(org = org.0, run = run_id.0, "sync run task panicked");
                let _ = engine
                    .inner
                    .store
                    .finish_sync_run(
                        org,
                        run_id,
                        RunState::Failed,
                        &RunTotals {
                            error: Some("The sync stopped on an internal error.".to_string()),
                            ..RunTotals::default()
                        },
                        &engine.inner.config.instance_id,
                    )
                    .await;
                let mut running = engine.inner.running.lock().await;
                if running.get(&org).is_some_and(|(id, _)| *id == run_id) {
                    running.remove(&org);
                }
            }
        });
        Ok(RunHandle { run_id, joined, rx })
    }

    fn lease(&self) -> LeaseRequest {
        LeaseRequest {
            holder: self.inner.config.instance_id.clone(),
            ttl: chrono::Duration::from_std(self.inner.config.lease_ttl)
                .unwrap_or_else(|_| chrono::Duration::minutes(5)),
        }
    }

    fn today(&self) -> NaiveDate {
        self.inner
            .config
            .today
            .unwrap_or_else(|| Utc::now().date_naive())
    }

    /// The organization's client, built once per (base URL, key) so its rate limiter is shared
    /// by every run; each run gets fresh counters. Refuses an environment the server does not
    /// allow (any more), and a key that was sealed for another environment.
    fn client(&self, org: OrgId, settings: &CiqSettings) -> Result<CreatorIqClient, SyncError> {
        let secret = settings.api_key.as_ref().ok_or(SyncError::NotConfigured)?;
        let Some(environment) = self.environments().get(&settings.base_url) else {
            return Err(SyncError::EnvironmentNotAllowed(settings.base_url.clone()));
        };
        let base_url = environment.base_url().to_string();
        let mut clients = self.inner.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cached) = clients.get(&org) {
            if cached.base_url == base_url && cached.key == secret.0 {
                return Ok(cached.client.with_fresh_counters());
            }
        }
        let key = self
            .inner
            .master_key
            .decrypt_api_key(org, &base_url, secret)?;
        let client = self.build_client(&base_url, key, None)?;
        clients.insert(
            org,
            CachedClient {
                base_url,
                key: secret.0.clone(),
                client: client.clone(),
            },
        );
        Ok(client.with_fresh_counters())
    }

    /// A client for `base_url` (already checked against the allowed list) whose every request
    /// is first counted against the key's daily quota.
    fn build_client(
        &self,
        base_url: &str,
        key: ApiKey,
        template: Option<CreatorIqConfig>,
    ) -> Result<CreatorIqClient, CiqError> {
        let fingerprint = self.inner.master_key.api_key_fingerprint(base_url, &key);
        let config = CreatorIqConfig {
            base_url: base_url.to_string(),
            ..template.unwrap_or_else(|| self.inner.config.ciq.clone())
        };
        let gate = QuotaGate::new(
            Arc::clone(&self.inner.store),
            fingerprint,
            self.inner.config.daily_request_limit,
        );
        Ok(
            CreatorIqClient::with_http_client(self.inner.http.clone(), config, key)?
                .with_gate(Arc::new(gate)),
        )
    }

    /// Waits for a run another instance holds; when that instance dies (its lease lapses), takes
    /// the lease over and runs a new run in its place, saying so on the live channel.
    async fn follow_or_take_over(
        &self,
        org: OrgId,
        mut run_id: SyncRunId,
        trigger: Trigger,
        scope: Scope,
        tx: &watch::Sender<LiveRun>,
    ) -> Result<RunSummary, SyncError> {
        let contractor = scope.contractor();
        loop {
            match self.follow_remote_run(org, run_id, tx).await {
                Err(SyncError::HolderDied(_)) => {}
                other => return other,
            }
            tracing::warn!(
                org = org.0,
                run = run_id.0,
                "the instance running this sync stopped; taking over"
            );
            let begun = self
                .inner
                .store
                .begin_sync_run(org, &trigger, contractor, &self.lease())
                .await?;
            match begun {
                BeginRun::Started(new_run) => {
                    self.audit_started(org, new_run, &trigger, &scope).await;
                    let _ = tx.send(LiveRun::Restarted {
                        previous: run_id,
                        run_id: new_run,
                    });
                    return self.run(org, new_run, scope, tx).await;
                }
                // Another waiting instance took over first: follow its run.
                BeginRun::AlreadyRunning(other) => run_id = other,
            }
        }
    }

    /// Records in the audit log that a run started, by whom and how.
    async fn audit_started(&self, org: OrgId, run: SyncRunId, trigger: &Trigger, scope: &Scope) {
        use crate::store::{Actor, AuditAction, NewAuditEvent, TriggerKind};
        let actor = match (trigger.member, &trigger.by) {
            (Some(member), Some(email)) => Actor::member(member, email),
            _ => Actor::system(match trigger.kind {
                TriggerKind::Cli => "command line",
                TriggerKind::Webhook => "webhook",
                TriggerKind::Scheduled => "schedule",
                TriggerKind::Manual | TriggerKind::Row => {
                    trigger.by.as_deref().unwrap_or("dashboard")
                }
            }),
        };
        let how = match (trigger.kind, scope) {
            (_, Scope::Rows(ids)) if ids.len() == 1 => "Re-sync of 1 selected row".to_string(),
            (_, Scope::Rows(ids)) => format!("Re-sync of {} selected rows", ids.len()),
            (TriggerKind::Manual, _) => "Sync now".to_string(),
            (TriggerKind::Row, _) => "Re-sync of one row".to_string(),
            (TriggerKind::Cli, _) => match &trigger.by {
                Some(by) => format!("command line ({by})"),
                None => "command line".to_string(),
            },
            (TriggerKind::Webhook, _) => "a CreatorIQ webhook".to_string(),
            (TriggerKind::Scheduled, _) => "the schedule".to_string(),
        };
        let subject = match scope.contractor() {
            Some(c) => format!("run #{} (contractor #{})", run.0, c.0),
            None => format!("run #{}", run.0),
        };
        let event = NewAuditEvent::new(org, actor, AuditAction::SyncStarted)
            .subject(subject)
            .detail(how);
        crate::store::record_audit_or_log(self.inner.store.as_ref(), event).await;
    }

    /// Waits for a run that another server instance holds the lease for.
    async fn follow_remote_run(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        tx: &watch::Sender<LiveRun>,
    ) -> Result<RunSummary, SyncError> {
        let store = &self.inner.store;
        loop {
            let run = store
                .sync_run(org, run_id)
                .await?
                .ok_or(SyncError::Interrupted)?;
            if run.state != RunState::Running {
                return Ok(RunSummary { run, joined: true });
            }
            let _ = tx.send(LiveRun::Running {
                run_id,
                progress: run.totals.progress,
            });
            if store.running_sync_run(org).await?.map(|r| r.id) != Some(run_id) {
                // Its lease lapsed without the run finishing: that instance died.
                let run = store.sync_run(org, run_id).await?;
                if let Some(run) = run.filter(|r| r.state != RunState::Running) {
                    return Ok(RunSummary { run, joined: true });
                }
                return Err(SyncError::HolderDied(run_id.0));
            }
            tokio::time::sleep(self.inner.config.join_poll_interval).await;
        }
    }

    /// Renews the run's lease every `lease_heartbeat` until aborted, independent of what the
    /// run is doing (a slow campaign must not look like a dead server). A lost lease is noticed
    /// by the run at its next progress write.
    fn heartbeat(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        lost: Arc<std::sync::atomic::AtomicBool>,
    ) -> tokio::task::JoinHandle<()> {
        let store = Arc::clone(&self.inner.store);
        let lease = self.lease();
        let every = self.inner.config.lease_heartbeat;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                match store.renew_sync_lease(org, run_id, &lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::error!(org = org.0, run = run_id.0, "sync lease lost");
                        lost.store(true, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                    Err(err) => tracing::warn!(error = ?err, "renewing the sync lease failed"),
                }
            }
        })
    }

    /// Runs a run this instance holds the lease for, and records its end whatever happens.
    async fn run(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        scope: Scope,
        tx: &watch::Sender<LiveRun>,
    ) -> Result<RunSummary, SyncError> {
        let mut totals = RunTotals::default();
        let mut progress = ProgressWriter {
            lease: self.lease(),
            lost: Arc::default(),
            stored_at: None,
        };
        let heartbeat = self.heartbeat(org, run_id, Arc::clone(&progress.lost));
        let result = match scope {
            Scope::Organization | Scope::Scheduled => {
                let skip_ended = matches!(scope, Scope::Scheduled);
                self.run_organization(org, run_id, &mut totals, tx, &mut progress, skip_ended)
                    .await
            }
            Scope::Row(id) => self.run_row(org, run_id, id, &mut totals).await,
            Scope::Rows(ids) => {
                self.run_rows(org, run_id, &ids, &mut totals, tx, &mut progress)
                    .await
            }
            Scope::Targets(targets) => {
                self.run_targets(org, run_id, &targets, &mut totals, tx, &mut progress)
                    .await
            }
        };
        heartbeat.abort();
        let key_refused = matches!(
            result,
            Err(SyncError::Ciq(CiqError::Unauthorized | CiqError::Forbidden))
        );
        let state = match &result {
            Err(err) => {
                tracing::warn!(error = %err, "sync run failed");
                totals.error = Some(err.to_string());
                RunState::Failed
            }
            Ok(()) => {
                let p = &totals.progress;
                if p.campaigns_total > 0 && p.campaigns_failed == p.campaigns_total {
                    RunState::Failed
                } else if totals.errors.is_empty() {
                    RunState::Succeeded
                } else {
                    RunState::Partial
                }
            }
        };
        self.inner
            .store
            .finish_sync_run(org, run_id, state, &totals, &self.inner.config.instance_id)
            .await?;
        let run = self
            .inner
            .store
            .sync_run(org, run_id)
            .await?
            .ok_or(SyncError::NotFound("sync run"))?;
        tracing::info!(
            state = run.state.as_str(),
            requests = run.totals.ciq_requests,
            retries = run.totals.ciq_retries,
            rows = run.totals.statuses.total(),
            "sync run finished"
        );
        self.alert_after_run(org, &run, key_refused).await;
        Ok(RunSummary { run, joined: false })
    }

    #[tracing::instrument(skip_all, fields(org = org.0, run = run_id.0))]
    async fn run_organization(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        totals: &mut RunTotals,
        tx: &watch::Sender<LiveRun>,
        progress: &mut ProgressWriter,
        skip_ended: bool,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let settings = store.ciq_settings(org).await?;
        let client = self.client(org, &settings)?;
        let coverage = settings.coverage_types;
        let today = self.today();

        let listed = client.all_campaigns().await;
        count_requests(totals, &client);
        let listed = listed?;
        let present: Vec<i64> = listed.iter().filter_map(|c| c.campaign_id).collect();
        let mut campaigns: Vec<(CampaignRecord, Campaign)> = listed
            .into_iter()
            .filter_map(|c| Some((campaign_record(&c)?, c)))
            .collect();
        if skip_ended {
            // A campaign that has ended can no longer be covered: a scheduled run leaves its
            // rows as they are, so requests grow with active campaigns only.
            let before = campaigns.len();
            campaigns.retain(|(record, _)| !campaign_ended(record, today));
            totals.progress.campaigns_ended = (before - campaigns.len()) as u64;
        }
        totals.progress.campaigns_total = campaigns.len() as u64;
        self.publish(org, run_id, totals, tx, progress).await?;

        // CreatorIQ is read one campaign ahead while the previous one is written: a task
        // fetches and maps campaigns in order, and this loop writes them. The fetcher stops
        // after an error that stops the run, so no request is spent past it; dropping the
        // guard on an early return stops it too.
        let (fetched_tx, mut fetched) = tokio::sync::mpsc::channel(1);
        let fetcher = tokio::spawn({
            let engine = self.clone();
            let client = client.clone();
            let campaigns = campaigns.clone();
            async move {
                for (record, campaign) in campaigns {
                    let result = engine
                        .fetch_campaign(&client, &record, &campaign, today, coverage)
                        .await;
                    let stop = matches!(&result, Err(err) if err.stops_run());
                    if fetched_tx.send((record, result)).await.is_err() || stop {
                        break;
                    }
                }
            }
        });
        let _fetcher = AbortOnDrop(fetcher);

        let mut received = 0;
        while let Some((record, fetched)) = fetched.recv().await {
            received += 1;
            match fetched {
                Ok(plan) => self.apply_fetched(org, run_id, &plan, totals).await?,
                Err(err) => {
                    let id = record.ciq_campaign_id;
                    self.record_failed_campaign(
                        org,
                        run_id,
                        &client,
                        id,
                        Some(&record),
                        err,
                        totals,
                    )
                    .await?;
                }
            }
            totals.progress.campaigns_done += 1;
            count_requests(totals, &client);
            self.publish(org, run_id, totals, tx, progress).await?;
        }
        if received < campaigns.len() {
            // The fetcher stopped without an error to report (it panicked): rows keep their
            // state rather than being judged on a partial read.
            tracing::error!("the CreatorIQ fetch task stopped early");
            return Err(SyncError::Interrupted);
        }

        let outcome = store
            .remove_missing_campaigns(org, run_id, &present)
            .await?;
        merge(totals, &outcome);
        count_requests(totals, &client);
        Ok(())
    }

    /// Broadcasts progress in-process at once and stores it for other instances' pages at most
    /// every [`PROGRESS_EVERY`] (renewing the lease); stops the run if the lease was lost.
    async fn publish(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        totals: &RunTotals,
        tx: &watch::Sender<LiveRun>,
        progress: &mut ProgressWriter,
    ) -> Result<(), SyncError> {
        let _ = tx.send(LiveRun::Running {
            run_id,
            progress: totals.progress,
        });
        let lost = || {
            tracing::error!("sync lease lost; stopping so two instances do not write at once");
            Err(SyncError::Interrupted)
        };
        if progress.lost.load(std::sync::atomic::Ordering::SeqCst) {
            return lost();
        }
        if progress
            .stored_at
            .is_some_and(|at| at.elapsed() < PROGRESS_EVERY)
        {
            return Ok(());
        }
        progress.stored_at = Some(std::time::Instant::now());
        let held = self
            .inner
            .store
            .record_sync_progress(org, run_id, &totals.progress, &progress.lease)
            .await?;
        if held {
            Ok(())
        } else {
            lost()
        }
    }

    /// The bulk reads of one campaign: publishers with custom fields and payout, and the
    /// contact list. Per-creator endpoints only fill gaps the bulk answers leave.
    async fn fetch_campaign(
        &self,
        client: &CreatorIqClient,
        record: &CampaignRecord,
        campaign: &Campaign,
        today: NaiveDate,
        coverage: crate::store::CoverageTypes,
    ) -> Result<CampaignSync, CiqError> {
        let id = record.ciq_campaign_id;
        let mut publishers = client.campaign_publishers(id, &SYNC_SECTIONS).await?;
        let list = client.campaign_publishers_list(id).await?;
        // Both answers name creators by CreatorIQ's internal id (campaign endpoints).
        let mut contacts: HashMap<i64, ContactInfo> = list
            .publishers
            .iter()
            .filter(|p| p.has_contact)
            .filter_map(|p| Some((p.publisher_id?, ContactInfo::from(p))))
            .collect();
        let mut unreadable = Vec::new();
        // Per-creator fallbacks for what the bulk answers left out. CreatorIQ documents the
        // `sections` detail as coming with `publisherId`, so an entry without its custom fields
        // or its payout section is fetched on its own rather than read as "no payment"; a
        // creator missing from the contact list (or listed without contact fields) gets Get
        // Publisher + Get Contact.
        let ids: Vec<i64> = publishers.publishers.keys().copied().collect();
        for publisher_id in ids {
            let entry = &publishers.publishers[&publisher_id];
            let needs_entry = entry.custom_fields.is_none() || entry.final_payout.is_none();
            let needs_contact = !contacts.contains_key(&publisher_id);
            if !needs_entry && !needs_contact {
                continue;
            }
            match self
                .fill_gaps(client, id, publisher_id, needs_entry, needs_contact)
                .await
            {
                Ok((entry, contact)) => {
                    if let Some(entry) = entry {
                        publishers.publishers.insert(publisher_id, entry);
                    }
                    if let Some(contact) = contact {
                        contacts.insert(publisher_id, contact);
                    }
                }
                Err(err) if err.stops_run() => return Err(err),
                Err(err) => {
                    publishers.publishers.remove(&publisher_id);
                    unreadable.push((
                        publisher_id,
                        SyncFailure {
                            code: err.code().to_string(),
                            message: err.to_string(),
                        },
                    ));
                }
            }
        }
        let mut plan = plan_campaign(
            record.clone(),
            campaign,
            &publishers,
            &contacts,
            today,
            coverage,
        );
        plan.unreadable.extend(unreadable);
        Ok(plan)
    }

    async fn fill_gaps(
        &self,
        client: &CreatorIqClient,
        campaign_id: i64,
        publisher_id: i64,
        needs_entry: bool,
        needs_contact: bool,
    ) -> Result<
        (
            Option<crate::creatoriq::model::CampaignPublisher>,
            Option<ContactInfo>,
        ),
        CiqError,
    > {
        // `publisherId` on a campaign endpoint is the internal id, which is what we hold.
        let entry = if needs_entry {
            client
                .campaign_publisher(campaign_id, publisher_id, &SYNC_SECTIONS)
                .await?
        } else {
            None
        };
        let contact = if needs_contact {
            self.fetch_contact(client, publisher_id).await?
        } else {
            None
        };
        Ok((entry, contact))
    }

    /// Get Publisher by the internal id (`key=Id`: campaign endpoints gave us that id, and Get
    /// Publisher would otherwise read it as the external one), then Get Contact.
    async fn fetch_contact(
        &self,
        client: &CreatorIqClient,
        publisher_id: i64,
    ) -> Result<Option<ContactInfo>, CiqError> {
        let publisher = client
            .publisher(&PublisherRef::Internal(publisher_id))
            .await?;
        match publisher.contact_id() {
            Some(contact_id) => Ok(Some(ContactInfo::from(&client.contact(contact_id).await?))),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, fields(org = org.0, run = run_id.0, contractor = contractor.0))]
    async fn run_row(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        contractor: ContractorId,
        totals: &mut RunTotals,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let row = store
            .contractor(org, contractor)
            .await?
            .ok_or(SyncError::NotFound("contractor"))?;
        let settings = store.ciq_settings(org).await?;
        let client = self.client(org, &settings)?;
        totals.progress.campaigns_total = 1;
        self.resync_one(org, run_id, &client, &row, settings.coverage_types, totals)
            .await
    }

    /// Selected rows, each re-read like a row's Re-sync, with progress after each.
    async fn run_rows(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        ids: &[ContractorId],
        totals: &mut RunTotals,
        tx: &watch::Sender<LiveRun>,
        progress: &mut ProgressWriter,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let settings = store.ciq_settings(org).await?;
        let client = self.client(org, &settings)?;
        totals.progress.campaigns_total = ids.len() as u64;
        self.publish(org, run_id, totals, tx, progress).await?;
        for id in ids {
            // A row gone since it was selected has nothing to re-read.
            if let Some(row) = store.contractor(org, *id).await? {
                self.resync_one(org, run_id, &client, &row, settings.coverage_types, totals)
                    .await?;
            } else {
                totals.progress.campaigns_done += 1;
            }
            count_requests(totals, &client);
            self.publish(org, run_id, totals, tx, progress).await?;
        }
        Ok(())
    }

    /// Re-reads one row with the per-creator endpoints and writes it (or its failure).
    async fn resync_one(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        client: &CreatorIqClient,
        row: &crate::store::Contractor,
        settings_coverage: crate::store::CoverageTypes,
        totals: &mut RunTotals,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let contractor = row.id;
        let fetched = self
            .fetch_row(client, row.ciq_campaign_id, row.ciq_publisher_id)
            .await;
        count_requests(totals, client);
        let plan = match fetched {
            Ok(plan) => plan,
            Err(err) => {
                let failure = SyncFailure {
                    code: err.code().to_string(),
                    message: err.to_string(),
                };
                store
                    .record_row_failure(org, run_id, contractor, &failure)
                    .await?;
                totals.statuses.error += 1;
                totals.progress.campaigns_failed += 1;
                totals.progress.campaigns_done += 1;
                totals.errors.push(RunError {
                    ciq_campaign_id: Some(row.ciq_campaign_id),
                    ciq_publisher_id: Some(row.ciq_publisher_id),
                    code: failure.code,
                    message: failure.message,
                });
                return Ok(());
            }
        };
        let plan = match plan {
            RowFetch::Present {
                record,
                campaign,
                entry,
                contact,
            } => {
                let update = plan_row(
                    &campaign,
                    &entry,
                    contact.as_ref(),
                    self.today(),
                    settings_coverage,
                );
                CampaignSync {
                    campaign: record,
                    rows: update.into_iter().collect(),
                    unreadable: Vec::new(),
                    removed: Vec::new(),
                    complete: false,
                }
            }
            RowFetch::Gone { record } => CampaignSync {
                campaign: record,
                rows: Vec::new(),
                unreadable: Vec::new(),
                removed: vec![row.ciq_publisher_id],
                complete: false,
            },
        };
        let outcome = store.apply_campaign_sync(org, run_id, &plan).await?;
        merge(totals, &outcome);
        totals.progress.campaigns_done += 1;
        totals.progress.creators_done += 1;
        Ok(())
    }

    async fn fetch_row(
        &self,
        client: &CreatorIqClient,
        campaign_id: i64,
        publisher_id: i64,
    ) -> Result<RowFetch, CiqError> {
        let mut campaign = client.campaign(campaign_id).await?;
        campaign.campaign_id = Some(campaign_id);
        let record = campaign_record(&campaign).ok_or(CiqError::Malformed {
            attempts: 1,
            detail: "the campaign has no id".to_string(),
        })?;
        let entry = match client
            .campaign_publisher(campaign_id, publisher_id, &SYNC_SECTIONS)
            .await
        {
            Ok(Some(entry)) => entry,
            // CreatorIQ answers 400 both for "not in this campaign" and for a parameter it
            // refuses, so a creator is only taken as gone once the campaign's whole list
            // confirms it; otherwise the row keeps its data and reports the error.
            Ok(None) | Err(CiqError::NotFound { .. } | CiqError::BadRequest { .. }) => {
                let all = client
                    .campaign_publishers(campaign_id, &SYNC_SECTIONS)
                    .await?;
                match all.publishers.get(&publisher_id) {
                    None => return Ok(RowFetch::Gone { record }),
                    Some(entry) => entry.clone(),
                }
            }
            Err(err) => return Err(err),
        };
        let contact = self.fetch_contact(client, publisher_id).await?;
        Ok(RowFetch::Present {
            record,
            campaign,
            entry,
            contact,
        })
    }
}

// One short-lived value per row re-sync; boxing would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
enum RowFetch {
    Present {
        record: CampaignRecord,
        campaign: Campaign,
        entry: crate::creatoriq::model::CampaignPublisher,
        contact: Option<ContactInfo>,
    },
    Gone {
        record: CampaignRecord,
    },
}

impl SyncEngine {
    /// Writes one campaign read from CreatorIQ and adds it to the run's totals (its creators
    /// that could not be read become run errors).
    async fn apply_fetched(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        plan: &CampaignSync,
        totals: &mut RunTotals,
    ) -> Result<(), SyncError> {
        let outcome = self
            .inner
            .store
            .apply_campaign_sync(org, run_id, plan)
            .await?;
        totals.progress.creators_done += (plan.rows.len() + plan.unreadable.len()) as u64;
        for (publisher, failure) in &plan.unreadable {
            totals.errors.push(RunError {
                ciq_campaign_id: Some(plan.campaign.ciq_campaign_id),
                ciq_publisher_id: Some(*publisher),
                code: failure.code.clone(),
                message: failure.message.clone(),
            });
        }
        merge(totals, &outcome);
        Ok(())
    }

    /// A campaign CreatorIQ could not give: its rows (when `record` is known) are marked with
    /// the failure and the run carries on, unless the error stops the run (a quota stops it
    /// before anything is marked; a refused key after marking this campaign).
    #[allow(clippy::too_many_arguments)]
    async fn record_failed_campaign(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        client: &CreatorIqClient,
        id: i64,
        record: Option<&CampaignRecord>,
        err: CiqError,
        totals: &mut RunTotals,
    ) -> Result<(), SyncError> {
        if matches!(
            err,
            CiqError::DailyQuota { .. } | CiqError::QuotaUnavailable(_)
        ) {
            // Nothing of this campaign was written and its rows keep their state: the run
            // stops before the quota instead of marking data it never asked for.
            count_requests(totals, client);
            return Err(err.into());
        }
        tracing::warn!(campaign_id = id, error = %err, "campaign fetch failed");
        let failure = SyncFailure {
            code: err.code().to_string(),
            message: err.to_string(),
        };
        if let Some(record) = record {
            totals.statuses.error += self
                .inner
                .store
                .record_campaign_failure(org, run_id, record, &failure)
                .await?;
        }
        totals.progress.campaigns_failed += 1;
        totals.errors.push(RunError {
            ciq_campaign_id: Some(id),
            ciq_publisher_id: None,
            code: failure.code,
            message: failure.message,
        });
        if err.stops_run() {
            // Every other campaign would be refused the same way.
            count_requests(totals, client);
            return Err(err.into());
        }
        Ok(())
    }
}

/// Whether the campaign's end date (as CreatorIQ gave it) is before `today`.
fn campaign_ended(record: &CampaignRecord, today: NaiveDate) -> bool {
    record
        .end_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d").ok())
        .is_some_and(|end| end < today)
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn count_requests(totals: &mut RunTotals, client: &CreatorIqClient) {
    let stats = client.stats();
    totals.ciq_requests = stats.requests;
    totals.ciq_retries = stats.retries;
}

fn merge(totals: &mut RunTotals, outcome: &ApplyOutcome) {
    totals.statuses.merge(&outcome.statuses);
    totals.rows_changed += outcome.rows_changed;
    totals.links_issued += outcome.links_issued;
    totals.links_expired += outcome.links_expired;
}

// --- Settings and runs pages ---

impl SyncEngine {
    /// Checks an API key against CreatorIQ at `base_url` before anything is stored, with one
    /// small request (few retries: someone is waiting on the answer). Returns how many campaigns
    /// the key can see. Uses a throwaway client so the organization's cached client, and the
    /// key it holds, are left alone until the key is actually saved.
    #[tracing::instrument(skip_all, fields(org = org.0))]
    pub async fn test_key(
        &self,
        org: OrgId,
        base_url: &str,
        key: &ApiKey,
    ) -> Result<u64, ConnectError> {
        let environment = self.environments().require(base_url)?;
        let config = CreatorIqConfig {
            max_attempts: 2,
            request_timeout: Duration::from_secs(10),
            ..self.inner.config.ciq.clone()
        };
        let client = self
            .build_client(environment.base_url(), key.clone(), Some(config))
            .map_err(ConnectError::Refused)?;
        client
            .test_connection()
            .await
            .map_err(ConnectError::Refused)
    }

    /// Tests the stored key against the stored environment.
    pub async fn test_stored_key(&self, org: OrgId) -> Result<(u64, String), ConnectError> {
        let settings = self.inner.store.ciq_settings(org).await?;
        let secret = settings.api_key.as_ref().ok_or(ConnectError::NoKey)?;
        let environment = self.environments().require(&settings.base_url)?;
        let key = self
            .inner
            .master_key
            .decrypt_api_key(org, environment.base_url(), secret)
            .map_err(|_| ConnectError::Unreadable)?;
        let campaigns = self.test_key(org, environment.base_url(), &key).await?;
        Ok((campaigns, key.last4().to_string()))
    }

    /// The one way an organization's CreatorIQ connection is saved, whoever asks (Settings, the
    /// CLI, the demo): the environment must be one the server allows, CreatorIQ must accept the
    /// key there, and then the key is sealed for that environment and stored with it in one
    /// write. Nothing is stored when any step fails. Returns how many campaigns the key sees.
    #[tracing::instrument(skip_all, fields(org = org.0))]
    pub async fn connect_creatoriq(
        &self,
        org: OrgId,
        base_url: &str,
        key: &ApiKey,
    ) -> Result<u64, ConnectError> {
        let environment = self.environments().require(base_url)?.clone();
        let campaigns = self.test_key(org, environment.base_url(), key).await?;
        let sealed = self
            .inner
            .master_key
            .encrypt_api_key(org, environment.base_url(), key)
            .map_err(|_| ConnectError::Unreadable)?;
        self.inner
            .store
            .save_ciq_connection(org, environment.base_url(), &sealed, key.last4())
            .await?;
        tracing::info!(
            environment = environment.base_url(),
            "CreatorIQ connection saved"
        );
        // Whatever path saved the key, CreatorIQ is asked to send its events; a failure here
        // does not undo the saved key (Settings shows each subscription and can retry).
        if let Err(err) = self.subscribe_webhooks(org).await {
            tracing::warn!(error = %err, "subscribing to CreatorIQ webhooks failed");
        }
        Ok(campaigns)
    }

    /// Today's (UTC) CreatorIQ requests for the organization's stored key, all instances
    /// together; `None` when no usable key is stored.
    pub async fn requests_today(&self, org: OrgId) -> Result<Option<RequestUsage>, SyncError> {
        let settings = self.inner.store.ciq_settings(org).await?;
        self.requests_today_with(org, &settings).await
    }

    /// [`SyncEngine::requests_today`] for settings the caller already read.
    pub async fn requests_today_with(
        &self,
        org: OrgId,
        settings: &CiqSettings,
    ) -> Result<Option<RequestUsage>, SyncError> {
        let Some(secret) = settings.api_key.as_ref() else {
            return Ok(None);
        };
        let Some(environment) = self.environments().get(&settings.base_url) else {
            return Ok(None);
        };
        let Ok(key) = self
            .inner
            .master_key
            .decrypt_api_key(org, environment.base_url(), secret)
        else {
            return Ok(None);
        };
        let fingerprint = self
            .inner
            .master_key
            .api_key_fingerprint(environment.base_url(), &key);
        let used = self
            .inner
            .store
            .ciq_requests_on(&fingerprint, Utc::now().date_naive())
            .await?;
        Ok(Some(RequestUsage {
            used,
            limit: self.inner.config.daily_request_limit,
        }))
    }
}

/// How often a run's progress is written to the database (pages on other instances read it
/// from there; this instance's own watchers get every update at once).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A run's progress writes: its lease, whether the heartbeat lost it, and the last write.
struct ProgressWriter {
    lease: LeaseRequest,
    lost: Arc<std::sync::atomic::AtomicBool>,
    stored_at: Option<std::time::Instant>,
}

/// CreatorIQ requests counted for one key today (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestUsage {
    pub used: u64,
    pub limit: u64,
}

/// Why a CreatorIQ connection could not be saved or tested. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}.")]
    Environment(#[from] EnvironmentError),
    /// CreatorIQ did not accept the key (or could not be reached) at that environment.
    #[error(transparent)]
    Refused(CiqError),
    #[error("No CreatorIQ API key is stored yet.")]
    NoKey,
    #[error(
        "The stored key could not be read with this server's master key, or was saved for \
         another CreatorIQ environment. Enter the key again."
    )]
    Unreadable,
    #[error("The CreatorIQ settings could not be saved (database error).")]
    Store(#[from] StoreError),
}

/// Requests counted in the database at a time by one instance: one write per block instead
/// of one per request. The count shown for today can run ahead of the requests really sent by
/// up to a block per instance; it never lets more than the limit through.
const QUOTA_BLOCK: u64 = 10;

/// Counts each request against the key's daily quota in the database, a block at a time.
struct QuotaGate {
    store: Arc<dyn Store>,
    fingerprint: String,
    limit: u64,
    /// Requests already counted in the database and not yet sent, and their UTC day.
    reserved: Mutex<(chrono::NaiveDate, u64)>,
}

impl QuotaGate {
    fn new(store: Arc<dyn Store>, fingerprint: String, limit: u64) -> QuotaGate {
        QuotaGate {
            store,
            fingerprint,
            limit,
            reserved: Mutex::new((NaiveDate::MIN, 0)),
        }
    }
}

#[async_trait]
impl RequestGate for QuotaGate {
    async fn admit(&self) -> Result<(), GateRefusal> {
        let day = Utc::now().date_naive();
        let mut reserved = self.reserved.lock().await;
        if reserved.0 != day {
            *reserved = (day, 0);
        }
        if reserved.1 > 0 {
            reserved.1 -= 1;
            return Ok(());
        }
        // A whole block while the day has room for it, then single requests up to the limit.
        for n in [QUOTA_BLOCK, 1] {
            match self
                .store
                .count_ciq_requests(&self.fingerprint, day, n, self.limit)
                .await
            {
                Ok(Some(_)) => {
                    reserved.1 = n - 1;
                    return Ok(());
                }
                Ok(None) => continue,
                Err(err) => {
                    tracing::error!(error = ?err, "counting CreatorIQ requests failed");
                    return Err(GateRefusal::Unavailable("database error".to_string()));
                }
            }
        }
        Err(GateRefusal::DailyLimit { limit: self.limit })
    }
}
