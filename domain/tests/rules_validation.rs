//! Mapping -> rules -> decision, rule by rule, at the boundaries an operator hits in CreatorIQ.

use chrono::{Days, NaiveDate};
use domain::creatoriq::model::{Campaign, CampaignPublisher, CustomFields, FinalPayout, RawAmount};
use domain::mapping::{map_contractor, ContactInfo, DefaultApplied, MappedContractor};
use std::sync::Arc;

use domain::rating::{CoverageKind, CoverageTypes, RatingTable};
use domain::rules::{
    coverage_fingerprint, decide, Decision, RuleCode, RuleFailure, Terms, WarningCode,
};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 5, 15).unwrap()
}

/// A creator that passes every rule; each test changes one thing.
#[derive(Clone)]
struct Fixture {
    status: Option<String>,
    start: Option<String>,
    end: Option<String>,
    payout: Option<String>,
    fields: Vec<(u8, Option<String>)>,
    email: Option<String>,
    state: Option<String>,
    country: Option<String>,
}

impl Fixture {
    fn valid() -> Self {
        Fixture {
            status: Some("Accepted".into()),
            start: Some("2030-06-01".into()),
            end: Some("2030-08-31".into()),
            payout: Some("4500.00".into()),
            fields: Vec::new(),
            email: Some("neo@example.com".into()),
            state: Some("Massachusetts".into()),
            country: Some("USA".into()),
        }
    }

    fn field(mut self, number: u8, value: Option<&str>) -> Self {
        self.fields.retain(|(n, _)| *n != number);
        self.fields.push((number, value.map(str::to_string)));
        self
    }

    fn map(&self) -> MappedContractor {
        let campaign = Campaign {
            campaign_id: Some(42066),
            campaign_name: Some("Summer launch".into()),
            start_date: self.start.clone(),
            end_date: self.end.clone(),
            ..Campaign::default()
        };
        let entry = CampaignPublisher {
            campaign_id: Some(42066),
            publisher_id: Some(23354),
            publisher_name: Some("neo".into()),
            status: self.status.clone(),
            custom_fields: Some(CustomFields::from_pairs(
                self.fields.iter().map(|(n, v)| (*n, v.as_deref())),
            )),
            final_payout: Some(FinalPayout {
                final_payout: self.payout.clone().map(RawAmount),
                ..FinalPayout::default()
            }),
        };
        let contact = ContactInfo {
            full_name: Some("Neo Anderson".into()),
            email: self.email.clone(),
            state: self.state.clone(),
            country: self.country.clone(),
            ..ContactInfo::default()
        };
        map_contractor(&campaign, &entry, Some(&contact))
    }

    fn decide(&self) -> Decision {
        self.decide_for(CoverageTypes::Both)
    }

    fn decide_for(&self, required: CoverageTypes) -> Decision {
        let terms = Terms {
            today: today(),
            required,
            rating: Arc::new(RatingTable::example()),
        };
        decide(&self.map(), &terms)
    }

    fn failures(&self) -> Vec<RuleFailure> {
        match self.decide() {
            Decision::NeedsAttention { failures, .. } => failures,
            other => panic!("expected needs_attention, got {other:?}"),
        }
    }

    fn codes(&self) -> Vec<RuleCode> {
        self.failures().iter().map(|f| f.code).collect()
    }

    fn valid_contractor(&self) -> domain::rules::ValidContractor {
        match self.decide() {
            Decision::Valid(v) => v,
            other => panic!("expected valid, got {other:?}"),
        }
    }
}

/// Exactly one failure with this code, whose field and message name the CreatorIQ field.
fn only(fixture: &Fixture, code: RuleCode, ciq_field: &str) -> RuleFailure {
    let failures = fixture.failures();
    assert_eq!(failures.len(), 1, "{failures:#?}");
    let failure = failures.into_iter().next().unwrap();
    assert_eq!(failure.code, code);
    assert!(
        failure.field.contains(ciq_field),
        "field {:?} should name {ciq_field}",
        failure.field
    );
    assert!(
        failure.message.contains(ciq_field),
        "message {:?} should name {ciq_field}",
        failure.message
    );
    assert!(!failure.hint.is_empty());
    failure
}

fn date_offset(days: i64) -> String {
    let d = if days >= 0 {
        today().checked_add_days(Days::new(days as u64))
    } else {
        today().checked_sub_days(Days::new(days.unsigned_abs()))
    };
    d.unwrap().to_string()
}

// --- the baseline ------------------------------------------------------------------------------

