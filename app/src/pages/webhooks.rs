//! Webhooks: every delivery CreatorIQ sent this organization, newest first, paged with
//! `?page=N`: when, which event, which creator or campaign, whether it was verified, and what
//! processing did (rows changed, with a link to the run). Admins can reprocess a verified
//! delivery. While some delivery waits or is being processed the page refreshes itself.

use std::time::Duration;

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::When;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::webhooks_api::{
    list_webhook_deliveries, DeliveriesPage, DeliveryState, DeliveryView, ReprocessDelivery,
    Verification,
};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    };
    let reprocess = ServerAction::<ReprocessDelivery>::new();
    let tick = RwSignal::new(0u64);
    let live = crate::live::use_live();
    let deliveries = Resource::new(
        move || {
            (
                page(),
                tick.get() + live.version(vocabulary::LiveTopic::Webhooks),
                reprocess.version().get(),
            )
        },
        |(page, _, _)| list_webhook_deliveries(page),
    );
    // Refresh while something is waiting or being processed; stops by itself afterwards.
    Effect::new(move |_| {
        if let Some(Ok(p)) = deliveries.get() {
            if p.deliveries
                .iter()
                .any(|d| matches!(d.state, DeliveryState::Queued | DeliveryState::Processing))
            {
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
        <Title text="Webhooks"/>
        <h1>"Webhooks"</h1>
        <p class="muted page-intro">
            "What CreatorIQ sent, and what the dashboard did with it. Subscriptions and the "
            "scheduled full sync are on " <a href="/settings">"Settings"</a> "."
        </p>
        {move || reprocess.value().get().map(|r| match r {
            Ok(m) => view! { <p class="notice success" role="status">{m}</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading deliveries…"</p> }>
            {move || Suspend::new(async move {
                match deliveries.await {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(p) if p.total == 0 => view! {
                        <section class="empty-state card">
                            <h2>"No webhook deliveries yet"</h2>
                            <p>
                                "Once the organization is subscribed (Settings), every event "
                                "CreatorIQ sends is listed here: accepted ones with what they "
                                "changed, refused ones with why."
                            </p>
                        </section>
                    }
                    .into_any(),
                    Ok(p) => view! { <DeliveryTable p reprocess/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveryTable(p: DeliveriesPage, reprocess: ServerAction<ReprocessDelivery>) -> impl IntoView {
    let is_admin = p.is_admin;
    let (page, pages) = (p.page, p.pages);
    let prev = (page > 1).then(|| format!("/webhooks?page={}", page - 1));
    let next = (page < pages).then(|| format!("/webhooks?page={}", page + 1));
    view! {
        <div class="table-wrap card">
            <table class="deliveries">
                <thead>
                    <tr>
                        <th scope="col">"Received"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Creator / campaign"</th>
                        <th scope="col">"Verification"</th>
                        <th scope="col">"Processing"</th>
                        <th scope="col" class="num">"Rows changed"</th>
                        {is_admin.then(|| view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> })}
                    </tr>
                </thead>
                <tbody>
                    {p.deliveries
                        .into_iter()
                        .map(|d| view! { <DeliveryRow d is_admin reprocess/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(href) => Either::Left(view! { <a href=href rel="prev">"← Newer"</a> }),
                None => Either::Right(view! { <span class="muted">"← Newer"</span> }),
            }}
            <span>{format!("Page {page} of {pages} · {} deliveries", p.total)}</span>
            {match next {
                Some(href) => Either::Left(view! { <a href=href rel="next">"Older →"</a> }),
                None => Either::Right(view! { <span class="muted">"Older →"</span> }),
            }}
        </nav>
    }
}

#[component]
fn DeliveryRow(
    d: DeliveryView,
    is_admin: bool,
    reprocess: ServerAction<ReprocessDelivery>,
) -> impl IntoView {
    let id = d.id;
    let verified = d.verification == Verification::Verified;
    // The creator by name, linking to their row, with CreatorIQ's id beside it.
    let creator = d.creator.map(|c| {
        let name = d
            .creator_name
            .clone()
            .unwrap_or_else(|| format!("Creator {c}"));
        let id = format!("CreatorIQ creator {c}");
        match d.creator_row {
            Some(row) => Either::Left(view! {
                <a href=format!("/contractors/{row}")>{name}</a>
                <div class="muted small">{id}</div>
            }),
            None => Either::Right(view! {
                <span>{name}</span>
                <div class="muted small">{id}" · no row here"</div>
            }),
        }
    });
    let campaign = d
        .campaign
        .map(|k| view! { <div class="muted small">{format!("CreatorIQ campaign {k}")}</div> });
    let nothing = (d.creator.is_none() && d.campaign.is_none()).then_some("—");
    view! {
        <tr data-delivery=id data-state=d.state.as_str()>
            <td><When at=d.received.clone()/></td>
            <td><code>{d.event.clone()}</code></td>
            <td>{creator}{campaign}{nothing}</td>
            <td>
                <span class=if verified { "badge state-succeeded" } else { "badge state-failed" }>
                    {d.verification.label()}
                </span>
            </td>
            <td>
                <span class=format!("badge delivery-{}", d.state)>{d.state.label()}</span>
                {d.run_id.map(|r| view! { " " <a href=format!("/sync-runs/{r}")>{format!("run #{r}")}</a> })}
                {(d.attempts > 1).then(|| view! { <div class="muted small">{format!("{} attempts", d.attempts)}</div> })}
                {d.retry_at.clone().map(|at| view! { <div class="muted small">{format!("next try {at}")}</div> })}
                {d.detail.clone().map(|t| view! { <div class="muted small detail">{t}</div> })}
            </td>
            <td class="num">{d.rows_changed.map(|n| n.to_string()).unwrap_or_default()}</td>
            {is_admin.then(|| view! {
                <td>
                    {d.can_reprocess.then(|| view! {
                        <ActionForm action=reprocess attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <button type="submit" class="link small" aria-label=format!("Reprocess delivery {id}")
                                title="Queue this delivery again: its rows are read from CreatorIQ once more">
                                "Reprocess"
                            </button>
                        </ActionForm>
                    })}
                </td>
            })}
        </tr>
    }
}
