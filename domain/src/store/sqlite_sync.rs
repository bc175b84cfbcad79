//! SQLite side of the sync pipeline's storage. Multi-step writes run in one transaction; the
//! helpers take `&mut SqliteConnection` (a transaction derefs to one) and the caller commits once.
//! SQL uses `$n` placeholders and portable forms (`ON CONFLICT`, partial indexes) so the
//! PostgreSQL backend can reuse it nearly verbatim.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, SqlitePool};

use super::*;
use crate::creatoriq::DEFAULT_BASE_URL;
use crate::links::{LinkState, RetireReason};
use crate::sync::writes::{
    plan_campaign_failure, plan_campaign_removed, plan_campaign_sync, plan_link_regeneration,
    plan_row_failure, rows_needed, RowRef, StoredLink, StoredRow, Write, WritePlan,
};

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| corrupt(format!("encoding JSON: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn status_of(text: &str) -> StoreResult<ContractorStatus> {
    ContractorStatus::parse(text).ok_or_else(|| corrupt(format!("contractor status {text:?}")))
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

pub(super) async fn ciq_settings(pool: &SqlitePool, org: OrgId) -> StoreResult<CiqSettings> {
    let row = sqlx::query(
        "SELECT base_url, api_key_encrypted, api_key_last4, coverage_types, updated_at \
         FROM ciq_settings WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else {
        return Ok(CiqSettings {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: None,
            api_key_last4: None,
            coverage_types: CoverageTypes::default(),
            updated_at: None,
        });
    };
    let types: String = r.get("coverage_types");
    Ok(CiqSettings {
        base_url: r.get("base_url"),
        api_key: r
            .get::<Option<Vec<u8>>, _>("api_key_encrypted")
            .map(EncryptedSecret),
        api_key_last4: r.get("api_key_last4"),
        coverage_types: CoverageTypes::parse(&types)
            .ok_or_else(|| corrupt(format!("coverage types {types:?}")))?,
        updated_at: Some(r.get("updated_at")),
    })
}

/// Makes sure the organization has a settings row (with defaults) so updates can be plain
/// `UPDATE`s of one column.
async fn ensure_settings(conn: &mut SqliteConnection, org: OrgId) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ciq_settings (org_id, base_url, coverage_types, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO NOTHING",
    )
    .bind(org.0)
    .bind(DEFAULT_BASE_URL)
    .bind(CoverageTypes::default().as_str())
    .bind(Utc::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) enum SettingUpdate<'a> {
    Connection {
        base_url: &'a str,
        secret: &'a EncryptedSecret,
        last4: &'a str,
    },
    ClearKey,
    Coverage(CoverageTypes),
}

pub(super) async fn update_settings(
    pool: &SqlitePool,
    org: OrgId,
    update: SettingUpdate<'_>,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    ensure_settings(&mut tx, org).await?;
    let now = Utc::now();
    let query = match update {
        SettingUpdate::Connection {
            base_url,
            secret,
            last4,
        } => sqlx::query(
            "UPDATE ciq_settings SET base_url = $1, api_key_encrypted = $2, api_key_last4 = $3, \
             updated_at = $4 WHERE org_id = $5",
        )
        .bind(base_url.trim().trim_end_matches('/').to_string())
        .bind(secret.0.clone())
        .bind(last4.to_string()),
        SettingUpdate::ClearKey => sqlx::query(
            "UPDATE ciq_settings SET api_key_encrypted = $1, api_key_last4 = $2, updated_at = $3 \
             WHERE org_id = $4",
        )
        .bind(None::<Vec<u8>>)
        .bind(None::<String>),
        SettingUpdate::Coverage(types) => sqlx::query(
            "UPDATE ciq_settings SET coverage_types = $1, updated_at = $2 WHERE org_id = $3",
        )
        .bind(types.as_str()),
    };
    query.bind(now).bind(org.0).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CreatorIQ request quota
// ---------------------------------------------------------------------------------------------

/// Days of request counts kept (today is what matters; a week helps answer "what happened").
const USAGE_DAYS_KEPT: i64 = 7;

pub(super) async fn count_ciq_request(
    pool: &SqlitePool,
    fingerprint: &str,
    day: chrono::NaiveDate,
    limit: u64,
) -> StoreResult<Option<u64>> {
    if limit == 0 {
        return Ok(None);
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // One statement, so concurrent instances can neither both take the last request nor lose
    // a count: the conditional upsert only increments below the limit.
    let count: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ciq_request_usage (key_fingerprint, day, requests) VALUES ($1, $2, 1) \
         ON CONFLICT (key_fingerprint, day) DO UPDATE SET requests = ciq_request_usage.requests + 1 \
         WHERE ciq_request_usage.requests < $3 \
         RETURNING requests",
    )
    .bind(fingerprint)
    .bind(day.format("%Y-%m-%d").to_string())
    .bind(limit)
    .fetch_optional(pool)
    .await?;
    if count == Some(1) {
        let cutoff = day - chrono::Duration::days(USAGE_DAYS_KEPT);
        sqlx::query("DELETE FROM ciq_request_usage WHERE day < $1")
            .bind(cutoff.format("%Y-%m-%d").to_string())
            .execute(pool)
            .await?;
    }
    Ok(count.map(|n| u64::try_from(n).unwrap_or(0)))
}

pub(super) async fn ciq_requests_on(
    pool: &SqlitePool,
    fingerprint: &str,
    day: chrono::NaiveDate,
) -> StoreResult<u64> {
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT requests FROM ciq_request_usage WHERE key_fingerprint = $1 AND day = $2",
    )
    .bind(fingerprint)
    .bind(day.format("%Y-%m-%d").to_string())
    .fetch_optional(pool)
    .await?;
    Ok(count.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

// ---------------------------------------------------------------------------------------------
// Runs and leases
// ---------------------------------------------------------------------------------------------

const RUN_COLUMNS: &str = "id, org_id, trigger_kind, triggered_by, contractor_id, state, \
    started_at, finished_at, campaigns_total, campaigns_done, campaigns_failed, creators_done, \
    count_synced, count_needs_attention, count_exempt, count_not_accepted, count_error, \
    count_removed, rows_changed, links_issued, links_expired, ciq_requests, ciq_retries, error, \
    errors";

fn u(r: &SqliteRow, col: &str) -> u64 {
    u64::try_from(r.get::<i64, _>(col)).unwrap_or(0)
}

fn run_from_row(r: &SqliteRow) -> StoreResult<SyncRun> {
    let kind: String = r.get("trigger_kind");
    let state: String = r.get("state");
    let errors: String = r.get("errors");
    Ok(SyncRun {
        id: SyncRunId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        trigger: Trigger {
            kind: TriggerKind::parse(&kind).ok_or_else(|| corrupt(format!("trigger {kind:?}")))?,
            by: r.get("triggered_by"),
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
            errors: from_json(&errors, "run errors")?,
        },
    })
}

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) async fn begin_sync_run(
    pool: &SqlitePool,
    org: OrgId,
    trigger: &Trigger,
    contractor: Option<ContractorId>,
    lease: &LeaseRequest,
) -> StoreResult<BeginRun> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;
    // Writing first takes SQLite's write lock up front, so two callers serialize here instead of
    // failing on a read-to-write upgrade. A run whose lease expired was interrupted.
    sqlx::query(
        "UPDATE sync_runs SET state = 'failed', finished_at = $1, \
         error = 'The sync was interrupted (the server running it stopped) and did not finish.' \
         WHERE org_id = $2 AND state = 'running' AND id IN \
         (SELECT run_id FROM sync_leases WHERE org_id = $2 AND expires_at < $1)",
    )
    .bind(now)
    .bind(org.0)
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
         started_at) VALUES ($1, $2, $3, $4, 'running', $5) RETURNING id",
    )
    .bind(org.0)
    .bind(trigger.kind.as_str())
    .bind(trigger.by.as_deref())
    .bind(contractor.map(|c| c.0))
    .bind(now)
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

