//! The contractors pages over HTTP against the real server (port 0, SQLite in a tempdir) and an
//! in-process CreatorIQ sandbox: sync from "Sync now", the list and its filters, the CSV export,
//! the public application page, and that another organization sees none of it.

use std::time::Duration;

use ciq_sandbox::{scenarios, CreatorEdit, SandboxConfig};
use domain::store::roles::*;
use domain::store::{ContractorPageRequest, OrgId, SqliteStore};
use reqwest::redirect::Policy;
use reqwest::StatusCode;

mod common;

const ACME: (&str, &str) = (common::EMAIL, common::PASSWORD);
const OTHER: (&str, &str) = ("ops@other.example", "another long password");

/// The common test server with a second organization, Acme connected to the sandbox.
struct TestServer {
    base: String,
    db: String,
    acme: OrgId,
    inner: common::TestServer,
}

impl TestServer {
    async fn start(ciq_base_url: &str) -> Self {
        // Acme is connected to the sandbox; the other organization is not.
        let inner = common::TestServer::build()
            .organization("other", "Other Brand", OTHER.0, OTHER.1)
            .creatoriq_environments(&[ciq_base_url])
            .connected("acme", ciq_base_url)
            .start()
            .await;
        Self {
            base: inner.base.clone(),
            db: inner.db.clone(),
            acme: inner.org,
            inner,
        }
    }

    async fn signed_in(&self, (email, password): (&str, &str)) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap();
        let resp = client
            .post(format!("{}/api/login", self.base))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "sign-in: {}", resp.status());
        client
    }

    async fn get(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let resp = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, String)],
    ) -> (StatusCode, String) {
        let resp = client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn stop(self) {
        self.inner.stop().await;
    }
}

/// The `data-status` of the table row that shows `name`.
fn row_status<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let at = html.find(&format!(">{name}<"))?;
    let row = &html[..at];
    let tr = row.rfind("<tr ")?;
    let attrs = &html[tr..at];
    let start = attrs.find("data-status=\"")? + "data-status=\"".len();
    let end = attrs[start..].find('"')?;
    Some(&attrs[start..start + end])
}

