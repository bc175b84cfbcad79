//! The CreatorIQ connection: testing a key before it is stored, saving it with its
//! environment, and counting every request against the key's daily quota (across instances).

use super::*;

impl SyncEngine {
    /// The organization's stored settings and its client: what every read of CreatorIQ starts
    /// with.
    pub(super) async fn connection(
        &self,
        org: OrgId,
    ) -> Result<(CiqSettings, CreatorIqClient), SyncError> {
        let settings = self.inner.store.ciq_settings(org).await?;
        let client = self.client(org, &settings)?;
        Ok((settings, client))
    }

    /// The organization's client, built once per (base URL, key) so its rate limiter is shared
    /// by every run; each run gets fresh counters. Refuses an environment the server does not
    /// allow (any more), and a key that was sealed for another environment.
    pub(super) fn client(
        &self,
        org: OrgId,
        settings: &CiqSettings,
    ) -> Result<CreatorIqClient, SyncError> {
        let secret = settings.api_key.as_ref().ok_or(SyncError::NotConfigured)?;
        let Some(environment) = self.environments().get(&settings.base_url) else {
            return Err(SyncError::EnvironmentNotAllowed(settings.base_url.clone()));
        };
        let base_url = environment.base_url().to_string();
        let mut clients = self.inner.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cached) = clients.get(&org) {
            if cached.base_url == base_url && cached.key == secret.0 {
                return Ok(cached.client.with_fresh_counters());
            }
        }
        let key = self
            .inner
            .master_key
            .decrypt_api_key(org, &base_url, secret)?;
        let client = self.build_client(&base_url, key, None)?;
        clients.insert(
            org,
            CachedClient {
                base_url,
                key: secret.0.clone(),
                client: client.clone(),
            },
        );
        Ok(client.with_fresh_counters())
    }

    /// A client for `base_url` (already checked against the allowed list) whose every request
    /// is first counted against the key's daily quota.
    pub(super) fn build_client(
        &self,
        base_url: &str,
        key: ApiKey,
        template: Option<CreatorIqConfig>,
    ) -> Result<CreatorIqClient, CiqError> {
        let fingerprint = self.inner.master_key.api_key_fingerprint(base_url, &key);
        let config = CreatorIqConfig {
            base_url: base_url.to_string(),
            ..template.unwrap_or_else(|| self.inner.config.ciq.clone())
        };
        let gate = QuotaGate::new(
            Arc::clone(&self.inner.store),
            fingerprint,
            self.inner.config.daily_request_limit,
        );
        Ok(
            CreatorIqClient::with_http_client(self.inner.http.clone(), config, key)?
                .with_gate(Arc::new(gate)),
        )
    }
}

impl SyncEngine {
    /// Checks an API key against CreatorIQ at `base_url` before anything is stored, with one
    /// small request (few retries: someone is waiting on the answer). Returns how many campaigns
    /// the key can see. Uses a throwaway client so the organization's cached client, and the
    /// key it holds, are left alone until the key is actually saved.
    #[tracing::instrument(skip_all, fields(org = org.0))]
    pub async fn test_key(
        &self,
        org: OrgId,
        base_url: &str,
        key: &ApiKey,
    ) -> Result<u64, ConnectError> {
        let environment = self.environments().require(base_url)?;
        let config = CreatorIqConfig {
            max_attempts: 2,
            request_timeout: Duration::from_secs(10),
            ..self.inner.config.ciq.clone()
        };
        let client = self
            .build_client(environment.base_url(), key.clone(), Some(config))
            .map_err(ConnectError::Refused)?;
        client
            .test_connection()
            .await
            .map_err(ConnectError::Refused)
    }

    /// Tests the stored key against the stored environment.
    pub async fn test_stored_key(&self, org: OrgId) -> Result<(u64, String), ConnectError> {
        let settings = self.inner.store.ciq_settings(org).await?;
        let secret = settings.api_key.as_ref().ok_or(ConnectError::NoKey)?;
        let environment = self.environments().require(&settings.base_url)?;
        let key = self
            .inner
            .master_key
            .decrypt_api_key(org, environment.base_url(), secret)
            .map_err(|_| ConnectError::Unreadable)?;
        let campaigns = self.test_key(org, environment.base_url(), &key).await?;
        Ok((campaigns, key.last4().to_string()))
    }

