use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn cover(from: NaiveDate, to: NaiveDate, cancelled: bool) -> Option<RowCover> {
    Some(RowCover {
        cover_id: CoverId(7),
        from,
        to,
        cancelled,
        by_policy: None,
    })
}

#[test]
fn a_policy_follows_the_calendar_with_both_ends_inside() {
    let (start, end) = (d(2026, 12, 10), d(2026, 12, 20));
    let on = |today| policy_status(start, end, false, today);
    assert_eq!(on(d(2026, 12, 9)), PolicyStatus::Scheduled);
    assert_eq!(on(d(2026, 12, 10)), PolicyStatus::Active);
    assert_eq!(on(d(2026, 12, 20)), PolicyStatus::Active);
    assert_eq!(on(d(2026, 12, 21)), PolicyStatus::Expired);
    assert_eq!(
        policy_status(start, end, true, d(2026, 12, 15)),
        PolicyStatus::Cancelled
    );
}

#[test]
fn a_row_reads_its_cover_on_a_fixed_day() {
    let window = (Some(d(2026, 12, 10)), Some(d(2026, 12, 31)));
    let c = cover(d(2026, 12, 10), d(2026, 12, 31), false);
    let on = |today| read_cover(c.as_ref(), window, today);
    let r = on(d(2026, 12, 4));
    assert_eq!(r.state, CoverState::Scheduled);
    assert_eq!(r.detail, "Scheduled from Dec 10, 2026");
    let r = on(d(2026, 12, 31));
    assert_eq!(r.state, CoverState::Covered);
    assert_eq!(r.detail, "Covered until Dec 31, 2026");
    let r = on(d(2027, 1, 1));
    assert_eq!(r.state, CoverState::Expired);
    assert_eq!(r.detail, "Expired Dec 31, 2026");

    let none = read_cover(None, window, d(2026, 12, 4));
    assert_eq!(none.state, CoverState::NotCovered);
    let cancelled = read_cover(
        cover(d(2026, 12, 10), d(2026, 12, 31), true).as_ref(),
        window,
        d(2026, 12, 4),
    );
    assert_eq!(cancelled.state, CoverState::Cancelled);
}

#[test]
fn dates_moved_after_issue_leave_a_gap_naming_the_days() {
    let c = cover(d(2026, 12, 10), d(2026, 12, 31), false);
    // CreatorIQ moved the end to Jan 4: four days are not covered.
    let later = read_cover(
        c.as_ref(),
        (Some(d(2026, 12, 10)), Some(d(2027, 1, 4))),
        d(2026, 12, 4),
    );
    assert_eq!(later.state, CoverState::Gap);
    assert_eq!(later.uncovered, vec![(d(2027, 1, 1), d(2027, 1, 4))]);
    assert_eq!(
        later.detail,
        "Coverage gap: not covered Jan 1 – Jan 4, 2027"
    );
    // Moved earlier by a day and later by a day: two ranges.
    let both = read_cover(
        c.as_ref(),
        (Some(d(2026, 12, 9)), Some(d(2027, 1, 1))),
        d(2026, 12, 4),
    );
    assert_eq!(
        both.uncovered,
        vec![
            (d(2026, 12, 9), d(2026, 12, 9)),
            (d(2027, 1, 1), d(2027, 1, 1))
        ]
    );
    assert_eq!(
        both.detail,
        "Coverage gap: not covered Dec 9, 2026 and Jan 1, 2027"
    );
    // Moved entirely after the cover: the whole new window is uncovered.
    let moved = gaps(
        (Some(d(2027, 2, 1)), Some(d(2027, 2, 28))),
        (d(2026, 12, 10), d(2026, 12, 31)),
    );
    assert_eq!(moved, vec![(d(2027, 2, 1), d(2027, 2, 28))]);
    // Shortened: still covered.
    let shorter = read_cover(
        c.as_ref(),
        (Some(d(2026, 12, 12)), Some(d(2026, 12, 20))),
        d(2026, 12, 15),
    );
    assert_eq!(shorter.state, CoverState::Covered);
    // A cancelled cover is cancelled, not a gap.
    let cancelled = read_cover(
        cover(d(2026, 12, 10), d(2026, 12, 31), true).as_ref(),
        (Some(d(2026, 12, 10)), Some(d(2027, 1, 4))),
        d(2026, 12, 4),
    );
    assert_eq!(cancelled.state, CoverState::Cancelled);
}

