//! "Open in CreatorIQ": the address of the page in CreatorIQ's web app where an operator fixes a
//! contractor. CreatorIQ's published contract documents its API, not the addresses of its web
//! app's pages (they differ between environments and white-labelled hosts), so an admin writes
//! the address once on Settings, with `{campaign_id}` and `{creator_id}` where the ids go.

use super::environment::is_loopback;

/// Longest template accepted.
pub const MAX_LEN: usize = 500;

/// The ids a template may name.
const PLACEHOLDERS: [&str; 2] = ["{campaign_id}", "{creator_id}"];

/// Why a template was refused. The text is meant for the admin who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppLinkError {
    #[error(
        "That is not a web address. Write it like \
         https://app.creatoriq.com/dashboard/#campaign/{{campaign_id}}"
    )]
    NotAUrl,
    #[error("The address must start with https:// (http:// only for this computer, 127.0.0.1)")]
    NotHttps,
    #[error("The address must not contain a user name or password")]
    Credentials,
    #[error(
        "Put {{campaign_id}} or {{creator_id}} in the address where CreatorIQ's page expects the \
         ids, or each contractor would open the same page"
    )]
    NoPlaceholder,
    #[error("Only {{campaign_id}} and {{creator_id}} are filled in; {0} is not one of them")]
    UnknownPlaceholder(String),
    #[error("The address is longer than {MAX_LEN} characters")]
    TooLong,
}

/// A checked template, such as `https://app.creatoriq.com/dashboard/#campaign/{campaign_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLinkTemplate(String);

impl AppLinkTemplate {
    /// Checks a template as written on Settings (surrounding spaces ignored).
    pub fn parse(raw: &str) -> Result<AppLinkTemplate, AppLinkError> {
        let template = raw.trim();
        if template.chars().count() > MAX_LEN {
            return Err(AppLinkError::TooLong);
        }
        // Every `{...}` must be a known placeholder.
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            let after = &rest[start..];
            let end = after.find('}').map_or(after.len(), |e| e + 1);
            let name = &after[..end];
            if !PLACEHOLDERS.contains(&name) {
                return Err(AppLinkError::UnknownPlaceholder(
                    name.chars().take(40).collect(),
                ));
            }
            rest = &after[end..];
        }
        if !PLACEHOLDERS.iter().any(|p| template.contains(p)) {
            return Err(AppLinkError::NoPlaceholder);
        }
        let sample = AppLinkTemplate(template.to_string()).link(1, 1);
        let url = reqwest::Url::parse(&sample).map_err(|_| AppLinkError::NotAUrl)?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(AppLinkError::NotAUrl);
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(AppLinkError::NotHttps),
            _ => return Err(AppLinkError::NotAUrl),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(AppLinkError::Credentials);
        }
        Ok(AppLinkTemplate(template.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address for one contractor. The ids are numbers, so nothing else can be injected.
    pub fn link(&self, campaign_id: i64, creator_id: i64) -> String {
        self.0
            .replace("{campaign_id}", &campaign_id.to_string())
            .replace("{creator_id}", &creator_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_fills_in_both_ids() {
        let t = AppLinkTemplate::parse(
            " https://app.creatoriq.com/dashboard/#campaign/{campaign_id}/creator/{creator_id} ",
        )
        .unwrap();
        assert_eq!(
            t.link(42066, 5700002),
            "https://app.creatoriq.com/dashboard/#campaign/42066/creator/5700002"
        );
        assert_eq!(
            AppLinkTemplate::parse("https://x.test/p?publisherId={creator_id}")
                .unwrap()
                .link(1, 77),
            "https://x.test/p?publisherId=77"
        );
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        let cases = [
            ("app.creatoriq.com/{campaign_id}", AppLinkError::NotAUrl),
            (
                "http://app.creatoriq.com/{campaign_id}",
                AppLinkError::NotHttps,
            ),
            ("javascript:alert(1)//{campaign_id}", AppLinkError::NotAUrl),
            (
                "https://u:p@app.creatoriq.com/{campaign_id}",
                AppLinkError::Credentials,
            ),
            (
                "https://app.creatoriq.com/dashboard",
                AppLinkError::NoPlaceholder,
            ),
            (
                "https://app.creatoriq.com/{campaign}",
                AppLinkError::UnknownPlaceholder("{campaign}".into()),
            ),
            (
                "https://app.creatoriq.com/{campaign_id",
                AppLinkError::UnknownPlaceholder("{campaign_id".into()),
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(AppLinkTemplate::parse(raw), Err(want), "{raw}");
        }
        let long = format!("https://a.test/{}{{creator_id}}", "x".repeat(MAX_LEN));
        assert_eq!(AppLinkTemplate::parse(&long), Err(AppLinkError::TooLong));
        assert!(AppLinkTemplate::parse("http://127.0.0.1:4010/app/{creator_id}").is_ok());
    }
}
