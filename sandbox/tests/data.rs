//! The generator: determinism, sizes, scenario coverage and realistic proportions.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use ciq_sandbox::data::{external_publisher_id, EXTERNAL_ID_BASE};
use ciq_sandbox::{generate, scenarios, Dataset, Size};
use common::{fixed_today, oracle};

#[test]
fn same_seed_same_data_and_different_seed_different_data() {
    let today = fixed_today();
    let a = generate(42, Size::Demo, today);
    let b = generate(42, Size::Demo, today);
    let c = generate(43, Size::Demo, today);
    assert_eq!(a, b);
    assert_ne!(a.partners[0].publishers, c.partners[0].publishers);
    assert_ne!(a.partners[0].campaigns, c.partners[0].campaigns);
    // Partner 2 is a different, small dataset.
    assert_ne!(a.partners[1].publishers, a.partners[0].publishers);
}

#[test]
fn sizes_have_their_totals() {
    let today = fixed_today();
    for size in [Size::Tiny, Size::Demo, Size::Large] {
        let d = generate(7, size, today);
        let (campaigns, creators) = size.totals();
        assert_eq!(d.partners[0].campaigns.len(), campaigns, "{size}");
        assert_eq!(d.partners[0].publishers.len(), creators, "{size}");
    }
    let tiny = generate(7, Size::Tiny, today);
    assert!(tiny.partners[0].campaigns.len() <= 10);
    assert_eq!(tiny.partners[0].publishers.len(), 40);
    assert_eq!(tiny.partners[1].campaigns.len(), 3);
    assert_eq!(tiny.partners[1].publishers.len(), 15);
}

#[test]
fn bench_has_2000_campaigns_and_100000_creators() {
    let start = std::time::Instant::now();
    let d = generate(42, Size::Bench, fixed_today());
    let elapsed = start.elapsed();
    assert_eq!(d.partners[0].campaigns.len(), 2_000);
    assert_eq!(d.partners[0].publishers.len(), 100_000);
    // Unoptimised test builds are several times slower than release; still bounded.
    assert!(elapsed.as_secs() < 60, "bench generation took {elapsed:?}");
    every_scenario_is_present(&d, fixed_today());
}

#[test]
fn ids_are_unique_and_partners_do_not_overlap() {
    let d = generate(42, Size::Large, fixed_today());
    let mut seen = BTreeSet::new();
    for p in &d.partners {
        for c in &p.campaigns {
            assert!(seen.insert(("c", c.id)), "campaign id {} repeated", c.id);
        }
        for x in &p.publishers {
            assert!(seen.insert(("p", x.id)), "publisher id {} repeated", x.id);
        }
    }
}

fn every_scenario_is_present(d: &Dataset, today: chrono::NaiveDate) {
    let p1 = &d.partners[0];
    for sc in scenarios::CAMPAIGNS {
        let c = p1
            .campaign(sc.id)
            .unwrap_or_else(|| panic!("{} present", sc.name));
        assert_eq!(c.name, sc.name);
        let at =
            |o: Option<i64>| o.map(|d| (today + Duration::days(d)).format("%Y-%m-%d").to_string());
        assert_eq!(c.start_date, at(sc.start_offset_days), "{}", sc.name);
        assert_eq!(c.end_date, at(sc.end_offset_days), "{}", sc.name);
    }
    for sc in scenarios::CREATORS {
        let p = p1
            .publisher(sc.publisher_id)
            .unwrap_or_else(|| panic!("{} present", sc.name));
        assert_eq!(p.full_name(), sc.name);
        assert_eq!(p.email.as_deref(), sc.email);
        assert_eq!(p.campaign_ids, sc.campaign_ids);
        for cid in sc.campaign_ids {
            let c = p1.campaign(*cid).expect("campaign");
            let a = c
                .assignments
                .iter()
                .find(|a| a.publisher_id == sc.publisher_id)
                .expect("assignment");
            let (status, codes) = oracle::evaluate(c, a, p, today);
            assert_eq!(status, sc.expected_status, "{} on {}", sc.name, c.name);
            let got: BTreeSet<_> = codes.into_iter().collect();
            let want: BTreeSet<_> = sc.expected_codes.iter().copied().collect();
            assert_eq!(got, want, "{} on {}", sc.name, c.name);
        }
    }
}

#[test]
fn every_size_contains_every_scenario_with_the_documented_outcome() {
    let today = fixed_today();
    for size in [Size::Tiny, Size::Demo, Size::Large] {
        for seed in [1, 42] {
            every_scenario_is_present(&generate(seed, size, today), today);
        }
    }
}

#[test]
fn scenarios_cover_every_rule_and_status() {
    let codes: BTreeSet<&str> = scenarios::CREATORS
        .iter()
        .flat_map(|c| c.expected_codes.iter().copied())
        .collect();
    for code in [
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
    ] {
        assert!(codes.contains(code), "no scenario for {code}");
    }
    let statuses: BTreeSet<&str> = scenarios::CREATORS
        .iter()
        .map(|c| c.expected_status)
        .collect();
    for s in ["synced", "needs_attention", "exempt", "not_accepted"] {
        assert!(statuses.contains(s), "no scenario with status {s}");
    }
    let names: BTreeSet<&str> = scenarios::CREATORS.iter().map(|c| c.name).collect();
    assert_eq!(
        names.len(),
        scenarios::CREATORS.len(),
        "scenario names are unique"
    );
    assert!(scenarios::CREATORS.iter().any(|c| c.campaign_ids.len() > 1));
    assert_eq!(scenarios::by_key("clean"), Some(&scenarios::CLEAN));
}

