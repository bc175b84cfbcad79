//! The fixed, named scenario creators and campaigns present in every dataset of partner 1.
//!
//! Random creators make the data look real; scenario creators make it testable. Each one shows
//! exactly one rule of the product's validation (or one case from the integration guide's
//! Troubleshooting list) and has a recognisable name ("Scenario Missing Email") and, where it has
//! one, an email like `scenario.clean@example.com`. Their ids do not depend on the seed or size.
//!
//! Campaign dates of scenario campaigns are relative to the dataset's `today`.

/// A scenario campaign: fixed id and name, dates relative to `today` (in days).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScenarioCampaign {
    /// Short stable key, e.g. `"upcoming"`.
    pub key: &'static str,
    /// CreatorIQ `CampaignId`.
    pub id: u32,
    /// `CampaignName`.
    pub name: &'static str,
    /// `StartDate` as days after `today` (negative = past); `None` = blank.
    pub start_offset_days: Option<i64>,
    /// `EndDate` as days after `today`; `None` = blank.
    pub end_offset_days: Option<i64>,
    /// What the campaign demonstrates.
    pub demonstrates: &'static str,
}

/// A scenario creator: contact data, campaign assignment(s) and the outcome the product should
/// reach for it. All raw values are exactly what CreatorIQ (the sandbox) returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScenarioCreator {
    /// Short stable key, e.g. `"missing_email"`.
    pub key: &'static str,
    /// CreatorIQ's internal publisher `Id`: the `PublisherId` of the campaign endpoints (its
    /// contact id is `publisher_id + CONTACT_ID_OFFSET`; its external id is
    /// [`ScenarioCreator::external_id`]).
    pub publisher_id: u32,
    /// `PublisherName` / contact `FullName`; first word is the first name.
    pub name: &'static str,
    /// Contact `Email` (`None` = blank).
    pub email: Option<&'static str>,
    /// Campaigns the creator is on.
    pub campaign_ids: &'static [u32],
    /// Campaign status (`Accepted`, `Invited`, `Selected`, `Declined`).
    pub status: &'static str,
    /// Contact `City`.
    pub city: Option<&'static str>,
    /// Contact `State` (raw, as CreatorIQ stores it).
    pub state: Option<&'static str>,
    /// Contact `Country` (raw).
    pub country: Option<&'static str>,
    /// Payment amount (`FinalPayout`); `None` = not set.
    pub payout: Option<f64>,
    /// CustomField3 (PO #).
    pub po_number: Option<&'static str>,
    /// CustomField4 (PO Contact Email).
    pub po_contact_email: Option<&'static str>,
    /// CustomField5 (PO Contact Name).
    pub po_contact_name: Option<&'static str>,
    /// CustomField7 (Agency Pay).
    pub agency_pay: Option<&'static str>,
    /// CustomField8 (Work State).
    pub work_state: Option<&'static str>,
    /// CustomField9 (Insurance Exempt).
    pub insurance_exempt: Option<&'static str>,
    /// CustomField10 (Base Pay).
    pub base_pay: Option<&'static str>,
    /// The rule or troubleshooting case this creator demonstrates.
    pub demonstrates: &'static str,
    /// Expected product status: `synced`, `needs_attention`, `exempt` or `not_accepted`
    /// (for every campaign the creator is on).
    pub expected_status: &'static str,
    /// Expected rule codes when `needs_attention` (all of them, in no particular order).
    pub expected_codes: &'static [&'static str],
}

/// Contact ids are publisher ids plus this offset.
pub const CONTACT_ID_OFFSET: u32 = 100_000_000;

