//! Reaching the creator end to end: a sync queues each Synced row's first message in the same
//! transaction, the worker sends it by email (a real SMTP server on a loopback port) and as a
//! CreatorIQ message (the sandbox over HTTP), reminders follow the cadence and stop, failures
//! are kept on the message, and two engines never send the same message. Every test runs on a
//! SQLite file and on a PostgreSQL database.

mod store_support;
mod sync_support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use ciq_sandbox::Size;
use domain::alerts::{AlertConfig, SmtpConfig, SmtpTls};
use domain::store::{
    ChannelChoice, Contractor, ContractorPageRequest, ContractorStatus, MessageKind, MessageState,
    OutreachSettingsRecord, StopReason,
};
use domain::sync::{SendRequest, SyncConfig, SyncEngine};
use domain::testing::MailSink;
use sync_support::*;

const BASE: &str = "https://cover.test";

fn with_relay(sink: &MailSink) -> impl FnOnce(&mut SyncConfig) + '_ {
    move |c| {
        c.alerts = AlertConfig {
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".to_string(),
                port: sink.port(),
                username: None,
                password: None,
                from: "Cover <cover@cover.test>".to_string(),
                tls: SmtpTls::None,
            }),
            http_hosts: Vec::new(),
        };
        c.public_base_url = Some(BASE.to_string());
    }
}

