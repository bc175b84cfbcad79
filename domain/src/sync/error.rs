//! Why a sync could not run, in words for operators.

use super::*;

/// Why a sync could not run. The `Display` text is meant for operators.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SyncError {
    #[error(
        "This organization has no CreatorIQ API key yet. An admin can add it in Organization > \
         Settings."
    )]
    NotConfigured,
    #[error(transparent)]
    Ciq(#[from] CiqError),
    #[error(
        "The stored CreatorIQ API key could not be read with this server's master key. An admin \
         should enter the key again in Organization > Settings."
    )]
    Crypto(#[source] Arc<CryptoError>),
    #[error("The sync could not be saved (database error).")]
    Store(#[source] Arc<StoreError>),
    #[error("{0} was not found.")]
    NotFound(&'static str),
    #[error("The sync was interrupted before it finished; start it again.")]
    Interrupted,
    /// The run a trigger was waiting for lost its holder (that server stopped).
    #[error("Sync run #{0} stopped without finishing: the server running it stopped answering.")]
    HolderDied(i64),
    /// The stored environment is no longer in the server's allowed list.
    #[error(
        "This organization's CreatorIQ environment ({0}) is not one this server allows any \
         more, so its API key is not sent there. An admin can choose an environment and enter \
         the key again in Organization > Settings."
    )]
    EnvironmentNotAllowed(String),
    /// Another run of the organization is going (webhook processing waits for it).
    #[error("Sync run #{0} of this organization is running; this waits for it to finish.")]
    Busy(i64),
    /// The server's own settings are unusable (said at start-up).
    #[error("{0}")]
    Config(String),
}

impl From<StoreError> for SyncError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => SyncError::NotFound(what),
            other => SyncError::Store(Arc::new(other)),
        }
    }
}

impl From<CryptoError> for SyncError {
    fn from(e: CryptoError) -> Self {
        SyncError::Crypto(Arc::new(e))
    }
}
