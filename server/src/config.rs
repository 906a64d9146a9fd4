//! Configuration: command-line flags, `SCORENOW_*` environment variables and
//! an optional TOML file, in that order of precedence, then built-in defaults.
//!
//! Every value remembers where it came from, so that a bad one is reported as
//! one line naming exactly the flag, variable or file key the user wrote.

#[cfg(feature = "servicenow-sim")]
use crate::servicenow_sim::{Faults, SimSettings};
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, parser::ValueSource};
use serde::Deserialize;
use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_DATA_DIR: &str = "./data";
const DEFAULT_SITE_ROOT: &str = "target/site";
const DEFAULT_LOG_FORMAT: &str = "human";
const DEFAULT_LOG_FILTER: &str = "info";
const DEFAULT_SIM_ADDR: &str = "127.0.0.1:3001";

/// ScoreNow: send Microsoft Secure Score improvement actions to ServiceNow
/// and track the tickets.
#[derive(Debug, Parser)]
#[command(name = "scorenow", version)]
struct Cli {
    /// Address to serve on, as HOST:PORT [default: 127.0.0.1:3000]
    #[arg(long, env = "SCORENOW_ADDR", value_name = "HOST:PORT")]
    addr: Option<String>,

    /// Directory for the database and other state; created if missing [default: ./data]
    #[arg(long, env = "SCORENOW_DATA_DIR", value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,

    /// Directory with the built site (pkg/, favicon) [default: target/site]
    #[arg(long, env = "SCORENOW_SITE_ROOT", value_name = "DIR")]
    site_root: Option<PathBuf>,

    /// Log output: `human` or `json` [default: human]
    #[arg(
        long,
        env = "SCORENOW_LOG_FORMAT",
        value_name = "FORMAT",
        global = true
    )]
    log_format: Option<String>,

    /// Log filter in tracing's EnvFilter syntax, e.g. `info,server=debug` [default: info]
    #[arg(long, env = "SCORENOW_LOG", value_name = "FILTER", global = true)]
    log: Option<String>,

    /// Where the embedded ServiceNow simulator listens in demo mode, or `off` [default: 127.0.0.1:3001]
    #[arg(long, env = "SCORENOW_SIM_ADDR", value_name = "HOST:PORT|off")]
    servicenow_sim_addr: Option<String>,

    /// Bearer token that unlocks the embedded simulator's admin endpoint
    /// /sim/admin (faults, counters; for tests) [default: disabled]
    #[cfg(feature = "servicenow-sim")]
    #[arg(
        long,
        env = "SCORENOW_SIM_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    servicenow_sim_admin_token: Option<String>,

    /// This server's address as browsers reach it, e.g. https://scorenow.example.com;
    /// ServiceNow redirects to <URL>/servicenow/callback [default: http://<addr>]
    #[arg(long, env = "SCORENOW_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,

    /// Hosts besides *.service-now.com and *.servicenowservices.com that may be
    /// used as ServiceNow instances, comma-separated (`host` or `host:port`)
    #[arg(long, env = "SCORENOW_ALLOWED_INSTANCE_HOSTS", value_name = "HOSTS")]
    allowed_instance_hosts: Option<String>,

    /// Seconds between two syncs of ticket states from ServiceNow [default: 60]
    #[arg(long, env = "SCORENOW_TICKET_SYNC_SECS", value_name = "SECONDS")]
    ticket_sync_secs: Option<String>,

    /// Key that encrypts stored secrets: 32 bytes as base64 (`openssl rand -base64 32`).
    /// Prefer the environment variable; without it a key file is created in the data directory
    #[arg(
        long,
        env = "SCORENOW_SECRET_KEY",
        value_name = "BASE64",
        hide_env_values = true
    )]
    secret_key: Option<String>,

    /// Microsoft Entra tenant ID whose Secure Score is read through Microsoft Graph
    /// (with --graph-client-id and --graph-client-secret; without them: demo catalog or none)
    #[arg(long, env = "SCORENOW_GRAPH_TENANT_ID", value_name = "ID")]
    graph_tenant_id: Option<String>,

    /// Application (client) ID of the app registration with SecurityEvents.Read.All
    #[arg(long, env = "SCORENOW_GRAPH_CLIENT_ID", value_name = "ID")]
    graph_client_id: Option<String>,

    /// Client secret of that app registration; prefer the environment variable
    #[arg(
        long,
        env = "SCORENOW_GRAPH_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    graph_client_secret: Option<String>,

    /// Microsoft Graph's base URL (sovereign clouds: e.g. https://graph.microsoft.us)
    /// [default: https://graph.microsoft.com]
    #[arg(long, env = "SCORENOW_GRAPH_URL", value_name = "URL")]
    graph_url: Option<String>,

    /// The identity platform's base URL (e.g. https://login.microsoftonline.us)
    /// [default: https://login.microsoftonline.com]
    #[arg(long, env = "SCORENOW_LOGIN_URL", value_name = "URL")]
    login_url: Option<String>,

    /// TOML file with any of the settings above (keys: addr, data_dir,
    /// site_root, log_format, log, servicenow_sim_addr, public_url,
    /// allowed_instance_hosts, ticket_sync_secs); flags and environment override it
    #[arg(
        long,
        short = 'c',
        env = "SCORENOW_CONFIG",
        value_name = "FILE",
        global = true
    )]
    config: Option<PathBuf>,

    /// Email of the first admin, created at start when no admin exists (with --admin-password)
    #[arg(long, env = "SCORENOW_ADMIN_EMAIL", value_name = "EMAIL")]
    admin_email: Option<String>,

    /// Password of that first admin; prefer the environment variable to the flag
    #[arg(
        long,
        env = "SCORENOW_ADMIN_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    admin_password: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Other things the binary can do besides serving ScoreNow.
