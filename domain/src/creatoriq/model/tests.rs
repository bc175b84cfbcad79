use super::*;
use serde_json::json;

#[test]
fn campaigns_page_from_reference_shape() {
    let body = json!({
        "type": "CampaignCollection",
        "href": "https://apis.creatoriq.com/crm/v1/api/campaigns",
        "count": 2, "total": "33", "page": 1, "total_pages": "2",
        "SomethingNew": {"x": 1},
        "CampaignCollection": [
            {"type": "Campaign", "href": "https://apis.creatoriq.com/crm/v1/api/campaign/42066",
             "Campaign": {"CampaignId": 42066, "CampaignName": "Coca-Cola", "Description": null,
                          "StartDate": "2022-07-01", "EndDate": "2022-09-01",
                          "CampaignStatus": "Closed", "Currency": "USD", "Paid": 0,
                          "Targets": [{"a": 1}], "PublishersCount": "20"}},
            {"CampaignId": "79706", "CampaignName": 12345}
        ]
    });
    let page: CampaignsPage = serde_json::from_value(body).unwrap();
    assert_eq!(page.total, Some(33));
    assert_eq!(page.total_pages, Some(2));
    assert_eq!(page.campaigns.len(), 2);
    let first = &page.campaigns[0];
    assert_eq!(first.campaign_id, Some(42066));
    assert_eq!(first.start_date.as_deref(), Some("2022-07-01"));
    assert_eq!(first.description, None);
    assert_eq!(first.publishers_count, Some(20));
    // A flat campaign and a numeric name are read, not rejected.
    assert_eq!(page.campaigns[1].campaign_id, Some(79706));
    assert_eq!(page.campaigns[1].campaign_name.as_deref(), Some("12345"));
}

#[test]
fn empty_and_null_campaign_pages() {
    let page: CampaignsPage = serde_json::from_str("{}").unwrap();
    assert!(page.campaigns.is_empty());
    let page: CampaignsPage =
        serde_json::from_str(r#"{"CampaignCollection": null, "total_pages": null}"#).unwrap();
    assert!(page.campaigns.is_empty());
    assert_eq!(page.total_pages, None);
}

#[test]
fn single_campaign_response() {
    let body = r#"{"type":"Campaign","href":"x","Campaign":{"CampaignId":"34343",
        "CampaignName":"Summer","StartDate":"2030-06-01 00:00:00","EndDate":null}}"#;
    let resp: CampaignResponse = serde_json::from_str(body).unwrap();
    assert_eq!(resp.campaign.campaign_id, Some(34343));
    assert_eq!(resp.campaign.end_date, None);
    assert!(serde_json::from_str::<CampaignResponse>("[1,2]").is_err());
}

fn publishers_body() -> Value {
    json!({
        "type": "CampaignPublisher",
        "href": "https://apis.creatoriq.com/crm/v1/campaign/42066/publishers",
        "CampaignPublisher": {
            "23354": {
                "CampaignId": 42066, "CampaignName": "Coca-Cola", "PublisherId": 23354,
                "PublisherName": "Neo", "Status": "Accepted", "CPC": null, "Paid": 1,
                "PublishersCustomFields": [{
                    "PublisherId": 23354, "CampaignId": 42066,
                    "CustomField1": "aaa", "CustomField3": "PO-991",
                    "CustomField4": "rep@agency.com", "CustomField5": "Pat Rep",
                    "CustomField7": "true", "CustomField8": " ma ", "CustomField9": null,
                    "CustomField10": 4500
                }],
                "FinalPayout": {
                    "FixedFeeTrigger": 1, "PayoutType": "PerCreator", "Currency": "USD",
                    "CampaignDefaultPayout": 0, "PublisherPayout": "4500.00",
                    "ScheduledPostsTotalPayout": 0, "FinalPayout": "4500.00",
                    "TotalPosts": 3
                }
            },
            "23355": {
                "PublisherId": "23355", "Status": "Invited",
                "PublishersCustomFields": [],
                "FinalPayout": []
            },
            "23356": {"Status": "Accepted"},
            "23357": "garbage",
            "IntegrationSettings": {"Shopify": true},
            "NetworkCampaignName": null,
            "TrackingLinkCreationType": null
        }
    })
}

#[test]
fn publishers_keyed_by_id() {
    let decoded: CampaignPublishers = serde_json::from_value(publishers_body()).unwrap();
    assert_eq!(decoded.len(), 3);
    let neo = &decoded.publishers[&23354];
    assert_eq!(neo.status.as_deref(), Some("Accepted"));
    let fields = neo.custom_fields.as_ref().unwrap();
    assert_eq!(fields.get(3), Some("PO-991"));
    assert_eq!(fields.get(8), Some(" ma "));
    assert_eq!(fields.get(9), None);
    assert!(fields.contains(9));
    assert!(!fields.contains(6));
    // A number in a custom field is kept as its text.
    assert_eq!(fields.get(10), Some("4500"));
    let payout = neo.final_payout.as_ref().unwrap();
    assert_eq!(payout.final_payout, Some(RawAmount("4500.00".into())));
    assert_eq!(payout.campaign_default_payout, Some(RawAmount("0".into())));

    let invited = &decoded.publishers[&23355];
    assert_eq!(invited.publisher_id, Some(23355));
    assert_eq!(invited.custom_fields, Some(CustomFields::default()));
    assert_eq!(invited.final_payout, None);

    // Sections not requested: the entry still decodes, with the id taken from its key.
    let bare = &decoded.publishers[&23356];
    assert_eq!(bare.publisher_id, Some(23356));
    assert_eq!(bare.custom_fields, None);

    assert_eq!(decoded.unreadable.len(), 1);
    assert_eq!(decoded.unreadable[0].key, "23357");
}