#[test]
fn random_creators_are_mostly_valid_and_cover_the_rules() {
    let today = fixed_today();
    for size in [Size::Demo, Size::Large] {
        let d = generate(42, size, today);
        let p1 = &d.partners[0];
        let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rows = 0;
        for c in &p1.campaigns {
            for a in &c.assignments {
                let p = p1.publisher(a.publisher_id).expect("creator");
                let (status, codes) = oracle::evaluate(c, a, p, today);
                *by_status.entry(status).or_default() += 1;
                for code in codes {
                    *by_code.entry(code).or_default() += 1;
                }
                rows += 1;
            }
        }
        let share = |s: &str| by_status.get(s).copied().unwrap_or(0) as f64 / rows as f64;
        let valid = 1.0 - share("needs_attention");
        println!("{size}: {rows} rows, {by_status:?}, {by_code:?}");
        assert!(
            (0.70..=0.90).contains(&valid),
            "{size}: {:.1}% valid ({by_status:?})",
            valid * 100.0
        );
        assert!(
            share("exempt") > 0.0 && share("not_accepted") > 0.0,
            "{size}: {by_status:?}"
        );
        if size == Size::Large {
            for code in [
                "missing_email",
                "invalid_email",
                "missing_home_state",
                "missing_payment_amount",
                "invalid_base_pay",
                "non_us_work_state",
                "campaign_start_in_past",
                "missing_po_contact_email",
                "invalid_flag",
            ] {
                assert!(
                    by_code.contains_key(code),
                    "random data never fails {code}: {by_code:?}"
                );
            }
        }
        // Creators on several campaigns exist among random ones too.
        assert!(
            p1.publishers
                .iter()
                .filter(|p| p.campaign_ids.len() > 1)
                .count()
                > 1
        );
    }
}

#[test]
fn campaigns_start_in_the_past_today_and_future() {
    let today = fixed_today();
    let d = generate(42, Size::Tiny, today);
    let starts: Vec<_> = d.partners[0]
        .campaigns
        .iter()
        .filter_map(|c| c.start_date.as_deref())
        .filter_map(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .collect();
    assert!(starts.iter().any(|s| *s < today));
    assert!(starts.contains(&today));
    assert!(starts.iter().any(|s| *s > today));
}

#[test]
fn external_publisher_ids_are_11_digits_unique_and_never_an_internal_id() {
    let d = generate(42, Size::Large, fixed_today());
    let mut internal_ids = BTreeSet::new();
    for p in &d.partners {
        internal_ids.extend(p.campaigns.iter().map(|c| c.id.to_string()));
        internal_ids.extend(p.publishers.iter().map(|x| x.id.to_string()));
        internal_ids.extend(p.publishers.iter().map(|x| x.contact_id.to_string()));
    }
    let mut external_ids = BTreeSet::new();
    for (i, pd) in d.partners.iter().enumerate() {
        for p in &pd.publishers {
            let e = &p.external_id;
            assert_eq!(
                *e,
                external_publisher_id(p.id),
                "derived from the internal id"
            );
            assert_eq!(e.len(), 11, "{e}");
            assert!(e.bytes().all(|b| b.is_ascii_digit()), "{e}");
            let n: u64 = e.parse().expect("numeric");
            assert!((EXTERNAL_ID_BASE..EXTERNAL_ID_BASE + 1_000_000_000).contains(&n));
            assert!(e.parse::<u32>().is_err(), "{e} does not fit an internal id");
            assert!(!internal_ids.contains(e), "{e} equals an internal id");
            assert!(
                !e.contains(&p.id.to_string()),
                "{e} does not spell the internal id {}",
                p.id
            );
            assert!(external_ids.insert(e.clone()), "{e} repeated");
            // Lookups: the external id finds the creator, only in their own partner; the
            // internal id is not an external id.
            assert_eq!(pd.publisher_by_external(e).map(|x| x.id), Some(p.id));
            assert!(d.partners[1 - i].publisher_by_external(e).is_none());
            assert!(pd.publisher_by_external(&p.id.to_string()).is_none());
        }
    }
    // Scenario creators keep their external ids whatever the seed or size.
    let tiny = generate(7, Size::Tiny, fixed_today());
    for sc in scenarios::CREATORS {
        let p = tiny.partners[0]
            .publisher(sc.publisher_id)
            .expect("scenario");
        assert_eq!(p.external_id, sc.external_id());
        assert_eq!(
            d.partners[0]
                .publisher(sc.publisher_id)
                .map(|p| &p.external_id),
            Some(&sc.external_id())
        );
    }
    assert_eq!(scenarios::CLEAN.external_id(), "10174720489");
}

#[test]
fn payouts_are_whole_amounts_when_generated() {
    for size in [Size::Tiny, Size::Demo, Size::Large] {
        let d = generate(42, size, fixed_today());
        for pd in &d.partners {
            for c in &pd.campaigns {
                for a in &c.assignments {
                    assert!(
                        a.payout.is_none_or(|v| v.fract() == 0.0),
                        "{size}: {} on {}: {:?}",
                        a.publisher_id,
                        c.id,
                        a.payout
                    );
                }
            }
        }
    }
}
