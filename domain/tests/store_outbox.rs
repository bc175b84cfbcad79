//! The outbox of messages to creators on both backends: a message is queued once, claimed by
//! one worker at a time (concurrent claimers never share one), retried when due, taken over
//! when its worker died, and finished only by the worker holding it.

mod store_support;

use std::collections::HashSet;

use chrono::{Duration, Utc};
use domain::store::{
    Channel, ContractorId, MessageKind, MessageState, NewMessage, OrgId, SendOutcome, StopReason,
    Store,
};
use domain::sync::write_path;

use store_support::TestStore;

/// An organization with `n` synced rows, each with its link.
async fn rows_with_links(
    store: &dyn Store,
    n: i64,
) -> (OrgId, Vec<(ContractorId, domain::store::LinkId)>) {
    let org = store.create_organization("acme", "Acme").await.unwrap().id;
    let run = store_support::begin_run(store, org, "test").await;
    let sync =
        store_support::campaign_sync((1..=n).map(|p| store_support::synced(p, "MA")).collect());
    write_path::apply_campaign_sync(store, org, run, &sync, write_path::MailRelay::default())
        .await
        .unwrap();
    let mut out = Vec::new();
    for p in 1..=n {
        let row = store
            .contractor_by_ciq_ids(org, 77, p)
            .await
            .unwrap()
            .unwrap();
        let link = store.current_link(org, row.id).await.unwrap().unwrap();
        out.push((row.id, link.id));
    }
    (org, out)
}

fn first(row: ContractorId, link: domain::store::LinkId) -> NewMessage {
    NewMessage {
        contractor: row,
        link,
        channel: Channel::Email,
        kind: MessageKind::First,
        dedupe_key: format!("{}:email:first", link.0),
        due_at: Utc::now() - Duration::seconds(1),
        requested_by: None,
    }
}

async fn a_message_is_queued_once_and_finished_by_its_holder(db: TestStore) {
    let store = db.store.clone();
    let (org, rows) = rows_with_links(store.as_ref(), 2).await;
    let messages: Vec<NewMessage> = rows.iter().map(|(r, l)| first(*r, *l)).collect();
    assert_eq!(store.queue_messages(org, &messages).await.unwrap().len(), 2);
    assert_eq!(
        store.queue_messages(org, &messages).await.unwrap().len(),
        0,
        "the same messages are not queued twice"
    );

    let now = Utc::now();
    let claimed = store
        .claim_due_messages("a", now, now + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(claimed
        .iter()
        .all(|m| m.state == MessageState::Sending && m.attempts == 1));
    assert!(
        store
            .claim_due_messages("b", now, now + Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty(),
        "claimed messages are nobody else's"
    );

    let (sent, retried) = (&claimed[0], &claimed[1]);
    assert!(
        !store
            .finish_message(sent.id, "b", &SendOutcome::Sent, now)
            .await
            .unwrap(),
        "only the holder finishes a message"
    );
    assert!(store
        .finish_message(sent.id, "a", &SendOutcome::Sent, now)
        .await
        .unwrap());
    let later = now + Duration::minutes(5);
    let failure = "The mail relay did not answer; trying again.".to_string();
    assert!(store
        .finish_message(
            retried.id,
            "a",
            &SendOutcome::Retry {
                at: later,
                failure: failure.clone()
            },
            now
        )
        .await
        .unwrap());
    assert!(
        store
            .claim_due_messages("b", now, now + Duration::seconds(60), 10)
            .await
            .unwrap()
            .is_empty(),
        "a retry waits until it is due"
    );
    let again = store
        .claim_due_messages("b", later, later + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (retried.id, 2));
    assert_eq!(again[0].failure.as_deref(), Some(failure.as_str()));
    store
        .finish_message(again[0].id, "b", &SendOutcome::Sent, later)
        .await
        .unwrap();

    let history = store.row_messages(org, sent.contractor_id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, MessageState::Sent);
    assert!(history[0].sent_at.is_some());
    let history = store
        .row_messages(org, retried.contractor_id)
        .await
        .unwrap();
    assert_eq!(history[0].state, MessageState::Sent);
    assert_eq!(history[0].failure, None, "success clears the last failure");
    let other = store
        .create_organization("other", "Other")
        .await
        .unwrap()
        .id;
    assert!(store
        .row_messages(other, sent.contractor_id)
        .await
        .unwrap()
        .is_empty());
}

async fn concurrent_workers_never_claim_the_same_message(db: TestStore) {
    let store = db.store.clone();
    let (org, rows) = rows_with_links(store.as_ref(), 60).await;
    let messages: Vec<NewMessage> = rows.iter().map(|(r, l)| first(*r, *l)).collect();
    store.queue_messages(org, &messages).await.unwrap();
    let now = Utc::now();
    let claim = |holder: &'static str| {
        let store = store.clone();
        async move {
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_due_messages(holder, now, now + Duration::seconds(60), 7)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|m| m.id));
            }
        }
    };
    let (a, b, c) = tokio::join!(claim("a"), claim("b"), claim("c"));
    let all: Vec<_> = a.iter().chain(&b).chain(&c).copied().collect();
    let distinct: HashSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 60, "every message claimed");
    assert_eq!(distinct.len(), 60, "and none twice");
}

