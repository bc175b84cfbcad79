//! The engine's side of alerts: after every run it decides (with [`crate::alerts::evaluate`])
//! which conditions started or cleared and sends the new alerts to the organization's
//! recipients; Settings stores the recipients and sends a test alert.
//!
//! Runs of one organization are serialized by the sync lease, so the condition states are
//! read and written by one run at a time: each condition alerts once, whichever instance runs.

use crate::alerts::{
    check_webhook_url, evaluate, parse_emails, Alert, Notifier, Recipients, RunObservation,
    SendOutcome,
};
use crate::store::{AlertSettings, OrgId, RunState, SyncRun};

use super::{SyncEngine, SyncError};

/// What the alert settings section of Settings shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecipientsView {
    pub emails: Vec<String>,
    /// Days before a campaign starts that the coverage deadline alert warns.
    pub deadline_days: u32,
    /// Scheme and host of the stored webhook URL.
    pub webhook_shown: Option<String>,
    /// Whether this server can send email.
    pub email_available: bool,
}

/// A change of recipients from Settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookChange<'a> {
    Keep,
    Remove,
    Set(&'a str),
}

fn webhook_aad(org: OrgId) -> Vec<u8> {
    format!("alert-webhook:{}", org.0).into_bytes()
}

impl SyncEngine {
    pub fn notifier(&self) -> &Notifier {
        &self.inner.notifier
    }

    /// The organization's recipients as Settings shows them (never the webhook URL itself).
    pub async fn alert_recipients(&self, org: OrgId) -> Result<AlertRecipientsView, SyncError> {
        let settings = self.inner.store.alert_settings(org).await?;
        Ok(AlertRecipientsView {
            emails: settings.emails,
            deadline_days: settings.deadline_days,
            webhook_shown: settings.webhook_url_shown,
            email_available: self.inner.notifier.email_available(),
        })
    }

    /// Checks and stores the recipients. `Err(Ok(words))` is input to correct.
    pub async fn save_alert_recipients(
        &self,
        org: OrgId,
        emails: &str,
        webhook: WebhookChange<'_>,
        deadline_days: Option<u32>,
    ) -> Result<AlertRecipientsView, Result<String, SyncError>> {
        let emails = parse_emails(emails).map_err(Ok)?;
        if let Some(days) = deadline_days.filter(|d| !crate::store::DEADLINE_DAYS.contains(d)) {
            return Err(Ok(format!(
                "Warn between {} and {} days before a campaign starts, not {days}.",
                crate::store::DEADLINE_DAYS.start(),
                crate::store::DEADLINE_DAYS.end()
            )));
        }
        if !emails.is_empty() && !self.inner.notifier.email_available() {
            return Err(Ok(
                "This server has no SMTP settings, so it cannot send email \
                 alerts. Use a webhook, or ask the server's operator to set SMTP_HOST and \
                 SMTP_FROM."
                    .to_string(),
            ));
        }
        let stored = self
            .inner
            .store
            .alert_settings(org)
            .await
            .map_err(|e| Err(e.into()))?;
        let (webhook_url, webhook_url_shown) = match webhook {
            WebhookChange::Keep => (stored.webhook_url, stored.webhook_url_shown),
            WebhookChange::Remove => (None, None),
            WebhookChange::Set(text) => {
                let (url, shown) =
                    check_webhook_url(text, &self.inner.notifier.config().http_hosts)
                        .map_err(Ok)?;
                let sealed = self
                    .inner
                    .master_key
                    .encrypt(url.as_str().as_bytes(), &webhook_aad(org))
                    .map_err(|e| Err(e.into()))?;
                (Some(sealed), Some(shown))
            }
        };
        let settings = AlertSettings {
            emails,
            webhook_url,
            webhook_url_shown,
            deadline_days: deadline_days.unwrap_or(stored.deadline_days),
        };
        self.inner
            .store
            .save_alert_settings(org, &settings)
            .await
            .map_err(|e| Err(e.into()))?;
        Ok(AlertRecipientsView {
            emails: settings.emails,
            deadline_days: settings.deadline_days,
            webhook_shown: settings.webhook_url_shown,
            email_available: self.inner.notifier.email_available(),
        })
    }

