//! The command line: `serve` (the default), `create-org`, `add-member`, `demo`, `sync`,
//! `recount`, `send-links` and `migrate-to-postgres`.

use clap::{Parser, Subcommand};
use domain::auth::{add_member, create_organization_with_admin, Password};
use domain::store::Role;

use crate::{launch, open_store, shutdown_signal, Config};

#[cfg(feature = "demo")]
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
    /// Add a member to an existing organization.
    AddMember {
        /// The organization's slug, e.g. `acme`.
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        /// `admin` (may change settings) or `viewer` (reads and re-syncs).
        #[arg(long, default_value = domain::store::Role::Viewer.as_str())]
        role: String,
        /// The member's password (at least 10 characters). Read from MEMBER_PASSWORD (or
        /// ADMIN_PASSWORD) when not given, so it need not appear in shell history.
        #[arg(long, env = "MEMBER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Create the demo organization and admin if missing, then serve (only in builds with the
    /// `demo` feature; refused on a database that holds other organizations).
    #[cfg(feature = "demo")]
    Demo,
    /// Sync an organization from CreatorIQ now and print a summary.
    Sync(SyncArgs),
    /// Check the counts the database keeps for an organization (tabs, overview) against its
    /// rows and rebuild them; prints what differed. Safe while the server runs.
    Recount {
        /// The organization's slug, e.g. `demo`.
        #[arg(long)]
        org: String,
    },
    /// Send the application link to every Synced row of an organization whose link was never
    /// sent, and every other message that is due, now; prints `sent N, failed M, skipped K`.
    SendLinks {
        /// The organization's slug, e.g. `demo`.
        #[arg(long)]
        org: String,
        /// The master key that encrypts CreatorIQ API keys (for CreatorIQ messages).
        #[arg(long, env = "MASTER_KEY_FILE", default_value = "data/master.key")]
        master_key_file: std::path::PathBuf,
    },
    /// Applications waiting for an underwriter (a recent claim, a refused policy): list them,
    /// approve one, or decline one with the reason the creator is told.
    Review(ReviewArgs),
    /// An organization's invoices: list them, or record that one was paid (payment is
    /// collected outside the dashboard).
    Invoices(InvoicesArgs),
    /// Copy everything from the SQLite database (DATABASE_URL) into an empty PostgreSQL
    /// database, then point DATABASE_URL at it. Stop the server first; members sign in again.
    MigrateToPostgres {
        /// The PostgreSQL database to fill, e.g. postgres://cover@db.internal/cover. It must
        /// exist; its tables are created here.
        #[arg(long, env = "TARGET_DATABASE_URL", hide_env_values = true)]
        to: String,
    },
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("decision").required(true).args(["list", "approve", "decline"])))]
pub struct ReviewArgs {
    /// The organization's slug, e.g. `demo`.
    #[arg(long)]
    org: String,
    /// List the applications in manual review, oldest first.
    #[arg(long)]
    list: bool,
    /// Approve the application with this id: it is complete.
    #[arg(long, value_name = "ID")]
    approve: Option<i64>,
    /// Decline the application with this id (needs --reason).
    #[arg(long, value_name = "ID", requires = "reason")]
    decline: Option<i64>,
    /// Why it is declined, as the creator reads it.
    #[arg(long)]
    reason: Option<String>,
    /// Who decides, for the audit log.
    #[arg(long, default_value = "underwriter (command line)")]
    by: String,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["list", "mark_paid"])))]
