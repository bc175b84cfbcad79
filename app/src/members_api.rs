//! Members: the organization's admins add people (who choose their password through a one-time
//! link the admin passes on), change roles, remove people (never the last admin) and issue
//! password resets; every member changes their own password. A one-time link is shown once and
//! only its hash is stored.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;
pub use vocabulary::Role;

/// How long an invitation link works.
pub const INVITATION_HOURS: i64 = 72;
/// How long a password reset link works.
pub const RESET_HOURS: i64 = 24;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: i64,
    pub email: String,
    /// `admin` or `viewer`.
    pub role: Role,
    pub added: String,
    /// "Link not used yet, works until …".
    pub pending: Option<String>,
    pub is_me: bool,
}

/// Someone invited who has not used their link yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: i64,
    pub email: String,
    /// `admin` or `viewer`.
    pub role: Role,
    /// "Invited; the link works until …".
    pub pending: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
    pub admins: usize,
}

/// A one-time sign-in link, shown to the admin once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLink {
    pub message: String,
    pub url: String,
}

/// What the one-time link page shows before the member chooses a password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkPage {
    /// For this email, in this organization.
    Valid { email: String, organization: String },
    /// Unknown, used or expired.
    Unusable,
}

#[cfg(feature = "ssr")]
mod server {
    use domain::store::{Member, MemberId, Role, StoreError};

    use crate::error::{AppError, Context};

    pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
        at.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    pub fn parse_role(raw: &str) -> Result<Role, AppError> {
        Role::parse(raw.trim())
            .ok_or_else(|| AppError::Invalid("Choose Admin or Viewer.".to_string()))
    }

    /// A member of the admin's organization, or the same "not found" for every other id.
    pub async fn member_of(
        store: &dyn domain::store::Store,
        admin: &Member,
        id: i64,
    ) -> Result<Member, AppError> {
        store
            .member(MemberId(id))
            .await
            .context("loading member")?
            .filter(|m| m.org_id == admin.org_id)
            .ok_or_else(|| AppError::NotFound("That member was not found.".to_string()))
    }

    pub fn store_refusal(e: StoreError, context: &str) -> AppError {
        match e {
            StoreError::Invalid(why) => AppError::Invalid(format!(
                "Not changed: {why}. Make another member an admin first."
            )),
            StoreError::NotFound(_) => AppError::NotFound("That member was not found.".to_string()),
            e => AppError::internal(context, e),
        }
    }

    pub fn new_password(password: &str, confirm: &str) -> Result<domain::auth::Password, AppError> {
        if password != confirm {
            return Err(AppError::Invalid(
                "The two new passwords are not the same.".to_string(),
            ));
        }
        if password.chars().count() < domain::auth::MIN_PASSWORD_LEN {
            return Err(AppError::Invalid(format!(
                "Choose a password of at least {} characters.",
                domain::auth::MIN_PASSWORD_LEN
            )));
        }
        if password.len() > 1024 {
            return Err(AppError::Invalid(
                "Choose a password of at most 1,024 characters.".to_string(),
            ));
        }
        Ok(domain::auth::Password::new(password))
    }

    pub async fn hash(password: &domain::auth::Password) -> Result<String, AppError> {
        Ok(domain::auth::hash_password(password).await?)
    }

    /// Issues a one-time link for `member` valid for `hours`.
    pub async fn issue_link(
        ctx: &crate::ssr::ServerContext,
        member: &Member,
        hours: i64,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
        let token = domain::links::LinkToken::generate();
        let until = chrono::Utc::now() + chrono::Duration::hours(hours);
        ctx.store
            .create_sign_in_link(member.org_id, member.id, token.expose(), until)
            .await
            .context("issuing a sign-in link")?;
        Ok((link_url(ctx, &token), until))
    }

    /// What a live one-time link is for: a member's password (a new member's first, or a
    /// reset), or an invitation to join.
    pub enum LiveLink {
        Password(Member),
        Invitation(domain::store::InvitationInfo),
    }

