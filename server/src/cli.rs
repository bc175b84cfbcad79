//! The command line: `serve` (the default), `create-org`, `demo`, and `sync`.

use clap::{Parser, Subcommand};
use domain::auth::{create_organization_with_admin, Password};

use crate::{launch, open_store, shutdown_signal, Config};

mod demo;
mod sync;

#[derive(Parser, Debug)]
#[command(
    name = "dashboard",
    about = "CreatorIQ Cover: the insurer-side dashboard for CreatorIQ"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the dashboard (the default).
    Serve,
    /// Create an organization and its first admin.
    CreateOrg {
        /// Short name used in URLs and the CLI, e.g. `acme`.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        /// The admin's password (at least 10 characters). Read from the environment variable
        /// ADMIN_PASSWORD when not given, so it need not appear in shell history.
        #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
    },
    /// Create the demo organization and admin if missing, then serve.
    Demo,
    /// Sync an organization from CreatorIQ now and print a summary.
    Sync(SyncArgs),
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// The organization's slug, e.g. `demo`.
    #[arg(long)]
    pub org: String,
    /// The 32-byte master key that encrypts CreatorIQ API keys at rest (created if missing).
    #[arg(long, env = "MASTER_KEY_FILE", default_value = "data/master.key")]
    pub master_key_file: std::path::PathBuf,
    /// Save this CreatorIQ base URL for the organization before syncing.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Save this CreatorIQ API key for the organization before syncing. Read from CIQ_API_KEY
    /// when not given, so it need not appear in shell history.
    #[arg(long, env = "CIQ_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::CreateOrg {
            slug,
            name,
            admin_email,
            admin_password,
        } => {
            let store = open_store(&config).await?;
            let member = create_organization_with_admin(
                &store,
                &slug,
                &name,
                &admin_email,
                &Password::new(admin_password),
            )
            .await
            .map_err(|e| anyhow::anyhow!("could not create the organization: {e}"))?;
            println!(
                "Created organization {slug} with admin {}. Sign in at {}/login",
                member.email, config.public_base_url
            );
            Ok(())
        }
        Command::Demo => demo::run(config).await,
        Command::Sync(args) => sync::run(&config, args).await,
    }
}

pub(crate) async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
    launch(listener, config, shutdown_signal()).await
}
