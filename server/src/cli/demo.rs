//! `dashboard demo`: the CreatorIQ sandbox, a demo organization connected to it, a first sync
//! in the background, and the dashboard — everything a newcomer needs to look around.

use std::sync::Arc;

use anyhow::Context;
use ciq_sandbox::{SandboxConfig, Size};
use domain::auth::{create_organization_with_admin, AuthError, Password};
use domain::creatoriq::ApiKey;
use domain::crypto::MasterKey;
use domain::store::{Store, StoreError, Trigger, TriggerKind};
use domain::sync::SyncEngine;

use super::serve;
use crate::{open_store, shutdown_signal, Config};

pub const DEMO_SLUG: &str = "demo";
pub const DEMO_EMAIL: &str = "admin@demo.example";
pub const DEMO_PASSWORD: &str = "demo-password";

pub async fn run(mut config: Config) -> anyhow::Result<()> {
    // Before anything starts: the demo only ever runs on a database of its own.
    let slugs = open_store(&config).await?.organization_slugs().await?;
    super::demo_database_check(&slugs, DEMO_SLUG).map_err(|e| anyhow::anyhow!(e))?;
    let sandbox_addr =
        std::env::var("CIQ_SANDBOX_ADDR").unwrap_or_else(|_| "127.0.0.1:4010".to_owned());
    let listener = tokio::net::TcpListener::bind(&sandbox_addr)
        .await
        .with_context(|| format!("cannot start the CreatorIQ sandbox on {sandbox_addr}"))?;
    let sandbox_url = format!("http://{}", listener.local_addr()?);
    let sandbox_config = SandboxConfig {
        size: Size::Demo,
        // Webhook retries a few seconds apart rather than CreatorIQ's minute.
        webhook_retry_delay: std::time::Duration::from_secs(5),
        ..SandboxConfig::default()
    };
    tokio::spawn(async move {
        if let Err(e) = ciq_sandbox::serve(listener, sandbox_config, shutdown_signal()).await {
            tracing::error!(error = %e, "the CreatorIQ sandbox stopped");
        }
    });

    // The sandbox is the demo's CreatorIQ: this server allows it as an environment (the served
    // dashboard too), and the organization connects to it with partner 1's key through the same
    // checks as Settings.
    config.ciq_environments = config
        .ciq_environments
        .clone()
        .with(&sandbox_url)
        .map_err(|e| anyhow::anyhow!("the sandbox address: {e}"))?;
    let store = open_store(&config).await?;
    let org = ensure_demo_org(store.as_ref()).await?;
    let master =
        MasterKey::load_or_create(&config.master_key_file).context("loading the master key")?;
    let engine = SyncEngine::new(
        store.clone() as Arc<dyn Store>,
        master,
        config.sync_config(),
    )?;
    // The demo sends each Synced creator their link at once (CreatorIQ messages into the
    // sandbox, or email when SMTP_* is set), unless its settings were changed since.
    let outreach = store.outreach_settings(org).await?;
    if outreach == domain::store::OutreachSettingsRecord::default() {
        store
            .save_outreach_settings(
                org,
                &domain::store::OutreachSettingsRecord {
                    auto_send: true,
                    ..Default::default()
                },
            )
            .await?;
    }
    let key = ApiKey::parse(ciq_sandbox::PARTNER1_KEY)
        .map_err(|e| anyhow::anyhow!("sandbox key: {e}"))?;
    engine
        .connect_creatoriq(org, &sandbox_url, &key)
        .await
        .map_err(|e| anyhow::anyhow!("connecting the demo organization to the sandbox: {e}"))?;

    let rating = config.rating.clone();
    let applying = store.clone();
    tokio::spawn(async move {
        let trigger = Trigger::new(TriggerKind::Manual, Some("demo start-up".to_owned()));
        match engine.sync_organization(org, trigger).await {
            Ok(summary) => tracing::info!(
                run = summary.run_id().0,
                state = summary.state().as_str(),
                "demo sync finished"
            ),
            Err(e) => tracing::warn!(error = %e, "demo sync failed"),
        }
        match demo_applications(applying.as_ref(), org, &rating).await {
            Ok(n) => tracing::info!(covered = n, "demo creators completed their applications"),
            Err(e) => tracing::warn!(error = %e, "demo applications failed"),
        }
    });

    println!();
    println!("  Dashboard:  {}/login", config.public_base_url);
    println!("  Sign in:    {DEMO_EMAIL} / {DEMO_PASSWORD}");
    println!(
        "  CreatorIQ sandbox: {sandbox_url} (key {}, control endpoints under /_sandbox/)",
        ciq_sandbox::PARTNER1_KEY
    );
    println!("  A first sync from the sandbox is running; the Contractors page fills as it goes.");
    println!(
        "  Messages to creators: each Synced creator is sent their link within a minute, {}; \
         read what each creator received at {sandbox_url}/_sandbox/messages (and on each \
         contractor's page, under Messages).",
        if config.sync_config().alerts.smtp.is_some() {
            "by email through SMTP_HOST"
        } else {
            "as CreatorIQ messages (no SMTP_HOST is set)"
        }
    );
    println!(
        "  Cover: after the sync, {DEMO_APPLICANTS} demo creators (among them an Agency Pay one \
         with PO # PO-2002) complete their applications as a creator would, so the Contractors \
         list's Coverage column, their policies and certificates, the Invoices page and the \
         overview's money have something to show."
    );
    println!(
        "  Webhooks: fix a creator in the sandbox and watch the row (and the Webhooks page):\n    \
         curl -X PATCH {sandbox_url}/_sandbox/creators/{} -H 'content-type: application/json' \
         -d '{{\"email\":\"fixed@example.com\"}}'",
        ciq_sandbox::scenarios::MISSING_EMAIL.publisher_id
    );
    println!();
    serve(config).await
}

