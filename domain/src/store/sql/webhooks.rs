//! webhook deliveries (the log and the processing queue) and the scheduled sync's clock.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{corrupt, DbRow, Dialect, JsonColumn, Pool, ThisStore};

use super::super::*;

const DELIVERY_COLUMNS: &str = "id, org_id, received_at, request_id, entity_type, \
    action_type, entity_id, ciq_campaign_id, ciq_publisher_id, verification, state, attempts, \
    next_attempt_at, processed_at, run_id, rows_changed, detail, body";

fn delivery_from_row(r: &DbRow) -> StoreResult<Delivery> {
    let verification: String = r.get("verification");
    let state: String = r.get("state");
    Ok(Delivery {
        id: DeliveryId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        received_at: r.get("received_at"),
        request_id: r.get("request_id"),
        entity_type: r.get("entity_type"),
        action_type: r.get("action_type"),
        entity_id: r.get("entity_id"),
        ciq_campaign_id: r.get("ciq_campaign_id"),
        ciq_publisher_id: r.get("ciq_publisher_id"),
        verification: Verification::parse(&verification)
            .ok_or_else(|| corrupt(format!("delivery verification {verification:?}")))?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| corrupt(format!("delivery state {state:?}")))?,
        attempts: super::u(r, "attempts"),
        next_attempt_at: r.get("next_attempt_at"),
        processed_at: r.get("processed_at"),
        run_id: r.get::<Option<i64>, _>("run_id").map(SyncRunId),
        rows_changed: r
            .get::<Option<i64>, _>("rows_changed")
            .map(|n| u64::try_from(n).unwrap_or(0)),
        detail: r.get("detail"),
        body: r
            .get::<Option<JsonColumn>, _>("body")
            .map(|b| ThisStore::from_json(b, "delivery body"))
            .transpose()?,
    })
}

/// Inserts a delivery; `on_conflict` is what follows the insert.
async fn insert(
    pool: &Pool,
    d: &NewDelivery,
    verification: Verification,
    state: DeliveryState,
    on_conflict: &str,
) -> StoreResult<Option<DeliveryId>> {
    insert_where(pool, d, verification, state, "TRUE", None, on_conflict).await
}

/// Inserts a delivery if `guard` (SQL after `WHERE`, with `$14` and `$15` bound from
/// `guard_binds`) holds.
#[allow(clippy::too_many_arguments)]
async fn insert_where(
    pool: &Pool,
    d: &NewDelivery,
    verification: Verification,
    state: DeliveryState,
    guard: &str,
    guard_binds: Option<(DateTime<Utc>, i64)>,
    on_conflict: &str,
) -> StoreResult<Option<DeliveryId>> {
    let body = match (&d.body, verification) {
        (Some(body), Verification::Verified) => Some(ThisStore::json(body)?),
        _ => None,
    };
    let sql = format!(
        "INSERT INTO webhook_deliveries (org_id, received_at, request_id, entity_type, \
         action_type, entity_id, ciq_campaign_id, ciq_publisher_id, verification, state, \
         next_attempt_at, detail, body) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 WHERE {guard} \
         {on_conflict} RETURNING id"
    );
    let query = sqlx::query_scalar(&sql)
        .bind(d.org_id.0)
        .bind(d.received_at)
        .bind(&d.request_id)
        .bind(&d.entity_type)
        .bind(&d.action_type)
        .bind(d.entity_id)
        .bind(d.ciq_campaign_id)
        .bind(d.ciq_publisher_id)
        .bind(verification.as_str())
        .bind(state.as_str())
        .bind((state == DeliveryState::Queued).then_some(d.received_at))
        .bind(&d.detail)
        .bind(body);
    let query = match guard_binds {
        Some((since, limit)) => query.bind(since).bind(limit),
        None => query,
    };
    let id: Option<i64> = query.fetch_optional(pool).await?;
    Ok(id.map(DeliveryId))
}

