//! The authorization matrix: every server function and every page, enumerated from what the
//! server registers (not from a list kept by hand), called as anonymous, as a viewer, and as the
//! admin of another organization using the first organization's ids. Each gets the refusal its
//! access level says, and no answer to the other organization holds any of the first one's data.
//! A server function or page missing from the table below fails the test.

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use reqwest::StatusCode;
use serde_json::Value;

/// Who may call a server function or open a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// Anyone (sign-in, the creators' application pages, one-time links).
    Public,
    /// Any signed-in member of the organization.
    Member,
    /// The organization's admins.
    Admin,
}

/// Every server function: its access and the arguments a call is made with. `{contractor}`,
/// `{run}`, `{member}` and `{delivery}` stand for the first organization's ids.
/// A server function's endpoint, who may call it, and the form it is called with.
type Entry = (
    &'static str,
    Access,
    &'static [(&'static str, &'static str)],
);

const FUNCTIONS: &[Entry] = &[
    (
        "login",
        Access::Public,
        &[("email", "x@y.example"), ("password", "wrong password")],
    ),
    ("logout", Access::Public, &[]),
    ("me", Access::Member, &[]),
    (
        "apply_info",
        Access::Public,
        &[("token", "not-a-real-token-000000000000")],
    ),
    (
        "apply_opened",
        Access::Public,
        &[("token", "not-a-real-token-000000000000")],
    ),
    (
        "apply_step",
        Access::Public,
        &[
            ("token", "not-a-real-token-000000000000"),
            ("step", "verify_info"),
        ],
    ),
    (
        "welcome/info",
        Access::Public,
        &[("token", "not-a-real-token-000000000000")],
    ),
    (
        "welcome/use",
        Access::Public,
        &[
            ("token", "not-a-real-token-000000000000"),
            ("password", "some password 1"),
            ("confirm", "some password 1"),
        ],
    ),
    ("overview", Access::Member, &[]),
    ("list_contractors", Access::Member, &[]),
    (
        "resync_selected",
        Access::Member,
        &[("ids", "{contractor}")],
    ),
    ("start_sync", Access::Member, &[]),
    ("sync_progress", Access::Member, &[("run", "{run}")]),
    (
        "resync_contractor",
        Access::Member,
        &[("id", "{contractor}")],
    ),
    (
        "contractor_detail",
        Access::Member,
        &[("id", "{contractor}")],
    ),
    ("regenerate_link", Access::Admin, &[("id", "{contractor}")]),
    (
        "cancel_cover",
        Access::Admin,
        &[
            ("id", "{contractor}"),
            ("cover", "1"),
            ("reason", "dropped"),
        ],
    ),
    ("invoices/list", Access::Admin, &[]),
    ("invoices/send", Access::Admin, &[("id", "1")]),
    ("outreach/send", Access::Admin, &[("ids", "{contractor}")]),
    ("outreach/send_never_sent", Access::Admin, &[]),
    (
        "outreach/progress",
        Access::Member,
        &[("first", "1"), ("last", "2")],
    ),
    ("outreach/get", Access::Member, &[]),
    (
        "outreach/save",
        Access::Admin,
        &[
            ("channels", ""),
            ("cadence", "2, 5, 9"),
            ("sender_name", ""),
            ("reply_to", ""),
            ("first_subject", ""),
            ("first_body", ""),
            ("reminder_subject", ""),
            ("reminder_body", ""),
        ],
    ),
    (
        "outreach/preview",
        Access::Admin,
        &[
            ("first_subject", "Hi"),
            ("first_body", "Apply: {link}"),
            ("reminder_subject", "Hi again"),
            ("reminder_body", "Apply: {link}"),
        ],
    ),
    ("runs/list", Access::Member, &[]),
    ("runs/get", Access::Member, &[("id", "{run}")]),
    ("webhooks/list", Access::Member, &[("page", "1")]),
    ("webhooks/reprocess", Access::Admin, &[("id", "{delivery}")]),
    ("settings/get", Access::Member, &[]),
    (
        "settings/save_key",
        Access::Admin,
        &[
            ("api_key", "ciq_live_not_a_key_0000"),
            ("environment", "https://elsewhere.example"),
        ],
    ),
    ("settings/test_connection", Access::Admin, &[]),
    (
        "settings/save_coverage",
        Access::Admin,
        &[("coverage", "general")],
    ),
    (
        "settings/save_app_link",
        Access::Admin,
        &[("template", "https://app.creatoriq.com/{creator_id}")],
    ),
    ("automatic/get", Access::Member, &[]),
    ("automatic/subscribe", Access::Admin, &[]),
    ("automatic/replace_address", Access::Admin, &[]),
    ("automatic/interval", Access::Admin, &[("interval", "720")]),
    ("alerts/get", Access::Member, &[]),
    (
        "alerts/save",
        Access::Admin,
        &[("emails", ""), ("webhook_url", "")],
    ),
    ("alerts/test", Access::Admin, &[]),
    ("members/list", Access::Admin, &[]),
    (
        "members/add",
        Access::Admin,
        &[("email", "added@other.example"), ("role", "viewer")],
    ),
    (
        "members/role",
        Access::Admin,
        &[("id", "{member}"), ("role", "viewer")],
    ),
    ("members/remove", Access::Admin, &[("id", "{member}")]),
    (
        "members/cancel_invitation",
        Access::Admin,
        &[("id", "{invitation}")],
    ),
    ("members/reset", Access::Admin, &[("id", "{member}")]),
    (
        "account/password",
        Access::Member,
        &[
            ("current", "not the password"),
            ("password", "new password 12"),
            ("confirm", "new password 12"),
        ],
    ),
    ("audit/list", Access::Admin, &[]),
];