/// How many demo creators complete their application at start-up.
const DEMO_APPLICANTS: usize = 12;

/// Completes the applications of a few Synced creators (the Agency Pay one with a PO # first)
/// as a creator would have: answers, the quote shown, a signature, and the policies, invoice
/// lines and certificate that follow. Rows that have an application already are left alone;
/// how many were covered.
async fn demo_applications(
    store: &dyn Store,
    org: domain::store::OrgId,
    rating: &domain::rating::RatingTable,
) -> anyhow::Result<usize> {
    use domain::application::{
        row_estimate, text_sha256, AcceptedQuote, Answers, ApplicationStep, Signature, StepChange,
    };
    use domain::store::{ContractorPageRequest, ContractorStatus};

    let required = store.ciq_settings(org).await?.coverage_types;
    let mut rows = store
        .contractor_page(
            org,
            &ContractorPageRequest::in_status(ContractorStatus::Synced, Some(200)),
        )
        .await?
        .rows;
    // The Agency Pay creator with a PO # first, so the demo has an invoice to a PO contact.
    let agency = ciq_sandbox::scenarios::AGENCY_PAY_COMPLETE.publisher_id;
    rows.sort_by_key(|r| i64::from(r.contractor.ciq_publisher_id != i64::from(agency)));
    let mut covered = 0;
    for listed in rows {
        if covered == DEMO_APPLICANTS {
            break;
        }
        let Some(row) = store.contractor(org, listed.contractor.id).await? else {
            continue;
        };
        if !store.row_applications(org, row.id).await?.is_empty() {
            continue;
        }
        let (Some(link), Some(estimate)) = (
            store.current_link(org, row.id).await?,
            row_estimate(&row, required, rating),
        ) else {
            continue;
        };
        let quote = AcceptedQuote {
            estimate,
            agency_pay: row.agency_pay.unwrap_or(false),
            example_rates: rating.is_example(),
        };
        let Ok(issue) = domain::cover::plan_issue(&quote, &row, rating) else {
            continue;
        };
        let name = row.creator_name.clone().unwrap_or_default();
        let now = chrono::Utc::now();
        let change = StepChange {
            from: ApplicationStep::VerifyInfo,
            to: ApplicationStep::ApplicationComplete,
            answers: Some(Answers {
                recent_claims: Some(false),
                refused_policy: Some(false),
                employs_others: Some(false),
            }),
            quote: Some(quote),
            signature: Some(Some(Signature {
                text_sha256: text_sha256(&format!("Demo application of {name}")),
                name,
                at: now,
                address: None,
                user_agent: Some("dashboard demo".to_string()),
            })),
            refused: None,
            submits: true,
            issue: Some(issue),
        };
        if let domain::store::StepSaved::Saved(_) =
            store.save_application_step(&link, &change, now).await?
        {
            covered += 1;
        }
    }
    Ok(covered)
}

async fn ensure_demo_org(store: &dyn Store) -> anyhow::Result<domain::store::OrgId> {
    if let Some(org) = store.organization_by_slug(DEMO_SLUG).await? {
        return Ok(org.id);
    }
    match create_organization_with_admin(
        store,
        DEMO_SLUG,
        "Demo Agency",
        DEMO_EMAIL,
        &Password::new(DEMO_PASSWORD),
    )
    .await
    {
        Ok(member) => Ok(member.org_id),
        Err(AuthError::Store(StoreError::Conflict(_))) => store
            .organization_by_slug(DEMO_SLUG)
            .await?
            .map(|o| o.id)
            .context("demo organization vanished"),
        Err(e) => Err(anyhow::anyhow!("creating the demo organization: {e}")),
    }
}
