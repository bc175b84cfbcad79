//! The operator's cockpit over HTTP, on the sandbox's scenario data: the overview's groups of
//! what to fix match exactly the rows the contractors list shows for their links, the rule
//! filter, the fix list CSV (one line per problem, grouped by campaign), and "Re-sync selected".

mod common;

use std::collections::BTreeMap;

use ciq_sandbox::PARTNER1_KEY;
use common::{TestServer, EMAIL, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

async fn list(server: &TestServer, client: &reqwest::Client, form: &[(&str, &str)]) -> Value {
    serde_json::from_str(&server.call(client, "list_contractors", form).await).unwrap()
}

/// The query of a contractors-list link as server function arguments.
fn args_of(href: &str) -> Vec<(String, String)> {
    let query = href.split_once('?').map_or("", |(_, q)| q);
    // Statuses, rule codes and campaign ids need no decoding.
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_groups_match_the_filtered_list_and_the_fix_list() {
    // Before anything is connected: the overview says so and lists nothing to fix.
    let server = TestServer::start().await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let empty: Value = serde_json::from_str(&server.call(&admin, "overview", &[]).await).unwrap();
    assert!(empty["key_last4"].is_null());
    assert!(empty["last_run"].is_null());
    assert_eq!(empty["fixes"], Value::Array(vec![]));
    assert_eq!(empty["total_rows"], 0);
    server.stop().await;

    let (sandbox, server, admin) = common::with_sandbox().await;
    let mut last = String::new();
    for _ in 0..2 {
        // Sync now answers with the run in progress; right after a run ends, the engine may
        // still hold it for a moment, so ask until a new run starts.
        let mut run = server.call(&admin, "start_sync", &[]).await;
        for _ in 0..100 {
            if run != last {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            run = server.call(&admin, "start_sync", &[]).await;
        }
        assert_ne!(run, last, "a second run started");
        server.wait_for_run(&admin, &run).await;
        last = run;
    }

    let o: Value = serde_json::from_str(&server.call(&admin, "overview", &[]).await).unwrap();
    assert_eq!(o["key_last4"], PARTNER1_KEY[PARTNER1_KEY.len() - 4..]);
    assert_eq!(o["last_run"]["state"], "succeeded");
    assert_eq!(o["chart"].as_array().unwrap().len(), 2, "two full runs");
    let by_status: BTreeMap<String, u64> = o["counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(status, n)| (status.clone(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(
        o["needs_attention"].as_u64(),
        by_status.get("needs_attention").copied()
    );
    assert_eq!(
        o["total_rows"].as_u64().unwrap(),
        by_status.values().sum::<u64>()
    );

    // Every group links to exactly its rows, and says which CreatorIQ field to change.
    let fixes = o["fixes"].as_array().unwrap();
    assert!(
        fixes.len() >= 8,
        "the scenarios break most rules: {fixes:?}"
    );
    let codes: Vec<&str> = fixes.iter().map(|g| g["code"].as_str().unwrap()).collect();
    for expected in [
        "missing_email",
        "invalid_email",
        "missing_home_state",
        "missing_payment_amount",
        "invalid_base_pay",
        "non_us_work_state",
        "missing_po_contact_email",
        "invalid_flag",
    ] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
    let rows_of = |g: &Value| g["rows"].as_u64().unwrap();
    assert!(
        fixes.windows(2).all(|w| rows_of(&w[0]) >= rows_of(&w[1])),
        "most rows first"
    );
    for group in fixes {
        let code = group["code"].as_str().unwrap();
        let args = args_of(group["href"].as_str().unwrap());
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(form.contains(&("rule", code)) && form.contains(&("status", "needs_attention")));
        let page = list(&server, &admin, &form).await;
        assert_eq!(
            page["total"], group["rows"],
            "{code}: the link shows the group's rows"
        );
        for row in page["rows"].as_array().unwrap() {
            assert_eq!(row["status"], "needs_attention");
            assert!(
                row["failures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["code"] == code && !f["label"].as_str().unwrap().is_empty()),
                "{code}: {row}"
            );
        }
        let per_campaign: u64 = group["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["rows"].as_u64().unwrap())
            .sum();
        assert_eq!(per_campaign, rows_of(group), "{code}: campaigns add up");
        let first = &group["campaigns"][0];
        let args = args_of(first["href"].as_str().unwrap());
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(list(&server, &admin, &form).await["total"], first["rows"]);
    }
    let po = fixes
        .iter()
        .find(|g| g["code"] == "missing_po_contact_email")
        .unwrap();
    assert_eq!(po["field"], "CustomField4 (PO Contact Email)");
    assert_eq!(po["label"], "PO contact email missing");

    // The agency rep's list is the list's missing_po_number rows.
    let rep = list(&server, &admin, &[("rule", "missing_po_number")]).await;
    assert_eq!(o["rep_total"], rep["total"]);
    assert_eq!(
        o["rep_rows"].as_array().unwrap().len() as u64,
        rep["total"].as_u64().unwrap().min(10)
    );

    // A rule the product does not know is left out, and the answer says so (the list does not
    // pretend nothing matches); a malformed one likewise.
    let all = list(&server, &admin, &[]).await;
    let unknown = list(&server, &admin, &[("rule", "no_such_rule")]).await;
    assert_eq!(unknown["total"], all["total"]);
    assert!(
        unknown["notices"][0]
            .as_str()
            .unwrap()
            .contains("There is no problem called \u{201c}no_such_rule\u{201d}"),
        "{unknown}"
    );
    assert!(all["notices"].as_array().unwrap().is_empty());
    assert_eq!(
        list(&server, &admin, &[("rule", "x' OR 1=1 --")]).await["total"],
        all["total"]
    );

    // The fix list: one line per problem of every row needing attention, grouped by campaign.
    let attention = list(
        &server,
        &admin,
        &[("status", "needs_attention"), ("page", "1")],
    )
    .await;
    let attention_total = attention["total"].as_u64().unwrap();
    assert!(attention_total <= 50, "one page holds them all here");
    let problems: usize = attention["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["failures"].as_array().unwrap().len() + r["warnings"].as_array().unwrap().len())
        .sum();
    let (status, csv) = server.get(&admin, "/fix-list.csv").await;
    assert_eq!(status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        [
            "Campaign",
            "CreatorIQ campaign id",
            "Creator",
            "CreatorIQ creator id",
            "Email",
            "Problem",
            "Blocks the application link",
            "CreatorIQ field",
            "What is wrong",
            "How to fix",
            "Contractor page",
        ]
    );
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), problems, "one line per problem");
    let mut seen: Vec<&str> = Vec::new();
    for line in &lines {
        let campaign = &line[1];
        if seen.last() != Some(&campaign) {
            assert!(!seen.contains(&campaign), "campaign {campaign} is split");
            seen.push(campaign);
        }
        assert!(!line[7].is_empty() && !line[9].is_empty(), "{line:?}");
        assert!(line[10].contains("/contractors/"), "{line:?}");
    }
    assert!(lines.iter().any(|l| &l[5] == "PO contact email missing"
        && &l[7] == "CustomField4 (PO Contact Email)"
        && &l[6] == "yes"));
    // Under a rule filter: only that rule's rows.
    let (_, one_rule) = server
        .get(&admin, "/fix-list.csv?rule=missing_po_contact_email")
        .await;
    let rows = csv::Reader::from_reader(one_rule.as_bytes())
        .records()
        .map(Result::unwrap)
        .filter(|l| &l[5] == "PO contact email missing")
        .count() as u64;
    assert_eq!(Some(rows), po["rows"].as_u64());
    let audit = server
        .call(&admin, "audit/list", &[("action", "export")])
        .await;
    assert!(audit.contains("fix list"), "{audit}");

    // Re-sync selected: one run over the chosen rows, progress counted in rows.
    let ids: Vec<String> = all["rows"].as_array().unwrap()[..3]
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    let run = server
        .call(&admin, "resync_selected", &[("ids", &ids.join(","))])
        .await;
    let done = server.wait_for_run(&admin, &run).await;
    assert_eq!(done["selected_rows"], true);
    assert_eq!(done["campaigns_total"], 3);
    assert_eq!(done["campaigns_done"], 3);
    assert_eq!(done["state"], "succeeded", "{done}");
    // The run's page names how it was started.
    let (_, runs) = server.get(&admin, &format!("/sync-runs/{run}")).await;
    assert!(runs.contains("Row re-sync"), "{runs}");

    // Bad selections are refused in words.
    for (ids, words) in [
        ("", "Select one or more rows"),
        ("12,abc", "Choose rows from the list"),
        (
            &(1..=201)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(","),
            "at most 200 rows",
        ),
    ] {
        let (status, body) = server
            .try_call(&admin, "resync_selected", &[("ids", ids)])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains(words), "{body}");
    }

    server.stop().await;
    sandbox.shutdown().await;
}