/// Every page and route a browser can open. `{…}` as above.
const PAGES: &[(&str, Access)] = &[
    ("/login", Access::Public),
    ("/apply/{token}", Access::Public),
    ("/welcome/{token}", Access::Public),
    ("/", Access::Member),
    ("/contractors", Access::Member),
    ("/contractors/{contractor}", Access::Member),
    ("/sync-runs", Access::Member),
    ("/sync-runs/{run}", Access::Member),
    ("/settings", Access::Member),
    ("/webhooks", Access::Member),
    ("/members", Access::Admin),
    ("/audit", Access::Admin),
    ("/invoices", Access::Admin),
    ("/account", Access::Member),
    ("/contractors.csv", Access::Member),
    ("/audit.csv", Access::Admin),
    ("/fix-list.csv", Access::Member),
    (
        "/contractors/{contractor}/certificate/1.pdf",
        Access::Member,
    ),
    ("/campaigns/840001/certificates.zip", Access::Member),
    ("/invoices/INV-202612-000001.pdf", Access::Admin),
    ("/invoices/INV-202612-000001.csv", Access::Admin),
    ("/apply/{token}/certificate.pdf", Access::Public),
];

struct Ids {
    contractor: String,
    run: String,
    member: String,
    invitation: String,
    delivery: String,
}

impl Ids {
    fn fill(&self, s: &str) -> String {
        s.replace("{contractor}", &self.contractor)
            .replace("{run}", &self.run)
            .replace("{member}", &self.member)
            .replace("{invitation}", &self.invitation)
            .replace("{delivery}", &self.delivery)
            .replace("{token}", "not-a-real-token-000000000000")
    }
}

