//! What the user writes: the flags and subcommands (clap's derive; each doc
//! comment is the `--help` text), the configuration file's keys, and in
//! `keys` the names every setting goes by in each layer, with its default.

use super::{ConfigError, Source};
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde::Deserialize;
use std::path::PathBuf;

/// The server's address when nothing else sets it.
pub(super) const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_DATA_DIR: &str = "./data";
/// Where the built site is when nothing else sets it.
pub(super) const DEFAULT_SITE_ROOT: &str = "target/site";
const DEFAULT_LOG_FORMAT: &str = "human";
const DEFAULT_LOG_FILTER: &str = "info";
/// Where the simulator listens when nothing else sets it.
pub(super) const DEFAULT_SIM_ADDR: &str = "127.0.0.1:3001";
/// What a command line that clap could not read points the user to.
const SEE_HELP: &str = "see `scorenow --help`";

/// ScoreNow: send Microsoft Secure Score improvement actions to ServiceNow
/// and track the tickets.
#[derive(Debug, Parser)]
#[command(name = "scorenow", version)]
pub(super) struct Cli {
    /// Address to serve on, as HOST:PORT [default: 127.0.0.1:3000]
    #[arg(long, env = "SCORENOW_ADDR", value_name = "HOST:PORT")]
    pub(super) addr: Option<String>,

    /// Directory for the SQLite database (unless --database-url is set) and other
    /// state; created if missing [default: ./data]
    #[arg(long, env = "SCORENOW_DATA_DIR", value_name = "DIR", global = true)]
    pub(super) data_dir: Option<PathBuf>,

    /// Directory with the built site (pkg/, favicon) [default: target/site]
    #[arg(long, env = "SCORENOW_SITE_ROOT", value_name = "DIR")]
    pub(super) site_root: Option<PathBuf>,

