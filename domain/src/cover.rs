//! Cover: the policies a completed application issues, where each stands on a given day, and
//! how a row's cover reads in the contractors list.
//!
//! A completed (or approved) application issues one **cover**: the creator on the campaign,
//! insured for the campaign's window, with one **policy** per coverage type the quote sold
//! (its premium and the limits the rating table states). Scheduled, active and expired follow
//! the calendar; only a cancellation (by an admin, before the start) is stored.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::application::AcceptedQuote;
use crate::rating::{Limit, RatingTable};
use crate::store::Contractor;
use vocabulary::{ApplicationId, ContractorId, OrgId};
pub use vocabulary::{CoverId, CoverState, CoverageKind, PolicyId, PolicyStatus};

/// What a completed application issues, decided before it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub insured_name: String,
    pub insured_email: String,
    pub work_state: String,
    pub ciq_campaign_id: i64,
    pub campaign_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub agency_pays: bool,
    pub platform_fee_cents: i64,
    pub po_number: Option<String>,
    pub po_contact_email: Option<String>,
    pub po_contact_name: Option<String>,
    pub example_rates: bool,
    pub policies: Vec<NewPolicy>,
}

/// One policy of an [`Issue`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPolicy {
    pub coverage: CoverageKind,
    pub premium_cents: i64,
    pub limits: Vec<Limit>,
}

/// The days a row's cover misses once CreatorIQ moved its dates, which a new application buys:
/// from the first uncovered day to the last, `days` of the row's `of_days`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Difference {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    pub of_days: i64,
}

/// The difference a row with cover still needs: `None` without cover that stands, or when it
/// covers the whole window.
pub fn difference(
    cover: Option<&RowCover>,
    window: (Option<NaiveDate>, Option<NaiveDate>),
) -> Option<Difference> {
    let c = cover.filter(|c| !c.cancelled)?;
    let (Some(start), Some(end)) = window else {
        return None;
    };
    let uncovered = gaps(window, (c.from, c.to));
    let from = uncovered.iter().map(|g| g.0).min()?;
    let to = uncovered.iter().map(|g| g.1).max()?;
    let days = uncovered
        .iter()
        .map(|(a, b)| (*b - *a).num_days() + 1)
        .sum();
    Some(Difference {
        from,
        to,
        days,
        of_days: (end - start).num_days() + 1,
    })
}

/// `estimate` for the difference only: each amount times `days / of_days`, to the nearest cent
/// with halves up (premiums follow the days covered).
pub fn prorate(estimate: crate::store::Estimate, d: &Difference) -> crate::store::Estimate {
    let share = |cents: i64| {
        if d.of_days <= 0 {
            return cents;
        }
        let (n, of) = (
            i128::from(cents) * i128::from(d.days),
            i128::from(d.of_days),
        );
        i64::try_from((2 * n + of) / (2 * of)).unwrap_or(cents)
    };
    crate::store::Estimate {
        coverage: estimate.coverage,
        general_cents: estimate.general_cents.map(share),
        workers_comp_cents: estimate.workers_comp_cents.map(share),
        platform_fee_cents: share(estimate.platform_fee_cents),
    }
}

/// Why a completed application issued nothing (the row lacks what a policy states).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no policy can be issued: {0}")]
pub struct NotIssuable(pub String);

/// The cover an application accepted with `quote` buys for `row`: the quote's coverage types
/// and premiums (what the creator agreed to), the row's current window, insured and purchase
/// order, and the limits of `rating`.
pub fn plan_issue(
    quote: &AcceptedQuote,
    row: &Contractor,
    rating: &RatingTable,
) -> Result<Issue, NotIssuable> {
    let missing = |what: &str| NotIssuable(format!("the row has no {what}"));
    let (mut starts_on, mut ends_on) = match (row.coverage_start, row.coverage_end) {
        (Some(s), Some(e)) if s <= e => (s, e),
        _ => return Err(missing("coverage window")),
    };
    // A row with cover that stands buys only the days CreatorIQ added since.
    if row.cover.as_ref().is_some_and(|c| !c.cancelled) {
        let d = difference(row.cover.as_ref(), (row.coverage_start, row.coverage_end)).ok_or_else(
            || NotIssuable("the row's cover already covers its whole window".to_string()),
        )?;
        (starts_on, ends_on) = (d.from, d.to);
    }
    let estimate = &quote.estimate;
    let policies: Vec<NewPolicy> = estimate
        .coverage
        .kinds()
        .iter()
        .map(|&coverage| NewPolicy {
            coverage,
            premium_cents: match coverage {
                CoverageKind::General => estimate.general_cents,
                CoverageKind::WorkersComp => estimate.workers_comp_cents,
            }
            .unwrap_or(0),
            limits: rating.limits(coverage).to_vec(),
        })
        .collect();
    if policies.is_empty() {
        return Err(missing("coverage type to insure"));
    }
    Ok(Issue {
        insured_name: row
            .creator_name
            .clone()
            .ok_or_else(|| missing("creator name"))?,
        insured_email: row.email.clone().ok_or_else(|| missing("email"))?,
        work_state: row
            .work_state
            .clone()
            .ok_or_else(|| missing("work state"))?,
        ciq_campaign_id: row.ciq_campaign_id,
        campaign_name: row
            .campaign_name
            .clone()
            .unwrap_or_else(|| format!("Campaign {}", row.ciq_campaign_id)),
        starts_on,
        ends_on,
        agency_pays: quote.agency_pay,
        platform_fee_cents: estimate.platform_fee_cents,
        po_number: row.po.number.clone(),
        po_contact_email: row.po.contact_email.clone(),
        po_contact_name: row.po.contact_name.clone(),
        example_rates: quote.example_rates,
        policies,
    })
}

