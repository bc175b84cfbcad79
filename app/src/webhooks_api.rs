//! Keeping current: the organization's CreatorIQ webhook subscriptions, the scheduled full
//! sync's interval, and the log of webhook deliveries (with Reprocess for admins). Every read is
//! scoped to the signed-in member's organization.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;
pub use vocabulary::{DeliveryState, Verification};

/// Deliveries per page of the log.
pub const DELIVERIES_PER_PAGE: u32 = 50;

/// The interval choices of the scheduled full sync, in minutes (`0`: off).
pub const INTERVAL_CHOICES: [(u32, &str); 6] = [
    (60, "Every hour"),
    (180, "Every 3 hours"),
    (360, "Every 6 hours (recommended)"),
    (720, "Every 12 hours"),
    (1440, "Once a day"),
    (0, "Off: only webhooks and Sync now"),
];

/// One event the dashboard subscribes to, and whether CreatorIQ lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionView {
    /// e.g. `Publisher/update`.
    pub event: String,
    /// What the event does here, in words.
    pub meaning: String,
    pub active: bool,
}

/// The "Keeping current" section of Settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomaticView {
    pub is_admin: bool,
    pub has_key: bool,
    /// The server knows its public address, so CreatorIQ can reach it.
    pub callback_known: bool,
    /// What CreatorIQ lists, or why it could not be asked.
    pub subscriptions: Result<Vec<SubscriptionView>, String>,
    /// Minutes between scheduled full syncs; 0: off.
    pub interval_minutes: u32,
    /// "2026-11-26 18:00 UTC", when the next scheduled sync is due.
    pub next_scheduled: Option<String>,
}

/// One delivery as the log shows it. Times are preformatted on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: i64,
    pub received: String,
    /// `Publisher/update`, or "—" when the body could not be read.
    pub event: String,
    pub creator: Option<i64>,
    /// The creator's name and first row, when the organization has rows of them.
    pub creator_name: Option<String>,
    pub creator_row: Option<i64>,
    pub campaign: Option<i64>,
    pub verification: Verification,
    pub state: DeliveryState,
    pub attempts: u64,
    pub rows_changed: Option<u64>,
    pub run_id: Option<i64>,
    /// What processing did or why it was refused, in words.
    pub detail: Option<String>,
    /// When the next attempt is due, for a delivery waiting to be retried.
    pub retry_at: Option<String>,
    /// An admin may queue it again.
    pub can_reprocess: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveriesPage {
    pub deliveries: Vec<DeliveryView>,
    pub total: u64,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
    pub is_admin: bool,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use domain::store::{Delivery, DeliveryState, Verification};

    use super::DeliveryView;

    pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    }

    pub fn event_meaning(entity: &str, action: &str) -> &'static str {
        match (entity, action) {
            ("Publisher", "update") => "a creator's details changed: their rows are re-read",
            ("Publisher", "campaign.added") => "a creator joined a campaign: it is synced",
            ("Publisher", "delete") => "a creator was deleted: their rows are re-read",
            ("Campaign", "create") => "a campaign was created: it is synced",
            ("Campaign", "delete") => "a campaign was deleted: its rows are marked removed",
            _ => "",
        }
    }

    pub fn view(d: &Delivery, is_admin: bool) -> DeliveryView {
        let event = match (&d.entity_type, &d.action_type) {
            (Some(e), Some(a)) => format!("{e}/{a}"),
            (Some(e), None) => e.clone(),
            _ => "—".to_string(),
        };
        let waiting = d.state == DeliveryState::Queued && d.attempts > 0;
        DeliveryView {
            id: d.id.0,
            received: when(d.received_at),
            event,
            creator: d.ciq_publisher_id,
            creator_name: None,
            creator_row: None,
            campaign: d.ciq_campaign_id,
            verification: d.verification,
            state: d.state,
            attempts: d.attempts,
            rows_changed: d.rows_changed,
            run_id: d.run_id.map(|r| r.0),
            detail: d.detail.clone(),
            retry_at: waiting.then(|| d.next_attempt_at.map(when)).flatten(),
            can_reprocess: is_admin
                && d.verification == Verification::Verified
                && d.state != DeliveryState::Processing,
        }
    }
}

