//! Secure Score for the pages: the last good data in memory (and in
//! storage), refreshed in the background so a page never waits on its source.

use super::{
    catalog,
    graph::{GraphClient, GraphError},
    graph_model::{ControlProfile, ScoreSnapshot},
};
use crate::storage::{Storage, StorageError, securescore::StoredScoreData};
use app::api::securescore::{
    ActionDetail, ActionFilter, ActionList, Category, CategoryScore, Freshness, ScoreSummary,
    SecureScoreError, SourceProblem, TrendPoint, ssr::SecureScoreReader,
};
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

/// `YYYY-MM-DD HH:MM` (UTC) of a Unix time.
fn utc(at: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The Secure Score service.
pub struct SecureScoreService {
    storage: Storage,
    source: Source,
    data: RwLock<Option<Arc<Dataset>>>,
    /// The last refresh's failure and when (Unix seconds), until one succeeds.
    problem: RwLock<Option<(SourceProblem, i64)>>,
}

impl SecureScoreService {
    /// The service with the data stored last time. The built-in catalog is
    /// read at once when nothing is stored; a tenant is read by
    /// [`Self::refresh_every`], so a slow or unreachable Graph never delays
    /// the start.
    pub async fn start(storage: Storage, source: Source) -> Result<Arc<Self>, StorageError> {
        let stored = storage.securescore_data().await?;
        let data = stored
            .as_ref()
            .filter(|stored| stored.source == source.name())
            .map(Dataset::from_stored)
            .transpose()?;
        let service = Arc::new(Self {
            storage,
            source,
            data: RwLock::new(data.map(Arc::new)),
            problem: RwLock::new(None),
        });
        if service.current().is_none() && matches!(service.source, Source::Demo) {
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
        let problem = *self
            .problem
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Freshness {
            demo: data.demo,
            updated_at: Some(utc(data.refreshed_at)),
            problem: problem.map(|(problem, at)| (problem, utc(at))),
        }
    }

    fn current(&self) -> Option<Arc<Dataset>> {
        self.data
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the source and stores what it returns; on failure the last
    /// good data stays and the failure is shown with it.
    pub async fn refresh(&self) -> Result<(), RefreshError> {
        let refreshed_at = time::OffsetDateTime::now_utc().unix_timestamp();
        let read = self.source.read().await;
        *self
            .problem
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = read
            .as_ref()
            .err()
            .map(|error| (problem_of(error), refreshed_at));
        let Some((profiles, snapshots)) = read? else {
            return Ok(());
        };
        let stored = StoredScoreData {
            source: self.source.name().to_owned(),
            profiles: to_json(&profiles),
            snapshots: to_json(&snapshots),
            refreshed_at,
        };
        self.storage.save_securescore_data(&stored).await?;
        let dataset = Dataset {
            profiles,
            snapshots,
            demo: matches!(self.source, Source::Demo),
            refreshed_at,
        };
        *self
            .data
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(dataset));
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

    /// The data, or why there is none: never read, or the reading failed.
    fn dataset(&self) -> Result<Arc<Dataset>, SecureScoreError> {
        self.current().ok_or_else(|| {
            let problem = *self
                .problem
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            problem.map_or(SecureScoreError::NoData, |(problem, _)| {
                SecureScoreError::Source(problem)
            })
        })
    }
}

/// JSON text of plain data (for storage).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

#[async_trait::async_trait]
impl SecureScoreReader for SecureScoreService {
    async fn actions(&self, filter: &ActionFilter) -> Result<ActionList, SecureScoreError> {
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
            .filter(|action| filter.admits(action, false))
            .collect();
        filter.sort(&mut actions);
        Ok(ActionList {
            actions,
            total,
            services,
            freshness: self.freshness(&data),
            can_refresh: false,
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

    async fn refresh(&self) -> Result<(), SecureScoreError> {
        match SecureScoreService::refresh(self).await {
            Ok(()) => Ok(()),
            Err(RefreshError::Source(error)) => Err(SecureScoreError::Source(problem_of(&error))),
            Err(RefreshError::Storage(error)) => {
                tracing::error!(%error, "cannot store Secure Score data");
                Err(SecureScoreError::Unavailable)
            }
        }
    }
}
