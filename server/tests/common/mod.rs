//! The real server on port 0 with its own SQLite file and one organization ("Acme Agency" with
//! its admin), driven over HTTP like a browser would.

#![allow(dead_code)]

use std::net::SocketAddr;

use std::sync::Arc;

use dashboard::{launch, Config};
use domain::auth::{create_organization_with_admin, Password};
use domain::store::{Database, DatabaseUrl, OrgId, SqliteStore, Store};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use sqlx::Connection;
use tokio::sync::oneshot;

pub const EMAIL: &str = "ops@acme.example";
pub const PASSWORD: &str = "correct horse battery";
pub const OTHER_EMAIL: &str = "ops@other.example";
pub const OTHER_PASSWORD: &str = "other password 123";

/// The server's maintenance PostgreSQL database, where test databases are created and dropped.
/// `TEST_POSTGRES_URL` overrides it.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database on the local PostgreSQL server, dropped when this is dropped.
pub struct TestDatabase {
    name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> TestDatabase {
        let admin = postgres_admin_url();
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
        let (admin, name) = (postgres_admin_url(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block on itself.
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

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestServer {
    pub base: String,
    pub db: String,
    pub org: OrgId,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
    _postgres: Option<TestDatabase>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with_env(&[]).await
    }

    /// With `PUBLIC_BASE_URL` set (e.g. an `https://` address in front of this plain server).
    pub async fn start_with(public_base_url: Option<&str>) -> Self {
        match public_base_url {
            Some(url) => Self::start_with_env(&[("PUBLIC_BASE_URL", url)]).await,
            None => Self::start().await,
        }
    }

    /// With extra settings (`name`, `value`) on top of the test defaults.
    pub async fn start_with_env(env: &[(&str, &str)]) -> Self {
        Self::start_on(Backend::Sqlite, env).await
    }

    /// On `backend` (a fresh PostgreSQL database, dropped afterwards, or a SQLite file), with
    /// extra settings on top of the test defaults.
    pub async fn start_on(backend: Backend, env: &[(&str, &str)]) -> Self {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(TestDatabase::create().await),
        };
        let db = match &postgres {
            Some(pg) => pg.url.clone(),
            None => format!("sqlite://{}", dir.path().join("dashboard.db").display()),
        };
        let key_file = dir.path().join("master.key").display().to_string();
        let store = open_store(&db).await;
        let org = create_organization_with_admin(
            store.as_ref(),
            "acme",
            "Acme Agency",
            EMAIL,
            &Password::new(PASSWORD),
        )
        .await
        .unwrap()
        .org_id;
        drop(store);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let config = Config::from_lookup(|k| {
            if let Some((_, v)) = env.iter().find(|(name, _)| name == k) {
                return Some(v.clone());
            }
            match k {
                "DATABASE_URL" => Some(db.clone()),
                "MASTER_KEY_FILE" => Some(key_file.clone()),
                "DASHBOARD_ADDR" => Some(addr.to_string()),
                _ => None,
            }
        })
        .unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(launch(listener, config, async {
            let _ = rx.await;
        }));
        Self {
            base: format!("http://{addr}"),
            db,
            org,
            stop: Some(tx),
            task,
            _dir: dir,
            _postgres: postgres,
        }
    }

    /// The SQLite file's store (servers started on SQLite).
    pub async fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.db).await.unwrap()
    }

    /// The store of whichever database the server runs on.
    pub async fn any_store(&self) -> Arc<dyn Store> {
        open_store(&self.db).await
    }

    /// A browser: keeps cookies, does not follow redirects.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(format!("{}/api/login", self.base))
            .header("accept", "application/json")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// A new browser signed in as `email`.
    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Client {
        let client = Self::client();
        let resp = self.login(&client, email, password).await;
        assert!(
            resp.status().is_success(),
            "sign-in as {email}: {}",
            resp.status()
        );
        client
    }

    /// A server function's status and body, whatever they are.
    pub async fn try_call(
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

    /// A server function that must succeed; its body.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> String {
        let (status, text) = self.try_call(client, endpoint, form).await;
        assert!(status.is_success(), "{endpoint}: {status} {text}");
        text
    }

    /// `GET path`: status and body.
    pub async fn get(&self, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
        let resp = client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// An admin adds `email` as a viewer; the one-time link's token, from the answer.
    pub async fn invite_viewer(&self, admin: &reqwest::Client, email: &str) -> String {
        self.invite(admin, email, "viewer").await
    }

    /// An admin adds `email` with `role`; the one-time link's token, from the answer.
    pub async fn invite(&self, admin: &reqwest::Client, email: &str, role: &str) -> String {
        let answer = self
            .call(admin, "members/add", &[("email", email), ("role", role)])
            .await;
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
        let url = v["url"].as_str().unwrap();
        assert!(url.contains("/welcome/"), "{url}");
        url.rsplit('/').next().unwrap().to_string()
    }

    /// A new browser that chose `password` with the one-time link `token` (and is signed in).
    pub async fn accept_invitation(&self, token: &str, password: &str) -> reqwest::Client {
        let client = Self::client();
        let (status, body) = self
            .try_call(
                &client,
                "welcome/use",
                &[
                    ("token", token),
                    ("password", password),
                    ("confirm", password),
                ],
            )
            .await;
        assert!(
            status.is_success() || status.is_redirection(),
            "{status} {body}"
        );
        client
    }

    /// A second organization ("Other Agency") and its admin, signed in.
    pub async fn other_organization_admin(&self) -> reqwest::Client {
        domain::auth::create_organization_with_admin(
            self.any_store().await.as_ref(),
            "other",
            "Other Agency",
            OTHER_EMAIL,
            &Password::new(OTHER_PASSWORD),
        )
        .await
        .unwrap();
        self.sign_in(OTHER_EMAIL, OTHER_PASSWORD).await
    }

    /// Waits for a sync run to end; its last progress.
    pub async fn wait_for_run(&self, client: &reqwest::Client, run: &str) -> serde_json::Value {
        for _ in 0..600 {
            let progress: serde_json::Value =
                serde_json::from_str(&self.call(client, "sync_progress", &[("run", run)]).await)
                    .unwrap();
            if progress["state"] != "running" {
                return progress;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("run {run} did not finish");
    }

    pub async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

async fn open_store(url: &str) -> Arc<dyn Store> {
    Database::open(&DatabaseUrl::parse(url).unwrap())
        .await
        .unwrap()
        .store()
}

pub fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dashboard_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// A tiny CreatorIQ sandbox, a server allowed to use it, and the first organization's admin
/// signed in with the sandbox key saved (nothing synced yet).
pub async fn with_sandbox() -> (ciq_sandbox::RunningSandbox, TestServer, reqwest::Client) {
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let environments = format!("https://apis.creatoriq.com,{}", sandbox.base_url);
    let server = TestServer::start_with_env(&[("CREATORIQ_BASE_URLS", &environments)]).await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    server
        .call(
            &admin,
            "settings/save_key",
            &[
                ("api_key", ciq_sandbox::PARTNER1_KEY),
                ("environment", &sandbox.base_url),
            ],
        )
        .await;
    (sandbox, server, admin)
}
