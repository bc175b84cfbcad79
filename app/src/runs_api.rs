//! Sync runs: the organization's run history and one run's detail. Every read is scoped to the
//! signed-in member's organization; another organization's run id reads as "not found".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;
pub use vocabulary::{RunState, StatusCounts, TriggerKind};

/// Runs per page of the history.
pub const RUNS_PER_PAGE: u32 = 25;

/// One failure inside a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunErrorView {
    pub campaign: Option<i64>,
    pub creator: Option<i64>,
    pub message: String,
}

/// A sync run as the dashboard shows it. Times are preformatted on the server so the page reads
/// the same before and after hydration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: i64,
    pub trigger: TriggerKind,
    pub by: Option<String>,
    pub state: RunState,
    pub started: String,
    /// "12.3 s", or `None` while running.
    pub duration: Option<String>,
    pub counts: StatusCounts,
    pub campaigns_total: u64,
    pub campaigns_done: u64,
    pub campaigns_failed: u64,
    /// Campaigns skipped by a scheduled run because their end date has passed.
    pub campaigns_ended: u64,
    pub creators_done: u64,
    pub rows_changed: u64,
    pub links_issued: u64,
    pub links_expired: u64,
    pub ciq_requests: u64,
    pub ciq_retries: u64,
    /// Why the whole run failed, when it did.
    pub run_error: Option<String>,
    pub error_count: u64,
    /// Filled in by the detail only.
    pub errors: Vec<RunErrorView>,
}

impl RunView {
    pub fn is_running(&self) -> bool {
        self.state == RunState::Running
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunsPage {
    pub runs: Vec<RunView>,
    /// `?before=` for the next (older) page, when there is one.
    pub older: Option<i64>,
}

#[cfg(feature = "ssr")]
pub(crate) fn view_of(run: &domain::store::SyncRun, with_errors: bool) -> RunView {
    let t = &run.totals;
    let duration = run.finished_at.map(|f| {
        let ms = (f - run.started_at).num_milliseconds().max(0);
        if ms < 60_000 {
            format!("{:.1} s", ms as f64 / 1000.0)
        } else {
            format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
        }
    });
    RunView {
        id: run.id.0,
        trigger: run.trigger.kind,
        by: run.trigger.by.clone(),
        state: run.state,
        started: run.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        duration,
        counts: t.statuses,
        campaigns_total: t.progress.campaigns_total,
        campaigns_done: t.progress.campaigns_done,
        campaigns_failed: t.progress.campaigns_failed,
        campaigns_ended: t.progress.campaigns_ended,
        creators_done: t.progress.creators_done,
        rows_changed: t.rows_changed,
        links_issued: t.links_issued,
        links_expired: t.links_expired,
        ciq_requests: t.ciq_requests,
        ciq_retries: t.ciq_retries,
        run_error: t.error.clone(),
        error_count: t.errors.len() as u64 + u64::from(t.error.is_some()),
        errors: if with_errors {
            t.errors
                .iter()
                .map(|e| RunErrorView {
                    campaign: e.ciq_campaign_id,
                    creator: e.ciq_publisher_id,
                    message: e.message.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// A page of the organization's runs, newest first; `before` pages back.
#[server(endpoint = "runs/list")]
pub async fn list_sync_runs(before: Option<i64>) -> Result<RunsPage, AppError> {
    use crate::ssr::{current_member, server_context};
    use domain::store::SyncRunId;

    let member = current_member().await?;
    let ctx = server_context()?;
    // One extra row tells whether an older page exists.
    let mut runs = ctx
        .store
        .sync_runs(member.org_id, before.map(SyncRunId), RUNS_PER_PAGE + 1)
        .await
        .context("listing sync runs")?;
    let older = if runs.len() > RUNS_PER_PAGE as usize {
        runs.truncate(RUNS_PER_PAGE as usize);
        runs.last().map(|r| r.id.0)
    } else {
        None
    };
    Ok(RunsPage {
        runs: runs.iter().map(|r| view_of(r, false)).collect(),
        older,
    })
}

/// One run of the member's organization, or `None` (also for another organization's run).
#[server(endpoint = "runs/get")]
pub async fn get_sync_run(id: i64) -> Result<Option<RunView>, AppError> {
    use crate::ssr::{current_member, server_context};
    use domain::store::SyncRunId;

    let member = current_member().await?;
    let ctx = server_context()?;
    let run = ctx
        .store
        .sync_run(member.org_id, SyncRunId(id))
        .await
        .context("loading a sync run")?;
    Ok(run.map(|r| view_of(&r, true)))
}
