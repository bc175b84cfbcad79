//! Server functions behind the Contractors list, the contractor page and the creators' public
//! application page. Every dashboard read and write is scoped to the signed-in member's
//! organization: another organization's row id reads as "not found". The application page is
//! reached by its token alone, the capability the creator was given.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
pub use vocabulary::{
    ApplicationState, ApplicationStep, ContactStep, ContractorSort, ContractorStatus, CoverState,
    LinkOrigin, LinkState, PolicyStatus, RetireReason, RunState, StatusCounts,
};

/// Rows per page of the list.
pub const PER_PAGE: u32 = 50;

/// The text operators read when a row id is not theirs or does not exist.
pub const NOT_FOUND: &str = "This contractor was not found in your organization.";

// ---------------------------------------------------------------------------------------------
// List parameters (shared by the page, the server functions and the CSV export)
// ---------------------------------------------------------------------------------------------

/// The list's filters, order and page, as they appear in the URL query. Parsing is tolerant:
/// anything unknown falls back to the default, so a hand-edited URL still opens a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListParams {
    pub status: Option<ContractorStatus>,
    pub campaign: Option<i64>,
    /// Rows with this problem (a rule or warning code, e.g. `missing_po_contact_email`).
    pub rule: Option<String>,
    /// Where the row is in reaching its creator.
    pub contact: Option<ContactStep>,
    /// Where the row's application stands.
    pub application: Option<ApplicationState>,
    /// How the row's cover reads today.
    pub coverage: Option<CoverState>,
    pub q: String,
    pub sort: ContractorSort,
    pub desc: bool,
    /// 1-based.
    pub page: u32,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            status: None,
            campaign: None,
            rule: None,
            contact: None,
            application: None,
            coverage: None,
            q: String::new(),
            sort: ContractorSort::Name,
            desc: false,
            page: 1,
        }
    }
}

