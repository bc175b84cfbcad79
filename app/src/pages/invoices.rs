//! Invoices (admins): the organization's invoices by state with their totals, each as PDF and
//! CSV, sent to whom it is addressed; and the Agency Pay lines waiting for a PO # in CreatorIQ.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::invoices_api::{list_invoices, InvoiceRow, InvoiceState, InvoicesPage, SendInvoice};

#[component]
pub fn InvoicesPage() -> impl IntoView {
    let query = use_query_map();
    let tab = move || query.read().get("tab");
    let send = ServerAction::<SendInvoice>::new();
    let live = crate::live::use_live();
    let page = Resource::new(
        move || {
            (
                tab(),
                send.version().get(),
                live.version(vocabulary::LiveTopic::Invoices),
            )
        },
        |(tab, _, _)| list_invoices(tab),
    );
    view! {
        <Title text="Invoices"/>
        <h1>"Invoices"</h1>
        <p class="muted page-intro">
            "What completed applications are billed under. An organization's invoice collects one "
            "purchase order's lines for a calendar month and goes to the PO contact; a creator who "
            "pays their own premium gets an invoice of their own. Payment is recorded by the insurer."
        </p>
        {move || send.value().get().map(|r| match r {
            Ok(said) => Either::Left(view! { <p class="notice ok" role="status">{said}</p> }),
            Err(e) => Either::Right(view! { <p class="notice error" role="alert">{e.to_string()}</p> }),
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading invoices…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(p) => view! { <InvoicesView p send/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn InvoicesView(p: InvoicesPage, send: ServerAction<SendInvoice>) -> AnyView {
    let current = p.tab.clone();
    let tabs = view! {
        <nav class="tabs" aria-label="Invoices by state">
            {p.tabs.iter().map(|t| {
                let here = t.tab == current;
                view! {
                    <a href=format!("/invoices?tab={}", t.tab) class:current=here
                        aria-current=if here { Some("page") } else { None }>
                        {t.label.clone()} " " <span class="count">{t.count}</span>
                        <span class="tab-total">{t.total.clone()}</span>
                    </a>
                }
            }).collect_view()}
        </nav>
    };
    let body = if current == "needs_po" {
        if p.waiting.is_empty() {
            Either::Left(view! { <p class="empty">"No line is waiting for a PO #."</p> })
        } else {
            Either::Right(Either::Left(view! {
                <p class="muted">
                    "These Agency Pay creators are covered, but CreatorIQ has no PO # (CustomField3) "
                    "for them. Add it there: each line joins its PO's invoice at the next sync."
                </p>
                <table class="invoices">
                    <thead><tr>
                        <th scope="col">"Creator"</th><th scope="col">"Campaign"</th>
                        <th scope="col">"Coverage"</th><th scope="col" class="num">"Premium"</th>
                        <th scope="col" class="num">"Platform fee"</th><th scope="col" class="num">"Total"</th>
                    </tr></thead>
                    <tbody>
                        {p.waiting.iter().map(|w| view! {
                            <tr>
                                <td><a href=format!("/contractors/{}", w.contractor_id)>{w.creator.clone()}</a></td>
                                <td>{w.campaign.clone()}</td>
                                <td>{w.coverage.clone()}</td>
                                <td class="num">{w.premium.clone()}</td>
                                <td class="num">{w.fee.clone()}</td>
                                <td class="num">{w.total.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }))
        }
    } else if p.invoices.is_empty() {
        Either::Left(
            view! { <p class="empty">"No invoice here yet: invoices are made as creators complete their applications."</p> },
        )
    } else {
        let can_email = p.can_email;
        Either::Right(Either::Right(view! {
            <table class="invoices">
                <thead><tr>
                    <th scope="col">"Invoice"</th><th scope="col">"Bill to"</th>
                    <th scope="col">"PO #"</th><th scope="col">"Period"</th>
                    <th scope="col" class="num">"Lines"</th><th scope="col" class="num">"Premium"</th>
                    <th scope="col" class="num">"Platform fee"</th><th scope="col" class="num">"Total"</th>
                    <th scope="col">"State"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr></thead>
                <tbody>
                    {p.invoices.into_iter().map(|i| view! { <Row i send can_email/> }).collect_view()}
                </tbody>
            </table>
        }))
    };
    view! { {tabs} <section class="card">{body}</section> }.into_any()
}

#[component]
fn Row(i: InvoiceRow, send: ServerAction<SendInvoice>, can_email: bool) -> AnyView {
    let sendable = matches!(i.state, InvoiceState::Open | InvoiceState::Sent) && i.lines > 0;
    let label = if i.state == InvoiceState::Sent {
        "Send again"
    } else {
        "Send"
    };
    view! {
        <tr>
            <td><code>{i.number.clone()}</code><div class="muted">{i.payer.clone()}</div></td>
            <td>{i.bill_to.clone()}<div class="muted email">{i.bill_to_email.clone()}</div></td>
            <td>{i.po_number.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{i.period.clone()}</td>
            <td class="num">{i.lines}</td>
            <td class="num">{i.premium.clone()}</td>
            <td class="num">{i.fee.clone()}</td>
            <td class="num"><strong>{i.total.clone()}</strong></td>
            <td>
                <span class=format!("badge invoice-{}", i.state.as_str())>{i.state.label()}</span>
                <div class="muted">{i.history.clone()}</div>
            </td>
            <td class="actions">
                <a href=i.pdf_url.clone() download="">"PDF"</a>" "
                <a href=i.csv_url.clone() download="">"CSV"</a>
                {sendable.then(|| view! {
                    <ActionForm action=send attr:class="inline">
                        <input type="hidden" name="id" value=i.id.to_string()/>
                        <button type="submit" disabled=move || send.pending().get() || !can_email
                            title=if can_email { format!("Email the PDF to {}", i.bill_to_email) } else { "This server has no SMTP relay".to_string() }>
                            {label}
                        </button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
    .into_any()
}
