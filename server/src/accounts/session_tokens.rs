//! Session tokens: made at random, stored only as a hash, and the opening
//! of a fresh session that every way of signing in ends with.

use crate::{
    clock::unix_now,
    storage::{Storage, StorageError},
};
use rand::Rng;
use sha2::{Digest, Sha256};

/// Only this hash of a session token is stored.
pub fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// 256 random bits, URL-safe base64.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

/// Opens a fresh session of `account_id`, ending the browser's `previous`
/// one first; the new session's token.
pub async fn open_session(
    storage: &Storage,
    account_id: i64,
    previous: Option<&str>,
) -> Result<String, StorageError> {
    if let Some(previous) = previous {
        storage.delete_session(&token_hash(previous)).await?;
    }
    let token = new_token();
    storage
        .create_session(&token_hash(&token), account_id, unix_now())
        .await?;
    Ok(token)
}
