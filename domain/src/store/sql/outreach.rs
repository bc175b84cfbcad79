//! reaching the creator (migration 0021): the outbox of messages, queued once per dedupe key,
//! claimed by one worker at a time and finished with their outcome; and each organization's
//! outreach settings.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{corrupt, Conn, Db, DbRow, Dialect, Pool, ThisStore};

use super::super::*;
use crate::links::{LinkState, LinkToken};

const COLUMNS: &str = "id, org_id, contractor_id, link_id, channel, kind, state, due_at, \
    attempts, sent_at, failure, stop_reason, requested_by, created_at";

/// `sql` with `{sent}`, `{failed}`, `{cancelled}`, `{queued}`, `{sending}` and `{first}` as
/// the stored words of the vocabulary (`'{sent}'` in SQL is then `'sent'`), so the words are
/// defined once.
fn with_words(sql: &str) -> String {
    [
        ("{sent}", MessageState::Sent.as_str()),
        ("{failed}", MessageState::Failed.as_str()),
        ("{cancelled}", MessageState::Cancelled.as_str()),
        ("{queued}", MessageState::Queued.as_str()),
        ("{sending}", MessageState::Sending.as_str()),
        ("{first}", MessageKind::First.as_str()),
    ]
    .iter()
    .fold(sql.to_string(), |sql, (name, word)| sql.replace(name, word))
}

fn word<T>(r: &DbRow, column: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let text: String = r.get(column);
    parse(&text).ok_or_else(|| corrupt(format!("message {column} {text:?}")))
}

fn message_from_row(r: &DbRow) -> StoreResult<OutreachMessage> {
    Ok(OutreachMessage {
        id: MessageId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        contractor_id: ContractorId(r.get("contractor_id")),
        link_id: LinkId(r.get("link_id")),
        channel: word(r, "channel", Channel::parse)?,
        kind: word(r, "kind", MessageKind::parse)?,
        state: word(r, "state", MessageState::parse)?,
        due_at: r.get("due_at"),
        attempts: super::u(r, "attempts"),
        sent_at: r.get("sent_at"),
        failure: r.get("failure"),
        stop_reason: r
            .get::<Option<String>, _>("stop_reason")
            .map(|s| StopReason::parse(&s).ok_or_else(|| corrupt(format!("stop reason {s:?}"))))
            .transpose()?,
        requested_by: r.get("requested_by"),
        created_at: r.get("created_at"),
    })
}

/// Inserts messages in the caller's transaction; one whose dedupe key exists is skipped.
/// Returns the ids of those queued, ascending.
pub(super) async fn insert_messages(
    conn: &mut Conn,
    org: OrgId,
    messages: &[NewMessage],
    now: DateTime<Utc>,
) -> StoreResult<Vec<MessageId>> {
    let mut queued = Vec::new();
    for chunk in messages.chunks(200) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO outreach_messages (org_id, contractor_id, link_id, channel, kind, \
             dedupe_key, state, due_at, requested_by, created_at) ",
        );
        q.push_values(chunk, |mut b, m| {
            b.push_bind(org.0)
                .push_bind(m.contractor.0)
                .push_bind(m.link.0)
                .push_bind(m.channel.as_str())
                .push_bind(m.kind.as_str())
                .push_bind(&m.dedupe_key)
                .push_bind(MessageState::Queued.as_str())
                .push_bind(m.due_at)
                .push_bind(&m.requested_by)
                .push_bind(now);
        });
        q.push(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING id");
        for r in q.build().fetch_all(&mut *conn).await? {
            queued.push(MessageId(r.get::<i64, _>(0)));
        }
    }
    queued.sort();
    Ok(queued)
}

pub(super) async fn queue_messages(
    pool: &Pool,
    org: OrgId,
    messages: &[NewMessage],
) -> StoreResult<Vec<MessageId>> {
    let mut tx = ThisStore::begin(pool).await?;
    let queued = insert_messages(&mut tx, org, messages, Utc::now()).await?;
    tx.commit().await?;
    Ok(queued)
}

