//! members as their organization's admins manage them, and one-time sign-in links.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{subject_key, Conn, Dialect, Pool, ThisStore};

use super::super::*;

pub(super) async fn members(
    pool: &Pool,
    org: OrgId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<MemberSummary>> {
    let rows = sqlx::query(
        "SELECT m.id, m.email, m.role, m.created_at, \
                (SELECT MAX(l.expires_at) FROM sign_in_links l \
                  WHERE l.member_id = m.id AND l.used_at IS NULL AND l.expires_at > $2) AS pending \
         FROM members m WHERE m.org_id = $1 \
         ORDER BY CASE m.role WHEN $3 THEN 0 ELSE 1 END, m.email",
    )
    .bind(org.0)
    .bind(now)
    .bind(Role::Admin.as_str())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MemberSummary {
                id: MemberId(r.get("id")),
                email: r.get("email"),
                role: stored_role(r.get("role"), "member")?,
                created_at: r.get("created_at"),
                pending_link_until: r.get("pending"),
            })
        })
        .collect()
}

/// The organization's admins other than `except`, counted inside the caller's transaction
/// (which holds the organization's writer lock).
async fn other_admins(conn: &mut Conn, org: OrgId, except: MemberId) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM members WHERE org_id = $1 AND role = $3 AND id <> $2",
    )
    .bind(org.0)
    .bind(except.0)
    .bind(Role::Admin.as_str())
    .fetch_one(&mut *conn)
    .await?)
}

async fn role_of(conn: &mut Conn, org: OrgId, member: MemberId) -> StoreResult<Role> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM members WHERE id = $1 AND org_id = $2")
            .bind(member.0)
            .bind(org.0)
            .fetch_optional(&mut *conn)
            .await?;
    stored_role(&role.ok_or(StoreError::NotFound("member"))?, "member")
}

/// A stored role column (of a member or an invitation) read back.
fn stored_role(role: &str, of: &str) -> StoreResult<Role> {
    Role::parse(role).ok_or_else(|| StoreError::Corrupt(format!("{of} role {role:?}")))
}

const LAST_ADMIN: &str = "an organization needs at least one admin";

