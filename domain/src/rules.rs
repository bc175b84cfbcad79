//! Validation rules (PRODUCT.md section 5) and the sync decision (section 3).
//!
//! Pure: the caller passes `today`, so tests pin the boundary days and a sync run evaluates every
//! creator against the same date. All failing rules are reported together, because the operator
//! fixes them in CreatorIQ in one sitting and a one-at-a-time list would cost them a re-sync per
//! mistake.
//!
//! Every failure names the CreatorIQ field to change (its `field`, and inside its `message`) and
//! says how to fix it (`hint`). Codes are stable strings stored with the contractor row.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::mapping::{source, HomeStateError, MappedContractor, Parsed, WorkStateError};
use vocabulary::ContractorStatus;
pub use vocabulary::{RuleCode, WarningCode};

use crate::rating::{Availability, CoverageTypes, Quote, RatingTable};
use crate::values::{Country, Email, EmailError, Money, MoneyError, UsState, UsStateError};

/// One failed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFailure {
    pub code: RuleCode,
    /// The CreatorIQ field to fix, e.g. "CustomField10 (Base Pay)".
    pub field: String,
    /// What is wrong, naming the CreatorIQ field.
    pub message: String,
    /// How to fix it in CreatorIQ.
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleWarning {
    pub code: WarningCode,
    pub field: String,
    pub message: String,
    pub hint: String,
}

/// What the dashboard says about one kind of problem across many rows: a short label for the
/// list, the CreatorIQ field to change, and one fix that holds for every row with it. A row's own
/// failure says more (its values); this is the heading of a group of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemKind {
    /// A [`RuleCode`] or a [`WarningCode`], as stored.
    pub code: &'static str,
    /// A few words for a label, e.g. "PO contact email missing".
    pub label: &'static str,
    /// The CreatorIQ field to change.
    pub field: &'static str,
    /// How to fix it in CreatorIQ, for every row with this problem.
    pub fix: &'static str,
    /// A failing rule (the row cannot get a link), not a warning.
    pub blocking: bool,
}