pub struct InvoicesArgs {
    /// The organization's slug, e.g. `demo`.
    #[arg(long)]
    org: String,
    /// List the invoices, newest first, with their state and total.
    #[arg(long)]
    list: bool,
    /// Record that the invoice with this number (e.g. INV-202612-000007) was paid.
    #[arg(long, value_name = "NUMBER")]
    mark_paid: Option<String>,
    /// Who records it, for the audit log.
    #[arg(long, default_value = "billing (command line)")]
    by: String,
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// The organization's slug, e.g. `demo`.
    #[arg(long)]
    pub org: String,
    /// The 32-byte master key that encrypts CreatorIQ API keys at rest (created if missing).
    #[arg(long, env = "MASTER_KEY_FILE", default_value = "data/master.key")]
    pub master_key_file: std::path::PathBuf,
    /// Connect the organization to this CreatorIQ environment (one of CREATORIQ_BASE_URLS)
    /// before syncing. Needs the API key too: a key is sealed for one environment.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Save this CreatorIQ API key for the organization before syncing, after CreatorIQ
    /// accepted it. Read from CIQ_API_KEY when not given, so it need not appear in shell
    /// history.
    #[arg(long, env = "CIQ_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Only save the environment and API key; start no sync (it can then be started from the
    /// dashboard's "Sync now").
    #[arg(long)]
    pub no_sync: bool,
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
                store.as_ref(),
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
        Command::AddMember {
            org,
            email,
            role,
            password,
        } => {
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be admin or viewer, not {role:?}"))?;
            let password = password
                .or_else(|| std::env::var("ADMIN_PASSWORD").ok())
                .ok_or_else(|| anyhow::anyhow!("set MEMBER_PASSWORD (or pass --password)"))?;
            let store = open_store(&config).await?;
            let organization = store
                .organization_by_slug(&org)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no organization with slug {org:?}"))?;
            let member = add_member(
                store.as_ref(),
                organization.id,
                &email,
                &Password::new(password),
                role,
            )
            .await
            .map_err(|e| anyhow::anyhow!("could not add the member: {e}"))?;
            println!(
                "Added {} to {org} as {}.",
                member.email,
                member.role.as_str()
            );
            Ok(())
        }
        #[cfg(feature = "demo")]
        Command::Demo => demo::run(config).await,
        Command::Sync(args) => sync::run(&config, args).await,
        Command::Recount { org } => recount(&config, &org).await,
        Command::SendLinks {
            org,
            master_key_file,
        } => send_links(&config, &org, &master_key_file).await,
        Command::Review(args) => review(&config, &args).await,
        Command::Invoices(args) => invoices(&config, &args).await,
        Command::MigrateToPostgres { to } => migrate_to_postgres(&config, &to).await,
    }
}

async fn review(config: &Config, args: &ReviewArgs) -> anyhow::Result<()> {
    use domain::application::ApplicationId;
    use domain::store::{
        record_audit_or_log, Actor, AuditAction, NewAuditEvent, ReviewOutcome, Verdict,
    };

    let store = open_store(config).await?;
    let slug = &args.org;
    let organization = store
        .organization_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization with slug {slug:?}"))?;
    if args.list {
        let waiting = store.applications_in_review(organization.id).await?;
        if waiting.is_empty() {
            println!("No application of {slug} is waiting for review.");
            return Ok(());
        }
        let yes_no = |a: Option<bool>| if a == Some(true) { "yes" } else { "no" };
        for item in waiting {
            println!(
                "{}\t{}\t{}\t{}\tsubmitted {}\tclaim in 3 years: {}\tpolicy cancelled or refused: {}\temploys anyone: {}",
                item.id,
                item.creator_name.as_deref().unwrap_or("(no name)"),
                item.email.as_deref().unwrap_or("(no email)"),
                item.campaign,
                item.submitted_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default(),
                yes_no(item.answers.recent_claims),
                yes_no(item.answers.refused_policy),
                yes_no(item.answers.employs_others),
            );
        }
        return Ok(());
    }
    let (id, verdict) = match (args.approve, args.decline) {
        (Some(id), None) => (
            id,
            Verdict::Approve(
                approval_issue(store.as_ref(), organization.id, ApplicationId(id), config)
                    .await?
                    .map(Box::new),
            ),
        ),
        (None, Some(id)) => {
            let reason = args.reason.clone().unwrap_or_default();
            if reason.trim().is_empty() {
                anyhow::bail!("say why with --reason \"...\": the creator is told it");
            }
            (id, Verdict::Decline(reason.trim().to_string()))
        }
        _ => anyhow::bail!("give one of --list, --approve ID or --decline ID --reason \"...\""),
    };
    match store
        .review_application(organization.id, ApplicationId(id), &verdict, &args.by)
        .await?
    {
        ReviewOutcome::NotFound => {
            anyhow::bail!("{slug} has no application {id} (see review --org {slug} --list)")
        }
        ReviewOutcome::NotInReview(step) => anyhow::bail!(
            "application {id} is not waiting for review: it is {}",
            step.label().to_lowercase()
        ),
        ReviewOutcome::Decided(application) => {
            let (action, said) = match &verdict {
                Verdict::Approve(Some(_)) => (
                    AuditAction::ApplicationApproved,
                    "approved; its policies are issued".to_string(),
                ),
                Verdict::Approve(None) => {
                    (AuditAction::ApplicationApproved, "approved".to_string())
                }
                Verdict::Decline(reason) => (
                    AuditAction::ApplicationDeclined,
                    format!("declined ({reason})"),
                ),
            };
            let mut event = NewAuditEvent::new(organization.id, Actor::system(&args.by), action)
                .subject(format!("contractor #{}", application.contractor_id.0));
            if let Verdict::Decline(reason) = &verdict {
                event = event.detail(reason.clone());
            }
            record_audit_or_log(store.as_ref(), event).await;
            println!("Application {id} {said}.");
            Ok(())
        }
    }
}

