//! Every endpoint's responses validate against CreatorIQ's published response schemas
//! (`reference/creatoriq-*-openapi.yml`), for every campaign and creator of a dataset.

mod common;

use ciq_sandbox::{scenarios, SandboxConfig, Size, PARTNER1_KEY, PARTNER2_KEY};
use common::{assert_valid, client, fixed_today, get_json, get_json_key, start, Spec};
use serde_json::{json, Value};

const CAMPAIGNS: &str = "creatoriq-campaigns-openapi.yml";
const PUBLISHERS: &str = "creatoriq-publishers-openapi.yml";
const WEBHOOKS: &str = "creatoriq-webhooks-openapi.yml";

fn config(size: Size) -> SandboxConfig {
    SandboxConfig {
        size,
        today: fixed_today(),
        ..SandboxConfig::tiny()
    }
}

#[tokio::test]
async fn campaign_and_publisher_endpoints_match_the_published_schemas() {
    let sb = start(config(Size::Demo)).await;
    let spec = Spec::load(CAMPAIGNS);
    let pubs = Spec::load(PUBLISHERS);
    let list_v = spec.validator(spec.response_schema("/crm/v1/api/campaigns", "get", "200"));
    let one_v =
        spec.validator(spec.response_schema("/crm/v1/api/campaign/{campaignId}", "get", "200"));
    let cp_v = spec.validator(spec.response_schema(
        "/crm/v1/api/campaign/{campaignId}/publishers",
        "get",
        "200",
    ));
    // The response is a oneOf of two models. The keyed model only constrains keys matching its
    // patternProperties, so every object satisfies it: a single-publisher answer therefore
    // matches both branches and can never pass the oneOf as published. Keyed answers are
    // checked against the oneOf and the keyed model, single answers against their own model.
    let cp_all_v = spec.validator(spec.component("CampaignPublishersSuccessResponseModel"));
    let cp_single_v =
        spec.validator(spec.component("CampaignPublishersSinglePublisherSuccessResponseModel"));
    let pl_v = spec.validator(spec.response_schema(
        "/crm/v1/api/campaign/{campaignId}/publishersList",
        "get",
        "200",
    ));
    let err_v = spec.validator(spec.response_schema("/crm/v1/api/campaigns", "get", "400"));
    let pub_v =
        pubs.validator(pubs.response_schema("/crm/v1/api/publisher/{publisherId}", "get", "200"));
    let contact_v =
        pubs.validator(pubs.response_schema("/crm/v1/api/data/contact/{contactId}", "get", "200"));

    // Campaign pages, with and without `fields`.
    let (s, first) = get_json(&sb, "/crm/v1/api/campaigns?page=1&size=7").await;
    assert_eq!(s, 200);
    assert_valid(&list_v, &first, "GET /campaigns");
    let total_pages = first["total_pages"].as_u64().expect("total_pages");
    let mut ids = Vec::new();
    for page in 1..=total_pages {
        let (s, body) = get_json(&sb, &format!("/crm/v1/api/campaigns?page={page}&size=7")).await;
        assert_eq!(s, 200);
        assert_valid(&list_v, &body, "GET /campaigns page");
        for c in body["CampaignCollection"].as_array().expect("collection") {
            ids.push(c["Campaign"]["CampaignId"].as_u64().expect("id"));
        }
    }
    let (_, narrow) = get_json(&sb, "/crm/v1/api/campaigns?fields=CampaignName,StartDate").await;
    assert_valid(&list_v, &narrow, "GET /campaigns?fields");
    assert!(narrow["CampaignCollection"][0]["Campaign"]
        .get("Description")
        .is_none());
    assert!(narrow["CampaignCollection"][0]["Campaign"]
        .get("CampaignId")
        .is_some());

    let mut publisher_ids = std::collections::BTreeSet::new();
    for id in &ids {
        let (s, c) = get_json(&sb, &format!("/crm/v1/api/campaign/{id}")).await;
        assert_eq!(s, 200);
        assert_valid(&one_v, &c, "GET /campaign/{id}");

        let path = format!(
            "/crm/v1/api/campaign/{id}/publishers?candidates=2&sections=PublishersCustomFields,FinalPayout,InstructionsForPublishers,CampaignDashboardLink"
        );
        let (s, cp) = get_json(&sb, &path).await;
        assert_eq!(s, 200);
        assert_valid(&cp_v, &cp, &path);
        assert_valid(&cp_all_v, &cp, &path);
        let map = cp["CampaignPublisher"].as_object().expect("keyed object");
        for (k, _) in map.iter().filter(|(k, _)| k.parse::<u32>().is_ok()) {
            publisher_ids.insert(k.parse::<u32>().expect("id"));
        }
        // Single-publisher variant for the first creator.
        if let Some(pid) = map.keys().find_map(|k| k.parse::<u32>().ok()) {
            let path = format!(
                "/crm/v1/api/campaign/{id}/publishers?publisherId={pid}&sections=PublishersCustomFields,FinalPayout"
            );
            let (s, single) = get_json(&sb, &path).await;
            assert_eq!(s, 200);
            assert_valid(&cp_single_v, &single, &path);
        }

        for fields in [
            "",
            "?fields=PublisherId,PublisherName,Email,StreetAddress,StreetAddress2,City,State,ZipCode,Country,PhoneNumber1",
        ] {
            let path = format!("/crm/v1/api/campaign/{id}/publishersList{fields}");
            let (s, pl) = get_json(&sb, &path).await;
            assert_eq!(s, 200);
            assert_valid(&pl_v, &pl, &path);
        }
    }
    assert_eq!(
        publisher_ids.len(),
        300,
        "every creator is on some campaign"
    );

    // The campaign endpoints key creators by the internal id: Get Publisher takes it with key=Id.
    for pid in &publisher_ids {
        let (s, p) = get_json(&sb, &format!("/crm/v1/api/publisher/{pid}?key=Id")).await;
        assert_eq!(s, 200);
        assert_valid(&pub_v, &p, "GET /publisher/{id}?key=Id");
        assert_eq!(p["Publisher"]["Id"], *pid);
        let external = p["Publisher"]["PublisherId"].as_str().expect("external id");
        let (s, by_external) = get_json(&sb, &format!("/crm/v1/api/publisher/{external}")).await;
        assert_eq!(s, 200);
        assert_eq!(by_external, p);
        let href = p["Publisher"]["Address"]["href"]
            .as_str()
            .expect("contact href");
        let contact_path = href.trim_start_matches(&sb.base_url);
        let (s, c) = get_json(&sb, contact_path).await;
        assert_eq!(s, 200, "{contact_path}");
        assert_valid(&contact_v, &c, "GET /data/contact/{id}");
    }

    // Errors: unknown ids are 400 with CreatorIQ's exception envelope.
    let (s, e) = get_json(&sb, "/crm/v1/api/campaign/1/publishers").await;
    assert_eq!(s, 400);
    assert_valid(&err_v, &e, "400 error");
    assert_eq!(e["type"], "CoreException");
    let (s, e) = get_json(&sb, "/crm/v1/api/campaigns?page=abc").await;
    assert_eq!(s, 400);
    assert_valid(&err_v, &e, "400 error");
    sb.shutdown().await;
}

