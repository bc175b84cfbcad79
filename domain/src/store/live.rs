//! Committed changes, told to whoever follows them: the pages open in browsers read their data
//! again when their organization's rows, runs, deliveries or invoices change.
//!
//! Both backends learn of changes from the database itself, whichever code path wrote them
//! (a sync run, a webhook, a creator's application, a command-line tool, another instance):
//! - PostgreSQL: statement triggers (migration 0027) `NOTIFY dashboard_changes` with
//!   `"<org id>:<topic>"` for each organization a statement touched. PostgreSQL delivers
//!   notifications at commit, to every listening connection, so each instance's listener hears
//!   every instance's changes, and never a rolled-back one.
//! - SQLite (one process): every pooled connection reports the rows its commits touched
//!   (SQLite's update and commit hooks), and a resolver reads which organizations they belong
//!   to once the commit is visible.
//!
//! A change names an organization and a [`LiveTopic`], nothing else: no ids, no data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use vocabulary::{LiveTopic, OrgId};

/// One organization's data of one kind changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    /// `None` when changes may have been missed (a lost database connection): every
    /// organization's followers should read again.
    pub org: Option<OrgId>,
    pub topic: LiveTopic,
}

impl Change {
    /// The NOTIFY payload's form, `"<org id>:<topic>"`.
    pub fn parse_payload(payload: &str) -> Option<Change> {
        let (org, topic) = payload.split_once(':')?;
        Some(Change {
            org: Some(OrgId(org.parse().ok()?)),
            topic: LiveTopic::parse(topic)?,
        })
    }
}

/// Changes per instance: a broadcast every follower subscribes to. Slow followers miss
/// changes rather than hold anyone up ([`broadcast::error::RecvError::Lagged`]); they should
/// then read everything again.
#[derive(Clone)]
pub struct ChangeFeed {
    tx: broadcast::Sender<Change>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl ChangeFeed {
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    pub(crate) fn send(&self, change: Change) {
        // Nobody following is fine.
        let _ = self.tx.send(change);
    }

    /// Every topic for every organization: after changes may have been missed.
    pub(crate) fn send_everything(&self) {
        for topic in LiveTopic::ALL {
            self.send(Change { org: None, topic });
        }
    }
}

/// Row ids one table's writes touched in one transaction: the ids while there are few, then
/// their range (which may also cover other organizations' rows: they are told too, harmlessly).
#[derive(Default, Debug)]
pub(crate) struct Touched {
    ids: Vec<i64>,
    min: i64,
    max: i64,
    /// More than [`IDS_KEPT`] ids: the range stands for them.
    ranged: bool,
}

/// Ids kept per table before falling back to the range.
const IDS_KEPT: usize = 500;

impl Touched {
    fn add(&mut self, id: i64) {
        if self.ids.is_empty() {
            (self.min, self.max) = (id, id);
        }
        self.min = self.min.min(id);
        self.max = self.max.max(id);
        if self.ids.len() < IDS_KEPT {
            self.ids.push(id);
        } else {
            self.ranged = true;
        }
    }

    /// The SQL condition on `id` selecting the touched rows (or their range).
    pub(crate) fn condition(&self) -> String {
        if !self.ranged {
            let list: Vec<String> = self.ids.iter().map(i64::to_string).collect();
            format!("id IN ({})", list.join(","))
        } else {
            format!("id BETWEEN {} AND {}", self.min, self.max)
        }
    }
}

/// What a SQLite connection's open transaction has touched, per followed table.
pub(crate) type Pending = HashMap<&'static str, Touched>;

/// A followed table's name as `'static` (the update hook only lends its table name).
fn followed(table: &str) -> Option<&'static str> {
    LiveTopic::TABLES
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(t, _)| *t)
}