    /// The one way an organization's CreatorIQ connection is saved, whoever asks (Settings, the
    /// CLI, the demo): the environment must be one the server allows, CreatorIQ must accept the
    /// key there, and then the key is sealed for that environment and stored with it in one
    /// write. Nothing is stored when any step fails. Returns how many campaigns the key sees.
    #[tracing::instrument(skip_all, fields(org = org.0))]
    pub async fn connect_creatoriq(
        &self,
        org: OrgId,
        base_url: &str,
        key: &ApiKey,
    ) -> Result<u64, ConnectError> {
        let environment = self.environments().require(base_url)?.clone();
        let campaigns = self.test_key(org, environment.base_url(), key).await?;
        let sealed = self
            .inner
            .master_key
            .encrypt_api_key(org, environment.base_url(), key)
            .map_err(|_| ConnectError::Unreadable)?;
        self.inner
            .store
            .save_ciq_connection(org, environment.base_url(), &sealed, key.last4())
            .await?;
        tracing::info!(
            environment = environment.base_url(),
            "CreatorIQ connection saved"
        );
        // Whatever path saved the key, CreatorIQ is asked to send its events; a failure here
        // does not undo the saved key (Settings shows each subscription and can retry).
        if let Err(err) = self.subscribe_webhooks(org).await {
            tracing::warn!(error = %err, "subscribing to CreatorIQ webhooks failed");
        }
        Ok(campaigns)
    }

    /// Today's (UTC) CreatorIQ requests for the organization's stored key, all instances
    /// together; `None` when no usable key is stored.
    pub async fn requests_today(&self, org: OrgId) -> Result<Option<RequestUsage>, SyncError> {
        let settings = self.inner.store.ciq_settings(org).await?;
        self.requests_today_with(org, &settings).await
    }

    /// [`SyncEngine::requests_today`] for settings the caller already read.
    pub async fn requests_today_with(
        &self,
        org: OrgId,
        settings: &CiqSettings,
    ) -> Result<Option<RequestUsage>, SyncError> {
        let Some(secret) = settings.api_key.as_ref() else {
            return Ok(None);
        };
        let Some(environment) = self.environments().get(&settings.base_url) else {
            return Ok(None);
        };
        let Ok(key) = self
            .inner
            .master_key
            .decrypt_api_key(org, environment.base_url(), secret)
        else {
            return Ok(None);
        };
        let fingerprint = self
            .inner
            .master_key
            .api_key_fingerprint(environment.base_url(), &key);
        let used = self
            .inner
            .store
            .ciq_requests_on(&fingerprint, Utc::now().date_naive())
            .await?;
        Ok(Some(RequestUsage {
            used,
            limit: self.inner.config.daily_request_limit,
        }))
    }
}

/// CreatorIQ requests counted for one key today (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestUsage {
    pub used: u64,
    pub limit: u64,
}

/// Why a CreatorIQ connection could not be saved or tested. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}.")]
    Environment(#[from] EnvironmentError),
    /// CreatorIQ did not accept the key (or could not be reached) at that environment.
    #[error(transparent)]
    Refused(CiqError),
    #[error("No CreatorIQ API key is stored yet.")]
    NoKey,
    #[error(
        "The stored key could not be read with this server's master key, or was saved for \
         another CreatorIQ environment. Enter the key again."
    )]
    Unreadable,
    #[error("The CreatorIQ settings could not be saved (database error).")]
    Store(#[from] StoreError),
}

/// Requests counted in the database at a time by one instance: one write per block instead
/// of one per request. The count shown for today can run ahead of the requests really sent by
/// up to a block per instance; it never lets more than the limit through.
pub(super) const QUOTA_BLOCK: u64 = 10;

/// Counts each request against the key's daily quota in the database, a block at a time.
pub(super) struct QuotaGate {
    store: Arc<dyn Store>,
    fingerprint: String,
    limit: u64,
    /// Requests already counted in the database and not yet sent, and their UTC day.
    reserved: Mutex<(chrono::NaiveDate, u64)>,
}

impl QuotaGate {
    pub(super) fn new(store: Arc<dyn Store>, fingerprint: String, limit: u64) -> QuotaGate {
        QuotaGate {
            store,
            fingerprint,
            limit,
            reserved: Mutex::new((NaiveDate::MIN, 0)),
        }
    }
}

#[async_trait]
impl RequestGate for QuotaGate {
    async fn admit(&self) -> Result<(), GateRefusal> {
        let day = Utc::now().date_naive();
        let mut reserved = self.reserved.lock().await;
        if reserved.0 != day {
            *reserved = (day, 0);
        }
        if reserved.1 > 0 {
            reserved.1 -= 1;
            return Ok(());
        }
        // A whole block while the day has room for it, then single requests up to the limit.
        for n in [QUOTA_BLOCK, 1] {
            match self
                .store
                .count_ciq_requests(&self.fingerprint, day, n, self.limit)
                .await
            {
                Ok(Some(_)) => {
                    reserved.1 = n - 1;
                    return Ok(());
                }
                Ok(None) => continue,
                Err(err) => {
                    tracing::error!(error = ?err, "counting CreatorIQ requests failed");
                    return Err(GateRefusal::Unavailable("database error".to_string()));
                }
            }
        }
        Err(GateRefusal::DailyLimit { limit: self.limit })
    }
}