async fn a_dead_workers_claim_is_taken_over_and_queued_messages_can_be_cancelled(db: TestStore) {
    let store = db.store.clone();
    let (org, rows) = rows_with_links(store.as_ref(), 2).await;
    let (row, link) = rows[0];
    store
        .queue_messages(org, &[first(row, link)])
        .await
        .unwrap();
    let now = Utc::now();
    let claimed = store
        .claim_due_messages("dead", now, now + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Its claim runs out: another worker takes the message over.
    let after = now + Duration::seconds(31);
    let taken = store
        .claim_due_messages("alive", after, after + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!((taken[0].id, taken[0].attempts), (claimed[0].id, 2));
    assert!(
        !store
            .finish_message(claimed[0].id, "dead", &SendOutcome::Sent, after)
            .await
            .unwrap(),
        "the first worker no longer holds it"
    );
    assert!(store
        .finish_message(taken[0].id, "alive", &SendOutcome::Sent, after)
        .await
        .unwrap());

    // A reminder queued for later, then the creator submits: it is cancelled; sent ones stay.
    let reminder = NewMessage {
        kind: MessageKind::Reminder,
        dedupe_key: format!("{}:email:reminder:1", link.0),
        due_at: now + Duration::days(2),
        ..first(row, link)
    };
    store.queue_messages(org, &[reminder]).await.unwrap();
    assert_eq!(
        store
            .cancel_messages(org, row, StopReason::Submitted)
            .await
            .unwrap(),
        1
    );
    let history = store.row_messages(org, row).await.unwrap();
    assert_eq!(
        history.iter().map(|m| m.state).collect::<Vec<_>>(),
        [MessageState::Sent, MessageState::Cancelled]
    );
    assert_eq!(history[1].stop_reason, Some(StopReason::Submitted));
}

async fn outreach_settings_default_to_unset_and_round_trip(db: TestStore) {
    use domain::store::{ChannelChoice, OutreachSettingsRecord};
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap().id;
    let other = store
        .create_organization("other", "Other")
        .await
        .unwrap()
        .id;
    assert_eq!(
        store.outreach_settings(org).await.unwrap(),
        OutreachSettingsRecord::default()
    );
    let saved = OutreachSettingsRecord {
        channels: Some(ChannelChoice::Both),
        auto_send: true,
        cadence: Some("3, 7".into()),
        sender_name: Some("Acme Agency".into()),
        reply_to: Some("ops@acme.example".into()),
        first_subject: Some("Insurance for {campaign}".into()),
        first_body: Some("Hi {creator_name}: {link}".into()),
        reminder_subject: None,
        reminder_body: None,
    };
    store.save_outreach_settings(org, &saved).await.unwrap();
    assert_eq!(store.outreach_settings(org).await.unwrap(), saved);
    let changed = OutreachSettingsRecord {
        auto_send: false,
        channels: None,
        ..saved.clone()
    };
    store.save_outreach_settings(org, &changed).await.unwrap();
    assert_eq!(store.outreach_settings(org).await.unwrap(), changed);
    assert_eq!(
        store.outreach_settings(other).await.unwrap(),
        OutreachSettingsRecord::default(),
        "another organization's settings are its own"
    );
}

on_both_backends!(
    outreach_settings_default_to_unset_and_round_trip,
    a_message_is_queued_once_and_finished_by_its_holder,
    concurrent_workers_never_claim_the_same_message,
    a_dead_workers_claim_is_taken_over_and_queued_messages_can_be_cancelled,
);