pub(super) async fn record_delivery(pool: &Pool, d: &NewDelivery) -> StoreResult<RecordedDelivery> {
    if d.verification != Verification::Verified {
        // Logged only while the organization's log holds fewer than the limit from the last
        // minute, decided in the insert itself.
        let id = insert_where(
            pool,
            d,
            d.verification,
            DeliveryState::Rejected,
            // The state is written into the statement, not bound: the partial index on refused
            // deliveries (migration 0017) only serves a query naming its predicate.
            &format!(
                "(SELECT COUNT(*) FROM webhook_deliveries \
                  WHERE org_id = $1 AND state = '{}' AND received_at > $14) < $15",
                DeliveryState::Rejected
            ),
            Some((
                d.received_at - chrono::Duration::minutes(1),
                REJECTED_DELIVERIES_PER_MINUTE,
            )),
            "",
        )
        .await?;
        return Ok(id.map_or(RecordedDelivery::Dropped, RecordedDelivery::Rejected));
    }
    // The partial unique index on (org_id, request_id) of verified deliveries decides, in one
    // statement, which of two concurrent copies is the original.
    let queued = insert(
        pool,
        d,
        Verification::Verified,
        DeliveryState::Queued,
        // Names the partial unique index's predicate, so written into the statement.
        &format!(
            "ON CONFLICT (org_id, request_id) WHERE verification = '{}' DO NOTHING",
            Verification::Verified
        ),
    )
    .await?;
    if let Some(id) = queued {
        return Ok(RecordedDelivery::Queued(id));
    }
    let replay = NewDelivery {
        detail: Some("this requestId was already received".to_string()),
        ..d.clone()
    };
    let id = insert(
        pool,
        &replay,
        Verification::Replayed,
        DeliveryState::Rejected,
        "",
    )
    .await?
    .ok_or_else(|| corrupt("a delivery insert returned no id"))?;
    Ok(RecordedDelivery::Replayed(id))
}

/// Claims up to `max` due deliveries of one organization (the one with the oldest due
/// delivery no other worker is claiming) for `holder` until `until`. Due: queued and past `next_attempt_at`, or claimed by
/// a worker whose claim ran out.
pub(super) async fn claim_deliveries(
    pool: &Pool,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    max: u32,
) -> StoreResult<Vec<Delivery>> {
    let queue = super::claims::Queue {
        table: "webhook_deliveries",
        waiting: DeliveryState::Queued.as_str(),
        claimed: DeliveryState::Processing.as_str(),
        due_column: "next_attempt_at",
        order: "id",
        one_organization: true,
        columns: DELIVERY_COLUMNS,
    };
    let rows = super::claims::claim(pool, &queue, holder, now, until, max).await?;
    let mut claimed = rows
        .iter()
        .map(delivery_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    claimed.sort_by_key(|d| d.id);
    Ok(claimed)
}

/// Records how processing ended, for the deliveries `holder` still holds (a claim another
/// worker took over is left to that worker).
pub(super) async fn finish_deliveries(
    pool: &Pool,
    ids: &[DeliveryId],
    holder: &str,
    result: &DeliveryResult,
) -> StoreResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let mut q = sqlx::QueryBuilder::<super::Db>::new("UPDATE webhook_deliveries SET state = ");
    q.push_bind(result.state.as_str())
        .push(", claimed_by = NULL, claimed_until = NULL, next_attempt_at = ")
        .push_bind(result.retry_at)
        .push(", processed_at = ")
        .push_bind((result.state != DeliveryState::Queued).then_some(now))
        .push(", run_id = COALESCE(")
        .push_bind(result.run_id.map(|r| r.0))
        .push(", run_id), rows_changed = COALESCE(")
        .push_bind(
            result
                .rows_changed
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        )
        .push(", rows_changed), detail = ")
        .push_bind(&result.detail);
    if !result.counts_as_attempt {
        q.push(", attempts = attempts - 1");
    }
    q.push(" WHERE claimed_by = ")
        .push_bind(holder)
        .push(" AND state = ")
        .push_bind(DeliveryState::Processing.as_str())
        .push(" AND id IN (");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id.0);
    }
    q.push(")");
    Ok(q.build().execute(pool).await?.rows_affected())
}

pub(super) async fn deliveries(
    pool: &Pool,
    org: OrgId,
    offset: u64,
    limit: u32,
) -> StoreResult<(Vec<Delivery>, u64)> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE org_id = $1 \
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE org_id = $1")
            .bind(org.0)
            .fetch_one(pool)
            .await?;
    Ok((
        rows.iter()
            .map(delivery_from_row)
            .collect::<StoreResult<_>>()?,
        u64::try_from(total).unwrap_or(0),
    ))
}

pub(super) async fn latest_delivery(pool: &Pool, org: OrgId) -> StoreResult<Option<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE org_id = $1 \
         ORDER BY id DESC LIMIT 1"
    );
    let row = sqlx::query(&sql).bind(org.0).fetch_optional(pool).await?;
    row.as_ref().map(delivery_from_row).transpose()
}

pub(super) async fn delivery(
    pool: &Pool,
    org: OrgId,
    id: DeliveryId,
) -> StoreResult<Option<Delivery>> {
    let sql =
        format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE org_id = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(delivery_from_row).transpose()
}