#[test]
fn policy_numbers_name_the_coverage_type() {
    assert_eq!(
        policy_number(CoverageKind::General, PolicyId(42)),
        "GL-000042"
    );
    assert_eq!(
        policy_number(CoverageKind::WorkersComp, PolicyId(1_234_567)),
        "WC-1234567"
    );
}

#[test]
fn only_scheduled_cover_can_be_cancelled() {
    let c = Cover {
        id: CoverId(3),
        org_id: OrgId(1),
        contractor_id: ContractorId(2),
        application_id: ApplicationId(4),
        insured_name: "Ada".into(),
        insured_email: "ada@example.com".into(),
        work_state: "TX".into(),
        ciq_campaign_id: 9,
        campaign_name: "Launch".into(),
        starts_on: d(2026, 12, 10),
        ends_on: d(2026, 12, 31),
        agency_pays: true,
        platform_fee_cents: 100,
        po_number: None,
        po_contact_email: None,
        po_contact_name: None,
        example_rates: false,
        issued_at: Utc::now(),
        cancelled_at: None,
        cancelled_by: None,
        cancel_reason: None,
        policies: Vec::new(),
    };
    assert!(c.can_cancel(d(2026, 12, 9)).is_ok());
    let started = c.can_cancel(d(2026, 12, 10)).unwrap_err();
    assert!(started.contains("started on Dec 10, 2026"), "{started}");
    let mut cancelled = c.clone();
    cancelled.cancelled_at = Some(Utc::now());
    assert!(cancelled
        .can_cancel(d(2026, 12, 1))
        .unwrap_err()
        .contains("already cancelled"));
}

#[test]
fn a_moved_window_is_bought_for_the_days_not_covered_at_their_share_of_the_price() {
    use crate::store::Estimate;
    use vocabulary::CoverageTypes;
    let c = cover(d(2026, 12, 10), d(2026, 12, 31), false);
    // Extended by four days at the end: 4 of 26 days.
    let diff = difference(c.as_ref(), (Some(d(2026, 12, 10)), Some(d(2027, 1, 4)))).unwrap();
    assert_eq!(
        (diff.from, diff.to, diff.days, diff.of_days),
        (d(2027, 1, 1), d(2027, 1, 4), 4, 26)
    );
    let full = Estimate {
        coverage: CoverageTypes::Both,
        general_cents: Some(2_925),
        workers_comp_cents: Some(5_400),
        platform_fee_cents: 11_250,
    };
    let part = prorate(full, &diff);
    // 2,925 x 4/26 = 450 exactly; 5,400 x 4/26 = 830.77 -> 831; 11,250 x 4/26 = 1,730.77 -> 1,731.
    assert_eq!(part.general_cents, Some(450));
    assert_eq!(part.workers_comp_cents, Some(831));
    assert_eq!(part.platform_fee_cents, 1_731);
    // Covered whole, cancelled, or no cover: nothing to buy as a difference.
    assert_eq!(
        difference(c.as_ref(), (Some(d(2026, 12, 12)), Some(d(2026, 12, 20)))),
        None
    );
    assert_eq!(
        difference(
            cover(d(2026, 12, 10), d(2026, 12, 31), true).as_ref(),
            (Some(d(2027, 1, 1)), Some(d(2027, 1, 9)))
        ),
        None
    );
    assert_eq!(
        difference(None, (Some(d(2027, 1, 1)), Some(d(2027, 1, 9)))),
        None
    );
}
