//! Re-reading single rows ("Re-sync" on a row, or selected rows) with the per-creator
//! endpoints, and writing what was read, or why it could not be.

use super::*;

// One short-lived value per row re-sync; boxing would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
pub(super) enum RowFetch {
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
    pub(super) async fn apply_fetched(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        sync: &CampaignSync,
        totals: &mut RunTotals,
    ) -> Result<(), SyncError> {
        let outcome = apply_campaign_sync(
            self.inner.store.as_ref(),
            org,
            run_id,
            sync,
            self.mail_relay(),
        )
        .await?;
        if outcome.links_issued > 0 {
            self.wake_delivery();
        }
        totals.progress.creators_done += (sync.rows.len() + sync.unreadable.len()) as u64;
        for (publisher, failure) in &sync.unreadable {
            totals.errors.push(RunError {
                ciq_campaign_id: Some(sync.campaign.ciq_campaign_id),
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
    pub(super) async fn record_failed_campaign(
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
            totals.statuses.error +=
                record_campaign_failure(self.inner.store.as_ref(), org, run_id, record, &failure)
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

impl SyncEngine {
    #[tracing::instrument(skip_all, fields(org = org.0, run = run_id.0, contractor = contractor.0))]
    pub(super) async fn run_row(
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
        let (settings, client) = self.connection(org).await?;
        totals.progress.campaigns_total = 1;
        self.resync_one(
            org,
            run_id,
            &client,
            &row,
            &self.terms(settings.coverage_types),
            totals,
        )
        .await
    }

    /// Selected rows, each re-read like a row's Re-sync, with progress after each.
    pub(super) async fn run_rows(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        ids: &[ContractorId],
        totals: &mut RunTotals,
        tx: &watch::Sender<LiveRun>,
        progress: &mut ProgressWriter,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let mut steps = Steps::open(self, org, run_id, totals, tx, progress).await?;
        steps.begin(ids.len()).await?;
        for id in ids {
            // A row gone since it was selected has nothing to re-read.
            let row = store.contractor(org, *id).await?;
            steps.row(row.as_ref()).await?;
        }
        Ok(())
    }

    /// Re-reads one row with the per-creator endpoints and writes it (or its failure).
    pub(super) async fn resync_one(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        client: &CreatorIqClient,
        row: &crate::store::Contractor,
        terms: &crate::rules::Terms,
        totals: &mut RunTotals,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let contractor = row.id;
        let fetched = self
            .fetch_row(client, row.ciq_campaign_id, row.ciq_publisher_id)
            .await;
        count_requests(totals, client);
        let read = match fetched {
            Ok(read) => read,
            Err(err) => {
                let failure = SyncFailure {
                    code: err.code().to_string(),
                    message: err.to_string(),
                };
                record_row_failure(store.as_ref(), org, run_id, contractor, &failure).await?;
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
        let sync = match read {
            RowFetch::Present {
                record,
                campaign,
                entry,
                contact,
            } => {
                let update = row_update(&campaign, &entry, contact.as_ref(), terms);
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
        let outcome =
            apply_campaign_sync(store.as_ref(), org, run_id, &sync, self.mail_relay()).await?;
        if outcome.links_issued > 0 {
            self.wake_delivery();
        }
        merge(totals, &outcome);
        totals.progress.campaigns_done += 1;
        totals.progress.creators_done += 1;
        Ok(())
    }

    pub(super) async fn fetch_row(
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
