//! The Invoices page (admins): the organization's invoices by state, with their totals, the
//! Agency Pay lines waiting for a PO #, and sending an invoice to whom it is addressed.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::contractors_api::money;
use crate::error::AppError;
pub use vocabulary::{InvoiceState, Payer};

/// The page's tabs: the invoice states, and the lines waiting for a PO #.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InvoiceTab {
    State(InvoiceState),
    NeedsPo,
}

impl InvoiceTab {
    pub fn parse(raw: &str) -> InvoiceTab {
        match raw {
            "needs_po" => InvoiceTab::NeedsPo,
            other => InvoiceTab::State(InvoiceState::parse(other).unwrap_or(InvoiceState::Open)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceTab::State(s) => s.as_str(),
            InvoiceTab::NeedsPo => "needs_po",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InvoiceTab::State(s) => s.label(),
            InvoiceTab::NeedsPo => "Needs PO #",
        }
    }

    pub const ALL: [InvoiceTab; 5] = [
        InvoiceTab::State(InvoiceState::Open),
        InvoiceTab::State(InvoiceState::Sent),
        InvoiceTab::State(InvoiceState::Paid),
        InvoiceTab::State(InvoiceState::Void),
        InvoiceTab::NeedsPo,
    ];
}

/// One invoice on the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    /// "Organization" or "Creator".
    pub payer: String,
    pub bill_to: String,
    pub bill_to_email: String,
    pub po_number: Option<String>,
    /// "December 2026".
    pub period: String,
    pub lines: u64,
    pub premium: String,
    pub fee: String,
    pub total: String,
    pub state: InvoiceState,
    /// "Sent Dec 5 to rep@…", "Paid Dec 9 (recorded by …)".
    pub history: String,
    pub pdf_url: String,
    pub csv_url: String,
}

/// One line waiting for a PO #.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingRow {
    pub contractor_id: i64,
    pub creator: String,
    pub campaign: String,
    pub coverage: String,
    pub premium: String,
    pub fee: String,
    pub total: String,
}

/// A tab's count and total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabSummary {
    pub tab: String,
    pub label: String,
    pub count: usize,
    pub total: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicesPage {
    pub tab: String,
    pub tabs: Vec<TabSummary>,
    pub invoices: Vec<InvoiceRow>,
    pub waiting: Vec<WaitingRow>,
    /// The server can email (an SMTP relay is configured).
    pub can_email: bool,
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use domain::invoice::{InvoiceLine, InvoiceSummary};

    fn day(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%b %-d, %Y").to_string()
    }

    pub fn row(s: &InvoiceSummary) -> InvoiceRow {
        let number = s.number();
        let history = match s.state {
            InvoiceState::Paid => format!(
                "Paid {}{}",
                s.paid_at.map(day).unwrap_or_default(),
                s.paid_by
                    .as_ref()
                    .map(|b| format!(" (recorded by {b})"))
                    .unwrap_or_default()
            ),
            InvoiceState::Sent => format!(
                "Sent {} to {}",
                s.sent_at.map(day).unwrap_or_default(),
                s.sent_to.clone().unwrap_or_default()
            ),
            InvoiceState::Open => format!("Open since {}", day(s.created_at)),
            InvoiceState::Void => "Every line was cancelled".to_string(),
        };
        InvoiceRow {
            id: s.id.0,
            pdf_url: format!("/invoices/{number}.pdf"),
            csv_url: format!("/invoices/{number}.csv"),
            number,
            payer: s.payer.label().to_string(),
            bill_to: s.bill_to_name.clone(),
            bill_to_email: s.bill_to_email.clone(),
            po_number: s.po_number.clone(),
            period: domain::invoice::month_label(&s.month),
            lines: s.lines,
            premium: money(s.premium_cents),
            fee: money(s.fee_cents),
            total: money(s.total_cents()),
            state: s.state,
            history,
        }
    }

    pub fn waiting(l: &InvoiceLine) -> WaitingRow {
        WaitingRow {
            contractor_id: l.contractor_id.0,
            creator: l.creator.clone(),
            campaign: l.campaign.clone(),
            coverage: l.coverage.clone(),
            premium: money(l.premium_cents),
            fee: money(l.fee_cents),
            total: money(l.total_cents()),
        }
    }
}