/// Subscriptions, interval and next scheduled sync. Asking CreatorIQ for the subscriptions
/// costs one request; a failure there is shown in words, not as an error of the whole section.
#[server(endpoint = "automatic/get")]
pub async fn get_automatic_sync() -> Result<AutomaticView, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    let ctx = server_context()?;
    let org = member.org_id;
    let settings = ctx
        .store
        .ciq_settings(org)
        .await
        .context("loading settings")?;
    let has_key = settings.api_key.is_some();
    let callback_known = ctx
        .engine
        .webhook_callback(org)
        .await
        .context("building the webhook callback")?
        .is_some();
    let subscriptions = if !has_key {
        Err("No CreatorIQ API key is stored yet, so nothing is subscribed.".to_string())
    } else if !callback_known {
        Err(
            "This server has no public address (PUBLIC_BASE_URL), so CreatorIQ cannot reach \
             it with webhooks."
                .to_string(),
        )
    } else {
        match ctx.engine.webhook_subscriptions(org).await {
            Ok(list) => Ok(list
                .into_iter()
                .map(|s| SubscriptionView {
                    event: format!("{}/{}", s.entity_type, s.action_type),
                    meaning: server::event_meaning(s.entity_type, s.action_type).to_string(),
                    active: s.active,
                })
                .collect()),
            Err(err) => {
                tracing::info!(org = org.0, error = %err, "listing webhook subscriptions failed");
                Err(format!(
                    "Could not ask CreatorIQ which webhooks are subscribed: {err}."
                ))
            }
        }
    };
    Ok(AutomaticView {
        is_admin: member.role == domain::store::Role::Admin,
        has_key,
        callback_known,
        subscriptions,
        interval_minutes: settings.sync_interval_minutes.unwrap_or(0),
        next_scheduled: settings
            .sync_interval_minutes
            .and(settings.next_scheduled_at)
            .filter(|_| has_key)
            .map(server::when),
    })
}

/// Subscribes the organization's callback to every event the dashboard uses.
#[server(endpoint = "automatic/subscribe")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn subscribe_webhooks() -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    require_admin(&member)?;
    let ctx = server_context()?;
    match ctx.engine.subscribe_webhooks(member.org_id).await {
        Ok(0) => Err(AppError::Invalid(
            "This server has no public address (PUBLIC_BASE_URL), so CreatorIQ cannot reach it \
             with webhooks."
                .to_string(),
        )),
        Ok(n) => {
            crate::ssr::record(
                ctx.store.as_ref(),
                crate::ssr::audit_by(&member, domain::store::AuditAction::SubscriptionsChanged)
                    .detail(format!("subscribed to {n} events")),
            )
            .await;
            Ok(format!(
                "Subscribed: CreatorIQ confirmed all {n} events for this organization."
            ))
        }
        Err(domain::sync::SyncError::Store(e)) => {
            Err(AppError::internal("subscribing to webhooks", e))
        }
        Err(err) => Err(AppError::Invalid(format!(
            "CreatorIQ did not confirm the subscriptions: {err}."
        ))),
    }
}

/// Gives the organization a new webhook address; deliveries to the old one are refused (404)
/// from now on, and CreatorIQ's subscriptions move to the new one.
#[server(endpoint = "automatic/replace_address")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn replace_webhook_address() -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{audit_by, current_member, record, server_context};

    let member = current_member().await?;
    require_admin(&member)?;
    let ctx = server_context()?;
    let moved = ctx.engine.replace_webhook_address(member.org_id).await;
    if let Err(domain::sync::SyncError::Store(e)) = &moved {
        return Err(AppError::internal("replacing the webhook address", e));
    }
    record(
        ctx.store.as_ref(),
        audit_by(&member, domain::store::AuditAction::WebhookAddressReplaced),
    )
    .await;
    match moved {
        Ok(0) => Ok(
            "The webhook address was replaced: deliveries to the old one are refused from now \
             on. No CreatorIQ key is stored, so nothing was subscribed."
                .to_string(),
        ),
        Ok(n) => Ok(format!(
            "The webhook address was replaced: deliveries to the old one are refused from now \
             on, and CreatorIQ confirmed all {n} events at the new one."
        )),
        Err(err) => Err(AppError::Invalid(format!(
            "The webhook address was replaced, so deliveries to the old one are refused, but \
             CreatorIQ did not move the subscriptions: {err}. Press Subscribe to try again."
        ))),
    }
}

