//! Members, the audit log and alerts.

words! {
    /// What a member may do.
    pub enum Role {
        /// May change settings.
        Admin = "admin", "Admin";
        /// Reads and re-syncs.
        Viewer = "viewer", "Viewer";
    }
}

words! {
    /// Every kind of consequential action the audit log records.
    pub enum AuditAction {
        SignIn = "sign_in", "Signed in";
        SignInFailed = "sign_in_failed", "Sign-in failed";
        SignOut = "sign_out", "Signed out";
        /// A one-time link was used to choose a password.
        SignInLinkUsed = "sign_in_link_used", "Used a one-time sign-in link";
        KeySaved = "key_saved", "CreatorIQ key saved";
        KeyRemoved = "key_removed", "CreatorIQ key removed";
        EnvironmentChanged = "environment_changed", "CreatorIQ environment changed";
        CoverageChanged = "coverage_changed", "Required coverage changed";
        /// The "Open in CreatorIQ" address was written, changed or removed.
        AppLinkChanged = "app_link_changed", "Open in CreatorIQ address changed";
        SubscriptionsChanged = "subscriptions_changed", "Webhook subscriptions changed";
        WebhookAddressReplaced = "webhook_address_replaced", "Webhook address replaced";
        ScheduleChanged = "schedule_changed", "Sync schedule changed";
        AlertsChanged = "alerts_changed", "Alert settings changed";
        SyncStarted = "sync_started", "Sync started";
        LinkRegenerated = "link_regenerated", "Application link regenerated";
        WebhookReprocessed = "webhook_reprocessed", "Webhook delivery reprocessed";
        MemberAdded = "member_added", "Member added";
        MemberRemoved = "member_removed", "Member removed";
        RoleChanged = "role_changed", "Role changed";
        PasswordResetIssued = "password_reset_issued", "Password reset link issued";
        PasswordChanged = "password_changed", "Password changed";
        Export = "export", "Exported";
        /// Application links sent to creators by a person (a bulk send is one entry).
        LinksSent = "links_sent", "Application links sent";
        OutreachChanged = "outreach_changed", "Message settings changed";
        /// An underwriter approved an application in manual review.
        ApplicationApproved = "application_approved", "Application approved";
        /// An underwriter declined an application in manual review.
        ApplicationDeclined = "application_declined", "Application declined";
        /// An admin cancelled a creator's cover before it started.
        CoverCancelled = "cover_cancelled", "Cover cancelled";
        /// Every certificate of a campaign downloaded as one ZIP.
        CertificatesDownloaded = "certificates_downloaded", "Certificates downloaded";
        /// An invoice emailed to whom it is addressed.
        InvoiceSent = "invoice_sent", "Invoice sent";
        /// The insurer's staff recorded an invoice's payment.
        InvoicePaid = "invoice_paid", "Invoice marked paid";
    }
}

words! {
    /// Something that, when it starts, is worth telling the organization about.
    pub enum AlertCondition {
        /// A sync run failed.
        RunFailed = "run_failed", "A sync run failed";
        /// CreatorIQ refused the organization's API key.
        KeyRefused = "key_refused", "CreatorIQ refused the API key";
        /// More rows need attention than before.
        AttentionRising = "attention_rising", "More rows need attention";
        /// Messages to creators could not be delivered.
        DeliveryFailed = "delivery_failed", "Messages to creators could not be delivered";
        /// A campaign starts soon (or has started) with creators not covered; kept per
        /// campaign, not in the conditions' table.
        CoverageDeadline = "coverage_deadline", "A campaign starts with creators not covered";
    }
}