    /// Sends a test alert to every recipient and says how each went.
    /// Whether the organization may send a test alert now (a few at once, then one a minute).
    pub fn allow_test_alert(&self, org: OrgId) -> bool {
        self.inner.notifier.allow_test_alert(org)
    }

    pub async fn send_test_alert(&self, org: OrgId) -> Result<Vec<SendOutcome>, SyncError> {
        let to = self.recipients(org).await?;
        let name = self.organization_name(org).await?;
        let alert = Alert {
            condition: None,
            subject: format!("{name}: test alert from CreatorIQ Cover"),
            text: format!(
                "This is a test. {name}'s alerts come here when a sync run fails, CreatorIQ \
                 refuses the API key, more contractor rows need attention than before, messages \
                 to creators could not be delivered, or a campaign is about to start with \
                 creators not covered."
            ),
        };
        Ok(self.inner.notifier.send(&to, &alert).await)
    }

    async fn organization_name(&self, org: OrgId) -> Result<String, SyncError> {
        Ok(self
            .inner
            .store
            .organization(org)
            .await?
            .map(|o| o.name)
            .unwrap_or_default())
    }

    async fn recipients(&self, org: OrgId) -> Result<Recipients, SyncError> {
        let settings = self.inner.store.alert_settings(org).await?;
        let webhook_url = match settings.webhook_url {
            None => None,
            Some(sealed) => {
                let plain = self.inner.master_key.decrypt(&sealed, &webhook_aad(org))?;
                String::from_utf8(plain)
                    .ok()
                    .and_then(|u| url::Url::parse(&u).ok())
            }
        };
        Ok(Recipients {
            emails: settings.emails,
            webhook_url,
        })
    }

    /// After the message worker's pass over the organization's messages: raises (or clears)
    /// "messages could not be delivered". Never fails the pass: problems are logged.
    pub(super) async fn alert_after_delivery(&self, org: OrgId, sent: u64, failed: u64) {
        let result: Result<(), SyncError> = async {
            let store = &self.inner.store;
            let state = store
                .alert_states(org)
                .await?
                .into_iter()
                .find(|(c, _)| *c == crate::store::AlertCondition::DeliveryFailed)
                .map(|(_, s)| s)
                .unwrap_or_default();
            let name = self.organization_name(org).await?;
            let base = self
                .inner
                .config
                .public_base_url
                .clone()
                .unwrap_or_default();
            let (next, alert) =
                crate::alerts::evaluate_deliveries(state, sent, failed, &name, &base);
            if next != state {
                store
                    .save_alert_state(org, crate::store::AlertCondition::DeliveryFailed, &next)
                    .await?;
            }
            if let Some(alert) = alert {
                let to = self.recipients(org).await?;
                if !to.emails.is_empty() || to.webhook_url.is_some() {
                    let notifier = self.inner.notifier.clone();
                    tokio::spawn(async move {
                        notifier.send(&to, &alert).await;
                    });
                }
            }
            Ok(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(org = org.0, error = %err, "checking the delivery alert failed");
        }
    }

    /// Raises the coverage deadline alert of each campaign that starts within the organization's
    /// lead time with creators not covered (once, until it clears), and clears the others.
    async fn deadline_alerts(
        &self,
        org: OrgId,
        organization: &str,
        base: &str,
    ) -> Result<Vec<Alert>, SyncError> {
        use crate::alerts::{deadline_alert, deadline_holds, waiting_for};
        use crate::store::{ContractorFilter, ContractorPageRequest, CoverFilter};
        use vocabulary::CoverState;

        let store = &self.inner.store;
        let today = chrono::Utc::now().date_naive();
        let lead = store.alert_settings(org).await?.deadline_days;
        let raised = store.raised_deadlines(org).await?;
        let campaigns = store.campaign_cover(org).await?;
        let mut raise = Vec::new();
        let mut clear = Vec::new();
        let mut alerts = Vec::new();
        for c in &campaigns {
            let holds = deadline_holds(c, today, lead);
            let was = raised.contains(&c.ciq_campaign_id);
            if holds && !was {
                // Who is not covered, and what each is waiting for (the first few of each kind).
                let mut rows = Vec::new();
                for state in [
                    CoverState::NotCovered,
                    CoverState::Gap,
                    CoverState::Cancelled,
                ] {
                    let request = ContractorPageRequest {
                        filter: ContractorFilter {
                            campaign: Some(c.ciq_campaign_id),
                            coverage: Some(CoverFilter { state, today }),
                            ..ContractorFilter::default()
                        },
                        limit: Some(25),
                        ..ContractorPageRequest::default()
                    };
                    rows.extend(store.contractor_page(org, &request).await?.rows);
                }
                rows.retain(|r| {
                    matches!(
                        r.contractor.status,
                        crate::store::ContractorStatus::Synced
                            | crate::store::ContractorStatus::NeedsAttention
                            | crate::store::ContractorStatus::Error
                    )
                });
                rows.truncate(25);
                let ids: Vec<_> = rows.iter().map(|r| r.contractor.id).collect();
                let contact = store.contact_summaries(org, &ids).await?;
                let waiting: Vec<(String, String)> = rows
                    .iter()
                    .map(|r| {
                        let name = r.contractor.creator_name.clone().unwrap_or_else(|| {
                            format!("Creator {}", r.contractor.ciq_publisher_id)
                        });
                        (name, waiting_for(r, contact.get(&r.contractor.id), today))
                    })
                    .collect();
                let name = c
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("Campaign {}", c.ciq_campaign_id));
                if let Some(starts_on) = c.starts_on {
                    alerts.push(deadline_alert(
                        organization,
                        &name,
                        c.ciq_campaign_id,
                        starts_on,
                        today,
                        c.creators - c.covered,
                        &waiting,
                        base,
                    ));
                }
                raise.push(c.ciq_campaign_id);
            } else if !holds && was {
                clear.push(c.ciq_campaign_id);
            }
        }
        // A campaign gone from the organization clears too.
        for id in &raised {
            if !campaigns.iter().any(|c| c.ciq_campaign_id == *id) {
                clear.push(*id);
            }
        }
        if !raise.is_empty() || !clear.is_empty() {
            store.save_deadlines(org, &raise, &clear).await?;
        }
        Ok(alerts)
    }