    /// The live link `token` names, if any, without using it up: a lookup, no hashing.
    pub async fn live_link(
        store: &dyn domain::store::Store,
        token: &domain::links::LinkToken,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<LiveLink>, AppError> {
        let member = store
            .sign_in_link_member(token.expose(), now)
            .await
            .context("looking up a sign-in link")?;
        if let Some(m) = member {
            return Ok(Some(LiveLink::Password(m)));
        }
        Ok(store
            .invitation_by_token(token.expose(), now)
            .await
            .context("looking up an invitation")?
            .map(LiveLink::Invitation))
    }

    /// The one-time link page of `token`.
    pub fn link_url(ctx: &crate::ssr::ServerContext, token: &domain::links::LinkToken) -> String {
        format!(
            "{}/welcome/{}",
            ctx.public_base_url.trim_end_matches('/'),
            token.expose()
        )
    }
}

/// The organization's members (admins).
#[server(endpoint = "members/list")]
pub async fn list_members() -> Result<MembersPage, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};

    let me = current_member().await?;
    require_admin(&me)?;
    let store = server_context()?.store;
    let members = store.members(me.org_id).await.context("listing members")?;
    let invitations = store
        .invitations(me.org_id, chrono::Utc::now())
        .await
        .context("listing invitations")?;
    Ok(MembersPage {
        invitations: invitations
            .into_iter()
            .map(|i| InvitationView {
                id: i.id.0,
                email: i.email,
                role: i.role,
                pending: format!(
                    "Invited; the one-time link works until {}",
                    server::when(i.expires_at)
                ),
            })
            .collect(),
        admins: members
            .iter()
            .filter(|m| m.role == domain::store::Role::Admin)
            .count(),
        members: members
            .into_iter()
            .map(|m| MemberView {
                id: m.id.0,
                is_me: m.id == me.id,
                email: m.email,
                role: m.role,
                added: server::when(m.created_at),
                pending: m.pending_link_until.map(|u| {
                    format!(
                        "Sign-in link not used yet; it works until {}",
                        server::when(u)
                    )
                }),
            })
            .collect(),
    })
}

/// Invites someone and returns the one-time link with which they join and choose their
/// password. The answer is the same whether or not the address signs in to another
/// organization: inviting reserves nothing and reveals nothing about other tenants.
#[server(endpoint = "members/add")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn add_member(email: String, role: String) -> Result<IssuedLink, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{audit_by, current_member, record, server_context};
    use domain::store::{AuditAction, StoreError};

    let me = current_member().await?;
    require_admin(&me)?;
    let role = server::parse_role(&role)?;
    let email = domain::auth::normalize_email(&email);
    let valid = domain::alerts::parse_emails(&email)
        .ok()
        .is_some_and(|list| list.len() == 1 && list[0] == email);
    if !valid || email.len() > 254 {
        return Err(AppError::Invalid(
            "Enter one email address, like name@example.com.".to_string(),
        ));
    }
    let ctx = server_context()?;
    let token = domain::links::LinkToken::generate();
    let until = chrono::Utc::now() + chrono::Duration::hours(INVITATION_HOURS);
    match ctx
        .store
        .create_invitation(me.org_id, &email, role, token.expose(), until)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict("a member with this email")) => {
            return Err(AppError::Invalid(format!(
                "{email} is already a member of this organization."
            )))
        }
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Invalid(format!(
                "{email} is already invited. Cancel that invitation below to send a new link."
            )))
        }
        Err(e) => return Err(AppError::internal("inviting a member", e)),
    }
    record(
        ctx.store.as_ref(),
        audit_by(&me, AuditAction::MemberAdded)
            .subject(email.clone())
            .detail(format!("invited as {}", role.as_str())),
    )
    .await;
    Ok(IssuedLink {
        message: format!(
            "{email} was invited as {}. Send them this link to join and choose their password; \
             it works once, until {}. It is shown only now.",
            role.as_str(),
            server::when(until)
        ),
        url: server::link_url(&ctx, &token),
    })
}