/// Every problem a row can carry: the rules in [`RuleCode::ALL`] order, then the warnings.
pub const PROBLEM_KINDS: [ProblemKind; 17] = [
    kind(
        RuleCode::MissingEmail,
        source::CONTACT_EMAIL,
        "Add the creator's email address to their contact details in CreatorIQ.",
    ),
    kind(
        RuleCode::InvalidEmail,
        source::CONTACT_EMAIL,
        "Correct the email address in the creator's contact details in CreatorIQ.",
    ),
    kind(
        RuleCode::MissingHomeState,
        source::CONTACT_STATE,
        "Add the creator's city, state and country to their contact address in CreatorIQ.",
    ),
    kind(
        RuleCode::MissingPaymentAmount,
        source::PAYMENT_AMOUNT,
        "Enter the creator's payment amount (more than zero) on the campaign's Payments tab.",
    ),
    kind(
        RuleCode::InvalidBasePay,
        source::BASE_PAY,
        "Set Base Pay in Creator Attributes to a plain number such as 4500 or 4500.00.",
    ),
    kind(
        RuleCode::NonUsWorkState,
        source::WORK_STATE,
        "Set Work State in Creator Attributes to the US state (or DC) where the work happens.",
    ),
    kind(
        RuleCode::CampaignStartInPast,
        source::CAMPAIGN_START,
        "Move the campaign's start date to today or later; coverage cannot be backdated.",
    ),
    kind(
        RuleCode::MissingCampaignDates,
        source::CAMPAIGN_START,
        "Enter the campaign's start and end dates in CreatorIQ.",
    ),
    kind(
        RuleCode::CampaignEndBeforeStart,
        source::CAMPAIGN_END,
        "Correct the campaign's dates so the end is on or after the start.",
    ),
    kind(
        RuleCode::MissingPoContactEmail,
        source::PO_CONTACT_EMAIL,
        "Agency Pay is true: fill in PO Contact Email with the agency rep who receives the \
         invoice, or set Agency Pay to false.",
    ),
    kind(
        RuleCode::InvalidPoContactEmail,
        source::PO_CONTACT_EMAIL,
        "Correct PO Contact Email in Creator Attributes to the agency rep's email address.",
    ),
    kind(
        RuleCode::MissingPoContactName,
        source::PO_CONTACT_NAME,
        "Agency Pay is true: fill in PO Contact Name with the agency rep who receives the \
         invoice, or set Agency Pay to false.",
    ),
    kind(
        RuleCode::InvalidFlag,
        "CustomField7 (Agency Pay) or CustomField9 (Insurance Exempt)",
        "Set Agency Pay and Insurance Exempt in Creator Attributes to true or false.",
    ),
    kind(
        RuleCode::BasePayBelowMinimum,
        source::BASE_PAY,
        "Set Base Pay in Creator Attributes (or the payment amount, when Base Pay is blank) to \
         at least 1.00: cover is not sold for jobs paying under $1.",
    ),
    kind(
        RuleCode::NoCoverageAvailable,
        source::WORK_STATE,
        "None of the required cover can be sold where this creator works or lives. Check Work \
         State and the contact address in CreatorIQ, or mark the creator Insurance Exempt if \
         they are covered another way (a state fund).",
    ),
    ProblemKind {
        code: WarningCode::MissingPoNumber.as_str(),
        label: WarningCode::MissingPoNumber.label(),
        field: source::PO_NUMBER,
        fix: "If the agency uses purchase orders, ask the agency rep for the PO number and enter \
              it in PO # in Creator Attributes.",
        blocking: false,
    },
    ProblemKind {
        code: WarningCode::CoverageUnavailable.as_str(),
        label: WarningCode::CoverageUnavailable.label(),
        field: source::WORK_STATE,
        fix: "Nothing to fix if the state is right: the link sells the cover that is available, \
              and the rest comes from the state (a state fund) or is not offered there. If the \
              state is wrong, correct Work State or the contact address in CreatorIQ.",
        blocking: false,
    },
];

const fn kind(code: RuleCode, field: &'static str, fix: &'static str) -> ProblemKind {
    ProblemKind {
        code: code.as_str(),
        label: code.label(),
        field,
        fix,
        blocking: true,
    }
}

/// The description of a stored problem code, if it is one this version knows.
pub fn problem_kind(code: &str) -> Option<&'static ProblemKind> {
    PROBLEM_KINDS.iter().find(|k| k.code == code)
}

fn fail(code: RuleCode, field: &str, message: String, hint: &str) -> RuleFailure {
    RuleFailure {
        code,
        field: field.to_string(),
        message,
        hint: hint.to_string(),
    }
}

/// Every rule of section 5 that `mapped` breaks, in a stable order. Insurance Exempt and the
/// campaign status are not looked at here; [`decide`] handles them first.
pub fn validate(mapped: &MappedContractor, today: NaiveDate) -> Vec<RuleFailure> {
    let mut out = Vec::new();
    check_email(mapped, &mut out);
    check_home_state(mapped, &mut out);
    check_work_state(mapped, &mut out);
    check_payment(mapped, &mut out);
    check_base_pay(mapped, &mut out);
    check_base_pay_minimum(mapped, &mut out);
    check_dates(mapped, today, &mut out);
    check_flags(mapped, &mut out);
    check_po_contact(mapped, &mut out);
    out
}

fn check_email(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    const HINT: &str = "Add the creator's current email address to their contact details in \
                        CreatorIQ, then re-sync.";
    match &m.email.value {
        Parsed::Ok(_) => {}
        Parsed::Missing => out.push(fail(
            RuleCode::MissingEmail,
            source::CONTACT_EMAIL,
            "The creator's email (Contact Email) is blank in CreatorIQ.".to_string(),
            HINT,
        )),
        Parsed::Invalid(err) => out.push(fail(
            RuleCode::InvalidEmail,
            source::CONTACT_EMAIL,
            format!("The creator's email (Contact Email) is not usable: {}.", describe_email(err)),
            "Correct the email address in the creator's contact details in CreatorIQ, then re-sync.",
        )),
    }
}