#[tokio::test]
async fn contractors_list_filters_export_and_isolation() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    // A creator whose name a spreadsheet would run as a formula.
    sandbox
        .handle
        .edit_creator(
            scenarios::START_TOMORROW.publisher_id,
            &CreatorEdit {
                first_name: Some("=HYPERLINK(\"http://evil.example\")".into()),
                last_name: Some("Formula".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let server = TestServer::start(&sandbox.base_url).await;
    let acme = server.signed_in(ACME).await;

    // Before any sync: the guide to connecting CreatorIQ.
    let (status, html) = server.get(&acme, "/contractors").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No contractors yet"));

    // "Sync now" returns at once with the run id; progress is polled until the run ends.
    let (status, body) = server.call(&acme, "start_sync", &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let run: i64 = serde_json::from_str(&body).unwrap();
    let mut finished = None;
    for _ in 0..300 {
        let (status, body) = server
            .call(&acme, "sync_progress", &[("run", run.to_string())])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let progress: serde_json::Value = serde_json::from_str(&body).unwrap();
        if progress["state"] != "running" {
            finished = Some(progress);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let finished = finished.expect("the sync ended");
    assert_eq!(finished["state"], "succeeded", "{finished}");
    assert!(finished["requests"].as_u64().unwrap() > 0);

    // Every scenario creator is listed with the status the sandbox documents.
    let (_, all) = server.get(&acme, "/contractors").await;
    let (_, needs) = server
        .get(&acme, "/contractors?status=needs_attention")
        .await;
    let (_, others) = server.get(&acme, "/contractors?status=exempt").await;
    let (_, not_accepted) = server.get(&acme, "/contractors?status=not_accepted").await;
    let (_, synced) = server
        .get(&acme, "/contractors?status=synced&q=scenario")
        .await;
    let pages = [&synced, &needs, &others, &not_accepted, &all];
    for creator in scenarios::CREATORS {
        if creator.publisher_id == scenarios::START_TOMORROW.publisher_id {
            continue;
        }
        let expected = creator.expected_status;
        let shown = pages
            .iter()
            .find_map(|html| row_status(html, creator.name))
            .unwrap_or_else(|| panic!("{} is not listed", creator.name));
        assert_eq!(shown, expected, "{}", creator.name);
    }
    // Fix hints are on the page.
    assert!(needs.contains("Scenario Missing Email"));
    assert!(!needs.contains(">Scenario Clean<"));
    assert!(needs.contains("CustomField10"), "Base Pay hint missing");

    // Campaign filter and search.
    let (_, campaign) = server.get(&acme, "/contractors?campaign=840006").await;
    assert!(campaign.contains(">Scenario Campaign End Before Start<"));
    assert!(!campaign.contains(">Scenario Clean<"));
    let (_, search) = server.get(&acme, "/contractors?q=MISSING%20PAYOUT").await;
    assert!(search.contains(">Scenario Missing Payout<"));
    assert!(!search.contains(">Scenario Clean<"));
    let (_, none) = server
        .get(&acme, "/contractors?q=nobody-by-this-name")
        .await;
    assert!(none.contains("No contractors match these filters"));
    assert!(none.contains("Clear filters"));

    // CSV: the same filter, formula-looking cells neutralised.
    let (status, csv) = server.get(&acme, "/contractors.csv?q=formula").await;
    assert_eq!(status, StatusCode::OK);
    let mut lines = csv.lines();
    // Every cell is quoted, the header too.
    assert!(lines
        .next()
        .unwrap()
        .starts_with("\"Name\",\"Email\",\"Campaign\""));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(
        rows.iter().all(|r| r.starts_with("\"'=HYPERLINK(")),
        "{csv}"
    );
    let (_, csv_all) = server.get(&acme, "/contractors.csv").await;
    assert!(csv_all.contains("Scenario Clean"));

    // The public application page: opens, submits, and the dashboard shows it.
    let store = SqliteStore::open(&server.db).await.unwrap();
    let page = store
        .contractor_page(
            server.acme,
            &ContractorPageRequest {
                limit: None,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let clean = page
        .rows
        .iter()
        .find(|r| r.contractor.creator_name.as_deref() == Some(scenarios::CLEAN.name))
        .unwrap();
    let token = clean.link.as_ref().unwrap().token.expose().to_string();
    let public = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let (status, html) = server.get(&public, &format!("/apply/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Scenario Clean") && html.contains("My details are right: continue"));
    // The application is walked step by step in tests/applications.rs; here the operator's
    // page says it has not started.
    let (_, detail) = server
        .get(&acme, &format!("/contractors/{}", clean.contractor.id.0))
        .await;
    assert!(
        detail.contains("Not started"),
        "detail shows the application"
    );
    assert!(
        detail.contains("CustomField8"),
        "mapped fields with sources"
    );
    let (status, html) = server
        .get(
            &public,
            "/apply/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Link not found"));
    // A regenerated link retires the old one: 410 with "expired".
    let (status, body) = server
        .call(
            &acme,
            "regenerate_link",
            &[("id", clean.contractor.id.0.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, html) = server.get(&public, &format!("/apply/{token}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This link has expired"));

    // Another organization sees none of it: page, CSV, and the server functions directly.
    let other = server.signed_in(OTHER).await;
    let (_, html) = server.get(&other, "/contractors").await;
    assert!(html.contains("No contractors yet"));
    assert!(!html.contains("Scenario"));
    let (_, html) = server
        .get(&other, &format!("/contractors/{}", clean.contractor.id.0))
        .await;
    assert!(!html.contains("Scenario Clean"));
    let (_, csv) = server.get(&other, "/contractors.csv").await;
    assert_eq!(csv.lines().count(), 1, "{csv}");
    let (status, body) = server.call(&other, "list_contractors", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("Scenario"));
    for endpoint in ["contractor_detail", "resync_contractor", "regenerate_link"] {
        let (status, body) = server
            .call(
                &other,
                endpoint,
                &[("id", clean.contractor.id.0.to_string())],
            )
            .await;
        assert!(!status.is_success(), "{endpoint}: {status}");
        assert!(
            body.contains("not found in your organization")
                || body.contains("Only an organization admin"),
            "{endpoint}: {body}"
        );
        assert!(!body.contains("Scenario"), "{endpoint}: {body}");
    }
    let (_, body) = server
        .call(&other, "sync_progress", &[("run", run.to_string())])
        .await;
    assert_eq!(body, "null");

    // Re-sync of one row reports the row's status.
    let (status, body) = server
        .call(
            &acme,
            "resync_contractor",
            &[("id", clean.contractor.id.0.to_string())],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"status\":\"synced\""), "{body}");

    drop(store);
    server.stop().await;
    sandbox.shutdown().await;
}