/// Queues a verified delivery again ("Reprocess"); false when it is not a verified delivery of
/// this organization or is being processed right now.
pub(super) async fn requeue_delivery(pool: &Pool, org: OrgId, id: DeliveryId) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET state = $4, next_attempt_at = $3, attempts = 0, \
         detail = NULL WHERE org_id = $1 AND id = $2 AND verification = $5 \
         AND state <> $6",
    )
    .bind(org.0)
    .bind(id.0)
    .bind(Utc::now())
    .bind(DeliveryState::Queued.as_str())
    .bind(Verification::Verified.as_str())
    .bind(DeliveryState::Processing.as_str())
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------------
// Scheduled sync
// ---------------------------------------------------------------------------------------------

pub(super) async fn due_schedules(
    pool: &Pool,
    now: DateTime<Utc>,
) -> StoreResult<Vec<ScheduleDue>> {
    let rows = sqlx::query(
        "SELECT org_id, sync_interval_minutes, next_scheduled_at FROM ciq_settings \
         WHERE api_key_encrypted IS NOT NULL AND sync_interval_minutes IS NOT NULL \
         AND sync_interval_minutes > 0 \
         AND (next_scheduled_at IS NULL OR next_scheduled_at <= $1) ORDER BY org_id",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| ScheduleDue {
            org_id: OrgId(r.get("org_id")),
            interval_minutes: u32::try_from(r.get::<i64, _>("sync_interval_minutes"))
                .unwrap_or(u32::MAX),
            next_at: r.get("next_scheduled_at"),
        })
        .collect())
}

/// Moves the organization's next scheduled run to `next` if it is still `due` (`None`: not
/// yet scheduled) as of `now`. True for exactly one of several instances racing for it.
pub(super) async fn claim_schedule(
    pool: &Pool,
    org: OrgId,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    next: DateTime<Utc>,
) -> StoreResult<bool> {
    let condition = if due.is_some() {
        "next_scheduled_at <= $3"
    } else {
        "next_scheduled_at IS NULL AND $3 IS NOT NULL"
    };
    let sql =
        format!("UPDATE ciq_settings SET next_scheduled_at = $1 WHERE org_id = $2 AND {condition}");
    let done = sqlx::query(&sql)
        .bind(next)
        .bind(org.0)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes refused deliveries received before `before`, of every organization; how many.
pub(super) async fn prune_rejected_deliveries(
    pool: &Pool,
    before: DateTime<Utc>,
) -> StoreResult<u64> {
    // Names the partial index's predicate (migration 0017), so written into the statement.
    let sql = format!(
        "DELETE FROM webhook_deliveries WHERE state = '{}' AND received_at < $1",
        DeliveryState::Rejected
    );
    let done = sqlx::query(&sql).bind(before).execute(pool).await?;
    Ok(done.rows_affected())
}

#[async_trait::async_trait]
impl Schedules for ThisStore {
    async fn due_schedules(&self, now: DateTime<Utc>) -> StoreResult<Vec<ScheduleDue>> {
        due_schedules(&self.pool, now).await
    }

    async fn claim_schedule(
        &self,
        org: OrgId,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> StoreResult<bool> {
        claim_schedule(&self.pool, org, due, now, next).await
    }
}

#[async_trait::async_trait]
impl WebhookDeliveries for ThisStore {
    async fn record_webhook_delivery(
        &self,
        delivery: &NewDelivery,
    ) -> StoreResult<RecordedDelivery> {
        record_delivery(&self.pool, delivery).await
    }

    async fn prune_rejected_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        prune_rejected_deliveries(&self.pool, before).await
    }

    async fn claim_webhook_deliveries(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max: u32,
    ) -> StoreResult<Vec<Delivery>> {
        claim_deliveries(&self.pool, holder, now, until, max).await
    }

    async fn finish_webhook_deliveries(
        &self,
        ids: &[DeliveryId],
        holder: &str,
        result: &DeliveryResult,
    ) -> StoreResult<u64> {
        finish_deliveries(&self.pool, ids, holder, result).await
    }

    async fn webhook_deliveries(
        &self,
        org: OrgId,
        offset: u64,
        limit: u32,
    ) -> StoreResult<(Vec<Delivery>, u64)> {
        deliveries(&self.pool, org, offset, limit).await
    }

    async fn webhook_delivery(&self, org: OrgId, id: DeliveryId) -> StoreResult<Option<Delivery>> {
        delivery(&self.pool, org, id).await
    }

    async fn latest_webhook_delivery(&self, org: OrgId) -> StoreResult<Option<Delivery>> {
        latest_delivery(&self.pool, org).await
    }

    async fn requeue_webhook_delivery(&self, org: OrgId, id: DeliveryId) -> StoreResult<bool> {
        requeue_delivery(&self.pool, org, id).await
    }
}
