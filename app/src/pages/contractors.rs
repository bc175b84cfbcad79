//! Contractors: every creator-on-campaign row of the organization, with status tabs, filters,
//! sorting and pages kept in the URL query, "Sync now" with live progress, and a per-row re-sync.
//! The filter form is a plain GET form, so the page works before (or without) the wasm.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::{CopyButton, StatusBadge, When};
use crate::contractors_api::{
    list_contractors, sync_progress, ApplicationState, ContactStep, ContractorList, ContractorSort,
    CoverState, ListParams, ResyncContractor, ResyncSelected, RowView, RunProgress, RunState,
    StartSync,
};
use crate::outreach_api::{send_progress, SendLinks, SendNeverSent, SendResult, SendState};

#[component]
pub fn ContractorsPage() -> AnyView {
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(|q| ListParams::from_query(|k| q.get(k))));
    let list = Resource::new(move || params.get(), fetch_list);
    let refresh = Callback::new(move |_: ()| list.refetch());
    // The run the page follows: started by Sync now, by Re-sync selected, or found running.
    let run_id = RwSignal::new(None::<i64>);

    view! {
        <Title text="Contractors"/>
        <div class="page-head">
            <h1>"Contractors"</h1>
            <div class="page-actions">
                <a class="button" rel="external" href=move || params.get().csv_href()>
                    "Export CSV"
                </a>
                <a class="button" rel="external" href=move || params.get().fix_list_href()
                    title="Rows needing attention, one line per problem, grouped by campaign">
                    "Export fix list"
                </a>
            </div>
        </div>
        <SyncPanel run_id on_finished=refresh/>
        <Suspense fallback=|| view! { <p class="muted">"Loading contractors…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(data) => Either::Left(view! {
                        <ListBody data params=params.get_untracked() run_id/>
                    }),
                    Err(e) => {
                        // Input to correct is the request's fault: say so in the status too.
                        #[cfg(feature = "ssr")]
                        if let (crate::error::AppError::Invalid(_), Some(resp)) =
                            (&e, use_context::<leptos_axum::ResponseOptions>())
                        {
                            resp.set_status(http::StatusCode::BAD_REQUEST);
                        }
                        Either::Right(view! {
                            <p class="error" role="alert">{e.to_string()}</p>
                        })
                    }
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// "Sync now", then live progress while the run goes (a Sync now, a Re-sync selected, or one
/// found running), then its summary.
#[component]
fn SyncPanel(run_id: RwSignal<Option<i64>>, on_finished: Callback<()>) -> AnyView {
    let start = ServerAction::<StartSync>::new();
    let progress = RwSignal::new(None::<RunProgress>);
    let poll_error = RwSignal::new(None::<String>);

    // A run already going when the page opened (started elsewhere, or before a reload).
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(Some(p)) = sync_progress(None).await {
                if p.is_running() {
                    run_id.set(Some(p.id));
                }
            }
        });
    });
    Effect::new(move |_| {
        if let Some(Ok(id)) = start.value().get() {
            poll_error.set(None);
            run_id.set(Some(id));
        }
    });
    Effect::new(move |_| {
        let Some(id) = run_id.get() else {
            return;
        };
        poll_run(id, progress, poll_error, on_finished, run_id);
    });

    let running = move || start.pending().get() || progress.get().is_some_and(|p| p.is_running());
    let start_error = move || {
        start
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.to_string())
    };

    view! {
        <section class="sync-panel card" aria-label="Sync with CreatorIQ">
            <ActionForm action=start attr:class="inline">
                <button type="submit" class="primary" disabled=running>
                    {move || if running() { "Syncing…" } else { "Sync now" }}
                </button>
            </ActionForm>
            <div class="sync-status" role="status" aria-live="polite">
                {move || start_error().or_else(|| poll_error.get()).map(|e| view! {
                    <p class="error">{e}</p>
                })}
                {move || progress.get().map(|p| view! { <RunStatus p/> })}
            </div>
        </section>
    }
    .into_any()
}

