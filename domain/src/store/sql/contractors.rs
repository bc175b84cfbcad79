//! contractor rows as pages read them: one row, its history, status counts, and the
//! contractors list (filtered, sorted, paginated). Every query is scoped by `org_id`, and each
//! list order has an index (migration 0004) so a page is an index range scan, not a sort.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{from_json_text, status_of, Db, DbRow, Dialect, Pool, ThisStore};

use super::super::*;
use crate::store::compact::StoredFields;
use vocabulary::{ApplicationState, ApplicationStep, CoverState};

const CONTRACTOR_SELECT: &str =
    "SELECT k.id, k.org_id, k.ciq_campaign_id, c.name AS campaign_name, \
    k.ciq_publisher_id, k.status, k.creator_name, k.email, k.ciq_status, k.work_state, \
    k.home_state, k.base_pay_cents, k.payment_amount_cents, k.agency_pay, k.coverage_start, \
    k.coverage_end, k.failures, k.warnings, k.fields, k.error_code, k.error_message, \
    k.coverage_types, k.premium_general_cents, k.premium_workers_comp_cents, \
    k.platform_fee_cents, k.po_number, k.po_contact_email, k.po_contact_name, k.cover_id, \
    k.covered_from, k.covered_to, k.cover_cancelled, k.covered_by_policy, k.first_seen_at, \
    k.updated_at, \
    s.last_synced_at, s.last_run_id \
    FROM contractors k LEFT JOIN campaigns c \
    ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id \
    LEFT JOIN contractor_seen s ON s.contractor_id = k.id";

fn error_of(r: &DbRow) -> Option<SyncFailure> {
    match (
        r.get::<Option<String>, _>("error_code"),
        r.get::<Option<String>, _>("error_message"),
    ) {
        (Some(code), Some(message)) => Some(SyncFailure { code, message }),
        _ => None,
    }
}

/// A row of the contractors list's query: only the columns the list shows.
fn estimate_of(r: &DbRow) -> Option<Estimate> {
    Estimate::from_columns(
        r.get::<Option<String>, _>("coverage_types").as_deref(),
        r.get("premium_general_cents"),
        r.get("premium_workers_comp_cents"),
        r.get("platform_fee_cents"),
    )
}

/// The row's copy of its cover (migration 0024).
fn row_cover_of(r: &DbRow) -> Option<crate::cover::RowCover> {
    Some(crate::cover::RowCover {
        cover_id: crate::cover::CoverId(r.get::<Option<i64>, _>("cover_id")?),
        from: r.get::<Option<chrono::NaiveDate>, _>("covered_from")?,
        to: r.get::<Option<chrono::NaiveDate>, _>("covered_to")?,
        cancelled: r.get("cover_cancelled"),
        by_policy: r.get("covered_by_policy"),
    })
}

fn list_item_from_row(r: &DbRow) -> StoreResult<ContractorListItem> {
    Ok(ContractorListItem {
        id: ContractorId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        ciq_campaign_id: r.get("ciq_campaign_id"),
        campaign_name: r.get("campaign_name"),
        ciq_publisher_id: r.get("ciq_publisher_id"),
        status: status_of(r.get("status"))?,
        creator_name: r.get("creator_name"),
        email: r.get("email"),
        work_state: r.get("work_state"),
        base_pay_cents: r.get("base_pay_cents"),
        agency_pay: r.get("agency_pay"),
        failures: ThisStore::from_json(r.get("failures"), "failures")?,
        warnings: ThisStore::from_json(r.get("warnings"), "warnings")?,
        error: error_of(r),
        estimate: estimate_of(r),
        coverage_start: r.get("coverage_start"),
        coverage_end: r.get("coverage_end"),
        cover: row_cover_of(r),
        last_synced_at: r.get("last_synced_at"),
    })
}

pub(super) fn contractor_from_row(r: &DbRow) -> StoreResult<Contractor> {
    let error = error_of(r);
    Ok(Contractor {
        id: ContractorId(r.get("id")),
        org_id: OrgId(r.get("org_id")),
        ciq_campaign_id: r.get("ciq_campaign_id"),
        campaign_name: r.get("campaign_name"),
        ciq_publisher_id: r.get("ciq_publisher_id"),
        status: status_of(r.get("status"))?,
        creator_name: r.get("creator_name"),
        email: r.get("email"),
        ciq_status: r.get("ciq_status"),
        work_state: r.get("work_state"),
        home_state: r.get("home_state"),
        base_pay_cents: r.get("base_pay_cents"),
        payment_amount_cents: r.get("payment_amount_cents"),
        agency_pay: r.get("agency_pay"),
        coverage_start: r.get("coverage_start"),
        coverage_end: r.get("coverage_end"),
        failures: ThisStore::from_json(r.get("failures"), "failures")?,
        warnings: ThisStore::from_json(r.get("warnings"), "warnings")?,
        fields: from_json_text::<StoredFields>(r.get("fields"), "fields")?.0,
        error,
        estimate: estimate_of(r),
        po: PurchaseOrder {
            number: r.get("po_number"),
            contact_email: r.get("po_contact_email"),
            contact_name: r.get("po_contact_name"),
        },
        cover: row_cover_of(r),
        first_seen_at: r.get("first_seen_at"),
        updated_at: r.get("updated_at"),
        last_synced_at: r.get("last_synced_at"),
        last_run_id: r.get::<Option<i64>, _>("last_run_id").map(SyncRunId),
    })
}

