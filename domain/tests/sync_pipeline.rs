//! The sync pipeline end to end: the CreatorIQ sandbox over real HTTP, and every test once on a
//! real SQLite file and once on a real PostgreSQL database.

mod store_support;
mod sync_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ciq_sandbox::{scenarios, CreatorEdit, FaultConfig, Size};
use domain::links::{LinkState, RetireReason};
use domain::store::{ContractorStatus, RunState, Trigger, TriggerKind};
use domain::sync::write_path;
use domain::sync::{LiveRun, SyncConfig, SyncEngine};
use sync_support::*;

fn codes(row: &domain::store::Contractor) -> BTreeSet<String> {
    row.failures.iter().map(|f| f.code.to_string()).collect()
}

async fn every_scenario_creator_gets_its_documented_status() {
    let env = env(Size::Tiny).await;
    let summary = env.sync().await;
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    assert!(summary.totals().errors.is_empty());

    for creator in scenarios::CREATORS {
        for campaign in creator.campaign_ids {
            let row = env.row(*campaign, creator.publisher_id).await;
            assert_eq!(
                row.status.as_str(),
                creator.expected_status,
                "{} on {campaign}: {:?}",
                creator.name,
                row.failures
            );
            let want: BTreeSet<String> = creator
                .expected_codes
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(codes(&row), want, "{}", creator.name);
            for failure in &row.failures {
                assert!(!failure.message.is_empty() && !failure.hint.is_empty());
            }
            let link = env.link(&row).await;
            assert_eq!(
                link.is_some(),
                row.status == ContractorStatus::Synced,
                "{}: only synced rows have a link",
                creator.name
            );
        }
    }

    // The integration guide's four troubleshooting cases name the CreatorIQ field to fix.
    let cases = [
        (
            scenarios::CAMPAIGN_STARTED_YESTERDAY.id,
            5_700_027,
            "campaign_start_in_past",
            "StartDate",
        ),
        (
            scenarios::CAMPAIGN_UPCOMING.id,
            5_700_011,
            "non_us_work_state",
            "CustomField8",
        ),
        (
            scenarios::CAMPAIGN_UPCOMING.id,
            5_700_005,
            "missing_payment_amount",
            "FinalPayout",
        ),
        (
            scenarios::CAMPAIGN_UPCOMING.id,
            5_700_008,
            "invalid_base_pay",
            "CustomField10",
        ),
    ];
    for (campaign, publisher, code, field) in cases {
        let row = env.row(campaign, publisher).await;
        assert_eq!(row.status, ContractorStatus::NeedsAttention);
        let failure = row
            .failures
            .iter()
            .find(|f| f.code.as_str() == code)
            .unwrap_or_else(|| panic!("{publisher} lacks {code}"));
        assert!(failure.field.contains(field), "{failure:?}");
    }
    let sequencing = env
        .row(
            scenarios::CAMPAIGN_UPCOMING.id,
            scenarios::INCORRECT_SEQUENCING.publisher_id,
        )
        .await;
    assert_eq!(
        codes(&sequencing),
        ["missing_home_state", "missing_payment_amount"]
            .into_iter()
            .map(String::from)
            .collect()
    );

    // A clean creator has an active link; exempt and not-accepted creators have none.
    let clean = env
        .row(
            scenarios::CAMPAIGN_UPCOMING.id,
            scenarios::CLEAN.publisher_id,
        )
        .await;
    let link = env.link(&clean).await.expect("clean creator has a link");
    assert_eq!(link.state, LinkState::Active);
    assert!(link.token.expose().len() >= 22);
    let exempt = env
        .row(
            scenarios::CAMPAIGN_UPCOMING.id,
            scenarios::INSURANCE_EXEMPT.publisher_id,
        )
        .await;
    assert_eq!(exempt.status, ContractorStatus::Exempt);
    let invited = env
        .row(
            scenarios::CAMPAIGN_UPCOMING.id,
            scenarios::NOT_ACCEPTED.publisher_id,
        )
        .await;
    assert_eq!(invited.status, ContractorStatus::NotAccepted);

    // The run's counts add up to the rows the organization has.
    let counts = env
        .store
        .contractor_status_counts(env.org.id)
        .await
        .unwrap();
    assert_eq!(counts, summary.totals().statuses);
    let assignments = env
        .sandbox
        .handle
        .with_data(|d| d.partners[0].assignment_count());
    // Creators CreatorIQ lists as candidates (`Selected`) are not on the campaign yet.
    assert!(counts.total() > 0 && counts.total() <= assignments as u64);
    assert_eq!(counts.removed, 0);

    let history = env
        .store
        .contractor_history(env.org.id, clean.id, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, ContractorStatus::Synced);
}