/// Polls the run's row every 700 ms until it ends, then refreshes the table once.
fn poll_run(
    id: i64,
    progress: RwSignal<Option<RunProgress>>,
    poll_error: RwSignal<Option<String>>,
    on_finished: Callback<()>,
    run_id: RwSignal<Option<i64>>,
) {
    let busy = StoredValue::new(false);
    let handle = StoredValue::new(None::<IntervalHandle>);
    let tick = move || {
        if busy.get_value() || run_id.get_untracked() != Some(id) {
            return;
        }
        busy.set_value(true);
        leptos::task::spawn_local(async move {
            let result = sync_progress(Some(id)).await;
            busy.set_value(false);
            let stop = match result {
                Ok(Some(p)) => {
                    let done = !p.is_running();
                    progress.set(Some(p));
                    done
                }
                Ok(None) => true,
                Err(e) => {
                    poll_error.set(Some(e.to_string()));
                    true
                }
            };
            if stop {
                if let Some(h) = handle.get_value() {
                    h.clear();
                }
                handle.set_value(None);
                run_id.set(None);
                on_finished.run(());
            }
        });
    };
    tick();
    if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_millis(700)) {
        handle.set_value(Some(h));
    }
}

#[component]
fn RunStatus(p: RunProgress) -> AnyView {
    if p.is_running() {
        let max = p.campaigns_total.max(1);
        let (label, text) = if p.selected_rows {
            (
                "Rows re-synced",
                format!(
                    "Re-syncing selected rows: {} of {}",
                    p.campaigns_done, p.campaigns_total
                ),
            )
        } else {
            (
                "Campaigns synced",
                format!(
                    "Syncing: campaigns {} of {}, creators {}",
                    p.campaigns_done, p.campaigns_total, p.creators_done
                ),
            )
        };
        view! {
            <div class="sync-progress">
                <progress max=max.to_string() value=p.campaigns_done.to_string()
                    aria-label=label></progress>
                <span>{text}</span>
            </div>
        }
        .into_any()
    } else {
        let headline = match (p.state, p.selected_rows) {
            (RunState::Succeeded, true) => "Selected rows re-synced.",
            (RunState::Succeeded, false) => "Sync finished.",
            (RunState::Partial, true) => "Re-sync finished; some rows could not be read.",
            (RunState::Partial, false) => {
                "Sync finished with errors; some campaigns could not be read."
            }
            (_, true) => "The re-sync failed.",
            _ => "The sync failed.",
        };
        let counts = p
            .counts
            .entries()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(status, n)| format!("{}: {n}", status.label()))
            .collect::<Vec<_>>()
            .join(" · ");
        let scope = if p.selected_rows {
            format!("{} rows", p.campaigns_done)
        } else {
            format!(
                "{} campaigns, {} creators",
                p.campaigns_done, p.creators_done
            )
        };
        view! {
            <div class=format!("sync-summary run-{}", p.state)>
                <strong>{headline}</strong>
                " "
                <span>{counts}</span>
                <span class="muted">
                    {format!(
                        " · {scope}, {} CreatorIQ requests ({} retries). ",
                        p.requests, p.retries
                    )}
                    <a href=format!("/sync-runs/{}", p.id)>"Run details"</a>
                </span>
                {p.error.map(|e| view! { <p class="error">{e}</p> })}
            </div>
        }
        .into_any()
    }
}

/// One page of the list under `p`.
async fn fetch_list(p: ListParams) -> Result<ContractorList, crate::error::AppError> {
    list_contractors(
        p.status.map(|s| s.as_str().to_string()),
        p.campaign,
        p.rule,
        Some(p.q).filter(|q| !q.is_empty()),
        Some(p.sort.as_str().to_string()),
        Some(if p.desc { "desc" } else { "asc" }.to_string()),
        Some(p.page),
        p.contact.map(|c| c.as_str().to_string()),
        p.application.map(|c| c.as_str().to_string()),
        p.coverage.map(|c| c.as_str().to_string()),
    )
    .await
}

