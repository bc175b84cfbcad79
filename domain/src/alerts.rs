//! Failure alerts: when a run fails, CreatorIQ refuses the key, or more rows need attention
//! than before, the organization is told by email (SMTP, through `lettre`) and/or a
//! Slack-compatible webhook (`{"text": ...}`). One alert per condition until it clears: the
//! decision is [`evaluate`], a pure function of the stored condition states and what a run
//! found; sending is [`Notifier`].
//!
//! Alert texts carry counts, run numbers and CreatorIQ's answer in words: never a key, a link
//! token or the webhook URL itself (such URLs carry their own secret and are stored sealed).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use crate::store::{AlertCondition, AlertState, OrgId, SyncRunId};

/// How long one channel may take to accept an alert.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Test alerts an organization may send at once before it must wait (one a minute after).
pub const TEST_ALERT_BURST: u32 = 3;
/// Email recipients per organization.
pub const MAX_EMAILS: usize = 10;

/// How the server reaches its SMTP relay. Its `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `CreatorIQ Cover <alerts@cover.example.com>`.
    pub from: String,
    pub tls: SmtpTls,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "••••"))
            .field("from", &self.from)
            .field("tls", &self.tls)
            .finish()
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// STARTTLS required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain text: only for a relay on the same host or network (and tests).
    None,
}

impl SmtpTls {
    pub fn parse(s: &str) -> Option<SmtpTls> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Some(SmtpTls::StartTls),
            "tls" => Some(SmtpTls::Tls),
            "none" => Some(SmtpTls::None),
            _ => None,
        }
    }
}

/// The server's alert settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertConfig {
    /// `None`: email alerts are not available on this server.
    pub smtp: Option<SmtpConfig>,
    /// Hosts (`host:port`) alert webhooks may be posted to over plain http, e.g. a relay on the
    /// same network; every other alert webhook must be https.
    pub http_hosts: Vec<String>,
}

/// One alert to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    pub condition: Option<AlertCondition>,
    pub subject: String,
    pub text: String,
}

/// What a finished run found, as far as alerts are concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunObservation {
    pub run_id: SyncRunId,
    /// The run failed as a whole.
    pub failed: bool,
    /// CreatorIQ refused the key (401 or 403).
    pub key_refused: bool,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// Rows of the organization needing attention after the run.
    pub needs_attention: u64,
}

/// Decides, from the stored states and a run's outcome, each condition's new state and the
/// alerts to send: a condition alerts when it becomes active and not again until it cleared.
///
/// - Key refused: active while runs are refused; clears when a run gets through.
/// - Run failed (for another reason): active while runs fail; clears when one does not.
/// - Needs attention rising: becomes active when the count is higher than after the previous
///   run (that count kept as the baseline, for the message); a run that rises further while it
///   is active says nothing new; it clears at the first run that does not rise. A failed run
///   says nothing about the count.
pub fn evaluate(
    states: &[(AlertCondition, AlertState)],
    run: &RunObservation,
    organization: &str,
    dashboard_url: &str,
) -> (Vec<(AlertCondition, AlertState)>, Vec<Alert>) {
    let base = dashboard_url.trim_end_matches('/');
    let run_link = format!("{base}/sync-runs/{}", run.run_id.0);
    let mut changes = Vec::new();
    let mut alerts = Vec::new();
    for &(condition, state) in states {
        let mut next = state;
        let mut raise = None;
        match condition {
            AlertCondition::KeyRefused => {
                if run.key_refused {
                    next.active = true;
                    raise = Some(Alert {
                        condition: Some(condition),
                        subject: format!("{organization}: CreatorIQ refused the API key"),
                        text: format!(
                            "CreatorIQ refused {organization}'s API key in sync run #{}, so \
                             nothing syncs until an admin enters a working key in Settings \
                             ({base}/settings). {}",
                            run.run_id.0,
                            run.error.as_deref().unwrap_or_default()
                        ),
                    });
                } else if !run.failed {
                    next.active = false;
                }
            }
            AlertCondition::RunFailed => {
                if run.failed && !run.key_refused {
                    next.active = true;
                    raise = Some(Alert {
                        condition: Some(condition),
                        subject: format!("{organization}: sync run #{} failed", run.run_id.0),
                        text: format!(
                            "Sync run #{} of {organization} failed: {} Details: {run_link}",
                            run.run_id.0,
                            run.error.as_deref().unwrap_or("no reason was recorded.")
                        ),
                    });
                } else if !run.failed {
                    next.active = false;
                }
            }
            AlertCondition::AttentionRising => {
                if !run.failed {
                    let now = run.needs_attention;
                    if !state.active && now > state.last_value {
                        next.active = true;
                        next.baseline = state.last_value;
                        raise = Some(Alert {
                            condition: Some(condition),
                            subject: format!(
                                "{organization}: {now} rows need attention (was {})",
                                state.last_value
                            ),
                            text: format!(
                                "After sync run #{}, {now} of {organization}'s contractor rows \
                                 need something fixed in CreatorIQ (there were {}). See what to \
                                 fix: {base}/contractors?status=needs_attention",
                                run.run_id.0, state.last_value
                            ),
                        });
                    } else if state.active && now <= state.last_value {
                        next.active = false;
                    }
                    next.last_value = now;
                }
            }
            // Not about runs: see [`evaluate_deliveries`].
            AlertCondition::DeliveryFailed | AlertCondition::CoverageDeadline => {}
        }
        if let Some(alert) = raise.filter(|_| !state.active) {
            alerts.push(alert);
        }
        if next != state {
            changes.push((condition, next));
        }
    }
    (changes, alerts)
}

