//! Every sync write runs one way: open a unit of work in the store, read what the planner
//! needs, ask the pure planner ([`super::writes`]) for a plan, hand the plan back to the unit,
//! commit. The store never decides; the planner never touches the database.

use crate::outreach::OutreachSettings;
use crate::store::{
    ApplicationLink, ApplyOutcome, CampaignRecord, CampaignSync, ContractorId, Durability, OrgId,
    Store, StoreError, StoreResult, SyncFailure, SyncRunId, WritePlan, WriteUnit,
};

use super::writes::{
    plan_campaign_failure, plan_campaign_removed, plan_campaign_sync, plan_link_regeneration,
    plan_messages, plan_row_failure, removed_campaigns, rows_needed, Removal,
};

/// Whether this server has an SMTP relay: where an organization has not chosen its channels,
/// messages go by email with one and as CreatorIQ messages without.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailRelay(pub bool);

/// Adds the plan's messages, reading the organization's outreach settings in the unit's
/// transaction when the plan issues links.
async fn with_messages(
    unit: &mut dyn WriteUnit,
    mut plan: WritePlan,
    relay: MailRelay,
) -> StoreResult<WritePlan> {
    let settings = if plan.issues_links() {
        let record = unit.outreach_settings().await?;
        Some(OutreachSettings::from_record(&record, relay.0))
    } else {
        None
    };
    plan_messages(&mut plan, settings.as_ref());
    Ok(plan)
}

/// Writes one campaign's rows, links, removals and history in one transaction.
pub async fn apply_campaign_sync(
    store: &dyn Store,
    org: OrgId,
    run: SyncRunId,
    sync: &CampaignSync,
    relay: MailRelay,
) -> StoreResult<ApplyOutcome> {
    let mut unit = store
        .begin_writes(org, Some(run), Durability::Relaxed)
        .await?;
    let stored = unit
        .stored_rows(sync.campaign.ciq_campaign_id, rows_needed(sync))
        .await?;
    let plan = with_messages(unit.as_mut(), plan_campaign_sync(&stored, sync), relay).await?;
    unit.execute(&plan).await?;
    unit.commit().await?;
    Ok(plan.outcome)
}

/// A campaign's fetch failed: marks the campaign and its live rows `error` with the reason,
/// keeping their data and links. Returns the number of rows marked.
pub async fn record_campaign_failure(
    store: &dyn Store,
    org: OrgId,
    run: SyncRunId,
    campaign: &CampaignRecord,
    failure: &SyncFailure,
) -> StoreResult<u64> {
    let mut unit = store
        .begin_writes(org, Some(run), Durability::Relaxed)
        .await?;
    let stored = unit.stored_rows(campaign.ciq_campaign_id, None).await?;
    let plan = plan_campaign_failure(campaign, &stored, failure);
    unit.execute(&plan).await?;
    unit.commit().await?;
    Ok(plan.outcome.statuses.error)
}

/// A single row could not be read: marks it `error`, keeping its data and link.
pub async fn record_row_failure(
    store: &dyn Store,
    org: OrgId,
    run: SyncRunId,
    contractor: ContractorId,
    failure: &SyncFailure,
) -> StoreResult<()> {
    let mut unit = store.begin_writes(org, Some(run), Durability::Full).await?;
    let (campaign, publisher) = unit
        .lock_row(contractor)
        .await?
        .ok_or(StoreError::NotFound("contractor"))?;
    let stored = unit.stored_rows(campaign, Some(publisher)).await?;
    if let Some(row) = stored.first() {
        unit.execute(&plan_row_failure(row, failure)).await?;
    }
    unit.commit().await
}

/// Marks the rows of the campaigns `which` names `removed` and expires their links; returns
/// the per-status counts of the rows it changed.
pub async fn remove_campaigns(
    store: &dyn Store,
    org: OrgId,
    run: SyncRunId,
    which: Removal<'_>,
) -> StoreResult<ApplyOutcome> {
    let mut unit = store.begin_writes(org, Some(run), Durability::Full).await?;
    // One writer per organization at a time (see begin_sync_run).
    unit.lock_organization().await?;
    let known = unit.campaigns_with_live_rows().await?;
    let mut out = ApplyOutcome::default();
    for campaign in removed_campaigns(&known, which) {
        let stored = unit.stored_rows(campaign, None).await?;
        let plan = with_messages(
            unit.as_mut(),
            plan_campaign_removed(campaign, &stored),
            MailRelay::default(),
        )
        .await?;
        unit.execute(&plan).await?;
        out.merge(&plan.outcome);
    }
    unit.commit().await?;
    Ok(out)
}

/// An operator's "Regenerate": replaces a `synced` row's link; returns the new link.
pub async fn regenerate_link(
    store: &dyn Store,
    org: OrgId,
    contractor: ContractorId,
    relay: MailRelay,
) -> StoreResult<ApplicationLink> {
    let mut unit = store.begin_writes(org, None, Durability::Full).await?;
    let (campaign, publisher) = unit
        .lock_row(contractor)
        .await?
        .ok_or(StoreError::NotFound("contractor"))?;
    let stored = unit.stored_rows(campaign, Some(publisher)).await?;
    let row = stored.first().ok_or(StoreError::NotFound("contractor"))?;
    let plan = plan_link_regeneration(row).map_err(|r| StoreError::Invalid(r.message()))?;
    let plan = with_messages(unit.as_mut(), plan, relay).await?;
    unit.execute(&plan).await?;
    let link = unit
        .current_link(contractor)
        .await?
        .ok_or(StoreError::Corrupt(
            "a regenerated link was not stored".into(),
        ))?;
    unit.commit().await?;
    Ok(link)
}
