//! `GET /contractors.csv?...`: the contractors list under the same filters and order as the page,
//! every page of it, for the signed-in member's organization only. The sign-in guard has already
//! turned away requests without a session.
//!
//! Spreadsheets run cells that begin with `=`, `+`, `-`, `@`, a tab or a carriage return as
//! formulas, and creator names and emails come from outside: such cells get a leading `'`, and
//! so does every part of a cell after a `;`, tab or line break (where a spreadsheet that splits
//! on those would start a new cell). Every cell is quoted.

use std::collections::HashMap;

use app::audit_api::server::filter_of as audit_filter;
use app::audit_api::AuditQuery;
use app::contractors_api::server::{request_of, row_view};
use app::contractors_api::{status_label, ListParams};
use app::ssr::{audit_by, record, ServerContext, SignedIn};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use domain::store::ContractorSort;
use domain::store::{AuditAction, Member, Role};
use http::{header, StatusCode};

pub fn routes<S: Clone + Send + Sync + 'static>(ctx: ServerContext) -> Router<S> {
    Router::new()
        .route("/contractors.csv", get(contractors_csv))
        .route("/audit.csv", get(audit_csv))
        .route("/fix-list.csv", get(fix_list_csv))
        .with_state(ctx)
}

/// The member the sign-in guard checked; without one (never past the guard) the export is
/// refused.
fn member_of(signed_in: Option<Extension<SignedIn>>) -> Result<Member, StatusCode> {
    signed_in
        .map(|Extension(SignedIn(m))| m)
        .ok_or(StatusCode::UNAUTHORIZED)
}

fn csv_response(result: Result<Vec<u8>, StatusCode>, filename: &str) -> Response {
    match result {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(StatusCode::FORBIDDEN) => (
            StatusCode::FORBIDDEN,
            "Only an organization admin can export the audit log.",
        )
            .into_response(),
        Err(StatusCode::BAD_REQUEST) => (
            StatusCode::BAD_REQUEST,
            "That action is not one the audit log records.",
        )
            .into_response(),
        Err(status) => (
            status,
            "The export could not be produced. Please try again.",
        )
            .into_response(),
    }
}

/// "1 row", "3 rows".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, StatusCode> {
    out.into_inner().map_err(|e| {
        tracing::error!(error = ?e, "finishing CSV");
        StatusCode::INTERNAL_SERVER_ERROR
    })
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new())
}

fn write_err(e: csv::Error) -> StatusCode {
    tracing::error!(error = ?e, "writing CSV");
    StatusCode::INTERNAL_SERVER_ERROR
}

/// `GET /audit.csv?action=&member=`: the organization's audit log under the page's filters,
/// every entry, newest first (admins).
async fn audit_csv(
    State(state): State<ServerContext>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    csv_response(
        render_audit(&state, signed_in, &query).await,
        "audit-log.csv",
    )
}

async fn render_audit(
    state: &ServerContext,
    signed_in: Option<Extension<SignedIn>>,
    query: &HashMap<String, String>,
) -> Result<Vec<u8>, StatusCode> {
    let member = member_of(signed_in)?;
    if member.role != Role::Admin {
        return Err(StatusCode::FORBIDDEN);
    }
    let q = AuditQuery::from_query(|k| query.get(k).cloned());
    let mut filter = audit_filter(&q).map_err(|_| StatusCode::BAD_REQUEST)?;
    filter.before = None;
    let mut out = writer();
    out.write_record(["When (UTC)", "Who", "Action", "On", "Detail"])
        .map_err(write_err)?;
    let mut rows = 0usize;
    loop {
        let (events, _) = state
            .store
            .audit_events(member.org_id, &filter, 1000)
            .await
            .map_err(|e| {
                tracing::error!(error = ?e, "reading the audit log for export");
                StatusCode::INTERNAL_SERVER_ERROR
            })?;
        for e in &events {
            let cells = [
                e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                e.actor.name.clone(),
                e.action.label().to_string(),
                e.subject.clone().unwrap_or_default(),
                e.detail.clone().unwrap_or_default(),
            ];
            out.write_record(cells.iter().map(|c| safe_cell(c)))
                .map_err(write_err)?;
        }
        rows += events.len();
        match events.last() {
            Some(last) if events.len() == 1000 => filter.before = Some(last.id),
            _ => break,
        }
    }
    record(
        state.store.as_ref(),
        audit_by(&member, AuditAction::Export)
            .subject("audit log")
            .detail(count(rows, "entry", "entries")),
    )
    .await;
    finish(out)
}

/// Neutralises a cell a spreadsheet would otherwise evaluate: a `'` before a formula start at
/// the beginning of the cell and after each `;`, tab or line break inside it (spaces between
/// the separator and the formula start do not hide it).
pub fn safe_cell(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    // At the start of the cell or of a part a spreadsheet might split off.
    let mut part_start = true;
    for c in value.chars() {
        if part_start {
            match c {
                ' ' => {
                    out.push(c);
                    continue;
                }
                '=' | '+' | '-' | '@' | '\t' | '\r' => out.push('\''),
                _ => {}
            }
        }
        out.push(c);
        part_start = matches!(c, ';' | '\t' | '\r' | '\n');
    }
    out
}

async fn contractors_csv(
    State(state): State<ServerContext>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    csv_response(render(&state, signed_in, &query).await, "contractors.csv")
}

