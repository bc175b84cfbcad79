//! Sending what the outbox holds. Any instance's worker claims due messages (no two claim the
//! same one), checks that each is still wanted (the application was not submitted, the link is
//! current and not expired, the row is Synced, the creator did not ask to stop), renders the
//! organization's wording with the row's values, sends it by email through the server's relay
//! or as a CreatorIQ message, and records the result: sent (and the next reminder queued),
//! tried again later with backoff (a temporary failure), or failed for good with the reason in
//! operator words.
//!
//! Operators' Send and Resend queue messages here too ([`SyncEngine::request_sends`]).

use chrono::{DateTime, NaiveDate};

use super::*;
use crate::alerts::MailFailure;
use crate::outreach::{compose, stop_reason, EmailParts, MessageValues, OutreachSettings};
use crate::store::{
    ApplicationLink, Channel, MessageContext, MessageKind, MessageState, NewMessage,
    OutreachMessage, SendOutcome, StopReason,
};
use write_path::MailRelay;

/// How long a worker holds a claimed message; a worker that died is taken over after it.
const CLAIM_FOR: chrono::Duration = chrono::Duration::minutes(2);
/// Messages claimed at once.
const BATCH: u32 = 50;
/// Attempts (each claim is one) before a temporary failure is given up as a failure.
pub const MAX_ATTEMPTS: u64 = 8;
/// Messages a worker has in flight at once. An SMTP exchange spends most of its time waiting
/// (a relay acknowledges the body's last line after its delayed-ACK pause, about 40 ms on
/// Linux), so one at a time would cap a worker near 20 a second. Each message is still recorded
/// as soon as it went: a crash repeats at most the messages in flight.
const IN_FLIGHT: usize = 8;

/// What became of one claimed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counted {
    Sent,
    Retried,
    Failed,
    Cancelled,
    /// The claim ran out while it was sent (another worker has it now).
    Lost,
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryTotals {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub cancelled: u64,
}

/// Which rows a person asks to send to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendRequest {
    /// These rows: the first message where the current link was never sent, otherwise the
    /// link again.
    Rows(Vec<ContractorId>),
    /// Every Synced row whose current link was never sent.
    EveryNeverSent,
}

/// What a Send queued, and what it skipped and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendSummary {
    /// Rows a message was queued for.
    pub rows: u64,
    /// Messages queued (a row gets one per channel).
    pub queued: u64,
    /// The queued messages' ids run from the first to the last (for progress).
    pub ids: Option<(i64, i64)>,
    /// Why rows were skipped, with how many each.
    pub skipped: Vec<(String, u64)>,
}

/// The delay before attempt `attempts + 1` after a temporary failure: 30 s, doubling, at most
/// an hour.
fn backoff(attempts: u64) -> chrono::Duration {
    let exp = attempts.saturating_sub(1).min(7) as u32;
    chrono::Duration::seconds((30i64 << exp).min(3600))
}

fn day(d: NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// The values a message's placeholders take for this row.
fn values(ctx: &MessageContext, base_url: &str) -> MessageValues {
    let coverage_window = match (ctx.coverage_start, ctx.coverage_end) {
        (Some(s), Some(e)) => format!("{} to {}", day(s), day(e)),
        (Some(s), None) => format!("from {}", day(s)),
        _ => "the campaign's dates".to_string(),
    };
    MessageValues {
        creator_name: ctx
            .creator_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "there".into()),
        campaign: ctx
            .campaign
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "your campaign".into()),
        coverage_window,
        organization: ctx.organization.clone(),
        link: format!("{base_url}/apply/{}", ctx.token.expose()),
        due_date: ctx
            .coverage_start
            .map(day)
            .unwrap_or_else(|| "the campaign starts".into()),
    }
}

/// A message rendered for one creator.
struct Rendered {
    subject: String,
    text: String,
    html: String,
    stop_url: String,
}

fn render(
    ctx: &MessageContext,
    kind: MessageKind,
    settings: &OutreachSettings,
    base_url: &str,
) -> Rendered {
    let values = values(ctx, base_url);
    let template = match kind {
        MessageKind::First => &settings.first,
        MessageKind::Reminder => &settings.reminder,
        MessageKind::Certificate => return certificate_message(&values, ctx, base_url),
    };
    let stop_url = format!("{base_url}/apply/{}/stop-reminders", ctx.token.expose());
    let footer = format!("To get no more reminders about this link: {stop_url}");
    Rendered {
        subject: template.subject.render_line(&values),
        text: format!("{}\n\n{footer}\n", template.body.render(&values)),
        html: format!(
            "{}<p style=\"color:#555;font-size:12px\">To get no more reminders about this link, \
             <a href=\"{stop_url}\">stop reminders</a>.</p>",
            template.body.render_html(&values)
        ),
        stop_url,
    }
}