    /// After a run: updates the alert conditions and sends the alerts that started. Never fails
    /// the run: problems are logged.
    pub(super) async fn alert_after_run(&self, org: OrgId, run: &SyncRun, key_refused: bool) {
        if let Err(err) = self.try_alert_after_run(org, run, key_refused).await {
            tracing::warn!(org = org.0, error = %err, "checking alert conditions failed");
        }
    }

    async fn try_alert_after_run(
        &self,
        org: OrgId,
        run: &SyncRun,
        key_refused: bool,
    ) -> Result<(), SyncError> {
        let store = &self.inner.store;
        let failed = run.state == RunState::Failed;
        let needs_attention = if failed {
            0
        } else {
            store.contractor_status_counts(org).await?.needs_attention
        };
        let observation = RunObservation {
            run_id: run.id,
            failed,
            key_refused,
            error: run
                .totals
                .error
                .clone()
                .or_else(|| run.totals.errors.first().map(|e| e.message.clone())),
            needs_attention,
        };
        let states = store.alert_states(org).await?;
        let name = self.organization_name(org).await?;
        let base = self
            .inner
            .config
            .public_base_url
            .clone()
            .unwrap_or_default();
        let (changes, mut alerts) = evaluate(&states, &observation, &name, &base);
        for (condition, state) in &changes {
            store.save_alert_state(org, *condition, state).await?;
        }
        if !failed {
            alerts.extend(self.deadline_alerts(org, &name, &base).await?);
        }
        if alerts.is_empty() {
            return Ok(());
        }
        let to = self.recipients(org).await?;
        if to.emails.is_empty() && to.webhook_url.is_none() {
            return Ok(());
        }
        // Sent off the run's path: a slow mail server does not hold the run's result.
        let notifier = self.inner.notifier.clone();
        tokio::spawn(async move {
            for alert in alerts {
                tracing::info!(org = org.0, subject = %alert.subject, "sending an alert");
                notifier.send(&to, &alert).await;
            }
        });
        Ok(())
    }
}
