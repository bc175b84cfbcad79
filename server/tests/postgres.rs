//! The dashboard on PostgreSQL with two server instances on one database (in one process,
//! each with its own listener, pool and sync engine): a member signs in on one instance and
//! keeps working on the other, "Sync now" pressed on both gives one run, and signing out on one
//! ends the session on both.

use std::net::SocketAddr;
use std::time::Duration;

use ciq_sandbox::SandboxConfig;
use dashboard::{launch, Config};
use domain::auth::{create_organization_with_admin, Password};
use domain::store::{ContractorStatus, PgStore, Store};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sqlx::Connection;
use tokio::sync::oneshot;

const EMAIL: &str = "ops@acme.example";
const PASSWORD: &str = "correct horse battery";

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database on the local PostgreSQL server, dropped when this is dropped.
struct TestDatabase {
    name: String,
    url: String,
}

impl TestDatabase {
    async fn create() -> TestDatabase {
        let admin = admin_url();
        let name = format!("dashboard_test_{:016x}", rand::random::<u64>());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let server = admin.rsplit_once('/').unwrap().0;
        TestDatabase {
            url: format!("{server}/{name}"),
            name,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (admin_url(), self.name.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(&sql).execute(&mut conn).await;
                    }
                })
        })
        .join();
    }
}

struct Instance {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Instance {
    async fn start(database_url: &str, master_key_file: &str, environments: &str) -> Instance {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let vars = [
            ("DATABASE_URL", database_url.to_string()),
            ("DASHBOARD_ADDR", addr.to_string()),
            ("MASTER_KEY_FILE", master_key_file.to_string()),
            ("CREATORIQ_BASE_URLS", environments.to_string()),
        ];
        let config = Config::from_lookup(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(launch(listener, config, async {
            let _ = rx.await;
        }));
        let base = format!("http://{addr}");
        for _ in 0..200 {
            if reqwest::get(format!("{base}/health")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Instance {
            base,
            stop: Some(tx),
            task,
        }
    }

    async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let resp = client
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    async fn page(&self, client: &reqwest::Client, path: &str) -> StatusCode {
        client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .status()
    }

    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
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
