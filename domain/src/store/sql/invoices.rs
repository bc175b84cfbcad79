//! Invoices (migration 0025): each cover's lines, placed on invoices in the transaction that
//! issues the cover ([`place`]), voided in the one that cancels it ([`void_cover_lines`]), and
//! Agency Pay lines waiting for a PO # collected once CreatorIQ has one. An invoice's totals are
//! summed from its lines here, never kept beside them.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::super::*;
use super::{corrupt, Db, DbRow, Dialect, Pool, ThisStore};
use crate::cover::CoverId;
use crate::invoice::{
    Invoice, InvoiceId, InvoiceLine, InvoiceLineId, InvoiceState, InvoiceSummary, NewLine,
    PaidOutcome, Payer,
};

type Conn = <Db as sqlx::Database>::Connection;

const SUMMARY_SELECT: &str = "SELECT i.id, i.org_id, i.payer, i.po_number, i.month, \
    i.bill_to_name, i.bill_to_email, i.state, i.created_at, i.sent_at, i.sent_to, i.paid_at, \
    i.paid_by, \
    CAST(COALESCE(SUM(CASE WHEN l.voided_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS lines, \
    CAST(COALESCE(SUM(CASE WHEN l.voided_at IS NULL THEN l.premium_cents ELSE 0 END), 0) \
    AS BIGINT) AS premium, \
    CAST(COALESCE(SUM(CASE WHEN l.voided_at IS NULL THEN l.fee_cents ELSE 0 END), 0) \
    AS BIGINT) AS fee \
    FROM invoices i LEFT JOIN invoice_lines l ON l.invoice_id = i.id";

const SUMMARY_GROUP: &str = "GROUP BY i.id, i.org_id, i.payer, i.po_number, i.month, \
    i.bill_to_name, i.bill_to_email, i.state, i.created_at, i.sent_at, i.sent_to, i.paid_at, \
    i.paid_by";

const LINE_SELECT: &str = "SELECT l.id, l.cover_id, v.contractor_id, l.invoice_id, l.payer, \
    l.month, l.creator, l.campaign, l.coverage, l.premium_cents, l.fee_cents, l.voided_at \
    FROM invoice_lines l JOIN covers v ON v.id = l.cover_id";

fn payer_of(raw: &str) -> StoreResult<Payer> {
    Payer::parse(raw).ok_or_else(|| corrupt(format!("invoice payer {raw}")))
}

fn summary_from_row(r: &DbRow) -> StoreResult<InvoiceSummary> {
    let state: String = r.get("state");
    Ok(InvoiceSummary {
        id: InvoiceId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        payer: payer_of(r.get("payer"))?,
        po_number: r.get("po_number"),
        month: r.get("month"),
        bill_to_name: r.get("bill_to_name"),
        bill_to_email: r.get("bill_to_email"),
        state: InvoiceState::parse(&state)
            .ok_or_else(|| corrupt(format!("invoice state {state}")))?,
        created_at: r.get("created_at"),
        sent_at: r.get("sent_at"),
        sent_to: r.get("sent_to"),
        paid_at: r.get("paid_at"),
        paid_by: r.get("paid_by"),
        lines: u64::try_from(r.get::<i64, _>("lines")).unwrap_or(0),
        premium_cents: r.get("premium"),
        fee_cents: r.get("fee"),
    })
}

fn line_from_row(r: &DbRow) -> StoreResult<InvoiceLine> {
    Ok(InvoiceLine {
        id: InvoiceLineId(r.get("id")),
        cover_id: CoverId(r.get("cover_id")),
        contractor_id: ContractorId(r.get("contractor_id")),
        invoice_id: r.get::<Option<i64>, _>("invoice_id").map(InvoiceId),
        payer: payer_of(r.get("payer"))?,
        month: r.get("month"),
        creator: r.get("creator"),
        campaign: r.get("campaign"),
        coverage: r.get("coverage"),
        premium_cents: r.get("premium_cents"),
        fee_cents: r.get("fee_cents"),
        voided_at: r.get("voided_at"),
    })
}

/// Whom an organization's invoice without a PO contact is addressed to: the organization, at
/// its first admin's email.
async fn organization_contact(conn: &mut Conn, org: OrgId) -> StoreResult<(String, String)> {
    let row = sqlx::query(
        "SELECT o.name, (SELECT m.email FROM members m WHERE m.org_id = o.id AND m.role = $2 \
         ORDER BY m.id LIMIT 1) AS email FROM organizations o WHERE o.id = $1",
    )
    .bind(org.0)
    .bind(Role::Admin.as_str())
    .fetch_one(&mut *conn)
    .await?;
    Ok((
        row.get("name"),
        row.get::<Option<String>, _>("email").unwrap_or_default(),
    ))
}

