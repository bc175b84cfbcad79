//! Reaching the creator with their application link: the organization's wording
//! ([`template`]) and when reminders are due and stop ([`cadence`]). Pure: no I/O, no clock.

pub mod cadence;
pub mod template;

pub use cadence::{stop_reason, Cadence, CadenceError, StopReason};
pub use template::{MessageTemplate, MessageValues, Template, TemplateError, PLACEHOLDERS};