pub(super) async fn sendable_rows(
    pool: &Pool,
    org: OrgId,
    rows: Option<&[ContractorId]>,
) -> StoreResult<Vec<SendableRow>> {
    let select = with_words(
        "SELECT k.id, k.status, l.id AS link_id, l.state AS link_state, \
         l.reminders_stopped_at IS NOT NULL AS reminders_stopped, \
         EXISTS (SELECT 1 FROM outreach_messages m WHERE m.link_id = l.id \
         AND m.kind = '{first}' AND m.state <> '{cancelled}') AS sent_before \
         FROM contractors k LEFT JOIN application_links l \
         ON l.contractor_id = k.id AND l.org_id = k.org_id AND l.retired_at IS NULL \
         WHERE k.org_id = ",
    );
    let mut found = Vec::new();
    match rows {
        Some(ids) => {
            for chunk in ids.chunks(400) {
                let mut q = sqlx::QueryBuilder::<Db>::new(&select);
                q.push_bind(org.0).push(" AND k.id IN (");
                let mut list = q.separated(", ");
                for id in chunk {
                    list.push_bind(id.0);
                }
                q.push(")");
                found.extend(q.build().fetch_all(pool).await?);
            }
        }
        None => {
            let mut q = sqlx::QueryBuilder::<Db>::new(&select);
            q.push_bind(org.0)
                .push(" AND k.status = ")
                .push_bind(ContractorStatus::Synced.as_str())
                .push(with_words(
                    " AND l.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outreach_messages m \
                     WHERE m.link_id = l.id AND m.kind = '{first}' \
                     AND m.state <> '{cancelled}') ORDER BY k.id",
                ));
            found = q.build().fetch_all(pool).await?;
        }
    }
    found
        .iter()
        .map(|r| {
            let link = match r.get::<Option<i64>, _>("link_id") {
                None => None,
                Some(id) => {
                    let state: String = r.get("link_state");
                    Some(SendableLink {
                        id: LinkId(id),
                        state: LinkState::parse(&state)
                            .ok_or_else(|| corrupt(format!("link state {state}")))?,
                        reminders_stopped: r.get("reminders_stopped"),
                        sent_before: r.get("sent_before"),
                    })
                }
            };
            Ok(SendableRow {
                id: ContractorId(r.get("id")),
                status: super::status_of(r.get("status"))?,
                link,
            })
        })
        .collect()
}

/// Of `rows`, those that were sent a message (about any of their links).
pub(super) async fn contacted_rows(
    conn: &mut Conn,
    org: OrgId,
    rows: &[ContractorId],
) -> StoreResult<HashSet<ContractorId>> {
    let mut out = HashSet::new();
    for chunk in rows.chunks(400) {
        let mut q = sqlx::QueryBuilder::<Db>::new(
            "SELECT DISTINCT contractor_id FROM outreach_messages WHERE org_id = ",
        );
        q.push_bind(org.0)
            .push(" AND state = ")
            .push_bind(MessageState::Sent.as_str())
            .push(" AND contractor_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        q.push(")");
        for r in q.build().fetch_all(&mut *conn).await? {
            out.insert(ContractorId(r.get::<i64, _>(0)));
        }
    }
    Ok(out)
}