/// Campaign starting in 14 days: hosts most creator-level scenarios.
pub const CAMPAIGN_UPCOMING: ScenarioCampaign = ScenarioCampaign {
    key: "upcoming",
    id: 840_001,
    name: "Scenario Campaign - Upcoming",
    start_offset_days: Some(14),
    end_offset_days: Some(44),
    demonstrates: "valid dates (start in the future); hosts the creator-level scenarios",
};
/// Campaign that started yesterday (`campaign_start_in_past`).
pub const CAMPAIGN_STARTED_YESTERDAY: ScenarioCampaign = ScenarioCampaign {
    key: "started_yesterday",
    id: 840_002,
    name: "Scenario Campaign - Started Yesterday",
    start_offset_days: Some(-1),
    end_offset_days: Some(29),
    demonstrates: "campaign_start_in_past",
};
/// Campaign starting today (valid: coverage can start today).
pub const CAMPAIGN_STARTS_TODAY: ScenarioCampaign = ScenarioCampaign {
    key: "starts_today",
    id: 840_003,
    name: "Scenario Campaign - Starts Today",
    start_offset_days: Some(0),
    end_offset_days: Some(30),
    demonstrates: "start date today is valid",
};
/// Campaign starting tomorrow (valid).
pub const CAMPAIGN_STARTS_TOMORROW: ScenarioCampaign = ScenarioCampaign {
    key: "starts_tomorrow",
    id: 840_004,
    name: "Scenario Campaign - Starts Tomorrow",
    start_offset_days: Some(1),
    end_offset_days: Some(31),
    demonstrates: "start date tomorrow is valid",
};
/// Campaign with blank `StartDate` and `EndDate` (`missing_campaign_dates`).
pub const CAMPAIGN_MISSING_DATES: ScenarioCampaign = ScenarioCampaign {
    key: "missing_dates",
    id: 840_005,
    name: "Scenario Campaign - Missing Dates",
    start_offset_days: None,
    end_offset_days: None,
    demonstrates: "missing_campaign_dates",
};
/// Campaign whose end date is before its start date (`campaign_end_before_start`).
pub const CAMPAIGN_END_BEFORE_START: ScenarioCampaign = ScenarioCampaign {
    key: "end_before_start",
    id: 840_006,
    name: "Scenario Campaign - End Before Start",
    start_offset_days: Some(30),
    end_offset_days: Some(10),
    demonstrates: "campaign_end_before_start",
};

/// Every scenario campaign, in id order.
pub const CAMPAIGNS: &[ScenarioCampaign] = &[
    CAMPAIGN_UPCOMING,
    CAMPAIGN_STARTED_YESTERDAY,
    CAMPAIGN_STARTS_TODAY,
    CAMPAIGN_STARTS_TOMORROW,
    CAMPAIGN_MISSING_DATES,
    CAMPAIGN_END_BEFORE_START,
];

const UP: &[u32] = &[CAMPAIGN_UPCOMING.id];

/// The clean creator; other scenarios differ from it in one respect.
const BASE: ScenarioCreator = ScenarioCreator {
    key: "clean",
    publisher_id: 5_700_001,
    name: "Scenario Clean",
    email: Some("scenario.clean@example.com"),
    campaign_ids: UP,
    status: "Accepted",
    city: Some("Boston"),
    state: Some("MA"),
    country: Some("USA"),
    payout: Some(4500.0),
    po_number: None,
    po_contact_email: None,
    po_contact_name: None,
    agency_pay: None,
    work_state: None,
    insurance_exempt: None,
    base_pay: None,
    demonstrates: "a clean, valid creator (work state defaults to home state MA)",
    expected_status: "synced",
    expected_codes: &[],
};

