use super::*;

fn state(code: &str) -> UsState {
    UsState::parse(code).unwrap()
}

#[test]
fn rounding_is_to_the_nearest_cent_with_halves_up() {
    // $1.00 at 65 per $100 = 0.65 cents -> 1 cent.
    assert_eq!(share_of(100, 65), 1);
    // $0.76 at 65: 0.494 cents -> 0.
    assert_eq!(share_of(76, 65), 0);
    // Exactly half a cent rounds up: $0.50 at 100 per $100 = 0.5 cents.
    assert_eq!(share_of(50, 100), 1);
    // Just under half rounds down: 4,999 ten-thousandths.
    assert_eq!(share_of(4_999, 1), 0);
    assert_eq!(share_of(5_000, 1), 1);
    // $4,500.00 at 65 per $100 = $29.25 exactly.
    assert_eq!(share_of(450_000, 65), 2_925);
    // $1,234.57 at 95 per $100 = 1,172.8415 cents -> $11.73.
    assert_eq!(share_of(123_457, 95), 1_173);
    // The largest amount we accept does not overflow.
    assert_eq!(share_of(1_000_000_000_000, 10_000), 1_000_000_000_000);
    assert_eq!(share_of(0, 120), 0);
}

#[test]
fn the_example_table_loads_and_says_it_is_the_example() {
    let table = RatingTable::example();
    assert!(table.is_example());
    assert_eq!(table.platform_fee_basis_points, 250);
    assert_eq!(table.origin.to_string(), "example rates");
}

#[test]
fn net_rates_use_a_state_override_or_the_default() {
    let table = RatingTable::example();
    assert_eq!(table.net_rate(CoverageKind::General, state("MA")), 65);
    assert_eq!(table.net_rate(CoverageKind::General, state("CA")), 95);
    assert_eq!(table.net_rate(CoverageKind::WorkersComp, state("MA")), 120);
    assert_eq!(table.net_rate(CoverageKind::WorkersComp, state("NY")), 150);
}

#[test]
fn a_quote_adds_its_rounded_lines_and_says_who_pays() {
    let table = RatingTable::example();
    let kinds = [CoverageKind::General, CoverageKind::WorkersComp];
    let q = table.quote(Money::from_cents(450_000), state("CA"), &kinds, false);
    assert_eq!(q.lines[0].premium_cents, 4_275); // 4,500 x 0.95%
    assert_eq!(q.lines[1].premium_cents, 7_650); // 4,500 x 1.70%
    assert_eq!(q.premium_cents(), 11_925);
    assert_eq!(q.platform_fee_cents, 11_250); // 2.5%
    assert_eq!(q.creator_pays_cents(), 11_925);
    assert_eq!(q.agency_pays_cents(), 11_250);

    let agency = table.quote(Money::from_cents(450_000), state("CA"), &kinds, true);
    assert_eq!(agency.creator_pays_cents(), 0);
    assert_eq!(agency.agency_pays_cents(), 11_925 + 11_250);

    // Each line is rounded on its own; the total is their sum, never a re-rounded product.
    let odd = table.quote(Money::from_cents(100_077), state("MA"), &kinds, false);
    assert_eq!(odd.lines[0].premium_cents, 651); // 100,077 x 65 / 10,000 = 650.5005
    assert_eq!(
        odd.premium_cents(),
        odd.lines.iter().map(|l| l.premium_cents).sum::<i64>()
    );
}

#[test]
fn monopolistic_funds_and_hawaii_are_unavailable() {
    let table = RatingTable::example();
    let ohio = table.availability(CoverageTypes::Both, state("OH"), Some(state("OH")));
    assert_eq!(ohio.available, vec![CoverageKind::General]);
    assert_eq!(
        ohio.unavailable,
        vec![(
            CoverageKind::WorkersComp,
            "Workers' comp for work in Ohio comes from the Ohio state fund".to_string()
        )]
    );
    for code in ["ND", "WA", "WY"] {
        let a = table.availability(CoverageTypes::WorkersComp, state(code), None);
        assert!(a.available.is_empty(), "{code}");
        assert_eq!(a.available_types(), None);
    }
    // General liability follows where the creator lives, not where they work.
    let hawaii = table.availability(CoverageTypes::Both, state("CA"), Some(state("HI")));
    assert_eq!(hawaii.available, vec![CoverageKind::WorkersComp]);
    assert_eq!(
        hawaii.unavailable[0].1,
        "General liability is not offered to residents of Hawaii"
    );
    let works_in_hawaii = table.availability(CoverageTypes::Both, state("HI"), Some(state("CA")));
    assert_eq!(works_in_hawaii.available_types(), Some(CoverageTypes::Both));
    // Unknown home state (living abroad, work state given): only the work state decides.
    let abroad = table.availability(CoverageTypes::General, state("MA"), None);
    assert_eq!(abroad.available_types(), Some(CoverageTypes::General));
}

fn refused(text: &str) -> RatesError {
    RatingTable::parse(text, RatesOrigin::File("rates.toml".into())).unwrap_err()
}

const GOOD: &str = "platform_fee_percent = 3\n\
                    [rates.general]\ndefault = 70\n\
                    [rates.workers-comp]\ndefault = 110\nTX = 90\n\
                    [insurer]\nname = \"Lone Star Casualty\"\n\
                    [limits.general]\neach_occurrence = 500000\naggregate = 1000000\n\
                    [limits.workers-comp]\nemployers_liability_each_accident = 500000\n";

