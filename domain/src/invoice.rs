//! Invoices: what a completed application is billed under (the integration guide: "1099Policy
//! includes the purchase order number in the invoice that's sent to the agency").
//!
//! Every cover gives lines, one per payer ([`lines_for`]):
//! - **Agency Pay**: the organization owes the premium and the platform fee. The line goes on
//!   the organization's invoice of its purchase order (PO #) and calendar month, addressed to
//!   the PO contact. Without a PO # it waits ("needs PO #") and joins once CreatorIQ has one.
//! - **Creator pays**: the creator owes the premium, on an invoice of their own; the
//!   organization owes the platform fee, on its invoice of the PO # and month (or of the month,
//!   without a PO #).
//!
//! An invoice's totals are the sums of its lines that are not voided, in whole cents. States:
//! open -> sent -> paid; void once every line on it is voided (its covers were cancelled).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::cover::{CoverId, Issue};
use vocabulary::OrgId;
pub use vocabulary::{InvoiceId, InvoiceLineId, InvoiceState, Payer};

/// A line a cover gives one payer, before it is placed on an invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLine {
    pub payer: Payer,
    pub creator: String,
    pub campaign: String,
    /// "General liability, Workers' comp" or "Platform fee".
    pub coverage: String,
    pub premium_cents: i64,
    pub fee_cents: i64,
    /// The invoice it goes on: the PO # (organization lines), and whom it is addressed to
    /// (`None`: the organization's own admin, when the row names no PO contact).
    pub po_number: Option<String>,
    pub bill_to: Option<(String, String)>,
    /// An Agency Pay line without a PO # waits for one.
    pub waits_for_po: bool,
}

/// The lines `issue` gives: see the module's documentation.
pub fn lines_for(issue: &Issue) -> Vec<NewLine> {
    let premium: i64 = issue.policies.iter().map(|p| p.premium_cents).sum();
    let kinds: Vec<&str> = issue.policies.iter().map(|p| p.coverage.short()).collect();
    let coverage = kinds.join(", ");
    let contact = match (&issue.po_contact_name, &issue.po_contact_email) {
        (Some(name), Some(email)) => Some((name.clone(), email.clone())),
        (None, Some(email)) => Some((email.clone(), email.clone())),
        _ => None,
    };
    let organization = |premium_cents: i64, coverage: String| NewLine {
        payer: Payer::Organization,
        creator: issue.insured_name.clone(),
        campaign: issue.campaign_name.clone(),
        coverage,
        premium_cents,
        fee_cents: issue.platform_fee_cents,
        po_number: issue.po_number.clone(),
        bill_to: contact.clone(),
        waits_for_po: issue.agency_pays && issue.po_number.is_none(),
    };
    if issue.agency_pays {
        vec![organization(premium, coverage)]
    } else {
        vec![
            NewLine {
                payer: Payer::Creator,
                creator: issue.insured_name.clone(),
                campaign: issue.campaign_name.clone(),
                coverage,
                premium_cents: premium,
                fee_cents: 0,
                po_number: None,
                bill_to: Some((issue.insured_name.clone(), issue.insured_email.clone())),
                waits_for_po: false,
            },
            organization(0, "Platform fee".to_string()),
        ]
    }
}

/// The calendar month a line belongs to: `2026-12`.
pub fn month_of(at: DateTime<Utc>) -> String {
    at.format("%Y-%m").to_string()
}

/// `2026-12` -> "December 2026" (the month itself when it is not one).
pub fn month_label(month: &str) -> String {
    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map(|d| d.format("%B %Y").to_string())
        .unwrap_or_else(|_| month.to_string())
}

/// `INV-202612-000007`: the month and the id.
pub fn invoice_number(month: &str, id: InvoiceId) -> String {
    format!("INV-{}-{:06}", month.replace('-', ""), id.0)
}

/// The id in an invoice number, when it is one (the month is checked against the invoice).
pub fn parse_invoice_number(number: &str) -> Option<(String, InvoiceId)> {
    let rest = number.trim().strip_prefix("INV-")?;
    let (month, id) = rest.split_once('-')?;
    if month.len() != 6 || !month.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
    Some((format!("{}-{}", &month[..4], &month[4..]), InvoiceId(id)))
}

/// One line as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub id: InvoiceLineId,
    pub cover_id: CoverId,
    /// The row the cover was issued for (the page links it).
    pub contractor_id: vocabulary::ContractorId,
    pub invoice_id: Option<InvoiceId>,
    pub payer: Payer,
    pub month: String,
    pub creator: String,
    pub campaign: String,
    pub coverage: String,
    pub premium_cents: i64,
    pub fee_cents: i64,
    pub voided_at: Option<DateTime<Utc>>,
}

