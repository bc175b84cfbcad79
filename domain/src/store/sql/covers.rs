//! Cover (migration 0024): what a completed application issues, one cover per application with
//! a policy per coverage type, written in the transaction that completes the application (or
//! approves it). The row keeps a copy of its cover (`contractors.cover_id`, `covered_from`,
//! `covered_to`, `cover_cancelled`) so the list reads and filters it from the row alone.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::super::*;
use super::{corrupt, from_json_text, json_text, Db, DbRow, Dialect, Pool, ThisStore};
use crate::cover::{Cover, CoverId, Issue, Policy, PolicyId};
use crate::rating::Limit;
use vocabulary::ContractorStatus;
use vocabulary::{ApplicationId, CoverageKind, LinkId};

type Conn = <Db as sqlx::Database>::Connection;

const COVER_SELECT: &str = "SELECT v.id, v.org_id, v.contractor_id, v.application_id, \
    v.insured_name, v.insured_email, v.work_state, v.ciq_campaign_id, v.campaign_name, \
    v.starts_on, v.ends_on, v.agency_pays, v.platform_fee_cents, v.po_number, \
    v.po_contact_email, v.po_contact_name, v.example_rates, v.issued_at, v.cancelled_at, \
    v.cancelled_by, v.cancel_reason FROM covers v";

fn cover_from_row(r: &DbRow) -> Cover {
    Cover {
        id: CoverId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        contractor_id: ContractorId(r.get("contractor_id")),
        application_id: ApplicationId(r.get("application_id")),
        insured_name: r.get("insured_name"),
        insured_email: r.get("insured_email"),
        work_state: r.get("work_state"),
        ciq_campaign_id: r.get("ciq_campaign_id"),
        campaign_name: r.get("campaign_name"),
        starts_on: r.get("starts_on"),
        ends_on: r.get("ends_on"),
        agency_pays: r.get("agency_pays"),
        platform_fee_cents: r.get("platform_fee_cents"),
        po_number: r.get("po_number"),
        po_contact_email: r.get("po_contact_email"),
        po_contact_name: r.get("po_contact_name"),
        example_rates: r.get("example_rates"),
        issued_at: r.get("issued_at"),
        cancelled_at: r.get("cancelled_at"),
        cancelled_by: r.get("cancelled_by"),
        cancel_reason: r.get("cancel_reason"),
        policies: Vec::new(),
    }
}

/// Loads covers by a `WHERE …` (binding `$1`, `$2` as given) with their policies.
async fn load(
    conn: &mut Conn,
    condition: &str,
    binds: (i64, Option<i64>),
) -> StoreResult<Vec<Cover>> {
    let sql = format!("{COVER_SELECT} {condition}");
    let mut q = sqlx::query(&sql).bind(binds.0);
    if let Some(second) = binds.1 {
        q = q.bind(second);
    }
    let mut covers: Vec<Cover> = q
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(cover_from_row)
        .collect();
    if covers.is_empty() {
        return Ok(covers);
    }
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "SELECT id, cover_id, coverage, premium_cents, limits FROM policies WHERE cover_id IN (",
    );
    let mut ids = q.separated(", ");
    for c in &covers {
        ids.push_bind(c.id.0);
    }
    q.push(") ORDER BY id");
    for r in q.build().fetch_all(&mut *conn).await? {
        let cover_id: i64 = r.get("cover_id");
        let raw: String = r.get("coverage");
        let policy = Policy {
            id: PolicyId(r.get("id")),
            coverage: CoverageKind::parse(&raw)
                .ok_or_else(|| corrupt(format!("policy coverage {raw}")))?,
            premium_cents: r.get("premium_cents"),
            limits: from_json_text::<Vec<Limit>>(r.get("limits"), "limits")?,
        };
        if let Some(c) = covers.iter_mut().find(|c| c.id.0 == cover_id) {
            c.policies.push(policy);
        }
    }
    Ok(covers)
}

