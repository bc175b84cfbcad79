//! Open pages follow changes: every commit to a followed table reaches the change feed as its
//! organization and topic, on both backends; on PostgreSQL also a second store on the same
//! database (another server instance) hears it. Rolled-back writes are never told.

mod store_support;

use std::time::Duration;

use domain::store::live::Change;
use domain::store::{LiveTopic, OrgId, PgStore, Store, Verification};
use domain::sync::write_path;
use store_support::{begin_run, campaign_sync, delivery, synced};
use tokio::sync::broadcast::Receiver;

/// The changes told within `wait`, for one organization (and `None`, "everyone").
async fn told(feed: &mut Receiver<Change>, org: OrgId, wait: Duration) -> Vec<LiveTopic> {
    let mut topics = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Ok(change)) = tokio::time::timeout_at(deadline, feed.recv()).await {
        if change.org.is_none_or(|o| o == org) && !topics.contains(&change.topic) {
            topics.push(change.topic);
        }
    }
    topics
}

/// Nothing at all is told within `wait` (for this organization).
async fn quiet(feed: &mut Receiver<Change>, org: OrgId, wait: Duration) -> bool {
    told(feed, org, wait).await.is_empty()
}

async fn drain(feed: &mut Receiver<Change>) {
    while tokio::time::timeout(Duration::from_millis(300), feed.recv())
        .await
        .is_ok()
    {}
}

async fn commits_are_told_with_their_organization_and_topic() {
    let db = store_support::current().await;
    let store = db.store.clone();
    let acme = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    let mut feed = store.changes();
    drain(&mut feed).await;

    // A sync writes rows (and their links) and its run.
    let run = begin_run(store.as_ref(), acme.id, "me").await;
    write_path::apply_campaign_sync(
        store.as_ref(),
        acme.id,
        run,
        &campaign_sync(vec![synced(1, "MA"), synced(2, "CA")]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    let topics = told(&mut feed, acme.id, Duration::from_secs(2)).await;
    assert!(topics.contains(&LiveTopic::Contractors), "{topics:?}");
    assert!(topics.contains(&LiveTopic::Runs), "{topics:?}");
    assert!(
        quiet(&mut feed, other.id, Duration::from_millis(500)).await,
        "the other organization hears nothing of Acme's sync"
    );

    // A webhook delivery: the webhooks topic, for its organization only.
    store
        .record_webhook_delivery(&delivery(other.id, "r-1", Verification::Verified))
        .await
        .unwrap();
    let topics = told(&mut feed, other.id, Duration::from_secs(2)).await;
    assert_eq!(topics, vec![LiveTopic::Webhooks]);
    drain(&mut feed).await;
}

on_both_backends_scoped!(commits_are_told_with_their_organization_and_topic);

/// Two stores on one PostgreSQL database stand for two server instances: a change written
/// through one is told by the other's feed, within 2 s.
#[tokio::test]
async fn postgres_changes_reach_every_instance() {
    let (db, url) = store_support::postgres_with_url().await;
    let a = db.store.clone();
    let b: std::sync::Arc<dyn Store> = std::sync::Arc::new(PgStore::open(&url).await.unwrap());
    let acme = a.create_organization("acme", "Acme").await.unwrap();
    let mut on_b = b.changes();
    // The listener announces itself with "read everything" once connected.
    drain(&mut on_b).await;

    let started = std::time::Instant::now();
    a.record_webhook_delivery(&delivery(acme.id, "r-1", Verification::Verified))
        .await
        .unwrap();
    let change = tokio::time::timeout(Duration::from_secs(2), on_b.recv())
        .await
        .expect("the other instance is told within 2 s")
        .unwrap();
    assert_eq!(
        change,
        Change {
            org: Some(acme.id),
            topic: LiveTopic::Webhooks
        }
    );
    eprintln!("told the other instance in {:?}", started.elapsed());

    // A transaction rolled back is never told.
    drain(&mut on_b).await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE webhook_deliveries SET detail = 'x' WHERE org_id = $1")
        .bind(acme.id.0)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert!(quiet(&mut on_b, acme.id, Duration::from_secs(1)).await);
}
