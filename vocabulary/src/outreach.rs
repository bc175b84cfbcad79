//! Reaching the creator: how a message travels, what it is, and where it is.

words! {
    /// How a message reaches the creator.
    pub enum Channel {
        /// Through the server's SMTP relay.
        Email = "email", "Email";
        /// As a CreatorIQ message, from the brand the creator already works with.
        Creatoriq = "creatoriq", "CreatorIQ message";
    }
}

words! {
    /// What a message is in a row's sequence.
    pub enum MessageKind {
        /// The first message with the application link.
        First = "first", "Application link";
        /// A reminder of the same link.
        Reminder = "reminder", "Reminder";
        /// The certificate of insurance, once the application issued cover.
        Certificate = "certificate", "Certificate of insurance";
    }
}

words! {
    /// Where a message is.
    pub enum MessageState {
        /// Waiting until it is due, then for a worker.
        Queued = "queued", "Queued";
        /// Claimed by a worker that is sending it.
        Sending = "sending", "Sending";
        /// Handed to the relay or to CreatorIQ.
        Sent = "sent", "Sent";
        /// Refused for good (the reason is kept with it).
        Failed = "failed", "Delivery failed";
        /// Not sent: the application was submitted, the link expired or was replaced, the row
        /// left Synced, or the creator asked for no more reminders.
        Cancelled = "cancelled", "Not needed";
    }
}

words! {
    /// Why a row's messages stop (queued ones are cancelled with it).
    pub enum StopReason {
        Submitted = "submitted", "Application submitted";
        LinkExpired = "link_expired", "Link expired";
        /// A new link restarts the sequence with its own first message.
        LinkReplaced = "link_replaced", "Link replaced";
        LeftSynced = "left_synced", "No longer synced";
        /// The creator used the "stop reminders" link.
        OptedOut = "opted_out", "Creator asked to stop";
        /// The creator holds a policy that covers this campaign already (a repeat creator).
        Covered = "covered", "Already covered by a policy";
        /// The cover the certificate was for was cancelled before it went.
        CoverCancelled = "cover_cancelled", "Cover cancelled";
    }
}

words! {
    /// Which channels an organization sends through.
    pub enum ChannelChoice {
        Email = "email", "Email";
        Creatoriq = "creatoriq", "CreatorIQ messages";
        Both = "both", "Email and CreatorIQ messages";
    }
}

impl ChannelChoice {
    /// The channels each message goes out on.
    pub fn channels(self) -> &'static [Channel] {
        match self {
            ChannelChoice::Email => &[Channel::Email],
            ChannelChoice::Creatoriq => &[Channel::Creatoriq],
            ChannelChoice::Both => &[Channel::Email, Channel::Creatoriq],
        }
    }

    /// Until an organization chooses: email when the server has a mail relay, otherwise
    /// CreatorIQ messages.
    pub fn default_for(has_mail_relay: bool) -> ChannelChoice {
        if has_mail_relay {
            ChannelChoice::Email
        } else {
            ChannelChoice::Creatoriq
        }
    }
}

words! {
    /// Where a row is in reaching its creator: the list's "Contact" filter and the overview's
    /// funnel steps (about the row's current link).
    pub enum ContactStep {
        /// Synced, and the link was never sent.
        NotSent = "not_sent", "Link not sent";
        /// The link was sent at least once.
        Sent = "sent", "Link sent";
        /// The creator opened the link.
        Opened = "opened", "Opened";
        /// The creator submitted the application.
        Submitted = "submitted", "Submitted";
        /// A queued message was not sent (submitted, replaced, opted out...) or the creator
        /// asked to stop.
        Stopped = "stopped", "Reminders stopped";
        /// A message could not be delivered.
        Failed = "failed", "Delivery failed";
    }
}
