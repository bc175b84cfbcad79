//! Keeping current without a button: CreatorIQ webhook subscriptions, processing verified
//! deliveries (exactly once across instances: a worker claims a batch in the database, a claim
//! that outlives its worker is taken over), and the scheduled full sync (claimed by exactly one
//! instance, jittered so organizations do not all start together).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::steps::Steps;
use super::write_path::remove_campaigns;
use super::writes::Removal;
use super::{campaign_record, merge, LiveRun, ProgressWriter, Scope, SyncEngine, SyncError};
use crate::creatoriq::CiqError;
use crate::store::{
    CiqSettings, ContractorStatus, Delivery, DeliveryResult, DeliveryState, OrgId, RunTotals,
    ScheduleDue, SyncRunId, Trigger, TriggerKind, REJECTED_DELIVERIES_KEPT_DAYS,
};
use crate::webhooks::{self, Target, SUBSCRIBED_EVENTS};

/// What one run started by webhook deliveries covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunTargets {
    /// Campaigns to sync whole (created, deleted, or a creator newly on them).
    pub campaigns: BTreeSet<i64>,
    /// Creators whose rows to re-read, on one campaign or (None) on every campaign.
    pub publishers: BTreeSet<(i64, Option<i64>)>,
}

/// One of the dashboard's event subscriptions as CreatorIQ lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    pub entity_type: &'static str,
    pub action_type: &'static str,
    /// CreatorIQ lists a subscription of this event to this organization's callback URL.
    pub active: bool,
}

/// How long what CreatorIQ listed as an organization's subscriptions is shown without asking
/// again: viewing Settings costs at most one counted request per organization and instance in
/// this time, whoever views it and however often.
pub const SUBSCRIPTIONS_CHECKED_FOR: Duration = Duration::from_secs(10 * 60);

/// What CreatorIQ listed for one organization, when, and for which environment and stored key
/// (another key or environment asks again).
struct ListedSubscriptions {
    at: std::time::Instant,
    base_url: String,
    sealed_key: Vec<u8>,
    list: Vec<SubscriptionState>,
}

/// The subscriptions CreatorIQ listed, per organization.
#[derive(Default)]
pub(super) struct SubscriptionCache(std::sync::Mutex<HashMap<OrgId, ListedSubscriptions>>);

impl SubscriptionCache {
    fn get(&self, org: OrgId, settings: &CiqSettings) -> Option<Vec<SubscriptionState>> {
        let key = settings.api_key.as_ref()?;
        let cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let listed = cache.get(&org)?;
        (listed.at.elapsed() < SUBSCRIPTIONS_CHECKED_FOR
            && listed.base_url == settings.base_url
            && listed.sealed_key == key.0)
            .then(|| listed.list.clone())
    }

    fn put(&self, org: OrgId, settings: &CiqSettings, list: &[SubscriptionState]) {
        let Some(key) = settings.api_key.as_ref() else {
            return;
        };
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(
            org,
            ListedSubscriptions {
                at: std::time::Instant::now(),
                base_url: settings.base_url.clone(),
                sealed_key: key.0.clone(),
                list: list.to_vec(),
            },
        );
    }

    fn forget(&self, org: OrgId) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&org);
    }
}

/// What one pass of the delivery worker did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryWork {
    /// Deliveries claimed.
    pub claimed: usize,
    /// The run that processed them, if one ran.
    pub run_id: Option<SyncRunId>,
}

/// Deliveries one worker claims at once (all of one organization, processed in one run).
const BATCH: u32 = 200;
/// How long a claim lasts before another worker may take it over.
const CLAIM_FOR: Duration = Duration::from_secs(120);
/// Processing attempts before a delivery is given up (an admin can reprocess it).
const MAX_ATTEMPTS: u64 = 6;

/// Backoff before attempt `attempts + 1`: 30 s, 1, 2, 4, 8 minutes.
fn retry_delay(attempts: u64) -> chrono::Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(8)
        .min(8);
    chrono::Duration::seconds(30 * 2i64.pow(exp))
}