/// The list under one set of filters. When rows change (a webhook, a schedule, someone else),
/// it reads the same page again and updates in place: the filter form, the selection, the
/// bulk actions' progress and the scroll stay as they are.
#[component]
fn ListBody(data: ContractorList, params: ListParams, run_id: RwSignal<Option<i64>>) -> AnyView {
    if !data.has_any {
        return view! { <EmptyGuide/> }.into_any();
    }
    let form = view! { <FilterForm data=data.clone() params=params.clone()/> };
    let data = RwSignal::new(data);
    let live = crate::live::use_live();
    {
        let params = params.clone();
        Effect::new(move |first: Option<()>| {
            live.version(vocabulary::LiveTopic::Contractors);
            if first.is_some() {
                let params = params.clone();
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = fetch_list(params).await {
                        data.set(fresh);
                    }
                });
            }
        });
    }
    let notices = move || {
        data.with(|d| {
            d.notices
                .iter()
                .map(|n| view! { <p class="notice" role="status">{n.clone()}</p> })
                .collect_view()
        })
    };
    let running_note = move || {
        data.with(|d| d.running_run.is_some()).then(|| {
            view! { <p class="notice">"A sync is running; rows update as it goes."</p> }
        })
    };
    let tabs = {
        let params = params.clone();
        move || view! { <StatusTabs data=data.get() params=params.clone()/> }
    };
    view! {
        {notices}
        {running_note}
        {tabs}
        {form}
        <Table data params run_id/>
    }
    .into_any()
}