impl ListParams {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> ListParams {
        let status = get("status").and_then(|s| ContractorStatus::parse(&s));
        let sort = get("sort")
            .and_then(|s| ContractorSort::parse(&s))
            .unwrap_or_default();
        ListParams {
            status,
            campaign: get("campaign").and_then(|c| c.trim().parse().ok()),
            rule: get("rule")
                .map(|r| r.trim().to_string())
                .filter(|r| is_code(r)),
            contact: get("contact").and_then(|c| ContactStep::parse(c.trim())),
            application: get("application").and_then(|c| ApplicationState::parse(c.trim())),
            coverage: get("coverage").and_then(|c| CoverState::parse(c.trim())),
            q: get("q").map(|q| q.trim().to_string()).unwrap_or_default(),
            sort,
            desc: get("dir").as_deref() == Some("desc"),
            page: get("page")
                .and_then(|p| p.trim().parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    /// Whether anything narrows the list (the "no match" empty state offers to clear it).
    pub fn is_filtered(&self) -> bool {
        self.status.is_some()
            || self.campaign.is_some()
            || self.rule.is_some()
            || self.contact.is_some()
            || self.application.is_some()
            || self.coverage.is_some()
            || !self.q.is_empty()
    }

    /// The query string (with `?`, or empty), leaving defaults out so URLs stay short.
    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(status) = self.status {
            parts.push(format!("status={status}"));
        }
        if let Some(campaign) = self.campaign {
            parts.push(format!("campaign={campaign}"));
        }
        if let Some(rule) = &self.rule {
            parts.push(format!("rule={}", encode(rule)));
        }
        if let Some(contact) = self.contact {
            parts.push(format!("contact={contact}"));
        }
        if let Some(application) = self.application {
            parts.push(format!("application={application}"));
        }
        if let Some(coverage) = self.coverage {
            parts.push(format!("coverage={coverage}"));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        if self.sort != ContractorSort::default() {
            parts.push(format!("sort={}", self.sort));
        }
        if self.desc {
            parts.push("dir=desc".to_string());
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    pub fn href(&self) -> String {
        format!("/contractors{}", self.query_string())
    }

    /// The CSV export of the same rows (every page).
    pub fn csv_href(&self) -> String {
        self.export_href("/contractors.csv")
    }

    /// The fix list of the same rows (those needing attention), every page.
    pub fn fix_list_href(&self) -> String {
        self.export_href("/fix-list.csv")
    }

    /// `path` under these filters and order, every page.
    fn export_href(&self, path: &str) -> String {
        let all_pages = ListParams {
            page: 1,
            ..self.clone()
        };
        format!("{path}{}", all_pages.query_string())
    }

    pub fn with_status(&self, status: Option<ContractorStatus>) -> ListParams {
        ListParams {
            status,
            page: 1,
            ..self.clone()
        }
    }

    /// Sorted by `sort`: ascending first, the other way when it is already the order.
    pub fn sorted_by(&self, sort: ContractorSort) -> ListParams {
        ListParams {
            sort,
            desc: self.sort == sort && !self.desc,
            page: 1,
            ..self.clone()
        }
    }

    pub fn with_page(&self, page: u32) -> ListParams {
        ListParams {
            page,
            ..self.clone()
        }
    }
}

/// A problem code as stored: lower-case words joined by `_` (unknown codes match no row).
fn is_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// What the browser receives
// ---------------------------------------------------------------------------------------------

/// A failing rule or warning, with what to do about it in CreatorIQ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub code: String,
    /// A few words for the list, e.g. "PO contact email missing".
    pub label: String,
    /// The CreatorIQ field to change, e.g. "CustomField4 (PO Contact Email)".
    pub field: String,
    pub message: String,
    pub hint: String,
}

/// A problem the list can be filtered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleChoice {
    pub code: String,
    pub label: String,
}

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowView {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub campaign: String,
    pub work_state: Option<String>,
    pub base_pay: Option<String>,
    pub agency_pay: Option<bool>,
    pub status: ContractorStatus,
    pub failures: Vec<MessageView>,
    pub warnings: Vec<MessageView>,
    /// Why CreatorIQ could not be read for this row (status `error`).
    pub error: Option<String>,
    /// The current application link's URL and state.
    pub link_url: Option<String>,
    pub link_state: Option<LinkState>,
    pub last_synced: Option<String>,
    /// The row's messages in one line ("Sent 2 · Dec 4"); empty when none was sent.
    pub contact: String,
    /// A message about the current link could not be delivered.
    pub contact_failed: bool,
    /// The estimated premium ("$83.25"), for a synced row.
    pub premium: Option<String>,
    /// Who pays what ("Creator $83.25 · Agency $112.50"), for a synced row.
    pub split: Option<String>,
    /// Where the row's application stands, and the step reached when in progress.
    pub application: Option<ApplicationState>,
    pub application_step: Option<String>,
    /// How the row's cover reads today, and in words ("Covered until Dec 31, 2026").
    pub cover: CoverState,
    pub cover_detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignChoice {
    pub id: i64,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorList {
    pub rows: Vec<RowView>,
    /// Rows matching the filters, every page.
    pub total: u64,
    pub page: u32,
    pub pages: u32,
    /// Rows per status under the other filters (the tabs).
    pub counts: StatusCounts,
    pub campaigns: Vec<CampaignChoice>,
    /// Every problem the rule filter offers.
    pub rules: Vec<RuleChoice>,
    /// The organization has rows at all (otherwise the page shows how to connect CreatorIQ).
    pub has_any: bool,
    /// The organization's sync currently running, if any.
    pub running_run: Option<i64>,
    /// The member may send application links (admins).
    pub can_send: bool,
    /// Premiums are priced with the shipped example rating table.
    pub example_rates: bool,
    /// What the page did with input it could not use as given (a search too long, a page past
    /// the last, an unknown problem), shown above the list; the list still shows.
    pub notices: Vec<String>,
}

/// A sync run's progress, then its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProgress {
    pub id: i64,
    /// Re-reads rows an operator selected (progress counts rows, not campaigns).
    pub selected_rows: bool,
    pub state: RunState,
    pub campaigns_total: u64,
    pub campaigns_done: u64,
    pub creators_done: u64,
    pub counts: StatusCounts,
    pub requests: u64,
    pub retries: u64,
    pub error: Option<String>,
}

impl RunProgress {
    pub fn is_running(&self) -> bool {
        self.state == RunState::Running
    }
}

/// What a row's re-sync produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncOutcome {
    pub status: ContractorStatus,
    pub problems: usize,
    /// The run's failure, if it could not read CreatorIQ.
    pub error: Option<String>,
}

/// One mapped field on the contractor page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    pub label: String,
    pub value: Option<String>,
    pub raw: Option<String>,
    pub source: String,
    pub default_applied: Option<String>,
    pub problem: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventView {
    pub at: String,
    pub run_id: Option<i64>,
    pub status: ContractorStatus,
    pub previous_status: Option<ContractorStatus>,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkView {
    pub url: String,
    pub state: LinkState,
    pub current: bool,
    pub created: String,
    pub created_reason: LinkOrigin,
    pub opened: Option<String>,
    pub submitted: Option<String>,
    pub retired: Option<String>,
    pub retired_reason: Option<RetireReason>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractorInfo {
    pub row: RowView,
    pub ciq_campaign_id: i64,
    pub ciq_publisher_id: i64,
    /// "Open in CreatorIQ": the organization's address template filled in for this row.
    pub ciq_app_link: Option<String>,
    pub coverage: Option<String>,
    pub fields: Vec<FieldView>,
    pub history: Vec<EventView>,
    pub links: Vec<LinkView>,
    pub is_admin: bool,
    /// Every message to the creator, newest first.
    pub messages: Vec<MessageRow>,
    /// A Send would go now: Synced, with a current link not yet submitted.
    pub can_send: bool,
    /// The current link was sent before (the button says Resend).
    pub sent_before: bool,
    /// The creator asked for no more reminders about the current link.
    pub reminders_stopped: bool,
    /// The estimate's lines: each coverage type's premium and the platform fee.
    pub estimate: Vec<(String, String)>,
    pub example_rates: bool,
    /// Every application made through the row's links, newest first.
    pub applications: Vec<ApplicationRow>,
    /// The covers issued for the row (or covering it), newest first.
    pub covers: Vec<CoverView>,
}

/// One cover on the contractor page: its policies, window, money and certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverView {
    pub id: i64,
    pub status: PolicyStatus,
    /// "Dec 10 – Dec 31, 2026".
    pub window: String,
    pub policies: Vec<PolicyView>,
    pub premium: String,
    pub platform_fee: String,
    /// "Agency pays the premium" / "Creator pays the premium".
    pub payer: String,
    pub po_number: Option<String>,
    pub issued: String,
    /// Issued for another row of the same creator (a repeat creator's cover).
    pub other_row: Option<i64>,
    /// "Cancelled by ada@… on …: reason".
    pub cancelled: Option<String>,
    /// An admin may cancel it now (it has not started).
    pub can_cancel: bool,
    pub certificate_url: String,
}

/// One policy of a cover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    pub number: String,
    pub coverage: String,
    pub premium: String,
    /// "Each occurrence $1,000,000".
    pub limits: Vec<String>,
}

/// One application on the contractor page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationRow {
    pub id: i64,
    /// "In progress: Signing", "Manual review", "Complete"...
    pub state: String,
    pub current_link: bool,
    pub started: String,
    pub submitted: Option<String>,
    /// "Claims: no · Refused: no · Employs: yes".
    pub answers: String,
    /// "Ava Chen, Dec 5 2026 14:02 UTC, from 203.0.113.7 (text SHA-256 1f2e…)".
    pub signature: Option<String>,
    /// "Declined by underwriter@…: reason" or "Approved by …".
    pub decision: Option<String>,
}

/// One message to the creator on the contractor page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    pub channel: String,
    pub kind: String,
    /// When it went, or when it is due.
    pub when: String,
    /// "Sent", "Will try again: ...", "Not sent: Application submitted", the failure...
    pub result: String,
    /// `sent`, `queued`, `failed`, `cancelled` (for styling).
    pub state: String,
    /// Who asked for it; empty when the product sent it by itself.
    pub by: String,
    /// About the row's current link.
    pub current_link: bool,
}

/// `450000` cents -> `$4,500.00`.
pub fn money(cents: i64) -> String {
    let negative = cents < 0;
    let cents = cents.unsigned_abs();
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!(
        "{}${grouped}.{:02}",
        if negative { "-" } else { "" },
        cents % 100
    )
}

// ---------------------------------------------------------------------------------------------
// Server-side helpers
// ---------------------------------------------------------------------------------------------

#[cfg(feature = "ssr")]
pub mod server {
    //! Conversions from the store's records; used by the server functions and the CSV export.