/// After the message worker's pass over an organization's messages: `failed` of them could not
/// be delivered for good, `sent` went. The condition alerts when failures start and not again
/// until a pass sends without any failing.
pub fn evaluate_deliveries(
    state: AlertState,
    sent: u64,
    failed: u64,
    organization: &str,
    dashboard_url: &str,
) -> (AlertState, Option<Alert>) {
    let base = dashboard_url.trim_end_matches('/');
    let mut next = state;
    let mut alert = None;
    if failed > 0 {
        next.active = true;
        next.last_value = state.last_value + failed;
        if !state.active {
            alert = Some(Alert {
                condition: Some(AlertCondition::DeliveryFailed),
                subject: format!(
                    "{organization}: {failed} message{} to creators could not be delivered",
                    if failed == 1 { "" } else { "s" }
                ),
                text: format!(
                    "{failed} message{} with an application link could not be delivered. Each                      contractor's page says why (for example an address the mail server                      refused): {base}/contractors?contact=failed",
                    if failed == 1 { "" } else { "s" }
                ),
            });
        }
    } else if sent > 0 {
        next.active = false;
    }
    (next, alert)
}

/// Reads the recipients typed on Settings: addresses separated by commas, semicolons or new
/// lines; at most [`MAX_EMAILS`].
pub fn parse_emails(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let mailbox: Mailbox = part
            .parse()
            .map_err(|_| format!("“{}” is not an email address.", shorten(part)))?;
        let email = mailbox.email.to_string();
        if !out.contains(&email) {
            out.push(email);
        }
    }
    if out.len() > MAX_EMAILS {
        return Err(format!("Up to {MAX_EMAILS} email addresses, please."));
    }
    Ok(out)
}

/// Checks an alert webhook URL: https, or http to one of `http_hosts`; no credentials.
/// Returns the URL and what Settings shows of it (scheme and host).
pub fn check_webhook_url(text: &str, http_hosts: &[String]) -> Result<(Url, String), String> {
    let url = Url::parse(text.trim()).map_err(|_| {
        "That is not a URL. Paste the incoming-webhook URL from Slack (or a compatible \
         service); it starts with https://."
            .to_string()
    })?;
    let host = url.host_str().unwrap_or_default().to_string();
    if host.is_empty() || !url.username().is_empty() || url.password().is_some() {
        return Err("The alert webhook URL needs a host and no user name or password.".into());
    }
    let host_port = format!("{host}:{}", url.port_or_known_default().unwrap_or(0));
    if let Some(ip) = literal_ip(&url) {
        if is_internal_address(ip) && !http_hosts.contains(&host_port) {
            return Err(INTERNAL_REFUSAL.to_string());
        }
    }
    match url.scheme() {
        "https" => {}
        "http" if http_hosts.contains(&host_port) => {}
        _ => {
            return Err(
                "The alert webhook URL must start with https:// so the alert is encrypted on \
                 its way."
                    .into(),
            )
        }
    }
    let shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    Ok((url, shown))
}

