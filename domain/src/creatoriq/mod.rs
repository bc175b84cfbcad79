//! CreatorIQ: the wire types we read ([`model`]) and the HTTP client that fetches them
//! ([`client`]).

pub mod client;
pub mod model;

pub use crate::values::ApiKey;
pub use client::{
    rate_limiter, CiqError, CreatorIqClient, CreatorIqConfig, RequestStats, SharedRateLimiter,
    CONTACT_FIELDS, DEFAULT_BASE_URL, SYNC_SECTIONS,
};
