//! Typed configuration read from environment variables, with defaults that run the embedded
//! demo on a laptop.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use domain::alerts::{AlertConfig, SmtpConfig, SmtpTls};
use domain::creatoriq::CiqEnvironments;
use domain::sync::{SyncConfig, CREATORIQ_DAILY_LIMIT};

#[derive(Clone)]
pub struct Config {
    /// `DASHBOARD_ADDR`: where to listen.
    pub addr: SocketAddr,
    /// `DATABASE_URL`: `sqlite://path` (default `sqlite://data/dashboard.db`) or
    /// `postgres://user@host/db`; any other scheme is refused at start-up.
    pub database_url: String,
    /// `PUBLIC_BASE_URL`: how people reach the dashboard; used in application links and to
    /// decide whether cookies are `Secure`.
    pub public_base_url: String,
    /// `SITE_ROOT` (or cargo-leptos' `LEPTOS_SITE_ROOT`): the built CSS/JS/wasm.
    pub site_root: PathBuf,
    /// `MASTER_KEY_FILE`: the 32-byte key that encrypts CreatorIQ API keys at rest; created
    /// (mode 0600) if missing. Back it up: without it stored API keys must be entered again.
    pub master_key_file: PathBuf,
    /// `CREATORIQ_BASE_URLS`: the CreatorIQ environments organizations may choose, comma
    /// separated (default production only). The only hosts that ever receive an API key.
    pub ciq_environments: CiqEnvironments,
    /// `CREATORIQ_DAILY_REQUEST_LIMIT`: requests per API key per UTC day (CreatorIQ: 100,000).
    pub ciq_daily_limit: u64,
    /// `SYNC_LEASE_SECONDS`: how long a sync's lease lasts without a heartbeat (default 30; the
    /// heartbeat runs three times per lease). A server that dies mid-sync is taken over by
    /// another instance after this long.
    pub sync_lease: std::time::Duration,
    /// `INSTANCE_ID`: this instance's name in the sync lease (default: random).
    pub instance_id: Option<String>,
    /// Alerts: `SMTP_HOST`, `SMTP_PORT` (default 587, or 465 with `SMTP_TLS=tls`),
    /// `SMTP_USERNAME`, `SMTP_PASSWORD`, `SMTP_FROM`, `SMTP_TLS` (`starttls` default, `tls`,
    /// `none`); `ALERT_HTTP_HOSTS`: `host:port`s alert webhooks may use over plain http.
    pub alerts: AlertConfig,
    /// `SESSION_MAX_HOURS`: how long a session lasts from sign-in however active it is (default
    /// 24; it also ends after 12 idle hours).
    pub session_max_age: std::time::Duration,
    /// `TRUSTED_PROXIES`: comma-separated addresses or networks (e.g. `10.0.0.0/8`) of the
    /// load balancers in front of the dashboard; only from these is `X-Forwarded-For` believed
    /// for the client's address. None by default.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `RATES_FILE`: the insurer's rating table (TOML: net rates per coverage type and work
    /// state, the platform fee, where cover cannot be sold). Unset: the shipped example table,
    /// and every page with a price says "example rates". A table that cannot be read refuses
    /// start-up, naming the line.
    pub rating: std::sync::Arc<domain::rating::RatingTable>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("public_base_url", &self.public_base_url)
            .field("site_root", &self.site_root)
            .field("master_key_file", &self.master_key_file)
            .field("ciq_environments", &self.ciq_environments)
            .field("ciq_daily_limit", &self.ciq_daily_limit)
            .field("sync_lease", &self.sync_lease)
            .field("instance_id", &self.instance_id)
            .field("smtp", &self.alerts.smtp)
            .field("session_max_age", &self.session_max_age)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("rating", &self.rating.origin)
            .finish()
    }
}