async fn reruns_change_nothing_and_links_follow_coverage_data() {
    let env = env(Size::Tiny).await;
    let first = env.sync().await;
    assert!(first.totals().links_issued > 0);
    let before = env.snapshot().await;

    let second = env.sync().await;
    assert_eq!(second.state(), RunState::Succeeded);
    assert_eq!(second.totals().rows_changed, 0);
    assert_eq!(second.totals().links_issued, 0);
    assert_eq!(second.totals().links_expired, 0);
    assert_eq!(second.totals().statuses, first.totals().statuses);
    let after = env.snapshot().await;
    for ((a, ta), (b, tb)) in before.iter().zip(&after) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.status, b.status);
        assert_eq!(a.updated_at, b.updated_at, "{:?}", a.creator_name);
        assert_eq!(ta, tb, "link of {:?} changed", a.creator_name);
    }

    // Work state changes the coverage: new link. A name change does not.
    let upcoming = scenarios::CAMPAIGN_UPCOMING.id;
    let clean = env.row(upcoming, scenarios::CLEAN.publisher_id).await;
    let clean_link = env.link(&clean).await.unwrap();
    // Its estimate at the example rates: $4,500 in MA.
    let estimate = clean.estimate.expect("a synced row is priced");
    assert_eq!(estimate.coverage, domain::store::CoverageTypes::Both);
    assert_eq!(
        (
            estimate.general_cents,
            estimate.workers_comp_cents,
            estimate.platform_fee_cents
        ),
        (Some(2_925), Some(5_400), 11_250)
    );
    // Working in Ohio: general liability only, with the warning saying why.
    let ohio = env
        .row(upcoming, scenarios::STATE_FUND_OHIO.publisher_id)
        .await;
    let ohio_estimate = ohio.estimate.unwrap();
    assert_eq!(
        ohio_estimate.coverage,
        domain::store::CoverageTypes::General
    );
    assert_eq!(ohio_estimate.workers_comp_cents, None);
    assert!(ohio
        .warnings
        .iter()
        .any(|w| w.message.contains("Ohio state fund")));
    let dc = env
        .row(upcoming, scenarios::WORK_STATE_DC.publisher_id)
        .await;
    let dc_link = env.link(&dc).await.unwrap();
    let mut work_state = CreatorEdit {
        campaign_id: Some(upcoming),
        ..CreatorEdit::default()
    };
    work_state.custom_fields.insert(8, Some("TX".to_string()));
    work_state
        .custom_fields
        .insert(10, Some("6000".to_string()));
    env.sandbox
        .handle
        .edit_creator(scenarios::CLEAN.publisher_id, &work_state)
        .unwrap();
    let rename = CreatorEdit {
        first_name: Some("Renamed".to_string()),
        ..CreatorEdit::default()
    };
    env.sandbox
        .handle
        .edit_creator(scenarios::WORK_STATE_DC.publisher_id, &rename)
        .unwrap();

    let third = env.sync().await;
    assert_eq!(third.totals().rows_changed, 2, "{:?}", third.totals());
    assert_eq!(third.totals().links_issued, 1);
    assert_eq!(third.totals().links_expired, 1);

    let clean = env.row(upcoming, scenarios::CLEAN.publisher_id).await;
    assert_eq!(clean.work_state.as_deref(), Some("TX"));
    // A new base pay and work state in CreatorIQ: a new estimate at the next sync ($6,000 in
    // TX: general 0.75%, workers' comp 1.20%, fee 2.5%).
    let estimate = clean.estimate.unwrap();
    assert_eq!(
        (
            estimate.general_cents,
            estimate.workers_comp_cents,
            estimate.platform_fee_cents
        ),
        (Some(4_500), Some(7_200), 15_000)
    );
    let new_link = env.link(&clean).await.unwrap();
    assert_ne!(new_link.token, clean_link.token);
    let history = env.store.link_history(env.org.id, clean.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].token, clean_link.token);
    assert_eq!(history[1].state, LinkState::Expired);
    assert_eq!(
        history[1].retired_reason,
        Some(RetireReason::CoverageChanged)
    );

    let dc = env
        .row(upcoming, scenarios::WORK_STATE_DC.publisher_id)
        .await;
    assert!(dc
        .creator_name
        .as_deref()
        .unwrap_or("")
        .starts_with("Renamed"));
    assert_eq!(env.link(&dc).await.unwrap().token, dc_link.token);

    // An operator can still ask for a new link.
    let regenerated = write_path::regenerate_link(
        env.store.as_ref(),
        env.org.id,
        dc.id,
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    assert_ne!(regenerated.token, dc_link.token);
    let history = env.store.link_history(env.org.id, dc.id).await.unwrap();
    assert_eq!(history[1].retired_reason, Some(RetireReason::Regenerated));
    // ...and the next sync keeps it.
    env.sync().await;
    assert_eq!(env.link(&dc).await.unwrap().token, regenerated.token);
}