/// The page under `tab` (`open` when absent or unknown).
#[server(endpoint = "invoices/list")]
pub async fn list_invoices(tab: Option<String>) -> Result<InvoicesPage, AppError> {
    use crate::error::Context;
    use crate::settings_api::require_admin;

    let member = crate::ssr::current_member().await?;
    require_admin(&member)?;
    let ctx = crate::ssr::server_context()?;
    let org = member.org_id;
    // Lines whose row has a PO # by now join their invoice before anything is shown.
    ctx.store
        .collect_waiting_lines(org)
        .await
        .context("collecting lines that have a PO #")?;
    let all = ctx
        .store
        .invoices(org, None)
        .await
        .context("loading invoices")?;
    let waiting = ctx
        .store
        .waiting_lines(org)
        .await
        .context("loading lines waiting for a PO #")?;
    let tab = InvoiceTab::parse(tab.as_deref().unwrap_or("open"));
    let tabs = InvoiceTab::ALL
        .into_iter()
        .map(|t| {
            let (count, cents) = match t {
                InvoiceTab::State(s) => {
                    let of: Vec<_> = all.iter().filter(|i| i.state == s).collect();
                    (of.len(), of.iter().map(|i| i.total_cents()).sum::<i64>())
                }
                InvoiceTab::NeedsPo => (
                    waiting.len(),
                    waiting.iter().map(|l| l.total_cents()).sum::<i64>(),
                ),
            };
            TabSummary {
                tab: t.as_str().to_string(),
                label: t.label().to_string(),
                count,
                total: money(cents),
            }
        })
        .collect();
    Ok(InvoicesPage {
        tab: tab.as_str().to_string(),
        tabs,
        invoices: match tab {
            InvoiceTab::State(s) => all
                .iter()
                .filter(|i| i.state == s)
                .map(server::row)
                .collect(),
            InvoiceTab::NeedsPo => Vec::new(),
        },
        waiting: if tab == InvoiceTab::NeedsPo {
            waiting.iter().map(server::waiting).collect()
        } else {
            Vec::new()
        },
        can_email: ctx.engine.notifier().email_available(),
    })
}

/// Emails an open (or sent) invoice as PDF to whom it is addressed, and records it sent.
#[server(endpoint = "invoices/send")]
pub async fn send_invoice(id: i64) -> Result<String, AppError> {
    use crate::error::Context;
    use crate::settings_api::require_admin;
    use domain::invoice::InvoiceId;

    let member = crate::ssr::current_member().await?;
    require_admin(&member)?;
    let ctx = crate::ssr::server_context()?;
    let org = member.org_id;
    let invoice = ctx
        .store
        .invoice(org, InvoiceId(id))
        .await
        .context("loading the invoice")?
        .ok_or_else(|| {
            AppError::NotFound("This invoice was not found in your organization.".into())
        })?;
    let s = &invoice.summary;
    if !matches!(s.state, InvoiceState::Open | InvoiceState::Sent) {
        return Err(AppError::Invalid(format!(
            "Invoice {} is {}: only open or sent invoices are sent.",
            s.number(),
            s.state.label().to_lowercase()
        )));
    }
    if s.lines == 0 {
        return Err(AppError::Invalid(format!(
            "Invoice {} has no line to bill.",
            s.number()
        )));
    }
    let organization = ctx
        .store
        .organization(org)
        .await
        .context("loading the organization")?
        .map(|o| o.name)
        .unwrap_or_default();
    let rating = ctx.engine.rating();
    let example = rating.is_example();
    let doc = invoice.document(&organization, rating.insurer(), example);
    let pdf = domain::documents::invoice_pdf(&doc);
    let message = domain::invoice::email(&doc, pdf, ctx.engine.notifier().mail_from().as_deref())
        .map_err(|why| {
        AppError::Invalid(format!("Invoice {} was not sent: {why}.", s.number()))
    })?;
    ctx.engine
        .notifier()
        .send_email(message)
        .await
        .map_err(|failure| {
            let why = match failure {
                domain::alerts::MailFailure::Temporary(w)
                | domain::alerts::MailFailure::Permanent(w) => w,
            };
            AppError::Invalid(format!("Invoice {} was not sent: {why}.", s.number()))
        })?;
    let sent = ctx
        .store
        .mark_invoice_sent(org, s.id, &s.bill_to_email)
        .await
        .context("recording the invoice sent")?;
    crate::ssr::record(
        ctx.store.as_ref(),
        crate::ssr::audit_by(&member, domain::store::AuditAction::InvoiceSent)
            .subject(format!("invoice {}", s.number()))
            .detail(format!(
                "to {} ({})",
                s.bill_to_email,
                money(s.total_cents())
            )),
    )
    .await;
    tracing::info!(member = member.id.0, invoice = s.id.0, "invoice sent");
    Ok(sent.map_or_else(
        || format!("Invoice {} sent.", s.number()),
        |after| {
            format!(
                "Invoice {} sent to {}.",
                after.number(),
                after.bill_to_email
            )
        },
    ))
}