#[test]
fn baseline_is_valid_with_defaults_recorded() {
    let valid = Fixture::valid().valid_contractor();
    assert_eq!(valid.work_state.code(), "MA");
    assert!(valid.work_state_defaulted);
    assert_eq!(valid.base_pay.cents(), 450_000);
    assert!(valid.base_pay_defaulted);
    assert!(!valid.agency_pay);
    assert!(valid.warnings.is_empty());
    assert_eq!(valid.email.as_str(), "neo@example.com");
    assert_eq!(Fixture::valid().decide().status().as_str(), "synced");
}

// --- campaign dates ----------------------------------------------------------------------------

#[test]
fn start_date_yesterday_today_tomorrow() {
    let mut f = Fixture::valid();
    f.start = Some(date_offset(-1));
    let failure = only(&f, RuleCode::CampaignStartInPast, "StartDate");
    assert!(failure.message.contains(&date_offset(-1)));
    assert!(failure.message.contains("backdated"));

    f.start = Some(date_offset(0));
    Fixture::valid_contractor(&f);
    f.start = Some(date_offset(1));
    Fixture::valid_contractor(&f);
}

#[test]
fn end_before_start_and_same_day() {
    let mut f = Fixture::valid();
    f.start = Some("2030-06-10".into());
    f.end = Some("2030-06-09".into());
    only(&f, RuleCode::CampaignEndBeforeStart, "EndDate");
    f.end = Some("2030-06-10".into());
    f.valid_contractor();
}

#[test]
fn missing_dates() {
    let mut f = Fixture::valid();
    f.start = None;
    only(&f, RuleCode::MissingCampaignDates, "StartDate");

    let mut f = Fixture::valid();
    f.end = Some("  ".into());
    only(&f, RuleCode::MissingCampaignDates, "EndDate");

    let mut f = Fixture::valid();
    f.start = None;
    f.end = None;
    assert_eq!(
        f.codes(),
        [
            RuleCode::MissingCampaignDates,
            RuleCode::MissingCampaignDates
        ]
    );

    let mut f = Fixture::valid();
    f.start = Some("06/01/2030".into());
    let failure = only(&f, RuleCode::MissingCampaignDates, "StartDate");
    assert!(failure.message.contains("06/01/2030"));
}

#[test]
fn start_in_past_and_inverted_are_both_reported() {
    let mut f = Fixture::valid();
    f.start = Some(date_offset(-10));
    f.end = Some(date_offset(-20));
    assert_eq!(
        f.codes(),
        [
            RuleCode::CampaignStartInPast,
            RuleCode::CampaignEndBeforeStart
        ]
    );
}

// --- work state --------------------------------------------------------------------------------

#[test]
fn dc_and_state_spellings_are_valid_work_states() {
    for (raw, code) in [
        ("DC", "DC"),
        ("District of Columbia", "DC"),
        (" ma ", "MA"),
        ("Massachusetts", "MA"),
        ("tx", "TX"),
    ] {
        let valid = Fixture::valid().field(8, Some(raw)).valid_contractor();
        assert_eq!(valid.work_state.code(), code, "{raw:?}");
        assert!(!valid.work_state_defaulted);
    }
}

#[test]
fn puerto_rico_work_state_is_a_territory() {
    for raw in ["Puerto Rico", "PR", " pr "] {
        let f = Fixture::valid().field(8, Some(raw));
        let failure = only(&f, RuleCode::NonUsWorkState, "CustomField8");
        assert!(
            failure
                .message
                .contains("Puerto Rico is a US territory, not one of the 50 states or DC"),
            "{}",
            failure.message
        );
    }
}

#[test]
fn puerto_rico_home_with_blank_work_state() {
    let mut f = Fixture::valid();
    f.state = Some("Puerto Rico".into());
    f.country = Some("United States".into());
    let failure = only(&f, RuleCode::NonUsWorkState, "CustomField8");
    assert!(failure.message.contains("Contact State"));
    assert!(failure.message.contains("Puerto Rico is a US territory"));
}

#[test]
fn non_us_home_with_blank_work_state_fails() {
    let mut f = Fixture::valid();
    f.state = Some("Ontario".into());
    f.country = Some("Canada".into());
    let failure = only(&f, RuleCode::NonUsWorkState, "CustomField8");
    assert!(failure.message.contains("Canada"), "{}", failure.message);
    assert!(failure.message.contains("Contact Country"));
    assert!(failure.hint.contains("Work State"));

    // Empty string and null work state behave the same.
    let with_empty = f.clone().field(8, Some(""));
    assert_eq!(with_empty.codes(), [RuleCode::NonUsWorkState]);
    let with_null = f.clone().field(8, None);
    assert_eq!(with_null.codes(), [RuleCode::NonUsWorkState]);
}

