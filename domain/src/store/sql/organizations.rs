//! organizations, members, and the sign-in throttle.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{conflict, subject_key, Conn, Dialect, Pool, ThisStore};

use super::super::*;

pub(super) async fn create_organization(
    pool: &Pool,
    slug: &str,
    name: &str,
) -> StoreResult<Organization> {
    let created_at = Utc::now();
    let webhook_id = new_webhook_id();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO organizations (slug, name, created_at, webhook_id) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(created_at)
    .bind(&webhook_id)
    .fetch_one(pool)
    .await
    .map_err(|e| conflict(e, "an organization with this slug"))?;
    Ok(Organization {
        id: OrgId(id),
        slug: slug.to_owned(),
        name: name.to_owned(),
        created_at,
        webhook_id,
    })
}

pub(super) async fn rotate_webhook_id(pool: &Pool, org: OrgId) -> StoreResult<String> {
    let webhook_id = new_webhook_id();
    let done = sqlx::query("UPDATE organizations SET webhook_id = $1 WHERE id = $2")
        .bind(&webhook_id)
        .bind(org.0)
        .execute(pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound("organization"));
    }
    Ok(webhook_id)
}

/// 128 random bits, hex.
fn new_webhook_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

const ORGANIZATION_SELECT: &str =
    "SELECT id, slug, name, created_at, webhook_id FROM organizations";

fn organization_from_row(r: &super::DbRow) -> Organization {
    Organization {
        id: OrgId(r.get("id")),
        slug: r.get("slug"),
        name: r.get("name"),
        created_at: r.get("created_at"),
        webhook_id: r.get::<Option<String>, _>("webhook_id").unwrap_or_default(),
    }
}

pub(super) async fn organization_by_webhook_id(
    pool: &Pool,
    webhook_id: &str,
) -> StoreResult<Option<Organization>> {
    let row = sqlx::query(&format!("{ORGANIZATION_SELECT} WHERE webhook_id = $1"))
        .bind(webhook_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(organization_from_row))
}

pub(super) async fn organization_by_slug(
    pool: &Pool,
    slug: &str,
) -> StoreResult<Option<Organization>> {
    let row = sqlx::query(&format!("{ORGANIZATION_SELECT} WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(organization_from_row))
}

pub(super) async fn organization_slugs(pool: &Pool) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT slug FROM organizations ORDER BY slug")
            .fetch_all(pool)
            .await?,
    )
}

pub(super) async fn create_member(
    pool: &Pool,
    org: OrgId,
    email: &str,
    password_hash: &str,
    role: Role,
) -> StoreResult<Member> {
    let mut tx = ThisStore::begin(pool).await?;
    let member = insert_member(&mut tx, org, email, password_hash, role).await?;
    tx.commit().await?;
    Ok(member)
}

/// Adds a member inside the caller's transaction; `Conflict` when the email signs in already.
pub(super) async fn insert_member(
    conn: &mut Conn,
    org: OrgId,
    email: &str,
    password_hash: &str,
    role: Role,
) -> StoreResult<Member> {
    let session_key = SessionKey::random();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO members (org_id, email, password_hash, role, created_at, session_key) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(org.0)
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(Utc::now())
    .bind(session_key.expose())
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| conflict(e, "a member with this email"))?;
    let org_name: String = sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1")
        .bind(org.0)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Member {
        id: MemberId(id),
        org_id: org,
        org_name,
        email: email.to_owned(),
        role,
        session_generation: 0,
        session_key,
    })
}

pub(super) async fn member_credentials(
    pool: &Pool,
    email: &str,
) -> StoreResult<Option<MemberCredentials>> {
    let row = sqlx::query("SELECT id, password_hash FROM members WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| MemberCredentials {
        id: MemberId(r.get("id")),
        password_hash: r.get("password_hash"),
    }))
}

pub(super) async fn member(pool: &Pool, id: MemberId) -> StoreResult<Option<Member>> {
    let row = sqlx::query(
        "SELECT m.id, m.org_id, o.name AS org_name, m.email, m.role, m.session_generation, \
                m.session_key \
         FROM members m JOIN organizations o ON o.id = m.org_id WHERE m.id = $1",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        Some(Member {
            id: MemberId(r.get("id")),
            org_id: OrgId(r.get("org_id")),
            org_name: r.get("org_name"),
            email: r.get("email"),
            role: Role::parse(r.get::<&str, _>("role"))?,
            session_generation: r.get("session_generation"),
            session_key: SessionKey::from_stored(r.get("session_key")),
        })
    }))
}

pub(super) async fn organization(pool: &Pool, id: OrgId) -> StoreResult<Option<Organization>> {
    let row = sqlx::query(&format!("{ORGANIZATION_SELECT} WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(organization_from_row))
}

pub(super) async fn record_login_failure(
    pool: &Pool,
    subjects: &[String],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = ThisStore::begin(pool).await?;
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

pub(super) async fn recent_login_failures(
    pool: &Pool,
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
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|ms| {
            DateTime::<Utc>::from_timestamp_millis(ms)
                .ok_or_else(|| StoreError::Corrupt(format!("login failure time {ms}")))
        })
        .collect()
}

pub(super) async fn forget_login_attempt(
    pool: &Pool,
    subjects: &[String],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    for subject in subjects {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1 AND failed_at = $2")
            .bind(subject_key(subject))
            .bind(at.timestamp_millis())
            .execute(pool)
            .await?;
    }
    Ok(())
}

pub(super) async fn clear_login_failures(pool: &Pool, subject: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_failures WHERE subject = $1")
        .bind(subject_key(subject))
        .execute(pool)
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl Organizations for ThisStore {
    async fn create_organization(&self, slug: &str, name: &str) -> StoreResult<Organization> {
        create_organization(&self.pool, slug, name).await
    }

    async fn organization_by_slug(&self, slug: &str) -> StoreResult<Option<Organization>> {
        organization_by_slug(&self.pool, slug).await
    }

    async fn organization_slugs(&self) -> StoreResult<Vec<String>> {
        organization_slugs(&self.pool).await
    }

    async fn organization(&self, id: OrgId) -> StoreResult<Option<Organization>> {
        organization(&self.pool, id).await
    }

    async fn organization_by_webhook_id(
        &self,
        webhook_id: &str,
    ) -> StoreResult<Option<Organization>> {
        organization_by_webhook_id(&self.pool, webhook_id).await
    }

    async fn rotate_webhook_id(&self, org: OrgId) -> StoreResult<String> {
        rotate_webhook_id(&self.pool, org).await
    }
}

#[async_trait::async_trait]
impl LoginThrottle for ThisStore {
    async fn record_login_failure(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        record_login_failure(&self.pool, subjects, at).await
    }

    async fn recent_login_failures(
        &self,
        subject: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<DateTime<Utc>>> {
        recent_login_failures(&self.pool, subject, since, limit).await
    }

    async fn clear_login_failures(&self, subject: &str) -> StoreResult<()> {
        clear_login_failures(&self.pool, subject).await
    }

    async fn forget_login_attempt(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        forget_login_attempt(&self.pool, subjects, at).await
    }
}