fn describe_email(err: &EmailError) -> String {
    match err {
        EmailError::Blank => "it is blank".to_string(),
        other => other.to_string(),
    }
}

fn check_home_state(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    if m.home_state.is_missing() {
        let also = if m.work_state.default_applied() {
            " Work State (CustomField8) is blank too, so no work state can be determined."
        } else {
            ""
        };
        out.push(fail(
            RuleCode::MissingHomeState,
            source::CONTACT_STATE,
            format!("The creator's home state (Contact State) is blank in CreatorIQ.{also}"),
            "Add the creator's city, state and country to their contact address in CreatorIQ.",
        ));
    }
}

fn check_work_state(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    let Parsed::Invalid(err) = &m.work_state.value else {
        return;
    };
    let raw = m.work_state.raw_text().unwrap_or_default();
    let (message, hint) = match err {
        WorkStateError::Explicit(state_err) => (
            format!(
                "Work State (CustomField8) is \"{raw}\": {}. Coverage can only be written for work \
                 in one of the 50 US states or DC.",
                describe_state(state_err)
            ),
            "In the creator's Creator Attributes in CreatorIQ, set Work State to the US state \
             (or DC) where the work happens, e.g. MA or Massachusetts.",
        ),
        WorkStateError::FromHome(home_err) => {
            let why = match home_err {
                HomeStateError::OutsideUs { country } => format!(
                    "the creator's address is in {country} (Contact Country), outside the US"
                ),
                HomeStateError::NotUsState(state_err) => describe_state(state_err),
            };
            (
                format!(
                    "Work State (CustomField8) is blank, so it defaults to the home state \
                     (Contact State) \"{raw}\", but {why}. Work must be in one of the 50 US states \
                     or DC."
                ),
                "Set Work State in the creator's Creator Attributes in CreatorIQ to the US state \
                 where the work happens, or correct the creator's city, state and country of \
                 residence in their contact address.",
            )
        }
    };
    out.push(fail(
        RuleCode::NonUsWorkState,
        source::WORK_STATE,
        message,
        hint,
    ));
}

fn describe_state(err: &UsStateError) -> String {
    match err {
        UsStateError::Blank => "it is blank".to_string(),
        UsStateError::Territory { .. } => err.to_string(),
        UsStateError::Unknown { .. } => {
            "it is not recognised as one of the 50 US states or DC".to_string()
        }
    }
}

fn check_payment(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    let problem = match &m.payment_amount.value {
        Parsed::Ok(amount) if amount.is_positive() => return,
        Parsed::Ok(amount) if *amount == Money::ZERO => "is $0.00".to_string(),
        Parsed::Ok(amount) => format!("is negative ({amount})"),
        Parsed::Missing => "is missing".to_string(),
        Parsed::Invalid(err) => format!("could not be read: {}", describe_money(err)),
    };
    out.push(fail(
        RuleCode::MissingPaymentAmount,
        source::PAYMENT_AMOUNT,
        format!(
            "The creator's payment amount (FinalPayout, on the campaign's Payments tab) {problem}. \
             The premium is calculated from it, so it must be more than zero."
        ),
        "Enter the creator's payment amount on the campaign's Payments tab in CreatorIQ, then \
         re-sync.",
    ));
}

fn describe_money(err: &MoneyError) -> String {
    err.to_string()
}

