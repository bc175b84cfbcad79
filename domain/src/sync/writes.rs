//! The decisions behind a sync's writes, without a database.
//!
//! Given the rows a store holds for one campaign ([`StoredRow`]) and what the sync learned
//! ([`CampaignSync`]), [`plan_campaign_sync`] returns the explicit writes: which rows are
//! unchanged, rewritten, created, marked `error` or `removed`, which application links are
//! retired and why, which are issued, and the history entries with their text. The engine
//! hands the [`WritePlan`] to the store's [`WriteUnit`](crate::store::WriteUnit), which executes
//! it in one transaction, in order, and decides nothing itself, so every backend shares these
//! decisions and only differs in SQL.

use std::collections::{HashMap, HashSet};

use crate::links::{link_action, retired_state, CurrentLink, LinkAction, LinkState, RetireReason};
use crate::outreach::OutreachSettings;
use crate::store::{
    CampaignRecord, CampaignSync, ContractorStatus, ContractorUpdate, LinkOrigin, RowRef,
    StopReason, StoredLink, StoredRow, SyncFailure, Write, WritePlan,
};

/// The history text for a row that reaches `status`.
pub fn event_summary(
    status: ContractorStatus,
    update: Option<&ContractorUpdate>,
    error: Option<&str>,
) -> String {
    match (status, update, error) {
        (ContractorStatus::Error, _, Some(message)) => format!("error: {message}"),
        (ContractorStatus::NeedsAttention, Some(u), _) => {
            let codes: Vec<&str> = u.failures.iter().map(|f| f.code.as_str()).collect();
            format!("needs_attention: {}", codes.join(", "))
        }
        (ContractorStatus::Removed, _, _) => {
            "removed: no longer on the campaign in CreatorIQ".to_string()
        }
        (status, _, _) => status.as_str().to_string(),
    }
}

/// The one creator whose stored row a write needs, when the sync is about one creator only
/// (a single-row re-sync); `None` means the whole campaign's rows.
pub fn rows_needed(sync: &CampaignSync) -> Option<i64> {
    match (sync.complete, sync.rows.as_slice(), sync.removed.as_slice()) {
        (false, [row], []) => Some(row.ciq_publisher_id),
        (false, [], [publisher]) => Some(*publisher),
        _ => None,
    }
}

fn by_publisher(stored: &[StoredRow]) -> HashMap<i64, &StoredRow> {
    stored.iter().map(|r| (r.ciq_publisher_id, r)).collect()
}

/// Link writes for a row reaching `status`, given its current link.
fn link_writes(
    plan: &mut WritePlan,
    row: RowRef,
    current: Option<&StoredLink>,
    status: ContractorStatus,
    fingerprint: Option<&str>,
) {
    let action = link_action(
        current.map(|l| CurrentLink {
            state: l.state,
            fingerprint: &l.fingerprint,
        }),
        status,
        fingerprint,
    );
    if let (
        LinkAction::Replace(reason) | LinkAction::Retire(reason),
        Some(link),
        RowRef::Stored(id),
    ) = (action, current, row)
    {
        let state = retired_state(link.state);
        plan.push(Write::RetireLink {
            row: id,
            reason,
            state,
        });
        if state == LinkState::Expired {
            plan.outcome.links_expired += 1;
        }
    }
    if let (LinkAction::Issue | LinkAction::Replace(_), Some(fp)) = (action, fingerprint) {
        plan.push(Write::IssueLink {
            row,
            fingerprint: fp.to_string(),
            reason: LinkOrigin::Sync,
        });
        plan.outcome.links_issued += 1;
    }
}

/// Marks `row` as `error` unless it already is, with the same message. Returns whether it
/// wrote anything.
fn mark_error(plan: &mut WritePlan, row: &StoredRow, failure: &SyncFailure) -> bool {
    if row.status == ContractorStatus::Error
        && row.error_message.as_deref() == Some(failure.message.as_str())
    {
        return false;
    }
    let target = RowRef::Stored(row.id);
    plan.push(Write::MarkError {
        row: target,
        failure: failure.clone(),
    });
    plan.push(Write::Event {
        row: target,
        status: ContractorStatus::Error,
        previous: Some(row.status),
        summary: event_summary(ContractorStatus::Error, None, Some(&failure.message)),
    });
    true
}

