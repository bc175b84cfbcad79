//! [`SessionRecords`] for either backend: the sessions table of migration 0016.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::super::sessions::{SessionRecords, SessionRow};
use super::super::*;
use super::ThisStore;

#[async_trait]
impl SessionRecords for ThisStore {
    async fn create_session(&self, session: &SessionRow) -> StoreResult<bool> {
        let written = sqlx::query(
            "INSERT INTO sessions (id, member_id, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&session.id)
        .bind(session.member.map(|m| m.0))
        .bind(&session.data)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(written.rows_affected() == 1)
    }

    async fn save_session(&self, session: &SessionRow) -> StoreResult<()> {
        // Through a SELECT so that a removed member's session is simply not written (instead
        // of failing the request on the foreign key).
        sqlx::query(
            "INSERT INTO sessions (id, member_id, data, expires_at) \
             SELECT $1, $2, $3, $4 \
             WHERE $2 IS NULL OR EXISTS (SELECT 1 FROM members WHERE id = $2) \
             ON CONFLICT (id) DO UPDATE SET member_id = excluded.member_id, \
                 data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(&session.id)
        .bind(session.member.map(|m| m.0))
        .bind(&session.data)
        .bind(session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn load_session(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(String, DateTime<Utc>)>> {
        Ok(sqlx::query_as(
            "SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn delete_session(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn member_session_count(&self, member: MemberId) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE member_id = $1")
            .bind(member.0)
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
