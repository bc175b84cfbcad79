//! CreatorIQ fields -> our contractor fields (PRODUCT.md section 4), with the documented defaults.
//!
//! Pure: no I/O, no clock. Every mapped field remembers the raw text CreatorIQ sent, which
//! CreatorIQ field it came from, and whether a documented default filled it in, so the contractor
//! page can show "Work State: MA, from Contact State (Work State was blank)" and so a value we
//! could not understand is still shown to the operator as it was typed.
//!
//! Mapping never decides whether the creator can be synced; that is [`crate::rules`].

use std::convert::Infallible;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::creatoriq::model::{Campaign, CampaignPublisher, Contact, PublisherListEntry};
use crate::values::{
    parse_ciq_date, BasePay, Country, DateError, Email, EmailError, Flag, InvalidFlag, Money,
    MoneyError, UsState, UsStateError,
};

/// CreatorIQ custom field numbers (the integration guide's table). The numbers matter: a value
/// in the wrong custom field is a wrong value.
pub mod custom_field {
    pub const PO_NUMBER: u8 = 3;
    pub const PO_CONTACT_EMAIL: u8 = 4;
    pub const PO_CONTACT_NAME: u8 = 5;
    pub const AGENCY_PAY: u8 = 7;
    pub const WORK_STATE: u8 = 8;
    pub const INSURANCE_EXEMPT: u8 = 9;
    pub const BASE_PAY: u8 = 10;
}

/// Where a value comes from in CreatorIQ, in the words an operator sees there.
pub mod source {
    pub const PO_NUMBER: &str = "CustomField3 (PO #)";
    pub const PO_CONTACT_EMAIL: &str = "CustomField4 (PO Contact Email)";
    pub const PO_CONTACT_NAME: &str = "CustomField5 (PO Contact Name)";
    pub const AGENCY_PAY: &str = "CustomField7 (Agency Pay)";
    pub const WORK_STATE: &str = "CustomField8 (Work State)";
    pub const INSURANCE_EXEMPT: &str = "CustomField9 (Insurance Exempt)";
    pub const BASE_PAY: &str = "CustomField10 (Base Pay)";
    /// The creator's payout on the campaign "Payments" tab.
    pub const PAYMENT_AMOUNT: &str = "FinalPayout";
    pub const CONTACT_EMAIL: &str = "Contact Email";
    pub const CONTACT_STATE: &str = "Contact State";
    pub const CONTACT_COUNTRY: &str = "Contact Country";
    pub const CAMPAIGN_START: &str = "Campaign StartDate";
    pub const CAMPAIGN_END: &str = "Campaign EndDate";
    pub const CAMPAIGN_STATUS: &str = "Campaign Publisher Status";
}

/// Our names for the mapped fields, as the contractor page shows them.
pub mod label {
    pub const CIQ_STATUS: &str = "CreatorIQ status";
    pub const EMAIL: &str = "Email";
    pub const HOME_STATE: &str = "Home state";
    pub const HOME_COUNTRY: &str = "Home country";
    pub const WORK_STATE: &str = "Work state";
    pub const COVERAGE_START: &str = "Coverage start";
    pub const COVERAGE_END: &str = "Coverage end";
    pub const PAYMENT_AMOUNT: &str = "Payment amount";
    pub const BASE_PAY: &str = "Base pay";
    pub const AGENCY_PAY: &str = "Agency pay";
    pub const INSURANCE_EXEMPT: &str = "Insurance exempt";
    pub const PO_NUMBER: &str = "PO number";
    pub const PO_CONTACT_EMAIL: &str = "PO contact email";
    pub const PO_CONTACT_NAME: &str = "PO contact name";
}

/// A documented default that filled in a blank CreatorIQ field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultApplied {
    /// Work State (CustomField8) blank: the creator's home state is used.
    WorkStateFromHomeState,
    /// Base Pay (CustomField10) blank: the payment amount is used.
    BasePayFromPaymentAmount,
    /// Agency Pay (CustomField7) blank: false, the creator pays by card.
    AgencyPayFalse,
    /// Insurance Exempt (CustomField9) blank: false.
    InsuranceExemptFalse,
}