pub(super) async fn contractor(
    pool: &Pool,
    org: OrgId,
    id: ContractorId,
) -> StoreResult<Option<Contractor>> {
    let sql = format!("{CONTRACTOR_SELECT} WHERE k.org_id = $1 AND k.id = $2");
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(contractor_from_row).transpose()
}

pub(super) async fn contractor_by_ciq_ids(
    pool: &Pool,
    org: OrgId,
    campaign: i64,
    publisher: i64,
) -> StoreResult<Option<Contractor>> {
    let sql = format!(
        "{CONTRACTOR_SELECT} WHERE k.org_id = $1 AND k.ciq_campaign_id = $2 \
         AND k.ciq_publisher_id = $3"
    );
    let row = sqlx::query(&sql)
        .bind(org.0)
        .bind(campaign)
        .bind(publisher)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(contractor_from_row).transpose()
}

pub(super) async fn contractors_for_publisher(
    pool: &Pool,
    org: OrgId,
    publisher: i64,
) -> StoreResult<Vec<Contractor>> {
    let sql = format!(
        "{CONTRACTOR_SELECT} WHERE k.org_id = $1 AND k.ciq_publisher_id = $2 ORDER BY k.id"
    );
    let rows = sqlx::query(&sql)
        .bind(org.0)
        .bind(publisher)
        .fetch_all(pool)
        .await?;
    rows.iter().map(contractor_from_row).collect()
}

pub(super) async fn creators_named(
    pool: &Pool,
    org: OrgId,
    publishers: &[i64],
) -> StoreResult<Vec<CreatorName>> {
    if publishers.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::QueryBuilder::<Db>::new(
        "SELECT ciq_publisher_id, MIN(id) AS first_row, MAX(creator_name) AS name \
         FROM contractors WHERE org_id = ",
    );
    q.push_bind(org.0).push(" AND ciq_publisher_id IN (");
    let mut list = q.separated(", ");
    for p in publishers {
        list.push_bind(*p);
    }
    q.push(") GROUP BY ciq_publisher_id");
    let rows = q.build().fetch_all(pool).await?;
    Ok(rows
        .iter()
        .map(|r| CreatorName {
            ciq_publisher_id: r.get("ciq_publisher_id"),
            first_row: ContractorId(r.get("first_row")),
            name: r.get("name"),
        })
        .collect())
}

pub(super) async fn contractor_status_counts(pool: &Pool, org: OrgId) -> StoreResult<StatusCounts> {
    stored_counts(pool, org, None).await
}