#[derive(Debug, Subcommand)]
enum Command {
    /// Manage accounts from the command line
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Run only the ServiceNow-compatible simulator (for tests and other tools)
    #[cfg(feature = "servicenow-sim")]
    #[command(name = "servicenow-sim")]
    ServicenowSim(SimArgs),
}

/// `scorenow admin …`.
#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an account; the password is prompted for, or read from standard input
    Create {
        /// Email address the user signs in with
        #[arg(long)]
        email: String,
        /// Name shown in the UI
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Role: admin, analyst or reader
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

/// Options of `scorenow servicenow-sim`.
#[cfg(feature = "servicenow-sim")]
#[derive(Debug, clap::Args)]
struct SimArgs {
    /// Address to serve the simulator on [default: 127.0.0.1:3001]
    #[arg(long, env = "SCORENOW_SIM_ADDR", value_name = "HOST:PORT")]
    addr: Option<String>,

    /// Redirect URI registered on the OAuth entity
    #[arg(
        long,
        env = "SCORENOW_SIM_REDIRECT_URI",
        default_value = "http://127.0.0.1:3000/servicenow/callback"
    )]
    redirect_uri: String,

    /// Client ID of the OAuth entity
    #[arg(long, env = "SCORENOW_SIM_CLIENT_ID", default_value = crate::servicenow_sim::DEMO_CLIENT_ID)]
    client_id: String,

    /// Client secret of the OAuth entity
    #[arg(long, env = "SCORENOW_SIM_CLIENT_SECRET", default_value = crate::servicenow_sim::DEMO_CLIENT_SECRET, hide_env_values = true)]
    client_secret: String,

    /// Password of the integration user `scorenow.integration`
    #[arg(long, env = "SCORENOW_SIM_PASSWORD", default_value = crate::servicenow_sim::DEMO_INTEGRATION_PASSWORD, hide_env_values = true)]
    integration_password: String,

    /// Access token lifespan of the OAuth entity, in seconds
    #[arg(
        long,
        env = "SCORENOW_SIM_ACCESS_TOKEN_LIFESPAN",
        default_value_t = 1800
    )]
    access_token_lifespan: u32,

    /// Refresh token lifespan of the OAuth entity, in seconds
    #[arg(
        long,
        env = "SCORENOW_SIM_REFRESH_TOKEN_LIFESPAN",
        default_value_t = 8_640_000
    )]
    refresh_token_lifespan: u32,

    /// Bearer token that unlocks the admin endpoint /sim/admin (disabled without one)
    #[arg(long, env = "SCORENOW_SIM_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,

    /// File to save the instance to and restore it from
    #[arg(long, env = "SCORENOW_SIM_SNAPSHOT", value_name = "FILE")]
    snapshot: Option<PathBuf>,

    /// Faults in force at start, as JSON, e.g. '{"error_rate":0.2,"latency_ms":50}'
    #[arg(long, env = "SCORENOW_SIM_FAULTS", value_name = "JSON")]
    faults: Option<String>,
}

