//! One contractor row: every mapped field with its CreatorIQ source and defaults, the rule
//! results, the sync history and the application link history.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::{CopyLink, StatusBadge, When};
use crate::contractors_api::{
    contractor_detail, CancelCover, ContractorInfo, ContractorStatus, CoverView, PolicyStatus,
    RegenerateLink, ResyncContractor, RowView,
};
use crate::error::AppError;
use crate::outreach_api::SendLinks;

#[component]
pub fn ContractorDetailPage() -> AnyView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok())));
    let live = crate::live::use_live();
    let detail = Resource::new(
        move || (id.get(), live.version(vocabulary::LiveTopic::Contractors)),
        |(id, _)| async move {
            match id {
                Some(id) => contractor_detail(id).await,
                None => Err(crate::contractors_api::not_found()),
            }
        },
    );

    view! {
        <Title text="Contractor"/>
        <p class="crumbs"><a href="/contractors">"← Contractors"</a></p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => Either::Left(view! { <Detail d refetch=Callback::new(move |_: ()| detail.refetch())/> }),
                    Err(e) => {
                        let missing = matches!(e, AppError::NotFound(_));
                        #[cfg(feature = "ssr")]
                        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                            resp.set_status(if missing {
                                http::StatusCode::NOT_FOUND
                            } else {
                                http::StatusCode::INTERNAL_SERVER_ERROR
                            });
                        }
                        let heading = if missing {
                            "Contractor not found"
                        } else {
                            "The contractor could not be loaded"
                        };
                        Either::Right(view! {
                            <h1>{heading}</h1>
                            <p class="error" role="alert">{e.to_string()}</p>
                        })
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn Detail(d: ContractorInfo, refetch: Callback<()>) -> AnyView {
    let resync = ServerAction::<ResyncContractor>::new();
    let regenerate = ServerAction::<RegenerateLink>::new();
    let send = ServerAction::<SendLinks>::new();
    let cancel = ServerAction::<CancelCover>::new();
    Effect::new(move |_| {
        if matches!(resync.value().get(), Some(Ok(_)))
            || matches!(regenerate.value().get(), Some(Ok(_)))
            || matches!(send.value().get(), Some(Ok(_)))
            || matches!(cancel.value().get(), Some(Ok(_)))
        {
            refetch.run(());
        }
    });
    let id = d.row.id;
    let row = d.row.clone();
    let status = row.status;
    let rules = match status {
        ContractorStatus::Exempt => view! {
            <p>"Insurance Exempt is true in CreatorIQ, so this creator is not checked and gets no link."</p>
        }.into_any(),
        ContractorStatus::NotAccepted => view! {
            <p>"The creator is not Accepted on this campaign in CreatorIQ yet; checks run once they are."</p>
        }.into_any(),
        _ if row.failures.is_empty() && row.error.is_none() => view! {
            <p class="ok">"All checks passed."</p>
        }.into_any(),
        _ => view! {
            <ul class="messages">
                {row.failures.iter().map(|f| view! {
                    <li class="failure" data-code=f.code.clone()>
                        <strong class="label">{f.label.clone()}</strong>" "
                        <span class="message">{f.message.clone()}</span>
                        <span class="hint">{f.hint.clone()}</span>
                    </li>
                }).collect_view()}
            </ul>
        }.into_any(),
    };
    let current_link = d.links.iter().find(|l| l.current).cloned();
    let is_admin = d.is_admin;

    view! {
        <Title text=row.name.clone()/>
        <div class="page-head">
            <h1>{row.name.clone()}" "<StatusBadge status/></h1>
            <div class="page-actions">
                <ActionForm action=resync attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <button type="submit" disabled=move || resync.pending().get()>
                        {move || if resync.pending().get() { "Re-syncing…" } else { "Re-sync" }}
                    </button>
                </ActionForm>
                {d.ciq_app_link.clone().map(|href| view! {
                    <a class="button" href=href target="_blank" rel="noopener noreferrer" data-testid="open-in-ciq"
                        title="Opens this creator in CreatorIQ, in a new tab">
                        "Open in CreatorIQ ↗"
                    </a>
                })}
            </div>
        </div>
        {move || resync.value().get().and_then(|r| r.err()).map(|e| view! {
            <p class="error" role="alert">{e.to_string()}</p>
        })}
        <p class="muted">
            {row.email.clone().unwrap_or_else(|| "No email".into())}
            " · " {row.campaign.clone()}
            {format!(" · CreatorIQ campaign {}, creator {}", d.ciq_campaign_id, d.ciq_publisher_id)}
            {d.coverage.clone().map(|c| format!(" · Coverage {c}"))}
            " · Last synced " <When at=row.last_synced.clone().unwrap_or_else(|| "never".into())/>
        </p>

        <section class="card">
            <h2>"Checks"</h2>
            {rules}
            {row.error.clone().map(|e| view! { <p class="error">"CreatorIQ could not be read: " {e}</p> })}
            {(d.ciq_app_link.is_none() && (!row.failures.is_empty() || row.error.is_some())).then(|| view! {
                <p class="hint" data-testid="find-in-ciq">
                    {format!(
                        "Fix it in CreatorIQ: campaign {} ({}), creator {}.",
                        d.ciq_campaign_id, row.campaign, d.ciq_publisher_id
                    )}
                    {is_admin.then(|| view! {
                        " "<a href="/settings#app-link-heading">"Add the address of CreatorIQ's pages"</a>
                        " to link straight there."
                    })}
                </p>
            })}
            {(!row.warnings.is_empty()).then(|| view! {
                <ul class="messages">
                    {row.warnings.iter().map(|w| view! {
                        <li class="warning">
                            <span class="message">{w.message.clone()}</span>
                            <span class="hint">{w.hint.clone()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>

        <section class="card link-card">
            <h2>"Application link"</h2>
            {match current_link {
                Some(l) => Either::Left(view! {
                    <CopyLink url=l.url.clone()/>
                    <p class=format!("link-state link-{}", l.state)>
                        {l.state.label()}
                        {l.opened.clone().map(|o| format!(" · opened {o}"))}
                        {l.submitted.clone().map(|s| format!(" · submitted {s}"))}
                    </p>
                }),
                None => Either::Right(view! {
                    <p class="muted">"No current link: links are issued to synced contractors."</p>
                }),
            }}
            {(is_admin && status == ContractorStatus::Synced).then(|| view! {
                <RegenerateLinkConfirm id link=d.links.iter().find(|l| l.current).cloned() regenerate/>
            })}
            {move || regenerate.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert">{e.to_string()}</p>
            })}
            <h3>"Link history"</h3>
            {d.links.is_empty().then(|| view! {
                <p class="muted">"No link was issued for this row yet."</p>
            })}
            <table class="compact" hidden=d.links.is_empty()>
                <thead><tr>
                    <th scope="col">"Issued"</th><th scope="col">"Why"</th><th scope="col">"State"</th>
                    <th scope="col">"Opened"</th><th scope="col">"Submitted"</th><th scope="col">"Replaced"</th>
                </tr></thead>
                <tbody>
                    {d.links.iter().map(|l| view! {
                        <tr class:current=l.current>
                            <td><When at=l.created.clone()/></td>
                            <td>{l.created_reason.label()}</td>
                            <td>{l.state.label()}</td>
                            <td>{l.opened.clone().map(|at| view! { <When at/> })}</td>
                            <td>{l.submitted.clone().map(|at| view! { <When at/> })}</td>
                            <td>{l.retired.clone().map(|at| view! {
                                <When at/>{format!(" ({})", l.retired_reason.map_or("", |r| r.label()))}
                            })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>

        <CoverCard d=d.clone() row=row.clone()/>
        <PoliciesCard id covers=d.covers.clone() row=row.clone() is_admin cancel/>

        <section class="card" id="messages">
            <h2>"Messages to the creator"</h2>
            {(is_admin && d.can_send).then(|| view! {
                <ActionForm action=send attr:class="inline">
                    <input type="hidden" name="ids" value=id.to_string()/>
                    <button type="submit" disabled=move || send.pending().get()>
                        {if d.sent_before { "Resend link" } else { "Send link" }}
                    </button>
                    <span class="muted">{if d.sent_before {
                        " Sends the same link again on the organization's channels."
                    } else {
                        " Sends the application link on the organization's channels."
                    }}</span>
                </ActionForm>
            })}
            {move || send.value().get().map(|r| match r {
                Ok(s) if s.queued > 0 => view! { <p class="ok" role="status">"Queued; it goes out within seconds."</p> }.into_any(),
                Ok(s) => view! { <p class="error" role="alert">{s.skipped.unwrap_or_else(|| "Nothing to send.".into())}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
            {d.reminders_stopped.then(|| view! {
                <p class="muted">"The creator asked for no more reminders about this link."</p>
            })}
            {if d.messages.is_empty() {
                Either::Left(view! { <p class="muted">"No message was sent to this creator yet."</p> })
            } else {
                Either::Right(view! {
                    <table class="compact messages-table">
                        <thead><tr>
                            <th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Channel"</th>
                            <th scope="col">"Result"</th><th scope="col">"By"</th>
                        </tr></thead>
                        <tbody>
                            {d.messages.iter().map(|m| view! {
                                <tr class=format!("message-{}", m.state) class:old-link=!m.current_link>
                                    <td><When at=m.when.clone()/></td>
                                    <td>{m.kind.clone()}{(!m.current_link).then_some(" (earlier link)")}</td>
                                    <td>{m.channel.clone()}</td>
                                    <td>{m.result.clone()}</td>
                                    <td>{if m.by.is_empty() { "Automatic".to_string() } else { m.by.clone() }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
        </section>

        <section class="card">
            <h2>"Mapped fields"</h2>
            <table class="compact fields">
                <thead><tr>
                    <th scope="col">"Field"</th><th scope="col">"Value"</th><th scope="col">"CreatorIQ source"</th><th scope="col">"Notes"</th>
                </tr></thead>
                <tbody>
                    {d.fields.iter().map(|f| view! {
                        <tr class:defaulted=f.default_applied.is_some()>
                            <th scope="row">{f.label.clone()}</th>
                            <td>
                                {f.value.clone().unwrap_or_else(|| "—".into())}
                                {f.raw.clone().map(|r| {
                                    let blank = r.trim().is_empty();
                                    view! {
                                        <div class="muted">
                                            "CreatorIQ sent: "
                                            {if blank {
                                                Either::Left(view! { <em>"a blank value"</em> })
                                            } else {
                                                Either::Right(view! { <code>{r}</code> })
                                            }}
                                        </div>
                                    }
                                })}
                            </td>
                            <td>{f.source.clone()}</td>
                            <td>
                                {f.default_applied.clone().map(|t| view! { <span class="default-marker">"Default: " {t}</span> })}
                                {f.problem.clone().map(|p| view! { <span class="error">{p}</span> })}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>

        <section class="card">
            <h2>"Sync history"</h2>
            <table class="compact">
                <thead><tr><th scope="col">"When"</th><th scope="col">"Status"</th><th scope="col">"What changed"</th><th scope="col">"Run"</th></tr></thead>
                <tbody>
                    {d.history.iter().map(|e| view! {
                        <tr>
                            <td><When at=e.at.clone()/></td>
                            <td>
                                {e.previous_status.map(|p| format!("{} → ", p.label()))}
                                {e.status.label()}
                            </td>
                            <td>{e.summary.clone()}</td>
                            <td>{e.run_id.map(|r| view! { <a href=format!("/sync-runs/{r}")>{format!("#{r}")}</a> })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// "Regenerate link…" opens a confirmation that says what the creator's current link will show
/// afterwards (and that an application made with it is left behind); the second button
/// regenerates. A `<details>`, so it opens before the page's script has loaded too.
#[component]
fn RegenerateLinkConfirm(
    id: i64,
    link: Option<crate::contractors_api::LinkView>,
    regenerate: ServerAction<RegenerateLink>,
) -> AnyView {
    let details = NodeRef::<leptos::html::Details>::new();
    let close = move || {
        if let Some(d) = details.get_untracked() {
            d.set_open(false);
        }
    };
    Effect::new(move |_| {
        if matches!(regenerate.value().get(), Some(Ok(_))) {
            close();
        }
    });
    let before = match &link {
        Some(l) if l.submitted.is_some() => format!(
            "The creator submitted an application with the current link ({}). ",
            l.submitted.clone().unwrap_or_default()
        ),
        Some(l) if l.opened.is_some() => format!(
            "The creator opened the current link ({}) but has not submitted it. ",
            l.opened.clone().unwrap_or_default()
        ),
        Some(_) => "The creator has not opened the current link yet. ".to_string(),
        None => String::new(),
    };
    view! {
        <details class="confirm regenerate" node_ref=details>
            <summary class="button">"Regenerate link…"</summary>
            <div class="confirm-body" role="group" aria-label="Confirm regenerating the link">
                <p>
                    {before}
                    "Once a new link is made, the current one shows the creator \u{201c}This link has \
                     expired\u{201d} and asks them for a new link"
                    {link.as_ref().is_some_and(|l| l.submitted.is_some()).then_some(
                        "; they start the application again with the new one",
                    )}
                    ". Send them the new link afterwards."
                </p>
                <ActionForm action=regenerate attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <button type="submit" class="danger" disabled=move || regenerate.pending().get()>
                        "Regenerate link"
                    </button>
                    <button type="button" on:click=move |_| close()>"Keep the current link"</button>
                </ActionForm>
            </div>
        </details>
    }
    .into_any()
}

/// The row's estimated cost and its applications.
#[component]
fn CoverCard(d: ContractorInfo, row: RowView) -> AnyView {
    view! {
        <section class="card" id="cover">
            <h2>"Cover and application"</h2>
            {if d.estimate.is_empty() {
                Either::Left(view! { <p class="muted">"No estimate: only a Synced row is priced."</p> })
            } else {
                let total = row.premium.clone().unwrap_or_default();
                Either::Right(view! {
                    <table class="estimate">
                        <caption>
                            "Estimated cost"
                            {d.example_rates.then(|| view! { <span class="badge muted">"example rates"</span> })}
                        </caption>
                        <tbody>
                            {d.estimate.iter().take(d.estimate.len().saturating_sub(1)).map(|(what, amount)| view! {
                                <tr><th scope="row">{what.clone()}</th><td class="num">{amount.clone()}</td></tr>
                            }).collect_view()}
                            <tr class="total"><th scope="row">"Premium"</th><td class="num">{total}</td></tr>
                            {d.estimate.last().map(|(what, amount)| view! {
                                <tr class="fee"><th scope="row">{what.clone()}</th><td class="num">{amount.clone()}</td></tr>
                            })}
                        </tbody>
                    </table>
                    <p class="split">"Who pays: " {row.split.clone().unwrap_or_default()}</p>
                })
            }}
            <p class="application-state">
                "Application: "
                <strong>{match (row.application, row.application_step.clone()) {
                    (_, Some(step)) => format!("In progress ({step})"),
                    (Some(a), None) => a.label().to_string(),
                    (None, None) => "No link".to_string(),
                }}</strong>
            </p>
            {(!d.applications.is_empty()).then(|| view! {
                <table class="applications">
                    <thead><tr>
                        <th scope="col">"Application"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Submitted"</th>
                        <th scope="col">"Answers and signature"</th>
                    </tr></thead>
                    <tbody>
                        {d.applications.iter().map(|a| view! {
                            <tr>
                                <td>{format!("#{}", a.id)}{(!a.current_link).then_some(" (earlier link)")}</td>
                                <td>{a.state.clone()}{a.decision.clone().map(|x| view! { <div class="muted">{x}</div> })}</td>
                                <td>{a.started.clone()}</td>
                                <td>{a.submitted.clone().unwrap_or_else(|| "—".into())}</td>
                                <td>
                                    <div>{a.answers.clone()}</div>
                                    {a.signature.clone().map(|x| view! { <div class="muted">"Signed: " {x}</div> })}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
    .into_any()
}

/// The row's cover: how it reads today, each cover's policies and limits, its certificate, and
/// (admins, before the start) cancelling it.
#[component]
fn PoliciesCard(
    id: i64,
    covers: Vec<CoverView>,
    row: RowView,
    is_admin: bool,
    cancel: ServerAction<CancelCover>,
) -> AnyView {
    view! {
        <section class="card" id="policies">
            <h2>"Policies and certificate"</h2>
            <p class="cover-state">
                "Coverage: " <strong class=format!("cover {}", row.cover.as_str())>{row.cover_detail.clone()}</strong>
            </p>
            {covers.is_empty().then(|| view! {
                <p class="muted">"No policy yet: policies are issued when the creator completes the application."</p>
            })}
            {covers.into_iter().map(|c| view! { <CoverBlock id c is_admin cancel/> }).collect_view()}
            {move || cancel.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert">{e.to_string()}</p>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn CoverBlock(id: i64, c: CoverView, is_admin: bool, cancel: ServerAction<CancelCover>) -> AnyView {
    let status_class = format!("badge policy-{}", c.status.as_str());
    view! {
        <div class="cover-block">
            <h3>
                {format!("{} ", c.window)}
                <span class=status_class>{c.status.label()}</span>
            </h3>
            {c.other_row.map(|other| view! {
                <p class="muted">"Issued for this creator on another row: "
                    <a href=format!("/contractors/{other}")>"see that row"</a>"."</p>
            })}
            <table class="policies">
                <thead><tr>
                    <th scope="col">"Policy"</th><th scope="col">"Coverage"</th>
                    <th scope="col">"Limits"</th><th scope="col" class="num">"Premium"</th>
                </tr></thead>
                <tbody>
                    {c.policies.iter().map(|p| view! {
                        <tr>
                            <td><code>{p.number.clone()}</code></td>
                            <td>{p.coverage.clone()}</td>
                            <td>{p.limits.iter().map(|l| view! { <div>{l.clone()}</div> }).collect_view()}</td>
                            <td class="num">{p.premium.clone()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="split">
                {format!("Premium {} · {} · Platform fee {} (organization)", c.premium, c.payer, c.platform_fee)}
                {c.po_number.clone().map(|po| format!(" · PO # {po}"))}
            </p>
            <p class="muted">"Issued " {c.issued.clone()}</p>
            {c.cancelled.clone().map(|x| view! { <p class="muted">{x}</p> })}
            {(c.status != PolicyStatus::Cancelled).then(|| view! {
                <p><a class="button" href=c.certificate_url.clone() download="">"Download certificate (PDF)"</a></p>
            })}
            {(is_admin && c.can_cancel).then(|| view! {
                <ActionForm action=cancel attr:class="cancel-cover">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <input type="hidden" name="cover" value=c.id.to_string()/>
                    <label>"Reason for cancelling"
                        <input type="text" name="reason" required maxlength="500"
                            placeholder="The creator withdrew from the campaign"/>
                    </label>
                    <button type="submit" class="danger" disabled=move || cancel.pending().get()>"Cancel cover"</button>
                    <span class="muted">" Possible until the cover starts; its policies end and the row reads Cancelled."</span>
                </ActionForm>
            })}
        </div>
    }
    .into_any()
}
