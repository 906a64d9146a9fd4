//! Secure Score for the pages: the last good data in memory (and in
//! storage), refreshed in the background so a page never waits on its source.

use super::{
    catalog,
    graph::{GraphClient, GraphCredentials, GraphEndpoints, GraphError, GraphSettings},
    graph_model::{ControlProfile, ScoreSnapshot},
};
use crate::{
    clock::{unix_now, utc_text},
    secret_box::SecretBox,
    storage::{
        Storage, StorageError,
        securescore::{StoredGraphConnection, StoredScoreData},
    },
};
use app::api::securescore::{
    ActionDetail, ActionFilter, ActionList, Category, CategoryScore, Freshness, GRAPH_ID_MAX,
    GraphConfiguredBy, GraphConnection, ScoreSummary, SecureScoreError, SourceProblem, TrendPoint,
    ssr::SecureScoreReader, valid_tenant_id,
};
use app::auth::CurrentUser;
use serde_json::json;
use std::{
    collections::BTreeMap,
    sync::{Arc, RwLock},
    time::Duration,
};

/// Where Secure Score data comes from.
pub enum Source {
    /// The built-in catalog (demo mode).
    Demo,
    /// A tenant, through Microsoft Graph.
    Graph(Box<GraphClient>),
    /// Nothing configured yet: pages say there is no data.
    Unconfigured,
}

impl Source {
    fn name(&self) -> &'static str {
        match self {
            Source::Demo => "demo",
            Source::Graph(_) => "graph",
            Source::Unconfigured => "none",
        }
    }

    /// The tenant the data belongs to (`demo` for the built-in catalog).
    fn tenant(&self) -> &str {
        match self {
            Source::Graph(graph) => graph.tenant_id(),
            Source::Demo | Source::Unconfigured => self.name(),
        }
    }

    /// Everything the source has, or why it could not be read.
    async fn read(&self) -> Result<Option<(Vec<ControlProfile>, Vec<ScoreSnapshot>)>, GraphError> {
        match self {
            Source::Demo => {
                let profiles = catalog::profiles();
                let snapshots = catalog::history(&profiles, time::OffsetDateTime::now_utc());
                Ok(Some((profiles, snapshots)))
            }
            Source::Graph(graph) => {
                let profiles = graph.control_profiles().await?;
                let snapshots = graph.secure_scores().await?;
                Ok(Some((profiles, snapshots)))
            }
            Source::Unconfigured => Ok(None),
        }
    }
}

/// The class of a Graph failure, for the pages.
fn problem_of(error: &GraphError) -> SourceProblem {
    match error {
        GraphError::Refused { .. } => SourceProblem::Refused,
        GraphError::Throttled { .. } => SourceProblem::Throttled,
        GraphError::Server { .. } => SourceProblem::Server,
        GraphError::Network(_) => SourceProblem::Network,
        GraphError::Malformed(_) => SourceProblem::Malformed,
    }
}

/// Why a refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Source(#[from] GraphError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// One consistent reading of Secure Score.
#[derive(Debug)]
struct Dataset {
    profiles: Vec<ControlProfile>,
    /// Newest first.
    snapshots: Vec<ScoreSnapshot>,
    demo: bool,
    refreshed_at: i64,
}

impl Dataset {
    fn from_stored(stored: &StoredScoreData) -> Result<Self, StorageError> {
        let corrupt = |error: serde_json::Error| StorageError::Corrupt(error.to_string());
        Ok(Self {
            profiles: serde_json::from_str(&stored.profiles).map_err(corrupt)?,
            snapshots: serde_json::from_str(&stored.snapshots).map_err(corrupt)?,
            demo: stored.source == "demo",
            refreshed_at: stored.refreshed_at,
        })
    }

    fn score_of(&self, id: &str) -> f64 {
        self.snapshots
            .first()
            .map_or(0.0, |snapshot| snapshot.control_score(id))
    }

    /// The actions shown in lists: not deprecated.
    fn listed(&self) -> impl Iterator<Item = &ControlProfile> {
        self.profiles
            .iter()
            .filter(|profile| profile.deprecated != Some(true))
    }
}

/// Purpose the Graph client secret is sealed for.
const GRAPH_SECRET: &str = "graph.client_secret";

/// What decides the source of Secure Score data.
pub struct SourceSetup {
    pub secrets: SecretBox,
    /// The cloud.
    pub endpoints: GraphEndpoints,
    /// Credentials from the environment; they win over the UI's.
    pub env_credentials: Option<GraphCredentials>,
    /// Without credentials, read the built-in catalog.
    pub demo_mode: bool,
}