    /// Log output: `human` or `json` [default: human]
    #[arg(
        long,
        env = "SCORENOW_LOG_FORMAT",
        value_name = "FORMAT",
        global = true
    )]
    pub(super) log_format: Option<String>,

    /// Log filter in tracing's EnvFilter syntax, e.g. `info,server=debug` [default: info]
    #[arg(long, env = "SCORENOW_LOG", value_name = "FILTER", global = true)]
    pub(super) log: Option<String>,

    /// Demo mode: the built-in ServiceNow simulator, the demo Secure Score catalog
    /// and the demo accounts, whose password is published; never in production
    /// [default: off]
    #[arg(
        long,
        env = "SCORENOW_DEMO",
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub(super) demo: Option<String>,

    /// Where the embedded ServiceNow simulator listens in demo mode, or `off` [default: 127.0.0.1:3001]
    #[arg(long, env = "SCORENOW_SIM_ADDR", value_name = "HOST:PORT|off")]
    pub(super) servicenow_sim_addr: Option<String>,

    /// Bearer token that unlocks the embedded simulator's admin endpoint
    /// /sim/admin (faults, counters; for tests) [default: disabled]
    #[cfg(feature = "servicenow-sim")]
    #[arg(
        long,
        env = "SCORENOW_SIM_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub(super) servicenow_sim_admin_token: Option<String>,

    /// This server's address as browsers reach it, e.g. https://scorenow.example.com;
    /// ServiceNow redirects to <URL>/servicenow/callback [default: http://<addr>]
    #[arg(long, env = "SCORENOW_PUBLIC_URL", value_name = "URL")]
    pub(super) public_url: Option<String>,

    /// Hosts besides *.service-now.com and *.servicenowservices.com that may be
    /// used as ServiceNow instances, comma-separated (`host` or `host:port`)
    #[arg(long, env = "SCORENOW_ALLOWED_INSTANCE_HOSTS", value_name = "HOSTS")]
    pub(super) allowed_instance_hosts: Option<String>,

    /// Reverse proxies whose `X-Forwarded-For` or `Forwarded` header names the
    /// client, comma-separated addresses or CIDR ranges, e.g. `10.0.0.0/8,::1` [default: none]
    #[arg(long, env = "SCORENOW_TRUSTED_PROXIES", value_name = "ADDRESSES")]
    pub(super) trusted_proxies: Option<String>,

    /// How long a session lasts unused, e.g. `30m` or `1h` [default: 30m]
    #[arg(long, env = "SCORENOW_SESSION_IDLE_TIMEOUT", value_name = "DURATION")]
    pub(super) session_idle_timeout: Option<String>,

    /// How long a session lasts at most after sign-in, e.g. `12h` [default: 12h]
    #[arg(long, env = "SCORENOW_SESSION_LIFETIME", value_name = "DURATION")]
    pub(super) session_lifetime: Option<String>,

    /// Seconds between two syncs of ticket states from ServiceNow [default: 60]
    #[arg(long, env = "SCORENOW_TICKET_SYNC_SECS", value_name = "SECONDS")]
    pub(super) ticket_sync_secs: Option<String>,

    /// Seconds to wait before looking a ticket up in ServiceNow after its
    /// create request timed out, failed with 5xx or lost its answer; longer
    /// than the instance's transaction timeout [default: 120]
    #[arg(
        long,
        env = "SCORENOW_UNKNOWN_OUTCOME_WAIT_SECS",
        value_name = "SECONDS"
    )]
    pub(super) unknown_outcome_wait_secs: Option<String>,

    /// Key that encrypts stored secrets: 32 bytes as base64 (`openssl rand -base64 32`).
    /// Prefer the environment variable; without it a key file is created in the data directory
    #[arg(
        long,
        env = "SCORENOW_SECRET_KEY",
        value_name = "BASE64",
        hide_env_values = true
    )]
    pub(super) secret_key: Option<String>,

    /// Microsoft Entra tenant ID whose Secure Score is read through Microsoft Graph
    /// (with --graph-client-id and --graph-client-secret; without them: demo catalog or none)
    #[arg(long, env = "SCORENOW_GRAPH_TENANT_ID", value_name = "ID")]
    pub(super) graph_tenant_id: Option<String>,

    /// Application (client) ID of the app registration with SecurityEvents.Read.All
    #[arg(long, env = "SCORENOW_GRAPH_CLIENT_ID", value_name = "ID")]
    pub(super) graph_client_id: Option<String>,

    /// Client secret of that app registration; prefer the environment variable
    #[arg(
        long,
        env = "SCORENOW_GRAPH_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub(super) graph_client_secret: Option<String>,

    /// Microsoft Graph's base URL (sovereign clouds: e.g. https://graph.microsoft.us)
    /// [default: https://graph.microsoft.com]
    #[arg(long, env = "SCORENOW_GRAPH_URL", value_name = "URL")]
    pub(super) graph_url: Option<String>,

    /// The identity platform's base URL (e.g. https://login.microsoftonline.us)
    /// [default: https://login.microsoftonline.com]
    #[arg(long, env = "SCORENOW_LOGIN_URL", value_name = "URL")]
    pub(super) login_url: Option<String>,

    /// PostgreSQL to keep state in instead of SQLite in the data directory, as a
    /// postgres:// or postgresql:// URL; prefer the environment variable, the URL
    /// may hold a password [default: SQLite in the data directory]
    #[arg(
        long,
        env = "SCORENOW_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true,
        global = true
    )]
    pub(super) database_url: Option<String>,

    /// Connections to PostgreSQL at most, from 1 to 1000 [default: 10]
    #[arg(
        long,
        env = "SCORENOW_DATABASE_POOL_SIZE",
        value_name = "COUNT",
        global = true
    )]
    pub(super) database_pool_size: Option<String>,

    /// How long a PostgreSQL statement may run before the server cancels it,
    /// e.g. `30s` [default: 30s]
    #[arg(
        long,
        env = "SCORENOW_DATABASE_STATEMENT_TIMEOUT",
        value_name = "DURATION",
        global = true
    )]
    pub(super) database_statement_timeout: Option<String>,

    /// TOML file with any of the settings above (keys: addr, data_dir,
    /// site_root, log_format, log, demo, servicenow_sim_addr, public_url,
    /// allowed_instance_hosts, trusted_proxies, session_idle_timeout,
    /// session_lifetime, ticket_sync_secs, unknown_outcome_wait_secs,
    /// database_url, database_pool_size, database_statement_timeout); flags
    /// and environment override it
    #[arg(
        long,
        short = 'c',
        env = "SCORENOW_CONFIG",
        value_name = "FILE",
        global = true
    )]
    pub(super) config: Option<PathBuf>,

    /// Email of the first admin, created at start when no admin exists (with --admin-password)
    #[arg(long, env = "SCORENOW_ADMIN_EMAIL", value_name = "EMAIL")]
    pub(super) admin_email: Option<String>,

    /// Password of that first admin; prefer the environment variable to the flag
    #[arg(
        long,
        env = "SCORENOW_ADMIN_PASSWORD",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub(super) admin_password: Option<String>,

    #[command(flatten)]
    pub(super) sso: super::sso::SsoArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Other things the binary can do besides serving ScoreNow.
