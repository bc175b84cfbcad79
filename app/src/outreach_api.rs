//! Reaching the creator: Send / Resend on rows and "Send to every Synced row never sent" (with
//! the progress of what was queued), and Settings > Messages to creators (channels, automatic
//! sending, reminders, sender, wording, and a preview with a real row's values). Sending and
//! settings are for admins.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;

/// What a Send queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendResult {
    pub rows: u64,
    pub queued: u64,
    /// The queued messages' ids, first and last (for [`send_progress`]).
    pub first: i64,
    pub last: i64,
    /// "2 skipped: not Synced (2)".
    pub skipped: Option<String>,
}

/// Where the messages of a Send are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendState {
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub cancelled: u64,
}

impl SendState {
    pub fn done(&self) -> u64 {
        self.sent + self.failed + self.cancelled
    }
}

/// Settings > Messages to creators, as the form shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutreachView {
    /// `email`, `creatoriq` or `both`; empty while the organization has not chosen.
    pub channels: String,
    /// What is used while nothing is chosen, in words.
    pub default_channels: String,
    pub mail_relay: bool,
    pub auto_send: bool,
    pub cadence: String,
    pub sender_name: String,
    pub reply_to: String,
    pub first_subject: String,
    pub first_body: String,
    pub reminder_subject: String,
    pub reminder_body: String,
    /// Every placeholder with what it stands for.
    pub placeholders: Vec<(String, String)>,
}

/// A message as a creator would read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    /// Whose values fill it: "Ava Chen on Spring Launch", or a sample's.
    pub row: String,
    pub first_subject: String,
    pub first_body: String,
    pub reminder_subject: String,
    pub reminder_body: String,
}

/// A form field that cannot be saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRefusal {
    pub field: String,
    pub message: String,
}

/// Saved, or the field to correct.
pub type SaveOutcome = Result<String, FieldRefusal>;

#[cfg(feature = "ssr")]
fn parse_ids(ids: &str) -> Result<Vec<domain::store::ContractorId>, AppError> {
    let mut rows = Vec::new();
    for part in ids.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .parse::<i64>()
            .map_err(|_| AppError::Invalid("Choose rows from the list to send to.".into()))?;
        if !rows.contains(&domain::store::ContractorId(id)) {
            rows.push(domain::store::ContractorId(id));
        }
    }
    if rows.is_empty() {
        return Err(AppError::Invalid(
            "Select one or more rows to send to.".into(),
        ));
    }
    if rows.len() > crate::contractors_api::MAX_SELECTED {
        return Err(AppError::Invalid(format!(
            "Send to at most {} rows at a time, or use \"Send to every Synced row never sent\".",
            crate::contractors_api::MAX_SELECTED
        )));
    }
    Ok(rows)
}

