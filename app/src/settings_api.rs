//! Organization > Settings: the CreatorIQ connection (an environment from the server's allowed
//! list and an API key, tested before they are stored, the key encrypted for that environment
//! and only ever shown as its last four characters), today's request usage, and required
//! coverage.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Context;

pub use vocabulary::CoverageTypes;

/// A CreatorIQ environment the server allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentView {
    pub base_url: String,
    pub label: String,
}

/// What the settings page shows. Carries the key's last four characters, never the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub is_admin: bool,
    /// Last four characters of the stored key; `Some("")` for a stored key too short to show any.
    pub key_last4: Option<String>,
    /// The organization's environment (or the default one while none was chosen).
    pub environment: EnvironmentView,
    /// Set when the stored environment is no longer in the server's list: syncs are refused
    /// until an admin chooses one and enters the key again.
    pub environment_withdrawn: Option<String>,
    /// Every environment an admin may choose.
    pub environments: Vec<EnvironmentView>,
    /// CreatorIQ requests counted today (UTC) for the stored key, and the daily limit.
    pub requests_today: Option<(u64, u64)>,
    /// The required coverage.
    pub coverage: CoverageTypes,
    /// The "Open in CreatorIQ" address template, if one was saved.
    pub app_link_template: Option<String>,
}

impl SettingsView {
    /// "1,234 of 100,000 CreatorIQ requests used today (UTC)".
    pub fn usage_line(&self) -> Option<String> {
        self.requests_today.map(|(used, limit)| {
            format!(
                "{} of {} CreatorIQ requests used today (UTC day; CreatorIQ allows 100,000 per \
                 key per day).",
                thousands(used),
                thousands(limit)
            )
        })
    }
}

/// `100000` -> `100,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    use domain::store::{Member, Role};
    use domain::sync::ConnectError;

    use crate::error::AppError;

    pub fn require_admin(member: &Member) -> Result<(), AppError> {
        if member.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
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

    /// What happened, in the operator's words, when a connection was not saved or tested.
    pub fn explain_connect(err: &ConnectError, base_url: &str) -> String {
        match err {
            ConnectError::Refused(ciq) => explain_failure(ciq, base_url),
            other => other.to_string(),
        }
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
                "Could not reach CreatorIQ at {base_url} ({reason}). Check the CreatorIQ \
                 environment, or try again in a few minutes."
            ),
            CiqError::RateLimited { .. } => "CreatorIQ is limiting requests for this key right \
                now (HTTP 429, too many requests). Wait a minute and try again."
                .to_string(),
            CiqError::EndpointNotFound { .. } => format!(
                "CreatorIQ has no campaigns endpoint at {base_url} (HTTP 404). Check the \
                 CreatorIQ environment."
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
pub use server::{parse_submitted_key, require_admin};

#[cfg(feature = "ssr")]
use domain::sync::ConnectError;

#[server(endpoint = "settings/get")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    let ctx = server_context()?;
    let org = member.org_id;
    let settings = ctx
        .store
        .ciq_settings(org)
        .await
        .context("loading settings")?;
    let envs = ctx.engine.environments();
    let view = |e: &domain::creatoriq::CiqEnvironment| EnvironmentView {
        base_url: e.base_url().to_string(),
        label: e.label().to_string(),
    };
    let has_key = settings.api_key.is_some();
    let current = envs.get(&settings.base_url);
    let environment_withdrawn = (has_key && current.is_none()).then(|| settings.base_url.clone());
    let environment = current
        .or_else(|| envs.default_environment())
        .map(view)
        .unwrap_or_else(|| EnvironmentView {
            base_url: settings.base_url.clone(),
            label: settings.base_url.clone(),
        });
    let requests_today = ctx
        .engine
        .requests_today_with(org, &settings)
        .await
        .context("reading today's CreatorIQ request count")?
        .map(|u| (u.used, u.limit));
    Ok(SettingsView {
        is_admin: member.role == domain::store::Role::Admin,
        key_last4: has_key.then(|| settings.api_key_last4.clone().unwrap_or_default()),
        environment,
        environment_withdrawn,
        environments: envs.iter().map(view).collect(),
        requests_today,
        coverage: settings.coverage_types,
        app_link_template: settings.app_link_template,
    })
}

/// Connects the organization to a CreatorIQ environment with a key: both are checked (the
/// environment against the server's list, the key with CreatorIQ) and stored together only if
/// CreatorIQ accepts the key there. Changing environment therefore always takes the key again.
#[server(endpoint = "settings/save_key")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn save_api_key(api_key: String, environment: String) -> Result<KeyCheck, AppError> {
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
        .context("loading settings")?;
    let previous = settings
        .api_key
        .as_ref()
        .map(|_| settings.api_key_last4.clone().unwrap_or_default());
    let base_url = environment.trim();
    let campaigns = match ctx.engine.connect_creatoriq(org, base_url, &key).await {
        Ok(n) => n,
        Err(ConnectError::Store(e)) => return Err(AppError::internal("saving the API key", e)),
        Err(err) => {
            tracing::info!(org = org.0, error = %err, "CreatorIQ connection not saved");
            let shown: String = base_url.chars().take(200).collect();
            return Err(AppError::Invalid(format!(
                "{} {}",
                server::explain_connect(&err, &shown),
                server::kept_key(previous.as_deref())
            )));
        }
    };
    tracing::info!(
        org = org.0,
        member = member.id.0,
        "CreatorIQ API key replaced"
    );
    {
        use crate::ssr::{audit_by, record};
        use domain::store::AuditAction;
        let key_detail = match &previous {
            Some(old) => format!("key ending {old} replaced by key ending {}", key.last4()),
            None => format!("key ending {}", key.last4()),
        };
        record(
            ctx.store.as_ref(),
            audit_by(&member, AuditAction::KeySaved)
                .subject(base_url.to_string())
                .detail(key_detail),
        )
        .await;
        if settings.base_url.trim_end_matches('/') != base_url.trim_end_matches('/') {
            record(
                ctx.store.as_ref(),
                audit_by(&member, AuditAction::EnvironmentChanged)
                    .detail(format!("{} → {base_url}", settings.base_url)),
            )
            .await;
        }
    }
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
    let base_url = ctx
        .store
        .ciq_settings(org)
        .await
        .context("loading settings")?
        .base_url;
    match ctx.engine.test_stored_key(org).await {
        Ok((n, last4)) => Ok(KeyCheck {
            message: format!(
                "Connected. CreatorIQ accepted the stored key: it can see {}.",
                server::campaigns(n)
            ),
            key_last4: last4,
            campaigns: n,
        }),
        Err(ConnectError::Store(e)) => Err(AppError::internal("testing the connection", e)),
        Err(ConnectError::NoKey) => Err(AppError::Invalid(
            "No CreatorIQ API key is stored yet. Choose Add key to add one.".to_string(),
        )),
        Err(err) => Err(AppError::Invalid(server::explain_connect(&err, &base_url))),
    }
}

