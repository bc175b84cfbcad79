//! One sync run: everything the list shows, live progress while it runs (refreshed every
//! second), and each error with the campaign or creator it concerns.

use std::time::Duration;

use leptos::prelude::*;

use crate::components::When;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::sync_runs::{CountBadges, StateBadge};
use crate::runs_api::{get_sync_run, RunView};

#[component]
pub fn SyncRunDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok());
    let tick = RwSignal::new(0u64);
    let live = crate::live::use_live();
    let run = Resource::new(
        move || (id(), tick.get() + live.version(vocabulary::LiveTopic::Runs)),
        |(id, _)| async move {
            match id {
                Some(id) => get_sync_run(id).await,
                None => Ok(None),
            }
        },
    );
    // Poll while the run is going; stops by itself once it has finished.
    Effect::new(move |_| {
        if let Some(Ok(Some(r))) = run.get() {
            if r.is_running() {
                set_timeout(
                    move || {
                        tick.try_update(|t| *t += 1);
                    },
                    Duration::from_secs(1),
                );
            }
        }
    });

    view! {
        <Title text="Sync run"/>
        <p class="breadcrumb"><a href="/sync-runs">"← Sync runs"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the sync run…"</p> }>
            {move || Suspend::new(async move {
                match run.await {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(None) => {
                        // Like an unknown contractor: the page says so, and so does the status.
                        #[cfg(feature = "ssr")]
                        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                            resp.set_status(http::StatusCode::NOT_FOUND);
                        }
                        view! {
                        <h1>"Sync run not found"</h1>
                        <p>"There is no sync run with this number in your organization. " <a href="/sync-runs">"See all sync runs"</a></p>
                    }
                    .into_any()
                    }
                    Ok(Some(run)) => view! { <RunDetail run/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RunDetail(run: RunView) -> impl IntoView {
    let percent = (run.campaigns_done * 100)
        .checked_div(run.campaigns_total)
        .unwrap_or(0);
    view! {
        <h1>{format!("Sync run #{}", run.id)} " " <StateBadge run=run.clone()/></h1>
        {run.is_running().then(|| view! {
            <section class="card progress-card" aria-live="polite">
                <h2>"In progress"</h2>
                <progress max=run.campaigns_total.max(1) value=run.campaigns_done aria-label="Campaigns done"></progress>
                <p>
                    {format!(
                        "{} of {} campaigns ({percent}%), {} creators read so far.",
                        run.campaigns_done, run.campaigns_total, run.creators_done
                    )}
                </p>
            </section>
        })}
        {run.run_error.clone().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        <section class="card">
            <dl class="facts">
                <dt>"Trigger"</dt>
                <dd>{run.trigger.label()} {run.by.clone().map(|b| format!(" by {b}"))}</dd>
                <dt>"Started"</dt>
                <dd><When at=run.started.clone()/></dd>
                <dt>"Duration"</dt>
                <dd>{run.duration.clone().unwrap_or_else(|| "still running".to_string())}</dd>
                <dt>"Campaigns"</dt>
                <dd>{format!("{} of {} read ({} failed)", run.campaigns_done, run.campaigns_total, run.campaigns_failed)}</dd>
                {(run.campaigns_ended > 0).then(|| view! {
                    <dt>"Ended campaigns"</dt>
                    <dd data-testid="campaigns-ended">
                        {format!(
                            "{} not read again: their end date has passed, so their rows keep their last state.",
                            run.campaigns_ended
                        )}
                    </dd>
                })}
                <dt>"Rows by status"</dt>
                <dd><CountBadges run=run.clone()/></dd>
                <dt>"Rows changed"</dt>
                <dd>{run.rows_changed}</dd>
                <dt>"Links"</dt>
                <dd>{format!("{} issued, {} expired", run.links_issued, run.links_expired)}</dd>
                <dt>"CreatorIQ requests"</dt>
                <dd>{format!("{} ({} retries)", run.ciq_requests, run.ciq_retries)}</dd>
                <dt>"Errors"</dt>
                <dd>{run.error_count}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Errors"</h2>
            {if run.errors.is_empty() {
                view! { <p class="muted">"No campaign or creator failed in this run."</p> }.into_any()
            } else {
                view! {
                    <table class="errors">
                        <thead>
                            <tr>
                                <th scope="col">"Campaign"</th>
                                <th scope="col">"Creator"</th>
                                <th scope="col">"What went wrong"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {run.errors.iter().map(|e| view! {
                                <tr>
                                    <td>{e.campaign.map_or_else(|| "—".to_string(), |c| c.to_string())}</td>
                                    <td>{e.creator.map_or_else(|| "—".to_string(), |c| c.to_string())}</td>
                                    <td>{e.message.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
                .into_any()
            }}
        </section>
    }
}
