//! a sync's writes. The rows of a campaign are loaded, [`crate::sync::writes`] decides
//! what to write, and [`execute`] runs that plan in the caller's transaction.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Conn, Db, Pool};

use super::super::*;
use super::{corrupt, json, json_text, status_of};
use crate::links::{LinkState, RetireReason};
use crate::store::compact::FieldsToStore;
use crate::sync::writes::{
    plan_campaign_failure, plan_campaign_removed, plan_campaign_sync, plan_row_failure,
    rows_needed, RowRef, StoredLink, StoredRow, Write, WritePlan,
};

async fn upsert_campaign(
    conn: &mut Conn,
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
    .bind(
        if failure.is_some() {
            CampaignState::Error
        } else {
            CampaignState::Ok
        }
        .as_str(),
    )
    .bind(failure.map(|f| f.code.as_str()))
    .bind(failure.map(|f| f.message.as_str()))
    .bind(if failure.is_some() { None } else { Some(now) })
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The stored rows of a campaign (or of one creator on it) as the planner needs them.
pub(super) async fn stored_rows(
    conn: &mut Conn,
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
pub(super) struct Writer {
    pub(super) org: OrgId,
    pub(super) run: Option<SyncRunId>,
    pub(super) now: DateTime<Utc>,
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

/// Rewrites a stored row from `update`.
async fn rewrite_row(
    conn: &mut Conn,
    w: Writer,
    update: &ContractorUpdate,
    hash: &str,
) -> StoreResult<()> {
    let sql = "UPDATE contractors SET status = $1, creator_name = $2, email = $3, \
               search_text = $4, sort_name = $5, ciq_status = $6, work_state = $7, \
               home_state = $8, base_pay_cents = $9, payment_amount_cents = $10, \
               agency_pay = $11, coverage_start = $12, coverage_end = $13, failures = $14, \
               warnings = $15, fields = $16, error_code = NULL, error_message = NULL, \
               content_hash = $17, updated_at = $18 \
               WHERE org_id = $19 AND ciq_campaign_id = $20 AND ciq_publisher_id = $21";
    let written = sqlx::query(sql)
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
        .bind(json_text(&FieldsToStore(&update.fields))?)
        .bind(hash)
        .bind(w.now)
        .bind(w.org.0)
        .bind(update.ciq_campaign_id)
        .bind(update.ciq_publisher_id)
        .execute(&mut *conn)
        .await?;
    if written.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Invalid(
            "a plan rewrote a row that is not stored",
        ))
    }
}

/// Retires the row's current link, which ends in `state`.
async fn retire_link(
    conn: &mut Conn,
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

/// Rows per multi-row statement (well under both backends' bound-parameter limits).
const CHUNK: usize = 400;

/// Records that this run read `rows` from CreatorIQ, with their new status (migration 0015).
async fn record_seen(
    conn: &mut Conn,
    w: Writer,
    rows: &[(ContractorId, ContractorStatus)],
) -> StoreResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO contractor_seen (contractor_id, org_id, status, last_synced_at, \
             last_run_id) ",
        );
        q.push_values(chunk, |mut b, (id, status)| {
            b.push_bind(id.0)
                .push_bind(w.org.0)
                .push_bind(status.as_str())
                .push_bind(w.now)
                .push_bind(w.run.map(|r| r.0));
        });
        q.push(
            " ON CONFLICT (contractor_id) DO UPDATE SET status = excluded.status, \
             last_synced_at = excluded.last_synced_at, last_run_id = excluded.last_run_id",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// A row's new status without a successful read (an error, or gone from CreatorIQ): the time it
/// was last read stays, the run is recorded.
async fn seen_status(
    conn: &mut Conn,
    w: Writer,
    id: ContractorId,
    status: ContractorStatus,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE contractor_seen SET status = $1, last_run_id = $2 \
         WHERE org_id = $3 AND contractor_id = $4",
    )
    .bind(status.as_str())
    .bind(w.run.map(|r| r.0))
    .bind(w.org.0)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Executes a plan of [`crate::sync::writes`] in the caller's transaction. Writes of the same
/// kind go out together (one statement per chunk, not per row); the phases keep every order
/// the plan relies on: rows exist before their links, errors and history; a link is retired
/// before its replacement is issued.
pub(super) async fn execute(conn: &mut Conn, w: Writer, plan: &WritePlan) -> StoreResult<()> {
    let org = w.org.0;
    let mut touched = Vec::new();
    // Rows this run read from CreatorIQ (rewritten or new), with their status.
    let mut seen_rows: Vec<(ContractorId, ContractorStatus)> = Vec::new();
    let mut new_rows: Vec<(&ContractorUpdate, &str)> = Vec::new();
    for write in &plan.writes {
        match write {
            Write::Campaign { record, failure } => {
                upsert_campaign(conn, w.org, record, failure.as_ref(), w.now).await?;
            }
            Write::Touch(id) => touched.push(id.0),
            Write::PutRow {
                row: RowRef::Stored(id),
                update,
                content_hash,
            } => {
                rewrite_row(conn, w, update, content_hash).await?;
                seen_rows.push((*id, update.status));
            }
            Write::PutRow {
                row: RowRef::New { .. },
                update,
                content_hash,
            } => new_rows.push((update, content_hash)),
            _ => {}
        }
    }
    for ids in touched.chunks(CHUNK) {
        // Only the narrow table: the row itself is unchanged (migration 0015). `+org_id`: the
        // organization is checked on each row found by id, never used to find rows. Without the
        // `+`, SQLite (no statistics) walked the organization's index for every chunk, and an
        // unchanged re-run grew with the square of the row count.
        let mut q = sqlx::QueryBuilder::<Db>::new("UPDATE contractor_seen SET last_synced_at = ");
        q.push_bind(w.now)
            .push(", last_run_id = ")
            .push_bind(w.run.map(|r| r.0))
            .push(" WHERE +org_id = ")
            .push_bind(org)
            .push(" AND contractor_id IN (");
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut *conn).await?;
    }
    let created = insert_rows(conn, w, &new_rows).await?;
    let resolve = |row: RowRef| match row {
        RowRef::Stored(id) => Ok(id),
        RowRef::New { ciq_publisher_id } => {
            created
                .get(&ciq_publisher_id)
                .copied()
                .ok_or(StoreError::Invalid(
                    "a plan wrote about a row it did not create",
                ))
        }
    };
    for (update, _) in &new_rows {
        let ciq_publisher_id = update.ciq_publisher_id;
        seen_rows.push((resolve(RowRef::New { ciq_publisher_id })?, update.status));
    }
    record_seen(conn, w, &seen_rows).await?;

    let mut issued = Vec::new();
    let mut events = Vec::new();
    for write in &plan.writes {
        match write {
            Write::MarkError { row, failure } => {
                let id = resolve(*row)?;
                sqlx::query(
                    "UPDATE contractors SET status = $6, error_code = $1, error_message = $2, \
                     updated_at = $3 WHERE org_id = $4 AND id = $5",
                )
                .bind(&failure.code)
                .bind(&failure.message)
                .bind(w.now)
                .bind(org)
                .bind(id.0)
                .bind(ContractorStatus::Error.as_str())
                .execute(&mut *conn)
                .await?;
                seen_status(conn, w, id, ContractorStatus::Error).await?;
            }
            Write::MarkRemoved(id) => {
                sqlx::query(
                    "UPDATE contractors SET status = $4, error_code = NULL, \
                     error_message = NULL, updated_at = $1 WHERE org_id = $2 AND id = $3",
                )
                .bind(w.now)
                .bind(org)
                .bind(id.0)
                .bind(ContractorStatus::Removed.as_str())
                .execute(&mut *conn)
                .await?;
                seen_status(conn, w, *id, ContractorStatus::Removed).await?;
            }
            Write::RetireLink { row, reason, state } => {
                retire_link(conn, w, *row, *reason, *state).await?;
            }
            Write::IssueLink {
                row,
                fingerprint,
                reason,
            } => issued.push((resolve(*row)?, fingerprint.as_str(), reason.as_str())),
            Write::Event {
                row,
                status,
                previous,
                summary,
            } => events.push((resolve(*row)?, *status, *previous, summary.as_str())),
            _ => {}
        }
    }
    for chunk in issued.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO application_links (org_id, contractor_id, token, state, fingerprint, \
             created_at, created_run_id, created_reason) ",
        );
        q.push_values(chunk, |mut b, (id, fingerprint, reason)| {
            b.push_bind(org)
                .push_bind(id.0)
                .push_bind(LinkToken::generate().expose().to_string())
                .push_bind(LinkState::Active.as_str())
                .push_bind(*fingerprint)
                .push_bind(w.now)
                .push_bind(w.run.map(|r| r.0))
                .push_bind(*reason);
        });
        q.build().execute(&mut *conn).await?;
    }
    for chunk in events.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO contractor_events (org_id, contractor_id, run_id, at, status, \
             previous_status, summary) ",
        );
        q.push_values(chunk, |mut b, (id, status, previous, summary)| {
            b.push_bind(org)
                .push_bind(id.0)
                .push_bind(w.run.map(|r| r.0))
                .push_bind(w.now)
                .push_bind(status.as_str())
                .push_bind(previous.map(|p| p.as_str()))
                .push_bind(*summary);
        });
        q.build().execute(&mut *conn).await?;
    }
    for write in &plan.writes {
        if let Write::CampaignRemoved { ciq_campaign_id } = write {
            sqlx::query(
                "UPDATE campaigns SET sync_state = $4, last_attempt_at = $1 \
                 WHERE org_id = $2 AND ciq_campaign_id = $3",
            )
            .bind(w.now)
            .bind(org)
            .bind(ciq_campaign_id)
            .bind(CampaignState::Removed.as_str())
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Inserts new rows, a chunk per statement; returns their ids by creator.
async fn insert_rows(
    conn: &mut Conn,
    w: Writer,
    rows: &[(&ContractorUpdate, &str)],
) -> StoreResult<HashMap<i64, ContractorId>> {
    let mut created = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(CHUNK / 2) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO contractors (status, creator_name, email, search_text, sort_name, \
             ciq_status, work_state, home_state, base_pay_cents, payment_amount_cents, agency_pay, \
             coverage_start, coverage_end, failures, warnings, fields, content_hash, updated_at, \
             org_id, ciq_campaign_id, ciq_publisher_id, first_seen_at) ",
        );
        let mut encoded = Vec::with_capacity(chunk.len());
        for (update, _) in chunk {
            encoded.push((
                json(&update.failures)?,
                json(&update.warnings)?,
                json_text(&FieldsToStore(&update.fields))?,
            ));
        }
        q.push_values(
            chunk.iter().zip(encoded),
            |mut b, ((update, hash), json)| {
                let (failures, warnings, fields) = json;
                b.push_bind(update.status.as_str())
                    .push_bind(update.creator_name.clone())
                    .push_bind(update.email.clone())
                    .push_bind(search_text(update))
                    .push_bind(update.creator_name.as_deref().unwrap_or("").to_lowercase())
                    .push_bind(update.ciq_status.clone())
                    .push_bind(update.work_state.clone())
                    .push_bind(update.home_state.clone())
                    .push_bind(update.base_pay_cents)
                    .push_bind(update.payment_amount_cents)
                    .push_bind(update.agency_pay)
                    .push_bind(update.coverage_start)
                    .push_bind(update.coverage_end)
                    .push_bind(failures)
                    .push_bind(warnings)
                    .push_bind(fields)
                    .push_bind(hash.to_string())
                    .push_bind(w.now)
                    .push_bind(w.org.0)
                    .push_bind(update.ciq_campaign_id)
                    .push_bind(update.ciq_publisher_id)
                    .push_bind(w.now);
            },
        );
        q.push(" RETURNING id, ciq_publisher_id");
        let ids = q.build().fetch_all(&mut *conn).await?;
        for r in ids {
            created.insert(r.get::<i64, _>(1), ContractorId(r.get::<i64, _>(0)));
        }
    }
    Ok(created)
}