/// Sets the scheduled full sync's interval (`0`: off).
#[server(endpoint = "automatic/interval")]
pub async fn save_sync_interval(interval: String) -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    require_admin(&member)?;
    let (minutes, label) = interval
        .trim()
        .parse::<u32>()
        .ok()
        .and_then(|m| INTERVAL_CHOICES.iter().find(|(v, _)| *v == m))
        .copied()
        .ok_or_else(|| AppError::Invalid("Choose one of the listed intervals.".to_string()))?;
    let store = server_context()?.store;
    store
        .save_sync_interval(member.org_id, (minutes > 0).then_some(minutes))
        .await
        .context("saving the sync interval")?;
    crate::ssr::record(
        store.as_ref(),
        crate::ssr::audit_by(&member, domain::store::AuditAction::ScheduleChanged)
            .detail(label.to_string()),
    )
    .await;
    Ok(if minutes == 0 {
        "Scheduled syncs are off. Webhooks and Sync now still sync.".to_string()
    } else {
        format!(
            "Saved: {}. The next scheduled sync is chosen within a minute.",
            label.to_lowercase()
        )
    })
}

/// One page (1-based) of the delivery log, newest first.
#[server(endpoint = "webhooks/list")]
pub async fn list_webhook_deliveries(page: u64) -> Result<DeliveriesPage, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    let is_admin = member.role == domain::store::Role::Admin;
    let page = page.clamp(1, 1_000_000);
    let per = u64::from(DELIVERIES_PER_PAGE);
    let store = server_context()?.store;
    let (rows, total) = store
        .webhook_deliveries(member.org_id, (page - 1) * per, DELIVERIES_PER_PAGE)
        .await
        .context("loading webhook deliveries")?;
    let mut publishers: Vec<i64> = rows.iter().filter_map(|d| d.ciq_publisher_id).collect();
    publishers.sort_unstable();
    publishers.dedup();
    let names = store
        .creators_named(member.org_id, &publishers)
        .await
        .context("naming the deliveries' creators")?;
    let mut deliveries: Vec<DeliveryView> =
        rows.iter().map(|d| server::view(d, is_admin)).collect();
    for d in &mut deliveries {
        if let Some(n) = names.iter().find(|n| Some(n.ciq_publisher_id) == d.creator) {
            d.creator_name = n.name.clone();
            d.creator_row = Some(n.first_row.0);
        }
    }
    Ok(DeliveriesPage {
        deliveries,
        total,
        page,
        pages: total.div_ceil(per).max(1),
        is_admin,
    })
}

/// Queues a verified delivery again (admins).
#[server(endpoint = "webhooks/reprocess")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn reprocess_delivery(id: i64) -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};
    use domain::store::DeliveryId;

    let member = current_member().await?;
    require_admin(&member)?;
    let ctx = server_context()?;
    let queued = ctx
        .store
        .requeue_webhook_delivery(member.org_id, DeliveryId(id))
        .await
        .context("requeueing a webhook delivery")?;
    if !queued {
        return Err(AppError::Invalid(format!(
            "Delivery #{id} can't be reprocessed: only verified deliveries that are not being \
             processed right now can."
        )));
    }
    ctx.engine.wake_webhook_worker();
    crate::ssr::record(
        ctx.store.as_ref(),
        crate::ssr::audit_by(&member, domain::store::AuditAction::WebhookReprocessed)
            .subject(format!("delivery #{id}")),
    )
    .await;
    tracing::info!(
        org = member.org_id.0,
        member = member.id.0,
        delivery = id,
        "webhook delivery requeued"
    );
    Ok(format!(
        "Delivery #{id} is queued again; this page updates when it is processed."
    ))
}
