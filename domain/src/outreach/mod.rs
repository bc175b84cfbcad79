//! Reaching the creator with their application link: the organization's wording
//! ([`template`]), when reminders are due and stop ([`cadence`]), and the email it becomes
//! ([`email`]). Pure: no I/O, no clock.

pub mod cadence;
pub mod email;
pub mod template;

pub use cadence::{stop_reason, Cadence, CadenceError, StopReason};
pub use email::{compose, EmailError, EmailParts};
pub use template::{MessageTemplate, MessageValues, Template, TemplateError, PLACEHOLDERS};
