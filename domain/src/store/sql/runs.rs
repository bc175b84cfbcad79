//! sync runs, their live progress, and the per-organization sync lease.

use chrono::Utc;
use sqlx::Row;

use super::{corrupt, u, DbRow, Dialect, Pool, ThisStore};

use super::super::*;

const RUN_COLUMNS: &str = "id, org_id, trigger_kind, triggered_by, contractor_id, state, \
    started_at, finished_at, campaigns_total, campaigns_done, campaigns_failed, creators_done, \
    campaigns_ended, count_synced, count_needs_attention, count_exempt, count_not_accepted, count_error, \
    count_removed, rows_changed, links_issued, links_expired, ciq_requests, ciq_retries, error, \
    errors";

fn run_from_row(r: &DbRow) -> StoreResult<SyncRun> {
    let kind: String = r.get("trigger_kind");
    let state: String = r.get("state");
    let errors: super::JsonColumn = r.get("errors");
    Ok(SyncRun {
        id: SyncRunId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        trigger: Trigger {
            kind: TriggerKind::parse(&kind).ok_or_else(|| corrupt(format!("trigger {kind:?}")))?,
            by: r.get("triggered_by"),
            member: None,
        },
        contractor_id: r.get::<Option<i64>, _>("contractor_id").map(ContractorId),
        state: RunState::parse(&state).ok_or_else(|| corrupt(format!("run state {state:?}")))?,
        started_at: r.get("started_at"),
        finished_at: r.get("finished_at"),
        totals: RunTotals {
            progress: SyncProgress {
                campaigns_total: u(r, "campaigns_total"),
                campaigns_done: u(r, "campaigns_done"),
                campaigns_failed: u(r, "campaigns_failed"),
                creators_done: u(r, "creators_done"),
                campaigns_ended: u(r, "campaigns_ended"),
            },
            statuses: StatusCounts {
                synced: u(r, "count_synced"),
                needs_attention: u(r, "count_needs_attention"),
                exempt: u(r, "count_exempt"),
                not_accepted: u(r, "count_not_accepted"),
                error: u(r, "count_error"),
                removed: u(r, "count_removed"),
            },
            rows_changed: u(r, "rows_changed"),
            links_issued: u(r, "links_issued"),
            links_expired: u(r, "links_expired"),
            ciq_requests: u(r, "ciq_requests"),
            ciq_retries: u(r, "ciq_retries"),
            error: r.get("error"),
            errors: ThisStore::from_json(errors, "run errors")?,
        },
    })
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) async fn begin_sync_run(
    pool: &Pool,
    org: OrgId,
    trigger: &Trigger,
    contractor: Option<ContractorId>,
    lease: &LeaseRequest,
) -> StoreResult<BeginRun> {
    let now = Utc::now();
    let mut tx = ThisStore::begin(pool).await?;
    // One caller per organization at a time, across instances. A run whose lease expired was
    // interrupted.
    ThisStore::lock_organization(&mut tx, org).await?;
    sqlx::query(
        "UPDATE sync_runs SET state = $3, finished_at = $1, \
         error = 'The sync was interrupted (the server running it stopped) and did not finish.' \
         WHERE org_id = $2 AND state = $4 AND id IN \
         (SELECT run_id FROM sync_leases WHERE org_id = $2 AND expires_at < $1)",
    )
    .bind(now)
    .bind(org.0)
    .bind(RunState::Failed.as_str())
    .bind(RunState::Running.as_str())
    .execute(&mut *tx)
    .await?;
    let taken = sqlx::query(
        "INSERT INTO sync_leases (org_id, run_id, holder, expires_at) VALUES ($1, 0, $2, $3) \
         ON CONFLICT (org_id) DO UPDATE SET run_id = 0, holder = excluded.holder, \
         expires_at = excluded.expires_at WHERE sync_leases.expires_at < $4",
    )
    .bind(org.0)
    .bind(&lease.holder)
    .bind(now + lease.ttl)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken == 0 {
        let run_id: i64 = sqlx::query_scalar("SELECT run_id FROM sync_leases WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(&mut *tx)
            .await?;
        tx.rollback().await?;
        return Ok(BeginRun::AlreadyRunning(SyncRunId(run_id)));
    }
    let run_id: i64 = sqlx::query_scalar(
        "INSERT INTO sync_runs (org_id, trigger_kind, triggered_by, contractor_id, state, \
         started_at) VALUES ($1, $2, $3, $4, $6, $5) RETURNING id",
    )
    .bind(org.0)
    .bind(trigger.kind.as_str())
    .bind(trigger.by.as_deref())
    .bind(contractor.map(|c| c.0))
    .bind(now)
    .bind(RunState::Running.as_str())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE sync_leases SET run_id = $1 WHERE org_id = $2")
        .bind(run_id)
        .bind(org.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(BeginRun::Started(SyncRunId(run_id)))
}

pub(super) async fn renew_sync_lease(
    pool: &Pool,
    org: OrgId,
    run: SyncRunId,
    lease: &LeaseRequest,
) -> StoreResult<bool> {
    let renewed = sqlx::query(
        "UPDATE sync_leases SET expires_at = $1 WHERE org_id = $2 AND run_id = $3 AND holder = $4",
    )
    .bind(Utc::now() + lease.ttl)
    .bind(org.0)
    .bind(run.0)
    .bind(&lease.holder)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(renewed == 1)
}

pub(super) async fn record_sync_progress(
    pool: &Pool,
    org: OrgId,
    run: SyncRunId,
    progress: &SyncProgress,
    lease: &LeaseRequest,
) -> StoreResult<bool> {
    let mut tx = ThisStore::begin(pool).await?;
    let held = sqlx::query(
        "UPDATE sync_leases SET expires_at = $1 WHERE org_id = $2 AND run_id = $3 AND holder = $4",
    )
    .bind(Utc::now() + lease.ttl)
    .bind(org.0)
    .bind(run.0)
    .bind(&lease.holder)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    sqlx::query(
        "UPDATE sync_runs SET campaigns_total = $1, campaigns_done = $2, campaigns_failed = $3, \
         creators_done = $4, campaigns_ended = $7 WHERE org_id = $5 AND id = $6",
    )
    .bind(i(progress.campaigns_total))
    .bind(i(progress.campaigns_done))
    .bind(i(progress.campaigns_failed))
    .bind(i(progress.creators_done))
    .bind(org.0)
    .bind(run.0)
    .bind(i(progress.campaigns_ended))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(held)
}

pub(super) async fn finish_sync_run(
    pool: &Pool,
    org: OrgId,
    run: SyncRunId,
    state: RunState,
    totals: &RunTotals,
    holder: &str,
) -> StoreResult<()> {
    let mut tx = ThisStore::begin(pool).await?;
    let p = &totals.progress;
    let s = &totals.statuses;
    sqlx::query(
        "UPDATE sync_runs SET state = $1, finished_at = $2, campaigns_total = $3, \
         campaigns_done = $4, campaigns_failed = $5, creators_done = $6, count_synced = $7, \
         count_needs_attention = $8, count_exempt = $9, count_not_accepted = $10, \
         count_error = $11, count_removed = $12, rows_changed = $13, links_issued = $14, \
         links_expired = $15, ciq_requests = $16, ciq_retries = $17, error = $18, errors = $19, \
         campaigns_ended = $22 WHERE org_id = $20 AND id = $21",
    )
    .bind(state.as_str())
    .bind(Utc::now())
    .bind(i(p.campaigns_total))
    .bind(i(p.campaigns_done))
    .bind(i(p.campaigns_failed))
    .bind(i(p.creators_done))
    .bind(i(s.synced))
    .bind(i(s.needs_attention))
    .bind(i(s.exempt))
    .bind(i(s.not_accepted))
    .bind(i(s.error))
    .bind(i(s.removed))
    .bind(i(totals.rows_changed))
    .bind(i(totals.links_issued))
    .bind(i(totals.links_expired))
    .bind(i(totals.ciq_requests))
    .bind(i(totals.ciq_retries))
    .bind(totals.error.as_deref())
    .bind(ThisStore::json(&totals.errors)?)
    .bind(org.0)
    .bind(run.0)
    .bind(i(p.campaigns_ended))
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sync_leases WHERE org_id = $1 AND run_id = $2 AND holder = $3")
        .bind(org.0)
        .bind(run.0)
        .bind(holder)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if totals.rows_changed >= STATISTICS_AFTER_ROWS {
        ThisStore::refresh_statistics(pool).await?;
    }
    Ok(())
}

/// A run that wrote at least this many rows brings the planner's statistics up to date.
const STATISTICS_AFTER_ROWS: u64 = 1_000;

pub(super) async fn sync_run(
    pool: &Pool,
    org: OrgId,
    run: SyncRunId,
) -> StoreResult<Option<SyncRun>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM sync_runs WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(run.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(run_from_row).transpose()
}

pub(super) async fn sync_runs(
    pool: &Pool,
    org: OrgId,
    before: Option<SyncRunId>,
    limit: u32,
) -> StoreResult<Vec<SyncRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE org_id = $1 AND id < $2 \
         ORDER BY id DESC LIMIT $3"
    );
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(before.map_or(i64::MAX, |b| b.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(run_from_row).collect()
}

pub(super) async fn running_sync_run(pool: &Pool, org: OrgId) -> StoreResult<Option<SyncRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE org_id = $1 AND state = $3 AND id IN \
         (SELECT run_id FROM sync_leases WHERE org_id = $1 AND expires_at > $2)"
    );
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(Utc::now())
        .bind(RunState::Running.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(run_from_row).transpose()
}

#[async_trait::async_trait]
impl SyncRuns for ThisStore {
    async fn begin_sync_run(
        &self,
        org: OrgId,
        trigger: &Trigger,
        contractor: Option<ContractorId>,
        lease: &LeaseRequest,
    ) -> StoreResult<BeginRun> {
        begin_sync_run(&self.pool, org, trigger, contractor, lease).await
    }

    async fn record_sync_progress(
        &self,
        org: OrgId,
        run: SyncRunId,
        progress: &SyncProgress,
        lease: &LeaseRequest,
    ) -> StoreResult<bool> {
        record_sync_progress(&self.pool, org, run, progress, lease).await
    }

    async fn renew_sync_lease(
        &self,
        org: OrgId,
        run: SyncRunId,
        lease: &LeaseRequest,
    ) -> StoreResult<bool> {
        renew_sync_lease(&self.pool, org, run, lease).await
    }

    async fn finish_sync_run(
        &self,
        org: OrgId,
        run: SyncRunId,
        state: RunState,
        totals: &RunTotals,
        holder: &str,
    ) -> StoreResult<()> {
        finish_sync_run(&self.pool, org, run, state, totals, holder).await
    }

    async fn sync_run(&self, org: OrgId, run: SyncRunId) -> StoreResult<Option<SyncRun>> {
        sync_run(&self.pool, org, run).await
    }

    async fn sync_runs(
        &self,
        org: OrgId,
        before: Option<SyncRunId>,
        limit: u32,
    ) -> StoreResult<Vec<SyncRun>> {
        sync_runs(&self.pool, org, before, limit).await
    }

    async fn running_sync_run(&self, org: OrgId) -> StoreResult<Option<SyncRun>> {
        running_sync_run(&self.pool, org).await
    }
}