/// The optional configuration file; its keys mirror the long flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    data_dir: Option<PathBuf>,
    site_root: Option<PathBuf>,
    log_format: Option<String>,
    log: Option<String>,
    servicenow_sim_addr: Option<String>,
    public_url: Option<String>,
    allowed_instance_hosts: Option<String>,
    ticket_sync_secs: Option<String>,
}

/// Where a setting's value came from, displayed the way the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag such as `--addr`.
    Flag(&'static str),
    /// An environment variable such as `SCORENOW_ADDR`.
    Env(&'static str),
    /// A key of the configuration file.
    File { key: &'static str, path: PathBuf },
    /// The built-in default.
    Default(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "{flag}"),
            Source::Env(var) => write!(f, "{var}"),
            Source::File { key, path } => write!(f, "`{key}` in {}", path.display()),
            Source::Default(flag) => write!(f, "default of {flag}"),
        }
    }
}

/// A configured value together with its origin.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Coloured, human-readable lines for terminals.
    Human,
    /// One JSON object per line for log collectors.
    Json,
}

/// Logging settings.
#[derive(Clone, Debug)]
pub struct LogConfig {
    pub format: Setting<LogFormat>,
    pub filter: Setting<String>,
}

/// A secret value: shown as `[redacted]` by `Debug`, so it never reaches a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The admin to create at start when the installation has none.
#[derive(Clone, Debug)]
pub struct FirstAdmin {
    pub email: String,
    pub password: Secret,
}

/// The validated configuration the server starts with.
#[derive(Clone, Debug)]
pub struct Config {
    pub addr: Setting<SocketAddr>,
    pub data_dir: Setting<PathBuf>,
    pub site_root: Setting<PathBuf>,
    pub log: LogConfig,
    /// Where the embedded simulator listens; `None` when turned off.
    pub servicenow_sim_addr: Setting<Option<SocketAddr>>,
    /// Unlocks the embedded simulator's admin endpoint.
    #[cfg(feature = "servicenow-sim")]
    pub servicenow_sim_admin_token: Option<Secret>,
    /// The first admin to create, when both of its settings are given.
    pub first_admin: Option<FirstAdmin>,
    /// The origin browsers reach this server at; `None`: `http://` + the bound address.
    pub public_url: Setting<Option<url::Url>>,
    /// Extra hosts allowed as ServiceNow instances.
    pub allowed_instance_hosts: Setting<Vec<String>>,
    /// How often ticket states are synced from ServiceNow.
    pub ticket_sync_every: Setting<std::time::Duration>,
    /// The key for secrets at rest; `None`: the key file in the data directory.
    pub secret_key: Option<Setting<Secret>>,
    /// Where Microsoft Graph is (the cloud).
    pub graph_endpoints: crate::securescore::graph::GraphEndpoints,
    /// The tenant whose Secure Score is read, when set by the environment.
    pub graph_credentials: Option<crate::securescore::graph::GraphCredentials>,
}

/// `scorenow admin create`: an account to create in the configured data directory.
#[derive(Clone, Debug)]
pub struct CreateAccount {
    pub config: Config,
    pub email: String,
    pub name: String,
    pub role: app::domain::auth::Role,
}

/// The standalone simulator's configuration.
#[cfg(feature = "servicenow-sim")]
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub addr: Setting<SocketAddr>,
    pub settings: SimSettings,
    pub log: LogConfig,
}

/// What the binary was asked to do.
#[derive(Clone, Debug)]
pub enum Launch {
    /// Serve ScoreNow.
    Serve(Box<Config>),
    /// Serve only the ServiceNow simulator.
    #[cfg(feature = "servicenow-sim")]
    Simulator(Box<SimConfig>),
    /// Create an account and exit.
    CreateAccount(Box<CreateAccount>),
}

/// A configuration problem, reported as a single line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value does not parse.
    #[error("invalid value {value:?} for {setting}: {expected}")]
    Invalid {
        value: String,
        setting: Source,
        expected: &'static str,
    },
    /// The configuration file is missing, unreadable or malformed.
    #[error("configuration file {} ({setting}): {reason}", path.display())]
    File {
        path: PathBuf,
        setting: Source,
        reason: String,
    },
    /// The data directory cannot be created or written.
    #[error("data directory {} ({setting}) is not usable: {reason}", path.display())]
    DataDir {
        path: PathBuf,
        setting: Source,
        reason: String,
    },
}

