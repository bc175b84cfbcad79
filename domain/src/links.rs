//! Application links: `{public base URL}/apply/{token}`, the page where a creator applies.
//!
//! Tokens are 256 random bits from the operating system's CSPRNG. They are stored as issued so
//! operators can copy a link again, so they are treated like passwords everywhere else: the
//! token type never prints itself, and nothing logs it.
//!
//! [`link_action`] is the pure rule deciding what a sync does with a row's link.

use std::fmt;

use base64::Engine;
use rand::RngCore;

use crate::store::ContractorStatus;
pub use vocabulary::{LinkState, RetireReason};

const TOKEN_BYTES: usize = 32;

/// An application link token. `Debug` is redacted; use [`LinkToken::expose`] to build the URL.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LinkToken(String);

impl LinkToken {
    /// A new token: 256 bits from the OS CSPRNG, URL-safe base64 without padding (43 chars).
    pub fn generate() -> LinkToken {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        LinkToken(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token as it arrives in a URL. Anything that cannot be one of ours is refused before it
    /// reaches the database.
    pub fn parse(raw: &str) -> Option<LinkToken> {
        let raw = raw.trim();
        let ok = (20..=128).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| LinkToken(raw.to_string()))
    }

    /// A token read back from storage.
    pub(crate) fn from_stored(raw: String) -> LinkToken {
        LinkToken(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The public URL of the application page.
    pub fn url(&self, public_base_url: &str) -> String {
        format!("{}/apply/{}", public_base_url.trim_end_matches('/'), self.0)
    }
}

impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken(••••)")
    }
}

/// What a sync does with a row's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    /// Leave the current link (or the absence of one) as it is.
    Keep,
    /// The row has no current link and needs one.
    Issue,
    /// Retire the current link and issue a new one.
    Replace(RetireReason),
    /// Retire the current link; the row gets none.
    Retire(RetireReason),
}

/// The current link's state and the coverage fingerprint it was issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentLink<'a> {
    pub state: LinkState,
    pub fingerprint: &'a str,
}

/// Decides the link of a row whose new status is `status`. `fingerprint` is the coverage
/// fingerprint of a `synced` row ([`crate::rules::coverage_fingerprint`]).
///
/// A `synced` row keeps its link while the fingerprint is unchanged (re-runs, name or email
/// edits) and gets a new one when it changes. `error` rows keep whatever they had: CreatorIQ
/// could not be read, which says nothing about the creator. Any other status retires the link.
pub fn link_action(
    current: Option<CurrentLink<'_>>,
    status: ContractorStatus,
    fingerprint: Option<&str>,
) -> LinkAction {
    let retire = |reason| match current {
        Some(_) => LinkAction::Retire(reason),
        None => LinkAction::Keep,
    };
    match status {
        ContractorStatus::Error => LinkAction::Keep,
        ContractorStatus::Synced => match (current, fingerprint) {
            (None, _) => LinkAction::Issue,
            (Some(link), Some(fp)) if link.fingerprint == fp => LinkAction::Keep,
            (Some(_), _) => LinkAction::Replace(RetireReason::CoverageChanged),
        },
        ContractorStatus::NeedsAttention => retire(RetireReason::NeedsAttention),
        ContractorStatus::Exempt => retire(RetireReason::Exempt),
        ContractorStatus::NotAccepted => retire(RetireReason::NotAccepted),
        ContractorStatus::Removed => retire(RetireReason::Removed),
    }
}

/// The state a retired link ends in: a submitted application stays submitted (it happened);
/// anything not yet submitted expires.
pub fn retired_state(state: LinkState) -> LinkState {
    match state {
        LinkState::Submitted => LinkState::Submitted,
        _ => LinkState::Expired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(fp: &str) -> Option<CurrentLink<'_>> {
        Some(CurrentLink {
            state: LinkState::Active,
            fingerprint: fp,
        })
    }

    #[test]
    fn tokens_are_long_random_and_redacted() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43);
        assert_eq!(format!("{a:?}"), "LinkToken(••••)");
        assert_eq!(LinkToken::parse(a.expose()), Some(a.clone()));
        assert_eq!(
            a.url("https://cover.example/"),
            format!("https://cover.example/apply/{}", a.expose())
        );
        for bad in [
            "",
            "short",
            "../../etc/passwd-aaaaaaaaaaaaa",
            "a b c d e f g h i j k l",
        ] {
            assert_eq!(LinkToken::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn synced_rows_keep_their_link_until_coverage_changes() {
        use ContractorStatus::*;
        assert_eq!(link_action(None, Synced, Some("a")), LinkAction::Issue);
        assert_eq!(link_action(link("a"), Synced, Some("a")), LinkAction::Keep);
        assert_eq!(
            link_action(link("a"), Synced, Some("b")),
            LinkAction::Replace(RetireReason::CoverageChanged)
        );
        let submitted = Some(CurrentLink {
            state: LinkState::Submitted,
            fingerprint: "a",
        });
        assert_eq!(link_action(submitted, Synced, Some("a")), LinkAction::Keep);
    }

    #[test]
    fn other_statuses_retire_and_errors_keep() {
        use ContractorStatus::*;
        assert_eq!(link_action(link("a"), Error, None), LinkAction::Keep);
        assert_eq!(link_action(None, Error, None), LinkAction::Keep);
        assert_eq!(
            link_action(link("a"), Removed, None),
            LinkAction::Retire(RetireReason::Removed)
        );
        assert_eq!(
            link_action(link("a"), NeedsAttention, None),
            LinkAction::Retire(RetireReason::NeedsAttention)
        );
        assert_eq!(link_action(None, NotAccepted, None), LinkAction::Keep);
        assert_eq!(
            link_action(link("a"), Exempt, None),
            LinkAction::Retire(RetireReason::Exempt)
        );
        assert_eq!(retired_state(LinkState::Opened), LinkState::Expired);
        assert_eq!(retired_state(LinkState::Submitted), LinkState::Submitted);
    }
}
