//! Turning the text of a setting into a typed value, or into one line that
//! names the setting's source and says what was expected.

use super::{ConfigError, FirstAdmin, LogFormat, Secret, Setting, cli::keys};
use crate::securescore::graph::GraphCredentials;
use clap::ArgMatches;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// How one kind of text becomes a value, and what to say when it does not.
pub(super) struct Rule<T> {
    /// The end of the error line, e.g. "expected `human` or `json`".
    pub(super) expected: &'static str,
    /// The value of the trimmed text, or `None` when it is not one.
    pub(super) parse: fn(&str) -> Option<T>,
}

/// What an error shows instead of a value that may hold a secret.
const REDACTED: &str = "[redacted]";

impl<T> Rule<T> {
    /// Parses the trimmed text; the error keeps the text as written.
    pub(super) fn apply(&self, raw: Setting<String>) -> Result<Setting<T>, ConfigError> {
        self.check(raw, |value| value)
    }

    /// Parses the trimmed text of a value that may hold a secret (a URL
    /// with a password): the error shows a placeholder instead.
    pub(super) fn apply_secret(&self, raw: Setting<String>) -> Result<Setting<T>, ConfigError> {
        self.check(raw, |_| REDACTED.to_owned())
    }

    /// Parses the trimmed text; the error shows what `shown` makes of it.
    fn check(
        &self,
        raw: Setting<String>,
        shown: fn(String) -> String,
    ) -> Result<Setting<T>, ConfigError> {
        match (self.parse)(raw.value.trim()) {
            Some(value) => Ok(Setting {
                value,
                source: raw.source,
            }),
            None => Err(ConfigError::Invalid {
                value: shown(raw.value),
                setting: raw.source,
                expected: self.expected,
            }),
        }
    }
}

/// The server's listening address.
pub(super) const ADDR: Rule<SocketAddr> = Rule {
    expected: "expected HOST:PORT, e.g. 127.0.0.1:3000",
    parse: |text| text.parse().ok(),
};

/// The embedded simulator's address, or `off`.
pub(super) const SIM_ADDR: Rule<Option<SocketAddr>> = Rule {
    expected: "expected HOST:PORT or `off`",
    parse: |text| match text {
        "off" => Some(None),
        _ => text.parse().ok().map(Some),
    },
};

/// `human` or `json`, in any case.
pub(super) const LOG_FORMAT: Rule<LogFormat> = Rule {
    expected: "expected `human` or `json`",
    parse: |text| match text.to_ascii_lowercase().as_str() {
        "human" => Some(LogFormat::Human),
        "json" => Some(LogFormat::Json),
        _ => None,
    },
};

/// An `http(s)` origin; the empty default means "derive from the address".
pub(super) const PUBLIC_URL: Rule<Option<url::Url>> = Rule {
    expected: "expected an http(s) URL without a path, e.g. https://scorenow.example.com",
    parse: parse_public_url,
};

/// Seconds between two ticket syncs, at most a day.
pub(super) const TICKET_SYNC: Rule<Duration> = Rule {
    expected: "expected whole seconds from 1 to 86400",
    parse: |text| {
        text.parse::<u64>()
            .ok()
            .filter(|secs| (1..=86_400).contains(secs))
            .map(Duration::from_secs)
    },
};

/// Seconds before a lookup after an unknown outcome, at most an hour.
pub(super) const UNKNOWN_OUTCOME_WAIT: Rule<Duration> = Rule {
    expected: "expected whole seconds from 1 to 3600",
    parse: |text| {
        text.parse::<u64>()
            .ok()
            .filter(|secs| (1..=3_600).contains(secs))
            .map(Duration::from_secs)
    },
};

/// A yes-or-no setting: `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, in any case.
pub(super) const BOOL: Rule<bool> = Rule {
    expected: "expected true or false",
    parse: |text| match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    },
};

/// Comma-separated addresses or CIDR ranges (an address is a range of one).
pub(super) const NETWORKS: Rule<Vec<ipnet::IpNet>> = Rule {
    expected: "expected comma-separated IP addresses or CIDR ranges, e.g. 10.0.0.0/8,::1",
    parse: |text| {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<ipnet::IpNet>()
                    .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .ok()
            })
            .collect()
    },
};

/// A session's lifetime or idle timeout: from a second to 30 days, e.g. `30m`.
pub(super) const SESSION_DURATION: Rule<Duration> = Rule {
    expected: "expected a duration from 1s to 30d, e.g. 30m or 12h",
    parse: |text| duration_within(text, 1, 30 * 86_400),
};

/// A PostgreSQL URL, or empty for SQLite in the data directory.
pub(super) const DATABASE_URL: Rule<Option<Secret>> = Rule {
    expected: "expected a postgres:// or postgresql:// URL, or nothing for SQLite in the data directory",
    parse: |text| match text {
        "" => Some(None),
        _ => postgres_url(text).map(Some),
    },
};

/// `text` as a secret, if it is a postgres:// or postgresql:// URL.
pub(super) fn postgres_url(text: &str) -> Option<Secret> {
    url::Url::parse(text)
        .ok()
        .filter(|url| matches!(url.scheme(), "postgres" | "postgresql"))
        .map(|_| Secret(text.to_owned()))
}

