//! The store contract for the sync pipeline's storage, run against a real SQLite file and a
//! real PostgreSQL database: settings, organization scoping, links, leases, request counts.

mod store_support;

use chrono::NaiveDate;
use domain::creatoriq::{ApiKey, DEFAULT_BASE_URL};
use domain::crypto::MasterKey;
use domain::links::{LinkState, LinkToken};
use domain::rules::{RuleCode, RuleFailure, RuleWarning, WarningCode};
use domain::store::{
    BeginRun, ContractorFilter, ContractorPageRequest, ContractorSort, ContractorStatus,
    ContractorUpdate, CoverageTypes, DeliveryId, DeliveryResult, DeliveryState, LeaseRequest,
    NewDelivery, OrgId, ProblemSummary, RecordedDelivery, RunState, RunTotals, Store, StoreError,
    SyncRunId, Trigger, TriggerKind, Verification,
};
use domain::sync::write_path;

use store_support::TestStore;

fn lease(holder: &str, seconds: i64) -> LeaseRequest {
    LeaseRequest {
        holder: holder.to_string(),
        ttl: chrono::Duration::seconds(seconds),
    }
}

fn trigger() -> Trigger {
    Trigger::new(TriggerKind::Cli, "test".to_string())
}

use store_support::{campaign_sync, delivery, synced};

async fn begin(store: &dyn Store, org: OrgId) -> SyncRunId {
    store_support::begin_run(store, org, "me").await
}

/// Ends `run` as succeeded, as its lease `holder`.
async fn finish(store: &dyn Store, org: OrgId, run: SyncRunId, holder: &str) {
    store
        .finish_sync_run(org, run, RunState::Succeeded, &RunTotals::default(), holder)
        .await
        .unwrap();
}

async fn ciq_settings_default_and_round_trip_with_the_key_encrypted(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let settings = store.ciq_settings(org.id).await.unwrap();
    assert_eq!(settings.base_url, DEFAULT_BASE_URL);
    assert_eq!(settings.coverage_types, CoverageTypes::Both);
    assert!(settings.api_key.is_none() && settings.updated_at.is_none());

    let master = MasterKey::generate();
    let key = ApiKey::parse("ciq_live_abcdef987654").unwrap();
    let sealed = master
        .encrypt_api_key(org.id, "http://127.0.0.1:4010", &key)
        .unwrap();
    store
        .save_ciq_connection(org.id, "http://127.0.0.1:4010/", &sealed, key.last4())
        .await
        .unwrap();
    store
        .save_coverage_types(org.id, CoverageTypes::WorkersComp)
        .await
        .unwrap();
    let settings = store.ciq_settings(org.id).await.unwrap();
    assert_eq!(settings.base_url, "http://127.0.0.1:4010");
    assert_eq!(settings.coverage_types, CoverageTypes::WorkersComp);
    assert_eq!(settings.api_key_last4.as_deref(), Some("7654"));
    let stored = settings.api_key.unwrap();
    assert!(!String::from_utf8_lossy(&stored.0).contains("abcdef987654"));
    assert_eq!(
        master
            .decrypt_api_key(org.id, &settings.base_url, &stored)
            .unwrap()
            .expose(),
        key.expose()
    );

    // Another organization sees only its own defaults.
    let other = store.create_organization("other", "Other").await.unwrap();
    assert!(store
        .ciq_settings(other.id)
        .await
        .unwrap()
        .api_key
        .is_none());
    store.clear_ciq_key(org.id).await.unwrap();
    assert!(store.ciq_settings(org.id).await.unwrap().api_key.is_none());
}