pub(super) async fn record_sync_progress(
    pool: &SqlitePool,
    org: OrgId,
    run: SyncRunId,
    progress: &SyncProgress,
    lease: &LeaseRequest,
) -> StoreResult<bool> {
    let mut tx = pool.begin().await?;
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
         creators_done = $4 WHERE org_id = $5 AND id = $6",
    )
    .bind(i(progress.campaigns_total))
    .bind(i(progress.campaigns_done))
    .bind(i(progress.campaigns_failed))
    .bind(i(progress.creators_done))
    .bind(org.0)
    .bind(run.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(held)
}

pub(super) async fn finish_sync_run(
    pool: &SqlitePool,
    org: OrgId,
    run: SyncRunId,
    state: RunState,
    totals: &RunTotals,
    holder: &str,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let p = &totals.progress;
    let s = &totals.statuses;
    sqlx::query(
        "UPDATE sync_runs SET state = $1, finished_at = $2, campaigns_total = $3, \
         campaigns_done = $4, campaigns_failed = $5, creators_done = $6, count_synced = $7, \
         count_needs_attention = $8, count_exempt = $9, count_not_accepted = $10, \
         count_error = $11, count_removed = $12, rows_changed = $13, links_issued = $14, \
         links_expired = $15, ciq_requests = $16, ciq_retries = $17, error = $18, errors = $19 \
         WHERE org_id = $20 AND id = $21",
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
    .bind(json(&totals.errors)?)
    .bind(org.0)
    .bind(run.0)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM sync_leases WHERE org_id = $1 AND run_id = $2 AND holder = $3")
        .bind(org.0)
        .bind(run.0)
        .bind(holder)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn sync_run(
    pool: &SqlitePool,
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
    pool: &SqlitePool,
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

pub(super) async fn running_sync_run(
    pool: &SqlitePool,
    org: OrgId,
) -> StoreResult<Option<SyncRun>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM sync_runs WHERE org_id = $1 AND state = 'running' AND id IN \
         (SELECT run_id FROM sync_leases WHERE org_id = $1 AND expires_at > $2)"
    );
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(Utc::now())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(run_from_row).transpose()
}

// ---------------------------------------------------------------------------------------------
// Sync writes
// ---------------------------------------------------------------------------------------------

async fn upsert_campaign(
    conn: &mut SqliteConnection,
    org: OrgId,
    campaign: &CampaignRecord,
    failure: Option<&SyncFailure>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // A failed fetch keeps the last good name and dates (the list's copy may be all we have).
    sqlx::query(
        "INSERT INTO campaigns (org_id, ciq_campaign_id, name, description, start_date, end_date, \
         sync_state, last_error_code, last_error, last_synced_at, last_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (org_id, ciq_campaign_id) DO UPDATE SET \
         name = excluded.name, description = excluded.description, \
         start_date = excluded.start_date, end_date = excluded.end_date, \
         sync_state = excluded.sync_state, last_error_code = excluded.last_error_code, \
         last_error = excluded.last_error, \
         last_synced_at = COALESCE(excluded.last_synced_at, campaigns.last_synced_at), \
         last_attempt_at = excluded.last_attempt_at",
    )
    .bind(org.0)
    .bind(campaign.ciq_campaign_id)
    .bind(campaign.name.as_deref())
    .bind(campaign.description.as_deref())
    .bind(campaign.start_date.as_deref())
    .bind(campaign.end_date.as_deref())
    .bind(if failure.is_some() { "error" } else { "ok" })
    .bind(failure.map(|f| f.code.as_str()))
    .bind(failure.map(|f| f.message.as_str()))
    .bind(if failure.is_some() { None } else { Some(now) })
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The stored rows of a campaign (or of one creator on it) as the planner needs them.
async fn stored_rows(
    conn: &mut SqliteConnection,
    org: OrgId,
    ciq_campaign_id: i64,
    only_publisher: Option<i64>,
) -> StoreResult<Vec<StoredRow>> {
    let rows = sqlx::query(
        "SELECT k.id, k.ciq_publisher_id, k.status, k.content_hash, k.error_message, \
         l.state AS link_state, l.fingerprint AS link_fingerprint \
         FROM contractors k LEFT JOIN application_links l \
         ON l.contractor_id = k.id AND l.org_id = k.org_id AND l.retired_at IS NULL \
         WHERE k.org_id = $1 AND k.ciq_campaign_id = $2 \
         AND ($3 IS NULL OR k.ciq_publisher_id = $3)",
    )
    .bind(org.0)
    .bind(ciq_campaign_id)
    .bind(only_publisher)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let link = match r.get::<Option<String>, _>("link_state") {
            Some(state) => Some(StoredLink {
                state: LinkState::parse(&state)
                    .ok_or_else(|| corrupt(format!("link state {state}")))?,
                fingerprint: r.get::<String, _>("link_fingerprint"),
            }),
            None => None,
        };
        out.push(StoredRow {
            id: ContractorId(r.get("id")),
            ciq_publisher_id: r.get("ciq_publisher_id"),
            status: status_of(r.get("status"))?,
            content_hash: r.get("content_hash"),
            error_message: r.get("error_message"),
            link,
        });
    }
    Ok(out)
}

/// Who writes and when: the organization, the run (if any) and the transaction's clock.
#[derive(Clone, Copy)]
struct Writer {
    org: OrgId,
    run: Option<SyncRunId>,
    now: DateTime<Utc>,
}

fn search_text(update: &ContractorUpdate) -> String {
    format!(
        "{} {}",
        update.creator_name.as_deref().unwrap_or(""),
        update.email.as_deref().unwrap_or("")
    )
    .trim()
    .to_lowercase()
}

/// Inserts (`existing` is `None`) or rewrites a row from `update`; returns its id.
async fn put_row(
    conn: &mut SqliteConnection,
    w: Writer,
    update: &ContractorUpdate,
    hash: &str,
    existing: Option<ContractorId>,
) -> StoreResult<ContractorId> {
    let sql = match existing {
        None => {
            "INSERT INTO contractors (status, creator_name, email, search_text, sort_name, \
             ciq_status, work_state, home_state, base_pay_cents, payment_amount_cents, agency_pay, \
             coverage_start, coverage_end, failures, warnings, fields, error_code, error_message, \
             content_hash, updated_at, last_synced_at, last_run_id, org_id, ciq_campaign_id, \
             ciq_publisher_id, first_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
             $11, $12, $13, $14, $15, $16, NULL, NULL, $17, $18, $18, $19, $20, $21, $22, $18) \
             RETURNING id"
        }
        Some(_) => {
            "UPDATE contractors SET status = $1, creator_name = $2, email = $3, search_text = $4, \
             sort_name = $5, ciq_status = $6, work_state = $7, home_state = $8, \
             base_pay_cents = $9, payment_amount_cents = $10, agency_pay = $11, \
             coverage_start = $12, coverage_end = $13, failures = $14, warnings = $15, \
             fields = $16, error_code = NULL, error_message = NULL, content_hash = $17, \
             updated_at = $18, last_synced_at = $18, last_run_id = $19 \
             WHERE org_id = $20 AND ciq_campaign_id = $21 AND ciq_publisher_id = $22 \
             RETURNING id"
        }
    };
    let id: i64 = sqlx::query_scalar(sql)
        .bind(update.status.as_str())
        .bind(update.creator_name.as_deref())
        .bind(update.email.as_deref())
        .bind(search_text(update))
        .bind(update.creator_name.as_deref().unwrap_or("").to_lowercase())
        .bind(update.ciq_status.as_deref())
        .bind(update.work_state.as_deref())
        .bind(update.home_state.as_deref())
        .bind(update.base_pay_cents)
        .bind(update.payment_amount_cents)
        .bind(update.agency_pay)
        .bind(update.coverage_start)
        .bind(update.coverage_end)
        .bind(json(&update.failures)?)
        .bind(json(&update.warnings)?)
        .bind(json(&update.fields)?)
        .bind(hash)
        .bind(w.now)
        .bind(w.run.map(|r| r.0))
        .bind(w.org.0)
        .bind(update.ciq_campaign_id)
        .bind(update.ciq_publisher_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(ContractorId(id))
}

async fn insert_link(
    conn: &mut SqliteConnection,
    w: Writer,
    contractor: ContractorId,
    fingerprint: &str,
    reason: &str,
) -> StoreResult<LinkId> {
    let token = LinkToken::generate();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO application_links (org_id, contractor_id, token, state, fingerprint, \
         created_at, created_run_id, created_reason) \
         VALUES ($1, $2, $3, 'active', $4, $5, $6, $7) RETURNING id",
    )
    .bind(w.org.0)
    .bind(contractor.0)
    .bind(token.expose())
    .bind(fingerprint)
    .bind(w.now)
    .bind(w.run.map(|r| r.0))
    .bind(reason)
    .fetch_one(&mut *conn)
    .await?;
    Ok(LinkId(id))
}

