//! Invoices through the running server: an Agency Pay creator's cover is billed to the PO
//! contact on the invoice of its PO # and month (PDF and CSV with the same lines and total),
//! sent by email with the PDF attached (a real SMTP server on a loopback port) and marked paid
//! from the command line; a creator who pays gets an invoice of their own while the
//! organization's carries the fee; a cancelled cover's lines are voided; and an Agency Pay line
//! without a PO # waits until CreatorIQ has one (on PostgreSQL).

mod common;

use std::collections::BTreeMap;

use ciq_sandbox::scenarios;
use ciq_sandbox::CreatorEdit;
use common::apply::*;
use common::*;
use domain::testing::MailSink;
use reqwest::StatusCode;
use serde_json::Value;

const AGENCY: i64 = 5_700_018;
const CLEAN: i64 = 5_700_001;
const MESSY: i64 = 5_700_026;

/// A mail server, a tiny sandbox (edited by `before_sync` first) and a synced dashboard on
/// `backend` that emails through the one; its admin.
async fn billed(
    backend: Backend,
    before_sync: impl FnOnce(&ciq_sandbox::RunningSandbox),
) -> (
    MailSink,
    ciq_sandbox::RunningSandbox,
    TestServer,
    reqwest::Client,
) {
    let sink = MailSink::start().await;
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    before_sync(&sandbox);
    let server = TestServer::build()
        .backend(backend)
        .creatoriq_environments(&[&sandbox.base_url])
        .connected("acme", &sandbox.base_url)
        .smtp(&sink)
        .start()
        .await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    (sink, sandbox, server, admin)
}

/// The creator of `publisher` completes their application.
async fn complete(server: &TestServer, publisher: i64, name: &str) -> domain::store::ContractorId {
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, publisher).await;
    let creator = Creator::new(&token);
    to_final_review(server, &creator, name, "no").await;
    creator.ok(server, "final_review", &[]).await;
    row
}