impl SyncEngine {
    /// The organization's webhook callback URL, when the server knows its public address.
    pub async fn webhook_callback(&self, org: OrgId) -> Result<Option<String>, SyncError> {
        let Some(base) = self.inner.config.public_base_url.as_deref() else {
            return Ok(None);
        };
        let organization = self
            .inner
            .store
            .organization(org)
            .await?
            .ok_or(SyncError::NotFound("organization"))?;
        Ok(Some(format!(
            "{}/webhooks/creatoriq/{}",
            base.trim_end_matches('/'),
            organization.webhook_id
        )))
    }

    /// Subscribes the organization's callback URL to every event the dashboard uses. CreatorIQ
    /// keeps one subscription per event and key, so an event subscribed to another address
    /// (the organization's address before it was replaced) is unsubscribed first. Returns the
    /// number of subscriptions made or confirmed.
    pub async fn subscribe_webhooks(&self, org: OrgId) -> Result<usize, SyncError> {
        let Some(callback) = self.webhook_callback(org).await? else {
            return Ok(0);
        };
        let (_, client) = self.connection(org).await?;
        // Whatever happens next, what was listed before may no longer be true.
        self.inner.subscriptions.forget(org);
        let listed = client.subscriptions().await?;
        for (entity, action) in SUBSCRIBED_EVENTS {
            let current = listed.iter().find(|s| {
                s.entity_type == *entity && s.action_type == *action && s.entity_id.is_none()
            });
            match current {
                Some(s) if s.callback == callback => continue,
                Some(_) => client.unsubscribe(entity, action).await?,
                None => {}
            }
            client.subscribe(entity, action, &callback).await?;
        }
        tracing::info!(
            org = org.0,
            events = SUBSCRIBED_EVENTS.len(),
            "CreatorIQ webhooks subscribed"
        );
        Ok(SUBSCRIBED_EVENTS.len())
    }

    /// Gives the organization a new webhook address: deliveries to the old one are answered
    /// 404 from now on. With a key stored, CreatorIQ's subscriptions move to the new address
    /// (the error, if CreatorIQ refuses, is returned after the address has changed: Subscribe
    /// on Settings tries again). Returns the subscriptions moved.
    pub async fn replace_webhook_address(&self, org: OrgId) -> Result<usize, SyncError> {
        self.inner.store.rotate_webhook_id(org).await?;
        self.inner.subscriptions.forget(org);
        let settings = self.inner.store.ciq_settings(org).await?;
        if settings.api_key.is_none() {
            return Ok(0);
        }
        self.subscribe_webhooks(org).await
    }

    /// Each event the dashboard uses, and whether CreatorIQ lists it for this organization's
    /// callback URL (`GET /pubsub/subscriptions`, a counted request). What CreatorIQ answered
    /// is reused for [`SUBSCRIPTIONS_CHECKED_FOR`] unless the key or environment changed or
    /// the dashboard subscribed since.
    pub async fn webhook_subscriptions(
        &self,
        org: OrgId,
    ) -> Result<Vec<SubscriptionState>, SyncError> {
        let settings = self.inner.store.ciq_settings(org).await?;
        if let Some(list) = self.inner.subscriptions.get(org, &settings) {
            return Ok(list);
        }
        let callback = self.webhook_callback(org).await?.unwrap_or_default();
        let client = self.client(org, &settings)?;
        let listed = client.subscriptions().await?;
        let list: Vec<SubscriptionState> = SUBSCRIBED_EVENTS
            .iter()
            .map(|(entity, action)| SubscriptionState {
                entity_type: entity,
                action_type: action,
                active: listed.iter().any(|s| {
                    s.callback == callback
                        && s.entity_type == *entity
                        && (s.action_type == *action || s.action_type == "*")
                        && s.entity_id.is_none()
                }),
            })
            .collect();
        self.inner.subscriptions.put(org, &settings, &list);
        Ok(list)
    }