/// The alert settings: SMTP (only when `SMTP_HOST` is set; then `SMTP_FROM` is required) and
/// the hosts alert webhooks may reach over plain http.
fn alert_config(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<AlertConfig> {
    let set = |k: &str| {
        get(k)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let smtp = match set("SMTP_HOST") {
        None => None,
        Some(host) => {
            let tls = match set("SMTP_TLS") {
                Some(raw) => {
                    SmtpTls::parse(&raw).context("SMTP_TLS must be starttls, tls or none")?
                }
                None => SmtpTls::StartTls,
            };
            let port = match set("SMTP_PORT") {
                Some(raw) => raw
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .context("SMTP_PORT must be a port number")?,
                None if tls == SmtpTls::Tls => 465,
                None => 587,
            };
            let from = set("SMTP_FROM").context(
                "SMTP_FROM is required with SMTP_HOST: the address alerts are sent from",
            )?;
            Some(SmtpConfig {
                host,
                port,
                username: set("SMTP_USERNAME"),
                password: get("SMTP_PASSWORD").filter(|p| !p.is_empty()),
                from,
                tls,
            })
        }
    };
    let http_hosts = set("ALERT_HTTP_HOSTS")
        .map(|raw| {
            raw.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect()
        })
        .unwrap_or_default();
    Ok(AlertConfig { smtp, http_hosts })
}

/// `10.0.0.0/8, 192.0.2.10, 2001:db8::/32`: a bare address is a network of one.
fn parse_networks(raw: &str) -> Option<Vec<ipnet::IpNet>> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .ok()
                .or_else(|| p.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
        })
        .collect()
}