impl Launch {
    /// Reads the process's arguments and environment. `--help` and
    /// `--version` print and exit here, as usual for command-line tools.
    pub fn load() -> Result<Self, ConfigError> {
        let matches = Cli::command().get_matches();
        #[cfg(feature = "servicenow-sim")]
        if let Some(("servicenow-sim", sub)) = matches.subcommand() {
            return SimConfig::from_matches(&matches, sub)
                .map(|sim| Launch::Simulator(Box::new(sim)));
        }
        let config = Config::from_matches(&matches)?;
        if let Some(("admin", admin)) = matches.subcommand()
            && let Some(("create", create)) = admin.subcommand()
        {
            let text = |id: &str| create.get_one::<String>(id).cloned().unwrap_or_default();
            let role = text("role");
            let role = app::domain::auth::Role::parse(&role).ok_or(ConfigError::Invalid {
                value: role,
                setting: Source::Flag("--role"),
                expected: "expected admin, analyst or reader",
            })?;
            let create = CreateAccount {
                config,
                email: text("email"),
                name: text("name"),
                role,
            };
            return Ok(Launch::CreateAccount(Box::new(create)));
        }
        Ok(Launch::Serve(Box::new(config)))
    }
}

impl Config {
    /// Builds the configuration from explicit arguments (first one is the program name).
    pub fn try_from_args<I, T>(args: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches =
            Cli::command()
                .try_get_matches_from(args)
                .map_err(|error| ConfigError::Invalid {
                    value: error
                        .to_string()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    setting: Source::Default("the command line"),
                    expected: "see `scorenow --help`",
                })?;
        Self::from_matches(&matches)
    }

    fn from_matches(matches: &ArgMatches) -> Result<Self, ConfigError> {
        let cli = Cli::from_arg_matches(matches).map_err(|error| ConfigError::Invalid {
            value: error.to_string(),
            setting: Source::Default("the command line"),
            expected: "see `scorenow --help`",
        })?;
        let file = match &cli.config {
            Some(path) => {
                let source = origin(matches, "config", "--config", "SCORENOW_CONFIG");
                Some((read_file(path, &source)?, path.clone()))
            }
            None => None,
        };
        let graph_endpoints = graph_endpoints(matches, &cli)?;
        let graph_credentials = graph_credentials(&cli)?;
        let resolver = Resolver {
            matches,
            file: file.as_ref(),
        };

        let addr = resolver.resolve(keys::ADDR, cli.addr, |f| f.addr.clone());
        let data_dir = resolver.resolve(keys::DATA_DIR, cli.data_dir, |f| f.data_dir.clone());
        let site_root = resolver.resolve(keys::SITE_ROOT, cli.site_root, |f| f.site_root.clone());
        let log_format =
            resolver.resolve(keys::LOG_FORMAT, cli.log_format, |f| f.log_format.clone());
        let filter = resolver.resolve(keys::LOG, cli.log, |f| f.log.clone());
        let sim_addr = resolver.resolve(keys::SIM_ADDR, cli.servicenow_sim_addr, |f| {
            f.servicenow_sim_addr.clone()
        });
        let public_url =
            resolver.resolve(keys::PUBLIC_URL, cli.public_url, |f| f.public_url.clone());
        let allowed_hosts =
            resolver.resolve(keys::ALLOWED_HOSTS, cli.allowed_instance_hosts, |f| {
                f.allowed_instance_hosts.clone()
            });
        let ticket_sync = resolver.resolve(keys::TICKET_SYNC_SECS, cli.ticket_sync_secs, |f| {
            f.ticket_sync_secs.clone()
        });
        let secret_key = cli.secret_key.map(|key| Setting {
            value: Secret(key),
            source: origin(matches, "secret_key", "--secret-key", "SCORENOW_SECRET_KEY"),
        });

        let config = Config {
            addr: parse(addr, "expected HOST:PORT, e.g. 127.0.0.1:3000", |s| {
                s.parse().ok()
            })?,
            data_dir,
            site_root,
            log: LogConfig {
                format: parse(log_format, "expected `human` or `json`", parse_log_format)?,
                filter,
            },
            servicenow_sim_addr: parse(sim_addr, "expected HOST:PORT or `off`", |s| match s {
                "off" => Some(None),
                _ => s.parse().ok().map(Some),
            })?,
            first_admin: first_admin(matches, cli.admin_email, cli.admin_password)?,
            #[cfg(feature = "servicenow-sim")]
            servicenow_sim_admin_token: cli.servicenow_sim_admin_token.map(Secret),
            public_url: parse(
                public_url,
                "expected an http(s) URL without a path, e.g. https://scorenow.example.com",
                parse_public_url,
            )?,
            allowed_instance_hosts: Setting {
                value: allowed_hosts
                    .value
                    .split(',')
                    .map(str::trim)
                    .filter(|host| !host.is_empty())
                    .map(str::to_ascii_lowercase)
                    .collect(),
                source: allowed_hosts.source,
            },
            ticket_sync_every: parse(ticket_sync, "expected whole seconds from 1 to 86400", |s| {
                s.parse::<u64>()
                    .ok()
                    .filter(|secs| (1..=86_400).contains(secs))
                    .map(std::time::Duration::from_secs)
            })?,
            secret_key,
            graph_endpoints,
            graph_credentials,
        };
        ensure_writable_dir(&config.data_dir)?;
        Ok(config)
    }
}

