//! an organization's CreatorIQ settings and the per-key daily request count.

use chrono::{NaiveDate, Utc};
use sqlx::Row;

use super::{corrupt, Conn, Dialect, Pool, ThisStore};

use super::super::*;
use crate::creatoriq::DEFAULT_BASE_URL;

pub(super) async fn ciq_settings(pool: &Pool, org: OrgId) -> StoreResult<CiqSettings> {
    let row = sqlx::query(
        "SELECT base_url, api_key_encrypted, api_key_last4, coverage_types, updated_at, \
         sync_interval_minutes, next_scheduled_at, app_link_template FROM ciq_settings \
         WHERE org_id = $1",
    )
    .bind(org.0)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else {
        return Ok(CiqSettings {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: None,
            api_key_last4: None,
            coverage_types: CoverageTypes::default(),
            updated_at: None,
            sync_interval_minutes: Some(DEFAULT_SYNC_INTERVAL_MINUTES),
            next_scheduled_at: None,
            app_link_template: None,
        });
    };
    let types: String = r.get("coverage_types");
    Ok(CiqSettings {
        base_url: r.get("base_url"),
        api_key: r
            .get::<Option<Vec<u8>>, _>("api_key_encrypted")
            .map(EncryptedSecret),
        api_key_last4: r.get("api_key_last4"),
        coverage_types: CoverageTypes::parse(&types)
            .ok_or_else(|| corrupt(format!("coverage types {types:?}")))?,
        updated_at: Some(r.get("updated_at")),
        sync_interval_minutes: r
            .get::<Option<i64>, _>("sync_interval_minutes")
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| *m > 0),
        next_scheduled_at: r.get("next_scheduled_at"),
        app_link_template: r.get("app_link_template"),
    })
}

