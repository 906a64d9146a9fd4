//! `scorenow migrate-db`'s settings: the database to copy and the one to
//! copy it into, each `sqlite:PATH` or a PostgreSQL URL. Only the command
//! line sets them; the configuration file and the server's settings do not
//! apply.

use super::{
    ConfigError, Setting, Source,
    cli::command_line_error,
    validate::{Rule, postgres_url},
};
use crate::storage::{DatabaseSettings, PostgresSettings};
use clap::{ArgMatches, FromArgMatches};
use std::{path::PathBuf, time::Duration};

/// Options of `scorenow migrate-db`.
#[derive(Debug, clap::Args)]
pub(super) struct MigrateDbArgs {
    /// The database to copy: sqlite:PATH (the file, e.g. sqlite:data/scorenow.db)
    /// or a postgres:// URL
    #[arg(long, value_name = "DATABASE", display_order = 0)]
    from: String,

    /// The empty database to copy into: a postgres:// or postgresql:// URL, or
    /// sqlite:PATH (created if missing)
    #[arg(long, value_name = "DATABASE", display_order = 0)]
    to: String,
}

/// `scorenow migrate-db`: which database to copy into which.
#[derive(Clone, Debug)]
pub struct MigrateDb {
    /// The database to copy.
    pub from: DatabaseSettings,
    /// The empty database to copy into.
    pub to: DatabaseSettings,
}

/// Connections to a PostgreSQL server: the copy holds one transaction on each database.
const POOL_SIZE: u32 = 2;

/// `sqlite:PATH` (sqlx's `sqlite://PATH` too) or a PostgreSQL URL, which
/// takes no statement timeout: a table is read for as long as it takes to
/// write it into the other database.
const DATABASE: Rule<DatabaseSettings> = Rule {
    expected: "expected sqlite:PATH or a postgres:// or postgresql:// URL",
    parse: |text| match text.strip_prefix("sqlite:") {
        Some(path) => {
            let path = path.strip_prefix("//").unwrap_or(path);
            (!path.is_empty()).then(|| DatabaseSettings::Sqlite {
                path: PathBuf::from(path),
            })
        }
        None => postgres_url(text).map(|url| {
            DatabaseSettings::Postgres(PostgresSettings {
                url,
                max_connections: POOL_SIZE,
                statement_timeout: Duration::ZERO,
            })
        }),
    },
};

impl MigrateDb {
    /// Reads the matches of `migrate-db`; a bad value is shown redacted,
    /// since a URL may hold a password.
    pub(super) fn from_matches(sub: &ArgMatches) -> Result<Self, ConfigError> {
        let args = MigrateDbArgs::from_arg_matches(sub).map_err(|error| {
            command_line_error(error.to_string(), "see `scorenow migrate-db --help`")
        })?;
        let database = |flag: &'static str, value: String| {
            let given = Setting {
                value,
                source: Source::Flag(flag),
            };
            DATABASE.apply_secret(given).map(|setting| setting.value)
        };
        Ok(Self {
            from: database("--from", args.from)?,
            to: database("--to", args.to)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::cli::Cli;
    use std::path::Path;

    /// `scorenow migrate-db` with `options`, as read.
    fn migrate_db(options: &[&str]) -> Result<MigrateDb, ConfigError> {
        let args = ["scorenow", "migrate-db"].iter().chain(options);
        let matches = Cli::matches_from(args)?;
        let (_, sub) = matches.subcommand().expect("a subcommand");
        MigrateDb::from_matches(sub)
    }

    #[test]
    fn sqlite_files_and_postgres_urls_name_the_databases() {
        let url = "postgresql://scorenow:hunter2@db.example.com/scorenow";
        let task = migrate_db(&["--from", "sqlite:data/scorenow.db", "--to", url]).expect("valid");
        assert!(matches!(
            &task.from,
            DatabaseSettings::Sqlite { path } if path == Path::new("data/scorenow.db")
        ));
        let DatabaseSettings::Postgres(to) = &task.to else {
            panic!("a URL is PostgreSQL: {task:?}");
        };
        assert_eq!(to.url.expose(), url);
        assert_eq!(to.statement_timeout, Duration::ZERO);
        assert!(!format!("{task:?}").contains("hunter2"));

        let task =
            migrate_db(&["--from", url, "--to", "sqlite:///srv/scorenow.db"]).expect("valid");
        assert!(matches!(
            &task.to,
            DatabaseSettings::Sqlite { path } if path == Path::new("/srv/scorenow.db")
        ));
    }

    #[test]
    fn anything_else_names_the_flag_but_not_the_value() {
        for (from, to, flag) in [
            ("data/scorenow.db", "sqlite:copy.db", "--from"),
            ("sqlite:", "sqlite:copy.db", "--from"),
            (
                "sqlite:data/scorenow.db",
                "mysql://scorenow:hunter2@db/scorenow",
                "--to",
            ),
        ] {
            let error = migrate_db(&["--from", from, "--to", to])
                .expect_err("refused")
                .to_string();
            assert_eq!(
                error,
                format!(
                    "invalid value \"[redacted]\" for {flag}: expected sqlite:PATH or a \
                     postgres:// or postgresql:// URL"
                )
            );
        }
    }
}
