//! ScoreNow's server: configuration, storage, HTTP and operations, wired
//! around the Leptos application of the `app` crate.

pub mod accounts;
mod audit_reader;
mod clock;
pub mod config;
mod job_lease;
mod key_check;
mod outbound;
mod secret_box;
pub mod securescore;
pub mod servicenow;
#[cfg(feature = "servicenow-sim")]
pub mod servicenow_sim;
mod services;
mod shutdown;
mod sso;
pub mod storage;
pub mod telemetry;
mod tickets;
mod web;

use config::Config;
use secret_box::SecretBox;
use storage::Storage;
use tokio::net::TcpListener;

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The listening address could not be bound.
    #[error("cannot listen on {addr} ({setting}): {source}")]
    Bind {
        addr: std::net::SocketAddr,
        setting: String,
        source: std::io::Error,
    },
    /// The HTTP server failed while running.
    #[error("server error: {0}")]
    Serve(std::io::Error),
    /// An account could not be created.
    #[error(transparent)]
    Account(#[from] accounts::AccountError),
    /// The key for secrets at rest is unusable.
    #[error(transparent)]
    Secrets(#[from] secret_box::SecretBoxError),
    /// The key for secrets at rest is not the database's.
    #[error(transparent)]
    KeyCheck(#[from] key_check::KeyCheckError),
    /// A database could not be copied into another.
    #[error(transparent)]
    Copy(#[from] storage::copy::CopyError),
    /// Outside demo mode, the database still holds the demo accounts.
    #[error(
        "the database holds the demo accounts {0}, whose password is published; remove them \
         with `scorenow admin remove-demo-accounts`, or start in demo mode with --demo"
    )]
    DemoAccounts(String),
    /// The ServiceNow simulator could not start.
    #[cfg(feature = "servicenow-sim")]
    #[error(transparent)]
    Simulator(#[from] servicenow_sim::SimError),
}

/// Binds `addr`, naming the setting it came from when that fails.
async fn bind(
    addr: std::net::SocketAddr,
    setting: &config::Source,
) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr,
            setting: setting.to_string(),
            source,
        })
}

/// Opens storage, binds the configured address and serves until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), ServeError> {
    let storage = Storage::open(&config.database()).await?;
    let hashing = accounts::Hashing::per_core();
    if let Some(admin) = &config.first_admin
        && accounts::ensure_first_admin(&storage, &hashing, &admin.email, admin.password.expose())
            .await?
    {
        tracing::info!(email = %admin.email, "first admin account created");
    }
    if config.demo.value {
        accounts::seed_demo_users(&storage, &hashing).await?;
    } else {
        let present = accounts::demo_accounts_present(&storage).await?;
        if !present.is_empty() {
            storage.close().await;
            return Err(ServeError::DemoAccounts(present.join(", ")));
        }
    }
    let (secrets, key_origin) = match &config.secret_key {
        Some(key) => {
            let origin = key.source.to_string();
            (SecretBox::from_base64(key.value.expose(), &origin)?, origin)
        }
        None => (
            SecretBox::from_key_file(&config.data_dir.value)?,
            format!(
                "the key file {}",
                config
                    .data_dir
                    .value
                    .join(secret_box::KEY_FILE_NAME)
                    .display()
            ),
        ),
    };
    key_check::ensure_same_key(&storage, &secrets, &key_origin).await?;
    let listener = bind(config.addr.value, &config.addr.source).await?;
    let local_addr = listener.local_addr().map_err(ServeError::Serve)?;
    let public_url = public_url(&config, local_addr);
    #[cfg(feature = "servicenow-sim")]
    let (simulator, demo_origin, demo) =
        match start_embedded_simulator(&config, format!("{public_url}/servicenow/callback")).await?
        {
            Some((task, origin)) => (Some(task), Some(origin.clone()), Some(demo_hints(&origin))),
            None => (None, None, None),
        };
    #[cfg(not(feature = "servicenow-sim"))]
    let (demo_origin, demo) = (None, None);
    let setup = services::Setup {
        storage: storage.clone(),
        hashing,
        secrets,
        public_url,
        demo_origin,
        demo,
    };
    let started = services::start(&config, setup).await?;
    let router = web::router(
        &config,
        storage.clone(),
        started.services,
        started.servicenow,
        started.sso,
    );

    let stop = shutdown::signal();
    let mode = if config.demo.value {
        "demo (simulator, demo catalog and demo accounts with a published password)"
    } else {
        "production"
    };
    tracing::info!(address = %local_addr, data_dir = %config.data_dir.value.display(), mode, "ScoreNow is listening");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
    .map_err(ServeError::Serve)?;
    #[cfg(feature = "servicenow-sim")]
    if let Some(simulator) = simulator {
        simulator.abort();
    }
    for task in started.background {
        task.abort();
    }
    storage.close().await;
    tracing::info!("ScoreNow stopped");
    Ok(())
}

