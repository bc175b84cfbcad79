//! claiming rows of a work queue (webhook deliveries, messages to creators): the due rows,
//! and those whose claim ran out, are marked claimed by one holder until a time, in one
//! statement; concurrent claimers skip each other's rows (`SKIP LOCKED` on PostgreSQL, the
//! one writer on SQLite), so no row is claimed twice.

use chrono::{DateTime, Utc};

use super::{DbRow, Dialect, Pool, ThisStore};

use super::super::*;

/// A queue table and its words.
pub(super) struct Queue {
    pub table: &'static str,
    /// The state of a row waiting for a worker, and of a claimed one.
    pub waiting: &'static str,
    pub claimed: &'static str,
    /// The column holding when a waiting row is due.
    pub due_column: &'static str,
    /// The order rows are claimed in.
    pub order: &'static str,
    /// Claim only rows of one organization at a time (the one with the oldest due row).
    pub one_organization: bool,
    /// The columns returned for each claimed row.
    pub columns: &'static str,
}

/// Claims up to `max` due rows of `queue` for `holder` until `until`, in the queue's order;
/// each claim counts as an attempt.
pub(super) async fn claim(
    pool: &Pool,
    queue: &Queue,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    max: u32,
) -> StoreResult<Vec<DbRow>> {
    let Queue {
        table,
        waiting,
        claimed,
        due_column,
        order,
        one_organization,
        columns,
    } = queue;
    let due = format!(
        "((state = '{waiting}' AND {due_column} <= $3) \
         OR (state = '{claimed}' AND claimed_until < $3))"
    );
    let skip = ThisStore::SKIP_LOCKED;
    let scope = if *one_organization {
        format!(
            " AND org_id = (SELECT org_id FROM {table} WHERE {due} \
             ORDER BY {order} LIMIT 1 {skip})"
        )
    } else {
        String::new()
    };
    let sql = format!(
        "UPDATE {table} SET state = '{claimed}', claimed_by = $1, claimed_until = $2, \
         attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM {table} WHERE {due}{scope} \
         ORDER BY {order} LIMIT $4 {skip}) \
         RETURNING {columns}"
    );
    let mut tx = ThisStore::begin(pool).await?;
    let rows = sqlx::query(&sql)
        .bind(holder)
        .bind(until)
        .bind(now)
        .bind(i64::from(max))
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(rows)
}
