//! `dashboard sync --org <slug>`: one organization's sync from the command line, with live
//! progress on stderr and a summary table on stdout.

use anyhow::Context;
use domain::creatoriq::ApiKey;
use domain::crypto::MasterKey;
use domain::store::{ContractorStatus, RunState, Store, Trigger, TriggerKind};
use domain::sync::{LiveRun, RunSummary, SyncEngine};

use super::SyncArgs;
use crate::{open_store, Config};

pub async fn run(config: &Config, args: SyncArgs) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let org = store
        .organization_by_slug(&args.org)
        .await?
        .with_context(|| format!("no organization with slug {:?}", args.org))?;
    let master = MasterKey::load_or_create(&args.master_key_file)
        .with_context(|| "loading the master key".to_string())?;
    let engine = SyncEngine::new(store.clone(), master, config.sync_config())?;

    match (&args.api_key, &args.base_url) {
        (Some(raw), base_url) => {
            let key = ApiKey::parse(raw).map_err(|e| anyhow::anyhow!("CreatorIQ API key: {e}"))?;
            let base_url = match base_url {
                Some(url) => url.clone(),
                None => current_environment(&engine, store.as_ref(), org.id).await?,
            };
            let campaigns = engine
                .connect_creatoriq(org.id, &base_url, &key)
                .await
                .map_err(|e| anyhow::anyhow!("the CreatorIQ key was not saved: {e}"))?;
            println!(
                "Connected {} to CreatorIQ at {base_url}: the key ending in {} sees {campaigns} \
                 campaign(s).",
                org.slug,
                key.last4()
            );
        }
        (None, Some(_)) => anyhow::bail!(
            "changing the CreatorIQ environment needs the API key again (a stored key is sealed \
             for one environment): pass --api-key or set CIQ_API_KEY"
        ),
        (None, None) => {}
    }
    if args.no_sync {
        println!("Saved the CreatorIQ settings of {}.", org.slug);
        return Ok(());
    }

    let by = std::env::var("USER").ok();
    let handle = engine
        .start_sync(org.id, Trigger::new(TriggerKind::Cli, by))
        .await?;
    if handle.joined {
        eprintln!("A sync of {} is already running; waiting for it.", org.slug);
    }
    let mut live = handle.subscribe();
    let progress = tokio::spawn(async move {
        while live.changed().await.is_ok() {
            let state = live.borrow_and_update().clone();
            match state {
                LiveRun::Running { progress, .. } if progress.campaigns_total > 0 => {
                    eprintln!(
                        "  campaigns {}/{}  creators {}",
                        progress.campaigns_done, progress.campaigns_total, progress.creators_done
                    );
                }
                LiveRun::Restarted { previous, run_id } => eprintln!(
                    "Sync run #{} stopped without finishing (the server running it stopped \
                     answering). Starting a new sync, run #{}.",
                    previous.0, run_id.0
                ),
                _ => {}
            }
        }
    });
    let summary = handle.wait().await;
    progress.abort();
    let summary = summary?;
    print!("{}", render(&org.slug, &summary));
    if summary.state() == RunState::Failed {
        anyhow::bail!("the sync failed");
    }
    Ok(())
}

/// The organization's stored environment when the server still allows it, else the default.
async fn current_environment(
    engine: &SyncEngine,
    store: &dyn Store,
    org: domain::store::OrgId,
) -> anyhow::Result<String> {
    let stored = store.ciq_settings(org).await?.base_url;
    let envs = engine.environments();
    envs.get(&stored)
        .or_else(|| envs.default_environment())
        .map(|e| e.base_url().to_string())
        .context("no CreatorIQ environment is configured")
}

/// The summary table.
fn render(slug: &str, summary: &RunSummary) -> String {
    use std::fmt::Write;
    let run = &summary.run;
    let t = &run.totals;
    let mut out = String::new();
    let seconds = summary
        .duration()
        .map_or(0.0, |d| d.num_milliseconds() as f64 / 1000.0);
    let _ = writeln!(
        out,
        "Sync run #{} of {slug}: {} in {seconds:.1} s",
        run.id.0,
        run.state.as_str()
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "  {:<18} {:>8}", "Status", "Rows");
    for status in ContractorStatus::ALL {
        let _ = writeln!(
            out,
            "  {:<18} {:>8}",
            status.as_str(),
            t.statuses.get(status)
        );
    }
    let _ = writeln!(out, "  {:<18} {:>8}", "total", t.statuses.total());
    let _ = writeln!(out);
    let rows = [
        (
            "Campaigns",
            format!(
                "{} of {} ({} failed)",
                t.progress.campaigns_done, t.progress.campaigns_total, t.progress.campaigns_failed
            ),
        ),
        ("Rows changed", t.rows_changed.to_string()),
        ("Links issued", t.links_issued.to_string()),
        ("Links expired", t.links_expired.to_string()),
        (
            "CreatorIQ requests",
            format!("{} ({} retries)", t.ciq_requests, t.ciq_retries),
        ),
    ];
    for (label, value) in rows {
        let _ = writeln!(out, "  {label:<18} {value}");
    }
    if let Some(error) = &t.error {
        let _ = writeln!(out, "\nThe run failed: {error}");
    }
    if !t.errors.is_empty() {
        let _ = writeln!(out, "\nErrors:");
        for e in &t.errors {
            let place = match (e.ciq_campaign_id, e.ciq_publisher_id) {
                (Some(c), Some(p)) => format!("campaign {c}, creator {p}"),
                (Some(c), None) => format!("campaign {c}"),
                _ => "run".to_string(),
            };
            let _ = writeln!(out, "  {place}: {}", e.message);
        }
    }
    out
}