/// The certificate message: the product's own wording (the organization's templates are for
/// the link), with where the creator downloads their certificate.
fn certificate_message(values: &MessageValues, ctx: &MessageContext, base_url: &str) -> Rendered {
    let url = format!("{base_url}/apply/{}/certificate.pdf", ctx.token.expose());
    let text = format!(
        "Hello {},\n\nYour cover for {} is issued ({}). Your certificate of insurance, with \
         your policy numbers and limits: {url}\n\n{}",
        values.creator_name, values.campaign, values.coverage_window, values.organization
    );
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<p>Hello {},</p><p>Your cover for {} is issued ({}). \
         <a href=\"{url}\">Download your certificate of insurance</a> (PDF), with your policy \
         numbers and limits.</p><p>{}</p>",
        escape(&values.creator_name),
        escape(&values.campaign),
        escape(&values.coverage_window),
        escape(&values.organization)
    );
    Rendered {
        subject: format!("Your certificate of insurance for {}", values.campaign),
        text,
        html,
        stop_url: format!("{base_url}/apply/{}/stop-reminders", ctx.token.expose()),
    }
}

/// How an attempt ended, before backoff is applied.
enum Attempt {
    Sent,
    Temporary(String),
    Permanent(String),
    NotNeeded(StopReason),
}

impl SyncEngine {
    /// Whether this server has an SMTP relay (the default channel depends on it).
    pub fn mail_relay(&self) -> MailRelay {
        MailRelay(self.inner.notifier.email_available())
    }

    /// Wakes this instance's message worker.
    pub fn wake_delivery(&self) {
        self.inner.delivery_wake.notify_one();
    }

    /// An operator's "Regenerate": replaces a synced row's link; a creator who was sent the old
    /// one (or every creator, with automatic sending) gets the new one.
    pub async fn regenerate_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> Result<ApplicationLink, StoreError> {
        let link = write_path::regenerate_link(
            self.inner.store.as_ref(),
            org,
            contractor,
            self.mail_relay(),
        )
        .await?;
        self.wake_delivery();
        Ok(link)
    }

    /// The organization's outreach settings in effect on this server.
    pub async fn outreach_settings(&self, org: OrgId) -> Result<OutreachSettings, StoreError> {
        let record = self.inner.store.outreach_settings(org).await?;
        Ok(OutreachSettings::from_record(&record, self.mail_relay().0))
    }

    /// The values a preview of the organization's wording is filled with: its first Synced row
    /// with a link (and whose row it is), or a sample creator's while there is none.
    pub async fn sample_message_values(
        &self,
        org: OrgId,
    ) -> Result<(String, MessageValues), StoreError> {
        use crate::store::{ContractorPageRequest, ContractorStatus};

        let store = &self.inner.store;
        let base_url = self
            .inner
            .config
            .public_base_url
            .clone()
            .unwrap_or_default();
        let base_url = base_url.trim_end_matches('/');
        let page = store
            .contractor_page(
                org,
                &ContractorPageRequest::in_status(ContractorStatus::Synced, Some(1)),
            )
            .await?;
        if let Some(row) = page.rows.first() {
            if let Some(link) = store.current_link(org, row.contractor.id).await? {
                let probe = OutreachMessage {
                    id: crate::store::MessageId(0),
                    org_id: org,
                    contractor_id: row.contractor.id,
                    link_id: link.id,
                    channel: Channel::Email,
                    kind: MessageKind::First,
                    state: MessageState::Queued,
                    due_at: Utc::now(),
                    attempts: 0,
                    sent_at: None,
                    failure: None,
                    stop_reason: None,
                    requested_by: None,
                    created_at: Utc::now(),
                };
                if let Some(ctx) = store.message_context(&probe).await? {
                    let v = values(&ctx, base_url);
                    let whose = format!("{} on {}", v.creator_name, v.campaign);
                    return Ok((whose, v));
                }
            }
        }
        let organization = store
            .organization(org)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let today = Utc::now().date_naive();
        let start = today + chrono::Duration::days(14);
        let end = today + chrono::Duration::days(44);
        Ok((
            "a sample creator (no Synced row yet)".to_string(),
            MessageValues {
                creator_name: "Ava Chen".into(),
                campaign: "Spring Launch".into(),
                coverage_window: format!("{} to {}", day(start), day(end)),
                organization,
                link: format!("{base_url}/apply/example-link"),
                due_date: day(start),
            },
        ))
    }

