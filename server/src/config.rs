//! Configuration: command-line flags, `SCORENOW_*` environment variables and
//! an optional TOML file, in that order of precedence, then built-in defaults.
//!
//! Every value remembers where it came from, so that a bad one is reported as
//! one line naming exactly the flag, variable or file key the user wrote.
//! `cli` is what the user writes, `sources` picks the layer a value comes
//! from, `validate` turns text into typed values, `sim` is the standalone
//! simulator's, `migrate_db` the database copy's; this file holds the
//! settings callers get.
//!
//! To add a setting: in `cli.rs`, add its flag to `Cli` (the doc comment is its
//! `--help` text) and its names to `keys` (a `Key` if it has a default, plus a
//! `FileConfig` field named in `--config`'s help if the file may set it); here,
//! add its field to [`Config`] and one line in `Config::from_matches`.

mod cli;
mod migrate_db;
#[cfg(feature = "servicenow-sim")]
mod sim;
mod sources;
mod sso;
mod validate;

pub use migrate_db::MigrateDb;
#[cfg(feature = "servicenow-sim")]
pub use sim::SimConfig;
pub use sources::Source;

use crate::{
    securescore::graph::{GraphCredentials, GraphEndpoints},
    sso::{LocalSignIn, SsoSettings},
    storage::{DatabaseSettings, PostgresSettings},
};
use clap::{ArgMatches, CommandFactory};
use cli::{Cli, keys};
use sources::Resolver;
use std::{fmt, net::SocketAddr, path::PathBuf, time::Duration};

/// A configured value together with its origin.
#[derive(Clone, Debug)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from, for messages about it.
    pub source: Source,
}

impl<T> Setting<T> {
    /// The same setting with its value transformed.
    fn map<U>(self, transform: impl FnOnce(T) -> U) -> Setting<U> {
        Setting {
            value: transform(self.value),
            source: self.source,
        }
    }
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
    /// Human-readable lines or JSON.
    pub format: Setting<LogFormat>,
    /// Which events are logged, in tracing's `EnvFilter` syntax.
    pub filter: Setting<String>,
}

impl LogConfig {
    /// `--log-format` and `--log`, given what clap read for them.
    fn resolve(
        resolver: &Resolver<'_>,
        format: Option<String>,
        filter: Option<String>,
    ) -> Result<Self, ConfigError> {
        Ok(LogConfig {
            format: resolver.parse(&keys::LOG_FORMAT, format, &validate::LOG_FORMAT)?,
            filter: resolver.resolve(&keys::LOG, filter),
        })
    }
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

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
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
    /// The email the admin signs in with.
    pub email: String,
    /// The admin's password.
    pub password: Secret,
}

/// The validated configuration the server starts with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the server listens.
    pub addr: Setting<SocketAddr>,
    /// The directory for the SQLite database (unless PostgreSQL is set) and
    /// other state; writable at start.
    pub data_dir: Setting<PathBuf>,
    /// The PostgreSQL server to keep state in; `None`: SQLite in the data directory.
    pub database_url: Setting<Option<Secret>>,
    /// Connections to PostgreSQL at most.
    pub database_pool_size: Setting<u32>,
    /// How long a PostgreSQL statement may run.
    pub database_statement_timeout: Setting<Duration>,
    /// The directory with the built site.
    pub site_root: Setting<PathBuf>,
    /// Logging.
    pub log: LogConfig,
    /// Demo mode: the simulator, the demo catalog and the demo accounts.
    pub demo: Setting<bool>,
    /// Where the embedded simulator listens in demo mode; `None` when turned off.
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
    /// Peers whose forwarding headers name the client.
    pub trusted_proxies: Setting<Vec<ipnet::IpNet>>,
    /// How long a session lasts unused.
    pub session_idle_timeout: Setting<Duration>,
    /// How long a session lasts at most after sign-in.
    pub session_lifetime: Setting<Duration>,
    /// How often ticket states are synced from ServiceNow.
    pub ticket_sync_every: Setting<Duration>,
    /// How long to wait before looking up a ticket whose creation may have
    /// happened without ScoreNow hearing of it.
    pub unknown_outcome_wait: Setting<Duration>,
    /// The key for secrets at rest; `None`: the key file in the data directory.
    pub secret_key: Option<Setting<Secret>>,
    /// Where Microsoft Graph is (the cloud).
    pub graph_endpoints: GraphEndpoints,
    /// The tenant whose Secure Score is read, when set by the environment.
    pub graph_credentials: Option<GraphCredentials>,
    /// Single sign-on through OpenID Connect; `None`: local accounts only.
    pub sso: Option<SsoSettings>,
    /// Who may use the password form.
    pub local_sign_in: LocalSignIn,
}

