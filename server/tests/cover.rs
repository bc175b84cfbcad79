//! Cover through the running server: a completed application issues a policy per coverage type
//! that the contractor page, the list's Coverage column and filter, the CSV and the creator's
//! page show; the certificate downloads as a valid PDF naming the policies, the insured and the
//! holder (one row's, the creator's own, a campaign's ZIP); an admin cancels cover that has not
//! started, and cover that has started cannot be cancelled; approving a review issues it too
//! (on PostgreSQL).

mod common;

use std::io::Read;
use std::process::Command;

use common::apply::*;
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

const CLEAN: i64 = 5_700_001;
const START_TODAY: i64 = 5_700_028;

/// The text of a PDF, after `qpdf --check` found it valid. Fails, saying what to install, when
/// qpdf or poppler's pdftotext is missing.
fn checked_pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, bytes).unwrap();
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("{program} could not run ({e}): install qpdf and poppler-utils")
            })
    };
    let check = run("qpdf", &["--check", path.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "qpdf --check: {said}");
    assert!(!said.contains("WARNING"), "qpdf --check: {said}");
    let text = run("pdftotext", &["-layout", path.to_str().unwrap(), "-"]);
    assert!(text.status.success());
    String::from_utf8(text.stdout).unwrap()
}

async fn detail(server: &TestServer, client: &reqwest::Client, row: i64) -> Value {
    let body = server
        .call(client, "contractor_detail", &[("id", &row.to_string())])
        .await;
    serde_json::from_str(&body).unwrap()
}