/// Marks `row` as `removed` and retires its link.
fn mark_removed(plan: &mut WritePlan, row: &StoredRow) {
    plan.push(Write::MarkRemoved(row.id));
    plan.push(Write::Event {
        row: RowRef::Stored(row.id),
        status: ContractorStatus::Removed,
        previous: Some(row.status),
        summary: event_summary(ContractorStatus::Removed, None, None),
    });
    link_writes(
        plan,
        RowRef::Stored(row.id),
        row.link.as_ref(),
        ContractorStatus::Removed,
        None,
    );
    plan.outcome.statuses.add(ContractorStatus::Removed, 1);
    plan.outcome.rows_changed += 1;
}

/// The writes for one campaign's sync (or one row's re-sync). `stored` holds the campaign's
/// rows (or, per [`rows_needed`], just the one row).
pub fn plan_campaign_sync(stored: &[StoredRow], sync: &CampaignSync) -> WritePlan {
    let existing = by_publisher(stored);
    let mut plan = WritePlan::default();
    plan.push(Write::Campaign {
        record: sync.campaign.clone(),
        failure: None,
    });
    let mut seen: HashSet<i64> = HashSet::with_capacity(sync.rows.len());

    for update in &sync.rows {
        if !seen.insert(update.ciq_publisher_id) {
            continue;
        }
        let hash = update.content_hash();
        let old = existing.get(&update.ciq_publisher_id).copied();
        let row = match old {
            Some(o) => RowRef::Stored(o.id),
            None => RowRef::New {
                ciq_publisher_id: update.ciq_publisher_id,
            },
        };
        match old {
            Some(o) if o.content_hash == hash && o.status == update.status => {
                plan.push(Write::Touch(o.id));
            }
            _ => {
                plan.push(Write::PutRow {
                    row,
                    update: Box::new(update.clone()),
                    content_hash: hash,
                });
                plan.push(Write::Event {
                    row,
                    status: update.status,
                    previous: old.map(|o| o.status),
                    summary: event_summary(update.status, Some(update), None),
                });
                plan.outcome.rows_changed += 1;
            }
        }
        link_writes(
            &mut plan,
            row,
            old.and_then(|o| o.link.as_ref()),
            update.status,
            update.fingerprint.as_deref(),
        );
        plan.outcome.statuses.add(update.status, 1);
    }

    for (publisher, failure) in &sync.unreadable {
        if !seen.insert(*publisher) {
            continue;
        }
        match existing.get(publisher) {
            Some(row) => {
                if mark_error(&mut plan, row, failure) {
                    plan.outcome.rows_changed += 1;
                }
            }
            None => {
                let placeholder =
                    ContractorUpdate::unreadable(sync.campaign.ciq_campaign_id, *publisher);
                let row = RowRef::New {
                    ciq_publisher_id: *publisher,
                };
                let content_hash = placeholder.content_hash();
                plan.push(Write::PutRow {
                    row,
                    update: Box::new(placeholder),
                    content_hash,
                });
                plan.push(Write::MarkError {
                    row,
                    failure: failure.clone(),
                });
                plan.push(Write::Event {
                    row,
                    status: ContractorStatus::Error,
                    previous: Some(ContractorStatus::Error),
                    summary: event_summary(ContractorStatus::Error, None, Some(&failure.message)),
                });
                plan.outcome.rows_changed += 1;
            }
        }
        plan.outcome.statuses.add(ContractorStatus::Error, 1);
    }

    for publisher in &sync.removed {
        if let Some(row) = existing.get(publisher) {
            if !seen.contains(publisher) && row.status != ContractorStatus::Removed {
                mark_removed(&mut plan, row);
            }
        }
    }

    if sync.complete {
        let mut gone: Vec<&StoredRow> = stored
            .iter()
            .filter(|r| !seen.contains(&r.ciq_publisher_id))
            .filter(|r| r.status != ContractorStatus::Removed)
            .collect();
        gone.sort_by_key(|r| r.ciq_publisher_id);
        for row in gone {
            mark_removed(&mut plan, row);
        }
    }
    plan
}