/// Makes sure the organization has a settings row (with defaults) so updates can be plain
/// `UPDATE`s of one column.
async fn ensure_settings(conn: &mut Conn, org: OrgId) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO ciq_settings (org_id, base_url, coverage_types, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO NOTHING",
    )
    .bind(org.0)
    .bind(DEFAULT_BASE_URL)
    .bind(CoverageTypes::default().as_str())
    .bind(Utc::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(super) enum SettingUpdate<'a> {
    Connection {
        base_url: &'a str,
        secret: &'a EncryptedSecret,
        last4: &'a str,
    },
    ClearKey,
    Coverage(CoverageTypes),
    /// Minutes between scheduled syncs (`None`: off); the next run is scheduled afresh.
    Schedule(Option<u32>),
    /// The "Open in CreatorIQ" address template (`None`: no link).
    AppLink(Option<&'a str>),
}

pub(super) async fn update_settings(
    pool: &Pool,
    org: OrgId,
    update: SettingUpdate<'_>,
) -> StoreResult<()> {
    let mut tx = ThisStore::begin(pool).await?;
    ensure_settings(&mut tx, org).await?;
    let now = Utc::now();
    let query = match update {
        SettingUpdate::Connection {
            base_url,
            secret,
            last4,
        } => sqlx::query(
            "UPDATE ciq_settings SET base_url = $1, api_key_encrypted = $2, api_key_last4 = $3, \
             updated_at = $4 WHERE org_id = $5",
        )
        .bind(base_url.trim().trim_end_matches('/').to_string())
        .bind(secret.0.clone())
        .bind(last4.to_string()),
        SettingUpdate::ClearKey => sqlx::query(
            "UPDATE ciq_settings SET api_key_encrypted = $1, api_key_last4 = $2, updated_at = $3 \
             WHERE org_id = $4",
        )
        .bind(None::<Vec<u8>>)
        .bind(None::<String>),
        SettingUpdate::Coverage(types) => sqlx::query(
            "UPDATE ciq_settings SET coverage_types = $1, updated_at = $2 WHERE org_id = $3",
        )
        .bind(types.as_str()),
        SettingUpdate::Schedule(minutes) => sqlx::query(
            "UPDATE ciq_settings SET sync_interval_minutes = $1, next_scheduled_at = NULL, \
             updated_at = $2 WHERE org_id = $3",
        )
        .bind(minutes.map(i64::from)),
        SettingUpdate::AppLink(template) => sqlx::query(
            "UPDATE ciq_settings SET app_link_template = $1, updated_at = $2 WHERE org_id = $3",
        )
        .bind(template.map(str::to_string)),
    };
    query.bind(now).bind(org.0).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// CreatorIQ request quota
// ---------------------------------------------------------------------------------------------

/// Days of request counts kept (today is what matters; a week helps answer "what happened").
const USAGE_DAYS_KEPT: i64 = 7;

pub(super) async fn count_ciq_requests(
    pool: &Pool,
    fingerprint: &str,
    day: chrono::NaiveDate,
    n: u64,
    limit: u64,
) -> StoreResult<Option<u64>> {
    if n == 0 || n > limit {
        return Ok(None);
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    // One statement, so concurrent instances can neither both take the last request nor lose
    // a count: the conditional upsert only increments below the limit.
    let count: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ciq_request_usage (key_fingerprint, day, requests) VALUES ($1, $2, $4) \
         ON CONFLICT (key_fingerprint, day) DO UPDATE \
         SET requests = ciq_request_usage.requests + $4 \
         WHERE ciq_request_usage.requests + $4 <= $3 \
         RETURNING requests",
    )
    .bind(fingerprint)
    .bind(day)
    .bind(limit)
    .bind(n)
    .fetch_optional(pool)
    .await?;
    if count == Some(n) {
        let cutoff = day - chrono::Duration::days(USAGE_DAYS_KEPT);
        sqlx::query("DELETE FROM ciq_request_usage WHERE day < $1")
            .bind(cutoff)
            .execute(pool)
            .await?;
    }
    Ok(count.map(|n| u64::try_from(n).unwrap_or(0)))
}

pub(super) async fn ciq_requests_on(
    pool: &Pool,
    fingerprint: &str,
    day: chrono::NaiveDate,
) -> StoreResult<u64> {
    let count: Option<i64> = sqlx::query_scalar(
        "SELECT requests FROM ciq_request_usage WHERE key_fingerprint = $1 AND day = $2",
    )
    .bind(fingerprint)
    .bind(day)
    .fetch_optional(pool)
    .await?;
    Ok(count.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}

#[async_trait::async_trait]
impl CreatorIqSettings for ThisStore {
    async fn ciq_settings(&self, org: OrgId) -> StoreResult<CiqSettings> {
        ciq_settings(&self.pool, org).await
    }

    async fn save_ciq_connection(
        &self,
        org: OrgId,
        base_url: &str,
        encrypted: &EncryptedSecret,
        last4: &str,
    ) -> StoreResult<()> {
        let update = SettingUpdate::Connection {
            base_url,
            secret: encrypted,
            last4,
        };
        update_settings(&self.pool, org, update).await
    }

    async fn clear_ciq_key(&self, org: OrgId) -> StoreResult<()> {
        update_settings(&self.pool, org, SettingUpdate::ClearKey).await
    }

    async fn count_ciq_requests(
        &self,
        fingerprint: &str,
        day: NaiveDate,
        n: u64,
        limit: u64,
    ) -> StoreResult<Option<u64>> {
        count_ciq_requests(&self.pool, fingerprint, day, n, limit).await
    }

    async fn ciq_requests_on(&self, fingerprint: &str, day: NaiveDate) -> StoreResult<u64> {
        ciq_requests_on(&self.pool, fingerprint, day).await
    }

    async fn save_coverage_types(&self, org: OrgId, types: CoverageTypes) -> StoreResult<()> {
        update_settings(&self.pool, org, SettingUpdate::Coverage(types)).await
    }

    async fn save_sync_interval(&self, org: OrgId, minutes: Option<u32>) -> StoreResult<()> {
        update_settings(&self.pool, org, SettingUpdate::Schedule(minutes)).await
    }

    async fn save_app_link_template(&self, org: OrgId, template: Option<&str>) -> StoreResult<()> {
        update_settings(&self.pool, org, SettingUpdate::AppLink(template)).await
    }
}