async fn page(server: &TestServer, admin: &reqwest::Client, tab: &str) -> Value {
    let body = server.call(admin, "invoices/list", &[("tab", tab)]).await;
    serde_json::from_str(&body).unwrap()
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, bytes).unwrap();
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .expect("qpdf runs: install qpdf and poppler-utils");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // In the order it was drawn, so a name wrapped in its column reads whole.
    let text = std::process::Command::new("pdftotext")
        .args(["-raw", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs: install qpdf and poppler-utils");
    let text = String::from_utf8(text.stdout).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn money(cents: i64) -> String {
    domain::documents::money(cents)
}

fn invoices_cli(server: &TestServer, args: &[&str]) -> (bool, String) {
    staff_command(server, "invoices", args)
}

#[tokio::test(flavor = "multi_thread")]
async fn agency_pay_is_invoiced_to_the_po_contact_sent_with_the_pdf_and_marked_paid() {
    let (sink, _sandbox, server, admin) = billed(Backend::Sqlite, |_| {}).await;
    // Nothing billed before anything is issued.
    assert_eq!(
        page(&server, &admin, "open").await["invoices"],
        Value::Array(vec![])
    );

    let row = complete(&server, AGENCY, "Scenario Agency Pay Complete").await;
    let store = server.any_store().await;
    let cover = store.row_covers(server.org, row).await.unwrap().remove(0);
    let total = cover.premium_cents() + cover.platform_fee_cents;

    let open = page(&server, &admin, "open").await;
    let invoices = open["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "{open}");
    let inv = &invoices[0];
    assert_eq!(inv["po_number"], "PO-2002");
    assert_eq!(inv["bill_to"], "Alex Agency");
    assert_eq!(inv["bill_to_email"], "ap@agency.example.com");
    assert_eq!(inv["lines"], 1);
    assert_eq!(inv["total"], money(total));
    assert_eq!(inv["payer"], "Organization");
    let tab = |name: &str| {
        open["tabs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tab"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(tab("open")["count"], 1);
    assert_eq!(tab("open")["total"], money(total));
    let number = inv["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("INV-"), "{number}");

    // The PDF: valid, with the PO # in the header, the PO contact and the amount due.
    let resp = admin
        .get(format!(
            "{}{}",
            server.base,
            inv["pdf_url"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = pdf_text(&resp.bytes().await.unwrap());
    for needle in [
        number.as_str(),
        "PO # PO-2002",
        "Alex Agency",
        "ap@agency.example.com",
        "Scenario Agency Pay Complete",
        "Scenario Campaign - Upcoming",
        &money(total),
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // The CSV: the same line and total.
    let (status, csv) = server.get(&admin, inv["csv_url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("\"Scenario Agency Pay Complete\""), "{csv}");
    assert!(
        csv.lines().last().unwrap().contains(&format!(
            "\"Total\",\"\",\"\",\"{}\"",
            money(cover.premium_cents())
        )),
        "{csv}"
    );
    assert!(csv.contains(&format!("\"{}\"", money(total))), "{csv}");
    // Viewers and other organizations get nothing.
    let viewer_token = server.invite_viewer(&admin, "viewer@acme.example").await;
    let viewer = server
        .accept_invitation(&viewer_token, "viewer-password-1")
        .await;
    let (status, _) = server.try_call(&viewer, "invoices/list", &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        server
            .get(&viewer, inv["pdf_url"].as_str().unwrap())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let other = server.other_organization_admin().await;
    assert_eq!(
        server.get(&other, inv["pdf_url"].as_str().unwrap()).await.0,
        StatusCode::NOT_FOUND
    );

    // Send: the PO contact receives it with the PDF attached; the invoice reads Sent.
    let said = server
        .call(&admin, "invoices/send", &[("id", &inv["id"].to_string())])
        .await;
    assert!(said.contains("ap@agency.example.com"), "{said}");
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["ap@agency.example.com".to_string()]);
    let subject = mail[0].header("subject").unwrap();
    assert!(
        subject.contains(&number) && subject.contains("PO-2002"),
        "{subject}"
    );
    assert!(mail[0].data.contains("application/pdf"), "{}", mail[0].data);
    assert!(mail[0].data.contains(&format!("{number}.pdf")));
    let sent = page(&server, &admin, "sent").await;
    assert_eq!(sent["invoices"][0]["number"], number.as_str());
    assert!(sent["invoices"][0]["history"]
        .as_str()
        .unwrap()
        .contains("ap@agency.example.com"));

    // Paid, recorded from the command line; a second time is refused.
    let (ok, out) = invoices_cli(&server, &["--mark-paid", &number]);
    assert!(ok, "{out}");
    assert!(out.contains("is paid"), "{out}");
    let (ok, out) = invoices_cli(&server, &["--mark-paid", &number]);
    assert!(!ok && out.contains("is paid: only open or sent"), "{out}");
    let (ok, out) = invoices_cli(&server, &["--mark-paid", "INV-209901-000001"]);
    assert!(!ok && out.contains("has no invoice"), "{out}");
    let paid = page(&server, &admin, "paid").await;
    assert_eq!(paid["invoices"][0]["number"], number.as_str());
    let (ok, out) = invoices_cli(&server, &["--list"]);
    assert!(ok && out.contains(&number) && out.contains("Paid"), "{out}");
    let (_, audit) = server.get(&admin, "/audit.csv").await;
    assert!(
        audit.contains("Invoice sent") && audit.contains("Invoice marked paid"),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creator_who_pays_is_invoiced_the_premium_and_the_organization_the_fee() {
    let (_sink, _sandbox, server, admin) = billed(Backend::Sqlite, |_| {}).await;
    let clean = complete(&server, CLEAN, "Scenario Clean").await;
    complete(&server, MESSY, "Scenario Messy Address").await;
    let store = server.any_store().await;

    let open = page(&server, &admin, "open").await;
    let invoices = open["invoices"].as_array().unwrap();
    let creators: Vec<&Value> = invoices
        .iter()
        .filter(|i| i["payer"] == "Creator")
        .collect();
    let organization: Vec<&Value> = invoices
        .iter()
        .filter(|i| i["payer"] == "Organization")
        .collect();
    assert_eq!(creators.len(), 2, "{open}");
    assert_eq!(
        organization.len(),
        1,
        "one fee invoice for the month: {open}"
    );
    let clean_invoice = creators
        .iter()
        .find(|i| i["bill_to_email"] == "scenario.clean@example.com")
        .unwrap();
    assert_eq!(clean_invoice["total"], "$83.25");
    assert_eq!(clean_invoice["fee"], "$0.00");
    let fees = organization[0];
    assert_eq!(fees["bill_to"], "Acme Agency");
    assert_eq!(fees["bill_to_email"], EMAIL);
    assert_eq!(fees["lines"], 2);
    assert_eq!(fees["premium"], "$0.00");

    // Cancelling Scenario Clean's cover voids its lines: its own invoice is void, and the
    // organization's carries only the other creator's fee.
    let cover = store.row_covers(server.org, clean).await.unwrap().remove(0);
    server
        .call(
            &admin,
            "cancel_cover",
            &[
                ("id", &clean.0.to_string()),
                ("cover", &cover.id.0.to_string()),
                ("reason", "The campaign was dropped"),
            ],
        )
        .await;
    let void = page(&server, &admin, "void").await;
    assert_eq!(void["invoices"].as_array().unwrap().len(), 1, "{void}");
    assert_eq!(
        void["invoices"][0]["bill_to_email"],
        "scenario.clean@example.com"
    );
    let open = page(&server, &admin, "open").await;
    let fees = open["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["payer"] == "Organization")
        .unwrap()
        .clone();
    assert_eq!(fees["lines"], 1);
    let messy = store
        .contractors_for_publisher(server.org, MESSY)
        .await
        .unwrap()
        .remove(0);
    let messy_fee = store.row_covers(server.org, messy.id).await.unwrap()[0].platform_fee_cents;
    assert_eq!(fees["total"], money(messy_fee));
    // Sending the void invoice is refused in words.
    let (status, body) = server
        .try_call(
            &admin,
            "invoices/send",
            &[("id", &void["invoices"][0]["id"].to_string())],
        )
        .await;
    assert!(!status.is_success() && body.contains("is void"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agency_pay_line_without_a_po_number_waits_until_creatoriq_has_one_on_postgres() {
    let campaign = scenarios::CAMPAIGN_UPCOMING.id;
    let po_number = |value: Option<&str>| CreatorEdit {
        campaign_id: Some(campaign),
        custom_fields: BTreeMap::from([(3, value.map(str::to_string))]),
        ..Default::default()
    };
    let (_sink, sandbox, server, admin) = billed(Backend::Postgres, |sandbox| {
        sandbox
            .handle
            .edit_creator(AGENCY as u32, &po_number(None))
            .unwrap();
    })
    .await;
    complete(&server, AGENCY, "Scenario Agency Pay Complete").await;
    let waiting = page(&server, &admin, "needs_po").await;
    assert_eq!(waiting["waiting"].as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(
        waiting["waiting"][0]["creator"],
        "Scenario Agency Pay Complete"
    );
    assert_eq!(
        page(&server, &admin, "open").await["invoices"],
        Value::Array(vec![])
    );

    // CreatorIQ gets the PO #; after the next sync the line is on that PO's invoice.
    sandbox
        .handle
        .edit_creator(AGENCY as u32, &po_number(Some("PO-7777")))
        .unwrap();
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    let open = page(&server, &admin, "open").await;
    assert_eq!(open["invoices"][0]["po_number"], "PO-7777", "{open}");
    assert_eq!(
        open["invoices"][0]["bill_to_email"],
        "ap@agency.example.com"
    );
    assert_eq!(open["invoices"][0]["lines"], 1);
    assert_eq!(
        page(&server, &admin, "needs_po").await["waiting"],
        Value::Array(vec![])
    );
}