/// A campaign whose fetch failed: the campaign records the failure and every row that is not
/// `removed` becomes `error`, keeping its data and link. `outcome.statuses.error` counts the
/// rows so marked.
pub fn plan_campaign_failure(
    record: &CampaignRecord,
    stored: &[StoredRow],
    failure: &SyncFailure,
) -> WritePlan {
    let mut plan = WritePlan::default();
    plan.push(Write::Campaign {
        record: record.clone(),
        failure: Some(failure.clone()),
    });
    for row in stored {
        if row.status == ContractorStatus::Removed {
            continue;
        }
        if mark_error(&mut plan, row, failure) {
            plan.outcome.rows_changed += 1;
        }
        plan.outcome.statuses.add(ContractorStatus::Error, 1);
    }
    plan
}

/// One row whose re-sync failed: it becomes `error`, keeping its data and link.
pub fn plan_row_failure(row: &StoredRow, failure: &SyncFailure) -> WritePlan {
    let mut plan = WritePlan::default();
    if mark_error(&mut plan, row, failure) {
        plan.outcome.rows_changed += 1;
    }
    plan
}

/// A campaign gone from CreatorIQ's list: its rows are `removed` (links retired) and the
/// campaign is marked removed.
pub fn plan_campaign_removed(ciq_campaign_id: i64, stored: &[StoredRow]) -> WritePlan {
    let mut plan = WritePlan::default();
    let mut rows: Vec<&StoredRow> = stored
        .iter()
        .filter(|r| r.status != ContractorStatus::Removed)
        .collect();
    rows.sort_by_key(|r| r.ciq_publisher_id);
    for row in rows {
        mark_removed(&mut plan, row);
    }
    plan.push(Write::CampaignRemoved { ciq_campaign_id });
    plan
}

/// Which campaigns' rows to mark removed.
#[derive(Debug, Clone, Copy)]
pub enum Removal<'a> {
    /// Every campaign with rows that is not in this list (CreatorIQ's full campaign list).
    AllBut(&'a [i64]),
    /// This one (CreatorIQ deleted it).
    One(i64),
}

/// Of the campaigns that still have live rows (`known`), those `which` removes.
pub fn removed_campaigns(known: &[i64], which: Removal<'_>) -> Vec<i64> {
    match which {
        Removal::AllBut(present) => {
            let present: HashSet<i64> = present.iter().copied().collect();
            known
                .iter()
                .copied()
                .filter(|c| !present.contains(c))
                .collect()
        }
        Removal::One(id) => known.iter().copied().filter(|c| *c == id).collect(),
    }
}

/// The messages a plan's link changes call for: a retired link's queued messages are
/// cancelled, and a newly issued link gets its first message on each of the organization's
/// channels: always with automatic sending, otherwise only when the row's creator was sent a
/// message before (they hold the old link). `settings` is needed only when the plan issues
/// links ([`WritePlan::issues_links`]).
pub fn plan_messages(plan: &mut WritePlan, settings: Option<&OutreachSettings>) {
    let mut added = Vec::new();
    for write in &plan.writes {
        match write {
            Write::RetireLink { row, reason, .. } => added.push(Write::StopMessages {
                row: *row,
                reason: match reason {
                    RetireReason::Regenerated | RetireReason::CoverageChanged => {
                        StopReason::LinkReplaced
                    }
                    _ => StopReason::LeftSynced,
                },
            }),
            Write::IssueLink { row, .. } => {
                if let Some(settings) = settings {
                    added.push(Write::QueueFirstMessages {
                        row: *row,
                        channels: settings.channels.channels().to_vec(),
                        only_if_contacted: !settings.auto_send,
                    });
                }
            }
            _ => {}
        }
    }
    plan.writes.extend(added);
}