    /// Queues a person's Send for the rows `request` names, on the organization's channels,
    /// and wakes the worker.
    pub async fn request_sends(
        &self,
        org: OrgId,
        request: &SendRequest,
        by: &str,
    ) -> Result<SendSummary, StoreError> {
        let store = &self.inner.store;
        let settings = self.outreach_settings(org).await?;
        let rows = match request {
            SendRequest::Rows(ids) => {
                let rows = store.sendable_rows(org, Some(ids)).await?;
                // None of them is the organization's: the same answer as for one unknown row.
                if rows.is_empty() && !ids.is_empty() {
                    return Err(StoreError::NotFound("contractor"));
                }
                rows
            }
            SendRequest::EveryNeverSent => store.sendable_rows(org, None).await?,
        };
        let now = Utc::now();
        let mut skipped: Vec<(String, u64)> = Vec::new();
        let mut skip = |why: &str| match skipped.iter_mut().find(|(w, _)| w == why) {
            Some((_, n)) => *n += 1,
            None => skipped.push((why.to_string(), 1)),
        };
        let mut messages = Vec::new();
        let mut rows_queued = 0;
        for row in &rows {
            let Some(link) = row.link.as_ref() else {
                skip("no application link (the row is not Synced)");
                continue;
            };
            if row.status != crate::store::ContractorStatus::Synced {
                skip("not Synced");
                continue;
            }
            if link.state == crate::links::LinkState::Submitted {
                skip("application already submitted");
                continue;
            }
            if link.reminders_stopped {
                skip("the creator asked for no more messages");
                continue;
            }
            rows_queued += 1;
            for channel in settings.channels.channels() {
                messages.push(if link.sent_before {
                    NewMessage::resend(row.id, link.id, *channel, now, by.to_string())
                } else {
                    NewMessage::first(row.id, link.id, *channel, now, Some(by.to_string()))
                });
            }
        }
        if let SendRequest::Rows(ids) = request {
            for _ in rows.len()..ids.len() {
                skip("no such row");
            }
        }
        let ids = store.queue_messages(org, &messages).await?;
        self.wake_delivery();
        Ok(SendSummary {
            rows: rows_queued,
            queued: ids.len() as u64,
            ids: ids.first().zip(ids.last()).map(|(a, b)| (a.0, b.0)),
            skipped,
        })
    }

    /// Sends every message due now, a batch at a time, until none is left.
    pub async fn deliver_due(&self) -> Result<DeliveryTotals, SyncError> {
        self.deliver_due_at(Utc::now).await
    }

    /// [`SyncEngine::deliver_due`] on the clock `now` (tests move it days ahead to see
    /// reminders fall due).
    pub async fn deliver_due_at(
        &self,
        clock: impl Fn() -> DateTime<Utc>,
    ) -> Result<DeliveryTotals, SyncError> {
        let mut totals = DeliveryTotals::default();
        // Per organization: (sent, failed for good), for the delivery alert.
        let mut by_org: HashMap<OrgId, (u64, u64)> = HashMap::new();
        loop {
            let now = clock();
            let claimed = self
                .inner
                .store
                .claim_due_messages(&self.inner.config.instance_id, now, now + CLAIM_FOR, BATCH)
                .await?;
            if claimed.is_empty() {
                break;
            }
            // Owned tasks (the engine is a cheap handle), at most IN_FLIGHT at once.
            let mut running = tokio::task::JoinSet::new();
            let mut outcomes: Vec<(OrgId, Result<Counted, SyncError>)> =
                Vec::with_capacity(claimed.len());
            for message in claimed {
                if running.len() >= IN_FLIGHT {
                    if let Some(done) = running.join_next().await {
                        outcomes.push(done.map_err(|e| SyncError::Config(e.to_string()))?);
                    }
                }
                let engine = self.clone();
                let at = clock();
                running.spawn(async move {
                    let org = message.org_id;
                    (org, engine.deliver(&message, at).await)
                });
            }
            while let Some(done) = running.join_next().await {
                outcomes.push(done.map_err(|e| SyncError::Config(e.to_string()))?);
            }
            for (org, outcome) in outcomes {
                let tally = by_org.entry(org).or_default();
                match outcome? {
                    Counted::Sent => {
                        totals.sent += 1;
                        tally.0 += 1;
                    }
                    Counted::Failed => {
                        totals.failed += 1;
                        tally.1 += 1;
                    }
                    Counted::Retried => totals.retried += 1,
                    Counted::Cancelled => totals.cancelled += 1,
                    Counted::Lost => {}
                }
            }
        }
        for (org, (sent, failed)) in by_org {
            if sent > 0 || failed > 0 {
                self.alert_after_delivery(org, sent, failed).await;
            }
        }
        Ok(totals)
    }