/// Why an alert webhook may not go where it points, in words for Settings.
const INTERNAL_REFUSAL: &str = "The alert webhook URL points at this server or a private \
     network, which alerts may not reach. Use the service's public https:// address (the \
     server's operator can allow a relay on the same network with ALERT_HTTP_HOSTS).";

/// Why an alert was not posted to an internal address, in words for Settings.
const INTERNAL_ANSWER: &str =
    "its address is on this server or a private network, which alerts may not reach";

/// Whether `err` or anything in its chain of causes is an `E`.
fn caused_by<E: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.is::<E>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether an alert webhook must not reach `ip`: this machine (loopback, unspecified) or a
/// network that is not the internet (private, shared, link-local, unique-local, multicast).
pub fn is_internal_address(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                // 100.64.0.0/10, carrier-grade NAT.
                || (a == 100 && (b & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique-local, fe80::/10 link-local.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The URL's host when it is an address rather than a name.
fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// A name that resolved to internal addresses only.
#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to addresses alerts may not reach")]
struct InternalOnly(String);

/// Resolves alert webhook hosts and keeps only the addresses alerts may reach. The HTTP client
/// connects to exactly what this returns, so a name that answers differently on the second
/// lookup (DNS rebinding) is checked at connect time all the same.
struct PublicAddressesOnly {
    /// Host names (from `ALERT_HTTP_HOSTS`) that may resolve to internal addresses.
    allowed: Arc<[String]>,
}

impl reqwest::dns::Resolve for PublicAddressesOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.allowed.iter().any(|h| h.eq_ignore_ascii_case(&host));
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allowed || !is_internal_address(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(
                    Box::new(InternalOnly(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

fn shorten(s: &str) -> String {
    let short: String = s.chars().take(60).collect();
    if short.len() < s.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Where one alert goes.
#[derive(Clone, Debug, Default)]
pub struct Recipients {
    pub emails: Vec<String>,
    pub webhook_url: Option<Url>,
}

/// How sending to one channel went, in words for Settings ("Send test alert").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// "email to a@example.com" or "webhook at https://hooks.slack.com".
    pub channel: String,
    pub result: Result<(), String>,
}

/// Why an email did not go out, in operator words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailFailure {
    /// Worth trying again later.
    Temporary(String),
    /// Refused for good.
    Permanent(String),
}

/// Sends alerts. One per server; cheap to share.
pub struct Notifier {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
    config: AlertConfig,
    /// "Send test alert" per organization: a few at once, then one a minute.
    test_sends: governor::DefaultKeyedRateLimiter<OrgId>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("email", &self.smtp.is_some())
            .finish_non_exhaustive()
    }
}

impl Notifier {
    pub fn new(config: AlertConfig) -> Result<Notifier, String> {
        let smtp = match &config.smtp {
            None => None,
            Some(c) => {
                let from: Mailbox = c
                    .from
                    .parse()
                    .map_err(|_| format!("SMTP_FROM {:?} is not an email address", c.from))?;
                let builder = match c.tls {
                    SmtpTls::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host)
                            .map_err(|e| format!("SMTP host {:?}: {e}", c.host))?
                    }
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host)
                        .map_err(|e| format!("SMTP host {:?}: {e}", c.host))?,
                    SmtpTls::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host)
                    }
                };
                let mut builder = builder.port(c.port).timeout(Some(SEND_TIMEOUT));
                if let (Some(user), Some(password)) = (&c.username, &c.password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Some((builder.build(), from))
            }
        };
        let allowed: Arc<[String]> = config
            .http_hosts
            .iter()
            .map(|h| {
                h.rsplit_once(':')
                    .map_or(h.as_str(), |(host, _)| host)
                    .to_string()
            })
            .collect();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(SEND_TIMEOUT)
            .dns_resolver(Arc::new(PublicAddressesOnly { allowed }))
            .build()
            .map_err(|e| format!("building the alert HTTP client: {e}"))?;
        let test_sends = governor::RateLimiter::keyed(
            governor::Quota::per_minute(std::num::NonZeroU32::MIN).allow_burst(
                std::num::NonZeroU32::new(TEST_ALERT_BURST).unwrap_or(std::num::NonZeroU32::MIN),
            ),
        );
        Ok(Notifier {
            smtp,
            http,
            config,
            test_sends,
        })
    }

    /// Whether the organization may send a test alert now ([`TEST_ALERT_BURST`] at once, then
    /// one a minute): a test reaches real inboxes and channels, and an admin's button must not
    /// become a way to flood them.
    pub fn allow_test_alert(&self, org: OrgId) -> bool {
        self.test_sends.check_key(&org).is_ok()
    }

    /// Whether this server can send email alerts.
    pub fn email_available(&self) -> bool {
        self.smtp.is_some()
    }

    pub fn config(&self) -> &AlertConfig {
        &self.config
    }

    /// The relay's sending address (`SMTP_FROM`), when the server has a relay.
    pub fn mail_from(&self) -> Option<String> {
        self.smtp.as_ref().map(|(_, from)| from.email.to_string())
    }

    /// Sends one email through the relay. A refusal for good (an SMTP 5xx, e.g. an unknown
    /// recipient) is [`MailFailure::Permanent`]; a 4xx, a connection that failed or timed out
    /// is [`MailFailure::Temporary`].
    pub async fn send_email(&self, message: Message) -> Result<(), MailFailure> {
        let Some((transport, _)) = &self.smtp else {
            return Err(MailFailure::Permanent(
                "this server has no SMTP relay, so it cannot send email; choose CreatorIQ \
                 messages on Settings"
                    .into(),
            ));
        };
        transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                MailFailure::Permanent(format!("the mail server refused it: {e}"))
            } else {
                MailFailure::Temporary(format!("the mail server could not take it now: {e}"))
            }
        })
    }

    /// Sends one alert to every recipient; a failure of one channel does not stop the others.
    pub async fn send(&self, to: &Recipients, alert: &Alert) -> Vec<SendOutcome> {
        let mut outcomes = Vec::new();
        if !to.emails.is_empty() {
            let channel = format!("email to {}", to.emails.join(", "));
            let result = match &self.smtp {
                None => Err("this server has no SMTP settings, so it cannot send email".into()),
                Some((transport, from)) => self.email(transport, from, &to.emails, alert).await,
            };
            outcomes.push(SendOutcome { channel, result });
        }
        if let Some(url) = &to.webhook_url {
            let channel = format!(
                "webhook at {}://{}",
                url.scheme(),
                url.host_str().unwrap_or_default()
            );
            let result = self.post(url, alert).await;
            outcomes.push(SendOutcome { channel, result });
        }
        for o in &outcomes {
            if let Err(why) = &o.result {
                tracing::warn!(channel = %o.channel, error = %why, "an alert was not delivered");
            }
        }
        outcomes
    }

    async fn email(
        &self,
        transport: &AsyncSmtpTransport<Tokio1Executor>,
        from: &Mailbox,
        emails: &[String],
        alert: &Alert,
    ) -> Result<(), String> {
        let mut message = Message::builder()
            .from(from.clone())
            .subject(alert.subject.clone());
        for e in emails {
            let to: Mailbox = e
                .parse()
                .map_err(|_| format!("{e:?} is not an email address"))?;
            message = message.to(to);
        }
        let message = message
            .header(lettre::message::header::ContentType::TEXT_PLAIN)
            .body(alert.text.clone())
            .map_err(|e| format!("could not build the email: {e}"))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP server did not accept it: {e}"))
    }

    async fn post(&self, url: &Url, alert: &Alert) -> Result<(), String> {
        // An address in the URL is not resolved, so it is checked here; names are checked by
        // the resolver, at connect time.
        if let Some(ip) = literal_ip(url) {
            let host_port = format!("{ip}:{}", url.port_or_known_default().unwrap_or(0));
            let host_port_shown = format!(
                "{}:{}",
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or(0)
            );
            let allowed = self.config.http_hosts.contains(&host_port)
                || self.config.http_hosts.contains(&host_port_shown);
            if is_internal_address(ip) && !allowed {
                return Err(INTERNAL_ANSWER.to_string());
            }
        }
        let body = serde_json::json!({ "text": format!("*{}*\n{}", alert.subject, alert.text) });
        let answer = self
            .http
            .post(url.clone())
            .json(&body)
            .send()
            .await
            // Without the URL: it carries the webhook's secret.
            .map_err(|e| {
                if e.is_timeout() {
                    "no answer within 10 seconds".to_string()
                } else if caused_by::<InternalOnly>(&e) {
                    INTERNAL_ANSWER.to_string()
                } else {
                    "could not connect".to_string()
                }
            })?;
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(format!("it answered HTTP {}", answer.status().as_u16()))
        }
    }
}

