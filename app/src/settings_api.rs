//! Organization > Settings: the CreatorIQ API key (tested before it is stored, encrypted at rest,
//! only ever shown as its last four characters), required coverage and the CreatorIQ base URL.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The coverage choices, as the form posts them.
pub const COVERAGE_CHOICES: [(&str, &str); 3] = [
    ("both", "Both workers' compensation and general liability"),
    ("workers-comp", "Workers' compensation only"),
    ("general", "General liability only"),
];

/// What the settings page shows. Carries the key's last four characters, never the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub is_admin: bool,
    /// Last four characters of the stored key; `Some("")` for a stored key too short to show any.
    pub key_last4: Option<String>,
    pub base_url: String,
    pub default_base_url: String,
    /// One of the values of [`COVERAGE_CHOICES`].
    pub coverage: String,
    pub webhook_status: String,
}

impl SettingsView {
    /// `•••• 1234`, the only form in which the key is ever shown.
    pub fn masked_key(&self) -> Option<String> {
        self.key_last4
            .as_ref()
            .map(|l| format!("•••• {l}").trim_end().to_string())
    }
}

/// The answer to a successful key save or connection test: words for the operator and the
/// key's last four characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCheck {
    pub message: String,
    pub key_last4: String,
    pub campaigns: u64,
}

#[cfg(feature = "ssr")]
mod server {
    use domain::creatoriq::{ApiKey, CiqError};
    use domain::store::{CoverageTypes, Member, Role};

    use crate::error::AppError;

    pub fn require_admin(member: &Member) -> Result<(), AppError> {
        if member.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn coverage_value(c: CoverageTypes) -> &'static str {
        match c {
            CoverageTypes::Both => "both",
            CoverageTypes::WorkersComp => "workers-comp",
            CoverageTypes::General => "general",
        }
    }

    pub fn parse_coverage(value: &str) -> Option<CoverageTypes> {
        match value {
            "both" => Some(CoverageTypes::Both),
            "workers-comp" => Some(CoverageTypes::WorkersComp),
            "general" => Some(CoverageTypes::General),
            _ => None,
        }
    }

    /// Reads the key typed into the form. A masked value (what the page shows) is refused, so
    /// the stored key can never be overwritten by its own mask.
    pub fn parse_submitted_key(raw: &str) -> Result<ApiKey, AppError> {
        let trimmed = raw.trim();
        if trimmed.contains('•') || trimmed.contains("****") {
            return Err(AppError::Invalid(
                "That is the masked key shown on this page, not the key itself. Paste the full \
                 API key from CreatorIQ."
                    .to_string(),
            ));
        }
        ApiKey::parse(trimmed).map_err(|e| match e {
            domain::values::ApiKeyError::Blank => {
                AppError::Invalid("Paste the CreatorIQ API key, then choose Save.".to_string())
            }
            other => AppError::Invalid(format!("That does not look like an API key: {other}.")),
        })
    }

