//! The CreatorIQ client against a local stub server: success, retries on 429 / 5xx / hangs /
//! malformed bodies, no retries on auth errors, and the client-side rate limit.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use domain::creatoriq::{
    ApiKey, CiqError, CreatorIqClient, CreatorIqConfig, GateRefusal, PublisherRef, RequestGate,
    SYNC_SECTIONS,
};
use serde_json::{json, Value};

const KEY: &str = "sk_test_0123456789abcd";

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

fn config(base_url: &str) -> CreatorIqConfig {
    CreatorIqConfig {
        base_url: base_url.to_string(),
        connect_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_millis(400),
        requests_per_second: NonZeroU32::new(1000).unwrap(),
        max_attempts: 3,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
    }
}

fn client(base_url: &str) -> CreatorIqClient {
    CreatorIqClient::new(config(base_url), ApiKey::parse(KEY).unwrap()).unwrap()
}

fn campaigns_body(page: u64, total_pages: u64, ids: &[i64]) -> Value {
    json!({
        "type": "CampaignCollection",
        "href": "https://apis.creatoriq.com/crm/v1/api/campaigns",
        "count": ids.len(), "total": 7, "page": page, "total_pages": total_pages,
        "CampaignCollection": ids.iter().map(|id| json!({
            "type": "Campaign",
            "Campaign": {"CampaignId": id, "CampaignName": format!("Campaign {id}"),
                         "StartDate": "2030-06-01", "EndDate": "2030-08-31"}
        })).collect::<Vec<_>>()
    })
}

/// A campaigns endpoint whose n-th call (0-based) answers `script(n)`; counts calls.
fn scripted(
    script: impl Fn(usize) -> Response + Clone + Send + Sync + 'static,
) -> (Router, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new().route(
        "/crm/v1/api/campaigns",
        get(move |headers: HeaderMap| {
            let script = script.clone();
            let counter = counter.clone();
            async move {
                if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(KEY) {
                    return (
                        StatusCode::FORBIDDEN,
                        axum::Json(json!({"message": "Forbidden"})),
                    )
                        .into_response();
                }
                let n = counter.fetch_add(1, Ordering::SeqCst);
                script(n)
            }
        }),
    );
    (router, hits)
}

fn ok_campaigns() -> Response {
    axum::Json(campaigns_body(1, 1, &[1, 2])).into_response()
}

#[tokio::test]
async fn success_sends_the_key_and_counts_one_request() {
    let (router, hits) = scripted(|_| ok_campaigns());
    let c = client(&serve(router).await);
    let page = c.list_campaigns(1, 20).await.unwrap();
    assert_eq!(page.campaigns.len(), 2);
    assert_eq!(
        page.campaigns[0].campaign_name.as_deref(),
        Some("Campaign 1")
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!((c.request_count(), c.retry_count()), (1, 0));
    assert_eq!(c.test_connection().await.unwrap(), 7);
}

#[tokio::test]
async fn rate_limited_once_then_success_is_retried_and_counted() {
    let (router, hits) = scripted(|n| match n {
        0 => StatusCode::TOO_MANY_REQUESTS.into_response(),
        _ => ok_campaigns(),
    });
    let c = client(&serve(router).await);
    assert_eq!(c.list_campaigns(1, 20).await.unwrap().campaigns.len(), 2);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!((c.request_count(), c.retry_count()), (2, 1));
}

#[tokio::test]
async fn rate_limited_every_time_gives_up_with_a_typed_error() {
    let (router, hits) = scripted(|_| StatusCode::TOO_MANY_REQUESTS.into_response());
    let c = client(&serve(router).await);
    let err = c.list_campaigns(1, 20).await.unwrap_err();
    assert_eq!(err, CiqError::RateLimited { attempts: 3 });
    assert!(err.to_string().contains("too many requests"));
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!((c.request_count(), c.retry_count()), (3, 2));
}

#[tokio::test]
async fn two_server_errors_then_success() {
    let (router, hits) = scripted(|n| match n {
        0 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        1 => StatusCode::BAD_GATEWAY.into_response(),
        _ => ok_campaigns(),
    });
    let c = client(&serve(router).await);
    assert!(c.list_campaigns(1, 20).await.is_ok());
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!((c.request_count(), c.retry_count()), (3, 2));
}

#[tokio::test]
async fn server_errors_every_time() {
    let (router, _) = scripted(|_| StatusCode::SERVICE_UNAVAILABLE.into_response());
    let c = client(&serve(router).await);
    let err = c.list_campaigns(1, 20).await.unwrap_err();
    assert_eq!(
        err,
        CiqError::ServerError {
            status: 503,
            attempts: 3
        }
    );
    assert!(err.to_string().contains("CreatorIQ's side"));
}

#[tokio::test]
async fn a_hanging_response_times_out_and_is_retried() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new().route(
        "/crm/v1/api/campaigns",
        get(move || {
            let counter = counter.clone();
            async move {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                ok_campaigns()
            }
        }),
    );
    let c = client(&serve(router).await);
    let started = Instant::now();
    assert!(c.list_campaigns(1, 20).await.is_ok());
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(400),
        "waited the timeout: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(3),
        "did not wait for the hang: {elapsed:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!((c.request_count(), c.retry_count()), (2, 1));
}