    /// Claims a batch of due deliveries (one organization's) and processes them in one run.
    pub async fn process_webhooks_once(&self) -> Result<DeliveryWork, SyncError> {
        let store = &self.inner.store;
        let holder = &self.inner.config.instance_id;
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(CLAIM_FOR).unwrap_or_default();
        let batch = store
            .claim_webhook_deliveries(holder, now, until, BATCH)
            .await?;
        let Some(first) = batch.first() else {
            return Ok(DeliveryWork::default());
        };
        let org = first.org_id;
        let mut work = DeliveryWork {
            claimed: batch.len(),
            run_id: None,
        };

        let mut targets = RunTargets::default();
        let mut acting = Vec::new();
        for delivery in &batch {
            match delivery_target(delivery) {
                Target::Publisher {
                    publisher,
                    campaign,
                } => {
                    targets.publishers.insert((publisher, campaign));
                    acting.push(delivery.id);
                }
                Target::Campaign { campaign } => {
                    targets.campaigns.insert(campaign);
                    acting.push(delivery.id);
                }
                Target::Ignored(why) => {
                    store
                        .finish_webhook_deliveries(
                            &[delivery.id],
                            holder,
                            &DeliveryResult {
                                state: DeliveryState::Ignored,
                                run_id: None,
                                rows_changed: None,
                                detail: Some(why),
                                retry_at: None,
                                counts_as_attempt: true,
                            },
                        )
                        .await?;
                }
            }
        }
        if acting.is_empty() {
            return Ok(work);
        }

        let described = describe_targets(&targets);
        let trigger = Trigger::new(TriggerKind::Webhook, Some(described.clone()));
        let started = self
            .start(org, trigger, Scope::Targets(Arc::new(targets)))
            .await;
        let result = match started {
            Err(SyncError::Busy(run)) => DeliveryResult {
                // Not an attempt: the organization's running sync is waited out.
                state: DeliveryState::Queued,
                run_id: None,
                rows_changed: None,
                detail: Some(format!("waiting for sync run #{run} to finish")),
                retry_at: Some(Utc::now() + chrono::Duration::seconds(5)),
                counts_as_attempt: false,
            },
            Err(err) => failed_attempt(&batch, &err.to_string()),
            Ok(handle) => {
                work.run_id = Some(handle.run_id);
                match handle.wait().await {
                    Ok(summary) if summary.run.state != crate::store::RunState::Failed => {
                        DeliveryResult {
                            state: DeliveryState::Done,
                            run_id: Some(summary.run.id),
                            rows_changed: Some(summary.run.totals.rows_changed),
                            detail: Some(described),
                            retry_at: None,
                            counts_as_attempt: true,
                        }
                    }
                    Ok(summary) => {
                        let why = summary
                            .run
                            .totals
                            .error
                            .clone()
                            .or_else(|| {
                                summary.run.totals.errors.first().map(|e| e.message.clone())
                            })
                            .unwrap_or_else(|| "the sync run failed".to_string());
                        DeliveryResult {
                            run_id: Some(summary.run.id),
                            ..failed_attempt(&batch, &why)
                        }
                    }
                    Err(err) => failed_attempt(&batch, &err.to_string()),
                }
            }
        };
        store
            .finish_webhook_deliveries(&acting, holder, &result)
            .await?;
        Ok(work)
    }

    /// Runs `process_webhooks_once` until the queue has nothing due.
    pub async fn drain_webhooks(&self) -> Result<usize, SyncError> {
        let mut total = 0;
        loop {
            let work = self.process_webhooks_once().await?;
            if work.claimed == 0 {
                return Ok(total);
            }
            total += work.claimed;
        }
    }

    /// Starts the scheduled sync of every organization that is due, claiming each so exactly
    /// one instance starts it. Returns the organizations started.
    pub async fn run_due_schedules(&self) -> Result<Vec<OrgId>, SyncError> {
        let store = &self.inner.store;
        let now = Utc::now();
        let mut started = Vec::new();
        for ScheduleDue {
            org_id,
            interval_minutes,
            next_at,
        } in store.due_schedules(now).await?
        {
            let interval = chrono::Duration::minutes(i64::from(interval_minutes.max(1)));
            let random_seconds = |max: i64| rand::thread_rng().gen_range(0..=max.max(0));
            let Some(_) = next_at else {
                // First time: somewhere in the last nine tenths of one interval, so
                // organizations spread out and a key just saved (its first sync just run)
                // is not synced again at once.
                let tenth = interval.num_seconds() / 10;
                let first = now
                    + chrono::Duration::seconds(
                        tenth + random_seconds(interval.num_seconds() - tenth),
                    );
                store.claim_schedule(org_id, None, now, first).await?;
                continue;
            };
            // The next run an interval on, plus up to a twentieth of it, so organizations
            // that were due together drift apart.
            let jitter = chrono::Duration::seconds(random_seconds(interval.num_seconds() / 20));
            if !store
                .claim_schedule(org_id, next_at, now, now + interval + jitter)
                .await?
            {
                continue;
            }
            let trigger = Trigger::new(TriggerKind::Scheduled, None);
            match self.start(org_id, trigger, Scope::Scheduled).await {
                Ok(handle) if !handle.joined => started.push(org_id),
                Ok(_) => {}
                Err(err) => tracing::warn!(org = org_id.0, error = %err,
                    "the scheduled sync could not start"),
            }
        }
        Ok(started)
    }

