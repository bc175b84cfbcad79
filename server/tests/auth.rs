//! The real server on port 0 with its own SQLite file, driven over HTTP.

mod common;

use common::{session_cookie, TestServer, EMAIL, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn pages_need_a_session() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    for path in ["/contractors", "/settings", "/sync-runs", "/"] {
        let resp = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(resp.headers()["location"], "/login", "{path}");
    }
    let resp = client
        .post(format!("{}/api/me", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let login = client
        .get(format!("{}/login", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert_eq!(login.headers()["x-frame-options"], "DENY");
    assert_eq!(login.headers()["x-content-type-options"], "nosniff");
    assert!(login.text().await.unwrap().contains("Sign in"));
    server.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    let wrong = server.login(&client, EMAIL, "not the password").await;
    let wrong_status = wrong.status();
    let wrong_body = wrong.text().await.unwrap();
    let unknown = server
        .login(&client, "nobody@acme.example", "not the password")
        .await;
    assert_eq!(unknown.status(), wrong_status);
    assert_eq!(unknown.text().await.unwrap(), wrong_body);
    assert!(wrong_body.contains("InvalidCredentials"), "{wrong_body}");
    assert!(!wrong_status.is_success());

    // Still signed out.
    let resp = client
        .get(format!("{}/contractors", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    server.stop().await;
}

#[tokio::test]
async fn sign_in_cycles_the_session_and_sign_out_ends_it() {
    let server = TestServer::start().await;
    let client = TestServer::client();

    // Email is matched case-insensitively and trimmed.
    let resp = server.login(&client, "  OPS@acme.example ", PASSWORD).await;
    assert!(
        resp.status().is_success() || resp.status().is_redirection(),
        "{}",
        resp.status()
    );
    let first = session_cookie(&resp).expect("a session cookie is set on sign-in");
    assert!(resp.headers().get_all("set-cookie").iter().any(|v| {
        let v = v.to_str().unwrap_or_default().to_ascii_lowercase();
        v.contains("httponly") && v.contains("samesite=lax")
    }));

    let page = client
        .get(format!("{}/contractors", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("No contractors yet"));
    assert!(html.contains("Acme Agency"));

    // Signing in again from the same browser issues a new session id.
    let again = server.login(&client, EMAIL, PASSWORD).await;
    let second = session_cookie(&again).expect("a new session cookie");
    assert_ne!(first, second, "the session id must change on sign-in");

    let out = client
        .post(format!("{}/api/logout", server.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success() || out.status().is_redirection());
    let resp = client
        .get(format!("{}/contractors", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);

    // The old session id is dead even if replayed by hand.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = replay
        .get(format!("{}/contractors", server.base))
        .header("cookie", second)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    server.stop().await;
}

/// Parallel guesses cannot outrun the throttle: each attempt is counted before the password is
/// checked, so of 50 wrong passwords sent at once for one email at most 5 are verified; the
/// rest are refused as "too many attempts" without hashing anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    let server = TestServer::start().await;
    let base = server.base.clone();
    let mut guesses = Vec::new();
    for i in 0..50 {
        let url = format!("{base}/api/login");
        guesses.push(tokio::spawn(async move {
            let resp = TestServer::client()
                .post(url)
                .header("accept", "application/json")
                .form(&[("email", EMAIL), ("password", &format!("guess number {i}"))])
                .send()
                .await
                .unwrap();
            resp.text().await.unwrap()
        }));
    }
    let mut verified = 0;
    let mut throttled = 0;
    for g in guesses {
        let text = g.await.unwrap();
        if text.contains("InvalidCredentials") {
            verified += 1;
        } else if text.contains("Too many failed sign-in attempts") {
            throttled += 1;
        } else {
            panic!("unexpected answer: {text}");
        }
    }
    assert!(
        verified <= 5,
        "{verified} guesses were checked against the password"
    );
    assert_eq!(verified + throttled, 50);

    // The right password is refused too while the email is locked.
    let resp = server.login(&TestServer::client(), EMAIL, PASSWORD).await;
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-in attempts"));
    server.stop().await;
}

/// Successful sign-ins never count against the client's address.
#[tokio::test]
async fn successful_sign_ins_do_not_count_against_the_address() {
    let server = TestServer::start().await;
    for _ in 0..25 {
        let resp = server.login(&TestServer::client(), EMAIL, PASSWORD).await;
        assert!(resp.status().is_success() || resp.status().is_redirection());
        let text = resp.text().await.unwrap();
        assert!(!text.contains("Too many"), "{text}");
    }
    server.stop().await;
}

/// One address guessing across many emails is locked after 20 failures, whichever email it
/// tries next: the server functions see the client's address.
#[tokio::test]
async fn one_address_guessing_across_emails_is_locked() {
    let server = TestServer::start().await;
    for i in 0..20 {
        let resp = server
            .login(
                &TestServer::client(),
                &format!("guess{i}@nowhere.example"),
                "wrong password",
            )
            .await;
        let text = resp.text().await.unwrap();
        assert!(!text.contains("Too many"), "attempt {i}: {text}");
    }
    let resp = server.login(&TestServer::client(), EMAIL, PASSWORD).await;
    let text = resp.text().await.unwrap();
    assert!(text.contains("Too many failed sign-in attempts"), "{text}");
    server.stop().await;
}

/// Pages and server-function answers are never cached.
/// Behind an https address: HSTS, and a `__Host-` session cookie.
#[tokio::test]
async fn answers_are_not_cached_and_https_adds_hsts_and_a_host_cookie() {
    let server = TestServer::start().await;
    let client = TestServer::client();
    let login = server.login(&client, EMAIL, PASSWORD).await;
    assert_eq!(login.headers()["cache-control"], "no-store");
    assert!(session_cookie(&login).is_some());
    assert!(login.headers().get("strict-transport-security").is_none());
    for path in ["/contractors", "/settings", "/login"] {
        let resp = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-store", "{path}");
    }
    let me = client
        .post(format!("{}/api/me", server.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert!(me.status().is_success());
    assert_eq!(me.headers()["cache-control"], "no-store");
    server.stop().await;

    let server = TestServer::start_with(Some("https://cover.example.com")).await;
    let login = server.login(&TestServer::client(), EMAIL, PASSWORD).await;
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-dashboard_session="))
        .expect("a __Host- session cookie")
        .to_owned();
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(
        login.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    server.stop().await;
}
