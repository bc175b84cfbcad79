//! Sync runs: the organization's history, newest first, paged with `?before=<id>`.

use leptos::prelude::*;

use crate::components::When;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::runs_api::{list_sync_runs, RunView};

/// The state badge shared by the list and the detail.
#[component]
pub fn StateBadge(run: RunView) -> impl IntoView {
    view! { <span class=format!("badge state-{}", run.state)>{run.state.label()}</span> }
}

/// Non-zero status counts as small badges, e.g. "Synced 120 · Needs attention 30".
#[component]
pub fn CountBadges(run: RunView) -> impl IntoView {
    let entries: Vec<_> = run
        .counts
        .entries()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    if entries.is_empty() {
        return view! { <span class="muted">"No rows"</span> }.into_any();
    }
    view! {
        <ul class="counts">
            {entries
                .into_iter()
                .map(|(status, n)| view! {
                    <li class=format!("count status-{status}")>{status.label()} " " <strong>{n}</strong></li>
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn SyncRunsPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let live = crate::live::use_live();
    let runs = Resource::new(
        move || (before(), live.version(vocabulary::LiveTopic::Runs)),
        |(before, _)| list_sync_runs(before),
    );

    view! {
        <Title text="Sync runs"/>
        <h1>"Sync runs"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading sync runs…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(page) if page.runs.is_empty() && before().is_none() => view! {
                        <section class="empty-state card">
                            <h2>"No sync runs yet"</h2>
                            <p>
                                "Every sync with CreatorIQ is listed here with its counts, requests "
                                "and errors. Runs start from Sync now on Contractors, a row's "
                                "Re-sync, or the command line."
                            </p>
                        </section>
                    }
                    .into_any(),
                    Ok(page) => view! {
                        <div class="table-wrap card">
                            <table class="runs">
                                <thead>
                                    <tr>
                                        <th scope="col">"Run"</th>
                                        <th scope="col">"Trigger"</th>
                                        <th scope="col">"Started"</th>
                                        <th scope="col">"Duration"</th>
                                        <th scope="col">"State"</th>
                                        <th scope="col">"Rows by status"</th>
                                        <th scope="col">"CreatorIQ requests"</th>
                                        <th scope="col">"Errors"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page.runs.into_iter().map(|run| view! { <RunRow run/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <nav class="pager" aria-label="Pages">
                            {before().map(|_| view! { <a href="/sync-runs">"Newest runs"</a> })}
                            {page.older.map(|id| view! { <a href=format!("/sync-runs?before={id}")>"Older runs"</a> })}
                        </nav>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RunRow(run: RunView) -> impl IntoView {
    let href = format!("/sync-runs/{}", run.id);
    view! {
        <tr data-run=run.id>
            <td><a href=href>{format!("#{}", run.id)}</a></td>
            <td>
                {run.trigger.label()}
                {run.by.clone().map(|by| view! { <div class="muted small">{by}</div> })}
            </td>
            <td><When at=run.started.clone()/></td>
            <td>{run.duration.clone().unwrap_or_else(|| "still running".to_string())}</td>
            <td><StateBadge run=run.clone()/></td>
            <td><CountBadges run=run.clone()/></td>
            <td class="num">
                {run.ciq_requests}
                {(run.ciq_retries > 0).then(|| view! { <div class="muted small">{format!("{} retries", run.ciq_retries)}</div> })}
            </td>
            <td class="num">{run.error_count}</td>
        </tr>
    }
}
