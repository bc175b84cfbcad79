//! `GET /contractors.csv?...`: the contractors list under the same filters and order as the page,
//! every page of it, for the signed-in member's organization only. The sign-in guard has already
//! turned away requests without a session.
//!
//! Exports are streamed: rows are read from the database a page at a time and sent as they are
//! written, so an export of 100,000 rows holds one page in memory, not the file. An
//! organization runs at most [`EXPORTS_AT_ONCE`] exports at a time (429 past that). A failure
//! part-way breaks the download off (the file is then visibly incomplete) and is logged.
//!
//! Spreadsheets run cells that begin with `=`, `+`, `-`, `@`, a tab or a carriage return as
//! formulas, and creator names and emails come from outside: such cells get a leading `'`, and
//! so does every part of a cell after a `;`, tab or line break (where a spreadsheet that splits
//! on those would start a new cell). Every cell is quoted.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use app::audit_api::server::filter_of as audit_filter;
use app::audit_api::AuditQuery;
use app::contractors_api::server::{request_of, row_view};
use app::contractors_api::ListParams;
use app::ssr::{audit_by, record, ServerContext, SignedIn};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use domain::store::{
    AuditAction, ContractorListRow, ContractorPageRequest, ContractorSort, ContractorStatus,
    Member, OrgId, Role, StoreError,
};
use http::{header, StatusCode};
use tokio::sync::mpsc;

/// Exports one organization may run at once.
pub const EXPORTS_AT_ONCE: usize = 2;
/// Rows read from the database (and sent) at a time.
const PAGE: u32 = 1000;

#[derive(Clone)]
struct Exports {
    ctx: ServerContext,
    /// Exports running per organization.
    running: Arc<Mutex<HashMap<OrgId, usize>>>,
}

/// One of an organization's export slots, given back when dropped (the export ended, or the
/// client went away).
struct Slot {
    running: Arc<Mutex<HashMap<OrgId, usize>>>,
    org: OrgId,
}

impl Exports {
    fn slot(&self, org: OrgId) -> Option<Slot> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let n = running.entry(org).or_insert(0);
        if *n >= EXPORTS_AT_ONCE {
            return None;
        }
        *n += 1;
        Some(Slot {
            running: self.running.clone(),
            org,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = running.get_mut(&self.org) {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.org);
            }
        }
    }
}

pub fn routes<S: Clone + Send + Sync + 'static>(ctx: ServerContext) -> Router<S> {
    Router::new()
        .route("/contractors.csv", get(contractors_csv))
        .route("/audit.csv", get(audit_csv))
        .route("/fix-list.csv", get(fix_list_csv))
        .with_state(Exports {
            ctx,
            running: Arc::default(),
        })
}

/// Why an export does not start: no member (never past the sign-in guard), or the
/// organization's export slots are taken.
enum NotStarted {
    Unauthenticated,
    Busy,
}

impl IntoResponse for NotStarted {
    fn into_response(self) -> Response {
        match self {
            NotStarted::Unauthenticated => StatusCode::UNAUTHORIZED.into_response(),
            NotStarted::Busy => busy(),
        }
    }
}

/// The member the sign-in guard checked and one of their organization's export slots.
fn start(
    exports: &Exports,
    signed_in: Option<Extension<SignedIn>>,
) -> Result<(Member, Slot), NotStarted> {
    let Some(Extension(SignedIn(member))) = signed_in else {
        return Err(NotStarted::Unauthenticated);
    };
    let slot = exports.slot(member.org_id).ok_or(NotStarted::Busy)?;
    Ok((member, slot))
}

fn refusal(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

fn busy() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "10")],
        "Two exports of this organization are already running. Try again when one has finished.",
    )
        .into_response()
}

/// "1 row", "3 rows".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why an export stopped part-way.
#[derive(Debug)]
enum Stopped {
    Store(StoreError),
    Csv(csv::Error),
    /// The client went away: nothing to report to anyone.
    ClientGone,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Store(e) => write!(f, "reading the database: {e}"),
            Stopped::Csv(e) => write!(f, "writing CSV: {e}"),
            Stopped::ClientGone => f.write_str("the client went away"),
        }
    }
}

impl From<StoreError> for Stopped {
    fn from(e: StoreError) -> Self {
        Stopped::Store(e)
    }
}

impl From<csv::Error> for Stopped {
    fn from(e: csv::Error) -> Self {
        Stopped::Csv(e)
    }
}

/// Where an export writes its rows: quoted CSV, sent a page at a time.
struct CsvSink {
    out: csv::Writer<Vec<u8>>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new())
}

impl CsvSink {
    /// One row, each cell made safe for spreadsheets.
    fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<(), Stopped> {
        self.out
            .write_record(cells.into_iter().map(safe_cell))
            .map_err(Stopped::Csv)
    }