#[server(endpoint = "settings/save_coverage")]
pub async fn save_coverage(coverage: String) -> Result<String, AppError> {
    use crate::ssr::{current_member, server_context};

    let member = current_member().await?;
    server::require_admin(&member)?;
    let types = CoverageTypes::from_form_value(&coverage).ok_or_else(|| {
        AppError::Invalid("Choose workers' compensation, general liability, or both.".to_string())
    })?;
    let store = server_context()?.store;
    let before = store
        .ciq_settings(member.org_id)
        .await
        .context("loading settings")?
        .coverage_types;
    store
        .save_coverage_types(member.org_id, types)
        .await
        .context("saving coverage types")?;
    if before != types {
        crate::ssr::record(
            store.as_ref(),
            crate::ssr::audit_by(&member, domain::store::AuditAction::CoverageChanged)
                .detail(format!("{} → {}", before.as_str(), types.as_str())),
        )
        .await;
    }
    Ok("Required coverage saved. Application links issued from the next sync use it.".to_string())
}

/// Saves (or, blank, removes) the address template of the contractor page's "Open in
/// CreatorIQ" link, checked first.
#[server(endpoint = "settings/save_app_link")]
pub async fn save_app_link(template: String) -> Result<String, AppError> {
    use crate::ssr::{current_member, server_context};
    use domain::creatoriq::AppLinkTemplate;

    let member = current_member().await?;
    server::require_admin(&member)?;
    let checked = match template.trim() {
        "" => None,
        raw => Some(AppLinkTemplate::parse(raw).map_err(|e| AppError::Invalid(e.to_string()))?),
    };
    let store = server_context()?.store;
    let before = store
        .ciq_settings(member.org_id)
        .await
        .context("loading settings")?
        .app_link_template;
    let after = checked.as_ref().map(|t| t.as_str().to_string());
    store
        .save_app_link_template(member.org_id, after.as_deref())
        .await
        .context("saving the Open in CreatorIQ address")?;
    if before != after {
        crate::ssr::record(
            store.as_ref(),
            crate::ssr::audit_by(&member, domain::store::AuditAction::AppLinkChanged)
                .detail(after.clone().unwrap_or_else(|| "removed".to_string())),
        )
        .await;
    }
    Ok(match after {
        Some(_) => "Saved. Each contractor's page now links to its creator in CreatorIQ.",
        None => "Removed. Contractor pages show the CreatorIQ ids instead of a link.",
    }
    .to_string())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::server::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1000), "1,000");
        assert_eq!(super::thousands(100_000), "100,000");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }

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