    /// Wakes this instance's delivery worker: a delivery was stored or queued again.
    pub fn wake_webhook_worker(&self) {
        self.inner.webhook_wake.notify_one();
    }

    /// The instance's background work until `stop` is cancelled: the delivery worker (woken at
    /// once by [`Self::wake_webhook_worker`], and every `poll` for retries and other instances'
    /// abandoned claims), the scheduler (every `poll`) and the hourly pruning of refused
    /// deliveries. On `stop` each finishes the work in hand and returns; wait on the handles.
    pub fn spawn_background(
        &self,
        poll: Duration,
        stop: CancellationToken,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let mut workers = Vec::new();
        let engine = self.clone();
        let wake = self.inner.webhook_wake.clone();
        let stopped = stop.clone();
        workers.push(tokio::spawn(async move {
            loop {
                if let Err(err) = engine.drain_webhooks().await {
                    tracing::warn!(error = %err, "processing webhook deliveries failed");
                }
                tokio::select! {
                    _ = stopped.cancelled() => break,
                    _ = tokio::time::timeout(poll, wake.notified()) => {}
                }
            }
        }));
        let engine = self.clone();
        let stopped = stop.clone();
        workers.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(poll);
            loop {
                tokio::select! {
                    _ = stopped.cancelled() => break,
                    _ = every.tick() => {}
                }
                if let Err(err) = engine.run_due_schedules().await {
                    tracing::warn!(error = %err, "starting scheduled syncs failed");
                }
            }
        }));
        let store = self.inner.store.clone();
        workers.push(tokio::spawn(async move {
            // Any instance may prune: the deletion is one idempotent statement.
            let mut every = tokio::time::interval(Duration::from_secs(60 * 60));
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = every.tick() => {}
                }
                let before = Utc::now() - chrono::Duration::days(REJECTED_DELIVERIES_KEPT_DAYS);
                match store.prune_rejected_deliveries(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "pruned old refused webhook deliveries"),
                    Err(err) => {
                        tracing::warn!(error = %err, "pruning refused webhook deliveries failed")
                    }
                }
            }
        }));
        workers
    }

    /// A run for what webhook deliveries named: whole campaigns first, then each named
    /// creator's rows with the per-creator endpoints (a few requests each).
    pub(super) async fn run_targets(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        targets: &RunTargets,
        totals: &mut RunTotals,
        tx: &watch::Sender<LiveRun>,
        progress: &mut ProgressWriter,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let mut steps = Steps::open(self, org, run_id, totals, tx, progress).await?;
        let (client, terms) = (steps.client.clone(), steps.terms.clone());

        let mut campaigns = targets.campaigns.clone();
        let mut rows = Vec::new();
        for (publisher, campaign) in &targets.publishers {
            let stored: Vec<_> = store
                .contractors_for_publisher(org, *publisher)
                .await?
                .into_iter()
                .filter(|r| r.status != ContractorStatus::Removed)
                .collect();
            match campaign {
                // A creator new on a campaign: read the campaign whole.
                Some(c) if !stored.iter().any(|r| r.ciq_campaign_id == *c) => {
                    campaigns.insert(*c);
                }
                Some(c) => rows.extend(stored.into_iter().filter(|r| r.ciq_campaign_id == *c)),
                None => rows.extend(stored),
            }
        }
        rows.retain(|r| !campaigns.contains(&r.ciq_campaign_id));
        rows.sort_by_key(|r| r.id);
        rows.dedup_by_key(|r| r.id);
        steps.begin(campaigns.len() + rows.len()).await?;

        for id in campaigns {
            let fetched = match client.campaign(id).await {
                Ok(mut campaign) => {
                    campaign.campaign_id = Some(id);
                    match campaign_record(&campaign) {
                        Some(record) => self
                            .fetch_campaign(&client, &record, &campaign, &terms)
                            .await
                            .map(Some)
                            .map_err(|e| (e, Some(record))),
                        None => Ok(None),
                    }
                }
                Err(CiqError::NotFound { .. }) => {
                    // CreatorIQ no longer has it: its rows are marked removed.
                    let outcome =
                        remove_campaigns(store.as_ref(), org, run_id, Removal::One(id)).await?;
                    merge(steps.totals, &outcome);
                    Ok(None)
                }
                Err(err) => Err((err, None)),
            };
            match fetched {
                Ok(sync) => steps.campaign(id, None, Ok(sync)).await?,
                Err((err, record)) => steps.campaign(id, record.as_ref(), Err(err)).await?,
            }
        }
        for row in &rows {
            steps.row(Some(row)).await?;
        }
        Ok(())
    }
}

