//! Where a value comes from, in order of precedence: a flag or its
//! environment variable (both read by clap), the configuration file, the
//! built-in default. Each value keeps its [`Source`] for error messages.

use super::{
    ConfigError, Setting,
    cli::{FileConfig, keys},
};
use clap::{ArgMatches, parser::ValueSource};
use std::{
    fmt,
    path::{Path, PathBuf},
};

/// Where a setting's value came from, displayed the way the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag such as `--addr`.
    Flag(&'static str),
    /// An environment variable such as `SCORENOW_ADDR`.
    Env(&'static str),
    /// A key of the configuration file.
    File {
        /// The key, e.g. `addr`.
        key: &'static str,
        /// The configuration file.
        path: PathBuf,
    },
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

/// The names a setting goes by on the command line.
pub(super) struct Names {
    /// clap's id of the argument, which is also the file key.
    pub(super) id: &'static str,
    /// The long flag, e.g. `--addr`.
    pub(super) flag: &'static str,
    /// The environment variable clap reads for the flag.
    pub(super) env: &'static str,
}

impl Names {
    /// The names of one setting.
    pub(super) const fn new(id: &'static str, flag: &'static str, env: &'static str) -> Self {
        Names { id, flag, env }
    }

    /// Tells the flag from the environment variable for a value clap has read.
    pub(super) fn origin(&self, matches: &ArgMatches) -> Source {
        match matches.value_source(self.id) {
            Some(ValueSource::EnvVariable) => Source::Env(self.env),
            _ => Source::Flag(self.flag),
        }
    }

    /// The value clap has read for this setting, if any, with its origin.
    pub(super) fn given<T>(&self, matches: &ArgMatches, value: Option<T>) -> Option<Setting<T>> {
        value.map(|value| Setting {
            value,
            source: self.origin(matches),
        })
    }
}

/// A setting that always has a value: its names, its file key and its default.
pub(super) struct Key<T: 'static> {
    /// The flag and variable; `names.id` is the file key.
    pub(super) names: Names,
    /// The value in the configuration file; `|_| None` when the file cannot set it.
    pub(super) file: fn(&FileConfig) -> Option<T>,
    /// The built-in default.
    pub(super) default: &'static str,
}

/// Picks each setting from the highest-precedence layer that has it.
pub(super) struct Resolver<'a> {
    matches: &'a ArgMatches,
    file: Option<(FileConfig, PathBuf)>,
}

impl<'a> Resolver<'a> {
    /// Flags and environment variables only (the standalone simulator's).
    #[cfg(feature = "servicenow-sim")]
    pub(super) fn command_line(matches: &'a ArgMatches) -> Self {
        Resolver {
            matches,
            file: None,
        }
    }

    /// Flags, environment variables and then the configuration file at `path`, if any.
    pub(super) fn with_file(
        matches: &'a ArgMatches,
        path: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let file = match path {
            Some(path) => Some((read_file(&path, &keys::CONFIG.origin(matches))?, path)),
            None => None,
        };
        Ok(Resolver { matches, file })
    }

    /// The value from `from_cli` (what clap read for `key`), else the file, else the default.
    pub(super) fn resolve<T: From<&'static str>>(
        &self,
        key: &Key<T>,
        from_cli: Option<T>,
    ) -> Setting<T> {
        if let Some(setting) = key.names.given(self.matches, from_cli) {
            return setting;
        }
        if let Some((file, path)) = &self.file
            && let Some(value) = (key.file)(file)
        {
            let source = Source::File {
                key: key.names.id,
                path: path.clone(),
            };
            return Setting { value, source };
        }
        Setting {
            value: T::from(key.default),
            source: Source::Default(key.names.flag),
        }
    }

    /// [`Self::resolve`], then `rule` turns the text into a value.
    pub(super) fn parse<T>(
        &self,
        key: &Key<String>,
        from_cli: Option<String>,
        rule: &super::validate::Rule<T>,
    ) -> Result<Setting<T>, ConfigError> {
        rule.apply(self.resolve(key, from_cli))
    }
}

/// Reads the configuration file; a failure is one line, with the line number
/// of a syntax error.
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

#[cfg(test)]
mod tests {
    use crate::config::{Config, LogFormat, Source, test_support::args};
    use std::path::PathBuf;

    /// A data directory with a config file holding `contents`, and the file.
    fn config_file(contents: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("scorenow.toml");
        std::fs::write(&file, contents).expect("write");
        (dir, file)
    }

    /// Why a start with a config file holding `contents` is refused, and the file.
    fn refusal(contents: &str) -> (String, PathBuf) {
        let (dir, file) = config_file(contents);
        let error =
            Config::try_from_args(args(&["--config", &file.display().to_string()], dir.path()))
                .unwrap_err()
                .to_string();
        (error, file)
    }

    #[test]
    fn file_values_apply_and_flags_override_them() {
        let (dir, file) = config_file("addr = \"127.0.0.1:4000\"\nlog_format = \"json\"\n");
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
    fn database_settings_come_from_the_file_too() {
        let (dir, file) = config_file(
            "database_url = \"postgres://db.example.com/scorenow\"\n\
             database_pool_size = 3\ndatabase_statement_timeout = \"1m\"\n",
        );
        let config =
            Config::try_from_args(args(&["--config", &file.display().to_string()], dir.path()))
                .expect("valid");
        assert_eq!(
            config.database_url.source,
            Source::File {
                key: "database_url",
                path: file.clone()
            }
        );
        assert_eq!(config.database_pool_size.value, 3);
        assert_eq!(config.database_statement_timeout.value.as_secs(), 60);
    }

    #[test]
    fn bad_value_in_file_names_the_file_key() {
        let (error, file) = refusal("addr = \"localhost\"\n");
        assert!(
            error.contains(&format!("`addr` in {}", file.display())),
            "{error}"
        );
    }

    #[test]
    fn malformed_file_is_one_line_with_its_line_number() {
        let (error, _) = refusal("log = \"info\"\naddr = = 3\n");
        assert!(error.contains("line 2:"), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
    }

    #[test]
    fn unknown_file_key_is_rejected() {
        let (error, _) = refusal("adress = \"127.0.0.1:1\"\n");
        assert!(error.contains("adress"), "{error}");
    }
}