#[derive(Debug, Subcommand)]
enum Command {
    /// Manage accounts from the command line
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Copy every table into a new, empty database, e.g. from SQLite to PostgreSQL
    ///
    /// Stop ScoreNow first. Both databases are migrated to this version's schema, the
    /// target must hold no rows, and every table is copied in one transaction that is
    /// committed only when each table has as many rows as in the source. A PostgreSQL
    /// URL may leave its password to PGPASSWORD or ~/.pgpass. Only --from and --to
    /// apply; the other options are the server's.
    #[command(name = "migrate-db")]
    MigrateDb(super::migrate_db::MigrateDbArgs),
    /// Run only the ServiceNow-compatible simulator (for tests and other tools)
    #[cfg(feature = "servicenow-sim")]
    #[command(name = "servicenow-sim")]
    ServicenowSim(super::sim::SimArgs),
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
    /// Delete the demo accounts (their password is published) before
    /// running without --demo
    RemoveDemoAccounts,
}

/// The optional configuration file; its keys mirror the long flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    addr: Option<String>,
    data_dir: Option<PathBuf>,
    site_root: Option<PathBuf>,
    log_format: Option<String>,
    log: Option<String>,
    demo: Option<bool>,
    servicenow_sim_addr: Option<String>,
    public_url: Option<String>,
    allowed_instance_hosts: Option<String>,
    trusted_proxies: Option<String>,
    session_idle_timeout: Option<String>,
    session_lifetime: Option<String>,
    ticket_sync_secs: Option<String>,
    unknown_outcome_wait_secs: Option<String>,
    database_url: Option<String>,
    database_pool_size: Option<u32>,
    database_statement_timeout: Option<String>,
}

impl Cli {
    /// The typed command line, from matches clap has already checked.
    pub(super) fn from_matches(matches: &ArgMatches) -> Result<Self, ConfigError> {
        Self::from_arg_matches(matches)
            .map_err(|error| command_line_error(error.to_string(), SEE_HELP))
    }

    /// The matches for explicit arguments (the first one is the program name);
    /// a clap error becomes its first line.
    pub(super) fn matches_from<I, T>(args: I) -> Result<ArgMatches, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Self::command().try_get_matches_from(args).map_err(|error| {
            let message = error.to_string();
            let first = message.lines().next().unwrap_or_default().to_owned();
            command_line_error(first, SEE_HELP)
        })
    }
}

/// A command line clap could not read, as a one-line error.
pub(super) fn command_line_error(value: String, expected: &'static str) -> ConfigError {
    ConfigError::Invalid {
        value,
        setting: Source::Default("the command line"),
        expected,
    }
}

/// Every setting's names; for those with a default, also its file key and default.
pub(super) mod keys {
    use super::*;
    use crate::config::sources::{Key, Names};
    use crate::securescore::graph::{DEFAULT_GRAPH_URL, DEFAULT_LOGIN_URL};