#[test]
fn non_us_country_wins_over_a_state_code_that_matches() {
    let mut f = Fixture::valid();
    f.state = Some("WA".into());
    f.country = Some("Australia".into());
    only(&f, RuleCode::NonUsWorkState, "CustomField8");
}

#[test]
fn non_us_home_with_explicit_us_work_state_is_valid() {
    let mut f = Fixture::valid().field(8, Some("NY"));
    f.state = Some("Ontario".into());
    f.country = Some("Canada".into());
    let valid = f.valid_contractor();
    assert_eq!(valid.work_state.code(), "NY");
    assert_eq!(valid.home_state, None);
    assert_eq!(valid.home_state_raw.as_deref(), Some("Ontario"));
}

#[test]
fn explicit_non_us_work_state_fails() {
    for raw in ["Ontario", "London", "Massachusets"] {
        let f = Fixture::valid().field(8, Some(raw));
        let failure = only(&f, RuleCode::NonUsWorkState, "CustomField8");
        assert!(failure.message.contains(raw));
    }
}

#[test]
fn us_country_spellings_all_accepted() {
    for country in [
        "USA",
        "US",
        "U.S.A.",
        "United States",
        "united states of america",
        "",
    ] {
        let mut f = Fixture::valid();
        f.country = Some(country.into());
        f.valid_contractor();
    }
}

// --- home state and email ----------------------------------------------------------------------

#[test]
fn missing_home_state() {
    for state in [None, Some(""), Some("   ")] {
        let mut f = Fixture::valid();
        f.state = state.map(Into::into);
        let failure = only(&f, RuleCode::MissingHomeState, "Contact State");
        assert!(
            failure.message.contains("CustomField8"),
            "explains the work state default too"
        );
    }
    // With an explicit work state, a missing home state still fails: the address is required.
    let mut f = Fixture::valid().field(8, Some("MA"));
    f.state = None;
    only(&f, RuleCode::MissingHomeState, "Contact State");
}

#[test]
fn email_missing_and_invalid() {
    for email in [None, Some(""), Some("  ")] {
        let mut f = Fixture::valid();
        f.email = email.map(Into::into);
        only(&f, RuleCode::MissingEmail, "Contact Email");
    }
    let mut f = Fixture::valid();
    f.email = Some("neo@example".into());
    let failure = only(&f, RuleCode::InvalidEmail, "Contact Email");
    assert!(failure.message.contains("neo@example"));
}

// --- money -------------------------------------------------------------------------------------

#[test]
fn base_pay_plain_numbers_are_valid() {
    for (raw, cents) in [
        ("4500", 450_000),
        ("4500.00", 450_000),
        (" 4000.5 ", 400_050),
    ] {
        let valid = Fixture::valid().field(10, Some(raw)).valid_contractor();
        assert_eq!(valid.base_pay.cents(), cents, "{raw:?}");
        assert!(!valid.base_pay_defaulted);
        assert_eq!(valid.payment_amount.cents(), 450_000);
    }
}

#[test]
fn base_pay_rejections() {
    for raw in ["$4,500.00", "4,500", "0", "-5", "4500.001", "abc"] {
        let f = Fixture::valid().field(10, Some(raw));
        let failure = only(&f, RuleCode::InvalidBasePay, "CustomField10");
        assert!(
            failure.message.contains(raw.trim()),
            "{raw:?}: {}",
            failure.message
        );
        assert!(failure.hint.contains("4500.00"));
    }
}

#[test]
fn base_pay_empty_string_and_null_default_to_payment() {
    for raw in [Some(""), None, Some("  ")] {
        let f = Fixture::valid().field(10, raw);
        let mapped = f.map();
        assert_eq!(
            mapped.base_pay.default,
            Some(DefaultApplied::BasePayFromPaymentAmount)
        );
        let valid = f.valid_contractor();
        assert_eq!(valid.base_pay.cents(), 450_000);
        assert!(valid.base_pay_defaulted);
    }
}