/// The names one setting goes by in each configuration layer.
struct Key<T: 'static> {
    id: &'static str,
    flag: &'static str,
    env: &'static str,
    file_key: &'static str,
    default: fn() -> T,
}

/// Every setting's names.
mod keys {
    use super::*;

    pub const ADDR: Key<String> = Key {
        id: "addr",
        flag: "--addr",
        env: "SCORENOW_ADDR",
        file_key: "addr",
        default: || DEFAULT_ADDR.to_owned(),
    };
    pub const DATA_DIR: Key<PathBuf> = Key {
        id: "data_dir",
        flag: "--data-dir",
        env: "SCORENOW_DATA_DIR",
        file_key: "data_dir",
        default: || PathBuf::from(DEFAULT_DATA_DIR),
    };
    pub const SITE_ROOT: Key<PathBuf> = Key {
        id: "site_root",
        flag: "--site-root",
        env: "SCORENOW_SITE_ROOT",
        file_key: "site_root",
        default: || PathBuf::from(DEFAULT_SITE_ROOT),
    };
    pub const LOG_FORMAT: Key<String> = Key {
        id: "log_format",
        flag: "--log-format",
        env: "SCORENOW_LOG_FORMAT",
        file_key: "log_format",
        default: || DEFAULT_LOG_FORMAT.to_owned(),
    };
    pub const SIM_ADDR: Key<String> = Key {
        id: "servicenow_sim_addr",
        flag: "--servicenow-sim-addr",
        env: "SCORENOW_SIM_ADDR",
        file_key: "servicenow_sim_addr",
        default: || DEFAULT_SIM_ADDR.to_owned(),
    };
    pub const PUBLIC_URL: Key<String> = Key {
        id: "public_url",
        flag: "--public-url",
        env: "SCORENOW_PUBLIC_URL",
        file_key: "public_url",
        default: String::new,
    };
    pub const TICKET_SYNC_SECS: Key<String> = Key {
        id: "ticket_sync_secs",
        flag: "--ticket-sync-secs",
        env: "SCORENOW_TICKET_SYNC_SECS",
        file_key: "ticket_sync_secs",
        default: || "60".to_owned(),
    };
    pub const ALLOWED_HOSTS: Key<String> = Key {
        id: "allowed_instance_hosts",
        flag: "--allowed-instance-hosts",
        env: "SCORENOW_ALLOWED_INSTANCE_HOSTS",
        file_key: "allowed_instance_hosts",
        default: String::new,
    };
    pub const LOG: Key<String> = Key {
        id: "log",
        flag: "--log",
        env: "SCORENOW_LOG",
        file_key: "log",
        default: || DEFAULT_LOG_FILTER.to_owned(),
    };
}

/// Picks each setting from the highest-precedence layer that has it.
struct Resolver<'a> {
    matches: &'a ArgMatches,
    file: Option<&'a (FileConfig, PathBuf)>,
}

impl Resolver<'_> {
    fn resolve<T>(
        &self,
        key: Key<T>,
        from_cli: Option<T>,
        from_file: impl Fn(&FileConfig) -> Option<T>,
    ) -> Setting<T> {
        if let Some(value) = from_cli {
            let source = origin(self.matches, key.id, key.flag, key.env);
            return Setting { value, source };
        }
        if let Some((file, path)) = self.file
            && let Some(value) = from_file(file)
        {
            let source = Source::File {
                key: key.file_key,
                path: path.clone(),
            };
            return Setting { value, source };
        }
        Setting {
            value: (key.default)(),
            source: Source::Default(key.flag),
        }
    }
}

