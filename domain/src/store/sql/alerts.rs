//! where an organization's alerts go, and which alert conditions stand raised.

use chrono::Utc;
use sqlx::Row;

use super::{Pool, ThisStore};

use super::super::*;

fn i(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) async fn alert_settings(pool: &Pool, org: OrgId) -> StoreResult<AlertSettings> {
    let row = sqlx::query(
        "SELECT emails, webhook_url_encrypted, webhook_url_shown, deadline_days \
         FROM alert_settings WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.map_or_else(AlertSettings::default, |r| AlertSettings {
        emails: r
            .get::<Option<String>, _>("emails")
            .map(|e| {
                e.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        webhook_url: r
            .get::<Option<Vec<u8>>, _>("webhook_url_encrypted")
            .map(EncryptedSecret),
        webhook_url_shown: r.get("webhook_url_shown"),
        deadline_days: u32::try_from(r.get::<i64, _>("deadline_days"))
            .unwrap_or(DEFAULT_DEADLINE_DAYS),
    }))
}

pub(super) async fn save_alert_settings(
    pool: &Pool,
    org: OrgId,
    settings: &AlertSettings,
) -> StoreResult<()> {
    let emails = (!settings.emails.is_empty()).then(|| settings.emails.join(", "));
    sqlx::query(
        "INSERT INTO alert_settings (org_id, emails, webhook_url_encrypted, webhook_url_shown, \
         updated_at, deadline_days) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (org_id) DO UPDATE SET emails = excluded.emails, \
         webhook_url_encrypted = excluded.webhook_url_encrypted, \
         webhook_url_shown = excluded.webhook_url_shown, updated_at = excluded.updated_at, \
         deadline_days = excluded.deadline_days",
    )
    .bind(org.0)
    .bind(emails)
    .bind(settings.webhook_url.as_ref().map(|s| s.0.clone()))
    .bind(&settings.webhook_url_shown)
    .bind(Utc::now())
    .bind(i64::from(settings.deadline_days))
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn alert_states(
    pool: &Pool,
    org: OrgId,
) -> StoreResult<Vec<(AlertCondition, AlertState)>> {
    let rows = sqlx::query(
        "SELECT condition, active, baseline, last_value FROM alert_conditions WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    Ok(AlertCondition::ALL
        .into_iter()
        .map(|c| {
            let state = rows
                .iter()
                .find(|r| r.get::<String, _>("condition") == c.as_str())
                .map(|r| AlertState {
                    active: r.get("active"),
                    baseline: super::u(r, "baseline"),
                    last_value: super::u(r, "last_value"),
                })
                .unwrap_or_default();
            (c, state)
        })
        .collect())
}

pub(super) async fn save_alert_state(
    pool: &Pool,
    org: OrgId,
    condition: AlertCondition,
    state: &AlertState,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO alert_conditions (org_id, condition, active, baseline, last_value, \
         changed_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (org_id, condition) DO UPDATE SET active = excluded.active, \
         baseline = excluded.baseline, last_value = excluded.last_value, \
         changed_at = CASE WHEN alert_conditions.active = excluded.active \
             THEN alert_conditions.changed_at ELSE excluded.changed_at END",
    )
    .bind(org.0)
    .bind(condition.as_str())
    .bind(state.active)
    .bind(i(state.baseline))
    .bind(i(state.last_value))
    .bind(Utc::now())
    .execute(pool)
    .await?;
    Ok(())
}

async fn raised_deadlines(pool: &Pool, org: OrgId) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT ciq_campaign_id FROM deadline_alerts WHERE org_id = $1 ORDER BY ciq_campaign_id",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
}

async fn save_deadlines(pool: &Pool, org: OrgId, raise: &[i64], clear: &[i64]) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    for campaign in raise {
        sqlx::query(
            "INSERT INTO deadline_alerts (org_id, ciq_campaign_id, raised_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id, ciq_campaign_id) DO NOTHING",
        )
        .bind(org.0)
        .bind(campaign)
        .bind(Utc::now())
        .execute(&mut *tx)
        .await?;
    }
    for campaign in clear {
        sqlx::query("DELETE FROM deadline_alerts WHERE org_id = $1 AND ciq_campaign_id = $2")
            .bind(org.0)
            .bind(campaign)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[async_trait::async_trait]
impl AlertRecords for ThisStore {
    async fn raised_deadlines(&self, org: OrgId) -> StoreResult<Vec<i64>> {
        raised_deadlines(&self.pool, org).await
    }

    async fn save_deadlines(&self, org: OrgId, raise: &[i64], clear: &[i64]) -> StoreResult<()> {
        save_deadlines(&self.pool, org, raise, clear).await
    }

    async fn alert_settings(&self, org: OrgId) -> StoreResult<AlertSettings> {
        alert_settings(&self.pool, org).await
    }

    async fn save_alert_settings(&self, org: OrgId, settings: &AlertSettings) -> StoreResult<()> {
        save_alert_settings(&self.pool, org, settings).await
    }

    async fn alert_states(&self, org: OrgId) -> StoreResult<Vec<(AlertCondition, AlertState)>> {
        alert_states(&self.pool, org).await
    }

    async fn save_alert_state(
        &self,
        org: OrgId,
        condition: AlertCondition,
        state: &AlertState,
    ) -> StoreResult<()> {
        save_alert_state(&self.pool, org, condition, state).await
    }
}
