//! Sign-in throttling: after [`MAX_FAILURES_PER_EMAIL`] failed sign-ins for an email within
//! [`WINDOW`], further attempts for that email are refused for [`LOCKOUT`]; the same holds for a
//! client address after [`MAX_FAILURES_PER_ADDRESS`] failures. Failures are kept in the database
//! so the limit holds across server instances. Unknown emails are counted exactly like known
//! ones, so the answer never reveals whether an account exists.
//!
//! An attempt is counted before its password is checked ([`begin`]) and then counted again with
//! itself included, so parallel guesses cannot all pass the check before any failure is
//! recorded: each sees at least as many attempts as came before it. A successful sign-in
//! forgets its own attempt and clears the email's count.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use domain::auth::normalize_email;
use domain::store::Store;

use crate::error::{AppError, Context};

pub const MAX_FAILURES_PER_EMAIL: usize = 5;
/// Higher than the per-email limit: several people behind one office address should not lock
/// each other out with a few typos, while one address guessing across many emails still is.
pub const MAX_FAILURES_PER_ADDRESS: usize = 20;
pub const WINDOW: Duration = Duration::minutes(15);
pub const LOCKOUT: Duration = Duration::minutes(15);

fn email_subject(email: &str) -> String {
    format!("email:{}", normalize_email(email))
}

/// An IPv6 client is counted by its /64, the block one subscriber normally holds, so rotating
/// through its addresses does not escape the limit; an IPv4-mapped address counts as IPv4.
fn address_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("ip:{v4}"),
            None => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        IpAddr::V4(v4) => format!("ip:{v4}"),
    }
}

/// How long a subject stays locked, given its recent failures (newest first).
pub fn locked_for(
    failures: &[DateTime<Utc>],
    limit: usize,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if limit == 0 || failures.len() < limit {
        return None;
    }
    let newest = failures[0];
    let oldest = failures[limit - 1];
    if newest - oldest > WINDOW {
        return None;
    }
    let remaining = newest + LOCKOUT - now;
    (remaining > Duration::zero()).then_some(remaining)
}

/// "Try again in N minutes", rounded up.
pub fn refusal(remaining: Duration) -> AppError {
    let minutes = ((remaining.num_seconds() + 59) / 60).max(1);
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    AppError::Invalid(format!(
        "Too many failed sign-in attempts. Try again in {minutes} {unit}."
    ))
}

async fn lock_of(
    store: &dyn Store,
    subject: &str,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Option<Duration>, AppError> {
    let failures = store
        .recent_login_failures(subject, now - WINDOW - LOCKOUT, limit as u32)
        .await
        .context("reading sign-in failures")?;
    Ok(locked_for(&failures, limit, now))
}

/// Refuses the attempt while the email or the address is locked.
#[tracing::instrument(skip_all)]
pub async fn check(store: &dyn Store, email: &str, ip: Option<IpAddr>) -> Result<(), AppError> {
    let now = Utc::now();
    let mut longest = lock_of(store, &email_subject(email), MAX_FAILURES_PER_EMAIL, now).await?;
    if let Some(ip) = ip {
        let by_address =
            lock_of(store, &address_subject(ip), MAX_FAILURES_PER_ADDRESS, now).await?;
        longest = longest.max(by_address);
    }
    match longest {
        Some(remaining) => {
            tracing::warn!("sign-in refused: too many recent failures");
            Err(refusal(remaining))
        }
        None => Ok(()),
    }
}

/// An attempt counted against its email and address until it succeeds.
pub struct Attempt {
    subjects: Vec<String>,
    at: DateTime<Utc>,
}

/// Refuses the attempt while the email or the address is locked; otherwise counts it (as a
/// failure until it succeeds) and refuses it if, counted with every attempt recorded before it,
/// it is over a limit. Only an attempt that gets through may check the password.
#[tracing::instrument(skip_all)]
pub async fn begin(
    store: &dyn Store,
    email: &str,
    ip: Option<IpAddr>,
) -> Result<Attempt, AppError> {
    // An established lock refuses without counting, so retrying does not extend it.
    check(store, email, ip).await?;
    let mut subjects = vec![email_subject(email)];
    subjects.extend(ip.map(address_subject));
    let at = Utc::now();
    store
        .record_login_failure(&subjects, at)
        .await
        .context("recording a sign-in attempt")?;
    let mut longest = lock_of(store, &subjects[0], MAX_FAILURES_PER_EMAIL + 1, at).await?;
    if let Some(address) = subjects.get(1) {
        longest = longest.max(lock_of(store, address, MAX_FAILURES_PER_ADDRESS + 1, at).await?);
    }
    if let Some(remaining) = longest {
        tracing::warn!("sign-in refused: too many attempts at once");
        return Err(refusal(remaining));
    }
    Ok(Attempt { subjects, at })
}

/// A successful sign-in forgets its own attempt and clears the email's count (not the
/// address's: one good account must not reset the count of an address guessing at others).
#[tracing::instrument(skip_all)]
pub async fn succeeded(store: &dyn Store, attempt: Attempt) -> Result<(), AppError> {
    store
        .forget_login_attempt(&attempt.subjects, attempt.at)
        .await
        .context("forgetting a sign-in attempt")?;
    store
        .clear_login_failures(&attempt.subjects[0])
        .await
        .context("clearing sign-in failures")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn five_failures_in_fifteen_minutes_lock_for_fifteen_minutes() {
        let failures: Vec<_> = [12, 9, 6, 3, 0].into_iter().map(at).collect();
        assert_eq!(locked_for(&failures[..4], 5, at(12)), None);
        assert_eq!(
            locked_for(&failures, 5, at(12)),
            Some(Duration::minutes(15))
        );
        assert_eq!(locked_for(&failures, 5, at(26)), Some(Duration::minutes(1)));
        assert_eq!(locked_for(&failures, 5, at(27)), None);
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_lock() {
        let failures: Vec<_> = [20, 15, 10, 5, 0].into_iter().map(at).collect();
        assert_eq!(locked_for(&failures, 5, at(20)), None);
    }

    #[test]
    fn the_message_rounds_minutes_up() {
        let text = refusal(Duration::seconds(61)).to_string();
        assert_eq!(
            text,
            "Too many failed sign-in attempts. Try again in 2 minutes."
        );
        assert!(refusal(Duration::seconds(5))
            .to_string()
            .ends_with("in 1 minute."));
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_slash_64() {
        let subject = |s: &str| address_subject(s.parse().unwrap());
        assert_eq!(
            subject("2001:db8:1:2:aaaa::1"),
            subject("2001:db8:1:2:ffff:1:2:3")
        );
        assert_eq!(subject("2001:db8:1:2::9"), "ip:2001:db8:1:2::/64");
        assert_ne!(subject("2001:db8:1:2::1"), subject("2001:db8:1:3::1"));
        assert_eq!(subject("::ffff:192.0.2.1"), "ip:192.0.2.1");
        assert_eq!(subject("192.0.2.1"), "ip:192.0.2.1");
    }
}
