//! Password hashing and sign-in. Argon2id runs on the blocking pool so a burst of sign-ins
//! never stalls the async runtime, at most one hash per core at a time so a burst cannot take
//! every core and the memory each hash needs, and an unknown email costs the same work as a
//! wrong password so response time does not reveal which emails have accounts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::store::{Member, OrgId, Role, Store, StoreError};

/// A password as typed by a person. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(••••)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the email or password is incorrect")]
    InvalidCredentials,
    #[error("{0}")]
    InvalidInput(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed")]
    Hashing,
    /// Every hashing permit stayed taken for [`HASH_PERMIT_WAIT`]: the caller answers "busy,
    /// try again" instead of queueing without end.
    #[error("too many passwords are being checked at once")]
    Busy,
}

/// How long a password check waits for one of the per-core hashing permits before it gives up
/// with [`AuthError::Busy`].
pub const HASH_PERMIT_WAIT: Duration = Duration::from_secs(5);

/// Argon2 runs (hashes and verifications) since start-up, across the process.
static ARGON2_RUNS: AtomicU64 = AtomicU64::new(0);

/// How many argon2 hashes and verifications this process has run: what a flood of requests
/// cost, for tests and diagnostics.
pub fn argon2_runs() -> u64 {
    ARGON2_RUNS.load(Ordering::Relaxed)
}

/// Minimum length for new passwords; sign-in accepts whatever was set.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Lower-cases and trims an email for storage and lookup.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn hash_blocking(password: &str) -> Result<String, AuthError> {
    ARGON2_RUNS.fetch_add(1, Ordering::Relaxed);
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AuthError::Hashing)
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    ARGON2_RUNS.fetch_add(1, Ordering::Relaxed);
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password with the same parameters as real ones, verified against when
/// the email is unknown.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::random();
        hash_blocking(&hex_string(&random)).unwrap_or_default()
    })
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password (argon2id, random salt) off the async runtime.
pub async fn hash_password(password: &Password) -> Result<String, AuthError> {
    if password.expose().chars().count() < MIN_PASSWORD_LEN {
        return Err(AuthError::InvalidInput(
            "the password must be at least 10 characters long",
        ));
    }
    let password = password.clone();
    on_hashing_pool(move || hash_blocking(password.expose())).await?
}

/// One permit per core: at most that many argon2 runs at a time, process-wide.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs argon2 work on the blocking pool once one of the per-core permits is free: a burst of
/// sign-ins waits its turn, for at most [`HASH_PERMIT_WAIT`].
async fn on_hashing_pool<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AuthError> {
    let _permit = tokio::time::timeout(HASH_PERMIT_WAIT, hashing_permits().acquire())
        .await
        .map_err(|_| AuthError::Busy)?
        .map_err(|_| AuthError::Hashing)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| AuthError::Hashing)
}

/// The hash of a random password nobody knows: what a member added without a password has
/// until they use their one-time link. Verifying against it costs the same as a real one.
pub async fn unusable_password_hash() -> Result<String, AuthError> {
    let random: [u8; 32] = rand::random();
    hash_password(&Password::new(hex_string(&random))).await
}

/// Checks an email and password. Unknown emails and wrong passwords give the same error after
/// the same amount of work.
pub async fn authenticate(
    store: &dyn Store,
    email: &str,
    password: &Password,
) -> Result<Member, AuthError> {
    let email = normalize_email(email);
    let credentials = store.member_credentials(&email).await?;
    let (member_id, hash) = match &credentials {
        Some(c) => (Some(c.id), c.password_hash.clone()),
        None => (None, String::new()),
    };
    let password = password.clone();
    let valid = on_hashing_pool(move || {
        let hash = if hash.is_empty() { dummy_hash() } else { &hash };
        verify_blocking(password.expose(), hash)
    })
    .await?;
    match (member_id, valid) {
        (Some(id), true) => store.member(id).await?.ok_or(AuthError::InvalidCredentials),
        _ => Err(AuthError::InvalidCredentials),
    }
}

/// Creates an organization and its first admin (the CLI's `create-org`).
pub async fn create_organization_with_admin(
    store: &dyn Store,
    slug: &str,
    name: &str,
    admin_email: &str,
    admin_password: &Password,
) -> Result<Member, AuthError> {
    let slug = slug.trim();
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AuthError::InvalidInput(
            "the slug must be lower-case letters, digits and dashes",
        ));
    }
    if name.trim().is_empty() {
        return Err(AuthError::InvalidInput("the organization name is required"));
    }
    let email = normalize_email(admin_email);
    if !email.contains('@') {
        return Err(AuthError::InvalidInput(
            "the admin email is not an email address",
        ));
    }
    let hash = hash_password(admin_password).await?;
    let org = store.create_organization(slug, name.trim()).await?;
    add_member_hashed(store, org.id, &email, &hash, Role::Admin).await
}

/// Adds a member with an already-hashed password.
pub async fn add_member_hashed(
    store: &dyn Store,
    org: OrgId,
    email: &str,
    hash: &str,
    role: Role,
) -> Result<Member, AuthError> {
    Ok(store.create_member(org, email, hash, role).await?)
}

/// Adds a member to an existing organization.
pub async fn add_member(
    store: &dyn Store,
    org: OrgId,
    email: &str,
    password: &Password,
    role: Role,
) -> Result<Member, AuthError> {
    let hash = hash_password(password).await?;
    add_member_hashed(store, org, &normalize_email(email), &hash, role).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every permit taken for longer than the bound, a check gives up with `Busy` instead
    /// of queueing without end, and runs no argon2.
    #[tokio::test(start_paused = true)]
    async fn a_check_waits_for_a_hashing_permit_only_so_long() {
        let permits = hashing_permits();
        let held = permits
            .acquire_many(u32::try_from(permits.available_permits()).unwrap())
            .await
            .unwrap();
        let before = argon2_runs();
        let started = tokio::time::Instant::now();
        let result = hash_password(&Password::new("long enough password")).await;
        assert!(matches!(result, Err(AuthError::Busy)), "{result:?}");
        assert_eq!(started.elapsed(), HASH_PERMIT_WAIT);
        assert_eq!(argon2_runs(), before);
        drop(held);
        assert!(hash_password(&Password::new("long enough password"))
            .await
            .is_ok());
        assert_eq!(argon2_runs(), before + 1);
    }
}