/// Hides the secrets of a URL: the password of `scheme://user:password@host`, and the value of
/// any query parameter that may hold one (PostgreSQL takes `?password=` and `?sslpassword=`).
pub fn redact_url(url: &str) -> String {
    let (address, query) = match url.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (url, None),
    };
    let mut shown = match (address.find("://"), address.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &address[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!(
                "{}://{user}:••••@{}",
                &address[..scheme_end],
                &address[at + 1..]
            )
        }
        _ => address.to_owned(),
    };
    if let Some(query) = query {
        let secret = |name: &str| {
            let name = name.to_ascii_lowercase();
            ["pass", "secret", "key", "token"]
                .iter()
                .any(|s| name.contains(s))
        };
        let params: Vec<String> = query
            .split('&')
            .map(|param| match param.split_once('=') {
                Some((name, _)) if secret(name) => format!("{name}=••••"),
                _ => param.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    shown
}

impl Config {
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let addr: SocketAddr = get("DASHBOARD_ADDR")
            .or_else(|| get("LEPTOS_SITE_ADDR"))
            .unwrap_or_else(|| "127.0.0.1:3000".to_owned())
            .parse()
            .context("DASHBOARD_ADDR must be host:port, e.g. 127.0.0.1:3000")?;
        let public_base_url = get("PUBLIC_BASE_URL")
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_base_url.starts_with("http://") || public_base_url.starts_with("https://")) {
            anyhow::bail!("PUBLIC_BASE_URL must start with http:// or https://");
        }
        let ciq_environments = match get("CREATORIQ_BASE_URLS") {
            Some(raw) => CiqEnvironments::parse(&raw)
                .map_err(|e| anyhow::anyhow!("CREATORIQ_BASE_URLS: {e}"))?,
            None => CiqEnvironments::default(),
        };
        let ciq_daily_limit = match get("CREATORIQ_DAILY_REQUEST_LIMIT") {
            Some(raw) => raw.trim().parse::<u64>().ok().filter(|n| *n > 0).context(
                "CREATORIQ_DAILY_REQUEST_LIMIT must be a whole number of requests, at least 1",
            )?,
            None => CREATORIQ_DAILY_LIMIT,
        };
        let sync_lease = match get("SYNC_LEASE_SECONDS") {
            Some(raw) => raw
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.3 && *s <= 3600.0)
                .map(std::time::Duration::from_secs_f64)
                .context("SYNC_LEASE_SECONDS must be a number of seconds from 0.3 to 3600")?,
            None => std::time::Duration::from_secs(30),
        };
        let session_max_age = match get("SESSION_MAX_HOURS") {
            Some(raw) => raw
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|h| h.is_finite() && *h >= 0.0005 && *h <= 720.0)
                .map(|h| std::time::Duration::from_secs_f64(h * 3600.0))
                .context("SESSION_MAX_HOURS must be a number of hours up to 720 (30 days)")?,
            None => std::time::Duration::from_secs(24 * 3600),
        };
        let trusted_proxies = match get("TRUSTED_PROXIES") {
            Some(raw) => parse_networks(&raw).context(
                "TRUSTED_PROXIES must be comma-separated addresses or networks, e.g. \
                 10.0.0.0/8, 192.0.2.10",
            )?,
            None => Vec::new(),
        };
        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/dashboard.db".to_owned());
        domain::store::DatabaseUrl::parse(&database_url).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self {
            addr,
            database_url,
            public_base_url,
            site_root: get("SITE_ROOT")
                .or_else(|| get("LEPTOS_SITE_ROOT"))
                .unwrap_or_else(|| "target/site".to_owned())
                .into(),
            master_key_file: get("MASTER_KEY_FILE")
                .unwrap_or_else(|| "data/master.key".to_owned())
                .into(),
            ciq_environments,
            ciq_daily_limit,
            sync_lease,
            instance_id: get("INSTANCE_ID").filter(|s| !s.trim().is_empty()),
            alerts: alert_config(&get)?,
            session_max_age,
            trusted_proxies,
            rating: std::sync::Arc::new(match get("RATES_FILE").filter(|s| !s.trim().is_empty()) {
                Some(path) => domain::rating::RatingTable::load(std::path::Path::new(path.trim()))
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                None => domain::rating::RatingTable::example(),
            }),
        })
    }

    /// The sync engine's settings: the allowed CreatorIQ environments and the daily quota.
    pub fn sync_config(&self) -> SyncConfig {
        let defaults = SyncConfig::default();
        SyncConfig {
            environments: self.ciq_environments.clone(),
            daily_request_limit: self.ciq_daily_limit,
            lease_ttl: self.sync_lease,
            lease_heartbeat: self.sync_lease / 3,
            instance_id: self
                .instance_id
                .clone()
                .unwrap_or(defaults.instance_id.clone()),
            public_base_url: Some(self.public_base_url.clone()),
            alerts: self.alerts.clone(),
            rating: self.rating.clone(),
            ..defaults
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_their_secrets() {
        for (url, shown) in [
            (
                "postgres://app:hunter2@db:5432/cover",
                "postgres://app:••••@db:5432/cover",
            ),
            (
                "postgres://app@db/cover?password=hunter2&sslmode=require",
                "postgres://app:••••@db/cover?password=••••&sslmode=require",
            ),
            (
                "postgres://db/cover?sslmode=verify-full&sslpassword=hunter2",
                "postgres://db/cover?sslmode=verify-full&sslpassword=••••",
            ),
            ("sqlite://data/dashboard.db", "sqlite://data/dashboard.db"),
        ] {
            assert_eq!(redact_url(url), shown);
        }
    }

    #[test]
    fn defaults_run_locally() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_base_url, "http://127.0.0.1:3000");
        assert!(!c.secure_cookies());
    }

    #[test]
    fn trusted_proxies_and_the_session_lifetime_are_checked() {
        let with = |k: &'static str, v: &'static str| {
            Config::from_lookup(move |key| (key == k).then(|| v.to_owned()))
        };
        let c = Config::from_lookup(|_| None).unwrap();
        assert!(
            c.trusted_proxies.is_empty(),
            "no proxy is trusted by default"
        );
        assert_eq!(c.session_max_age, std::time::Duration::from_secs(24 * 3600));
        let c = with("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.10 ,2001:db8::/32").unwrap();
        assert_eq!(c.trusted_proxies.len(), 3);
        assert!(c.trusted_proxies[1].contains(&"192.0.2.10".parse::<std::net::IpAddr>().unwrap()));
        let err = with("TRUSTED_PROXIES", "10.0.0.0/8, the load balancer").unwrap_err();
        assert!(format!("{err:#}").contains("TRUSTED_PROXIES must be"));
        assert_eq!(
            with("SESSION_MAX_HOURS", "8").unwrap().session_max_age,
            std::time::Duration::from_secs(8 * 3600)
        );
        for bad in ["0", "-1", "forever", "1000"] {
            let err = Config::from_lookup(|k| (k == "SESSION_MAX_HOURS").then(|| bad.to_owned()))
                .unwrap_err();
            assert!(format!("{err:#}").contains("SESSION_MAX_HOURS"), "{bad}");
        }
    }

    #[test]
    fn debug_hides_database_password() {
        let c = Config::from_lookup(|k| {
            (k == "DATABASE_URL").then(|| "postgres://app:hunter2secret@db/x".to_owned())
        })
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2secret"), "{shown}");
        assert!(shown.contains("postgres://app:••••@db/x"));
    }

    #[test]
    fn smtp_settings_need_a_sender_and_never_show_the_password() {
        let c = Config::from_lookup(|_| None).unwrap();
        assert_eq!(c.alerts.smtp, None, "no SMTP_HOST: no email alerts");

        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let missing_from = Config::from_lookup(env(&[("SMTP_HOST", "mail.example.com")]));
        assert!(format!("{:#}", missing_from.unwrap_err()).contains("SMTP_FROM"));
        let bad_tls = Config::from_lookup(env(&[
            ("SMTP_HOST", "mail.example.com"),
            ("SMTP_FROM", "alerts@example.com"),
            ("SMTP_TLS", "maybe"),
        ]));
        assert!(format!("{:#}", bad_tls.unwrap_err()).contains("SMTP_TLS"));

        let c = Config::from_lookup(env(&[
            ("SMTP_HOST", "mail.example.com"),
            ("SMTP_FROM", "alerts@example.com"),
            ("SMTP_USERNAME", "alerts"),
            ("SMTP_PASSWORD", "smtp-secret-value"),
            ("ALERT_HTTP_HOSTS", "relay.internal:8080, 127.0.0.1:9000"),
        ]))
        .unwrap();
        let smtp = c.alerts.smtp.as_ref().unwrap();
        assert_eq!((smtp.port, smtp.tls), (587, SmtpTls::StartTls));
        assert_eq!(
            c.alerts.http_hosts,
            ["relay.internal:8080", "127.0.0.1:9000"]
        );
        assert!(!format!("{c:?}").contains("smtp-secret-value"));
    }

    #[test]
    fn creatoriq_environments_default_to_production_and_refuse_plain_http() {
        let c = Config::from_lookup(|_| None).unwrap();
        let urls: Vec<&str> = c.ciq_environments.iter().map(|e| e.base_url()).collect();
        assert_eq!(urls, ["https://apis.creatoriq.com"]);
        assert_eq!(c.ciq_daily_limit, 100_000);

        let c = Config::from_lookup(|k| {
            (k == "CREATORIQ_BASE_URLS")
                .then(|| "https://apis.creatoriq.com,http://127.0.0.1:4010".to_owned())
        })
        .unwrap();
        assert!(c.ciq_environments.get("http://127.0.0.1:4010").is_some());

        let err = Config::from_lookup(|k| {
            (k == "CREATORIQ_BASE_URLS").then(|| "http://apis.creatoriq.com".to_owned())
        })
        .unwrap_err();
        assert!(err.to_string().contains("must use https://"), "{err}");
        let err = Config::from_lookup(|k| {
            (k == "CREATORIQ_DAILY_REQUEST_LIMIT").then(|| "lots".to_owned())
        })
        .unwrap_err();
        assert!(
            err.to_string().contains("CREATORIQ_DAILY_REQUEST_LIMIT"),
            "{err}"
        );
    }

    #[test]
    fn database_url_scheme_is_checked_at_start_up() {
        let with = |url: &'static str| {
            Config::from_lookup(move |k| (k == "DATABASE_URL").then(|| url.to_owned()))
        };
        assert!(with("postgres://app@db/cover").is_ok());
        assert!(with("sqlite://x.db").is_ok());
        let err = with("mysql://app:hunter2@db/x").unwrap_err().to_string();
        assert!(
            err.contains("DATABASE_URL must start with sqlite://"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn rejects_bad_address() {
        let err = Config::from_lookup(|k| (k == "DASHBOARD_ADDR").then(|| "nope".to_owned()))
            .unwrap_err();
        assert!(err.to_string().contains("DASHBOARD_ADDR"));
    }
}
