//! Encryption of secrets at rest (ServiceNow client secret, tokens, PKCE
//! verifiers) with AES-256-GCM.
//!
//! The key comes from `SCORENOW_SECRET_KEY` (32 bytes, base64) or from the
//! key file in the data directory, created with mode 0600 on first start.
//! A sealed value is `nonce || ciphertext+tag`; every value gets a fresh
//! random nonce, and a value sealed for one purpose (its associated data)
//! does not open for another.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use std::{fmt, io::Write, path::Path};

/// Name of the key file inside the data directory.
pub const KEY_FILE_NAME: &str = "secret.key";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// Seals and opens secrets with the installation's key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

/// Why the key could not be loaded, or a sealed value could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretBoxError {
    /// The configured key is not 32 bytes of base64.
    #[error(
        "{origin} must be 32 bytes encoded as base64 (e.g. the output of `openssl rand -base64 32`)"
    )]
    BadKey { origin: String },
    /// The key file does not hold a key.
    #[error(
        "key file {path} must hold exactly 32 bytes; move it away to have a new one made (stored secrets must then be entered again)"
    )]
    BadKeyFile { path: String },
    /// The key file cannot be created or read.
    #[error("key file {path}: {source}")]
    KeyFile {
        path: String,
        source: std::io::Error,
    },
    /// A sealed value was tampered with, truncated, or sealed with another key.
    #[error("a stored secret cannot be decrypted (wrong SCORENOW_SECRET_KEY or key file?)")]
    Open,
}

impl SecretBox {
    /// A box with the key given as base64 (`SCORENOW_SECRET_KEY`).
    pub fn from_base64(encoded: &str, origin: &str) -> Result<Self, SecretBoxError> {
        let bad_key = || SecretBoxError::BadKey {
            origin: origin.to_owned(),
        };
        let key = STANDARD.decode(encoded.trim()).map_err(|_| bad_key())?;
        Self::from_key(&key).ok_or_else(bad_key)
    }

    /// A box with the key in `data_dir`'s key file, creating that file
    /// (mode 0600, random key) when it does not exist yet.
    pub fn from_key_file(data_dir: &Path) -> Result<Self, SecretBoxError> {
        let path = data_dir.join(KEY_FILE_NAME);
        let file_error = |source| SecretBoxError::KeyFile {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read(&path) {
            Ok(key) => {
                warn_if_readable_by_others(&path);
                Self::from_key(&key).ok_or_else(|| SecretBoxError::BadKeyFile {
                    path: path.display().to_string(),
                })
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = Aes256Gcm::generate_key(OsRng);
                create_private_file(&path, &key).map_err(file_error)?;
                tracing::info!(path = %path.display(), "created the secret key file");
                Ok(Self {
                    cipher: Aes256Gcm::new(&key),
                })
            }
            Err(error) => Err(file_error(error)),
        }
    }

    fn from_key(key: &[u8]) -> Option<Self> {
        (key.len() == KEY_LEN).then(|| Self {
            cipher: Aes256Gcm::new_from_slice(key).expect("key length checked"),
        })
    }

    /// Encrypts `plaintext`, bound to `purpose` (e.g. `"refresh_token"`).
    pub fn seal(&self, purpose: &str, plaintext: &str) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: purpose.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Decrypts a value sealed for the same `purpose`.
    pub fn open(&self, purpose: &str, sealed: &[u8]) -> Result<String, SecretBoxError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretBoxError::Open);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: purpose.as_bytes(),
        };
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| SecretBoxError::Open)?;
        String::from_utf8(plaintext).map_err(|_| SecretBoxError::Open)
    }
}

/// Logs a warning when others than the owner may read the key file.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the secret key file is readable by others; run chmod 600 on it");
        }
    }
}

/// Writes `contents` to a new file only its owner can read.
fn create_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_box() -> SecretBox {
        SecretBox::from_base64(&STANDARD.encode([7u8; 32]), "test").unwrap()
    }

    #[test]
    fn sealed_values_open_and_do_not_contain_the_plaintext() {
        let secret_box = test_box();
        let sealed = secret_box.seal("client_secret", "hunter2-hunter2");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(
            secret_box.open("client_secret", &sealed).unwrap(),
            "hunter2-hunter2"
        );
        assert_ne!(sealed, secret_box.seal("client_secret", "hunter2-hunter2"));
    }

    #[test]
    fn tampered_truncated_or_repurposed_values_do_not_open() {
        let secret_box = test_box();
        let mut sealed = secret_box.seal("refresh_token", "abc");
        assert!(secret_box.open("access_token", &sealed).is_err());
        assert!(secret_box.open("refresh_token", &sealed[..5]).is_err());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(secret_box.open("refresh_token", &sealed).is_err());
    }

    #[test]
    fn another_key_cannot_open() {
        let other = SecretBox::from_base64(&STANDARD.encode([8u8; 32]), "test").unwrap();
        let sealed = test_box().seal("p", "v");
        assert!(other.open("p", &sealed).is_err());
    }

    #[test]
    fn keys_that_are_not_32_bytes_of_base64_are_refused() {
        for bad in ["", "not base64!", &STANDARD.encode([1u8; 16])] {
            let error = SecretBox::from_base64(bad, "SCORENOW_SECRET_KEY").unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("SCORENOW_SECRET_KEY must be 32 bytes")
            );
        }
    }

    #[test]
    fn a_key_file_that_is_not_a_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE_NAME), "not a key\n").unwrap();
        let error = SecretBox::from_key_file(dir.path()).unwrap_err();
        assert!(
            matches!(error, SecretBoxError::BadKeyFile { .. }),
            "{error}"
        );
    }

    #[test]
    fn the_key_file_is_created_private_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::from_key_file(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = first.seal("p", "kept across restarts");
        let second = SecretBox::from_key_file(dir.path()).unwrap();
        assert_eq!(second.open("p", &sealed).unwrap(), "kept across restarts");
    }
}
