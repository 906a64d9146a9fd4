//! The audit log (admins).

#[cfg(feature = "ssr")]
use super::{request::require, services::services};
use crate::domain::audit::{AuditEntry, AuditError, AuditFilter};
#[cfg(feature = "ssr")]
use crate::domain::auth::Role;
use leptos::prelude::*;

/// The newest audit records passing `filter` (admins).
#[server(endpoint = "audit_log")]
pub async fn load_audit_log(
    #[server(default)] filter: AuditFilter,
) -> Result<Vec<AuditEntry>, AuditError> {
    require(Role::Admin).await?;
    services()?.audit.entries(&filter).await
}