/// The open invoice a line of `payer` with `po` in `month` joins; a new one when there is none
/// (a creator's line always starts its own).
async fn invoice_for(
    conn: &mut Conn,
    org: OrgId,
    line: &NewLine,
    month: &str,
    now: DateTime<Utc>,
) -> StoreResult<InvoiceId> {
    if line.payer == Payer::Organization {
        let po_condition = if line.po_number.is_some() {
            "po_number = $4"
        } else {
            "po_number IS NULL"
        };
        let sql = format!(
            "SELECT id FROM invoices WHERE org_id = $1 AND payer = $2 AND month = $3 AND \
             state = $5 AND {po_condition} ORDER BY id LIMIT 1"
        );
        let found = sqlx::query(&sql)
            .bind(org.0)
            .bind(Payer::Organization.as_str())
            .bind(month)
            .bind(line.po_number.as_deref())
            .bind(InvoiceState::Open.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = found {
            return Ok(InvoiceId(r.get("id")));
        }
    }
    let (name, email) = match &line.bill_to {
        Some(to) => to.clone(),
        None => organization_contact(conn, org).await?,
    };
    let row = sqlx::query(
        "INSERT INTO invoices (org_id, payer, po_number, month, bill_to_name, bill_to_email, \
         state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org.0)
    .bind(line.payer.as_str())
    .bind(line.po_number.as_deref())
    .bind(month)
    .bind(name)
    .bind(email)
    .bind(InvoiceState::Open.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(InvoiceId(row.get(0)))
}

/// Writes a cover's line for one payer, on its invoice unless it waits for a PO #. Once per
/// cover and payer.
pub(super) async fn place(
    conn: &mut Conn,
    org: OrgId,
    cover: CoverId,
    line: &NewLine,
    month: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let invoice = if line.waits_for_po {
        None
    } else {
        Some(invoice_for(conn, org, line, month, now).await?)
    };
    sqlx::query(
        "INSERT INTO invoice_lines (org_id, cover_id, invoice_id, payer, month, creator, \
         campaign, coverage, premium_cents, fee_cents, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (cover_id, payer) DO NOTHING",
    )
    .bind(org.0)
    .bind(cover.0)
    .bind(invoice.map(|i| i.0))
    .bind(line.payer.as_str())
    .bind(month)
    .bind(&line.creator)
    .bind(&line.campaign)
    .bind(&line.coverage)
    .bind(line.premium_cents)
    .bind(line.fee_cents)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Voids a cancelled cover's lines; an open or sent invoice left with no line is void too.
pub(super) async fn void_cover_lines(
    conn: &mut Conn,
    cover: CoverId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE invoice_lines SET voided_at = $1 WHERE cover_id = $2 AND voided_at IS NULL",
    )
    .bind(now)
    .bind(cover.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE invoices SET state = $1 WHERE state IN ($2, $3) AND id IN \
         (SELECT invoice_id FROM invoice_lines WHERE cover_id = $4 AND invoice_id IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = invoices.id \
         AND l.voided_at IS NULL)",
    )
    .bind(InvoiceState::Void.as_str())
    .bind(InvoiceState::Open.as_str())
    .bind(InvoiceState::Sent.as_str())
    .bind(cover.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn summary(
    conn: &mut Conn,
    org: OrgId,
    id: InvoiceId,
) -> StoreResult<Option<InvoiceSummary>> {
    let sql = format!("{SUMMARY_SELECT} WHERE i.id = $1 AND i.org_id = $2 {SUMMARY_GROUP}");
    let row = sqlx::query(&sql)
        .bind(id.0)
        .bind(org.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(summary_from_row).transpose()
}

async fn collect_waiting(pool: &Pool, org: OrgId, now: DateTime<Utc>) -> StoreResult<u64> {
    let mut tx = ThisStore::begin(pool).await?;
    let ready = sqlx::query(
        "SELECT l.id, l.cover_id, l.payer, l.month, l.creator, l.campaign, l.coverage, \
         l.premium_cents, l.fee_cents, k.po_number, k.po_contact_email, k.po_contact_name \
         FROM invoice_lines l JOIN covers v ON v.id = l.cover_id \
         JOIN contractors k ON k.id = v.contractor_id \
         WHERE l.org_id = $1 AND l.invoice_id IS NULL AND l.voided_at IS NULL \
         AND k.po_number IS NOT NULL ORDER BY l.id",
    )
    .bind(org.0)
    .fetch_all(&mut *tx)
    .await?;
    let mut collected = 0;
    for r in &ready {
        let po: String = r.get("po_number");
        let email: Option<String> = r.get("po_contact_email");
        let name: Option<String> = r.get("po_contact_name");
        let line = NewLine {
            payer: payer_of(r.get("payer"))?,
            creator: r.get("creator"),
            campaign: r.get("campaign"),
            coverage: r.get("coverage"),
            premium_cents: r.get("premium_cents"),
            fee_cents: r.get("fee_cents"),
            po_number: Some(po.clone()),
            bill_to: email
                .clone()
                .map(|e| (name.clone().unwrap_or_else(|| e.clone()), e)),
            waits_for_po: false,
        };
        let month: String = r.get("month");
        let invoice = invoice_for(&mut tx, org, &line, &month, now).await?;
        sqlx::query("UPDATE invoice_lines SET invoice_id = $1 WHERE id = $2")
            .bind(invoice.0)
            .bind(r.get::<i64, _>("id"))
            .execute(&mut *tx)
            .await?;
        // The cover keeps the purchase order it was billed under.
        sqlx::query(
            "UPDATE covers SET po_number = $1, po_contact_email = $2, po_contact_name = $3 \
             WHERE id = $4",
        )
        .bind(&po)
        .bind(email)
        .bind(name)
        .bind(r.get::<i64, _>("cover_id"))
        .execute(&mut *tx)
        .await?;
        collected += 1;
    }
    tx.commit().await?;
    Ok(collected)
}

async fn mark_paid(
    pool: &Pool,
    org: OrgId,
    id: InvoiceId,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<PaidOutcome> {
    let mut tx = ThisStore::begin(pool).await?;
    let Some(current) = summary(&mut tx, org, id).await? else {
        return Ok(PaidOutcome::NotFound);
    };
    if !matches!(current.state, InvoiceState::Open | InvoiceState::Sent) {
        return Ok(PaidOutcome::Refused(current.state));
    }
    sqlx::query("UPDATE invoices SET state = $1, paid_at = $2, paid_by = $3 WHERE id = $4")
        .bind(InvoiceState::Paid.as_str())
        .bind(now)
        .bind(by)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
    let after = summary(&mut tx, org, id)
        .await?
        .ok_or(StoreError::NotFound("invoice"))?;
    tx.commit().await?;
    Ok(PaidOutcome::Paid(Box::new(after)))
}

#[async_trait::async_trait]
impl Invoices for ThisStore {
    async fn invoices(
        &self,
        org: OrgId,
        state: Option<InvoiceState>,
    ) -> StoreResult<Vec<InvoiceSummary>> {
        let condition = if state.is_some() {
            "WHERE i.org_id = $1 AND i.state = $2"
        } else {
            "WHERE i.org_id = $1"
        };
        let sql = format!("{SUMMARY_SELECT} {condition} {SUMMARY_GROUP} ORDER BY i.id DESC");
        let mut q = sqlx::query(&sql).bind(org.0);
        if let Some(state) = state {
            q = q.bind(state.as_str());
        }
        q.fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary_from_row)
            .collect()
    }

    async fn invoice(&self, org: OrgId, id: InvoiceId) -> StoreResult<Option<Invoice>> {
        let mut conn = self.pool.acquire().await?;
        let Some(summary) = summary(&mut conn, org, id).await? else {
            return Ok(None);
        };
        let sql = format!("{LINE_SELECT} WHERE l.invoice_id = $1 ORDER BY l.id");
        let lines = sqlx::query(&sql)
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(line_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(Invoice { summary, lines }))
    }

    async fn waiting_lines(&self, org: OrgId) -> StoreResult<Vec<InvoiceLine>> {
        let sql = format!(
            "{LINE_SELECT} WHERE l.org_id = $1 AND l.invoice_id IS NULL AND l.voided_at IS NULL \
             ORDER BY l.id"
        );
        sqlx::query(&sql)
            .bind(org.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(line_from_row)
            .collect()
    }

    async fn cover_lines(&self, org: OrgId, cover: CoverId) -> StoreResult<Vec<InvoiceLine>> {
        let sql = format!("{LINE_SELECT} WHERE l.org_id = $1 AND l.cover_id = $2 ORDER BY l.id");
        sqlx::query(&sql)
            .bind(org.0)
            .bind(cover.0)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(line_from_row)
            .collect()
    }

    async fn collect_waiting_lines(&self, org: OrgId) -> StoreResult<u64> {
        collect_waiting(&self.pool, org, Utc::now()).await
    }

    async fn mark_invoice_sent(
        &self,
        org: OrgId,
        id: InvoiceId,
        to: &str,
    ) -> StoreResult<Option<InvoiceSummary>> {
        let mut tx = ThisStore::begin(&self.pool).await?;
        let updated = sqlx::query(
            "UPDATE invoices SET state = $1, sent_at = $2, sent_to = $3 \
             WHERE id = $4 AND org_id = $5 AND state IN ($1, $6)",
        )
        .bind(InvoiceState::Sent.as_str())
        .bind(Utc::now())
        .bind(to)
        .bind(id.0)
        .bind(org.0)
        .bind(InvoiceState::Open.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let after = if updated > 0 {
            summary(&mut tx, org, id).await?
        } else {
            None
        };
        tx.commit().await?;
        Ok(after)
    }

    async fn mark_invoice_paid(
        &self,
        org: OrgId,
        id: InvoiceId,
        by: &str,
    ) -> StoreResult<PaidOutcome> {
        mark_paid(&self.pool, org, id, by, Utc::now()).await
    }
}
