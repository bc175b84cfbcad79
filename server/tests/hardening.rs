//! Over-limit and malformed input gets a clear 4xx, the public application pages are rate
//! limited per client, and the files that hold secrets are private to their owner.

mod common;

use common::{TestServer, EMAIL, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn oversized_and_malformed_requests_get_a_clear_4xx() {
    let server = TestServer::start().await;
    let client = TestServer::client();

    // A 5 MB sign-in body is refused before anything reads it.
    let huge = "x".repeat(5 * 1024 * 1024);
    let resp = client
        .post(format!("{}/api/login", server.base))
        .header("accept", "application/json")
        .form(&[("email", EMAIL), ("password", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(resp.text().await.unwrap().contains("at most 64 KB"));

    // The same without a declared length (streamed) is cut off too.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..100).map(|_| Ok(vec![b'a'; 16 * 1024])).collect();
    let resp = client
        .post(format!("{}/api/login", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let admin = server.sign_in(EMAIL, PASSWORD).await;
    // Input the list cannot use as given is corrected and said, with the filters and the list
    // still on the page: a 60,000-character search is cut to 200 characters...
    let long = "a".repeat(60_000);
    let (status, body) = server
        .try_call(&admin, "list_contractors", &[("q", long.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("cut to its first 200"), "{body}");
    let (status, html) = server.get(&admin, &format!("/contractors?q={long}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("cut to its first 200"));
    // ... a page past the last shows the last ...
    let (status, body) = server
        .try_call(&admin, "list_contractors", &[("page", "999999")])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("There is no page 100000: the list has one page, so this is the last"),
        "{body}"
    );
    // ... and an unknown problem is named and left out.
    let (status, html) = server.get(&admin, "/contractors?rule=nope").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("There is no problem called \u{201c}nope\u{201d}"),
        "{html}"
    );
    // An unknown sync run is a 404, as an unknown contractor is.
    let (status, html) = server.get(&admin, "/sync-runs/424242").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Sync run not found"));
    let (status, _) = server.get(&admin, "/contractors/424242").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Arguments that are not what the function takes: 400, not 500.
    let (status, _) = server
        .try_call(&admin, "resync_contractor", &[("id", "not a number")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Refusals carry their meaning in the status.
    let (status, _) = server
        .try_call(&TestServer::client(), "members/list", &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server
        .try_call(&admin, "members/role", &[("id", "1"), ("role", "owner")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    server.stop().await;
}

#[tokio::test]
async fn the_application_pages_are_rate_limited_per_client() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    let mut statuses = Vec::new();
    // 120 a minute (`APPLICATION_REQUESTS_PER_MINUTE`): a creator's whole application, with
    // room to spare; then refused.
    for i in 0..130 {
        let (status, _) = server
            .get(&client, &format!("/apply/guessed-token-number-{i:020}"))
            .await;
        statuses.push(status);
    }
    let found = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(found, 120, "{statuses:?}");
    assert_eq!(limited, 10, "{statuses:?}");
    let (_, body) = server
        .get(&client, "/apply/guessed-token-again-00000000")
        .await;
    assert!(body.contains("Wait a minute"), "{body}");
    // The dashboard itself is not limited by it.
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let (status, _) = server.get(&admin, "/contractors").await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn secret_files_are_created_private_and_loose_ones_are_reported() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let store = domain::store::SqliteStore::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    drop(store);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    let key = dir.path().join("master.key");
    domain::crypto::MasterKey::load_or_create(&key).unwrap();
    assert_eq!(mode(&key), 0o600);
    assert!(!domain::private_files::warn_if_readable_by_others(
        &key,
        "the master key"
    ));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(domain::private_files::warn_if_readable_by_others(
        &key,
        "the master key"
    ));
}

/// The build without the `demo` feature (production, and these tests) has no `demo` command,
/// so it can never start a sandbox or create the demo admin.
#[test]
fn the_production_build_has_no_demo() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
        .arg("demo")
        .env("DATABASE_URL", "sqlite://never-created.db")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unrecognized subcommand 'demo'"),
        "{stderr}"
    );
    assert!(!std::path::Path::new("never-created.db").exists());
}

/// A rating table the server cannot read refuses start-up, naming the file and the line, and
/// creates nothing.
#[test]
fn a_malformed_rating_table_refuses_start_up_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let rates = dir.path().join("rates.toml");
    std::fs::write(
        &rates,
        "platform_fee_percent = 2.5\n[rates.general]\ndefault = 65\nOhio = 90\n\
         [rates.workers-comp]\ndefault = 120\n",
    )
    .unwrap();
    let db = dir.path().join("never-created.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
        .arg("serve")
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RATES_FILE", &rates)
        .env("DASHBOARD_ADDR", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rates.toml, line 4"), "{stderr}");
    assert!(
        stderr.contains("\"Ohio\" is not a two-letter US state code"),
        "{stderr}"
    );
    assert!(!db.exists(), "nothing was started");
}