/// One issued policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub id: PolicyId,
    pub coverage: CoverageKind,
    pub premium_cents: i64,
    pub limits: Vec<Limit>,
}

impl Policy {
    /// The policy number certificates print: `GL-000042` (general liability) or `WC-000043`.
    pub fn number(&self) -> String {
        policy_number(self.coverage, self.id)
    }
}

/// `GL-000042` / `WC-000043`.
pub fn policy_number(coverage: CoverageKind, id: PolicyId) -> String {
    let prefix = match coverage {
        CoverageKind::General => "GL",
        CoverageKind::WorkersComp => "WC",
    };
    format!("{prefix}-{:06}", id.0)
}

/// One issued cover and its policies, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    pub id: CoverId,
    pub org_id: OrgId,
    pub contractor_id: ContractorId,
    pub application_id: ApplicationId,
    pub insured_name: String,
    pub insured_email: String,
    pub work_state: String,
    pub ciq_campaign_id: i64,
    pub campaign_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub agency_pays: bool,
    pub platform_fee_cents: i64,
    pub po_number: Option<String>,
    pub po_contact_email: Option<String>,
    pub po_contact_name: Option<String>,
    pub example_rates: bool,
    pub issued_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub policies: Vec<Policy>,
}

impl Cover {
    /// Where the cover (each of its policies) stands on `today`.
    pub fn status(&self, today: NaiveDate) -> PolicyStatus {
        policy_status(
            self.starts_on,
            self.ends_on,
            self.cancelled_at.is_some(),
            today,
        )
    }

    /// Every policy's premium added up.
    pub fn premium_cents(&self) -> i64 {
        self.policies.iter().map(|p| p.premium_cents).sum()
    }

    /// The certificate's number: `COI-<cover id>`.
    pub fn certificate_number(&self) -> String {
        format!("COI-{:06}", self.id.0)
    }

    /// The policy numbers, joined for a sentence.
    pub fn policy_numbers(&self) -> String {
        let numbers: Vec<String> = self.policies.iter().map(Policy::number).collect();
        numbers.join(", ")
    }

    /// Whether an admin may still cancel it: not cancelled, and its window not yet started.
    pub fn can_cancel(&self, today: NaiveDate) -> Result<(), String> {
        match self.status(today) {
            PolicyStatus::Scheduled => Ok(()),
            PolicyStatus::Cancelled => Err("This cover is already cancelled.".into()),
            PolicyStatus::Active | PolicyStatus::Expired => Err(format!(
                "Cover that has started cannot be cancelled here: it started on {}. Ask the \
                 insurer to end the policy.",
                long_date(self.starts_on)
            )),
        }
    }
}

/// Where a policy for `starts_on..=ends_on` stands on `today`.
pub fn policy_status(
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    cancelled: bool,
    today: NaiveDate,
) -> PolicyStatus {
    if cancelled {
        PolicyStatus::Cancelled
    } else if today < starts_on {
        PolicyStatus::Scheduled
    } else if today > ends_on {
        PolicyStatus::Expired
    } else {
        PolicyStatus::Active
    }
}

/// The cover a row has, copied onto the row when a cover is issued or cancelled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCover {
    pub cover_id: CoverId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cancelled: bool,
    /// Another row's cover (a repeat creator): its policy numbers.
    pub by_policy: Option<String>,
}

