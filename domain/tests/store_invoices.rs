//! Invoices add up, whatever happens: after random sequences of covers issued (Agency Pay with
//! and without a PO #, creators who pay), cancelled, and purchase orders arriving from
//! CreatorIQ, on both backends, every invoice's totals equal the sum of its lines that are not
//! voided, in whole cents, and everything billed (on invoices or waiting for a PO #) equals
//! the premiums and fees of the covers that stand.

mod store_support;

use chrono::{NaiveDate, Utc};
use domain::application::{ApplicationStep, StepChange};
use domain::cover::{Issue, NewPolicy};
use domain::invoice::InvoiceState;
use domain::rating::RatingTable;
use domain::store::{CancelOutcome, ContractorId, OrgId, PurchaseOrder, Store};
use domain::sync::write_path;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vocabulary::CoverageKind;

use store_support::TestStore;

const CREATORS: i64 = 24;

fn issue_for(rng: &mut StdRng, publisher: i64, po: &PurchaseOrder) -> Issue {
    let rating = RatingTable::example();
    let agency_pays = rng.gen_bool(0.6);
    let mut policies = vec![NewPolicy {
        coverage: CoverageKind::General,
        premium_cents: rng.gen_range(1..50_000),
        limits: rating.limits(CoverageKind::General).to_vec(),
    }];
    if rng.gen_bool(0.5) {
        policies.push(NewPolicy {
            coverage: CoverageKind::WorkersComp,
            premium_cents: rng.gen_range(1..90_000),
            limits: rating.limits(CoverageKind::WorkersComp).to_vec(),
        });
    }
    Issue {
        insured_name: format!("Creator {publisher}"),
        insured_email: format!("c{publisher}@example.com"),
        work_state: "TX".into(),
        ciq_campaign_id: 77,
        campaign_name: "Summer".into(),
        starts_on: NaiveDate::from_ymd_opt(2030, 6, 1).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2030, 7, 1).unwrap(),
        agency_pays,
        platform_fee_cents: rng.gen_range(0..30_000),
        po_number: po.number.clone(),
        po_contact_email: po.contact_email.clone(),
        po_contact_name: po.contact_name.clone(),
        example_rates: true,
        policies,
    }
}

fn purchase_order(rng: &mut StdRng) -> PurchaseOrder {
    match rng.gen_range(0..3) {
        0 => PurchaseOrder::default(),
        n => PurchaseOrder {
            number: Some(format!("PO-{n}")),
            contact_email: Some(format!("ap{n}@agency.example")),
            contact_name: Some(format!("Payables {n}")),
        },
    }
}