    async fn deliver(
        &self,
        message: &OutreachMessage,
        now: DateTime<Utc>,
    ) -> Result<Counted, SyncError> {
        let store = &self.inner.store;
        let holder = &self.inner.config.instance_id;
        let ctx = store.message_context(message).await?;
        // The settings the message was rendered with also time its next reminder.
        let (attempt, settings) = match &ctx {
            None => (Attempt::NotNeeded(StopReason::LinkReplaced), None),
            Some(ctx) => self.attempt(message, ctx).await,
        };
        let outcome = match attempt {
            Attempt::Sent => SendOutcome::Sent,
            Attempt::NotNeeded(reason) => SendOutcome::Cancelled(reason),
            Attempt::Permanent(failure) => SendOutcome::Failed { failure },
            Attempt::Temporary(failure) if message.attempts >= MAX_ATTEMPTS => {
                SendOutcome::Failed {
                    failure: format!("Gave up after {} attempts: {failure}", message.attempts),
                }
            }
            Attempt::Temporary(failure) => SendOutcome::Retry {
                at: now + backoff(message.attempts),
                failure,
            },
        };
        let recorded = store
            .finish_message(message.id, holder, &outcome, now)
            .await?;
        Ok(match (&outcome, recorded) {
            (_, false) => {
                tracing::warn!(
                    message = message.id.0,
                    "a message's claim ran out while it was sent"
                );
                Counted::Lost
            }
            (SendOutcome::Sent, true) => {
                if let (Some(ctx), Some(settings)) = (&ctx, &settings) {
                    self.queue_next_reminder(message, ctx, settings, now)
                        .await?;
                }
                Counted::Sent
            }
            (SendOutcome::Retry { failure, .. }, true) => {
                tracing::info!(message = message.id.0, %failure, "a message will be tried again");
                Counted::Retried
            }
            (SendOutcome::Failed { failure }, true) => {
                tracing::warn!(message = message.id.0, %failure, "a message could not be delivered");
                Counted::Failed
            }
            (SendOutcome::Cancelled(_), true) => Counted::Cancelled,
        })
    }

    /// Queues the reminder that follows a sent message on its cadence, if one is left.
    async fn queue_next_reminder(
        &self,
        sent: &OutreachMessage,
        ctx: &MessageContext,
        settings: &OutreachSettings,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        if sent.kind == MessageKind::Certificate {
            return Ok(());
        }
        let first_sent = ctx.first_sent_at.unwrap_or(now);
        let n = ctx.reminders_sent + u64::from(sent.kind == MessageKind::Reminder);
        let Some(due) = settings.cadence.due(first_sent, n as usize) else {
            return Ok(());
        };
        let reminder = NewMessage::reminder(
            sent.contractor_id,
            sent.link_id,
            sent.channel,
            n as usize,
            due.max(now),
        );
        self.inner
            .store
            .queue_messages(sent.org_id, &[reminder])
            .await?;
        Ok(())
    }

    /// Checks that the message is still wanted, then sends it; with the organization's
    /// settings when they were read.
    async fn attempt(
        &self,
        message: &OutreachMessage,
        ctx: &MessageContext,
    ) -> (Attempt, Option<OutreachSettings>) {
        let opted_out = ctx.reminders_stopped && message.requested_by.is_none();
        // A certificate goes to a creator who finished (and asked for no reminders, which it
        // is not); only a cancelled cover makes it moot.
        let stop = if message.kind == MessageKind::Certificate {
            (!ctx.cover_stands).then_some(StopReason::CoverCancelled)
        } else {
            stop_reason(
                ctx.status,
                ctx.link_state,
                ctx.link_is_current,
                opted_out,
                ctx.covered,
            )
        };
        if let Some(reason) = stop {
            return (Attempt::NotNeeded(reason), None);
        }
        let Some(base_url) = self.inner.config.public_base_url.as_deref() else {
            return (
                Attempt::Permanent(
                    "This server has no public address (PUBLIC_BASE_URL) to put in the link."
                        .into(),
                ),
                None,
            );
        };
        let settings = match self.outreach_settings(message.org_id).await {
            Ok(s) => s,
            Err(e) => {
                return (
                    Attempt::Temporary(format!("The settings could not be read: {e}")),
                    None,
                )
            }
        };
        let rendered = render(ctx, message.kind, &settings, base_url.trim_end_matches('/'));
        let attempt = match message.channel {
            Channel::Email => self.send_email(ctx, &settings, &rendered).await,
            Channel::Creatoriq => self.send_creatoriq(message.org_id, ctx, &rendered).await,
        };
        (attempt, Some(settings))
    }

