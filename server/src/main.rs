use clap::Parser;
use tracing_subscriber::EnvFilter;

// A sync decodes and encodes a great deal of JSON in small pieces. With mimalloc, reading the
// 100,000-row benchmark dataset took about a quarter less time and its unchanged re-run 15-25%
// less than with the system allocator (`cargo bench -p domain --bench sync`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    dashboard::cli::run(dashboard::cli::Cli::parse()).await
}