/// Whether a campaign's coverage deadline alert stands on `today`: it starts within
/// `lead_days` (or has started and not ended) and some of its creators are not covered.
pub fn deadline_holds(
    c: &crate::store::CampaignCover,
    today: chrono::NaiveDate,
    lead_days: u32,
) -> bool {
    let Some(starts_on) = c.starts_on else {
        return false;
    };
    let warn_from = starts_on - chrono::Days::new(u64::from(lead_days));
    c.covered < c.creators && today >= warn_from && c.ends_on.is_none_or(|end| today <= end)
}

/// What an uncovered creator is waiting for, in a few words: the first of needs attention in
/// CreatorIQ, no link, declined, manual review, mid-application, link not sent, not opened,
/// opened but not started; or what happened to their cover.
pub fn waiting_for(
    row: &crate::store::ContractorListRow,
    contact: Option<&crate::store::ContactSummary>,
    today: chrono::NaiveDate,
) -> String {
    use crate::store::ContractorStatus;
    use vocabulary::{ApplicationState, CoverState, LinkState};
    let c = &row.contractor;
    match c.cover_reading(today).state {
        CoverState::Gap => return "coverage gap: CreatorIQ moved the dates".to_string(),
        CoverState::Cancelled => return "cover cancelled".to_string(),
        _ => {}
    }
    if matches!(
        c.status,
        ContractorStatus::NeedsAttention | ContractorStatus::Error
    ) {
        let what = c
            .failures
            .first()
            .map(|f| f.code.label().to_lowercase())
            .or_else(|| {
                c.error
                    .as_ref()
                    .map(|_| "CreatorIQ could not be read".to_string())
            })
            .unwrap_or_else(|| "a problem".to_string());
        return format!("needs attention in CreatorIQ: {what}");
    }
    let Some(link) = &row.link else {
        return "no application link yet".to_string();
    };
    match row.application {
        Some(ApplicationState::Declined) => return "declined by an underwriter".to_string(),
        Some(ApplicationState::ManualReview) => return "in manual review".to_string(),
        Some(ApplicationState::InProgress) => {
            return match row.application_step {
                Some(step) => format!("mid-application ({})", step.label().to_lowercase()),
                None => "mid-application".to_string(),
            }
        }
        _ => {}
    }
    let sent = contact.is_some_and(|s| s.sent > 0);
    match link.state {
        LinkState::Active if !sent => "link not sent".to_string(),
        LinkState::Active => "link sent, not opened".to_string(),
        LinkState::Opened => "opened the link, not started".to_string(),
        _ => "waiting for the application".to_string(),
    }
}