/// Writes every creator's row (synced, with `pos[i]`) through the sync's write path.
async fn write_rows(store: &dyn Store, org: OrgId, pos: &[PurchaseOrder]) {
    let run = store_support::begin_run(store, org, "invoices-test").await;
    let rows = (1..=CREATORS)
        .map(|p| {
            let mut row = store_support::synced(p, "TX");
            row.po = pos[(p - 1) as usize].clone();
            row
        })
        .collect();
    write_path::apply_campaign_sync(
        store,
        org,
        run,
        &store_support::campaign_sync(rows),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    store
        .finish_sync_run(
            org,
            run,
            vocabulary::RunState::Succeeded,
            &Default::default(),
            "invoices-test",
        )
        .await
        .unwrap();
}

/// Issues a cover for `publisher`'s row through its current link, as a completed application
/// does. `false` when the row's link already completed (one cover per application).
async fn issue(store: &dyn Store, org: OrgId, row: ContractorId, issue: Issue) -> bool {
    let link = store.current_link(org, row).await.unwrap().unwrap();
    let change = StepChange {
        from: ApplicationStep::VerifyInfo,
        to: ApplicationStep::ApplicationComplete,
        answers: None,
        quote: None,
        signature: None,
        refused: None,
        submits: true,
        issue: Some(issue),
    };
    matches!(
        store
            .save_application_step(&link, &change, Utc::now())
            .await
            .unwrap(),
        domain::store::StepSaved::Saved(_)
    )
}

async fn check(store: &dyn Store, org: OrgId, seed: u64) {
    let invoices = store.invoices(org, None).await.unwrap();
    let mut billed = 0i64;
    for summary in &invoices {
        let invoice = store.invoice(org, summary.id).await.unwrap().unwrap();
        let live: Vec<_> = invoice
            .lines
            .iter()
            .filter(|l| l.voided_at.is_none())
            .collect();
        let premium: i64 = live.iter().map(|l| l.premium_cents).sum();
        let fee: i64 = live.iter().map(|l| l.fee_cents).sum();
        assert_eq!(summary.premium_cents, premium, "seed {seed}: {summary:?}");
        assert_eq!(summary.fee_cents, fee, "seed {seed}: {summary:?}");
        assert_eq!(summary.lines, live.len() as u64, "seed {seed}");
        assert_eq!(
            summary.total_cents(),
            invoice.lines.iter().map(|l| l.total_cents()).sum::<i64>(),
            "seed {seed}"
        );
        if summary.state == InvoiceState::Void {
            assert!(live.is_empty(), "seed {seed}: a void invoice bills nothing");
        }
        // One payer and one month per invoice.
        assert!(invoice
            .lines
            .iter()
            .all(|l| l.payer == summary.payer && l.month == summary.month));
        billed += summary.total_cents();
    }
    let waiting: i64 = store
        .waiting_lines(org)
        .await
        .unwrap()
        .iter()
        .map(|l| l.total_cents())
        .sum();
    let mut standing = 0i64;
    for publisher in 1..=CREATORS {
        let row = store
            .contractors_for_publisher(org, publisher)
            .await
            .unwrap()
            .remove(0);
        for cover in store.row_covers(org, row.id).await.unwrap() {
            if cover.cancelled_at.is_none() && cover.contractor_id == row.id {
                standing += cover.premium_cents() + cover.platform_fee_cents;
            }
        }
    }
    assert_eq!(
        billed + waiting,
        standing,
        "seed {seed}: billed, waiting, standing"
    );
}

async fn totals_equal_the_sum_of_their_lines() {
    for seed in 0..6u64 {
        // Kept whole: dropping it removes the database.
        let test_store: TestStore = store_support::current().await;
        let store = test_store.store.as_ref();
        let org = store.create_organization("acme", "Acme").await.unwrap().id;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut pos: Vec<PurchaseOrder> = (0..CREATORS).map(|_| purchase_order(&mut rng)).collect();
        write_rows(store, org, &pos).await;
        let (mut issued, mut cancelled) = (0, 0);
        for _ in 0..60 {
            let publisher = rng.gen_range(1..=CREATORS);
            let row = store
                .contractors_for_publisher(org, publisher)
                .await
                .unwrap()
                .remove(0);
            match rng.gen_range(0..10) {
                // A creator completes their application.
                0..=5 => {
                    let new = issue_for(&mut rng, publisher, &pos[(publisher - 1) as usize]);
                    let first = issue(store, org, row.id, new).await;
                    issued += usize::from(first);
                    if !first {
                        // The link already completed: a regenerated link is a new application.
                        write_path::regenerate_link(
                            store,
                            org,
                            row.id,
                            write_path::MailRelay::default(),
                        )
                        .await
                        .unwrap();
                    }
                }
                // An admin cancels a cover.
                6 | 7 => {
                    if let Some(cover) = store.row_covers(org, row.id).await.unwrap().first() {
                        let outcome = store
                            .cancel_cover(
                                org,
                                cover.id,
                                "admin@acme.example",
                                "dropped",
                                NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
                            )
                            .await
                            .unwrap();
                        match outcome {
                            CancelOutcome::Cancelled(_) => cancelled += 1,
                            CancelOutcome::Refused(_) => {}
                            CancelOutcome::NotFound => {
                                panic!("seed {seed}: a row's cover is found")
                            }
                        }
                    }
                }
                // CreatorIQ gets purchase orders; waiting lines join their invoices.
                _ => {
                    pos = (0..CREATORS)
                        .map(|i| {
                            let old = pos[i as usize].clone();
                            if old.number.is_none() && rng.gen_bool(0.5) {
                                purchase_order(&mut rng)
                            } else {
                                old
                            }
                        })
                        .collect();
                    write_rows(store, org, &pos).await;
                    store.collect_waiting_lines(org).await.unwrap();
                }
            }
            check(store, org, seed).await;
        }
        // The sequence did what it is for.
        assert!(
            issued >= 10 && cancelled >= 1,
            "seed {seed}: {issued} issued, {cancelled} cancelled"
        );
    }
}

on_both_backends_scoped!(totals_equal_the_sum_of_their_lines);
