use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use super::sqlite_sync as sync;
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// The embedded default store: one SQLite file in WAL mode.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a plain path) and
    /// runs the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() && !Path::new(parent).exists() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(e.into()))?;
            }
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for components that keep their own tables next to ours (the session store).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Sign-in throttle subjects are stored hashed: what people type into the email box is
/// sometimes their password.
fn subject_key(subject: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(subject.as_bytes()))
}

fn conflict(err: sqlx::Error, what: &'static str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(err),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_organization(&self, slug: &str, name: &str) -> StoreResult<Organization> {
        let created_at = Utc::now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organizations (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slug)
        .bind(name)
        .bind(created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| conflict(e, "an organization with this slug"))?;
        Ok(Organization {
            id: OrgId(id),
            slug: slug.to_owned(),
            name: name.to_owned(),
            created_at,
        })
    }

    async fn organization_by_slug(&self, slug: &str) -> StoreResult<Option<Organization>> {
        let row =
            sqlx::query("SELECT id, slug, name, created_at FROM organizations WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| Organization {
            id: OrgId(r.get("id")),
            slug: r.get("slug"),
            name: r.get("name"),
            created_at: r.get("created_at"),
        }))
    }

    async fn create_member(
        &self,
        org: OrgId,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> StoreResult<Member> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO members (org_id, email, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(org.0)
        .bind(email)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| conflict(e, "a member with this email"))?;
        let org_name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Member {
            id: MemberId(id),
            org_id: org,
            org_name,
            email: email.to_owned(),
            role,
        })
    }

    async fn member_credentials(&self, email: &str) -> StoreResult<Option<MemberCredentials>> {
        let row = sqlx::query("SELECT id, password_hash FROM members WHERE email = $1")
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| MemberCredentials {
            id: MemberId(r.get("id")),
            password_hash: r.get("password_hash"),
        }))
    }

    async fn member(&self, id: MemberId) -> StoreResult<Option<Member>> {
        let row = sqlx::query(
            "SELECT m.id, m.org_id, o.name AS org_name, m.email, m.role \
             FROM members m JOIN organizations o ON o.id = m.org_id WHERE m.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|r| {
            Some(Member {
                id: MemberId(r.get("id")),
                org_id: OrgId(r.get("org_id")),
                org_name: r.get("org_name"),
                email: r.get("email"),
                role: Role::parse(r.get::<&str, _>("role"))?,
            })
        }))
    }
    async fn organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        let row = sqlx::query("SELECT id, slug, name, created_at FROM organizations WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Organization {
            id: OrgId(r.get("id")),
            slug: r.get("slug"),
            name: r.get("name"),
            created_at: r.get("created_at"),
        }))
    }

    async fn ciq_settings(&self, org: OrgId) -> StoreResult<CiqSettings> {
        sync::ciq_settings(&self.pool, org).await
    }

    async fn save_ciq_connection(
        &self,
        org: OrgId,
        base_url: &str,
        encrypted: &EncryptedSecret,
        last4: &str,
    ) -> StoreResult<()> {
        let update = sync::SettingUpdate::Connection {
            base_url,
            secret: encrypted,
            last4,
        };
        sync::update_settings(&self.pool, org, update).await
    }

    async fn clear_ciq_key(&self, org: OrgId) -> StoreResult<()> {
        sync::update_settings(&self.pool, org, sync::SettingUpdate::ClearKey).await
    }

    async fn count_ciq_request(
        &self,
        fingerprint: &str,
        day: NaiveDate,
        limit: u64,
    ) -> StoreResult<Option<u64>> {
        sync::count_ciq_request(&self.pool, fingerprint, day, limit).await
    }

    async fn ciq_requests_on(&self, fingerprint: &str, day: NaiveDate) -> StoreResult<u64> {
        sync::ciq_requests_on(&self.pool, fingerprint, day).await
    }

    async fn save_coverage_types(&self, org: OrgId, types: CoverageTypes) -> StoreResult<()> {
        sync::update_settings(&self.pool, org, sync::SettingUpdate::Coverage(types)).await
    }

    async fn begin_sync_run(
        &self,
        org: OrgId,
        trigger: &Trigger,
        contractor: Option<ContractorId>,
        lease: &LeaseRequest,
    ) -> StoreResult<BeginRun> {
        sync::begin_sync_run(&self.pool, org, trigger, contractor, lease).await
    }

    async fn record_sync_progress(
        &self,
        org: OrgId,
        run: SyncRunId,
        progress: &SyncProgress,
        lease: &LeaseRequest,
    ) -> StoreResult<bool> {
        sync::record_sync_progress(&self.pool, org, run, progress, lease).await
    }

    async fn finish_sync_run(
        &self,
        org: OrgId,
        run: SyncRunId,
        state: RunState,
        totals: &RunTotals,
        holder: &str,
    ) -> StoreResult<()> {
        sync::finish_sync_run(&self.pool, org, run, state, totals, holder).await
    }

    async fn sync_run(&self, org: OrgId, run: SyncRunId) -> StoreResult<Option<SyncRun>> {
        sync::sync_run(&self.pool, org, run).await
    }

    async fn sync_runs(
        &self,
        org: OrgId,
        before: Option<SyncRunId>,
        limit: u32,
    ) -> StoreResult<Vec<SyncRun>> {
        sync::sync_runs(&self.pool, org, before, limit).await
    }

    async fn running_sync_run(&self, org: OrgId) -> StoreResult<Option<SyncRun>> {
        sync::running_sync_run(&self.pool, org).await
    }

    async fn apply_campaign_sync(
        &self,
        org: OrgId,
        run: SyncRunId,
        sync: &CampaignSync,
    ) -> StoreResult<ApplyOutcome> {
        sync::apply_campaign_sync(&self.pool, org, run, sync).await
    }

    async fn record_campaign_failure(
        &self,
        org: OrgId,
        run: SyncRunId,
        campaign: &CampaignRecord,
        failure: &SyncFailure,
    ) -> StoreResult<u64> {
        sync::record_campaign_failure(&self.pool, org, run, campaign, failure).await
    }

    async fn record_row_failure(
        &self,
        org: OrgId,
        run: SyncRunId,
        contractor: ContractorId,
        failure: &SyncFailure,
    ) -> StoreResult<()> {
        sync::record_row_failure(&self.pool, org, run, contractor, failure).await
    }

    async fn remove_missing_campaigns(
        &self,
        org: OrgId,
        run: SyncRunId,
        present: &[i64],
    ) -> StoreResult<ApplyOutcome> {
        sync::remove_missing_campaigns(&self.pool, org, run, present).await
    }

    async fn contractor(&self, org: OrgId, id: ContractorId) -> StoreResult<Option<Contractor>> {
        sync::contractor(&self.pool, org, id).await
    }

    async fn contractor_by_ciq_ids(
        &self,
        org: OrgId,
        ciq_campaign_id: i64,
        ciq_publisher_id: i64,
    ) -> StoreResult<Option<Contractor>> {
        sync::contractor_by_ciq_ids(&self.pool, org, ciq_campaign_id, ciq_publisher_id).await
    }

    async fn contractors_for_publisher(
        &self,
        org: OrgId,
        ciq_publisher_id: i64,
    ) -> StoreResult<Vec<Contractor>> {
        sync::contractors_for_publisher(&self.pool, org, ciq_publisher_id).await
    }

    async fn contractor_status_counts(&self, org: OrgId) -> StoreResult<StatusCounts> {
        sync::contractor_status_counts(&self.pool, org).await
    }

    async fn contractor_history(
        &self,
        org: OrgId,
        id: ContractorId,
        limit: u32,
    ) -> StoreResult<Vec<ContractorEvent>> {
        sync::contractor_history(&self.pool, org, id, limit).await
    }

    async fn current_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Option<ApplicationLink>> {
        sync::current_link(&self.pool, org, contractor).await
    }

    async fn link_history(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<ApplicationLink>> {
        sync::link_history(&self.pool, org, contractor).await
    }

    async fn regenerate_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<ApplicationLink> {
        sync::regenerate_link(&self.pool, org, contractor).await
    }

    async fn link_by_token(&self, token: &LinkToken) -> StoreResult<Option<PublicLink>> {
        sync::link_by_token(&self.pool, token).await
    }

    async fn mark_link_opened(&self, token: &LinkToken) -> StoreResult<Option<LinkState>> {
        sync::mark_link(&self.pool, token, LinkState::Opened).await
    }

    async fn mark_link_submitted(&self, token: &LinkToken) -> StoreResult<Option<LinkState>> {
        sync::mark_link(&self.pool, token, LinkState::Submitted).await
    }

    // --- Contractors pages ---

    async fn contractor_page(
        &self,
        org: OrgId,
        request: &ContractorPageRequest,
    ) -> StoreResult<ContractorPage> {
        super::sqlite_contractors::contractor_page(&self.pool, org, request).await
    }

    async fn contractor_filter_counts(
        &self,
        org: OrgId,
        filter: &ContractorFilter,
    ) -> StoreResult<StatusCounts> {
        super::sqlite_contractors::filter_counts(&self.pool, org, filter).await
    }

    async fn contractor_campaigns(&self, org: OrgId) -> StoreResult<Vec<CampaignOption>> {
        super::sqlite_contractors::campaigns(&self.pool, org).await
    }

    // --- Settings and runs pages ---

    async fn record_login_failure(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // Nothing looks back further than a day; keeps the table small without a janitor.
        sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
            .bind((at - chrono::Duration::days(1)).timestamp_millis())
            .execute(&mut *tx)
            .await?;
        for subject in subjects {
            sqlx::query("INSERT INTO login_failures (subject, failed_at) VALUES ($1, $2)")
                .bind(subject_key(subject))
                .bind(at.timestamp_millis())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn recent_login_failures(
        &self,
        subject: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT failed_at FROM login_failures WHERE subject = $1 AND failed_at >= $2 \
             ORDER BY failed_at DESC LIMIT $3",
        )
        .bind(subject_key(subject))
        .bind(since.timestamp_millis())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|ms| {
                DateTime::<Utc>::from_timestamp_millis(ms)
                    .ok_or_else(|| StoreError::Corrupt(format!("login failure time {ms}")))
            })
            .collect()
    }

    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject_key(subject))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