async fn invoices(config: &Config, args: &InvoicesArgs) -> anyhow::Result<()> {
    use domain::invoice::{parse_invoice_number, PaidOutcome};
    use domain::store::{record_audit_or_log, Actor, AuditAction, NewAuditEvent};

    let store = open_store(config).await?;
    let slug = &args.org;
    let organization = store
        .organization_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization with slug {slug:?}"))?;
    let money = domain::documents::money;
    if args.list {
        store.collect_waiting_lines(organization.id).await?;
        let all = store.invoices(organization.id, None).await?;
        if all.is_empty() {
            println!("{slug} has no invoice yet.");
        }
        for i in &all {
            println!(
                "{}\t{}\t{}\tPO # {}\t{}\t{}\t{} line(s)\t{}",
                i.number(),
                i.state.label(),
                i.payer.label(),
                i.po_number.as_deref().unwrap_or("-"),
                domain::invoice::month_label(&i.month),
                i.bill_to_email,
                i.lines,
                money(i.total_cents()),
            );
        }
        let waiting = store.waiting_lines(organization.id).await?;
        if !waiting.is_empty() {
            println!(
                "{} line(s) wait for a PO # in CreatorIQ ({}).",
                waiting.len(),
                money(waiting.iter().map(|l| l.total_cents()).sum())
            );
        }
        return Ok(());
    }
    let number = args.mark_paid.clone().unwrap_or_default();
    let unknown =
        || anyhow::anyhow!("{slug} has no invoice {number} (see invoices --org {slug} --list)");
    let (month, id) = parse_invoice_number(&number).ok_or_else(unknown)?;
    match store.invoice(organization.id, id).await? {
        Some(invoice) if invoice.summary.month == month => {}
        _ => return Err(unknown()),
    }
    match store
        .mark_invoice_paid(organization.id, id, &args.by)
        .await?
    {
        PaidOutcome::NotFound => Err(unknown()),
        PaidOutcome::Refused(state) => anyhow::bail!(
            "invoice {number} is {}: only open or sent invoices can be paid",
            state.label().to_lowercase()
        ),
        PaidOutcome::Paid(paid) => {
            record_audit_or_log(
                store.as_ref(),
                NewAuditEvent::new(
                    organization.id,
                    Actor::system(&args.by),
                    AuditAction::InvoicePaid,
                )
                .subject(format!("invoice {}", paid.number()))
                .detail(money(paid.total_cents())),
            )
            .await;
            println!(
                "Invoice {} is paid ({}).",
                paid.number(),
                money(paid.total_cents())
            );
            Ok(())
        }
    }
}

/// The cover approving application `id` issues, when it is waiting for review and its row
/// holds what a policy states (a row without it is approved with nothing issued, and says why).
async fn approval_issue(
    store: &dyn domain::store::Store,
    org: domain::store::OrgId,
    id: domain::application::ApplicationId,
    config: &Config,
) -> anyhow::Result<Option<domain::cover::Issue>> {
    let Some(item) = store
        .applications_in_review(org)
        .await?
        .into_iter()
        .find(|item| item.id == id)
    else {
        return Ok(None);
    };
    let application = store
        .row_applications(org, item.contractor_id)
        .await?
        .into_iter()
        .find(|a| a.id == id);
    let row = store.contractor(org, item.contractor_id).await?;
    let (Some(quote), Some(row)) = (application.and_then(|a| a.quote), row) else {
        return Ok(None);
    };
    match domain::cover::plan_issue(&quote, &row, &config.rating) {
        Ok(issue) => Ok(Some(issue)),
        Err(why) => {
            eprintln!("Application {} is approved, but {why}.", id.0);
            Ok(None)
        }
    }
}

async fn send_links(
    config: &Config,
    slug: &str,
    master_key_file: &std::path::Path,
) -> anyhow::Result<()> {
    use domain::sync::{SendRequest, SyncEngine};

    let store = open_store(config).await?;
    let organization = store
        .organization_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization with slug {slug:?}"))?;
    let master = domain::crypto::MasterKey::load_or_create(master_key_file)
        .map_err(|e| anyhow::anyhow!("loading the master key: {e}"))?;
    let engine = SyncEngine::new(store.clone(), master, config.sync_config())?;
    let summary = engine
        .request_sends(
            organization.id,
            &SendRequest::EveryNeverSent,
            "command line",
        )
        .await
        .map_err(|e| anyhow::anyhow!("the messages were not queued: {e}"))?;
    let totals = engine
        .deliver_due()
        .await
        .map_err(|e| anyhow::anyhow!("sending stopped: {e}"))?;
    let mut skipped: Vec<(String, u64)> = summary.skipped.clone();
    if totals.cancelled > 0 {
        skipped.push((
            "no longer needed (submitted, replaced or stopped)".to_string(),
            totals.cancelled,
        ));
    }
    let skipped_total: u64 = skipped.iter().map(|(_, n)| n).sum();
    println!(
        "sent {}, failed {}, skipped {skipped_total}",
        totals.sent, totals.failed
    );
    for (why, n) in &skipped {
        println!("  skipped {n}: {why}");
    }
    if totals.retried > 0 {
        println!(
            "  {} will be tried again by the running server (a temporary failure)",
            totals.retried
        );
    }
    if totals.failed > 0 {
        println!("  the contractor pages say why each failed message was not delivered");
    }
    Ok(())
}

