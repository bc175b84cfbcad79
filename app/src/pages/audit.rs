//! Audit log (admins): who did what and when, newest first, filtered by action and by member
//! (both in the URL), with the filtered log as CSV.

use leptos::either::Either;
use leptos::prelude::*;

use crate::components::When;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::audit_api::{list_audit, AuditPage, AuditQuery};

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || AuditQuery::from_query(|k| query.read().get(k));
    let entries = Resource::new(params, |q| list_audit(q.action, q.member, q.before));

    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <p class="muted page-intro">
            "Every consequential action in this organization: sign-ins, settings, syncs, links, "
            "members and exports. Entries are never changed or removed, and never hold a secret."
        </p>
        <Transition fallback=|| view! { <p class="muted">"Loading the audit log…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(p) => view! { <AuditView p q=params()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditView(p: AuditPage, q: AuditQuery) -> impl IntoView {
    let csv = format!("/audit.csv{}", q.filters_query());
    let older = p.older.map(|before| {
        let mut next = q.clone();
        next.before = Some(before);
        let filters = next.filters_query();
        let sep = if filters.is_empty() { "?" } else { "&" };
        format!("/audit{filters}{sep}before={before}")
    });
    let newest = q.before.map(|_| format!("/audit{}", q.filters_query()));
    let action = q.action.clone().unwrap_or_default();
    let member = q.member.map(|m| m.to_string()).unwrap_or_default();
    let filtered = q.action.is_some() || q.member.is_some();
    view! {
        <form method="get" action="/audit" class="filters card" role="search" aria-label="Filter the audit log">
            <label>"Action"
            <select name="action" aria-label="Action">
                <option value="" selected=action.is_empty()>"All actions"</option>
                {p.actions
                    .iter()
                    .map(|(value, label)| view! {
                        <option value=value.clone() selected=*value == action>{label.clone()}</option>
                    })
                    .collect_view()}
            </select>
            </label>
            <label>"Member"
            <select name="member" aria-label="Member">
                <option value="" selected=member.is_empty()>"Everyone"</option>
                {p.members
                    .iter()
                    .map(|(id, email)| view! {
                        <option value=id.to_string() selected=id.to_string() == member>{email.clone()}</option>
                    })
                    .collect_view()}
            </select>
            </label>
            <button type="submit" class="secondary">"Filter"</button>
            {filtered.then(|| view! { <a href="/audit">"Clear filters"</a> })}
            <a class="button secondary export" href=csv download>"Export CSV"</a>
        </form>
        {if p.entries.is_empty() {
            Either::Left(view! {
                <section class="empty-state card">
                    <h2>{if filtered { "No entries match these filters" } else { "Nothing recorded yet" }}</h2>
                    <p>"Sign-ins, settings changes, syncs, link changes, member changes and exports appear here as they happen."</p>
                </section>
            })
        } else {
            Either::Right(view! {
                <div class="table-wrap card">
                    <table class="audit">
                        <thead>
                            <tr>
                                <th scope="col">"When"</th>
                                <th scope="col">"Who"</th>
                                <th scope="col">"Action"</th>
                                <th scope="col">"On"</th>
                                <th scope="col">"Detail"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.entries
                                .into_iter()
                                .map(|e| view! {
                                    <tr data-action=e.action.clone()>
                                        <td><When at=e.at/></td>
                                        <td>{e.actor}</td>
                                        <td>{e.action_label}</td>
                                        <td>{linked_subject(&e.subject.unwrap_or_default())}</td>
                                        <td class="muted">{e.detail.unwrap_or_default()}</td>
                                    </tr>
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            })
        }}
        <nav class="pager" aria-label="Pages">
            {match newest {
                Some(href) => Either::Left(view! { <a href=href>"← Newest"</a> }),
                None => Either::Right(view! { <span class="muted">"← Newest"</span> }),
            }}
            <span>{format!("{} entries", p.total)}</span>
            {match older {
                Some(href) => Either::Left(view! { <a href=href rel="next">"Older →"</a> }),
                None => Either::Right(view! { <span class="muted">"Older →"</span> }),
            }}
        </nav>
    }
}

/// A piece of an audit subject: words, or a reference to open.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Link { href: String, text: String },
}

/// Splits a subject such as "run #5 (contractor #37)" into words and the references in it
/// ("contractor #37" opens the row, "run #5" the sync run).
fn pieces(subject: &str) -> Vec<Piece> {
    const KINDS: [(&str, &str); 2] = [("contractor #", "/contractors/"), ("run #", "/sync-runs/")];
    let mut out = Vec::new();
    let mut rest = subject;
    loop {
        let next = KINDS
            .iter()
            .filter_map(|(word, path)| rest.find(word).map(|at| (at, *word, *path)))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, word, path)) = next else { break };
        let digits = rest[at + word.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        let end = at + word.len() + digits;
        if at > 0 {
            out.push(Piece::Text(rest[..at].to_string()));
        }
        if digits == 0 {
            out.push(Piece::Text(rest[at..end].to_string()));
        } else {
            out.push(Piece::Link {
                href: format!("{path}{}", &rest[at + word.len()..end]),
                text: rest[at..end].to_string(),
            });
        }
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_string()));
    }
    out
}

fn linked_subject(subject: &str) -> impl IntoView {
    pieces(subject)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => Either::Left(t),
            Piece::Link { href, text } => Either::Right(view! { <a href=href>{text}</a> }),
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_in_a_subject_become_links() {
        assert_eq!(
            pieces("run #5 (contractor #37)"),
            vec![
                Piece::Link {
                    href: "/sync-runs/5".into(),
                    text: "run #5".into()
                },
                Piece::Text(" (".into()),
                Piece::Link {
                    href: "/contractors/37".into(),
                    text: "contractor #37".into()
                },
                Piece::Text(")".into()),
            ]
        );
        assert_eq!(
            pieces("ops@acme.example"),
            vec![Piece::Text("ops@acme.example".into())]
        );
        assert_eq!(
            pieces("contractor #"),
            vec![Piece::Text("contractor #".into())]
        );
    }
}
