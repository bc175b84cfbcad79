//! reaching the creator (migration 0021): the outbox of messages, queued once per dedupe key,
//! claimed by one worker at a time and finished with their outcome; and each organization's
//! outreach settings.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{corrupt, Db, DbRow, Dialect, Pool, ThisStore};

use super::super::*;

const COLUMNS: &str = "id, org_id, contractor_id, link_id, channel, kind, state, due_at, \
    attempts, sent_at, failure, stop_reason, requested_by, created_at";

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

pub(super) async fn queue_messages(
    pool: &Pool,
    org: OrgId,
    messages: &[NewMessage],
) -> StoreResult<u64> {
    let now = Utc::now();
    let mut queued = 0;
    let mut tx = ThisStore::begin(pool).await?;
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
        q.push(" ON CONFLICT (dedupe_key) DO NOTHING");
        queued += q.build().execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(queued)
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
    let done = sqlx::query(
        "UPDATE outreach_messages SET state = $1, stop_reason = $2 \
         WHERE org_id = $3 AND contractor_id = $4 AND state = $5",
    )
    .bind(MessageState::Cancelled.as_str())
    .bind(reason.as_str())
    .bind(org.0)
    .bind(contractor.0)
    .bind(MessageState::Queued.as_str())
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
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

pub(super) async fn outreach_settings(
    pool: &Pool,
    org: OrgId,
) -> StoreResult<OutreachSettingsRecord> {
    let row = sqlx::query(
        "SELECT channels, auto_send, cadence, sender_name, reply_to, first_subject, first_body, \
         reminder_subject, reminder_body FROM outreach_settings WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(pool)
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
    async fn queue_messages(&self, org: OrgId, messages: &[NewMessage]) -> StoreResult<u64> {
        queue_messages(&self.pool, org, messages).await
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
