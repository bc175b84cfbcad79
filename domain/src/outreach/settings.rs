//! An organization's outreach settings: checked when an admin saves them (each refusal names
//! its field), and read back with the product's defaults where nothing was set.

use crate::store::{ChannelChoice, OutreachSettingsRecord};

use super::{Cadence, MessageTemplate, Template, TemplateError};

/// A setting that cannot be saved: which field, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label}: {message}")]
pub struct SettingsError {
    /// The form field.
    pub field: &'static str,
    /// Its label on Settings.
    pub label: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, label: &'static str, message: impl ToString) -> SettingsError {
    SettingsError {
        field,
        label,
        message: message.to_string(),
    }
}

/// Checks what an admin is saving.
pub fn check(record: &OutreachSettingsRecord) -> Result<(), SettingsError> {
    if let Some(cadence) = &record.cadence {
        Cadence::parse(cadence).map_err(|e| refuse("cadence", "Reminders", e))?;
    }
    if let Some(reply_to) = record.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
        reply_to
            .trim()
            .parse::<lettre::Address>()
            .map_err(|_| refuse("reply_to", "Reply-to", "This is not an email address."))?;
    }
    if let Some(name) = &record.sender_name {
        if name.chars().count() > 100 {
            return Err(refuse(
                "sender_name",
                "Sender name",
                "At most 100 characters.",
            ));
        }
    }
    let subject = |text: &Option<String>, field, label| match text {
        Some(t) => Template::parse(t)
            .map(|_| ())
            .map_err(|e| refuse(field, label, e)),
        None => Ok(()),
    };
    let body = |text: &Option<String>, field, label| match text {
        Some(t) => MessageTemplate::parse("subject", t)
            .map(|_| ())
            .map_err(|e: TemplateError| refuse(field, label, e)),
        None => Ok(()),
    };
    subject(
        &record.first_subject,
        "first_subject",
        "First message subject",
    )?;
    body(&record.first_body, "first_body", "First message")?;
    subject(
        &record.reminder_subject,
        "reminder_subject",
        "Reminder subject",
    )?;
    body(&record.reminder_body, "reminder_body", "Reminder")?;
    Ok(())
}

/// The settings in effect: what the organization set, the product's defaults elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutreachSettings {
    pub channels: ChannelChoice,
    /// Whether the organization chose its channels (else they follow the server's relay).
    pub channels_chosen: bool,
    pub auto_send: bool,
    pub cadence: Cadence,
    pub sender_name: Option<String>,
    pub reply_to: Option<String>,
    pub first: MessageTemplate,
    pub reminder: MessageTemplate,
}

impl OutreachSettings {
    /// Reads a stored record. Stored text was checked when saved; anything unreadable (a
    /// hand-edited database) falls back to the default for that setting.
    pub fn from_record(record: &OutreachSettingsRecord, has_mail_relay: bool) -> OutreachSettings {
        let template =
            |subject: &Option<String>, body: &Option<String>, default: MessageTemplate| {
                let subject = subject
                    .as_deref()
                    .and_then(|s| Template::parse(s).ok())
                    .unwrap_or(default.subject.clone());
                let body = body
                    .as_deref()
                    .and_then(|b| MessageTemplate::parse("subject", b).ok())
                    .map(|t| t.body)
                    .unwrap_or(default.body);
                MessageTemplate { subject, body }
            };
        OutreachSettings {
            channels: record
                .channels
                .unwrap_or(ChannelChoice::default_for(has_mail_relay)),
            channels_chosen: record.channels.is_some(),
            auto_send: record.auto_send,
            cadence: record
                .cadence
                .as_deref()
                .and_then(|c| Cadence::parse(c).ok())
                .unwrap_or_default(),
            sender_name: record.sender_name.clone().filter(|n| !n.trim().is_empty()),
            reply_to: record.reply_to.clone().filter(|r| !r.trim().is_empty()),
            first: template(
                &record.first_subject,
                &record.first_body,
                MessageTemplate::default_first(),
            ),
            reminder: template(
                &record.reminder_subject,
                &record.reminder_body,
                MessageTemplate::default_reminder(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Channel;

    #[test]
    fn unset_settings_follow_the_server_and_the_defaults() {
        let unset = OutreachSettingsRecord::default();
        let with_relay = OutreachSettings::from_record(&unset, true);
        assert_eq!(with_relay.channels.channels(), [Channel::Email]);
        assert!(!with_relay.channels_chosen);
        let without = OutreachSettings::from_record(&unset, false);
        assert_eq!(without.channels.channels(), [Channel::Creatoriq]);
        assert_eq!(without.cadence, Cadence::default());
        assert_eq!(without.first, MessageTemplate::default_first());
        assert!(!without.auto_send);
    }

    #[test]
    fn each_refusal_names_its_field() {
        let bad = |record: OutreachSettingsRecord| check(&record).unwrap_err();
        let err = bad(OutreachSettingsRecord {
            first_body: Some("Hi {first_name}, {link}".into()),
            ..Default::default()
        });
        assert_eq!(err.field, "first_body");
        assert!(err
            .to_string()
            .starts_with("First message: {first_name} is not a placeholder"));
        assert_eq!(
            bad(OutreachSettingsRecord {
                reminder_body: Some("No link".into()),
                ..Default::default()
            })
            .field,
            "reminder_body"
        );
        assert_eq!(
            bad(OutreachSettingsRecord {
                cadence: Some("9, 2".into()),
                ..Default::default()
            })
            .field,
            "cadence"
        );
        assert_eq!(
            bad(OutreachSettingsRecord {
                reply_to: Some("ops at acme".into()),
                ..Default::default()
            })
            .field,
            "reply_to"
        );
        let good = OutreachSettingsRecord {
            channels: Some(ChannelChoice::Both),
            cadence: Some("3, 7".into()),
            reply_to: Some("ops@acme.example".into()),
            first_subject: Some("Cover for {campaign}".into()),
            first_body: Some("Hi {creator_name}: {link}".into()),
            ..Default::default()
        };
        check(&good).unwrap();
        let settings = OutreachSettings::from_record(&good, false);
        assert_eq!(settings.cadence.days(), [3, 7]);
        assert_eq!(settings.first.subject.source(), "Cover for {campaign}");
        assert_eq!(settings.reminder, MessageTemplate::default_reminder());
        assert_eq!(
            settings.channels.channels(),
            [Channel::Email, Channel::Creatoriq]
        );
    }
}