async fn injected_faults_are_retried_until_every_creator_is_synced() {
    let mut ciq = fast_ciq();
    ciq.request_timeout = Duration::from_millis(300);
    ciq.max_attempts = 12;
    let env = env_with(Size::Tiny, ciq).await;
    let clean = env.sync().await;
    env.sandbox.handle.set_faults(FaultConfig {
        rate_429: 0.1,
        rate_500: 0.05,
        rate_timeout: 0.05,
        timeout_ms: Some(600),
        ..FaultConfig::default()
    });
    // Wipe the rows so the faulty run has to produce every one of them.
    let fresh = env_with_same_sandbox(&env).await;
    let summary = fresh
        .engine
        .sync_organization(fresh.org.id, Trigger::new(TriggerKind::Manual, None))
        .await
        .unwrap();
    env.sandbox.handle.clear_faults();
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    assert!(summary.totals().errors.is_empty());
    assert_eq!(summary.totals().statuses, clean.totals().statuses);
    assert!(summary.totals().ciq_retries > 0, "faults were injected");
    assert_eq!(
        summary.totals().ciq_requests,
        clean.totals().ciq_requests + summary.totals().ciq_retries
    );
}

/// A second organization (own database rows) on the same sandbox.
async fn env_with_same_sandbox(env: &Env) -> OrgOnly {
    let org = env
        .store
        .create_organization("acme-2", "Acme Two")
        .await
        .unwrap();
    store_key_unchecked(
        env.store.as_ref(),
        &env.master,
        org.id,
        &env.sandbox.base_url,
        ciq_sandbox::PARTNER1_KEY,
    )
    .await;
    OrgOnly {
        org,
        engine: env.engine.clone(),
    }
}

struct OrgOnly {
    org: domain::store::Organization,
    engine: SyncEngine,
}

async fn a_failing_campaign_keeps_its_rows_and_the_run_reports_it() {
    let env = env(Size::Tiny).await;
    env.sync().await;
    let upcoming = scenarios::CAMPAIGN_UPCOMING.id;
    let before = env.row(upcoming, scenarios::CLEAN.publisher_id).await;
    let link_before = env.link(&before).await.unwrap();

    env.sandbox.handle.set_faults(FaultConfig {
        rate_500: 1.0,
        campaign_id: Some(upcoming),
        ..FaultConfig::default()
    });
    let summary = env.sync().await;
    env.sandbox.handle.clear_faults();
    assert_eq!(summary.state(), RunState::Partial);
    assert_eq!(summary.totals().progress.campaigns_failed, 1);
    let failure = &summary.totals().errors[0];
    assert_eq!(failure.ciq_campaign_id, Some(i64::from(upcoming)));
    assert_eq!(failure.code, "server_error");

    let during = env.row(upcoming, scenarios::CLEAN.publisher_id).await;
    assert_eq!(during.status, ContractorStatus::Error);
    assert!(during.error.as_ref().unwrap().message.contains("HTTP 500"));
    assert_eq!(during.email, before.email);
    assert_eq!(during.work_state, before.work_state);
    assert_eq!(env.link(&during).await.unwrap().token, link_before.token);
    // Other campaigns were synced as usual.
    let tomorrow = env
        .row(
            scenarios::CAMPAIGN_STARTS_TOMORROW.id,
            scenarios::START_TOMORROW.publisher_id,
        )
        .await;
    assert_eq!(tomorrow.status, ContractorStatus::Synced);

    // Once CreatorIQ answers again, the row is back with the same link.
    let healed = env.sync().await;
    assert_eq!(healed.state(), RunState::Succeeded);
    let after = env.row(upcoming, scenarios::CLEAN.publisher_id).await;
    assert_eq!(after.status, ContractorStatus::Synced);
    assert_eq!(env.link(&after).await.unwrap().token, link_before.token);
}

async fn a_full_sync_of_the_demo_dataset_stays_within_the_request_budget() {
    let env = env(Size::Demo).await;
    env.sandbox.handle.set_faults(FaultConfig::default());
    // The key was checked with one request when it was saved.
    let before = env.sandbox_requests();
    let summary = env.sync().await;
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    let used = env.sandbox_requests() - before;
    let campaigns = summary.totals().progress.campaigns_total;
    // The client walks campaigns 100 per page.
    let pages = campaigns.div_ceil(100).max(1);
    let budget = pages + 2 * campaigns + summary.totals().ciq_retries;
    println!("demo dataset: {campaigns} campaigns, {used} CreatorIQ requests (budget {budget})");
    assert_eq!(used, summary.totals().ciq_requests);
    assert!(used <= budget, "{used} requests > {budget}");
    assert!(summary.totals().statuses.total() >= 300);
}