#[tokio::test]
async fn hanging_every_time_is_unreachable() {
    let router = Router::new().route(
        "/crm/v1/api/campaigns",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            ok_campaigns()
        }),
    );
    let c = client(&serve(router).await);
    let err = c.list_campaigns(1, 20).await.unwrap_err();
    assert!(
        matches!(&err, CiqError::Unreachable { attempts: 3, reason } if reason.contains("no answer")),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_json_is_retried_then_reported() {
    let (router, hits) = scripted(|_| {
        (
            [("content-type", "application/json")],
            r#"{"type":"CampaignCollection","CampaignCollection":[{"Campaign":"#,
        )
            .into_response()
    });
    let c = client(&serve(router).await);
    let err = c.list_campaigns(1, 20).await.unwrap_err();
    assert!(
        matches!(err, CiqError::Malformed { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("could not be read"));
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!(c.retry_count(), 2);
}

#[tokio::test]
async fn malformed_once_then_good() {
    let (router, _) = scripted(|n| match n {
        0 => "<html>502 Bad Gateway</html>".into_response(),
        _ => ok_campaigns(),
    });
    let c = client(&serve(router).await);
    assert!(c.list_campaigns(1, 20).await.is_ok());
    assert_eq!((c.request_count(), c.retry_count()), (2, 1));
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let (router, hits) = scripted(|_| StatusCode::UNAUTHORIZED.into_response());
    let c = client(&serve(router).await);
    let err = c.list_campaigns(1, 20).await.unwrap_err();
    assert_eq!(err, CiqError::Unauthorized);
    assert!(err.to_string().contains("rejected the API key"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!((c.request_count(), c.retry_count()), (1, 0));
}

#[tokio::test]
async fn forbidden_is_not_retried() {
    let (router, hits) = scripted(|_| ok_campaigns());
    let base = serve(router).await;
    // The stub answers 403 to a wrong key, as CreatorIQ's gateway does to a missing one.
    let c =
        CreatorIqClient::new(config(&base), ApiKey::parse("sk_wrong_key_9999").unwrap()).unwrap();
    let err = c.test_connection().await.unwrap_err();
    assert_eq!(err, CiqError::Forbidden);
    assert!(err.is_auth());
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert_eq!((c.request_count(), c.retry_count()), (1, 0));
}

#[tokio::test]
async fn unknown_ids_are_not_found_and_not_retried() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = Router::new()
        .route(
            "/crm/v1/api/campaign/{id}",
            get(move |Path(id): Path<String>| {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    if id == "42066" {
                        axum::Json(json!({"type": "Campaign", "Campaign": {
                            "CampaignId": "42066", "CampaignName": "Summer", "StartDate": "2030-06-01"}}))
                            .into_response()
                    } else {
                        (StatusCode::BAD_REQUEST, axum::Json(json!({"type": "CoreException",
                            "CoreException": {"code": 400, "message": "Supplied ID was not found"}})))
                            .into_response()
                    }
                }
            }),
        )
        .route("/crm/v1/api/publisher/{id}", get(|| async { StatusCode::NOT_FOUND }));
    let c = client(&serve(router).await);
    let campaign = c.campaign(42066).await.unwrap();
    assert_eq!(campaign.campaign_name.as_deref(), Some("Summer"));

    let err = c.campaign(7).await.unwrap_err();
    assert_eq!(
        err,
        CiqError::NotFound {
            what: "campaign 7".into(),
            message: Some("Supplied ID was not found".into())
        }
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(matches!(
        c.publisher(&PublisherRef::Internal(9)).await,
        Err(CiqError::NotFound { .. })
    ));
    assert_eq!(c.retry_count(), 0);
}

#[tokio::test]
async fn wrong_base_url_is_an_endpoint_error() {
    let c = client(&serve(Router::new()).await);
    let err = c.list_campaigns(1, 1).await.unwrap_err();
    assert!(matches!(err, CiqError::EndpointNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("base URL"));
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = client(&base);
    let err = c.list_campaigns(1, 1).await.unwrap_err();
    assert!(
        matches!(err, CiqError::Unreachable { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!((c.request_count(), c.retry_count()), (3, 2));
}

#[tokio::test]
async fn all_campaigns_walks_every_page() {
    let seen_pages = Arc::new(Mutex::new(Vec::new()));
    let log = seen_pages.clone();
    let router = Router::new().route(
        "/crm/v1/api/campaigns",
        get(move |Query(q): Query<HashMap<String, String>>| {
            let log = log.clone();
            async move {
                let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
                log.lock().unwrap().push((page, q.get("size").cloned()));
                let ids: &[i64] = match page {
                    1 => &[1, 2, 3],
                    2 => &[3, 4, 5],
                    _ => &[6, 7],
                };
                axum::Json(campaigns_body(page, 3, ids))
            }
        }),
    );
    let c = client(&serve(router).await);
    let all = c.all_campaigns().await.unwrap();
    let ids: Vec<i64> = all.iter().filter_map(|c| c.campaign_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7]);
    let pages = seen_pages.lock().unwrap().clone();
    assert_eq!(pages.iter().map(|(p, _)| *p).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(pages[0].1.as_deref(), Some("100"));
    assert_eq!(c.request_count(), 3);
}

#[tokio::test]
async fn publishers_contacts_and_query_parameters() {
    let queries = Arc::new(Mutex::new(Vec::new()));
    let (log1, log2) = (queries.clone(), queries.clone());
    let router = Router::new()
        .route(
            "/crm/v1/api/campaign/{id}/publishers",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let log = log1.clone();
                async move {
                    log.lock().unwrap().push(("sections", q.get("sections").cloned()));
                    axum::Json(json!({"type": "CampaignPublisher", "href": "x", "CampaignPublisher": {
                        "23354": {"PublisherId": 23354, "Status": "Accepted",
                                  "PublishersCustomFields": [{"CustomField8": "MA", "CustomField10": "4500"}],
                                  "FinalPayout": {"FinalPayout": 4500, "TotalPosts": 1}},
                        "23355": {"PublisherId": "23355", "Status": "Invited"},
                        "IntegrationSettings": {}
                    }}))
                }
            }),
        )
        .route(
            "/crm/v1/api/campaign/{id}/publishersList",
            get(move |Query(q): Query<HashMap<String, String>>| {
                let log = log2.clone();
                async move {
                    log.lock().unwrap().push(("fields", q.get("fields").cloned()));
                    axum::Json(json!({"type": "PublisherCollection", "href": "x", "count": 1,
                        "PublisherCollection": [{"PublisherId": 23354, "Email": "neo@example.com",
                                                 "State": " ma ", "Country": "USA"}]}))
                }
            }),
        )
        .route(
            "/crm/v1/api/data/contact/{id}",
            get(|| async {
                axum::Json(json!({"type": "Address", "Address": {"Id": 5, "Email": "a@b.co", "State": "TX"}}))
            }),
        );
    let c = client(&serve(router).await);
    let publishers = c.campaign_publishers(42066, &SYNC_SECTIONS).await.unwrap();
    assert_eq!(
        publishers.publishers.keys().copied().collect::<Vec<_>>(),
        [23354, 23355]
    );
    let neo = &publishers.publishers[&23354];
    assert_eq!(
        neo.custom_fields.as_ref().and_then(|f| f.get(8)),
        Some("MA")
    );
    let list = c.campaign_publishers_list(42066).await.unwrap();
    assert_eq!(list.publishers[0].email.as_deref(), Some("neo@example.com"));
    assert!(list.publishers[0].has_contact);
    let contact = c.contact(5).await.unwrap();
    assert_eq!(contact.state.as_deref(), Some("TX"));

    let queries = queries.lock().unwrap().clone();
    assert_eq!(
        queries[0],
        (
            "sections",
            Some("PublishersCustomFields,FinalPayout".to_string())
        )
    );
    // No `fields`: the spec types it as one enum value, so the full standard object is asked
    // for and every reading of the spec answers with the contact fields.
    assert_eq!(queries[1], ("fields", None));
    assert_eq!(c.request_count(), 3);
}

#[tokio::test]
async fn rate_limiter_spreads_ten_requests_over_almost_two_seconds() {
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let log = arrivals.clone();
    let router = Router::new().route(
        "/crm/v1/api/campaigns",
        get(move || {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(Instant::now());
                ok_campaigns()
            }
        }),
    );
    let base = serve(router).await;
    let c = CreatorIqClient::new(
        CreatorIqConfig {
            requests_per_second: NonZeroU32::new(5).unwrap(),
            ..config(&base)
        },
        ApiKey::parse(KEY).unwrap(),
    )
    .unwrap();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let c = c.clone();
        tasks.spawn(async move { c.list_campaigns(1, 1).await.map(|_| ()) });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1750),
        "10 requests at 5/s took only {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(c.request_count(), 10);

    // No one-second window at the server saw more than 5 requests.
    let mut times = arrivals.lock().unwrap().clone();
    times.sort();
    for window in times.windows(6) {
        let span = window[5].duration_since(window[0]);
        assert!(
            span >= Duration::from_millis(950),
            "6 requests within {span:?}"
        );
    }
}

#[tokio::test]
async fn fresh_counters_start_at_zero_and_share_the_pool() {
    let (router, _) = scripted(|_| ok_campaigns());
    let c = client(&serve(router).await);
    c.list_campaigns(1, 1).await.unwrap();
    let run = c.with_fresh_counters();
    run.list_campaigns(1, 1).await.unwrap();
    run.list_campaigns(1, 1).await.unwrap();
    assert_eq!(run.request_count(), 2);
    assert_eq!(c.request_count(), 1);
    assert!(!format!("{run:?}").contains(KEY));
}

/// Records every request a stub receives: path, query and the `x-api-key` header.
type Seen = Arc<Mutex<Vec<(String, Option<String>, Option<String>)>>>;

fn recording(
    status: StatusCode,
    body: Value,
    extra: Option<(&'static str, String)>,
) -> (Router, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let router = Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
        let log = log.clone();
        let body = body.clone();
        let extra = extra.clone();
        async move {
            let key = headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            log.lock().unwrap().push((
                uri.path().to_string(),
                uri.query().map(str::to_string),
                key,
            ));
            let mut response = (status, axum::Json(body)).into_response();
            if let Some((name, value)) = extra {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
    });
    (router, seen)
}

#[tokio::test]
async fn get_publisher_names_the_id_kind_it_passes() {
    let body = json!({"type": "Publisher", "Publisher": {"Id": 77, "PublisherId": "10000000077"}});
    let (router, seen) = recording(StatusCode::OK, body, None);
    let c = client(&serve(router).await);
    let p = c.publisher(&PublisherRef::Internal(77)).await.unwrap();
    assert_eq!(p.id, Some(77));
    c.publisher(&PublisherRef::External("10000000077".into()))
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0].0, "/crm/v1/api/publisher/77");
    assert_eq!(seen[0].1.as_deref(), Some("key=Id"), "internal ids say so");
    assert_eq!(seen[1].0, "/crm/v1/api/publisher/10000000077");
    assert_eq!(seen[1].1, None, "external ids are Get Publisher's default");
    // An external id that is not letters and digits never reaches the path.
    assert!(c
        .publisher(&PublisherRef::External("../campaigns".into()))
        .await
        .is_err());
    assert_eq!(c.request_count(), 2);
}

#[tokio::test]
async fn a_400_for_a_parameter_is_not_reported_as_an_unknown_campaign() {
    let body = json!({"type": "CoreException",
        "CoreException": {"code": 400, "message": "Invalid value for fields"}});
    let (router, _) = recording(StatusCode::BAD_REQUEST, body, None);
    let c = client(&serve(router).await);
    let err = c.campaign_publishers_list(42066).await.unwrap_err();
    assert!(matches!(err, CiqError::BadRequest { .. }), "{err:?}");
    let text = err.to_string();
    assert!(!text.contains("has no campaign"), "{text}");
    assert!(text.contains("Invalid value for fields"), "{text}");
    assert!(text.contains("campaign 42066"), "{text}");
    assert_eq!(c.retry_count(), 0);
}

#[tokio::test]
async fn redirects_are_not_followed_and_the_key_goes_nowhere_else() {
    let (elsewhere, elsewhere_seen) = recording(StatusCode::OK, json!({}), None);
    let elsewhere_url = serve(elsewhere).await;
    let (router, seen) = recording(
        StatusCode::FOUND,
        json!({}),
        Some(("location", format!("{elsewhere_url}/crm/v1/api/campaigns"))),
    );
    let c = client(&serve(router).await);
    let err = c.list_campaigns(1, 1).await.unwrap_err();
    assert_eq!(err, CiqError::Redirected { status: 302 });
    assert!(err.to_string().contains("not sent anywhere else"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(
        elsewhere_seen.lock().unwrap().is_empty(),
        "the redirect target received a request"
    );
}

/// Admits `allowed` requests, then refuses with the daily limit.
struct Budget {
    left: Mutex<u64>,
}

#[async_trait::async_trait]
impl RequestGate for Budget {
    async fn admit(&self) -> Result<(), GateRefusal> {
        let mut left = self.left.lock().unwrap();
        if *left == 0 {
            return Err(GateRefusal::DailyLimit { limit: 2 });
        }
        *left -= 1;
        Ok(())
    }
}

#[tokio::test]
async fn the_gate_is_asked_before_every_request_and_retry() {
    let (router, hits) = scripted(|n| match n {
        0 => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        _ => ok_campaigns(),
    });
    let c = client(&serve(router).await).with_gate(Arc::new(Budget {
        left: Mutex::new(2),
    }));
    // First try fails with 503, the retry succeeds: two requests, both admitted.
    c.list_campaigns(1, 1).await.unwrap();
    let err = c.list_campaigns(1, 1).await.unwrap_err();
    assert_eq!(err, CiqError::DailyQuota { limit: 2 });
    assert!(err.to_string().contains("after midnight UTC"), "{err}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "nothing was sent past the quota"
    );
    assert_eq!(c.request_count(), 2);
}

/// The message endpoint, whose n-th call (0-based) answers `script(n)`; counts calls and keeps
/// the bodies.
fn scripted_send(
    script: impl Fn(usize) -> Response + Clone + Send + Sync + 'static,
) -> (Router, Arc<AtomicUsize>, Arc<Mutex<Vec<Value>>>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let (counter, kept) = (hits.clone(), bodies.clone());
    let router = Router::new().route(
        "/crm/v1/api/communication/send",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let (script, counter, kept) = (script.clone(), counter.clone(), kept.clone());
            async move {
                kept.lock().unwrap().push(body);
                script(counter.fetch_add(1, Ordering::SeqCst))
            }
        }),
    );
    (router, hits, bodies)
}

#[tokio::test]
async fn a_message_is_sent_once_with_the_published_fields() {
    let (router, hits, bodies) = scripted_send(|_| StatusCode::NO_CONTENT.into_response());
    let c = client(&serve(router).await);
    c.send_message(1_000_001, "Your cover", "Apply: https://x/apply/t")
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        bodies.lock().unwrap()[0],
        json!({"Subject": "Your cover", "MessageContent": "Apply: https://x/apply/t", "ToId": "1000001"})
    );
}

#[tokio::test]
async fn a_message_is_retried_only_when_creatoriq_did_not_read_it() {
    // 429: refused unread, so sent again.
    let (router, hits, _) = scripted_send(|n| match n {
        0 => StatusCode::TOO_MANY_REQUESTS.into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    });
    let c = client(&serve(router).await);
    c.send_message(7, "s", "m").await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    // 503 or no answer: it may have arrived, so it is not sent again here; the error says the
    // failure is temporary.
    let (router, hits, _) = scripted_send(|_| StatusCode::SERVICE_UNAVAILABLE.into_response());
    let c = client(&serve(router).await);
    let err = c.send_message(7, "s", "m").await.unwrap_err();
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(err.is_transient(), "{err:?}");

    // An unknown creator: permanent, not retried.
    let (router, hits, _) = scripted_send(|_| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"type": "CoreException", "CoreException": {"code": 400, "message": "Publisher with ID 7 was not found"}})),
        )
            .into_response()
    });
    let c = client(&serve(router).await);
    let err = c.send_message(7, "s", "m").await.unwrap_err();
    assert!(matches!(err, CiqError::NotFound { .. }), "{err:?}");
    assert!(!err.is_transient());
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_message_reaches_the_creator_in_the_sandbox() {
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let c = CreatorIqClient::new(
        config(&sandbox.base_url),
        ApiKey::parse(ciq_sandbox::PARTNER1_KEY).unwrap(),
    )
    .unwrap();
    let creator = ciq_sandbox::scenarios::CLEAN.publisher_id;
    c.send_message(
        creator.into(),
        "Insurance for your campaign",
        "Apply here: https://x/apply/t",
    )
    .await
    .unwrap();
    let inbox = sandbox.handle.messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].publisher_id, creator);
    assert_eq!(inbox[0].content, "Apply here: https://x/apply/t");
    let err = c.send_message(4_242_424_242, "s", "m").await.unwrap_err();
    assert!(matches!(err, CiqError::NotFound { .. }), "{err:?}");
    assert_eq!(sandbox.handle.messages().len(), 1);
}