    /// A base URL CreatorIQ can be reached at: http(s), a host, no credentials, query or
    /// fragment. Returns it without a trailing slash.
    pub fn parse_base_url(raw: &str) -> Result<String, AppError> {
        let url = raw.trim().trim_end_matches('/');
        let invalid = |why: &str| {
            AppError::Invalid(format!(
                "The CreatorIQ base URL {why}. Use an address like https://apis.creatoriq.com."
            ))
        };
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| invalid("must start with https:// (or http://)"))?;
        if rest.is_empty() || rest.starts_with('/') {
            return Err(invalid("has no host name"));
        }
        if rest.contains('@') {
            return Err(invalid("must not contain a user name or password"));
        }
        if rest.contains('?') || rest.contains('#') {
            return Err(invalid("must not contain a query (?…) or fragment (#…)"));
        }
        if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("must not contain spaces"));
        }
        url.parse::<http::Uri>()
            .map_err(|_| invalid("is not a valid web address"))?;
        Ok(url.to_string())
    }

    /// What happened, in the operator's words, when CreatorIQ did not accept a key.
    pub fn explain_failure(err: &CiqError, base_url: &str) -> String {
        match err {
            CiqError::Unauthorized | CiqError::Forbidden => {
                let status = if matches!(err, CiqError::Unauthorized) {
                    "401 Unauthorized"
                } else {
                    "403 Forbidden"
                };
                format!(
                    "CreatorIQ refused this key (HTTP {status}). Check that you copied the whole \
                     key; if it is right, ask your CreatorIQ account manager whether it is active \
                     and allowed to read campaigns."
                )
            }
            CiqError::Unreachable { reason, .. } => format!(
                "Could not reach CreatorIQ at {base_url} ({reason}). Check the CreatorIQ base URL \
                 under Advanced, or try again in a few minutes."
            ),
            CiqError::RateLimited { .. } => "CreatorIQ is limiting requests for this key right \
                now (HTTP 429, too many requests). Wait a minute and try again."
                .to_string(),
            CiqError::EndpointNotFound { .. } => format!(
                "CreatorIQ has no campaigns endpoint at {base_url} (HTTP 404). Check the \
                 CreatorIQ base URL under Advanced."
            ),
            other => other.to_string(),
        }
    }

    /// The sentence that says the previous key is still the one in use.
    pub fn kept_key(last4: Option<&str>) -> String {
        match last4 {
            Some(l) if !l.is_empty() => {
                format!("The key was not saved; the stored key ending in {l} is still in use.")
            }
            Some(_) => {
                "The key was not saved; the previously stored key is still in use.".to_string()
            }
            None => "The key was not saved.".to_string(),
        }
    }

    pub fn campaigns(n: u64) -> String {
        if n == 1 {
            "1 campaign".to_string()
        } else {
            format!("{n} campaigns")
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::{parse_base_url, parse_submitted_key};

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::ssr::{current_member, server_context};
    use domain::creatoriq::DEFAULT_BASE_URL;

    let member = current_member().await?;
    let ctx = server_context()?;
    let settings = ctx
        .store
        .ciq_settings(member.org_id)
        .await
        .map_err(|e| AppError::internal("loading settings", e))?;
    Ok(SettingsView {
        is_admin: member.role == domain::store::Role::Admin,
        key_last4: settings
            .api_key
            .as_ref()
            .map(|_| settings.api_key_last4.clone().unwrap_or_default()),
        base_url: settings.base_url,
        default_base_url: DEFAULT_BASE_URL.to_string(),
        coverage: server::coverage_value(settings.coverage_types).to_string(),
        webhook_status: "Webhooks: not subscribed — syncs run when you choose Sync now."
            .to_string(),
    })
}

/// Tests the key against CreatorIQ and stores it (encrypted) only if CreatorIQ accepts it.
#[server(endpoint = "settings/save_key")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn save_api_key(api_key: String) -> Result<KeyCheck, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    server::require_admin(&member)?;
    let key = server::parse_submitted_key(&api_key)?;
    drop(api_key);
    let ctx = server_context()?;
    let org = member.org_id;
    let settings = ctx
        .store
        .ciq_settings(org)
        .await
        .map_err(|e| AppError::internal("loading settings", e))?;
    let previous = settings
        .api_key
        .as_ref()
        .map(|_| settings.api_key_last4.clone().unwrap_or_default());
    let campaigns = match ctx.engine.test_key(org, &settings.base_url, &key).await {
        Ok(n) => n,
        Err(err) => {
            tracing::info!(
                org = org.0,
                code = err.code(),
                "CreatorIQ did not accept a new key"
            );
            return Err(AppError::Invalid(format!(
                "{} {}",
                server::explain_failure(&err, &settings.base_url),
                server::kept_key(previous.as_deref())
            )));
        }
    };
    let sealed = ctx
        .engine
        .master_key()
        .encrypt_api_key(org, &key)
        .map_err(|e| AppError::internal("encrypting the API key", e))?;
    ctx.store
        .save_ciq_key(org, &sealed, key.last4())
        .await
        .map_err(|e| AppError::internal("saving the API key", e))?;
    tracing::info!(
        org = org.0,
        member = member.id.0,
        "CreatorIQ API key replaced"
    );
    Ok(KeyCheck {
        message: format!(
            "CreatorIQ accepted the key: it can see {}. The key is saved.",
            server::campaigns(campaigns)
        ),
        key_last4: key.last4().to_string(),
        campaigns,
    })
}

