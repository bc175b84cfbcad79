//! the audit log: appended to, read newest first, never changed.

use sqlx::Row;

use super::{Pool, ThisStore};

use super::super::*;

pub(super) async fn record_audit(pool: &Pool, event: &NewAuditEvent) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO audit_events (org_id, at, actor_id, actor, action, subject, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.org.0)
    .bind(chrono::Utc::now())
    .bind(event.actor.member.map(|m| m.0))
    .bind(&event.actor.name)
    .bind(event.action.as_str())
    .bind(&event.subject)
    .bind(&event.detail)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn audit_events(
    pool: &Pool,
    org: OrgId,
    filter: &AuditFilter,
    limit: u32,
) -> StoreResult<(Vec<AuditEvent>, u64)> {
    // The filters as conditions with numbered parameters, shared by the page and the count.
    let mut conditions = vec!["org_id = $1".to_string()];
    let mut next = 2;
    if filter.action.is_some() {
        conditions.push(format!("action = ${next}"));
        next += 1;
    }
    if filter.actor.is_some() {
        conditions.push(format!("actor_id = ${next}"));
        next += 1;
    }
    let matching = conditions.join(" AND ");
    let before = filter
        .before
        .map(|_| format!(" AND id < ${next}"))
        .unwrap_or_default();
    let page_sql = format!(
        "SELECT id, at, actor_id, actor, action, subject, detail FROM audit_events \
         WHERE {matching}{before} ORDER BY id DESC LIMIT {limit}"
    );
    let count_sql = format!("SELECT COUNT(*) FROM audit_events WHERE {matching}");

    let mut page = sqlx::query(&page_sql).bind(org.0);
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(org.0);
    if let Some(action) = filter.action {
        page = page.bind(action.as_str());
        count = count.bind(action.as_str());
    }
    if let Some(actor) = filter.actor {
        page = page.bind(actor.0);
        count = count.bind(actor.0);
    }
    if let Some(before) = filter.before {
        page = page.bind(before);
    }
    let rows = page.fetch_all(pool).await?;
    let total = count.fetch_one(pool).await?;
    let events = rows
        .iter()
        .map(|r| {
            let action: String = r.get("action");
            Ok(AuditEvent {
                id: r.get("id"),
                at: r.get("at"),
                actor: Actor {
                    member: r.get::<Option<i64>, _>("actor_id").map(MemberId),
                    name: r.get("actor"),
                },
                action: AuditAction::parse(&action)
                    .ok_or_else(|| StoreError::Corrupt(format!("audit action {action:?}")))?,
                subject: r.get("subject"),
                detail: r.get("detail"),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((events, u64::try_from(total).unwrap_or(0)))
}

#[async_trait::async_trait]
impl AuditLog for ThisStore {
    async fn record_audit(&self, event: &NewAuditEvent) -> StoreResult<()> {
        record_audit(&self.pool, event).await
    }

    async fn audit_events(
        &self,
        org: OrgId,
        filter: &AuditFilter,
        limit: u32,
    ) -> StoreResult<(Vec<AuditEvent>, u64)> {
        audit_events(&self.pool, org, filter, limit).await
    }
}