async fn outreach_env(sink: &MailSink, channels: ChannelChoice, auto_send: bool) -> Env {
    let env = env_custom(Size::Tiny, fast_ciq(), |_| {}, with_relay(sink)).await;
    env.store
        .save_outreach_settings(
            env.org.id,
            &OutreachSettingsRecord {
                channels: Some(channels),
                auto_send,
                sender_name: Some("Acme Agency".into()),
                reply_to: Some("ops@acme.test".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    env
}

/// Every Synced row with its link token.
async fn synced(env: &Env) -> Vec<(Contractor, String)> {
    let page = env
        .store
        .contractor_page(
            env.org.id,
            &ContractorPageRequest::in_status(ContractorStatus::Synced, None),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in page.rows {
        let token = row.link.expect("a synced row has a link").token;
        let full = env
            .store
            .contractor(env.org.id, row.contractor.id)
            .await
            .unwrap()
            .unwrap();
        out.push((full, token.expose().to_string()));
    }
    out
}

fn link_of(token: &str) -> String {
    format!("{BASE}/apply/{token}")
}

async fn a_synced_creator_receives_exactly_one_message_with_their_own_link() {
    let sink = MailSink::start().await;
    let env = outreach_env(&sink, ChannelChoice::Both, true).await;
    env.sync().await;
    let rows = synced(&env).await;
    assert!(
        rows.len() >= 3,
        "the scenario has synced rows: {}",
        rows.len()
    );
    let with_email: Vec<_> = rows
        .iter()
        .filter(|(row, _)| row.email.as_deref().is_some_and(|e| !e.is_empty()))
        .collect();

    let totals = env.engine.deliver_due().await.unwrap();
    assert_eq!(totals.failed, 0, "{totals:?}");
    let mail = sink.received();
    assert_eq!(mail.len(), with_email.len(), "one email per synced row");
    for (row, token) in &with_email {
        let mine: Vec<_> = mail
            .iter()
            .filter(|m| m.data.contains(token.as_str()))
            .collect();
        assert_eq!(mine.len(), 1, "{:?} gets one email", row.creator_name);
        let m = mine[0];
        assert_eq!(m.to, [row.email.clone().unwrap()]);
        assert!(m.data.contains(&link_of(token)), "the link is in the body");
        assert!(
            !m.header("Subject")
                .unwrap_or_default()
                .contains(token.as_str()),
            "the link is in the body only"
        );
        assert!(m.header("From").unwrap().contains("Acme Agency"));
        assert_eq!(
            m.header("Reply-To").as_deref(),
            Some("\"Acme Agency\" <ops@acme.test>")
        );
        assert_eq!(
            m.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        assert!(m.data.contains("multipart/alternative"));
    }
    // The same text inside CreatorIQ, one message per synced row.
    let inbox = env.sandbox.handle.messages();
    assert_eq!(
        inbox.len(),
        rows.len(),
        "one CreatorIQ message per synced row"
    );
    for (row, token) in &rows {
        let mine: Vec<_> = inbox
            .iter()
            .filter(|m| m.content.contains(&link_of(token)))
            .collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(i64::from(mine[0].publisher_id), row.ciq_publisher_id);
    }

    // Nothing more: no second worker pass, no re-sync of unchanged data sends again.
    env.engine.deliver_due().await.unwrap();
    env.sync().await;
    env.engine.deliver_due().await.unwrap();
    assert_eq!(sink.count(), with_email.len());
    assert_eq!(env.sandbox.handle.messages().len(), rows.len());
}

async fn without_automatic_sending_nothing_goes_until_a_person_sends() {
    let sink = MailSink::start().await;
    let env = outreach_env(&sink, ChannelChoice::Email, false).await;
    env.sync().await;
    env.engine.deliver_due().await.unwrap();
    assert_eq!(sink.count(), 0, "automatic sending is off");
    let rows = synced(&env).await;
    let (first, token) = &rows[0];

    let summary = env
        .engine
        .request_sends(
            env.org.id,
            &SendRequest::Rows(vec![first.id]),
            "amy@acme.test",
        )
        .await
        .unwrap();
    assert_eq!((summary.rows, summary.queued), (1, 1));
    env.engine.deliver_due().await.unwrap();
    assert_eq!(sink.count(), 1);
    assert!(sink.received()[0].data.contains(token.as_str()));

    // "Every Synced row never sent" skips the one already sent.
    let every = env
        .engine
        .request_sends(env.org.id, &SendRequest::EveryNeverSent, "amy@acme.test")
        .await
        .unwrap();
    assert_eq!(every.rows as usize, rows.len() - 1);
    env.engine.deliver_due().await.unwrap();
    let emails = rows
        .iter()
        .filter(|(r, _)| r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .count();
    assert_eq!(sink.count(), emails);

    // Sending the row again is a resend; a row that is not Synced is skipped, with the reason.
    let not_synced = env
        .snapshot()
        .await
        .into_iter()
        .find(|(r, _)| r.status == ContractorStatus::NeedsAttention)
        .unwrap()
        .0;
    let again = env
        .engine
        .request_sends(
            env.org.id,
            &SendRequest::Rows(vec![first.id, not_synced.id]),
            "amy@acme.test",
        )
        .await
        .unwrap();
    assert_eq!(again.rows, 1);
    assert_eq!(again.skipped.len(), 1, "{:?}", again.skipped);
    env.engine.deliver_due().await.unwrap();
    assert_eq!(sink.count(), emails + 1);
    let messages = env.store.row_messages(env.org.id, first.id).await.unwrap();
    let sent: Vec<_> = messages
        .iter()
        .filter(|m| m.kind == MessageKind::First)
        .collect();
    assert_eq!(sent.len(), 2, "the link and the resend");
    assert!(sent.iter().all(|m| m.state == MessageState::Sent));
    assert_eq!(sent[0].requested_by.as_deref(), Some("amy@acme.test"));
    // One reminder waits, on the cadence of the first message.
    let waiting: Vec<_> = messages
        .iter()
        .filter(|m| m.state == MessageState::Queued)
        .collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].kind, MessageKind::Reminder);
}

async fn reminders_follow_the_cadence_and_stop_when_the_application_is_submitted() {
    let sink = MailSink::start().await;
    let env = outreach_env(&sink, ChannelChoice::Email, true).await;
    env.sync().await;
    let rows = synced(&env).await;
    let (row, token) = rows
        .iter()
        .find(|(r, _)| r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .unwrap()
        .clone();
    let others = rows.len();
    let t0 = Utc::now();
    let at = |days: i64, extra: i64| {
        let t: DateTime<Utc> = t0 + Duration::days(days) + Duration::seconds(extra);
        move || t
    };
    env.engine.deliver_due_at(at(0, 1)).await.unwrap();
    let first_wave = sink.count();
    assert!(first_wave >= 1);

    // Day 1: nothing due. Day 2: the first reminder to every row.
    assert_eq!(env.engine.deliver_due_at(at(1, 0)).await.unwrap().sent, 0);
    let day2 = env.engine.deliver_due_at(at(2, 5)).await.unwrap();
    assert_eq!(day2.sent as usize, first_wave, "one reminder per creator");
    let reminder = sink.received().into_iter().last().unwrap();
    assert!(reminder.header("Subject").unwrap().starts_with("Reminder"));

    // The creator submits: their next reminder is cancelled, the others' are sent on day 5.
    let link = domain::links::LinkToken::parse(&token).unwrap();
    env.store.mark_link_submitted(&link).await.unwrap();
    let day5 = env.engine.deliver_due_at(at(5, 10)).await.unwrap();
    assert_eq!(day5.sent as usize, first_wave - 1);
    let messages = env.store.row_messages(env.org.id, row.id).await.unwrap();
    let kinds: Vec<_> = messages.iter().map(|m| (m.kind, m.state)).collect();
    assert_eq!(
        kinds,
        [
            (MessageKind::First, MessageState::Sent),
            (MessageKind::Reminder, MessageState::Sent),
            (MessageKind::Reminder, MessageState::Cancelled),
        ]
    );
    assert_eq!(messages[2].stop_reason, Some(StopReason::Submitted));

    // Day 9 the third and last reminder; nothing after.
    let day9 = env.engine.deliver_due_at(at(9, 20)).await.unwrap();
    assert_eq!(day9.sent as usize, first_wave - 1);
    assert_eq!(env.engine.deliver_due_at(at(30, 0)).await.unwrap().sent, 0);
    assert!(
        others >= first_wave,
        "{others} rows, {first_wave} with email"
    );
}

async fn stop_reminders_cancels_what_is_queued() {
    let sink = MailSink::start().await;
    let env = outreach_env(&sink, ChannelChoice::Email, true).await;
    env.sync().await;
    let (row, token) = synced(&env)
        .await
        .into_iter()
        .find(|(r, _)| r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .unwrap();
    env.engine.deliver_due().await.unwrap();
    let link = domain::links::LinkToken::parse(&token).unwrap();
    assert_eq!(env.store.stop_reminders(&link).await.unwrap(), Some(1));
    let messages = env.store.row_messages(env.org.id, row.id).await.unwrap();
    assert_eq!(
        messages.last().unwrap().stop_reason,
        Some(StopReason::OptedOut)
    );
    let unknown = domain::links::LinkToken::parse("nosuchtoken_nosuchtoken_nosuchtoken").unwrap();
    assert_eq!(env.store.stop_reminders(&unknown).await.unwrap(), None);
}

async fn a_refused_address_fails_for_good_and_a_busy_relay_is_tried_again() {
    let sink = MailSink::start().await;
    let env = outreach_env(&sink, ChannelChoice::Email, true).await;
    env.sync().await;
    let rows: Vec<_> = synced(&env)
        .await
        .into_iter()
        .filter(|(r, _)| r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .collect();
    let (refused, _) = &rows[0];
    let (busy, busy_token) = &rows[1];
    sink.refuse(refused.email.as_deref().unwrap());
    sink.defer(busy.email.as_deref().unwrap());
    env.engine
        .save_alert_recipients(
            env.org.id,
            "ops@agency.test",
            domain::sync::WebhookChange::Keep,
            None,
        )
        .await
        .unwrap();

    let t0 = Utc::now();
    let totals = env.engine.deliver_due_at(|| t0).await.unwrap();
    assert_eq!((totals.failed, totals.retried), (1, 1), "{totals:?}");
    let failed = env
        .store
        .row_messages(env.org.id, refused.id)
        .await
        .unwrap();
    assert_eq!(failed[0].state, MessageState::Failed);
    assert!(
        failed[0].failure.as_deref().unwrap().contains("refused"),
        "{:?}",
        failed[0].failure
    );
    let waiting = env.store.row_messages(env.org.id, busy.id).await.unwrap();
    assert_eq!(waiting[0].state, MessageState::Queued);
    assert!(waiting[0].due_at > t0, "tried again later");

    // The failure is an alert condition: the organization is told once.
    let alerted = |sink: &MailSink| {
        sink.received()
            .iter()
            .filter(|m| m.to == ["ops@agency.test"])
            .map(|m| m.header("Subject").unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(settle(|| alerted(&sink).len(), 1).await, 1);
    assert!(
        alerted(&sink)[0].contains("could not be delivered"),
        "{:?}",
        alerted(&sink)
    );

    sink.accept(busy.email.as_deref().unwrap());
    let later = t0 + Duration::minutes(2);
    env.engine.deliver_due_at(|| later).await.unwrap();
    let sent = env.store.row_messages(env.org.id, busy.id).await.unwrap();
    assert_eq!(sent[0].state, MessageState::Sent);
    assert_eq!(sent[0].failure, None, "a later success clears the failure");
    assert!(sink
        .received()
        .iter()
        .any(|m| m.data.contains(busy_token.as_str())));
}

async fn a_replaced_link_is_sent_again_and_stops_the_old_reminders() {
    let sink = MailSink::start().await;
    // No automatic sending: only a creator who had the old link gets the new one.
    let env = outreach_env(&sink, ChannelChoice::Email, false).await;
    env.sync().await;
    let rows = synced(&env).await;
    let (sent_row, old_token) = rows
        .iter()
        .find(|(r, _)| r.email.as_deref().is_some_and(|e| !e.is_empty()))
        .unwrap()
        .clone();
    let (quiet_row, _) = rows
        .iter()
        .find(|(r, _)| r.id != sent_row.id)
        .unwrap()
        .clone();
    env.engine
        .request_sends(
            env.org.id,
            &SendRequest::Rows(vec![sent_row.id]),
            "amy@acme.test",
        )
        .await
        .unwrap();
    env.engine.deliver_due().await.unwrap();
    assert_eq!(sink.count(), 1);

    let new_link = env
        .engine
        .regenerate_link(env.org.id, sent_row.id)
        .await
        .unwrap();
    env.engine
        .regenerate_link(env.org.id, quiet_row.id)
        .await
        .unwrap();
    env.engine.deliver_due().await.unwrap();
    assert_eq!(
        sink.count(),
        2,
        "only the creator who had the old link gets the new one"
    );
    let mail = sink.received().pop().unwrap();
    assert!(mail.data.contains(new_link.token.expose()));
    assert!(!mail.data.contains(old_token.as_str()));
    let messages = env
        .store
        .row_messages(env.org.id, sent_row.id)
        .await
        .unwrap();
    let old_reminder = messages
        .iter()
        .find(|m| m.kind == MessageKind::Reminder && m.link_id != new_link.id)
        .unwrap();
    assert_eq!(old_reminder.state, MessageState::Cancelled);
    assert_eq!(old_reminder.stop_reason, Some(StopReason::LinkReplaced));
}

async fn two_engines_never_send_the_same_message() {
    let sink = MailSink::start().await;
    let env = outreach_env(&sink, ChannelChoice::Creatoriq, false).await;
    env.sync().await;
    // A second engine (another instance) on the same database.
    let mut config = engine_config(fast_ciq());
    config.environments = allowing(&env.sandbox.base_url);
    config.public_base_url = Some(BASE.to_string());
    let second = SyncEngine::new(env.store.clone(), env.master.clone(), config).unwrap();
    // Many messages: every synced row, resent 40 times.
    let rows = synced(&env).await;
    let ids: Vec<_> = rows.iter().map(|(r, _)| r.id).collect();
    let mut queued = 0;
    for _ in 0..40 {
        queued += env
            .engine
            .request_sends(env.org.id, &SendRequest::Rows(ids.clone()), "amy@acme.test")
            .await
            .unwrap()
            .queued;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let a = Arc::new(env.engine.clone());
    let b = Arc::new(second);
    let (ra, rb) = tokio::join!(a.deliver_due(), b.deliver_due());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, queued, "{ra:?} {rb:?}");
    assert_eq!(env.sandbox.handle.messages().len() as u64, queued);
}

on_both_backends_scoped!(
    a_synced_creator_receives_exactly_one_message_with_their_own_link,
    without_automatic_sending_nothing_goes_until_a_person_sends,
    reminders_follow_the_cadence_and_stop_when_the_application_is_submitted,
    stop_reminders_cancels_what_is_queued,
    a_refused_address_fails_for_good_and_a_busy_relay_is_tried_again,
    a_replaced_link_is_sent_again_and_stops_the_old_reminders,
    two_engines_never_send_the_same_message,
);
