//! Webhook deliveries: what checking one found, and where its processing is.

words! {
    /// What checking a delivery found: `Verified`, or why it was refused.
    pub enum Verification {
        Verified = "verified", "Verified";
        /// A signature header was present and did not match.
        BadSignature = "bad_signature", "Bad signature";
        /// Neither `X-Signature-SHA256` nor `X-Signature` was sent.
        Unsigned = "unsigned", "Unsigned";
        /// `x-timestamp` missing, unreadable, or too far from now.
        Stale = "stale", "Stale timestamp";
        /// A `requestId` already accepted for this organization.
        Replayed = "replayed", "Replay";
        /// Not a JSON envelope with a `requestId`.
        Malformed = "malformed", "Malformed";
        /// Larger than the body limit.
        Oversized = "oversized", "Too large";
        /// The organization has no CreatorIQ key to verify with.
        NoKey = "no_key", "No key to verify with";
    }
}

words! {
    /// Where a delivery is in its processing.
    pub enum DeliveryState {
        /// Waiting for a worker (new, or retrying after `next_attempt_at`).
        Queued = "queued", "Queued";
        /// Claimed by a worker.
        Processing = "processing", "Processing";
        /// Processed.
        Done = "done", "Processed";
        /// Verified, but not an event the dashboard acts on.
        Ignored = "ignored", "Ignored";
        /// Gave up after repeated failures (an admin can reprocess it).
        Failed = "failed", "Failed";
        /// Refused at the door; never processed.
        Rejected = "rejected", "Rejected";
    }
}