pub(super) async fn set_member_role(
    pool: &Pool,
    org: OrgId,
    member: MemberId,
    role: Role,
) -> StoreResult<()> {
    let mut tx = ThisStore::begin(pool).await?;
    ThisStore::lock_organization(&mut tx, org).await?;
    let current = role_of(&mut tx, org, member).await?;
    if current == Role::Admin
        && role != Role::Admin
        && other_admins(&mut tx, org, member).await? == 0
    {
        return Err(StoreError::Invalid(LAST_ADMIN));
    }
    sqlx::query("UPDATE members SET role = $1 WHERE id = $2 AND org_id = $3")
        .bind(role.as_str())
        .bind(member.0)
        .bind(org.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn remove_member(
    pool: &Pool,
    org: OrgId,
    member: MemberId,
) -> StoreResult<Member> {
    let removed = super::organizations::member(pool, member)
        .await?
        .filter(|m| m.org_id == org)
        .ok_or(StoreError::NotFound("member"))?;
    let mut tx = ThisStore::begin(pool).await?;
    ThisStore::lock_organization(&mut tx, org).await?;
    let current = role_of(&mut tx, org, member).await?;
    if current == Role::Admin && other_admins(&mut tx, org, member).await? == 0 {
        return Err(StoreError::Invalid(LAST_ADMIN));
    }
    sqlx::query("DELETE FROM members WHERE id = $1 AND org_id = $2")
        .bind(member.0)
        .bind(org.0)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(removed)
}

async fn set_password_in(
    conn: &mut Conn,
    org: OrgId,
    member: MemberId,
    password_hash: &str,
) -> StoreResult<i64> {
    let generation: Option<i64> = sqlx::query_scalar(
        "UPDATE members SET password_hash = $1, session_generation = session_generation + 1 \
         WHERE id = $2 AND org_id = $3 RETURNING session_generation",
    )
    .bind(password_hash)
    .bind(member.0)
    .bind(org.0)
    .fetch_optional(&mut *conn)
    .await?;
    generation.ok_or(StoreError::NotFound("member"))
}

pub(super) async fn set_member_password(
    pool: &Pool,
    org: OrgId,
    member: MemberId,
    password_hash: &str,
) -> StoreResult<i64> {
    let mut tx = ThisStore::begin(pool).await?;
    let generation = set_password_in(&mut tx, org, member, password_hash).await?;
    tx.commit().await?;
    Ok(generation)
}

pub(super) async fn create_sign_in_link(
    pool: &Pool,
    org: OrgId,
    member: MemberId,
    token: &str,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = ThisStore::begin(pool).await?;
    // Also checks that the member is the organization's.
    role_of(&mut tx, org, member).await?;
    sqlx::query("DELETE FROM sign_in_links WHERE member_id = $1 AND used_at IS NULL")
        .bind(member.0)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sign_in_links (member_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(member.0)
    .bind(subject_key(token))
    .bind(Utc::now())
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn sign_in_link_member(
    pool: &Pool,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Member>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT member_id FROM sign_in_links \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(subject_key(token))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    match id {
        Some(id) => super::organizations::member(pool, MemberId(id)).await,
        None => Ok(None),
    }
}

pub(super) async fn use_sign_in_link(
    pool: &Pool,
    token: &str,
    now: DateTime<Utc>,
    password_hash: &str,
) -> StoreResult<Option<Member>> {
    let mut tx = ThisStore::begin(pool).await?;
    let row = sqlx::query(
        "UPDATE sign_in_links SET used_at = $2 \
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
         RETURNING member_id",
    )
    .bind(subject_key(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let member = MemberId(row.get("member_id"));
    let org: i64 = sqlx::query_scalar("SELECT org_id FROM members WHERE id = $1")
        .bind(member.0)
        .fetch_one(&mut *tx)
        .await?;
    set_password_in(&mut tx, OrgId(org), member, password_hash).await?;
    tx.commit().await?;
    super::organizations::member(pool, member).await
}

pub(super) async fn create_invitation(
    pool: &Pool,
    org: OrgId,
    email: &str,
    role: Role,
    token: &str,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let now = Utc::now();
    let mut tx = ThisStore::begin(pool).await?;
    let member: Option<i64> =
        sqlx::query_scalar("SELECT id FROM members WHERE org_id = $1 AND email = $2")
            .bind(org.0)
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
    if member.is_some() {
        return Err(StoreError::Conflict("a member with this email"));
    }
    sqlx::query("DELETE FROM invitations WHERE org_id = $1 AND email = $2 AND expires_at <= $3")
        .bind(org.0)
        .bind(email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO invitations (org_id, email, role, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(org.0)
    .bind(email)
    .bind(role.as_str())
    .bind(subject_key(token))
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await
    .map_err(|e| super::conflict(e, "an invitation for this email"))?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn invitations(
    pool: &Pool,
    org: OrgId,
    now: DateTime<Utc>,
) -> StoreResult<Vec<InvitationSummary>> {
    let rows = sqlx::query(
        "SELECT id, email, role, created_at, expires_at FROM invitations \
         WHERE org_id = $1 AND expires_at > $2 ORDER BY email",
    )
    .bind(org.0)
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InvitationSummary {
                id: InvitationId(r.get("id")),
                email: r.get("email"),
                role: stored_role(r.get("role"), "invitation")?,
                created_at: r.get("created_at"),
                expires_at: r.get("expires_at"),
            })
        })
        .collect()
}

pub(super) async fn cancel_invitation(
    pool: &Pool,
    org: OrgId,
    id: InvitationId,
) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM invitations WHERE id = $1 AND org_id = $2")
        .bind(id.0)
        .bind(org.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn invitation_by_token(
    pool: &Pool,
    token: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<InvitationInfo>> {
    let row = sqlx::query(
        "SELECT i.email, o.name FROM invitations i JOIN organizations o ON o.id = i.org_id \
         WHERE i.token_hash = $1 AND i.expires_at > $2",
    )
    .bind(subject_key(token))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| InvitationInfo {
        email: r.get(0),
        org_name: r.get(1),
    }))
}

pub(super) async fn accept_invitation(
    pool: &Pool,
    token: &str,
    now: DateTime<Utc>,
    password_hash: &str,
) -> StoreResult<Option<AcceptedInvitation>> {
    let mut tx = ThisStore::begin(pool).await?;
    // Deleting decides, atomically, which of two uses at once wins.
    let row = sqlx::query(
        "DELETE FROM invitations WHERE token_hash = $1 AND expires_at > $2 \
         RETURNING org_id, email, role",
    )
    .bind(subject_key(token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let org = OrgId(row.get("org_id"));
    let email: String = row.get("email");
    let role = stored_role(row.get("role"), "invitation")?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM members WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        tx.commit().await?;
        return Ok(Some(AcceptedInvitation::EmailTaken(email)));
    }
    match super::organizations::insert_member(&mut tx, org, &email, password_hash, role).await {
        Ok(member) => {
            tx.commit().await?;
            Ok(Some(AcceptedInvitation::Joined(member)))
        }
        // Taken a moment ago by another organization's invitation.
        Err(StoreError::Conflict(_)) => Ok(Some(AcceptedInvitation::EmailTaken(email))),
        Err(e) => Err(e),
    }
}

#[async_trait::async_trait]
impl Members for ThisStore {
    async fn create_member(
        &self,
        org: OrgId,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> StoreResult<Member> {
        super::organizations::create_member(&self.pool, org, email, password_hash, role).await
    }

    async fn member_credentials(&self, email: &str) -> StoreResult<Option<MemberCredentials>> {
        super::organizations::member_credentials(&self.pool, email).await
    }

    async fn member(&self, id: MemberId) -> StoreResult<Option<Member>> {
        super::organizations::member(&self.pool, id).await
    }

    async fn members(&self, org: OrgId) -> StoreResult<Vec<MemberSummary>> {
        members(&self.pool, org, Utc::now()).await
    }

    async fn set_member_role(&self, org: OrgId, member: MemberId, role: Role) -> StoreResult<()> {
        set_member_role(&self.pool, org, member, role).await
    }

    async fn remove_member(&self, org: OrgId, member: MemberId) -> StoreResult<Member> {
        remove_member(&self.pool, org, member).await
    }

    async fn set_member_password(
        &self,
        org: OrgId,
        member: MemberId,
        password_hash: &str,
    ) -> StoreResult<i64> {
        set_member_password(&self.pool, org, member, password_hash).await
    }
}

#[async_trait::async_trait]
impl Invitations for ThisStore {
    async fn create_sign_in_link(
        &self,
        org: OrgId,
        member: MemberId,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        create_sign_in_link(&self.pool, org, member, token, expires_at).await
    }

    async fn sign_in_link_member(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Member>> {
        sign_in_link_member(&self.pool, token, now).await
    }

    async fn use_sign_in_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Option<Member>> {
        use_sign_in_link(&self.pool, token, now, password_hash).await
    }

    async fn create_invitation(
        &self,
        org: OrgId,
        email: &str,
        role: Role,
        token: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        create_invitation(&self.pool, org, email, role, token, expires_at).await
    }

    async fn invitations(
        &self,
        org: OrgId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<InvitationSummary>> {
        invitations(&self.pool, org, now).await
    }

    async fn cancel_invitation(&self, org: OrgId, id: InvitationId) -> StoreResult<bool> {
        cancel_invitation(&self.pool, org, id).await
    }

    async fn invitation_by_token(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InvitationInfo>> {
        invitation_by_token(&self.pool, token, now).await
    }

    async fn accept_invitation(
        &self,
        token: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> StoreResult<Option<AcceptedInvitation>> {
        accept_invitation(&self.pool, token, now, password_hash).await
    }
}
