//! The one CreatorIQ HTTP client.
//!
//! What it guarantees, following CreatorIQ's published contract (reference/creatoriq):
//! - requests stay under the per-key rate limit (5 per second by default) on our side, because
//!   CreatorIQ sends no rate-limit headers and no `Retry-After`: we can only avoid the 429;
//! - 429, 5xx, timeouts, broken connections and unreadable bodies are retried with exponential
//!   backoff and jitter, up to a capped number of attempts, for reads and for writes that are
//!   safe to repeat; a message to a creator is retried only after a 429 (CreatorIQ did not act
//!   on it), since after a 5xx or no answer it may have arrived;
//! - 400/401/403/404 are answered at once with a typed error whose message tells an operator what
//!   to do (CreatorIQ answers an unknown campaign or publisher id with 400, not 404);
//! - the API key is sent only in the `x-api-key` header, marked sensitive, and never logged;
//!   redirects are never followed, so the key reaches the configured base URL and nothing else
//!   (a 3xx answer is an error that names no other host);
//! - every request and every retry is counted so a sync run can report them, and each one first
//!   passes the optional [`RequestGate`] (the per-key daily quota, shared by every instance).

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use rand::Rng;
use reqwest::header::{HeaderValue, ACCEPT};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use async_trait::async_trait;

use super::model::{
    Campaign, CampaignPublisher, CampaignPublishers, CampaignResponse, CampaignsPage, Contact,
    ContactResponse, ErrorBody, Publisher, PublisherResponse, PublishersListPage,
};
use crate::values::ApiKey;

pub use super::error::CiqError;
use super::error::{describe_decode, describe_transport, no_answer, says_unknown_id};

/// CreatorIQ's production API.
pub const DEFAULT_BASE_URL: &str = "https://apis.creatoriq.com";

/// The Get Campaign Publishers sections the sync reads: custom fields and the payout.
pub const SYNC_SECTIONS: [&str; 2] = ["PublishersCustomFields", "FinalPayout"];

/// Which of CreatorIQ's two publisher identifiers a per-creator call passes.
///
/// Campaign endpoints (`/campaign/{id}/publishers`, its `publisherId` query, `publishersList`)
/// call the internal, immutable `Id` "PublisherId"; that is the id the sync stores. Get Publisher
/// (`/publisher/{publisherId}`) reads its path as the *external* `PublisherId` (a string an
/// integration may change) unless `key=Id` says it is the internal one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublisherRef {
    /// CreatorIQ's internal `Id`, as campaign endpoints report it.
    Internal(i64),
    /// The external `PublisherId` (also `NetworkPublisherId`).
    External(String),
}

impl fmt::Display for PublisherRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublisherRef::Internal(id) => write!(f, "{id}"),
            PublisherRef::External(id) => write!(f, "with external id {id}"),
        }
    }
}

/// Decides whether one more request may be sent; see [`CreatorIqClient::with_gate`].
#[async_trait]
pub trait RequestGate: Send + Sync {
    /// Called before every HTTP request (retries included). An error stops the call at once.
    async fn admit(&self) -> Result<(), GateRefusal>;
}

/// Why a [`RequestGate`] refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateRefusal {
    /// The key's requests for the current UTC day reached the limit.
    DailyLimit { limit: u64 },
    /// The counter could not be read or written.
    Unavailable(String),
}

/// Page size used when walking all campaigns.
const CAMPAIGN_PAGE_SIZE: u32 = 100;
/// Safety stop for paging, in case CreatorIQ reports a nonsensical `total_pages`.
const MAX_CAMPAIGN_PAGES: u32 = 10_000;

/// Connection settings, normally from the server configuration and the organization's settings.
#[derive(Debug, Clone)]
pub struct CreatorIqConfig {
    /// `https://apis.creatoriq.com`, or the sandbox's URL.
    pub base_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from sending the request to the end of the body.
    pub request_timeout: Duration,
    /// Client-side ceiling per API key. CreatorIQ allows 5 per second.
    pub requests_per_second: NonZeroU32,
    /// Total attempts per call, first try included (at least 1).
    pub max_attempts: u32,
    /// First retry delay; doubles each retry, with jitter.
    pub backoff_base: Duration,
    /// Longest delay between two attempts.
    pub backoff_max: Duration,
}

impl Default for CreatorIqConfig {
    fn default() -> Self {
        CreatorIqConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            requests_per_second: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
            max_attempts: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(20),
        }
    }
}