fn check_base_pay(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    // A defaulted base pay is the payment amount, whose problems are reported by its own rule.
    if m.base_pay.default_applied() {
        return;
    }
    if let Parsed::Invalid(err) = &m.base_pay.value {
        out.push(fail(
            RuleCode::InvalidBasePay,
            source::BASE_PAY,
            format!(
                "Base Pay (CustomField10) is not usable: {}.",
                describe_money(err)
            ),
            "In the creator's Creator Attributes in CreatorIQ, enter Base Pay as a plain number \
             greater than zero with no $ sign or commas (4500 or 4500.00, not $4,500.00), or leave \
             it blank to use the payment amount.",
        ));
    }
}

/// 1099Policy's job minimum: 100 cents.
pub const MINIMUM_BASE_PAY_CENTS: i64 = 100;

fn check_base_pay_minimum(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    let Some(pay) = m.base_pay.ok() else {
        return;
    };
    // Zero and negative amounts have their own rules.
    if !pay.is_positive() || pay.cents() >= MINIMUM_BASE_PAY_CENTS {
        return;
    }
    let message = if m.base_pay.default_applied() {
        format!(
            "Base Pay (CustomField10) is blank, so it defaults to the payment amount (FinalPayout), \
             {pay}, which is under the $1.00 minimum cover is sold for."
        )
    } else {
        format!("Base Pay (CustomField10) is {pay}, under the $1.00 minimum cover is sold for.")
    };
    out.push(fail(
        RuleCode::BasePayBelowMinimum,
        source::BASE_PAY,
        message,
        "Enter the creator's pay for this campaign (at least 1.00) in Base Pay in Creator \
         Attributes in CreatorIQ, or correct the payment amount on the Payments tab, then \
         re-sync.",
    ));
}

fn check_dates(m: &MappedContractor, today: NaiveDate, out: &mut Vec<RuleFailure>) {
    let mut dates_ok = true;
    for (field, label, source) in [
        (
            &m.coverage_start,
            "start date (StartDate)",
            source::CAMPAIGN_START,
        ),
        (&m.coverage_end, "end date (EndDate)", source::CAMPAIGN_END),
    ] {
        let problem = match &field.value {
            Parsed::Ok(_) => continue,
            Parsed::Missing => "is missing".to_string(),
            Parsed::Invalid(err) => format!("could not be read: {err}"),
        };
        dates_ok = false;
        out.push(fail(
            RuleCode::MissingCampaignDates,
            source,
            format!(
                "The campaign {label} {problem}. Coverage runs from the campaign start date to its \
                 end date, so both are required."
            ),
            "Set the campaign's start and end dates in CreatorIQ, then re-sync.",
        ));
    }
    if let Some(start) = m.coverage_start.ok() {
        if *start < today {
            out.push(fail(
                RuleCode::CampaignStartInPast,
                source::CAMPAIGN_START,
                format!(
                    "The campaign start date (StartDate) is {start}, before today ({today}). \
                     Coverage can't be backdated."
                ),
                "Move the campaign's StartDate in CreatorIQ to today or a later date, then re-sync.",
            ));
        }
    }
    if let (true, Some(start), Some(end)) = (dates_ok, m.coverage_start.ok(), m.coverage_end.ok()) {
        if end < start {
            out.push(fail(
                RuleCode::CampaignEndBeforeStart,
                source::CAMPAIGN_END,
                format!(
                    "The campaign end date (EndDate) {end} is before its start date (StartDate) \
                     {start}."
                ),
                "Correct the campaign's start and end dates in CreatorIQ so the end is on or \
                 after the start.",
            ));
        }
    }
}

fn check_flags(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    for (flag, name, source, meaning) in [
        (
            &m.agency_pay,
            "Agency Pay (CustomField7)",
            source::AGENCY_PAY,
            "true if the agency pays on the creator's behalf, false (or blank) if the creator pays \
             by card",
        ),
        (
            &m.insurance_exempt,
            "Insurance Exempt (CustomField9)",
            source::INSURANCE_EXEMPT,
            "true to skip this creator, false (or blank) to sync them",
        ),
    ] {
        if let Some(err) = flag.error() {
            out.push(RuleFailure {
                code: RuleCode::InvalidFlag,
                field: source.to_string(),
                message: format!("{name} cannot be read: {err}."),
                hint: format!(
                    "In the creator's Creator Attributes in CreatorIQ, set {name} to {meaning}."
                ),
            });
        }
    }
}

