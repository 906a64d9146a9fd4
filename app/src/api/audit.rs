//! The audit log (admins): who connected, shared, created, removed what and when.

#[cfg(feature = "ssr")]
use crate::auth::Role;
use leptos::prelude::*;
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Most records one page of the log shows.
pub const AUDIT_PAGE: u32 = 200;

/// The log's view, as kept in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// Part of the actor's email.
    pub actor: String,
    /// The start of the action's dotted name (`ticket.`, `servicenow.connected`).
    pub action: String,
}

impl AuditFilter {
    /// The filter a URL's query names.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |name: &str| get(name).map(|v| v.trim().to_owned()).unwrap_or_default();
        Self {
            actor: text("actor"),
            action: text("action"),
        }
    }
}

/// One record of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, `yyyy-mm-dd hh:mm:ss`.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    /// Further facts as compact JSON.
    pub details: String,
}

/// Why the log cannot be shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AuditError {
    #[error("not signed in")]
    NotSignedIn,
    #[error("forbidden")]
    Forbidden,
    #[error("unavailable")]
    Unavailable,
    #[error("{0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for AuditError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AuditError::ServerFn(value)
    }
}

/// Server-side half: the log the server keeps.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;

    /// Reads the audit log, implemented by the server and provided through context.
    #[async_trait::async_trait]
    pub trait AuditReader: Send + Sync + 'static {
        /// The newest records passing `filter`, newest first.
        async fn entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, AuditError>;
    }
}

/// The newest audit records passing `filter` (admins).
#[server(endpoint = "audit_log")]
pub async fn load_audit_log(
    #[server(default)] filter: AuditFilter,
) -> Result<Vec<AuditEntry>, AuditError> {
    use crate::api::auth::ssr::{Refusal, require_role};
    require_role(Role::Admin)
        .await
        .map_err(|refusal| match refusal {
            Refusal::NotSignedIn => AuditError::NotSignedIn,
            Refusal::Forbidden => AuditError::Forbidden,
            Refusal::Unavailable => AuditError::Unavailable,
        })?;
    let reader =
        use_context::<std::sync::Arc<dyn ssr::AuditReader>>().ok_or(AuditError::Unavailable)?;
    reader.entries(&filter).await
}