/// How many connections to PostgreSQL at most.
pub(super) const POOL_SIZE: Rule<u32> = Rule {
    expected: "expected a whole number from 1 to 1000",
    parse: |text| {
        text.parse::<u32>()
            .ok()
            .filter(|size| (1..=1000).contains(size))
    },
};

/// How long a PostgreSQL statement may run: from a second to an hour, e.g. `30s`.
pub(super) const STATEMENT_TIMEOUT: Rule<Duration> = Rule {
    expected: "expected a duration from 1s to 1h, e.g. 30s",
    parse: |text| duration_within(text, 1, 3_600),
};

/// A duration such as `30m`, if it lasts from `min_secs` to `max_secs` seconds.
fn duration_within(text: &str, min_secs: u64, max_secs: u64) -> Option<Duration> {
    humantime::parse_duration(text)
        .ok()
        .filter(|duration| (min_secs..=max_secs).contains(&duration.as_secs()))
}

/// The base URL of Microsoft Graph or of the identity platform.
pub(super) const ENDPOINT: Rule<url::Url> = Rule {
    expected: "expected an https URL",
    parse: |text| {
        url::Url::parse(text)
            .ok()
            .filter(|url| matches!(url.scheme(), "https" | "http") && url.host().is_some())
    },
};

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

/// A comma-separated list of hosts, trimmed and lowercased, without empty entries.
pub(super) fn host_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Microsoft Graph's credentials: tenant, client and secret together, or none.
pub(super) fn graph_credentials(
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<Option<GraphCredentials>, ConfigError> {
    match (tenant_id, client_id, client_secret) {
        (None, None, None) => Ok(None),
        (Some(tenant_id), Some(client_id), Some(client_secret)) => Ok(Some(GraphCredentials {
            tenant_id,
            client_id,
            client_secret: Secret(client_secret),
        })),
        _ => Err(ConfigError::Invalid {
            value: "[incomplete]".to_owned(),
            setting: super::Source::Default("--graph-tenant-id"),
            expected: "set SCORENOW_GRAPH_TENANT_ID, SCORENOW_GRAPH_CLIENT_ID and SCORENOW_GRAPH_CLIENT_SECRET together",
        }),
    }
}

/// The first admin's settings: both or neither.
pub(super) fn first_admin(
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
            setting: keys::ADMIN_EMAIL.origin(matches),
            expected: "it needs SCORENOW_ADMIN_PASSWORD too",
        }),
        (None, Some(_)) => Err(ConfigError::Invalid {
            value: REDACTED.to_owned(),
            setting: keys::ADMIN_PASSWORD.origin(matches),
            expected: "it needs SCORENOW_ADMIN_EMAIL too",
        }),
    }
}

/// Creates the data directory if needed and proves it is writable now, so a
/// read-only volume fails at start rather than at the first write.
pub(super) fn ensure_writable_dir(dir: &Setting<PathBuf>) -> Result<(), ConfigError> {
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
    use crate::{
        config::{Config, Source, test_support::args},
        storage::DatabaseSettings,
    };
    use std::time::Duration;

    #[test]
    fn the_database_is_sqlite_in_the_data_dir_unless_a_url_is_set() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::try_from_args(args(&[], dir.path())).expect("valid");
        assert!(config.database_url.value.is_none());
        assert_eq!(config.database_pool_size.value, 10);
        assert_eq!(
            config.database_statement_timeout.value,
            Duration::from_secs(30)
        );
        assert!(matches!(
            config.database(),
            DatabaseSettings::Sqlite { path } if path == dir.path().join("scorenow.db")
        ));
    }

    #[test]
    fn a_postgres_url_selects_postgres_and_never_shows_its_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = "postgresql://scorenow:hunter2@db.example.com/scorenow";
        let config = Config::try_from_args(args(
            &[
                "--database-url",
                url,
                "--database-pool-size",
                "20",
                "--database-statement-timeout",
                "5s",
            ],
            dir.path(),
        ))
        .expect("valid");
        assert_eq!(config.database_url.source, Source::Flag("--database-url"));
        let DatabaseSettings::Postgres(postgres) = config.database() else {
            panic!("a URL selects PostgreSQL");
        };
        assert_eq!(postgres.url.expose(), url);
        assert_eq!(postgres.max_connections, 20);
        assert_eq!(postgres.statement_timeout, Duration::from_secs(5));
        let shown = format!("{config:?} {postgres:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_url_of_another_database_names_the_setting_but_not_the_url() {
        let dir = tempfile::tempdir().expect("tempdir");
        let error = Config::try_from_args(args(
            &[
                "--database-url",
                "mysql://scorenow:hunter2@db.example.com/scorenow",
            ],
            dir.path(),
        ))
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "invalid value \"[redacted]\" for --database-url: expected a postgres:// or \
             postgresql:// URL, or nothing for SQLite in the data directory"
        );
    }

    #[test]
    fn pool_size_and_statement_timeout_out_of_range_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (flag, value, expected) in [
            ("--database-pool-size", "0", "from 1 to 1000"),
            ("--database-pool-size", "1001", "from 1 to 1000"),
            ("--database-statement-timeout", "500ms", "from 1s to 1h"),
            ("--database-statement-timeout", "2h", "from 1s to 1h"),
        ] {
            let error = Config::try_from_args(args(&[flag, value], dir.path()))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(&format!("{value:?} for {flag}: expected"))
                    && error.contains(expected),
                "{error}"
            );
        }
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