fn check_po_contact(m: &MappedContractor, out: &mut Vec<RuleFailure>) {
    if m.agency_pay.ok() != Some(&true) {
        return;
    }
    const HINT: &str = "When Agency Pay is true, fill in PO Contact Email (CustomField4) and PO \
                        Contact Name (CustomField5) in the creator's Creator Attributes in \
                        CreatorIQ with the agency rep who receives the invoice, or set Agency \
                        Pay to false.";
    match &m.po_contact_email.value {
        Parsed::Ok(_) => {}
        Parsed::Missing => out.push(fail(
            RuleCode::MissingPoContactEmail,
            source::PO_CONTACT_EMAIL,
            "Agency Pay (CustomField7) is true, so PO Contact Email (CustomField4) is required, \
             but it is blank."
                .to_string(),
            HINT,
        )),
        Parsed::Invalid(err) => out.push(fail(
            RuleCode::InvalidPoContactEmail,
            source::PO_CONTACT_EMAIL,
            format!(
                "PO Contact Email (CustomField4) is not usable: {}. It is required because Agency \
                 Pay (CustomField7) is true.",
                describe_email(err)
            ),
            HINT,
        )),
    }
    if m.po_contact_name.is_missing() {
        out.push(fail(
            RuleCode::MissingPoContactName,
            source::PO_CONTACT_NAME,
            "Agency Pay (CustomField7) is true, so PO Contact Name (CustomField5) is required, but \
             it is blank."
                .to_string(),
            HINT,
        ));
    }
}

/// Non-blocking observations: currently only a blank PO # when the agency pays.
pub fn warnings(mapped: &MappedContractor) -> Vec<RuleWarning> {
    let mut out = Vec::new();
    if mapped.agency_pay.ok() == Some(&true) && mapped.po_number.is_missing() {
        out.push(RuleWarning {
            code: WarningCode::MissingPoNumber,
            field: source::PO_NUMBER.to_string(),
            message: "Agency Pay (CustomField7) is true but PO # (CustomField3) is blank, so the \
                      agency's invoice will have no purchase order number."
                .to_string(),
            hint: "If the agency uses purchase orders, enter the PO number in PO # (CustomField3) \
                   in the creator's Creator Attributes in CreatorIQ."
                .to_string(),
        });
    }
    out
}

/// A creator that passed every rule: all values parsed, defaults resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidContractor {
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    pub campaign_description: Option<String>,
    pub publisher_id: Option<i64>,
    pub creator_name: Option<String>,
    pub email: Email,
    /// The home state when it is a US state (it may not be when Work State is set explicitly).
    pub home_state: Option<UsState>,
    /// The home state as CreatorIQ wrote it, for display.
    pub home_state_raw: Option<String>,
    pub home_country: Option<Country>,
    pub work_state: UsState,
    pub work_state_defaulted: bool,
    pub coverage_start: NaiveDate,
    pub coverage_end: NaiveDate,
    pub payment_amount: Money,
    pub base_pay: Money,
    pub base_pay_defaulted: bool,
    pub agency_pay: bool,
    pub po_number: Option<String>,
    pub po_contact_email: Option<Email>,
    pub po_contact_name: Option<String>,
    pub warnings: Vec<RuleWarning>,
    /// The required cover that can be sold for this creator (all of it, or what the warnings
    /// say is missing).
    pub coverage: CoverageTypes,
    /// What that cover costs, from the rating table.
    pub quote: Quote,
}