/// Cancels the row's queued messages with `reason`, in the caller's transaction.
pub(super) async fn cancel_row_messages(
    conn: &mut Conn,
    org: OrgId,
    contractor: ContractorId,
    reason: StopReason,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE outreach_messages SET state = $1, stop_reason = $2 \
         WHERE org_id = $3 AND contractor_id = $4 AND state = $5",
    )
    .bind(MessageState::Cancelled.as_str())
    .bind(reason.as_str())
    .bind(org.0)
    .bind(contractor.0)
    .bind(MessageState::Queued.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn claim_due_messages(
    pool: &Pool,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    max: u32,
) -> StoreResult<Vec<OutreachMessage>> {
    let queue = super::claims::Queue {
        table: "outreach_messages",
        waiting: MessageState::Queued.as_str(),
        claimed: MessageState::Sending.as_str(),
        due_column: "due_at",
        order: "due_at, id",
        one_organization: false,
        columns: COLUMNS,
    };
    let rows = super::claims::claim(pool, &queue, holder, now, until, max).await?;
    let mut claimed = rows
        .iter()
        .map(message_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    claimed.sort_by_key(|m| (m.due_at, m.id));
    Ok(claimed)
}

pub(super) async fn finish_message(
    pool: &Pool,
    id: MessageId,
    holder: &str,
    outcome: &SendOutcome,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    // $1 state, $2 sent_at, $3 failure, $4 stop reason, $5 next due (a retry).
    let (state, sent_at, failure, stop, due) = match outcome {
        SendOutcome::Sent => (MessageState::Sent, Some(now), None, None, None),
        SendOutcome::Retry { at, failure } => (
            MessageState::Queued,
            None,
            Some(failure.as_str()),
            None,
            Some(*at),
        ),
        SendOutcome::Failed { failure } => (
            MessageState::Failed,
            None,
            Some(failure.as_str()),
            None,
            None,
        ),
        SendOutcome::Cancelled(reason) => (
            MessageState::Cancelled,
            None,
            None,
            Some(reason.as_str()),
            None,
        ),
    };
    // A failure is kept until a later attempt succeeds.
    let done = sqlx::query(
        "UPDATE outreach_messages SET state = $1, sent_at = $2, \
         failure = CASE WHEN $9 THEN NULL ELSE COALESCE($3, failure) END, stop_reason = $4, \
         due_at = COALESCE($5, due_at), claimed_by = NULL, claimed_until = NULL \
         WHERE id = $6 AND claimed_by = $7 AND state = $8",
    )
    .bind(state.as_str())
    .bind(sent_at)
    .bind(failure)
    .bind(stop)
    .bind(due)
    .bind(id.0)
    .bind(holder)
    .bind(MessageState::Sending.as_str())
    .bind(state == MessageState::Sent)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn cancel_messages(
    pool: &Pool,
    org: OrgId,
    contractor: ContractorId,
    reason: StopReason,
) -> StoreResult<u64> {
    let mut conn = pool.acquire().await?;
    cancel_row_messages(&mut conn, org, contractor, reason).await
}

/// Cancels the queued messages about the link `token` names, in the caller's transaction.
pub(super) async fn cancel_link_messages(
    conn: &mut Conn,
    token: &LinkToken,
    reason: StopReason,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE outreach_messages SET state = $1, stop_reason = $2 \
         WHERE state = $3 AND link_id = (SELECT id FROM application_links WHERE token = $4)",
    )
    .bind(MessageState::Cancelled.as_str())
    .bind(reason.as_str())
    .bind(MessageState::Queued.as_str())
    .bind(token.expose())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// The creator's "stop reminders": recorded on the link, and its queued messages cancelled.
/// `None` for a token that names no link.
pub(super) async fn stop_reminders(
    pool: &Pool,
    token: &LinkToken,
    now: DateTime<Utc>,
) -> StoreResult<Option<u64>> {
    let mut tx = ThisStore::begin(pool).await?;
    let found = sqlx::query(
        "UPDATE application_links SET reminders_stopped_at = COALESCE(reminders_stopped_at, $1) \
         WHERE token = $2",
    )
    .bind(now)
    .bind(token.expose())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if found == 0 {
        return Ok(None);
    }
    let cancelled = cancel_link_messages(&mut tx, token, StopReason::OptedOut).await?;
    tx.commit().await?;
    Ok(Some(cancelled))
}

pub(super) async fn message_context(
    pool: &Pool,
    message: &OutreachMessage,
) -> StoreResult<Option<MessageContext>> {
    let row = sqlx::query(
        "SELECT o.name AS organization, k.status, k.creator_name, k.email, k.ciq_publisher_id, \
         c.name AS campaign, k.coverage_start, k.coverage_end, l.token, l.state AS link_state, \
         l.retired_at IS NULL AS link_is_current, \
         l.reminders_stopped_at IS NOT NULL AS reminders_stopped, \
         (k.covered_by_policy IS NOT NULL AND k.cover_cancelled = FALSE) AS covered, \
         (k.cover_id IS NOT NULL AND k.cover_cancelled = FALSE) AS cover_stands, \
         (SELECT MIN(m.sent_at) FROM outreach_messages m WHERE m.link_id = l.id \
          AND m.channel = $4 AND m.kind = $5 AND m.state = $7) AS first_sent_at, \
         (SELECT COUNT(*) FROM outreach_messages m WHERE m.link_id = l.id \
          AND m.channel = $4 AND m.kind = $6 AND m.state = $7) AS reminders_sent \
         FROM application_links l \
         JOIN contractors k ON k.id = l.contractor_id AND k.org_id = l.org_id \
         JOIN organizations o ON o.id = l.org_id \
         LEFT JOIN campaigns c ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id \
         WHERE l.id = $1 AND l.org_id = $2 AND l.contractor_id = $3",
    )
    .bind(message.link_id.0)
    .bind(message.org_id.0)
    .bind(message.contractor_id.0)
    .bind(message.channel.as_str())
    .bind(MessageKind::First.as_str())
    .bind(MessageKind::Reminder.as_str())
    .bind(MessageState::Sent.as_str())
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let link_state: String = r.get("link_state");
    Ok(Some(MessageContext {
        organization: r.get("organization"),
        status: super::status_of(r.get("status"))?,
        creator_name: r.get("creator_name"),
        email: r.get("email"),
        ciq_publisher_id: r.get("ciq_publisher_id"),
        campaign: r.get("campaign"),
        coverage_start: r.get("coverage_start"),
        coverage_end: r.get("coverage_end"),
        token: LinkToken::from_stored(r.get("token")),
        link_state: LinkState::parse(&link_state)
            .ok_or_else(|| corrupt(format!("link state {link_state}")))?,
        link_is_current: r.get("link_is_current"),
        reminders_stopped: r.get("reminders_stopped"),
        first_sent_at: r.get("first_sent_at"),
        reminders_sent: super::u(&r, "reminders_sent"),
        covered: r.get("covered"),
        cover_stands: r.get("cover_stands"),
    }))
}

pub(super) async fn contact_summaries(
    pool: &Pool,
    org: OrgId,
    rows: &[ContractorId],
) -> StoreResult<HashMap<ContractorId, ContactSummary>> {
    let mut out = HashMap::new();
    for chunk in rows.chunks(400) {
        let mut q = sqlx::QueryBuilder::<Db>::new(with_words(
            "SELECT m.contractor_id, \
             SUM(CASE WHEN m.state = '{sent}' THEN 1 ELSE 0 END) AS sent, \
             MAX(m.sent_at) AS last_sent_at, \
             SUM(CASE WHEN m.state IN ('{queued}', '{sending}') THEN 1 ELSE 0 END) AS waiting, \
             SUM(CASE WHEN m.state = '{failed}' THEN 1 ELSE 0 END) AS failed \
             FROM outreach_messages m JOIN application_links l \
             ON l.id = m.link_id AND l.retired_at IS NULL WHERE m.org_id = ",
        ));
        q.push_bind(org.0).push(" AND m.contractor_id IN (");
        let mut list = q.separated(", ");
        for id in chunk {
            list.push_bind(id.0);
        }
        q.push(") GROUP BY m.contractor_id");
        for r in q.build().fetch_all(pool).await? {
            let n = |c: &str| u64::try_from(r.get::<Option<i64>, _>(c).unwrap_or(0)).unwrap_or(0);
            out.insert(
                ContractorId(r.get("contractor_id")),
                ContactSummary {
                    sent: n("sent"),
                    last_sent_at: r.get("last_sent_at"),
                    waiting: n("waiting"),
                    failed: n("failed") > 0,
                },
            );
        }
    }
    Ok(out)
}

pub(super) async fn outreach_funnel(pool: &Pool, org: OrgId) -> StoreResult<Vec<FunnelRow>> {
    let sql = with_words(
        "SELECT k.ciq_campaign_id, MAX(c.name) AS name, COUNT(*) AS synced, \
         SUM(CASE WHEN EXISTS (SELECT 1 FROM outreach_messages m WHERE m.link_id = l.id \
         AND m.state = '{sent}') THEN 1 ELSE 0 END) AS sent, \
         SUM(CASE WHEN l.opened_at IS NOT NULL THEN 1 ELSE 0 END) AS opened, \
         SUM(CASE WHEN l.submitted_at IS NOT NULL THEN 1 ELSE 0 END) AS submitted, \
         CAST(SUM(CASE WHEN k.agency_pay THEN 0 ELSE COALESCE(k.premium_general_cents, 0) \
         + COALESCE(k.premium_workers_comp_cents, 0) END) AS BIGINT) AS creator_premium, \
         CAST(SUM(CASE WHEN k.agency_pay THEN COALESCE(k.premium_general_cents, 0) \
         + COALESCE(k.premium_workers_comp_cents, 0) ELSE 0 END) AS BIGINT) AS agency_premium, \
         CAST(SUM(COALESCE(k.platform_fee_cents, 0)) AS BIGINT) AS platform_fee \
         FROM contractors k JOIN application_links l ON l.contractor_id = k.id \
         AND l.org_id = k.org_id AND l.retired_at IS NULL \
         LEFT JOIN campaigns c ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id \
         WHERE k.org_id = $1 AND k.status = $2 \
         GROUP BY k.ciq_campaign_id ORDER BY k.ciq_campaign_id",
    );
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(ContractorStatus::Synced.as_str())
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let n = |c: &str| u64::try_from(r.get::<Option<i64>, _>(c).unwrap_or(0)).unwrap_or(0);
            FunnelRow {
                ciq_campaign_id: r.get("ciq_campaign_id"),
                name: r.get("name"),
                synced: n("synced"),
                sent: n("sent"),
                opened: n("opened"),
                submitted: n("submitted"),
                creator_premium_cents: r.get::<Option<i64>, _>("creator_premium").unwrap_or(0),
                agency_premium_cents: r.get::<Option<i64>, _>("agency_premium").unwrap_or(0),
                platform_fee_cents: r.get::<Option<i64>, _>("platform_fee").unwrap_or(0),
            }
        })
        .collect())
}

