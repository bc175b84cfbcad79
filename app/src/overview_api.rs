//! The overview, the landing page after sign-in: is CreatorIQ connected and syncing, how many
//! rows are in each status, and what to change in CreatorIQ for whom, grouped by rule and by
//! campaign with links to exactly those rows in the contractors list.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::contractors_api::{ContractorStatus, ListParams, StatusCounts};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;
use crate::runs_api::RunView;
use crate::webhooks_api::DeliveryState;

/// Full runs the status chart shows, oldest to newest.
pub const CHART_RUNS: usize = 12;
/// Agency-pay rows without a PO # listed on the page (the list link shows every one).
pub const REP_ROWS: u32 = 10;

/// A link into the contractors list: the words and the filtered URL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignRows {
    pub name: String,
    pub rows: u64,
    pub href: String,
}

/// One failing rule across the organization's rows that need attention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixGroup {
    pub code: String,
    pub label: String,
    /// The CreatorIQ field to change.
    pub field: String,
    pub fix: String,
    pub rows: u64,
    /// The contractors list filtered to exactly these rows.
    pub href: String,
    /// The largest campaigns ([`CAMPAIGNS_SHOWN`] at most), most rows first.
    pub campaigns: Vec<CampaignRows>,
    /// Every campaign with such rows.
    pub campaign_count: u64,
}

/// Campaigns shown under each problem on the overview; the rest are "and N more".
pub const CAMPAIGNS_SHOWN: usize = 5;

/// An agency-pay row whose PO # is blank, for the agency rep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepRow {
    pub id: i64,
    pub name: String,
    pub campaign: String,
}

/// One full run's rows per status, for the chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartRun {
    pub id: i64,
    /// "Nov 26 14:05".
    pub label: String,
    pub counts: StatusCounts,
}

/// One funnel step: how many rows reached it, and the list of exactly those rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelStep {
    pub rows: u64,
    pub href: String,
}

/// A campaign's (or every campaign's) rows from Synced to a submitted application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelLine {
    pub name: String,
    /// Synced, link sent, opened, applied (submitted).
    pub steps: [FunnelStep; 4],
    /// The Synced rows' estimated premium and who pays it, and the platform fee.
    pub premium: String,
    pub paid_by: String,
    pub platform_fee: String,
}

/// The contractors list URL for Synced rows at `step` (none: every Synced row), on `campaign`.
pub fn funnel_href(
    step: Option<crate::contractors_api::ContactStep>,
    campaign: Option<i64>,
) -> String {
    ListParams {
        status: Some(ContractorStatus::Synced),
        campaign,
        contact: step,
        ..ListParams::default()
    }
    .href()
}

/// A campaign's (or every campaign's) cover and money.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverLine {
    pub name: String,
    /// "Dec 19 – Jan 18, 2027", or empty when the rows have no dates.
    pub window: String,
    pub running: bool,
    pub creators: u64,
    pub covered: u64,
    /// The campaign's rows that are not covered (none for the total line).
    pub not_covered_href: Option<String>,
    pub creator_premium: String,
    pub organization_premium: String,
    pub fees: String,
    pub invoiced: String,
    pub paid: String,
    pub open: String,
    pub waiting: String,
}

/// "N of M creators on running campaigns are covered", and the money per campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverOverview {
    pub running_creators: u64,
    pub running_covered: u64,
    /// The total first, then each campaign, running ones first.
    pub lines: Vec<CoverLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewData {
    /// The stored key's last four characters, `None` while no key is stored.
    pub key_last4: Option<String>,
    pub environment: String,
    pub last_run: Option<RunView>,
    /// Every `n` minutes, when scheduled syncs are on.
    pub schedule_minutes: Option<u32>,
    pub next_scheduled: Option<String>,
    /// The newest webhook delivery: when, and what became of it.
    pub last_webhook: Option<(String, DeliveryState)>,
    pub counts: StatusCounts,
    pub total_rows: u64,
    /// Rows needing attention, each counted once.
    pub needs_attention: u64,
    /// Most rows first.
    pub fixes: Vec<FixGroup>,
    pub rep_rows: Vec<RepRow>,
    pub rep_total: u64,
    pub rep_href: String,
    pub chart: Vec<ChartRun>,
    /// The total first, then each campaign with Synced rows.
    pub funnel: Vec<FunnelLine>,
    /// Premiums are priced with the shipped example rating table.
    pub example_rates: bool,
    pub cover: CoverOverview,
}

/// The contractors list URL for rows with `code` (and on `campaign`) in `status`.
pub fn rows_href(status: Option<ContractorStatus>, code: &str, campaign: Option<i64>) -> String {
    ListParams {
        status,
        campaign,
        rule: Some(code.to_string()),
        ..ListParams::default()
    }
    .href()
}