pub(super) async fn contractor_history(
    pool: &Pool,
    org: OrgId,
    id: ContractorId,
    limit: u32,
) -> StoreResult<Vec<ContractorEvent>> {
    let rows = sqlx::query(
        "SELECT at, run_id, status, previous_status, summary FROM contractor_events \
         WHERE org_id = $1 AND contractor_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(org.0)
    .bind(id.0)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ContractorEvent {
                at: r.get("at"),
                run_id: r.get::<Option<i64>, _>("run_id").map(SyncRunId),
                status: status_of(r.get("status"))?,
                previous_status: r
                    .get::<Option<String>, _>("previous_status")
                    .as_deref()
                    .map(status_of)
                    .transpose()?,
                summary: r.get("summary"),
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The contractors list
// ---------------------------------------------------------------------------------------------

/// The filter's search term, trimmed; `None` without one (or with only spaces).
fn search_term(filter: &ContractorFilter) -> Option<&str> {
    filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn has_search(filter: &ContractorFilter) -> bool {
    search_term(filter).is_some()
}

/// The ids of the organization's campaigns whose name holds the `LIKE` pattern bound as
/// `$param` (lower-cased, [`like_pattern`]).
fn campaigns_named(param: usize) -> String {
    format!(
        "SELECT ciq_campaign_id FROM campaigns WHERE org_id = $1 \
         AND lower(name) LIKE ${param} ESCAPE '\\'"
    )
}

/// Whether the filter's rows are counted by a query (no kept count follows them).
fn counted_by_query(filter: &ContractorFilter) -> bool {
    has_search(filter)
        || filter.contact.is_some()
        || filter.application.is_some()
        || filter.coverage.is_some()
}

/// A row (`k`) whose dates reach past its cover: both ends known (as `cover::gaps` needs), so
/// the condition is never NULL.
pub(super) const COVER_GAP: &str = "(k.coverage_start IS NOT NULL AND k.coverage_end IS NOT \
    NULL AND (k.coverage_start < k.covered_from OR k.coverage_end > k.covered_to))";

/// A row (`k`) whose cover stands: issued, not cancelled, no gap (as `cover::read_cover`).
pub(super) fn cover_stands() -> String {
    format!("k.cover_id IS NOT NULL AND k.cover_cancelled = FALSE AND NOT {COVER_GAP}")
}

/// The condition for rows whose cover reads `state` on the day bound at `$n`, as
/// [`crate::cover::read_cover`] decides it: cancelled, then a gap, then the calendar.
fn coverage_condition(state: CoverState, n: usize) -> String {
    let gap = COVER_GAP;
    let live = cover_stands();
    match state {
        CoverState::NotCovered => " AND k.cover_id IS NULL".to_string(),
        CoverState::Cancelled => " AND k.cover_id IS NOT NULL AND k.cover_cancelled = TRUE".into(),
        CoverState::Gap => {
            format!(" AND k.cover_id IS NOT NULL AND k.cover_cancelled = FALSE AND {gap}")
        }
        CoverState::Scheduled => format!(" AND {live} AND k.covered_from > ${n}"),
        CoverState::Covered => {
            format!(" AND {live} AND k.covered_from <= ${n} AND k.covered_to >= ${n}")
        }
        CoverState::Expired => format!(" AND {live} AND k.covered_to < ${n}"),
    }
}

/// The latest application step of a row's links that are no longer current.
/// Read through `application_links_row` (org, row, id descending): without the organization
/// the only index on the row is the current link's, and every page row scanned every link
/// (0.7 s a page at 106,178 rows).
const EARLIER_STEP: &str = "(SELECT p.application_step FROM application_links p \
    WHERE p.org_id = k.org_id AND p.contractor_id = k.id AND p.retired_at IS NOT NULL \
    AND p.application_step IS NOT NULL ORDER BY p.id DESC LIMIT 1)";

/// The condition on `k.id` for rows whose application is in `state`, as
/// [`crate::application::row_state`] decides it: the current link's application, else an
/// earlier link's.
fn application_condition(state: ApplicationState) -> String {
    let quoted = |steps: &[ApplicationStep]| {
        steps
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unfinished = quoted(&ApplicationStep::STEPS);
    let current = "SELECT l.contractor_id FROM application_links l \
        WHERE l.org_id = $1 AND l.retired_at IS NULL";
    let earlier_in = |steps: &str| format!("{EARLIER_STEP} IN ({steps})");
    let cond = match state {
        ApplicationState::NotStarted => format!(
            "k.id IN ({current} AND l.application_step IS NULL) AND \
             ({EARLIER_STEP} IS NULL OR {})",
            earlier_in(&quoted(&[
                ApplicationStep::ApplicationComplete,
                ApplicationStep::ManualReview,
                ApplicationStep::Declined,
            ]))
        ),
        ApplicationState::InProgress => {
            format!("k.id IN ({current} AND l.application_step IN ({unfinished}))")
        }
        ApplicationState::Expired => format!(
            "{} AND k.id NOT IN ({current} AND l.application_step IS NOT NULL)",
            earlier_in(&unfinished)
        ),
        finished => {
            let step = match finished {
                ApplicationState::ManualReview => ApplicationStep::ManualReview,
                ApplicationState::Declined => ApplicationStep::Declined,
                _ => ApplicationStep::ApplicationComplete,
            };
            let one = quoted(&[step]);
            format!(
                "(k.id IN ({current} AND l.application_step = {one}) OR \
                 (k.id NOT IN ({current}) AND {}))",
                earlier_in(&one)
            )
        }
    };
    format!(" AND {cond}")
}

/// The condition on `k.id` for rows at `step` of reaching their creator (messages about the
/// row's current link).
fn contact_condition(step: ContactStep) -> String {
    let current = "SELECT l.contractor_id FROM application_links l \
        WHERE l.org_id = $1 AND l.retired_at IS NULL";
    let message = |state: MessageState, kind: Option<MessageKind>| {
        format!(
            "EXISTS (SELECT 1 FROM outreach_messages m WHERE m.link_id = l.id AND m.state = '{}'{})",
            state.as_str(),
            kind.map(|k| format!(" AND m.kind = '{}'", k.as_str()))
                .unwrap_or_default()
        )
    };
    let sub = match step {
        ContactStep::NotSent => format!(
            "{current} AND NOT EXISTS (SELECT 1 FROM outreach_messages m \
             WHERE m.link_id = l.id AND m.kind = '{}' AND m.state <> '{}')",
            MessageKind::First.as_str(),
            MessageState::Cancelled.as_str()
        ),
        ContactStep::Sent => format!("{current} AND {}", message(MessageState::Sent, None)),
        ContactStep::Opened => format!("{current} AND l.opened_at IS NOT NULL"),
        ContactStep::Submitted => format!("{current} AND l.submitted_at IS NOT NULL"),
        ContactStep::Stopped => format!(
            "{current} AND (l.reminders_stopped_at IS NOT NULL OR {})",
            message(MessageState::Cancelled, None)
        ),
        ContactStep::Failed => format!("{current} AND {}", message(MessageState::Failed, None)),
    };
    format!(" AND k.id IN ({sub})")
}

/// Rows per status matching a filter without a search, from the counts the triggers keep: per
/// status and campaign (migration 0006), or per problem, status and campaign (migration 0014).
async fn counts_without_search(
    pool: &Pool,
    org: OrgId,
    filter: &ContractorFilter,
) -> StoreResult<StatusCounts> {
    let Some(rule) = &filter.rule else {
        return stored_counts(pool, org, filter.campaign).await;
    };
    let rows = match filter.campaign {
        // Kept per problem and status by triggers (migration 0030): a row per status.
        None => {
            sqlx::query(
                "SELECT status, CAST(n AS BIGINT) AS n FROM contractor_problem_totals \
                 WHERE org_id = $1 AND code = $2",
            )
            .bind(org.0)
            .bind(rule)
            .fetch_all(pool)
            .await?
        }
        Some(campaign) => {
            sqlx::query(
                "SELECT status, CAST(SUM(n) AS BIGINT) AS n FROM contractor_problem_counts \
                 WHERE org_id = $1 AND code = $2 AND ciq_campaign_id = $3 GROUP BY status",
            )
            .bind(org.0)
            .bind(rule)
            .bind(campaign)
            .fetch_all(pool)
            .await?
        }
    };
    counts_from(&rows)
}

/// Rows of `status, n` (`n` may be NULL: none) as counts per status.
fn counts_from(rows: &[DbRow]) -> StoreResult<StatusCounts> {
    let mut counts = StatusCounts::default();
    for r in rows {
        let n: Option<i64> = r.get("n");
        counts.add(
            status_of(r.get("status"))?,
            n.map_or(0, |n| u64::try_from(n).unwrap_or(0)),
        );
    }
    Ok(counts)
}

/// Rows per status from the counts the triggers keep (migration 0006), for the organization or
/// one of its campaigns.
async fn stored_counts(
    pool: &Pool,
    org: OrgId,
    campaign: Option<i64>,
) -> StoreResult<StatusCounts> {
    let rows = match campaign {
        // Kept per organization by triggers (migration 0011): a handful of rows.
        None => {
            sqlx::query(
                "SELECT status, CAST(n AS BIGINT) AS n FROM contractor_org_counts \
                 WHERE org_id = $1",
            )
            .bind(org.0)
            .fetch_all(pool)
            .await?
        }
        Some(campaign) => {
            sqlx::query(
                "SELECT status, CAST(SUM(n) AS BIGINT) AS n FROM contractor_counts \
                 WHERE org_id = $1 AND ciq_campaign_id = $2 GROUP BY status",
            )
            .bind(org.0)
            .bind(campaign)
            .fetch_all(pool)
            .await?
        }
    };
    counts_from(&rows)
}

/// A bound value of a dynamically built query.
enum Arg {
    Int(i64),
    Text(String),
    Date(chrono::NaiveDate),
}

/// `FROM ... WHERE ...` for `filter` (with or without its status), and the values it binds,
/// numbered from `$1`. A search may drive the query from the backend's text index (SQLite:
/// the FTS5 table's matches, so a rare name is found without walking the organization's rows).
///
/// Sorted by last synced, the rows come from `contractor_seen` (alias `s`), whose index holds
/// that order per status: without a filter on the row itself the query reads that index
/// alone (the page's rows are checked against the organization when they are read).
fn from_where(
    org: OrgId,
    filter: &ContractorFilter,
    filter_campaigns: &[i64],
    with_status: bool,
    sort: Option<ContractorSort>,
) -> FromWhere {
    let by_seen = sort == Some(ContractorSort::LastSynced);
    let searching = has_search(filter);
    let seen_only = by_seen
        && filter.campaign.is_none()
        && filter.rule.is_none()
        && filter.contact.is_none()
        && filter.application.is_none()
        && filter.coverage.is_none()
        && !searching;
    let mut from = String::from(match (by_seen, seen_only) {
        (true, true) => "contractor_seen s",
        (true, false) => "contractors k JOIN contractor_seen s ON s.contractor_id = k.id",
        (false, _) => "contractors k",
    });
    let mut sql = String::from(if seen_only {
        "s.org_id = $1"
    } else {
        "k.org_id = $1"
    });
    let mut args = vec![Arg::Int(org.0)];
    if let (true, Some(status)) = (with_status, filter.status) {
        args.push(Arg::Text(status.as_str().to_string()));
        let column = if by_seen { "s.status" } else { "k.status" };
        sql.push_str(&format!(" AND {column} = ${}", args.len()));
    }
    if let Some(campaign) = filter.campaign {
        args.push(Arg::Int(campaign));
        sql.push_str(&format!(" AND k.ciq_campaign_id = ${}", args.len()));
    }
    if let Some(rule) = &filter.rule {
        // The problems table (migration 0013) holds one row per problem of a row.
        args.push(Arg::Text(rule.clone()));
        sql.push_str(&format!(
            " AND k.id IN (SELECT p.contractor_id FROM contractor_problems p \
             WHERE p.org_id = $1 AND p.code = ${})",
            args.len()
        ));
    }
    if let Some(step) = filter.contact {
        sql.push_str(&contact_condition(step));
    }
    if let Some(state) = filter.application {
        sql.push_str(&application_condition(state));
    }
    if let Some(CoverFilter { state, today }) = filter.coverage {
        args.push(Arg::Date(today));
        sql.push_str(&coverage_condition(state, args.len()));
    }
    if let Some(search) = search_term(filter) {
        // The rows whose name or email holds the term (the backend's text index), those of
        // the campaigns whose name holds it, and, for a number, the CreatorIQ creator with
        // that id. They are few: they drive the query, and are then sorted.
        let found = ThisStore::search_condition(search, args.len() + 1);
        args.push(Arg::Text(found.value));
        let mut ids = found.ids;
        // The rows of the campaigns whose name holds the term come off the campaign index:
        // on PostgreSQL the campaigns are found in the query, elsewhere they were looked up
        // once, before the queries ([`search_campaigns`]).
        if ThisStore::CAMPAIGN_SEARCH_IN_QUERY {
            args.push(Arg::Text(like_pattern(search)));
            ids.push_str(&format!(
                " UNION SELECT c.id FROM contractors c WHERE c.org_id = $1 \
                 AND c.ciq_campaign_id IN ({})",
                campaigns_named(args.len())
            ));
        } else if !filter_campaigns.is_empty() {
            let list = filter_campaigns
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            ids.push_str(&format!(
                " UNION SELECT c.id FROM contractors c WHERE c.org_id = $1 \
                 AND c.ciq_campaign_id IN ({list})"
            ));
        }
        if let Some(creator) = creator_id(search) {
            args.push(Arg::Int(creator));
            ids.push_str(&format!(
                " UNION SELECT id FROM contractors WHERE org_id = $1 AND ciq_publisher_id = ${}",
                args.len()
            ));
        }
        // SQLite keeps a CROSS JOIN's order; PostgreSQL plans the subquery apart. Left to
        // join it freely, PostgreSQL walked the name index and tested every row when its
        // statistics guessed the term common: 129 ms for a term 33 rows hold.
        from = format!(
            "({ids}{}) found CROSS JOIN contractors k",
            ThisStore::DRIVING_SUBQUERY
        );
        sql.push_str(" AND k.id = found.id");
        if by_seen {
            from.push_str(" CROSS JOIN contractor_seen s");
            sql.push_str(" AND s.contractor_id = k.id");
        }
    }
    FromWhere {
        sql: format!("{from} WHERE {sql}"),
        args,
        id: if seen_only { "s.contractor_id" } else { "k.id" },
    }
}

/// The organization's campaigns whose name holds the filter's search term (none without a
/// search, or where the queries find them themselves): read once per page, then named in the
/// queries by id.
async fn search_campaigns(
    pool: &Pool,
    org: OrgId,
    filter: &ContractorFilter,
) -> StoreResult<Vec<i64>> {
    if ThisStore::CAMPAIGN_SEARCH_IN_QUERY {
        return Ok(Vec::new());
    }
    let Some(search) = search_term(filter) else {
        return Ok(Vec::new());
    };
    Ok(sqlx::query_scalar(&campaigns_named(2))
        .bind(org.0)
        .bind(like_pattern(search))
        .fetch_all(pool)
        .await?)
}

/// A search term that is a CreatorIQ creator id: digits only (a leading `#` allowed).
fn creator_id(search: &str) -> Option<i64> {
    let digits = search.strip_prefix('#').unwrap_or(search);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A list query's `FROM ... WHERE ...`, its values, and the expression of a row's id in it.
struct FromWhere {
    sql: String,
    args: Vec<Arg>,
    id: &'static str,
}

/// `%term%` with LIKE's wildcards in the term taken literally. `search_text` is lower-cased.
pub(super) fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn order_by(sort: ContractorSort, descending: bool) -> String {
    let dir = if descending { "DESC" } else { "ASC" };
    let columns: &[&str] = match sort {
        ContractorSort::Name => &["k.sort_name", "k.id"],
        ContractorSort::Campaign => &["k.ciq_campaign_id", "k.sort_name", "k.id"],
        ContractorSort::Status => &["k.status_rank", "k.sort_name", "k.id"],
        ContractorSort::LastSynced => &["s.last_synced_at", "s.contractor_id"],
    };
    columns
        .iter()
        // NULLs first in ascending order, last in descending (SQLite's default; said for
        // PostgreSQL, whose indexes are declared the same way).
        .map(|c| match (*c, descending) {
            ("s.last_synced_at", false) => format!("{c} ASC NULLS FIRST"),
            ("s.last_synced_at", true) => format!("{c} DESC NULLS LAST"),
            _ => format!("{c} {dir}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::Int(n) => query.bind(*n),
            Arg::Text(s) => query.bind(s.as_str()),
            Arg::Date(d) => query.bind(*d),
        };
    }
    query
}

fn link_summary(r: &DbRow) -> StoreResult<Option<LinkSummary>> {
    let Some(token) = r.get::<Option<String>, _>("link_token") else {
        return Ok(None);
    };
    let state: String = r.get("link_state");
    let state = LinkState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("link state {state:?}")))?;
    Ok(Some(LinkSummary {
        token: LinkToken::from_stored(token),
        state,
        opened_at: r.get::<Option<DateTime<Utc>>, _>("link_opened_at"),
        submitted_at: r.get::<Option<DateTime<Utc>>, _>("link_submitted_at"),
    }))
}

pub(super) async fn contractor_page(
    pool: &Pool,
    org: OrgId,
    request: &ContractorPageRequest,
) -> StoreResult<ContractorPage> {
    let campaigns = search_campaigns(pool, org, &request.filter).await?;
    let FromWhere {
        sql: mut from_where_sql,
        mut args,
        id,
    } = from_where(org, &request.filter, &campaigns, true, Some(request.sort));
    let total = if counted_by_query(&request.filter) {
        let counted = from_where(org, &request.filter, &campaigns, true, None);
        let count_sql = format!("SELECT COUNT(*) FROM {}", counted.sql);
        let count: i64 = bind_all(sqlx::query(&count_sql), &counted.args)
            .fetch_one(pool)
            .await?
            .get(0);
        u64::try_from(count).unwrap_or(0)
    } else {
        let counts = counts_without_search(pool, org, &request.filter).await?;
        match request.filter.status {
            Some(status) => counts.get(status),
            None => counts.total(),
        }
    };
    let order = order_by(request.sort, request.descending);
    let seek = match request.limit {
        Some(_) if request.sort == ContractorSort::Campaign => {
            campaign_seek(
                pool,
                org,
                &request.filter,
                request.descending,
                request.offset,
            )
            .await?
        }
        _ => None,
    };
    // Sorted by campaign, a deep page starts at its campaign ([`campaign_seek`]). Otherwise a
    // page in the second half is read from the other end of the index (the same order,
    // reversed), so no page skips more than half the rows: the last page costs what the first
    // does. The outer query puts the page back in the asked order.
    let limit = match (request.limit, seek) {
        (Some(n), Some((campaign, skip))) => {
            args.push(Arg::Int(campaign));
            let from = if request.descending { "<=" } else { ">=" };
            from_where_sql.push_str(&format!(" AND k.ciq_campaign_id {from} ${}", args.len()));
            format!("ORDER BY {order} LIMIT {n} OFFSET {skip}")
        }
        (Some(n), None)
            if request.offset.saturating_add(u64::from(n) / 2) > total / 2
                && request.offset < total =>
        {
            let end = total - request.offset;
            let take = end.min(u64::from(n));
            format!(
                "ORDER BY {} LIMIT {take} OFFSET {}",
                order_by(request.sort, !request.descending),
                end - take
            )
        }
        (Some(n), None) => format!("ORDER BY {order} LIMIT {n} OFFSET {}", request.offset),
        (None, _) => format!(
            "ORDER BY {order} {} OFFSET {}",
            ThisStore::LIMIT_ALL,
            request.offset
        ),
    };
    // The page's ids come off the index first; only those rows are joined and decoded. The
    // materialized CTE and CROSS JOIN pin that join order: left to itself, SQLite may drive the
    // join from the name index and rescan the page for each of the organization's rows.
    let sql = format!(
        "WITH page AS MATERIALIZED (SELECT {id} AS id FROM {from_where_sql} {limit}) \
         SELECT k.id, k.org_id, k.ciq_campaign_id, c.name AS campaign_name, \
         k.ciq_publisher_id, k.status, k.creator_name, k.email, k.work_state, \
         k.base_pay_cents, k.agency_pay, k.failures, k.warnings, k.error_code, \
         k.error_message, s.last_synced_at, k.coverage_types, k.premium_general_cents, \
         k.premium_workers_comp_cents, k.platform_fee_cents, k.coverage_start, \
         k.coverage_end, k.cover_id, k.covered_from, k.covered_to, k.cover_cancelled, \
         k.covered_by_policy, l.token AS link_token, l.state AS link_state, l.opened_at AS link_opened_at, \
         l.submitted_at AS link_submitted_at, l.application_step, \
         {EARLIER_STEP} AS earlier_step \
         FROM page CROSS JOIN contractors k \
         LEFT JOIN campaigns c ON c.org_id = k.org_id AND c.ciq_campaign_id = k.ciq_campaign_id \
         LEFT JOIN application_links l ON l.contractor_id = k.id AND l.org_id = k.org_id \
         AND l.retired_at IS NULL \
         LEFT JOIN contractor_seen s ON s.contractor_id = k.id \
         WHERE k.id = page.id AND k.org_id = $1 \
         ORDER BY {order}"
    );
    let rows = bind_all(sqlx::query(&sql), &args).fetch_all(pool).await?;
    let rows = rows
        .iter()
        .map(|r| {
            let link = link_summary(r)?;
            let step = |column: &str| {
                r.get::<Option<String>, _>(column)
                    .map(|s| {
                        ApplicationStep::parse(&s)
                            .ok_or_else(|| StoreError::Corrupt(format!("application step {s:?}")))
                    })
                    .transpose()
            };
            let application_step = step("application_step")?;
            let application = crate::application::row_state(
                link.is_some(),
                application_step,
                step("earlier_step")?,
            );
            Ok(ContractorListRow {
                contractor: list_item_from_row(r)?,
                link,
                application,
                application_step,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(ContractorPage { rows, total })
}

/// Sorted by campaign, a deep page starts at its campaign: the counts the triggers keep per
/// campaign and status (migration 0006) tell which campaign holds the page's first row and how
/// many rows come before it, so the page query skips at most one campaign's rows instead of
/// every row before the page. `Some((campaign, rows to skip within it))`; `None` for shallow
/// pages, past the end, or under a filter the counts do not follow (search, rule, campaign).
async fn campaign_seek(
    pool: &Pool,
    org: OrgId,
    filter: &ContractorFilter,
    descending: bool,
    offset: u64,
) -> StoreResult<Option<(i64, u64)>> {
    // Below this, skipping index entries costs less than reading the counts.
    const SEEK_FROM: u64 = 5_000;
    if offset < SEEK_FROM
        || counted_by_query(filter)
        || filter.rule.is_some()
        || filter.campaign.is_some()
    {
        return Ok(None);
    }
    let dir = if descending { "DESC" } else { "ASC" };
    // Rows per campaign, in campaign order: kept per campaign (migration 0031), or per campaign
    // and status (0006). The database adds them up and answers with the one campaign holding
    // the offset and the rows before it, so a page reads one row instead of one per campaign.
    let counts = if filter.status.is_some() {
        "SELECT ciq_campaign_id, n FROM contractor_counts WHERE org_id = $1 AND status = $2"
    } else {
        "SELECT ciq_campaign_id, n FROM contractor_campaign_counts WHERE org_id = $1"
    };
    let offset_param = if filter.status.is_some() { 3 } else { 2 };
    let sql = format!(
        "SELECT ciq_campaign_id, CAST(before_it AS BIGINT) AS before_it FROM \
         (SELECT ciq_campaign_id, n, SUM(n) OVER (ORDER BY ciq_campaign_id {dir} \
         ROWS UNBOUNDED PRECEDING) - n AS before_it FROM ({counts}) counted) running \
         WHERE before_it <= ${offset_param} AND before_it + n > ${offset_param} \
         ORDER BY ciq_campaign_id {dir} LIMIT 1"
    );
    let mut query = sqlx::query(&sql).bind(org.0);
    if let Some(status) = filter.status {
        query = query.bind(status.as_str());
    }
    let bound = i64::try_from(offset).unwrap_or(i64::MAX);
    let Some(r) = query.bind(bound).fetch_optional(pool).await? else {
        return Ok(None);
    };
    let before = u64::try_from(r.get::<i64, _>("before_it")).unwrap_or(0);
    Ok(Some((
        r.get("ciq_campaign_id"),
        offset.saturating_sub(before),
    )))
}

pub(super) async fn filter_counts(
    pool: &Pool,
    org: OrgId,
    filter: &ContractorFilter,
) -> StoreResult<StatusCounts> {
    if !counted_by_query(filter) {
        return counts_without_search(pool, org, filter).await;
    }
    let campaigns = search_campaigns(pool, org, filter).await?;
    let counted = from_where(org, filter, &campaigns, false, None);
    let sql = format!(
        "SELECT k.status, COUNT(*) AS n FROM {} GROUP BY k.status",
        counted.sql
    );
    counts_from(
        &bind_all(sqlx::query(&sql), &counted.args)
            .fetch_all(pool)
            .await?,
    )
}

pub(super) async fn campaigns(pool: &Pool, org: OrgId) -> StoreResult<Vec<CampaignOption>> {
    let rows = sqlx::query(
        "SELECT ciq_campaign_id, name FROM campaigns WHERE org_id = $1 \
         ORDER BY lower(name), ciq_campaign_id",
    )
    .bind(org.0)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| CampaignOption {
            ciq_campaign_id: r.get("ciq_campaign_id"),
            name: r.get("name"),
        })
        .collect())
}

pub(super) async fn problem_summary(
    pool: &Pool,
    org: OrgId,
    largest: u32,
) -> StoreResult<Vec<ProblemSummary>> {
    let status = ContractorStatus::NeedsAttention.as_str();
    // Kept per problem by triggers (migration 0030), from the counts per campaign (0014).
    let totals = sqlx::query(
        "SELECT code, CAST(n AS BIGINT) AS n, CAST(campaigns AS BIGINT) AS campaigns \
         FROM contractor_problem_totals WHERE org_id = $1 AND status = $2 AND n > 0 \
         ORDER BY code",
    )
    .bind(org.0)
    .bind(status)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<ProblemSummary> = totals
        .iter()
        .map(|r| ProblemSummary {
            code: r.get("code"),
            rows: u64::try_from(r.get::<i64, _>("n")).unwrap_or(0),
            campaigns: u64::try_from(r.get::<i64, _>("campaigns")).unwrap_or(0),
            largest: Vec::new(),
        })
        .collect();
    if out.is_empty() || largest == 0 {
        return Ok(out);
    }
    // Each problem's largest campaigns, read in count order from an index (0030): one
    // statement, a limited branch per problem.
    let branches: Vec<String> = (0..out.len())
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT c.code, c.ciq_campaign_id, CAST(c.n AS BIGINT) AS n \
                 FROM contractor_problem_counts c \
                 WHERE c.org_id = $1 AND c.status = $2 AND c.code = ${} AND c.n > 0 \
                 ORDER BY c.n DESC, c.ciq_campaign_id LIMIT {largest}) AS p{i}",
                i + 3
            )
        })
        .collect();
    let sql = branches.join(" UNION ALL ");
    let mut query = sqlx::query(&sql).bind(org.0).bind(status);
    for summary in &out {
        query = query.bind(summary.code.as_str());
    }
    let rows = query.fetch_all(pool).await?;
    for r in &rows {
        let code: String = r.get("code");
        if let Some(summary) = out.iter_mut().find(|s| s.code == code) {
            summary.largest.push(ProblemCampaign {
                ciq_campaign_id: r.get("ciq_campaign_id"),
                rows: u64::try_from(r.get::<i64, _>("n")).unwrap_or(0),
            });
        }
    }
    for summary in &mut out {
        summary.largest.sort_by(|a, b| {
            b.rows
                .cmp(&a.rows)
                .then(a.ciq_campaign_id.cmp(&b.ciq_campaign_id))
        });
    }
    Ok(out)
}

#[async_trait::async_trait]
impl ContractorReads for ThisStore {
    async fn contractor(&self, org: OrgId, id: ContractorId) -> StoreResult<Option<Contractor>> {
        contractor(&self.pool, org, id).await
    }

    async fn creators_named(
        &self,
        org: OrgId,
        ciq_publisher_ids: &[i64],
    ) -> StoreResult<Vec<CreatorName>> {
        creators_named(&self.pool, org, ciq_publisher_ids).await
    }

    async fn contractor_by_ciq_ids(
        &self,
        org: OrgId,
        ciq_campaign_id: i64,
        ciq_publisher_id: i64,
    ) -> StoreResult<Option<Contractor>> {
        contractor_by_ciq_ids(&self.pool, org, ciq_campaign_id, ciq_publisher_id).await
    }

    async fn contractors_for_publisher(
        &self,
        org: OrgId,
        ciq_publisher_id: i64,
    ) -> StoreResult<Vec<Contractor>> {
        contractors_for_publisher(&self.pool, org, ciq_publisher_id).await
    }

    async fn contractor_status_counts(&self, org: OrgId) -> StoreResult<StatusCounts> {
        contractor_status_counts(&self.pool, org).await
    }

    async fn contractor_history(
        &self,
        org: OrgId,
        id: ContractorId,
        limit: u32,
    ) -> StoreResult<Vec<ContractorEvent>> {
        contractor_history(&self.pool, org, id, limit).await
    }

    async fn contractor_page(
        &self,
        org: OrgId,
        request: &ContractorPageRequest,
    ) -> StoreResult<ContractorPage> {
        contractor_page(&self.pool, org, request).await
    }

    async fn contractor_filter_counts(
        &self,
        org: OrgId,
        filter: &ContractorFilter,
    ) -> StoreResult<StatusCounts> {
        filter_counts(&self.pool, org, filter).await
    }

    async fn contractor_campaigns(&self, org: OrgId) -> StoreResult<Vec<CampaignOption>> {
        campaigns(&self.pool, org).await
    }

    async fn problem_summary(&self, org: OrgId, largest: u32) -> StoreResult<Vec<ProblemSummary>> {
        problem_summary(&self.pool, org, largest).await
    }
}
