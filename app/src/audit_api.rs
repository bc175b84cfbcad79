//! The audit log page: the organization's entries newest first (admins), filtered by action and
//! by member, paged backwards with `before`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;

pub const ENTRIES_PER_PAGE: u32 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    pub total: u64,
    /// `before` for the next (older) page.
    pub older: Option<i64>,
    /// Filter choices: (value, label).
    pub actions: Vec<(String, String)>,
    pub members: Vec<(i64, String)>,
}

/// The filters as they appear in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: Option<String>,
    pub member: Option<i64>,
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        let nonempty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        AuditQuery {
            action: nonempty("action"),
            member: nonempty("member").and_then(|v| v.parse().ok()),
            before: nonempty("before").and_then(|v| v.parse().ok()),
        }
    }

    /// `?action=…&member=…` without the page position, for links and the CSV export.
    pub fn filters_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = &self.action {
            parts.push(format!("action={a}"));
        }
        if let Some(m) = self.member {
            parts.push(format!("member={m}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[cfg(feature = "ssr")]
pub mod server {
    use domain::store::{AuditAction, AuditEvent, AuditFilter, MemberId};

    use super::{AuditEntryView, AuditQuery};
    use crate::error::AppError;

    /// The store's filter for `q`; an action that does not exist is refused in words.
    pub fn filter_of(q: &AuditQuery) -> Result<AuditFilter, AppError> {
        let action = match &q.action {
            Some(a) => Some(AuditAction::parse(a).ok_or_else(|| {
                AppError::Invalid("That action is not one the audit log records.".to_string())
            })?),
            None => None,
        };
        Ok(AuditFilter {
            action,
            actor: q.member.map(MemberId),
            before: q.before,
        })
    }

    pub fn view(e: &AuditEvent) -> AuditEntryView {
        AuditEntryView {
            id: e.id,
            at: e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor.name.clone(),
            action: e.action.as_str().to_string(),
            action_label: e.action.label().to_string(),
            subject: e.subject.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// One page of the log under the URL's filters (each argument optional, as in the URL).
#[server(endpoint = "audit/list")]
pub async fn list_audit(
    action: Option<String>,
    member: Option<i64>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    use crate::settings_api::require_admin;
    use crate::ssr::{current_member, server_context};
    use domain::store::AuditAction;

    let me = current_member().await?;
    require_admin(&me)?;
    let filter = server::filter_of(&AuditQuery {
        action,
        member,
        before,
    })?;
    let store = server_context()?.store;
    let (events, total) = store
        .audit_events(me.org_id, &filter, ENTRIES_PER_PAGE)
        .await
        .context("reading the audit log")?;
    let members = store.members(me.org_id).await.context("listing members")?;
    Ok(AuditPage {
        older: (events.len() == ENTRIES_PER_PAGE as usize)
            .then(|| events.last().map(|e| e.id))
            .flatten(),
        entries: events.iter().map(server::view).collect(),
        total,
        actions: AuditAction::ALL
            .into_iter()
            .map(|a| (a.as_str().to_string(), a.label().to_string()))
            .collect(),
        members: members.into_iter().map(|m| (m.id.0, m.email)).collect(),
    })
}