#[test]
fn publishers_single_and_empty_shapes() {
    let single = json!({"type": "CampaignPublisher", "CampaignPublisher": {
        "PublisherId": 5, "Status": "Accepted", "Payable": false,
        "PublishersCustomFields": {"CustomField8": "TX"}}});
    let decoded: CampaignPublishers = serde_json::from_value(single).unwrap();
    assert_eq!(
        decoded.publishers[&5]
            .custom_fields
            .as_ref()
            .unwrap()
            .get(8),
        Some("TX")
    );

    for empty in [
        json!({"CampaignPublisher": {}}),
        json!({"CampaignPublisher": []}),
        json!({"CampaignPublisher": null}),
        json!({"type": "CampaignPublisher"}),
    ] {
        let decoded: CampaignPublishers = serde_json::from_value(empty).unwrap();
        assert!(decoded.is_empty());
    }
    assert!(serde_json::from_value::<CampaignPublishers>(json!({"CampaignPublisher": 3})).is_err());
    assert!(serde_json::from_value::<CampaignPublishers>(json!([])).is_err());
}

#[test]
fn several_custom_field_objects_fill_gaps() {
    let entry: CampaignPublisher = serde_json::from_value(json!({
        "PublisherId": 1,
        "PublishersCustomFields": [
            {"CustomField8": null, "CustomField10": "100"},
            {"CustomField8": "NY", "CustomField10": "200", "CustomField12": "extra"}
        ]
    }))
    .unwrap();
    let fields = entry.custom_fields.unwrap();
    assert_eq!(fields.get(8), Some("NY"));
    assert_eq!(fields.get(10), Some("100"));
    assert_eq!(fields.get(12), Some("extra"));
}

#[test]
fn publishers_list_contact_fields() {
    let body = json!({
        "type": "PublisherCollection", "href": "x", "count": 2, "total": 2, "page": 1,
        "PublisherCollection": [
            {"PublisherId": 1453672, "PublisherName": "sportlivelemur", "MPID": "x",
             "PrimaryContactId": "100903236", "FullName": "Sport Lemur",
             "Email": "svetlana.aa+sportlemur@creatoriq.com", "City": "NY",
             "State": "New York", "ZipCode": null, "Country": "USA", "ShipToAddress": "0"},
            {"PublisherId": "77", "Email": null, "State": "", "Country": null}
        ]
    });
    let page: PublishersListPage = serde_json::from_value(body).unwrap();
    assert_eq!(page.publishers.len(), 2);
    assert_eq!(page.publishers[0].primary_contact_id, Some(100903236));
    assert_eq!(page.publishers[0].state.as_deref(), Some("New York"));
    assert_eq!(page.publishers[1].publisher_id, Some(77));
    assert_eq!(page.publishers[1].email, None);
    assert_eq!(page.publishers[1].state.as_deref(), Some(""));
}

#[test]
fn publisher_and_contact() {
    let publisher: PublisherResponse = serde_json::from_value(json!({
        "type": "Publisher",
        "Publisher": {"Id": 2386944, "PublisherId": "10001356198", "PublisherName": "John Smith",
                      "Status": null, "Country": "USA", "LDACompliant": null,
                      "Address": {"type": "Address",
                                  "href": "https://apis.creatoriq.com/crm/v1/api/data/contact/111209220"}}
    }))
    .unwrap();
    assert_eq!(
        publisher.publisher.publisher_id.as_deref(),
        Some("10001356198")
    );
    assert_eq!(publisher.publisher.contact_id(), Some(111209220));

    let contact: ContactResponse = serde_json::from_value(json!({
        "type": "Address", "href": "x",
        "Address": {"Id": 13326640, "FirstName": "Christy", "LastName": "Weimann",
                    "FullName": "Christy Weimann", "AddressLine1": null, "ZIPCode": "02108",
                    "City": "Boston", "State": "Massachusetts", "Country": "USA",
                    "Email": "Estevan.Conn54@yahoo.com", "PublisherId": 12334,
                    "EmailExists": false}
    }))
    .unwrap();
    assert_eq!(contact.contact.state.as_deref(), Some("Massachusetts"));
    assert_eq!(contact.contact.zip.as_deref(), Some("02108"));
    assert_eq!(contact.contact.publisher_id, Some(12334));
}

#[test]
fn error_bodies() {
    let core: ErrorBody = serde_json::from_str(
        r#"{"type":"CoreException","CoreException":{"code":404,"message":"Supplied ID was not found"}}"#,
    )
    .unwrap();
    assert_eq!(core.message(), Some("Supplied ID was not found"));
    let gateway: ErrorBody = serde_json::from_str(r#"{"message":"Forbidden"}"#).unwrap();
    assert_eq!(gateway.message(), Some("Forbidden"));
}

#[test]
fn lenient_numbers() {
    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "lenient::opt_i64", default)]
        n: Option<i64>,
    }
    for (raw, want) in [
        (r#"{"n": 5}"#, Some(5)),
        (r#"{"n": "5"}"#, Some(5)),
        (r#"{"n": " 5 "}"#, Some(5)),
        (r#"{"n": 5.0}"#, Some(5)),
        (r#"{"n": 5.5}"#, None),
        (r#"{"n": ""}"#, None),
        (r#"{"n": "five"}"#, None),
        (r#"{"n": null}"#, None),
        (r#"{}"#, None),
    ] {
        assert_eq!(serde_json::from_str::<T>(raw).unwrap().n, want, "{raw}");
    }
}