async fn render(
    state: &ServerContext,
    signed_in: Option<Extension<SignedIn>>,
    query: &HashMap<String, String>,
) -> Result<Vec<u8>, StatusCode> {
    let member = member_of(signed_in)?;
    let params = ListParams::from_query(|k| query.get(k).cloned());
    let page = state
        .store
        .contractor_page(member.org_id, &request_of(&params, None))
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "listing contractors for export");
            StatusCode::INTERNAL_SERVER_ERROR
        })?;

    let mut out = writer();
    out.write_record([
        "Name",
        "Email",
        "Campaign",
        "Work state",
        "Base pay",
        "Agency pay",
        "Status",
        "What to fix",
        "Application link",
        "Link state",
        "Last synced",
    ])
    .map_err(write_err)?;
    for row in &page.rows {
        let v = row_view(row, &state.public_base_url);
        let problems = v
            .failures
            .iter()
            .chain(v.warnings.iter())
            .map(|m| format!("{} {}", m.message, m.hint))
            .chain(v.error.clone())
            .collect::<Vec<_>>()
            .join(" | ");
        let cells = [
            v.name,
            v.email.unwrap_or_default(),
            v.campaign,
            v.work_state.unwrap_or_default(),
            v.base_pay.unwrap_or_default(),
            match v.agency_pay {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            status_label(&v.status).to_string(),
            problems,
            v.link_url.unwrap_or_default(),
            v.link_state.unwrap_or_default(),
            v.last_synced.unwrap_or_default(),
        ];
        out.write_record(cells.iter().map(|c| safe_cell(c)))
            .map_err(write_err)?;
    }
    tracing::info!(
        member = member.id.0,
        rows = page.rows.len(),
        "contractors exported"
    );
    let filters: Vec<String> = ["status", "campaign", "rule", "q"]
        .into_iter()
        .filter_map(|k| {
            query
                .get(k)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", v.chars().take(100).collect::<String>()))
        })
        .collect();
    record(
        state.store.as_ref(),
        audit_by(&member, AuditAction::Export)
            .subject("contractors")
            .detail(if filters.is_empty() {
                count(page.rows.len(), "row", "rows")
            } else {
                format!(
                    "{} ({})",
                    count(page.rows.len(), "row", "rows"),
                    filters.join(", ")
                )
            }),
    )
    .await;
    finish(out)
}

/// `GET /fix-list.csv?...`: what to change in CreatorIQ, for the CreatorIQ rep: the rows the
/// list's filters select that need attention (or the status the list shows), grouped by
/// campaign, one line per problem with the CreatorIQ field and the fix.
async fn fix_list_csv(
    State(state): State<ServerContext>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    csv_response(
        render_fix_list(&state, signed_in, &query).await,
        "creatoriq-fix-list.csv",
    )
}

async fn render_fix_list(
    state: &ServerContext,
    signed_in: Option<Extension<SignedIn>>,
    query: &HashMap<String, String>,
) -> Result<Vec<u8>, StatusCode> {
    let member = member_of(signed_in)?;
    let mut params = ListParams::from_query(|k| query.get(k).cloned());
    params
        .status
        .get_or_insert_with(|| "needs_attention".to_string());
    let mut request = request_of(&params, None);
    request.sort = ContractorSort::Campaign;
    request.descending = false;
    let page = state
        .store
        .contractor_page(member.org_id, &request)
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "listing contractors for the fix list");
            StatusCode::INTERNAL_SERVER_ERROR
        })?;

    let mut out = writer();
    out.write_record([
        "Campaign",
        "CreatorIQ campaign id",
        "Creator",
        "CreatorIQ creator id",
        "Email",
        "Problem",
        "Blocks the application link",
        "CreatorIQ field",
        "What is wrong",
        "How to fix",
        "Contractor page",
    ])
    .map_err(write_err)?;
    let base = state.public_base_url.trim_end_matches('/');
    let mut lines = 0usize;
    for row in &page.rows {
        let c = &row.contractor;
        let v = row_view(row, &state.public_base_url);
        let problems = v
            .failures
            .iter()
            .map(|m| (m, "yes"))
            .chain(v.warnings.iter().map(|m| (m, "no")));
        for (m, blocks) in problems {
            let cells = [
                v.campaign.clone(),
                c.ciq_campaign_id.to_string(),
                v.name.clone(),
                c.ciq_publisher_id.to_string(),
                v.email.clone().unwrap_or_default(),
                m.label.clone(),
                blocks.to_string(),
                m.field.clone(),
                m.message.clone(),
                m.hint.clone(),
                format!("{base}/contractors/{}", v.id),
            ];
            out.write_record(cells.iter().map(|c| safe_cell(c)))
                .map_err(write_err)?;
            lines += 1;
        }
    }
    record(
        state.store.as_ref(),
        audit_by(&member, AuditAction::Export)
            .subject("fix list")
            .detail(format!(
                "{} on {}",
                count(lines, "problem", "problems"),
                count(page.rows.len(), "row", "rows")
            )),
    )
    .await;
    finish(out)
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn formula_cells_are_neutralised() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"));
        }
        assert_eq!(safe_cell("Scenario Clean"), "Scenario Clean");
        assert_eq!(safe_cell(""), "");
        // After a separator a spreadsheet may split on, and behind spaces.
        assert_eq!(
            safe_cell("Ann;=HYPERLINK(\"http://x\")"),
            "Ann;'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(safe_cell("a\t+1"), "a\t'+1");
        assert_eq!(safe_cell("x\n@SUM(A1)"), "x\n'@SUM(A1)");
        assert_eq!(safe_cell("  =1+1"), "  '=1+1");
        assert_eq!(safe_cell("a; -2"), "a; '-2");
        assert_eq!(safe_cell("ann@example.com; bob"), "ann@example.com; bob");
    }
}
