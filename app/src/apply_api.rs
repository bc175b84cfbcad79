//! Server functions behind `/apply/{token}`, the public page a creator opens from their
//! application link. Reached by the token alone, the capability the creator was given; nothing
//! here knows who is signed in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What a creator reads when a link is not one we issued.
pub const UNKNOWN_LINK: &str = "This application link does not exist or is no longer valid.";

/// The public application page's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApplyState {
    /// The creator may review and submit.
    Open(ApplyDetails),
    /// Already submitted with this link.
    Submitted(ApplyDetails),
    /// Known link that no longer works (replaced, or the creator's row changed).
    Expired,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyDetails {
    pub name: String,
    pub campaign: String,
    pub coverage_start: Option<String>,
    pub coverage_end: Option<String>,
    pub work_state: Option<String>,
    pub coverage_types: Vec<String>,
    pub base_pay: Option<String>,
}

#[cfg(feature = "ssr")]
use crate::error::Context;

#[cfg(feature = "ssr")]
async fn apply_details(
    ctx: &crate::ssr::ServerContext,
    found: &domain::store::PublicLink,
) -> Result<ApplyDetails, AppError> {
    let c = &found.contractor;
    let settings = ctx
        .store
        .ciq_settings(c.org_id)
        .await
        .context("loading coverage settings")?;
    let coverage_types = settings
        .coverage_types
        .kinds()
        .iter()
        .map(|k| k.to_string())
        .collect();
    Ok(ApplyDetails {
        name: crate::contractors_api::server::display_name(&c.list_item()),
        campaign: crate::contractors_api::server::campaign_name(&c.list_item()),
        coverage_start: c.coverage_start.map(|d| d.format("%B %-d, %Y").to_string()),
        coverage_end: c.coverage_end.map(|d| d.format("%B %-d, %Y").to_string()),
        work_state: c.work_state.clone(),
        coverage_types,
        base_pay: c.base_pay_cents.map(crate::contractors_api::money),
    })
}

/// The application page's content. Reading it changes nothing: a link scanner or a preview that
/// fetches the page does not mark the link opened ([`apply_opened`] does, when the creator acts
/// on the page).
#[server(endpoint = "apply_info")]
pub async fn apply_info(token: String) -> Result<ApplyState, AppError> {
    use domain::links::{LinkState, LinkToken};

    let ctx = crate::ssr::server_context()?;
    let unknown = || AppError::NotFound(UNKNOWN_LINK.to_string());
    let token = LinkToken::parse(&token).ok_or_else(unknown)?;
    let found = ctx
        .store
        .link_by_token(&token)
        .await
        .context("looking up an application link")?
        .ok_or_else(unknown)?;
    if !found.link.is_current() || found.link.state == LinkState::Expired {
        return Ok(ApplyState::Expired);
    }
    let details = apply_details(&ctx, &found).await?;
    Ok(match found.link.state {
        LinkState::Submitted => ApplyState::Submitted(details),
        _ => ApplyState::Open(details),
    })
}

/// Whether `token` names a link that is still its row's current one.
#[cfg(feature = "ssr")]
async fn is_current_link(
    ctx: &crate::ssr::ServerContext,
    token: &domain::links::LinkToken,
) -> Result<bool, AppError> {
    Ok(ctx
        .store
        .link_by_token(token)
        .await
        .context("looking up an application link")?
        .is_some_and(|found| found.link.is_current()))
}

/// The creator acted on the application page (a click or a key): the link counts as opened.
/// Unknown and no-longer-current links are looked up first and never written.
#[server(endpoint = "apply_opened")]
pub async fn apply_opened(token: String) -> Result<(), AppError> {
    use domain::links::LinkToken;

    let ctx = crate::ssr::server_context()?;
    let Some(token) = LinkToken::parse(&token) else {
        return Ok(());
    };
    if is_current_link(&ctx, &token).await? {
        ctx.store
            .mark_link_opened(&token)
            .await
            .context("marking a link opened")?;
    }
    Ok(())
}

/// "Confirm and submit" on the application page.
#[server(endpoint = "apply_submit")]
pub async fn apply_submit(token: String) -> Result<(), AppError> {
    use domain::links::{LinkState, LinkToken};

    let ctx = crate::ssr::server_context()?;
    let expired = || {
        AppError::Invalid("This link has expired. Ask the team that sent it for a new one.".into())
    };
    let token = LinkToken::parse(&token).ok_or_else(expired)?;
    // Looked up first, so a guessed token never reaches a write.
    if !is_current_link(&ctx, &token).await? {
        return Err(expired());
    }
    let state = ctx
        .store
        .mark_link_submitted(&token)
        .await
        .context("submitting an application")?;
    match state {
        Some(LinkState::Submitted) => {
            tracing::info!("application submitted");
            Ok(())
        }
        _ => Err(expired()),
    }
}