/// Counts of HTTP requests sent and of retries among them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub requests: u64,
    pub retries: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
}

/// The rate limiter type; share one per API key between clients with
/// [`CreatorIqClient::with_rate_limiter`].
pub type SharedRateLimiter = Arc<DefaultDirectRateLimiter>;

/// A limiter allowing `per_second` requests per second, evenly spaced.
///
/// Burst is 1 on purpose: with a burst of N, N requests go out at once and the next N follow in
/// the same second, so a sliding one-second window can see almost twice the limit, which is
/// exactly what earns a 429.
pub fn rate_limiter(per_second: NonZeroU32) -> SharedRateLimiter {
    let period = Duration::from_secs(1) / per_second.get();
    let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(per_second))
        .allow_burst(NonZeroU32::MIN);
    Arc::new(RateLimiter::direct(quota))
}

#[derive(Clone)]
struct Inner {
    http: reqwest::Client,
    /// Base URL without a trailing slash.
    base_url: String,
    api_key: ApiKey,
    /// The key as a header value, marked sensitive so HTTP-level debug output hides it.
    key_header: HeaderValue,
    limiter: SharedRateLimiter,
    gate: Option<Arc<dyn RequestGate>>,
    config: CreatorIqConfig,
}

/// The `reqwest` client every CreatorIQ client should share: the config's timeouts, and no
/// redirects (a redirect would carry the `x-api-key` header to whatever host it names).
pub fn http_client(config: &CreatorIqConfig) -> Result<reqwest::Client, CiqError> {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ciq-insurance-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CiqError::Setup(e.to_string()))
}

/// The CreatorIQ API client for one API key. Cheap to clone; clones share the connection pool,
/// the rate limiter and the request counters (see [`CreatorIqClient::with_fresh_counters`]).
#[derive(Clone)]
pub struct CreatorIqClient {
    inner: Arc<Inner>,
    counters: Arc<Counters>,
}

impl fmt::Debug for CreatorIqClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatorIqClient")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &self.inner.api_key)
            .field("stats", &self.stats())
            .finish()
    }
}

/// Why one attempt should be tried again.
#[derive(Debug)]
enum Retryable {
    RateLimited,
    Server(u16),
    Transport(String),
    Malformed(String),
}

impl fmt::Display for Retryable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retryable::RateLimited => f.write_str("HTTP 429 too many requests"),
            Retryable::Server(status) => write!(f, "HTTP {status}"),
            Retryable::Transport(reason) => f.write_str(reason),
            Retryable::Malformed(detail) => write!(f, "unreadable answer: {detail}"),
        }
    }
}

impl Retryable {
    fn into_error(self, attempts: u32) -> CiqError {
        match self {
            Retryable::RateLimited => CiqError::RateLimited { attempts },
            Retryable::Server(status) => CiqError::ServerError { status, attempts },
            Retryable::Transport(reason) => CiqError::Unreachable { attempts, reason },
            Retryable::Malformed(detail) => CiqError::Malformed { attempts, detail },
        }
    }
}

/// Which failed attempts a request tries again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retries {
    /// Every retryable failure: reads, and writes that are safe to repeat.
    All,
    /// Only answers that say CreatorIQ did not act on it (429): a message must not arrive twice.
    WhenUnread,
}

enum Attempt<T> {
    Done(T),
    Fatal(CiqError),
    Retry(Retryable),
}

impl CreatorIqClient {
    /// Builds a client with its own `reqwest::Client` using the config's timeouts.
    pub fn new(config: CreatorIqConfig, api_key: ApiKey) -> Result<Self, CiqError> {
        let http = http_client(&config)?;
        Self::with_http_client(http, config, api_key)
    }