    /// `--addr`.
    pub const ADDR: Key<String> = Key {
        names: Names::new("addr", "--addr", "SCORENOW_ADDR"),
        file: |file| file.addr.clone(),
        default: DEFAULT_ADDR,
    };
    /// `--data-dir`.
    pub const DATA_DIR: Key<PathBuf> = Key {
        names: Names::new("data_dir", "--data-dir", "SCORENOW_DATA_DIR"),
        file: |file| file.data_dir.clone(),
        default: DEFAULT_DATA_DIR,
    };
    /// `--site-root`.
    pub const SITE_ROOT: Key<PathBuf> = Key {
        names: Names::new("site_root", "--site-root", "SCORENOW_SITE_ROOT"),
        file: |file| file.site_root.clone(),
        default: DEFAULT_SITE_ROOT,
    };
    /// `--log-format`.
    pub const LOG_FORMAT: Key<String> = Key {
        names: Names::new("log_format", "--log-format", "SCORENOW_LOG_FORMAT"),
        file: |file| file.log_format.clone(),
        default: DEFAULT_LOG_FORMAT,
    };
    /// `--log`.
    pub const LOG: Key<String> = Key {
        names: Names::new("log", "--log", "SCORENOW_LOG"),
        file: |file| file.log.clone(),
        default: DEFAULT_LOG_FILTER,
    };
    /// `--demo`; off by default.
    pub const DEMO: Key<String> = Key {
        names: Names::new("demo", "--demo", "SCORENOW_DEMO"),
        file: |file| file.demo.map(|demo| demo.to_string()),
        default: "false",
    };
    /// `--trusted-proxies`; none by default.
    pub const TRUSTED_PROXIES: Key<String> = Key {
        names: Names::new(
            "trusted_proxies",
            "--trusted-proxies",
            "SCORENOW_TRUSTED_PROXIES",
        ),
        file: |file| file.trusted_proxies.clone(),
        default: "",
    };
    /// `--session-idle-timeout`.
    pub const SESSION_IDLE_TIMEOUT: Key<String> = Key {
        names: Names::new(
            "session_idle_timeout",
            "--session-idle-timeout",
            "SCORENOW_SESSION_IDLE_TIMEOUT",
        ),
        file: |file| file.session_idle_timeout.clone(),
        default: "30m",
    };
    /// `--session-lifetime`.
    pub const SESSION_LIFETIME: Key<String> = Key {
        names: Names::new(
            "session_lifetime",
            "--session-lifetime",
            "SCORENOW_SESSION_LIFETIME",
        ),
        file: |file| file.session_lifetime.clone(),
        default: "12h",
    };
    /// `--servicenow-sim-addr`.
    pub const SIM_ADDR: Key<String> = Key {
        names: Names::new(
            "servicenow_sim_addr",
            "--servicenow-sim-addr",
            "SCORENOW_SIM_ADDR",
        ),
        file: |file| file.servicenow_sim_addr.clone(),
        default: DEFAULT_SIM_ADDR,
    };
    /// `--public-url`; empty by default.
    pub const PUBLIC_URL: Key<String> = Key {
        names: Names::new("public_url", "--public-url", "SCORENOW_PUBLIC_URL"),
        file: |file| file.public_url.clone(),
        default: "",
    };
    /// `--allowed-instance-hosts`; empty by default.
    pub const ALLOWED_HOSTS: Key<String> = Key {
        names: Names::new(
            "allowed_instance_hosts",
            "--allowed-instance-hosts",
            "SCORENOW_ALLOWED_INSTANCE_HOSTS",
        ),
        file: |file| file.allowed_instance_hosts.clone(),
        default: "",
    };
    /// `--ticket-sync-secs`.
    pub const TICKET_SYNC_SECS: Key<String> = Key {
        names: Names::new(
            "ticket_sync_secs",
            "--ticket-sync-secs",
            "SCORENOW_TICKET_SYNC_SECS",
        ),
        file: |file| file.ticket_sync_secs.clone(),
        default: "60",
    };
    /// `--unknown-outcome-wait-secs`.
    pub const UNKNOWN_OUTCOME_WAIT_SECS: Key<String> = Key {
        names: Names::new(
            "unknown_outcome_wait_secs",
            "--unknown-outcome-wait-secs",
            "SCORENOW_UNKNOWN_OUTCOME_WAIT_SECS",
        ),
        file: |file| file.unknown_outcome_wait_secs.clone(),
        default: "120",
    };
    /// `--database-url`; empty (SQLite in the data directory) by default.
    pub const DATABASE_URL: Key<String> = Key {
        names: Names::new("database_url", "--database-url", "SCORENOW_DATABASE_URL"),
        file: |file| file.database_url.clone(),
        default: "",
    };
    /// `--database-pool-size`.
    pub const DATABASE_POOL_SIZE: Key<String> = Key {
        names: Names::new(
            "database_pool_size",
            "--database-pool-size",
            "SCORENOW_DATABASE_POOL_SIZE",
        ),
        file: |file| file.database_pool_size.map(|size| size.to_string()),
        default: "10",
    };
    /// `--database-statement-timeout`.
    pub const DATABASE_STATEMENT_TIMEOUT: Key<String> = Key {
        names: Names::new(
            "database_statement_timeout",
            "--database-statement-timeout",
            "SCORENOW_DATABASE_STATEMENT_TIMEOUT",
        ),
        file: |file| file.database_statement_timeout.clone(),
        default: "30s",
    };
    /// `--graph-url`; not a file key.
    pub const GRAPH_URL: Key<String> = Key {
        names: Names::new("graph_url", "--graph-url", "SCORENOW_GRAPH_URL"),
        file: |_| None,
        default: DEFAULT_GRAPH_URL,
    };
    /// `--login-url`; not a file key.
    pub const LOGIN_URL: Key<String> = Key {
        names: Names::new("login_url", "--login-url", "SCORENOW_LOGIN_URL"),
        file: |_| None,
        default: DEFAULT_LOGIN_URL,
    };
    /// `--config`.
    pub const CONFIG: Names = Names::new("config", "--config", "SCORENOW_CONFIG");
    /// `--secret-key`.
    pub const SECRET_KEY: Names = Names::new("secret_key", "--secret-key", "SCORENOW_SECRET_KEY");
    /// `--admin-email`.
    pub const ADMIN_EMAIL: Names =
        Names::new("admin_email", "--admin-email", "SCORENOW_ADMIN_EMAIL");
    /// `--admin-password`.
    pub const ADMIN_PASSWORD: Names = Names::new(
        "admin_password",
        "--admin-password",
        "SCORENOW_ADMIN_PASSWORD",
    );
}