#[test]
fn payment_amount_missing_zero_negative_or_unreadable() {
    for payout in [
        None,
        Some("0"),
        Some("0.00"),
        Some("-5"),
        Some("abc"),
        Some(""),
    ] {
        let mut f = Fixture::valid();
        f.payout = payout.map(Into::into);
        let failure = only(&f, RuleCode::MissingPaymentAmount, "FinalPayout");
        assert!(failure.message.contains("Payments tab"));
    }
    // An explicit Base Pay does not excuse a missing payment amount.
    let mut f = Fixture::valid().field(10, Some("4500"));
    f.payout = Some("0".into());
    only(&f, RuleCode::MissingPaymentAmount, "FinalPayout");
}

// --- flags and agency pay ----------------------------------------------------------------------

#[test]
fn invalid_flags_name_their_field() {
    let f = Fixture::valid().field(7, Some("maybe"));
    let failure = only(&f, RuleCode::InvalidFlag, "CustomField7");
    assert_eq!(
        failure.message,
        "Agency Pay (CustomField7) cannot be read: \"maybe\" is not one of true, false, yes, \
         no, 1 or 0."
    );

    let f = Fixture::valid().field(9, Some("sure"));
    let failure = only(&f, RuleCode::InvalidFlag, "CustomField9");
    assert!(failure.message.contains("sure"));

    let f = Fixture::valid().field(7, Some("Y")).field(9, Some("2"));
    assert_eq!(f.codes(), [RuleCode::InvalidFlag, RuleCode::InvalidFlag]);
}

#[test]
fn flags_accept_every_documented_spelling() {
    for raw in ["false", "FALSE", "no", "No", "0", "", " "] {
        Fixture::valid()
            .field(7, Some(raw))
            .field(9, Some(raw))
            .valid_contractor();
    }
}

#[test]
fn agency_pay_with_po_contact_is_valid() {
    let f = Fixture::valid()
        .field(7, Some("TRUE"))
        .field(3, Some("PO-991"))
        .field(4, Some("rep@agency.com"))
        .field(5, Some("Pat Rep"));
    let valid = f.valid_contractor();
    assert!(valid.agency_pay);
    assert_eq!(valid.po_number.as_deref(), Some("PO-991"));
    assert_eq!(
        valid.po_contact_email.as_ref().map(|e| e.as_str()),
        Some("rep@agency.com")
    );
    assert!(valid.warnings.is_empty());
}

#[test]
fn agency_pay_without_po_contact_fails_on_both_fields() {
    let f = Fixture::valid()
        .field(7, Some("yes"))
        .field(3, Some("PO-1"));
    let failures = f.failures();
    assert_eq!(
        failures.iter().map(|x| x.code).collect::<Vec<_>>(),
        [
            RuleCode::MissingPoContactEmail,
            RuleCode::MissingPoContactName
        ]
    );
    assert!(
        failures[0].message.contains("CustomField4")
            && failures[0].message.contains("CustomField7")
    );
    assert!(failures[1].message.contains("CustomField5"));
}

#[test]
fn agency_pay_with_invalid_po_email() {
    let f = Fixture::valid()
        .field(7, Some("1"))
        .field(3, Some("PO-1"))
        .field(4, Some("rep at agency"))
        .field(5, Some("Pat"));
    only(&f, RuleCode::InvalidPoContactEmail, "CustomField4");
}

#[test]
fn blank_po_number_with_agency_pay_is_only_a_warning() {
    let f = Fixture::valid()
        .field(7, Some("true"))
        .field(4, Some("rep@agency.com"))
        .field(5, Some("Pat Rep"));
    let valid = f.valid_contractor();
    assert_eq!(valid.warnings.len(), 1);
    assert_eq!(valid.warnings[0].code, WarningCode::MissingPoNumber);
    assert!(valid.warnings[0].message.contains("CustomField3"));

    // And it is still reported alongside failures.
    let f = Fixture::valid().field(7, Some("true"));
    match f.decide() {
        Decision::NeedsAttention { warnings, .. } => assert_eq!(warnings.len(), 1),
        other => panic!("{other:?}"),
    }
}

#[test]
fn agency_pay_false_needs_no_po_contact() {
    let valid = Fixture::valid().field(7, Some("false")).valid_contractor();
    assert!(!valid.agency_pay);
    assert!(valid.warnings.is_empty());
}

// --- decision order ----------------------------------------------------------------------------

fn broken() -> Fixture {
    let mut f = Fixture::valid()
        .field(7, Some("maybe"))
        .field(10, Some("$4,500.00"))
        .field(8, Some("Puerto Rico"));
    f.email = None;
    f.state = None;
    f.payout = Some("0".into());
    f.start = Some(date_offset(-1));
    f.end = Some(date_offset(-2));
    f
}

