//! the counts the database keeps by trigger (migrations/README.md lists them) and the
//! status the store copies into narrow tables: checked against the rows they summarise, and
//! rebuilt for one organization by `dashboard recount`.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{Conn, Dialect, Pool, ThisStore};

use super::super::*;

/// A kept figure and the query that recomputes it, both as `(key, n)` for one organization
/// (`$1`). Keys are text so every table compares the same way.
struct Kept {
    what: &'static str,
    stored: &'static str,
    /// `None`: a copy, whose every stored figure is a difference.
    counted: Option<&'static str>,
}

const KEPT: [Kept; 8] = [
    Kept {
        what: "contractor_counts",
        stored: "SELECT CAST(ciq_campaign_id AS TEXT) || ' ' || status AS k, \
                 CAST(n AS BIGINT) AS n FROM contractor_counts WHERE org_id = $1 AND n <> 0",
        counted: Some(
            "SELECT CAST(ciq_campaign_id AS TEXT) || ' ' || status AS k, \
                  CAST(COUNT(*) AS BIGINT) AS n FROM contractors WHERE org_id = $1 \
                  GROUP BY ciq_campaign_id, status",
        ),
    },
    Kept {
        what: "contractor_org_counts",
        stored: "SELECT status AS k, CAST(n AS BIGINT) AS n FROM contractor_org_counts \
                 WHERE org_id = $1 AND n <> 0",
        counted: Some(
            "SELECT status AS k, CAST(COUNT(*) AS BIGINT) AS n FROM contractors \
                  WHERE org_id = $1 GROUP BY status",
        ),
    },
    Kept {
        what: "contractor_campaign_counts",
        stored: "SELECT CAST(ciq_campaign_id AS TEXT) AS k, CAST(n AS BIGINT) AS n \
                 FROM contractor_campaign_counts WHERE org_id = $1 AND n <> 0",
        counted: Some(
            "SELECT CAST(ciq_campaign_id AS TEXT) AS k, CAST(COUNT(*) AS BIGINT) AS n \
                  FROM contractors WHERE org_id = $1 GROUP BY ciq_campaign_id",
        ),
    },
    Kept {
        what: "contractor_problem_counts",
        stored: "SELECT code || ' ' || status || ' ' || CAST(ciq_campaign_id AS TEXT) AS k, \
                 CAST(n AS BIGINT) AS n FROM contractor_problem_counts \
                 WHERE org_id = $1 AND n <> 0",
        counted: Some(
            "SELECT code || ' ' || status || ' ' || CAST(ciq_campaign_id AS TEXT) AS k, \
                  CAST(COUNT(*) AS BIGINT) AS n FROM contractor_problems WHERE org_id = $1 \
                  GROUP BY code, status, ciq_campaign_id",
        ),
    },
    Kept {
        what: "contractor_problem_totals",
        stored: "SELECT status || ' ' || code AS k, CAST(n AS BIGINT) AS n \
                 FROM contractor_problem_totals WHERE org_id = $1 AND n <> 0",
        counted: Some(
            "SELECT status || ' ' || code AS k, CAST(COUNT(*) AS BIGINT) AS n \
                  FROM contractor_problems WHERE org_id = $1 GROUP BY status, code",
        ),
    },
    Kept {
        what: "contractor_problem_totals.campaigns",
        stored: "SELECT status || ' ' || code AS k, CAST(campaigns AS BIGINT) AS n \
                 FROM contractor_problem_totals WHERE org_id = $1 AND campaigns <> 0",
        counted: Some(
            "SELECT status || ' ' || code AS k, \
                  CAST(COUNT(DISTINCT ciq_campaign_id) AS BIGINT) AS n \
                  FROM contractor_problems WHERE org_id = $1 GROUP BY status, code",
        ),
    },
    // The status copies: rows whose copy differs from the row's own status, by status pair.
    Kept {
        what: "contractor_seen.status",
        stored: "SELECT s.status || ' ' || k.status AS k, CAST(COUNT(*) AS BIGINT) AS n \
                 FROM contractor_seen s JOIN contractors k ON k.id = s.contractor_id \
                 WHERE s.org_id = $1 AND s.status <> k.status GROUP BY s.status, k.status",
        counted: None,
    },
    Kept {
        what: "contractor_problems.status",
        stored: "SELECT p.status || ' ' || k.status AS k, CAST(COUNT(*) AS BIGINT) AS n \
                 FROM contractor_problems p JOIN contractors k ON k.id = p.contractor_id \
                 WHERE p.org_id = $1 AND p.status <> k.status GROUP BY p.status, k.status",
        counted: None,
    },
];

