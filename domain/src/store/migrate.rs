//! Moving an installation from SQLite to PostgreSQL: every table is copied as it is (ids
//! included, so application links, runs and history keep their identities), converted to the
//! PostgreSQL column types on the way, and the id sequences are moved past the copied ids.
//!
//! Sessions are not copied (members sign in again) and neither are sync leases (a sync must not
//! be running): the copy refuses a source with a live lease and a target that already holds
//! organizations, so it can neither lose a running sync nor mix two installations.

use std::fmt::Write as _;

use chrono::Utc;
use sqlx::{Row, SqlitePool};

use super::{PgStore, SqliteStore, StoreError, StoreResult};

/// The tables copied, parents before children.
const TABLES: [&str; 26] = [
    "organizations",
    "members",
    "invitations",
    "ciq_settings",
    "campaigns",
    "sync_runs",
    "contractors",
    // Written by the store with each row (migration 0020), so copied like the row.
    "contractor_problems",
    "contractor_seen",
    "contractor_events",
    "application_links",
    "applications",
    // contractors.cover_id refers to covers: checked at commit (migration 0024).
    "covers",
    "policies",
    "invoices",
    "invoice_lines",
    "outreach_messages",
    "outreach_settings",
    "login_failures",
    "ciq_request_usage",
    "webhook_deliveries",
    "alert_settings",
    "alert_conditions",
    "deadline_alerts",
    "sign_in_links",
    "audit_events",
];

/// Rows per INSERT statement.
const BATCH: usize = 200;

/// Rows copied per table, in copy order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    pub tables: Vec<(&'static str, u64)>,
}

impl MigrationReport {
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// Copies everything from `source` into the empty database of `target`, in one transaction on
/// the target (all or nothing).
pub async fn sqlite_to_postgres(
    source: &SqliteStore,
    target: &PgStore,
) -> StoreResult<MigrationReport> {
    let src = source.pool();
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sync_leases WHERE expires_at > $1")
        .bind(Utc::now())
        .fetch_one(src)
        .await?;
    if live > 0 {
        return Err(StoreError::Invalid(
            "a sync is running on the SQLite database; stop the server and try again",
        ));
    }
    let mut tx = target.pool().begin().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Err(StoreError::Invalid(
            "the PostgreSQL database already holds organizations; migrate into an empty one",
        ));
    }
    let mut report = MigrationReport::default();
    for table in TABLES {
        let columns = target_columns(&mut tx, table).await?;
        let copied = copy_table(src, &mut tx, table, &columns).await?;
        if columns.iter().any(|(name, _)| name == "id") {
            // Identity columns were given explicit ids: move their sequence past them, and
            // past every id SQLite ever handed out for an AUTOINCREMENT table (members: a
            // removed member's id is never given out again).
            let handed_out: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = $1",
            )
            .bind(table)
            .fetch_one(src)
            .await?;
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT MAX(id) FROM {table}), $1, 1))"
            ))
            .bind(handed_out)
            .execute(&mut *tx)
            .await?;
        }
        report.tables.push((table, copied));
    }
    tx.commit().await?;
    Ok(report)
}

/// The target table's columns and their PostgreSQL types, in table order; not the generated
/// ones (PostgreSQL computes them).
async fn target_columns(
    conn: &mut sqlx::PgConnection,
    table: &str,
) -> StoreResult<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 \
         AND is_generated = 'NEVER' ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect())
}

/// How a value read from SQLite as text becomes the target column's type.
fn placeholder(n: usize, pg_type: &str) -> String {
    match pg_type {
        "bytea" => format!("decode(${n}, 'hex')"),
        "boolean" => format!("${n}::boolean"),
        "bigint" | "integer" => format!("${n}::bigint"),
        "timestamp with time zone" => format!("${n}::timestamptz"),
        "date" => format!("${n}::date"),
        "jsonb" => format!("${n}::jsonb"),
        _ => format!("${n}"),
    }
}

async fn copy_table(
    src: &SqlitePool,
    dst: &mut sqlx::PgConnection,
    table: &str,
    columns: &[(String, String)],
) -> StoreResult<u64> {
    let select: Vec<String> = columns
        .iter()
        .map(|(name, ty)| match ty.as_str() {
            "bytea" => format!("hex({name})"),
            _ => format!("CAST({name} AS TEXT)"),
        })
        .collect();
    let order = if columns.iter().any(|(n, _)| n == "id") {
        " ORDER BY id"
    } else {
        ""
    };
    let rows = sqlx::query(&format!("SELECT {} FROM {table}{order}", select.join(", ")))
        .fetch_all(src)
        .await?;
    let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
    for batch in rows.chunks(BATCH) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
        let mut n = 0;
        for (i, _) in batch.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (j, (_, ty)) in columns.iter().enumerate() {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                let _ = write!(sql, "{}", placeholder(n, ty));
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for row in batch {
            for j in 0..columns.len() {
                query = query.bind(row.try_get::<Option<String>, _>(j)?);
            }
        }
        query.execute(&mut *dst).await?;
    }
    Ok(rows.len() as u64)
}
