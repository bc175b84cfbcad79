//! `/events`: a signed-in member's open page is told when their organization's data changes,
//! on the real server over HTTP. Only members of that organization hear of it; anyone else is
//! refused; sign-out ends the stream; a member holds a bounded number; and on PostgreSQL a
//! change made through one instance reaches a page served by another within 2 s.

mod common;

use std::time::{Duration, Instant};

use common::{Backend, TestServer, EMAIL, PASSWORD};
use futures::StreamExt;
use reqwest::StatusCode;

/// An open event stream, read as text.
struct Stream {
    body: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>,
    seen: String,
}

impl Stream {
    async fn open(server: &TestServer, client: &reqwest::Client) -> Stream {
        let resp = client
            .get(format!("{}/events", server.base))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let headers = resp.headers();
        assert_eq!(headers["content-type"], "text/event-stream");
        assert_eq!(headers["cache-control"], "no-store");
        Stream {
            body: Box::pin(resp.bytes_stream()),
            seen: String::new(),
        }
    }

    /// Reads until an event containing `needle` arrives (true) or `wait` passes or the stream
    /// ends (false).
    async fn until(&mut self, needle: &str, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(at) = self.seen.find(needle) {
                self.seen.drain(..at + needle.len());
                return true;
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return false,
            }
        }
    }

    /// Whether the server ended the stream within `wait`.
    async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(None) | Ok(Some(Err(_))) => return true,
                Ok(Some(Ok(chunk))) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => return false,
            }
        }
    }
}

/// A delivery nobody signed: refused, and recorded in the organization's webhooks log.
async fn unsigned_delivery(server: &TestServer, org: domain::store::OrgId) {
    let webhook_id = server
        .any_store()
        .await
        .organization(org)
        .await
        .unwrap()
        .unwrap()
        .webhook_id;
    let resp = reqwest::Client::new()
        .post(format!("{}/webhooks/creatoriq/{webhook_id}", server.base))
        .header("content-type", "application/json")
        .body(r#"{"requestId":"x","entityType":"Publisher","actionType":"update"}"#)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
}

#[tokio::test]
async fn a_signed_in_page_hears_its_organizations_changes_only() {
    let server = TestServer::start().await;

    // Nobody signed in: refused outright (no sign-in page for an event stream).
    let resp = TestServer::client()
        .get(format!("{}/events", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let other = server.other_organization_admin().await;
    let mut ours = Stream::open(&server, &admin).await;
    let mut theirs = Stream::open(&server, &other).await;

    let started = Instant::now();
    unsigned_delivery(&server, server.org).await;
    assert!(
        ours.until("event: change\ndata: webhooks", Duration::from_secs(2))
            .await,
        "told of the delivery within 2 s: {:?}",
        ours.seen
    );
    eprintln!("told in {:?}", started.elapsed());
    assert!(
        !theirs.until("data:", Duration::from_secs(1)).await,
        "the other organization is told nothing: {:?}",
        theirs.seen
    );

    // Signing out ends the stream (checked every 10 s), saying why.
    let resp = admin
        .post(format!("{}/api/logout", server.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success() || resp.status().is_redirection());
    assert!(
        ours.until("event: signed-out", Duration::from_secs(12))
            .await
    );
    assert!(ours.ends_within(Duration::from_secs(2)).await);
    server.stop().await;
}

#[tokio::test]
async fn a_member_holds_a_bounded_number_of_streams() {
    let server = TestServer::start().await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let mut open = Vec::new();
    for _ in 0..12 {
        open.push(Stream::open(&server, &admin).await);
    }
    let resp = admin
        .get(format!("{}/events", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    // A tab closed gives its place back.
    drop(open.pop());
    let mut again = None;
    for _ in 0..50 {
        let resp = admin
            .get(format!("{}/events", server.base))
            .send()
            .await
            .unwrap();
        if resp.status() == StatusCode::OK {
            again = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "a closed stream's place is given back");
    server.stop().await;
}

/// Two instances on one PostgreSQL database: a webhook received by A reaches the stream of a
/// page served by B within 2 s.
#[tokio::test]
async fn a_change_on_one_instance_reaches_pages_served_by_another() {
    let a = TestServer::build().backend(Backend::Postgres).start().await;
    let b = TestServer::build()
        .database(&a.db, &a.own_master_key_file())
        .start()
        .await;
    let on_b = b.sign_in(EMAIL, PASSWORD).await;
    let mut stream = Stream::open(&b, &on_b).await;
    // B's listener says "read everything" when it connects; wait for that first.
    stream.until("data:", Duration::from_secs(2)).await;

    let started = Instant::now();
    unsigned_delivery(&a, a.org).await;
    assert!(
        stream
            .until("event: change\ndata: webhooks", Duration::from_secs(2))
            .await,
        "B told of A's delivery within 2 s: {:?}",
        stream.seen
    );
    eprintln!("told across instances in {:?}", started.elapsed());
    b.stop().await;
    a.stop().await;
}
