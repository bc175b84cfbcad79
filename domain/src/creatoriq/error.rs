//! What can go wrong talking to CreatorIQ, in words an operator can act on.

use std::time::Duration;

/// What went wrong talking to CreatorIQ. The `Display` text is meant for operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CiqError {
    #[error(
        "CreatorIQ rejected the API key (HTTP 401 Unauthorized). Check the key in Organization > \
         Settings; CreatorIQ keys are issued by your CreatorIQ account manager."
    )]
    Unauthorized,
    #[error(
        "CreatorIQ refused access with this API key (HTTP 403 Forbidden). The key may be missing, \
         revoked, or not allowed to read this data; ask your CreatorIQ account manager to check it."
    )]
    Forbidden,
    /// An id CreatorIQ does not know (it answers 400 for unknown ids, sometimes 404).
    #[error(
        "CreatorIQ has no {what}{}. It may have been deleted or belong to another CreatorIQ account.",
        said(message)
    )]
    NotFound {
        what: String,
        message: Option<String>,
    },
    /// A 400 that does not say an id is unknown: CreatorIQ uses 400 both for ids it does not
    /// know and for parameters it does not accept, so neither is claimed.
    #[error(
        "CreatorIQ refused the request{} as invalid (HTTP 400){}. CreatorIQ gives this answer \
         for parameters it does not accept and for ids it does not know.",
        about(what),
        said(message)
    )]
    BadRequest {
        what: Option<String>,
        message: Option<String>,
    },
    /// A 3xx answer. Redirects are never followed: the key must not reach another host.
    #[error(
        "CreatorIQ answered with a redirect (HTTP {status}) instead of data. Redirects are not \
         followed, so the API key was not sent anywhere else; check the CreatorIQ environment in \
         Organization > Settings."
    )]
    Redirected { status: u16 },
    #[error(
        "This API key has used its {limit} CreatorIQ requests for today (CreatorIQ allows \
         100,000 per key per day, counted in UTC). Nothing more was requested; syncing resumes \
         after midnight UTC."
    )]
    DailyQuota { limit: u64 },
    #[error(
        "The count of today's CreatorIQ requests could not be checked ({0}); nothing was sent."
    )]
    QuotaUnavailable(String),
    /// A 404 on a collection: the URL is wrong, almost always the base URL.
    #[error(
        "CreatorIQ has no endpoint at {path} (HTTP 404). Check the CreatorIQ base URL in \
         Organization > Settings."
    )]
    EndpointNotFound { path: String },
    #[error(
        "CreatorIQ kept answering \"too many requests\" (HTTP 429) after {attempts} attempts. Its \
         limits are 5 requests per second and 100,000 per day per API key; try again later."
    )]
    RateLimited { attempts: u32 },
    #[error("CreatorIQ could not be reached after {attempts} attempts: {reason}.")]
    Unreachable { attempts: u32, reason: String },
    #[error(
        "CreatorIQ had a server error (HTTP {status}) on each of {attempts} attempts. The problem \
         is on CreatorIQ's side; try again later."
    )]
    ServerError { status: u16, attempts: u32 },
    #[error(
        "CreatorIQ sent an answer that could not be read, on each of {attempts} attempts ({detail})."
    )]
    Malformed { attempts: u32, detail: String },
    #[error(
        "CreatorIQ answered with unexpected HTTP status {status}{}.",
        said(message)
    )]
    UnexpectedStatus {
        status: u16,
        message: Option<String>,
    },
    #[error("The CreatorIQ base URL \"{0}\" is not a valid http or https address.")]
    InvalidBaseUrl(String),
    #[error("The HTTP client for CreatorIQ could not be set up: {0}.")]
    Setup(String),
}

fn about(what: &Option<String>) -> String {
    match what {
        Some(w) => format!(" for {w}"),
        None => String::new(),
    }
}

fn said(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(" (CreatorIQ said: \"{m}\")"),
        None => String::new(),
    }
}

impl CiqError {
    /// A stable short code for storage and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            CiqError::Unauthorized => "unauthorized",
            CiqError::Forbidden => "forbidden",
            CiqError::NotFound { .. } => "not_found",
            CiqError::BadRequest { .. } => "bad_request",
            CiqError::Redirected { .. } => "redirected",
            CiqError::DailyQuota { .. } => "daily_quota",
            CiqError::QuotaUnavailable(_) => "quota_unavailable",
            CiqError::EndpointNotFound { .. } => "endpoint_not_found",
            CiqError::RateLimited { .. } => "rate_limited",
            CiqError::Unreachable { .. } => "unreachable",
            CiqError::ServerError { .. } => "server_error",
            CiqError::Malformed { .. } => "malformed",
            CiqError::UnexpectedStatus { .. } => "unexpected_status",
            CiqError::InvalidBaseUrl(_) => "invalid_base_url",
            CiqError::Setup(_) => "setup",
        }
    }

    /// The key itself is refused: retrying later will not help until someone changes it.
    pub fn is_auth(&self) -> bool {
        matches!(self, CiqError::Unauthorized | CiqError::Forbidden)
    }

    /// Every further request would be refused the same way, so a run should stop now.
    pub fn stops_run(&self) -> bool {
        self.is_auth()
            || matches!(
                self,
                CiqError::DailyQuota { .. }
                    | CiqError::QuotaUnavailable(_)
                    | CiqError::Redirected { .. }
            )
    }

    /// A later run may well succeed (CreatorIQ busy, down, or slow).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CiqError::RateLimited { .. }
                | CiqError::Unreachable { .. }
                | CiqError::ServerError { .. }
                | CiqError::Malformed { .. }
        )
    }
}

/// Whether a 400's message says the id itself is unknown ("Campaign with ID 7 was not found",
/// "Publisher 9 is not in campaign 7"), as opposed to a parameter being refused.
pub(super) fn says_unknown_id(message: Option<&str>) -> bool {
    let Some(m) = message else { return false };
    let m = m.to_ascii_lowercase();
    [
        "not found",
        "does not exist",
        "doesn't exist",
        "no such",
        "is not in campaign",
    ]
    .iter()
    .any(|p| m.contains(p))
}

pub(super) fn no_answer(timeout: Duration) -> String {
    format!("no answer within {:.1} s", timeout.as_secs_f64())
}

/// Words for a transport failure. reqwest's own text includes the URL, which is fine (no secret
/// in it) but noisy; the kind of failure is what an operator needs.
pub(super) fn describe_transport(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        no_answer(timeout)
    } else if err.is_connect() {
        "the connection to CreatorIQ could not be opened".to_string()
    } else if err.is_body() || err.is_decode() {
        "the connection broke while the answer was being received".to_string()
    } else {
        "the request could not be completed".to_string()
    }
}

/// Describes a JSON decode failure without quoting the body (it may hold personal data).
pub(super) fn describe_decode(err: &serde_json::Error, len: usize) -> String {
    use serde_json::error::Category;
    let kind = match err.classify() {
        Category::Syntax | Category::Eof => "not valid JSON",
        Category::Data => "JSON of an unexpected shape",
        Category::Io => "an incomplete body",
    };
    format!(
        "{kind} at line {} column {}, {len} bytes",
        err.line(),
        err.column()
    )
}
