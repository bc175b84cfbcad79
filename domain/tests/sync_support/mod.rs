//! Shared set-up for the sync tests: a CreatorIQ sandbox on a random port, a SQLite file in a
//! temporary directory, an organization whose settings point at the sandbox, and an engine with
//! short retry delays and no client-side rate limit.

#![allow(dead_code)]

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ciq_sandbox::{RunningSandbox, SandboxConfig, Size};
use domain::creatoriq::{ApiKey, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::{
    ApplicationLink, Contractor, Organization, SqliteStore, Store, Trigger, TriggerKind,
};
use domain::sync::{RunSummary, SyncConfig, SyncEngine};

pub struct Env {
    pub sandbox: RunningSandbox,
    pub store: Arc<SqliteStore>,
    pub engine: SyncEngine,
    pub org: Organization,
    pub master: MasterKey,
    pub dir: tempfile::TempDir,
}

pub fn fast_ciq() -> CreatorIqConfig {
    CreatorIqConfig {
        requests_per_second: NonZeroU32::new(100_000).unwrap(),
        max_attempts: 10,
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        request_timeout: Duration::from_secs(5),
        ..CreatorIqConfig::default()
    }
}

pub fn engine_config(ciq: CreatorIqConfig) -> SyncConfig {
    SyncConfig {
        ciq,
        join_poll_interval: Duration::from_millis(20),
        today: Some(Utc::now().date_naive()),
        ..SyncConfig::default()
    }
}

pub async fn env(size: Size) -> Env {
    env_with(size, fast_ciq()).await
}

pub async fn env_with(size: Size, ciq: CreatorIqConfig) -> Env {
    let today = Utc::now().date_naive();
    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        size,
        today,
        fault_timeout: Duration::from_secs(2),
        ..SandboxConfig::tiny()
    })
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(dir.path().join("sync.db").to_str().unwrap())
            .await
            .unwrap(),
    );
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let master = MasterKey::generate();
    let key = ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap();
    let sealed = master.encrypt_api_key(org.id, &key).unwrap();
    store
        .save_ciq_key(org.id, &sealed, key.last4())
        .await
        .unwrap();
    store
        .save_ciq_base_url(org.id, &sandbox.base_url)
        .await
        .unwrap();
    let mut config = engine_config(ciq);
    config.today = Some(today);
    let engine = SyncEngine::new(store.clone(), master.clone(), config).unwrap();
    Env {
        sandbox,
        store,
        engine,
        org,
        master,
        dir,
    }
}

impl Env {
    pub async fn sync(&self) -> RunSummary {
        self.engine
            .sync_organization(
                self.org.id,
                Trigger::new(TriggerKind::Cli, "test".to_string()),
            )
            .await
            .expect("sync runs")
    }

    pub async fn row(&self, campaign: u32, publisher: u32) -> Contractor {
        self.store
            .contractor_by_ciq_ids(self.org.id, i64::from(campaign), i64::from(publisher))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no row for creator {publisher} on campaign {campaign}"))
    }

    pub async fn link(&self, row: &Contractor) -> Option<ApplicationLink> {
        self.store.current_link(self.org.id, row.id).await.unwrap()
    }

    /// Every scenario row with its current link token, for before/after comparisons.
    pub async fn snapshot(&self) -> Vec<(Contractor, Option<String>)> {
        let mut out = Vec::new();
        for creator in ciq_sandbox::scenarios::CREATORS {
            for campaign in creator.campaign_ids {
                let row = self.row(*campaign, creator.publisher_id).await;
                let token = self.link(&row).await.map(|l| l.token.expose().to_string());
                out.push((row, token));
            }
        }
        out
    }
}