/// Retires the row's current link, which ends in `state`.
async fn retire_link(
    conn: &mut SqliteConnection,
    w: Writer,
    contractor: ContractorId,
    reason: RetireReason,
    state: LinkState,
) -> StoreResult<()> {
    let expired_at = (state == LinkState::Expired).then_some(w.now);
    sqlx::query(
        "UPDATE application_links SET retired_at = $1, retired_reason = $2, state = $3, \
         expired_at = COALESCE(expired_at, $4) \
         WHERE org_id = $5 AND contractor_id = $6 AND retired_at IS NULL",
    )
    .bind(w.now)
    .bind(reason.as_str())
    .bind(state.as_str())
    .bind(expired_at)
    .bind(w.org.0)
    .bind(contractor.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Executes a plan of [`crate::sync::writes`] in the caller's transaction, in order. Rows the
/// plan creates get their ids here; later writes about them find them by creator.
async fn execute(conn: &mut SqliteConnection, w: Writer, plan: &WritePlan) -> StoreResult<()> {
    let mut created: HashMap<i64, ContractorId> = HashMap::new();
    let resolve = |created: &HashMap<i64, ContractorId>, row: RowRef| match row {
        RowRef::Stored(id) => Ok(id),
        RowRef::New { ciq_publisher_id } => {
            created
                .get(&ciq_publisher_id)
                .copied()
                .ok_or(StoreError::Invalid(
                    "a plan wrote about a row before creating it",
                ))
        }
    };
    let org = w.org.0;
    for write in &plan.writes {
        match write {
            Write::Campaign { record, failure } => {
                upsert_campaign(conn, w.org, record, failure.as_ref(), w.now).await?;
            }
            Write::CampaignRemoved { ciq_campaign_id } => {
                sqlx::query(
                    "UPDATE campaigns SET sync_state = 'removed', last_attempt_at = $1 \
                     WHERE org_id = $2 AND ciq_campaign_id = $3",
                )
                .bind(w.now)
                .bind(org)
                .bind(ciq_campaign_id)
                .execute(&mut *conn)
                .await?;
            }
            Write::Touch(id) => {
                sqlx::query(
                    "UPDATE contractors SET last_synced_at = $1, last_run_id = $2 \
                     WHERE org_id = $3 AND id = $4",
                )
                .bind(w.now)
                .bind(w.run.map(|r| r.0))
                .bind(org)
                .bind(id.0)
                .execute(&mut *conn)
                .await?;
            }
            Write::PutRow {
                row,
                update,
                content_hash,
            } => {
                let existing = match row {
                    RowRef::Stored(id) => Some(*id),
                    RowRef::New { .. } => None,
                };
                let id = put_row(conn, w, update, content_hash, existing).await?;
                if let RowRef::New { ciq_publisher_id } = row {
                    created.insert(*ciq_publisher_id, id);
                }
            }
            Write::MarkError { row, failure } => {
                let id = resolve(&created, *row)?;
                sqlx::query(
                    "UPDATE contractors SET status = 'error', error_code = $1, error_message = $2, \
                     updated_at = $3, last_run_id = $4 WHERE org_id = $5 AND id = $6",
                )
                .bind(&failure.code)
                .bind(&failure.message)
                .bind(w.now)
                .bind(w.run.map(|r| r.0))
                .bind(org)
                .bind(id.0)
                .execute(&mut *conn)
                .await?;
            }
            Write::MarkRemoved(id) => {
                sqlx::query(
                    "UPDATE contractors SET status = 'removed', error_code = NULL, \
                     error_message = NULL, updated_at = $1, last_run_id = $2 \
                     WHERE org_id = $3 AND id = $4",
                )
                .bind(w.now)
                .bind(w.run.map(|r| r.0))
                .bind(org)
                .bind(id.0)
                .execute(&mut *conn)
                .await?;
            }
            Write::Event {
                row,
                status,
                previous,
                summary,
            } => {
                let id = resolve(&created, *row)?;
                sqlx::query(
                    "INSERT INTO contractor_events (org_id, contractor_id, run_id, at, status, \
                     previous_status, summary) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(org)
                .bind(id.0)
                .bind(w.run.map(|r| r.0))
                .bind(w.now)
                .bind(status.as_str())
                .bind(previous.map(|p| p.as_str()))
                .bind(summary)
                .execute(&mut *conn)
                .await?;
            }
            Write::RetireLink { row, reason, state } => {
                retire_link(conn, w, *row, *reason, *state).await?;
            }
            Write::IssueLink {
                row,
                fingerprint,
                reason,
            } => {
                let id = resolve(&created, *row)?;
                insert_link(conn, w, id, fingerprint, reason.as_str()).await?;
            }
        }
    }
    Ok(())
}

pub(super) async fn apply_campaign_sync(
    pool: &SqlitePool,
    org: OrgId,
    run: SyncRunId,
    sync: &CampaignSync,
) -> StoreResult<ApplyOutcome> {
    let w = Writer {
        org,
        run: Some(run),
        now: Utc::now(),
    };
    let mut tx = pool.begin().await?;
    let stored = stored_rows(
        &mut tx,
        org,
        sync.campaign.ciq_campaign_id,
        rows_needed(sync),
    )
    .await?;
    let plan = plan_campaign_sync(&stored, sync);
    execute(&mut tx, w, &plan).await?;
    tx.commit().await?;
    Ok(plan.outcome)
}

pub(super) async fn record_campaign_failure(
    pool: &SqlitePool,
    org: OrgId,
    run: SyncRunId,
    campaign: &CampaignRecord,
    failure: &SyncFailure,
) -> StoreResult<u64> {
    let w = Writer {
        org,
        run: Some(run),
        now: Utc::now(),
    };
    let mut tx = pool.begin().await?;
    let stored = stored_rows(&mut tx, org, campaign.ciq_campaign_id, None).await?;
    let plan = plan_campaign_failure(campaign, &stored, failure);
    execute(&mut tx, w, &plan).await?;
    tx.commit().await?;
    Ok(plan.outcome.statuses.error)
}

pub(super) async fn record_row_failure(
    pool: &SqlitePool,
    org: OrgId,
    run: SyncRunId,
    contractor: ContractorId,
    failure: &SyncFailure,
) -> StoreResult<()> {
    let w = Writer {
        org,
        run: Some(run),
        now: Utc::now(),
    };
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "SELECT ciq_campaign_id, ciq_publisher_id FROM contractors WHERE org_id = $1 AND id = $2",
    )
    .bind(org.0)
    .bind(contractor.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound("contractor"))?;
    let campaign: i64 = row.get("ciq_campaign_id");
    let publisher: i64 = row.get("ciq_publisher_id");
    let stored = stored_rows(&mut tx, org, campaign, Some(publisher)).await?;
    if let Some(row) = stored.first() {
        execute(&mut tx, w, &plan_row_failure(row, failure)).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn remove_missing_campaigns(
    pool: &SqlitePool,
    org: OrgId,
    run: SyncRunId,
    present: &[i64],
) -> StoreResult<ApplyOutcome> {
    let w = Writer {
        org,
        run: Some(run),
        now: Utc::now(),
    };
    let present: HashSet<i64> = present.iter().copied().collect();
    let mut out = ApplyOutcome::default();
    let mut tx = pool.begin().await?;
    // Take the write lock first (see begin_sync_run).
    sqlx::query("UPDATE campaigns SET sync_state = sync_state WHERE org_id = $1 AND 1 = 0")
        .bind(org.0)
        .execute(&mut *tx)
        .await?;
    let known: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT ciq_campaign_id FROM contractors WHERE org_id = $1 AND status <> 'removed'",
    )
    .bind(org.0)
    .fetch_all(&mut *tx)
    .await?;
    for campaign in known.into_iter().filter(|c| !present.contains(c)) {
        let stored = stored_rows(&mut tx, org, campaign, None).await?;
        let plan = plan_campaign_removed(campaign, &stored);
        execute(&mut tx, w, &plan).await?;
        out.statuses.merge(&plan.outcome.statuses);
        out.rows_changed += plan.outcome.rows_changed;
        out.links_issued += plan.outcome.links_issued;
        out.links_expired += plan.outcome.links_expired;
    }
    tx.commit().await?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Contractor reads
// ---------------------------------------------------------------------------------------------

const CONTRACTOR_SELECT: &str =
    "SELECT k.id, k.org_id, k.ciq_campaign_id, c.name AS campaign_name, \
    k.ciq_publisher_id, k.status, k.creator_name, k.email, k.ciq_status, k.work_state, \
    k.home_state, k.base_pay_cents, k.payment_amount_cents, k.agency_pay, k.coverage_start, \
    k.coverage_end, k.failures, k.warnings, k.fields, k.error_code, k.error_message, \
    k.first_seen_at, k.updated_at, k.last_synced_at, k.last_run_id \
    FROM contractors k LEFT JOIN campaigns c \
    ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id";

pub(super) fn contractor_from_row(r: &SqliteRow) -> StoreResult<Contractor> {
    let error = match (
        r.get::<Option<String>, _>("error_code"),
        r.get::<Option<String>, _>("error_message"),
    ) {
        (Some(code), Some(message)) => Some(SyncFailure { code, message }),
        _ => None,
    };
    Ok(Contractor {
        id: ContractorId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        ciq_campaign_id: r.get("ciq_campaign_id"),
        campaign_name: r.get("campaign_name"),
        ciq_publisher_id: r.get("ciq_publisher_id"),
        status: status_of(r.get("status"))?,
        creator_name: r.get("creator_name"),
        email: r.get("email"),
        ciq_status: r.get("ciq_status"),
        work_state: r.get("work_state"),
        home_state: r.get("home_state"),
        base_pay_cents: r.get("base_pay_cents"),
        payment_amount_cents: r.get("payment_amount_cents"),
        agency_pay: r.get("agency_pay"),
        coverage_start: r.get("coverage_start"),
        coverage_end: r.get("coverage_end"),
        failures: from_json(r.get("failures"), "failures")?,
        warnings: from_json(r.get("warnings"), "warnings")?,
        fields: from_json(r.get("fields"), "fields")?,
        error,
        first_seen_at: r.get("first_seen_at"),
        updated_at: r.get("updated_at"),
        last_synced_at: r.get("last_synced_at"),
        last_run_id: r.get::<Option<i64>, _>("last_run_id").map(SyncRunId),
    })
}

pub(super) async fn contractor(
    pool: &SqlitePool,
    org: OrgId,
    id: ContractorId,
) -> StoreResult<Option<Contractor>> {
    let sql = format!("{CONTRACTOR_SELECT} WHERE k.org_id = $1 AND k.id = $2");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(contractor_from_row).transpose()
}

pub(super) async fn contractor_by_ciq_ids(
    pool: &SqlitePool,
    org: OrgId,
    campaign: i64,
    publisher: i64,
) -> StoreResult<Option<Contractor>> {
    let sql = format!(
        "{CONTRACTOR_SELECT} WHERE k.org_id = $1 AND k.ciq_campaign_id = $2 \
         AND k.ciq_publisher_id = $3"
    );
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(campaign)
        .bind(publisher)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(contractor_from_row).transpose()
}

pub(super) async fn contractors_for_publisher(
    pool: &SqlitePool,
    org: OrgId,
    publisher: i64,
) -> StoreResult<Vec<Contractor>> {
    let sql = format!(
        "{CONTRACTOR_SELECT} WHERE k.org_id = $1 AND k.ciq_publisher_id = $2 ORDER BY k.id"
    );
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(publisher)
        .fetch_all(pool)
        .await?;
    rows.iter().map(contractor_from_row).collect()
}

pub(super) async fn contractor_status_counts(
    pool: &SqlitePool,
    org: OrgId,
) -> StoreResult<StatusCounts> {
    let rows = sqlx::query(
        "SELECT status, COUNT(*) AS n FROM contractors WHERE org_id = $1 GROUP BY status",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    let mut counts = StatusCounts::default();
    for r in rows {
        counts.add(status_of(r.get("status"))?, u(&r, "n"));
    }
    Ok(counts)
}

pub(super) async fn contractor_history(
    pool: &SqlitePool,
    org: OrgId,
    id: ContractorId,
    limit: u32,
) -> StoreResult<Vec<ContractorEvent>> {
    let rows = sqlx::query(
        "SELECT at, run_id, status, previous_status, summary FROM contractor_events \
         WHERE org_id = $1 AND contractor_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(org.0)
    .bind(id.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ContractorEvent {
                at: r.get("at"),
                run_id: r.get::<Option<i64>, _>("run_id").map(SyncRunId),
                status: status_of(r.get("status"))?,
                previous_status: r
                    .get::<Option<String>, _>("previous_status")
                    .as_deref()
                    .map(status_of)
                    .transpose()?,
                summary: r.get("summary"),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------------

const LINK_SELECT: &str = "SELECT id, org_id, contractor_id, token, state, fingerprint, \
    created_at, created_run_id, created_reason, opened_at, submitted_at, expired_at, retired_at, \
    retired_reason FROM application_links";

fn link_from_row(r: &SqliteRow) -> StoreResult<ApplicationLink> {
    let state: String = r.get("state");
    Ok(ApplicationLink {
        id: LinkId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        contractor_id: ContractorId(r.get("contractor_id")),
        token: LinkToken::from_stored(r.get("token")),
        state: LinkState::parse(&state).ok_or_else(|| corrupt(format!("link state {state}")))?,
        fingerprint: r.get("fingerprint"),
        created_at: r.get("created_at"),
        created_run_id: r.get::<Option<i64>, _>("created_run_id").map(SyncRunId),
        created_reason: r.get("created_reason"),
        opened_at: r.get("opened_at"),
        submitted_at: r.get("submitted_at"),
        expired_at: r.get("expired_at"),
        retired_at: r.get("retired_at"),
        retired_reason: r
            .get::<Option<String>, _>("retired_reason")
            .as_deref()
            .and_then(RetireReason::parse),
    })
}

pub(super) async fn current_link(
    pool: &SqlitePool,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<Option<ApplicationLink>> {
    let sql =
        format!("{LINK_SELECT} WHERE org_id = $1 AND contractor_id = $2 AND retired_at IS NULL");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(link_from_row).transpose()
}

pub(super) async fn link_history(
    pool: &SqlitePool,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<Vec<ApplicationLink>> {
    let sql = format!("{LINK_SELECT} WHERE org_id = $1 AND contractor_id = $2 ORDER BY id DESC");
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(link_from_row).collect()
}

pub(super) async fn regenerate_link(
    pool: &SqlitePool,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<ApplicationLink> {
    let w = Writer {
        org,
        run: None,
        now: Utc::now(),
    };
    let mut tx = pool.begin().await?;
    // Touch the row first: takes the write lock and checks it belongs to the organization.
    let publisher: Option<(i64, i64)> = sqlx::query_as(
        "UPDATE contractors SET updated_at = updated_at WHERE org_id = $1 AND id = $2 \
         RETURNING ciq_campaign_id, ciq_publisher_id",
    )
    .bind(org.0)
    .bind(contractor.0)
    .fetch_optional(&mut *tx)
    .await?;
    let (campaign, publisher) = publisher.ok_or(StoreError::NotFound("contractor"))?;
    let stored = stored_rows(&mut tx, org, campaign, Some(publisher)).await?;
    let row = stored.first().ok_or(StoreError::NotFound("contractor"))?;
    let plan = plan_link_regeneration(row).map_err(|r| StoreError::Invalid(r.message()))?;
    execute(&mut tx, w, &plan).await?;
    let sql =
        format!("{LINK_SELECT} WHERE org_id = $1 AND contractor_id = $2 AND retired_at IS NULL");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_one(&mut *tx)
        .await?;
    let link = link_from_row(&row)?;
    tx.commit().await?;
    Ok(link)
}

pub(super) async fn link_by_token(
    pool: &SqlitePool,
    token: &LinkToken,
) -> StoreResult<Option<PublicLink>> {
    let sql = format!("{LINK_SELECT} WHERE token = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(token.expose())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let link = link_from_row(&row)?;
    let contractor = contractor(pool, link.org_id, link.contractor_id)
        .await?
        .ok_or(StoreError::NotFound("contractor"))?;
    Ok(Some(PublicLink { link, contractor }))
}

pub(super) async fn mark_link(
    pool: &SqlitePool,
    token: &LinkToken,
    to: LinkState,
) -> StoreResult<Option<LinkState>> {
    let sql = match to {
        LinkState::Opened => {
            "UPDATE application_links SET state = 'opened', opened_at = $1 \
             WHERE token = $2 AND retired_at IS NULL AND state = 'active'"
        }
        LinkState::Submitted => {
            "UPDATE application_links SET state = 'submitted', submitted_at = $1, \
             opened_at = COALESCE(opened_at, $1) \
             WHERE token = $2 AND retired_at IS NULL AND state IN ('active', 'opened')"
        }
        _ => {
            return Err(StoreError::Invalid(
                "links can only be marked opened or submitted",
            ))
        }
    };
    sqlx::query(sql)
        .bind(Utc::now())
        .bind(token.expose())
        .execute(pool)
        .await?;
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM application_links WHERE token = $1")
            .bind(token.expose())
            .fetch_optional(pool)
            .await?;
    state
        .map(|s| LinkState::parse(&s).ok_or_else(|| corrupt(format!("link state {s}"))))
        .transpose()
}
