//! The standalone simulator's settings (`scorenow servicenow-sim`): its own
//! flags, and the logging flags it shares with the server.

use super::{
    ConfigError, LogConfig, Setting,
    cli::{Cli, DEFAULT_SIM_ADDR, command_line_error},
    sources::{Key, Names, Resolver},
    validate::Rule,
};
use crate::servicenow_sim::{Faults, SimSettings};
use clap::{ArgMatches, FromArgMatches};
use std::{net::SocketAddr, path::PathBuf};

/// Options of `scorenow servicenow-sim`.
#[derive(Debug, clap::Args)]
pub(super) struct SimArgs {
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

/// The standalone simulator's configuration.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Where the simulator listens.
    pub addr: Setting<SocketAddr>,
    /// The instance it simulates: OAuth entity, integration user, faults.
    pub settings: SimSettings,
    /// Logging, set by the same flags as the server's.
    pub log: LogConfig,
}

/// `servicenow-sim --addr`; not a file key.
const ADDR: Key<String> = Key {
    names: Names::new("addr", "--addr", "SCORENOW_SIM_ADDR"),
    file: |_| None,
    default: DEFAULT_SIM_ADDR,
};
/// `servicenow-sim --faults`.
const FAULTS: Names = Names::new("faults", "--faults", "SCORENOW_SIM_FAULTS");

/// The simulator's listening address.
const ADDR_RULE: Rule<SocketAddr> = Rule {
    expected: "expected HOST:PORT, e.g. 127.0.0.1:3001",
    parse: |text| text.parse().ok(),
};
/// The faults in force at start.
const FAULTS_RULE: Rule<Faults> = Rule {
    expected: "expected a JSON object of faults",
    parse: |text| serde_json::from_str(text).ok(),
};

impl SimConfig {
    /// Reads `servicenow-sim`'s matches (`sub`) and the logging flags of the
    /// whole command line (`top`); the configuration file does not apply.
    pub(super) fn from_matches(top: &ArgMatches, sub: &ArgMatches) -> Result<Self, ConfigError> {
        let args = SimArgs::from_arg_matches(sub).map_err(|error| {
            command_line_error(error.to_string(), "see `scorenow servicenow-sim --help`")
        })?;
        let cli = Cli::from_matches(top)?;
        let faults = match FAULTS.given(sub, args.faults) {
            Some(raw) => FAULTS_RULE.apply(raw)?.value,
            None => Faults::default(),
        };
        Ok(SimConfig {
            addr: Resolver::command_line(sub).parse(&ADDR, args.addr, &ADDR_RULE)?,
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
            log: LogConfig::resolve(&Resolver::command_line(top), cli.log_format, cli.log)?,
        })
    }
}
