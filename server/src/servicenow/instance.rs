//! Which ServiceNow instance to talk to: what an admin types (`acme`,
//! `acme.service-now.com`, a full URL) normalised to an origin, and the
//! allowlist that keeps ScoreNow from contacting any other host (no SSRF).

use crate::outbound::{GuardedResolver, is_internal};
use app::domain::servicenow::InstanceProblem;
use url::Url;

/// Domains of ServiceNow-hosted instances.
const SERVICENOW_DOMAINS: [&str; 2] = [".service-now.com", ".servicenowservices.com"];

/// A validated instance origin such as `https://acme.service-now.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceUrl(Url);

impl InstanceUrl {
    /// The origin without a trailing slash, as stored and shown.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// `path` (starting with `/`) on this instance.
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        url.set_path(path);
        url
    }
}

impl std::fmt::Display for InstanceUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The hosts ScoreNow may contact.
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    /// Extra hosts (`host` or `host:port`, lower case) from `SCORENOW_ALLOWED_INSTANCE_HOSTS`.
    allowed_hosts: Vec<String>,
    /// The embedded simulator's origin in demo mode.
    demo_origin: Option<Url>,
}

impl HostPolicy {
    /// ServiceNow's own domains plus `allowed_hosts`, and the simulator at
    /// `demo_origin` when running the demo.
    pub fn new(allowed_hosts: &[String], demo_origin: Option<Url>) -> Self {
        Self {
            allowed_hosts: allowed_hosts
                .iter()
                .map(|host| host.trim().to_ascii_lowercase())
                .filter(|host| !host.is_empty())
                .collect(),
            demo_origin,
        }
    }

    /// Normalises what an admin typed and checks that it may be contacted.
    pub fn instance(&self, input: &str) -> Result<InstanceUrl, InstanceProblem> {
        let input = input.trim();
        if input.is_empty() {
            return Err(InstanceProblem::Empty);
        }
        let url = if input.contains("://") {
            Url::parse(input).map_err(|_| InstanceProblem::Invalid)?
        } else if is_instance_name(input) {
            Url::parse(&format!("https://{input}.service-now.com"))
                .map_err(|_| InstanceProblem::Invalid)?
        } else {
            Url::parse(&format!("https://{input}")).map_err(|_| InstanceProblem::Invalid)?
        };
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or(InstanceProblem::Invalid)?
            .to_ascii_lowercase();
        if !url.username().is_empty() || url.password().is_some() {
            return Err(InstanceProblem::Invalid);
        }
        let origin = Url::parse(&url.origin().ascii_serialization())
            .map_err(|_| InstanceProblem::Invalid)?;
        if self.demo_origin.as_ref() == Some(&origin) {
            return Ok(InstanceUrl(origin));
        }
        // A port other than the scheme's own must be allowed by name.
        let listed = self.allowed_hosts.iter().any(|allowed| match url.port() {
            Some(port) => *allowed == format!("{host}:{port}"),
            None => *allowed == host,
        });
        let servicenow_hosted = url.port().is_none()
            && SERVICENOW_DOMAINS
                .iter()
                .any(|domain| host.ends_with(domain) && host.len() > domain.len());
        if !listed && url.port().is_some() {
            return Err(InstanceProblem::PortNotAllowed {
                host: host_and_port(&url, &host),
            });
        }
        if !listed && is_internal_literal(&host) {
            return Err(InstanceProblem::HostNotAllowed { host });
        }
        match url.scheme() {
            "https" if servicenow_hosted || listed => Ok(InstanceUrl(origin)),
            "http" if listed && is_loopback(&host) => Ok(InstanceUrl(origin)),
            "http" if servicenow_hosted || listed => Err(InstanceProblem::NotHttps),
            "https" | "http" => Err(InstanceProblem::HostNotAllowed { host }),
            _ => Err(InstanceProblem::NotHttps),
        }
    }
}

impl HostPolicy {
    /// The DNS resolver for calls to instances: names an admin allowed
    /// explicitly (and the demo simulator) may resolve to internal
    /// addresses, no other name may.
    pub fn resolver(&self) -> GuardedResolver {
        let listed = self
            .allowed_hosts
            .iter()
            .map(|allowed| match allowed.rsplit_once(':') {
                Some((host, port)) if port.parse::<u16>().is_ok() => host.to_owned(),
                _ => allowed.clone(),
            });
        let demo = self
            .demo_origin
            .as_ref()
            .and_then(|origin| origin.host_str().map(str::to_owned));
        GuardedResolver::new(listed.chain(demo))
    }
}

/// `host:port` of `url` for messages.
fn host_and_port(url: &Url, host: &str) -> String {
    url.port()
        .map_or_else(|| host.to_owned(), |port| format!("{host}:{port}"))
}

/// An IP address literal that is not public (these never go through DNS).
fn is_internal_literal(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok_and(is_internal)
}