/// Withdraws an invitation not used yet: its link stops working.
#[server(endpoint = "members/cancel_invitation")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn cancel_invitation(id: i64) -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};

    let me = current_member().await?;
    require_admin(&me)?;
    let cancelled = server_context()?
        .store
        .cancel_invitation(me.org_id, domain::store::InvitationId(id))
        .await
        .context("cancelling an invitation")?;
    if cancelled {
        Ok("The invitation was cancelled; its link no longer works.".to_string())
    } else {
        Err(AppError::NotFound(
            "That invitation was not found (it may have been used or cancelled).".to_string(),
        ))
    }
}

#[server(endpoint = "members/role")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn change_role(id: i64, role: String) -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{audit_by, current_member, record, server_context};
    use domain::store::AuditAction;

    let me = current_member().await?;
    require_admin(&me)?;
    let role = server::parse_role(&role)?;
    let ctx = server_context()?;
    let target = server::member_of(ctx.store.as_ref(), &me, id).await?;
    if target.role == role {
        return Ok(format!("{} is already {}.", target.email, role.as_str()));
    }
    ctx.store
        .set_member_role(me.org_id, target.id, role)
        .await
        .map_err(|e| server::store_refusal(e, "changing a role"))?;
    record(
        ctx.store.as_ref(),
        audit_by(&me, AuditAction::RoleChanged)
            .subject(target.email.clone())
            .detail(format!("{} → {}", target.role.as_str(), role.as_str())),
    )
    .await;
    Ok(format!("{} is now {}.", target.email, role.as_str()))
}

#[server(endpoint = "members/remove")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn remove_member(id: i64) -> Result<String, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{audit_by, current_member, record, server_context};
    use domain::store::AuditAction;

    let me = current_member().await?;
    require_admin(&me)?;
    let ctx = server_context()?;
    let target = server::member_of(ctx.store.as_ref(), &me, id).await?;
    let removed = ctx
        .store
        .remove_member(me.org_id, target.id)
        .await
        .map_err(|e| server::store_refusal(e, "removing a member"))?;
    record(
        ctx.store.as_ref(),
        audit_by(&me, AuditAction::MemberRemoved)
            .subject(removed.email.clone())
            .detail(format!("was {}", removed.role.as_str())),
    )
    .await;
    if removed.id == me.id {
        leptos_axum::redirect("/login");
    }
    Ok(format!(
        "{} was removed and signed out everywhere.",
        removed.email
    ))
}

/// Issues a one-time link with which the member chooses a new password.
#[server(endpoint = "members/reset")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn reset_password(id: i64) -> Result<IssuedLink, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{audit_by, current_member, record, server_context};
    use domain::store::AuditAction;

    let me = current_member().await?;
    require_admin(&me)?;
    let ctx = server_context()?;
    let target = server::member_of(ctx.store.as_ref(), &me, id).await?;
    let (url, until) = server::issue_link(&ctx, &target, RESET_HOURS).await?;
    record(
        ctx.store.as_ref(),
        audit_by(&me, AuditAction::PasswordResetIssued).subject(target.email.clone()),
    )
    .await;
    Ok(IssuedLink {
        message: format!(
            "Send {} this link to choose a new password; it works once, until {}, and is \
             shown only now. Their current password keeps working until they use it.",
            target.email,
            server::when(until)
        ),
        url,
    })
}