/// The Secure Score service.
pub struct SecureScoreService {
    storage: Storage,
    setup: SourceSetup,
    source: RwLock<Arc<Source>>,
    data: RwLock<Option<Arc<Dataset>>>,
    /// The last refresh's failure and when (Unix seconds), until one succeeds.
    problem: RwLock<Option<(SourceProblem, i64)>>,
}

/// Reads a lock, even one a panicking thread left behind.
fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Writes a lock, even one a panicking thread left behind.
fn write<T>(lock: &RwLock<T>, value: T) {
    *lock
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
}

impl SecureScoreService {
    /// The service with the data stored last time. The built-in catalog is
    /// read at once when nothing is stored; a tenant is read by
    /// [`Self::refresh_every`], so a slow or unreachable Graph never delays
    /// the start.
    pub async fn start(storage: Storage, setup: SourceSetup) -> Result<Arc<Self>, StorageError> {
        let source = choose_source(&storage, &setup).await?;
        let stored = storage.securescore_data().await?;
        let data = stored
            .as_ref()
            .filter(|stored| stored.source == source.name())
            .map(Dataset::from_stored)
            .transpose()?;
        let demo = matches!(source, Source::Demo);
        let service = Arc::new(Self {
            storage,
            setup,
            source: RwLock::new(Arc::new(source)),
            data: RwLock::new(data.map(Arc::new)),
            problem: RwLock::new(None),
        });
        if service.current().is_none() && demo {
            match service.refresh().await {
                Err(RefreshError::Storage(error)) => return Err(error),
                Err(RefreshError::Source(error)) => {
                    unreachable!("the catalog is built in: {error}")
                }
                Ok(()) => {}
            }
        }
        Ok(service)
    }

    fn freshness(&self, data: &Dataset) -> Freshness {
        let problem = read(&self.problem);
        Freshness {
            demo: data.demo,
            updated_at: Some(utc_text(data.refreshed_at)),
            problem: problem.map(|(problem, at)| (problem, utc_text(at))),
        }
    }

    fn current(&self) -> Option<Arc<Dataset>> {
        read(&self.data)
    }

    /// Reads from `source` from now on, forgetting what the old one gave.
    fn switch_to(&self, source: Source) {
        write(&self.source, Arc::new(source));
        write(&self.data, None);
        write(&self.problem, None);
    }

    /// Reads the source and stores what it returns; on failure the last
    /// good data stays and the failure is shown with it.
    pub async fn refresh(&self) -> Result<(), RefreshError> {
        let refreshed_at = unix_now();
        let source = read(&self.source);
        let outcome = source.read().await;
        if !Arc::ptr_eq(&source, &read(&self.source)) {
            return Ok(()); // the source changed meanwhile: this reading is stale
        }
        write(
            &self.problem,
            outcome
                .as_ref()
                .err()
                .map(|error| (problem_of(error), refreshed_at)),
        );
        let Some((profiles, snapshots)) = outcome? else {
            return Ok(());
        };
        let stored = StoredScoreData {
            source: source.name().to_owned(),
            profiles: to_json(&profiles),
            snapshots: to_json(&snapshots),
            refreshed_at,
        };
        self.storage.save_securescore_data(&stored).await?;
        let dataset = Dataset {
            profiles,
            snapshots,
            demo: matches!(*source, Source::Demo),
            refreshed_at,
        };
        write(&self.data, Some(Arc::new(dataset)));
        tracing::info!("Secure Score data refreshed");
        Ok(())
    }

    /// Refreshes every `period` until the process ends, starting at once
    /// when nothing has been read yet.
    pub fn refresh_every(self: &Arc<Self>, period: Duration) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            if service.current().is_some() {
                ticks.tick().await;
            }
            loop {
                if let Err(error) = service.refresh().await {
                    tracing::error!(%error, "Secure Score refresh failed; keeping the last good data");
                }
                ticks.tick().await;
            }
        })
    }

    /// The tenant Secure Score is read from (`demo` for the built-in catalog).
    pub fn tenant(&self) -> String {
        read(&self.source).tenant().to_owned()
    }

    /// The data, or why there is none: never read, or the reading failed.
    fn dataset(&self) -> Result<Arc<Dataset>, SecureScoreError> {
        self.current().ok_or_else(|| {
            read(&self.problem).map_or(SecureScoreError::NoData, |(problem, _)| {
                SecureScoreError::Source(problem)
            })
        })
    }
}

/// The source the setup and the stored UI credentials call for.
async fn choose_source(storage: &Storage, setup: &SourceSetup) -> Result<Source, StorageError> {
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
                    client_secret,
                };
                return Ok(graph_source(&setup.endpoints, credentials));
            }
            Err(error) => tracing::error!(%error, "cannot open the stored Graph client secret"),
        }
    }
    Ok(fallback_source(setup))
}