/// The registered server functions (without `/api/`).
fn registered_functions() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_and_page_refuses_whom_it_must_and_leaks_nothing_across_organizations() {
    // Nothing is left out of the table, and the table names nothing that does not exist.
    let registered = registered_functions();
    let listed: BTreeSet<String> = FUNCTIONS.iter().map(|(p, _, _)| p.to_string()).collect();
    assert_eq!(
        registered, listed,
        "every server function must be in the authorization matrix (and only those)"
    );
    let routes: BTreeSet<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|r| r.path().replace(":id", "{id}").replace(":token", "{token}"))
        .collect();
    let listed_pages: BTreeSet<String> = PAGES
        .iter()
        .filter(|(p, _)| ![".csv", ".pdf", ".zip"].iter().any(|ext| p.ends_with(ext)))
        .map(|(p, _)| p.replace("{contractor}", "{id}").replace("{run}", "{id}"))
        .collect();
    assert_eq!(
        routes, listed_pages,
        "every page must be in the authorization matrix"
    );

    // The first organization: synced from the sandbox, with a viewer.
    let (sandbox, server, admin) = common::with_sandbox().await;
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    let list: Value =
        serde_json::from_str(&server.call(&admin, "list_contractors", &[]).await).unwrap();
    let first = &list["rows"][0];
    let token = server.invite_viewer(&admin, "viewer@acme.example").await;
    let viewer = server.accept_invitation(&token, "viewer password 1").await;
    server
        .invite(&admin, "pending@acme.example", "viewer")
        .await;
    let members: Value =
        serde_json::from_str(&server.call(&admin, "members/list", &[]).await).unwrap();
    let ids = Ids {
        contractor: first["id"].to_string(),
        run: run.clone(),
        member: members["members"][0]["id"].to_string(),
        invitation: members["invitations"][0]["id"].to_string(),
        delivery: "1".to_string(),
    };
    // What would betray the first organization in another one's answer.
    let name = first["name"].as_str().unwrap().to_string();
    // (The sandbox's address is a server-wide environment choice, not the organization's.)
    let mut markers = vec![
        "acme.example".to_string(),
        "Acme Agency".to_string(),
        name.clone(),
    ];
    markers.extend(first["email"].as_str().map(str::to_string));
    markers.extend(first["link_url"].as_str().map(str::to_string));

    // The other organization's admin.
    let other = server.other_organization_admin().await;

    for (endpoint, access, template) in FUNCTIONS {
        if *endpoint == "logout" {
            continue; // Checked last: it would end the sessions the other checks use.
        }
        let targets_ids = template.iter().any(|(_, v)| {
            ["{contractor}", "{run}", "{member}", "{delivery}"]
                .iter()
                .any(|id| v.contains(id))
        });
        let args: Vec<(String, String)> = template
            .iter()
            .map(|(k, v)| (k.to_string(), ids.fill(v)))
            .collect();
        let form: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

        let (status, body) = server
            .try_call(&TestServer::client(), endpoint, &form)
            .await;
        if *access != Access::Public {
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "anonymous {endpoint}: {body}"
            );
        }
        for marker in &markers {
            assert!(
                !body.contains(marker.as_str()),
                "anonymous {endpoint} leaked {marker}: {body}"
            );
        }

        let (status, body) = server.try_call(&viewer, endpoint, &form).await;
        match access {
            Access::Admin => {
                assert_eq!(status, StatusCode::FORBIDDEN, "viewer {endpoint}: {body}");
                assert_eq!(body, "\"Forbidden\"");
            }
            _ => assert_ne!(status, StatusCode::FORBIDDEN, "viewer {endpoint}: {body}"),
        }

        let (status, body) = server.try_call(&other, endpoint, &form).await;
        for marker in &markers {
            assert!(
                !body.contains(marker.as_str()),
                "the other organization's {endpoint} ({status}) leaked {marker}: {body}"
            );
        }
        if targets_ids {
            assert!(
                !status.is_success() || body == "null" || body.contains("\"rows\":[]"),
                "{endpoint} with the first organization's ids answered {status}: {body}"
            );
        }
    }

    // Pages: anonymous → sign in; a viewer on an admin page → told so; the other organization
    // sees none of the first one's data.
    for (path, access) in PAGES {
        let path = ids.fill(path);
        let (status, body) = server.get(&TestServer::client(), &path).await;
        match access {
            Access::Public => assert_ne!(status, StatusCode::SEE_OTHER, "{path}"),
            _ => assert!(
                status == StatusCode::SEE_OTHER || status == StatusCode::UNAUTHORIZED,
                "anonymous {path}: {status}"
            ),
        }
        let (status, body_viewer) = server.get(&viewer, &path).await;
        if *access == Access::Admin {
            assert!(
                status == StatusCode::FORBIDDEN
                    || body_viewer.contains("Only an organization admin"),
                "viewer {path}: {status}"
            );
        }
        let (_, body_other) = server.get(&other, &path).await;
        for marker in &markers {
            assert!(
                !body.contains(marker.as_str()),
                "anonymous {path} leaked {marker}"
            );
            assert!(
                !body_other.contains(marker.as_str()),
                "the other organization's {path} leaked {marker}"
            );
        }
    }

    // Nothing the others did changed the first organization.
    let after: Value =
        serde_json::from_str(&server.call(&admin, "members/list", &[]).await).unwrap();
    assert_eq!(after["members"], members["members"]);
    assert_eq!(after["invitations"], members["invitations"]);
    let detail = server
        .call(&admin, "contractor_detail", &[("id", &ids.contractor)])
        .await;
    assert!(detail.contains(&name));

    let (status, _) = server.try_call(&admin, "logout", &[]).await;
    assert!(status.is_success() || status.is_redirection());
    assert_eq!(
        server.try_call(&admin, "me", &[]).await.0,
        StatusCode::UNAUTHORIZED
    );
    server.stop().await;
    sandbox.shutdown().await;
}