/// Changes the signed-in member's own password; their other sessions end.
#[server(endpoint = "account/password")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<String, AppError> {
    use crate::ssr::{audit_by, current_member, record, server_context, AuthSession};
    use domain::store::AuditAction;

    let me = current_member().await?;
    let new = server::new_password(&password, &confirm)?;
    let ctx = server_context()?;
    let client = crate::ssr::client_address().await;
    // Guessing the current password here is throttled like signing in.
    let attempt = crate::throttle::begin(ctx.store.as_ref(), &me.email, client).await?;
    let checked = domain::auth::authenticate(
        ctx.store.as_ref(),
        &me.email,
        &domain::auth::Password::new(current),
    )
    .await;
    match checked {
        Ok(m) if m.id == me.id => crate::throttle::succeeded(ctx.store.as_ref(), attempt).await?,
        Ok(_) | Err(domain::auth::AuthError::InvalidCredentials) => {
            return Err(AppError::Invalid(
                "The current password is not right.".to_string(),
            ))
        }
        Err(e) => return Err(AppError::internal("checking a password", e)),
    }
    let hash = server::hash(&new).await?;
    let generation = ctx
        .store
        .set_member_password(me.org_id, me.id, &hash)
        .await
        .context("changing a password")?;
    let session = AuthSession::from_request().await?;
    session
        .keep(&domain::store::Member {
            session_generation: generation,
            ..me.clone()
        })
        .await?;
    record(
        ctx.store.as_ref(),
        audit_by(&me, AuditAction::PasswordChanged),
    )
    .await;
    Ok("Password changed. Every other session of yours was signed out.".to_string())
}

/// What a one-time link page shows. Opening it does not use the link up.
#[server(endpoint = "welcome/info")]
pub async fn sign_in_link_info(token: String) -> Result<LinkPage, AppError> {
    use crate::ssr::server_context;

    let Some(token) = domain::links::LinkToken::parse(&token) else {
        return Ok(LinkPage::Unusable);
    };
    let store = server_context()?.store;
    Ok(
        match server::live_link(store.as_ref(), &token, chrono::Utc::now()).await? {
            Some(server::LiveLink::Password(m)) => LinkPage::Valid {
                email: m.email,
                organization: m.org_name,
            },
            Some(server::LiveLink::Invitation(i)) => LinkPage::Valid {
                email: i.email,
                organization: i.org_name,
            },
            None => LinkPage::Unusable,
        },
    )
}

/// Chooses a password with a one-time link, uses the link up, and signs in.
#[server(endpoint = "welcome/use")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn use_sign_in_link(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::ssr::{audit_by, record, server_context, AuthSession};
    use domain::store::AuditAction;

    let unusable = || {
        AppError::Invalid(
            "This link has been used or has expired. Ask an admin of your organization for a \
             new one."
                .to_string(),
        )
    };
    let token = domain::links::LinkToken::parse(&token).ok_or_else(unusable)?;
    let new = server::new_password(&password, &confirm)?;
    let ctx = server_context()?;
    // The link is looked up before any hashing: an unknown or used token costs a lookup, not
    // an argon2 run. Using it up below still decides, atomically, who wins a race.
    let live = server::live_link(ctx.store.as_ref(), &token, chrono::Utc::now())
        .await?
        .ok_or_else(unusable)?;
    let hash = server::hash(&new).await?;
    let member = if let server::LiveLink::Password(_) = live {
        ctx.store
            .use_sign_in_link(token.expose(), chrono::Utc::now(), &hash)
            .await
            .context("using a sign-in link")?
            .ok_or_else(unusable)?
    } else {
        let accepted = ctx
            .store
            .accept_invitation(token.expose(), chrono::Utc::now(), &hash)
            .await
            .context("using an invitation")?
            .ok_or_else(unusable)?;
        match accepted {
            domain::store::AcceptedInvitation::Joined(member) => member,
            domain::store::AcceptedInvitation::EmailTaken(email) => {
                return Err(AppError::Invalid(format!(
                    "{email} already signs in to another organization on this dashboard, and \
                     an address belongs to one organization. Ask whoever invited you to invite \
                     another address."
                )))
            }
        }
    };
    AuthSession::from_request().await?.sign_in(&member).await?;
    record(
        ctx.store.as_ref(),
        audit_by(&member, AuditAction::SignInLinkUsed),
    )
    .await;
    leptos_axum::redirect("/");
    Ok(())
}
