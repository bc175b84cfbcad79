//! application links: the current link and history of a row and the public lookup by
//! token (an operator's "Regenerate" is a plan like a sync's: `sync_writes.rs`).

use chrono::Utc;
use sqlx::Row;

use super::{contractors::contractor, corrupt, Db, DbRow, Dialect, Pool, ThisStore};

use super::super::*;
use crate::links::{LinkState, RetireReason};

const LINK_SELECT: &str = "SELECT id, org_id, contractor_id, token, state, fingerprint, \
    created_at, created_run_id, created_reason, opened_at, submitted_at, expired_at, retired_at, \
    retired_reason FROM application_links";

fn link_from_row(r: &DbRow) -> StoreResult<ApplicationLink> {
    let state: String = r.get("state");
    Ok(ApplicationLink {
        id: LinkId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        contractor_id: ContractorId(r.get("contractor_id")),
        token: LinkToken::from_stored(r.get("token")),
        state: LinkState::parse(&state).ok_or_else(|| corrupt(format!("link state {state}")))?,
        fingerprint: r.get("fingerprint"),
        created_at: r.get("created_at"),
        created_run_id: r.get::<Option<i64>, _>("created_run_id").map(SyncRunId),
        created_reason: {
            let origin: String = r.get("created_reason");
            LinkOrigin::parse(&origin).ok_or_else(|| corrupt(format!("link origin {origin}")))?
        },
        opened_at: r.get("opened_at"),
        submitted_at: r.get("submitted_at"),
        expired_at: r.get("expired_at"),
        retired_at: r.get("retired_at"),
        retired_reason: r
            .get::<Option<String>, _>("retired_reason")
            .as_deref()
            .and_then(RetireReason::parse),
    })
}

pub(super) async fn current_link<'e, E: sqlx::Executor<'e, Database = Db>>(
    db: E,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<Option<ApplicationLink>> {
    let sql =
        format!("{LINK_SELECT} WHERE org_id = $1 AND contractor_id = $2 AND retired_at IS NULL");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(link_from_row).transpose()
}

pub(super) async fn link_history(
    pool: &Pool,
    org: OrgId,
    contractor: ContractorId,
) -> StoreResult<Vec<ApplicationLink>> {
    let sql = format!("{LINK_SELECT} WHERE org_id = $1 AND contractor_id = $2 ORDER BY id DESC");
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(contractor.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(link_from_row).collect()
}

pub(super) async fn link_by_token(
    pool: &Pool,
    token: &LinkToken,
) -> StoreResult<Option<PublicLink>> {
    let sql = format!("{LINK_SELECT} WHERE token = $1");
    let Some(row) = sqlx::query(&sql)
        .bind(token.expose())
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let link = link_from_row(&row)?;
    let contractor = contractor(pool, link.org_id, link.contractor_id)
        .await?
        .ok_or(StoreError::NotFound("contractor"))?;
    Ok(Some(PublicLink { link, contractor }))
}

pub(super) async fn mark_link(
    pool: &Pool,
    token: &LinkToken,
    to: LinkState,
) -> StoreResult<Option<LinkState>> {
    // `$3`: the new state; `$4`, `$5`: the states it may follow.
    let (sql, from) = match to {
        LinkState::Opened => (
            "UPDATE application_links SET state = $3, opened_at = $1 \
             WHERE token = $2 AND retired_at IS NULL AND state IN ($4, $5)",
            [LinkState::Active, LinkState::Active],
        ),
        LinkState::Submitted => (
            "UPDATE application_links SET state = $3, submitted_at = $1, \
             opened_at = COALESCE(opened_at, $1) \
             WHERE token = $2 AND retired_at IS NULL AND state IN ($4, $5)",
            [LinkState::Active, LinkState::Opened],
        ),
        _ => {
            return Err(StoreError::Invalid(
                "links can only be marked opened or submitted",
            ))
        }
    };
    let mut tx = ThisStore::begin(pool).await?;
    let changed = sqlx::query(sql)
        .bind(Utc::now())
        .bind(token.expose())
        .bind(to.as_str())
        .bind(from[0].as_str())
        .bind(from[1].as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed > 0 && to == LinkState::Submitted {
        // A submitted application needs no more reminders.
        super::outreach::cancel_link_messages(&mut tx, token, StopReason::Submitted).await?;
    }
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM application_links WHERE token = $1")
            .bind(token.expose())
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    state
        .map(|s| LinkState::parse(&s).ok_or_else(|| corrupt(format!("link state {s}"))))
        .transpose()
}

#[async_trait::async_trait]
impl Links for ThisStore {
    async fn current_link(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Option<ApplicationLink>> {
        current_link(&self.pool, org, contractor).await
    }

    async fn link_history(
        &self,
        org: OrgId,
        contractor: ContractorId,
    ) -> StoreResult<Vec<ApplicationLink>> {
        link_history(&self.pool, org, contractor).await
    }

    async fn link_by_token(&self, token: &LinkToken) -> StoreResult<Option<PublicLink>> {
        link_by_token(&self.pool, token).await
    }

    async fn mark_link_opened(&self, token: &LinkToken) -> StoreResult<Option<LinkState>> {
        mark_link(&self.pool, token, LinkState::Opened).await
    }

    async fn mark_link_submitted(&self, token: &LinkToken) -> StoreResult<Option<LinkState>> {
        mark_link(&self.pool, token, LinkState::Submitted).await
    }
}