#[tokio::test]
async fn scenario_creators_and_partner_two_match_the_schemas() {
    let sb = start(config(Size::Tiny)).await;
    let spec = Spec::load(CAMPAIGNS);
    let pubs = Spec::load(PUBLISHERS);
    // See above: the single-publisher variant is checked against its own model.
    let cp_v =
        spec.validator(spec.component("CampaignPublishersSinglePublisherSuccessResponseModel"));
    let pub_v =
        pubs.validator(pubs.response_schema("/crm/v1/api/publisher/{publisherId}", "get", "200"));
    let contact_v =
        pubs.validator(pubs.response_schema("/crm/v1/api/data/contact/{contactId}", "get", "200"));
    for sc in scenarios::CREATORS {
        let (s, p) = get_json(&sb, &format!("/crm/v1/api/publisher/{}", sc.external_id())).await;
        assert_eq!(s, 200);
        assert_valid(&pub_v, &p, sc.name);
        let (s, c) = get_json(
            &sb,
            &format!("/crm/v1/api/data/contact/{}", sc.contact_id()),
        )
        .await;
        assert_eq!(s, 200);
        assert_valid(&contact_v, &c, sc.name);
        for cid in sc.campaign_ids {
            let (s, cp) = get_json(
                &sb,
                &format!("/crm/v1/api/campaign/{cid}/publishers?publisherId={}&sections=PublishersCustomFields,FinalPayout", sc.publisher_id),
            )
            .await;
            assert_eq!(s, 200);
            assert_valid(&cp_v, &cp, sc.name);
        }
    }
    let (s, list) = get_json_key(&sb, "/crm/v1/api/campaigns", PARTNER2_KEY).await;
    assert_eq!(s, 200);
    let list_v = spec.validator(spec.response_schema("/crm/v1/api/campaigns", "get", "200"));
    assert_valid(&list_v, &list, "partner 2 campaigns");
    sb.shutdown().await;
}