/// What the sync does with one creator on one campaign.
// One short-lived value per creator; boxing the valid case would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Not `Accepted` on the campaign in CreatorIQ: kept, no link.
    NotAccepted { ciq_status: Option<String> },
    /// Insurance Exempt is true: no validation, no link.
    Exempt,
    /// Ready for an application link.
    Valid(ValidContractor),
    /// At least one rule failed; every failure is listed.
    NeedsAttention {
        failures: Vec<RuleFailure>,
        warnings: Vec<RuleWarning>,
    },
}

impl Decision {
    /// The contractor status this decision leads to (PRODUCT.md section 6).
    pub fn status(&self) -> ContractorStatus {
        match self {
            Decision::NotAccepted { .. } => ContractorStatus::NotAccepted,
            Decision::Exempt => ContractorStatus::Exempt,
            Decision::Valid(_) => ContractorStatus::Synced,
            Decision::NeedsAttention { .. } => ContractorStatus::NeedsAttention,
        }
    }
}

/// What a creator is judged against besides their own data.
#[derive(Debug, Clone)]
pub struct Terms {
    /// Coverage cannot start before it.
    pub today: NaiveDate,
    /// The organization's required cover.
    pub required: CoverageTypes,
    /// Prices, and where cover cannot be sold.
    pub rating: Arc<RatingTable>,
}

/// Which of the required cover can be sold for a creator, once their work state is known.
pub fn availability(mapped: &MappedContractor, terms: &Terms) -> Option<Availability> {
    let work_state = *mapped.work_state.ok()?;
    Some(
        terms
            .rating
            .availability(terms.required, work_state, mapped.home_state.ok().copied()),
    )
}

fn check_availability(
    available: Option<&Availability>,
    failures: &mut Vec<RuleFailure>,
    warnings: &mut Vec<RuleWarning>,
) {
    let Some(a) = available else { return };
    if a.unavailable.is_empty() {
        return;
    }
    let reasons: Vec<String> = a.unavailable.iter().map(|(_, why)| why.clone()).collect();
    let reasons = reasons.join("; ");
    if a.available.is_empty() {
        failures.push(fail(
            RuleCode::NoCoverageAvailable,
            source::WORK_STATE,
            format!(
                "None of the cover this organization requires can be sold for this creator: \
                 {reasons}. The application link would sell nothing."
            ),
            "Check Work State (CustomField8) and the creator's contact address in CreatorIQ. If \
             they are right, the creator is covered another way (a state fund): set Insurance \
             Exempt to true.",
        ));
    } else {
        let offered: Vec<&str> = a.available.iter().map(|k| k.label()).collect();
        warnings.push(RuleWarning {
            code: WarningCode::CoverageUnavailable,
            field: source::WORK_STATE.to_string(),
            message: format!(
                "{reasons}, so the application link offers {} only.",
                offered.join(" and ")
            ),
            hint: "Nothing to fix if the state is right. If it is wrong, correct Work State \
                   (CustomField8) or the contact address in CreatorIQ, then re-sync."
                .to_string(),
        });
    }
}

/// Decides per PRODUCT.md section 3: status first, then Insurance Exempt, then the rules
/// (including whether any required cover can be sold, from the rating table).
///
/// An Insurance Exempt value that cannot be read does not exempt anyone: the creator is validated
/// and `invalid_flag` tells the operator to fix it.
pub fn decide(mapped: &MappedContractor, terms: &Terms) -> Decision {
    if !mapped.accepted {
        return Decision::NotAccepted {
            ciq_status: mapped.ciq_status.ok().cloned(),
        };
    }
    if mapped.insurance_exempt.ok() == Some(&true) {
        return Decision::Exempt;
    }
    let mut failures = validate(mapped, terms.today);
    let mut warnings = warnings(mapped);
    let available = availability(mapped, terms);
    check_availability(available.as_ref(), &mut failures, &mut warnings);
    if failures.is_empty() {
        if let Some(valid) = build_valid(mapped, warnings.clone(), available.as_ref(), terms) {
            return Decision::Valid(valid);
        }
        // Unreachable while every required field has a rule; kept loud rather than panicking.
        tracing::error!(
            publisher_id = mapped.publisher_id,
            campaign_id = mapped.campaign_id,
            "contractor passed every rule but a required value is missing"
        );
    }
    Decision::NeedsAttention { failures, warnings }
}