/// Clean, valid creator.
pub const CLEAN: ScenarioCreator = BASE;
/// Contact email blank.
pub const MISSING_EMAIL: ScenarioCreator = ScenarioCreator {
    key: "missing_email",
    publisher_id: 5_700_002,
    name: "Scenario Missing Email",
    email: None,
    demonstrates: "contact email blank",
    expected_status: "needs_attention",
    expected_codes: &["missing_email"],
    ..BASE
};
/// Contact email not an email address.
pub const INVALID_EMAIL: ScenarioCreator = ScenarioCreator {
    key: "invalid_email",
    publisher_id: 5_700_003,
    name: "Scenario Invalid Email",
    email: Some("scenario.invalid-email.example.com"),
    demonstrates: "contact email is not an email address",
    expected_status: "needs_attention",
    expected_codes: &["invalid_email"],
    ..BASE
};
/// Contact address without a state (work state set explicitly to TX).
pub const MISSING_HOME_STATE: ScenarioCreator = ScenarioCreator {
    key: "missing_home_state",
    publisher_id: 5_700_004,
    name: "Scenario Missing Home State",
    email: Some("scenario.missing-home-state@example.com"),
    city: Some("Austin"),
    state: None,
    work_state: Some("TX"),
    demonstrates: "contact address has no State (Work State is set, so only the home state fails)",
    expected_status: "needs_attention",
    expected_codes: &["missing_home_state"],
    ..BASE
};
/// No payment amount at all.
pub const MISSING_PAYOUT: ScenarioCreator = ScenarioCreator {
    key: "missing_payout",
    publisher_id: 5_700_005,
    name: "Scenario Missing Payout",
    email: Some("scenario.missing-payout@example.com"),
    payout: None,
    demonstrates: "Troubleshooting: missing creator Payment Amount (no payout set)",
    expected_status: "needs_attention",
    expected_codes: &["missing_payment_amount"],
    ..BASE
};
/// Payment amount zero.
pub const ZERO_PAYOUT: ScenarioCreator = ScenarioCreator {
    key: "zero_payout",
    publisher_id: 5_700_006,
    name: "Scenario Zero Payout",
    email: Some("scenario.zero-payout@example.com"),
    payout: Some(0.0),
    demonstrates: "Troubleshooting: Payment Amount is zero",
    expected_status: "needs_attention",
    expected_codes: &["missing_payment_amount"],
    ..BASE
};
/// Payment amount negative.
pub const NEGATIVE_PAYOUT: ScenarioCreator = ScenarioCreator {
    key: "negative_payout",
    publisher_id: 5_700_007,
    name: "Scenario Negative Payout",
    email: Some("scenario.negative-payout@example.com"),
    payout: Some(-250.0),
    demonstrates: "Payment Amount is negative",
    expected_status: "needs_attention",
    expected_codes: &["missing_payment_amount"],
    ..BASE
};
/// Base Pay `$4,500.00` (not a plain number).
pub const BASE_PAY_DOLLAR: ScenarioCreator = ScenarioCreator {
    key: "base_pay_dollar",
    publisher_id: 5_700_008,
    name: "Scenario Base Pay Dollar Sign",
    email: Some("scenario.base-pay-dollar@example.com"),
    base_pay: Some("$4,500.00"),
    demonstrates: "Troubleshooting: Base Pay \"$4,500.00\" is not numeric",
    expected_status: "needs_attention",
    expected_codes: &["invalid_base_pay"],
    ..BASE
};
/// Base Pay `4,500` (thousands separator).
pub const BASE_PAY_COMMA: ScenarioCreator = ScenarioCreator {
    key: "base_pay_comma",
    publisher_id: 5_700_009,
    name: "Scenario Base Pay Comma",
    email: Some("scenario.base-pay-comma@example.com"),
    base_pay: Some("4,500"),
    demonstrates: "Base Pay \"4,500\" is not a plain number",
    expected_status: "needs_attention",
    expected_codes: &["invalid_base_pay"],
    ..BASE
};
/// Base Pay `4500.00` (valid).
pub const BASE_PAY_DECIMAL: ScenarioCreator = ScenarioCreator {
    key: "base_pay_decimal",
    publisher_id: 5_700_010,
    name: "Scenario Base Pay Decimal",
    email: Some("scenario.base-pay-decimal@example.com"),
    base_pay: Some("4500.00"),
    demonstrates: "Base Pay \"4500.00\" is a plain number (valid)",
    ..BASE
};
/// Canadian home address, Work State blank.
pub const NON_US_HOME: ScenarioCreator = ScenarioCreator {
    key: "non_us_home",
    publisher_id: 5_700_011,
    name: "Scenario Non-US Home",
    email: Some("scenario.non-us-home@example.com"),
    city: Some("Toronto"),
    state: Some("Ontario"),
    country: Some("Canada"),
    work_state: None,
    demonstrates: "Troubleshooting: home outside the US and Work State blank (defaults to home)",
    expected_status: "needs_attention",
    expected_codes: &["non_us_work_state"],
    ..BASE
};
/// US home, Work State explicitly "Ontario".
pub const WORK_STATE_ONTARIO: ScenarioCreator = ScenarioCreator {
    key: "work_state_ontario",
    publisher_id: 5_700_012,
    name: "Scenario Work State Ontario",
    email: Some("scenario.work-state-ontario@example.com"),
    city: Some("Chicago"),
    state: Some("IL"),
    work_state: Some("Ontario"),
    demonstrates: "Troubleshooting: explicit Work State outside the US",
    expected_status: "needs_attention",
    expected_codes: &["non_us_work_state"],
    ..BASE
};
/// Work State "DC" (valid: 50 states + DC).
pub const WORK_STATE_DC: ScenarioCreator = ScenarioCreator {
    key: "work_state_dc",
    publisher_id: 5_700_013,
    name: "Scenario Work State DC",
    email: Some("scenario.work-state-dc@example.com"),
    work_state: Some("DC"),
    demonstrates: "Work State \"DC\" is valid",
    ..BASE
};
/// Work State "Puerto Rico" (not one of the 50 states + DC).
pub const WORK_STATE_PUERTO_RICO: ScenarioCreator = ScenarioCreator {
    key: "work_state_puerto_rico",
    publisher_id: 5_700_014,
    name: "Scenario Work State Puerto Rico",
    email: Some("scenario.work-state-puerto-rico@example.com"),
    work_state: Some("Puerto Rico"),
    demonstrates: "Work State \"Puerto Rico\" is a territory, not a state",
    expected_status: "needs_attention",
    expected_codes: &["non_us_work_state"],
    ..BASE
};
/// Work State " ma " (code, lower case, stray spaces; valid).
pub const WORK_STATE_LOWERCASE: ScenarioCreator = ScenarioCreator {
    key: "work_state_lowercase",
    publisher_id: 5_700_015,
    name: "Scenario Work State Lowercase",
    email: Some("scenario.work-state-lowercase@example.com"),
    city: Some("Denver"),
    state: Some("CO"),
    work_state: Some(" ma "),
    demonstrates: "Work State \" ma \" normalizes to MA",
    ..BASE
};
/// Work State "Massachusetts" (full name; valid).
pub const WORK_STATE_FULL_NAME: ScenarioCreator = ScenarioCreator {
    key: "work_state_full_name",
    publisher_id: 5_700_016,
    name: "Scenario Work State Full Name",
    email: Some("scenario.work-state-full-name@example.com"),
    city: Some("Denver"),
    state: Some("CO"),
    work_state: Some("Massachusetts"),
    demonstrates: "Work State \"Massachusetts\" normalizes to MA",
    ..BASE
};
/// Agency Pay "true" without PO contact email or name (PO # set).
pub const AGENCY_PAY_MISSING_PO_CONTACT: ScenarioCreator = ScenarioCreator {
    key: "agency_pay_missing_po_contact",
    publisher_id: 5_700_017,
    name: "Scenario Agency Pay Missing PO Contact",
    email: Some("scenario.agency-pay-missing-po@example.com"),
    agency_pay: Some("true"),
    po_number: Some("PO-1001"),
    demonstrates: "Agency Pay true without PO Contact Email / Name",
    expected_status: "needs_attention",
    expected_codes: &["missing_po_contact_email", "missing_po_contact_name"],
    ..BASE
};
/// Agency Pay "true" with complete PO contact.
pub const AGENCY_PAY_COMPLETE: ScenarioCreator = ScenarioCreator {
    key: "agency_pay_complete",
    publisher_id: 5_700_018,
    name: "Scenario Agency Pay Complete",
    email: Some("scenario.agency-pay-complete@example.com"),
    agency_pay: Some("true"),
    po_number: Some("PO-2002"),
    po_contact_email: Some("ap@agency.example.com"),
    po_contact_name: Some("Alex Agency"),
    demonstrates: "Agency Pay true with complete PO contact (valid)",
    ..BASE
};
/// Agency Pay "TRUE" with an invalid PO contact email.
pub const AGENCY_PAY_INVALID_PO_EMAIL: ScenarioCreator = ScenarioCreator {
    key: "agency_pay_invalid_po_email",
    publisher_id: 5_700_019,
    name: "Scenario Agency Pay Invalid PO Email",
    email: Some("scenario.agency-pay-invalid-po-email@example.com"),
    agency_pay: Some("TRUE"),
    po_number: Some("PO-3003"),
    po_contact_email: Some("accounts payable at agency"),
    po_contact_name: Some("Alex Agency"),
    demonstrates: "Agency Pay TRUE with a PO Contact Email that is not an email",
    expected_status: "needs_attention",
    expected_codes: &["invalid_po_contact_email"],
    ..BASE
};
/// Agency Pay "maybe".
pub const AGENCY_PAY_INVALID_FLAG: ScenarioCreator = ScenarioCreator {
    key: "agency_pay_invalid_flag",
    publisher_id: 5_700_020,
    name: "Scenario Agency Pay Maybe",
    email: Some("scenario.agency-pay-maybe@example.com"),
    agency_pay: Some("maybe"),
    demonstrates: "Agency Pay holds something other than true/false",
    expected_status: "needs_attention",
    expected_codes: &["invalid_flag"],
    ..BASE
};
/// Insurance Exempt "sometimes".
pub const EXEMPT_INVALID_FLAG: ScenarioCreator = ScenarioCreator {
    key: "exempt_invalid_flag",
    publisher_id: 5_700_021,
    name: "Scenario Insurance Exempt Sometimes",
    email: Some("scenario.exempt-sometimes@example.com"),
    insurance_exempt: Some("sometimes"),
    demonstrates: "Insurance Exempt holds something other than true/false",
    expected_status: "needs_attention",
    expected_codes: &["invalid_flag"],
    ..BASE
};
/// Insurance Exempt "true" (and no payout: exempt creators are not validated).
pub const INSURANCE_EXEMPT: ScenarioCreator = ScenarioCreator {
    key: "insurance_exempt",
    publisher_id: 5_700_022,
    name: "Scenario Insurance Exempt",
    email: Some("scenario.insurance-exempt@example.com"),
    insurance_exempt: Some("true"),
    payout: None,
    demonstrates: "Insurance Exempt true bypasses the sync (payout missing but not validated)",
    expected_status: "exempt",
    ..BASE
};
/// Campaign status "Invited" (not yet Accepted).
pub const NOT_ACCEPTED: ScenarioCreator = ScenarioCreator {
    key: "not_accepted",
    publisher_id: 5_700_023,
    name: "Scenario Not Accepted",
    email: Some("scenario.not-accepted@example.com"),
    status: "Invited",
    demonstrates: "creator not yet Accepted on the campaign (status Invited)",
    expected_status: "not_accepted",
    ..BASE
};
/// Valid creator on two campaigns (two contractor rows).
pub const TWO_CAMPAIGNS: ScenarioCreator = ScenarioCreator {
    key: "two_campaigns",
    publisher_id: 5_700_024,
    name: "Scenario Two Campaigns",
    email: Some("scenario.two-campaigns@example.com"),
    campaign_ids: &[CAMPAIGN_UPCOMING.id, CAMPAIGN_STARTS_TOMORROW.id],
    demonstrates: "the same creator on two campaigns is two rows",
    ..BASE
};
/// Accepted before contact address and payment amount were entered.
pub const INCORRECT_SEQUENCING: ScenarioCreator = ScenarioCreator {
    key: "incorrect_sequencing",
    publisher_id: 5_700_025,
    name: "Scenario Incorrect Sequencing",
    email: Some("scenario.incorrect-sequencing@example.com"),
    city: None,
    state: None,
    payout: None,
    work_state: Some("NY"),
    demonstrates:
        "Troubleshooting: Incorrect Sequencing (Accepted before address and payment were added)",
    expected_status: "needs_attention",
    expected_codes: &["missing_home_state", "missing_payment_amount"],
    ..BASE
};
/// Messy but valid address: " new york ", "United States of America".
pub const MESSY_ADDRESS: ScenarioCreator = ScenarioCreator {
    key: "messy_address",
    publisher_id: 5_700_026,
    name: "Scenario Messy Address",
    email: Some("Scenario.Messy-Address@Example.com"),
    city: Some("Brooklyn"),
    state: Some(" new york "),
    country: Some("United States of America"),
    base_pay: Some("4500"),
    agency_pay: Some("no"),
    insurance_exempt: Some("0"),
    demonstrates: "state and country spelled loosely, flags as no/0 (valid)",
    ..BASE
};
/// On the campaign that started yesterday.
pub const START_IN_PAST: ScenarioCreator = ScenarioCreator {
    key: "campaign_start_in_past",
    publisher_id: 5_700_027,
    name: "Scenario Campaign Start In Past",
    email: Some("scenario.start-in-past@example.com"),
    campaign_ids: &[CAMPAIGN_STARTED_YESTERDAY.id],
    demonstrates: "Troubleshooting: campaign start date is in the past",
    expected_status: "needs_attention",
    expected_codes: &["campaign_start_in_past"],
    ..BASE
};
/// On the campaign that starts today.
pub const START_TODAY: ScenarioCreator = ScenarioCreator {
    key: "campaign_start_today",
    publisher_id: 5_700_028,
    name: "Scenario Campaign Start Today",
    email: Some("scenario.start-today@example.com"),
    campaign_ids: &[CAMPAIGN_STARTS_TODAY.id],
    demonstrates: "campaign starting today is valid",
    ..BASE
};
/// On the campaign that starts tomorrow.
pub const START_TOMORROW: ScenarioCreator = ScenarioCreator {
    key: "campaign_start_tomorrow",
    publisher_id: 5_700_029,
    name: "Scenario Campaign Start Tomorrow",
    email: Some("scenario.start-tomorrow@example.com"),
    campaign_ids: &[CAMPAIGN_STARTS_TOMORROW.id],
    demonstrates: "campaign starting tomorrow is valid",
    ..BASE
};
/// On the campaign without dates.
pub const MISSING_CAMPAIGN_DATES: ScenarioCreator = ScenarioCreator {
    key: "missing_campaign_dates",
    publisher_id: 5_700_030,
    name: "Scenario Missing Campaign Dates",
    email: Some("scenario.missing-campaign-dates@example.com"),
    campaign_ids: &[CAMPAIGN_MISSING_DATES.id],
    demonstrates: "campaign StartDate / EndDate blank",
    expected_status: "needs_attention",
    expected_codes: &["missing_campaign_dates"],
    ..BASE
};
/// On the campaign whose end is before its start.
pub const END_BEFORE_START: ScenarioCreator = ScenarioCreator {
    key: "campaign_end_before_start",
    publisher_id: 5_700_031,
    name: "Scenario Campaign End Before Start",
    email: Some("scenario.end-before-start@example.com"),
    campaign_ids: &[CAMPAIGN_END_BEFORE_START.id],
    demonstrates: "campaign EndDate before StartDate",
    expected_status: "needs_attention",
    expected_codes: &["campaign_end_before_start"],
    ..BASE
};

