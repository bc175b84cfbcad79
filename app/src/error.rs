//! The one error type server functions return. Its text is what the person in front of the
//! dashboard reads, so internal causes are logged on the server and replaced by a short message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("Only an organization admin can do this.")]
    Forbidden,
    #[error("The email or password is incorrect.")]
    InvalidCredentials,
    /// Input the user can correct; the text says how.
    #[error("{0}")]
    Invalid(String),
    /// Nothing the person may see has this id or token (another organization's id reads the
    /// same as one that never existed). The text names what was looked for.
    #[error("{0}")]
    NotFound(String),
    #[error("Something went wrong on our side. Please try again; if it keeps happening, contact support.")]
    Internal,
    /// Too much at once (password checks); answered 503 with a Retry-After.
    #[error("The dashboard is busy right now. Please try again in a few seconds.")]
    Busy,
    /// The request never reached us or the answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<domain::auth::AuthError> for AppError {
    fn from(e: domain::auth::AuthError) -> Self {
        use domain::auth::AuthError;
        match e {
            AuthError::InvalidCredentials => AppError::InvalidCredentials,
            AuthError::InvalidInput(text) => AppError::Invalid(text.to_string()),
            AuthError::Busy => AppError::Busy,
            e @ (AuthError::Store(_) | AuthError::Hashing) => {
                AppError::internal("checking a password", e)
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an unexpected failure with its cause chain and returns the generic message.
    pub fn internal(context: &str, err: impl std::fmt::Debug) -> Self {
        tracing::error!(error = ?err, "{context}");
        AppError::Internal
    }
}

/// `.context("loading settings")`: a failure that is nobody's input, logged with what was
/// being done and answered with the generic message.
#[cfg(feature = "ssr")]
pub trait Context<T> {
    fn context(self, doing: &str) -> Result<T, AppError>;
}

#[cfg(feature = "ssr")]
impl<T, E: std::fmt::Debug> Context<T> for Result<T, E> {
    fn context(self, doing: &str) -> Result<T, AppError> {
        self.map_err(|e| AppError::internal(doing, e))
    }
}
