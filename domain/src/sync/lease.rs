//! One run per organization across server instances: following a run another instance holds,
//! taking over one whose lease expired, and keeping our own lease alive.

use super::*;

impl SyncEngine {
    /// Waits for a run another instance holds; when that instance dies (its lease lapses), takes
    /// the lease over and runs a new run in its place, saying so on the live channel.
    pub(super) async fn follow_or_take_over(
        &self,
        org: OrgId,
        mut run_id: SyncRunId,
        trigger: Trigger,
        scope: Scope,
        tx: &watch::Sender<LiveRun>,
    ) -> Result<RunSummary, SyncError> {
        let contractor = scope.contractor();
        loop {
            match self.follow_remote_run(org, run_id, tx).await {
                Err(SyncError::HolderDied(_)) => {}
                other => return other,
            }
            tracing::warn!(
                org = org.0,
                run = run_id.0,
                "the instance running this sync stopped; taking over"
            );
            let begun = self
                .inner
                .store
                .begin_sync_run(org, &trigger, contractor, &self.lease())
                .await?;
            match begun {
                BeginRun::Started(new_run) => {
                    self.audit_started(org, new_run, &trigger, &scope).await;
                    let _ = tx.send(LiveRun::Restarted {
                        previous: run_id,
                        run_id: new_run,
                    });
                    return self.run(org, new_run, scope, tx).await;
                }
                // Another waiting instance took over first: follow its run.
                BeginRun::AlreadyRunning(other) => run_id = other,
            }
        }
    }

    /// Records in the audit log that a run started, by whom and how.
    pub(super) async fn audit_started(
        &self,
        org: OrgId,
        run: SyncRunId,
        trigger: &Trigger,
        scope: &Scope,
    ) {
        use crate::store::{Actor, AuditAction, NewAuditEvent, TriggerKind};
        let actor = match (trigger.member, &trigger.by) {
            (Some(member), Some(email)) => Actor::member(member, email),
            _ => Actor::system(
                trigger
                    .kind
                    .system_actor()
                    .or(trigger.by.as_deref())
                    .unwrap_or("dashboard"),
            ),
        };
        let how = match (trigger.kind, scope) {
            (_, Scope::Rows(ids)) if ids.len() == 1 => "Re-sync of 1 selected row".to_string(),
            (_, Scope::Rows(ids)) => format!("Re-sync of {} selected rows", ids.len()),
            (TriggerKind::Manual, _) => "Sync now".to_string(),
            (TriggerKind::Row, _) => "Re-sync of one row".to_string(),
            (TriggerKind::Cli, _) => match &trigger.by {
                Some(by) => format!("command line ({by})"),
                None => "command line".to_string(),
            },
            (TriggerKind::Webhook, _) => "a CreatorIQ webhook".to_string(),
            (TriggerKind::Scheduled, _) => "the schedule".to_string(),
        };
        let subject = match scope.contractor() {
            Some(c) => format!("run #{} (contractor #{})", run.0, c.0),
            None => format!("run #{}", run.0),
        };
        let event = NewAuditEvent::new(org, actor, AuditAction::SyncStarted)
            .subject(subject)
            .detail(how);
        crate::store::record_audit_or_log(self.inner.store.as_ref(), event).await;
    }

    /// Waits for a run that another server instance holds the lease for.
    pub(super) async fn follow_remote_run(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        tx: &watch::Sender<LiveRun>,
    ) -> Result<RunSummary, SyncError> {
        let store = &self.inner.store;
        loop {
            let run = store
                .sync_run(org, run_id)
                .await?
                .ok_or(SyncError::Interrupted)?;
            if run.state != RunState::Running {
                return Ok(RunSummary { run, joined: true });
            }
            let _ = tx.send(LiveRun::Running {
                run_id,
                progress: run.totals.progress,
            });
            if store.running_sync_run(org).await?.map(|r| r.id) != Some(run_id) {
                // Its lease lapsed without the run finishing: that instance died.
                let run = store.sync_run(org, run_id).await?;
                if let Some(run) = run.filter(|r| r.state != RunState::Running) {
                    return Ok(RunSummary { run, joined: true });
                }
                return Err(SyncError::HolderDied(run_id.0));
            }
            tokio::time::sleep(self.inner.config.join_poll_interval).await;
        }
    }

    /// Renews the run's lease every `lease_heartbeat` until aborted, independent of what the
    /// run is doing (a slow campaign must not look like a dead server). A lost lease is noticed
    /// by the run at its next progress write.
    pub(super) fn heartbeat(
        &self,
        org: OrgId,
        run_id: SyncRunId,
        lost: Arc<std::sync::atomic::AtomicBool>,
    ) -> tokio::task::JoinHandle<()> {
        let store = Arc::clone(&self.inner.store);
        let lease = self.lease();
        let every = self.inner.config.lease_heartbeat;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                match store.renew_sync_lease(org, run_id, &lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::error!(org = org.0, run = run_id.0, "sync lease lost");
                        lost.store(true, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                    Err(err) => tracing::warn!(error = ?err, "renewing the sync lease failed"),
                }
            }
        })
    }
}
