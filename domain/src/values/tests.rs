use super::*;
use proptest::prelude::*;

// --- UsState -------------------------------------------------------------------------

#[test]
fn state_codes_and_names_any_case_and_spacing() {
    for raw in [
        "MA",
        "ma",
        " ma ",
        "Ma",
        "Massachusetts",
        "MASSACHUSETTS",
        " massachusetts\t",
    ] {
        assert_eq!(UsState::parse(raw).map(UsState::code), Ok("MA"), "{raw:?}");
    }
    assert_eq!(UsState::parse("new   york").map(UsState::code), Ok("NY"));
    assert_eq!(UsState::parse("West Virginia").map(UsState::code), Ok("WV"));
    assert_eq!(UsState::parse("Washington").map(UsState::code), Ok("WA"));
}

#[test]
fn dc_is_accepted_in_its_usual_spellings() {
    for raw in [
        "DC",
        "dc",
        "D.C.",
        "District of Columbia",
        "Washington, D.C.",
        "washington dc",
    ] {
        assert_eq!(UsState::parse(raw).map(UsState::code), Ok("DC"), "{raw:?}");
    }
}

#[test]
fn there_are_fifty_states_and_dc() {
    assert_eq!(UsState::all().count(), 51);
    for state in UsState::all() {
        assert_eq!(UsState::parse(state.code()), Ok(state));
        assert_eq!(UsState::parse(state.name()), Ok(state));
    }
}

#[test]
fn territories_get_their_own_error() {
    for raw in ["PR", "pr", "Puerto Rico", " puerto  rico "] {
        let err = UsState::parse(raw).unwrap_err();
        assert!(
            matches!(
                err,
                UsStateError::Territory {
                    name: "Puerto Rico",
                    ..
                }
            ),
            "{raw:?}"
        );
        assert_eq!(
            err.to_string(),
            "Puerto Rico is a US territory, not one of the 50 states or DC"
        );
    }
    for raw in ["GU", "Guam", "VI", "US Virgin Islands", "AS", "MP"] {
        assert!(
            matches!(UsState::parse(raw), Err(UsStateError::Territory { .. })),
            "{raw:?}"
        );
    }
}

#[test]
fn unknown_and_blank_states() {
    assert_eq!(UsState::parse("  "), Err(UsStateError::Blank));
    assert!(
        matches!(UsState::parse("Ontario"), Err(UsStateError::Unknown { raw }) if raw == "Ontario")
    );
    assert!(matches!(
        UsState::parse("Massachusets"),
        Err(UsStateError::Unknown { .. })
    ));
    assert!(matches!(
        UsState::parse("XX"),
        Err(UsStateError::Unknown { .. })
    ));
}

#[test]
fn state_serde_round_trip() {
    let ma = UsState::parse("ma").unwrap();
    let json = serde_json::to_string(&ma).unwrap();
    assert_eq!(json, "\"MA\"");
    assert_eq!(serde_json::from_str::<UsState>(&json).unwrap(), ma);
    assert!(serde_json::from_str::<UsState>("\"PR\"").is_err());
}