/// `scorenow admin create`: an account to create in the configured data directory.
#[derive(Clone, Debug)]
pub struct CreateAccount {
    /// The configuration, for the data directory.
    pub config: Config,
    /// The new account's email.
    pub email: String,
    /// The name shown in the UI.
    pub name: String,
    /// The new account's role.
    pub role: app::domain::auth::Role,
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
    /// Delete the demo accounts and exit.
    RemoveDemoAccounts(Box<Config>),
    /// Copy one database into another and exit.
    MigrateDb(Box<MigrateDb>),
}

/// A configuration problem, reported as a single line.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value does not parse.
    #[error("invalid value {value:?} for {setting}: {expected}")]
    Invalid {
        /// The value as written (or a placeholder for a secret).
        value: String,
        /// Where it was written.
        setting: Source,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The configuration file is missing, unreadable or malformed.
    #[error("configuration file {} ({setting}): {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Where the file was named.
        setting: Source,
        /// What is wrong with it.
        reason: String,
    },
    /// The data directory cannot be created or written.
    #[error("data directory {} ({setting}) is not usable: {reason}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Where it was set.
        setting: Source,
        /// What failed.
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
        if let Some(("migrate-db", sub)) = matches.subcommand() {
            return MigrateDb::from_matches(sub).map(|task| Launch::MigrateDb(Box::new(task)));
        }
        let config = Config::from_matches(&matches)?;
        if let Some(("admin", admin)) = matches.subcommand()
            && let Some(("remove-demo-accounts", _)) = admin.subcommand()
        {
            return Ok(Launch::RemoveDemoAccounts(Box::new(config)));
        }
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
    /// Whether browsers reach ScoreNow over https (its public URL says so):
    /// the session cookie is then `__Host-` and `Secure`, and HSTS is sent.
    pub fn serves_https(&self) -> bool {
        self.public_url
            .value
            .as_ref()
            .is_some_and(|url| url.scheme() == "https")
    }

    /// The database to open: PostgreSQL when a URL is set, else SQLite in the data directory.
    pub fn database(&self) -> DatabaseSettings {
        match &self.database_url.value {
            Some(url) => DatabaseSettings::Postgres(PostgresSettings {
                url: url.clone(),
                max_connections: self.database_pool_size.value,
                statement_timeout: self.database_statement_timeout.value,
            }),
            None => DatabaseSettings::sqlite_in(&self.data_dir.value),
        }
    }

    /// Where the embedded simulator listens: in demo mode only, unless turned off.
    pub fn simulator_addr(&self) -> Option<SocketAddr> {
        self.servicenow_sim_addr.value.filter(|_| self.demo.value)
    }

    /// Builds the configuration from explicit arguments (first one is the program name).
    pub fn try_from_args<I, T>(args: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::from_matches(&Cli::matches_from(args)?)
    }

    /// Resolves and checks every setting, in the order their errors are reported.
    fn from_matches(matches: &ArgMatches) -> Result<Self, ConfigError> {
        let cli = Cli::from_matches(matches)?;
        let resolver = Resolver::with_file(matches, cli.config)?;
        let graph_endpoints = GraphEndpoints {
            graph_url: resolver
                .parse(&keys::GRAPH_URL, cli.graph_url, &validate::ENDPOINT)?
                .value,
            login_url: resolver
                .parse(&keys::LOGIN_URL, cli.login_url, &validate::ENDPOINT)?
                .value,
        };
        let graph_credentials = validate::graph_credentials(
            cli.graph_tenant_id,
            cli.graph_client_id,
            cli.graph_client_secret,
        )?;
        let (sso, local_sign_in) = cli.sso.resolve()?;
        let config = Config {
            addr: resolver.parse(&keys::ADDR, cli.addr, &validate::ADDR)?,
            data_dir: resolver.resolve(&keys::DATA_DIR, cli.data_dir),
            database_url: validate::DATABASE_URL
                .apply_secret(resolver.resolve(&keys::DATABASE_URL, cli.database_url))?,
            database_pool_size: resolver.parse(
                &keys::DATABASE_POOL_SIZE,
                cli.database_pool_size,
                &validate::POOL_SIZE,
            )?,
            database_statement_timeout: resolver.parse(
                &keys::DATABASE_STATEMENT_TIMEOUT,
                cli.database_statement_timeout,
                &validate::STATEMENT_TIMEOUT,
            )?,
            site_root: resolver.resolve(&keys::SITE_ROOT, cli.site_root),
            log: LogConfig::resolve(&resolver, cli.log_format, cli.log)?,
            demo: resolver.parse(&keys::DEMO, cli.demo, &validate::BOOL)?,
            servicenow_sim_addr: resolver.parse(
                &keys::SIM_ADDR,
                cli.servicenow_sim_addr,
                &validate::SIM_ADDR,
            )?,
            first_admin: validate::first_admin(matches, cli.admin_email, cli.admin_password)?,
            #[cfg(feature = "servicenow-sim")]
            servicenow_sim_admin_token: cli.servicenow_sim_admin_token.map(Secret),
            public_url: resolver.parse(&keys::PUBLIC_URL, cli.public_url, &validate::PUBLIC_URL)?,
            allowed_instance_hosts: resolver
                .resolve(&keys::ALLOWED_HOSTS, cli.allowed_instance_hosts)
                .map(|hosts| validate::host_list(&hosts)),
            trusted_proxies: resolver.parse(
                &keys::TRUSTED_PROXIES,
                cli.trusted_proxies,
                &validate::NETWORKS,
            )?,
            session_idle_timeout: resolver.parse(
                &keys::SESSION_IDLE_TIMEOUT,
                cli.session_idle_timeout,
                &validate::SESSION_DURATION,
            )?,
            session_lifetime: resolver.parse(
                &keys::SESSION_LIFETIME,
                cli.session_lifetime,
                &validate::SESSION_DURATION,
            )?,
            ticket_sync_every: resolver.parse(
                &keys::TICKET_SYNC_SECS,
                cli.ticket_sync_secs,
                &validate::TICKET_SYNC,
            )?,
            unknown_outcome_wait: resolver.parse(
                &keys::UNKNOWN_OUTCOME_WAIT_SECS,
                cli.unknown_outcome_wait_secs,
                &validate::UNKNOWN_OUTCOME_WAIT,
            )?,
            secret_key: keys::SECRET_KEY.given(matches, cli.secret_key.map(Secret)),
            graph_endpoints,
            graph_credentials,
            sso,
            local_sign_in,
        };
        validate::ensure_writable_dir(&config.data_dir)?;
        Ok(config)
    }
}

/// What the unit tests of this module and its children share.
#[cfg(test)]
mod test_support {
    use std::path::Path;

    /// A command line with `--data-dir` and then `extra`.
    pub(super) fn args(extra: &[&str], data_dir: &Path) -> Vec<String> {
        let mut all = vec!["scorenow".to_owned(), "--data-dir".to_owned()];
        all.push(data_dir.display().to_string());
        all.extend(extra.iter().map(|s| (*s).to_owned()));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cli::{DEFAULT_ADDR, DEFAULT_SITE_ROOT};
    use test_support::args;

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::try_from_args(args(&[], dir.path())).expect("valid");
        assert_eq!(config.addr.value, DEFAULT_ADDR.parse().expect("addr"));
        assert_eq!(config.addr.source, Source::Default("--addr"));
        assert_eq!(config.log.format.value, LogFormat::Human);
        assert_eq!(config.site_root.value, PathBuf::from(DEFAULT_SITE_ROOT));
    }
}
