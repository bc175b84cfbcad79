//! Sign-in, sign-out and "who am I" server functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the browser learns about the signed-in member: no hash, no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub email: String,
    pub organization: String,
    pub is_admin: bool,
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::ssr::{audit_by, record, server_context, AuthSession};
    use domain::auth::{authenticate, AuthError, Password};
    use domain::store::AuditAction;

    if email.trim().is_empty() || password.is_empty() {
        return Err(AppError::Invalid(
            "Enter your email and password.".to_owned(),
        ));
    }
    let ctx = server_context()?;
    let session = AuthSession::from_request().await?;
    let client = crate::ssr::client_address().await;
    let attempt = crate::throttle::begin(ctx.store.as_ref(), &email, client).await?;
    match authenticate(ctx.store.as_ref(), &email, &Password::new(password)).await {
        Ok(member) => {
            crate::throttle::succeeded(ctx.store.as_ref(), attempt).await?;
            session.sign_in(&member).await?;
            tracing::info!(member = member.id.0, "signed in");
            record(ctx.store.as_ref(), audit_by(&member, AuditAction::SignIn)).await;
            leptos_axum::redirect("/");
            Ok(())
        }
        // Already counted by `begin`.
        Err(AuthError::InvalidCredentials) => {
            audit_failure(ctx.store.as_ref(), &email).await;
            Err(AppError::InvalidCredentials)
        }
        Err(e) => Err(e.into()),
    }
}

/// A failed sign-in is recorded in the audit log of the organization whose member's email was
/// typed. A typed email that is no member's is recorded nowhere: it may be a password typed into
/// the wrong box.
#[cfg(feature = "ssr")]
async fn audit_failure(store: &dyn domain::store::Store, email: &str) {
    use domain::store::AuditAction;
    let email = domain::auth::normalize_email(email);
    let member = match store.member_credentials(&email).await {
        Ok(Some(c)) => store.member(c.id).await.ok().flatten(),
        _ => None,
    };
    if let Some(member) = member {
        crate::ssr::record(
            store,
            crate::ssr::audit_by(&member, AuditAction::SignInFailed).detail("wrong password"),
        )
        .await;
    }
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = crate::ssr::AuthSession::from_request().await?;
    if let Ok(member) = crate::ssr::current_member().await {
        let store = crate::ssr::server_context()?.store;
        crate::ssr::record(
            store.as_ref(),
            crate::ssr::audit_by(&member, domain::store::AuditAction::SignOut),
        )
        .await;
    }
    session.sign_out().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(endpoint = "me")]
pub async fn me() -> Result<MemberInfo, AppError> {
    let member = crate::ssr::current_member().await?;
    Ok(MemberInfo {
        email: member.email,
        organization: member.org_name,
        is_admin: member.role == domain::store::Role::Admin,
    })
}
