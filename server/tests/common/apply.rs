//! A creator's side of the application, as their browser posts it, for the tests of what an
//! application does (the application itself, and the cover it issues).

use std::sync::Arc;

use domain::store::{ContractorId, Store};
use reqwest::StatusCode;

use super::*;

/// A server on `backend` connected to a tiny sandbox, synced; its admin.
pub async fn synced(
    backend: Backend,
) -> (ciq_sandbox::RunningSandbox, TestServer, reqwest::Client) {
    let sandbox = ciq_sandbox::spawn(ciq_sandbox::SandboxConfig::tiny())
        .await
        .unwrap();
    let server = TestServer::build()
        .backend(backend)
        .creatoriq_environments(&[&sandbox.base_url])
        .connected("acme", &sandbox.base_url)
        .start()
        .await;
    let admin = server.sign_in(EMAIL, PASSWORD).await;
    let run = server.call(&admin, "start_sync", &[]).await;
    server.wait_for_run(&admin, &run).await;
    (sandbox, server, admin)
}

/// The row of a scenario creator on the upcoming campaign, and its current link's token.
pub async fn row_and_token(
    store: &Arc<dyn Store>,
    org: domain::store::OrgId,
    publisher: i64,
) -> (ContractorId, String) {
    let rows = store
        .contractors_for_publisher(org, publisher)
        .await
        .unwrap();
    let row = rows.first().expect("the scenario row");
    let link = store
        .current_link(org, row.id)
        .await
        .unwrap()
        .expect("a synced row has a link");
    (row.id, link.token.expose().to_string())
}

/// A creator's browser: no session.
pub struct Creator {
    pub client: reqwest::Client,
    pub token: String,
}

impl Creator {
    pub fn new(token: &str) -> Creator {
        Creator {
            client: TestServer::client(),
            token: token.to_string(),
        }
    }

    pub async fn page(&self, server: &TestServer) -> (StatusCode, String) {
        server
            .get(&self.client, &format!("/apply/{}", self.token))
            .await
    }

    /// Posts a step as the hydrated page does (JSON answer).
    pub async fn post(
        &self,
        server: &TestServer,
        step: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut form = vec![("token", self.token.as_str()), ("step", step)];
        form.extend_from_slice(fields);
        server.try_call(&self.client, "apply_step", &form).await
    }

    /// Posts a step as a browser without JavaScript does: a plain form, answered with a
    /// redirect back to the page.
    pub async fn post_plain(
        &self,
        server: &TestServer,
        step: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut form = vec![("token", self.token.as_str()), ("step", step)];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}/api/apply_step", server.base))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub async fn ok(&self, server: &TestServer, step: &str, fields: &[(&str, &str)]) {
        let (status, body) = self.post(server, step, fields).await;
        assert!(status.is_success(), "{step}: {status} {body}");
    }
}

pub fn declarations_sha(html: &str) -> String {
    html.split("name=\"text_sha256\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the esignature form carries the hash of what it shows")
        .to_string()
}

pub const ANSWERS_CLEAN: [(&str, &str); 3] = [
    ("recent_claims", "no"),
    ("refused_policy", "no"),
    ("employs_others", "yes"),
];

/// Walks a creator to the final review with these answers.
pub async fn to_final_review(server: &TestServer, creator: &Creator, name: &str, claims: &str) {
    creator.ok(server, "verify_info", &[]).await;
    creator
        .ok(
            server,
            "application_questions",
            &[
                ("recent_claims", claims),
                ("refused_policy", "no"),
                ("employs_others", "no"),
            ],
        )
        .await;
    creator.ok(server, "quote", &[]).await;
    let sha = declarations_sha(&creator.page(server).await.1);
    creator
        .ok(
            server,
            "esignature",
            &[
                ("legal_name", name),
                ("consent", "yes"),
                ("text_sha256", &sha),
            ],
        )
        .await;
}

/// `dashboard review --org acme ARGS` on the server's database: whether it succeeded, and what
/// it printed.
pub fn review(server: &TestServer, args: &[&str]) -> (bool, String) {
    staff_command(server, "review", args)
}

/// `dashboard COMMAND --org acme ARGS` (the insurer's staff commands) on the server's database.
pub fn staff_command(server: &TestServer, command: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dashboard"))
        .arg(command)
        .args(["--org", "acme"])
        .args(args)
        .env("DATABASE_URL", &server.db)
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// From the quote step on: accepts the quote and signs as `name`, up to the final review.
pub async fn to_final_review_from_quote(server: &TestServer, creator: &Creator, name: &str) {
    creator.ok(server, "quote", &[]).await;
    let sha = declarations_sha(&creator.page(server).await.1);
    creator
        .ok(
            server,
            "esignature",
            &[
                ("legal_name", name),
                ("consent", "yes"),
                ("text_sha256", &sha),
            ],
        )
        .await;
}