#[tokio::test]
async fn pubsub_endpoints_match_the_published_schemas() {
    let sb = start(config(Size::Tiny)).await;
    let spec = Spec::load(WEBHOOKS);
    let c = client();
    let url = |p: &str| format!("{}/pubsub{p}", sb.base_url);
    let sub = json!({"entityType": "Publisher", "actionType": "update", "callback": "http://127.0.0.1:9/hook"});

    let r = c
        .post(url("/subscribe"))
        .header("x-api-key", PARTNER1_KEY)
        .json(&sub)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 201);
    let body: Value = r.json().await.expect("json");
    assert_valid(
        &spec.validator(spec.response_schema("/subscribe", "post", "201")),
        &body,
        "subscribe 201",
    );

    let r = c
        .post(url("/subscribe"))
        .header("x-api-key", PARTNER1_KEY)
        .json(&sub)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.expect("json");
    assert_valid(
        &spec.validator(spec.response_schema("/subscribe", "post", "400")),
        &body,
        "subscribe 400",
    );
    assert_eq!(
        body["message"],
        "Subscription on the current event already exists!"
    );

    let sub2 = json!({"entityType": "Campaign", "actionType": "create", "callback": "http://127.0.0.1:9/c", "entityId": 840001});
    let r = c
        .post(url("/subscribe"))
        .header("x-api-key", PARTNER1_KEY)
        .json(&sub2)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 201);

    let r = c
        .get(url("/subscriptions"))
        .header("x-api-key", PARTNER1_KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.expect("json");
    assert_valid(
        &spec.validator(spec.response_schema("/subscriptions", "get", "200")),
        &body,
        "subscriptions",
    );
    assert_eq!(body.as_array().map(Vec::len), Some(2));

    // Partner 2 sees none of partner 1's subscriptions.
    let (_, other) = get_json_key(&sb, "/pubsub/subscriptions", PARTNER2_KEY).await;
    assert_eq!(other, json!([]));

    let r = c
        .delete(url("/unsubscribe?entityType=Publisher&actionType=update"))
        .header("x-api-key", PARTNER1_KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 201);
    let body: Value = r.json().await.expect("json");
    assert_valid(
        &spec.validator(spec.response_schema("/unsubscribe", "delete", "201")),
        &body,
        "unsubscribe 201",
    );

    let r = c
        .delete(url("/unsubscribe?entityType=Publisher&actionType=update"))
        .header("x-api-key", PARTNER1_KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 404);
    let body: Value = r.json().await.expect("json");
    assert_valid(
        &spec.validator(spec.response_schema("/unsubscribe", "delete", "404")),
        &body,
        "unsubscribe 404",
    );

    let r = c
        .delete(url(
            "/unsubscribe?entityType=Publisher&actionType=update&entityId=abc",
        ))
        .header("x-api-key", PARTNER1_KEY)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.expect("json");
    assert_valid(
        &spec.validator(spec.response_schema("/unsubscribe", "delete", "400")),
        &body,
        "unsubscribe 400",
    );
    sb.shutdown().await;
}

/// The validators are not vacuous: responses with wrong types or missing envelopes fail.
#[tokio::test]
async fn schema_validation_rejects_wrong_shapes() {
    let sb = start(config(Size::Tiny)).await;
    let spec = Spec::load(CAMPAIGNS);
    let list_v = spec.validator(spec.response_schema("/crm/v1/api/campaigns", "get", "200"));
    let cp_v = spec.validator(spec.response_schema(
        "/crm/v1/api/campaign/{campaignId}/publishers",
        "get",
        "200",
    ));
    let (_, list) = get_json(&sb, "/crm/v1/api/campaigns").await;
    assert!(list_v.is_valid(&list));
    let mut bad = list.clone();
    bad["CampaignCollection"][0]["Campaign"]["CampaignId"] = json!("840001");
    assert!(!list_v.is_valid(&bad), "CampaignId must be an integer");
    let mut bad = list.clone();
    bad["CampaignCollection"][0]["Campaign"]["StartDate"] = Value::Null;
    assert!(!list_v.is_valid(&bad), "StartDate is a string");
    let mut bad = list.clone();
    bad.as_object_mut()
        .expect("object")
        .remove("CampaignCollection");
    assert!(!list_v.is_valid(&bad), "envelope is required");

    let (_, cp) = get_json(
        &sb,
        "/crm/v1/api/campaign/840001/publishers?sections=PublishersCustomFields,FinalPayout",
    )
    .await;
    assert!(cp_v.is_valid(&cp));
    let key = scenarios::CLEAN.publisher_id.to_string();
    let mut bad = cp.clone();
    bad["CampaignPublisher"][&key]["PublishersCustomFields"][0]["CustomField8"] = json!(5);
    assert!(!cp_v.is_valid(&bad), "custom fields are strings or null");
    let mut bad = cp.clone();
    bad["CampaignPublisher"][&key]["FinalPayout"]["FinalPayout"] = json!("4500");
    assert!(!cp_v.is_valid(&bad), "FinalPayout is an integer");
    let mut bad = cp;
    bad["CampaignPublisher"][&key]
        .as_object_mut()
        .expect("object")
        .remove("Status");
    assert!(!cp_v.is_valid(&bad), "Status is required");
    sb.shutdown().await;
}

