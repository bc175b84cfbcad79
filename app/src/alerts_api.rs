//! Settings > Alerts: where the organization is told when a run fails, CreatorIQ refuses the
//! key, or more rows need attention; and "Send test alert". Admins only. The webhook URL is
//! never shown again once saved (it carries its own secret): only its scheme and host.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    /// Comma-separated, as the form shows them.
    pub emails: String,
    /// e.g. `https://hooks.slack.com`.
    pub webhook_shown: Option<String>,
    /// The server has SMTP settings.
    pub email_available: bool,
    /// Days before a campaign starts that the coverage deadline alert warns.
    pub deadline_days: u32,
}

/// The organization's alert recipients; `None` for members who are not admins.
#[server(endpoint = "alerts/get")]
pub async fn get_alert_settings() -> Result<Option<AlertsView>, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    if member.role != domain::store::Role::Admin {
        return Ok(None);
    }
    let view = server_context()?
        .engine
        .alert_recipients(member.org_id)
        .await
        .context("loading alert settings")?;
    Ok(Some(AlertsView {
        emails: view.emails.join(", "),
        webhook_shown: view.webhook_shown,
        email_available: view.email_available,
        deadline_days: view.deadline_days,
    }))
}

/// Saves the recipients. A blank webhook field keeps the stored URL; `remove_webhook` drops it.
#[server(endpoint = "alerts/save")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn save_alert_settings(
    emails: String,
    webhook_url: String,
    remove_webhook: Option<String>,
    deadline_days: Option<String>,
) -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};
    use domain::sync::WebhookChange;

    let member = current_member().await?;
    require_admin(&member)?;
    if emails.len() > 4_000 || webhook_url.len() > 2_000 {
        return Err(AppError::Invalid(
            "That is longer than any list of addresses or webhook URL should be.".to_string(),
        ));
    }
    let change = if remove_webhook.is_some() {
        WebhookChange::Remove
    } else if webhook_url.trim().is_empty() {
        WebhookChange::Keep
    } else {
        WebhookChange::Set(webhook_url.trim())
    };
    let deadline_days = match deadline_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(days) => Some(days.parse::<u32>().map_err(|_| {
            AppError::Invalid(format!(
                "\"{}\" is not a number of days: enter a whole number such as 5.",
                days.chars().take(20).collect::<String>()
            ))
        })?),
    };
    let ctx = server_context()?;
    let saved = ctx
        .engine
        .save_alert_recipients(member.org_id, &emails, change, deadline_days)
        .await
        .map_err(|e| match e {
            Ok(words) => AppError::Invalid(words),
            Err(err) => AppError::internal("saving alert settings", err),
        })?;
    tracing::info!(
        org = member.org_id.0,
        member = member.id.0,
        "alert recipients saved"
    );
    let mut to = Vec::new();
    if !saved.emails.is_empty() {
        to.push(format!("email to {}", saved.emails.join(", ")));
    }
    if let Some(w) = &saved.webhook_shown {
        // Scheme and host only: the rest of such a URL is its secret.
        to.push(format!("the webhook at {w}"));
    }
    crate::ssr::record(
        ctx.store.as_ref(),
        crate::ssr::audit_by(&member, domain::store::AuditAction::AlertsChanged).detail(
            if to.is_empty() {
                "no recipients".to_string()
            } else {
                to.join(" and ")
            },
        ),
    )
    .await;
    let days = saved.deadline_days;
    let ahead = format!(
        "campaigns with creators not covered are flagged {days} day{} before they start",
        if days == 1 { "" } else { "s" }
    );
    Ok(if to.is_empty() {
        format!("Saved: no alerts will be sent ({ahead}).")
    } else {
        format!("Saved: alerts go by {}; {ahead}.", to.join(" and "))
    })
}

/// Sends a test alert to every recipient and says how each went.
#[server(endpoint = "alerts/test")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn send_test_alert() -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    require_admin(&member)?;
    let engine = server_context()?.engine;
    if !engine.allow_test_alert(member.org_id) {
        return Err(AppError::Invalid(format!(
            "{} test alerts were sent just now. Wait a minute before sending another.",
            domain::alerts::TEST_ALERT_BURST
        )));
    }
    let outcomes = engine
        .send_test_alert(member.org_id)
        .await
        .context("sending a test alert")?;
    if outcomes.is_empty() {
        return Err(AppError::Invalid(
            "No recipients yet: add an email address or a webhook URL, save, then send a test."
                .to_string(),
        ));
    }
    let lines: Vec<String> = outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(()) => format!("Sent: {}.", o.channel),
            Err(why) => format!("Not sent: {}: {why}.", o.channel),
        })
        .collect();
    if outcomes.iter().all(|o| o.result.is_ok()) {
        Ok(lines.join(" "))
    } else {
        Err(AppError::Invalid(lines.join(" ")))
    }
}