/// Every scenario creator, in publisher-id order.
/// Works in Ohio, whose workers' compensation comes from the state fund: general liability only.
pub const STATE_FUND_OHIO: ScenarioCreator = ScenarioCreator {
    key: "state_fund_ohio",
    publisher_id: 5_700_032,
    name: "Scenario State Fund Ohio",
    email: Some("scenario.state-fund-ohio@example.com"),
    work_state: Some("OH"),
    demonstrates: "work in Ohio (a state fund): synced with general liability only, and a warning",
    ..BASE
};
/// Lives in Hawaii, where general liability is not offered: workers' compensation only.
pub const HAWAII_RESIDENT: ScenarioCreator = ScenarioCreator {
    key: "hawaii_resident",
    publisher_id: 5_700_033,
    name: "Scenario Hawaii Resident",
    email: Some("scenario.hawaii-resident@example.com"),
    city: Some("Honolulu"),
    state: Some("HI"),
    demonstrates: "lives in Hawaii: synced with workers' compensation only, and a warning",
    ..BASE
};
/// Base Pay under 1099Policy's $1.00 job minimum.
pub const BASE_PAY_UNDER_MINIMUM: ScenarioCreator = ScenarioCreator {
    key: "base_pay_under_minimum",
    publisher_id: 5_700_034,
    name: "Scenario Base Pay Under Minimum",
    email: Some("scenario.base-pay-under-minimum@example.com"),
    base_pay: Some("0.99"),
    demonstrates: "Base Pay 0.99, under the $1.00 minimum cover is sold for",
    expected_status: "needs_attention",
    expected_codes: &["base_pay_below_minimum"],
    ..BASE
};