async fn figures(conn: &mut Conn, sql: &str, org: OrgId) -> StoreResult<BTreeMap<String, i64>> {
    let rows = sqlx::query(sql).bind(org.0).fetch_all(&mut *conn).await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>("k"), r.get::<i64, _>("n")))
        .filter(|(_, n)| *n != 0)
        .collect())
}

async fn drift_in(conn: &mut Conn, org: OrgId) -> StoreResult<Vec<CountDrift>> {
    let mut out = Vec::new();
    for kept in &KEPT {
        let stored = figures(conn, kept.stored, org).await?;
        let counted = match kept.counted {
            Some(sql) => figures(conn, sql, org).await?,
            None => BTreeMap::new(),
        };
        let keys: std::collections::BTreeSet<&String> =
            stored.keys().chain(counted.keys()).collect();
        for key in keys {
            let (s, c) = (
                stored.get(key).copied().unwrap_or(0),
                counted.get(key).copied().unwrap_or(0),
            );
            if s != c {
                out.push(CountDrift {
                    kept: kept.what,
                    key: key.clone(),
                    stored: s,
                    counted: c,
                });
            }
        }
    }
    Ok(out)
}

pub(super) async fn count_drift(pool: &Pool, org: OrgId) -> StoreResult<Vec<CountDrift>> {
    let mut conn = pool.acquire().await?;
    drift_in(&mut conn, org).await
}

/// Rebuilds the organization's kept counts and status copies from the rows, in one
/// transaction; returns what differed before.
pub(super) async fn recount(pool: &Pool, org: OrgId) -> StoreResult<Vec<CountDrift>> {
    let mut tx = ThisStore::begin(pool).await?;
    ThisStore::lock_organization(&mut tx, org).await?;
    let drift = drift_in(&mut tx, org).await?;
    let statements = [
        "UPDATE contractor_seen SET status = (SELECT k.status FROM contractors k \
         WHERE k.id = contractor_seen.contractor_id) WHERE org_id = $1 AND status <> \
         (SELECT k.status FROM contractors k WHERE k.id = contractor_seen.contractor_id)",
        "UPDATE contractor_problems SET status = (SELECT k.status FROM contractors k \
         WHERE k.id = contractor_problems.contractor_id) WHERE org_id = $1 AND status <> \
         (SELECT k.status FROM contractors k WHERE k.id = contractor_problems.contractor_id)",
        // The triggers on contractor_counts follow into contractor_org_counts; both are
        // rebuilt anyway, in that order.
        "DELETE FROM contractor_counts WHERE org_id = $1",
        "INSERT INTO contractor_counts (org_id, ciq_campaign_id, status, n) \
         SELECT org_id, ciq_campaign_id, status, COUNT(*) FROM contractors WHERE org_id = $1 \
         GROUP BY org_id, ciq_campaign_id, status",
        "DELETE FROM contractor_org_counts WHERE org_id = $1",
        "INSERT INTO contractor_org_counts (org_id, status, n) \
         SELECT org_id, status, COUNT(*) FROM contractors WHERE org_id = $1 \
         GROUP BY org_id, status",
        "DELETE FROM contractor_campaign_counts WHERE org_id = $1",
        "INSERT INTO contractor_campaign_counts (org_id, ciq_campaign_id, n) \
         SELECT org_id, ciq_campaign_id, COUNT(*) FROM contractors WHERE org_id = $1 \
         GROUP BY org_id, ciq_campaign_id",
        "DELETE FROM contractor_problem_counts WHERE org_id = $1",
        "INSERT INTO contractor_problem_counts (org_id, code, status, ciq_campaign_id, n) \
         SELECT org_id, code, status, ciq_campaign_id, COUNT(*) FROM contractor_problems \
         WHERE org_id = $1 GROUP BY org_id, code, status, ciq_campaign_id",
        // Followed from contractor_problem_counts by triggers, and rebuilt after it.
        "DELETE FROM contractor_problem_totals WHERE org_id = $1",
        "INSERT INTO contractor_problem_totals (org_id, status, code, n, campaigns) \
         SELECT org_id, status, code, COUNT(*), COUNT(DISTINCT ciq_campaign_id) \
         FROM contractor_problems WHERE org_id = $1 GROUP BY org_id, status, code",
    ];
    for sql in statements {
        sqlx::query(sql).bind(org.0).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(drift)
}

#[async_trait::async_trait]
impl Counts for ThisStore {
    async fn count_drift(&self, org: OrgId) -> StoreResult<Vec<CountDrift>> {
        count_drift(&self.pool, org).await
    }

    async fn recount(&self, org: OrgId) -> StoreResult<Vec<CountDrift>> {
        recount(&self.pool, org).await
    }
}
