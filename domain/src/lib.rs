//! The server-side domain of the dashboard, free of any web framework: persistence behind the
//! [`store::Store`] boundary, password hashing, and (as they land) the CreatorIQ client, the
//! field mapping and validation rules, and the sync engine.

pub mod alerts;
pub mod auth;
pub mod creatoriq;
pub mod crypto;
pub mod links;
pub mod mapping;
pub mod private_files;
pub mod rules;
pub mod store;
pub mod sync;
pub mod values;
pub mod webhooks;