/// Issues `issue` for `application` of `contractor`, once: a second call for the same
/// application finds it issued and writes nothing. The row's copy follows.
pub(super) async fn issue(
    conn: &mut Conn,
    org: OrgId,
    contractor: ContractorId,
    application: ApplicationId,
    issue: &Issue,
    now: DateTime<Utc>,
) -> StoreResult<Option<CoverId>> {
    let inserted = sqlx::query(
        "INSERT INTO covers (org_id, contractor_id, application_id, insured_name, insured_email, \
         work_state, ciq_campaign_id, campaign_name, starts_on, ends_on, agency_pays, \
         platform_fee_cents, po_number, po_contact_email, po_contact_name, example_rates, \
         issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17) ON CONFLICT (application_id) DO NOTHING RETURNING id",
    )
    .bind(org.0)
    .bind(contractor.0)
    .bind(application.0)
    .bind(&issue.insured_name)
    .bind(&issue.insured_email)
    .bind(&issue.work_state)
    .bind(issue.ciq_campaign_id)
    .bind(&issue.campaign_name)
    .bind(issue.starts_on)
    .bind(issue.ends_on)
    .bind(issue.agency_pays)
    .bind(issue.platform_fee_cents)
    .bind(&issue.po_number)
    .bind(&issue.po_contact_email)
    .bind(&issue.po_contact_name)
    .bind(issue.example_rates)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = inserted else {
        return Ok(None);
    };
    let id = CoverId(row.get(0));
    for p in &issue.policies {
        sqlx::query(
            "INSERT INTO policies (cover_id, coverage, premium_cents, limits) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id.0)
        .bind(p.coverage.as_str())
        .bind(p.premium_cents)
        .bind(json_text(&p.limits)?)
        .execute(&mut *conn)
        .await?;
    }
    let month = crate::invoice::month_of(now);
    for line in crate::invoice::lines_for(issue) {
        super::invoices::place(conn, org, id, &line, &month, now).await?;
    }
    // A row that had cover keeps its days: its copy spans both covers.
    let had = sqlx::query(
        "SELECT covered_from, covered_to FROM contractors \
         WHERE id = $1 AND cover_id IS NOT NULL AND cover_cancelled = FALSE",
    )
    .bind(contractor.0)
    .fetch_optional(&mut *conn)
    .await?;
    let (mut from, mut to) = (issue.starts_on, issue.ends_on);
    if let Some(r) = had {
        if let (Some(a), Some(b)) = (
            r.get::<Option<NaiveDate>, _>("covered_from"),
            r.get::<Option<NaiveDate>, _>("covered_to"),
        ) {
            (from, to) = (from.min(a), to.max(b));
        }
    }
    copy_to_row(conn, contractor, id, from, to, false).await?;
    // The creator's other rows this cover covers need no application.
    repeat_cover(conn, org, Some(&issue.insured_email)).await?;
    queue_certificate(conn, org, contractor, application, id, now).await?;
    Ok(Some(id))
}

/// Queues the certificate to the creator on every channel their link was sent by (none when
/// the link never went: the creator reached the page another way, and downloads it there).
async fn queue_certificate(
    conn: &mut Conn,
    org: OrgId,
    contractor: ContractorId,
    application: ApplicationId,
    cover: CoverId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let sent = sqlx::query(
        "SELECT DISTINCT m.channel, m.link_id FROM outreach_messages m \
         JOIN applications a ON a.link_id = m.link_id \
         WHERE a.id = $1 AND m.kind = $2 AND m.state = $3",
    )
    .bind(application.0)
    .bind(vocabulary::MessageKind::First.as_str())
    .bind(vocabulary::MessageState::Sent.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let mut messages = Vec::new();
    for r in &sent {
        let raw: String = r.get("channel");
        let channel = vocabulary::Channel::parse(&raw)
            .ok_or_else(|| corrupt(format!("message channel {raw}")))?;
        messages.push(NewMessage::certificate(
            contractor,
            LinkId(r.get("link_id")),
            channel,
            cover,
            now,
        ));
    }
    super::outreach::insert_messages(&mut *conn, org, &messages, now).await?;
    Ok(())
}

async fn copy_to_row(
    conn: &mut Conn,
    contractor: ContractorId,
    cover: CoverId,
    from: NaiveDate,
    to: NaiveDate,
    cancelled: bool,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE contractors SET cover_id = $1, covered_from = $2, covered_to = $3, \
         cover_cancelled = $4, covered_by_policy = NULL WHERE id = $5",
    )
    .bind(cover.0)
    .bind(from)
    .bind(to)
    .bind(cancelled)
    .bind(contractor.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) async fn cancel(
    pool: &Pool,
    org: OrgId,
    id: CoverId,
    by: &str,
    reason: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> StoreResult<CancelOutcome> {
    let mut tx = ThisStore::begin(pool).await?;
    let Some(current) = load(
        &mut tx,
        "WHERE v.id = $1 AND v.org_id = $2",
        (id.0, Some(org.0)),
    )
    .await?
    .pop() else {
        return Ok(CancelOutcome::NotFound);
    };
    if let Err(why) = current.can_cancel(today) {
        return Ok(CancelOutcome::Refused(why));
    }
    sqlx::query(
        "UPDATE covers SET cancelled_at = $1, cancelled_by = $2, cancel_reason = $3 \
         WHERE id = $4 AND cancelled_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    super::invoices::void_cover_lines(&mut tx, id, now).await?;
    // The creator's other rows it covered are not covered any more: they need an application.
    sqlx::query(
        "UPDATE contractors SET cover_id = NULL, covered_from = NULL, covered_to = NULL, \
         covered_by_policy = NULL WHERE cover_id = $1 AND covered_by_policy IS NOT NULL",
    )
    .bind(id.0)
    .execute(&mut *tx)
    .await?;
    // The row it was issued for keeps the covers of it that still stand (the original when
    // the one for moved dates is cancelled, or the other way round); with none, it reads
    // "Cancelled".
    let standing = sqlx::query(
        "SELECT id, starts_on, ends_on FROM covers WHERE contractor_id = $1 \
         AND cancelled_at IS NULL ORDER BY id",
    )
    .bind(current.contractor_id.0)
    .fetch_all(&mut *tx)
    .await?;
    match (standing.first(), standing.last()) {
        (Some(_), Some(newest)) => {
            let from = standing
                .iter()
                .map(|r| r.get::<NaiveDate, _>("starts_on"))
                .min()
                .unwrap_or(current.starts_on);
            let to = standing
                .iter()
                .map(|r| r.get::<NaiveDate, _>("ends_on"))
                .max()
                .unwrap_or(current.ends_on);
            let newest = CoverId(newest.get("id"));
            copy_to_row(&mut tx, current.contractor_id, newest, from, to, false).await?;
        }
        _ => {
            sqlx::query(
                "UPDATE contractors SET cover_id = $1, cover_cancelled = $2, \
                 covered_by_policy = NULL WHERE id = $3",
            )
            .bind(id.0)
            .bind(true)
            .bind(current.contractor_id.0)
            .execute(&mut *tx)
            .await?;
        }
    }
    let after = load(&mut tx, "WHERE v.id = $1", (id.0, None))
        .await?
        .pop()
        .ok_or(StoreError::NotFound("cover"))?;
    tx.commit().await?;
    Ok(CancelOutcome::Cancelled(Box::new(after)))
}

/// Rows that need cover, and of those the ones whose cover stands (as `read_cover` reads
/// "covered", "scheduled" or "expired": issued, not cancelled, no gap).
const CAMPAIGN_ROWS: &str = "SELECT k.ciq_campaign_id, MAX(c.name) AS name, \
    MIN(k.coverage_start) AS starts_on, MAX(k.coverage_end) AS ends_on, COUNT(*) AS creators, \
    SUM(CASE WHEN {stands} THEN 1 ELSE 0 END) AS covered \
    FROM contractors k LEFT JOIN campaigns c \
    ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id \
    WHERE k.org_id = $1 AND k.status IN ($2, $3, $4) GROUP BY k.ciq_campaign_id";

const CAMPAIGN_MONEY: &str = "SELECT v.ciq_campaign_id, \
    CAST(SUM(CASE WHEN l.payer = $2 THEN l.premium_cents ELSE 0 END) AS BIGINT) AS creator, \
    CAST(SUM(CASE WHEN l.payer = $3 THEN l.premium_cents ELSE 0 END) AS BIGINT) AS organization, \
    CAST(SUM(l.fee_cents) AS BIGINT) AS fee, \
    CAST(SUM(CASE WHEN i.id IS NOT NULL AND i.state <> $4 \
    THEN l.premium_cents + l.fee_cents ELSE 0 END) AS BIGINT) AS invoiced, \
    CAST(SUM(CASE WHEN i.state = $5 THEN l.premium_cents + l.fee_cents ELSE 0 END) AS BIGINT) \
    AS paid, \
    CAST(SUM(CASE WHEN i.state IN ($6, $7) THEN l.premium_cents + l.fee_cents ELSE 0 END) \
    AS BIGINT) AS open, \
    CAST(SUM(CASE WHEN l.invoice_id IS NULL THEN l.premium_cents + l.fee_cents ELSE 0 END) \
    AS BIGINT) AS waiting \
    FROM invoice_lines l JOIN covers v ON v.id = l.cover_id \
    LEFT JOIN invoices i ON i.id = l.invoice_id \
    WHERE l.org_id = $1 AND l.voided_at IS NULL GROUP BY v.ciq_campaign_id";

async fn campaign_cover(pool: &Pool, org: OrgId) -> StoreResult<Vec<CampaignCover>> {
    use crate::invoice::{InvoiceState, Payer};
    let sql = CAMPAIGN_ROWS.replace("{stands}", &super::contractors::cover_stands());
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(ContractorStatus::Synced.as_str())
        .bind(ContractorStatus::NeedsAttention.as_str())
        .bind(ContractorStatus::Error.as_str())
        .fetch_all(pool)
        .await?;
    let n =
        |r: &DbRow, c: &str| u64::try_from(r.get::<Option<i64>, _>(c).unwrap_or(0)).unwrap_or(0);
    let mut out: Vec<CampaignCover> = rows
        .iter()
        .map(|r| CampaignCover {
            ciq_campaign_id: r.get("ciq_campaign_id"),
            name: r.get("name"),
            starts_on: r.get("starts_on"),
            ends_on: r.get("ends_on"),
            creators: n(r, "creators"),
            covered: n(r, "covered"),
            ..CampaignCover::default()
        })
        .collect();
    let money = sqlx::query(CAMPAIGN_MONEY)
        .bind(org.0)
        .bind(Payer::Creator.as_str())
        .bind(Payer::Organization.as_str())
        .bind(InvoiceState::Void.as_str())
        .bind(InvoiceState::Paid.as_str())
        .bind(InvoiceState::Open.as_str())
        .bind(InvoiceState::Sent.as_str())
        .fetch_all(pool)
        .await?;
    for r in &money {
        let campaign: i64 = r.get("ciq_campaign_id");
        let cents = |c: &str| r.get::<Option<i64>, _>(c).unwrap_or(0);
        let entry = match out.iter_mut().position(|c| c.ciq_campaign_id == campaign) {
            Some(i) => &mut out[i],
            None => {
                out.push(CampaignCover {
                    ciq_campaign_id: campaign,
                    ..CampaignCover::default()
                });
                out.last_mut().expect("just pushed")
            }
        };
        entry.creator_premium_cents = cents("creator");
        entry.organization_premium_cents = cents("organization");
        entry.fee_cents = cents("fee");
        entry.invoiced_cents = cents("invoiced");
        entry.paid_cents = cents("paid");
        entry.open_cents = cents("open");
        entry.waiting_cents = cents("waiting");
    }
    out.sort_by_key(|c| c.ciq_campaign_id);
    Ok(out)
}

/// Covers the creator's Synced rows that have no cover yet with a policy they already hold
/// (1099Policy's repeat contractors): the same email and work state, every coverage type the
/// row needs, and a window that holds the row's. Only `email`'s rows when given. How many.
pub(super) async fn repeat_cover(
    conn: &mut Conn,
    org: OrgId,
    email: Option<&str>,
) -> StoreResult<u64> {
    use vocabulary::CoverageTypes;
    let only = if email.is_some() {
        " AND v.insured_email = $3"
    } else {
        ""
    };
    let sql = format!(
        "SELECT k.id AS row_id, k.coverage_types, v.id AS cover_id, v.starts_on, v.ends_on \
         FROM covers v JOIN contractors k ON k.org_id = v.org_id AND k.email = v.insured_email \
         AND k.work_state = v.work_state AND k.id <> v.contractor_id \
         WHERE v.org_id = $1 AND v.cancelled_at IS NULL AND k.status = $2 \
         AND k.cover_id IS NULL AND v.starts_on <= k.coverage_start \
         AND v.ends_on >= k.coverage_end{only} ORDER BY k.id, v.id"
    );
    let mut q = sqlx::query(&sql)
        .bind(org.0)
        .bind(ContractorStatus::Synced.as_str());
    if let Some(email) = email {
        q = q.bind(email);
    }
    let candidates = q.fetch_all(&mut *conn).await?;
    let mut covered_rows = std::collections::HashSet::new();
    for r in &candidates {
        let row: i64 = r.get("row_id");
        if covered_rows.contains(&row) {
            continue;
        }
        let cover = CoverId(r.get("cover_id"));
        let Some(needed) = r
            .get::<Option<String>, _>("coverage_types")
            .and_then(|t| CoverageTypes::parse(&t))
        else {
            continue;
        };
        let policies = sqlx::query("SELECT id, coverage FROM policies WHERE cover_id = $1")
            .bind(cover.0)
            .fetch_all(&mut *conn)
            .await?;
        let held: Vec<Policy> = policies
            .iter()
            .filter_map(|p| {
                Some(Policy {
                    id: PolicyId(p.get("id")),
                    coverage: CoverageKind::parse(p.get("coverage"))?,
                    premium_cents: 0,
                    limits: Vec::new(),
                })
            })
            .collect();
        if !needed
            .kinds()
            .iter()
            .all(|k| held.iter().any(|p| p.coverage == *k))
        {
            continue;
        }
        let numbers: Vec<String> = held.iter().map(Policy::number).collect();
        let updated = sqlx::query(
            "UPDATE contractors SET cover_id = $1, covered_from = $2, covered_to = $3, \
             cover_cancelled = FALSE, covered_by_policy = $4 WHERE id = $5 AND cover_id IS NULL",
        )
        .bind(cover.0)
        .bind(r.get::<NaiveDate, _>("starts_on"))
        .bind(r.get::<NaiveDate, _>("ends_on"))
        .bind(numbers.join(", "))
        .bind(row)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if updated > 0 {
            covered_rows.insert(row);
        }
    }
    Ok(covered_rows.len() as u64)
}

#[async_trait::async_trait]
impl Covers for ThisStore {
    async fn apply_repeat_cover(&self, org: OrgId) -> StoreResult<u64> {
        let mut tx = ThisStore::begin(&self.pool).await?;
        let n = repeat_cover(&mut tx, org, None).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn campaign_cover(&self, org: OrgId) -> StoreResult<Vec<CampaignCover>> {
        campaign_cover(&self.pool, org).await
    }

    async fn row_covers(&self, org: OrgId, contractor: ContractorId) -> StoreResult<Vec<Cover>> {
        let mut conn = self.pool.acquire().await?;
        load(
            &mut conn,
            "WHERE v.org_id = $1 AND (v.contractor_id = $2 OR v.id = (SELECT cover_id FROM \
             contractors WHERE id = $2)) ORDER BY v.id DESC",
            (org.0, Some(contractor.0)),
        )
        .await
    }

    async fn cover(&self, org: OrgId, id: CoverId) -> StoreResult<Option<Cover>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load(
            &mut conn,
            "WHERE v.id = $1 AND v.org_id = $2",
            (id.0, Some(org.0)),
        )
        .await?
        .pop())
    }

    async fn link_cover(&self, link: LinkId) -> StoreResult<Option<Cover>> {
        let mut conn = self.pool.acquire().await?;
        Ok(load(
            &mut conn,
            "JOIN applications a ON a.id = v.application_id WHERE a.link_id = $1",
            (link.0, None),
        )
        .await?
        .pop())
    }

    async fn campaign_covers(&self, org: OrgId, ciq_campaign_id: i64) -> StoreResult<Vec<Cover>> {
        let mut conn = self.pool.acquire().await?;
        load(
            &mut conn,
            "WHERE v.org_id = $1 AND v.ciq_campaign_id = $2 AND v.cancelled_at IS NULL \
             ORDER BY v.insured_name, v.id",
            (org.0, Some(ciq_campaign_id)),
        )
        .await
    }

    async fn cancel_cover(
        &self,
        org: OrgId,
        id: CoverId,
        by: &str,
        reason: &str,
        today: NaiveDate,
    ) -> StoreResult<CancelOutcome> {
        cancel(&self.pool, org, id, by, reason, today, Utc::now()).await
    }
}