impl InvoiceLine {
    /// What the line counts for: nothing once voided.
    pub fn total_cents(&self) -> i64 {
        if self.voided_at.is_some() {
            0
        } else {
            self.premium_cents + self.fee_cents
        }
    }
}

/// An invoice and its totals, as the Invoices page lists it (the totals summed by the store).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub org_id: OrgId,
    pub payer: Payer,
    pub po_number: Option<String>,
    pub month: String,
    pub bill_to_name: String,
    pub bill_to_email: String,
    pub state: InvoiceState,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub sent_to: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
    /// Lines not voided.
    pub lines: u64,
    pub premium_cents: i64,
    pub fee_cents: i64,
}

impl InvoiceSummary {
    pub fn number(&self) -> String {
        invoice_number(&self.month, self.id)
    }

    pub fn total_cents(&self) -> i64 {
        self.premium_cents + self.fee_cents
    }
}

/// An invoice with every line on it (voided ones too, shown struck).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub summary: InvoiceSummary,
    pub lines: Vec<InvoiceLine>,
}

impl Invoice {
    /// The invoice as a document: lines not voided, the totals their sums.
    pub fn document(
        &self,
        organization: &str,
        insurer: &str,
        example_rates: bool,
    ) -> crate::documents::InvoiceDoc {
        let s = &self.summary;
        crate::documents::InvoiceDoc {
            number: s.number(),
            issued_on: s.created_at.date_naive(),
            period: month_label(&s.month),
            po_number: s.po_number.clone(),
            bill_to_name: s.bill_to_name.clone(),
            bill_to_email: s.bill_to_email.clone(),
            organization: organization.to_string(),
            insurer: insurer.to_string(),
            status: s.state.label().to_string(),
            lines: self
                .lines
                .iter()
                .filter(|l| l.voided_at.is_none())
                .map(|l| crate::documents::InvoiceLineDoc {
                    creator: l.creator.clone(),
                    campaign: l.campaign.clone(),
                    coverage: l.coverage.clone(),
                    premium_cents: l.premium_cents,
                    fee_cents: l.fee_cents,
                })
                .collect(),
            notice: example_rates
                .then(|| "Priced with the example rating table: not a real invoice.".to_string()),
        }
    }
}

/// What recording a payment did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaidOutcome {
    Paid(Box<InvoiceSummary>),
    NotFound,
    /// Not payable in this state (already paid, or void).
    Refused(InvoiceState),
}

/// The email that sends `doc` (rendered as `pdf`) to whom it is addressed, from the relay's
/// address `from` under the insurer's name. Refused in words when an address is not one.
pub fn email(
    doc: &crate::documents::InvoiceDoc,
    pdf: Vec<u8>,
    from: Option<&str>,
) -> Result<lettre::Message, String> {
    use crate::outreach::email::mailbox;
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment, MultiPart, SinglePart};

    let from = from.ok_or_else(|| {
        "this server has no SMTP relay, so it cannot send email (set SMTP_HOST and SMTP_FROM)"
            .to_string()
    })?;
    let sender = mailbox(&doc.insurer, from)
        .ok_or_else(|| format!("the sending address \"{from}\" is not an email address"))?;
    let to = mailbox(&doc.bill_to_name, &doc.bill_to_email).ok_or_else(|| {
        format!(
            "\"{}\" is not an email address; correct the PO contact in CreatorIQ",
            doc.bill_to_email
        )
    })?;
    let total: i64 = doc
        .lines
        .iter()
        .map(|l| l.premium_cents + l.fee_cents)
        .sum();
    let po = doc
        .po_number
        .as_ref()
        .map(|po| format!(" for PO # {po}"))
        .unwrap_or_default();
    let text = format!(
        "Hello {},\n\nAttached is invoice {}{po}, for {}: {} line(s), amount due {}.\n\n{}\n",
        doc.bill_to_name,
        doc.number,
        doc.period,
        doc.lines.len(),
        crate::documents::money(total),
        doc.insurer
    );
    let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
    lettre::Message::builder()
        .from(sender)
        .to(to)
        .subject(format!("Invoice {}{po} from {}", doc.number, doc.insurer))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(text))
                .singlepart(Attachment::new(format!("{}.pdf", doc.number)).body(pdf, pdf_type)),
        )
        .map_err(|e| format!("the email could not be built: {e}"))
}

#[cfg(test)]
mod tests;
