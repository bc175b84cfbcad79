//! A removed member's session never comes back, as them or as anyone else: not after another
//! organization's next member is created (SQLite used to hand that member the removed one's
//! id, and the old cookie then signed in as them), on either backend.

mod common;

use common::{Backend, TestServer, OTHER_EMAIL};
use reqwest::StatusCode;

/// Every way a browser uses its session, from the JSON API to pages and exports.
async fn assert_signed_out_everywhere(server: &TestServer, browser: &reqwest::Client) {
    let (status, body) = server.try_call(browser, "me", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "/api/me answered {body}");
    for endpoint in [
        "members/list",
        "settings/get",
        "list_contractors",
        "overview",
    ] {
        let (status, body) = server.try_call(browser, endpoint, &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{endpoint}: {body}");
    }
    for page in ["/", "/contractors", "/members", "/settings"] {
        let resp = browser
            .get(format!("{}{page}", server.base))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_redirection(), "{page}: {}", resp.status());
        let to = resp.headers()["location"].to_str().unwrap();
        assert!(to.starts_with("/login"), "{page} redirected to {to}");
    }
    for export in ["/contractors.csv", "/fix-list.csv", "/audit.csv"] {
        let (status, body) = server.get(browser, export).await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status.is_redirection(),
            "{export}: {status} {body}"
        );
        assert!(!body.contains("acme"), "{export}: {body}");
    }
}

async fn a_removed_members_cookie_never_signs_in_as_the_next_member(backend: Backend) {
    let server = TestServer::start_on(backend, &[]).await;
    let admin = server.sign_in(common::EMAIL, common::PASSWORD).await;
    let other_admin = server.other_organization_admin().await;

    // Organization A adds X, who signs in; the browser keeps X's cookie.
    let token = server.invite_viewer(&admin, "x@acme.example").await;
    let x = server.accept_invitation(&token, "x password 1234").await;
    let me = server.call(&x, "me", &[]).await;
    assert!(me.contains("x@acme.example"), "{me}");
    let members: serde_json::Value =
        serde_json::from_str(&server.call(&admin, "members/list", &[]).await).unwrap();
    let x_id = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "x@acme.example")
        .map(|m| m["id"].to_string())
        .unwrap();

    // A removes X. X's browser is not used again until the end.
    server
        .call(&admin, "members/remove", &[("id", &x_id)])
        .await;

    // Organization B adds an admin, Y, who uses the one-time link.
    let token = server
        .invite(&other_admin, "y@other.example", "admin")
        .await;
    let y = server.accept_invitation(&token, "y password 1234").await;
    let me = server.call(&y, "me", &[]).await;
    assert!(me.contains("y@other.example"), "{me}");

    // X's old cookie is signed out everywhere; it is neither X nor Y.
    assert_signed_out_everywhere(&server, &x).await;
    // Y and the admins are unaffected.
    assert!(server.call(&y, "me", &[]).await.contains("y@other.example"));
    assert!(server
        .call(&other_admin, "me", &[])
        .await
        .contains(OTHER_EMAIL));
    server.stop().await;
}

#[tokio::test]
async fn sqlite_a_removed_members_cookie_never_signs_in_as_the_next_member() {
    a_removed_members_cookie_never_signs_in_as_the_next_member(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_removed_members_cookie_never_signs_in_as_the_next_member() {
    a_removed_members_cookie_never_signs_in_as_the_next_member(Backend::Postgres).await;
}