fn delivery_target(delivery: &Delivery) -> Target {
    match &delivery.body {
        Some(body) => webhooks::target(&webhooks::summarize(body)),
        None => Target::Ignored("the delivery has no stored body".to_string()),
    }
}

/// "creator 2386944 on campaign 42066; campaign 9" — what a webhook run covers.
fn describe_targets(targets: &RunTargets) -> String {
    let mut parts: Vec<String> = targets
        .campaigns
        .iter()
        .map(|c| format!("campaign {c}"))
        .collect();
    parts.extend(targets.publishers.iter().map(|(p, c)| match c {
        Some(c) => format!("creator {p} on campaign {c}"),
        None => format!("creator {p}"),
    }));
    let total = parts.len();
    if total > 5 {
        parts.truncate(5);
        parts.push(format!("and {} more", total - 5));
    }
    parts.join("; ")
}

/// A failed processing attempt: retried with backoff, given up after [`MAX_ATTEMPTS`].
fn failed_attempt(batch: &[Delivery], why: &str) -> DeliveryResult {
    let attempts = batch.iter().map(|d| d.attempts).max().unwrap_or(1);
    if attempts >= MAX_ATTEMPTS {
        DeliveryResult {
            state: DeliveryState::Failed,
            run_id: None,
            rows_changed: None,
            detail: Some(format!("gave up after {attempts} attempts: {why}")),
            retry_at: None,
            counts_as_attempt: true,
        }
    } else {
        let delay = retry_delay(attempts);
        DeliveryResult {
            state: DeliveryState::Queued,
            run_id: None,
            rows_changed: None,
            detail: Some(format!(
                "attempt {attempts} failed: {why}; retrying in {} s",
                delay.num_seconds()
            )),
            retry_at: Some(Utc::now() + delay),
            counts_as_attempt: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DeliveryId;

    #[test]
    fn retries_back_off_and_stop() {
        assert_eq!(retry_delay(1).num_seconds(), 30);
        assert_eq!(retry_delay(2).num_seconds(), 60);
        assert_eq!(retry_delay(5).num_seconds(), 480);
        let d = |attempts| Delivery {
            id: DeliveryId(1),
            org_id: OrgId(1),
            received_at: Utc::now(),
            request_id: None,
            entity_type: None,
            action_type: None,
            entity_id: None,
            ciq_campaign_id: None,
            ciq_publisher_id: None,
            verification: crate::store::Verification::Verified,
            state: DeliveryState::Processing,
            attempts,
            next_attempt_at: None,
            processed_at: None,
            run_id: None,
            rows_changed: None,
            detail: None,
            body: None,
        };
        assert_eq!(failed_attempt(&[d(1)], "down").state, DeliveryState::Queued);
        assert_eq!(
            failed_attempt(&[d(MAX_ATTEMPTS)], "down").state,
            DeliveryState::Failed
        );
    }

    #[test]
    fn a_run_description_names_what_it_covers_briefly() {
        let mut t = RunTargets::default();
        t.campaigns.insert(9);
        t.publishers.insert((7, Some(9)));
        t.publishers.insert((8, None));
        assert_eq!(
            describe_targets(&t),
            "campaign 9; creator 7 on campaign 9; creator 8"
        );
        for p in 100..110 {
            t.publishers.insert((p, None));
        }
        assert!(describe_targets(&t).ends_with("and 8 more"));
    }
}
