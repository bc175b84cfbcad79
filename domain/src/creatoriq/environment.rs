//! Where an organization's CreatorIQ API key may be sent.
//!
//! The key is a bearer secret with no scoping, so the server, not the organization, decides which
//! hosts receive it: the configuration lists the allowed CreatorIQ base URLs
//! (`CREATORIQ_BASE_URLS`, default production only) and an admin chooses among them. Every entry
//! must be `https://`; plain `http://` is accepted only for a loopback address (the local
//! sandbox), and only because the configuration names it. Requests never follow redirects (see
//! [`super::client`]), so the list is the complete set of hosts that ever see a key.

use std::fmt;
use std::net::IpAddr;

use super::client::DEFAULT_BASE_URL;

/// Why a base URL cannot be a CreatorIQ environment. The `Display` text is meant for the person
/// who wrote the configuration or filled in the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvironmentError {
    #[error("\"{0}\" is not a web address; write it like https://apis.creatoriq.com")]
    NotAUrl(String),
    #[error(
        "{0} must use https://. Plain http:// would send the API key unencrypted; it is allowed \
         only for a loopback address such as a local CreatorIQ sandbox (127.0.0.1 or ::1)"
    )]
    NotHttps(String),
    #[error("{0} must not contain a user name or password")]
    Credentials(String),
    #[error("{0} must not contain a query (?…) or fragment (#…)")]
    QueryOrFragment(String),
    #[error("no CreatorIQ base URL is configured; CREATORIQ_BASE_URLS must list at least one")]
    Empty,
    #[error("{0} is not one of the CreatorIQ environments this server allows. Choose one of: {1}")]
    NotAllowed(String, String),
}

/// One CreatorIQ environment: a normalised base URL (no trailing slash) and a name for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiqEnvironment {
    base_url: String,
    label: String,
}

impl CiqEnvironment {
    /// Parses and checks one base URL (see the module documentation for the rules).
    pub fn parse(raw: &str) -> Result<CiqEnvironment, EnvironmentError> {
        let trimmed = raw.trim();
        let url = reqwest::Url::parse(trimmed)
            .map_err(|_| EnvironmentError::NotAUrl(trimmed.to_string()))?;
        let shown = trimmed.trim_end_matches('/').to_string();
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => return Err(EnvironmentError::NotAUrl(trimmed.to_string())),
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(EnvironmentError::NotHttps(shown)),
            _ => return Err(EnvironmentError::NotAUrl(trimmed.to_string())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Never echo credentials back: name the host only.
            return Err(EnvironmentError::Credentials(format!(
                "the address for {host}"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() || trimmed.contains(['?', '#']) {
            return Err(EnvironmentError::QueryOrFragment(shown));
        }
        let base_url = url.as_str().trim_end_matches('/').to_string();
        let label = if base_url == DEFAULT_BASE_URL {
            "CreatorIQ production (apis.creatoriq.com)".to_string()
        } else if is_loopback(&url) {
            format!(
                "Local CreatorIQ sandbox ({})",
                base_url.trim_start_matches("http://")
            )
        } else {
            base_url.trim_start_matches("https://").to_string()
        };
        Ok(CiqEnvironment { base_url, label })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What Settings shows in the environment list.
    pub fn label(&self) -> &str {
        &self.label
    }
}

/// `raw` as it may be repeated in a message or a log: without a user name or password, and
/// short.
fn shown(raw: &str) -> String {
    let trimmed = raw.trim();
    match reqwest::Url::parse(trimmed) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.as_str()
                .trim_end_matches('/')
                .chars()
                .take(200)
                .collect()
        }
        Err(_) if trimmed.contains('@') => "that address".to_string(),
        Err(_) => trimmed.chars().take(200).collect(),
    }
}

/// Whether the URL's host is this computer (127.0.0.0/8, ::1 or `localhost`).
pub(super) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The CreatorIQ environments this server allows, in configuration order; the first is the
/// default for organizations that never chose one.
#[derive(Clone, PartialEq, Eq)]
pub struct CiqEnvironments {
    list: Vec<CiqEnvironment>,
}

impl fmt::Debug for CiqEnvironments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.list.iter().map(|e| &e.base_url))
            .finish()
    }
}

impl Default for CiqEnvironments {
    /// CreatorIQ production only.
    fn default() -> Self {
        CiqEnvironments::parse(DEFAULT_BASE_URL).unwrap_or(CiqEnvironments { list: Vec::new() })
    }
}

