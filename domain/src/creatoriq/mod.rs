//! CreatorIQ: the wire types we read ([`model`]) and the HTTP client that fetches them
//! ([`client`]), and where the API key may be sent ([`environment`]).

pub mod app_link;
pub mod client;
pub mod environment;
mod error;
pub mod model;

pub use crate::values::ApiKey;
pub use app_link::{AppLinkError, AppLinkTemplate};
pub use client::{
    http_client, rate_limiter, CiqError, CreatorIqClient, CreatorIqConfig, GateRefusal,
    PublisherRef, RequestGate, RequestStats, SharedRateLimiter, Subscribed, SubscriptionInfo,
    DEFAULT_BASE_URL, SYNC_SECTIONS,
};
pub use environment::{CiqEnvironment, CiqEnvironments, EnvironmentError};