pub(super) async fn message_progress(
    pool: &Pool,
    org: OrgId,
    first: MessageId,
    last: MessageId,
    by: &str,
) -> StoreResult<MessageProgress> {
    let sql = with_words(
        "SELECT COUNT(*) AS total, \
         SUM(CASE WHEN state = '{sent}' THEN 1 ELSE 0 END) AS sent, \
         SUM(CASE WHEN state = '{failed}' THEN 1 ELSE 0 END) AS failed, \
         SUM(CASE WHEN state = '{cancelled}' THEN 1 ELSE 0 END) AS cancelled \
         FROM outreach_messages WHERE org_id = $1 AND id BETWEEN $2 AND $3 \
         AND requested_by = $4",
    );
    let r = sqlx::query(&sql)
        .bind(org.0)
        .bind(first.0)
        .bind(last.0)
        .bind(by)
        .fetch_one(pool)
        .await?;
    let n = |c: &str| u64::try_from(r.get::<Option<i64>, _>(c).unwrap_or(0)).unwrap_or(0);
    Ok(MessageProgress {
        total: n("total"),
        sent: n("sent"),
        failed: n("failed"),
        cancelled: n("cancelled"),
    })
}

pub(super) async fn row_messages(
    pool: &Pool,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<Vec<OutreachMessage>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outreach_messages WHERE org_id = $1 AND contractor_id = $2 \
         ORDER BY id"
    );
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(message_from_row).collect()
}