impl DefaultApplied {
    pub const fn describe(self) -> &'static str {
        match self {
            DefaultApplied::WorkStateFromHomeState => {
                "Work State (CustomField8) is blank, so the creator's home state is used"
            }
            DefaultApplied::BasePayFromPaymentAmount => {
                "Base Pay (CustomField10) is blank, so the payment amount is used"
            }
            DefaultApplied::AgencyPayFalse => {
                "Agency Pay (CustomField7) is blank, so it is false (the creator pays by card)"
            }
            DefaultApplied::InsuranceExemptFalse => {
                "Insurance Exempt (CustomField9) is blank, so it is false"
            }
        }
    }
}

/// The outcome of reading one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<T, E> {
    Ok(T),
    /// Blank, null or absent in CreatorIQ, and no default applies.
    Missing,
    /// Present but not understood; the raw text is in [`Mapped::raw`].
    Invalid(E),
}

/// One mapped field: its value, the raw CreatorIQ text, its source and any default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped<T, E = Infallible> {
    pub value: Parsed<T, E>,
    /// The text CreatorIQ sent for [`Mapped::source`], untrimmed; `None` when null or absent.
    pub raw: Option<String>,
    /// The CreatorIQ field the value was taken from (after any default): a defaulted work state
    /// comes from [`source::CONTACT_STATE`], not from CustomField8.
    pub source: &'static str,
    pub default: Option<DefaultApplied>,
}

impl<T, E> Mapped<T, E> {
    fn new(value: Parsed<T, E>, raw: Option<&str>, source: &'static str) -> Self {
        Mapped {
            value,
            raw: raw.map(str::to_string),
            source,
            default: None,
        }
    }

    fn defaulted(mut self, default: DefaultApplied) -> Self {
        self.default = Some(default);
        self
    }