    /// Sends what was written so far, waiting while the client is slower than the database.
    async fn send(&mut self) -> Result<(), Stopped> {
        let bytes = std::mem::replace(&mut self.out, writer())
            .into_inner()
            .map_err(|e| Stopped::Csv(e.into_error().into()))?;
        self.tx
            .send(Ok(Bytes::from(bytes)))
            .await
            .map_err(|_| Stopped::ClientGone)
    }
}

/// Answers with a CSV download whose rows `produce` writes, in a task of its own that holds
/// the organization's export `slot` until it ends.
fn stream_csv<F, Fut>(filename: &str, slot: Slot, what: &'static str, produce: F) -> Response
where
    F: FnOnce(CsvSink) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), Stopped>> + Send + 'static,
{
    // A couple of pages in flight at most: the database waits for a slow client.
    let (tx, mut rx) = mpsc::channel(2);
    let sink = CsvSink {
        out: writer(),
        tx: tx.clone(),
    };
    tokio::spawn(async move {
        let _slot = slot;
        match produce(sink).await {
            Ok(()) | Err(Stopped::ClientGone) => {}
            Err(e) => {
                tracing::error!(error = %e, "an export of {what} stopped part-way");
                let _ = tx
                    .send(Err(std::io::Error::other("the export stopped part-way")))
                    .await;
            }
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// `GET /audit.csv?action=&member=`: the organization's audit log under the page's filters,
/// every entry, newest first (admins).
async fn audit_csv(
    State(exports): State<Exports>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (member, slot) = match start(&exports, signed_in) {
        Ok(started) => started,
        Err(refused) => return refused.into_response(),
    };
    if member.role != Role::Admin {
        return refusal(
            StatusCode::FORBIDDEN,
            "Only an organization admin can export the audit log.",
        );
    }
    let q = AuditQuery::from_query(|k| query.get(k).cloned());
    let Ok(mut filter) = audit_filter(&q) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "That action is not one the audit log records.",
        );
    };
    let state = exports.ctx;
    filter.before = None;
    stream_csv(
        "audit-log.csv",
        slot,
        "the audit log",
        move |mut out| async move {
            out.row(["When (UTC)", "Who", "Action", "On", "Detail"])?;
            let mut rows = 0usize;
            let result = async {
                loop {
                    let (events, _) = state
                        .store
                        .audit_events(member.org_id, &filter, PAGE)
                        .await?;
                    for e in &events {
                        out.row([
                            e.at.format("%Y-%m-%d %H:%M:%S").to_string().as_str(),
                            &e.actor.name,
                            e.action.label(),
                            e.subject.as_deref().unwrap_or_default(),
                            e.detail.as_deref().unwrap_or_default(),
                        ])?;
                    }
                    out.send().await?;
                    rows += events.len();
                    match events.last() {
                        Some(last) if events.len() == PAGE as usize => {
                            filter.before = Some(last.id)
                        }
                        _ => return Ok(()),
                    }
                }
            }
            .await;
            record(
                state.store.as_ref(),
                audit_by(&member, AuditAction::Export)
                    .subject("audit log")
                    .detail(finished(count(rows, "entry", "entries"), &result)),
            )
            .await;
            result
        },
    )
}

/// Writes every contractor row `request` selects, a page at a time: `write` turns each row
/// into lines of `out`, and each page is sent before the next is read. Counts the rows read
/// into `rows` (also when it stops part-way).
async fn each_contractor(
    state: &ServerContext,
    org: OrgId,
    mut request: ContractorPageRequest,
    out: &mut CsvSink,
    rows: &mut usize,
    mut write: impl FnMut(&mut CsvSink, &ContractorListRow) -> Result<(), Stopped>,
) -> Result<(), Stopped> {
    request.limit = Some(PAGE);
    loop {
        let page = state.store.contractor_page(org, &request).await?;
        for row in &page.rows {
            write(out, row)?;
        }
        out.send().await?;
        *rows += page.rows.len();
        if page.rows.len() < PAGE as usize {
            return Ok(());
        }
        request.offset += u64::from(PAGE);
    }
}

/// What the audit log says of an export: its size, and whether it stopped part-way.
fn finished(size: String, result: &Result<(), Stopped>) -> String {
    match result {
        Ok(()) => size,
        Err(_) => format!("{size}, then stopped part-way"),
    }
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
    State(exports): State<Exports>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (member, slot) = match start(&exports, signed_in) {
        Ok(started) => started,
        Err(refused) => return refused.into_response(),
    };
    let state = exports.ctx;
    let params = ListParams::from_query(|k| query.get(k).cloned());
    let filters: Vec<String> = ["status", "campaign", "rule", "q"]
        .into_iter()
        .filter_map(|k| {
            query
                .get(k)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", v.chars().take(100).collect::<String>()))
        })
        .collect();
    stream_csv(
        "contractors.csv",
        slot,
        "contractors",
        move |mut out| async move {
            out.row([
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
                "Estimated premium",
                "Creator pays",
                "Agency pays",
                "Platform fee",
                "Application",
                "Coverage",
            ])?;
            let mut rows = 0usize;
            let base_url = state.public_base_url.clone();
            let request = request_of(&params, None);
            let result = each_contractor(
                &state,
                member.org_id,
                request,
                &mut out,
                &mut rows,
                |out, row| {
                    let v = row_view(row, &base_url);
                    let problems = v
                        .failures
                        .iter()
                        .chain(v.warnings.iter())
                        .map(|m| format!("{} {}", m.message, m.hint))
                        .chain(v.error.clone())
                        .collect::<Vec<_>>()
                        .join(" | ");
                    let agency_pay = match v.agency_pay {
                        Some(true) => "yes",
                        Some(false) => "no",
                        None => "",
                    };
                    let estimate = row.contractor.estimate;
                    let split = estimate.map(|e| e.split(v.agency_pay.unwrap_or(false)));
                    let dollars = app::contractors_api::money;
                    let [premium, creator, agency, fee] = [
                        estimate.map(|e| dollars(e.premium_cents())),
                        split.map(|(c, _)| dollars(c)),
                        split.map(|(_, a)| dollars(a)),
                        estimate.map(|e| dollars(e.platform_fee_cents)),
                    ]
                    .map(Option::unwrap_or_default);
                    let application = match (v.application, v.application_step.as_deref()) {
                        (_, Some(step)) => format!("In progress: {step}"),
                        (Some(a), None) => a.label().to_string(),
                        (None, None) => String::new(),
                    };
                    out.row([
                        v.name.as_str(),
                        v.email.as_deref().unwrap_or_default(),
                        &v.campaign,
                        v.work_state.as_deref().unwrap_or_default(),
                        v.base_pay.as_deref().unwrap_or_default(),
                        agency_pay,
                        v.status.label(),
                        &problems,
                        v.link_url.as_deref().unwrap_or_default(),
                        v.link_state.map_or("", |s| s.as_str()),
                        v.last_synced.as_deref().unwrap_or_default(),
                        &premium,
                        &creator,
                        &agency,
                        &fee,
                        &application,
                        &v.cover_detail,
                    ])
                },
            )
            .await;
            tracing::info!(member = member.id.0, rows, "contractors exported");
            let size = count(rows, "row", "rows");
            let size = if filters.is_empty() {
                size
            } else {
                format!("{size} ({})", filters.join(", "))
            };
            record(
                state.store.as_ref(),
                audit_by(&member, AuditAction::Export)
                    .subject("contractors")
                    .detail(finished(size, &result)),
            )
            .await;
            result
        },
    )
}

/// `GET /fix-list.csv?...`: what to change in CreatorIQ, for the CreatorIQ rep: the rows the
/// list's filters select that need attention (or the status the list shows), grouped by
/// campaign, one line per problem with the CreatorIQ field and the fix.
async fn fix_list_csv(
    State(exports): State<Exports>,
    signed_in: Option<Extension<SignedIn>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (member, slot) = match start(&exports, signed_in) {
        Ok(started) => started,
        Err(refused) => return refused.into_response(),
    };
    let state = exports.ctx;
    let mut params = ListParams::from_query(|k| query.get(k).cloned());
    params
        .status
        .get_or_insert(ContractorStatus::NeedsAttention);
    let mut request = request_of(&params, None);
    request.sort = ContractorSort::Campaign;
    request.descending = false;
    stream_csv(
        "creatoriq-fix-list.csv",
        slot,
        "the fix list",
        move |mut out| async move {
            out.row([
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
            ])?;
            let base = state.public_base_url.trim_end_matches('/').to_string();
            let (mut rows, mut lines) = (0usize, 0usize);
            let result = each_contractor(
                &state,
                member.org_id,
                request,
                &mut out,
                &mut rows,
                |out, row| {
                    let c = &row.contractor;
                    let v = row_view(row, &base);
                    let problems = v
                        .failures
                        .iter()
                        .map(|m| (m, "yes"))
                        .chain(v.warnings.iter().map(|m| (m, "no")));
                    for (m, blocks) in problems {
                        out.row([
                            v.campaign.as_str(),
                            &c.ciq_campaign_id.to_string(),
                            &v.name,
                            &c.ciq_publisher_id.to_string(),
                            v.email.as_deref().unwrap_or_default(),
                            &m.label,
                            blocks,
                            &m.field,
                            &m.message,
                            &m.hint,
                            &format!("{base}/contractors/{}", v.id),
                        ])?;
                        lines += 1;
                    }
                    Ok(())
                },
            )
            .await;
            record(
                state.store.as_ref(),
                audit_by(&member, AuditAction::Export)
                    .subject("fix list")
                    .detail(finished(
                        format!(
                            "{} on {}",
                            count(lines, "problem", "problems"),
                            count(rows, "row", "rows")
                        ),
                        &result,
                    )),
            )
            .await;
            result
        },
    )
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
