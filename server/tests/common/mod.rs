//! The real server on port 0, driven over HTTP like a browser would. Every server test builds
//! it here ([`TestServer::build`]): by default its own SQLite file and one organization ("Acme
//! Agency" with its admin).

#![allow(dead_code)]

pub mod apply;

use std::net::SocketAddr;

use std::sync::Arc;

use dashboard::{launch, Config};
use domain::auth::{add_member, create_organization_with_admin, Password};
use domain::creatoriq::ApiKey;
use domain::crypto::MasterKey;
use domain::store::{Database, DatabaseUrl, OrgId, Role, SqliteStore, Store};
use reqwest::redirect::Policy;
use reqwest::StatusCode;
use tokio::sync::oneshot;

pub const EMAIL: &str = "ops@acme.example";
pub const PASSWORD: &str = "correct horse battery";
pub const OTHER_EMAIL: &str = "ops@other.example";
pub const OTHER_PASSWORD: &str = "other password 123";

pub use domain::testing::TestDatabase;

/// Which database a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An organization a test server starts with: its admin, its viewers, and the CreatorIQ
/// environment it is connected to (with the sandbox's partner key), if any.
struct OrgSpec {
    slug: String,
    name: String,
    admin: (String, String),
    viewers: Vec<(String, String)>,
    creatoriq: Option<String>,
}

/// How a test server starts: the one way every server test (and the webhook bench) builds the
/// real server. The default is a SQLite file and one organization, "Acme Agency" (`acme`), with
/// its admin [`EMAIL`].
pub struct ServerBuilder {
    backend: Backend,
    database: Option<String>,
    master_key_file: Option<String>,
    env: Vec<(String, String)>,
    organizations: Vec<OrgSpec>,
    /// `PUBLIC_BASE_URL` is the server's own address (CreatorIQ's webhooks reach it).
    public_self: bool,
}

impl ServerBuilder {
    /// Sends email through `sink` (a mail server on a loopback port).
    pub fn smtp(self, sink: &domain::testing::MailSink) -> Self {
        self.env("SMTP_HOST", "127.0.0.1")
            .env("SMTP_PORT", &sink.port().to_string())
            .env("SMTP_TLS", "none")
            .env("SMTP_FROM", "Cover <cover@cover.test>")
    }

    /// On a fresh PostgreSQL database (dropped with the server) or a SQLite file.
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// On a database that already exists (another instance's); nothing is created in it.
    pub fn database(mut self, url: &str, master_key_file: &str) -> Self {
        self.database = Some(url.to_string());
        self.master_key_file = Some(master_key_file.to_string());
        self.organizations.clear();
        self
    }

    /// One more setting on top of the test defaults.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    /// Its public address is its own (`PUBLIC_BASE_URL`), so CreatorIQ's webhooks reach it.
    pub fn public_at_own_address(mut self) -> Self {
        self.public_self = true;
        self
    }

    /// Allows these CreatorIQ environments besides production.
    pub fn creatoriq_environments(self, urls: &[&str]) -> Self {
        let mut all = vec!["https://apis.creatoriq.com"];
        all.extend_from_slice(urls);
        self.env("CREATORIQ_BASE_URLS", &all.join(","))
    }

    /// One more organization and its admin.
    pub fn organization(mut self, slug: &str, name: &str, email: &str, password: &str) -> Self {
        self.organizations.push(OrgSpec {
            slug: slug.to_string(),
            name: name.to_string(),
            admin: (email.to_string(), password.to_string()),
            viewers: Vec::new(),
            creatoriq: None,
        });
        self
    }

    fn org(&mut self, slug: &str) -> &mut OrgSpec {
        self.organizations
            .iter_mut()
            .find(|o| o.slug == slug)
            .unwrap_or_else(|| panic!("no organization {slug} in this server"))
    }

    /// A viewer of the organization `slug`.
    pub fn viewer(mut self, slug: &str, email: &str, password: &str) -> Self {
        let viewer = (email.to_string(), password.to_string());
        self.org(slug).viewers.push(viewer);
        self
    }

    /// The organization `slug` connected to the CreatorIQ environment at `base_url` with the
    /// sandbox's partner key (the environment must be allowed).
    pub fn connected(mut self, slug: &str, base_url: &str) -> Self {
        self.org(slug).creatoriq = Some(base_url.to_string());
        self
    }

