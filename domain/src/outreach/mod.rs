//! Reaching the creator with their application link: the organization's wording
//! ([`template`]), when reminders are due and stop ([`cadence`]), the email it becomes
//! ([`email`]), and the organization's settings ([`settings`]). Pure: no I/O, no clock.

pub mod cadence;
pub mod email;
pub mod settings;
pub mod template;

pub use cadence::{stop_reason, Cadence, CadenceError, StopReason};
pub use email::{compose, EmailError, EmailParts};
pub use settings::{check, OutreachSettings, SettingsError};
pub use template::{MessageTemplate, MessageValues, Template, TemplateError, PLACEHOLDERS};
