//! The steps every kind of run takes, written once: a campaign read from CreatorIQ (or why not)
//! is written, a row is re-read with the per-creator endpoints, and after each the run's
//! progress is counted and published. A whole-organization run, a webhook run and a run over
//! selected rows differ only in what they walk.

use tokio::sync::watch;

use super::{count_requests, LiveRun, ProgressWriter, SyncEngine, SyncError};
use crate::creatoriq::{CiqError, CreatorIqClient};
use crate::store::{CampaignRecord, CampaignSync, Contractor, OrgId, RunTotals, SyncRunId};

/// One run's walk: the organization's CreatorIQ client and where its progress goes.
pub(super) struct Steps<'a> {
    engine: &'a SyncEngine,
    pub(super) org: OrgId,
    pub(super) run_id: SyncRunId,
    pub(super) client: CreatorIqClient,
    pub(super) terms: crate::rules::Terms,
    pub(super) totals: &'a mut RunTotals,
    tx: &'a watch::Sender<LiveRun>,
    progress: &'a mut ProgressWriter,
}

impl<'a> Steps<'a> {
    /// Connects to the organization's CreatorIQ environment with its stored key.
    pub(super) async fn open(
        engine: &'a SyncEngine,
        org: OrgId,
        run_id: SyncRunId,
        totals: &'a mut RunTotals,
        tx: &'a watch::Sender<LiveRun>,
        progress: &'a mut ProgressWriter,
    ) -> Result<Steps<'a>, SyncError> {
        let (settings, client) = engine.connection(org).await?;
        Ok(Steps {
            engine,
            org,
            run_id,
            client,
            terms: engine.terms(settings.coverage_types),
            totals,
            tx,
            progress,
        })
    }

    /// Announces how many steps the run will take.
    pub(super) async fn begin(&mut self, steps: usize) -> Result<(), SyncError> {
        self.totals.progress.campaigns_total = steps as u64;
        self.publish().await
    }

    /// Counts the requests made so far and publishes the run's progress.
    pub(super) async fn publish(&mut self) -> Result<(), SyncError> {
        count_requests(self.totals, &self.client);
        self.engine
            .publish(self.org, self.run_id, self.totals, self.tx, self.progress)
            .await
    }

    /// Writes one campaign as read (`Ok(None)`: nothing to write), or records why it could not
    /// be read (its rows are marked when `record` is known); then one step is done.
    pub(super) async fn campaign(
        &mut self,
        id: i64,
        record: Option<&CampaignRecord>,
        read: Result<Option<CampaignSync>, CiqError>,
    ) -> Result<(), SyncError> {
        match read {
            Ok(Some(sync)) => {
                self.engine
                    .apply_fetched(self.org, self.run_id, &sync, self.totals)
                    .await?
            }
            Ok(None) => {}
            Err(err) => {
                self.engine
                    .record_failed_campaign(
                        self.org,
                        self.run_id,
                        &self.client,
                        id,
                        record,
                        err,
                        self.totals,
                    )
                    .await?
            }
        }
        self.totals.progress.campaigns_done += 1;
        self.publish().await
    }

    /// Re-reads one row and writes it (`None`: the row is gone since it was chosen); then one
    /// step is done.
    pub(super) async fn row(&mut self, row: Option<&Contractor>) -> Result<(), SyncError> {
        match row {
            Some(row) => {
                self.engine
                    .resync_one(
                        self.org,
                        self.run_id,
                        &self.client,
                        row,
                        &self.terms,
                        self.totals,
                    )
                    .await?
            }
            None => self.totals.progress.campaigns_done += 1,
        }
        self.publish().await
    }
}
