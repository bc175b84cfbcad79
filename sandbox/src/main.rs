//! `ciq-sandbox`: serve the CreatorIQ sandbox. See the crate README for flags and endpoints.

use std::time::Duration;

use chrono::NaiveDate;
use ciq_sandbox::{SandboxConfig, Size};
use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "ciq-sandbox",
    about = "A stand-in CreatorIQ API server with seeded data"
)]
struct Cli {
    /// Seed of the data generator.
    #[arg(long, env = "CIQ_SANDBOX_SEED", default_value_t = 42)]
    seed: u64,
    /// Dataset size: tiny, demo, large or bench.
    #[arg(long, env = "CIQ_SANDBOX_SIZE", default_value = "demo")]
    size: Size,
    /// Address to listen on.
    #[arg(long, env = "CIQ_SANDBOX_ADDR", default_value = "127.0.0.1:4010")]
    addr: String,
    /// Requests per second per API key (0 = no limit).
    #[arg(long, env = "CIQ_SANDBOX_RATE_LIMIT", default_value_t = 5)]
    rate_limit: u32,
    /// The date campaign dates are relative to (YYYY-MM-DD; default today, UTC).
    #[arg(long, env = "CIQ_SANDBOX_TODAY")]
    today: Option<NaiveDate>,
    /// Milliseconds between webhook delivery attempts.
    #[arg(long, env = "CIQ_SANDBOX_WEBHOOK_RETRY_MS", default_value_t = 60_000)]
    webhook_retry_ms: u64,
    /// API key of partner 1 (repeat for several; replaces the default key).
    #[arg(
        long = "partner1-key",
        env = "CIQ_SANDBOX_PARTNER1_KEY",
        value_delimiter = ','
    )]
    partner1_keys: Vec<String>,
    /// API key of partner 2 (repeat for several; replaces the default key).
    #[arg(
        long = "partner2-key",
        env = "CIQ_SANDBOX_PARTNER2_KEY",
        value_delimiter = ','
    )]
    partner2_keys: Vec<String>,
    /// publishersList: `fields` must be exactly one value of the published enum (a comma list
    /// is a 400).
    #[arg(long, env = "CIQ_SANDBOX_STRICT_LIST_FIELDS")]
    strict_list_fields: bool,
    /// Get Campaign Publishers: sections only with `publisherId` (the bulk answer has none).
    #[arg(long, env = "CIQ_SANDBOX_SECTIONS_NEED_PUBLISHER_ID")]
    sections_need_publisher_id: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let mut config = SandboxConfig {
        seed: cli.seed,
        size: cli.size,
        rate_limit_per_sec: (cli.rate_limit > 0).then_some(cli.rate_limit),
        webhook_retry_delay: Duration::from_millis(cli.webhook_retry_ms),
        strict_list_fields: cli.strict_list_fields,
        sections_need_publisher_id: cli.sections_need_publisher_id,
        ..SandboxConfig::default()
    };
    if let Some(today) = cli.today {
        config.today = today;
    }
    if !cli.partner1_keys.is_empty() {
        config.partner1_keys = cli.partner1_keys;
    }
    if !cli.partner2_keys.is_empty() {
        config.partner2_keys = cli.partner2_keys;
    }

    let listener = tokio::net::TcpListener::bind(&cli.addr).await?;
    let addr = listener.local_addr()?;
    let (app, handle) = tokio::task::spawn_blocking(move || ciq_sandbox::router(config))
        .await
        .map_err(std::io::Error::other)?;
    let cfg = handle.config();
    println!("CreatorIQ sandbox listening on http://{addr}");
    println!(
        "  seed {}  size {}  today {}  rate limit {}",
        cfg.seed,
        cfg.size,
        cfg.today,
        cfg.rate_limit_per_sec
            .map(|n| format!("{n}/s per key"))
            .unwrap_or_else(|| "off".to_string())
    );
    let switches: Vec<&str> = [
        (cfg.strict_list_fields, "--strict-list-fields"),
        (
            cfg.sections_need_publisher_id,
            "--sections-need-publisher-id",
        ),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if !switches.is_empty() {
        println!("  strict readings: {}", switches.join(" "));
    }
    for p in handle.keys() {
        println!(
            "  partner {} ({}, id {}): {} campaigns, {} creators; x-api-key: {}",
            p.partner,
            p.partner_name,
            p.partner_id,
            p.campaigns,
            p.creators,
            p.keys.join(", ")
        );
    }
    println!("  control endpoints: http://{addr}/_sandbox");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::Parser;

    #[test]
    fn strict_reading_switches_are_off_by_default_and_flags_turn_them_on() {
        let plain = Cli::try_parse_from(["ciq-sandbox"]).expect("parses");
        assert!(!plain.strict_list_fields);
        assert!(!plain.sections_need_publisher_id);
        let strict = Cli::try_parse_from([
            "ciq-sandbox",
            "--strict-list-fields",
            "--sections-need-publisher-id",
        ])
        .expect("parses");
        assert!(strict.strict_list_fields);
        assert!(strict.sections_need_publisher_id);
    }
}