#[test]
fn every_failing_rule_is_reported_together() {
    let codes = broken().codes();
    assert_eq!(
        codes,
        [
            RuleCode::MissingEmail,
            RuleCode::MissingHomeState,
            RuleCode::NonUsWorkState,
            RuleCode::MissingPaymentAmount,
            RuleCode::InvalidBasePay,
            RuleCode::CampaignStartInPast,
            RuleCode::CampaignEndBeforeStart,
            RuleCode::InvalidFlag,
        ]
    );
    assert_eq!(broken().decide().status().as_str(), "needs_attention");
}

#[test]
fn not_accepted_comes_before_everything() {
    for status in [Some("Invited"), Some("Declined"), None] {
        let mut f = broken();
        f.status = status.map(Into::into);
        match f.decide() {
            Decision::NotAccepted { ciq_status } => assert_eq!(ciq_status.as_deref(), status),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn exempt_skips_validation() {
    for raw in ["true", "Yes", "1"] {
        let f = broken().field(9, Some(raw));
        assert_eq!(f.decide(), Decision::Exempt);
        assert_eq!(f.decide().status().as_str(), "exempt");
    }
    // Unreadable exempt value: validated, with invalid_flag among the failures.
    let f = broken().field(9, Some("exempt"));
    assert!(f
        .failures()
        .iter()
        .any(|x| x.code == RuleCode::InvalidFlag && x.field.contains("CustomField9")));
}

// --- fingerprint -------------------------------------------------------------------------------

#[test]
fn fingerprint_tracks_only_coverage_relevant_data() {
    let base = Fixture::valid().valid_contractor();
    let fp = coverage_fingerprint(&base);

    let mut other_email = Fixture::valid();
    other_email.email = Some("new@example.com".into());
    assert_eq!(fp, coverage_fingerprint(&other_email.valid_contractor()));

    let changed = [
        Fixture::valid().field(8, Some("NY")).valid_contractor(),
        Fixture::valid().field(10, Some("4000")).valid_contractor(),
        {
            let mut f = Fixture::valid();
            f.end = Some("2030-09-01".into());
            f.valid_contractor()
        },
        {
            let mut f = Fixture::valid();
            f.start = Some("2030-06-02".into());
            f.valid_contractor()
        },
    ];
    for valid in &changed {
        assert_ne!(fp, coverage_fingerprint(valid));
    }
    let general_only = match Fixture::valid().decide_for(CoverageTypes::General) {
        Decision::Valid(v) => v,
        other => panic!("expected valid, got {other:?}"),
    };
    assert_ne!(fp, coverage_fingerprint(&general_only));
    // Explicit base pay equal to the payment amount is the same coverage.
    let explicit = Fixture::valid().field(10, Some("4500")).valid_contractor();
    assert_eq!(fp, coverage_fingerprint(&explicit));
}

// --- eligibility, the $1 minimum and the estimate ---------------------------------------------

#[test]
fn workers_comp_in_a_state_fund_state_leaves_general_liability_with_a_warning() {
    let ohio = Fixture::valid().field(8, Some("Ohio")).valid_contractor();
    assert_eq!(ohio.coverage, CoverageTypes::General);
    let warning = ohio
        .warnings
        .iter()
        .find(|w| w.code == WarningCode::CoverageUnavailable)
        .expect("a warning naming what is missing");
    assert!(
        warning
            .message
            .contains("Workers' comp for work in Ohio comes from the Ohio state fund"),
        "{}",
        warning.message
    );
    assert!(warning.message.contains("offers General liability only"));
    // Only general liability is priced: $4,500 at the default 0.65%.
    assert_eq!(ohio.quote.lines.len(), 1);
    assert_eq!(ohio.quote.lines[0].coverage, CoverageKind::General);
    assert_eq!(ohio.quote.premium_cents(), 2_925);
}

#[test]
fn nothing_sellable_needs_attention_naming_why() {
    let f = Fixture::valid().field(8, Some("WA"));
    match f.decide_for(CoverageTypes::WorkersComp) {
        Decision::NeedsAttention { failures, .. } => {
            let failure = failures
                .iter()
                .find(|x| x.code == RuleCode::NoCoverageAvailable)
                .expect("no_coverage_available");
            assert!(
                failure.message.contains("Washington state fund"),
                "{}",
                failure.message
            );
            assert!(failure.field.contains("CustomField8"));
        }
        other => panic!("expected needs_attention, got {other:?}"),
    }
    // A Hawaii resident working in Hawaii can still buy workers' comp.
    let mut hawaii = Fixture::valid();
    hawaii.state = Some("Hawaii".into());
    assert_eq!(
        hawaii.valid_contractor().coverage,
        CoverageTypes::WorkersComp
    );
    match hawaii.decide_for(CoverageTypes::General) {
        Decision::NeedsAttention { failures, .. } => assert_eq!(
            failures.iter().map(|x| x.code).collect::<Vec<_>>(),
            [RuleCode::NoCoverageAvailable]
        ),
        other => panic!("expected needs_attention, got {other:?}"),
    }
}

#[test]
fn base_pay_under_one_dollar_is_refused() {
    let cents = Fixture::valid().field(10, Some("0.99"));
    let failure = only(&cents, RuleCode::BasePayBelowMinimum, "CustomField10");
    assert!(failure.message.contains("$0.99"), "{}", failure.message);
    let defaulted = Fixture {
        payout: Some("0.50".into()),
        ..Fixture::valid()
    };
    let failure = only(&defaulted, RuleCode::BasePayBelowMinimum, "CustomField10");
    assert!(
        failure.message.contains("defaults to the payment amount"),
        "{}",
        failure.message
    );
    // Exactly $1.00 is the minimum, and is sold.
    let dollar = Fixture::valid().field(10, Some("1.00")).valid_contractor();
    assert_eq!(dollar.base_pay.cents(), 100);
}

#[test]
fn the_estimate_follows_base_pay_and_work_state() {
    let ma = Fixture::valid().valid_contractor();
    // $4,500 in MA: general 0.65% = $29.25, workers' comp 1.20% = $54.00, fee 2.5% = $112.50.
    assert_eq!(ma.quote.premium_cents(), 2_925 + 5_400);
    assert_eq!(ma.quote.platform_fee_cents, 11_250);
    let raised = Fixture::valid().field(10, Some("6000")).valid_contractor();
    assert_eq!(raised.quote.premium_cents(), 3_900 + 7_200);
    let ny = Fixture::valid().field(8, Some("NY")).valid_contractor();
    assert_eq!(ny.quote.premium_cents(), 4_950 + 6_750);
}

// --- properties --------------------------------------------------------------------------------

fn messy_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        prop::sample::select(vec![
            "MA",
            " ma ",
            "Puerto Rico",
            "DC",
            "Ontario",
            "true",
            "no",
            "maybe",
            "4500",
            "$4,500.00",
            "0",
            "-5",
            "2030-06-01",
            "2020-01-01",
            "neo@example.com",
            "bad@",
            "Canada",
            "USA",
        ])
        .prop_map(|s| Some(s.to_string())),
        "\\PC{0,12}".prop_map(Some),
    ]
}

proptest! {
    /// Whatever CreatorIQ sends, a creator that is not synced is told why, and every reason names
    /// a CreatorIQ field.
    #[test]
    fn needs_attention_always_explains_itself(
        status in prop::sample::select(vec!["Accepted", "Invited"]),
        start in messy_text(), end in messy_text(), payout in messy_text(),
        email in messy_text(), state in messy_text(), country in messy_text(),
        f3 in messy_text(), f4 in messy_text(), f5 in messy_text(), f7 in messy_text(),
        f8 in messy_text(), f9 in messy_text(), f10 in messy_text(),
    ) {
        let fixture = Fixture {
            status: Some(status.to_string()),
            start, end, payout, email, state, country,
            fields: vec![(3, f3), (4, f4), (5, f5), (7, f7), (8, f8), (9, f9), (10, f10)],
        };
        match fixture.decide() {
            Decision::NeedsAttention { failures, .. } => {
                prop_assert!(!failures.is_empty());
                for failure in failures {
                    let names_field = ["CustomField", "Contact", "FinalPayout", "StartDate", "EndDate"]
                        .iter()
                        .any(|f| failure.message.contains(f));
                    prop_assert!(names_field, "{:?}", failure);
                }
            }
            Decision::Valid(valid) => {
                prop_assert!(valid.base_pay.cents() > 0);
                prop_assert!(valid.payment_amount.cents() > 0);
                prop_assert!(valid.coverage_start >= today());
                prop_assert!(valid.coverage_end >= valid.coverage_start);
            }
            Decision::NotAccepted { .. } => prop_assert_eq!(status, "Invited"),
            Decision::Exempt => {}
        }
    }
}
