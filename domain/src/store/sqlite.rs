use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

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
}