async fn rows_and_links_are_scoped_by_organization(db: TestStore) {
    let store = db.store.clone();
    let acme = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    let run = begin(store.as_ref(), acme.id).await;
    let outcome = write_path::apply_campaign_sync(
        store.as_ref(),
        acme.id,
        run,
        &campaign_sync(vec![synced(1, "MA")]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.links_issued, 1);
    let row = store
        .contractor_by_ciq_ids(acme.id, 77, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.campaign_name.as_deref(), Some("Summer"));

    assert!(store.contractor(other.id, row.id).await.unwrap().is_none());
    assert!(store
        .contractor_by_ciq_ids(other.id, 77, 1)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .current_link(other.id, row.id)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .link_history(other.id, row.id)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .contractor_history(other.id, row.id, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        write_path::regenerate_link(
            store.as_ref(),
            other.id,
            row.id,
            write_path::MailRelay::default()
        )
        .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store
            .contractor_status_counts(other.id)
            .await
            .unwrap()
            .total(),
        0
    );
    assert!(store.sync_run(other.id, run).await.unwrap().is_none());
    assert!(store
        .sync_runs(other.id, None, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn links_open_submit_and_survive_replacement_as_history(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let run = begin(store.as_ref(), org.id).await;
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        run,
        &campaign_sync(vec![synced(1, "MA")]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    let row = store
        .contractor_by_ciq_ids(org.id, 77, 1)
        .await
        .unwrap()
        .unwrap();
    let link = store.current_link(org.id, row.id).await.unwrap().unwrap();
    assert_eq!(format!("{:?}", link.token), "LinkToken(••••)");
    assert!(!format!("{link:?}").contains(link.token.expose()));

    let public = store.link_by_token(&link.token).await.unwrap().unwrap();
    assert_eq!(public.contractor.id, row.id);
    assert_eq!(public.link.org_id, org.id);
    assert_eq!(
        store.mark_link_opened(&link.token).await.unwrap(),
        Some(LinkState::Opened)
    );
    assert_eq!(
        store.mark_link_submitted(&link.token).await.unwrap(),
        Some(LinkState::Submitted)
    );
    // Opening again does not undo the submission.
    assert_eq!(
        store.mark_link_opened(&link.token).await.unwrap(),
        Some(LinkState::Submitted)
    );
    let unknown = LinkToken::generate();
    assert!(store.link_by_token(&unknown).await.unwrap().is_none());
    assert_eq!(store.mark_link_opened(&unknown).await.unwrap(), None);

    // Coverage changes: a new link; the submitted one stays submitted in the history.
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        run,
        &campaign_sync(vec![synced(1, "TX")]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    let history = store.link_history(org.id, row.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].is_current() && history[0].state == LinkState::Active);
    assert!(!history[1].is_current());
    assert_eq!(history[1].state, LinkState::Submitted);

    // An expired link cannot be opened or submitted.
    let current = history[0].token.clone();
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        run,
        &campaign_sync(vec![]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        store.mark_link_submitted(&current).await.unwrap(),
        Some(LinkState::Expired)
    );
    let row = store.contractor(org.id, row.id).await.unwrap().unwrap();
    assert_eq!(row.status, ContractorStatus::Removed);
    let events = store.contractor_history(org.id, row.id, 10).await.unwrap();
    let statuses: Vec<_> = events.iter().map(|e| e.status).collect();
    assert_eq!(
        statuses,
        [
            ContractorStatus::Removed,
            ContractorStatus::Synced,
            ContractorStatus::Synced
        ]
    );
}

async fn one_lease_per_organization_and_expired_leases_are_taken_over(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();

    let first = match store
        .begin_sync_run(org.id, &trigger(), None, &lease("a", 60))
        .await
        .unwrap()
    {
        BeginRun::Started(id) => id,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        store
            .begin_sync_run(org.id, &trigger(), None, &lease("b", 60))
            .await
            .unwrap(),
        BeginRun::AlreadyRunning(first)
    );
    // Another organization is independent.
    assert!(matches!(
        store
            .begin_sync_run(other.id, &trigger(), None, &lease("b", 60))
            .await
            .unwrap(),
        BeginRun::Started(_)
    ));
    assert_eq!(
        store.running_sync_run(org.id).await.unwrap().map(|r| r.id),
        Some(first)
    );
    finish(store.as_ref(), org.id, first, "a").await;
    assert!(store.running_sync_run(org.id).await.unwrap().is_none());

    // A holder that died: its lease expires and the next trigger takes over.
    let dead = match store
        .begin_sync_run(org.id, &trigger(), None, &lease("dead", -1))
        .await
        .unwrap()
    {
        BeginRun::Started(id) => id,
        other => panic!("{other:?}"),
    };
    let next = match store
        .begin_sync_run(org.id, &trigger(), None, &lease("b", 60))
        .await
        .unwrap()
    {
        BeginRun::Started(id) => id,
        other => panic!("{other:?}"),
    };
    assert_ne!(dead, next);
    let dead = store.sync_run(org.id, dead).await.unwrap().unwrap();
    assert_eq!(dead.state, RunState::Failed);
    assert!(dead.totals.error.unwrap().contains("interrupted"));
    // The dead holder cannot renew a lease it lost.
    assert!(!store
        .record_sync_progress(org.id, dead.id, &Default::default(), &lease("dead", 60))
        .await
        .unwrap());
}

async fn request_counts_are_per_key_per_day_and_stop_at_the_limit(db: TestStore) {
    let store = db.store.clone();
    let day = chrono::NaiveDate::from_ymd_opt(2030, 6, 1).unwrap();
    let next = day.succ_opt().unwrap();
    for expected in 1..=3 {
        assert_eq!(
            store.count_ciq_requests("key-a", day, 1, 3).await.unwrap(),
            Some(expected)
        );
    }
    // The limit is reached: refused, and the refusal is not counted.
    assert_eq!(
        store.count_ciq_requests("key-a", day, 1, 3).await.unwrap(),
        None
    );
    assert_eq!(store.ciq_requests_on("key-a", day).await.unwrap(), 3);
    // Another key, and the next day, have their own budgets.
    assert_eq!(
        store.count_ciq_requests("key-b", day, 1, 3).await.unwrap(),
        Some(1)
    );
    assert_eq!(
        store.count_ciq_requests("key-a", next, 1, 3).await.unwrap(),
        Some(1)
    );
    assert_eq!(store.ciq_requests_on("key-a", next).await.unwrap(), 1);
    assert_eq!(store.ciq_requests_on("key-c", day).await.unwrap(), 0);
    // Blocks: granted whole or not at all, never past the limit.
    assert_eq!(
        store
            .count_ciq_requests("key-d", day, 10, 15)
            .await
            .unwrap(),
        Some(10)
    );
    assert_eq!(
        store
            .count_ciq_requests("key-d", day, 10, 15)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.count_ciq_requests("key-d", day, 5, 15).await.unwrap(),
        Some(15)
    );
    assert_eq!(
        store.count_ciq_requests("key-d", day, 1, 15).await.unwrap(),
        None
    );
    assert_eq!(
        store.count_ciq_requests("key-c", day, 1, 0).await.unwrap(),
        None
    );
}

async fn concurrent_counters_never_pass_the_limit(db: TestStore) {
    let store = db.store.clone();
    let day = chrono::NaiveDate::from_ymd_opt(2030, 6, 1).unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let store = store.clone();
        tasks.spawn(async move {
            store
                .count_ciq_requests("shared", day, 1, 25)
                .await
                .unwrap()
        });
    }
    let mut admitted = 0;
    while let Some(result) = tasks.join_next().await {
        if result.unwrap().is_some() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 25);
    assert_eq!(store.ciq_requests_on("shared", day).await.unwrap(), 25);
}

async fn concurrent_writers_wait_for_each_other_instead_of_failing(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let run = begin(store.as_ref(), org.id).await;
    let lease = lease("me", 60);
    // The lease heartbeat and the request counter write while campaigns are applied.
    let background = {
        let store = store.clone();
        tokio::spawn(async move {
            let day = NaiveDate::from_ymd_opt(2030, 6, 1).unwrap();
            for _ in 0..200 {
                store.renew_sync_lease(org.id, run, &lease).await.unwrap();
                store
                    .count_ciq_requests("k", day, 1, 1_000_000)
                    .await
                    .unwrap();
            }
        })
    };
    for round in 0..60 {
        let rows = (0..20).map(|p| synced(round * 100 + p, "MA")).collect();
        let mut sync = campaign_sync(rows);
        sync.campaign.ciq_campaign_id = 1_000 + round;
        for row in &mut sync.rows {
            row.ciq_campaign_id = 1_000 + round;
        }
        write_path::apply_campaign_sync(
            store.as_ref(),
            org.id,
            run,
            &sync,
            write_path::MailRelay::default(),
        )
        .await
        .unwrap();
    }
    background.await.unwrap();
    assert_eq!(
        store.contractor_status_counts(org.id).await.unwrap().synced,
        1_200
    );
}

async fn webhook_deliveries_are_queued_once_and_claimed_by_one_worker(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    assert_eq!(org.webhook_id.len(), 32);
    assert_ne!(org.webhook_id, other.webhook_id);
    assert_eq!(
        store
            .organization_by_webhook_id(&org.webhook_id)
            .await
            .unwrap()
            .map(|o| o.id),
        Some(org.id)
    );

    // The same requestId twice: queued once, then a replay; a refused one keeps no body.
    let first = store
        .record_webhook_delivery(&delivery(org.id, "r1", Verification::Verified))
        .await
        .unwrap();
    assert!(matches!(first, RecordedDelivery::Queued(_)));
    let again = store
        .record_webhook_delivery(&delivery(org.id, "r1", Verification::Verified))
        .await
        .unwrap();
    assert!(matches!(again, RecordedDelivery::Replayed(_)));
    // Another organization's r1 is its own.
    assert!(matches!(
        store
            .record_webhook_delivery(&delivery(other.id, "r1", Verification::Verified))
            .await
            .unwrap(),
        RecordedDelivery::Queued(_)
    ));
    store
        .record_webhook_delivery(&delivery(org.id, "r2", Verification::BadSignature))
        .await
        .unwrap();
    let (log, total) = store.webhook_deliveries(org.id, 0, 10).await.unwrap();
    assert_eq!(total, 3);
    assert!(log[0].body.is_none() && log[0].state == DeliveryState::Rejected);
    assert_eq!(log[1].verification, Verification::Replayed);
    // The newest alone (the overview's "last webhook"), this organization's only.
    let latest = store
        .latest_webhook_delivery(org.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.id, log[0].id);
    let others = store
        .latest_webhook_delivery(other.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(others.org_id, other.id);

    // Two workers race: each delivery is claimed by exactly one, a batch is one organization's.
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::seconds(60);
    let (a, b) = tokio::join!(
        store.claim_webhook_deliveries("a", now, until, 10),
        store.claim_webhook_deliveries("b", now, until, 10)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 2, "{a:?} {b:?}");
    for batch in [&a, &b] {
        assert!(batch.iter().all(|d| d.org_id == batch[0].org_id));
    }
    let (mine, holder) = if a.iter().any(|d| d.org_id == org.id) {
        (a, "a")
    } else {
        (b, "b")
    };
    let ids: Vec<DeliveryId> = mine.iter().map(|d| d.id).collect();
    // Not due again while claimed; a claim that ran out is taken over by another worker.
    assert!(store
        .claim_webhook_deliveries("c", now, until, 10)
        .await
        .unwrap()
        .is_empty());
    let later = until + chrono::Duration::seconds(1);
    let taken = store
        .claim_webhook_deliveries("c", later, later + chrono::Duration::seconds(60), 10)
        .await
        .unwrap();
    // One organization's at a time: the oldest due delivery's (acme's r1).
    assert_eq!(taken.iter().map(|d| d.id).collect::<Vec<_>>(), ids);
    // The first holder's late result is not written over the new claim.
    let done = DeliveryResult {
        state: DeliveryState::Done,
        run_id: None,
        rows_changed: Some(1),
        detail: Some("ok".into()),
        retry_at: None,
        counts_as_attempt: true,
    };
    assert_eq!(
        store
            .finish_webhook_deliveries(&ids, holder, &done)
            .await
            .unwrap(),
        0
    );
    let taken_ids: Vec<DeliveryId> = taken.iter().map(|d| d.id).collect();
    assert_eq!(
        store
            .finish_webhook_deliveries(&taken_ids, "c", &done)
            .await
            .unwrap(),
        1
    );
    let d = store
        .webhook_delivery(org.id, ids[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.state, DeliveryState::Done);
    assert_eq!(d.attempts, 2);
    // Reprocess: only the organization's own verified deliveries.
    assert!(store
        .requeue_webhook_delivery(org.id, ids[0])
        .await
        .unwrap());
    assert!(!store
        .requeue_webhook_delivery(other.id, ids[0])
        .await
        .unwrap());
    assert!(!store
        .requeue_webhook_delivery(org.id, log[0].id)
        .await
        .unwrap());
}

async fn a_due_schedule_is_claimed_by_exactly_one_instance(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let master = MasterKey::generate();
    let key = ApiKey::parse("ciq_live_abcdef987654").unwrap();
    let sealed = master
        .encrypt_api_key(org.id, DEFAULT_BASE_URL, &key)
        .unwrap();
    store
        .save_ciq_connection(org.id, DEFAULT_BASE_URL, &sealed, key.last4())
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let due = store.due_schedules(now).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].interval_minutes, 360);
    assert_eq!(due[0].next_at, None);
    // The first claim picks a first time; a second instance with the same view loses.
    assert!(store.claim_schedule(org.id, None, now, now).await.unwrap());
    assert!(!store.claim_schedule(org.id, None, now, now).await.unwrap());
    let later = now + chrono::Duration::seconds(1);
    let due = store.due_schedules(later).await.unwrap();
    assert_eq!(due.len(), 1);
    let next = later + chrono::Duration::hours(6);
    let (a, b) = tokio::join!(
        store.claim_schedule(org.id, due[0].next_at, later, next),
        store.claim_schedule(org.id, due[0].next_at, later, next)
    );
    assert!(
        a.unwrap() ^ b.unwrap(),
        "exactly one instance starts the run"
    );
    assert!(store.due_schedules(later).await.unwrap().is_empty());
    // Off: never due.
    store.save_sync_interval(org.id, None).await.unwrap();
    assert!(store
        .due_schedules(next + chrono::Duration::hours(1))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .ciq_settings(org.id)
            .await
            .unwrap()
            .sync_interval_minutes,
        None
    );
}

fn failing(publisher: i64, codes: &[RuleCode]) -> ContractorUpdate {
    ContractorUpdate {
        status: ContractorStatus::NeedsAttention,
        fingerprint: None,
        agency_pay: Some(true),
        failures: codes
            .iter()
            .map(|code| RuleFailure {
                code: *code,
                field: "a field".into(),
                message: format!("{code} fails"),
                hint: "fix it".into(),
            })
            .collect(),
        ..synced(publisher, "MA")
    }
}

fn without_po_number(publisher: i64) -> ContractorUpdate {
    ContractorUpdate {
        agency_pay: Some(true),
        warnings: vec![RuleWarning {
            code: WarningCode::MissingPoNumber,
            field: "CustomField3 (PO #)".into(),
            message: "PO # is blank".into(),
            hint: "enter it".into(),
        }],
        ..synced(publisher, "MA")
    }
}

async fn rule_page(store: &dyn Store, org: OrgId, rule: &str, search: Option<&str>) -> Vec<i64> {
    let filter = ContractorFilter {
        rule: Some(rule.to_string()),
        search: search.map(str::to_string),
        ..Default::default()
    };
    let page = store
        .contractor_page(
            org,
            &ContractorPageRequest {
                filter: filter.clone(),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ids: Vec<i64> = page
        .rows
        .iter()
        .map(|r| r.contractor.ciq_publisher_id)
        .collect();
    assert_eq!(
        page.total,
        ids.len() as u64,
        "the total counts the same rows"
    );
    let counts = store.contractor_filter_counts(org, &filter).await.unwrap();
    assert_eq!(
        counts.total(),
        ids.len() as u64,
        "the tabs count the same rows"
    );
    ids
}

fn summary(counts: &[ProblemSummary]) -> Vec<(String, u64)> {
    counts.iter().map(|c| (c.code.clone(), c.rows)).collect()
}

async fn problems_follow_every_write_and_filter_the_list(db: TestStore) {
    use RuleCode::{MissingEmail, MissingPoContactEmail};
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    let run = begin(store.as_ref(), org.id).await;
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        run,
        &campaign_sync(vec![
            without_po_number(1),
            failing(2, &[MissingEmail, MissingPoContactEmail]),
            failing(3, &[MissingPoContactEmail]),
            synced(4, "MA"),
        ]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    let other_run = begin(store.as_ref(), other.id).await;
    write_path::apply_campaign_sync(
        store.as_ref(),
        other.id,
        other_run,
        &campaign_sync(vec![failing(9, &[MissingPoContactEmail])]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();

    assert_eq!(
        summary(&store.problem_summary(org.id, 5).await.unwrap()),
        [
            ("missing_email".to_string(), 1),
            ("missing_po_contact_email".to_string(), 2),
        ],
        "rows needing attention only (row 1's warning is on a synced row)"
    );
    for problem in store.problem_summary(org.id, 5).await.unwrap() {
        assert_eq!(problem.campaigns, 1);
        assert_eq!(problem.largest.len(), 1);
        assert_eq!(problem.largest[0].ciq_campaign_id, 77);
        assert_eq!(problem.largest[0].rows, problem.rows);
    }
    let s = store.as_ref();
    assert_eq!(
        rule_page(s, org.id, "missing_po_contact_email", None).await,
        [2, 3]
    );
    assert_eq!(rule_page(s, org.id, "missing_po_number", None).await, [1]);
    assert_eq!(
        rule_page(s, org.id, "missing_po_contact_email", Some("creator 3")).await,
        [3]
    );
    assert!(rule_page(s, org.id, "invalid_base_pay", None)
        .await
        .is_empty());
    assert_eq!(
        rule_page(s, other.id, "missing_po_contact_email", None).await,
        [9]
    );

    // Row 2 fixed in CreatorIQ, row 3 gone from the campaign: the problems follow.
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        run,
        &campaign_sync(vec![without_po_number(1), synced(2, "MA"), synced(4, "MA")]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        summary(&store.problem_summary(org.id, 5).await.unwrap()),
        [],
        "a fixed row has no problems left; a removed row needs no fix"
    );
    assert!(rule_page(s, org.id, "missing_email", None).await.is_empty());
    // The removed row keeps its last problems for its history, under its own status.
    let removed = ContractorFilter {
        rule: Some("missing_po_contact_email".into()),
        status: Some(ContractorStatus::Removed),
        ..Default::default()
    };
    let page = store
        .contractor_page(
            org.id,
            &ContractorPageRequest {
                filter: removed,
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].contractor.ciq_publisher_id, 3);
}

/// Row ids of a contractors page ordered by when a sync last saw them, oldest first.
async fn by_last_synced(
    store: &dyn Store,
    org: OrgId,
    status: Option<ContractorStatus>,
) -> Vec<i64> {
    let page = store
        .contractor_page(
            org,
            &ContractorPageRequest {
                filter: ContractorFilter {
                    status,
                    ..Default::default()
                },
                sort: ContractorSort::LastSynced,
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    page.rows
        .iter()
        .map(|r| r.contractor.ciq_publisher_id)
        .collect()
}

async fn an_unchanged_resync_records_when_it_saw_each_row_and_changes_nothing_else(db: TestStore) {
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let first = begin(store.as_ref(), org.id).await;
    let rows = || vec![synced(1, "MA"), synced(2, "TX"), synced(3, "CA")];
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        first,
        &campaign_sync(rows()),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    let before = store
        .contractor_by_ciq_ids(org.id, 77, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.last_run_id, Some(first));
    assert_eq!(before.last_synced_at, Some(before.updated_at));
    finish(store.as_ref(), org.id, first, "me").await;

    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second = begin(store.as_ref(), org.id).await;
    let outcome = write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        second,
        &campaign_sync(rows()),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.rows_changed, 0);
    let after = store
        .contractor_by_ciq_ids(org.id, 77, 1)
        .await
        .unwrap()
        .unwrap();
    // The row itself is as it was; only when it was last seen, and by which run, moved on.
    assert_eq!(after.updated_at, before.updated_at);
    assert_eq!(after.last_run_id, Some(second));
    assert!(after.last_synced_at > before.last_synced_at, "{after:?}");
    assert_eq!(
        store
            .contractor_history(org.id, after.id, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    finish(store.as_ref(), org.id, second, "me").await;

    // Creator 3 leaves the campaign: the row is removed and keeps the time it was last read;
    // the "last synced" order, in every tab, follows.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let third = begin(store.as_ref(), org.id).await;
    write_path::apply_campaign_sync(
        store.as_ref(),
        org.id,
        third,
        &campaign_sync(vec![synced(1, "MA"), synced(2, "TX")]),
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    let gone = store
        .contractor_by_ciq_ids(org.id, 77, 3)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gone.status, ContractorStatus::Removed);
    assert_eq!(gone.last_run_id, Some(third));
    let kept = store
        .contractor_by_ciq_ids(org.id, 77, 1)
        .await
        .unwrap()
        .unwrap();
    assert!(
        gone.last_synced_at < kept.last_synced_at,
        "{gone:?} {kept:?}"
    );
    assert_eq!(by_last_synced(store.as_ref(), org.id, None).await[0], 3);
    assert_eq!(
        by_last_synced(store.as_ref(), org.id, Some(ContractorStatus::Removed)).await,
        [3]
    );
    assert_eq!(
        by_last_synced(store.as_ref(), org.id, Some(ContractorStatus::Synced))
            .await
            .len(),
        2
    );
}

/// Refused deliveries: one organization logs at most the per-minute limit (another
/// organization is not affected, verified ones are never dropped), old ones are pruned, and a
/// replaced webhook address no longer finds the organization.
async fn refused_deliveries_are_capped_and_pruned_and_addresses_can_be_replaced(db: TestStore) {
    use domain::store::{REJECTED_DELIVERIES_KEPT_DAYS, REJECTED_DELIVERIES_PER_MINUTE};
    let store = db.store.clone();
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let other = store.create_organization("other", "Other").await.unwrap();
    let limit = usize::try_from(REJECTED_DELIVERIES_PER_MINUTE).unwrap();

    // An old refused delivery, past its keeping time.
    let old = NewDelivery {
        received_at: chrono::Utc::now() - chrono::Duration::days(REJECTED_DELIVERIES_KEPT_DAYS + 1),
        ..delivery(org.id, "old", Verification::BadSignature)
    };
    assert!(matches!(
        store.record_webhook_delivery(&old).await.unwrap(),
        RecordedDelivery::Rejected(_)
    ));
    let mut logged = 0;
    let mut dropped = 0;
    for i in 0..limit + 25 {
        match store
            .record_webhook_delivery(&delivery(
                org.id,
                &format!("x{i}"),
                Verification::BadSignature,
            ))
            .await
            .unwrap()
        {
            RecordedDelivery::Rejected(_) => logged += 1,
            RecordedDelivery::Dropped => dropped += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((logged, dropped), (limit, 25));
    // A verified delivery still gets through, and another organization still logs its own.
    assert!(matches!(
        store
            .record_webhook_delivery(&delivery(org.id, "real", Verification::Verified))
            .await
            .unwrap(),
        RecordedDelivery::Queued(_)
    ));
    assert!(matches!(
        store
            .record_webhook_delivery(&delivery(other.id, "y", Verification::Unsigned))
            .await
            .unwrap(),
        RecordedDelivery::Rejected(_)
    ));
    let (_, total) = store.webhook_deliveries(org.id, 0, 1).await.unwrap();
    assert_eq!(total, u64::try_from(limit + 2).unwrap());

    // Pruning removes refused deliveries past their keeping time, of every organization.
    let before = chrono::Utc::now() - chrono::Duration::days(REJECTED_DELIVERIES_KEPT_DAYS);
    assert_eq!(store.prune_rejected_deliveries(before).await.unwrap(), 1);
    let (_, total) = store.webhook_deliveries(org.id, 0, 1).await.unwrap();
    assert_eq!(total, u64::try_from(limit + 1).unwrap());

    // A new address: the old one finds nobody, the new one finds the organization.
    let new_id = store.rotate_webhook_id(org.id).await.unwrap();
    assert_ne!(new_id, org.webhook_id);
    assert_eq!(new_id.len(), 32);
    assert!(store
        .organization_by_webhook_id(&org.webhook_id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .organization_by_webhook_id(&new_id)
            .await
            .unwrap()
            .map(|o| o.id),
        Some(org.id)
    );
    assert_eq!(
        store
            .organization_by_webhook_id(&other.webhook_id)
            .await
            .unwrap()
            .map(|o| o.id),
        Some(other.id)
    );
}

on_both_backends!(
    refused_deliveries_are_capped_and_pruned_and_addresses_can_be_replaced,
    an_unchanged_resync_records_when_it_saw_each_row_and_changes_nothing_else,
    problems_follow_every_write_and_filter_the_list,
    webhook_deliveries_are_queued_once_and_claimed_by_one_worker,
    a_due_schedule_is_claimed_by_exactly_one_instance,
    concurrent_writers_wait_for_each_other_instead_of_failing,
    ciq_settings_default_and_round_trip_with_the_key_encrypted,
    rows_and_links_are_scoped_by_organization,
    links_open_submit_and_survive_replacement_as_history,
    one_lease_per_organization_and_expired_leases_are_taken_over,
    request_counts_are_per_key_per_day_and_stop_at_the_limit,
    concurrent_counters_never_pass_the_limit,
);
