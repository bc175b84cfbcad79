//! CreatorIQ's documented behaviour: auth, pagination, isolation, rate limit, faults, writes,
//! counters and the control endpoints.

mod common;

use std::time::{Duration, Instant};

use ciq_sandbox::{scenarios, FaultConfig, SandboxConfig, Size, PARTNER1_KEY, PARTNER2_KEY};
use common::{client, fixed_today, get_json, get_json_key, start};
use serde_json::{json, Value};

fn tiny() -> SandboxConfig {
    SandboxConfig {
        today: fixed_today(),
        ..SandboxConfig::tiny()
    }
}

#[tokio::test]
async fn missing_key_is_403_forbidden_and_unknown_key_is_401() {
    let sb = start(tiny()).await;
    for path in [
        "/crm/v1/api/campaigns",
        "/crm/v1/api/campaign/840001",
        "/pubsub/subscriptions",
        "/no/such/path",
    ] {
        let r = client()
            .get(format!("{}{path}", sb.base_url))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 403, "{path}");
        assert_eq!(r.text().await.expect("body"), r#"{"message":"Forbidden"}"#);
    }
    let (s, body) = get_json_key(&sb, "/crm/v1/api/campaigns", "not-a-key").await;
    assert_eq!(s, 401);
    assert!(body["message"].is_string());
    // Unknown route with a valid key is a 404.
    let (s, _) = get_json(&sb, "/crm/v1/api/nothing-here").await;
    assert_eq!(s, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn campaigns_paginate_with_page_size_and_total_pages() {
    let sb = start(SandboxConfig {
        size: Size::Demo,
        ..tiny()
    })
    .await;
    let (s, p1) = get_json(&sb, "/crm/v1/api/campaigns?page=1&size=8").await;
    assert_eq!(s, 200);
    assert_eq!(p1["type"], "CampaignCollection");
    assert_eq!(p1["total"], 20);
    assert_eq!(p1["total_pages"], 3);
    assert_eq!(p1["page"], 1);
    assert_eq!(p1["count"], 8);
    let (_, p3) = get_json(&sb, "/crm/v1/api/campaigns?page=3&size=8").await;
    assert_eq!(p3["count"], 4);
    let (_, p4) = get_json(&sb, "/crm/v1/api/campaigns?page=4&size=8").await;
    assert_eq!(p4["count"], 0);
    let (_, default) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert_eq!(default["count"], 20);
    assert_eq!(default["total_pages"], 1);
    let mut all = Vec::new();
    for page in 1..=3 {
        let (_, p) = get_json(&sb, &format!("/crm/v1/api/campaigns?page={page}&size=8")).await;
        for c in p["CampaignCollection"].as_array().expect("array") {
            all.push(c["Campaign"]["CampaignId"].as_u64().expect("id"));
        }
    }
    let mut dedup = all.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), 20, "pages do not overlap");
    for bad in ["page=0", "size=0", "page=x", "size=5000"] {
        let (s, body) = get_json(&sb, &format!("/crm/v1/api/campaigns?{bad}")).await;
        assert_eq!(s, 400, "{bad}");
        assert!(body["CoreException"]["message"].is_string());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn partners_only_see_their_own_data() {
    let sb = start(tiny()).await;
    let id = scenarios::CAMPAIGN_UPCOMING.id;
    let (s, _) = get_json_key(&sb, &format!("/crm/v1/api/campaign/{id}"), PARTNER1_KEY).await;
    assert_eq!(s, 200);
    for path in [
        format!("/crm/v1/api/campaign/{id}"),
        format!("/crm/v1/api/campaign/{id}/publishers"),
        format!("/crm/v1/api/campaign/{id}/publishersList"),
        format!("/crm/v1/api/publisher/{}", scenarios::CLEAN.external_id()),
        format!(
            "/crm/v1/api/publisher/{}?key=Id",
            scenarios::CLEAN.publisher_id
        ),
        format!("/crm/v1/api/data/contact/{}", scenarios::CLEAN.contact_id()),
    ] {
        let (s, body) = get_json_key(&sb, &path, PARTNER2_KEY).await;
        assert_eq!(s, 400, "partner 2 reading {path}");
        assert_eq!(body["type"], "CoreException");
    }
    let (_, p2) = get_json_key(&sb, "/crm/v1/api/campaigns", PARTNER2_KEY).await;
    let p2_ids: Vec<u64> = p2["CampaignCollection"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["Campaign"]["CampaignId"].as_u64().expect("id"))
        .collect();
    assert_eq!(p2_ids.len(), 3);
    let (_, p1) = get_json(&sb, "/crm/v1/api/campaigns").await;
    for c in p1["CampaignCollection"].as_array().expect("array") {
        assert!(!p2_ids.contains(&c["Campaign"]["CampaignId"].as_u64().expect("id")));
    }
    // Writes are isolated too.
    let r = client()
        .patch(format!(
            "{}/crm/v1/api/data/contact/{}",
            sb.base_url,
            scenarios::CLEAN.contact_id()
        ))
        .header("x-api-key", PARTNER2_KEY)
        .json(&json!({"ContactType": "Publisher", "Email": "x@example.com"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_ids_are_400_not_404() {
    let sb = start(tiny()).await;
    for path in [
        "/crm/v1/api/campaign/999999",
        "/crm/v1/api/campaign/999999/publishers",
        "/crm/v1/api/campaign/999999/publishersList",
        "/crm/v1/api/publisher/999999",
        "/crm/v1/api/publisher/999999?key=Id",
        "/crm/v1/api/publisher/10999999999",
        "/crm/v1/api/data/contact/999999",
        "/crm/v1/api/campaign/abc",
        "/crm/v1/api/publisher/12ab",
    ] {
        let (s, body) = get_json(&sb, path).await;
        assert_eq!(s, 400, "{path}");
        assert_eq!(body["CoreException"]["code"], 400, "{path}");
    }
    sb.shutdown().await;
}

/// Sends `n` requests at once (so they land well inside one second).
async fn burst(sb: &ciq_sandbox::RunningSandbox, n: usize) -> Vec<reqwest::Response> {
    let c = client();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let req = c
                .get(format!("{}/crm/v1/api/campaigns", sb.base_url))
                .header("x-api-key", PARTNER1_KEY);
            tokio::spawn(async move { req.send().await.expect("send") })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn rate_limit_answers_429_without_retry_after() {
    let sb = start(SandboxConfig {
        rate_limit_per_sec: Some(5),
        ..tiny()
    })
    .await;
    let started = Instant::now();
    let responses = burst(&sb, 6).await;
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "burst was fast enough to test"
    );
    let limited: Vec<_> = responses
        .iter()
        .filter(|r| r.status().as_u16() == 429)
        .collect();
    assert_eq!(
        limited.len(),
        1,
        "exactly one of 6 requests in a second is refused"
    );
    assert_eq!(responses[5].status().as_u16(), 429);
    assert!(limited[0].headers().get("retry-after").is_none());
    assert!(limited[0]
        .headers()
        .keys()
        .all(|k| !k.as_str().to_ascii_lowercase().contains("ratelimit")));
    // The limit is per key: partner 2 is unaffected.
    let (s, _) = get_json_key(&sb, "/crm/v1/api/campaigns", PARTNER2_KEY).await;
    assert_eq!(s, 200);
    // After a second the budget is back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, _) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert_eq!(s, 200);
    let counters = sb.handle.counters();
    assert_eq!(counters.by_status.get("429"), Some(&1));

    // Turned off at runtime: no 429 at all.
    sb.handle.set_rate_limit(None);
    assert!(burst(&sb, 12)
        .await
        .iter()
        .all(|r| r.status().as_u16() == 200));
    sb.shutdown().await;
}

#[tokio::test]
async fn rate_limit_off_never_refuses() {
    let sb = start(SandboxConfig {
        rate_limit_per_sec: None,
        ..tiny()
    })
    .await;
    assert!(burst(&sb, 20)
        .await
        .iter()
        .all(|r| r.status().as_u16() == 200));
    sb.shutdown().await;
}

#[tokio::test]
async fn faults_can_be_injected_targeted_and_cleared() {
    let sb = start(tiny()).await;
    let c = client();
    let put = |f: Value| {
        let c = c.clone();
        let url = format!("{}/_sandbox/faults", sb.base_url);
        async move {
            c.put(url)
                .json(&f)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };

    assert_eq!(put(json!({"rate_500": 1.0})).await, 200);
    for _ in 0..3 {
        let (s, body) = get_json(&sb, "/crm/v1/api/campaigns").await;
        assert_eq!(s, 500);
        assert!(body["message"].is_string());
    }

    assert_eq!(put(json!({"rate_malformed": 1.0})).await, 200);
    let r = c
        .get(format!(
            "{}/crm/v1/api/campaign/840001/publishers",
            sb.base_url
        ))
        .header("x-api-key", PARTNER1_KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.expect("body");
    assert!(!text.is_empty());
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "malformed body must not parse"
    );

    assert_eq!(put(json!({"rate_429": 1.0})).await, 200);
    let (s, _) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert_eq!(s, 429);

    // Targeted: only one campaign always fails.
    assert_eq!(
        put(json!({"rate_500": 1.0, "campaign_id": 840002})).await,
        200
    );
    let (s, _) = get_json(&sb, "/crm/v1/api/campaign/840002/publishers").await;
    assert_eq!(s, 500);
    let (s, _) = get_json(&sb, "/crm/v1/api/campaign/840001/publishers").await;
    assert_eq!(s, 200);
    let (s, _) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert_eq!(s, 200);

    // Timeouts hang longer than the client waits; latency slows every request.
    assert_eq!(
        put(json!({"rate_timeout": 1.0, "timeout_ms": 3000})).await,
        200
    );
    let err = c
        .get(format!("{}/crm/v1/api/campaigns", sb.base_url))
        .header("x-api-key", PARTNER1_KEY)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout());
    assert_eq!(put(json!({"latency_ms": 250})).await, 200);
    let t = Instant::now();
    let (s, _) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert_eq!(s, 200);
    assert!(t.elapsed() >= Duration::from_millis(250));

    assert_eq!(put(json!({"rate_500": 2.0})).await, 400);
    let r = c
        .delete(format!("{}/_sandbox/faults", sb.base_url))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(sb.handle.faults(), FaultConfig::default());
    let (s, _) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert_eq!(s, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn counters_count_per_endpoint_and_key_and_reset_restores_the_seed() {
    let sb = start(tiny()).await;
    let c = client();
    get_json(&sb, "/crm/v1/api/campaigns").await;
    get_json(&sb, "/crm/v1/api/campaign/840001/publishers").await;
    get_json(&sb, "/crm/v1/api/campaign/840002/publishers").await;
    get_json_key(&sb, "/crm/v1/api/campaigns", PARTNER2_KEY).await;
    c.get(format!("{}/crm/v1/api/campaigns", sb.base_url))
        .send()
        .await
        .expect("send");

    let counters: Value = c
        .get(format!("{}/_sandbox/counters", sb.base_url))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(counters["total"], 5);
    assert_eq!(counters["by_endpoint"]["GET /crm/v1/api/campaigns"], 3);
    assert_eq!(
        counters["by_endpoint"]["GET /crm/v1/api/campaign/{campaignId}/publishers"],
        2
    );
    assert_eq!(counters["by_key"][PARTNER1_KEY]["total"], 3);
    assert_eq!(counters["by_key"][PARTNER2_KEY]["total"], 1);
    assert_eq!(counters["by_key"]["(missing)"]["total"], 1);
    assert_eq!(counters["by_status"]["403"], 1);

    // Edit, then reset: data, counters and faults go back.
    let r = c
        .patch(format!(
            "{}/_sandbox/creators/{}",
            sb.base_url,
            scenarios::MISSING_EMAIL.publisher_id
        ))
        .json(&json!({"email": "fixed@example.com"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    sb.handle.set_faults(FaultConfig {
        latency_ms: 1,
        ..FaultConfig::default()
    });
    let r = c
        .post(format!("{}/_sandbox/reset", sb.base_url))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let (_, contact) = get_json(
        &sb,
        &format!(
            "/crm/v1/api/data/contact/{}",
            scenarios::MISSING_EMAIL.contact_id()
        ),
    )
    .await;
    assert_eq!(contact["Address"]["Email"], Value::Null);
    assert_eq!(sb.handle.counters().total, 1);
    assert_eq!(sb.handle.faults(), FaultConfig::default());

    let keys: Value = c
        .get(format!("{}/_sandbox/keys", sb.base_url))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(keys[0]["keys"][0], PARTNER1_KEY);
    assert_eq!(keys[1]["keys"][0], PARTNER2_KEY);
    assert_eq!(keys[0]["creators"], 40);
    sb.shutdown().await;
}

#[tokio::test]
async fn scenario_data_reads_back_through_the_api() {
    let sb = start(tiny()).await;
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let (_, cp) = get_json(
        &sb,
        &format!(
            "/crm/v1/api/campaign/{up}/publishers?sections=PublishersCustomFields,FinalPayout"
        ),
    )
    .await;
    let map = cp["CampaignPublisher"].as_object().expect("keyed by id");
    let entry = |sc: &scenarios::ScenarioCreator| map[&sc.publisher_id.to_string()].clone();
    let cf = |sc: &scenarios::ScenarioCreator, n: u8| {
        entry(sc)["PublishersCustomFields"][0][format!("CustomField{n}")].clone()
    };
    assert_eq!(cf(&scenarios::BASE_PAY_DOLLAR, 10), "$4,500.00");
    assert_eq!(cf(&scenarios::BASE_PAY_COMMA, 10), "4,500");
    assert_eq!(cf(&scenarios::BASE_PAY_DECIMAL, 10), "4500.00");
    assert_eq!(cf(&scenarios::WORK_STATE_LOWERCASE, 8), " ma ");
    assert_eq!(cf(&scenarios::WORK_STATE_PUERTO_RICO, 8), "Puerto Rico");
    assert_eq!(cf(&scenarios::AGENCY_PAY_INVALID_FLAG, 7), "maybe");
    assert_eq!(cf(&scenarios::INSURANCE_EXEMPT, 9), "true");
    assert_eq!(cf(&scenarios::CLEAN, 8), Value::Null);
    assert_eq!(entry(&scenarios::CLEAN)["FinalPayout"]["FinalPayout"], 4500);
    assert_eq!(
        entry(&scenarios::ZERO_PAYOUT)["FinalPayout"]["FinalPayout"],
        0
    );
    assert_eq!(
        entry(&scenarios::NEGATIVE_PAYOUT)["FinalPayout"]["FinalPayout"],
        -250
    );
    assert!(entry(&scenarios::MISSING_PAYOUT)["FinalPayout"]
        .get("FinalPayout")
        .is_none());
    assert_eq!(
        entry(&scenarios::MISSING_PAYOUT)["PublisherCustomPayout"],
        Value::Null
    );
    assert_eq!(entry(&scenarios::NOT_ACCEPTED)["Status"], "Invited");
    assert_eq!(entry(&scenarios::CLEAN)["Status"], "Accepted");
    assert!(
        map.contains_key("NetworkCampaignName"),
        "non-id keys sit next to publisher ids"
    );

    let (_, list) = get_json(
        &sb,
        &format!("/crm/v1/api/campaign/{up}/publishersList?fields=PublisherId,Email,StreetAddress,City,State,ZipCode,Country"),
    )
    .await;
    let rows = list["PublisherCollection"].as_array().expect("array");
    let row = |sc: &scenarios::ScenarioCreator| {
        rows.iter()
            .find(|r| r["PublisherId"] == sc.publisher_id)
            .cloned()
            .expect("row")
    };
    assert_eq!(
        row(&scenarios::CLEAN)["Email"],
        "scenario.clean@example.com"
    );
    assert_eq!(row(&scenarios::MISSING_EMAIL)["Email"], "");
    assert_eq!(row(&scenarios::MISSING_HOME_STATE)["State"], Value::Null);
    assert_eq!(row(&scenarios::NON_US_HOME)["Country"], "Canada");
    assert_eq!(row(&scenarios::MESSY_ADDRESS)["State"], " new york ");
    assert!(row(&scenarios::CLEAN).get("Notes").is_none());
    assert!(row(&scenarios::CLEAN).get("MPID").is_some());

    // Candidates: `Selected` creators only show with candidates=1/2.
    let (_, c) = get_json(&sb, "/crm/v1/api/campaign/840005").await;
    assert!(c["Campaign"].get("StartDate").is_none());
    assert!(c["Campaign"].get("EndDate").is_none());
    let (_, c) = get_json(&sb, "/crm/v1/api/campaign/840002").await;
    let yesterday = (fixed_today() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(c["Campaign"]["StartDate"], yesterday);
    sb.shutdown().await;
}

#[tokio::test]
async fn write_endpoints_change_the_data() {
    let sb = start(tiny()).await;
    let c = client();
    let url = |p: String| format!("{}{}", sb.base_url, p);
    let key = ("x-api-key", PARTNER1_KEY);
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let na = scenarios::NOT_ACCEPTED;

    let r = c
        .put(url(format!("/crm/v1/api/campaign/{up}/publishers/status")))
        .header(key.0, key.1)
        .json(&json!({"publisherIds": [na.publisher_id], "status": "Accepted"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let (_, cp) = get_json(
        &sb,
        &format!(
            "/crm/v1/api/campaign/{up}/publishers?publisherId={}",
            na.publisher_id
        ),
    )
    .await;
    assert_eq!(cp["CampaignPublisher"]["Status"], "Accepted");

    for bad in [
        json!({"publisherIds": [na.publisher_id], "status": "Maybe"}),
        json!({"status": "Accepted"}),
        json!({"publisherIds": [1], "status": "Accepted"}),
    ] {
        let r = c
            .put(url(format!("/crm/v1/api/campaign/{up}/publishers/status")))
            .header(key.0, key.1)
            .json(&bad)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 400, "{bad}");
        let body: Value = r.json().await.expect("json error body");
        assert!(body["CoreException"]["message"].is_string());
    }
    let r = c
        .put(url(format!("/crm/v1/api/campaign/{up}/publishers/status")))
        .header(key.0, key.1)
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);

    let me = scenarios::MISSING_EMAIL;
    let r = c.patch(url(format!("/crm/v1/api/data/contact/{}", me.contact_id())))
        .header(key.0, key.1)
        .json(&json!({"ContactType": "Publisher", "Email": "now.fixed@example.com", "State": "Texas"}))
        .send().await.expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let (_, contact) = get_json(
        &sb,
        &format!("/crm/v1/api/data/contact/{}", me.contact_id()),
    )
    .await;
    assert_eq!(contact["Address"]["Email"], "now.fixed@example.com");
    assert_eq!(contact["Address"]["State"], "Texas");
    let r = c
        .patch(url(format!("/crm/v1/api/data/contact/{}", me.contact_id())))
        .header(key.0, key.1)
        .json(&json!({"Email": "x@example.com"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400, "ContactType is required");

    let r = c
        .patch(url(format!("/crm/v1/api/publisher/{}", me.external_id())))
        .header(key.0, key.1)
        .json(&json!({"Address": {"City": "Dallas", "Country": "US"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let (_, contact) = get_json(
        &sb,
        &format!("/crm/v1/api/data/contact/{}", me.contact_id()),
    )
    .await;
    assert_eq!(contact["Address"]["City"], "Dallas");
    assert_eq!(contact["Address"]["Country"], "US");

    let mp = scenarios::MISSING_PAYOUT;
    let r = c
        .patch(url(format!(
            "/crm/v1/api/campaign/{up}/publisher/{}/payment/settings",
            mp.publisher_id
        )))
        .header(key.0, key.1)
        .json(&json!({"payoutValue": 3200, "payoutType": "PerCreator"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let r = c
        .patch(url(format!(
            "/crm/v1/api/campaign/{up}/publishers?publisherId={}",
            mp.publisher_id
        )))
        .header(key.0, key.1)
        .json(&json!({"CustomField8": "NJ", "CustomField10": 3000}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let (_, cp) = get_json(&sb, &format!("/crm/v1/api/campaign/{up}/publishers?publisherId={}&sections=PublishersCustomFields,FinalPayout", mp.publisher_id)).await;
    assert_eq!(cp["CampaignPublisher"]["FinalPayout"]["FinalPayout"], 3200);
    assert_eq!(
        cp["CampaignPublisher"]["PublishersCustomFields"][0]["CustomField8"],
        "NJ"
    );
    assert_eq!(
        cp["CampaignPublisher"]["PublishersCustomFields"][0]["CustomField10"],
        "3000"
    );

    // A creator not on the campaign, and bodies that are not JSON objects, are 400s.
    let r = c
        .patch(url(format!(
            "/crm/v1/api/campaign/840002/publishers?publisherId={}",
            mp.publisher_id
        )))
        .header(key.0, key.1)
        .json(&json!({"CustomField8": "NJ"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let r = c
        .patch(url(format!("/crm/v1/api/publisher/{}", me.external_id())))
        .header(key.0, key.1)
        .json(&json!([1, 2]))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);

    // Control endpoint edits and reads back.
    let r = c.patch(url(format!("/_sandbox/creators/{}", scenarios::CLEAN.publisher_id)))
        .json(&json!({"campaign_id": up, "status": "declined", "custom_fields": {"CustomField9": "true"}, "payout": null}))
        .send().await.expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let outcome: Value = r.json().await.expect("json");
    assert_eq!(
        outcome["changed"],
        json!(["CustomField9", "Payout", "Status"])
    );
    let creator: Value = c
        .get(url(format!(
            "/_sandbox/creators/{}",
            scenarios::CLEAN.publisher_id
        )))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(creator["campaigns"][0]["status"], "Declined");
    assert_eq!(creator["campaigns"][0]["payout"], Value::Null);
    let r = c
        .patch(url(format!(
            "/_sandbox/creators/{}",
            scenarios::CLEAN.publisher_id
        )))
        .json(&json!({"emial": "typo@example.com"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let r = c
        .patch(url(format!(
            "/_sandbox/creators/{}",
            scenarios::CLEAN.publisher_id
        )))
        .json(&json!({"status": "Accepted"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400, "campaign_id required");
    sb.shutdown().await;
}

/// Sends `method path` with `key` (or without any); returns (status, raw body).
async fn raw(
    sb: &ciq_sandbox::RunningSandbox,
    method: &str,
    path: &str,
    key: Option<&str>,
) -> (u16, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client().request(method, format!("{}{path}", sb.base_url));
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    let r = req.send().await.expect("send");
    (r.status().as_u16(), r.text().await.expect("body"))
}

#[tokio::test]
async fn every_path_needs_a_key_and_unknown_routes_and_methods_are_404() {
    let sb = start(tiny()).await;
    let cases = [
        ("GET", "/"),
        ("GET", "/no/such/path"),
        ("GET", "/crm/v1/api/campaigns/"),
        ("GET", "/crm/v1/api/nothing-here"),
        ("GET", "/_sandbox/nothing-here"),
        // Known paths, methods they do not have.
        ("DELETE", "/crm/v1/api/campaigns"),
        ("POST", "/crm/v1/api/campaign/840001"),
        ("PUT", "/crm/v1/api/publisher/10174720489"),
        ("GET", "/pubsub/subscribe"),
    ];
    for (method, path) in cases {
        let (s, body) = raw(&sb, method, path, None).await;
        assert_eq!(s, 403, "{method} {path} without a key");
        assert_eq!(body, r#"{"message":"Forbidden"}"#, "{method} {path}");
        let (s, body) = raw(&sb, method, path, Some("not-a-key")).await;
        assert_eq!(s, 401, "{method} {path} with an unknown key");
        assert_eq!(body, r#"{"message":"Unauthorized"}"#, "{method} {path}");
        let (s, body) = raw(&sb, method, path, Some(PARTNER1_KEY)).await;
        assert_eq!(s, 404, "{method} {path} with a valid key");
        assert_eq!(body, r#"{"message":"Not Found"}"#, "{method} {path}");
    }
    // Known routes still answer, and control paths need no key.
    let (s, _) = raw(&sb, "GET", "/crm/v1/api/campaigns", Some(PARTNER1_KEY)).await;
    assert_eq!(s, 200);
    let (s, _) = raw(&sb, "GET", "/_sandbox/keys", None).await;
    assert_eq!(s, 200);
    let counters = sb.handle.counters();
    assert_eq!(counters.by_status.get("403"), Some(&(cases.len() as u64)));
    assert_eq!(counters.by_status.get("404"), Some(&(cases.len() as u64)));
    sb.shutdown().await;
}

#[tokio::test]
async fn get_publisher_takes_the_external_id_unless_key_is_id() {
    let sb = start(tiny()).await;
    let clean = scenarios::CLEAN;
    let (internal, external) = (clean.publisher_id, clean.external_id());
    assert_ne!(external, internal.to_string());
    assert_eq!(external.len(), 11);
    assert!(
        external.parse::<u32>().is_err(),
        "cannot be read as an internal id"
    );

    let (s, by_external) = get_json(&sb, &format!("/crm/v1/api/publisher/{external}")).await;
    assert_eq!(s, 200);
    let p = &by_external["Publisher"];
    assert_eq!(p["Id"], internal, "Id is the internal integer");
    assert_eq!(
        p["PublisherId"],
        external.as_str(),
        "PublisherId is the external string"
    );
    assert_eq!(p["NetworkPublisherId"], external.as_str());
    assert!(p["Summary"]["href"]
        .as_str()
        .is_some_and(|h| h.ends_with(&format!("/publisher/{external}/summary"))));

    // The internal id without key=Id is an unknown publisher, like CreatorIQ answers.
    let (s, e) = get_json(&sb, &format!("/crm/v1/api/publisher/{internal}")).await;
    assert_eq!(s, 400);
    assert_eq!(e["type"], "CoreException");
    assert_eq!(
        e["CoreException"]["message"],
        format!("Publisher with ID {internal} was not found")
    );
    let (s, _) = get_json(
        &sb,
        &format!("/crm/v1/api/publisher/{internal}?key=PublisherId"),
    )
    .await;
    assert_eq!(s, 400, "key=PublisherId is the default reading");

    // key=Id (any case) reads the internal id; the external one is then unknown.
    for key in ["Id", "id", "ID"] {
        let (s, body) = get_json(&sb, &format!("/crm/v1/api/publisher/{internal}?key={key}")).await;
        assert_eq!(s, 200, "key={key}");
        assert_eq!(body, by_external, "key={key}");
    }
    let (s, _) = get_json(&sb, &format!("/crm/v1/api/publisher/{external}?key=Id")).await;
    assert_eq!(s, 400);
    let (s, body) = get_json(
        &sb,
        &format!("/crm/v1/api/publisher/{external}?key=PublisherId"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(body, by_external);

    // Other key values (NetworkPublisherId is only in PATCH's enum) and malformed ids are 400s.
    for path in [
        format!("/crm/v1/api/publisher/{external}?key=NetworkPublisherId"),
        format!("/crm/v1/api/publisher/{external}?key=Email"),
        format!("/crm/v1/api/publisher/{external}?key="),
        "/crm/v1/api/publisher/1-2?key=Id".to_string(),
    ] {
        let (s, e) = get_json(&sb, &path).await;
        assert_eq!(s, 400, "{path}");
        assert!(e["CoreException"]["message"].is_string(), "{path}");
    }

    // Partner 2 does not find partner 1's creator by either id.
    for path in [
        format!("/crm/v1/api/publisher/{external}"),
        format!("/crm/v1/api/publisher/{internal}?key=Id"),
    ] {
        let (s, _) = get_json_key(&sb, &path, PARTNER2_KEY).await;
        assert_eq!(s, 400, "{path}");
    }

    // Campaign endpoints use the internal id: publishersList's PublisherId / Id are it,
    // NetworkPublisherId is the external string; the keyed publishers object and its
    // publisherId query take the internal id only.
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let (_, list) = get_json(&sb, &format!("/crm/v1/api/campaign/{up}/publishersList")).await;
    let row = list["PublisherCollection"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["FullName"] == clean.name)
        .cloned()
        .expect("row");
    assert_eq!(row["PublisherId"], internal);
    assert_eq!(row["Id"], internal);
    assert_eq!(row["NetworkPublisherId"], external.as_str());
    let (_, cp) = get_json(&sb, &format!("/crm/v1/api/campaign/{up}/publishers")).await;
    assert_eq!(
        cp["CampaignPublisher"][internal.to_string()]["PublisherId"],
        internal
    );
    assert!(cp["CampaignPublisher"].get(&external).is_none());
    let (s, _) = get_json(
        &sb,
        &format!("/crm/v1/api/campaign/{up}/publishers?publisherId={external}"),
    )
    .await;
    assert_eq!(s, 400, "the external id is not a campaign publisherId");
    let (_, contact) = get_json(
        &sb,
        &format!("/crm/v1/api/data/contact/{}", clean.contact_id()),
    )
    .await;
    assert_eq!(contact["Address"]["PublisherId"], internal);

    // Writes on campaign endpoints take the internal id, not the external one.
    let r = client()
        .put(format!("{}/crm/v1/api/campaign/{up}/publishers/status", sb.base_url))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"publisherIds": [external.parse::<u64>().expect("numeric")], "status": "Declined"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let r = client()
        .patch(format!(
            "{}/crm/v1/api/campaign/{up}/publisher/{external}/payment/settings",
            sb.base_url
        ))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"payoutValue": 1, "payoutType": "PerCreator"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let (_, cp) = get_json(
        &sb,
        &format!(
            "/crm/v1/api/campaign/{up}/publishers?publisherId={internal}&sections=FinalPayout"
        ),
    )
    .await;
    assert_eq!(
        cp["CampaignPublisher"]["Status"], "Accepted",
        "nothing changed"
    );
    assert_eq!(cp["CampaignPublisher"]["FinalPayout"]["FinalPayout"], 4500);
    sb.shutdown().await;
}

#[tokio::test]
async fn patch_publisher_follows_the_same_key_rule() {
    let sb = start(tiny()).await;
    let me = scenarios::MISSING_EMAIL;
    let (internal, external) = (me.publisher_id, me.external_id());
    let patch = |path: String, city: &'static str| {
        let url = format!("{}{path}", sb.base_url);
        async move {
            client()
                .patch(url)
                .header("x-api-key", PARTNER1_KEY)
                .json(&json!({"Address": {"City": city}}))
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }
    };
    let city = || async {
        let (_, c) = get_json(
            &sb,
            &format!("/crm/v1/api/data/contact/{}", me.contact_id()),
        )
        .await;
        c["Address"]["City"].clone()
    };

    assert_eq!(
        patch(format!("/crm/v1/api/publisher/{internal}"), "Nowhere").await,
        400
    );
    assert_eq!(city().await, "Boston", "nothing changed");
    assert_eq!(
        patch(format!("/crm/v1/api/publisher/{external}"), "Dallas").await,
        204
    );
    assert_eq!(city().await, "Dallas");
    assert_eq!(
        patch(format!("/crm/v1/api/publisher/{internal}?key=id"), "Austin").await,
        204
    );
    assert_eq!(city().await, "Austin");
    assert_eq!(
        patch(
            format!("/crm/v1/api/publisher/{external}?key=NetworkPublisherId"),
            "Tulsa"
        )
        .await,
        204
    );
    assert_eq!(city().await, "Tulsa");
    assert_eq!(
        patch(
            format!("/crm/v1/api/publisher/{external}?key=PublisherId"),
            "Reno"
        )
        .await,
        204
    );
    assert_eq!(city().await, "Reno");
    for path in [
        format!("/crm/v1/api/publisher/{external}?key=Id"),
        format!("/crm/v1/api/publisher/{external}?key=MPID"),
        format!("/crm/v1/api/publisher/{internal}?key=NetworkPublisherId"),
    ] {
        assert_eq!(patch(path.clone(), "Nowhere").await, 400, "{path}");
    }
    assert_eq!(city().await, "Reno");
    sb.shutdown().await;
}

fn rows(list: &Value) -> &Vec<Value> {
    list["PublisherCollection"]
        .as_array()
        .expect("PublisherCollection")
}

#[tokio::test]
async fn publishers_list_fields_lenient_by_default_and_strict_on_request() {
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let path = |q: &str| format!("/crm/v1/api/campaign/{up}/publishersList{q}");

    let lenient = start(tiny()).await;
    let (s, full) = get_json(&lenient, &path("")).await;
    assert_eq!(s, 200);
    let all_keys: Vec<String> = rows(&full)[0]
        .as_object()
        .expect("row")
        .keys()
        .cloned()
        .collect();
    assert!(
        all_keys.len() > 20,
        "without fields: the full standard object ({all_keys:?})"
    );
    let (s, two) = get_json(&lenient, &path("?fields=PublisherId,Email,NoSuchField")).await;
    assert_eq!(s, 200);
    for r in rows(&two) {
        let mut keys: Vec<&str> = r
            .as_object()
            .expect("row")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["Email", "MPID", "PublisherId"]);
    }
    lenient.shutdown().await;

    let strict = start(SandboxConfig {
        strict_list_fields: true,
        ..tiny()
    })
    .await;
    let (s, strict_full) = get_json(&strict, &path("")).await;
    assert_eq!(s, 200);
    assert_eq!(
        rows(&strict_full),
        rows(&full),
        "without fields the answer is the same"
    );
    let (s, one) = get_json(&strict, &path("?fields=Email")).await;
    assert_eq!(s, 200);
    assert_eq!(rows(&one).len(), rows(&full).len());
    for r in rows(&one) {
        let mut keys: Vec<&str> = r
            .as_object()
            .expect("row")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["Email", "MPID"]);
    }
    for bad in [
        "PublisherId,Email",
        "PublisherId%2CEmail",
        "NoSuchField",
        "",
        "email",
    ] {
        let (s, e) = get_json(&strict, &path(&format!("?fields={bad}"))).await;
        assert_eq!(s, 400, "fields={bad}");
        assert_eq!(e["type"], "CoreException");
        assert!(
            e["CoreException"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Invalid value for fields")),
            "{e}"
        );
    }
    strict.shutdown().await;
}

#[tokio::test]
async fn publishers_list_has_no_paging() {
    let sb = start(tiny()).await;
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let (_, all) = get_json(&sb, &format!("/crm/v1/api/campaign/{up}/publishersList")).await;
    let n = rows(&all).len();
    assert!(n > 20, "every creator of the campaign in one answer");
    let mut keys: Vec<&str> = all
        .as_object()
        .expect("envelope")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "PublisherCollection",
            "count",
            "href",
            "page",
            "total",
            "type"
        ]
    );
    assert_eq!(all["count"], n);
    assert_eq!(all["total"], n);
    assert_eq!(all["page"], 1);
    for q in ["page=2&size=1", "size=5", "page=0&size=0", "page=x"] {
        let (s, body) = get_json(
            &sb,
            &format!("/crm/v1/api/campaign/{up}/publishersList?{q}"),
        )
        .await;
        assert_eq!(s, 200, "{q}");
        assert_eq!(body, all, "{q} is ignored");
    }
    sb.shutdown().await;
}

const ALL_SECTIONS: &str =
    "sections=PublishersCustomFields,FinalPayout,InstructionsForPublishers,CampaignDashboardLink";
const SECTION_KEYS: [&str; 4] = [
    "PublishersCustomFields",
    "FinalPayout",
    "InstructionsForPublishers",
    "CampaignDashboardLink",
];

#[tokio::test]
async fn sections_can_be_limited_to_single_publisher_answers() {
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let pid = scenarios::CLEAN.publisher_id;
    for need_publisher_id in [false, true] {
        let sb = start(SandboxConfig {
            sections_need_publisher_id: need_publisher_id,
            ..tiny()
        })
        .await;
        let (s, bulk) = get_json(
            &sb,
            &format!("/crm/v1/api/campaign/{up}/publishers?candidates=2&{ALL_SECTIONS}"),
        )
        .await;
        assert_eq!(s, 200);
        let entries: Vec<&Value> = bulk["CampaignPublisher"]
            .as_object()
            .expect("keyed")
            .iter()
            .filter(|(k, _)| k.parse::<u32>().is_ok())
            .map(|(_, v)| v)
            .collect();
        assert!(entries.len() > 20);
        for e in &entries {
            for section in SECTION_KEYS {
                assert_eq!(
                    e.get(section).is_some(),
                    !need_publisher_id,
                    "{section} in the bulk answer (sections_need_publisher_id = {need_publisher_id})"
                );
            }
        }
        let (s, single) = get_json(
            &sb,
            &format!("/crm/v1/api/campaign/{up}/publishers?publisherId={pid}&{ALL_SECTIONS}"),
        )
        .await;
        assert_eq!(s, 200);
        for section in SECTION_KEYS {
            assert!(
                single["CampaignPublisher"].get(section).is_some(),
                "{section} with publisherId"
            );
        }
        assert_eq!(
            single["CampaignPublisher"]["FinalPayout"]["FinalPayout"],
            4500
        );
        sb.shutdown().await;
    }
}

#[tokio::test]
async fn campaign_dates_are_absent_never_blank_or_null() {
    let sb = start(SandboxConfig {
        size: Size::Demo,
        ..tiny()
    })
    .await;
    let (_, list) = get_json(&sb, "/crm/v1/api/campaigns?size=1000").await;
    let mut without = 0;
    for c in list["CampaignCollection"].as_array().expect("campaigns") {
        let c = &c["Campaign"];
        for field in ["StartDate", "EndDate"] {
            match c.get(field) {
                None => without += 1,
                Some(v) => assert!(
                    v.as_str().is_some_and(|d| d.len() == 10),
                    "{field} of {} is {v}",
                    c["CampaignId"]
                ),
            }
        }
    }
    assert!(without >= 2, "the missing-dates scenario has neither date");
    let id = scenarios::CAMPAIGN_MISSING_DATES.id;
    let (_, one) = get_json(&sb, &format!("/crm/v1/api/campaign/{id}")).await;
    assert!(one["Campaign"].get("StartDate").is_none());
    assert!(one["Campaign"].get("EndDate").is_none());
    let (_, narrow) = get_json(
        &sb,
        &format!("/crm/v1/api/campaign/{id}?fields=StartDate,EndDate"),
    )
    .await;
    assert!(narrow["Campaign"].get("StartDate").is_none());
    // Campaign publishers type CampaignStartDate / CampaignEndDate as nullable: null there.
    let (_, cp) = get_json(&sb, &format!("/crm/v1/api/campaign/{id}/publishers")).await;
    let entry =
        &cp["CampaignPublisher"][scenarios::MISSING_CAMPAIGN_DATES.publisher_id.to_string()];
    assert_eq!(entry["CampaignStartDate"], Value::Null);
    assert_eq!(entry["CampaignEndDate"], Value::Null);
    sb.shutdown().await;
}

#[tokio::test]
async fn payouts_are_whole_integers_in_data_and_answers() {
    let sb = start(SandboxConfig {
        size: Size::Demo,
        ..tiny()
    })
    .await;
    let (_, list) = get_json(&sb, "/crm/v1/api/campaigns?size=1000").await;
    let mut seen = 0;
    for c in list["CampaignCollection"].as_array().expect("campaigns") {
        let id = &c["Campaign"]["CampaignId"];
        let (_, cp) = get_json(
            &sb,
            &format!("/crm/v1/api/campaign/{id}/publishers?candidates=2&sections=FinalPayout"),
        )
        .await;
        for (k, e) in cp["CampaignPublisher"].as_object().expect("keyed") {
            if k.parse::<u32>().is_err() {
                continue;
            }
            for v in [
                &e["PublisherCustomPayout"],
                &e["EarningsTotal"],
                &e["FinalPayout"]["FinalPayout"],
                &e["FinalPayout"]["PublisherPayout"],
            ] {
                assert!(v.is_null() || v.is_i64(), "{k}: {v} is not an integer");
            }
            if let Some(v) = e["FinalPayout"].get("FinalPayout") {
                assert_eq!(*v, e["PublisherCustomPayout"]);
                seen += 1;
            }
        }
    }
    assert!(seen > 250);
    sb.handle.with_data(|d| {
        for pd in &d.partners {
            for c in &pd.campaigns {
                for a in &c.assignments {
                    assert!(a.payout.is_none_or(|v| v.fract() == 0.0), "{a:?}");
                }
            }
        }
    });

    // A fractional amount written is stored whole, and data and answer agree.
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    let mp = scenarios::MISSING_PAYOUT;
    let r = client()
        .patch(format!(
            "{}/crm/v1/api/campaign/{up}/publisher/{}/payment/settings",
            sb.base_url, mp.publisher_id
        ))
        .header("x-api-key", PARTNER1_KEY)
        .json(&json!({"payoutValue": 3200.6, "payoutType": "PerCreator"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 204);
    let stored = sb.handle.with_data(|d| {
        d.partners[0]
            .campaign(up)
            .and_then(|c| {
                c.assignments
                    .iter()
                    .find(|a| a.publisher_id == mp.publisher_id)
            })
            .and_then(|a| a.payout)
    });
    assert_eq!(stored, Some(3201.0));
    let (_, cp) = get_json(
        &sb,
        &format!(
            "/crm/v1/api/campaign/{up}/publishers?publisherId={}&sections=FinalPayout",
            mp.publisher_id
        ),
    )
    .await;
    assert_eq!(cp["CampaignPublisher"]["FinalPayout"]["FinalPayout"], 3201);
    assert_eq!(cp["CampaignPublisher"]["PublisherCustomPayout"], 3201);
    assert!(cp["CampaignPublisher"]["EarningsTotal"].is_i64());
    let creator: Value = client()
        .get(format!(
            "{}/_sandbox/creators/{}",
            sb.base_url, mp.publisher_id
        ))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(creator["campaigns"][0]["payout"], 3201);
    assert_eq!(creator["external_id"], mp.external_id().as_str());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_message_reaches_the_creators_inbox_and_bad_ones_are_refused() {
    let sb = start(tiny()).await;
    let c = client();
    let url = format!("{}/crm/v1/api/communication/send", sb.base_url);
    let creator = scenarios::CLEAN.publisher_id;
    let send = |key: Option<&'static str>, body: serde_json::Value| {
        let mut req = c.post(&url).json(&body);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        async move { req.send().await.expect("send") }
    };

    let r = send(
        Some(PARTNER1_KEY),
        json!({"Subject": "Your cover", "MessageContent": "Apply here: https://x/apply/t", "ToId": creator.to_string()}),
    )
    .await;
    assert_eq!(r.status().as_u16(), 204);
    let inbox = sb.handle.messages();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].publisher_id, creator);
    assert_eq!(inbox[0].partner, 1);
    assert_eq!(inbox[0].subject.as_deref(), Some("Your cover"));
    assert!(inbox[0].content.contains("/apply/t"));
    let (s, listed) = get_json(&sb, &format!("/_sandbox/messages?publisher={creator}")).await;
    assert_eq!(s, 200);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let (_, others) = get_json(&sb, "/_sandbox/messages?publisher=1").await;
    assert_eq!(others.as_array().map(Vec::len), Some(0));

    // Refused, and nothing more arrives: no key, another partner's creator, an unknown one,
    // no content, an id that is not the published string.
    let refused = [
        (
            None,
            json!({"MessageContent": "hi", "ToId": creator.to_string()}),
            403,
        ),
        (
            Some(PARTNER2_KEY),
            json!({"MessageContent": "hi", "ToId": creator.to_string()}),
            400,
        ),
        (
            Some(PARTNER1_KEY),
            json!({"MessageContent": "hi", "ToId": "4242424242"}),
            400,
        ),
        (
            Some(PARTNER1_KEY),
            json!({"MessageContent": "  ", "ToId": creator.to_string()}),
            400,
        ),
        (
            Some(PARTNER1_KEY),
            json!({"MessageContent": "hi", "ToId": creator}),
            400,
        ),
    ];
    for (key, body, status) in refused {
        let r = send(key, body.clone()).await;
        assert_eq!(r.status().as_u16(), status, "{body}");
    }
    assert_eq!(sb.handle.messages().len(), 1);
    sb.handle.reset();
    assert!(sb.handle.messages().is_empty(), "reset empties the inbox");
}