#[cfg(feature = "servicenow-sim")]
impl SimConfig {
    fn from_matches(top: &ArgMatches, sub: &ArgMatches) -> Result<Self, ConfigError> {
        let args = SimArgs::from_arg_matches(sub).map_err(|error| ConfigError::Invalid {
            value: error.to_string(),
            setting: Source::Default("the command line"),
            expected: "see `scorenow servicenow-sim --help`",
        })?;
        let cli = Cli::from_arg_matches(top).map_err(|error| ConfigError::Invalid {
            value: error.to_string(),
            setting: Source::Default("the command line"),
            expected: "see `scorenow --help`",
        })?;
        let resolver = Resolver {
            matches: top,
            file: None,
        };
        let addr = match args.addr {
            Some(value) => Setting {
                value,
                source: origin(sub, "addr", "--addr", "SCORENOW_SIM_ADDR"),
            },
            None => Setting {
                value: DEFAULT_SIM_ADDR.to_owned(),
                source: Source::Default("--addr"),
            },
        };
        let faults = match args.faults {
            Some(value) => {
                let source = origin(sub, "faults", "--faults", "SCORENOW_SIM_FAULTS");
                parse(
                    Setting { value, source },
                    "expected a JSON object of faults",
                    |s| serde_json::from_str::<Faults>(s).ok(),
                )?
                .value
            }
            None => Faults::default(),
        };
        Ok(SimConfig {
            addr: parse(addr, "expected HOST:PORT, e.g. 127.0.0.1:3001", |s| {
                s.parse().ok()
            })?,
            settings: SimSettings {
                redirect_uri: args.redirect_uri,
                client_id: args.client_id,
                client_secret: args.client_secret,
                integration_user: crate::servicenow_sim::DEMO_INTEGRATION_USER.to_owned(),
                integration_password: args.integration_password,
                access_token_lifespan: i64::from(args.access_token_lifespan),
                refresh_token_lifespan: i64::from(args.refresh_token_lifespan),
                admin_token: args.admin_token,
                snapshot: args.snapshot,
                faults,
            },
            log: LogConfig {
                format: parse(
                    resolver.resolve(keys::LOG_FORMAT, cli.log_format, |_| None),
                    "expected `human` or `json`",
                    parse_log_format,
                )?,
                filter: resolver.resolve(keys::LOG, cli.log, |_| None),
            },
        })
    }
}

/// Microsoft Graph's credentials: tenant, client and secret together, or none.
fn graph_credentials(
    cli: &Cli,
) -> Result<Option<crate::securescore::graph::GraphCredentials>, ConfigError> {
    let parts = (
        cli.graph_tenant_id.clone(),
        cli.graph_client_id.clone(),
        cli.graph_client_secret.clone(),
    );
    let (tenant_id, client_id, client_secret) = match parts {
        (None, None, None) => return Ok(None),
        (Some(tenant), Some(client), Some(secret)) => (tenant, client, secret),
        _ => {
            return Err(ConfigError::Invalid {
                value: "[incomplete]".to_owned(),
                setting: Source::Default("--graph-tenant-id"),
                expected: "set SCORENOW_GRAPH_TENANT_ID, SCORENOW_GRAPH_CLIENT_ID and SCORENOW_GRAPH_CLIENT_SECRET together",
            });
        }
    };
    Ok(Some(crate::securescore::graph::GraphCredentials {
        tenant_id,
        client_id,
        client_secret,
    }))
}

