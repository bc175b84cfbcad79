//! When a link's reminders are due (so many days after its first message), and when they stop.

use chrono::{DateTime, Duration, Utc};

use crate::links::LinkState;
use crate::store::ContractorStatus;
pub use vocabulary::StopReason;

/// Days after the first message at which each reminder is due, ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    days: Vec<u32>,
}

/// Why a cadence cannot be saved, in words for the person editing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CadenceError {
    #[error("\"{0}\" is not a number of days. Write days after the first message, e.g. 2, 5, 9.")]
    NotANumber(String),
    #[error("Each reminder must come after the one before it (e.g. 2, 5, 9).")]
    NotAscending,
    #[error("{0} days is outside 1 to {max}.", max = Cadence::MAX_DAYS)]
    OutOfRange(u32),
    #[error("At most {max} reminders; {0} were given.", max = Cadence::MAX_REMINDERS)]
    TooMany(usize),
}

impl Default for Cadence {
    /// After 2, 5 and 9 days.
    fn default() -> Self {
        Cadence {
            days: vec![2, 5, 9],
        }
    }
}

impl Cadence {
    pub const MAX_REMINDERS: usize = 5;
    pub const MAX_DAYS: u32 = 60;

    /// `"2, 5, 9"`; an empty text means no reminders.
    pub fn parse(text: &str) -> Result<Cadence, CadenceError> {
        let mut days = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let d: u32 = item
                .parse()
                .map_err(|_| CadenceError::NotANumber(item.chars().take(20).collect()))?;
            if !(1..=Self::MAX_DAYS).contains(&d) {
                return Err(CadenceError::OutOfRange(d));
            }
            if days.last().is_some_and(|&last| d <= last) {
                return Err(CadenceError::NotAscending);
            }
            days.push(d);
        }
        if days.len() > Self::MAX_REMINDERS {
            return Err(CadenceError::TooMany(days.len()));
        }
        Ok(Cadence { days })
    }

    pub fn days(&self) -> &[u32] {
        &self.days
    }

    /// As it is written back into the form: `"2, 5, 9"`.
    pub fn to_text(&self) -> String {
        self.days
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// When reminder `n` (0-based) of a link whose first message went at `first_sent` is due;
    /// `None` past the last one.
    pub fn due(&self, first_sent: DateTime<Utc>, n: usize) -> Option<DateTime<Utc>> {
        self.days
            .get(n)
            .map(|d| first_sent + Duration::days(i64::from(*d)))
    }
}

/// Whether a row's messages stop, and why: the link was submitted or expired (or is no longer
/// the row's current one), the row left Synced, or the creator opted out.
pub fn stop_reason(
    row: ContractorStatus,
    link: LinkState,
    link_is_current: bool,
    opted_out: bool,
    covered: bool,
) -> Option<StopReason> {
    if opted_out {
        Some(StopReason::OptedOut)
    } else if covered && link != LinkState::Submitted {
        Some(StopReason::Covered)
    } else if link == LinkState::Submitted {
        Some(StopReason::Submitted)
    } else if !link_is_current {
        Some(StopReason::LinkReplaced)
    } else if link == LinkState::Expired {
        Some(StopReason::LinkExpired)
    } else if row != ContractorStatus::Synced {
        Some(StopReason::LeftSynced)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn reminders_fall_due_days_after_the_first_message() {
        let sent = Utc.with_ymd_and_hms(2030, 5, 1, 9, 30, 0).unwrap();
        let c = Cadence::default();
        assert_eq!(c.to_text(), "2, 5, 9");
        let due: Vec<_> = (0..4).map(|n| c.due(sent, n)).collect();
        assert_eq!(
            due,
            [
                Some(Utc.with_ymd_and_hms(2030, 5, 3, 9, 30, 0).unwrap()),
                Some(Utc.with_ymd_and_hms(2030, 5, 6, 9, 30, 0).unwrap()),
                Some(Utc.with_ymd_and_hms(2030, 5, 10, 9, 30, 0).unwrap()),
                None,
            ]
        );
        assert_eq!(Cadence::parse("").unwrap().due(sent, 0), None);
    }

    #[test]
    fn a_cadence_is_checked_when_saved() {
        assert_eq!(Cadence::parse(" 2,3 , 10 ").unwrap().days(), [2, 3, 10]);
        assert_eq!(
            Cadence::parse("2, five").unwrap_err(),
            CadenceError::NotANumber("five".into())
        );
        assert_eq!(
            Cadence::parse("5, 2").unwrap_err(),
            CadenceError::NotAscending
        );
        assert_eq!(
            Cadence::parse("2, 2").unwrap_err(),
            CadenceError::NotAscending
        );
        assert_eq!(
            Cadence::parse("0").unwrap_err(),
            CadenceError::OutOfRange(0)
        );
        assert_eq!(
            Cadence::parse("90").unwrap_err(),
            CadenceError::OutOfRange(90)
        );
        assert_eq!(
            Cadence::parse("1,2,3,4,5,6").unwrap_err(),
            CadenceError::TooMany(6)
        );
        assert!(Cadence::parse("5, 2")
            .unwrap_err()
            .to_string()
            .contains("after the one before"));
    }

    #[test]
    fn reminders_stop_for_each_documented_reason() {
        use ContractorStatus::*;
        let live = (Synced, LinkState::Opened, true, false);
        let stop = |(row, link, current, opted): (ContractorStatus, LinkState, bool, bool)| {
            stop_reason(row, link, current, opted, false)
        };
        assert_eq!(stop(live), None);
        assert_eq!(stop((Synced, LinkState::Active, true, false)), None);
        assert_eq!(
            stop((Synced, LinkState::Submitted, true, false)),
            Some(StopReason::Submitted)
        );
        assert_eq!(
            stop((Synced, LinkState::Expired, true, false)),
            Some(StopReason::LinkExpired)
        );
        assert_eq!(
            stop((Synced, LinkState::Expired, false, false)),
            Some(StopReason::LinkReplaced)
        );
        assert_eq!(
            stop((NeedsAttention, LinkState::Active, true, false)),
            Some(StopReason::LeftSynced)
        );
        assert_eq!(
            stop_reason(Synced, LinkState::Active, true, false, true),
            Some(StopReason::Covered),
            "a repeat creator's link is not sent"
        );
        assert_eq!(
            stop((Synced, LinkState::Active, true, true)),
            Some(StopReason::OptedOut)
        );
    }
}
