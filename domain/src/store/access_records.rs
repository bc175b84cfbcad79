//! What the store keeps about people and their actions: members as the Members page lists them,
//! one-time sign-in links, and the audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Member, MemberId, OrgId, Role};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvitationId(pub i64);

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

/// Every kind of consequential action the audit log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignInFailed,
    SignOut,
    /// A one-time link was used to choose a password.
    SignInLinkUsed,
    KeySaved,
    KeyRemoved,
    EnvironmentChanged,
    CoverageChanged,
    SubscriptionsChanged,
    WebhookAddressReplaced,
    ScheduleChanged,
    AlertsChanged,
    SyncStarted,
    LinkRegenerated,
    WebhookReprocessed,
    MemberAdded,
    MemberRemoved,
    RoleChanged,
    PasswordResetIssued,
    PasswordChanged,
    Export,
}

impl AuditAction {
    pub const ALL: [AuditAction; 21] = [
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::SignOut,
        AuditAction::SignInLinkUsed,
        AuditAction::KeySaved,
        AuditAction::KeyRemoved,
        AuditAction::EnvironmentChanged,
        AuditAction::CoverageChanged,
        AuditAction::SubscriptionsChanged,
        AuditAction::WebhookAddressReplaced,
        AuditAction::ScheduleChanged,
        AuditAction::AlertsChanged,
        AuditAction::SyncStarted,
        AuditAction::LinkRegenerated,
        AuditAction::WebhookReprocessed,
        AuditAction::MemberAdded,
        AuditAction::MemberRemoved,
        AuditAction::RoleChanged,
        AuditAction::PasswordResetIssued,
        AuditAction::PasswordChanged,
        AuditAction::Export,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::SignOut => "sign_out",
            AuditAction::SignInLinkUsed => "sign_in_link_used",
            AuditAction::KeySaved => "key_saved",
            AuditAction::KeyRemoved => "key_removed",
            AuditAction::EnvironmentChanged => "environment_changed",
            AuditAction::CoverageChanged => "coverage_changed",
            AuditAction::SubscriptionsChanged => "subscriptions_changed",
            AuditAction::WebhookAddressReplaced => "webhook_address_replaced",
            AuditAction::ScheduleChanged => "schedule_changed",
            AuditAction::AlertsChanged => "alerts_changed",
            AuditAction::SyncStarted => "sync_started",
            AuditAction::LinkRegenerated => "link_regenerated",
            AuditAction::WebhookReprocessed => "webhook_reprocessed",
            AuditAction::MemberAdded => "member_added",
            AuditAction::MemberRemoved => "member_removed",
            AuditAction::RoleChanged => "role_changed",
            AuditAction::PasswordResetIssued => "password_reset_issued",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::Export => "export",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// How the audit page names it.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SignIn => "Signed in",
            AuditAction::SignInFailed => "Sign-in failed",
            AuditAction::SignOut => "Signed out",
            AuditAction::SignInLinkUsed => "Used a one-time sign-in link",
            AuditAction::KeySaved => "CreatorIQ key saved",
            AuditAction::KeyRemoved => "CreatorIQ key removed",
            AuditAction::EnvironmentChanged => "CreatorIQ environment changed",
            AuditAction::CoverageChanged => "Required coverage changed",
            AuditAction::SubscriptionsChanged => "Webhook subscriptions changed",
            AuditAction::WebhookAddressReplaced => "Webhook address replaced",
            AuditAction::ScheduleChanged => "Sync schedule changed",
            AuditAction::AlertsChanged => "Alert settings changed",
            AuditAction::SyncStarted => "Sync started",
            AuditAction::LinkRegenerated => "Application link regenerated",
            AuditAction::WebhookReprocessed => "Webhook delivery reprocessed",
            AuditAction::MemberAdded => "Member added",
            AuditAction::MemberRemoved => "Member removed",
            AuditAction::RoleChanged => "Role changed",
            AuditAction::PasswordResetIssued => "Password reset link issued",
            AuditAction::PasswordChanged => "Password changed",
            AuditAction::Export => "Exported",
        }
    }
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