impl CiqEnvironments {
    /// Reads a comma-separated list such as `CREATORIQ_BASE_URLS`. Duplicates are kept once.
    pub fn parse(raw: &str) -> Result<CiqEnvironments, EnvironmentError> {
        let mut out = CiqEnvironments { list: Vec::new() };
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out = out.with(part)?;
        }
        if out.list.is_empty() {
            return Err(EnvironmentError::Empty);
        }
        Ok(out)
    }

    /// This list plus `raw` (what `dashboard demo` and the tests do for the sandbox).
    pub fn with(mut self, raw: &str) -> Result<CiqEnvironments, EnvironmentError> {
        let env = CiqEnvironment::parse(raw)?;
        if self.get(env.base_url()).is_none() {
            self.list.push(env);
        }
        Ok(self)
    }

    /// The allowed environment `base_url` names, compared after normalisation (surrounding
    /// spaces and a trailing slash do not matter; anything else does).
    pub fn get(&self, base_url: &str) -> Option<&CiqEnvironment> {
        let wanted = base_url.trim().trim_end_matches('/');
        self.list.iter().find(|e| e.base_url == wanted)
    }

    /// Like [`CiqEnvironments::get`], with an error that lists the choices.
    pub fn require(&self, base_url: &str) -> Result<&CiqEnvironment, EnvironmentError> {
        self.get(base_url)
            .ok_or_else(|| EnvironmentError::NotAllowed(shown(base_url), self.choices()))
    }

    /// The environment organizations get until an admin chooses one.
    pub fn default_environment(&self) -> Option<&CiqEnvironment> {
        self.list.first()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CiqEnvironment> {
        self.list.iter()
    }

    fn choices(&self) -> String {
        self.list
            .iter()
            .map(|e| e.base_url.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_is_the_default() {
        let envs = CiqEnvironments::default();
        assert_eq!(
            envs.default_environment().map(CiqEnvironment::base_url),
            Some(DEFAULT_BASE_URL)
        );
        assert!(envs.get("https://apis.creatoriq.com/").is_some());
        assert!(envs.get("http://127.0.0.1:4010").is_none());
    }

    #[test]
    fn https_everywhere_http_only_on_loopback() {
        for ok in [
            "https://apis.creatoriq.com",
            "https://eu.example.com:8443/api/",
            "http://127.0.0.1:4010",
            "http://127.8.0.1:9",
            "http://[::1]:4010",
            "http://localhost:4010",
        ] {
            assert!(CiqEnvironment::parse(ok).is_ok(), "{ok}");
        }
        assert!(matches!(
            CiqEnvironment::parse("http://apis.creatoriq.com"),
            Err(EnvironmentError::NotHttps(_))
        ));
        assert!(matches!(
            CiqEnvironment::parse("http://10.0.0.5:4010"),
            Err(EnvironmentError::NotHttps(_))
        ));
        assert!(matches!(
            CiqEnvironment::parse("http://localhost.evil.example"),
            Err(EnvironmentError::NotHttps(_))
        ));
        for bad in [
            "apis.creatoriq.com",
            "ftp://x.example",
            "https://",
            "not a url",
        ] {
            assert!(
                matches!(
                    CiqEnvironment::parse(bad),
                    Err(EnvironmentError::NotAUrl(_))
                ),
                "{bad}"
            );
        }
        let err = CiqEnvironment::parse("https://user:hunter2@apis.creatoriq.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(matches!(
            CiqEnvironment::parse("https://apis.creatoriq.com/?x=1"),
            Err(EnvironmentError::QueryOrFragment(_))
        ));
    }

    #[test]
    fn lists_are_parsed_and_checked() {
        let envs = CiqEnvironments::parse(" https://apis.creatoriq.com/ , http://127.0.0.1:4010,")
            .unwrap();
        let urls: Vec<&str> = envs.iter().map(CiqEnvironment::base_url).collect();
        assert_eq!(
            urls,
            ["https://apis.creatoriq.com", "http://127.0.0.1:4010"]
        );
        assert_eq!(
            envs.get("http://127.0.0.1:4010").map(CiqEnvironment::label),
            Some("Local CreatorIQ sandbox (127.0.0.1:4010)")
        );
        assert!(matches!(
            CiqEnvironments::parse(" , "),
            Err(EnvironmentError::Empty)
        ));
        assert!(CiqEnvironments::parse("https://a.example,http://b.example").is_err());
        let refused = envs.require("https://evil.example").unwrap_err();
        assert!(
            refused.to_string().contains("http://127.0.0.1:4010"),
            "{refused}"
        );
        let refused = envs
            .require("https://user:hunter2@apis.creatoriq.com")
            .unwrap_err();
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
        // The same host on another port or scheme is another environment.
        assert!(envs.get("https://127.0.0.1:4010").is_none());
        assert!(envs.get("http://127.0.0.1:4011").is_none());
    }
}