async fn a_creator_gone_from_a_campaign_is_removed_and_their_link_expires() {
    let env = env(Size::Tiny).await;
    env.sync().await;
    let tomorrow = scenarios::CAMPAIGN_STARTS_TOMORROW.id;
    let creator = scenarios::TWO_CAMPAIGNS.publisher_id;
    let row = env.row(tomorrow, creator).await;
    let link = env.link(&row).await.unwrap();

    // Moved back to candidate: CreatorIQ no longer lists them on the campaign.
    let edit = CreatorEdit {
        campaign_id: Some(tomorrow),
        status: Some("Selected".to_string()),
        ..CreatorEdit::default()
    };
    env.sandbox.handle.edit_creator(creator, &edit).unwrap();
    let summary = env.sync().await;
    assert_eq!(summary.totals().statuses.removed, 1);
    assert_eq!(summary.totals().links_expired, 1);

    let row = env.row(tomorrow, creator).await;
    assert_eq!(row.status, ContractorStatus::Removed);
    assert_eq!(
        row.email.as_deref(),
        Some("scenario.two-campaigns@example.com")
    );
    assert!(env.link(&row).await.is_none());
    let history = env.store.link_history(env.org.id, row.id).await.unwrap();
    assert_eq!(history[0].token, link.token);
    assert_eq!(history[0].state, LinkState::Expired);
    assert_eq!(history[0].retired_reason, Some(RetireReason::Removed));
    let public = env.store.link_by_token(&link.token).await.unwrap().unwrap();
    assert_eq!(public.link.state, LinkState::Expired);
    // Their row on the other campaign is untouched.
    let other = env.row(scenarios::CAMPAIGN_UPCOMING.id, creator).await;
    assert_eq!(other.status, ContractorStatus::Synced);

    // Back on the campaign: synced again, with a new link.
    let edit = CreatorEdit {
        campaign_id: Some(tomorrow),
        status: Some("Accepted".to_string()),
        ..CreatorEdit::default()
    };
    env.sandbox.handle.edit_creator(creator, &edit).unwrap();
    env.sync().await;
    let row = env.row(tomorrow, creator).await;
    assert_eq!(row.status, ContractorStatus::Synced);
    assert_ne!(env.link(&row).await.unwrap().token, link.token);
}

async fn concurrent_triggers_produce_one_run() {
    let env = env(Size::Tiny).await;
    env.sandbox.handle.set_faults(FaultConfig {
        latency_ms: 20,
        ..FaultConfig::default()
    });
    let trigger = |who: &str| Trigger::new(TriggerKind::Manual, who.to_string());
    let (a, b) = tokio::join!(
        env.engine
            .sync_organization(env.org.id, trigger("a@acme.example")),
        env.engine
            .sync_organization(env.org.id, trigger("b@acme.example")),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.run_id(), b.run_id());
    assert!(a.joined != b.joined, "exactly one trigger started the run");

    // A second server instance on the same database joins through the lease.
    let other = SyncEngine::new(
        env.store.clone(),
        env.master.clone(),
        SyncConfig {
            environments: allowing(&env.sandbox.base_url),
            ..engine_config(fast_ciq())
        },
    )
    .unwrap();
    let handle = env
        .engine
        .start_sync(env.org.id, trigger("c@acme.example"))
        .await
        .unwrap();
    let mut progress = handle.subscribe();
    let remote = other
        .sync_organization(env.org.id, trigger("d@acme.example"))
        .await
        .unwrap();
    let local = handle.wait().await.unwrap();
    env.sandbox.handle.clear_faults();
    assert!(remote.joined);
    assert_eq!(remote.run_id(), local.run_id());
    assert_eq!(remote.run.state, RunState::Succeeded);
    let last = progress.borrow_and_update().clone();
    assert!(matches!(last, LiveRun::Finished(ref r) if r.is_ok()));
    assert_eq!(
        local.totals().progress.campaigns_done,
        local.totals().progress.campaigns_total
    );

    let runs = env.store.sync_runs(env.org.id, None, 10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.state == RunState::Succeeded));
    assert!(env
        .store
        .running_sync_run(env.org.id)
        .await
        .unwrap()
        .is_none());
}