    async fn send_email(
        &self,
        ctx: &MessageContext,
        settings: &OutreachSettings,
        rendered: &Rendered,
    ) -> Attempt {
        let Some(to) = ctx.email.as_deref().filter(|e| !e.trim().is_empty()) else {
            return Attempt::Permanent(
                "The creator has no email address in CreatorIQ; add it there.".into(),
            );
        };
        let Some(from) = self.inner.notifier.mail_from() else {
            return Attempt::Permanent(
                "This server has no SMTP relay, so it cannot send email; choose CreatorIQ \
                 messages on Settings."
                    .into(),
            );
        };
        let from_name = settings
            .sender_name
            .clone()
            .unwrap_or_else(|| ctx.organization.clone());
        let email = compose(&EmailParts {
            from_name: &from_name,
            from_address: &from,
            reply_to: settings.reply_to.as_deref(),
            to_name: ctx.creator_name.as_deref().unwrap_or(""),
            to_address: to,
            subject: &rendered.subject,
            text: &rendered.text,
            html: &rendered.html,
            stop_url: &rendered.stop_url,
        });
        let email = match email {
            Ok(e) => e,
            Err(e) => return Attempt::Permanent(e.to_string()),
        };
        match self.inner.notifier.send_email(email).await {
            Ok(()) => Attempt::Sent,
            Err(MailFailure::Temporary(why)) => Attempt::Temporary(why),
            Err(MailFailure::Permanent(why)) => Attempt::Permanent(why),
        }
    }

    async fn send_creatoriq(
        &self,
        org: OrgId,
        ctx: &MessageContext,
        rendered: &Rendered,
    ) -> Attempt {
        let client = match self.connection(org).await {
            Ok((_, client)) => client,
            Err(SyncError::Store(e)) => {
                return Attempt::Temporary(format!("The settings could not be read: {e}"))
            }
            Err(e) => return Attempt::Permanent(e.to_string()),
        };
        match client
            .send_message(ctx.ciq_publisher_id, &rendered.subject, &rendered.text)
            .await
        {
            Ok(()) => Attempt::Sent,
            Err(e)
                if e.is_transient()
                    || matches!(
                        e,
                        CiqError::DailyQuota { .. } | CiqError::QuotaUnavailable(_)
                    ) =>
            {
                Attempt::Temporary(format!("CreatorIQ could not take it now: {e}"))
            }
            Err(e) => Attempt::Permanent(format!("CreatorIQ refused it: {e}")),
        }
    }

    /// The message worker: sends what is due whenever it is woken (messages were queued) and
    /// every `poll` (reminders fall due, retries, claims other instances abandoned).
    pub fn spawn_delivery(
        &self,
        poll: Duration,
        stop: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        let wake = self.inner.delivery_wake.clone();
        tokio::spawn(async move {
            loop {
                match engine.deliver_due().await {
                    Ok(t) if t != DeliveryTotals::default() => {
                        tracing::info!(
                            sent = t.sent,
                            retried = t.retried,
                            failed = t.failed,
                            cancelled = t.cancelled,
                            "messages to creators"
                        );
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "sending messages failed"),
                }
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::timeout(poll, wake.notified()) => {}
                }
            }
        })
    }
}

/// How a message ended (or where it is), in the words the contractor page shows.
pub fn message_result(message: &OutreachMessage) -> String {
    match message.state {
        MessageState::Sent => "Sent".into(),
        MessageState::Failed => message
            .failure
            .clone()
            .unwrap_or_else(|| "Delivery failed".into()),
        MessageState::Cancelled => message
            .stop_reason
            .map(|r| format!("Not sent: {}", r.label()))
            .unwrap_or_else(|| "Not sent".into()),
        MessageState::Queued if message.failure.is_some() => format!(
            "Will try again: {}",
            message.failure.as_deref().unwrap_or_default()
        ),
        MessageState::Queued => "Queued".into(),
        MessageState::Sending => "Sending".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_minute_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
