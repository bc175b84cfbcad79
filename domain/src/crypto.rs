//! Encryption at rest for secrets the product must be able to read back (the CreatorIQ API key).
//!
//! ChaCha20-Poly1305 under a 32-byte master key that the server keeps outside the database
//! (a file written with mode 0600, or configuration). Each ciphertext carries its own random
//! 96-bit nonce and is bound to its organization and to the CreatorIQ environment (base URL) it
//! was entered for through the associated data: a ciphertext copied into another organization's
//! row does not decrypt, and a key sealed for one host cannot be used for another, so changing
//! environment means entering the key again.

use std::fmt;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

use crate::store::OrgId;
use crate::values::ApiKey;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key must be exactly 32 bytes (got {0})")]
    KeyLength(usize),
    #[error("the master key file {path} could not be read or written")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "a stored secret could not be decrypted: the master key changed or the data is damaged"
    )]
    Decrypt,
    #[error("a secret could not be encrypted")]
    Encrypt,
    #[error("the decrypted secret is not a usable API key")]
    NotAnApiKey,
}

/// The server's master key. Never printed: `Debug` shows only that it is set.
#[derive(Clone)]
pub struct MasterKey([u8; KEY_LEN]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(••••)")
    }
}

/// An encrypted secret as stored: nonce followed by ciphertext and tag.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedSecret(pub Vec<u8>);

