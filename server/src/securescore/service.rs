//! Secure Score for the pages: the last good data in memory (and in
//! storage), refreshed in the background so a page never waits on its source.

use super::{
    catalog,
    graph::{GraphClient, GraphCredentials, GraphEndpoints, GraphError},
    graph_model::{ControlProfile, ScoreSnapshot},
};
use crate::{
    clock::{unix_now, utc_text},
    job_lease::JobLease,
    secret_box::SecretBox,
    securescore::graph_connection::choose_source,
    storage::{Storage, StorageError, securescore::StoredScoreData},
};
use app::domain::securescore::{ActionStatus, ActionSummary};
use app::{
    api::ApiError,
    domain::{
        recommendation::Category,
        securescore::{
            ActionDetail, ActionFilter, ActionList, CategoryScore, Freshness, ScoreSummary,
            SecureScoreError, SecureScoreRefusal, SourceProblem, TrendPoint,
        },
    },
};
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, RwLock},
    time::Duration,
};

/// How often a replica looks for what another stored.
const FOLLOW: Duration = Duration::from_secs(30);

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
    pub(super) storage: Storage,
    pub(super) setup: SourceSetup,
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
    pub(super) fn switch_to(&self, source: Source) {
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

    /// Until the process ends: every [`FOLLOW`], takes up what another
    /// replica stored (a new source, newer data); and when the data is
    /// older than `period`, reads the source, one replica at a time (the
    /// `lease`), starting at once when nothing has been read yet.
    pub fn refresh_every(
        self: &Arc<Self>,
        period: Duration,
        lease: JobLease,
    ) -> tokio::task::JoinHandle<()> {
        let service = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(FOLLOW.min(period));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = service.follow_storage().await {
                    tracing::error!(%error, "cannot read the stored Secure Score data");
                }
                if !service.is_older_than(period) {
                    continue;
                }
                match lease.try_take().await {
                    Ok(Some(held)) => {
                        if let Err(error) = service.refresh().await {
                            tracing::error!(%error, "Secure Score refresh failed; keeping the last good data");
                        }
                        held.release().await;
                    }
                    Ok(None) => {} // another replica is reading
                    Err(error) => tracing::error!(%error, "cannot take the Secure Score lease"),
                }
            }
        })
    }

    /// Whether the data in memory is missing or older than `period`.
    fn is_older_than(&self, period: Duration) -> bool {
        let age_limit = i64::try_from(period.as_secs()).unwrap_or(i64::MAX);
        self.current()
            .is_none_or(|data| unix_now().saturating_sub(data.refreshed_at) >= age_limit)
    }

    /// Switches to the source storage names, if another replica changed it,
    /// and takes the stored data when it is newer than the data in memory.
    async fn follow_storage(&self) -> Result<(), StorageError> {
        let chosen = choose_source(&self.storage, &self.setup).await?;
        let current = read(&self.source);
        if (chosen.name(), chosen.tenant()) != (current.name(), current.tenant()) {
            self.switch_to(chosen);
        }
        let Some(stored) = self.storage.securescore_data().await? else {
            return Ok(());
        };
        let newer = self
            .current()
            .is_none_or(|data| stored.refreshed_at > data.refreshed_at);
        if newer && stored.source == read(&self.source).name() {
            write(&self.data, Some(Arc::new(Dataset::from_stored(&stored)?)));
        }
        Ok(())
    }

    /// The tenant Secure Score is read from (`demo` for the built-in catalog).
    pub fn tenant(&self) -> String {
        read(&self.source).tenant().to_owned()
    }

    /// The data, or why there is none: never read, or the reading failed.
    fn dataset(&self) -> Result<Arc<Dataset>, SecureScoreError> {
        self.current().ok_or_else(|| {
            read(&self.problem).map_or(
                ApiError::Refused(SecureScoreRefusal::NoData),
                |(problem, _)| ApiError::Refused(SecureScoreRefusal::Source(problem)),
            )
        })
    }
}

/// JSON text of plain data (for storage).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serialises")
}

impl SecureScoreService {
    /// The actions passing `filter`; `ticketed` holds the ids of actions with a ticket.
    pub fn actions(
        &self,
        filter: &ActionFilter,
        ticketed: &BTreeSet<String>,
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
            tickets: BTreeMap::new(),
        })
    }

    /// The actions Secure Score shows completed (none while there is no data).
    pub fn completed_actions(&self) -> Vec<ActionSummary> {
        let completed = ActionFilter {
            status: Some(ActionStatus::Completed),
            ..ActionFilter::default()
        };
        self.actions(&completed, &BTreeSet::new())
            .map(|list| list.actions)
            .unwrap_or_default()
    }

    /// One action; `None` when there is no such id.
    pub fn action(&self, id: &str) -> Result<Option<ActionDetail>, SecureScoreError> {
        let data = self.dataset()?;
        Ok(data
            .profiles
            .iter()
            .find(|profile| profile.id == id)
            .map(|profile| profile.detail(data.score_of(&profile.id))))
    }

    /// The score, its categories and its trend.
    pub fn summary(&self) -> Result<ScoreSummary, SecureScoreError> {
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

    /// Reads the source now, for a request that waits for the outcome.
    pub async fn refresh_now(&self) -> Result<(), SecureScoreError> {
        match self.refresh().await {
            Ok(()) => Ok(()),
            Err(RefreshError::Source(error)) => {
                Err(SecureScoreRefusal::Source(problem_of(&error)).into())
            }
            Err(RefreshError::Storage(error)) => Err(unavailable(error)),
        }
    }
}

/// Logs a storage failure and answers *unavailable*.
pub(super) fn unavailable(error: impl std::fmt::Display) -> SecureScoreError {
    tracing::error!(%error, "Secure Score storage failed");
    ApiError::Unavailable
}
