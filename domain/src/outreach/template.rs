//! Message templates: an organization's wording with `{placeholders}`, checked when saved (an
//! unknown placeholder is refused, by name) and filled for each creator. `{{` and `}}` write a
//! brace. A subject is one line whatever a creator's or a campaign's name holds, so nothing in
//! the data can add a mail header; the HTML body escapes every value.

use std::fmt::Write as _;

/// The placeholders a message can use, with what each is filled with.
pub const PLACEHOLDERS: [(&str, &str); 6] = [
    ("creator_name", "the creator's name"),
    ("campaign", "the campaign's name"),
    ("coverage_window", "the coverage dates"),
    ("organization", "your organization's name"),
    ("link", "the creator's application link"),
    (
        "due_date",
        "the date cover must start (the campaign's start)",
    ),
];

/// One of [`PLACEHOLDERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    CreatorName,
    Campaign,
    CoverageWindow,
    Organization,
    Link,
    DueDate,
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "creator_name" => Field::CreatorName,
            "campaign" => Field::Campaign,
            "coverage_window" => Field::CoverageWindow,
            "organization" => Field::Organization,
            "link" => Field::Link,
            "due_date" => Field::DueDate,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(Field),
}

/// Why a template cannot be saved, in words for the person editing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("{{{0}}} is not a placeholder a message can fill. Use {list}.", list = placeholder_list())]
    UnknownPlaceholder(String),
    #[error("The {{ at character {0} is not closed with }}. Write {{{{ for a brace.")]
    Unclosed(usize),
    #[error("The }} at character {0} closes nothing. Write }}}} for a brace.")]
    Unopened(usize),
    #[error("The message is empty.")]
    Empty,
    #[error("The message must include {{link}}: without it the creator cannot apply.")]
    MissingLink,
}

fn placeholder_list() -> String {
    PLACEHOLDERS
        .iter()
        .map(|(name, _)| format!("{{{name}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

/// What one creator's message is filled with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageValues {
    pub creator_name: String,
    pub campaign: String,
    pub coverage_window: String,
    pub organization: String,
    pub link: String,
    pub due_date: String,
}

impl MessageValues {
    fn get(&self, field: Field) -> &str {
        match field {
            Field::CreatorName => &self.creator_name,
            Field::Campaign => &self.campaign,
            Field::CoverageWindow => &self.coverage_window,
            Field::Organization => &self.organization,
            Field::Link => &self.link,
            Field::DueDate => &self.due_date,
        }
    }
}

impl Template {
    /// Checks `source`: every `{name}` must be one of [`PLACEHOLDERS`].
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        if source.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, n)| *n) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|(_, n)| *n) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => return Err(TemplateError::Unopened(at + 1)),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some((_, '}')) => break,
                            Some((_, '{')) | None => return Err(TemplateError::Unclosed(at + 1)),
                            Some((_, ch)) => name.push(ch),
                        }
                    }
                    let field = Field::parse(name.trim()).ok_or_else(|| {
                        TemplateError::UnknownPlaceholder(name.trim().to_string())
                    })?;
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(field));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template {
            source: source.to_string(),
            parts,
        })
    }

    /// The text as the organization wrote it.
    pub fn source(&self) -> &str {
        &self.source
    }

    fn uses(&self, field: Field) -> bool {
        self.parts.contains(&Part::Field(field))
    }

    /// Plain text with the values filled in.
    pub fn render(&self, values: &MessageValues) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(field) => out.push_str(values.get(*field)),
            }
        }
        out
    }

    /// One line, for a subject: every line break or other control character in the template
    /// or a value becomes a space, so nothing can start a new mail header.
    pub fn render_line(&self, values: &MessageValues) -> String {
        let text: String = self
            .render(values)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// HTML: the text and every value escaped, line breaks kept, the link a link.
    pub fn render_html(&self, values: &MessageValues) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(&escape(text).replace('\n', "<br>\n")),
                Part::Field(Field::Link) => {
                    let link = escape(&values.link);
                    let _ = write!(out, "<a href=\"{link}\">{link}</a>");
                }
                Part::Field(field) => out.push_str(&escape(values.get(*field))),
            }
        }
        out
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A message's subject and body, both checked; the body must carry the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplate {
    pub subject: Template,
    pub body: Template,
}

