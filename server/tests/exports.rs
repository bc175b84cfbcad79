//! CSV exports are streamed a page at a time: a large export arrives whole and in order, an
//! organization runs at most two at once (a third is answered 429 until one ends), and another
//! organization's exports are not held up by them.

mod common;

use common::{TestServer, EMAIL, PASSWORD};
use domain::store::roles::*;
use domain::store::{Actor, AuditAction, NewAuditEvent};
use futures::StreamExt;
use reqwest::StatusCode;

const ENTRIES: usize = 200_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_exports_stream_and_at_most_two_run_at_once_per_organization() {
    let server = TestServer::start().await;
    let store = server.store().await;
    store
        .record_audit(
            &NewAuditEvent::new(
                server.org,
                Actor::system("schedule"),
                AuditAction::SyncStarted,
            )
            .detail("entry 0"),
        )
        .await
        .unwrap();
    // The rest in one statement: many pages of the export.
    sqlx::query(
        "INSERT INTO audit_events (org_id, at, actor_id, actor, action, subject, detail) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT org_id, at, actor_id, actor, action, subject, 'entry ' || i \
         FROM audit_events, n WHERE audit_events.org_id = $2",
    )
    .bind(i64::try_from(ENTRIES - 1).unwrap())
    .bind(server.org.0)
    .execute(store.pool())
    .await
    .unwrap();
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let other = server.other_organization_admin().await;

    // Two exports start and are not read yet; a third waits its turn.
    let url = format!("{}/audit.csv", server.base);
    let first = admin.get(&url).send().await.unwrap();
    let second = admin.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    let third = admin.get(&url).send().await.unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.headers()["retry-after"], "10");
    let said = third.text().await.unwrap();
    assert!(said.contains("Two exports"), "{said}");
    let (status, _) = server.get(&other, "/audit.csv").await;
    assert_eq!(status, StatusCode::OK, "another organization's export");

    // The first arrives whole, newest first, in more than one piece.
    let mut chunks = 0;
    let mut body = Vec::new();
    let mut stream = first.bytes_stream();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.unwrap());
        chunks += 1;
    }
    let text = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The header, the admin's sign-in, then every entry.
    assert_eq!(lines.len(), ENTRIES + 2);
    assert!(lines[0].starts_with("\"When (UTC)\""), "{}", lines[0]);
    assert!(lines[1].contains("Signed in"), "{}", lines[1]);
    let newest = format!("\"entry {}\"", ENTRIES - 1);
    assert!(lines[2].contains(&newest), "{}", lines[2]);
    assert!(
        lines[ENTRIES + 1].contains("\"entry 0\""),
        "{}",
        lines[ENTRIES + 1]
    );
    assert!(chunks > 10, "{chunks} pieces");

    // With the second given up, exports may start again.
    drop(second);
    let mut again = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..100 {
        let resp = admin
            .get(format!("{}/audit.csv?action=sign_in", server.base))
            .send()
            .await
            .unwrap();
        again = resp.status();
        if again == StatusCode::OK {
            assert!(resp.text().await.unwrap().contains("Signed in"));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(again, StatusCode::OK);
    server.stop().await;
}
