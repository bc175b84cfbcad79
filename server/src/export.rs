//! `GET /contractors.csv?...`: the contractors list under the same filters and order as the page,
//! every page of it, for the signed-in member's organization only. The sign-in guard has already
//! turned away requests without a session.
//!
//! Spreadsheets run cells that begin with `=`, `+`, `-`, `@`, a tab or a carriage return as
//! formulas, and creator names and emails come from outside: such cells get a leading `'`, and
//! so does every part of a cell after a `;`, tab or line break (where a spreadsheet that splits
//! on those would start a new cell). Every cell is quoted.

use std::collections::HashMap;
use std::sync::Arc;

use app::contractors_api::server::{request_of, row_view};
use app::contractors_api::{status_label, ListParams};
use app::ssr::AuthSession;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::store::Store;
use http::{header, StatusCode};
use tower_sessions::Session;

#[derive(Clone)]
struct ExportState {
    store: Arc<dyn Store>,
    public_base_url: String,
}

pub fn routes<S: Clone + Send + Sync + 'static>(
    store: Arc<dyn Store>,
    public_base_url: String,
) -> Router<S> {
    Router::new()
        .route("/contractors.csv", get(contractors_csv))
        .with_state(ExportState {
            store,
            public_base_url,
        })
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
    State(state): State<ExportState>,
    session: Session,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match render(&state, session, &query).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"contractors.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(status) => (
            status,
            "The export could not be produced. Please try again.",
        )
            .into_response(),
    }
}

async fn render(
    state: &ExportState,
    session: Session,
    query: &HashMap<String, String>,
) -> Result<Vec<u8>, StatusCode> {
    let member_id = AuthSession::new(session)
        .member_id()
        .await
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let member = state
        .store
        .member(member_id)
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "loading member for export");
            StatusCode::INTERNAL_SERVER_ERROR
        })?
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let params = ListParams::from_query(|k| query.get(k).cloned());
    let page = state
        .store
        .contractor_page(member.org_id, &request_of(&params, None))
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "listing contractors for export");
            StatusCode::INTERNAL_SERVER_ERROR
        })?;

    let mut out = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let write_err = |e: csv::Error| {
        tracing::error!(error = ?e, "writing CSV");
        StatusCode::INTERNAL_SERVER_ERROR
    };
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
    out.into_inner().map_err(|e| {
        tracing::error!(error = ?e, "finishing CSV");
        StatusCode::INTERNAL_SERVER_ERROR
    })
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