async fn recount(config: &Config, slug: &str) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let organization = store
        .organization_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization with slug {slug:?}"))?;
    let drift = store
        .recount(organization.id)
        .await
        .map_err(|e| anyhow::anyhow!("the counts were not rebuilt: {e}"))?;
    if drift.is_empty() {
        println!("Every kept count of {slug} matched its rows; rebuilt them anyway.");
        return Ok(());
    }
    println!("Rebuilt the counts of {slug}. These differed from the rows:");
    println!(
        "  {:<28} {:<40} {:>8} {:>8}",
        "kept in", "figure", "stored", "rows"
    );
    for d in &drift {
        println!(
            "  {:<28} {:<40} {:>8} {:>8}",
            d.kept, d.key, d.stored, d.counted
        );
    }
    Ok(())
}

pub(crate) async fn serve(config: Config) -> anyhow::Result<()> {
    tracing::info!(?config, "starting");
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.addr))?;
    launch(listener, config, shutdown_signal()).await
}

async fn migrate_to_postgres(config: &Config, to: &str) -> anyhow::Result<()> {
    use domain::store::{Database, DatabaseUrl};

    let Database::Sqlite(source) = crate::open_database(config).await? else {
        anyhow::bail!("DATABASE_URL must name the SQLite database to copy from (sqlite://...)");
    };
    let target = match DatabaseUrl::parse(to).map_err(|e| anyhow::anyhow!("--to: {e}"))? {
        url @ DatabaseUrl::Postgres(_) => match Database::open(&url)
            .await
            .map_err(|e| anyhow::anyhow!("opening {}: {e}", crate::config::redact_url(to)))?
        {
            Database::Postgres(pg) => pg,
            Database::Sqlite(_) => unreachable!("a postgres URL opens PostgreSQL"),
        },
        DatabaseUrl::Sqlite(_) => anyhow::bail!("--to must be a postgres:// URL"),
    };
    let report = domain::store::migrate::sqlite_to_postgres(&source, &target)
        .await
        .map_err(|e| anyhow::anyhow!("the copy was not made: {e}"))?;
    println!("Copied into {}:", crate::config::redact_url(to));
    for (table, rows) in &report.tables {
        println!("  {table:<20} {rows:>9}");
    }
    println!(
        "  {:<20} {:>9}\n\nSet DATABASE_URL to the PostgreSQL URL and start the server; keep \
         MASTER_KEY_FILE, it decrypts the stored CreatorIQ keys.",
        "total",
        report.total()
    );
    Ok(())
}

/// `dashboard demo` adds an admin with a published password, so it runs only on a database that
/// holds no organization but the demo's (`slugs`: every organization's slug).
#[cfg_attr(not(feature = "demo"), allow(dead_code))]
pub(crate) fn demo_database_check(slugs: &[String], demo_slug: &str) -> Result<(), String> {
    let others: Vec<&str> = slugs
        .iter()
        .map(String::as_str)
        .filter(|s| *s != demo_slug)
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = others.iter().take(3).copied().collect();
    Err(format!(
        "`dashboard demo` refuses to run on this database: it holds {} other organization{} \
         ({}{}), and the demo would add an admin with a published password. Point DATABASE_URL \
         at an empty database for the demo.",
        others.len(),
        if others.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if others.len() > 3 { ", …" } else { "" }
    ))
}

#[cfg(test)]
mod demo_tests {
    use super::demo_database_check;

    #[test]
    fn the_demo_runs_only_on_a_database_of_its_own() {
        let slugs = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(demo_database_check(&slugs(&[]), "demo").is_ok());
        assert!(demo_database_check(&slugs(&["demo"]), "demo").is_ok());
        let refused = demo_database_check(&slugs(&["demo", "acme"]), "demo").unwrap_err();
        assert!(refused.contains("1 other organization (acme)"), "{refused}");
        let refused = demo_database_check(&slugs(&["a", "b", "c", "d"]), "demo").unwrap_err();
        assert!(
            refused.contains("4 other organizations (a, b, c, …)"),
            "{refused}"
        );
    }
}
