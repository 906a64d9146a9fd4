//! The check that this process seals secrets with the key the database was
//! set up with: a value sealed by the first start, opened by every later
//! one. Replicas started with different keys stop at once with a clear
//! error instead of failing later on every stored secret.

use crate::{
    secret_box::SecretBox,
    storage::{Storage, StorageError},
};
use base64::{Engine, engine::general_purpose::STANDARD};

/// The setting that holds the sealed check value (base64).
const SETTING: &str = "secret_key_check";
/// What the check value is sealed for.
const PURPOSE: &str = "scorenow.secret_key_check";
/// The check value.
const PLAINTEXT: &str = "ScoreNow";

/// Why the key check failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The database was set up with another key.
    #[error(
        "the secret key ({origin}) is not the one this database was set up with: every replica \
         must use the same SCORENOW_SECRET_KEY (see docs/deploy.md)"
    )]
    Mismatch { origin: String },
}

/// Stores the check value on the first start; on every later start, fails
/// unless `secrets` opens it. `origin` names where the key came from.
pub async fn ensure_same_key(
    storage: &Storage,
    secrets: &SecretBox,
    origin: &str,
) -> Result<(), KeyCheckError> {
    let ours = STANDARD.encode(secrets.seal(PURPOSE, PLAINTEXT));
    let stored = storage.setting_or_insert(SETTING, &ours).await?;
    let opens = STANDARD
        .decode(stored)
        .ok()
        .and_then(|sealed| secrets.open(PURPOSE, &sealed).ok())
        .is_some_and(|plaintext| plaintext == PLAINTEXT);
    if opens {
        Ok(())
    } else {
        Err(KeyCheckError::Mismatch {
            origin: origin.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretBox {
        SecretBox::from_base64(&STANDARD.encode([byte; 32]), "test").unwrap()
    }

    #[tokio::test]
    async fn the_first_key_is_remembered_and_another_is_refused() {
        let (_dir, storage) = Storage::open_temporary().await;
        ensure_same_key(&storage, &key(1), "first")
            .await
            .expect("first start");
        ensure_same_key(&storage, &key(1), "first")
            .await
            .expect("same key again");
        let error = ensure_same_key(&storage, &key(2), "SCORENOW_SECRET_KEY")
            .await
            .expect_err("another key");
        assert!(
            error.to_string().contains("SCORENOW_SECRET_KEY") && error.to_string().contains("same"),
            "{error}"
        );
    }
}