    /// Builds a client on a shared `reqwest::Client` (one pool for the whole server); build it
    /// with [`http_client`] so redirects are off. The config's request timeout is still
    /// enforced per attempt.
    pub fn with_http_client(
        http: reqwest::Client,
        config: CreatorIqConfig,
        api_key: ApiKey,
    ) -> Result<Self, CiqError> {
        let base_url = config.base_url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|_| CiqError::InvalidBaseUrl(config.base_url.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(CiqError::InvalidBaseUrl(config.base_url.clone()));
        }
        let mut key_header = HeaderValue::from_str(api_key.expose())
            .map_err(|_| CiqError::Setup("the API key cannot be sent in a header".to_string()))?;
        key_header.set_sensitive(true);
        let limiter = rate_limiter(config.requests_per_second);
        Ok(CreatorIqClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_key,
                key_header,
                limiter,
                gate: None,
                config,
            }),
            counters: Arc::new(Counters::default()),
        })
    }

    /// Asks `gate` before every request (the daily quota). Keeps the limiter and counters.
    pub fn with_gate(self, gate: Arc<dyn RequestGate>) -> Self {
        self.changed(|inner| inner.gate = Some(gate))
    }

    /// This client with one setting changed; the counters stay shared.
    fn changed(self, change: impl FnOnce(&mut Inner)) -> Self {
        let mut inner = (*self.inner).clone();
        change(&mut inner);
        CreatorIqClient {
            inner: Arc::new(inner),
            counters: self.counters,
        }
    }

    /// Uses `limiter` instead of this client's own, so several clients for the same API key
    /// (e.g. a scheduled sync and an operator's "Test connection") share one budget.
    pub fn with_rate_limiter(self, limiter: SharedRateLimiter) -> Self {
        self.changed(|inner| inner.limiter = limiter)
    }

    /// The limiter this client waits on, to share with other clients for the same key.
    pub fn rate_limiter(&self) -> SharedRateLimiter {
        Arc::clone(&self.inner.limiter)
    }

    /// A handle on the same connection pool and rate limiter with its counters at zero: give one
    /// to each sync run so its report counts only its own requests.
    pub fn with_fresh_counters(&self) -> Self {
        CreatorIqClient {
            inner: Arc::clone(&self.inner),
            counters: Arc::new(Counters::default()),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Requests sent so far (retries included).
    pub fn request_count(&self) -> u64 {
        self.counters.requests.load(Ordering::Relaxed)
    }

    /// Retries so far.
    pub fn retry_count(&self) -> u64 {
        self.counters.retries.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> RequestStats {
        RequestStats {
            requests: self.request_count(),
            retries: self.retry_count(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Endpoints
    // -----------------------------------------------------------------------------------------

    /// `GET /crm/v1/api/campaigns?page=&size=` (pages start at 1).
    #[tracing::instrument(skip_all, fields(page = page, size = size))]
    pub async fn list_campaigns(&self, page: u32, size: u32) -> Result<CampaignsPage, CiqError> {
        let query = [
            ("page", page.max(1).to_string()),
            ("size", size.max(1).to_string()),
        ];
        self.get_json("/crm/v1/api/campaigns", &query, None).await
    }

    /// Every campaign the key can see, walking `total_pages`. Campaigns that shift between pages
    /// while paging are kept once.
    #[tracing::instrument(skip_all)]
    pub async fn all_campaigns(&self) -> Result<Vec<Campaign>, CiqError> {
        let mut campaigns: Vec<Campaign> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut page = 1;
        loop {
            let batch = self.list_campaigns(page, CAMPAIGN_PAGE_SIZE).await?;
            let received = batch.campaigns.len();
            for campaign in batch.campaigns {
                if campaign.campaign_id.is_none_or(|id| seen.insert(id)) {
                    campaigns.push(campaign);
                }
            }
            let more = match batch.total_pages {
                Some(total_pages) => u64::from(page) < total_pages,
                None => received == CAMPAIGN_PAGE_SIZE as usize,
            };
            if !more || received == 0 || page >= MAX_CAMPAIGN_PAGES {
                break;
            }
            page += 1;
        }
        tracing::debug!(count = campaigns.len(), pages = page, "listed campaigns");
        Ok(campaigns)
    }

    /// `GET /crm/v1/api/campaign/{id}`.
    #[tracing::instrument(skip_all, fields(campaign_id = campaign_id))]
    pub async fn campaign(&self, campaign_id: i64) -> Result<Campaign, CiqError> {
        let path = format!("/crm/v1/api/campaign/{campaign_id}");
        let what = format!("campaign {campaign_id}");
        let response: CampaignResponse = self.get_json(&path, &[], Some(what)).await?;
        Ok(response.campaign)
    }

    /// `GET /crm/v1/api/campaign/{id}/publishers?sections=...`: every creator on the campaign
    /// with their status and the requested sections (use [`SYNC_SECTIONS`]).
    ///
    /// CreatorIQ documents no paging for this endpoint: it returns the whole campaign as one
    /// object keyed by publisher id, so there is no page or size to pass.
    #[tracing::instrument(skip_all, fields(campaign_id = campaign_id))]
    pub async fn campaign_publishers(
        &self,
        campaign_id: i64,
        sections: &[&str],
    ) -> Result<CampaignPublishers, CiqError> {
        let path = format!("/crm/v1/api/campaign/{campaign_id}/publishers");
        let mut query = Vec::new();
        if !sections.is_empty() {
            query.push(("sections", sections.join(",")));
        }
        let what = format!("campaign {campaign_id}");
        self.get_json(&path, &query, Some(what)).await
    }

    /// `GET /crm/v1/api/campaign/{id}/publishers?publisherId=...&sections=...`: one creator's
    /// entry on one campaign, for a single-row re-sync. `Ok(None)` when the answer holds no entry
    /// for that creator.
    #[tracing::instrument(skip_all, fields(campaign_id = campaign_id, publisher_id = publisher_id))]
    pub async fn campaign_publisher(
        &self,
        campaign_id: i64,
        publisher_id: i64,
        sections: &[&str],
    ) -> Result<Option<CampaignPublisher>, CiqError> {
        let path = format!("/crm/v1/api/campaign/{campaign_id}/publishers");
        let mut query = vec![("publisherId", publisher_id.to_string())];
        if !sections.is_empty() {
            query.push(("sections", sections.join(",")));
        }
        let what = format!("creator (publisher) {publisher_id} on campaign {campaign_id}");
        let mut answer: CampaignPublishers = self.get_json(&path, &query, Some(what)).await?;
        Ok(answer.publishers.remove(&publisher_id))
    }

    /// `GET /crm/v1/api/campaign/{id}/publishersList`: the campaign's creators with their
    /// standard publisher object (contact email and address included), one request for the
    /// whole campaign.
    ///
    /// No `fields` parameter is sent: the spec types it as a single enum value while its
    /// description shows a comma list, so a list may be refused (or read as one field) and a
    /// single value cannot name the several contact fields needed. The full standard object is
    /// the one answer every reading of the spec gives. Entries that still lack the contact
    /// fields are fetched one by one by the caller ([`super::model::PublisherListEntry::has_contact`]).
    #[tracing::instrument(skip_all, fields(campaign_id = campaign_id))]
    pub async fn campaign_publishers_list(
        &self,
        campaign_id: i64,
    ) -> Result<PublishersListPage, CiqError> {
        let path = format!("/crm/v1/api/campaign/{campaign_id}/publishersList");
        let what = format!("the creator list of campaign {campaign_id}");
        self.get_json(&path, &[], Some(what)).await
    }

    /// `GET /crm/v1/api/publisher/{id}`, with `key=Id` when `id` is the internal id.
    #[tracing::instrument(skip_all)]
    pub async fn publisher(&self, id: &PublisherRef) -> Result<Publisher, CiqError> {
        let (path, query) = match id {
            PublisherRef::Internal(n) => (
                format!("/crm/v1/api/publisher/{n}"),
                vec![("key", "Id".to_string())],
            ),
            PublisherRef::External(s) => {
                // The spec allows letters and digits only; anything else cannot be an id and
                // must not be able to change the path.
                if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(CiqError::NotFound {
                        what: format!("creator (publisher) {id}"),
                        message: None,
                    });
                }
                (format!("/crm/v1/api/publisher/{s}"), Vec::new())
            }
        };
        let what = format!("creator (publisher) {id}");
        let response: PublisherResponse = self.get_json(&path, &query, Some(what)).await?;
        Ok(response.publisher)
    }

    /// `GET /crm/v1/api/data/contact/{id}`.
    #[tracing::instrument(skip_all, fields(contact_id = contact_id))]
    pub async fn contact(&self, contact_id: i64) -> Result<Contact, CiqError> {
        let path = format!("/crm/v1/api/data/contact/{contact_id}");
        let what = format!("contact {contact_id}");
        let response: ContactResponse = self.get_json(&path, &[], Some(what)).await?;
        Ok(response.contact)
    }

    /// Checks the key with one small request and returns how many campaigns it can see.
    #[tracing::instrument(skip_all)]
    pub async fn test_connection(&self) -> Result<u64, CiqError> {
        let page = self.list_campaigns(1, 1).await?;
        Ok(page
            .total
            .or(page.count)
            .unwrap_or(page.campaigns.len() as u64))
    }

    /// `POST /pubsub/subscribe`: CreatorIQ POSTs `entity`/`action` events to `callback`.
    /// "Subscription on the current event already exists!" counts as success.
    pub async fn subscribe(
        &self,
        entity: &str,
        action: &str,
        callback: &str,
    ) -> Result<Subscribed, CiqError> {
        let body = serde_json::json!({
            "entityType": entity,
            "actionType": action,
            "callback": callback,
        });
        match self
            .request::<serde_json::Value>(
                reqwest::Method::POST,
                "/pubsub/subscribe",
                &[],
                Some(&body),
                None,
                Retries::All,
            )
            .await
        {
            Ok(_) => Ok(Subscribed::Created),
            Err(CiqError::BadRequest { message, .. })
                if message
                    .as_deref()
                    .is_some_and(|m| m.to_ascii_lowercase().contains("already exists")) =>
            {
                Ok(Subscribed::AlreadyExisted)
            }
            Err(err) => Err(err),
        }
    }

    /// `GET /pubsub/subscriptions`: every subscription of this key.
    /// Unsubscribes the key's subscription to one event (`DELETE /pubsub/unsubscribe`); one
    /// that does not exist counts as done.
    pub async fn unsubscribe(&self, entity: &str, action: &str) -> Result<(), CiqError> {
        let query = [
            ("entityType", entity.to_string()),
            ("actionType", action.to_string()),
        ];
        match self
            .request::<serde_json::Value>(
                reqwest::Method::DELETE,
                "/pubsub/unsubscribe",
                &query,
                None,
                None,
                Retries::All,
            )
            .await
        {
            // CreatorIQ answers 404 "Subscription not found" for an event not subscribed.
            Ok(_) | Err(CiqError::EndpointNotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn subscriptions(&self) -> Result<Vec<SubscriptionInfo>, CiqError> {
        self.get_json("/pubsub/subscriptions", &[], None).await
    }

    /// `POST /crm/v1/api/communication/send`: a message to one creator (by the internal
    /// publisher id), shown in CreatorIQ's messaging. It is sent once: only a 429 (CreatorIQ
    /// refused it unread) is tried again here. After a 5xx or no answer it may or may not have
    /// arrived, so the error is returned for the caller to decide; `is_transient` tells which.
    pub async fn send_message(
        &self,
        publisher_id: i64,
        subject: &str,
        content: &str,
    ) -> Result<(), CiqError> {
        let body = serde_json::json!({
            "Subject": subject,
            "MessageContent": content,
            "ToId": publisher_id.to_string(),
        });
        self.request::<serde::de::IgnoredAny>(
            reqwest::Method::POST,
            "/crm/v1/api/communication/send",
            &[],
            Some(&body),
            Some(format!("creator {publisher_id}")),
            Retries::WhenUnread,
        )
        .await
        .map(|_| ())
    }

    // -----------------------------------------------------------------------------------------
    // Transport
    // -----------------------------------------------------------------------------------------

    /// GETs `path` and decodes the JSON body, retrying what is worth retrying. `what` names the
    /// resource for id endpoints, where a 400 or 404 means "no such id".
    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: Option<String>,
    ) -> Result<T, CiqError> {
        self.request(reqwest::Method::GET, path, query, None, what, Retries::All)
            .await
    }

    /// Sends one request (with a JSON body when given) and decodes the JSON answer, retrying
    /// what `retries` allows; every attempt passes the rate limiter and the daily quota.
    async fn request<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        what: Option<String>,
        retries: Retries,
    ) -> Result<T, CiqError> {
        let url = format!("{}{}", self.inner.base_url, path);
        let max_attempts = self.inner.config.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.inner.limiter.until_ready().await;
            if let Some(gate) = &self.inner.gate {
                match gate.admit().await {
                    Ok(()) => {}
                    Err(GateRefusal::DailyLimit { limit }) => {
                        tracing::warn!(path, limit, "daily CreatorIQ request quota reached");
                        return Err(CiqError::DailyQuota { limit });
                    }
                    Err(GateRefusal::Unavailable(reason)) => {
                        return Err(CiqError::QuotaUnavailable(reason))
                    }
                }
            }
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let reason = match self
                .attempt::<T>(&method, &url, path, query, body, what.as_deref())
                .await
            {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fatal(err) => {
                    tracing::warn!(path, attempt, error = %err, "CreatorIQ request failed");
                    return Err(err);
                }
                Attempt::Retry(reason) => reason,
            };
            let unread = matches!(reason, Retryable::RateLimited);
            if attempt >= max_attempts || (retries == Retries::WhenUnread && !unread) {
                let err = reason.into_error(attempt);
                tracing::warn!(path, attempt, error = %err, "CreatorIQ request failed, giving up");
                return Err(err);
            }
            let delay = self.backoff(attempt);
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
            tracing::info!(path, attempt, delay_ms = delay.as_millis() as u64, reason = %reason,
                "retrying CreatorIQ request");
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: &reqwest::Method,
        url: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        what: Option<&str>,
    ) -> Attempt<T> {
        let timeout = self.inner.config.request_timeout;
        let mut request = self
            .inner
            .http
            .request(method.clone(), url)
            .header("x-api-key", self.inner.key_header.clone())
            .header(ACCEPT, "application/json")
            .query(query)
            .timeout(timeout);
        if let Some(body) = body {
            request = request.json(body);
        }
        // The outer timeout also covers the body and clients built without a timeout.
        let exchange = async {
            let response = request.send().await?;
            let status = response.status();
            let body = response.bytes().await;
            Ok::<_, reqwest::Error>((status, body))
        };
        let (status, body) = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => return Attempt::Retry(Retryable::Transport(no_answer(timeout))),
            Ok(Err(err)) => {
                return Attempt::Retry(Retryable::Transport(describe_transport(&err, timeout)))
            }
            Ok(Ok(pair)) => pair,
        };
        if status.is_success() {
            return match body {
                Err(err) => Attempt::Retry(Retryable::Transport(describe_transport(&err, timeout))),
                // An empty answer (204 No Content) reads as JSON `null`.
                Ok(bytes) if bytes.is_empty() => match serde_json::from_slice::<T>(b"null") {
                    Ok(value) => Attempt::Done(value),
                    Err(err) => Attempt::Retry(Retryable::Malformed(describe_decode(&err, 0))),
                },
                Ok(bytes) => match serde_json::from_slice::<T>(&bytes) {
                    Ok(value) => Attempt::Done(value),
                    Err(err) => {
                        Attempt::Retry(Retryable::Malformed(describe_decode(&err, bytes.len())))
                    }
                },
            };
        }
        let message = body
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ErrorBody>(&bytes).ok())
            .and_then(|e| e.message().map(str::to_string));
        match status {
            s if s.is_redirection() => Attempt::Fatal(CiqError::Redirected { status: s.as_u16() }),
            StatusCode::TOO_MANY_REQUESTS => Attempt::Retry(Retryable::RateLimited),
            StatusCode::REQUEST_TIMEOUT => Attempt::Retry(Retryable::Server(status.as_u16())),
            s if s.is_server_error() => Attempt::Retry(Retryable::Server(s.as_u16())),
            StatusCode::UNAUTHORIZED => Attempt::Fatal(CiqError::Unauthorized),
            StatusCode::FORBIDDEN => Attempt::Fatal(CiqError::Forbidden),
            StatusCode::NOT_FOUND if what.is_some() => Attempt::Fatal(CiqError::NotFound {
                what: what.unwrap_or_default().to_string(),
                message,
            }),
            StatusCode::BAD_REQUEST if what.is_some() && says_unknown_id(message.as_deref()) => {
                Attempt::Fatal(CiqError::NotFound {
                    what: what.unwrap_or_default().to_string(),
                    message,
                })
            }
            StatusCode::BAD_REQUEST => Attempt::Fatal(CiqError::BadRequest {
                what: what.map(str::to_string),
                message,
            }),
            StatusCode::NOT_FOUND => Attempt::Fatal(CiqError::EndpointNotFound {
                path: path.to_string(),
            }),
            other => Attempt::Fatal(CiqError::UnexpectedStatus {
                status: other.as_u16(),
                message,
            }),
        }
    }

    /// Exponential backoff with "equal jitter": half the delay fixed, half random, so retries
    /// from parallel syncs spread out without ever retrying immediately.
    fn backoff(&self, attempt: u32) -> Duration {
        let config = &self.inner.config;
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1));
        let full = config
            .backoff_base
            .saturating_mul(exp)
            .min(config.backoff_max);
        let half = full / 2;
        let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rand::thread_rng().gen_range(0..=jitter_nanos))
    }
}

/// What subscribing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subscribed {
    Created,
    AlreadyExisted,
}

/// One subscription, as `GET /pubsub/subscriptions` lists it.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionInfo {
    pub entity_type: String,
    pub action_type: String,
    pub callback: String,
    pub entity_id: Option<f64>,
}

#[cfg(test)]
mod tests;
