use super::*;
use crate::cover::NewPolicy;
use crate::rating::RatingTable;
use vocabulary::CoverageKind;

fn issue(agency_pays: bool, po: Option<&str>) -> Issue {
    let rating = RatingTable::example();
    Issue {
        insured_name: "Ada Lovelace".into(),
        insured_email: "ada@example.com".into(),
        work_state: "TX".into(),
        ciq_campaign_id: 9,
        campaign_name: "Launch".into(),
        starts_on: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
        ends_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        agency_pays,
        platform_fee_cents: 11_250,
        po_number: po.map(str::to_string),
        po_contact_email: Some("rep@agency.example".into()),
        po_contact_name: Some("Pat Rep".into()),
        example_rates: true,
        policies: vec![
            NewPolicy {
                coverage: CoverageKind::General,
                premium_cents: 3_375,
                limits: rating.limits(CoverageKind::General).to_vec(),
            },
            NewPolicy {
                coverage: CoverageKind::WorkersComp,
                premium_cents: 5_400,
                limits: rating.limits(CoverageKind::WorkersComp).to_vec(),
            },
        ],
    }
}

#[test]
fn agency_pay_bills_premium_and_fee_to_the_po_contact() {
    let lines = lines_for(&issue(true, Some("4500012345")));
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!(l.payer, Payer::Organization);
    assert_eq!((l.premium_cents, l.fee_cents), (8_775, 11_250));
    assert_eq!(l.po_number.as_deref(), Some("4500012345"));
    assert_eq!(
        l.bill_to,
        Some(("Pat Rep".to_string(), "rep@agency.example".to_string()))
    );
    assert_eq!(l.coverage, "General liability, Workers' comp");
    assert!(!l.waits_for_po);
    // Without a PO #, the line waits for one.
    let waiting = lines_for(&issue(true, None));
    assert!(waiting[0].waits_for_po);
}

#[test]
fn a_creator_who_pays_gets_the_premium_and_the_organization_the_fee() {
    let lines = lines_for(&issue(false, None));
    assert_eq!(lines.len(), 2);
    let creator = &lines[0];
    assert_eq!(creator.payer, Payer::Creator);
    assert_eq!((creator.premium_cents, creator.fee_cents), (8_775, 0));
    assert_eq!(
        creator.bill_to,
        Some(("Ada Lovelace".to_string(), "ada@example.com".to_string()))
    );
    let fee = &lines[1];
    assert_eq!(fee.payer, Payer::Organization);
    assert_eq!((fee.premium_cents, fee.fee_cents), (0, 11_250));
    assert_eq!(fee.coverage, "Platform fee");
    assert!(!fee.waits_for_po, "a fee needs no PO # to be billed");
    // Together they bill exactly the premium and the fee, once each.
    let total: i64 = lines.iter().map(|l| l.premium_cents + l.fee_cents).sum();
    assert_eq!(total, 8_775 + 11_250);
}

#[test]
fn invoice_numbers_carry_the_month_and_read_back() {
    let n = invoice_number("2026-12", InvoiceId(7));
    assert_eq!(n, "INV-202612-000007");
    assert_eq!(
        parse_invoice_number(&n),
        Some(("2026-12".to_string(), InvoiceId(7)))
    );
    assert_eq!(
        parse_invoice_number(" INV-202612-1234567 ").unwrap().1,
        InvoiceId(1_234_567)
    );
    for bad in [
        "INV-2026-12-7",
        "inv-202612-7",
        "INV-202612-0",
        "INV-20261a-7",
        "7",
    ] {
        assert_eq!(parse_invoice_number(bad), None, "{bad}");
    }
    assert_eq!(month_label("2026-12"), "December 2026");
    assert_eq!(
        month_of(
            DateTime::parse_from_rfc3339("2027-01-31T23:59:00Z")
                .unwrap()
                .into()
        ),
        "2027-01"
    );
}

#[test]
fn a_document_bills_the_lines_not_voided() {
    let line = |id: i64, premium: i64, fee: i64, voided: bool| InvoiceLine {
        id: InvoiceLineId(id),
        cover_id: CoverId(id),
        contractor_id: vocabulary::ContractorId(id),
        invoice_id: Some(InvoiceId(1)),
        payer: Payer::Organization,
        month: "2026-12".into(),
        creator: format!("Creator {id}"),
        campaign: "Launch".into(),
        coverage: "General liability".into(),
        premium_cents: premium,
        fee_cents: fee,
        voided_at: voided.then(Utc::now),
    };
    let lines = vec![
        line(1, 100, 10, false),
        line(2, 200, 20, true),
        line(3, 300, 30, false),
    ];
    assert_eq!(lines.iter().map(InvoiceLine::total_cents).sum::<i64>(), 440);
    let invoice = Invoice {
        summary: InvoiceSummary {
            id: InvoiceId(1),
            org_id: OrgId(1),
            payer: Payer::Organization,
            po_number: Some("PO-1".into()),
            month: "2026-12".into(),
            bill_to_name: "Pat Rep".into(),
            bill_to_email: "rep@agency.example".into(),
            state: InvoiceState::Open,
            created_at: Utc::now(),
            sent_at: None,
            sent_to: None,
            paid_at: None,
            paid_by: None,
            lines: 2,
            premium_cents: 400,
            fee_cents: 40,
        },
        lines,
    };
    let doc = invoice.document("Acme Agency", "Example Mutual", true);
    assert_eq!(doc.lines.len(), 2);
    assert_eq!(doc.number, "INV-202612-000001");
    assert_eq!(doc.period, "December 2026");
    assert_eq!(doc.po_number.as_deref(), Some("PO-1"));
    assert!(doc.notice.is_some());
}
