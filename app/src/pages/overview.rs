//! Overview, the landing page: connection and sync health, rows per status with a small chart
//! of the last full runs, and what to change in CreatorIQ, grouped by rule and campaign, each
//! group linking to exactly those rows.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::contractors_api::ListParams;
use crate::overview_api::{
    get_overview, ChartRun, CoverOverview, FixGroup, FunnelLine, OverviewData,
};
use crate::pages::sync_runs::StateBadge;

/// Campaigns listed under a rule before "and N more".
/// Campaigns in the funnel, most Synced rows first, before "and N more".
const FUNNEL_CAMPAIGNS: usize = 8;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let live = crate::live::use_live();
    // Counts follow rows, runs and money.
    let data = Resource::new(
        move || {
            live.version(vocabulary::LiveTopic::Contractors)
                + live.version(vocabulary::LiveTopic::Runs)
                + live.version(vocabulary::LiveTopic::Invoices)
        },
        |_| get_overview(),
    );
    view! {
        <Title text="Overview"/>
        <div class="page-head">
            <h1>"Overview"</h1>
            <div class="page-actions">
                <a class="button" href="/contractors">"All contractors"</a>
                <a class="button" rel="external" href=ListParams::default().fix_list_href()>
                    "Export fix list"
                </a>
            </div>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the overview…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(o) => Either::Left(view! { <Body o/> }),
                    Err(e) => Either::Right(view! { <p class="error" role="alert">{e.to_string()}</p> }),
                }
            })}
        </Transition>
    }
}

#[component]
fn Body(o: OverviewData) -> impl IntoView {
    view! {
        <Health o=o.clone()/>
        <div class="overview-grid">
            <FixList o=o.clone()/>
            <div class="overview-side">
                <StatusCard o=o.clone()/>
                <RepCard o=o.clone()/>
            </div>
        </div>
        <FunnelCard funnel=o.funnel example_rates=o.example_rates/>
        <CoverCard cover=o.cover/>
    }
}

#[component]
fn Health(o: OverviewData) -> impl IntoView {
    let connection = match &o.key_last4 {
        Some(last4) => Either::Left(view! {
            <p><span class="ok">"Connected"</span>{format!(" · {}", o.environment)}</p>
            <p class="muted small">
                {if last4.is_empty() { "API key stored".to_string() } else { format!("API key ending {last4}") }}
            </p>
        }),
        None => Either::Right(view! {
            <p class="attention">"Not connected"</p>
            <p class="small"><a href="/settings">"Store your CreatorIQ API key in Settings"</a></p>
        }),
    };
    let last_run = match o.last_run.clone() {
        Some(run) => {
            let when = match (&run.duration, run.is_running()) {
                (_, true) => format!("Started {} · running", run.started),
                (Some(d), false) => format!("{} · took {d}", run.started),
                (None, false) => run.started.clone(),
            };
            Either::Left(view! {
                <p>
                    <StateBadge run=run.clone()/>
                    " "
                    <a href=format!("/sync-runs/{}", run.id)>{format!("Run #{}", run.id)}</a>
                    <span class="muted">{format!(" · started by {}", started_by(run.trigger))}</span>
                </p>
                <p class="muted small">{when}</p>
            })
        }
        None => Either::Right(view! {
            <p>"No sync yet"</p>
            <p class="small"><a href="/contractors">"Sync now from Contractors"</a></p>
        }),
    };
    let schedule = match (o.schedule_minutes, o.next_scheduled.clone()) {
        (Some(minutes), _) if o.key_last4.is_none() => {
            format!("Every {} once CreatorIQ is connected", every(minutes))
        }
        (Some(minutes), next) => format!(
            "Every {}{}",
            every(minutes),
            next.map(|n| format!(" · next {n}")).unwrap_or_default()
        ),
        (None, _) => "Scheduled syncs are off".to_string(),
    };
    let webhook = match o.last_webhook.clone() {
        Some((at, state)) => format!("Last webhook {at} · {}", state.label()),
        None => "No webhook received yet".to_string(),
    };
    view! {
        <section class="health" aria-label="Health">
            <div class="card">
                <h2>"CreatorIQ"</h2>
                {connection}
            </div>
            <div class="card">
                <h2>"Last sync"</h2>
                {last_run}
            </div>
            <div class="card">
                <h2>"Automatic syncs"</h2>
                <p>{schedule}</p>
                <p class="muted small"><a href="/webhooks">{webhook}</a></p>
            </div>
        </section>
    }
}