    pub fn ok(&self) -> Option<&T> {
        match &self.value {
            Parsed::Ok(v) => Some(v),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&E> {
        match &self.value {
            Parsed::Invalid(e) => Some(e),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self.value, Parsed::Missing)
    }

    pub fn default_applied(&self) -> bool {
        self.default.is_some()
    }

    /// The raw text trimmed, or `None` when blank.
    pub fn raw_text(&self) -> Option<&str> {
        self.raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Why the home state cannot serve as a US state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HomeStateError {
    #[error(transparent)]
    NotUsState(#[from] UsStateError),
    /// The contact's country is not the US; a matching code (`WA` in Australia) is not a US state.
    #[error("the creator's address is in {country}, outside the US")]
    OutsideUs { country: String },
}

/// Why the work state is not one of the 50 states or DC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkStateError {
    /// CustomField8 holds something else.
    #[error(transparent)]
    Explicit(UsStateError),
    /// CustomField8 is blank and the home state it defaults to is not a US state.
    #[error(transparent)]
    FromHome(HomeStateError),
}

/// The contact data the mapping needs, from either Get Campaign Publishers List (bulk, the sync's
/// normal path) or Get Contact Data (one creator).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInfo {
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
}

impl From<&PublisherListEntry> for ContactInfo {
    fn from(p: &PublisherListEntry) -> Self {
        ContactInfo {
            full_name: p.full_name.clone(),
            first_name: p.first_name.clone(),
            last_name: p.last_name.clone(),
            email: p.email.clone(),
            city: p.city.clone(),
            state: p.state.clone(),
            country: p.country.clone(),
        }
    }
}

impl From<&Contact> for ContactInfo {
    fn from(c: &Contact) -> Self {
        ContactInfo {
            full_name: c.full_name.clone(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            city: c.city.clone(),
            state: c.state.clone(),
            country: c.country.clone(),
        }
    }
}

/// One creator on one campaign, mapped from CreatorIQ.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedContractor {
    pub campaign_id: Option<i64>,
    pub campaign_name: Option<String>,
    pub campaign_description: Option<String>,
    pub publisher_id: Option<i64>,
    /// Contact full name, else first + last, else the publisher name.
    pub creator_name: Option<String>,
    /// The creator's status on the campaign as CreatorIQ wrote it.
    pub ciq_status: Mapped<String>,
    /// Whether [`MappedContractor::ciq_status`] is `Accepted` (any case).
    pub accepted: bool,

    pub email: Mapped<Email, EmailError>,
    pub home_state: Mapped<UsState, HomeStateError>,
    pub home_country: Mapped<Country>,
    pub work_state: Mapped<UsState, WorkStateError>,
    pub payment_amount: Mapped<Money, MoneyError>,
    pub base_pay: Mapped<Money, MoneyError>,
    pub agency_pay: Mapped<bool, InvalidFlag>,
    pub insurance_exempt: Mapped<bool, InvalidFlag>,
    pub po_number: Mapped<String>,
    pub po_contact_email: Mapped<Email, EmailError>,
    pub po_contact_name: Mapped<String>,
    pub coverage_start: Mapped<NaiveDate, DateError>,
    pub coverage_end: Mapped<NaiveDate, DateError>,
}

fn blank(raw: Option<&str>) -> bool {
    raw.is_none_or(|s| s.trim().is_empty())
}

fn map_text(raw: Option<&str>, source: &'static str) -> Mapped<String> {
    let value = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Parsed::Ok(text.to_string()),
        None => Parsed::Missing,
    };
    Mapped::new(value, raw, source)
}

fn map_email(raw: Option<&str>, source: &'static str) -> Mapped<Email, EmailError> {
    let value = match raw.map(Email::parse) {
        None | Some(Err(EmailError::Blank)) => Parsed::Missing,
        Some(Ok(email)) => Parsed::Ok(email),
        Some(Err(err)) => Parsed::Invalid(err),
    };
    Mapped::new(value, raw, source)
}

fn map_flag(
    raw: Option<&str>,
    source: &'static str,
    default: DefaultApplied,
) -> Mapped<bool, InvalidFlag> {
    match Flag::parse_or(raw, false) {
        Ok((value, false)) => Mapped::new(Parsed::Ok(value), raw, source),
        Ok((value, true)) => Mapped::new(Parsed::Ok(value), raw, source).defaulted(default),
        Err(err) => Mapped::new(Parsed::Invalid(err), raw, source),
    }
}

fn map_date(raw: Option<&str>, source: &'static str) -> Mapped<NaiveDate, DateError> {
    let value = match raw.map(parse_ciq_date) {
        None | Some(Err(DateError::Blank)) => Parsed::Missing,
        Some(Ok(date)) => Parsed::Ok(date),
        Some(Err(err)) => Parsed::Invalid(err),
    };
    Mapped::new(value, raw, source)
}

/// Maps one creator's campaign entry. `contact` is `None` when CreatorIQ returned no contact data
/// for the creator; email and home state then map as missing.
pub fn map_contractor(
    campaign: &Campaign,
    entry: &CampaignPublisher,
    contact: Option<&ContactInfo>,
) -> MappedContractor {
    let empty_contact = ContactInfo::default();
    let contact = contact.unwrap_or(&empty_contact);
    let custom = |n: u8| entry.custom_fields.as_ref().and_then(|f| f.get(n));

    // Status.
    let ciq_status = map_text(entry.status.as_deref(), source::CAMPAIGN_STATUS);
    let accepted = ciq_status
        .ok()
        .is_some_and(|s| s.eq_ignore_ascii_case("accepted"));

    // Home state and country. A non-US country wins over a state text that happens to match a
    // US code, and is what the integration guide's "non US-based work state" case describes.
    let home_country_value = contact.country.as_deref().and_then(Country::parse);
    let home_country = Mapped::new(
        home_country_value
            .clone()
            .map_or(Parsed::Missing, Parsed::Ok),
        contact.country.as_deref(),
        source::CONTACT_COUNTRY,
    );
    let home_state_value = match (
        contact.state.as_deref().map(UsState::parse),
        &home_country_value,
    ) {
        (None | Some(Err(UsStateError::Blank)), _) => Parsed::Missing,
        (Some(_), Some(Country::Other(country))) => Parsed::Invalid(HomeStateError::OutsideUs {
            country: country.clone(),
        }),
        (Some(Ok(state)), _) => Parsed::Ok(state),
        (Some(Err(err)), _) => Parsed::Invalid(HomeStateError::NotUsState(err)),
    };
    let home_state = Mapped::new(
        home_state_value,
        contact.state.as_deref(),
        source::CONTACT_STATE,
    );

    // Work state: CustomField8, else the home state.
    let work_raw = custom(custom_field::WORK_STATE);
    let work_state = if blank(work_raw) {
        let value = match &home_state.value {
            Parsed::Ok(state) => Parsed::Ok(*state),
            Parsed::Missing => Parsed::Missing,
            Parsed::Invalid(err) => Parsed::Invalid(WorkStateError::FromHome(err.clone())),
        };
        Mapped::new(value, contact.state.as_deref(), source::CONTACT_STATE)
            .defaulted(DefaultApplied::WorkStateFromHomeState)
    } else {
        let value = match work_raw.map(UsState::parse) {
            Some(Ok(state)) => Parsed::Ok(state),
            Some(Err(err)) => Parsed::Invalid(WorkStateError::Explicit(err)),
            None => Parsed::Missing,
        };
        Mapped::new(value, work_raw, source::WORK_STATE)
    };

    // Payment amount: the campaign payout. Zero and negative amounts are kept as values; the
    // rules refuse them with a message that shows the amount.
    let payout_raw = entry
        .final_payout
        .as_ref()
        .and_then(|p| p.final_payout.as_ref())
        .map(|a| a.as_str());
    let payment_value = match payout_raw.map(Money::parse_amount) {
        None | Some(Err(MoneyError::Blank)) => Parsed::Missing,
        Some(Ok(money)) => Parsed::Ok(money),
        Some(Err(err)) => Parsed::Invalid(err),
    };
    let payment_amount = Mapped::new(payment_value, payout_raw, source::PAYMENT_AMOUNT);

    // Base pay: CustomField10, strictly a plain number, else the payment amount. An explicit but
    // unreadable Base Pay does not fall back: the operator typed something and must fix it.
    let base_raw = custom(custom_field::BASE_PAY);
    let base_pay = if blank(base_raw) {
        let value = match payment_amount.ok() {
            Some(money) => Parsed::Ok(*money),
            None => Parsed::Missing,
        };
        Mapped::new(value, payout_raw, source::PAYMENT_AMOUNT)
            .defaulted(DefaultApplied::BasePayFromPaymentAmount)
    } else {
        let value = match base_raw.map(BasePay::parse) {
            Some(Ok(base)) => Parsed::Ok(base.money()),
            Some(Err(err)) => Parsed::Invalid(err),
            None => Parsed::Missing,
        };
        Mapped::new(value, base_raw, source::BASE_PAY)
    };

    let creator_name = [
        contact.full_name.clone(),
        match (contact.first_name.as_deref(), contact.last_name.as_deref()) {
            (None, None) => None,
            (first, last) => Some(format!("{} {}", first.unwrap_or(""), last.unwrap_or(""))),
        },
        entry.publisher_name.clone(),
    ]
    .into_iter()
    .flatten()
    .map(|name| name.trim().to_string())
    .find(|name| !name.is_empty());

    MappedContractor {
        campaign_id: campaign.campaign_id.or(entry.campaign_id),
        campaign_name: campaign.campaign_name.clone(),
        campaign_description: campaign.description.clone(),
        publisher_id: entry.publisher_id,
        creator_name,
        ciq_status,
        accepted,
        email: map_email(contact.email.as_deref(), source::CONTACT_EMAIL),
        home_state,
        home_country,
        work_state,
        payment_amount,
        base_pay,
        agency_pay: map_flag(
            custom(custom_field::AGENCY_PAY),
            source::AGENCY_PAY,
            DefaultApplied::AgencyPayFalse,
        ),
        insurance_exempt: map_flag(
            custom(custom_field::INSURANCE_EXEMPT),
            source::INSURANCE_EXEMPT,
            DefaultApplied::InsuranceExemptFalse,
        ),
        po_number: map_text(custom(custom_field::PO_NUMBER), source::PO_NUMBER),
        po_contact_email: map_email(
            custom(custom_field::PO_CONTACT_EMAIL),
            source::PO_CONTACT_EMAIL,
        ),
        po_contact_name: map_text(
            custom(custom_field::PO_CONTACT_NAME),
            source::PO_CONTACT_NAME,
        ),
        coverage_start: map_date(campaign.start_date.as_deref(), source::CAMPAIGN_START),
        coverage_end: map_date(campaign.end_date.as_deref(), source::CAMPAIGN_END),
    }
}

/// One row of the contractor page's "mapped fields" table, ready to display or store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSummary {
    /// Our name for the field, e.g. "Work state".
    pub label: String,
    /// The understood value, formatted for display; `None` when missing or not understood.
    pub value: Option<String>,
    /// What CreatorIQ sent, when it differs from the display value or could not be understood.
    pub raw: Option<String>,
    /// The CreatorIQ field it came from, e.g. "CustomField8 (Work State)".
    pub source: String,
    /// The documented default that applied, in words.
    pub default_applied: Option<String>,
    /// Why the raw value could not be understood.
    pub problem: Option<String>,
}

fn summary<T, E: fmt::Display>(
    label: &str,
    field: &Mapped<T, E>,
    show: impl Fn(&T) -> String,
) -> FieldSummary {
    let value = field.ok().map(show);
    let raw = field
        .raw
        .clone()
        .filter(|raw| value.as_deref() != Some(raw.as_str()));
    FieldSummary {
        label: label.to_string(),
        value,
        raw,
        source: field.source.to_string(),
        default_applied: field.default.map(|d| d.describe().to_string()),
        problem: field.error().map(ToString::to_string),
    }
}

impl MappedContractor {
    /// Every mapped field with its source and default, in the order the contractor page shows.
    pub fn field_summaries(&self) -> Vec<FieldSummary> {
        let yes_no = |b: &bool| if *b { "true" } else { "false" }.to_string();
        let state = |s: &UsState| format!("{} ({})", s.code(), s.name());
        vec![
            summary(label::CIQ_STATUS, &self.ciq_status, String::clone),
            summary(label::EMAIL, &self.email, ToString::to_string),
            summary(label::HOME_STATE, &self.home_state, state),
            summary(label::HOME_COUNTRY, &self.home_country, ToString::to_string),
            summary(label::WORK_STATE, &self.work_state, state),
            summary(
                label::COVERAGE_START,
                &self.coverage_start,
                ToString::to_string,
            ),
            summary(label::COVERAGE_END, &self.coverage_end, ToString::to_string),
            summary(
                label::PAYMENT_AMOUNT,
                &self.payment_amount,
                ToString::to_string,
            ),
            summary(label::BASE_PAY, &self.base_pay, ToString::to_string),
            summary(label::AGENCY_PAY, &self.agency_pay, yes_no),
            summary(label::INSURANCE_EXEMPT, &self.insurance_exempt, yes_no),
            summary(label::PO_NUMBER, &self.po_number, String::clone),
            summary(
                label::PO_CONTACT_EMAIL,
                &self.po_contact_email,
                ToString::to_string,
            ),
            summary(label::PO_CONTACT_NAME, &self.po_contact_name, String::clone),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creatoriq::model::{CustomFields, FinalPayout, RawAmount};

    fn campaign() -> Campaign {
        Campaign {
            campaign_id: Some(42066),
            campaign_name: Some("Summer launch".into()),
            description: Some("Three reels".into()),
            start_date: Some("2030-06-01".into()),
            end_date: Some("2030-08-31".into()),
            ..Campaign::default()
        }
    }

    fn entry(fields: &[(u8, Option<&str>)], payout: Option<&str>) -> CampaignPublisher {
        CampaignPublisher {
            campaign_id: Some(42066),
            publisher_id: Some(23354),
            publisher_name: Some("neo_creates".into()),
            status: Some("Accepted".into()),
            custom_fields: Some(CustomFields::from_pairs(fields.iter().copied())),
            final_payout: Some(FinalPayout {
                final_payout: payout.map(|p| RawAmount(p.into())),
                ..FinalPayout::default()
            }),
        }
    }

    fn contact(state: Option<&str>, country: Option<&str>) -> ContactInfo {
        ContactInfo {
            full_name: Some("Neo Anderson".into()),
            email: Some("neo@example.com".into()),
            state: state.map(Into::into),
            country: country.map(Into::into),
            ..ContactInfo::default()
        }
    }

    #[test]
    fn all_defaults_apply_when_custom_fields_are_blank() {
        let m = map_contractor(
            &campaign(),
            &entry(&[(8, Some("")), (10, None)], Some("4500")),
            Some(&contact(Some("Massachusetts"), Some("USA"))),
        );
        assert!(m.accepted);
        assert_eq!(m.work_state.ok().map(|s| s.code()), Some("MA"));
        assert_eq!(m.work_state.source, source::CONTACT_STATE);
        assert_eq!(
            m.work_state.default,
            Some(DefaultApplied::WorkStateFromHomeState)
        );
        assert_eq!(m.base_pay.ok().map(|b| b.cents()), Some(450_000));
        assert_eq!(m.base_pay.source, source::PAYMENT_AMOUNT);
        assert_eq!(
            m.base_pay.default,
            Some(DefaultApplied::BasePayFromPaymentAmount)
        );
        assert_eq!(m.agency_pay.ok(), Some(&false));
        assert_eq!(m.agency_pay.default, Some(DefaultApplied::AgencyPayFalse));
        assert_eq!(m.insurance_exempt.ok(), Some(&false));
        assert_eq!(
            m.insurance_exempt.default,
            Some(DefaultApplied::InsuranceExemptFalse)
        );
        assert!(m.po_number.is_missing());
        assert_eq!(m.creator_name.as_deref(), Some("Neo Anderson"));
        assert_eq!(
            m.coverage_start.ok(),
            NaiveDate::from_ymd_opt(2030, 6, 1).as_ref()
        );
    }

    #[test]
    fn explicit_custom_fields_are_used_with_their_sources() {
        let m = map_contractor(
            &campaign(),
            &entry(
                &[
                    (3, Some("PO-1")),
                    (4, Some("rep@agency.com")),
                    (5, Some(" Pat Rep ")),
                    (7, Some("Yes")),
                    (8, Some(" ny ")),
                    (9, Some("0")),
                    (10, Some("4000.00")),
                ],
                Some("4500"),
            ),
            Some(&contact(Some("MA"), Some("US"))),
        );
        assert_eq!(m.work_state.ok().map(|s| s.code()), Some("NY"));
        assert_eq!(m.work_state.source, source::WORK_STATE);
        assert!(!m.work_state.default_applied());
        assert_eq!(m.work_state.raw.as_deref(), Some(" ny "));
        assert_eq!(m.base_pay.ok().map(|b| b.cents()), Some(400_000));
        assert_eq!(m.base_pay.source, source::BASE_PAY);
        assert_eq!(m.agency_pay.ok(), Some(&true));
        assert!(!m.agency_pay.default_applied());
        assert_eq!(m.insurance_exempt.ok(), Some(&false));
        assert_eq!(m.po_contact_name.ok().map(String::as_str), Some("Pat Rep"));
        assert_eq!(
            m.po_contact_email.ok().map(Email::as_str),
            Some("rep@agency.com")
        );
    }

    #[test]
    fn unreadable_values_keep_their_raw_text() {
        let m = map_contractor(
            &campaign(),
            &entry(
                &[
                    (7, Some("maybe")),
                    (10, Some("$4,500.00")),
                    (8, Some("Ontario")),
                ],
                Some("abc"),
            ),
            Some(&contact(Some("MA"), None)),
        );
        assert!(m.agency_pay.error().is_some());
        assert_eq!(m.agency_pay.raw.as_deref(), Some("maybe"));
        assert!(matches!(
            m.base_pay.error(),
            Some(MoneyError::NotPlainNumber { .. })
        ));
        assert_eq!(m.base_pay.raw.as_deref(), Some("$4,500.00"));
        assert!(matches!(
            m.work_state.error(),
            Some(WorkStateError::Explicit(UsStateError::Unknown { .. }))
        ));
        assert!(m.payment_amount.error().is_some());
        let rows = m.field_summaries();
        let base = rows.iter().find(|r| r.label == "Base pay").unwrap();
        assert_eq!(base.value, None);
        assert_eq!(base.raw.as_deref(), Some("$4,500.00"));
        assert_eq!(base.source, source::BASE_PAY);
        assert!(base
            .problem
            .as_deref()
            .unwrap()
            .contains("not a plain number"));
    }

    #[test]
    fn non_us_country_makes_the_home_state_and_default_work_state_non_us() {
        // "WA" is also Western Australia.
        let m = map_contractor(
            &campaign(),
            &entry(&[], Some("100")),
            Some(&contact(Some("WA"), Some("Australia"))),
        );
        assert!(
            matches!(m.home_state.error(), Some(HomeStateError::OutsideUs { country }) if country == "Australia")
        );
        assert!(matches!(
            m.work_state.error(),
            Some(WorkStateError::FromHome(_))
        ));
        assert_eq!(
            m.home_country.ok(),
            Some(&Country::Other("Australia".into()))
        );
    }

    #[test]
    fn missing_contact_and_sections() {
        let bare = CampaignPublisher {
            publisher_id: Some(1),
            status: Some("invited".into()),
            ..CampaignPublisher::default()
        };
        let m = map_contractor(&Campaign::default(), &bare, None);
        assert!(!m.accepted);
        assert!(m.email.is_missing());
        assert!(m.home_state.is_missing());
        assert!(m.work_state.is_missing());
        assert!(m.work_state.default_applied());
        assert!(m.payment_amount.is_missing());
        assert!(m.base_pay.is_missing());
        assert!(m.coverage_start.is_missing());
        assert_eq!(m.agency_pay.ok(), Some(&false));
    }

    #[test]
    fn status_accepted_any_case() {
        for status in ["Accepted", "accepted", " ACCEPTED "] {
            let mut e = entry(&[], Some("1"));
            e.status = Some(status.into());
            assert!(map_contractor(&campaign(), &e, None).accepted, "{status:?}");
        }
        for status in ["Invited", "Selected", "Declined", ""] {
            let mut e = entry(&[], Some("1"));
            e.status = Some(status.into());
            assert!(
                !map_contractor(&campaign(), &e, None).accepted,
                "{status:?}"
            );
        }
    }

    #[test]
    fn creator_name_falls_back() {
        let c = ContactInfo {
            first_name: Some("Christy".into()),
            last_name: Some("Weimann".into()),
            ..ContactInfo::default()
        };
        let m = map_contractor(&campaign(), &entry(&[], None), Some(&c));
        assert_eq!(m.creator_name.as_deref(), Some("Christy Weimann"));
        let m = map_contractor(&campaign(), &entry(&[], None), None);
        assert_eq!(m.creator_name.as_deref(), Some("neo_creates"));
    }
}