#[server(endpoint = "overview")]
pub async fn get_overview() -> Result<OverviewData, AppError> {
    use domain::rules::problem_kind;
    use domain::store::TriggerKind;

    use crate::contractors_api::server::{campaign_label, when};

    let member = crate::ssr::current_member().await?;
    let ctx = crate::ssr::server_context()?;
    let org = member.org_id;
    let store = ctx.store.as_ref();

    let settings = store.ciq_settings(org).await.context("loading settings")?;
    let environment = ctx
        .engine
        .environments()
        .get(&settings.base_url)
        .map_or_else(|| settings.base_url.clone(), |e| e.label().to_string());
    let counts = store
        .contractor_status_counts(org)
        .await
        .context("counting contractors")?;

    // Recent runs: the newest for health, full runs for the chart (a row's re-sync or a
    // webhook's run counts only the rows it read).
    let runs = store
        .sync_runs(org, None, 60)
        .await
        .context("loading sync runs")?;
    let last_run = runs.first().map(|r| crate::runs_api::view_of(r, false));
    let mut chart: Vec<ChartRun> = runs
        .iter()
        .filter(|r| {
            r.finished_at.is_some()
                && r.contractor_id.is_none()
                && matches!(
                    r.trigger.kind,
                    TriggerKind::Manual | TriggerKind::Cli | TriggerKind::Scheduled
                )
                && r.totals.statuses.total() > 0
        })
        .take(CHART_RUNS)
        .map(|r| ChartRun {
            id: r.id.0,
            label: r.started_at.format("%b %-d %H:%M").to_string(),
            counts: r.totals.statuses,
        })
        .collect();
    chart.reverse();

    let last_webhook = store
        .latest_webhook_delivery(org)
        .await
        .context("loading the newest webhook delivery")?
        .map(|d| (when(d.received_at), d.state));

    // What to fix: blocking rules on rows that need attention, grouped by rule, with each
    // rule's largest campaigns (the store sums them; the overview reads a few rows).
    let problems = store
        .problem_summary(org, CAMPAIGNS_SHOWN as u32)
        .await
        .context("counting problems")?;
    // Campaign names for the problem groups, the money lines and the cover lines.
    let campaign_names: std::collections::BTreeMap<i64, Option<String>> = store
        .contractor_campaigns(org)
        .await
        .context("listing campaigns")?
        .into_iter()
        .map(|c| (c.ciq_campaign_id, c.name))
        .collect();
    let campaign_name =
        |id: i64| campaign_label(id, campaign_names.get(&id).and_then(|n| n.as_deref()));
    let status = Some(ContractorStatus::NeedsAttention);
    let mut fixes: Vec<FixGroup> = problems
        .into_iter()
        .filter_map(|p| {
            let kind = problem_kind(&p.code).filter(|k| k.blocking)?;
            Some(FixGroup {
                label: kind.label.to_string(),
                field: kind.field.to_string(),
                fix: kind.fix.to_string(),
                rows: p.rows,
                href: rows_href(status, &p.code, None),
                campaign_count: p.campaigns,
                campaigns: p
                    .largest
                    .iter()
                    .map(|c| CampaignRows {
                        name: campaign_name(c.ciq_campaign_id),
                        rows: c.rows,
                        href: rows_href(status, &p.code, Some(c.ciq_campaign_id)),
                    })
                    .collect(),
                code: p.code,
            })
        })
        .collect();
    fixes.sort_by(|a, b| b.rows.cmp(&a.rows).then_with(|| a.code.cmp(&b.code)));

    // For the agency rep: agency-pay rows whose PO # is blank (synced or not).
    let po = domain::rules::WarningCode::MissingPoNumber.as_str();
    let rep_filter = domain::store::ContractorFilter {
        rule: Some(po.to_string()),
        ..Default::default()
    };
    let rep_page = store
        .contractor_page(
            org,
            &domain::store::ContractorPageRequest {
                filter: rep_filter,
                limit: Some(REP_ROWS),
                ..Default::default()
            },
        )
        .await
        .context("listing rows without a PO number")?;
    let rep_rows = rep_page
        .rows
        .iter()
        .map(|r| RepRow {
            id: r.contractor.id.0,
            name: crate::contractors_api::server::display_name(&r.contractor),
            campaign: crate::contractors_api::server::campaign_name(&r.contractor),
        })
        .collect();

    let mut funnel_rows = store
        .outreach_funnel(org)
        .await
        .context("counting messages to creators")?;
    // Most Synced rows first: the campaigns where reaching creators matters most.
    funnel_rows.sort_by(|a, b| {
        b.synced
            .cmp(&a.synced)
            .then(a.ciq_campaign_id.cmp(&b.ciq_campaign_id))
    });
    let line = |name: String, campaign: Option<i64>, n: [u64; 4], money: [i64; 3]| {
        use crate::contractors_api::money as dollars;
        let [creator, agency, fee] = money;
        use crate::contractors_api::ContactStep;
        let steps = [
            None,
            Some(ContactStep::Sent),
            Some(ContactStep::Opened),
            Some(ContactStep::Submitted),
        ];
        FunnelLine {
            name,
            steps: std::array::from_fn(|i| FunnelStep {
                rows: n[i],
                href: funnel_href(steps[i], campaign),
            }),
            premium: dollars(creator + agency),
            paid_by: match (creator > 0, agency > 0) {
                (true, true) => {
                    format!("Creators {} · Agency {}", dollars(creator), dollars(agency))
                }
                (false, true) => "Agency".to_string(),
                (true, false) => "Creators".to_string(),
                (false, false) => "—".to_string(),
            },
            platform_fee: dollars(fee),
        }
    };
    let mut funnel = Vec::with_capacity(funnel_rows.len() + 1);
    if !funnel_rows.is_empty() {
        let total = funnel_rows.iter().fold([0u64; 4], |mut t, f| {
            t[0] += f.synced;
            t[1] += f.sent;
            t[2] += f.opened;
            t[3] += f.submitted;
            t
        });
        let money = funnel_rows.iter().fold([0i64; 3], |mut t, f| {
            t[0] += f.creator_premium_cents;
            t[1] += f.agency_premium_cents;
            t[2] += f.platform_fee_cents;
            t
        });
        funnel.push(line("Every campaign".to_string(), None, total, money));
    }
    for f in &funnel_rows {
        funnel.push(line(
            campaign_name(f.ciq_campaign_id),
            Some(f.ciq_campaign_id),
            [f.synced, f.sent, f.opened, f.submitted],
            [
                f.creator_premium_cents,
                f.agency_premium_cents,
                f.platform_fee_cents,
            ],
        ));
    }

    let cover = {
        let campaigns = store
            .campaign_cover(org)
            .await
            .context("reading cover and money")?;
        cover_overview(&campaigns, chrono::Utc::now().date_naive(), &campaign_name)
    };

    Ok(OverviewData {
        cover,
        example_rates: ctx.engine.rating().is_example(),
        key_last4: settings
            .api_key
            .is_some()
            .then(|| settings.api_key_last4.clone().unwrap_or_default()),
        environment,
        last_run,
        schedule_minutes: settings.sync_interval_minutes,
        next_scheduled: settings
            .sync_interval_minutes
            .and(settings.next_scheduled_at)
            .map(when),
        last_webhook,
        counts,
        total_rows: counts.total(),
        needs_attention: counts.get(ContractorStatus::NeedsAttention),
        fixes,
        rep_rows,
        rep_total: rep_page.total,
        rep_href: rows_href(None, po, None),
        chart,
        funnel,
    })
}