/// Where Microsoft Graph and the identity platform are.
fn graph_endpoints(
    matches: &ArgMatches,
    cli: &Cli,
) -> Result<crate::securescore::graph::GraphEndpoints, ConfigError> {
    use crate::securescore::graph::{DEFAULT_GRAPH_URL, DEFAULT_LOGIN_URL, GraphEndpoints};
    let url =
        |value: &Option<String>, id: &str, flag: &'static str, env: &'static str, default: &str| {
            let raw = Setting {
                value: value.clone().unwrap_or_else(|| default.to_owned()),
                source: if value.is_some() {
                    origin(matches, id, flag, env)
                } else {
                    Source::Default(flag)
                },
            };
            parse(raw, "expected an https URL", |text| {
                url::Url::parse(text)
                    .ok()
                    .filter(|url| matches!(url.scheme(), "https" | "http") && url.host().is_some())
            })
            .map(|setting| setting.value)
        };
    Ok(GraphEndpoints {
        graph_url: url(
            &cli.graph_url,
            "graph_url",
            "--graph-url",
            "SCORENOW_GRAPH_URL",
            DEFAULT_GRAPH_URL,
        )?,
        login_url: url(
            &cli.login_url,
            "login_url",
            "--login-url",
            "SCORENOW_LOGIN_URL",
            DEFAULT_LOGIN_URL,
        )?,
    })
}

/// The first admin's settings: both or neither.
fn first_admin(
    matches: &ArgMatches,
    email: Option<String>,
    password: Option<String>,
) -> Result<Option<FirstAdmin>, ConfigError> {
    match (email, password) {
        (None, None) => Ok(None),
        (Some(email), Some(password)) => Ok(Some(FirstAdmin {
            email,
            password: Secret(password),
        })),
        (Some(email), None) => Err(ConfigError::Invalid {
            value: email,
            setting: origin(
                matches,
                "admin_email",
                "--admin-email",
                "SCORENOW_ADMIN_EMAIL",
            ),
            expected: "it needs SCORENOW_ADMIN_PASSWORD too",
        }),
        (None, Some(_)) => Err(ConfigError::Invalid {
            value: "[redacted]".to_owned(),
            setting: origin(
                matches,
                "admin_password",
                "--admin-password",
                "SCORENOW_ADMIN_PASSWORD",
            ),
            expected: "it needs SCORENOW_ADMIN_EMAIL too",
        }),
    }
}

/// Tells a flag from an environment variable for a value clap has read.
fn origin(matches: &ArgMatches, id: &str, flag: &'static str, env: &'static str) -> Source {
    match matches.value_source(id) {
        Some(ValueSource::EnvVariable) => Source::Env(env),
        _ => Source::Flag(flag),
    }
}

fn parse<T>(
    raw: Setting<String>,
    expected: &'static str,
    parser: impl Fn(&str) -> Option<T>,
) -> Result<Setting<T>, ConfigError> {
    match parser(raw.value.trim()) {
        Some(value) => Ok(Setting {
            value,
            source: raw.source,
        }),
        None => Err(ConfigError::Invalid {
            value: raw.value,
            setting: raw.source,
            expected,
        }),
    }
}

/// An `http(s)` origin; the empty default means "derive from the address".
fn parse_public_url(value: &str) -> Option<Option<url::Url>> {
    if value.is_empty() {
        return Some(None);
    }
    let url = url::Url::parse(value).ok()?;
    let bare = matches!(url.path(), "" | "/") && url.query().is_none() && url.fragment().is_none();
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some() && bare)
        .then(|| url::Url::parse(&url.origin().ascii_serialization()).ok())
        .flatten()
        .map(Some)
}

fn parse_log_format(value: &str) -> Option<LogFormat> {
    match value.to_ascii_lowercase().as_str() {
        "human" => Some(LogFormat::Human),
        "json" => Some(LogFormat::Json),
        _ => None,
    }
}

fn read_file(path: &Path, source: &Source) -> Result<FileConfig, ConfigError> {
    let file_error = |reason: String| ConfigError::File {
        path: path.to_owned(),
        setting: source.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|error| file_error(error.to_string()))?;
    toml::from_str(&text).map_err(|error| {
        let position = error
            .span()
            .map(|span| {
                let line = text[..span.start].matches('\n').count() + 1;
                format!("line {line}: ")
            })
            .unwrap_or_default();
        file_error(format!("{position}{}", error.message().trim()))
    })
}

