//! The server-side domain of the dashboard, free of any web framework. The pure core, with no
//! I/O: [`mapping`] (CreatorIQ fields to ours), [`values`] (emails, states, money), [`rules`]
//! (validation and the sync decision), [`links`] (tokens and what a sync does with a link), the
//! planner in [`sync::writes`] and [`documents`] (certificates of insurance and invoices as PDF).
//! Around it: the [`creatoriq`] client, the [`store`] (SQLite or PostgreSQL), the [`sync`]
//! engine, [`webhooks`], [`alerts`], [`auth`] and [`crypto`].
//! Every word the product uses is defined in the `vocabulary` crate.

pub mod alerts;
pub mod application;
pub mod auth;
pub mod cover;
pub mod creatoriq;
pub mod crypto;
pub mod documents;
pub mod invoice;
pub mod links;
pub mod mapping;
pub mod outreach;
pub mod private_files;
pub mod rating;
pub mod rules;
pub mod store;
pub mod sync;
#[cfg(feature = "testing")]
pub mod testing;
pub mod values;
pub mod webhooks;