/// Why an operator's "Regenerate" cannot apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegenerateRefusal {
    NotSynced,
    NoLink,
}

impl RegenerateRefusal {
    pub fn message(self) -> &'static str {
        match self {
            RegenerateRefusal::NotSynced => {
                "only a synced contractor has an application link to regenerate"
            }
            RegenerateRefusal::NoLink => "this contractor has no current link",
        }
    }
}

/// An operator's "Regenerate": the current link is retired and a new one issued for the same
/// coverage. Only a synced row with a current link has one to regenerate.
pub fn plan_link_regeneration(row: &StoredRow) -> Result<WritePlan, RegenerateRefusal> {
    if row.status != ContractorStatus::Synced {
        return Err(RegenerateRefusal::NotSynced);
    }
    let link = row.link.as_ref().ok_or(RegenerateRefusal::NoLink)?;
    let mut plan = WritePlan::default();
    let state = retired_state(link.state);
    plan.push(Write::RetireLink {
        row: row.id,
        reason: RetireReason::Regenerated,
        state,
    });
    if state == LinkState::Expired {
        plan.outcome.links_expired += 1;
    }
    plan.push(Write::IssueLink {
        row: RowRef::Stored(row.id),
        fingerprint: link.fingerprint.clone(),
        reason: LinkOrigin::Regenerated,
    });
    plan.outcome.links_issued += 1;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleCode;
    use crate::store::ContractorId;
    use crate::store::StatusCounts;

    const CAMPAIGN: i64 = 840_001;

    fn record() -> CampaignRecord {
        CampaignRecord {
            ciq_campaign_id: CAMPAIGN,
            name: Some("Summer".into()),
            description: None,
            start_date: Some("2030-06-01".into()),
            end_date: Some("2030-08-31".into()),
        }
    }

    fn update(
        publisher: i64,
        status: ContractorStatus,
        fingerprint: Option<&str>,
    ) -> ContractorUpdate {
        ContractorUpdate {
            status,
            fingerprint: fingerprint.map(str::to_string),
            creator_name: Some(format!("Creator {publisher}")),
            ..ContractorUpdate::unreadable(CAMPAIGN, publisher)
        }
    }

    fn stored(id: i64, update: &ContractorUpdate, link: Option<(LinkState, &str)>) -> StoredRow {
        StoredRow {
            id: ContractorId(id),
            ciq_publisher_id: update.ciq_publisher_id,
            status: update.status,
            content_hash: update.content_hash(),
            error_message: None,
            link: link.map(|(state, fp)| StoredLink {
                state,
                fingerprint: fp.to_string(),
            }),
        }
    }

    fn sync(rows: Vec<ContractorUpdate>) -> CampaignSync {
        CampaignSync {
            campaign: record(),
            rows,
            unreadable: Vec::new(),
            removed: Vec::new(),
            complete: true,
        }
    }

    fn failure(message: &str) -> SyncFailure {
        SyncFailure {
            code: "server_error".into(),
            message: message.into(),
        }
    }

    /// The plan's writes without the leading campaign upsert.
    fn rest(plan: &WritePlan) -> &[Write] {
        assert!(matches!(plan.writes[0], Write::Campaign { .. }));
        &plan.writes[1..]
    }

    #[test]
    fn a_new_synced_row_is_written_recorded_and_given_a_link() {
        let row = update(1, ContractorStatus::Synced, Some("fp-a"));
        let plan = plan_campaign_sync(&[], &sync(vec![row.clone()]));
        let new = RowRef::New {
            ciq_publisher_id: 1,
        };
        assert_eq!(
            rest(&plan),
            [
                Write::PutRow {
                    row: new,
                    update: Box::new(row.clone()),
                    content_hash: row.content_hash(),
                },
                Write::Event {
                    row: new,
                    status: ContractorStatus::Synced,
                    previous: None,
                    summary: "synced".into(),
                },
                Write::IssueLink {
                    row: new,
                    fingerprint: "fp-a".into(),
                    reason: LinkOrigin::Sync,
                },
            ]
        );
        assert_eq!(plan.outcome.rows_changed, 1);
        assert_eq!(plan.outcome.links_issued, 1);
        assert_eq!(plan.outcome.statuses.synced, 1);
    }

    #[test]
    fn an_unchanged_row_is_only_touched_and_keeps_its_link() {
        let row = update(1, ContractorStatus::Synced, Some("fp-a"));
        let existing = stored(7, &row, Some((LinkState::Opened, "fp-a")));
        let plan = plan_campaign_sync(&[existing], &sync(vec![row]));
        assert_eq!(rest(&plan), [Write::Touch(ContractorId(7))]);
        assert_eq!(plan.outcome.rows_changed, 0);
        assert_eq!(plan.outcome.links_issued + plan.outcome.links_expired, 0);
        assert_eq!(plan.outcome.statuses.synced, 1);
    }

    #[test]
    fn a_coverage_change_replaces_the_link_and_a_name_change_does_not() {
        let before = update(1, ContractorStatus::Synced, Some("fp-a"));
        let existing = stored(7, &before, Some((LinkState::Active, "fp-a")));

        let renamed = ContractorUpdate {
            creator_name: Some("New Name".into()),
            ..before.clone()
        };
        let plan = plan_campaign_sync(std::slice::from_ref(&existing), &sync(vec![renamed]));
        assert!(matches!(rest(&plan)[0], Write::PutRow { .. }));
        assert!(!plan
            .writes
            .iter()
            .any(|w| matches!(w, Write::RetireLink { .. } | Write::IssueLink { .. })));

        let moved = update(1, ContractorStatus::Synced, Some("fp-b"));
        let plan = plan_campaign_sync(&[existing], &sync(vec![moved]));
        let links: Vec<&Write> = plan
            .writes
            .iter()
            .filter(|w| matches!(w, Write::RetireLink { .. } | Write::IssueLink { .. }))
            .collect();
        assert_eq!(
            links,
            [
                &Write::RetireLink {
                    row: ContractorId(7),
                    reason: RetireReason::CoverageChanged,
                    state: LinkState::Expired,
                },
                &Write::IssueLink {
                    row: RowRef::Stored(ContractorId(7)),
                    fingerprint: "fp-b".into(),
                    reason: LinkOrigin::Sync,
                },
            ]
        );
        assert_eq!(
            (plan.outcome.links_expired, plan.outcome.links_issued),
            (1, 1)
        );
    }

    #[test]
    fn needing_attention_retires_the_link_and_names_the_rules() {
        let before = update(1, ContractorStatus::Synced, Some("fp-a"));
        let existing = stored(7, &before, Some((LinkState::Submitted, "fp-a")));
        let mut now = update(1, ContractorStatus::NeedsAttention, None);
        now.failures = vec![crate::rules::RuleFailure {
            code: RuleCode::MissingEmail,
            field: "Email".into(),
            message: "The email is blank.".into(),
            hint: "Add it in CreatorIQ.".into(),
        }];
        let plan = plan_campaign_sync(&[existing], &sync(vec![now]));
        assert!(plan.writes.contains(&Write::Event {
            row: RowRef::Stored(ContractorId(7)),
            status: ContractorStatus::NeedsAttention,
            previous: Some(ContractorStatus::Synced),
            summary: "needs_attention: missing_email".into(),
        }));
        // A submitted application stays submitted when its link is retired.
        assert!(plan.writes.contains(&Write::RetireLink {
            row: ContractorId(7),
            reason: RetireReason::NeedsAttention,
            state: LinkState::Submitted,
        }));
        assert_eq!(plan.outcome.links_expired, 0);
    }

    #[test]
    fn unreadable_entries_become_errors_once_and_keep_links() {
        let before = update(1, ContractorStatus::Synced, Some("fp-a"));
        let existing = stored(7, &before, Some((LinkState::Active, "fp-a")));
        let mut s = sync(Vec::new());
        s.unreadable = vec![(1, failure("HTTP 500")), (2, failure("HTTP 500"))];
        let plan = plan_campaign_sync(std::slice::from_ref(&existing), &s);
        let new = RowRef::New {
            ciq_publisher_id: 2,
        };
        assert!(plan.writes.contains(&Write::MarkError {
            row: RowRef::Stored(ContractorId(7)),
            failure: failure("HTTP 500"),
        }));
        assert!(plan.writes.contains(&Write::MarkError {
            row: new,
            failure: failure("HTTP 500"),
        }));
        assert!(!plan
            .writes
            .iter()
            .any(|w| matches!(w, Write::RetireLink { .. } | Write::MarkRemoved(_))));
        assert_eq!(plan.outcome.statuses.error, 2);
        assert_eq!(plan.outcome.rows_changed, 2);

        // Already an error with the same message: nothing to write.
        let errored = StoredRow {
            status: ContractorStatus::Error,
            error_message: Some("HTTP 500".into()),
            ..existing
        };
        let mut s = sync(Vec::new());
        s.unreadable = vec![(1, failure("HTTP 500"))];
        let plan = plan_campaign_sync(&[errored], &s);
        assert!(rest(&plan).is_empty());
        assert_eq!(plan.outcome.rows_changed, 0);
    }

    #[test]
    fn a_complete_list_removes_missing_rows_once_and_a_partial_one_does_not() {
        let kept = update(1, ContractorStatus::Synced, Some("fp-a"));
        let gone = update(2, ContractorStatus::Synced, Some("fp-b"));
        let already = update(3, ContractorStatus::Removed, None);
        let rows = [
            stored(7, &kept, Some((LinkState::Active, "fp-a"))),
            stored(8, &gone, Some((LinkState::Opened, "fp-b"))),
            stored(9, &already, None),
        ];
        let plan = plan_campaign_sync(&rows, &sync(vec![kept.clone()]));
        assert!(plan.writes.contains(&Write::MarkRemoved(ContractorId(8))));
        assert!(plan.writes.contains(&Write::RetireLink {
            row: ContractorId(8),
            reason: RetireReason::Removed,
            state: LinkState::Expired,
        }));
        assert!(!plan.writes.contains(&Write::MarkRemoved(ContractorId(9))));
        assert_eq!(
            plan.outcome.statuses,
            StatusCounts {
                synced: 1,
                removed: 1,
                ..StatusCounts::default()
            }
        );

        let mut partial = sync(vec![kept]);
        partial.complete = false;
        let plan = plan_campaign_sync(&rows, &partial);
        assert!(!plan
            .writes
            .iter()
            .any(|w| matches!(w, Write::MarkRemoved(_))));
    }

    #[test]
    fn a_creator_listed_twice_is_written_once() {
        let row = update(1, ContractorStatus::Synced, Some("fp-a"));
        let plan = plan_campaign_sync(&[], &sync(vec![row.clone(), row]));
        let puts = plan
            .writes
            .iter()
            .filter(|w| matches!(w, Write::PutRow { .. }))
            .count();
        assert_eq!(puts, 1);
        assert_eq!(plan.outcome.statuses.synced, 1);
    }

    #[test]
    fn single_row_syncs_load_one_row() {
        let mut s = sync(vec![update(1, ContractorStatus::Synced, None)]);
        assert_eq!(rows_needed(&s), None, "a whole campaign needs every row");
        s.complete = false;
        assert_eq!(rows_needed(&s), Some(1));
        s.rows.clear();
        s.removed = vec![4];
        assert_eq!(rows_needed(&s), Some(4));
    }

    #[test]
    fn failures_and_removals_of_whole_campaigns() {
        let a = update(1, ContractorStatus::Synced, Some("fp-a"));
        let b = update(2, ContractorStatus::Removed, None);
        let rows = [
            stored(7, &a, Some((LinkState::Active, "fp-a"))),
            stored(8, &b, None),
        ];
        let plan = plan_campaign_failure(&record(), &rows, &failure("HTTP 503"));
        assert_eq!(
            plan.writes[0],
            Write::Campaign {
                record: record(),
                failure: Some(failure("HTTP 503")),
            }
        );
        assert_eq!(plan.outcome.statuses.error, 1, "removed rows stay removed");
        assert!(!plan
            .writes
            .iter()
            .any(|w| matches!(w, Write::RetireLink { .. })));

        let plan = plan_campaign_removed(CAMPAIGN, &rows);
        assert_eq!(
            plan.writes.last(),
            Some(&Write::CampaignRemoved {
                ciq_campaign_id: CAMPAIGN
            })
        );
        assert!(plan.writes.contains(&Write::MarkRemoved(ContractorId(7))));
        assert!(!plan.writes.contains(&Write::MarkRemoved(ContractorId(8))));
        assert_eq!(plan.outcome.links_expired, 1);

        let plan = plan_row_failure(&rows[0], &failure("HTTP 503"));
        assert_eq!(plan.writes.len(), 2);
        assert_eq!(plan.outcome.rows_changed, 1);
    }

    #[test]
    fn regenerating_needs_a_synced_row_with_a_link_and_keeps_its_coverage() {
        let row = update(1, ContractorStatus::Synced, Some("fp-a"));
        let with_link = stored(7, &row, Some((LinkState::Opened, "fp-a")));
        let plan = plan_link_regeneration(&with_link).unwrap();
        assert_eq!(
            plan.writes,
            [
                Write::RetireLink {
                    row: ContractorId(7),
                    reason: RetireReason::Regenerated,
                    state: LinkState::Expired,
                },
                Write::IssueLink {
                    row: RowRef::Stored(ContractorId(7)),
                    fingerprint: "fp-a".into(),
                    reason: LinkOrigin::Regenerated,
                },
            ]
        );
        let no_link = stored(7, &row, None);
        assert_eq!(
            plan_link_regeneration(&no_link),
            Err(RegenerateRefusal::NoLink)
        );
        let attention = stored(8, &update(2, ContractorStatus::NeedsAttention, None), None);
        assert_eq!(
            plan_link_regeneration(&attention),
            Err(RegenerateRefusal::NotSynced)
        );
    }

    #[test]
    fn a_new_link_queues_its_first_message_and_a_retired_one_stops_the_old() {
        use crate::outreach::OutreachSettings;
        use crate::store::{Channel, ChannelChoice, OutreachSettingsRecord};

        let row = update(1, ContractorStatus::Synced, Some("fp-a"));
        let with_link = stored(7, &row, Some((LinkState::Opened, "fp-a")));
        let both = |auto_send| {
            OutreachSettings::from_record(
                &OutreachSettingsRecord {
                    channels: Some(ChannelChoice::Both),
                    auto_send,
                    ..Default::default()
                },
                false,
            )
        };
        let mut plan = plan_link_regeneration(&with_link).unwrap();
        plan_messages(&mut plan, Some(&both(false)));
        assert_eq!(
            plan.writes[2..],
            [
                Write::StopMessages {
                    row: ContractorId(7),
                    reason: StopReason::LinkReplaced,
                },
                Write::QueueFirstMessages {
                    row: RowRef::Stored(ContractorId(7)),
                    channels: vec![Channel::Email, Channel::Creatoriq],
                    only_if_contacted: true,
                },
            ]
        );
        let mut plan = plan_link_regeneration(&with_link).unwrap();
        plan_messages(&mut plan, Some(&both(true)));
        assert!(plan.writes.contains(&Write::QueueFirstMessages {
            row: RowRef::Stored(ContractorId(7)),
            channels: vec![Channel::Email, Channel::Creatoriq],
            only_if_contacted: false,
        }));
        // A row removed from CreatorIQ: its messages stop, and nothing new is queued.
        let mut removed = plan_campaign_removed(CAMPAIGN, std::slice::from_ref(&with_link));
        plan_messages(&mut removed, None);
        assert!(removed.writes.contains(&Write::StopMessages {
            row: ContractorId(7),
            reason: StopReason::LeftSynced,
        }));
        assert!(!removed.issues_links());
    }
}
