//! a sync's writes: the unit of work ([`WriteUnit`]) that reads a campaign's stored rows and
//! executes the plan the planner made of them, in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{corrupt, json_text, status_of, Conn, Db, Dialect, Pool, ThisStore};

use super::super::*;
use crate::links::{LinkState, RetireReason};
use crate::store::compact::FieldsToStore;

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
    rows: &[(ContractorId, &ContractorUpdate)],
) -> StoreResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO contractor_seen (contractor_id, org_id, status, last_synced_at, \
             last_run_id) ",
        );
        q.push_values(chunk, |mut b, (id, update)| {
            b.push_bind(id.0)
                .push_bind(w.org.0)
                .push_bind(update.status.as_str())
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

/// A row's new status without a successful read (an error, or gone from CreatorIQ), copied to
/// the narrow tables that repeat it: the time it was last read stays, the run is recorded, and
/// its problem rows move to the new status (their counts follow by trigger).
async fn copy_status(
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
    sqlx::query("UPDATE contractor_problems SET status = $1 WHERE contractor_id = $2")
        .bind(status.as_str())
        .bind(id.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the problem rows (one per failing rule or warning code) of rows whose content was
/// written: `replaced` lists the rows that had some before.
async fn write_problems(
    conn: &mut Conn,
    w: Writer,
    replaced: &[i64],
    rows: &[(ContractorId, &ContractorUpdate)],
) -> StoreResult<()> {
    for ids in replaced.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "DELETE FROM contractor_problems WHERE contractor_id IN (",
        );
        let mut list = q.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        q.push(")");
        q.build().execute(&mut *conn).await?;
    }
    let problems: Vec<(ContractorId, &ContractorUpdate, &'static str)> = rows
        .iter()
        .flat_map(|(id, update)| {
            update
                .problem_codes()
                .into_iter()
                .map(move |code| (*id, *update, code))
        })
        .collect();
    for chunk in problems.chunks(CHUNK) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO contractor_problems (contractor_id, code, org_id, ciq_campaign_id, \
             status) ",
        );
        q.push_values(chunk, |mut b, (id, update, code)| {
            b.push_bind(id.0)
                .push_bind(*code)
                .push_bind(w.org.0)
                .push_bind(update.ciq_campaign_id)
                .push_bind(update.status.as_str());
        });
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Executes a [`WritePlan`] in the unit's transaction. Writes of the same
/// kind go out together (one statement per chunk, not per row); the phases keep every order
/// the plan relies on: rows exist before their links, errors and history; a link is retired
/// before its replacement is issued.
pub(super) async fn execute(conn: &mut Conn, w: Writer, plan: &WritePlan) -> StoreResult<()> {
    let org = w.org.0;
    let mut touched = Vec::new();
    // Rows whose content is written (rewritten or new), and those of them already stored.
    let mut put_rows: Vec<(&ContractorUpdate, &str)> = Vec::new();
    let mut replaced: Vec<i64> = Vec::new();
    for write in &plan.writes {
        match write {
            Write::Campaign { record, failure } => {
                upsert_campaign(conn, w.org, record, failure.as_ref(), w.now).await?;
            }
            Write::Touch(id) => touched.push(id.0),
            Write::PutRow {
                row,
                update,
                content_hash,
            } => {
                if let RowRef::Stored(id) = row {
                    replaced.push(id.0);
                }
                put_rows.push((update, content_hash));
            }
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
    let created = put_rows_in(conn, w, &put_rows).await?;
    let resolve = |row: RowRef| match row {
        RowRef::Stored(id) => Ok(id),
        RowRef::New { ciq_publisher_id } => {
            created
                .get(&ciq_publisher_id)
                .copied()
                .ok_or(StoreError::Invalid(
                    "a plan wrote about a row it did not write",
                ))
        }
    };
    // The rows this run read from CreatorIQ and wrote, by id.
    let mut written: Vec<(ContractorId, &ContractorUpdate)> = Vec::with_capacity(put_rows.len());
    for (update, _) in &put_rows {
        let ciq_publisher_id = update.ciq_publisher_id;
        written.push((resolve(RowRef::New { ciq_publisher_id })?, update));
    }
    record_seen(conn, w, &written).await?;
    write_problems(conn, w, &replaced, &written).await?;

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
                copy_status(conn, w, id, ContractorStatus::Error).await?;
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
                copy_status(conn, w, *id, ContractorStatus::Removed).await?;
            }
            Write::RetireLink { row, reason, state } => {
                retire_link(conn, w, *row, *reason, *state).await?;
            }
            Write::StopMessages { row, reason } => {
                super::outreach::cancel_row_messages(&mut *conn, w.org, *row, *reason).await?;
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
    let mut new_links: HashMap<ContractorId, LinkId> = HashMap::with_capacity(issued.len());
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
        q.push(" RETURNING id, contractor_id");
        for r in q.build().fetch_all(&mut *conn).await? {
            new_links.insert(ContractorId(r.get::<i64, _>(1)), LinkId(r.get::<i64, _>(0)));
        }
    }
    queue_first_messages(conn, w, plan, &resolve, &new_links).await?;
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

/// Queues the first messages the plan asks for, about the links it issued.
async fn queue_first_messages(
    conn: &mut Conn,
    w: Writer,
    plan: &WritePlan,
    resolve: &(dyn Fn(RowRef) -> StoreResult<ContractorId> + Sync),
    new_links: &HashMap<ContractorId, LinkId>,
) -> StoreResult<()> {
    let mut wanted = Vec::new();
    let mut ask_contacted = Vec::new();
    for write in &plan.writes {
        if let Write::QueueFirstMessages {
            row,
            channels,
            only_if_contacted,
        } = write
        {
            let id = resolve(*row)?;
            let link = *new_links.get(&id).ok_or(StoreError::Invalid(
                "a plan queued a message about a link it did not issue",
            ))?;
            if *only_if_contacted {
                ask_contacted.push(id);
            }
            wanted.push((id, link, channels, *only_if_contacted));
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let contacted = super::outreach::contacted_rows(&mut *conn, w.org, &ask_contacted).await?;
    let messages: Vec<NewMessage> = wanted
        .into_iter()
        .filter(|(id, _, _, only_if)| !only_if || contacted.contains(id))
        .flat_map(|(id, link, channels, _)| {
            channels
                .iter()
                .map(move |channel| NewMessage::first(id, link, *channel, w.now, None))
        })
        .collect();
    super::outreach::insert_messages(&mut *conn, w.org, &messages, w.now).await?;
    Ok(())
}

/// Writes rows' content, a chunk per statement: inserts new ones, rewrites stored ones (keeping
/// when they were first seen, clearing any error). Returns every written row's id by creator.
async fn put_rows_in(
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
             coverage_types, premium_general_cents, premium_workers_comp_cents, \
             platform_fee_cents, po_number, po_contact_email, po_contact_name, org_id, \
             ciq_campaign_id, ciq_publisher_id, first_seen_at) ",
        );
        let mut encoded = Vec::with_capacity(chunk.len());
        for (update, _) in chunk {
            encoded.push((
                ThisStore::json(&update.failures)?,
                ThisStore::json(&update.warnings)?,
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
                    .push_bind(update.estimate.map(|e| e.coverage.as_str()))
                    .push_bind(update.estimate.and_then(|e| e.general_cents))
                    .push_bind(update.estimate.and_then(|e| e.workers_comp_cents))
                    .push_bind(update.estimate.map(|e| e.platform_fee_cents))
                    .push_bind(update.po.number.clone())
                    .push_bind(update.po.contact_email.clone())
                    .push_bind(update.po.contact_name.clone())
                    .push_bind(w.org.0)
                    .push_bind(update.ciq_campaign_id)
                    .push_bind(update.ciq_publisher_id)
                    .push_bind(w.now);
            },
        );
        q.push(
            " ON CONFLICT (org_id, ciq_campaign_id, ciq_publisher_id) DO UPDATE SET \
             status = excluded.status, creator_name = excluded.creator_name, \
             email = excluded.email, search_text = excluded.search_text, \
             sort_name = excluded.sort_name, ciq_status = excluded.ciq_status, \
             work_state = excluded.work_state, home_state = excluded.home_state, \
             base_pay_cents = excluded.base_pay_cents, \
             payment_amount_cents = excluded.payment_amount_cents, \
             agency_pay = excluded.agency_pay, coverage_start = excluded.coverage_start, \
             coverage_end = excluded.coverage_end, failures = excluded.failures, \
             warnings = excluded.warnings, fields = excluded.fields, error_code = NULL, \
             error_message = NULL, content_hash = excluded.content_hash, \
             updated_at = excluded.updated_at, coverage_types = excluded.coverage_types, \
             premium_general_cents = excluded.premium_general_cents, \
             premium_workers_comp_cents = excluded.premium_workers_comp_cents, \
             platform_fee_cents = excluded.platform_fee_cents, \
             po_number = excluded.po_number, po_contact_email = excluded.po_contact_email, \
             po_contact_name = excluded.po_contact_name \
             RETURNING id, ciq_publisher_id",
        );
        let ids = q.build().fetch_all(&mut *conn).await?;
        for r in ids {
            created.insert(r.get::<i64, _>(1), ContractorId(r.get::<i64, _>(0)));
        }
    }
    Ok(created)
}

/// One transaction of writes ([`WriteUnit`]).
pub(super) struct Unit {
    tx: sqlx::Transaction<'static, Db>,
    w: Writer,
}

pub(super) async fn begin_writes(
    pool: &Pool,
    org: OrgId,
    run: Option<SyncRunId>,
    durability: Durability,
) -> StoreResult<Box<dyn WriteUnit>> {
    let tx = match durability {
        Durability::Full => ThisStore::begin(pool).await?,
        Durability::Relaxed => ThisStore::begin_sync_write(pool).await?,
    };
    let w = Writer {
        org,
        run,
        now: Utc::now(),
    };
    Ok(Box::new(Unit { tx, w }))
}

#[async_trait::async_trait]
impl WriteUnit for Unit {
    async fn lock_organization(&mut self) -> StoreResult<()> {
        ThisStore::lock_organization(&mut self.tx, self.w.org).await
    }

    async fn stored_rows(
        &mut self,
        ciq_campaign_id: i64,
        only_publisher: Option<i64>,
    ) -> StoreResult<Vec<StoredRow>> {
        stored_rows(&mut self.tx, self.w.org, ciq_campaign_id, only_publisher).await
    }

    async fn lock_row(&mut self, contractor: ContractorId) -> StoreResult<Option<(i64, i64)>> {
        // A no-op update takes the row's write lock (SQLite already holds the database's).
        Ok(sqlx::query_as(
            "UPDATE contractors SET updated_at = updated_at WHERE org_id = $1 AND id = $2 \
             RETURNING ciq_campaign_id, ciq_publisher_id",
        )
        .bind(self.w.org.0)
        .bind(contractor.0)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn campaigns_with_live_rows(&mut self) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT ciq_campaign_id FROM contractors WHERE org_id = $1 AND status <> $2",
        )
        .bind(self.w.org.0)
        .bind(ContractorStatus::Removed.as_str())
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn execute(&mut self, plan: &WritePlan) -> StoreResult<()> {
        execute(&mut self.tx, self.w, plan).await
    }

    async fn current_link(
        &mut self,
        contractor: ContractorId,
    ) -> StoreResult<Option<ApplicationLink>> {
        super::links::current_link(&mut *self.tx, self.w.org, contractor).await
    }

    async fn outreach_settings(&mut self) -> StoreResult<OutreachSettingsRecord> {
        super::outreach::outreach_settings(&mut *self.tx, self.w.org).await
    }

    async fn commit(self: Box<Self>) -> StoreResult<()> {
        Ok(self.tx.commit().await?)
    }
}

#[async_trait::async_trait]
impl SyncWrites for ThisStore {
    async fn begin_writes(
        &self,
        org: OrgId,
        run: Option<SyncRunId>,
        durability: Durability,
    ) -> StoreResult<Box<dyn WriteUnit>> {
        begin_writes(&self.pool, org, run, durability).await
    }
}
