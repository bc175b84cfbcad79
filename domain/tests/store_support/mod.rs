//! Stores for the contract suite: the same tests run against a SQLite file in a temporary
//! directory and against a fresh PostgreSQL database (created on the local server, dropped
//! afterwards), so both backends are held to one behaviour.

#![allow(dead_code)]

use std::sync::Arc;

use chrono::NaiveDate;
use domain::store::{
    BeginRun, CampaignRecord, CampaignSync, ContractorStatus, ContractorUpdate, LeaseRequest,
    NewDelivery, OrgId, PgStore, SessionRecords, SqliteStore, Store, SyncRunId, Trigger,
    TriggerKind, Verification,
};
use domain::testing::TestDatabase;

/// A synced row of creator `publisher` on campaign 77, working in `work_state`.
pub fn synced(publisher: i64, work_state: &str) -> ContractorUpdate {
    ContractorUpdate {
        creator_name: Some(format!("Creator {publisher}")),
        email: Some(format!("c{publisher}@example.com")),
        status: ContractorStatus::Synced,
        work_state: Some(work_state.to_string()),
        base_pay_cents: Some(450_000),
        coverage_start: NaiveDate::from_ymd_opt(2030, 6, 1),
        coverage_end: NaiveDate::from_ymd_opt(2030, 7, 1),
        fingerprint: Some(format!("v1|work_state={work_state}")),
        ..ContractorUpdate::unreadable(77, publisher)
    }
}

/// A webhook delivery about creator 7 (`Publisher/update`) received now.
pub fn delivery(org: OrgId, request_id: &str, verification: Verification) -> NewDelivery {
    NewDelivery {
        org_id: org,
        received_at: chrono::Utc::now(),
        request_id: Some(request_id.to_string()),
        entity_type: Some("Publisher".into()),
        action_type: Some("update".into()),
        entity_id: Some(7),
        ciq_campaign_id: None,
        ciq_publisher_id: Some(7),
        verification,
        detail: None,
        body: Some(serde_json::json!({"requestId": request_id, "payload": {"Email": "a@b.co"}})),
    }
}

/// A complete sync of campaign 77 with `rows`.
pub fn campaign_sync(rows: Vec<ContractorUpdate>) -> CampaignSync {
    CampaignSync {
        campaign: CampaignRecord {
            ciq_campaign_id: 77,
            name: Some("Summer".into()),
            description: None,
            start_date: Some("2030-06-01".into()),
            end_date: Some("2030-07-01".into()),
        },
        rows,
        unreadable: Vec::new(),
        removed: Vec::new(),
        complete: true,
    }
}

/// Starts a sync run of `org` held by `holder` (a one-minute lease), for tests that write
/// through the sync's write path.
pub async fn begin_run(store: &dyn Store, org: OrgId, holder: &str) -> SyncRunId {
    let lease = LeaseRequest {
        holder: holder.to_string(),
        ttl: chrono::Duration::seconds(60),
    };
    let trigger = Trigger::new(TriggerKind::Cli, "test".to_string());
    match store
        .begin_sync_run(org, &trigger, None, &lease)
        .await
        .unwrap()
    {
        BeginRun::Started(id) => id,
        other => panic!("expected a new run, got {other:?}"),
    }
}

/// A store under test and what keeps it alive; dropping it removes the database.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    /// The sessions table of the same database.
    pub sessions: Arc<dyn SessionRecords>,
    /// The PostgreSQL database, dropped with this.
    _postgres: Option<TestDatabase>,
    _dir: Option<tempfile::TempDir>,
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    TestStore {
        sessions: Arc::new(store.clone()),
        store: Arc::new(store),
        _postgres: None,
        _dir: Some(dir),
    }
}

/// A new, empty PostgreSQL database with the migrations applied. The URL of the database is
/// returned too, for tests that open a second store on it (another instance).
pub async fn postgres_with_url() -> (TestStore, String) {
    let db = TestDatabase::create().await;
    let url = db.url.clone();
    let store = PgStore::open(&url).await.unwrap();
    (
        TestStore {
            sessions: Arc::new(store.clone()),
            store: Arc::new(store),
            _postgres: Some(db),
            _dir: None,
        },
        url,
    )
}

pub async fn postgres() -> TestStore {
    postgres_with_url().await.0
}

/// Which backend a test runs on, for helpers that build their own store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    /// Set by [`on_both_backends_scoped`] around each test.
    pub static BACKEND: Backend;
}

/// A store on the backend the current test runs on (SQLite outside a scoped test).
pub async fn current() -> TestStore {
    match BACKEND.try_with(|b| *b).unwrap_or(Backend::Sqlite) {
        Backend::Sqlite => sqlite().await,
        Backend::Postgres => postgres().await,
    }
}

/// Declares, for each named `async fn()`, one test per backend (`sqlite::name`,
/// `postgres::name`); inside, [`current`] opens a store on that backend.
#[macro_export]
macro_rules! on_both_backends_scoped {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    use super::store_support::{Backend, BACKEND};
                    BACKEND.scope(Backend::Sqlite, super::$name()).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    use super::store_support::{Backend, BACKEND};
                    BACKEND.scope(Backend::Postgres, super::$name()).await
                }
            )*
        }
    };
}

/// Declares, for each named `async fn(TestStore)`, one test per backend:
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::store_support::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::store_support::postgres().await).await
                }
            )*
        }
    };
}