    /// Starts the server on port 0 and returns once it answers.
    pub async fn start(self) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let postgres = match (&self.database, self.backend) {
            (None, Backend::Postgres) => Some(TestDatabase::create().await),
            _ => None,
        };
        let db = match (&self.database, &postgres) {
            (Some(url), _) => url.clone(),
            (None, Some(pg)) => pg.url.clone(),
            (None, None) => format!("sqlite://{}", dir.path().join("dashboard.db").display()),
        };
        let key_file = self
            .master_key_file
            .clone()
            .unwrap_or_else(|| dir.path().join("master.key").display().to_string());
        let mut orgs = Vec::new();
        if !self.organizations.is_empty() {
            let store = open_store(&db).await;
            let master = MasterKey::load_or_create(std::path::Path::new(&key_file)).unwrap();
            for spec in &self.organizations {
                let org = create_organization_with_admin(
                    store.as_ref(),
                    &spec.slug,
                    &spec.name,
                    &spec.admin.0,
                    &Password::new(spec.admin.1.clone()),
                )
                .await
                .unwrap()
                .org_id;
                for (email, password) in &spec.viewers {
                    add_member(
                        store.as_ref(),
                        org,
                        email,
                        &Password::new(password.clone()),
                        Role::Viewer,
                    )
                    .await
                    .unwrap();
                }
                if let Some(base_url) = &spec.creatoriq {
                    let key = ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap();
                    let sealed = master.encrypt_api_key(org, base_url, &key).unwrap();
                    store
                        .save_ciq_connection(org, base_url, &sealed, key.last4())
                        .await
                        .unwrap();
                }
                orgs.push((spec.slug.clone(), org));
            }
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mut env = self.env;
        if self.public_self {
            env.push(("PUBLIC_BASE_URL".to_string(), format!("http://{addr}")));
        }
        let config = Config::from_lookup(|k| {
            if let Some((_, v)) = env.iter().rev().find(|(name, _)| name == k) {
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
        let server = TestServer {
            base: format!("http://{addr}"),
            db,
            org: orgs.first().map(|(_, id)| *id).unwrap_or(OrgId(0)),
            orgs,
            stop: Some(tx),
            task,
            _dir: dir,
            _postgres: postgres,
        };
        server.wait_until_up().await;
        server
    }
}

pub struct TestServer {
    pub base: String,
    pub db: String,
    /// The first organization's id.
    pub org: OrgId,
    /// Every organization it started with, by slug.
    pub orgs: Vec<(String, OrgId)>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
    _postgres: Option<TestDatabase>,
}

impl TestServer {
    /// The builder every test server starts from (see [`ServerBuilder`]).
    pub fn build() -> ServerBuilder {
        ServerBuilder {
            backend: Backend::Sqlite,
            database: None,
            master_key_file: None,
            env: Vec::new(),
            public_self: false,
            organizations: vec![OrgSpec {
                slug: "acme".to_string(),
                name: "Acme Agency".to_string(),
                admin: (EMAIL.to_string(), PASSWORD.to_string()),
                viewers: Vec::new(),
                creatoriq: None,
            }],
        }
    }

    pub async fn start() -> Self {
        Self::build().start().await
    }

    /// With `PUBLIC_BASE_URL` set (e.g. an `https://` address in front of this plain server).
    pub async fn start_with(public_base_url: Option<&str>) -> Self {
        match public_base_url {
            Some(url) => Self::build().env("PUBLIC_BASE_URL", url).start().await,
            None => Self::start().await,
        }
    }

    /// With extra settings (`name`, `value`) on top of the test defaults.
    pub async fn start_with_env(env: &[(&str, &str)]) -> Self {
        Self::start_on(Backend::Sqlite, env).await
    }

    /// On `backend`, with extra settings on top of the test defaults.
    pub async fn start_on(backend: Backend, env: &[(&str, &str)]) -> Self {
        env.iter()
            .fold(Self::build().backend(backend), |b, (k, v)| b.env(k, v))
            .start()
            .await
    }

    /// The id of the organization `slug` it started with.
    pub fn org_id(&self, slug: &str) -> OrgId {
        self.orgs
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no organization {slug}"))
    }

    /// Waits until `/health` answers.
    pub async fn wait_until_up(&self) {
        for _ in 0..400 {
            if reqwest::get(format!("{}/health", self.base)).await.is_ok() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("{} did not start", self.base);
    }

    /// The master key file of a server that made its own (not started on another's database).
    pub fn own_master_key_file(&self) -> String {
        self._dir.path().join("master.key").display().to_string()
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
