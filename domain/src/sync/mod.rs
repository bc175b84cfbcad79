//! The sync pipeline (PRODUCT.md sections 3-6): fetch from CreatorIQ -> map -> decide ->
//! persist, per campaign, with one run per organization at a time.
//!
//! - [`shape`] is the pure middle: CreatorIQ data in, the rows it means out.
//! - [`writes`] plans what a store writes for those rows given what it holds (unchanged,
//!   rewritten, removed, links retired or issued, history text); stores only execute it.
//! - [`write_path`] runs every write one way: a unit of work in the store reads, the planner
//!   plans, the unit executes and commits.
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
mod connection;
mod delivery;
mod error;
mod fetch;
mod lease;
mod row_resync;
pub mod shape;
mod steps;
pub mod write_path;
pub mod writes;

pub use alerting::{AlertRecipientsView, WebhookChange};
pub use automatic::{DeliveryWork, SubscriptionState};
pub use connection::{ConnectError, RequestUsage};
pub use delivery::{message_result, DeliveryTotals, SendRequest, SendSummary, MAX_ATTEMPTS};
pub use error::SyncError;

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

pub use shape::{campaign_record, campaign_sync, row_update};
pub use write_path::MailRelay;

use steps::Steps;
use write_path::{apply_campaign_sync, record_campaign_failure, record_row_failure};
use writes::Removal;

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
    /// What cover costs and where it cannot be sold (`RATES_FILE`, or the example table).
    pub rating: Arc<crate::rating::RatingTable>,
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
            rating: Arc::new(crate::rating::RatingTable::example()),
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
    /// The runs this instance runs or follows, by organization. Held only to read or change
    /// the map, never across an await.
    running: std::sync::Mutex<HashMap<OrgId, (SyncRunId, watch::Receiver<LiveRun>)>>,
    /// One gate per organization: two triggers of one organization start one run, while
    /// other organizations start theirs without waiting.
    starting: std::sync::Mutex<HashMap<OrgId, Arc<Mutex<()>>>>,
    clients: std::sync::Mutex<HashMap<OrgId, CachedClient>>,
    /// What CreatorIQ last listed as each organization's webhook subscriptions
    /// ([`automatic::SubscriptionCache`]), so viewing Settings does not spend the daily quota.
    subscriptions: automatic::SubscriptionCache,
    /// Wakes this instance's webhook delivery worker (a delivery arrived or was requeued).
    webhook_wake: Arc<tokio::sync::Notify>,
    /// Wakes this instance's message worker (messages were queued).
    delivery_wake: Arc<tokio::sync::Notify>,
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
                running: std::sync::Mutex::new(HashMap::new()),
                starting: std::sync::Mutex::new(HashMap::new()),
                clients: std::sync::Mutex::new(HashMap::new()),
                subscriptions: automatic::SubscriptionCache::default(),
                webhook_wake: Arc::new(tokio::sync::Notify::new()),
                delivery_wake: Arc::new(tokio::sync::Notify::new()),
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
    /// ([`SyncRuns::sync_run`](crate::store::SyncRuns::sync_run), updated after each campaign) for progress.
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
        self.running().get(&org).map(|(_, rx)| rx.borrow().clone())
    }

    fn running(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<OrgId, (SyncRunId, watch::Receiver<LiveRun>)>> {
        // The map is consistent after any panic (each change is one insert or remove).
        self.inner
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets the organization's run once it ended, unless a newer one replaced it.
    fn forget_run(&self, org: OrgId, run_id: SyncRunId) {
        let mut running = self.running();
        if running.get(&org).is_some_and(|(id, _)| *id == run_id) {
            running.remove(&org);
        }
    }

    /// The organization's run this instance can join, if one is running.
    fn joinable(&self, org: OrgId) -> Option<(SyncRunId, watch::Receiver<LiveRun>)> {
        self.running()
            .get(&org)
            .filter(|(_, rx)| !rx.borrow().is_finished())
            .map(|(id, rx)| (*id, rx.clone()))
    }

    async fn start(
        &self,
        org: OrgId,
        trigger: Trigger,
        scope: Scope,
    ) -> Result<RunHandle, SyncError> {
        let gate = {
            let mut starting = self
                .inner
                .starting
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            starting.entry(org).or_default().clone()
        };
        // Held while this organization's run starts (database reads and the lease), so a second
        // trigger joins it; other organizations have gates of their own.
        let _starting = gate.lock().await;
        let exclusive = matches!(scope, Scope::Targets(_));
        if let Some((run_id, rx)) = self.joinable(org) {
            if exclusive {
                return Err(SyncError::Busy(run_id.0));
            }
            return Ok(RunHandle {
                run_id,
                joined: true,
                rx,
            });
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
        self.running().insert(org, (run_id, rx.clone()));

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
            engine.forget_run(org, run_id);
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
                engine.forget_run(org, run_id);
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

    /// What rows are judged against today for an organization requiring `required`.
    pub(crate) fn terms(&self, required: crate::store::CoverageTypes) -> crate::rules::Terms {
        crate::rules::Terms {
            today: self.today(),
            required,
            rating: self.inner.config.rating.clone(),
        }
    }

    /// The rating table this server prices with.
    pub fn rating(&self) -> &Arc<crate::rating::RatingTable> {
        &self.inner.config.rating
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
        // Agency Pay lines whose row has a PO # by now join their invoice.
        if let Err(err) = self.inner.store.collect_waiting_lines(org).await {
            tracing::warn!(error = %err, "placing invoice lines that waited for a PO # failed");
        }
        // New rows of creators who hold a policy that covers them need no application.
        match self.inner.store.apply_repeat_cover(org).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "rows covered by a policy their creator holds"),
            Err(err) => tracing::warn!(error = %err, "covering repeat creators' rows failed"),
        }
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
        let mut steps = Steps::open(self, org, run_id, totals, tx, progress).await?;
        let (client, terms) = (steps.client.clone(), steps.terms.clone());
        let today = terms.today;

        let listed = client.all_campaigns().await;
        count_requests(steps.totals, &client);
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
            steps.totals.progress.campaigns_ended = (before - campaigns.len()) as u64;
        }
        steps.begin(campaigns.len()).await?;

        // Three stages, each a campaign ahead of the next: a task reads campaigns from
        // CreatorIQ in order, a second maps and judges them, and this loop writes them. So
        // CreatorIQ's requests follow each other without waiting for the mapping or the
        // database. The reader stops after an error that stops the run, so no request is spent
        // past it; dropping the guards on an early return stops both tasks.
        let (read_tx, mut read) = tokio::sync::mpsc::channel(1);
        let reader = tokio::spawn({
            let engine = self.clone();
            let client = client.clone();
            let campaigns = campaigns.clone();
            async move {
                for (record, campaign) in campaigns {
                    let result = engine.read_campaign(&client, &record).await;
                    let stop = matches!(&result, Err(err) if err.stops_run());
                    if read_tx.send((record, campaign, result)).await.is_err() || stop {
                        break;
                    }
                }
            }
        });
        let _reader = AbortOnDrop(reader);
        let (fetched_tx, mut fetched) = tokio::sync::mpsc::channel(1);
        let mapper = tokio::spawn(async move {
            while let Some((record, campaign, answers)) = read.recv().await {
                let result = answers.map(|a| a.into_sync(record.clone(), &campaign, &terms));
                if fetched_tx.send((record, result)).await.is_err() {
                    break;
                }
            }
        });
        let _mapper = AbortOnDrop(mapper);

        let mut received = 0;
        while let Some((record, fetched)) = fetched.recv().await {
            received += 1;
            steps
                .campaign(record.ciq_campaign_id, Some(&record), fetched.map(Some))
                .await?;
        }
        if received < campaigns.len() {
            // A stage stopped without an error to report (it panicked): rows keep their state
            // rather than being judged on a partial read.
            tracing::error!("reading or mapping CreatorIQ's campaigns stopped early");
            return Err(SyncError::Interrupted);
        }

        let outcome =
            write_path::remove_campaigns(store.as_ref(), org, run_id, Removal::AllBut(&present))
                .await?;
        merge(steps.totals, &outcome);
        count_requests(steps.totals, &client);
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

/// How often a run's progress is written to the database (pages on other instances read it
/// from there; this instance's own watchers get every update at once).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A run's progress writes: its lease, whether the heartbeat lost it, and the last write.
struct ProgressWriter {
    lease: LeaseRequest,
    lost: Arc<std::sync::atomic::AtomicBool>,
    stored_at: Option<std::time::Instant>,
}
