//! Wiring: builds every service `app`'s server functions call, from storage,
//! the key for secrets and the configuration, and starts their background
//! jobs. A new service is constructed here and added to [`Services`].

use crate::{
    accounts::{AuthSettings, Hashing, LocalAuth, LocalUserAdmin},
    audit_reader::StoredAuditLog,
    config::Config,
    job_lease::{JobLease, new_replica_name},
    secret_box::SecretBox,
    securescore::{ActionReader, SecureScoreService, SourceSetup},
    servicenow::{HostPolicy, ServiceNowService, ServiceNowSetup},
    sso::Sso,
    storage::{Storage, StorageError},
    tickets::TicketService,
};
use app::{api::services::Services, domain::servicenow::DemoHints};
use std::{sync::Arc, time::Duration};
use tokio::task::JoinHandle;

/// How often Secure Score data is read again.
const SECURESCORE_REFRESH: Duration = Duration::from_secs(3600);
/// Longest a Secure Score read may take before another replica may start one.
const SECURESCORE_LEASE: Duration = Duration::from_secs(300);

/// What the services are built from besides the configuration.
pub struct Setup {
    pub storage: Storage,
    /// The bounded pool of password hashing.
    pub hashing: Hashing,
    pub secrets: SecretBox,
    /// How browsers reach ScoreNow, without a trailing slash.
    pub public_url: String,
    /// The embedded simulator's origin, in demo mode.
    pub demo_origin: Option<url::Url>,
    /// What the setup page tells a demo user to enter, in demo mode.
    pub demo: Option<DemoHints>,
}

/// The running services.
pub struct Started {
    /// What server functions call, provided to every request.
    pub services: Services,
    /// The ServiceNow connection itself, for the OAuth callback route.
    pub servicenow: Arc<ServiceNowService>,
    /// Single sign-on, for its routes, when set up.
    pub sso: Option<Arc<Sso>>,
    /// Background jobs: Secure Score refresh, ticket sender, ticket sync.
    pub background: Vec<JoinHandle<()>>,
}

/// Builds the services and starts their background jobs.
pub async fn start(config: &Config, setup: Setup) -> Result<Started, StorageError> {
    let demo_mode = config.demo.value;
    let Setup {
        storage,
        hashing,
        secrets,
        public_url,
        demo_origin,
        demo,
    } = setup;
    let replica = new_replica_name();
    let auth_settings = AuthSettings::from_config(config);
    let sso = config.sso.clone().map(|settings| {
        Arc::new(Sso::new(
            settings,
            storage.clone(),
            secrets.clone(),
            &public_url,
            auth_settings.cookie,
        ))
    });
    let servicenow = Arc::new(ServiceNowService::new(ServiceNowSetup {
        storage: storage.clone(),
        secrets: secrets.clone(),
        policy: HostPolicy::new(&config.allowed_instance_hosts.value, demo_origin),
        redirect_uri: format!("{public_url}/servicenow/callback"),
        demo,
        replica: replica.clone(),
    }));
    let score_setup = SourceSetup {
        secrets,
        endpoints: config.graph_endpoints.clone(),
        env_credentials: config.graph_credentials.clone(),
        demo_mode,
    };
    let securescore = SecureScoreService::start(storage.clone(), score_setup).await?;
    let tickets = TicketService::new(
        storage.clone(),
        servicenow.clone(),
        securescore.clone(),
        public_url,
        replica.clone(),
        config.unknown_outcome_wait.value,
    );
    let background = vec![
        securescore.refresh_every(
            SECURESCORE_REFRESH,
            JobLease::new(
                storage.clone(),
                "securescore-refresh",
                replica.clone(),
                SECURESCORE_LEASE,
            ),
        ),
        tickets.send_queued(),
        tickets.sync_every(config.ticket_sync_every.value),
    ];
    let services = Services {
        auth: Arc::new(LocalAuth::new(
            storage.clone(),
            hashing.clone(),
            auth_settings,
            sso.clone(),
        )),
        users: Arc::new(LocalUserAdmin::new(storage.clone(), hashing)),
        servicenow: servicenow.clone(),
        securescore: Arc::new(ActionReader::new(securescore, tickets.clone())),
        tickets,
        audit: Arc::new(StoredAuditLog { storage }),
    };
    Ok(Started {
        services,
        servicenow,
        sso,
        background,
    })
}