/// Under `strict_list_fields`, `publishersList?fields=` accepts exactly the values of the
/// published `campaignPublishersListFieldsQuery` enum, one at a time; everything else is a 400
/// in CreatorIQ's error envelope. The envelope only carries documented keys.
#[tokio::test]
async fn strict_publishers_list_fields_accept_exactly_the_published_enum() {
    let sb = start(SandboxConfig {
        strict_list_fields: true,
        ..config(Size::Tiny)
    })
    .await;
    let spec = Spec::load(CAMPAIGNS);
    let path = "/crm/v1/api/campaign/{campaignId}/publishersList";
    let ok_v = spec.validator(spec.response_schema(path, "get", "200"));
    let err_v = spec.validator(spec.response_schema(path, "get", "400"));
    let enum_values: Vec<String> = spec
        .raw()
        .pointer("/components/schemas/campaignPublishersListFieldsQuery/enum")
        .and_then(Value::as_array)
        .expect("enum")
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect();
    assert!(enum_values.len() > 200);
    let up = scenarios::CAMPAIGN_UPCOMING.id;
    for field in &enum_values {
        let (s, body) = get_json(
            &sb,
            &format!("/crm/v1/api/campaign/{up}/publishersList?fields={field}"),
        )
        .await;
        assert_eq!(s, 200, "fields={field}");
        let row = &body["PublisherCollection"][0];
        assert!(row.get("MPID").is_some(), "MPID always comes");
        assert!(
            row.as_object()
                .expect("row")
                .keys()
                .all(|k| k == field || k == "MPID"),
            "fields={field}: {row}"
        );
    }
    let (_, one) = get_json(
        &sb,
        &format!("/crm/v1/api/campaign/{up}/publishersList?fields=PublisherId"),
    )
    .await;
    assert_valid(&ok_v, &one, "fields=PublisherId");
    let (_, full) = get_json(&sb, &format!("/crm/v1/api/campaign/{up}/publishersList")).await;
    assert_valid(&ok_v, &full, "no fields");
    let documented = spec
        .raw()
        .pointer("/components/schemas/CampaignPublishersListSuccessResponseModel/properties")
        .and_then(Value::as_object)
        .expect("envelope properties");
    for key in full.as_object().expect("envelope").keys() {
        assert!(
            documented.contains_key(key),
            "{key} is not in the published envelope"
        );
    }
    for bad in ["PublisherId,PublisherName", "Nope", ""] {
        let (s, e) = get_json(
            &sb,
            &format!("/crm/v1/api/campaign/{up}/publishersList?fields={bad}"),
        )
        .await;
        assert_eq!(s, 400, "fields={bad}");
        assert_valid(&err_v, &e, "400 for fields");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_message_to_a_creator_is_sent_as_the_published_request_schema_says() {
    let pubs = Spec::load(PUBLISHERS);
    let v = pubs.validator(pubs.request_schema("/crm/v1/api/communication/send", "post"));
    // The body the dashboard's client sends (domain/src/creatoriq/client.rs, send_message).
    let sent = json!({
        "Subject": "Insurance for Summer Launch",
        "MessageContent": "Hello Jo, apply here: https://cover.example/apply/abc",
        "ToId": "1000001",
    });
    assert_valid(&v, &sent, "POST /communication/send");
    assert!(
        !v.is_valid(&json!({"MessageContent": "hi", "ToId": 1000001})),
        "the schema types ToId as a string"
    );
}
