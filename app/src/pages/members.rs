//! Members (admins): who can sign in to the organization, with Add, role changes, Remove and
//! password resets. One-time links are shown once, right after they are issued, with a Copy
//! button.

use leptos::prelude::*;
use leptos_meta::Title;

use super::settings::outcome;
use crate::components::CopyLink;
use crate::members_api::{
    list_members, AddMember, CancelInvitation, ChangeRole, InvitationView, IssuedLink, MemberView,
    MembersPage, RemoveMember, ResetPassword, Role,
};

#[component]
pub fn MembersPage() -> impl IntoView {
    let add = ServerAction::<AddMember>::new();
    let role = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let cancel = ServerAction::<CancelInvitation>::new();
    let members = Resource::new(
        move || {
            (
                add.version().get(),
                role.version().get(),
                remove.version().get(),
                cancel.version().get(),
            )
        },
        |_| list_members(),
    );
    let email_input = NodeRef::<leptos::html::Input>::new();
    Effect::watch(
        move || add.version().get(),
        move |_, _, _| {
            if matches!(add.value().get_untracked(), Some(Ok(_))) {
                if let Some(input) = email_input.get_untracked() {
                    input.set_value("");
                }
            }
        },
        false,
    );

    view! {
        <Title text="Members"/>
        <h1>"Members"</h1>
        <p class="muted page-intro">
            "People who can sign in to this organization. Admins change settings and manage "
            "members; viewers see everything and can sync. What everyone did is on the "
            <a href="/audit">"Audit log"</a> "."
        </p>
        <section class="card" aria-labelledby="add-member">
            <h2 id="add-member">"Add a member"</h2>
            <p class="hint">
                "They get a one-time link to join and choose their password; they become a "
                "member when they use it."
            </p>
            <ActionForm action=add attr:class="inline-form">
                <label>"Email"
                    <input node_ref=email_input type="email" name="email" required
                        maxlength="254" autocomplete="off" placeholder="name@example.com"/>
                </label>
                <label>"Role"
                    <select name="role">
                        <option value=Role::Viewer.as_str() selected>{Role::Viewer.label()}</option>
                        <option value=Role::Admin.as_str()>{Role::Admin.label()}</option>
                    </select>
                </label>
                <button type="submit" class="primary" disabled=move || add.pending().get()>
                    {move || if add.pending().get() { "Adding…" } else { "Add member" }}
                </button>
            </ActionForm>
            {move || add.value().get().map(issued)}
        </section>
        {move || reset.value().get().map(issued)}
        {move || outcome(role.value().get(), |m| m)}
        {move || outcome(remove.value().get(), |m| m)}
        {move || outcome(cancel.value().get(), |m| m)}
        <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(p) => view! { <MemberTable p role remove reset cancel/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A newly issued one-time link, or why none was.
fn issued(result: Result<IssuedLink, crate::error::AppError>) -> AnyView {
    match result {
        Ok(link) => view! {
            <div class="notice success issued-link" role="status">
                <p>{link.message}</p>
                <CopyLink url=link.url label="One-time sign-in link".to_string()/>
            </div>
        }
        .into_any(),
        Err(e) => view! { <p class="notice error" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

#[component]
fn MemberTable(
    p: MembersPage,
    role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
    reset: ServerAction<ResetPassword>,
    cancel: ServerAction<CancelInvitation>,
) -> impl IntoView {
    let admins = p.admins;
    view! {
        <div class="table-wrap card">
            <table class="members">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Added"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {p.members
                        .into_iter()
                        .map(|m| view! { <MemberRow m admins role remove reset/> })
                        .collect_view()}
                    {p.invitations
                        .into_iter()
                        .map(|i| view! { <InvitationRow i cancel/> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn MemberRow(
    m: MemberView,
    admins: usize,
    role: ServerAction<ChangeRole>,
    remove: ServerAction<RemoveMember>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let id = m.id;
    let is_admin = m.role == Role::Admin;
    let last_admin = is_admin && admins <= 1;
    let other_role = if is_admin { Role::Viewer } else { Role::Admin }.as_str();
    let role_label = if is_admin {
        "Make viewer"
    } else {
        "Make admin"
    };
    let email = m.email.clone();
    let reset_label = format!("Reset password: {email}");
    let remove_label = format!("Remove {email}");
    let confirm_text =
        format!("Remove {email}? They are signed out at once and can no longer sign in.");
    view! {
        <tr data-member=id>
            <td>
                {m.email.clone()}
                {m.is_me.then(|| view! { " " <span class="muted small">"(you)"</span> })}
                {m.pending.clone().map(|t| view! { <div class="muted small">{t}</div> })}
            </td>
            <td><span class=format!("badge role-{}", m.role)>{m.role.label()}</span></td>
            <td class="muted small">{m.added.clone()}</td>
            <td class="actions">
                <ActionForm action=role attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="role" value=other_role/>
                    <button type="submit" class="secondary" disabled=last_admin
                        title=last_admin.then_some("The organization needs at least one admin")
                        aria-label=format!("{role_label}: {email}")>{role_label}</button>
                </ActionForm>
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="secondary"
                        aria-label=reset_label>"Reset password"</button>
                </ActionForm>
                <ActionForm action=remove attr:class="inline"
                    on:submit=move |ev| {
                        if !confirm(&confirm_text) {
                            ev.prevent_default();
                        }
                    }>
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="danger" disabled=last_admin
                        title=last_admin.then_some("The organization needs at least one admin")
                        aria-label=remove_label>"Remove"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
fn InvitationRow(i: InvitationView, cancel: ServerAction<CancelInvitation>) -> impl IntoView {
    view! {
        <tr data-invitation=i.id>
            <td>
                {i.email.clone()}
                <div class="muted small">{i.pending.clone()}</div>
            </td>
            <td><span class=format!("badge role-{}", i.role)>{i.role.label()}</span></td>
            <td class="muted small">"Invited"</td>
            <td class="actions">
                <ActionForm action=cancel attr:class="inline">
                    <input type="hidden" name="id" value=i.id/>
                    <button type="submit" class="secondary"
                        aria-label=format!("Cancel invitation: {}", i.email)>"Cancel invitation"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

fn confirm(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(text).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        true
    }
}