/// How a row's cover reads on `today`: the state the list filters by, and the words it shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverReading {
    pub state: CoverState,
    /// "Covered until Dec 31, 2026", "Not covered Jan 1 – Jan 4, 2027", …
    pub detail: String,
    /// The days of the row's window the cover misses (a coverage gap), inclusive ranges.
    pub uncovered: Vec<(NaiveDate, NaiveDate)>,
}

/// Reads a row's cover against the row's current window (CreatorIQ may have moved it since the
/// cover was issued) on `today`. Cancelled wins; then a gap; then the calendar.
pub fn read_cover(
    cover: Option<&RowCover>,
    window: (Option<NaiveDate>, Option<NaiveDate>),
    today: NaiveDate,
) -> CoverReading {
    let reading = |state, detail: String| CoverReading {
        state,
        detail,
        uncovered: Vec::new(),
    };
    let Some(c) = cover else {
        return reading(CoverState::NotCovered, "Not covered".into());
    };
    if c.cancelled {
        return reading(CoverState::Cancelled, "Cancelled".into());
    }
    let uncovered = gaps(window, (c.from, c.to));
    if !uncovered.is_empty() {
        let days: Vec<String> = uncovered.iter().map(|&(a, b)| date_range(a, b)).collect();
        return CoverReading {
            state: CoverState::Gap,
            detail: format!("Coverage gap: not covered {}", days.join(" and ")),
            uncovered,
        };
    }
    let by = c
        .by_policy
        .as_ref()
        .map(|p| format!(" by policy {p}"))
        .unwrap_or_default();
    match policy_status(c.from, c.to, false, today) {
        PolicyStatus::Scheduled => reading(
            CoverState::Scheduled,
            format!("Scheduled{by} from {}", long_date(c.from)),
        ),
        PolicyStatus::Active => reading(
            CoverState::Covered,
            format!("Covered{by} until {}", long_date(c.to)),
        ),
        _ => reading(CoverState::Expired, format!("Expired {}", long_date(c.to))),
    }
}

/// The days of `window` outside `covered`, as inclusive ranges (none when the row has no window).
pub fn gaps(
    window: (Option<NaiveDate>, Option<NaiveDate>),
    covered: (NaiveDate, NaiveDate),
) -> Vec<(NaiveDate, NaiveDate)> {
    let (Some(start), Some(end)) = window else {
        return Vec::new();
    };
    let (from, to) = covered;
    let mut out = Vec::new();
    if start < from {
        let before = from.checked_sub_days(Days::new(1)).unwrap_or(from);
        out.push((start, end.min(before)));
    }
    if end > to {
        let after = to.checked_add_days(Days::new(1)).unwrap_or(to);
        out.push((start.max(after), end));
    }
    out
}

/// "Dec 31, 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// "Jan 1 – Jan 4, 2027", or one date when they are the same day.
pub fn date_range(a: NaiveDate, b: NaiveDate) -> String {
    use chrono::Datelike;
    if a == b {
        long_date(a)
    } else if a.year() == b.year() {
        format!("{} – {}", a.format("%b %-d"), long_date(b))
    } else {
        format!("{} – {}", long_date(a), long_date(b))
    }
}

/// The certificate of insurance for `cover`, held by `holder` (the organization), issued by
/// `insurer`, as of `today` (the policies' status is printed).
pub fn certificate(
    cover: &Cover,
    holder: &str,
    insurer: &str,
    today: NaiveDate,
) -> crate::documents::CertificateDoc {
    let status = cover.status(today).label().to_string();
    crate::documents::CertificateDoc {
        number: cover.certificate_number(),
        issued_on: cover.issued_at.date_naive(),
        insurer: insurer.to_string(),
        insured_name: cover.insured_name.clone(),
        insured_email: cover.insured_email.clone(),
        insured_state: Some(cover.work_state.clone()),
        holder_name: holder.to_string(),
        campaign: cover.campaign_name.clone(),
        policies: cover
            .policies
            .iter()
            .map(|p| crate::documents::CertificatePolicy {
                number: p.number(),
                coverage: p.coverage.label().to_string(),
                limits: p
                    .limits
                    .iter()
                    .map(|l| (l.label.clone(), l.value.clone()))
                    .collect(),
                starts_on: cover.starts_on,
                ends_on: cover.ends_on,
                status: status.clone(),
            })
            .collect(),
        notice: cover
            .example_rates
            .then(|| "Issued with the example rating table: not a real policy.".to_string()),
    }
}

#[cfg(test)]
mod tests;
