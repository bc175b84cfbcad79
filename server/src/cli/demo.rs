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
        "  Webhooks: fix a creator in the sandbox and watch the row (and the Webhooks page):\n    \
         curl -X PATCH {sandbox_url}/_sandbox/creators/{} -H 'content-type: application/json' \
         -d '{{\"email\":\"fixed@example.com\"}}'",
        ciq_sandbox::scenarios::MISSING_EMAIL.publisher_id
    );
    println!();
    serve(config).await
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