async fn live_progress_is_published_and_stored() {
    let env = env(Size::Tiny).await;
    env.sandbox.handle.set_faults(FaultConfig {
        latency_ms: 15,
        ..FaultConfig::default()
    });
    let handle = env
        .engine
        .start_sync(env.org.id, Trigger::new(TriggerKind::Manual, None))
        .await
        .unwrap();
    let run_id = handle.run_id;
    let mut rx = handle.subscribe();
    let mut seen = Vec::new();
    loop {
        let state = rx.borrow_and_update().clone();
        match state {
            LiveRun::Running { progress, .. } => seen.push(progress.campaigns_done),
            LiveRun::Restarted { .. } => panic!("nothing died"),
            LiveRun::Finished(result) => {
                (*result).unwrap();
                break;
            }
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
    env.sandbox.handle.clear_faults();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    let stored = env
        .store
        .sync_run(env.org.id, run_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.totals.progress.campaigns_done,
        stored.totals.progress.campaigns_total
    );
    assert!(stored.totals.progress.creators_done > 0);
    assert!(env.engine.live_run(env.org.id).await.is_none());
}

async fn a_row_resync_uses_the_per_creator_endpoints() {
    let env = env(Size::Tiny).await;
    env.sync().await;
    let upcoming = scenarios::CAMPAIGN_UPCOMING.id;
    let row = env
        .row(upcoming, scenarios::MISSING_EMAIL.publisher_id)
        .await;
    assert_eq!(row.status, ContractorStatus::NeedsAttention);

    let fix = CreatorEdit {
        email: Some(Some("found@example.com".to_string())),
        ..CreatorEdit::default()
    };
    env.sandbox
        .handle
        .edit_creator(scenarios::MISSING_EMAIL.publisher_id, &fix)
        .unwrap();
    let summary = env
        .engine
        .resync_row(
            env.org.id,
            row.id,
            Trigger::new(TriggerKind::Row, "ops@acme.example".to_string()),
        )
        .await
        .unwrap();
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    assert_eq!(summary.run.contractor_id, Some(row.id));
    // Campaign, the creator's campaign entry, publisher, contact.
    assert_eq!(summary.totals().ciq_requests, 4);
    let row = env
        .row(upcoming, scenarios::MISSING_EMAIL.publisher_id)
        .await;
    assert_eq!(row.status, ContractorStatus::Synced);
    assert_eq!(row.email.as_deref(), Some("found@example.com"));
    assert!(env.link(&row).await.is_some());

    // Another organization cannot re-sync this row.
    let other = env
        .store
        .create_organization("other", "Other")
        .await
        .unwrap();
    let err = env
        .engine
        .resync_row(other.id, row.id, Trigger::new(TriggerKind::Row, None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, domain::sync::SyncError::NotFound(_)),
        "{err:?}"
    );
}

async fn a_refused_key_fails_the_run_without_touching_rows() {
    let env = env(Size::Tiny).await;
    env.sync().await;
    let counts = env
        .store
        .contractor_status_counts(env.org.id)
        .await
        .unwrap();
    env.store_key_unchecked("not-a-sandbox-key-0000").await;
    let summary = env.sync().await;
    assert_eq!(summary.state(), RunState::Failed);
    assert!(summary
        .totals()
        .error
        .as_deref()
        .unwrap()
        .contains("API key"));
    assert_eq!(
        env.store
            .contractor_status_counts(env.org.id)
            .await
            .unwrap(),
        counts
    );
    let _ = Arc::clone(&env.store);
}

/// The same statuses, per row, as a sync against the default sandbox.
async fn statuses(env: &Env) -> Vec<(i64, i64, ContractorStatus, Vec<String>)> {
    let mut out = Vec::new();
    for creator in ciq_sandbox::scenarios::CREATORS {
        for campaign in creator.campaign_ids {
            let row = env.row(*campaign, creator.publisher_id).await;
            let codes = row
                .failures
                .iter()
                .map(|f| format!("{:?}", f.code))
                .collect();
            out.push((row.ciq_campaign_id, row.ciq_publisher_id, row.status, codes));
        }
    }
    out
}

/// Syncs a sandbox set up by `settings` and checks every scenario row ends as against the
/// default sandbox. Returns the run and the CreatorIQ requests it took.
async fn same_rows_as_the_default_sandbox(
    settings: impl FnOnce(&mut ciq_sandbox::SandboxConfig),
) -> (domain::sync::RunSummary, u64) {
    let plain = env(Size::Tiny).await;
    let plain_summary = plain.sync().await;
    let env = env_custom(Size::Tiny, fast_ciq(), settings, |_| {}).await;
    let before = env.sandbox_requests();
    let summary = env.sync().await;
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    assert_eq!(statuses(&env).await, statuses(&plain).await);
    assert_eq!(summary.totals().statuses, plain_summary.totals().statuses);
    let used = env.sandbox_requests() - before;
    assert_eq!(used, summary.totals().ciq_requests);
    (summary, used)
}

async fn sections_given_only_per_creator_are_fetched_not_read_as_missing_payment() {
    let (summary, used) =
        same_rows_as_the_default_sandbox(|s| s.sections_need_publisher_id = true).await;
    // One extra request per creator entry: the bulk answer had no sections to read.
    let campaigns = summary.totals().progress.campaigns_total;
    let entries = summary.totals().statuses.total() - summary.totals().statuses.removed;
    assert_eq!(used, 1 + 2 * campaigns + entries, "{used} requests");
}

async fn a_strict_reading_of_publishers_list_fields_still_gives_every_contact_field() {
    let (summary, used) = same_rows_as_the_default_sandbox(|s| s.strict_list_fields = true).await;
    let campaigns = summary.totals().progress.campaigns_total;
    assert_eq!(
        used,
        1 + 2 * campaigns,
        "no per-creator fallbacks were needed"
    );
}

async fn the_daily_quota_stops_a_sync_cleanly_and_is_shared_by_engines() {
    // Saving the key costs 1 request, listing campaigns 1, each campaign 2: a limit of 8 lets
    // three campaigns through.
    let env = env_custom(
        Size::Tiny,
        fast_ciq(),
        |_| {},
        |c| c.daily_request_limit = 8,
    )
    .await;
    let before = env
        .store
        .contractor_status_counts(env.org.id)
        .await
        .unwrap();
    assert_eq!(before.total(), 0);
    let summary = env.sync().await;
    let totals = summary.totals();
    assert_eq!(summary.state(), RunState::Failed, "{totals:?}");
    let error = totals.error.clone().unwrap_or_default();
    assert!(
        error.contains("used its 8 CreatorIQ requests for today"),
        "{error}"
    );
    assert!(error.contains("after midnight UTC"), "{error}");
    assert_eq!(totals.progress.campaigns_done, 3, "{totals:?}");
    assert_eq!(totals.progress.campaigns_failed, 0, "{totals:?}");
    assert_eq!(env.sandbox_requests(), 8, "nothing was sent past the quota");
    // What was fetched is stored; nothing was marked as an error for the stop.
    let after = env
        .store
        .contractor_status_counts(env.org.id)
        .await
        .unwrap();
    assert!(after.total() > 0);
    assert_eq!(after.error, 0);
    let usage = env
        .engine
        .requests_today(env.org.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((usage.used, usage.limit), (8, 8));

    // A second engine (another server instance) on the same database sees the same count.
    let other = SyncEngine::new(
        env.store.clone(),
        env.master.clone(),
        SyncConfig {
            environments: allowing(&env.sandbox.base_url),
            daily_request_limit: 8,
            ..engine_config(fast_ciq())
        },
    )
    .unwrap();
    let again = other
        .sync_organization(env.org.id, Trigger::new(TriggerKind::Cli, "b".to_string()))
        .await
        .unwrap();
    assert_eq!(again.state(), RunState::Failed);
    assert_eq!(again.totals().ciq_requests, 0);
    assert_eq!(env.sandbox_requests(), 8);
}

async fn a_dead_holder_is_taken_over_by_a_waiting_trigger() {
    let env = env_custom(
        Size::Tiny,
        fast_ciq(),
        |_| {},
        |c| {
            c.lease_ttl = Duration::from_millis(600);
            c.lease_heartbeat = Duration::from_millis(150);
        },
    )
    .await;
    // Another instance began a run and died at once: its lease is never renewed.
    let dead = match env
        .store
        .begin_sync_run(
            env.org.id,
            &Trigger::new(TriggerKind::Manual, "dead".to_string()),
            None,
            &domain::store::LeaseRequest {
                holder: "instance-that-died".to_string(),
                ttl: chrono::Duration::milliseconds(600),
            },
        )
        .await
        .unwrap()
    {
        domain::store::BeginRun::Started(id) => id,
        other => panic!("{other:?}"),
    };
    let started = std::time::Instant::now();
    let handle = env
        .engine
        .start_sync(
            env.org.id,
            Trigger::new(TriggerKind::Cli, "waiting".to_string()),
        )
        .await
        .unwrap();
    assert!(
        handle.joined,
        "the trigger first waits for the run that holds the lease"
    );
    let mut live = handle.subscribe();
    let restarted = tokio::spawn(async move {
        loop {
            if let LiveRun::Restarted { previous, run_id } = *live.borrow_and_update() {
                return Some((previous, run_id));
            }
            if live.changed().await.is_err() {
                return None;
            }
        }
    });
    let summary = handle.wait().await.unwrap();
    let waited = started.elapsed();
    let (previous, new_run) = restarted
        .await
        .unwrap()
        .expect("the takeover was announced");
    assert_eq!(previous, dead);
    assert_eq!(summary.run.id, new_run);
    assert_ne!(new_run, dead);
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    assert!(
        waited < Duration::from_secs(10),
        "took over after {waited:?}"
    );
    let dead_run = env.store.sync_run(env.org.id, dead).await.unwrap().unwrap();
    assert_eq!(dead_run.state, RunState::Failed);
    assert!(dead_run
        .totals
        .error
        .unwrap_or_default()
        .contains("interrupted"));
    assert!(
        env.store
            .contractor_status_counts(env.org.id)
            .await
            .unwrap()
            .total()
            > 0
    );
}

async fn a_slow_campaign_keeps_its_lease_through_heartbeats() {
    let env = env_custom(
        Size::Tiny,
        fast_ciq(),
        |_| {},
        |c| {
            c.lease_ttl = Duration::from_millis(500);
            c.lease_heartbeat = Duration::from_millis(100);
        },
    )
    .await;
    // Every request about one campaign takes longer than the whole lease.
    env.sandbox.handle.set_faults(FaultConfig {
        latency_ms: 700,
        campaign_id: Some(scenarios::CAMPAIGN_STARTS_TOMORROW.id),
        ..FaultConfig::default()
    });
    let handle = env
        .engine
        .start_sync(env.org.id, Trigger::new(TriggerKind::Cli, "a".to_string()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    // Another instance's trigger, while the slow campaign is being read: it must join, not
    // take over a lease whose holder is alive.
    let other = SyncEngine::new(
        env.store.clone(),
        env.master.clone(),
        SyncConfig {
            environments: allowing(&env.sandbox.base_url),
            lease_ttl: Duration::from_millis(500),
            lease_heartbeat: Duration::from_millis(100),
            ..engine_config(fast_ciq())
        },
    )
    .unwrap();
    let joined = other
        .sync_organization(env.org.id, Trigger::new(TriggerKind::Cli, "b".to_string()))
        .await
        .unwrap();
    let summary = handle.wait().await.unwrap();
    env.sandbox.handle.clear_faults();
    assert!(joined.joined);
    assert_eq!(joined.run_id(), summary.run_id());
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    assert_eq!(
        env.store
            .sync_runs(env.org.id, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Alerts go by email (a local SMTP sink) and webhook (a local listener), once per condition
/// until it clears, and never carry the key.
async fn alerts_are_sent_once_per_condition_until_it_clears() {
    use domain::alerts::{AlertConfig, SmtpConfig, SmtpTls};
    use domain::sync::WebhookChange;

    // The coverage deadline alerts of the campaigns starting soon are their own test; here
    // they are set aside and only counted.
    // (Folded header lines and quoted-printable soft breaks joined first.)
    let is_deadline = |text: &str| {
        text.replace("=\r\n", "")
            .replace("\r\n ", " ")
            .contains("of its creators")
    };
    let others =
        |all: Vec<String>| -> Vec<String> { all.into_iter().filter(|m| !is_deadline(m)).collect() };
    let others_json = |all: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        all.into_iter()
            .filter(|b| !is_deadline(b["text"].as_str().unwrap_or_default()))
            .collect()
    };
    let smtp = SmtpSink::start().await;
    let hook = HookListener::start().await;
    let hook_host = hook.addr.to_string();
    let env = env_custom(
        Size::Tiny,
        fast_ciq(),
        |_| {},
        |c| {
            c.alerts = AlertConfig {
                smtp: Some(SmtpConfig {
                    host: "127.0.0.1".to_string(),
                    port: smtp.port,
                    username: None,
                    password: None,
                    from: "CreatorIQ Cover <alerts@cover.test>".to_string(),
                    tls: SmtpTls::None,
                }),
                http_hosts: vec![hook_host.clone()],
            };
            c.public_base_url = Some("https://cover.test".to_string());
        },
    )
    .await;
    let webhook_url = format!("http://{hook_host}/hook/T000/B000/hook-secret-part");
    let saved = env
        .engine
        .save_alert_recipients(
            env.org.id,
            "ops@agency.test",
            WebhookChange::Set(&webhook_url),
            None,
        )
        .await
        .unwrap();
    assert_eq!(saved.webhook_shown.as_deref(), Some("http://127.0.0.1"));
    let stored = env.store.alert_settings(env.org.id).await.unwrap();
    let sealed = stored.webhook_url.unwrap().0;
    assert!(
        !String::from_utf8_lossy(&sealed).contains("hook-secret-part"),
        "the webhook URL is stored sealed"
    );

    // A URL anywhere else over plain http is refused in words.
    let refused = env
        .engine
        .save_alert_recipients(
            env.org.id,
            "",
            WebhookChange::Set("http://hooks.example.com/x"),
            None,
        )
        .await;
    assert!(matches!(refused, Err(Ok(ref words)) if words.contains("https://")));

    // Send test alert: both channels, each told how it went.
    let outcomes = env.engine.send_test_alert(env.org.id).await.unwrap();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    assert_eq!(settle(|| others(smtp.received()).len(), 1).await, 1);
    assert!(others(smtp.received())[0].contains("Subject: Acme: test alert"));
    assert!(others(smtp.received())[0].contains("To: ops@agency.test"));
    assert_eq!(others_json(hook.received()).len(), 1);

    // The first sync finds rows needing attention where there were none: one alert.
    env.sync().await;
    assert_eq!(settle(|| others(smtp.received()).len(), 2).await, 2);
    assert!(
        others(smtp.received())[1].contains("rows need attention (was 0)"),
        "{}",
        others(smtp.received())[1]
    );
    assert_eq!(settle(|| others_json(hook.received()).len(), 2).await, 2);
    let text = others_json(hook.received())[1]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("cover.test/contractors?status=needs_attention"),
        "{text}"
    );

    // The same count again: nothing (and no deadline alert again either).
    let deadlines = || smtp.received().iter().filter(|m| is_deadline(m)).count();
    let first_deadlines = deadlines();
    assert!(first_deadlines >= 1, "the campaigns starting soon alerted");
    env.sync().await;
    assert_eq!(quiet(|| others(smtp.received()).len()).await, 2);
    assert_eq!(deadlines(), first_deadlines);

    // CreatorIQ refuses the key, twice: one alert, and not also a "run failed" one.
    env.store_key_unchecked("not-a-sandbox-key-0000").await;
    env.sync().await;
    env.sync().await;
    assert_eq!(settle(|| others(smtp.received()).len(), 3).await, 3);
    let refused = others(smtp.received())[2].clone();
    assert!(
        refused.contains("CreatorIQ refused the API key"),
        "{refused}"
    );
    assert!(
        !refused.contains("not-a-sandbox-key"),
        "the key never reaches an alert"
    );
    assert_eq!(settle(|| others_json(hook.received()).len(), 3).await, 3);

    // A working key clears it; refused again later, it alerts again.
    env.store_key_unchecked(ciq_sandbox::PARTNER1_KEY).await;
    env.sync().await;
    assert_eq!(quiet(|| others(smtp.received()).len()).await, 3);
    env.store_key_unchecked("not-a-sandbox-key-0000").await;
    env.sync().await;
    assert_eq!(settle(|| others(smtp.received()).len(), 4).await, 4);
    for body in others_json(hook.received()) {
        assert!(!body.to_string().contains("not-a-sandbox-key"));
    }
}

async fn selected_rows_are_resynced_in_one_run_with_progress() {
    let env = env(Size::Tiny).await;
    env.sync().await;
    let upcoming = scenarios::CAMPAIGN_UPCOMING.id;
    let missing = env
        .row(upcoming, scenarios::MISSING_EMAIL.publisher_id)
        .await;
    let clean = env.row(upcoming, scenarios::CLEAN.publisher_id).await;
    env.sandbox
        .handle
        .edit_creator(
            scenarios::MISSING_EMAIL.publisher_id,
            &CreatorEdit {
                email: Some(Some("found@example.com".to_string())),
                ..CreatorEdit::default()
            },
        )
        .unwrap();
    let handle = env
        .engine
        .resync_rows(
            env.org.id,
            vec![missing.id, clean.id],
            Trigger::new(TriggerKind::Row, "ops@acme.example".to_string()),
        )
        .await
        .unwrap();
    let summary = handle.wait().await.unwrap();
    assert_eq!(
        summary.state(),
        RunState::Succeeded,
        "{:?}",
        summary.totals()
    );
    let totals = summary.totals();
    assert_eq!(
        (
            totals.progress.campaigns_total,
            totals.progress.campaigns_done
        ),
        (2, 2),
        "progress counts the selected rows"
    );
    assert_eq!(totals.ciq_requests, 8, "4 per-creator requests per row");
    assert_eq!(summary.run.contractor_id, None);
    let fixed = env
        .row(upcoming, scenarios::MISSING_EMAIL.publisher_id)
        .await;
    assert_eq!(fixed.status, ContractorStatus::Synced);
    assert!(env.link(&fixed).await.is_some());
    let (audit, _) = env
        .store
        .audit_events(env.org.id, &Default::default(), 10)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.detail.as_deref() == Some("Re-sync of 2 selected rows")),
        "{audit:?}"
    );

    // Another organization's rows are refused before anything runs.
    let other = env
        .store
        .create_organization("other", "Other")
        .await
        .unwrap();
    let err = env
        .engine
        .resync_rows(
            other.id,
            vec![clean.id],
            Trigger::new(TriggerKind::Row, None),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, domain::sync::SyncError::NotFound(_)),
        "{err:?}"
    );
}

/// The background workers (webhook deliveries, schedules, pruning) stop once told to, each
/// after the work in hand, so a server that shuts down leaves nothing running.
async fn background_workers_stop_when_told() {
    let env = env(Size::Tiny).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let workers = env
        .engine
        .spawn_background(std::time::Duration::from_millis(50), stop.clone());
    assert_eq!(workers.len(), 3);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        workers.iter().all(|w| !w.is_finished()),
        "they run until told to stop"
    );
    stop.cancel();
    let all = async {
        for worker in workers {
            worker.await.expect("a worker ends without panicking");
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), all)
        .await
        .expect("every worker stops within 5 s of being told");
}

on_both_backends_scoped!(
    background_workers_stop_when_told,
    selected_rows_are_resynced_in_one_run_with_progress,
    every_scenario_creator_gets_its_documented_status,
    reruns_change_nothing_and_links_follow_coverage_data,
    injected_faults_are_retried_until_every_creator_is_synced,
    a_failing_campaign_keeps_its_rows_and_the_run_reports_it,
    a_full_sync_of_the_demo_dataset_stays_within_the_request_budget,
    a_creator_gone_from_a_campaign_is_removed_and_their_link_expires,
    concurrent_triggers_produce_one_run,
    live_progress_is_published_and_stored,
    a_row_resync_uses_the_per_creator_endpoints,
    a_refused_key_fails_the_run_without_touching_rows,
    sections_given_only_per_creator_are_fetched_not_read_as_missing_payment,
    a_strict_reading_of_publishers_list_fields_still_gives_every_contact_field,
    the_daily_quota_stops_a_sync_cleanly_and_is_shared_by_engines,
    a_dead_holder_is_taken_over_by_a_waiting_trigger,
    a_slow_campaign_keeps_its_lease_through_heartbeats,
    alerts_are_sent_once_per_condition_until_it_clears,
);