impl MessageTemplate {
    pub fn parse(subject: &str, body: &str) -> Result<MessageTemplate, TemplateError> {
        let subject = Template::parse(subject)?;
        let body = Template::parse(body)?;
        if !body.uses(Field::Link) {
            return Err(TemplateError::MissingLink);
        }
        Ok(MessageTemplate { subject, body })
    }

    /// The first message an organization sends until it writes its own.
    pub fn default_first() -> MessageTemplate {
        Self::parse(
            "Insurance for {campaign}: apply before {due_date}",
            "Hello {creator_name},\n\n{organization} works with you on {campaign} \
             ({coverage_window}). Creators on the campaign need pay-as-you-go insurance for \
             the work, and you can apply in a few minutes here:\n\n{link}\n\nPlease apply \
             before {due_date}, when the campaign starts.\n\nThank you,\n{organization}",
        )
        .expect("the default first message is a valid template")
    }

    /// The reminder an organization sends until it writes its own.
    pub fn default_reminder() -> MessageTemplate {
        Self::parse(
            "Reminder: insurance for {campaign}",
            "Hello {creator_name},\n\nYour insurance application for {campaign} \
             ({coverage_window}) is not finished yet. It takes a few minutes:\n\n{link}\n\n\
             Please apply before {due_date}.\n\nThank you,\n{organization}",
        )
        .expect("the default reminder is a valid template")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> MessageValues {
        MessageValues {
            creator_name: "Jo Rivera".into(),
            campaign: "Summer Launch".into(),
            coverage_window: "Jun 1 - Aug 31, 2030".into(),
            organization: "Acme Agency".into(),
            link: "https://cover.example/apply/abc".into(),
            due_date: "Jun 1, 2030".into(),
        }
    }

    #[test]
    fn placeholders_are_filled_and_braces_can_be_written() {
        let t = Template::parse("Hi {creator_name}, {{not a field}} for {campaign}.").unwrap();
        assert_eq!(
            t.render(&values()),
            "Hi Jo Rivera, {not a field} for Summer Launch."
        );
        assert_eq!(
            Template::parse("{ link }").unwrap().render(&values()),
            "https://cover.example/apply/abc"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_refused_by_name() {
        let err = Template::parse("Hi {first_name}").unwrap_err();
        assert_eq!(err, TemplateError::UnknownPlaceholder("first_name".into()));
        let text = err.to_string();
        assert!(
            text.starts_with("{first_name} is not a placeholder"),
            "{text}"
        );
        assert!(
            text.contains("{creator_name}") && text.contains("{due_date}"),
            "{text}"
        );
        assert_eq!(
            Template::parse("Hi {name").unwrap_err(),
            TemplateError::Unclosed(4)
        );
        assert_eq!(
            Template::parse("a } b").unwrap_err(),
            TemplateError::Unopened(3)
        );
        assert_eq!(Template::parse("  ").unwrap_err(), TemplateError::Empty);
        assert_eq!(
            MessageTemplate::parse("Subject", "No link here").unwrap_err(),
            TemplateError::MissingLink
        );
    }

    #[test]
    fn a_subject_stays_one_line_whatever_the_data_holds() {
        let t = Template::parse("Insurance for {campaign} ({creator_name})").unwrap();
        let hostile = MessageValues {
            creator_name: "Jo\r\nBcc: everyone@example.com".into(),
            campaign: "Launch\nX-Injected: 1".into(),
            ..values()
        };
        let subject = t.render_line(&hostile);
        assert!(
            !subject.contains('\r') && !subject.contains('\n'),
            "{subject:?}"
        );
        assert_eq!(
            subject,
            "Insurance for Launch X-Injected: 1 (Jo Bcc: everyone@example.com)"
        );
    }

    #[test]
    fn the_html_body_escapes_every_value_and_links_the_link() {
        let t = Template::parse("Hi {creator_name}\n{link}").unwrap();
        let html = t.render_html(&MessageValues {
            creator_name: "<script>alert(1)</script> & co".into(),
            ..values()
        });
        assert_eq!(
            html,
            "Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; co<br>\n\
             <a href=\"https://cover.example/apply/abc\">https://cover.example/apply/abc</a>"
        );
    }

    #[test]
    fn the_default_messages_carry_the_link_and_fill_every_placeholder() {
        for t in [
            MessageTemplate::default_first(),
            MessageTemplate::default_reminder(),
        ] {
            let body = t.body.render(&values());
            assert!(body.contains("https://cover.example/apply/abc"));
            assert!(!body.contains('{'), "{body}");
            assert!(!t.subject.render_line(&values()).is_empty());
        }
    }
}