pub(super) async fn outreach_settings<'e, E: sqlx::Executor<'e, Database = Db>>(
    db: E,
    org: OrgId,
) -> StoreResult<OutreachSettingsRecord> {
    let row = sqlx::query(
        "SELECT channels, auto_send, cadence, sender_name, reply_to, first_subject, first_body, \
         reminder_subject, reminder_body FROM outreach_settings WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(db)
    .await?;
    let Some(r) = row else {
        return Ok(OutreachSettingsRecord::default());
    };
    Ok(OutreachSettingsRecord {
        channels: r
            .get::<Option<String>, _>("channels")
            .map(|c| {
                ChannelChoice::parse(&c).ok_or_else(|| corrupt(format!("outreach channels {c:?}")))
            })
            .transpose()?,
        auto_send: r.get("auto_send"),
        cadence: r.get("cadence"),
        sender_name: r.get("sender_name"),
        reply_to: r.get("reply_to"),
        first_subject: r.get("first_subject"),
        first_body: r.get("first_body"),
        reminder_subject: r.get("reminder_subject"),
        reminder_body: r.get("reminder_body"),
    })
}

pub(super) async fn save_outreach_settings(
    pool: &Pool,
    org: OrgId,
    s: &OutreachSettingsRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outreach_settings (org_id, channels, auto_send, cadence, sender_name, \
         reply_to, first_subject, first_body, reminder_subject, reminder_body, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (org_id) DO UPDATE SET channels = excluded.channels, \
         auto_send = excluded.auto_send, cadence = excluded.cadence, \
         sender_name = excluded.sender_name, reply_to = excluded.reply_to, \
         first_subject = excluded.first_subject, first_body = excluded.first_body, \
         reminder_subject = excluded.reminder_subject, reminder_body = excluded.reminder_body, \
         updated_at = excluded.updated_at",
    )
    .bind(org.0)
    .bind(s.channels.map(|c| c.as_str()))
    .bind(s.auto_send)
    .bind(&s.cadence)
    .bind(&s.sender_name)
    .bind(&s.reply_to)
    .bind(&s.first_subject)
    .bind(&s.first_body)
    .bind(&s.reminder_subject)
    .bind(&s.reminder_body)
    .bind(Utc::now())
    .execute(pool)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Outbox for ThisStore {
    async fn queue_messages(
        &self,
        org: OrgId,
        messages: &[NewMessage],
    ) -> StoreResult<Vec<MessageId>> {
        queue_messages(&self.pool, org, messages).await
    }

    async fn sendable_rows(
        &self,
        org: OrgId,
        rows: Option<&[ContractorId]>,
    ) -> StoreResult<Vec<SendableRow>> {
        sendable_rows(&self.pool, org, rows).await
    }

    async fn claim_due_messages(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        max: u32,
    ) -> StoreResult<Vec<OutreachMessage>> {
        claim_due_messages(&self.pool, holder, now, until, max).await
    }

    async fn finish_message(
        &self,
        id: MessageId,
        holder: &str,
        outcome: &SendOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        finish_message(&self.pool, id, holder, outcome, now).await
    }

    async fn cancel_messages(
        &self,
        org: OrgId,
        contractor: ContractorId,
        reason: StopReason,
    ) -> StoreResult<u64> {
        cancel_messages(&self.pool, org, contractor, reason).await
    }

    async fn row_messages(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<OutreachMessage>> {
        row_messages(&self.pool, org, contractor).await
    }

    async fn message_context(
        &self,
        message: &OutreachMessage,
    ) -> StoreResult<Option<MessageContext>> {
        message_context(&self.pool, message).await
    }

    async fn stop_reminders(&self, token: &LinkToken) -> StoreResult<Option<u64>> {
        stop_reminders(&self.pool, token, Utc::now()).await
    }

    async fn contact_summaries(
        &self,
        org: OrgId,
        rows: &[ContractorId],
    ) -> StoreResult<HashMap<ContractorId, ContactSummary>> {
        contact_summaries(&self.pool, org, rows).await
    }

    async fn outreach_funnel(&self, org: OrgId) -> StoreResult<Vec<FunnelRow>> {
        outreach_funnel(&self.pool, org).await
    }

    async fn message_progress(
        &self,
        org: OrgId,
        first: MessageId,
        last: MessageId,
        by: &str,
    ) -> StoreResult<MessageProgress> {
        message_progress(&self.pool, org, first, last, by).await
    }

    async fn outreach_settings(&self, org: OrgId) -> StoreResult<OutreachSettingsRecord> {
        outreach_settings(&self.pool, org).await
    }

    async fn save_outreach_settings(
        &self,
        org: OrgId,
        settings: &OutreachSettingsRecord,
    ) -> StoreResult<()> {
        save_outreach_settings(&self.pool, org, settings).await
    }
}
