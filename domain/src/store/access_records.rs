//! What the store keeps about people and their actions: members as the Members page lists them,
//! one-time sign-in links, and the audit log.

use chrono::{DateTime, Utc};

use super::{Member, MemberId, OrgId, Role};
pub use vocabulary::{AuditAction, InvitationId};

/// A member as the Members page lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSummary {
    pub id: MemberId,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// An unused, unexpired one-time sign-in link exists (an invitation or a reset not yet
    /// taken up), until when.
    pub pending_link_until: Option<DateTime<Utc>>,
}

/// An invitation not used yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationSummary {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What an invitation link is for, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvitationInfo {
    pub email: String,
    pub org_name: String,
}

/// What using an invitation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AcceptedInvitation {
    /// The new member, signed up.
    Joined(Member),
    /// The address already signs in to another organization (one address, one
    /// organization); the invitation is used up.
    EmailTaken(String),
}

/// A one-time sign-in link taken up: whose it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsedSignInLink {
    pub member: MemberId,
    pub org_id: OrgId,
}

/// Who acted: a member, or the product itself on a schedule, a webhook or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub member: Option<MemberId>,
    /// The member's email at the time, or `schedule`, `webhook`, `command line`.
    pub name: String,
}

impl Actor {
    pub fn member(id: MemberId, email: &str) -> Actor {
        Actor {
            member: Some(id),
            name: email.to_string(),
        }
    }

    pub fn system(name: &str) -> Actor {
        Actor {
            member: None,
            name: name.to_string(),
        }
    }
}

/// An audit entry to append. `subject` names what was acted on (a member's email, a
/// contractor, a run); `detail` says how (old → new, how a sync was started). Never a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub org: OrgId,
    pub actor: Actor,
    pub action: AuditAction,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

impl NewAuditEvent {
    pub fn new(org: OrgId, actor: Actor, action: AuditAction) -> NewAuditEvent {
        NewAuditEvent {
            org,
            actor,
            action,
            subject: None,
            detail: None,
        }
    }

    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Appends `event` to its organization's audit log. The action it records has already happened,
/// so a failure to record is logged loudly rather than undoing it or failing the caller.
pub async fn record_audit_or_log(store: &dyn super::Store, event: NewAuditEvent) {
    if let Err(e) = store.record_audit(&event).await {
        tracing::error!(
            error = ?e,
            org = event.org.0,
            action = event.action.as_str(),
            "could not write an audit entry"
        );
    }
}

/// A stored audit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub action: AuditAction,
    pub subject: Option<String>,
    pub detail: Option<String>,
}

/// Which entries of the log to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub action: Option<AuditAction>,
    pub actor: Option<MemberId>,
    /// Entries older than this id (paging newest first).
    pub before: Option<i64>,
}