/// The overview's cover card from the store's per-campaign figures, on `today`.
#[cfg(feature = "ssr")]
fn cover_overview(
    campaigns: &[domain::store::CampaignCover],
    today: chrono::NaiveDate,
    campaign_name: &dyn Fn(i64) -> String,
) -> CoverOverview {
    use crate::contractors_api::{money, CoverState};
    use domain::store::CampaignCover;

    let running = |c: &CampaignCover| matches!((c.starts_on, c.ends_on), (Some(s), Some(e)) if s <= today && today <= e);
    let line = |name: String, c: &CampaignCover, campaign: Option<i64>| CoverLine {
        name,
        window: match (c.starts_on, c.ends_on) {
            (Some(s), Some(e)) if campaign.is_some() => domain::cover::date_range(s, e),
            _ => String::new(),
        },
        running: running(c),
        creators: c.creators,
        covered: c.covered,
        not_covered_href: campaign.filter(|_| c.covered < c.creators).map(|id| {
            ListParams {
                campaign: Some(id),
                coverage: Some(CoverState::NotCovered),
                ..ListParams::default()
            }
            .href()
        }),
        creator_premium: money(c.creator_premium_cents),
        organization_premium: money(c.organization_premium_cents),
        fees: money(c.fee_cents),
        invoiced: money(c.invoiced_cents),
        paid: money(c.paid_cents),
        open: money(c.open_cents),
        waiting: money(c.waiting_cents),
    };
    let mut total = CampaignCover::default();
    let (mut running_creators, mut running_covered) = (0, 0);
    for c in campaigns {
        if running(c) {
            running_creators += c.creators;
            running_covered += c.covered;
        }
        total.creators += c.creators;
        total.covered += c.covered;
        total.creator_premium_cents += c.creator_premium_cents;
        total.organization_premium_cents += c.organization_premium_cents;
        total.fee_cents += c.fee_cents;
        total.invoiced_cents += c.invoiced_cents;
        total.paid_cents += c.paid_cents;
        total.open_cents += c.open_cents;
        total.waiting_cents += c.waiting_cents;
    }
    let mut ordered: Vec<&CampaignCover> = campaigns.iter().collect();
    // Running campaigns first, then the soonest to start, undated last; the id breaks ties.
    ordered.sort_by_key(|c| {
        (
            !running(c),
            c.starts_on.is_none(),
            c.starts_on,
            c.ciq_campaign_id,
        )
    });
    let mut lines = Vec::with_capacity(ordered.len() + 1);
    if !ordered.is_empty() {
        lines.push(line("Every campaign".to_string(), &total, None));
    }
    lines.extend(
        ordered
            .into_iter()
            .map(|c| line(campaign_name(c.ciq_campaign_id), c, Some(c.ciq_campaign_id))),
    );
    CoverOverview {
        running_creators,
        running_covered,
        lines,
    }
}