impl fmt::Debug for EncryptedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptedSecret({} bytes)", self.0.len())
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<MasterKey, CryptoError> {
        let key: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(MasterKey(key))
    }

    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> MasterKey {
        let mut key = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        MasterKey(key)
    }

    /// Reads the key from `path` (32 raw bytes), or creates the file with a new key, readable
    /// by its owner only, when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, CryptoError> {
        let io_err = |source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                crate::private_files::warn_if_readable_by_others(path, "the master key file");
                return MasterKey::from_bytes(&bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(e)),
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io_err)?;
        }
        let key = MasterKey::generate();
        match crate::private_files::create_private(path).map_err(io_err)? {
            Some(mut file) => {
                file.write_all(&key.0).map_err(io_err)?;
                file.sync_all().map_err(io_err)?;
                Ok(key)
            }
            // Another process created it between our read and our create: use theirs.
            None => {
                let bytes = std::fs::read(path).map_err(io_err)?;
                MasterKey::from_bytes(&bytes)
            }
        }
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.0))
    }

    /// Encrypts `plaintext` bound to `aad` (not secret, but must match on decryption).
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> Result<EncryptedSecret, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| CryptoError::Encrypt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(EncryptedSecret(out))
    }

    pub fn decrypt(&self, secret: &EncryptedSecret, aad: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if secret.0.len() < NONCE_LEN {
            return Err(CryptoError::Decrypt);
        }
        let (nonce, sealed) = secret.0.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
            .map_err(|_| CryptoError::Decrypt)
    }

    /// Encrypts an organization's CreatorIQ API key for use with the environment at
    /// `base_url` only.
    pub fn encrypt_api_key(
        &self,
        org: OrgId,
        base_url: &str,
        key: &ApiKey,
    ) -> Result<EncryptedSecret, CryptoError> {
        self.encrypt(key.expose().as_bytes(), &api_key_aad(org, base_url))
    }

    /// Decrypts a key sealed by [`MasterKey::encrypt_api_key`] for the same organization and
    /// base URL; any other pair fails with [`CryptoError::Decrypt`].
    pub fn decrypt_api_key(
        &self,
        org: OrgId,
        base_url: &str,
        secret: &EncryptedSecret,
    ) -> Result<ApiKey, CryptoError> {
        let bytes = self.decrypt(secret, &api_key_aad(org, base_url))?;
        let text = String::from_utf8(bytes).map_err(|_| CryptoError::NotAnApiKey)?;
        ApiKey::parse(&text).map_err(|_| CryptoError::NotAnApiKey)
    }

    /// A stable, non-reversible name for an API key at one CreatorIQ environment, for counting
    /// its requests in the database without storing the key: HMAC-SHA-256 under a key derived
    /// from the master key, so the database alone cannot confirm a guessed key.
    pub fn api_key_fingerprint(&self, base_url: &str, key: &ApiKey) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        mac.update(b"ciq-request-quota:v1\0");
        mac.update(normalise_base_url(base_url).as_bytes());
        mac.update(b"\0");
        mac.update(key.expose().as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

fn normalise_base_url(base_url: &str) -> &str {
    base_url.trim().trim_end_matches('/')
}

fn api_key_aad(org: OrgId, base_url: &str) -> Vec<u8> {
    format!(
        "ciq-api-key:v2:org:{}:env:{}",
        org.0,
        normalise_base_url(base_url)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: &str = "https://apis.creatoriq.com";

    #[test]
    fn round_trip_and_binding_to_org_and_environment() {
        let master = MasterKey::generate();
        let key = ApiKey::parse("sk_live_abcdefgh1234").unwrap();
        let sealed = master.encrypt_api_key(OrgId(1), PROD, &key).unwrap();
        assert!(!sealed
            .0
            .windows(8)
            .any(|w| w == b"sk_live_".as_slice() || w == b"abcdefgh".as_slice()));
        assert_eq!(
            master
                .decrypt_api_key(OrgId(1), "https://apis.creatoriq.com/", &sealed)
                .unwrap()
                .expose(),
            key.expose()
        );
        assert!(matches!(
            master.decrypt_api_key(OrgId(2), PROD, &sealed),
            Err(CryptoError::Decrypt)
        ));
        // Sealed for production, useless for any other host.
        for other in ["https://evil.example", "http://127.0.0.1:4010"] {
            assert!(matches!(
                master.decrypt_api_key(OrgId(1), other, &sealed),
                Err(CryptoError::Decrypt)
            ));
        }
        assert!(matches!(
            MasterKey::generate().decrypt_api_key(OrgId(1), PROD, &sealed),
            Err(CryptoError::Decrypt)
        ));
        // Two encryptions of the same key differ (fresh nonce).
        assert_ne!(
            master.encrypt_api_key(OrgId(1), PROD, &key).unwrap(),
            sealed
        );
    }

    #[test]
    fn fingerprints_name_a_key_per_environment_without_revealing_it() {
        let master = MasterKey::from_bytes(&[9u8; 32]).unwrap();
        let key = ApiKey::parse("sk_live_abcdefgh1234").unwrap();
        let a = master.api_key_fingerprint(PROD, &key);
        assert_eq!(
            a,
            master.api_key_fingerprint("https://apis.creatoriq.com/", &key)
        );
        assert_eq!(a.len(), 32);
        assert!(!a.contains("1234"));
        assert_ne!(a, master.api_key_fingerprint("http://127.0.0.1:4010", &key));
        let other = ApiKey::parse("sk_live_abcdefgh1235").unwrap();
        assert_ne!(a, master.api_key_fingerprint(PROD, &other));
        let other_master = MasterKey::from_bytes(&[8u8; 32]).unwrap();
        assert_ne!(a, other_master.api_key_fingerprint(PROD, &key));
    }

    #[test]
    fn tampering_is_detected() {
        let master = MasterKey::generate();
        let mut sealed = master.encrypt(b"secret", b"aad").unwrap();
        let last = sealed.0.len() - 1;
        sealed.0[last] ^= 1;
        assert!(master.decrypt(&sealed, b"aad").is_err());
        assert!(master
            .decrypt(&EncryptedSecret(vec![1, 2]), b"aad")
            .is_err());
    }

    #[test]
    fn debug_is_redacted_and_length_checked() {
        let master = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        assert_eq!(format!("{master:?}"), "MasterKey(••••)");
        assert!(matches!(
            MasterKey::from_bytes(&[0u8; 31]),
            Err(CryptoError::KeyLength(31))
        ));
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("master.key");
        let first = MasterKey::load_or_create(&path).unwrap();
        let second = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(first.0, second.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            MasterKey::load_or_create(&path),
            Err(CryptoError::KeyLength(5))
        ));
    }
}
