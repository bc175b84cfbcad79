//! The creator's application through the running server, as a creator's browser posts it: each
//! step saved and resumed, Back, every bad input refused on its step with what was typed kept,
//! two tabs submitting at once completing it once (on both backends), manual review decided
//! with `dashboard review`, and a replaced link expiring mid-application.

mod common;

use common::apply::*;
use common::*;
use domain::application::ApplicationStep;
use reqwest::StatusCode;

const CLEAN: i64 = 5_700_001;
const MESSY: i64 = 5_700_026;
const OHIO: i64 = 5_700_032;

#[tokio::test]
async fn a_creator_applies_step_by_step_resumes_goes_back_and_is_told_what_is_wrong() {
    let (_sandbox, server, admin) = synced(Backend::Sqlite).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, CLEAN).await;
    let creator = Creator::new(&token);

    // Step 1: the details from CreatorIQ, and whom to ask when they are wrong.
    let (status, html) = creator.page(&server).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Step 1 of 5"), "{html}");
    assert!(html.contains("Scenario Clean") && html.contains("Massachusetts"));
    assert!(html.contains("Something is wrong?") && html.contains("Acme Agency"));
    // Reading the page starts nothing.
    assert!(store
        .application(
            store
                .current_link(server.org, row)
                .await
                .unwrap()
                .unwrap()
                .id
        )
        .await
        .unwrap()
        .is_none());

    // Without JavaScript: a plain form post, answered with a redirect back to the page.
    let resp = creator.post_plain(&server, "verify_info", &[]).await;
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("/apply/{token}")
    );

    // Leaving and coming back resumes at the step reached.
    let (_, html) = creator.page(&server).await;
    assert!(
        html.contains("Step 2 of 5") && html.contains("A few questions"),
        "{html}"
    );

    // A question left unanswered: refused on the step, the answers given kept.
    creator
        .ok(
            &server,
            "application_questions",
            &[("recent_claims", "no"), ("employs_others", "yes")],
        )
        .await;
    let (_, html) = Creator::new(&token).page(&server).await;
    assert!(
        html.contains("Answer each of the three questions"),
        "{html}"
    );
    assert!(html.contains("Step 2 of 5"));
    assert!(
        html.contains(r#"id="recent_claims-no" name="recent_claims" value="no" checked"#),
        "{html}"
    );
    assert!(
        html.contains(r#"id="employs_others-yes" name="employs_others" value="yes" checked"#),
        "{html}"
    );

    // Back, then forward again.
    creator
        .ok(&server, "application_questions", &[("go", "back")])
        .await;
    assert!(creator.page(&server).await.1.contains("Step 1 of 5"));
    creator.ok(&server, "verify_info", &[]).await;
    creator
        .ok(&server, "application_questions", &ANSWERS_CLEAN)
        .await;

    // The quote: each coverage type with its window and premium, who pays, example rates.
    let (_, html) = creator.page(&server).await;
    assert!(html.contains("Step 3 of 5"), "{html}");
    assert!(
        html.contains("General liability") && html.contains("$29.25"),
        "{html}"
    );
    assert!(html.contains("Workers&#x27; compensation") || html.contains("Workers' compensation"));
    assert!(html.contains("$54.00") && html.contains("$83.25"), "{html}");
    assert!(
        html.contains("example rates") && html.contains("You pay $83.25"),
        "{html}"
    );
    // A stale tab posting an earlier step changes nothing.
    creator.ok(&server, "verify_info", &[]).await;
    assert!(creator.page(&server).await.1.contains("Step 3 of 5"));
    creator.ok(&server, "quote", &[]).await;

    // The declarations, signed with the name on the application.
    let (_, html) = creator.page(&server).await;
    assert!(html.contains("Declarations and signature"), "{html}");
    assert!(html.contains("I will tell the insurer"), "{html}");
    let sha = declarations_sha(&html);
    creator
        .ok(
            &server,
            "esignature",
            &[
                ("legal_name", "Someone Else"),
                ("consent", "yes"),
                ("text_sha256", &sha),
            ],
        )
        .await;
    let (_, html) = creator.page(&server).await;
    assert!(
        html.contains("does not match the name on this application"),
        "{html}"
    );
    assert!(
        html.contains(r#"value="Someone Else""#),
        "what was typed stays: {html}"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    creator
        .ok(
            &server,
            "esignature",
            &[("legal_name", "scenario clean"), ("text_sha256", &sha)],
        )
        .await;
    let (_, html) = creator.page(&server).await;
    assert!(html.contains("Tick the box"), "{html}");
    assert!(html.contains(r#"value="scenario clean""#));
    // The declarations shown are not the ones signed: refused.
    creator
        .ok(
            &server,
            "esignature",
            &[
                ("legal_name", "Scenario Clean"),
                ("consent", "yes"),
                ("text_sha256", "0000"),
            ],
        )
        .await;
    assert!(creator
        .page(&server)
        .await
        .1
        .contains("declarations changed"));
    let ua_client = reqwest::Client::builder()
        .user_agent("Creator Phone/1.0")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed = Creator {
        client: ua_client,
        token: token.clone(),
    };
    signed
        .ok(
            &server,
            "esignature",
            &[
                ("legal_name", "Scenario  Clean"),
                ("consent", "yes"),
                ("text_sha256", &sha),
            ],
        )
        .await;

    // Final review, then complete.
    let (_, html) = creator.page(&server).await;
    assert!(
        html.contains("Step 5 of 5") && html.contains("Review and submit"),
        "{html}"
    );
    assert!(html.contains("Signed by Scenario Clean"), "{html}");
    creator.ok(&server, "final_review", &[]).await;
    let (_, html) = creator.page(&server).await;
    assert!(html.contains("Application complete"), "{html}");

    let apps = store.row_applications(server.org, row).await.unwrap();
    assert_eq!(apps.len(), 1);
    let app = &apps[0];
    assert_eq!(app.step, ApplicationStep::ApplicationComplete);
    let signature = app.signature.as_ref().unwrap();
    assert_eq!(signature.name, "Scenario Clean");
    assert_eq!(signature.user_agent.as_deref(), Some("Creator Phone/1.0"));
    assert_eq!(signature.address.as_deref(), Some("127.0.0.1"));
    assert_eq!(signature.text_sha256, sha);
    assert_eq!(app.quote.unwrap().estimate.premium_cents(), 8_325);
    assert!(app.submitted_at.is_some());

    // The operator sees it: the list's filter and column, the contractor page.
    let (_, list) = server
        .get(&admin, "/contractors?application=complete")
        .await;
    assert!(list.contains("Scenario Clean"), "{list}");
    assert!(!list.contains("Scenario Messy Address"));
    let (_, list) = server
        .get(
            &admin,
            "/contractors?application=not_started&q=scenario%20messy",
        )
        .await;
    assert!(list.contains("Scenario Messy Address"), "{list}");
    let (_, detail) = server.get(&admin, &format!("/contractors/{}", row.0)).await;
    assert!(
        detail.contains("Application complete") || detail.contains("Complete"),
        "{detail}"
    );
    assert!(
        detail.contains("Estimated cost") && detail.contains("$112.50"),
        "{detail}"
    );
    let (_, csv) = server
        .get(&admin, "/contractors.csv?q=scenario%20clean")
        .await;
    assert!(
        csv.lines().next().unwrap().ends_with(
            r#""Estimated premium","Creator pays","Agency pays","Platform fee","Application","Coverage""#
        ),
        "{csv}"
    );
    assert!(
        csv.contains(r#""$83.25","$83.25","$112.50","$112.50","Complete","Scheduled from"#),
        "{csv}"
    );

    // Posting after completion changes nothing; the link is submitted.
    creator.ok(&server, "final_review", &[]).await;
    assert_eq!(
        store.row_applications(server.org, row).await.unwrap().len(),
        1
    );
    let link = store.current_link(server.org, row).await.unwrap().unwrap();
    assert_eq!(link.state, domain::links::LinkState::Submitted);

    // Bad input elsewhere: an unknown step, an unknown link.
    let (status, body) = creator.post(&server, "pay_now", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = Creator::new("not-a-real-link-token-at-all")
        .post(&server, "verify_info", &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_replaced_link_expires_mid_application_and_carries_answers_only_for_the_same_cover() {
    let (_sandbox, server, admin) = synced(Backend::Sqlite).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, MESSY).await;
    let creator = Creator::new(&token);
    creator.ok(&server, "verify_info", &[]).await;
    creator
        .ok(&server, "application_questions", &ANSWERS_CLEAN)
        .await;

    // The operator regenerates the link (same cover) while the creator is at the quote.
    server
        .call(&admin, "regenerate_link", &[("id", &row.0.to_string())])
        .await;
    let (status, html) = creator.page(&server).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This link has expired"));
    let (status, _) = creator.post(&server, "quote", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, list) = server.get(&admin, "/contractors?application=expired").await;
    assert!(list.contains("Scenario Messy Address"), "{list}");

    // The new link starts again, with the answers given (the cover is unchanged).
    let (_, new_token) = row_and_token(&store, server.org, MESSY).await;
    assert_ne!(new_token, token);
    let again = Creator::new(&new_token);
    assert!(again.page(&server).await.1.contains("Step 1 of 5"));
    again.ok(&server, "verify_info", &[]).await;
    let (_, html) = again.page(&server).await;
    assert!(
        html.contains(r#"id="employs_others-yes" name="employs_others" value="yes" checked"#),
        "{html}"
    );

    // The Ohio creator's link sells general liability only, and says why.
    let (_, ohio) = row_and_token(&store, server.org, OHIO).await;
    let (_, html) = Creator::new(&ohio).page(&server).await;
    assert!(html.contains("Ohio state fund"), "{html}");
    assert!(
        html.contains("General liability") && !html.contains("General liability and"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recent_claim_goes_to_an_underwriter_who_decides_from_the_command_line() {
    let (_sandbox, server, admin) = synced(Backend::Sqlite).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, CLEAN).await;
    let creator = Creator::new(&token);
    to_final_review(&server, &creator, "Scenario Clean", "yes").await;
    creator.ok(&server, "final_review", &[]).await;
    let (_, html) = creator.page(&server).await;
    assert!(
        html.contains("Application under review") && html.contains("up to 24 hours"),
        "{html}"
    );

    let (ok, out) = review(&server, &["--list"]);
    assert!(ok, "{out}");
    let id = store.row_applications(server.org, row).await.unwrap()[0]
        .id
        .0;
    assert!(out.starts_with(&format!("{id}\tScenario Clean")), "{out}");
    assert!(out.contains("claim in 3 years: yes"), "{out}");
    let (_, list) = server
        .get(&admin, "/contractors?application=manual_review")
        .await;
    assert!(list.contains("Scenario Clean"), "{list}");

    let (ok, out) = review(&server, &["--decline", &id.to_string()]);
    assert!(!ok, "a decline needs a reason: {out}");
    let (ok, out) = review(
        &server,
        &["--decline", &id.to_string(), "--reason", "Two open claims"],
    );
    assert!(ok, "{out}");
    assert!(out.contains("declined"), "{out}");
    let (_, html) = creator.page(&server).await;
    assert!(
        html.contains("Application declined") && html.contains("Two open claims"),
        "{html}"
    );
    let (ok, out) = review(&server, &["--approve", &id.to_string()]);
    assert!(!ok && out.contains("not waiting for review"), "{out}");
    let (ok, out) = review(&server, &["--approve", "999999"]);
    assert!(!ok && out.contains("no application 999999"), "{out}");
    let (_, audit) = server.get(&admin, "/audit").await;
    assert!(audit.contains("Application declined"), "{audit}");
    let (ok, out) = review(&server, &["--list"]);
    assert!(ok && out.contains("No application"), "{out}");
}

async fn two_tabs_submit_once(backend: Backend) {
    let (_sandbox, server, _admin) = synced(backend).await;
    let store = server.any_store().await;
    let (row, token) = row_and_token(&store, server.org, CLEAN).await;
    let creator = Creator::new(&token);
    to_final_review(&server, &creator, "Scenario Clean", "no").await;
    let tabs: Vec<_> = (0..6)
        .map(|_| {
            let tab = Creator::new(&token);
            let server_base = server.base.clone();
            let token = token.clone();
            tokio::spawn(async move {
                tab.client
                    .post(format!("{server_base}/api/apply_step"))
                    .header("accept", "application/json")
                    .form(&[("token", token.as_str()), ("step", "final_review")])
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for tab in tabs {
        assert!(tab.await.unwrap().is_success());
    }
    let apps = store.row_applications(server.org, row).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].step, ApplicationStep::ApplicationComplete);
    let link = store.current_link(server.org, row).await.unwrap().unwrap();
    assert_eq!(link.state, domain::links::LinkState::Submitted);
    assert_eq!(
        link.submitted_at, apps[0].submitted_at,
        "submitted once, at one time"
    );
    // One cover, with one policy per coverage type, whichever tab won.
    let covers = store.row_covers(server.org, row).await.unwrap();
    assert_eq!(covers.len(), 1, "{covers:?}");
    assert_eq!(covers[0].policies.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_submitting_at_once_complete_it_once_sqlite() {
    two_tabs_submit_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_submitting_at_once_complete_it_once_postgres() {
    two_tabs_submit_once(Backend::Postgres).await;
}
