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
        format!("/crm/v1/api/publisher/{}", scenarios::CLEAN.publisher_id),
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
    assert_eq!(c["Campaign"]["StartDate"], "");
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
        .patch(url(format!("/crm/v1/api/publisher/{}", me.publisher_id)))
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
        .patch(url(format!("/crm/v1/api/publisher/{}", me.publisher_id)))
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