#[cfg(feature = "ssr")]
async fn send(request: domain::sync::SendRequest, what: &str) -> Result<SendResult, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    require_admin(&member)?;
    let ctx = server_context()?;
    let summary = ctx
        .engine
        .request_sends(member.org_id, &request, &member.email)
        .await
        .map_err(|e| match e {
            domain::store::StoreError::NotFound(_) => crate::contractors_api::not_found(),
            other => AppError::internal("queuing messages", other),
        })?;
    let skipped_rows: u64 = summary.skipped.iter().map(|(_, n)| n).sum();
    let skipped = (skipped_rows > 0).then(|| {
        format!(
            "{skipped_rows} skipped: {}",
            summary
                .skipped
                .iter()
                .map(|(why, n)| format!("{why} ({n})"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    tracing::info!(
        member = member.id.0,
        rows = summary.rows,
        messages = summary.queued,
        "application links sent"
    );
    let mut entry = crate::ssr::audit_by(&member, domain::store::AuditAction::LinksSent)
        .subject(what.to_string())
        .detail(format!(
            "{} row{} ({} message{})",
            summary.rows,
            if summary.rows == 1 { "" } else { "s" },
            summary.queued,
            if summary.queued == 1 { "" } else { "s" }
        ));
    if let Some(s) = &skipped {
        entry = entry.detail(format!(
            "{} row{}; {s}",
            summary.rows,
            if summary.rows == 1 { "" } else { "s" }
        ));
    }
    crate::ssr::record(ctx.store.as_ref(), entry).await;
    let (first, last) = summary.ids.unwrap_or((0, -1));
    Ok(SendResult {
        rows: summary.rows,
        queued: summary.queued,
        first,
        last,
        skipped,
    })
}

/// Send (or Resend) the application link to the rows `ids` names (comma-separated).
#[server(endpoint = "outreach/send")]
pub async fn send_links(ids: String) -> Result<SendResult, AppError> {
    let rows = parse_ids(&ids)?;
    let what = if rows.len() == 1 {
        format!("contractor #{}", rows[0].0)
    } else {
        format!("{} selected rows", rows.len())
    };
    send(domain::sync::SendRequest::Rows(rows), &what).await
}

/// Sends the first message to every Synced row whose current link was never sent.
#[server(endpoint = "outreach/send_never_sent")]
pub async fn send_never_sent() -> Result<SendResult, AppError> {
    send(
        domain::sync::SendRequest::EveryNeverSent,
        "every Synced row never sent",
    )
    .await
}

/// Where the messages of a Send (`first..=last`, queued by this member) are.
#[server(endpoint = "outreach/progress")]
pub async fn send_progress(first: i64, last: i64) -> Result<SendState, AppError> {
    use crate::ssr::{current_member, server_context};
    use domain::store::MessageId;

    let member = current_member().await?;
    let p = server_context()?
        .store
        .message_progress(
            member.org_id,
            MessageId(first),
            MessageId(last),
            &member.email,
        )
        .await
        .context("reading send progress")?;
    Ok(SendState {
        total: p.total,
        sent: p.sent,
        failed: p.failed,
        cancelled: p.cancelled,
    })
}

/// The organization's message settings; `None` for members who are not admins.
#[server(endpoint = "outreach/get")]
pub async fn get_outreach_settings() -> Result<Option<OutreachView>, AppError> {
    use crate::ssr::{current_member, server_context};
    use domain::outreach::{MessageTemplate, PLACEHOLDERS};
    use domain::store::{ChannelChoice, Role};

    let member = current_member().await?;
    if member.role != Role::Admin {
        return Ok(None);
    }
    let ctx = server_context()?;
    let record = ctx
        .store
        .outreach_settings(member.org_id)
        .await
        .context("loading message settings")?;
    let relay = ctx.engine.mail_relay().0;
    let first = MessageTemplate::default_first();
    let reminder = MessageTemplate::default_reminder();
    Ok(Some(OutreachView {
        channels: record
            .channels
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        default_channels: ChannelChoice::default_for(relay).label().to_string(),
        mail_relay: relay,
        auto_send: record.auto_send,
        cadence: record
            .cadence
            .unwrap_or_else(|| domain::outreach::Cadence::default().to_text()),
        sender_name: record.sender_name.unwrap_or_default(),
        reply_to: record.reply_to.unwrap_or_default(),
        first_subject: record
            .first_subject
            .unwrap_or_else(|| first.subject.source().to_string()),
        first_body: record
            .first_body
            .unwrap_or_else(|| first.body.source().to_string()),
        reminder_subject: record
            .reminder_subject
            .unwrap_or_else(|| reminder.subject.source().to_string()),
        reminder_body: record
            .reminder_body
            .unwrap_or_else(|| reminder.body.source().to_string()),
        placeholders: PLACEHOLDERS
            .iter()
            .map(|(name, meaning)| (format!("{{{name}}}"), meaning.to_string()))
            .collect(),
    }))
}

/// Saves the message settings; a refusal names the field to correct.
#[server(endpoint = "outreach/save")]
pub async fn save_outreach_settings(
    channels: String,
    auto_send: Option<String>,
    cadence: String,
    sender_name: String,
    reply_to: String,
    first_subject: String,
    first_body: String,
    reminder_subject: String,
    reminder_body: String,
) -> Result<SaveOutcome, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};
    use domain::store::{ChannelChoice, OutreachSettingsRecord};

    let member = current_member().await?;
    require_admin(&member)?;
    let texts = [
        &cadence,
        &sender_name,
        &reply_to,
        &first_subject,
        &first_body,
        &reminder_subject,
        &reminder_body,
    ];
    if texts.iter().any(|t| t.len() > 10_000) {
        return Ok(Err(FieldRefusal {
            field: String::new(),
            message: "A message may be at most 10,000 characters.".into(),
        }));
    }
    let channels = match channels.as_str() {
        "" => None,
        other => Some(ChannelChoice::parse(other).ok_or_else(|| {
            AppError::Invalid("Choose email, CreatorIQ messages or both.".into())
        })?),
    };
    let keep = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let record = OutreachSettingsRecord {
        channels,
        auto_send: auto_send.is_some(),
        cadence: Some(cadence.trim().to_string()),
        sender_name: keep(&sender_name),
        reply_to: keep(&reply_to),
        first_subject: keep(&first_subject),
        first_body: keep(&first_body),
        reminder_subject: keep(&reminder_subject),
        reminder_body: keep(&reminder_body),
    };
    if let Err(e) = domain::outreach::check(&record) {
        return Ok(Err(FieldRefusal {
            field: e.field.to_string(),
            message: e.to_string(),
        }));
    }
    let ctx = server_context()?;
    ctx.store
        .save_outreach_settings(member.org_id, &record)
        .await
        .context("saving message settings")?;
    let settings =
        domain::outreach::OutreachSettings::from_record(&record, ctx.engine.mail_relay().0);
    let summary = format!(
        "{}; automatic sending {}; reminders after {} days",
        settings.channels.label(),
        if record.auto_send { "on" } else { "off" },
        if settings.cadence.days().is_empty() {
            "no".to_string()
        } else {
            settings.cadence.to_text()
        }
    );
    crate::ssr::record(
        ctx.store.as_ref(),
        crate::ssr::audit_by(&member, domain::store::AuditAction::OutreachChanged)
            .detail(summary.clone()),
    )
    .await;
    Ok(Ok(format!("Saved: {summary}.")))
}

/// The wording as a creator would read it, filled with a real Synced row's values (a sample's
/// when there is none yet). Unknown placeholders are refused, naming them.
#[server(endpoint = "outreach/preview")]
pub async fn preview_messages(
    first_subject: String,
    first_body: String,
    reminder_subject: String,
    reminder_body: String,
) -> Result<Result<PreviewView, FieldRefusal>, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};
    use domain::outreach::MessageTemplate;

    let member = current_member().await?;
    require_admin(&member)?;
    let refuse = |field: &str, e: domain::outreach::TemplateError| FieldRefusal {
        field: field.to_string(),
        message: e.to_string(),
    };
    let first = match MessageTemplate::parse(&first_subject, &first_body) {
        Ok(t) => t,
        Err(e) => return Ok(Err(refuse("first_body", e))),
    };
    let reminder = match MessageTemplate::parse(&reminder_subject, &reminder_body) {
        Ok(t) => t,
        Err(e) => return Ok(Err(refuse("reminder_body", e))),
    };
    let ctx = server_context()?;
    let (row, values) = ctx
        .engine
        .sample_message_values(member.org_id)
        .await
        .context("reading a row for the preview")?;
    Ok(Ok(PreviewView {
        row,
        first_subject: first.subject.render_line(&values),
        first_body: first.body.render(&values),
        reminder_subject: reminder.subject.render_line(&values),
        reminder_body: reminder.body.render(&values),
    }))
}