/// Tests the stored key against CreatorIQ and says what CreatorIQ answered.
#[server(endpoint = "settings/test_connection")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn test_connection() -> Result<KeyCheck, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    server::require_admin(&member)?;
    let ctx = server_context()?;
    let org = member.org_id;
    let settings = ctx
        .store
        .ciq_settings(org)
        .await
        .map_err(|e| AppError::internal("loading settings", e))?;
    let Some(sealed) = settings.api_key.as_ref() else {
        return Err(AppError::Invalid(
            "No CreatorIQ API key is stored yet. Choose Edit to add one.".to_string(),
        ));
    };
    let key = ctx
        .engine
        .master_key()
        .decrypt_api_key(org, sealed)
        .map_err(|e| {
            tracing::error!(error = ?e, "stored CreatorIQ key could not be decrypted");
            AppError::Invalid(
                "The stored key could not be read with this server's master key. Enter the key \
             again with Edit."
                    .to_string(),
            )
        })?;
    match ctx.engine.test_key(org, &settings.base_url, &key).await {
        Ok(n) => Ok(KeyCheck {
            message: format!(
                "Connected. CreatorIQ accepted the stored key: it can see {}.",
                server::campaigns(n)
            ),
            key_last4: key.last4().to_string(),
            campaigns: n,
        }),
        Err(err) => Err(AppError::Invalid(server::explain_failure(
            &err,
            &settings.base_url,
        ))),
    }
}

#[server(endpoint = "settings/save_coverage")]
pub async fn save_coverage(coverage: String) -> Result<String, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    server::require_admin(&member)?;
    let types = server::parse_coverage(&coverage).ok_or_else(|| {
        AppError::Invalid("Choose workers' compensation, general liability, or both.".to_string())
    })?;
    server_context()?
        .store
        .save_coverage_types(member.org_id, types)
        .await
        .map_err(|e| AppError::internal("saving coverage types", e))?;
    Ok("Required coverage saved. Application links issued from the next sync use it.".to_string())
}

#[server(endpoint = "settings/save_base_url")]
pub async fn save_base_url(base_url: String) -> Result<String, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    server::require_admin(&member)?;
    let url = server::parse_base_url(&base_url)?;
    server_context()?
        .store
        .save_ciq_base_url(member.org_id, &url)
        .await
        .map_err(|e| AppError::internal("saving the CreatorIQ base URL", e))?;
    Ok(format!(
        "CreatorIQ base URL saved: {url}. Choose Test connection to check it."
    ))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::server::*;

    #[test]
    fn masked_values_are_refused() {
        for raw in ["•••• 1234", "••••1234", "****1234"] {
            assert!(parse_submitted_key(raw).is_err(), "{raw}");
        }
        assert!(parse_submitted_key("  ").is_err());
        assert_eq!(
            parse_submitted_key(" sandbox-key-partner-1 ")
                .unwrap()
                .last4(),
            "er-1"
        );
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            parse_base_url("https://apis.creatoriq.com/").unwrap(),
            "https://apis.creatoriq.com"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:4010").unwrap(),
            "http://127.0.0.1:4010"
        );
        for bad in [
            "ftp://x",
            "apis.creatoriq.com",
            "https://user:pw@apis.creatoriq.com",
            "https://apis.creatoriq.com?x=1",
            "https://apis.creatoriq.com/#a",
            "https://",
            "https://a b",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_keep_the_old_key_in_words() {
        let text = explain_failure(&domain::creatoriq::CiqError::Forbidden, "https://x");
        assert!(text.starts_with("CreatorIQ refused this key"), "{text}");
        assert!(kept_key(Some("1234")).contains("ending in 1234 is still in use"));
        let text = explain_failure(
            &domain::creatoriq::CiqError::Unreachable {
                attempts: 2,
                reason: "connection refused".into(),
            },
            "http://127.0.0.1:9",
        );
        assert!(text.starts_with("Could not reach CreatorIQ at http://127.0.0.1:9"));
    }
}
