//! A creator's message as an email: from the organization's sender name on the server's relay
//! address, reply-to an address an admin set, plain text and HTML, and the one-click "stop
//! reminders" link of RFC 8058 (`List-Unsubscribe` with `List-Unsubscribe-Post`). Every header
//! is built by `lettre` from typed values, so nothing in a creator's or campaign's name can add
//! one.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

/// Everything one email is made of.
#[derive(Debug, Clone)]
pub struct EmailParts<'a> {
    /// The organization's sender name, shown as who the message is from.
    pub from_name: &'a str,
    /// The relay's sending address (`SMTP_FROM`).
    pub from_address: &'a str,
    /// Where the creator's replies go.
    pub reply_to: Option<&'a str>,
    pub to_name: &'a str,
    pub to_address: &'a str,
    /// One line ([`super::Template::render_line`]).
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    /// The one-click link that stops this creator's reminders.
    pub stop_url: &'a str,
}

/// Why an email cannot be built, in operator words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("The creator's email address \"{0}\" cannot receive mail; correct it in CreatorIQ.")]
    Recipient(String),
    #[error("The sending address \"{0}\" is not an email address; check SMTP_FROM.")]
    Sender(String),
    #[error("The reply-to address \"{0}\" is not an email address; correct it in Settings.")]
    ReplyTo(String),
    #[error("The stop-reminders link could not be put in a header.")]
    StopLink,
    #[error("The email could not be built: {0}")]
    Build(String),
}

pub(crate) fn mailbox(name: &str, address: &str) -> Option<Mailbox> {
    let address: Address = address.trim().parse().ok()?;
    // A display name is one line; lettre encodes what is left.
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(Mailbox::new((!name.is_empty()).then_some(name), address))
}

/// Builds the email.
pub fn compose(parts: &EmailParts<'_>) -> Result<Message, EmailError> {
    let from = mailbox(parts.from_name, parts.from_address)
        .ok_or_else(|| EmailError::Sender(parts.from_address.to_string()))?;
    let to = mailbox(parts.to_name, parts.to_address)
        .ok_or_else(|| EmailError::Recipient(parts.to_address.to_string()))?;
    if !parts.stop_url.starts_with("http")
        || parts.stop_url.chars().any(|c| c.is_control() || c == '>')
    {
        return Err(EmailError::StopLink);
    }
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(parts.subject)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe"),
            format!("<{}>", parts.stop_url),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_string(),
        ));
    if let Some(reply_to) = parts.reply_to.filter(|r| !r.trim().is_empty()) {
        let reply = mailbox(parts.from_name, reply_to)
            .ok_or_else(|| EmailError::ReplyTo(reply_to.to_string()))?;
        builder = builder.reply_to(reply);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            parts.text.to_string(),
            parts.html.to_string(),
        ))
        .map_err(|e| EmailError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(to_name: &'a str, subject: &'a str) -> EmailParts<'a> {
        EmailParts {
            from_name: "Acme Agency",
            from_address: "cover@dashboard.example",
            reply_to: Some("ops@acme.example"),
            to_name,
            to_address: "jo@example.com",
            subject,
            text: "Hello Jo, apply here: https://cover.example/apply/abc",
            html: "Hello Jo, apply here: <a href=\"https://cover.example/apply/abc\">link</a>",
            stop_url: "https://cover.example/stop/xyz",
        }
    }

    /// The header lines of a formatted email (continuation lines joined).
    fn headers(message: &Message) -> Vec<String> {
        let raw = String::from_utf8(message.formatted()).unwrap();
        let head = raw.split("\r\n\r\n").next().unwrap();
        let mut out: Vec<String> = Vec::new();
        for line in head.split("\r\n") {
            match out.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => out.push(line.to_string()),
            }
        }
        out
    }

    #[test]
    fn a_message_has_both_bodies_reply_to_and_the_one_click_stop() {
        let message = compose(&parts("Jo Rivera", "Insurance for Summer Launch")).unwrap();
        let h = headers(&message);
        let has = |prefix: &str| h.iter().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(
            has("From: \"Acme Agency\" <cover@dashboard.example>"),
            1,
            "{h:?}"
        );
        assert_eq!(
            has("Reply-To: \"Acme Agency\" <ops@acme.example>"),
            1,
            "{h:?}"
        );
        assert_eq!(has("To: \"Jo Rivera\" <jo@example.com>"), 1, "{h:?}");
        assert_eq!(has("Subject: Insurance for Summer Launch"), 1, "{h:?}");
        assert_eq!(has("List-Unsubscribe: <https://cover.example/stop/xyz>"), 1);
        assert_eq!(has("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), 1);
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
    }

    #[test]
    fn no_header_can_be_added_through_a_name_or_a_subject() {
        let message = compose(&parts(
            "Jo\r\nBcc: everyone@example.com",
            "Launch\r\nX-Injected: 1",
        ))
        .unwrap();
        let h = headers(&message);
        assert!(
            !h.iter()
                .any(|l| l.starts_with("Bcc:") || l.starts_with("X-Injected:")),
            "{h:?}"
        );
        assert_eq!(h.iter().filter(|l| l.starts_with("To:")).count(), 1);
        assert_eq!(h.iter().filter(|l| l.starts_with("Subject:")).count(), 1);
    }

    #[test]
    fn bad_addresses_are_refused_in_operator_words() {
        let mut p = parts("Jo", "s");
        p.to_address = "jo at example";
        let err = compose(&p).unwrap_err();
        assert_eq!(err, EmailError::Recipient("jo at example".into()));
        assert!(err.to_string().contains("correct it in CreatorIQ"));
        let mut p = parts("Jo", "s");
        p.reply_to = Some("nobody");
        assert_eq!(
            compose(&p).unwrap_err(),
            EmailError::ReplyTo("nobody".into())
        );
        let mut p = parts("Jo", "s");
        p.stop_url = "https://x/stop>\r\nBcc: a@b";
        assert_eq!(compose(&p).unwrap_err(), EmailError::StopLink);
    }
}
