//! The dashboard on PostgreSQL with two server instances on one database (in one process,
//! each with its own listener, pool and sync engine): a member signs in on one instance and
//! keeps working on the other, "Sync now" pressed on both gives one run, and signing out on one
//! ends the session on both.

mod common;

use std::time::Duration;

use ciq_sandbox::SandboxConfig;
use common::TestDatabase;
use dashboard::Config;
use domain::auth::{create_organization_with_admin, Password};
use domain::store::roles::*;
use domain::store::{ContractorStatus, PgStore};
use domain::sync::write_path;
use reqwest::redirect::Policy;
use reqwest::StatusCode;

const EMAIL: &str = "ops@acme.example";
const PASSWORD: &str = "correct horse battery";

/// A server function of the dashboard at `base`, as the browser calls it.
async fn call(
    base: &str,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let resp = client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// One server instance on an existing database (the common test server, creating nothing).
struct Instance {
    server: common::TestServer,
}

impl Instance {
    async fn start(database_url: &str, master_key_file: &str, environments: &str) -> Instance {
        let server = common::TestServer::build()
            .database(database_url, master_key_file)
            .env("CREATORIQ_BASE_URLS", environments)
            .start()
            .await;
        Instance { server }
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        self.server.try_call(client, endpoint, form).await
    }

    async fn page(&self, client: &reqwest::Client, path: &str) -> StatusCode {
        self.server.get(client, path).await.0
    }

    async fn stop(self) {
        self.server.stop().await;
    }
}

#[tokio::test]
async fn two_instances_on_one_postgres_database_share_sessions_and_runs() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    let db = TestDatabase::create().await;
    let store = PgStore::open(&db.url).await.unwrap();
    let org = create_organization_with_admin(
        &store,
        "acme",
        "Acme Agency",
        EMAIL,
        &Password::new(PASSWORD),
    )
    .await
    .unwrap()
    .org_id;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key").display().to_string();
    let environments = format!("https://apis.creatoriq.com,{}", sandbox.base_url);
    let a = Instance::start(&db.url, &key_file, &environments).await;
    let b = Instance::start(&db.url, &key_file, &environments).await;

    // Sign in on A; the session (stored in PostgreSQL) is good on B. Cookies are per host, so
    // the client sends it to both.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    assert_eq!(b.page(&client, "/contractors").await, StatusCode::SEE_OTHER);
    let (status, body) = a
        .call(
            &client,
            "login",
            &[("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(b.page(&client, "/contractors").await, StatusCode::OK);

    // Connect on B, sync from both at once: one run.
    let (status, saved) = b
        .call(
            &client,
            "settings/save_key",
            &[
                ("api_key", ciq_sandbox::PARTNER1_KEY),
                ("environment", &sandbox.base_url),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (ra, rb) = tokio::join!(
        a.call(&client, "start_sync", &[]),
        b.call(&client, "start_sync", &[]),
    );
    assert_eq!(ra.0, StatusCode::OK, "{}", ra.1);
    assert_eq!(rb.0, StatusCode::OK, "{}", rb.1);
    assert_eq!(ra.1, rb.1, "both instances report the same run");
    for _ in 0..500 {
        let (_, progress) = a.call(&client, "sync_progress", &[]).await;
        if progress.trim() == "null" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let runs = store.sync_runs(org, None, 10).await.unwrap();
    assert_eq!(runs.len(), 1, "exactly one run: {runs:?}");
    let counts = store.contractor_status_counts(org).await.unwrap();
    assert!(counts.get(ContractorStatus::Synced) > 0, "{counts:?}");

    // Signing out on B ends the session on A as well.
    let (status, _) = b.call(&client, "logout", &[]).await;
    assert!(status.is_success() || status.is_redirection());
    assert_eq!(a.page(&client, "/contractors").await, StatusCode::SEE_OTHER);

    a.stop().await;
    b.stop().await;
    drop(store);
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_at_start_up() {
    let err = Config::from_lookup(|k| {
        (k == "DATABASE_URL").then(|| "mysql://app:hunter2@db/cover".to_string())
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("must start with sqlite://"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // Nothing was created for it.
    assert!(!std::path::Path::new("mysql:").exists());
}

/// A `dashboard serve` process of this build.
struct Process {
    base: String,
    child: std::process::Child,
}

impl Process {
    fn start(name: &str, database_url: &str, key_file: &str, environments: &str) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("DASHBOARD_ADDR", format!("127.0.0.1:{port}"))
            .env("MASTER_KEY_FILE", key_file)
            .env("CREATORIQ_BASE_URLS", environments)
            .env("SYNC_LEASE_SECONDS", "1.5")
            .env("INSTANCE_ID", name)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the dashboard binary starts");
        Process {
            base: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    async fn wait_until_up(&self) {
        for _ in 0..400 {
            if reqwest::get(format!("{}/health", self.base)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{} did not start", self.base);
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        call(&self.base, client, endpoint, form).await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `"id":N` of a `sync_progress` answer.
fn progress_run(answer: &str) -> Option<i64> {
    let v: serde_json::Value = serde_json::from_str(answer).ok()?;
    v.get("id")?.as_i64()
}

#[tokio::test]
async fn killing_the_instance_that_runs_a_sync_hands_it_to_the_other() {
    let sandbox = ciq_sandbox::spawn(SandboxConfig {
        size: ciq_sandbox::Size::Demo,
        ..SandboxConfig::tiny()
    })
    .await
    .unwrap();
    let db = TestDatabase::create().await;
    let store = PgStore::open(&db.url).await.unwrap();
    let org = create_organization_with_admin(
        &store,
        "acme",
        "Acme Agency",
        EMAIL,
        &Password::new(PASSWORD),
    )
    .await
    .unwrap()
    .org_id;
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key").display().to_string();
    let environments = format!("https://apis.creatoriq.com,{}", sandbox.base_url);
    let mut a = Process::start("instance-a", &db.url, &key_file, &environments);
    a.wait_until_up().await;
    let mut b = Process::start("instance-b", &db.url, &key_file, &environments);
    b.wait_until_up().await;

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    a.call(
        &client,
        "login",
        &[("email", EMAIL), ("password", PASSWORD)],
    )
    .await;
    let (status, saved) = a
        .call(
            &client,
            "settings/save_key",
            &[
                ("api_key", ciq_sandbox::PARTNER1_KEY),
                ("environment", &sandbox.base_url),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    // Slow CreatorIQ down so the sync is still running when its server is killed.
    sandbox.handle.set_faults(ciq_sandbox::FaultConfig {
        latency_ms: 120,
        ..ciq_sandbox::FaultConfig::default()
    });

    // Sync now on both at once: one run, with its live progress on both.
    let (ra, rb) = tokio::join!(
        a.call(&client, "start_sync", &[]),
        b.call(&client, "start_sync", &[]),
    );
    assert_eq!((ra.0, rb.0), (StatusCode::OK, StatusCode::OK));
    assert_eq!(ra.1, rb.1, "one run");
    let first: i64 = ra.1.trim().parse().unwrap();
    loop {
        let (_, pa) = a.call(&client, "sync_progress", &[]).await;
        let (_, pb) = b.call(&client, "sync_progress", &[]).await;
        assert_eq!(progress_run(&pa), Some(first), "{pa}");
        assert_eq!(progress_run(&pb), Some(first), "{pb}");
        let done = serde_json::from_str::<serde_json::Value>(&pb).unwrap()["campaigns_done"]
            .as_u64()
            .unwrap_or(0);
        if done >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // SIGKILL the instance that holds the lease, mid-run.
    let holder: String = sqlx::query_scalar("SELECT holder FROM sync_leases WHERE org_id = $1")
        .bind(org.0)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let (killed, survivor) = match holder.as_str() {
        "instance-a" => (&mut a, &b),
        "instance-b" => (&mut b, &a),
        other => panic!("unexpected lease holder {other}"),
    };
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();

    // The other instance's waiting trigger takes over once the lease lapses, and runs to the
    // end (up to 2 minutes: on a loaded 2-core machine one minute was not always enough).
    let mut second = None;
    for _ in 0..2400 {
        let (_, p) = survivor.call(&client, "sync_progress", &[]).await;
        match progress_run(&p) {
            Some(id) if id != first => second = Some(id),
            None if second.is_some() => break,
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sandbox.handle.clear_faults();
    let second = second.expect("another run took over");
    let runs = store.sync_runs(org, None, 10).await.unwrap();
    let killed_run = runs.iter().find(|r| r.id.0 == first).unwrap();
    assert_eq!(killed_run.state, domain::store::RunState::Failed);
    assert!(
        killed_run
            .totals
            .error
            .clone()
            .unwrap_or_default()
            .contains("interrupted"),
        "{killed_run:?}"
    );
    let new_run = runs.iter().find(|r| r.id.0 == second).unwrap();
    assert_eq!(
        new_run.state,
        domain::store::RunState::Succeeded,
        "{new_run:?}"
    );

    // Nothing duplicated, lost or half-written: every row is the completed run's, and every
    // synced row has exactly one current link.
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM contractors WHERE org_id = $1 \
         GROUP BY ciq_campaign_id, ciq_publisher_id HAVING COUNT(*) > 1) d",
    )
    .bind(org.0)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(duplicates, 0);
    let stale: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contractors k LEFT JOIN contractor_seen s \
         ON s.contractor_id = k.id WHERE k.org_id = $1 AND s.last_run_id IS DISTINCT FROM $2",
    )
    .bind(org.0)
    .bind(second)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(stale, 0, "rows the completed run did not confirm");
    let counts = store.contractor_status_counts(org).await.unwrap();
    assert_eq!(counts.total(), new_run.totals.statuses.total());
    assert!(counts.total() >= 300, "{counts:?}");
    let unlinked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM contractors k WHERE k.org_id = $1 AND k.status = 'synced' AND \
         (SELECT COUNT(*) FROM application_links l WHERE l.contractor_id = k.id \
          AND l.retired_at IS NULL) <> 1",
    )
    .bind(org.0)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(unlinked, 0);
    drop(store);
}

#[tokio::test]
async fn a_sqlite_installation_moves_to_postgres_with_everything_intact() {
    use domain::store::{ContractorFilter, ContractorPageRequest, ContractorSort, SqliteStore};
    use domain::sync::{SyncConfig, SyncEngine};

    // A SQLite installation with a synced organization, a regenerated link and a run.
    let sandbox = ciq_sandbox::spawn(SandboxConfig::tiny()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sqlite_path = dir.path().join("dashboard.db");
    let sqlite_url = format!("sqlite://{}", sqlite_path.display());
    let key_file = dir.path().join("master.key");
    let sqlite = std::sync::Arc::new(SqliteStore::open(&sqlite_url).await.unwrap());
    let org = create_organization_with_admin(
        sqlite.as_ref(),
        "acme",
        "Acme Agency",
        EMAIL,
        &Password::new(PASSWORD),
    )
    .await
    .unwrap()
    .org_id;
    let master = domain::crypto::MasterKey::load_or_create(&key_file).unwrap();
    let engine = SyncEngine::new(
        sqlite.clone(),
        master,
        SyncConfig {
            environments: domain::creatoriq::CiqEnvironments::default()
                .with(&sandbox.base_url)
                .unwrap(),
            ..SyncConfig::default()
        },
    )
    .unwrap();
    let key = domain::creatoriq::ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap();
    engine
        .connect_creatoriq(org, &sandbox.base_url, &key)
        .await
        .unwrap();
    let trigger = domain::store::Trigger::new(domain::store::TriggerKind::Cli, None);
    engine.sync_organization(org, trigger).await.unwrap();
    let everyone = ContractorPageRequest {
        filter: ContractorFilter::default(),
        sort: ContractorSort::Name,
        descending: false,
        offset: 0,
        limit: None,
    };
    let before = sqlite.contractor_page(org, &everyone).await.unwrap();
    let regenerated = before
        .rows
        .iter()
        .find(|r| r.link.is_some())
        .map(|r| r.contractor.id)
        .unwrap();
    let new_link = write_path::regenerate_link(
        sqlite.as_ref(),
        org,
        regenerated,
        write_path::MailRelay::default(),
    )
    .await
    .unwrap();
    // A member who was removed: their id is never handed out again, on PostgreSQL either.
    let removed = sqlite
        .create_member(
            org,
            "gone@acme.example",
            "hash",
            domain::store::Role::Viewer,
        )
        .await
        .unwrap();
    sqlite.remove_member(org, removed.id).await.unwrap();
    let before = sqlite.contractor_page(org, &everyone).await.unwrap();
    let counts_before = sqlite.contractor_status_counts(org).await.unwrap();
    let runs_before = sqlite.sync_runs(org, None, 10).await.unwrap();
    let (audit_before, _) = sqlite
        .audit_events(org, &domain::store::AuditFilter::default(), 100)
        .await
        .unwrap();
    assert!(
        !audit_before.is_empty(),
        "the sync start is in the audit log"
    );
    let mut rows_before = Vec::new();
    for row in &before.rows {
        rows_before.push(
            sqlite
                .contractor(org, row.contractor.id)
                .await
                .unwrap()
                .unwrap(),
        );
    }
    drop(engine);
    drop(sqlite);

    // The command copies it into an empty PostgreSQL database.
    let db = TestDatabase::create().await;
    let run = |to: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
            .args(["migrate-to-postgres", "--to", to])
            .env("DATABASE_URL", &sqlite_url)
            .env("MASTER_KEY_FILE", &key_file)
            .env("RUST_LOG", "error")
            .output()
            .unwrap()
    };
    let out = run(&db.url);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("contractors"), "{stdout}");

    let pg = PgStore::open(&db.url).await.unwrap();
    let after = pg.contractor_page(org, &everyone).await.unwrap();
    assert_eq!(after.total, before.total);
    for (a, b) in after.rows.iter().zip(&before.rows) {
        assert_eq!(a.contractor.id, b.contractor.id);
        assert_eq!(a.contractor.status, b.contractor.status);
        assert_eq!(a.contractor.failures, b.contractor.failures);
        assert_eq!(a.contractor.email, b.contractor.email);
        assert_eq!(
            a.link.as_ref().map(|l| l.token.expose().to_string()),
            b.link.as_ref().map(|l| l.token.expose().to_string())
        );
    }
    for b in &rows_before {
        let a = pg.contractor(org, b.id).await.unwrap().unwrap();
        assert_eq!(
            (&a.fields, a.coverage_start, a.coverage_end, &a.warnings),
            (&b.fields, b.coverage_start, b.coverage_end, &b.warnings)
        );
    }
    assert_eq!(
        pg.contractor_status_counts(org).await.unwrap(),
        counts_before
    );
    let runs_after = pg.sync_runs(org, None, 10).await.unwrap();
    assert_eq!(
        runs_after.iter().map(|r| r.id).collect::<Vec<_>>(),
        runs_before.iter().map(|r| r.id).collect::<Vec<_>>()
    );
    assert!(pg.link_by_token(&new_link.token).await.unwrap().is_some());
    let (audit_after, _) = pg
        .audit_events(org, &domain::store::AuditFilter::default(), 100)
        .await
        .unwrap();
    let entry = |e: &domain::store::AuditEvent| {
        (
            e.id,
            e.action,
            e.actor.clone(),
            e.subject.clone(),
            e.detail.clone(),
            e.at.timestamp(),
        )
    };
    assert_eq!(
        audit_after.iter().map(entry).collect::<Vec<_>>(),
        audit_before.iter().map(entry).collect::<Vec<_>>(),
        "the audit log moves as it is"
    );
    assert_eq!(
        pg.link_history(org, regenerated).await.unwrap().len(),
        2,
        "the retired link is history on PostgreSQL too"
    );
    let next = pg
        .create_member(
            org,
            "next@acme.example",
            "hash",
            domain::store::Role::Viewer,
        )
        .await
        .unwrap();
    assert!(next.id.0 > removed.id.0, "{next:?} after {removed:?}");

    // The server runs on it: the member signs in with the same password, the stored key still
    // decrypts (same organization id, same master key), and new rows get new ids.
    let environments = format!("https://apis.creatoriq.com,{}", sandbox.base_url);
    let server = Instance::start(&db.url, &key_file.display().to_string(), &environments).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap();
    server
        .call(
            &client,
            "login",
            &[("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    let (_, tested) = server.call(&client, "settings/test_connection", &[]).await;
    assert!(tested.contains("Connected"), "{tested}");
    let (status, started) = server.call(&client, "start_sync", &[]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let next_run: i64 = started.trim().parse().unwrap();
    assert!(runs_before.iter().all(|r| r.id.0 < next_run));
    for _ in 0..500 {
        let (_, progress) = server.call(&client, "sync_progress", &[]).await;
        if progress.trim() == "null" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.stop().await;

    // A second copy into a database that is no longer empty is refused.
    let again = run(&db.url);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds organizations"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    drop(pg);
}
