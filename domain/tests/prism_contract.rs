//! The sync against Stoplight Prism mocking CreatorIQ's published OpenAPI documents
//! (`sandbox/reference/`), over real HTTP: every request the client makes must be one the spec
//! allows (Prism validates each request against it), and the sync must finish without a failed
//! campaign. This is a peer independent of our own sandbox, so a request shape both we and the
//! sandbox got wrong still fails here.
//!
//! Prism serves each document on its own port; a small recording proxy in front routes
//! campaign paths to the campaigns document and publisher/contact paths to the publishers
//! document, so the client sees one CreatorIQ base URL. The campaigns document has no example
//! for Get Campaign Publishers (Prism would answer an empty campaign), so the test serves a copy
//! with one example creator added: a creator whose bulk entry lacks the `FinalPayout` section and
//! who is missing from the contact list, which drives the per-creator calls (`publisherId`,
//! Get Publisher with `key=Id`, Get Contact) through Prism's validation too.

use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, Response};
use chrono::Utc;
use domain::creatoriq::{ApiKey, CiqEnvironments, CreatorIqClient, CreatorIqConfig};
use domain::crypto::MasterKey;
use domain::store::roles::*;
use domain::store::{RunState, SqliteStore, Trigger, TriggerKind};
use domain::sync::{SyncConfig, SyncEngine};
use serde_json::{json, Value};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn prism_bin() -> PathBuf {
    let bin = repo().join("tools/node_modules/.bin/prism");
    assert!(
        bin.exists(),
        "Stoplight Prism is not installed at {}: run ./scripts/prereqs.sh (it runs `npm ci` in \
         tools/), or ./scripts/test.sh",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A Prism process, killed when dropped.
struct Prism {
    url: String,
    _child: tokio::process::Child,
}

async fn start_prism(spec: &Path) -> Prism {
    let port = free_port();
    let child = tokio::process::Command::new(prism_bin())
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(spec)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("Prism starts");
    Prism {
        url: format!("http://127.0.0.1:{port}"),
        _child: child,
    }
}

async fn wait_until_up(prism: &Prism) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let http = reqwest::Client::new();
    loop {
        // Any answer (even 404 or 401) means Prism is listening.
        if http.get(format!("{}/", prism.url)).send().await.is_ok() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "Prism at {} did not start within 90 s",
            prism.url
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The campaigns document plus an example answer for Get Campaign Publishers: one creator,
/// keyed by CreatorIQ's internal id as the schema's `patternProperties` describe, with custom
/// fields but without the `FinalPayout` section.
fn patched_campaigns_spec(dir: &Path) -> PathBuf {
    let source = repo().join("sandbox/reference/creatoriq-campaigns-openapi.yml");
    let text = std::fs::read_to_string(&source).unwrap();
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let example = json!({
        "type": "CampaignPublisher",
        "href": "https://apis.creatoriq.com/crm/v1/campaign/42066/publishers",
        "CampaignPublisher": {
            "2386944": {
                "CampaignId": 42066,
                "PublisherId": 2386944,
                "PublisherName": "John Smith",
                "Status": "Accepted",
                "PublishersCustomFields": [{
                    "PublisherId": 2386944,
                    "CampaignId": 42066,
                    "CustomField8": "MA",
                    "CustomField10": "4500"
                }]
            }
        }
    });
    let response = doc["components"]["responses"]["CampaignPublishersResponse"]["content"]
        ["application/json"]
        .as_mapping_mut()
        .expect("the campaigns document describes Get Campaign Publishers' answer");
    let mut examples = serde_yaml::Mapping::new();
    let mut one = serde_yaml::Mapping::new();
    one.insert("value".into(), serde_yaml::to_value(&example).unwrap());
    examples.insert("oneCreator".into(), serde_yaml::Value::Mapping(one));
    response.insert("examples".into(), serde_yaml::Value::Mapping(examples));
    let out = dir.join("creatoriq-campaigns-openapi.yml");
    std::fs::write(&out, serde_yaml::to_string(&doc).unwrap()).unwrap();
    out
}

/// One proxied exchange.
#[derive(Debug, Clone)]
struct Exchange {
    path: String,
    query: Option<String>,
    status: u16,
    /// Prism's `sl-violations` header: what in the request or response broke the spec.
    violations: Vec<Value>,
}

#[derive(Clone)]
struct Proxy {
    campaigns: String,
    publishers: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Exchange>>>,
}

async fn forward(State(proxy): State<Proxy>, request: Request<Body>) -> Response<Body> {
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let upstream = if path.starts_with("/crm/v1/api/publisher/")
        || path.starts_with("/crm/v1/api/data/contact/")
        || path.starts_with("/crm/v1/api/communication/")
    {
        &proxy.publishers
    } else {
        &proxy.campaigns
    };
    let url = match &query {
        Some(q) => format!("{upstream}{path}?{q}"),
        None => format!("{upstream}{path}"),
    };
    let mut outgoing = proxy.http.request(request.method().clone(), url);
    for name in ["x-api-key", "accept", "content-type"] {
        if let Some(value) = request.headers().get(name) {
            outgoing = outgoing.header(name, value.clone());
        }
    }
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    if !body.is_empty() {
        outgoing = outgoing.body(body);
    }
    let answer = outgoing.send().await.expect("Prism answers");
    let status = answer.status().as_u16();
    let violations = answer
        .headers()
        .get("sl-violations")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| serde_json::from_str::<Vec<Value>>(v).ok())
        .unwrap_or_default();
    let content_type = answer.headers().get("content-type").cloned();
    let body = answer.bytes().await.unwrap_or_default();
    proxy.log.lock().unwrap().push(Exchange {
        path,
        query,
        status,
        violations,
    });
    let mut response = Response::builder().status(status);
    if let Some(ct) = content_type {
        response = response.header("content-type", ct);
    }
    response.body(Body::from(body)).unwrap()
}

fn request_violations(exchange: &Exchange) -> Vec<&Value> {
    exchange
        .violations
        .iter()
        .filter(|v| v["location"][0] == "request")
        .collect()
}

#[tokio::test]
async fn the_sync_makes_only_requests_the_published_spec_allows() {
    let dir = tempfile::tempdir().unwrap();
    let campaigns_spec = patched_campaigns_spec(dir.path());
    let publishers_spec = repo().join("sandbox/reference/creatoriq-publishers-openapi.yml");
    let campaigns = start_prism(&campaigns_spec).await;
    let publishers = start_prism(&publishers_spec).await;
    wait_until_up(&campaigns).await;
    wait_until_up(&publishers).await;

    let log = Arc::new(Mutex::new(Vec::new()));
    let proxy = Proxy {
        campaigns: campaigns.url.clone(),
        publishers: publishers.url.clone(),
        http: reqwest::Client::new(),
        log: log.clone(),
    };
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let store = Arc::new(
        SqliteStore::open(dir.path().join("prism.db").to_str().unwrap())
            .await
            .unwrap(),
    );
    let org = store.create_organization("acme", "Acme").await.unwrap();
    let config = SyncConfig {
        ciq: CreatorIqConfig {
            max_attempts: 2,
            backoff_base: Duration::from_millis(10),
            ..CreatorIqConfig::default()
        },
        environments: CiqEnvironments::default().with(&base_url).unwrap(),
        today: Some(Utc::now().date_naive()),
        ..SyncConfig::default()
    };
    let engine = SyncEngine::new(store.clone(), MasterKey::generate(), config).unwrap();
    let key = ApiKey::parse("prism-mock-key-0001").unwrap();
    let campaigns_seen = engine
        .connect_creatoriq(org.id, &base_url, &key)
        .await
        .expect("Prism's campaigns example is a valid answer to the connection test");
    assert!(campaigns_seen > 0);

    let summary = engine
        .sync_organization(org.id, Trigger::new(TriggerKind::Cli, "prism".to_string()))
        .await
        .expect("the sync runs");
    let exchanges = log.lock().unwrap().clone();
    let listing: Vec<String> = exchanges
        .iter()
        .map(|e| {
            format!(
                "GET {}?{} -> {} {:?}",
                e.path,
                e.query.as_deref().unwrap_or(""),
                e.status,
                request_violations(e)
            )
        })
        .collect();
    println!("{}", listing.join("\n"));

    for exchange in &exchanges {
        assert!(
            request_violations(exchange).is_empty(),
            "the spec does not allow this request: {exchange:?}"
        );
        assert!(
            exchange.status < 400,
            "Prism refused a request: {exchange:?}"
        );
    }
    let totals = summary.totals();
    assert_ne!(summary.state(), RunState::Failed, "{totals:?}");
    assert_eq!(totals.progress.campaigns_failed, 0, "{totals:?}");
    assert!(totals.progress.campaigns_total > 0);
    assert!(totals.errors.is_empty(), "{:?}", totals.errors);

    // The per-creator fallbacks went through Prism's validation too, naming the id kind.
    let has = |path: &str, query: &str| {
        exchanges
            .iter()
            .any(|e| e.path == path && e.query.as_deref().is_some_and(|q| q.contains(query)))
    };
    assert!(
        has(
            "/crm/v1/api/campaign/42066/publishers",
            "publisherId=2386944"
        ),
        "the creator's own entry was fetched for the missing FinalPayout section"
    );
    assert!(
        has("/crm/v1/api/publisher/2386944", "key=Id"),
        "Get Publisher was called with the internal id and key=Id"
    );
    assert!(exchanges
        .iter()
        .any(|e| e.path.starts_with("/crm/v1/api/data/contact/")));
    assert!(
        !exchanges
            .iter()
            .any(|e| e.path.ends_with("/publishersList") && e.query.is_some()),
        "publishersList is asked for the whole standard object, without `fields`"
    );
    assert_eq!(
        summary.totals().ciq_requests as usize,
        exchanges.len() - 1,
        "every request but the connection test belongs to the run"
    );

    // The example creator was read: a row exists for it.
    let row = store
        .contractor_by_ciq_ids(org.id, 42066, 2386944)
        .await
        .unwrap()
        .expect("a row for Prism's example creator");
    assert_eq!(row.ciq_publisher_id, 2386944);

    // A message to that creator is a request the spec allows (Prism validates its body).
    let client = CreatorIqClient::new(
        CreatorIqConfig {
            base_url: base_url.clone(),
            max_attempts: 2,
            ..CreatorIqConfig::default()
        },
        key,
    )
    .unwrap();
    client
        .send_message(
            2386944,
            "Insurance for your campaign",
            "Apply here: https://x/apply/t",
        )
        .await
        .expect("Prism accepts the message");
    let sent = log.lock().unwrap().last().cloned().expect("logged");
    assert_eq!(sent.path, "/crm/v1/api/communication/send");
    assert!(request_violations(&sent).is_empty(), "{sent:?}");
    assert!(sent.status < 400, "{sent:?}");
}