pub const CREATORS: &[ScenarioCreator] = &[
    CLEAN,
    MISSING_EMAIL,
    INVALID_EMAIL,
    MISSING_HOME_STATE,
    MISSING_PAYOUT,
    ZERO_PAYOUT,
    NEGATIVE_PAYOUT,
    BASE_PAY_DOLLAR,
    BASE_PAY_COMMA,
    BASE_PAY_DECIMAL,
    NON_US_HOME,
    WORK_STATE_ONTARIO,
    WORK_STATE_DC,
    WORK_STATE_PUERTO_RICO,
    WORK_STATE_LOWERCASE,
    WORK_STATE_FULL_NAME,
    AGENCY_PAY_MISSING_PO_CONTACT,
    AGENCY_PAY_COMPLETE,
    AGENCY_PAY_INVALID_PO_EMAIL,
    AGENCY_PAY_INVALID_FLAG,
    EXEMPT_INVALID_FLAG,
    INSURANCE_EXEMPT,
    NOT_ACCEPTED,
    TWO_CAMPAIGNS,
    INCORRECT_SEQUENCING,
    MESSY_ADDRESS,
    START_IN_PAST,
    START_TODAY,
    START_TOMORROW,
    MISSING_CAMPAIGN_DATES,
    END_BEFORE_START,
    STATE_FUND_OHIO,
    HAWAII_RESIDENT,
    BASE_PAY_UNDER_MINIMUM,
];

/// Looks a scenario creator up by its key.
pub fn by_key(key: &str) -> Option<&'static ScenarioCreator> {
    CREATORS.iter().find(|c| c.key == key)
}

/// Looks a scenario creator up by its name.
pub fn by_name(name: &str) -> Option<&'static ScenarioCreator> {
    CREATORS.iter().find(|c| c.name == name)
}

impl ScenarioCreator {
    /// The creator's contact id (`/crm/v1/api/data/contact/{contactId}`).
    pub const fn contact_id(&self) -> u32 {
        self.publisher_id + CONTACT_ID_OFFSET
    }

    /// The creator's external `PublisherId` / `NetworkPublisherId` (what
    /// `GET /crm/v1/api/publisher/{publisherId}` takes without `key=Id`).
    pub fn external_id(&self) -> String {
        crate::data::external_publisher_id(self.publisher_id)
    }
}