pub(super) async fn apply_campaign_sync(
    pool: &Pool,
    org: OrgId,
    run: SyncRunId,
    sync: &CampaignSync,
) -> StoreResult<ApplyOutcome> {
    let w = Writer {
        org,
        run: Some(run),
        now: Utc::now(),
    };
    let mut tx = super::begin_sync_write(pool).await?;
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
    pool: &Pool,
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
    let mut tx = super::begin_sync_write(pool).await?;
    let stored = stored_rows(&mut tx, org, campaign.ciq_campaign_id, None).await?;
    let plan = plan_campaign_failure(campaign, &stored, failure);
    execute(&mut tx, w, &plan).await?;
    tx.commit().await?;
    Ok(plan.outcome.statuses.error)
}

pub(super) async fn record_row_failure(
    pool: &Pool,
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
    let mut tx = super::begin(pool).await?;
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

/// Which campaigns' rows to mark removed.
pub(super) enum Removal<'a> {
    /// Every campaign with rows that is not in this list (CreatorIQ's full campaign list).
    AllBut(&'a [i64]),
    /// This one (CreatorIQ deleted it).
    One(i64),
}

pub(super) async fn remove_campaigns(
    pool: &Pool,
    org: OrgId,
    run: SyncRunId,
    which: Removal<'_>,
) -> StoreResult<ApplyOutcome> {
    let w = Writer {
        org,
        run: Some(run),
        now: Utc::now(),
    };
    let mut out = ApplyOutcome::default();
    let mut tx = super::begin(pool).await?;
    // One writer per organization at a time (see begin_sync_run).
    super::lock_organization(&mut tx, org).await?;
    let known: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT ciq_campaign_id FROM contractors WHERE org_id = $1 AND status <> $2",
    )
    .bind(org.0)
    .bind(ContractorStatus::Removed.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let gone: Vec<i64> = match which {
        Removal::AllBut(present) => {
            let present: HashSet<i64> = present.iter().copied().collect();
            known.into_iter().filter(|c| !present.contains(c)).collect()
        }
        Removal::One(id) => known.into_iter().filter(|c| *c == id).collect(),
    };
    for campaign in gone {
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