/// The coverage deadline alert for one campaign: when it starts, how many creators are not
/// covered, and each with what they are waiting for (`waiting`: name and words, at most as
/// many as were read).
pub fn deadline_alert(
    organization: &str,
    campaign: &str,
    campaign_id: i64,
    starts_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
    uncovered: u64,
    waiting: &[(String, String)],
    dashboard_url: &str,
) -> Alert {
    let base = dashboard_url.trim_end_matches('/');
    let days = (starts_on - today).num_days();
    let when = match days {
        d if d < 0 => format!("started {} day{} ago", -d, if d == -1 { "" } else { "s" }),
        0 => "starts today".to_string(),
        1 => "starts tomorrow".to_string(),
        d => format!("starts in {d} days"),
    };
    let creators = if uncovered == 1 {
        "1 of its creators is".to_string()
    } else {
        format!("{uncovered} of its creators are")
    };
    let mut text = format!(
        "{campaign} {when} ({}) and {creators} not covered.\n",
        crate::cover::long_date(starts_on)
    );
    for (name, why) in waiting {
        text.push_str(&format!("- {name}: {why}\n"));
    }
    if (waiting.len() as u64) < uncovered {
        text.push_str(&format!(
            "- and {} more\n",
            uncovered - waiting.len() as u64
        ));
    }
    text.push_str(&format!(
        "Every one of them: {base}/contractors?campaign={campaign_id}&coverage=not_covered"
    ));
    Alert {
        condition: Some(AlertCondition::CoverageDeadline),
        subject: format!("{organization}: {campaign} {when} and {creators} not covered"),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undeliverable_messages_alert_once_until_a_pass_sends_cleanly() {
        let quiet = AlertState::default();
        let (raised, alert) = evaluate_deliveries(quiet, 10, 2, "Acme", "https://cover.test/");
        assert!(raised.active);
        let alert = alert.expect("failures alert");
        assert_eq!(
            alert.subject,
            "Acme: 2 messages to creators could not be delivered"
        );
        assert!(alert
            .text
            .contains("https://cover.test/contractors?contact=failed"));
        // More failures while it is active say nothing new.
        let (still, again) = evaluate_deliveries(raised, 0, 1, "Acme", "https://cover.test");
        assert!(still.active && again.is_none());
        // A pass that sends without failing clears it; a pass that sends nothing does not.
        let (same, _) = evaluate_deliveries(still, 0, 0, "Acme", "https://cover.test");
        assert!(same.active);
        let (cleared, none) = evaluate_deliveries(still, 3, 0, "Acme", "https://cover.test");
        assert!(!cleared.active && none.is_none());
    }

    fn states(
        key: AlertState,
        failed: AlertState,
        rising: AlertState,
    ) -> Vec<(AlertCondition, AlertState)> {
        vec![
            (AlertCondition::RunFailed, failed),
            (AlertCondition::KeyRefused, key),
            (AlertCondition::AttentionRising, rising),
        ]
    }

    fn run(id: i64, failed: bool, key_refused: bool, needs_attention: u64) -> RunObservation {
        RunObservation {
            run_id: SyncRunId(id),
            failed,
            key_refused,
            error: failed.then(|| "CreatorIQ did not answer.".to_string()),
            needs_attention,
        }
    }

    /// Applies runs in turn and returns the conditions alerted per run.
    fn replay(runs: &[RunObservation]) -> Vec<Vec<AlertCondition>> {
        let mut current = states(
            AlertState::default(),
            AlertState::default(),
            AlertState::default(),
        );
        runs.iter()
            .map(|r| {
                let (changes, alerts) = evaluate(&current, r, "Acme", "https://cover.example");
                for (c, s) in changes {
                    current.iter_mut().find(|(k, _)| *k == c).unwrap().1 = s;
                }
                alerts.iter().filter_map(|a| a.condition).collect()
            })
            .collect()
    }

    #[test]
    fn a_failure_alerts_once_until_a_run_succeeds() {
        let alerted = replay(&[
            run(1, false, false, 0),
            run(2, true, false, 0),
            run(3, true, false, 0),
            run(4, true, false, 0),
            run(5, false, false, 0),
            run(6, true, false, 0),
        ]);
        let failed = |v: &Vec<AlertCondition>| v.contains(&AlertCondition::RunFailed);
        assert_eq!(
            alerted.iter().map(failed).collect::<Vec<_>>(),
            [false, true, false, false, false, true]
        );
    }

    #[test]
    fn a_refused_key_is_its_own_alert_not_also_a_failure() {
        let alerted = replay(&[
            run(1, true, true, 0),
            run(2, true, true, 0),
            // CreatorIQ down: the key may still be refused; nothing new, nothing cleared.
            run(3, true, false, 0),
            run(4, false, false, 0),
            run(5, true, true, 0),
        ]);
        assert_eq!(alerted[0], [AlertCondition::KeyRefused]);
        assert!(alerted[1].is_empty());
        assert_eq!(alerted[2], [AlertCondition::RunFailed]);
        assert!(alerted[3].is_empty());
        assert_eq!(alerted[4], [AlertCondition::KeyRefused]);
    }

    #[test]
    fn rising_attention_alerts_once_per_rise() {
        let alerted = replay(&[
            run(1, false, false, 10),
            run(2, false, false, 10),
            run(3, false, false, 12),
            run(4, false, false, 15),
            // A failed run knows nothing about the count.
            run(5, true, false, 0),
            run(6, false, false, 11),
            run(7, false, false, 10),
            run(8, false, false, 11),
        ]);
        let rising = |v: &Vec<AlertCondition>| v.contains(&AlertCondition::AttentionRising);
        assert_eq!(
            alerted.iter().map(rising).collect::<Vec<_>>(),
            [true, false, true, false, false, false, false, true]
        );
    }

    #[test]
    fn alert_texts_name_the_run_and_the_page_not_secrets() {
        let (_, alerts) = evaluate(
            &states(
                AlertState::default(),
                AlertState::default(),
                AlertState::default(),
            ),
            &run(7, true, false, 0),
            "Acme",
            "https://cover.example/",
        );
        assert_eq!(alerts[0].subject, "Acme: sync run #7 failed");
        assert!(alerts[0].text.contains("https://cover.example/sync-runs/7"));
    }

    #[test]
    fn emails_and_webhook_urls_are_checked() {
        assert_eq!(
            parse_emails("a@example.com; B <b@example.com>\n a@example.com").unwrap(),
            ["a@example.com", "b@example.com"]
        );
        assert!(parse_emails("not an address").is_err());
        assert_eq!(parse_emails("x@example.com,").unwrap().len(), 1);
        let many: String = (0..11).map(|i| format!("p{i}@example.com,")).collect();
        assert!(parse_emails(&many).is_err());

        let (_, shown) =
            check_webhook_url("https://hooks.slack.com/services/T0/B0/secret", &[]).unwrap();
        assert_eq!(shown, "https://hooks.slack.com");
        assert!(check_webhook_url("http://hooks.example.com/x", &[]).is_err());
        assert!(check_webhook_url("https://user:pw@hooks.example.com/x", &[]).is_err());
        assert!(check_webhook_url("ftp://hooks.example.com/x", &[]).is_err());
        assert!(check_webhook_url("http://127.0.0.1:9000/x", &["127.0.0.1:9000".into()]).is_ok());
        assert!(check_webhook_url("http://127.0.0.1:9001/x", &["127.0.0.1:9000".into()]).is_err());
        // Addresses of this machine or a private network are refused, https or not.
        for url in [
            "https://127.0.0.1/x",
            "https://127.8.0.1:8443/x",
            "https://[::1]/x",
            "https://0.0.0.0/x",
            "https://[::]/x",
            "https://10.1.2.3/x",
            "https://172.16.0.1/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[fe80::1]/x",
            "https://[fd12:3456::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://100.64.0.1/x",
        ] {
            let refused = check_webhook_url(url, &[]).unwrap_err();
            assert!(refused.contains("private network"), "{url}: {refused}");
        }
        assert!(check_webhook_url("https://93.184.215.14/x", &[]).is_ok());
        assert!(check_webhook_url("https://[2606:2800:220:1::1]/x", &[]).is_ok());
    }

    /// A name that resolves to this machine is refused when the client connects, before any
    /// connection is made; `ALERT_HTTP_HOSTS` lets a listed relay through.
    #[tokio::test]
    async fn alert_webhooks_never_connect_to_internal_addresses() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    let _ = socket
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .await;
                });
            }
        });
        async fn send(notifier: Notifier, url: String) -> Result<(), String> {
            let to = Recipients {
                emails: vec![],
                webhook_url: Some(Url::parse(&url).unwrap()),
            };
            let alert = Alert {
                condition: None,
                subject: "test".into(),
                text: "test".into(),
            };
            notifier.send(&to, &alert).await.remove(0).result
        }

        for url in [
            format!("https://localhost:{port}/hook"),
            format!("https://127.0.0.1:{port}/hook"),
            format!("http://localhost:{port}/hook"),
        ] {
            let refused = send(Notifier::new(AlertConfig::default()).unwrap(), url.clone())
                .await
                .unwrap_err();
            assert!(refused.contains("private network"), "{url}: {refused}");
        }
        assert_eq!(
            connections.load(Ordering::SeqCst),
            0,
            "a connection was made"
        );

        let relay = AlertConfig {
            smtp: None,
            http_hosts: vec![format!("localhost:{port}")],
        };
        let sent = send(
            Notifier::new(relay).unwrap(),
            format!("http://localhost:{port}/hook"),
        )
        .await;
        assert_eq!(sent, Ok(()));
        assert_eq!(connections.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn test_alerts_are_limited_per_organization() {
        let notifier = Notifier::new(AlertConfig::default()).unwrap();
        for _ in 0..TEST_ALERT_BURST {
            assert!(notifier.allow_test_alert(OrgId(1)));
        }
        assert!(!notifier.allow_test_alert(OrgId(1)), "past the burst");
        assert!(
            notifier.allow_test_alert(OrgId(2)),
            "another organization's own"
        );
    }

    #[test]
    fn the_deadline_alert_stands_from_the_lead_time_until_the_end_while_creators_are_uncovered() {
        use crate::store::CampaignCover;
        let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let c = CampaignCover {
            ciq_campaign_id: 1,
            starts_on: Some(d(12, 10)),
            ends_on: Some(d(12, 20)),
            creators: 12,
            covered: 3,
            ..CampaignCover::default()
        };
        assert!(!deadline_holds(&c, d(12, 4), 5), "six days ahead");
        assert!(deadline_holds(&c, d(12, 5), 5), "five days ahead");
        assert!(deadline_holds(&c, d(12, 15), 5), "running");
        assert!(!deadline_holds(&c, d(12, 21), 5), "ended");
        let all = CampaignCover {
            covered: 12,
            ..c.clone()
        };
        assert!(!deadline_holds(&all, d(12, 8), 5), "everyone covered");
        let undated = CampaignCover {
            starts_on: None,
            ..c
        };
        assert!(!deadline_holds(&undated, d(12, 8), 5));

        let waiting = vec![("Ava".to_string(), "link not sent".to_string())];
        let alert = deadline_alert(
            "Acme",
            "Launch",
            7,
            d(12, 10),
            d(12, 5),
            9,
            &waiting,
            "https://cover.example/",
        );
        assert_eq!(
            alert.subject,
            "Acme: Launch starts in 5 days and 9 of its creators are not covered"
        );
        assert!(
            alert.text.contains("- Ava: link not sent\n- and 8 more"),
            "{}",
            alert.text
        );
        assert!(alert
            .text
            .contains("https://cover.example/contractors?campaign=7&coverage=not_covered"));
        let late = deadline_alert("Acme", "Launch", 7, d(12, 10), d(12, 12), 1, &[], "");
        assert!(
            late.subject
                .contains("started 2 days ago and 1 of its creators is not covered"),
            "{}",
            late.subject
        );
    }
}