    use chrono::{DateTime, Utc};
    use domain::store::{
        ContractorFilter, ContractorListItem, ContractorListRow, ContractorPageRequest,
    };

    use super::*;

    /// A history entry's stored summary (`needs_attention: missing_email, no_payment`,
    /// `error: …`, `synced`) in the words the rest of the page uses.
    pub fn history_text(summary: &str) -> String {
        let (head, rest) = summary
            .split_once(": ")
            .map_or((summary, ""), |(h, r)| (h, r));
        match ContractorStatus::parse(head) {
            Some(ContractorStatus::NeedsAttention) if !rest.is_empty() => rest
                .split(", ")
                .map(|code| {
                    vocabulary::RuleCode::parse(code)
                        .map_or(code.to_string(), |r| r.label().to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
            Some(ContractorStatus::Error) if !rest.is_empty() => {
                format!("Could not be read: {rest}")
            }
            Some(ContractorStatus::Removed) if !rest.is_empty() => {
                let mut text = rest.to_string();
                if let Some(first) = text.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                text
            }
            Some(status) if rest.is_empty() => status.label().to_string(),
            _ => summary.to_string(),
        }
    }

    pub fn when(at: DateTime<Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// An application as the contractor page lists it.
    pub fn application_row(
        a: &domain::application::Application,
        current_link: bool,
    ) -> ApplicationRow {
        let state = if a.step.is_finished() {
            a.step.label().to_string()
        } else if current_link {
            format!("In progress: {}", a.step.label())
        } else {
            format!("Expired at: {}", a.step.label())
        };
        let answer = |x: Option<bool>| match x {
            Some(true) => "yes",
            Some(false) => "no",
            None => "—",
        };
        ApplicationRow {
            id: a.id.0,
            state,
            current_link,
            started: when(a.created_at),
            submitted: a.submitted_at.map(when),
            answers: format!(
                "Claim in 3 years: {} · Policy cancelled or refused: {} · Employs anyone: {}",
                answer(a.answers.recent_claims),
                answer(a.answers.refused_policy),
                answer(a.answers.employs_others)
            ),
            signature: a.signature.as_ref().map(|s| {
                format!(
                    "{}, {}{} (declarations SHA-256 {}…)",
                    s.name,
                    when(s.at),
                    s.address
                        .as_deref()
                        .map(|x| format!(", from {x}"))
                        .unwrap_or_default(),
                    s.text_sha256.get(..12).unwrap_or_default()
                )
            }),
            decision: a.decided_at.map(|at| {
                let by = a.decided_by.clone().unwrap_or_default();
                match &a.decline_reason {
                    Some(reason) => format!("Declined by {by} on {}: {reason}", when(at)),
                    None => format!("Approved by {by} on {}", when(at)),
                }
            }),
        }
    }

    pub fn filter_of(params: &ListParams) -> ContractorFilter {
        ContractorFilter {
            status: params.status,
            campaign: params.campaign,
            search: Some(params.q.clone()).filter(|q| !q.is_empty()),
            rule: params.rule.clone(),
            contact: params.contact,
            application: params.application,
            coverage: params.coverage.map(|state| domain::store::CoverFilter {
                state,
                today: today(),
            }),
        }
    }

    /// The day cover is read on: the calendar date in UTC.
    pub fn today() -> chrono::NaiveDate {
        Utc::now().date_naive()
    }

    /// A cover as the contractor page shows it.
    pub fn cover_view(
        c: &domain::cover::Cover,
        row: domain::store::ContractorId,
        today: chrono::NaiveDate,
    ) -> CoverView {
        CoverView {
            id: c.id.0,
            status: c.status(today),
            window: domain::cover::date_range(c.starts_on, c.ends_on),
            policies: c
                .policies
                .iter()
                .map(|p| PolicyView {
                    number: p.number(),
                    coverage: p.coverage.label().to_string(),
                    premium: money(p.premium_cents),
                    limits: p
                        .limits
                        .iter()
                        .map(|l| format!("{} {}", l.label, l.value))
                        .collect(),
                })
                .collect(),
            premium: money(c.premium_cents()),
            platform_fee: money(c.platform_fee_cents),
            payer: if c.agency_pays {
                "Agency pays the premium".to_string()
            } else {
                "Creator pays the premium".to_string()
            },
            po_number: c.po_number.clone(),
            issued: when(c.issued_at),
            other_row: (c.contractor_id != row).then_some(c.contractor_id.0),
            cancelled: c.cancelled_at.map(|at| {
                let by = c.cancelled_by.clone().unwrap_or_default();
                let reason = c.cancel_reason.clone().unwrap_or_default();
                format!("Cancelled by {by} on {}: {reason}", when(at))
            }),
            can_cancel: c.can_cancel(today).is_ok(),
            certificate_url: format!("/contractors/{}/certificate/{}.pdf", row.0, c.id.0),
        }
    }

    pub fn request_of(params: &ListParams, limit: Option<u32>) -> ContractorPageRequest {
        ContractorPageRequest {
            filter: filter_of(params),
            sort: params.sort,
            descending: params.desc,
            offset: u64::from(params.page.saturating_sub(1)) * u64::from(PER_PAGE),
            limit,
        }
    }

    pub fn display_name(c: &ContractorListItem) -> String {
        c.creator_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| format!("Creator {}", c.ciq_publisher_id))
    }

    pub fn campaign_name(c: &ContractorListItem) -> String {
        campaign_label(c.ciq_campaign_id, c.campaign_name.as_deref())
    }

    /// A campaign's name, or "Campaign {id}" when CreatorIQ gave it none.
    pub fn campaign_label(ciq_campaign_id: i64, name: Option<&str>) -> String {
        name.filter(|n| !n.trim().is_empty())
            .map_or_else(|| format!("Campaign {ciq_campaign_id}"), str::to_string)
    }

    pub fn message_view(code: &str, field: &str, message: &str, hint: &str) -> MessageView {
        MessageView {
            code: code.to_string(),
            label: domain::rules::problem_kind(code)
                .map_or_else(|| code.replace('_', " "), |k| k.label.to_string()),
            field: field.to_string(),
            message: message.to_string(),
            hint: hint.to_string(),
        }
    }

    /// Every problem the rule filter offers, in catalogue order.
    pub fn rule_choices() -> Vec<RuleChoice> {
        domain::rules::PROBLEM_KINDS
            .iter()
            .map(|k| RuleChoice {
                code: k.code.to_string(),
                label: k.label.to_string(),
            })
            .collect()
    }

    pub fn row_view(row: &ContractorListRow, public_base_url: &str) -> RowView {
        let c = &row.contractor;
        let reading = c.cover_reading(today());
        RowView {
            id: c.id.0,
            name: display_name(c),
            email: c.email.clone(),
            campaign: campaign_name(c),
            work_state: c.work_state.clone(),
            base_pay: c.base_pay_cents.map(money),
            agency_pay: c.agency_pay,
            status: c.status,
            failures: c
                .failures
                .iter()
                .map(|f| message_view(f.code.as_str(), &f.field, &f.message, &f.hint))
                .collect(),
            warnings: c
                .warnings
                .iter()
                .map(|w| message_view(w.code.as_str(), &w.field, &w.message, &w.hint))
                .collect(),
            error: c.error.as_ref().map(|e| e.message.clone()),
            link_url: row.link.as_ref().map(|l| l.token.url(public_base_url)),
            link_state: row.link.as_ref().map(|l| l.state),
            last_synced: c.last_synced_at.map(when),
            contact: String::new(),
            contact_failed: false,
            premium: c.estimate.map(|e| money(e.premium_cents())),
            split: c.estimate.map(|e| {
                let (creator, agency) = e.split(c.agency_pay.unwrap_or(false));
                format!("Creator {} · Agency {}", money(creator), money(agency))
            }),
            application: row.application,
            application_step: row
                .application_step
                .filter(|s| !s.is_finished())
                .map(|s| s.label().to_string()),
            cover: reading.state,
            cover_detail: reading.detail,
        }
    }

    /// Fills each row's "Contacted" column from its messages.
    pub fn with_contact(
        mut rows: Vec<RowView>,
        summaries: &std::collections::HashMap<
            domain::store::ContractorId,
            domain::store::ContactSummary,
        >,
    ) -> Vec<RowView> {
        for row in &mut rows {
            let Some(s) = summaries.get(&domain::store::ContractorId(row.id)) else {
                continue;
            };
            let mut parts = Vec::new();
            if s.sent > 0 {
                let last = s
                    .last_sent_at
                    .map(|t| format!(" · {}", t.format("%b %-d")))
                    .unwrap_or_default();
                parts.push(format!("Sent {}{last}", s.sent));
            }
            if s.waiting > 0 && s.sent == 0 {
                parts.push("Sending".to_string());
            }
            if s.failed {
                parts.push("Delivery failed".to_string());
            }
            row.contact = parts.join(" · ");
            row.contact_failed = s.failed;
        }
        rows
    }
}

/// A row id that is not the member's organization's reads the same as one that never existed.
pub fn not_found() -> AppError {
    AppError::NotFound(NOT_FOUND.to_string())
}

#[cfg(feature = "ssr")]
fn store_error(context: &str, e: domain::store::StoreError) -> AppError {
    match e {
        domain::store::StoreError::NotFound(_) => not_found(),
        domain::store::StoreError::Invalid(text) => AppError::Invalid(format!("{text}.")),
        other => AppError::internal(context, other),
    }
}

#[cfg(feature = "ssr")]
fn sync_error(e: domain::sync::SyncError) -> AppError {
    use domain::sync::SyncError;
    match e {
        SyncError::NotFound(_) => not_found(),
        SyncError::Store(inner) => AppError::internal("sync could not be saved", inner),
        other => AppError::Invalid(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Server functions
// ---------------------------------------------------------------------------------------------

/// The longest search the list accepts (names and emails are far shorter).
pub const MAX_SEARCH_CHARS: usize = 200;
/// The highest page number the list accepts (50 rows a page: five million rows).
pub const MAX_PAGE: u32 = 100_000;

#[server(endpoint = "list_contractors")]
pub async fn list_contractors(
    status: Option<String>,
    campaign: Option<i64>,
    rule: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<u32>,
    contact: Option<String>,
    application: Option<String>,
    coverage: Option<String>,
) -> Result<ContractorList, AppError> {
    use domain::store::ContractorFilter;

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    // Input the list cannot use as given is corrected, and the page says how: the filters and
    // the rows stay on screen.
    let mut notices = Vec::new();
    let q = q.map(|q| {
        let q = q.trim();
        if q.chars().count() > MAX_SEARCH_CHARS {
            notices.push(format!(
                "A search is at most {MAX_SEARCH_CHARS} characters (a name, an email or part of \
                 one): this one was cut to its first {MAX_SEARCH_CHARS}."
            ));
            q.chars().take(MAX_SEARCH_CHARS).collect()
        } else {
            q.to_string()
        }
    });
    let rule = rule.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    let rule = match rule {
        Some(r)
            if vocabulary::RuleCode::parse(&r).is_none()
                && vocabulary::WarningCode::parse(&r).is_none() =>
        {
            let shown: String = r.chars().take(40).collect();
            notices.push(format!(
                "There is no problem called \u{201c}{shown}\u{201d}: the list shows rows with any \
                 problem or none. Choose one under Problem."
            ));
            None
        }
        other => other,
    };
    let page = page.map(|p| p.min(MAX_PAGE));
    let mut params = ListParams::from_query(|key| match key {
        "status" => status.clone(),
        "campaign" => campaign.map(|c| c.to_string()),
        "rule" => rule.clone(),
        "q" => q.clone(),
        "sort" => sort.clone(),
        "dir" => dir.clone(),
        "page" => page.map(|p| p.to_string()),
        "contact" => contact.clone(),
        "application" => application.clone(),
        "coverage" => coverage.clone(),
        _ => None,
    });
    let org = member.org_id;
    let store = ctx.store.as_ref();

    let mut page_data = store
        .contractor_page(org, &server::request_of(&params, Some(PER_PAGE)))
        .await
        .map_err(|e| store_error("listing contractors", e))?;
    let last_page = u32::try_from(page_data.total.div_ceil(u64::from(PER_PAGE)))
        .unwrap_or(u32::MAX)
        .max(1);
    if params.page > last_page {
        notices.push(format!(
            "There is no page {}: {}, so this is the last.",
            params.page,
            if last_page == 1 {
                "the list has one page".to_string()
            } else {
                format!("the list has {last_page} pages")
            }
        ));
        params.page = last_page;
        page_data = store
            .contractor_page(org, &server::request_of(&params, Some(PER_PAGE)))
            .await
            .map_err(|e| store_error("listing contractors", e))?;
    }
    let tab_counts = store
        .contractor_filter_counts(org, &server::filter_of(&params))
        .await
        .map_err(|e| store_error("counting contractors", e))?;
    let has_any = if tab_counts.total() > 0 {
        true
    } else {
        store
            .contractor_filter_counts(org, &ContractorFilter::default())
            .await
            .map_err(|e| store_error("counting contractors", e))?
            .total()
            > 0
    };
    let campaigns = store
        .contractor_campaigns(org)
        .await
        .map_err(|e| store_error("listing campaigns", e))?
        .into_iter()
        .map(|c| CampaignChoice {
            id: c.ciq_campaign_id,
            name: server::campaign_label(c.ciq_campaign_id, c.name.as_deref()),
        })
        .collect();
    let running_run = store
        .running_sync_run(org)
        .await
        .map_err(|e| store_error("reading the running sync", e))?
        .map(|r| r.id.0);
    let pages = u32::try_from(page_data.total.div_ceil(u64::from(PER_PAGE)))
        .unwrap_or(u32::MAX)
        .max(1);
    let ids: Vec<_> = page_data.rows.iter().map(|r| r.contractor.id).collect();
    let summaries = store
        .contact_summaries(org, &ids)
        .await
        .map_err(|e| store_error("reading messages", e))?;
    let rows = page_data
        .rows
        .iter()
        .map(|r| server::row_view(r, &ctx.public_base_url))
        .collect();
    Ok(ContractorList {
        rows: server::with_contact(rows, &summaries),
        total: page_data.total,
        page: params.page,
        pages,
        counts: tab_counts,
        campaigns,
        rules: server::rule_choices(),
        has_any,
        running_run,
        can_send: member.role == domain::store::Role::Admin,
        example_rates: ctx.engine.rating().is_example(),
        notices,
    })
}

/// "Sync now": starts (or joins) the organization's sync and returns its run id at once.
#[server(endpoint = "start_sync")]
pub async fn start_sync() -> Result<i64, AppError> {
    use domain::store::{Trigger, TriggerKind};

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    let handle = ctx
        .engine
        .start_sync(
            member.org_id,
            Trigger::by_member(TriggerKind::Manual, member.id, &member.email),
        )
        .await
        .map_err(sync_error)?;
    tracing::info!(
        member = member.id.0,
        run = handle.run_id.0,
        "sync started from the dashboard"
    );
    Ok(handle.run_id.0)
}

/// A run's progress (or outcome). Without `run`, the organization's running run, if any.
#[server(endpoint = "sync_progress")]
pub async fn sync_progress(run: Option<i64>) -> Result<Option<RunProgress>, AppError> {
    use domain::store::SyncRunId;

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    let found = match run {
        Some(id) => ctx.store.sync_run(member.org_id, SyncRunId(id)).await,
        None => ctx.store.running_sync_run(member.org_id).await,
    }
    .map_err(|e| store_error("reading sync progress", e))?;
    Ok(found.map(|r| {
        let t = &r.totals;
        RunProgress {
            id: r.id.0,
            selected_rows: r.trigger.kind == domain::store::TriggerKind::Row
                && r.contractor_id.is_none(),
            state: r.state,
            campaigns_total: t.progress.campaigns_total,
            campaigns_done: t.progress.campaigns_done,
            creators_done: t.progress.creators_done,
            counts: t.statuses,
            requests: t.ciq_requests,
            retries: t.ciq_retries,
            error: t.error.clone(),
        }
    }))
}

/// "Re-sync" on one row: reads the creator again from CreatorIQ and waits for the result.
#[server(endpoint = "resync_contractor")]
pub async fn resync_contractor(id: i64) -> Result<ResyncOutcome, AppError> {
    use domain::store::{ContractorId, Trigger, TriggerKind};

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    let org = member.org_id;
    // Checked first so another organization's id never reaches the engine.
    ctx.store
        .contractor(org, ContractorId(id))
        .await
        .map_err(|e| store_error("loading contractor", e))?
        .ok_or_else(not_found)?;
    let summary = ctx
        .engine
        .resync_row(
            org,
            ContractorId(id),
            Trigger::by_member(TriggerKind::Row, member.id, &member.email),
        )
        .await
        .map_err(sync_error)?;
    let row = ctx
        .store
        .contractor(org, ContractorId(id))
        .await
        .map_err(|e| store_error("loading contractor", e))?
        .ok_or_else(not_found)?;
    Ok(ResyncOutcome {
        status: row.status,
        problems: row.failures.len(),
        error: summary
            .totals()
            .error
            .clone()
            .or_else(|| row.error.as_ref().map(|e| e.message.clone())),
    })
}

/// The most rows one "Re-sync selected" takes (a page holds 50).
pub const MAX_SELECTED: usize = 200;

/// "Re-sync selected": re-reads the chosen rows (ids separated by commas) in one run and
/// returns its id at once; the page follows its progress like "Sync now".
#[server(endpoint = "resync_selected")]
pub async fn resync_selected(ids: String) -> Result<i64, AppError> {
    use domain::store::{ContractorId, Trigger, TriggerKind};

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    let mut rows = Vec::new();
    for part in ids.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = part
            .parse::<i64>()
            .map_err(|_| AppError::Invalid("Choose rows from the list to re-sync.".into()))?;
        if !rows.contains(&ContractorId(id)) {
            rows.push(ContractorId(id));
        }
    }
    if rows.is_empty() {
        return Err(AppError::Invalid(
            "Select one or more rows to re-sync.".into(),
        ));
    }
    if rows.len() > MAX_SELECTED {
        return Err(AppError::Invalid(format!(
            "Re-sync at most {MAX_SELECTED} rows at a time, or use Sync now for every row."
        )));
    }
    let count = rows.len();
    let handle = ctx
        .engine
        .resync_rows(
            member.org_id,
            rows,
            Trigger::by_member(TriggerKind::Row, member.id, &member.email),
        )
        .await
        .map_err(sync_error)?;
    tracing::info!(
        member = member.id.0,
        run = handle.run_id.0,
        rows = count,
        "selected rows re-sync started"
    );
    Ok(handle.run_id.0)
}

#[server(endpoint = "contractor_detail")]
pub async fn contractor_detail(id: i64) -> Result<ContractorInfo, AppError> {
    use domain::store::{ContractorId, ContractorListRow, LinkSummary, Role};

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    let org = member.org_id;
    let store = ctx.store.as_ref();
    let contractor = store
        .contractor(org, ContractorId(id))
        .await
        .map_err(|e| store_error("loading contractor", e))?
        .ok_or_else(not_found)?;
    let links = store
        .link_history(org, contractor.id)
        .await
        .map_err(|e| store_error("loading link history", e))?;
    let history = store
        .contractor_history(org, contractor.id, 100)
        .await
        .map_err(|e| store_error("loading contractor history", e))?;
    let messages = store
        .row_messages(org, contractor.id)
        .await
        .map_err(|e| store_error("loading messages", e))?;
    let sendable = store
        .sendable_rows(org, Some(&[contractor.id]))
        .await
        .map_err(|e| store_error("loading messages", e))?;
    let sendable_link = sendable.first().and_then(|r| r.link.clone());
    let current_link_id = sendable_link.as_ref().map(|l| l.id);
    let can_send = contractor.status == domain::store::ContractorStatus::Synced
        && sendable_link
            .as_ref()
            .is_some_and(|l| l.state != LinkState::Submitted && !l.reminders_stopped);
    let sent_before = sendable_link.as_ref().is_some_and(|l| l.sent_before);
    let reminders_stopped = sendable_link.as_ref().is_some_and(|l| l.reminders_stopped);
    let current_record = links.iter().find(|l| l.is_current());
    let current = current_record.map(|l| LinkSummary {
        token: l.token.clone(),
        state: l.state,
        opened_at: l.opened_at,
        submitted_at: l.submitted_at,
    });
    let coverage = match (contractor.coverage_start, contractor.coverage_end) {
        (Some(s), Some(e)) => Some(format!("{s} to {e}")),
        _ => None,
    };
    let applications = store
        .row_applications(org, contractor.id)
        .await
        .map_err(|e| store_error("loading applications", e))?;
    let current_link = current_record.map(|l| l.id);
    let application_step = applications
        .iter()
        .find(|a| Some(a.link_id) == current_link)
        .map(|a| a.step);
    let earlier_step = applications
        .iter()
        .find(|a| Some(a.link_id) != current_link)
        .map(|a| a.step);
    let list_row = ContractorListRow {
        contractor: contractor.list_item(),
        application: domain::application::row_state(
            current.is_some(),
            application_step,
            earlier_step,
        ),
        application_step,
        link: current,
    };
    let covers = store
        .row_covers(org, contractor.id)
        .await
        .map_err(|e| store_error("loading cover", e))?;
    let c = &contractor;
    // Saved templates were checked when saved; one that no longer passes gives no link.
    let ciq_app_link = store
        .ciq_settings(org)
        .await
        .map_err(|e| store_error("loading settings", e))?
        .app_link_template
        .and_then(|t| domain::creatoriq::AppLinkTemplate::parse(&t).ok())
        .map(|t| t.link(c.ciq_campaign_id, c.ciq_publisher_id));
    let rating = ctx.engine.rating();
    Ok(ContractorInfo {
        row: server::row_view(&list_row, &ctx.public_base_url),
        ciq_campaign_id: c.ciq_campaign_id,
        ciq_publisher_id: c.ciq_publisher_id,
        ciq_app_link,
        coverage,
        fields: c
            .fields
            .iter()
            .map(|f| FieldView {
                label: f.label.clone(),
                value: f.value.clone(),
                raw: f.raw.clone(),
                source: f.source.clone(),
                default_applied: f.default_applied.clone(),
                problem: f.problem.clone(),
            })
            .collect(),
        history: history
            .into_iter()
            .map(|e| EventView {
                at: server::when(e.at),
                run_id: e.run_id.map(|r| r.0),
                status: e.status,
                previous_status: e.previous_status,
                summary: server::history_text(&e.summary),
            })
            .collect(),
        links: links
            .iter()
            .map(|l| LinkView {
                url: l.token.url(&ctx.public_base_url),
                state: l.state,
                current: l.is_current(),
                created: server::when(l.created_at),
                created_reason: l.created_reason,
                opened: l.opened_at.map(server::when),
                submitted: l.submitted_at.map(server::when),
                retired: l.retired_at.map(server::when),
                retired_reason: l.retired_reason,
            })
            .collect(),
        is_admin: member.role == Role::Admin,
        messages: messages
            .iter()
            .rev()
            .map(|m| MessageRow {
                channel: m.channel.label().to_string(),
                kind: m.kind.label().to_string(),
                when: server::when(m.sent_at.unwrap_or(m.due_at)),
                result: domain::sync::message_result(m),
                state: m.state.as_str().to_string(),
                by: m.requested_by.clone().unwrap_or_default(),
                current_link: current_link_id == Some(m.link_id),
            })
            .collect(),
        can_send,
        sent_before,
        reminders_stopped,
        estimate: c
            .estimate
            .map(|e| {
                let mut lines = Vec::new();
                if let Some(cents) = e.general_cents {
                    lines.push(("General liability".to_string(), money(cents)));
                }
                if let Some(cents) = e.workers_comp_cents {
                    lines.push(("Workers' compensation".to_string(), money(cents)));
                }
                lines.push((
                    "Platform fee (paid by the organization)".to_string(),
                    money(e.platform_fee_cents),
                ));
                lines
            })
            .unwrap_or_default(),
        example_rates: rating.is_example(),
        applications: applications
            .iter()
            .map(|a| server::application_row(a, current_link == Some(a.link_id)))
            .collect(),
        covers: covers
            .iter()
            .map(|v| server::cover_view(v, c.id, server::today()))
            .collect(),
    })
}

/// Cancels a row's cover before it starts (admins only): the creator declined, or the campaign
/// was dropped. Its policies read "Cancelled" and the row "Cancelled".
#[server(endpoint = "cancel_cover")]
pub async fn cancel_cover(id: i64, cover: i64, reason: String) -> Result<(), AppError> {
    use domain::store::{CancelOutcome, Role};

    let member = crate::ssr::current_member().await?;
    if member.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::Invalid(
            "Say why the cover is cancelled: the reason is kept with the policies.".into(),
        ));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::Invalid(
            "Keep the reason under 500 characters.".into(),
        ));
    }
    let ctx = crate::ssr::server_context()?;
    let org = member.org_id;
    let covers = ctx
        .store
        .row_covers(org, domain::store::ContractorId(id))
        .await
        .map_err(|e| store_error("loading cover", e))?;
    if !covers.iter().any(|c| c.id.0 == cover) {
        return Err(not_found());
    }
    let outcome = ctx
        .store
        .cancel_cover(
            org,
            domain::cover::CoverId(cover),
            &member.email,
            reason,
            server::today(),
        )
        .await
        .map_err(|e| store_error("cancelling cover", e))?;
    match outcome {
        CancelOutcome::NotFound => Err(not_found()),
        CancelOutcome::Refused(why) => Err(AppError::Invalid(why)),
        CancelOutcome::Cancelled(done) => {
            tracing::info!(member = member.id.0, cover, "cover cancelled");
            crate::ssr::record(
                ctx.store.as_ref(),
                crate::ssr::audit_by(&member, domain::store::AuditAction::CoverCancelled)
                    .subject(format!("contractor #{id}"))
                    .detail(format!("policies {}: {reason}", done.policy_numbers())),
            )
            .await;
            Ok(())
        }
    }
}

/// Replaces a synced row's application link (admins only); the old link stops working.
#[server(endpoint = "regenerate_link")]
pub async fn regenerate_link(id: i64) -> Result<String, AppError> {
    use domain::store::{ContractorId, Role};

    let member = crate::ssr::current_member().await?;
    if member.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let ctx = crate::ssr::server_context()?;
    let link = ctx
        .engine
        .regenerate_link(member.org_id, ContractorId(id))
        .await
        .map_err(|e| store_error("regenerating link", e))?;
    tracing::info!(
        member = member.id.0,
        contractor = id,
        "application link regenerated"
    );
    crate::ssr::record(
        ctx.store.as_ref(),
        crate::ssr::audit_by(&member, domain::store::AuditAction::LinkRegenerated)
            .subject(format!("contractor #{id}"))
            .detail("the previous link stopped working"),
    )
    .await;
    Ok(link.token.url(&ctx.public_base_url))
}
