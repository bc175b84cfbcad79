//! Messages to creators through the running server: an admin's wording is checked on save,
//! Send queues a row's link and the server's worker emails it (a real SMTP server on a
//! loopback port), the list and the contractor page show it, the creator's one-click "stop
//! reminders" works without a session, and the audit log records the send.

mod common;

use std::time::Duration;

use common::*;
use domain::testing::MailSink;
use reqwest::StatusCode;
use serde_json::Value;

/// The server's SMTP settings pointing at `sink`.
fn smtp_env(sink: &MailSink) -> [(&'static str, String); 4] {
    [
        ("SMTP_HOST", "127.0.0.1".to_string()),
        ("SMTP_PORT", sink.port().to_string()),
        ("SMTP_TLS", "none".to_string()),
        ("SMTP_FROM", "Cover <cover@cover.test>".to_string()),
    ]
}

/// A mail server, a tiny CreatorIQ sandbox, a dashboard that sends through the one and may
/// use the other, and its first organization's admin signed in with the sandbox key saved.
async fn with_mail() -> (
    MailSink,
    ciq_sandbox::RunningSandbox,
    TestServer,
    reqwest::Client,
) {
    let sink = MailSink::start().await;
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let mut builder = TestServer::build().creatoriq_environments(&[&sandbox.base_url]);
    for (k, v) in smtp_env(&sink) {
        builder = builder.env(k, &v);
    }
    let server = builder.start().await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    server
        .call(
            &admin,
            "settings/save_key",
            &[
                ("api_key", ciq_sandbox::PARTNER1_KEY),
                ("environment", &sandbox.base_url),
            ],
        )
        .await;
    (sink, sandbox, server, admin)
}

async fn settle(count: impl Fn() -> usize, n: usize) -> usize {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while count() < n && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    count()
}

#[tokio::test]
async fn an_admin_sends_a_link_and_the_creator_can_stop_reminders() {
    let (sink, _sandbox, server, admin) = with_mail().await;

    // Wording with an unknown placeholder is refused, naming it and the field.
    let form = |first_body: &'static str| {
        vec![
            ("channels", "email"),
            ("cadence", "2, 5, 9"),
            ("sender_name", "Acme Agency"),
            ("reply_to", "ops@acme.example"),
            ("first_subject", "Insurance for {campaign}"),
            ("first_body", first_body),
            ("reminder_subject", "Reminder: {campaign}"),
            ("reminder_body", "Apply here: {link}"),
        ]
    };
    let refused: Value = serde_json::from_str(
        &server
            .call(&admin, "outreach/save", &form("Hi {first_name}: {link}"))
            .await,
    )
    .unwrap();
    assert_eq!(refused["Err"]["field"], "first_body", "{refused}");
    assert!(refused["Err"]["message"]
        .as_str()
        .unwrap()
        .contains("{first_name}"));
    let saved: Value = serde_json::from_str(
        &server
            .call(&admin, "outreach/save", &form("Hi {creator_name}: {link}"))
            .await,
    )
    .unwrap();
    assert!(
        saved["Ok"].as_str().unwrap().starts_with("Saved: Email"),
        "{saved}"
    );

    // Automatic sending is off: the sync sends nothing.
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.count(), 0);

    // The list offers the rows whose link was never sent.
    let (status, html) = server
        .get(
            &admin,
            "/contractors?status=synced&contact=not_sent&q=scenario%20clean",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Not sent"), "the Contacted column says so");
    let id = html
        .split("data-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a row is listed")
        .to_string();

    let sent: Value = serde_json::from_str(
        &server
            .call(&admin, "outreach/send", &[("ids", id.as_str())])
            .await,
    )
    .unwrap();
    assert_eq!(sent["queued"], 1, "{sent}");
    assert_eq!(settle(|| sink.count(), 1).await, 1);
    let mail = &sink.received()[0];
    assert!(mail.data.contains("Hi Scenario Clean"), "{}", mail.data);

    // The contractor page lists it; the list counts it as sent.
    let detail: Value = serde_json::from_str(
        &server
            .call(&admin, "contractor_detail", &[("id", id.as_str())])
            .await,
    )
    .unwrap();
    let messages = detail["messages"].as_array().unwrap();
    let first = messages
        .iter()
        .find(|m| m["kind"] == "Application link")
        .unwrap();
    assert_eq!(first["result"], "Sent", "{detail}");
    assert_eq!(first["by"], EMAIL);
    assert_eq!(detail["sent_before"], true);
    let (_, html) = server
        .get(&admin, "/contractors?status=synced&contact=sent")
        .await;
    assert!(html.contains(&format!("data-id=\"{id}\"")));
    assert!(html.contains("Sent 1"));

    // The creator's "stop reminders": a page with a button, and the one-click POST a mail
    // client makes (no session, no browser origin).
    let link = detail["row"]["link_url"].as_str().unwrap().to_string();
    let token = link.rsplit('/').next().unwrap();
    let anonymous = TestServer::client();
    let (status, page) = server
        .get(&anonymous, &format!("/apply/{token}/stop-reminders"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Stop reminders"));
    let resp = anonymous
        .post(format!("{}/apply/{token}/stop-reminders", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("Reminders stopped"));
    let detail: Value = serde_json::from_str(
        &server
            .call(&admin, "contractor_detail", &[("id", id.as_str())])
            .await,
    )
    .unwrap();
    assert_eq!(detail["reminders_stopped"], true);
    let waiting = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "Reminder")
        .expect("the reminder that was queued");
    assert_eq!(waiting["result"], "Not sent: Creator asked to stop");
    let (status, _) = server
        .get(
            &anonymous,
            "/apply/nosuchtoken_nosuchtoken_0000/stop-reminders",
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The audit log names the send and the settings change.
    let (_, audit) = server.get(&admin, "/audit").await;
    assert!(audit.contains("Application links sent"));
    assert!(audit.contains("Message settings changed"));

    // The creator applies: their certificate goes by the channel the link went by (it is not
    // a reminder, so stopping reminders does not stop it).
    let creator = common::apply::Creator::new(token);
    common::apply::to_final_review(&server, &creator, "Scenario Clean", "no").await;
    creator.ok(&server, "final_review", &[]).await;
    let certificate = || {
        sink.received().into_iter().find(|m| {
            m.header("subject")
                .is_some_and(|s| s.contains("Your certificate of insurance"))
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(25);
    while certificate().is_none() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mail = certificate().expect("the certificate email");
    assert_eq!(mail.to, vec!["scenario.clean@example.com".to_string()]);
    let body = mail.data.replace("=\r\n", "");
    assert!(
        body.contains(&format!("/apply/{token}/certificate.pdf")),
        "{body}"
    );
    let (status, _) = server
        .get(&anonymous, &format!("/apply/{token}/certificate.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let detail: Value = serde_json::from_str(
        &server
            .call(&admin, "contractor_detail", &[("id", id.as_str())])
            .await,
    )
    .unwrap();
    let sent = detail["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "Certificate of insurance")
        .expect("the certificate on the contractor page");
    assert_eq!(sent["result"], "Sent", "{detail}");
}

/// `dashboard send-links --org`: every Synced row never sent gets its link now, and the command
/// says how it went; a second run finds nothing left to send.
// Multi-threaded: the mail server keeps answering while the test waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_links_from_the_command_line() {
    let (sink, sandbox, server, admin) = with_mail().await;
    let smtp = smtp_env(&sink);
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    // The database as the server left it, where the command line can open it after the server
    // stopped (its own directory goes with it).
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("dashboard.db");
    let live = domain::store::SqliteStore::open(&server.db).await.unwrap();
    sqlx::query(&format!("VACUUM INTO '{}'", copy.display()))
        .execute(live.pool())
        .await
        .unwrap();
    drop(live);
    server.stop().await;
    assert_eq!(sink.count(), 0, "automatic sending is off by default");
    let db = format!("sqlite://{}", copy.display());
    let key_file = dir.path().join("master.key");
    let send = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
            .args(["send-links", "--org", "acme"])
            .env("DATABASE_URL", &db)
            .env("MASTER_KEY_FILE", &key_file)
            .env("CREATORIQ_BASE_URLS", &sandbox.base_url)
            .envs(smtp.iter().map(|(k, v)| (k, v.as_str())))
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = send();
    let line = first.lines().next().unwrap();
    let sent: usize = line
        .strip_prefix("sent ")
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert!(sent > 3, "{first}");
    assert_eq!(sink.count(), sent, "{first}");
    assert!(
        line.ends_with("skipped 0") || line.contains("failed"),
        "{first}"
    );
    let again = send();
    assert!(again.starts_with("sent 0, failed 0, skipped 0"), "{again}");
}

/// Two server instances on one PostgreSQL database, each with its own message worker: both
/// queue sends, both workers run at once, and the mail server receives every message exactly
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_never_send_the_same_message() {
    use domain::auth::{create_organization_with_admin, Password};
    use domain::store::PgStore;

    let sink = MailSink::start().await;
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let db = TestDatabase::create().await;
    let store = PgStore::open(&db.url).await.unwrap();
    create_organization_with_admin(
        &store,
        "acme",
        "Acme Agency",
        EMAIL,
        &Password::new(PASSWORD),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key").display().to_string();
    let start = || async {
        let mut builder = TestServer::build()
            .database(&db.url, &key_file)
            .creatoriq_environments(&[&sandbox.base_url]);
        for (k, v) in smtp_env(&sink) {
            builder = builder.env(k, &v);
        }
        builder.start().await
    };
    let a = start().await;
    let b = start().await;
    let admin_a = a.sign_in(EMAIL, PASSWORD).await;
    let admin_b = b.sign_in(EMAIL, PASSWORD).await;
    a.call(
        &admin_a,
        "settings/save_key",
        &[
            ("api_key", ciq_sandbox::PARTNER1_KEY),
            ("environment", &sandbox.base_url),
        ],
    )
    .await;
    let run = a.call(&admin_a, "start_sync", &[]).await;
    a.wait_for_run(&admin_a, &run).await;
    let list: Value = serde_json::from_str(
        &a.call(&admin_a, "list_contractors", &[("status", "synced")])
            .await,
    )
    .unwrap();
    let ids = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["email"].as_str().is_some_and(|e| !e.is_empty()))
        .map(|r| r["id"].to_string())
        .collect::<Vec<_>>()
        .join(",");
    assert!(!ids.is_empty());

    // Both instances queue sends of the same rows, again and again, while both workers run.
    let mut queued = 0;
    for round in 0..8 {
        let (server, admin) = if round % 2 == 0 {
            (&a, &admin_a)
        } else {
            (&b, &admin_b)
        };
        let sent: Value = serde_json::from_str(
            &server
                .call(admin, "outreach/send", &[("ids", ids.as_str())])
                .await,
        )
        .unwrap();
        queued += sent["queued"].as_u64().unwrap() as usize;
    }
    assert!(queued > 20, "{queued}");
    assert_eq!(settle(|| sink.count(), queued).await, queued);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.count(), queued, "every message exactly once");
    a.stop().await;
    b.stop().await;
}
