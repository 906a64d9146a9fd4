//! Where Secure Score is read from: the environment's credentials, the
//! tenant an admin set in the UI (its secret sealed), or the demo catalog;
//! and the admin's changes to it.

use super::{
    graph::{GraphClient, GraphCredentials, GraphEndpoints, GraphSettings},
    service::{SecureScoreService, Source, SourceSetup, unavailable},
};
use crate::storage::{Storage, StorageError, securescore::StoredGraphConnection};
use app::domain::{
    auth::CurrentUser,
    securescore::{
        GRAPH_ID_MAX, GraphConfiguredBy, GraphConnection, SecureScoreError, SecureScoreRefusal,
        valid_tenant_id,
    },
};
use serde_json::json;

/// Purpose the Graph client secret is sealed for.
const GRAPH_SECRET: &str = "graph.client_secret";

/// The source the setup and the stored UI credentials call for.
pub(super) async fn choose_source(
    storage: &Storage,
    setup: &SourceSetup,
) -> Result<Source, StorageError> {
    if let Some(credentials) = &setup.env_credentials {
        return Ok(graph_source(&setup.endpoints, credentials.clone()));
    }
    if let Some(stored) = storage.graph_connection().await? {
        match setup
            .secrets
            .open(GRAPH_SECRET, &stored.sealed_client_secret)
        {
            Ok(client_secret) => {
                let credentials = GraphCredentials {
                    tenant_id: stored.tenant_id,
                    client_id: stored.client_id,
                    client_secret: client_secret.into(),
                };
                return Ok(graph_source(&setup.endpoints, credentials));
            }
            Err(error) => tracing::error!(%error, "cannot open the stored Graph client secret"),
        }
    }
    Ok(fallback_source(setup))
}

/// Without credentials: the catalog in demo mode, else nothing.
pub(super) fn fallback_source(setup: &SourceSetup) -> Source {
    if setup.demo_mode {
        Source::Demo
    } else {
        Source::Unconfigured
    }
}

fn graph_source(endpoints: &GraphEndpoints, credentials: GraphCredentials) -> Source {
    Source::Graph(Box::new(GraphClient::new(GraphSettings::new(
        endpoints,
        credentials,
    ))))
}

impl SecureScoreService {
    /// The Microsoft Graph connection, its secret only as "stored".
    pub async fn graph_connection(&self) -> Result<GraphConnection, SecureScoreError> {
        let graph_url = self.setup.endpoints.graph_url.to_string();
        if let Some(credentials) = &self.setup.env_credentials {
            return Ok(GraphConnection {
                configured_by: GraphConfiguredBy::Environment,
                tenant_id: Some(credentials.tenant_id.clone()),
                client_id: Some(credentials.client_id.clone()),
                graph_url,
            });
        }
        let stored = self.storage.graph_connection().await.map_err(unavailable)?;
        Ok(GraphConnection {
            configured_by: if stored.is_some() {
                GraphConfiguredBy::Admin
            } else {
                GraphConfiguredBy::Nobody
            },
            tenant_id: stored.as_ref().map(|s| s.tenant_id.clone()),
            client_id: stored.map(|s| s.client_id),
            graph_url,
        })
    }

    /// Saves the credentials (an empty secret keeps the stored one) and reads the tenant.
    pub async fn save_graph(
        &self,
        actor: &CurrentUser,
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), SecureScoreError> {
        if self.setup.env_credentials.is_some() {
            return Err(SecureScoreRefusal::ManagedByEnvironment.into());
        }
        let (tenant_id, client_id) = (tenant_id.trim(), client_id.trim());
        if !valid_tenant_id(tenant_id) {
            return Err(SecureScoreRefusal::TenantId.into());
        }
        if client_id.is_empty() || client_id.len() > GRAPH_ID_MAX {
            return Err(SecureScoreRefusal::ClientId.into());
        }
        let stored = self.storage.graph_connection().await.map_err(unavailable)?;
        let client_secret = match (client_secret.trim(), stored) {
            ("", Some(stored)) => self
                .setup
                .secrets
                .open(GRAPH_SECRET, &stored.sealed_client_secret)
                .map_err(unavailable)?,
            ("", None) => return Err(SecureScoreRefusal::ClientSecret.into()),
            (secret, _) => secret.to_owned(),
        };
        let connection = StoredGraphConnection {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            sealed_client_secret: self.setup.secrets.seal(GRAPH_SECRET, &client_secret),
        };
        self.storage
            .save_graph_connection(&connection)
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(
                &actor.email,
                "securescore.graph_configured",
                None,
                json!({ "tenant_id": tenant_id, "client_id": client_id }),
            )
            .await;
        let credentials = GraphCredentials {
            tenant_id: connection.tenant_id,
            client_id: connection.client_id,
            client_secret: client_secret.into(),
        };
        self.switch_to(graph_source(&self.setup.endpoints, credentials));
        self.refresh_now().await
    }

    /// Forgets the tenant set in the UI and its secret, and reads the fallback source.
    pub async fn remove_graph(&self, actor: &CurrentUser) -> Result<(), SecureScoreError> {
        if self.setup.env_credentials.is_some() {
            return Err(SecureScoreRefusal::ManagedByEnvironment.into());
        }
        self.storage
            .delete_graph_connection()
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(&actor.email, "securescore.graph_removed", None, json!({}))
            .await;
        self.switch_to(fallback_source(&self.setup));
        self.refresh_now().await
    }
}