/// Installs the hooks on one SQLite connection: rows touched by inserts and updates are
/// gathered per transaction and handed to `commits` when it commits (dropped on rollback), once
/// someone follows changes.
/// Deleted rows are not followed: nothing can say whose they were once they are gone.
pub(crate) fn watch_sqlite(
    handle: &mut sqlx::sqlite::LockedSqliteHandle<'_>,
    commits: Arc<std::sync::OnceLock<mpsc::UnboundedSender<Pending>>>,
) {
    use sqlx::sqlite::SqliteOperation;
    let pending: Arc<Mutex<Pending>> = Arc::default();
    let on_update = pending.clone();
    handle.set_update_hook(move |change| {
        if matches!(change.operation, SqliteOperation::Delete) {
            return;
        }
        if let Some(table) = followed(change.table) {
            let mut pending = on_update.lock().unwrap_or_else(|e| e.into_inner());
            pending.entry(table).or_default().add(change.rowid);
        }
    });
    let on_commit = pending.clone();
    handle.set_commit_hook(move || {
        let touched = std::mem::take(&mut *on_commit.lock().unwrap_or_else(|e| e.into_inner()));
        // Nobody follows changes yet (a command-line run): nothing to tell.
        if let (false, Some(commits)) = (touched.is_empty(), commits.get()) {
            let _ = commits.send(touched);
        }
        true
    });
    handle.set_rollback_hook(move || {
        pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
    });
}

/// Reads which organizations committed rows belong to and tells the feed. The commit hook runs
/// just before the commit is visible to other connections, so the resolver waits a moment, and
/// reads once more if it finds none of the rows.
pub(crate) fn spawn_sqlite_resolver(
    pool: sqlx::SqlitePool,
    feed: ChangeFeed,
    mut commits: mpsc::UnboundedReceiver<Pending>,
) {
    tokio::spawn(async move {
        while let Some(first) = commits.recv().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
            // Everything committed meanwhile, resolved together.
            let mut batch = vec![first];
            while let Ok(more) = commits.try_recv() {
                batch.push(more);
            }
            let mut told = std::collections::HashSet::new();
            for pending in batch {
                for (table, touched) in pending {
                    let Some(topic) = LiveTopic::of_table(table) else {
                        continue;
                    };
                    let sql = format!(
                        "SELECT DISTINCT org_id FROM {table} WHERE {}",
                        touched.condition()
                    );
                    let mut orgs: Vec<i64> = Vec::new();
                    for attempt in 0..2 {
                        match sqlx::query_scalar::<_, i64>(&sql).fetch_all(&pool).await {
                            Ok(found) if !found.is_empty() || attempt == 1 => {
                                orgs = found;
                                break;
                            }
                            Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                            Err(error) => {
                                tracing::warn!(%error, table, "could not tell open pages of a change");
                                break;
                            }
                        }
                    }
                    for org in orgs {
                        if told.insert((org, topic)) {
                            feed.send(Change {
                                org: Some(OrgId(org)),
                                topic,
                            });
                        }
                    }
                }
            }
        }
    });
}

/// Forwards PostgreSQL's `dashboard_changes` notifications to the feed, reconnecting (and
/// telling everyone to read again, as notifications may have been missed) when the listening
/// connection is lost.
pub(crate) fn spawn_pg_listener(pool: sqlx::PgPool, feed: ChangeFeed) {
    tokio::spawn(async move {
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(error) => {
                    tracing::warn!(%error, "could not listen for changes; retrying in 5 s");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            if let Err(error) = listener.listen(CHANNEL).await {
                tracing::warn!(%error, "could not listen for changes; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
            // Connected (again): whatever happened before is read afresh.
            feed.send_everything();
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => {
                        if let Some(change) = Change::parse_payload(n.payload()) {
                            feed.send(change);
                        }
                    }
                    // The connection was lost; `try_recv` reconnects on the next call.
                    Ok(None) => feed.send_everything(),
                    Err(error) => {
                        tracing::warn!(%error, "lost the change listener; reconnecting");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                }
            }
        }
    });
}

/// The channel migration 0027's triggers notify.
pub const CHANNEL: &str = "dashboard_changes";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_parse_or_are_ignored() {
        assert_eq!(
            Change::parse_payload("42:contractors"),
            Some(Change {
                org: Some(OrgId(42)),
                topic: LiveTopic::Contractors
            })
        );
        assert_eq!(Change::parse_payload("x:contractors"), None);
        assert_eq!(Change::parse_payload("42:nothing"), None);
        assert_eq!(Change::parse_payload("42"), None);
    }

    #[test]
    fn touched_rows_are_listed_then_ranged() {
        let mut t = Touched::default();
        for id in [7, 3, 9] {
            t.add(id);
        }
        assert_eq!(t.condition(), "id IN (7,3,9)");
        for id in 100..1000 {
            t.add(id);
        }
        assert_eq!(t.condition(), "id BETWEEN 3 AND 999");
    }
}