/// Creates one account (`scorenow admin create`) with a password read from
/// the terminal, or from the first line of standard input when piped.
pub async fn create_account(task: config::CreateAccount) -> Result<(), ServeError> {
    let password = read_password().map_err(ServeError::Serve)?;
    let storage = Storage::open(&task.config.database()).await?;
    let request = accounts::AccountRequest {
        email: &task.email,
        display_name: &task.name,
        role: task.role,
        password: &password,
    };
    let account =
        accounts::create_account(&storage, &accounts::Hashing::new(1), request, "cli").await?;
    storage.close().await;
    println!(
        "Created {} account {}.",
        account.role.as_str(),
        account.email
    );
    Ok(())
}

/// Deletes the demo accounts (`scorenow admin remove-demo-accounts`), so
/// that ScoreNow can run without `--demo` on a database demo mode used.
pub async fn remove_demo_accounts(config: Config) -> Result<(), ServeError> {
    let storage = Storage::open(&config.database()).await?;
    let removed = accounts::remove_demo_accounts(&storage).await?;
    storage.close().await;
    if removed.is_empty() {
        println!("No demo accounts to remove.");
    } else {
        println!("Removed the demo accounts {}.", removed.join(", "));
    }
    Ok(())
}

/// Copies every table of one database into another, empty one
/// (`scorenow migrate-db`), e.g. to move from SQLite to PostgreSQL.
pub async fn migrate_db(task: config::MigrateDb) -> Result<(), ServeError> {
    let copied = storage::copy::copy_database(&task.from, &task.to).await?;
    println!("Copied {} rows in {} tables.", copied.rows, copied.tables);
    Ok(())
}

fn read_password() -> std::io::Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let password = rpassword::prompt_password("Password: ")?;
        let repeated = rpassword::prompt_password("Repeat password: ")?;
        if password != repeated {
            return Err(std::io::Error::other("the passwords do not match"));
        }
        Ok(password)
    } else {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// `http://` and a host browsers can use for a bound address.
fn http_origin(addr: std::net::SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    format!("http://{}", std::net::SocketAddr::new(host, addr.port()))
}

/// The configured public URL, or the bound address, without a trailing slash.
fn public_url(config: &Config, bound: std::net::SocketAddr) -> String {
    match &config.public_url.value {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => http_origin(bound),
    }
}

/// In demo mode, starts the simulator beside ScoreNow, its OAuth entity
/// redirecting to this server's callback. Returns the task and the
/// simulator's origin.
#[cfg(feature = "servicenow-sim")]
async fn start_embedded_simulator(
    config: &Config,
    redirect_uri: String,
) -> Result<Option<(tokio::task::JoinHandle<()>, url::Url)>, ServeError> {
    let Some(addr) = config.simulator_addr() else {
        return Ok(None);
    };
    let listener = bind(addr, &config.servicenow_sim_addr.source).await?;
    let sim_addr = listener.local_addr().map_err(ServeError::Serve)?;
    let origin = url::Url::parse(&http_origin(sim_addr)).expect("an address makes a valid URL");
    let mut settings = servicenow_sim::SimSettings::demo(redirect_uri);
    settings.admin_token = config
        .servicenow_sim_admin_token
        .as_ref()
        .map(|token| token.expose().to_owned());
    let state = servicenow_sim::SimState::new(settings)?;
    tracing::info!(address = %sim_addr, "embedded ServiceNow simulator is listening");
    let task = tokio::spawn(async move {
        if let Err(error) = servicenow_sim::serve(listener, state, std::future::pending()).await {
            tracing::error!(%error, "embedded ServiceNow simulator failed");
        }
    });
    Ok(Some((task, origin)))
}

/// What the setup page tells a demo user to enter.
#[cfg(feature = "servicenow-sim")]
fn demo_hints(origin: &url::Url) -> app::domain::servicenow::DemoHints {
    app::domain::servicenow::DemoHints {
        instance: origin.as_str().trim_end_matches('/').to_owned(),
        client_id: servicenow_sim::DEMO_CLIENT_ID.to_owned(),
        client_secret: servicenow_sim::DEMO_CLIENT_SECRET.to_owned(),
        integration_user: servicenow_sim::DEMO_INTEGRATION_USER.to_owned(),
        integration_password: servicenow_sim::DEMO_INTEGRATION_PASSWORD.to_owned(),
    }
}

/// Serves only the ServiceNow simulator until SIGTERM or Ctrl-C.
#[cfg(feature = "servicenow-sim")]
pub async fn run_simulator(sim: config::SimConfig) -> Result<(), ServeError> {
    let state = servicenow_sim::SimState::new(sim.settings)?;
    let listener = bind(sim.addr.value, &sim.addr.source).await?;
    let local_addr = listener.local_addr().map_err(ServeError::Serve)?;
    let stop = shutdown::signal();
    tracing::info!(address = %local_addr, "ServiceNow simulator is listening");
    servicenow_sim::serve(listener, state, stop)
        .await
        .map_err(ServeError::Serve)?;
    tracing::info!("ServiceNow simulator stopped");
    Ok(())
}