/// This machine: the only place plain `http://` may go (test rigs, local proxies).
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A bare instance name such as `acme` or `acme-dev`.
fn is_instance_name(input: &str) -> bool {
    input.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HostPolicy {
        HostPolicy::new(
            &["snow.internal.example".into(), "127.0.0.1:4010".into()],
            Some(Url::parse("http://127.0.0.1:3001").unwrap()),
        )
    }

    #[test]
    fn every_spelling_of_an_instance_becomes_its_https_origin() {
        for input in [
            "acme",
            "  acme ",
            "acme.service-now.com",
            "ACME.service-now.com",
            "https://acme.service-now.com",
            "https://acme.service-now.com/",
            "https://acme.service-now.com/now/nav/ui/classic?x=1#y",
        ] {
            let instance = policy().instance(input).unwrap();
            assert_eq!(instance.as_str(), "https://acme.service-now.com", "{input}");
        }
        assert_eq!(
            policy()
                .instance("gov.servicenowservices.com")
                .unwrap()
                .as_str(),
            "https://gov.servicenowservices.com"
        );
    }

    #[test]
    fn only_servicenow_and_listed_hosts_are_allowed() {
        for (input, host) in [
            ("evil.example.com", "evil.example.com"),
            (
                "https://service-now.com.evil.example",
                "service-now.com.evil.example",
            ),
            ("https://169.254.169.254", "169.254.169.254"),
            ("https://localhost", "localhost"),
            ("https://[::1]", "[::1]"),
        ] {
            assert_eq!(
                policy().instance(input),
                Err(InstanceProblem::HostNotAllowed { host: host.into() }),
                "{input}"
            );
        }
        assert_eq!(
            policy().instance("https://service-now.com"),
            Err(InstanceProblem::HostNotAllowed {
                host: "service-now.com".into()
            })
        );
        assert!(policy().instance("snow.internal.example").is_ok());
        assert_eq!(
            policy().instance("http://snow.internal.example"),
            Err(InstanceProblem::NotHttps),
            "secrets never travel in clear text off this machine"
        );
        assert_eq!(
            policy()
                .instance("http://127.0.0.1:4010/x")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:4010"
        );
        assert_eq!(
            policy().instance("http://127.0.0.1:3001").unwrap().as_str(),
            "http://127.0.0.1:3001"
        );
    }

    #[test]
    fn only_port_443_unless_the_allowlist_names_the_port() {
        for (input, host) in [
            (
                "https://acme.service-now.com:8443",
                "acme.service-now.com:8443",
            ),
            (
                "https://snow.internal.example:8443",
                "snow.internal.example:8443",
            ),
            ("http://127.0.0.1:4011", "127.0.0.1:4011"),
            ("https://169.254.169.254:80", "169.254.169.254:80"),
        ] {
            assert_eq!(
                policy().instance(input),
                Err(InstanceProblem::PortNotAllowed { host: host.into() }),
                "{input}"
            );
        }
        assert!(
            policy()
                .instance("https://acme.service-now.com:443")
                .is_ok()
        );
    }

    #[test]
    fn internal_addresses_need_the_allowlist_and_names_resolve_guarded() {
        let listed = HostPolicy::new(&["10.0.0.5".into(), "snow.lan:8443".into()], None);
        assert!(listed.instance("https://10.0.0.5").is_ok());
        assert!(listed.instance("https://snow.lan:8443").is_ok());
        assert_eq!(
            listed.instance("https://10.0.0.6"),
            Err(InstanceProblem::HostNotAllowed {
                host: "10.0.0.6".into()
            })
        );
    }

    #[test]
    fn the_demo_simulator_is_allowed_only_in_demo_mode() {
        let production = HostPolicy::new(&[], None);
        assert!(matches!(
            production.instance("http://127.0.0.1:3001"),
            Err(InstanceProblem::PortNotAllowed { .. })
        ));
        assert!(matches!(
            production.instance("http://127.0.0.1"),
            Err(InstanceProblem::HostNotAllowed { .. })
        ));
    }

    #[test]
    fn malformed_or_insecure_input_is_refused_with_its_reason() {
        let policy = policy();
        assert_eq!(policy.instance(""), Err(InstanceProblem::Empty));
        assert_eq!(policy.instance("   "), Err(InstanceProblem::Empty));
        assert_eq!(policy.instance("acme corp"), Err(InstanceProblem::Invalid));
        assert_eq!(
            policy.instance("https://user:pw@acme.service-now.com"),
            Err(InstanceProblem::Invalid)
        );
        assert_eq!(
            policy.instance("http://acme.service-now.com"),
            Err(InstanceProblem::NotHttps)
        );
        assert_eq!(
            policy.instance("ftp://acme.service-now.com"),
            Err(InstanceProblem::NotHttps)
        );
    }

    #[test]
    fn join_builds_urls_on_the_instance() {
        let instance = policy().instance("acme").unwrap();
        assert_eq!(
            instance.join("/oauth_token.do").as_str(),
            "https://acme.service-now.com/oauth_token.do"
        );
    }
}