/// Who or what started a run, as the end of "started by …".
fn started_by(trigger: vocabulary::TriggerKind) -> &'static str {
    use vocabulary::TriggerKind;
    match trigger {
        TriggerKind::Manual => "the Sync now button",
        TriggerKind::Cli => "the command line",
        TriggerKind::Webhook => "a CreatorIQ webhook",
        TriggerKind::Row => "a re-sync of chosen rows",
        TriggerKind::Scheduled => "the schedule",
    }
}

/// "6 hours", "30 minutes", "day".
fn every(minutes: u32) -> String {
    match minutes {
        1440 => "day".to_string(),
        m if m % 60 == 0 && m >= 120 => format!("{} hours", m / 60),
        60 => "hour".to_string(),
        m => format!("{m} minutes"),
    }
}

#[component]
fn FixList(o: OverviewData) -> impl IntoView {
    let heading = view! { <h2 id="fix-heading">"What to fix in CreatorIQ"</h2> };
    if o.fixes.is_empty() {
        let text = if o.total_rows == 0 {
            "Nothing yet: problems appear here after the first sync."
        } else {
            "Nothing to fix: no row needs attention."
        };
        return view! {
            <section class="card fixes" aria-labelledby="fix-heading">
                {heading}
                <p class="muted">{text}</p>
            </section>
        }
        .into_any();
    }
    let problems: u64 = o.fixes.iter().map(|g| g.rows).sum();
    let why_more = if problems > o.needs_attention {
        format!(
            " A contractor can have more than one problem, so the groups below count {problems}."
        )
    } else {
        String::new()
    };
    let intro = format!(
        "{} {} attention.{why_more} Change these fields in CreatorIQ, then sync again; each \
         group opens its contractors in the list.",
        o.needs_attention,
        if o.needs_attention == 1 {
            "contractor needs"
        } else {
            "contractors need"
        }
    );
    view! {
        <section class="card fixes" aria-labelledby="fix-heading">
            {heading}
            <p class="muted small">{intro}</p>
            <ul class="fix-groups">
                {o.fixes.into_iter().map(|g| view! { <Group g/> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn Group(g: FixGroup) -> impl IntoView {
    let more = g.campaign_count.saturating_sub(g.campaigns.len() as u64);
    let rows = rows_text(g.rows);
    view! {
        <li class="fix-group" data-code=g.code.clone()>
            <div class="fix-head">
                <a class="fix-label" href=g.href.clone()>{g.label.clone()}</a>
                <a class="fix-count" href=g.href.clone()
                    aria-label=format!("{rows} with {}", g.label.to_lowercase())>{rows.clone()}</a>
            </div>
            <p class="fix-field">"CreatorIQ field: " <code>{g.field.clone()}</code></p>
            <p class="fix-hint">{g.fix.clone()}</p>
            <ul class="fix-campaigns" aria-label=format!("Campaigns with {}", g.label.to_lowercase())>
                {g.campaigns
                    .into_iter()
                    .map(|c| view! {
                        <li>
                            <a href=c.href>{c.name}</a>
                            <span class="muted">{format!(" {}", c.rows)}</span>
                        </li>
                    })
                    .collect_view()}
                {(more > 0).then(|| view! {
                    <li><a href=g.href>{if more == 1 {
                        "and 1 more campaign".to_string()
                    } else {
                        format!("and {more} more campaigns")
                    }}</a></li>
                })}
            </ul>
        </li>
    }
}

/// "1 contractor", "3 contractors": a contractor is one creator on one campaign, a row of the
/// contractors list.
fn rows_text(n: u64) -> String {
    if n == 1 {
        "1 contractor".to_string()
    } else {
        format!("{n} contractors")
    }
}

/// Synced -> link sent -> opened -> submitted, in total and per campaign; each count links to
/// exactly those rows.
#[component]
fn FunnelCard(funnel: Vec<FunnelLine>, example_rates: bool) -> impl IntoView {
    if funnel.is_empty() {
        return ().into_any();
    }
    // The total and the campaigns with the most Synced rows; the rest are one line.
    let more = funnel.len().saturating_sub(1 + FUNNEL_CAMPAIGNS);
    let funnel: Vec<FunnelLine> = funnel.into_iter().take(1 + FUNNEL_CAMPAIGNS).collect();
    let pct = |n: u64, of: u64| {
        (n * 100)
            .checked_div(of)
            .map(|p| format!(" ({p}%)"))
            .unwrap_or_default()
    };
    view! {
        <section class="card funnel" aria-labelledby="funnel-heading">
            <h2 id="funnel-heading">"Reaching creators"</h2>
            <p class="muted small">
                "Synced rows per campaign, how far each creator got, and what their cover is estimated to cost"
                {if example_rates { " (example rates)" } else { "" }}
                ". The platform fee is always paid by the organization."
            </p>
            <div class="table-wrap">
                <table class="compact funnel-table">
                    <thead><tr>
                        <th scope="col">"Campaign"</th>
                        <th scope="col" class="num">"Synced"</th>
                        <th scope="col" class="num">"Link sent"</th>
                        <th scope="col" class="num">"Opened"</th>
                        <th scope="col" class="num">"Applied"</th>
                        <th scope="col" class="num">"Est. premium"</th>
                        <th scope="col">"Premium paid by"</th>
                        <th scope="col" class="num">"Platform fee"</th>
                    </tr></thead>
                    <tbody>
                        {funnel.into_iter().enumerate().map(|(i, line)| {
                            let synced = line.steps[0].rows;
                            view! {
                                <tr class:total=i == 0>
                                    <th scope="row">{line.name.clone()}</th>
                                    {line.steps.iter().enumerate().map(|(k, step)| view! {
                                        <td class="num">
                                            <a href=step.href.clone()>{step.rows.to_string()}</a>
                                            {(k > 0).then(|| view! { <span class="muted">{pct(step.rows, synced)}</span> })}
                                        </td>
                                    }).collect_view()}
                                    <td class="num">{line.premium.clone()}</td>
                                    <td>{line.paid_by.clone()}</td>
                                    <td class="num">{line.platform_fee.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(more > 0).then(|| view! {
                <p class="muted">
                    {format!("And {more} more campaign{}: ", if more == 1 { "" } else { "s" })}
                    <a href="/contractors?status=synced&contact=not_sent">"every Synced row whose link was not sent"</a>
                </p>
            })}
        </section>
    }
    .into_any()
}

/// Who is covered on each campaign, and what the cover bills: by payer, invoiced, paid, open
/// and waiting for a PO #.
#[component]
fn CoverCard(cover: CoverOverview) -> impl IntoView {
    if cover.lines.is_empty() {
        return ().into_any();
    }
    let more = cover.lines.len().saturating_sub(1 + FUNNEL_CAMPAIGNS);
    let lines: Vec<_> = cover.lines.into_iter().take(1 + FUNNEL_CAMPAIGNS).collect();
    let headline = if cover.running_creators == 0 {
        "No campaign is running today.".to_string()
    } else {
        format!(
            "{} of {} contractors on running campaigns are covered.",
            cover.running_covered, cover.running_creators
        )
    };
    view! {
        <section class="card cover-money" aria-labelledby="cover-heading">
            <h2 id="cover-heading">"Cover and money"</h2>
            <p class="headline"><strong>{headline}</strong></p>
            <p class="muted small">
                "Covered: issued, not cancelled, and covering the campaign's dates. Money is what "
                "issued cover bills; payment is recorded by the insurer. "
                <a href="/invoices">"Invoices"</a>
            </p>
            <div class="table-wrap">
                <table class="compact cover-table">
                    <thead><tr>
                        <th scope="col">"Campaign"</th>
                        <th scope="col" class="num">"Covered"</th>
                        <th scope="col" class="num">"Premium (creators)"</th>
                        <th scope="col" class="num">"Premium (agency)"</th>
                        <th scope="col" class="num">"Platform fee"</th>
                        <th scope="col" class="num">"Invoiced"</th>
                        <th scope="col" class="num">"Paid"</th>
                        <th scope="col" class="num">"Open"</th>
                        <th scope="col" class="num">"Needs PO #"</th>
                    </tr></thead>
                    <tbody>
                        {lines.into_iter().enumerate().map(|(i, l)| view! {
                            <tr class:total=i == 0>
                                <th scope="row">
                                    {l.name.clone()}
                                    {l.running.then(|| view! { " " <span class="badge policy-active">"Running"</span> })}
                                    {(!l.window.is_empty()).then(|| view! { <div class="muted small">{l.window.clone()}</div> })}
                                </th>
                                <td class="num">
                                    {format!("{} of {}", l.covered, l.creators)}
                                    {l.not_covered_href.clone().map(|href| view! {
                                        <div class="small"><a href=href>{format!("{} not covered", l.creators - l.covered)}</a></div>
                                    })}
                                </td>
                                <td class="num">{l.creator_premium.clone()}</td>
                                <td class="num">{l.organization_premium.clone()}</td>
                                <td class="num">{l.fees.clone()}</td>
                                <td class="num">{l.invoiced.clone()}</td>
                                <td class="num">{l.paid.clone()}</td>
                                <td class="num">{l.open.clone()}</td>
                                <td class="num">{l.waiting.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {(more > 0).then(|| view! {
                <p class="muted">{format!("And {more} more campaign{}.", if more == 1 { "" } else { "s" })}</p>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn StatusCard(o: OverviewData) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">"Contractors by status"</h2>
            <p class="muted small">"A contractor is one creator on one campaign."</p>
            <ul class="status-counts">
                {o.counts
                    .entries()
                    .into_iter()
                    .map(|(status, n)| view! {
                        <li>
                            <span class=format!("swatch status-{status}") aria-hidden="true"></span>
                            <a href=format!("/contractors?status={status}")>{status.label()}</a>
                            <span class="num">{n.to_string()}</span>
                        </li>
                    })
                    .collect_view()}
                <li class="total">
                    <span class="swatch" aria-hidden="true"></span>
                    <a href="/contractors">"All contractors"</a>
                    <span class="num">{o.total_rows.to_string()}</span>
                </li>
            </ul>
            <StatusChart runs=o.chart/>
        </section>
    }
}

/// Stacked bars, one per full run, oldest on the left: server-rendered SVG, no script.
#[component]
fn StatusChart(runs: Vec<ChartRun>) -> impl IntoView {
    if runs.len() < 2 {
        return view! {
            <p class="muted small">"A chart of the last runs appears after two full syncs."</p>
        }
        .into_any();
    }
    const W: f64 = 320.0;
    const H: f64 = 120.0;
    let max = runs
        .iter()
        .map(|r| r.counts.total())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let slot = W / runs.len() as f64;
    let bar = (slot * 0.7).min(28.0);
    let first = runs.first().map(|r| r.label.clone()).unwrap_or_default();
    let last = runs.last().map(|r| r.label.clone()).unwrap_or_default();
    let summary = runs
        .last()
        .map(|r| {
            r.counts
                .entries()
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{} {n}", s.label()))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let bars = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let x = i as f64 * slot + (slot - bar) / 2.0;
            let mut y = H;
            let segments = run
                .counts
                .entries()
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(status, n)| {
                    let label = status.label();
                    let h = n as f64 / max * H;
                    y -= h;
                    view! {
                        <rect class=format!("bar status-{status}") x=format!("{x:.1}")
                            y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{h:.1}")>
                            <title>{format!("Run #{} ({}): {label} {n}", run.id, run.label)}</title>
                        </rect>
                    }
                })
                .collect_view();
            view! { <g>{segments}</g> }
        })
        .collect_view();
    view! {
        <figure class="status-chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby="chart-title chart-desc"
                preserveAspectRatio="none">
                <title id="chart-title">{format!("Contractors per status over the last {} full syncs", runs.len())}</title>
                <desc id="chart-desc">{format!("Latest: {summary}.")}</desc>
                {bars}
            </svg>
            <figcaption class="muted small">
                <span>{first}</span>
                <span>{last}</span>
            </figcaption>
        </figure>
    }
    .into_any()
}

#[component]
fn RepCard(o: OverviewData) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="rep-heading">
            <h2 id="rep-heading">"For the agency rep: PO # missing"</h2>
            {if o.rep_total == 0 {
                let text = if o.total_rows == 0 {
                    "Rows whose agency pays but whose PO # is blank appear here after a sync."
                } else {
                    "Every agency-pay row has a PO number."
                };
                Either::Left(view! { <p class="muted small">{text}</p> })
            } else {
                Either::Right(view! {
                    <p class="muted small">
                        "Agency Pay is true but PO # (CustomField3) is blank: the agency's invoice \
                         will carry no purchase order number. Ask the agency rep for these."
                    </p>
                    <ul class="rep-rows">
                        {o.rep_rows
                            .into_iter()
                            .map(|r| view! {
                                <li>
                                    <a href=format!("/contractors/{}", r.id)>{r.name}</a>
                                    <span class="muted">{format!(" · {}", r.campaign)}</span>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                    <p class="small">
                        <a href=o.rep_href.clone()>{format!("All {} in the list", rows_text(o.rep_total))}</a>
                    </p>
                })
            }}
        </section>
    }
}
