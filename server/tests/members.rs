//! Members and the audit log over HTTP against the real server: an admin adds a member who
//! chooses a password with a one-time link (a GET does not use it up), roles change but never
//! past the last admin, a password change or a removal ends that member's sessions, a session
//! ends after its absolute lifetime however busy it is, and every one of these actions is in
//! the organization's audit log, filterable and exportable by admins only, with no secret in it.

mod common;

use std::time::Duration;

use common::{TestServer, EMAIL, PASSWORD};
use reqwest::StatusCode;
use serde_json::Value;

/// The one-time link's token from an add or reset answer.
fn token_of(answer: &str) -> String {
    let v: Value = serde_json::from_str(answer).unwrap();
    let url = v["url"].as_str().unwrap();
    assert!(url.contains("/welcome/"), "{url}");
    url.rsplit('/').next().unwrap().to_string()
}

/// Whether `client`'s session still opens a signed-in page.
async fn signed_in(server: &TestServer, client: &reqwest::Client) -> bool {
    let (status, _) = server.get(client, "/contractors").await;
    status == StatusCode::OK
}

fn member_id(list: &str, email: &str) -> String {
    let v: Value = serde_json::from_str(list).unwrap();
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} not in {list}"))["id"]
        .to_string()
}

#[tokio::test]
async fn admins_manage_members_and_ended_sessions_stay_ended() {
    let server = TestServer::start().await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;

    // Add a viewer: the answer carries a one-time link, shown once.
    let answer = server
        .call(
            &admin,
            "members/add",
            &[("email", " New@Acme.example "), ("role", "viewer")],
        )
        .await;
    let token = token_of(&answer);
    let (_, refused) = server
        .try_call(
            &admin,
            "members/add",
            &[("email", "new@acme.example"), ("role", "viewer")],
        )
        .await;
    assert!(refused.contains("is already invited"), "{refused}");
    let (_, refused) = server
        .try_call(
            &admin,
            "members/add",
            &[("email", "not an email"), ("role", "viewer")],
        )
        .await;
    assert!(refused.contains("Enter one email address"), "{refused}");

    // Opening the link (as a mail scanner would) does not use it up.
    let newcomer = TestServer::client();
    for _ in 0..2 {
        let (status, html) = server.get(&newcomer, &format!("/welcome/{token}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Choose your password"), "{html}");
        assert!(html.contains("new@acme.example"));
    }
    let (_, refused) = server
        .try_call(
            &newcomer,
            "welcome/use",
            &[
                ("token", &token),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert!(refused.contains("at least 10 characters"), "{refused}");
    let (status, _) = server
        .try_call(
            &newcomer,
            "welcome/use",
            &[
                ("token", &token),
                ("password", "newcomer password 1"),
                ("confirm", "newcomer password 1"),
            ],
        )
        .await;
    assert!(status.is_success() || status.is_redirection(), "{status}");
    assert!(
        signed_in(&server, &newcomer).await,
        "the link signs the member in"
    );
    // Used once: a second use and a second look are refused.
    let (_, refused) = server
        .try_call(
            &TestServer::client(),
            "welcome/use",
            &[
                ("token", &token),
                ("password", "attacker password 1"),
                ("confirm", "attacker password 1"),
            ],
        )
        .await;
    assert!(
        refused.contains("has been used or has expired"),
        "{refused}"
    );
    let (_, html) = server
        .get(&TestServer::client(), &format!("/welcome/{token}"))
        .await;
    assert!(html.contains("can't be used"));

    // A viewer cannot manage members.
    let (_, refused) = server.try_call(&newcomer, "members/list", &[]).await;
    assert_eq!(refused, "\"Forbidden\"");
    let (_, refused) = server
        .try_call(
            &newcomer,
            "members/add",
            &[("email", "x@acme.example"), ("role", "admin")],
        )
        .await;
    assert_eq!(refused, "\"Forbidden\"");

    let list = server.call(&admin, "members/list", &[]).await;
    let admin_id = member_id(&list, EMAIL);
    let new_id = member_id(&list, "new@acme.example");

    // The last admin cannot step down or be removed.
    let (_, refused) = server
        .try_call(
            &admin,
            "members/role",
            &[("id", &admin_id), ("role", "viewer")],
        )
        .await;
    assert!(refused.contains("at least one admin"), "{refused}");
    let (_, refused) = server
        .try_call(&admin, "members/remove", &[("id", &admin_id)])
        .await;
    assert!(refused.contains("at least one admin"), "{refused}");
    server
        .call(
            &admin,
            "members/role",
            &[("id", &new_id), ("role", "admin")],
        )
        .await;

    // A reset link: the member's sessions keep working until it is used, then end.
    let second_browser = server
        .sign_in("new@acme.example", "newcomer password 1")
        .await;
    let reset = server
        .call(&admin, "members/reset", &[("id", &new_id)])
        .await;
    let reset_token = token_of(&reset);
    assert!(signed_in(&server, &newcomer).await);
    let reset_browser = TestServer::client();
    server
        .try_call(
            &reset_browser,
            "welcome/use",
            &[
                ("token", &reset_token),
                ("password", "after reset pass 2"),
                ("confirm", "after reset pass 2"),
            ],
        )
        .await;
    assert!(signed_in(&server, &reset_browser).await);
    assert!(
        !signed_in(&server, &newcomer).await,
        "old sessions end with the reset"
    );
    assert!(!signed_in(&server, &second_browser).await);

    // Changing one's own password keeps this session and ends the others.
    let other_session = server
        .sign_in("new@acme.example", "after reset pass 2")
        .await;
    let (_, refused) = server
        .try_call(
            &reset_browser,
            "account/password",
            &[
                ("current", "wrong current pw"),
                ("password", "third password 33"),
                ("confirm", "third password 33"),
            ],
        )
        .await;
    assert!(
        refused.contains("current password is not right"),
        "{refused}"
    );
    server
        .call(
            &reset_browser,
            "account/password",
            &[
                ("current", "after reset pass 2"),
                ("password", "third password 33"),
                ("confirm", "third password 33"),
            ],
        )
        .await;
    assert!(
        signed_in(&server, &reset_browser).await,
        "this session stays"
    );
    assert!(!signed_in(&server, &other_session).await, "the others end");

    // Removing a member ends their sessions and their sign-in.
    server
        .call(&admin, "members/remove", &[("id", &new_id)])
        .await;
    assert!(!signed_in(&server, &reset_browser).await);
    let resp = server
        .login(
            &TestServer::client(),
            "new@acme.example",
            "third password 33",
        )
        .await;
    assert!(!resp.status().is_success());

    // Another organization's admin sees none of this organization's members and cannot touch
    // them by id.
    let other = server.other_organization_admin().await;
    let list = server.call(&other, "members/list", &[]).await;
    assert!(!list.contains("acme.example"), "{list}");
    for (endpoint, form) in [
        (
            "members/role",
            vec![("id", admin_id.as_str()), ("role", "viewer")],
        ),
        ("members/remove", vec![("id", admin_id.as_str())]),
        ("members/reset", vec![("id", admin_id.as_str())]),
    ] {
        let (_, refused) = server.try_call(&other, endpoint, &form).await;
        assert!(refused.contains("was not found"), "{endpoint}: {refused}");
    }
    assert!(signed_in(&server, &admin).await);
    server.stop().await;
}

#[tokio::test]
async fn the_audit_log_records_who_did_what_and_exports_it_without_secrets() {
    let server = TestServer::start().await;
    // A failed sign-in for a member's email is recorded; one for an unknown email is not.
    let resp = server
        .login(&TestServer::client(), EMAIL, "a wrong guess 1")
        .await;
    assert!(!resp.status().is_success());
    server
        .login(
            &TestServer::client(),
            "nobody@nowhere.example",
            "typed-secret-9",
        )
        .await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    server
        .call(&admin, "settings/save_coverage", &[("coverage", "general")])
        .await;
    let token = server.invite_viewer(&admin, "viewer@acme.example").await;
    let viewer = server.accept_invitation(&token, "viewer password 1").await;
    let (status, _) = server.get(&admin, "/contractors.csv?status=synced").await;
    assert_eq!(status, StatusCode::OK);
    server
        .call(
            &admin,
            "alerts/save",
            &[
                ("emails", ""),
                (
                    "webhook_url",
                    "https://hooks.example.com/services/T0/B0/SECRETPART",
                ),
            ],
        )
        .await;

    let (status, csv) = server.get(&admin, "/audit.csv").await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "\"Sign-in failed\"",
        "\"Signed in\"",
        "\"Required coverage changed\"",
        "\"general,workers-comp → general\"",
        "\"Member added\"",
        "\"viewer@acme.example\"",
        "\"Used a one-time sign-in link\"",
        "\"Exported\"",
        "\"contractors\"",
        "\"Alert settings changed\"",
        "hooks.example.com",
    ] {
        assert!(csv.contains(expected), "{expected} missing from\n{csv}");
    }
    for secret in [
        PASSWORD,
        "a wrong guess 1",
        "typed-secret-9",
        "viewer password 1",
        &token,
    ] {
        assert!(!csv.contains(secret), "a secret reached the audit log");
    }
    assert!(!csv.contains("nobody@nowhere.example"));

    // Filtered by action and by member, as the page's URL says.
    let (_, only) = server.get(&admin, "/audit.csv?action=member_added").await;
    assert_eq!(only.lines().count(), 2, "{only}");
    let list = server.call(&admin, "members/list", &[]).await;
    let viewer_id = member_id(&list, "viewer@acme.example");
    let (_, theirs) = server
        .get(&admin, &format!("/audit.csv?member={viewer_id}"))
        .await;
    assert!(
        theirs
            .lines()
            .skip(1)
            .all(|l| l.contains("viewer@acme.example")),
        "{theirs}"
    );
    assert_eq!(theirs.lines().count(), 2, "{theirs}");
    let (status, _) = server.get(&admin, "/audit.csv?action=nonsense").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The page itself, for admins only.
    let page = server
        .call(&admin, "audit/list", &[("action", "coverage_changed")])
        .await;
    let v: Value = serde_json::from_str(&page).unwrap();
    assert_eq!(v["total"], 1, "{page}");
    let (status, html) = server.get(&admin, "/audit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Audit log"));
    let (status, _) = server.get(&viewer, "/audit.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, refused) = server.try_call(&viewer, "audit/list", &[]).await;
    assert_eq!(refused, "\"Forbidden\"");
    server.stop().await;
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_however_busy() {
    // 0.002 h = 7.2 s.
    let server = TestServer::start_with_env(&[("SESSION_MAX_HOURS", "0.002")]).await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        assert!(
            signed_in(&server, &admin).await,
            "still within its lifetime"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(8).saturating_sub(started.elapsed())).await;
    assert!(
        !signed_in(&server, &admin).await,
        "past its absolute lifetime"
    );
    let (status, _) = server.try_call(&admin, "members/list", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    server.stop().await;
}

/// Inviting an address answers the same whether or not it signs in to another organization,
/// reserves nothing, and cannot take over or lock out the other organization's member; the
/// invitation is listed, can be cancelled, and makes a member only once used.
#[tokio::test]
async fn inviting_reveals_and_reserves_nothing_in_other_organizations() {
    let server = TestServer::start().await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let other = server.other_organization_admin().await;

    // The same answer for an address with an account elsewhere and one without, but for the
    // address and the link.
    let shape = |answer: &str, email: &str| {
        let v: Value = serde_json::from_str(answer).unwrap();
        let message = v["message"].as_str().unwrap().replace(email, "EMAIL");
        let (before, after) = message.split_once("until ").unwrap();
        // "YYYY-MM-DD HH:MM UTC": the same 20 characters, whatever the minute.
        format!("{before}until WHEN{}", &after[20..])
    };
    let taken = server
        .call(
            &admin,
            "members/add",
            &[("email", common::OTHER_EMAIL), ("role", "viewer")],
        )
        .await;
    let free = server
        .call(
            &admin,
            "members/add",
            &[("email", "nobody@else.example"), ("role", "viewer")],
        )
        .await;
    assert_eq!(
        shape(&taken, common::OTHER_EMAIL),
        shape(&free, "nobody@else.example")
    );
    assert!(taken.contains("was invited as viewer"), "{taken}");

    // Listed as invitations, not members; the other organization can still invite the address.
    let list = server.call(&admin, "members/list", &[]).await;
    let v: Value = serde_json::from_str(&list).unwrap();
    let invited: Vec<&str> = v["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert_eq!(invited, ["nobody@else.example", common::OTHER_EMAIL]);
    assert!(!v["members"].to_string().contains("nobody@else.example"));
    server
        .call(
            &other,
            "members/add",
            &[("email", "nobody@else.example"), ("role", "viewer")],
        )
        .await;

    // The link for the address that signs in elsewhere does not change that account.
    let (_, refused) = server
        .try_call(
            &TestServer::client(),
            "welcome/use",
            &[
                ("token", &token_of(&taken)),
                ("password", "takeover password 1"),
                ("confirm", "takeover password 1"),
            ],
        )
        .await;
    assert!(
        refused.contains("already signs in to another organization"),
        "{refused}"
    );
    let still = server
        .sign_in(common::OTHER_EMAIL, common::OTHER_PASSWORD)
        .await;
    assert!(server
        .call(&still, "me", &[])
        .await
        .contains("Other Agency"));
    let resp = server
        .login(
            &TestServer::client(),
            common::OTHER_EMAIL,
            "takeover password 1",
        )
        .await;
    assert!(!resp.status().is_success());

    // A cancelled invitation's link no longer works; a used one makes a member.
    let again = server
        .call(
            &admin,
            "members/add",
            &[("email", "cancelled@acme.example"), ("role", "admin")],
        )
        .await;
    let list: Value =
        serde_json::from_str(&server.call(&admin, "members/list", &[]).await).unwrap();
    let id = list["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == "cancelled@acme.example")
        .unwrap()["id"]
        .to_string();
    let (_, refused) = server
        .try_call(&other, "members/cancel_invitation", &[("id", &id)])
        .await;
    assert!(refused.contains("was not found"), "{refused}");
    let said = server
        .call(&admin, "members/cancel_invitation", &[("id", &id)])
        .await;
    assert!(said.contains("cancelled"), "{said}");
    let (_, html) = server
        .get(
            &TestServer::client(),
            &format!("/welcome/{}", token_of(&again)),
        )
        .await;
    assert!(html.contains("can't be used"));
    let joined = server
        .accept_invitation(&token_of(&free), "nobody password 1")
        .await;
    assert!(server
        .call(&joined, "me", &[])
        .await
        .contains("Acme Agency"));
    let list = server.call(&admin, "members/list", &[]).await;
    member_id(&list, "nobody@else.example");
    server.stop().await;
}