#[test]
fn an_insurer_table_replaces_the_example() {
    let table = RatingTable::parse(GOOD, RatesOrigin::File("rates.toml".into())).unwrap();
    assert!(!table.is_example());
    assert_eq!(table.platform_fee_basis_points, 300);
    assert_eq!(table.net_rate(CoverageKind::WorkersComp, state("TX")), 90);
    // No [[unavailable]] entries: everything can be sold.
    let a = table.availability(CoverageTypes::Both, state("OH"), Some(state("HI")));
    assert_eq!(a.available.len(), 2);
}

#[test]
fn a_malformed_table_is_refused_naming_the_line() {
    let e = refused("platform_fee_percent = 3\n[rates.general]\ndefault = \"cheap\"\n");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("whole number of cents"), "{e}");
    assert!(
        e.to_string().starts_with("RATES_FILE rates.toml, line 3:"),
        "{e}"
    );

    let e = refused(&GOOD.replace("TX = 90", "Texas = 90"));
    assert_eq!(e.line, 6, "{e}");
    assert!(e.message.contains("\"Texas\" is not a two-letter"), "{e}");

    let e = refused(&GOOD.replace("default = 70", "default = 0"));
    assert_eq!(e.line, 3, "{e}");

    let e = refused(&GOOD.replace("platform_fee_percent = 3", "platform_fee_percent = 2.555"));
    assert_eq!(e.line, 1, "{e}");
    assert!(e.message.contains("platform_fee_percent"), "{e}");

    let e = refused(&GOOD.replace("[rates.workers-comp]", "[rates.auto]"));
    assert!(
        e.message.contains("[rates.auto] is not a coverage type"),
        "{e}"
    );
    assert_eq!(e.line, 4, "{e}");

    // Not TOML at all: the parser's own message, still with the line.
    let e = refused("platform_fee_percent = 3\n[rates.general\n");
    assert_eq!(e.line, 2, "{e}");

    let e = refused("platform_fee_percent = 3\n[rates.general]\ndefault = 65\n");
    assert!(e.message.contains("no [rates.workers-comp] section"), "{e}");

    let e = refused(&format!(
        "{GOOD}[[unavailable]]\ncoverage = \"workers-comp\"\nby = \"work_state\"\nstates = [\"Ohio\"]\nreason = \"x\"\n"
    ));
    assert_eq!(e.line, GOOD.lines().count() + 1, "{e}");
    assert!(e.message.contains("\"Ohio\""), "{e}");

    let e = refused(&format!("{GOOD}surcharge = 4\n"));
    assert!(e.message.contains("surcharge"), "{e}");
}

#[test]
fn limits_and_the_insurer_are_read_for_certificates() {
    let table = RatingTable::parse(GOOD, RatesOrigin::File("rates.toml".into())).unwrap();
    assert_eq!(table.insurer(), "Lone Star Casualty");
    let general: Vec<(&str, &str)> = table
        .limits(CoverageKind::General)
        .iter()
        .map(|l| (l.label.as_str(), l.value.as_str()))
        .collect();
    assert_eq!(
        general,
        [
            ("Each occurrence", "$500,000"),
            ("General aggregate", "$1,000,000")
        ]
    );
    let wc: Vec<(&str, &str)> = table
        .limits(CoverageKind::WorkersComp)
        .iter()
        .map(|l| (l.label.as_str(), l.value.as_str()))
        .collect();
    assert_eq!(
        wc,
        [
            ("Workers' compensation", "Statutory"),
            ("Employer's liability, each accident", "$500,000")
        ]
    );
    let example = RatingTable::example();
    assert_eq!(example.insurer(), "Example Mutual Insurance Company");
    assert_eq!(example.limits(CoverageKind::General)[0].value, "$1,000,000");
}

#[test]
fn limits_that_cannot_be_printed_are_refused_naming_the_line() {
    let line_of = |needle: &str| GOOD.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let e = refused(&GOOD.replace("aggregate = 1000000", "aggregate = \"lots\""));
    assert_eq!(e.line, line_of("aggregate"), "{e}");
    assert!(e.message.contains("whole number of dollars"), "{e}");

    let e = refused(&GOOD.replace("aggregate = 1000000", "products = 1000000"));
    assert!(e.message.contains("products is not a limit"), "{e}");
    assert!(e.message.contains("each_occurrence and aggregate"), "{e}");

    let e = refused(&GOOD.replace("aggregate = 1000000\n", ""));
    assert!(
        e.message.contains("[limits.general] has no `aggregate`"),
        "{e}"
    );

    let without_insurer = GOOD.replace("[insurer]\nname = \"Lone Star Casualty\"\n", "");
    assert!(refused(&without_insurer)
        .message
        .contains("no [insurer] section"));

    let without_wc = &GOOD[..GOOD.find("[limits.workers-comp]").unwrap()];
    let e = refused(without_wc);
    assert!(
        e.message.contains("no [limits.workers-comp] section"),
        "{e}"
    );

    let e = refused(&GOOD.replace("name = \"Lone Star Casualty\"", "name = \" \""));
    assert_eq!(e.line, line_of("[insurer]"), "{e}");
    assert!(e.message.contains("[insurer] needs a name"), "{e}");
}

#[test]
fn a_missing_file_is_refused_with_its_name() {
    let e = RatingTable::load(Path::new("/nonexistent/rates.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/rates.toml"), "{e}");
    assert!(e.message.contains("cannot be read"), "{e}");
}