#[component]
fn StatusTabs(data: ContractorList, params: ListParams) -> AnyView {
    let all = (None, "All", data.counts.total());
    let tabs = std::iter::once(all).chain(
        data.counts
            .entries()
            .into_iter()
            .map(|(status, n)| (Some(status), status.label(), n)),
    );
    view! {
        <nav class="tabs" aria-label="Status">
            {tabs
                .map(|(value, label, n)| {
                    let current = params.status == value;
                    view! {
                        <a
                            href=params.with_status(value).href()
                            class:current=current
                            aria-current=current.then_some("page")
                        >
                            {label}
                            " "
                            <span class="count">{n.to_string()}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
    .into_any()
}

#[component]
fn FilterForm(data: ContractorList, params: ListParams) -> AnyView {
    let campaign = params.campaign;
    let rule = params.rule.clone();
    let sort = params.sort;
    let form = NodeRef::<leptos::html::Form>::new();
    // A search longer than the field takes was cut to it by the server too (and said so).
    let search_shown: String = params
        .q
        .chars()
        .take(crate::contractors_api::MAX_SEARCH_CHARS)
        .collect();
    let navigate = leptos_router::hooks::use_navigate();
    // Filters apply as they change: a choice at once, a search once typing pauses (or on
    // Enter). The URL is the list's own (defaults left out), and the control that changed
    // keeps the focus once the list has been read again. A plain GET form before the script.
    let apply = move |changed: Option<String>| {
        let Some(el) = form.get_untracked() else {
            return;
        };
        let Ok(data) = leptos::web_sys::FormData::new_with_form(&el) else {
            return;
        };
        let params = ListParams::from_query(|k| data.get(k).as_string());
        REFOCUS.with(|r| *r.borrow_mut() = changed);
        navigate(&params.with_page(1).href(), Default::default());
    };
    let pending = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    let on_submit = {
        let apply = apply.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            apply(None);
        }
    };
    let on_change = {
        let apply = apply.clone();
        move |ev: leptos::ev::Event| {
            let name = event_target::<leptos::web_sys::HtmlElement>(&ev)
                .get_attribute("name")
                .unwrap_or_default();
            // The search applies on pause (input), not when it loses the focus.
            if name != "q" {
                apply(Some(name));
            }
        }
    };
    let on_input = move |_| {
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let apply = apply.clone();
        pending.set_value(
            set_timeout_with_handle(
                move || apply(Some("q".to_string())),
                std::time::Duration::from_millis(500),
            )
            .ok(),
        );
    };
    // Back on the control that changed, with the caret at the end of a search.
    Effect::new(move |_| {
        let Some(el) = form.get() else {
            return;
        };
        let Some(name) = REFOCUS.with(|r| r.borrow_mut().take()) else {
            return;
        };
        if let Ok(Some(target)) = el.query_selector(&format!("[name=\"{name}\"]")) {
            use leptos::wasm_bindgen::JsCast;
            if let Some(input) = target.dyn_ref::<leptos::web_sys::HtmlInputElement>() {
                let _ = input.focus();
                let end = input.value().chars().count() as u32;
                let _ = input.set_selection_range(end, end);
            } else if let Some(el) = target.dyn_ref::<leptos::web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
    view! {
        <form method="get" action="/contractors" class="filters" role="search" node_ref=form
            on:submit=on_submit on:change=on_change on:input=on_input>
            {params.status.map(|s| view! { <input type="hidden" name="status" value=s.as_str()/> })}
            <label>
                "Campaign "
                <select name="campaign">
                    <option value="" selected=campaign.is_none()>"All campaigns"</option>
                    {data
                        .campaigns
                        .into_iter()
                        .map(|c| {
                            let selected = campaign == Some(c.id);
                            view! { <option value=c.id.to_string() selected=selected>{c.name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Problem "
                <select name="rule">
                    <option value="" selected=rule.is_none()>"Any problem or none"</option>
                    {data
                        .rules
                        .into_iter()
                        .map(|r| {
                            let selected = rule.as_deref() == Some(r.code.as_str());
                            view! { <option value=r.code selected=selected>{r.label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Contact "
                <select name="contact">
                    <option value="" selected=params.contact.is_none()>"Any"</option>
                    {ContactStep::ALL
                        .into_iter()
                        .map(|step| {
                            let selected = params.contact == Some(step);
                            view! { <option value=step.as_str() selected=selected>{step.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Application "
                <select name="application">
                    <option value="" selected=params.application.is_none()>"Any"</option>
                    {ApplicationState::ALL
                        .into_iter()
                        .map(|state| {
                            let selected = params.application == Some(state);
                            view! { <option value=state.as_str() selected=selected>{state.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Coverage "
                <select name="coverage">
                    <option value="" selected=params.coverage.is_none()>"Any"</option>
                    {CoverState::ALL
                        .into_iter()
                        .map(|state| {
                            let selected = params.coverage == Some(state);
                            view! { <option value=state.as_str() selected=selected>{state.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Search "
                <input type="search" name="q" maxlength=crate::contractors_api::MAX_SEARCH_CHARS
                    value=search_shown
                    placeholder="Name or email"/>
            </label>
            <label>
                "Sort by "
                <select name="sort">
                    {ContractorSort::ALL
                        .into_iter()
                        .map(|value| {
                            let selected = sort == value;
                            view! { <option value=value.as_str() selected=selected>{value.label()}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Order "
                <select name="dir">
                    <option value="asc" selected=!params.desc>"Ascending"</option>
                    <option value="desc" selected=params.desc>"Descending"</option>
                </select>
            </label>
            <button type="submit">"Apply"</button>
            {params.is_filtered().then(|| view! { <a href="/contractors">"Clear filters"</a> })}
        </form>
    }
    .into_any()
}

thread_local! {
    /// The filter that changed, to give the focus back to once the list is read again.
    static REFOCUS: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// A column header that sorts the list by its column (again: the other way), saying how the
/// list is sorted now (`aria-sort`).
#[component]
fn SortHeader(label: &'static str, sort: ContractorSort, params: ListParams) -> impl IntoView {
    let current = params.sort == sort;
    let aria = current.then_some(if params.desc {
        "descending"
    } else {
        "ascending"
    });
    let arrow = match (current, params.desc) {
        (false, _) => "",
        (true, false) => " ▲",
        (true, true) => " ▼",
    };
    let title = match (current, params.desc) {
        (true, false) => format!(
            "Sorted by {}, ascending: sort descending",
            label.to_lowercase()
        ),
        _ => format!("Sort by {}", label.to_lowercase()),
    };
    view! {
        <th scope="col" aria-sort=aria class="sortable">
            <a href=params.sorted_by(sort).href() title=title>{label}<span aria-hidden="true">{arrow}</span></a>
        </th>
    }
}

/// A row's identity for the keyed list: the same id with other contents is a new row.
fn row_key(row: &RowView) -> (i64, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{row:?}").hash(&mut h);
    (row.id, h.finish())
}

#[component]
fn Table(
    data: RwSignal<ContractorList>,
    params: ListParams,
    run_id: RwSignal<Option<i64>>,
) -> AnyView {
    let selected = RwSignal::new(Vec::<i64>::new());
    let page_ids = move || data.with(|d| d.rows.iter().map(|r| r.id).collect::<Vec<_>>());
    let all_selected = move || {
        let ids = page_ids();
        selected.with(|s| !ids.is_empty() && ids.iter().all(|id| s.contains(id)))
    };
    let toggle_all = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        selected.set(if on { page_ids() } else { Vec::new() });
    };
    let range = move || {
        data.with(|d| {
            let first = u64::from(d.page.saturating_sub(1))
                * u64::from(crate::contractors_api::PER_PAGE)
                + 1;
            let last = first + d.rows.len() as u64 - 1;
            format!("Showing {first}–{last} of {}", d.total)
        })
    };
    let empty = move || data.with(|d| d.rows.is_empty());
    let can_send = data.with_untracked(|d| d.can_send);
    let example_rates = move || data.with(|d| d.example_rates);
    let pager = {
        let params = params.clone();
        move || {
            let (page, pages) = data.with(|d| (d.page, d.pages));
            view! { <Pager page pages params=params.clone()/> }
        }
    };
    view! {
        <section class="empty-state card" hidden=move || !empty()>
            <h2>"No contractors match these filters"</h2>
            <p>
                "Nothing matches the current status, campaign, problem or search. "
                <a href="/contractors">"Clear filters"</a>
            </p>
        </section>
        <div hidden=empty>
            <div class="list-bar">
                <p class="muted range">{range}</p>
                <BulkResync selected run_id/>
                {can_send.then(|| view! { <BulkSend selected/> })}
            </div>
            <div class="table-wrap list-wrap">
                <table class="contractors">
                    <colgroup>
                        <col class="c-select"/>
                        <col class="c-creator"/>
                        <col class="c-campaign"/>
                        <col class="c-state"/>
                        <col class="c-pay"/>
                        <col class="c-premium"/>
                        <col class="c-agency"/>
                        <col class="c-status"/>
                        <col class="c-coverage"/>
                        <col class="c-problems"/>
                        <col class="c-link"/>
                        <col class="c-contact"/>
                        <col class="c-when"/>
                        <col class="c-actions"/>
                    </colgroup>
                    <thead>
                        <tr>
                            <th scope="col" class="select">
                                <input type="checkbox" aria-label="Select every row on this page"
                                    prop:checked=all_selected on:change=toggle_all/>
                            </th>
                            <SortHeader label="Creator" sort=ContractorSort::Name params=params.clone()/>
                            <SortHeader label="Campaign" sort=ContractorSort::Campaign params=params.clone()/>
                            <th scope="col">"Work state"</th>
                            <th scope="col" class="num">"Base pay"</th>
                            <th scope="col" class="num">
                                "Premium"
                                {move || example_rates().then(|| view! { <span class="rates-note">"example rates"</span> })}
                            </th>
                            <th scope="col">"Agency pay"</th>
                            <SortHeader label="Status" sort=ContractorSort::Status params=params.clone()/>
                            <th scope="col">"Coverage"</th>
                            <th scope="col">"Problems"</th>
                            <th scope="col">"Link"</th>
                            <th scope="col">"Contacted"</th>
                            <SortHeader label="Last synced" sort=ContractorSort::LastSynced params=params.clone()/>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || data.with(|d| d.rows.clone())
                            key=row_key
                            children=move |row| view! { <Row row selected/> }
                        />
                    </tbody>
                </table>
            </div>
            {pager}
        </div>
    }
    .into_any()
}

/// "Re-sync selected": one run over the chosen rows; the sync panel shows its progress.
#[component]
fn BulkResync(selected: RwSignal<Vec<i64>>, run_id: RwSignal<Option<i64>>) -> AnyView {
    let action = ServerAction::<ResyncSelected>::new();
    Effect::new(move |_| {
        if let Some(Ok(id)) = action.value().get() {
            run_id.set(Some(id));
            selected.set(Vec::new());
        }
    });
    let count = move || selected.with(Vec::len);
    let busy = move || action.pending().get() || run_id.get().is_some();
    let start = move |_| {
        let ids = selected.with(|s| {
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        });
        action.dispatch(ResyncSelected { ids });
    };
    view! {
        <div class="bulk-actions" role="group" aria-label="Selected rows">
            <span class="muted" aria-live="polite">
                {move || match count() {
                    0 => "No rows selected".to_string(),
                    1 => "1 row selected".to_string(),
                    n => format!("{n} rows selected"),
                }}
            </span>
            <button type="button" class="small" on:click=start
                disabled=move || count() == 0 || busy()>
                "Re-sync selected"
            </button>
            {move || action.value().get().and_then(|r| r.err()).map(|e| view! {
                <span class="error inline-error" role="alert">{e.to_string()}</span>
            })}
        </div>
    }
    .into_any()
}

/// "Send link to selected" and "Send to every Synced row never sent", then a progress bar of
/// the messages they queued until each was sent (or not needed, or failed).
#[component]
fn BulkSend(selected: RwSignal<Vec<i64>>) -> AnyView {
    let selected_send = ServerAction::<SendLinks>::new();
    let every = ServerAction::<SendNeverSent>::new();
    let progress = RwSignal::new(None::<(SendResult, SendState)>);
    let poll_error = RwSignal::new(None::<String>);
    let follow = move |result: SendResult| {
        if result.queued == 0 {
            progress.set(Some((
                result,
                SendState {
                    total: 0,
                    sent: 0,
                    failed: 0,
                    cancelled: 0,
                },
            )));
            return;
        }
        poll_send(result, progress, poll_error);
    };
    Effect::new(move |_| {
        if let Some(Ok(r)) = selected_send.value().get() {
            selected.set(Vec::new());
            follow(r);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(r)) = every.value().get() {
            follow(r);
        }
    });
    let count = move || selected.with(Vec::len);
    let busy = move || {
        selected_send.pending().get()
            || every.pending().get()
            || progress.get().is_some_and(|(_, p)| p.done() < p.total)
    };
    let send_selected = move |_| {
        let ids = selected.with(|s| {
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        });
        selected_send.dispatch(SendLinks { ids });
    };
    let error = move || {
        selected_send
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| every.value().get().and_then(|r| r.err()))
            .map(|e| e.to_string())
            .or_else(|| poll_error.get())
    };
    view! {
        <div class="bulk-actions send-actions" role="group" aria-label="Send application links">
            <button type="button" class="small" on:click=send_selected
                disabled=move || count() == 0 || busy()>
                "Send link to selected"
            </button>
            <button type="button" class="small" on:click=move |_| { every.dispatch(SendNeverSent {}); }
                disabled=busy
                title="The first message with the application link, to every Synced row whose link was never sent">
                "Send to every Synced row never sent"
            </button>
            <div class="send-status" role="status" aria-live="polite">
                {move || progress.get().map(|(r, p)| {
                    let text = if r.queued == 0 {
                        format!("Nothing to send. {}", r.skipped.clone().unwrap_or_default())
                    } else if p.done() < p.total {
                        format!("Sending: {} of {} messages", p.done(), p.total)
                    } else {
                        let mut t = format!("Sent {} of {} messages to {} rows.", p.sent, p.total, r.rows);
                        if p.failed > 0 {
                            t.push_str(&format!(" {} could not be delivered.", p.failed));
                        }
                        if let Some(s) = &r.skipped {
                            t.push_str(&format!(" {s}."));
                        }
                        t
                    };
                    view! {
                        <div class="send-progress">
                            {(r.queued > 0).then(|| view! {
                                <progress max=p.total.max(1).to_string() value=p.done().to_string()
                                    aria-label="Messages sent"></progress>
                            })}
                            <span>{text}</span>
                        </div>
                    }
                })}
                {move || error().map(|e| view! { <span class="error inline-error" role="alert">{e}</span> })}
            </div>
        </div>
    }
    .into_any()
}

/// Polls where a Send's messages are every 700 ms until each has an outcome.
fn poll_send(
    result: SendResult,
    progress: RwSignal<Option<(SendResult, SendState)>>,
    poll_error: RwSignal<Option<String>>,
) {
    let busy = StoredValue::new(false);
    let handle = StoredValue::new(None::<IntervalHandle>);
    progress.set(Some((
        result.clone(),
        SendState {
            total: result.queued,
            sent: 0,
            failed: 0,
            cancelled: 0,
        },
    )));
    let tick = move || {
        if busy.get_value() {
            return;
        }
        busy.set_value(true);
        let result = result.clone();
        leptos::task::spawn_local(async move {
            let polled = send_progress(result.first, result.last).await;
            busy.set_value(false);
            let stop = match polled {
                Ok(p) => {
                    let done = p.done() >= p.total;
                    progress.set(Some((result, p)));
                    done
                }
                Err(e) => {
                    poll_error.set(Some(e.to_string()));
                    true
                }
            };
            if stop {
                if let Some(h) = handle.get_value() {
                    h.clear();
                }
                handle.set_value(None);
            }
        });
    };
    tick();
    if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_millis(700)) {
        handle.set_value(Some(h));
    }
}

#[component]
fn Row(row: RowView, selected: RwSignal<Vec<i64>>) -> AnyView {
    let resync = ServerAction::<ResyncContractor>::new();
    let initial = row.status;
    let status = Signal::derive(move || match resync.value().get() {
        Some(Ok(outcome)) => outcome.status,
        _ => initial,
    });
    let outcome = move || {
        resync.value().get().map(|r| match r {
            Ok(o) => {
                let detail = match (o.error, o.problems) {
                    (Some(e), _) => e,
                    (None, 0) => "Re-synced.".to_string(),
                    (None, 1) => "Re-synced: 1 thing to fix.".to_string(),
                    (None, n) => format!("Re-synced: {n} things to fix."),
                };
                view! { <p class="resync-result" role="status">{format!("Now {}. {detail}", o.status.label().to_lowercase())}</p> }
            }
            Err(e) => view! { <p class="error resync-result" role="alert">{e.to_string()}</p> },
        })
    };
    let id = row.id;
    let problems = row
        .failures
        .iter()
        .map(|f| (f, "failure"))
        .chain(row.warnings.iter().map(|w| (w, "warning")))
        .map(|(m, kind)| {
            view! {
                <li class=kind data-code=m.code.clone()>
                    <details class="problem">
                        <summary>{m.label.clone()}</summary>
                        <p class="message">{m.message.clone()}</p>
                        <p class="hint">{m.hint.clone()}</p>
                    </details>
                </li>
            }
        })
        .collect_view();
    let has_problems = !row.failures.is_empty() || !row.warnings.is_empty();
    let checked = move || selected.with(|s| s.contains(&id));
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        selected.update(|s| {
            s.retain(|x| *x != id);
            if on {
                s.push(id);
            }
        });
    };
    view! {
        <tr data-status=move || status.get().as_str() data-id=id.to_string()>
            <td class="select">
                <input type="checkbox" aria-label=format!("Select {}", row.name)
                    prop:checked=checked on:change=toggle/>
            </td>
            <td>
                <a href=format!("/contractors/{id}") class="name">{row.name.clone()}</a>
                <div class="muted email" title=row.email.clone()>{row.email.clone().unwrap_or_else(|| "No email".into())}</div>
            </td>
            <td>{row.campaign.clone()}</td>
            <td>{row.work_state.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="num">{row.base_pay.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="num premium">
                {match (row.premium.clone(), row.split.clone()) {
                    (Some(p), Some(split)) => Either::Left(view! {
                        <span>{p}</span>
                        {split.split(" · ").map(|part| view! { <div class="muted split">{part.to_string()}</div> }).collect_view()}
                    }),
                    _ => Either::Right(view! { <span class="muted">"—"</span> }),
                }}
            </td>
            <td>
                {match row.agency_pay {
                    Some(true) => "Yes",
                    Some(false) => "No",
                    None => "—",
                }}
            </td>
            <td><StatusBadge status/></td>
            <td class=format!("coverage cover-{}", row.cover.as_str())>{row.cover_detail.clone()}</td>
            <td class="messages">
                {has_problems.then(|| view! { <ul class="problems">{problems}</ul> })}
                {row.error.clone().map(|e| view! {
                    <details class="problem row-error">
                        <summary>"CreatorIQ not readable"</summary>
                        <p class="message">{e}</p>
                        <p class="hint">"Retried on the next sync; Re-sync to try now."</p>
                    </details>
                })}
            </td>
            <td>
                {match (row.link_url.clone(), row.link_state) {
                    (Some(url), Some(state)) => Either::Left(view! {
                        <CopyButton url whose=row.name.clone()/>
                        <div class=format!("link-state link-{state}")>{state.label()}</div>
                    }),
                    _ => Either::Right(view! { <span class="muted">"No link"</span> }),
                }}
            </td>
            <td class="contact" class:contact-failed=row.contact_failed>
                {row.application.filter(|a| *a != ApplicationState::NotStarted).map(|a| view! {
                    <div class=format!("application app-{a}")>
                        {match row.application_step.clone() {
                            Some(step) => format!("Applying: {step}"),
                            None => format!("Application: {}", a.label().to_lowercase()),
                        }}
                    </div>
                })}
                {if row.contact.is_empty() {
                    Either::Left(view! { <span class="muted">{if row.link_url.is_some() { "Not sent" } else { "—" }}</span> })
                } else {
                    Either::Right(view! { <span>{row.contact.clone()}</span> })
                }}
            </td>
            <td class="when"><When at=row.last_synced.clone().unwrap_or_else(|| "Never".into())/></td>
            <td>
                <ActionForm action=resync attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <button type="submit" class="small" disabled=move || resync.pending().get()
                        aria-label=format!("Re-sync {}", row.name)>
                        {move || if resync.pending().get() { "Re-syncing…" } else { "Re-sync" }}
                    </button>
                </ActionForm>
                {outcome}
            </td>
        </tr>
    }
    .into_any()
}

#[component]
fn Pager(page: u32, pages: u32, params: ListParams) -> AnyView {
    let prev = (page > 1).then(|| params.with_page(page - 1).href());
    let next = (page < pages).then(|| params.with_page(page + 1).href());
    view! {
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(href) => Either::Left(view! { <a href=href rel="prev">"← Previous"</a> }),
                None => Either::Right(view! { <span class="muted">"← Previous"</span> }),
            }}
            <span>{format!("Page {page} of {pages}")}</span>
            {match next {
                Some(href) => Either::Left(view! { <a href=href rel="next">"Next →"</a> }),
                None => Either::Right(view! { <span class="muted">"Next →"</span> }),
            }}
        </nav>
    }
    .into_any()
}

/// For an organization with no rows yet: how to connect CreatorIQ.
#[component]
fn EmptyGuide() -> AnyView {
    view! {
        <section class="empty-state card">
            <h2>"No contractors yet"</h2>
            <p>
                "Contractors appear here once your CreatorIQ account is connected and synced. "
                "Each creator accepted onto a campaign becomes one row, with the insurance "
                "application link to send them or a list of what to fix in CreatorIQ."
            </p>
            <ol>
                <li>"Ask your CreatorIQ representative for an API key."</li>
                <li><a href="/settings">"Settings"</a>": paste the key, then Save."</li>
                <li>"Come back here and choose Sync now."</li>
            </ol>
            <details>
                <summary>"The order of steps in CreatorIQ that makes a creator ready to sync"</summary>
                <ol>
                    <li>"Create the campaign, with a start date in the future."</li>
                    <li>"Add the creator."</li>
                    <li>"Add the creator's contact information (address, with a US state)."</li>
                    <li>"Add the creator's payment amount."</li>
                    <li>"Fill in the creator attributes (Base Pay, Work State, Agency Pay…)."</li>
                    <li>"Move the creator to Accepted."</li>
                </ol>
            </details>
        </section>
    }
    .into_any()
}