fn build_valid(
    m: &MappedContractor,
    warnings: Vec<RuleWarning>,
    available: Option<&Availability>,
    terms: &Terms,
) -> Option<ValidContractor> {
    let agency_pay = *m.agency_pay.ok()?;
    let available = available?;
    let coverage = available.available_types()?;
    let work_state = *m.work_state.ok()?;
    let base_pay = *m.base_pay.ok()?;
    Some(ValidContractor {
        coverage,
        quote: terms
            .rating
            .quote(base_pay, work_state, &available.available, agency_pay),
        campaign_id: m.campaign_id,
        campaign_name: m.campaign_name.clone(),
        campaign_description: m.campaign_description.clone(),
        publisher_id: m.publisher_id,
        creator_name: m.creator_name.clone(),
        email: m.email.ok()?.clone(),
        home_state: m.home_state.ok().copied(),
        home_state_raw: m.home_state.raw_text().map(str::to_string),
        home_country: m.home_country.ok().cloned(),
        work_state,
        work_state_defaulted: m.work_state.default_applied(),
        coverage_start: *m.coverage_start.ok()?,
        coverage_end: *m.coverage_end.ok()?,
        payment_amount: *m.payment_amount.ok()?,
        base_pay,
        base_pay_defaulted: m.base_pay.default_applied(),
        agency_pay,
        po_number: m.po_number.ok().cloned(),
        po_contact_email: m.po_contact_email.ok().cloned(),
        po_contact_name: m.po_contact_name.ok().cloned(),
        warnings,
    })
}

/// A stable text over the coverage-relevant data (work state, coverage window, the coverage
/// types the link sells, base pay). The caller keeps it with the application link and issues a
/// new link only when it changes (PRODUCT.md section 6).
pub fn coverage_fingerprint(valid: &ValidContractor) -> String {
    let mut types: Vec<String> = valid
        .coverage
        .as_str()
        .split(',')
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    types.sort();
    types.dedup();
    format!(
        "v1|work_state={}|start={}|end={}|coverage={}|base_pay_cents={}",
        valid.work_state.code(),
        valid.coverage_start,
        valid.coverage_end,
        types.join(","),
        valid.base_pay.cents()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_documented_strings() {
        let codes: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "missing_email",
                "invalid_email",
                "missing_home_state",
                "missing_payment_amount",
                "invalid_base_pay",
                "non_us_work_state",
                "campaign_start_in_past",
                "missing_campaign_dates",
                "campaign_end_before_start",
                "missing_po_contact_email",
                "invalid_po_contact_email",
                "missing_po_contact_name",
                "invalid_flag",
                "base_pay_below_minimum",
                "no_coverage_available",
            ]
        );
        for code in RuleCode::ALL {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
            assert_eq!(RuleCode::parse(code.as_str()), Some(code));
        }
    }

    #[test]
    fn every_problem_has_one_label_field_and_fix() {
        let mut expected: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
        expected.extend(WarningCode::ALL.iter().map(|w| w.as_str()));
        let kinds: Vec<&str> = PROBLEM_KINDS.iter().map(|k| k.code).collect();
        assert_eq!(kinds, expected);
        for k in PROBLEM_KINDS {
            assert_eq!(problem_kind(k.code), Some(&k));
            assert!(
                k.label.len() <= 30,
                "{} is a label, not a sentence",
                k.label
            );
            assert!(!k.field.is_empty() && !k.fix.is_empty());
            assert_eq!(k.blocking, RuleCode::parse(k.code).is_some());
        }
        assert_eq!(problem_kind("no_such_rule"), None);
    }
}