/// The ids of the rows the list shows under `coverage`.
async fn listed(server: &TestServer, client: &reqwest::Client, coverage: &str) -> Vec<i64> {
    let body = server
        .call(client, "list_contractors", &[("coverage", coverage)])
        .await;
    let list: Value = serde_json::from_str(&body).unwrap();
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

async fn download(client: &reqwest::Client, url: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = client.get(url).send().await.unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_completed_application_issues_policies_and_a_certificate_an_admin_can_cancel() {
    let (_sandbox, server, admin) = synced(Backend::Sqlite).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, CLEAN).await;
    let row_id = row.0;

    // Before: not covered, no policy, no certificate for the creator.
    assert!(listed(&server, &admin, "not_covered")
        .await
        .contains(&row_id));
    let before = detail(&server, &admin, row_id).await;
    assert_eq!(before["covers"].as_array().unwrap().len(), 0);
    assert_eq!(before["row"]["cover_detail"], "Not covered");
    let creator = Creator::new(&token);
    let own = format!("{}/apply/{token}/certificate.pdf", server.base);
    assert_eq!(
        download(&creator.client, &own).await.0,
        StatusCode::NOT_FOUND
    );

    to_final_review(&server, &creator, "Scenario Clean", "no").await;
    creator.ok(&server, "final_review", &[]).await;

    // One cover: a policy per coverage type, with the limits of the rating table, scheduled
    // because the campaign starts in 14 days.
    let after = detail(&server, &admin, row_id).await;
    let covers = after["covers"].as_array().unwrap();
    assert_eq!(covers.len(), 1, "{after}");
    let cover = &covers[0];
    assert_eq!(cover["status"], "scheduled");
    assert_eq!(cover["can_cancel"], true);
    let policies = cover["policies"].as_array().unwrap();
    let numbers: Vec<&str> = policies
        .iter()
        .map(|p| p["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2);
    assert!(
        numbers[0].starts_with("GL-") && numbers[1].starts_with("WC-"),
        "{numbers:?}"
    );
    assert_eq!(policies[0]["premium"], "$29.25");
    assert_eq!(policies[1]["premium"], "$54.00");
    assert!(
        policies[0]["limits"][0] == "Each occurrence $1,000,000",
        "{policies:?}"
    );
    assert_eq!(policies[1]["limits"][0], "Workers' compensation Statutory");
    assert_eq!(cover["payer"], "Creator pays the premium");
    let detail_text = after["row"]["cover_detail"].as_str().unwrap();
    assert!(detail_text.starts_with("Scheduled from "), "{detail_text}");

    // The list's Coverage filter follows the calendar.
    assert!(listed(&server, &admin, "scheduled").await.contains(&row_id));
    assert!(!listed(&server, &admin, "covered").await.contains(&row_id));
    assert!(!listed(&server, &admin, "not_covered")
        .await
        .contains(&row_id));
    let (_, csv) = server
        .get(&admin, "/contractors.csv?coverage=scheduled")
        .await;
    assert!(csv.contains("\"Coverage\""), "{csv}");
    assert!(
        csv.contains("Scenario Clean") && csv.contains(detail_text),
        "{csv}"
    );

    // The operator's certificate: a valid PDF naming the policies, insured, holder and insurer.
    let url = format!(
        "{}{}",
        server.base,
        cover["certificate_url"].as_str().unwrap()
    );
    let (status, kind, pdf) = download(&admin, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/pdf");
    let text = checked_pdf_text(&pdf);
    for needle in [
        numbers[0],
        numbers[1],
        "Scenario Clean",
        "Acme Agency",
        "Example Mutual Insurance Company",
        "Scenario Campaign - Upcoming",
        "$1,000,000",
        "Statutory",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // Another organization's admin does not find it.
    let other = server.other_organization_admin().await;
    assert_eq!(download(&other, &url).await.0, StatusCode::NOT_FOUND);

    // The creator's page names the policies and links their certificate, which downloads.
    let (_, html) = creator.page(&server).await;
    assert!(
        html.contains(numbers[0]) && html.contains("certificate.pdf"),
        "{html}"
    );
    let (status, _, own_pdf) = download(&creator.client, &own).await;
    assert_eq!(status, StatusCode::OK);
    assert!(checked_pdf_text(&own_pdf).contains(numbers[1]));

    // Every certificate of the campaign as one ZIP, and the audit log says who took them.
    let campaign = store
        .contractor(server.org, row)
        .await
        .unwrap()
        .unwrap()
        .ciq_campaign_id;
    let zip_url = format!("{}/campaigns/{campaign}/certificates.zip", server.base);
    let (status, kind, zipped) = download(&admin, &zip_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/zip");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    let name = entry.name().unwrap().to_string();
    assert!(name.starts_with("Scenario-Clean-COI-"), "{name}");
    let mut inner = Vec::new();
    entry.read_to_end(&mut inner).unwrap();
    assert!(checked_pdf_text(&inner).contains(numbers[0]));
    let (_, audit) = server.get(&admin, "/audit.csv").await;
    assert!(audit.contains("Certificates downloaded"), "{audit}");

    // Cancelling: a viewer may not; a reason is required; then the row reads Cancelled.
    let cover_id = cover["id"].as_i64().unwrap().to_string();
    let viewer_token = server.invite_viewer(&admin, "viewer@acme.example").await;
    let viewer = server
        .accept_invitation(&viewer_token, "viewer-password-1")
        .await;
    let form = |reason: &'static str| {
        vec![
            ("id", row_id.to_string()),
            ("cover", cover_id.clone()),
            ("reason", reason.to_string()),
        ]
    };
    let post = |client: &reqwest::Client, f: Vec<(&'static str, String)>| {
        let client = client.clone();
        let base = server.base.clone();
        async move {
            let resp = client
                .post(format!("{base}/api/cancel_cover"))
                .header("accept", "application/json")
                .form(&f)
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let (status, _) = post(&viewer, form("dropped")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post(&admin, form("  ")).await;
    assert!(
        !status.is_success() && body.contains("Say why"),
        "{status} {body}"
    );
    let (status, body) = post(&admin, form("The creator left the campaign")).await;
    assert!(status.is_success(), "{status} {body}");
    let cancelled = detail(&server, &admin, row_id).await;
    assert_eq!(cancelled["covers"][0]["status"], "cancelled");
    assert_eq!(cancelled["row"]["cover_detail"], "Cancelled");
    assert!(cancelled["covers"][0]["cancelled"]
        .as_str()
        .unwrap()
        .contains("The creator left the campaign"));
    assert!(listed(&server, &admin, "cancelled").await.contains(&row_id));
    // A cancelled cover has no certificate, and cannot be cancelled twice.
    assert_eq!(download(&admin, &url).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        download(&creator.client, &own).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = post(&admin, form("again")).await;
    assert!(
        !status.is_success() && body.contains("already cancelled"),
        "{body}"
    );
    let (_, audit) = server.get(&admin, "/audit.csv").await;
    assert!(
        audit.contains("Cover cancelled") && audit.contains(numbers[0]),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cover_that_has_started_reads_covered_and_cannot_be_cancelled() {
    let (_sandbox, server, admin) = synced(Backend::Sqlite).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, START_TODAY).await;
    let creator = Creator::new(&token);
    to_final_review(&server, &creator, "Scenario Campaign Start Today", "no").await;
    creator.ok(&server, "final_review", &[]).await;

    let d = detail(&server, &admin, row.0).await;
    assert_eq!(d["covers"][0]["status"], "active", "{d}");
    assert_eq!(d["covers"][0]["can_cancel"], false);
    let text = d["row"]["cover_detail"].as_str().unwrap();
    assert!(text.starts_with("Covered until "), "{text}");
    assert!(listed(&server, &admin, "covered").await.contains(&row.0));
    let cover_id = d["covers"][0]["id"].as_i64().unwrap().to_string();
    let (status, body) = server
        .try_call(
            &admin,
            "cancel_cover",
            &[
                ("id", &row.0.to_string()),
                ("cover", &cover_id),
                ("reason", "too late"),
            ],
        )
        .await;
    assert!(!status.is_success(), "{status} {body}");
    assert!(
        body.contains("cannot be cancelled here: it started on"),
        "{body}"
    );
    assert_eq!(
        detail(&server, &admin, row.0).await["covers"][0]["status"],
        "active"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn approving_an_application_in_review_issues_its_policies_on_postgres() {
    let (_sandbox, server, admin) = synced(Backend::Postgres).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, CLEAN).await;
    let creator = Creator::new(&token);
    to_final_review(&server, &creator, "Scenario Clean", "yes").await;
    creator.ok(&server, "final_review", &[]).await;
    // In review: nothing issued yet.
    assert!(store.row_covers(server.org, row).await.unwrap().is_empty());
    let apps = store.row_applications(server.org, row).await.unwrap();
    let (ok, said) = review(&server, &["--approve", &apps[0].id.0.to_string()]);
    assert!(ok, "{said}");
    assert!(said.contains("policies are issued"), "{said}");
    let covers = store.row_covers(server.org, row).await.unwrap();
    assert_eq!(covers.len(), 1);
    assert_eq!(covers[0].policies.len(), 2);
    assert_eq!(covers[0].insured_email, "scenario.clean@example.com");
    assert!(listed(&server, &admin, "scheduled").await.contains(&row.0));
    // The creator's page now offers the certificate.
    let (_, html) = creator.page(&server).await;
    assert!(html.contains(&covers[0].policies[0].number()), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_campaign_starting_with_creators_not_covered_alerts_once_until_it_clears() {
    let sink = domain::testing::MailSink::start().await;
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let server = TestServer::build()
        .creatoriq_environments(&[&sandbox.base_url])
        .connected("acme", &sandbox.base_url)
        .smtp(&sink)
        .start()
        .await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    // A lead time that is not a number of days is refused in words; 5 is saved.
    let (status, body) = server
        .try_call(
            &admin,
            "alerts/save",
            &[
                ("emails", "ops@acme.example"),
                ("webhook_url", ""),
                ("deadline_days", "90"),
            ],
        )
        .await;
    assert!(
        !status.is_success() && body.contains("between 1 and 60"),
        "{body}"
    );
    let said = server
        .call(
            &admin,
            "alerts/save",
            &[
                ("emails", "ops@acme.example"),
                ("webhook_url", ""),
                ("deadline_days", "5"),
            ],
        )
        .await;
    assert!(said.contains("5 days before they start"), "{said}");
    let sync = || async {
        let run = server.call(&admin, "start_sync", &[]).await;
        server.wait_for_run(&admin, &run).await;
    };
    let deadline_mail = |campaign: &str| {
        sink.received()
            .into_iter()
            .filter(|m| {
                m.header("subject")
                    .is_some_and(|s| s.contains(campaign) && s.contains("not covered"))
            })
            .collect::<Vec<_>>()
    };
    let settle = || async {
        for _ in 0..100 {
            if !deadline_mail("Starts Tomorrow").is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };

    sync().await;
    settle().await;
    // Tomorrow's campaign: one alert naming each creator and what they wait for.
    let mail = deadline_mail("Starts Tomorrow");
    assert_eq!(mail.len(), 1, "{:?}", sink.received());
    let subject = mail[0].header("subject").unwrap();
    assert!(subject.contains("starts tomorrow"), "{subject}");
    assert!(
        mail[0]
            .data
            .contains("Scenario Campaign Start Tomorrow: link not sent"),
        "{}",
        mail[0].data
    );
    assert!(mail[0]
        .data
        .contains("Scenario Two Campaigns: link not sent"));
    assert!(mail[0].data.contains("not_covered"));
    // The campaign in 14 days is outside the lead time.
    assert!(deadline_mail("Upcoming").is_empty());

    // Another run says nothing new while it stands.
    sync().await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(deadline_mail("Starts Tomorrow").len(), 1);

    // Both creators covered: it clears (and would alert again only if it came back).
    let store = server.any_store().await;
    for (publisher, name) in [
        (5_700_029, "Scenario Campaign Start Tomorrow"),
        (5_700_024, "Scenario Two Campaigns"),
    ] {
        let rows = store
            .contractors_for_publisher(server.org, publisher)
            .await
            .unwrap();
        let row = rows
            .iter()
            .find(|r| {
                r.ciq_campaign_id == i64::from(ciq_sandbox::scenarios::CAMPAIGN_STARTS_TOMORROW.id)
            })
            .unwrap();
        let link = store
            .current_link(server.org, row.id)
            .await
            .unwrap()
            .unwrap();
        let creator = Creator::new(link.token.expose());
        to_final_review(&server, &creator, name, "no").await;
        creator.ok(&server, "final_review", &[]).await;
    }
    let tomorrow = i64::from(ciq_sandbox::scenarios::CAMPAIGN_STARTS_TOMORROW.id);
    assert!(store
        .raised_deadlines(server.org)
        .await
        .unwrap()
        .contains(&tomorrow));
    sync().await;
    // The alerts are checked just after the run is marked finished: wait for that too.
    let mut cleared = false;
    for _ in 0..100 {
        if !store
            .raised_deadlines(server.org)
            .await
            .unwrap()
            .contains(&tomorrow)
        {
            cleared = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        cleared,
        "the deadline alert clears once everyone is covered"
    );

    // A longer lead time reaches the campaign in 14 days.
    server
        .call(
            &admin,
            "alerts/save",
            &[
                ("emails", "ops@acme.example"),
                ("webhook_url", ""),
                ("deadline_days", "20"),
            ],
        )
        .await;
    sync().await;
    for _ in 0..100 {
        if !deadline_mail("Upcoming").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let upcoming = deadline_mail("Upcoming");
    assert_eq!(upcoming.len(), 1);
    assert!(upcoming[0]
        .header("subject")
        .unwrap()
        .contains("starts in 14 days"));
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_moved_after_issue_show_a_gap_and_a_new_link_buys_the_difference() {
    let (sandbox, server, admin) = synced(Backend::Sqlite).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, CLEAN).await;
    let first = Creator::new(&token);
    to_final_review(&server, &first, "Scenario Clean", "no").await;
    first.ok(&server, "final_review", &[]).await;
    let before = store.contractor(server.org, row).await.unwrap().unwrap();
    let (start, end) = (before.coverage_start.unwrap(), before.coverage_end.unwrap());
    let issued = store.row_covers(server.org, row).await.unwrap().remove(0);

    // CreatorIQ moves the campaign's end four days later; the next sync reads it.
    let new_end = end + chrono::Days::new(4);
    sandbox
        .handle
        .set_campaign_dates(
            ciq_sandbox::scenarios::CAMPAIGN_UPCOMING.id,
            Some(&start.to_string()),
            Some(&new_end.to_string()),
        )
        .unwrap();
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;

    let d = detail(&server, &admin, row.0).await;
    let reading = d["row"]["cover_detail"].as_str().unwrap().to_string();
    let gap = domain::cover::date_range(end + chrono::Days::new(1), new_end);
    assert_eq!(reading, format!("Coverage gap: not covered {gap}"), "{d}");
    assert!(listed(&server, &admin, "gap").await.contains(&row.0));
    // The creator has a new link; the one they applied with is replaced.
    let (_, new_token) = row_and_token(&store, server.org, CLEAN).await;
    assert_ne!(new_token, token);

    // The new link's quote is for the four days the cover misses, at their share of the price.
    let second = Creator::new(&new_token);
    second.ok(&server, "verify_info", &[]).await;
    second
        .ok(&server, "application_questions", &ANSWERS_CLEAN)
        .await;
    let (_, html) = second.page(&server).await;
    assert!(html.contains("You are covered already"), "{html}");
    assert!(html.contains(&gap), "{html}");
    let days = (new_end - start).num_days() + 1;
    let share = |cents: i64| (2 * cents * 4 + days) / (2 * days);
    let expected_premium = share(issued.policies[0].premium_cents);
    assert!(
        html.contains(&domain::documents::money(expected_premium)),
        "{} in {html}",
        domain::documents::money(expected_premium)
    );
    to_final_review_from_quote(&server, &second, "Scenario Clean").await;
    second.ok(&server, "final_review", &[]).await;

    let covers = store.row_covers(server.org, row).await.unwrap();
    assert_eq!(covers.len(), 2, "{covers:?}");
    let difference = &covers[0];
    assert_eq!(
        (difference.starts_on, difference.ends_on),
        (end + chrono::Days::new(1), new_end)
    );
    assert_eq!(difference.policies[0].premium_cents, expected_premium);
    // The row is whole again: scheduled from the campaign's start.
    let d = detail(&server, &admin, row.0).await;
    let reading = d["row"]["cover_detail"].as_str().unwrap();
    assert!(reading.starts_with("Scheduled from"), "{reading}");
    assert!(!listed(&server, &admin, "gap").await.contains(&row.0));

    // Cancelling the cover for the added days leaves the original: the gap is back.
    let cancel = server
        .try_call(
            &admin,
            "cancel_cover",
            &[
                ("id", &row.0.to_string()),
                ("cover", &difference.id.0.to_string()),
                ("reason", "The extension was dropped"),
            ],
        )
        .await;
    assert!(cancel.0.is_success(), "{cancel:?}");
    let d = detail(&server, &admin, row.0).await;
    assert_eq!(
        d["row"]["cover_detail"],
        format!("Coverage gap: not covered {gap}")
    );
    // Cancelling the original too: the row reads Cancelled.
    server
        .call(
            &admin,
            "cancel_cover",
            &[
                ("id", &row.0.to_string()),
                ("cover", &issued.id.0.to_string()),
                ("reason", "The creator withdrew"),
            ],
        )
        .await;
    let d = detail(&server, &admin, row.0).await;
    assert_eq!(d["row"]["cover_detail"], "Cancelled");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_creator_covered_by_a_policy_they_hold_needs_no_new_application() {
    // The creator is on two campaigns; the second runs inside the first's dates.
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let inner = (today + chrono::Days::new(5), today + chrono::Days::new(20));
    sandbox
        .handle
        .set_campaign_dates(
            ciq_sandbox::scenarios::CAMPAIGN_UPCOMING.id,
            Some(&inner.0.to_string()),
            Some(&inner.1.to_string()),
        )
        .unwrap();
    let server = TestServer::build()
        .creatoriq_environments(&[&sandbox.base_url])
        .connected("acme", &sandbox.base_url)
        .start()
        .await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    let store = server.any_store().await;
    let rows = store
        .contractors_for_publisher(server.org, 5_700_024)
        .await
        .unwrap();
    let on = |campaign: u32| {
        rows.iter()
            .find(|r| r.ciq_campaign_id == i64::from(campaign))
            .unwrap()
            .id
    };
    let outer = on(ciq_sandbox::scenarios::CAMPAIGN_STARTS_TOMORROW.id);
    let repeat = on(ciq_sandbox::scenarios::CAMPAIGN_UPCOMING.id);
    let repeat_link = store
        .current_link(server.org, repeat)
        .await
        .unwrap()
        .unwrap();

    // They apply once, on the campaign that spans the other.
    let link = store
        .current_link(server.org, outer)
        .await
        .unwrap()
        .unwrap();
    let creator = Creator::new(link.token.expose());
    to_final_review(&server, &creator, "Scenario Two Campaigns", "no").await;
    creator.ok(&server, "final_review", &[]).await;
    let held = store.row_covers(server.org, outer).await.unwrap().remove(0);

    // The other row is covered by that policy, with no application of its own.
    let d = detail(&server, &admin, repeat.0).await;
    let reading = d["row"]["cover_detail"].as_str().unwrap();
    assert!(
        reading.starts_with(&format!(
            "Scheduled by policy {}",
            held.policies[0].number()
        )),
        "{reading}"
    );
    assert_eq!(d["covers"][0]["other_row"], outer.0, "{d}");
    assert!(store
        .row_applications(server.org, repeat)
        .await
        .unwrap()
        .is_empty());
    assert!(listed(&server, &admin, "scheduled")
        .await
        .contains(&repeat.0));
    // Its link says so, offers the certificate, and takes no application.
    let other = Creator::new(repeat_link.token.expose());
    let (_, html) = other.page(&server).await;
    assert!(html.contains("You are covered already"), "{html}");
    assert!(html.contains(&held.policies[0].number()), "{html}");
    let (status, body) = other.post(&server, "verify_info", &[]).await;
    assert!(
        !status.is_success() && body.contains("nothing to apply for"),
        "{body}"
    );
    let pdf = other
        .client
        .get(format!(
            "{}/apply/{}/certificate.pdf",
            server.base,
            repeat_link.token.expose()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(checked_pdf_text(&pdf.bytes().await.unwrap()).contains(&held.policies[0].number()));

    // Cancelling the policy leaves the other row not covered: it needs an application again.
    let cancel = server
        .try_call(
            &admin,
            "cancel_cover",
            &[
                ("id", &outer.0.to_string()),
                ("cover", &held.id.0.to_string()),
                ("reason", "The creator withdrew"),
            ],
        )
        .await;
    assert!(cancel.0.is_success(), "{cancel:?}");
    let d = detail(&server, &admin, repeat.0).await;
    assert_eq!(d["row"]["cover_detail"], "Not covered");
    let (_, html) = other.page(&server).await;
    assert!(!html.contains("You are covered already"), "{html}");
}