/// Without credentials: the catalog in demo mode, else nothing.
fn fallback_source(setup: &SourceSetup) -> Source {
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

/// JSON text of plain data (for storage).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

#[async_trait::async_trait]
impl SecureScoreReader for SecureScoreService {
    async fn actions(
        &self,
        filter: &ActionFilter,
        ticketed: &std::collections::BTreeSet<String>,
    ) -> Result<ActionList, SecureScoreError> {
        let data = self.dataset()?;
        let all: Vec<_> = data
            .listed()
            .map(|profile| profile.summary(data.score_of(&profile.id)))
            .collect();
        let total = all.len();
        let mut services: Vec<String> = all.iter().map(|a| a.service.clone()).collect();
        services.sort();
        services.dedup();
        services.retain(|service| !service.is_empty());
        let mut actions: Vec<_> = all
            .into_iter()
            .filter(|action| filter.admits(action, ticketed.contains(&action.id)))
            .collect();
        filter.sort(&mut actions);
        Ok(ActionList {
            actions,
            total,
            services,
            freshness: self.freshness(&data),
            can_refresh: false,
            tickets: Default::default(),
        })
    }

    async fn action(&self, id: &str) -> Result<Option<ActionDetail>, SecureScoreError> {
        let data = self.dataset()?;
        Ok(data
            .profiles
            .iter()
            .find(|profile| profile.id == id)
            .map(|profile| profile.detail(data.score_of(&profile.id))))
    }

    async fn summary(&self) -> Result<ScoreSummary, SecureScoreError> {
        let data = self.dataset()?;
        let mut categories: BTreeMap<Category, (f64, f64)> = Category::KNOWN
            .into_iter()
            .map(|category| (category, (0.0, 0.0)))
            .collect();
        for profile in data.listed() {
            let summary = profile.summary(data.score_of(&profile.id));
            let entry = categories.entry(summary.category).or_default();
            entry.0 += summary.score;
            entry.1 += summary.max_score;
        }
        let latest = data.snapshots.first();
        Ok(ScoreSummary {
            score: latest.map_or(0.0, ScoreSnapshot::score),
            max_score: latest.map_or(0.0, ScoreSnapshot::max),
            categories: categories
                .into_iter()
                .map(|(category, (score, max_score))| CategoryScore {
                    category,
                    score,
                    max_score,
                })
                .collect(),
            trend: data
                .snapshots
                .iter()
                .rev()
                .map(|snapshot| TrendPoint {
                    date: snapshot.date(),
                    score: snapshot.score(),
                    max_score: snapshot.max(),
                })
                .collect(),
            freshness: self.freshness(&data),
        })
    }

    async fn graph_connection(&self) -> Result<GraphConnection, SecureScoreError> {
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

    async fn save_graph(
        &self,
        actor: &CurrentUser,
        tenant_id: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<(), SecureScoreError> {
        if self.setup.env_credentials.is_some() {
            return Err(SecureScoreError::ManagedByEnvironment);
        }
        let (tenant_id, client_id) = (tenant_id.trim(), client_id.trim());
        if !valid_tenant_id(tenant_id) {
            return Err(SecureScoreError::TenantId);
        }
        if client_id.is_empty() || client_id.len() > GRAPH_ID_MAX {
            return Err(SecureScoreError::ClientId);
        }
        let stored = self.storage.graph_connection().await.map_err(unavailable)?;
        let client_secret = match (client_secret.trim(), stored) {
            ("", Some(stored)) => self
                .setup
                .secrets
                .open(GRAPH_SECRET, &stored.sealed_client_secret)
                .map_err(unavailable)?,
            ("", None) => return Err(SecureScoreError::ClientSecret),
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
            client_secret,
        };
        self.switch_to(graph_source(&self.setup.endpoints, credentials));
        SecureScoreReader::refresh(self).await
    }

    async fn remove_graph(&self, actor: &CurrentUser) -> Result<(), SecureScoreError> {
        if self.setup.env_credentials.is_some() {
            return Err(SecureScoreError::ManagedByEnvironment);
        }
        self.storage
            .delete_graph_connection()
            .await
            .map_err(unavailable)?;
        self.storage
            .audit(&actor.email, "securescore.graph_removed", None, json!({}))
            .await;
        self.switch_to(fallback_source(&self.setup));
        SecureScoreReader::refresh(self).await
    }

    async fn refresh(&self) -> Result<(), SecureScoreError> {
        match SecureScoreService::refresh(self).await {
            Ok(()) => Ok(()),
            Err(RefreshError::Source(error)) => Err(SecureScoreError::Source(problem_of(&error))),
            Err(RefreshError::Storage(error)) => Err(unavailable(error)),
        }
    }
}

fn unavailable(error: impl std::fmt::Display) -> SecureScoreError {
    tracing::error!(%error, "Secure Score storage failed");
    SecureScoreError::Unavailable
}