proptest! {
    #[test]
    fn any_state_in_any_case_with_padding_parses(
        idx in 0usize..51,
        use_name in any::<bool>(),
        upper_mask in prop::collection::vec(any::<bool>(), 32),
        left in "[ \t]{0,3}",
        right in "[ \t]{0,3}",
    ) {
        let state = UsState::all().nth(idx).unwrap();
        let text = if use_name { state.name() } else { state.code() };
        let cased: String = text
            .chars()
            .zip(upper_mask.iter().cycle())
            .map(|(c, up)| if *up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        prop_assert_eq!(UsState::parse(&format!("{left}{cased}{right}")), Ok(state));
    }

    #[test]
    fn state_parse_never_panics(raw in "\\PC{0,40}") {
        let _ = UsState::parse(&raw);
    }
}

// --- Country -------------------------------------------------------------------------

#[test]
fn us_spellings_normalise() {
    for raw in [
        "USA",
        "usa",
        "US",
        "us",
        "U.S.A.",
        "U.S.",
        "United States",
        "united states",
        "UNITED STATES OF AMERICA",
        " United  States ",
    ] {
        assert_eq!(Country::parse(raw), Some(Country::Us), "{raw:?}");
    }
}

#[test]
fn other_countries_kept_raw_and_blank_is_none() {
    assert_eq!(
        Country::parse(" Canada "),
        Some(Country::Other("Canada".into()))
    );
    assert_eq!(
        Country::parse("Puerto Rico"),
        Some(Country::Other("Puerto Rico".into()))
    );
    assert_eq!(Country::parse("   "), None);
    assert_eq!(
        Country::parse("United Kingdom").map(|c| c.is_us()),
        Some(false)
    );
}

// --- Email ---------------------------------------------------------------------------

#[test]
fn valid_emails() {
    for raw in [
        "creator@example.com",
        " Estevan.Conn54@yahoo.com ",
        "svetlana.aa+sportlemur@creatoriq.com",
        "a_b-c@sub.domain.co.uk",
    ] {
        assert!(Email::parse(raw).is_ok(), "{raw:?}");
    }
    assert_eq!(
        Email::parse("Jo@Example.COM").unwrap().as_str(),
        "Jo@example.com"
    );
}

#[test]
fn invalid_emails() {
    assert_eq!(Email::parse(" "), Err(EmailError::Blank));
    for raw in [
        "creator",
        "creator@",
        "@example.com",
        "a@b@example.com",
        "jo smith@example.com",
        "jo@example",
        "jo@.example.com",
        "jo@example..com",
        "jo.@example.com",
        "jo@exa_mple.com",
        "jo@example.c",
        "jo@example.123",
        "jo@-example.com",
    ] {
        assert!(
            matches!(Email::parse(raw), Err(EmailError::Invalid { .. })),
            "{raw:?}"
        );
    }
}

proptest! {
    #[test]
    fn generated_plain_addresses_are_valid(
        local in "[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]",
        domain in "[a-z0-9]{1,10}",
        tld in "[a-z]{2,6}",
    ) {
        prop_assume!(!local.contains(".."));
        let raw = format!("{local}@{domain}.{tld}");
        prop_assert_eq!(Email::parse(&raw).map(|e| e.as_str().to_string()), Ok(raw));
    }

    #[test]
    fn text_without_at_is_never_an_email(raw in "[^@]{1,40}") {
        prop_assert!(Email::parse(&raw).is_err());
    }
}

// --- Flag ----------------------------------------------------------------------------

#[test]
fn flags() {
    for raw in ["true", "TRUE", " Yes ", "1", "yes"] {
        assert_eq!(Flag::parse(raw), Ok(Some(Flag(true))), "{raw:?}");
    }
    for raw in ["false", "False", "NO", "0", " no"] {
        assert_eq!(Flag::parse(raw), Ok(Some(Flag(false))), "{raw:?}");
    }
    assert_eq!(Flag::parse("  "), Ok(None));
    for raw in ["maybe", "Y", "2", "t", "true!"] {
        assert!(Flag::parse(raw).is_err(), "{raw:?}");
    }
    assert_eq!(Flag::parse_or(None, false), Ok((false, true)));
    assert_eq!(Flag::parse_or(Some(""), false), Ok((false, true)));
    assert_eq!(Flag::parse_or(Some("yes"), false), Ok((true, false)));
    assert!(Flag::parse_or(Some("sure"), false).is_err());
}

// --- Money ---------------------------------------------------------------------------

#[test]
fn base_pay_plain_numbers() {
    assert_eq!(
        BasePay::parse("4500").map(|b| b.money().cents()),
        Ok(450_000)
    );
    assert_eq!(
        BasePay::parse("4500.00").map(|b| b.money().cents()),
        Ok(450_000)
    );
    assert_eq!(
        BasePay::parse(" 4500.5 ").map(|b| b.money().cents()),
        Ok(450_050)
    );
    assert_eq!(BasePay::parse("0.99").map(|b| b.money().cents()), Ok(99));
    assert_eq!(BasePay::parse("007").map(|b| b.money().cents()), Ok(700));
}

#[test]
fn base_pay_rejections() {
    assert_eq!(BasePay::parse(""), Err(MoneyError::Blank));
    for raw in [
        "$4,500.00",
        "4,500",
        "$4500",
        "4500 USD",
        "4500.",
        ".5",
        "+5",
        "4 500",
        "abc",
        "1e3",
    ] {
        assert!(
            matches!(BasePay::parse(raw), Err(MoneyError::NotPlainNumber { .. })),
            "{raw:?}"
        );
    }
    assert!(matches!(
        BasePay::parse("4500.001"),
        Err(MoneyError::TooManyDecimals { .. })
    ));
    assert!(matches!(
        BasePay::parse("-5"),
        Err(MoneyError::Negative { .. })
    ));
    assert!(matches!(
        BasePay::parse("-0"),
        Err(MoneyError::Negative { .. })
    ));
    assert!(matches!(BasePay::parse("0"), Err(MoneyError::Zero { .. })));
    assert!(matches!(
        BasePay::parse("0.00"),
        Err(MoneyError::Zero { .. })
    ));
    assert!(matches!(
        BasePay::parse("99999999999999999999"),
        Err(MoneyError::TooLarge { .. })
    ));
}

#[test]
fn payout_amounts() {
    assert_eq!(Money::parse_amount("4500").map(Money::cents), Ok(450_000));
    assert_eq!(Money::parse_amount("4500.5").map(Money::cents), Ok(450_050));
    assert_eq!(
        Money::parse_amount("4500.005").map(Money::cents),
        Ok(450_001)
    );
    assert_eq!(
        Money::parse_amount("4500.004").map(Money::cents),
        Ok(450_000)
    );
    assert_eq!(Money::parse_amount("-5").map(Money::cents), Ok(-500));
    assert_eq!(Money::parse_amount(".5").map(Money::cents), Ok(50));
    assert_eq!(Money::parse_amount("0").map(Money::cents), Ok(0));
    assert!(Money::parse_amount("$4,500").is_err());
    assert_eq!(Money::parse_amount(" "), Err(MoneyError::Blank));
}

#[test]
fn money_display() {
    assert_eq!(Money::from_cents(450_000).to_string(), "$4,500.00");
    assert_eq!(Money::from_cents(123_456_789).to_string(), "$1,234,567.89");
    assert_eq!(Money::from_cents(5).to_string(), "$0.05");
    assert_eq!(Money::from_cents(-500).to_string(), "-$5.00");
    assert_eq!(Money::from_cents(100_000).to_string(), "$1,000.00");
}

proptest! {
    #[test]
    fn plain_cents_round_trip(cents in 1i64..=MAX_CENTS) {
        let text = format!("{}.{:02}", cents / 100, cents % 100);
        prop_assert_eq!(BasePay::parse(&text).map(|b| b.money().cents()), Ok(cents));
        prop_assert_eq!(Money::parse_amount(&text).map(Money::cents), Ok(cents));
    }

    #[test]
    fn formatted_display_is_never_a_plain_number(cents in 100_000i64..=MAX_CENTS) {
        // What the dashboard displays ($ and commas) must not be accepted back as Base Pay.
        let shown = Money::from_cents(cents).to_string();
        prop_assert!(BasePay::parse(&shown).is_err());
    }

    #[test]
    fn money_parsers_never_panic(raw in "\\PC{0,30}") {
        let _ = Money::parse_plain(&raw);
        let _ = Money::parse_amount(&raw);
    }
}

// --- Dates ---------------------------------------------------------------------------

#[test]
fn ciq_dates() {
    let d = NaiveDate::from_ymd_opt(2022, 7, 1).unwrap();
    for raw in [
        "2022-07-01",
        " 2022-07-01 ",
        "2022-07-01 00:00:00",
        "2022-07-01T08:00:00Z",
        "2022-07-01 16:00:00.0000000 -08:00",
    ] {
        assert_eq!(parse_ciq_date(raw), Ok(d), "{raw:?}");
    }
    assert_eq!(parse_ciq_date(""), Err(DateError::Blank));
    for raw in ["07/01/2022", "2022-13-01", "2022-07-011", "soon", "2022-07"] {
        assert!(
            matches!(parse_ciq_date(raw), Err(DateError::Unreadable { .. })),
            "{raw:?}"
        );
    }
}

// --- ApiKey --------------------------------------------------------------------------

#[test]
fn api_key_never_prints_in_full() {
    let key = ApiKey::parse(" sk_live_abcdefgh1234 ").unwrap();
    assert_eq!(format!("{key:?}"), "ApiKey(••••1234)");
    assert_eq!(key.to_string(), "••••1234");
    assert_eq!(key.last4(), "1234");
    assert_eq!(key.expose(), "sk_live_abcdefgh1234");
    let short = ApiKey::parse("abc12").unwrap();
    assert_eq!(format!("{short:?}"), "ApiKey(••••)");
    assert_eq!(ApiKey::parse("  "), Err(ApiKeyError::Blank));
    assert_eq!(ApiKey::parse("abc def"), Err(ApiKeyError::BadCharacters));
}

proptest! {
    #[test]
    fn api_key_debug_never_contains_the_secret(key in "[A-Za-z0-9]{12,64}") {
        let parsed = ApiKey::parse(&key).unwrap();
        let shown = format!("{parsed:?} {parsed}");
        prop_assert!(!shown.contains(&key[..key.len() - 4]));
    }
}