/// Creates the data directory if needed and proves it is writable now, so a
/// read-only volume fails at start rather than at the first write.
fn ensure_writable_dir(dir: &Setting<PathBuf>) -> Result<(), ConfigError> {
    let fail = |error: std::io::Error| ConfigError::DataDir {
        path: dir.value.clone(),
        setting: dir.source.clone(),
        reason: error.to_string(),
    };
    std::fs::create_dir_all(&dir.value).map_err(fail)?;
    let probe = dir.value.join(".scorenow-write-test");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str], data_dir: &Path) -> Vec<String> {
        let mut all = vec!["scorenow".to_owned(), "--data-dir".to_owned()];
        all.push(data_dir.display().to_string());
        all.extend(extra.iter().map(|s| (*s).to_owned()));
        all
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::try_from_args(args(&[], dir.path())).expect("valid");
        assert_eq!(config.addr.value, DEFAULT_ADDR.parse().expect("addr"));
        assert_eq!(config.addr.source, Source::Default("--addr"));
        assert_eq!(config.log.format.value, LogFormat::Human);
        assert_eq!(config.site_root.value, PathBuf::from(DEFAULT_SITE_ROOT));
    }

    #[test]
    fn public_url_and_allowed_hosts_are_read_and_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::try_from_args(args(
            &[
                "--public-url",
                "https://scorenow.example.com/",
                "--allowed-instance-hosts",
                " snow.example.com, 127.0.0.1:4010 ,",
            ],
            dir.path(),
        ))
        .expect("valid");
        assert_eq!(
            config.public_url.value.map(|u| u.to_string()),
            Some("https://scorenow.example.com/".to_owned())
        );
        assert_eq!(
            config.allowed_instance_hosts.value,
            ["snow.example.com", "127.0.0.1:4010"]
        );
        assert!(config.secret_key.is_none());

        let error = Config::try_from_args(args(
            &["--public-url", "https://scorenow.example.com/app"],
            dir.path(),
        ))
        .expect_err("a path is refused");
        assert!(error.to_string().contains("--public-url"), "{error}");
    }

    #[test]
    fn bad_address_names_the_flag() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = Config::try_from_args(args(&["--addr", "nowhere"], dir.path())).unwrap_err();
        let message = error.to_string();
        assert_eq!(
            message,
            "invalid value \"nowhere\" for --addr: expected HOST:PORT, e.g. 127.0.0.1:3000"
        );
    }

    #[test]
    fn bad_log_format_is_rejected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = Config::try_from_args(args(&["--log-format", "xml"], dir.path())).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--log-format: expected `human` or `json`")
        );
    }

    #[test]
    fn file_values_apply_and_flags_override_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("scorenow.toml");
        std::fs::write(&file, "addr = \"127.0.0.1:4000\"\nlog_format = \"json\"\n").expect("write");
        let file_arg = file.display().to_string();

        let config =
            Config::try_from_args(args(&["--config", &file_arg], dir.path())).expect("valid");
        assert_eq!(config.addr.value.port(), 4000);
        assert_eq!(
            config.addr.source,
            Source::File {
                key: "addr",
                path: file.clone()
            }
        );
        assert_eq!(config.log.format.value, LogFormat::Json);

        let config = Config::try_from_args(args(
            &["--config", &file_arg, "--addr", "127.0.0.1:5000"],
            dir.path(),
        ))
        .expect("valid");
        assert_eq!(config.addr.value.port(), 5000);
        assert_eq!(config.addr.source, Source::Flag("--addr"));
    }

    #[test]
    fn bad_value_in_file_names_the_file_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("scorenow.toml");
        std::fs::write(&file, "addr = \"localhost\"\n").expect("write");
        let error =
            Config::try_from_args(args(&["--config", &file.display().to_string()], dir.path()))
                .unwrap_err()
                .to_string();
        assert!(
            error.contains(&format!("`addr` in {}", file.display())),
            "{error}"
        );
    }

    #[test]
    fn malformed_file_is_one_line_with_its_line_number() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("scorenow.toml");
        std::fs::write(&file, "log = \"info\"\naddr = = 3\n").expect("write");
        let error =
            Config::try_from_args(args(&["--config", &file.display().to_string()], dir.path()))
                .unwrap_err()
                .to_string();
        assert!(error.contains("line 2:"), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }

    #[test]
    fn unknown_file_key_is_rejected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("scorenow.toml");
        std::fs::write(&file, "adress = \"127.0.0.1:1\"\n").expect("write");
        let error =
            Config::try_from_args(args(&["--config", &file.display().to_string()], dir.path()))
                .unwrap_err()
                .to_string();
        assert!(error.contains("adress"), "{error}");
    }

    #[test]
    fn data_dir_that_cannot_be_created_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("a-file");
        std::fs::write(&blocker, b"").expect("write");
        let error = Config::try_from_args(args(&[], &blocker.join("data")))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("data directory "), "{error}");
        assert!(error.contains("(--data-dir) is not usable"), "{error}");
    }
}
