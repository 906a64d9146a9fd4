//! A DNS resolver for outbound calls that refuses names resolving to this
//! machine, private networks, link-local (cloud metadata) or other
//! non-public addresses, so that a name cannot lead ScoreNow inside the
//! network it runs in (SSRF through DNS). Hosts an admin allowed
//! explicitly are resolved as they are.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::{
    collections::HashSet,
    future::Future,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{Arc, LazyLock},
};

/// Address blocks that are not the public internet.
static INTERNAL: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    ]
    .iter()
    .map(|net| net.parse().expect("a valid block"))
    .collect()
});

/// Whether `ip` is loopback, private, link-local (metadata services),
/// shared, multicast or otherwise not a public address (IPv4 mapped in
/// IPv6 included).
pub fn is_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    INTERNAL.iter().any(|net| net.contains(&ip))
}

/// Looks a name up; the system resolver unless a test brings its own.
type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<SocketAddr>>> + Send>>
        + Send
        + Sync,
>;

/// Refuses names resolving to internal addresses, except `allowed` hosts.
#[derive(Clone)]
pub struct GuardedResolver {
    allowed: Arc<HashSet<String>>,
    lookup: Lookup,
}

impl GuardedResolver {
    /// The system resolver, guarded; `allowed` hosts (lower case, no port)
    /// may resolve anywhere.
    pub fn new(allowed: impl IntoIterator<Item = String>) -> Self {
        Self::with_lookup(
            allowed,
            Arc::new(|name: String| {
                Box::pin(
                    async move { Ok(tokio::net::lookup_host((name.as_str(), 0)).await?.collect()) },
                )
            }),
        )
    }

    fn with_lookup(allowed: impl IntoIterator<Item = String>, lookup: Lookup) -> Self {
        Self {
            allowed: Arc::new(allowed.into_iter().collect()),
            lookup,
        }
    }
}

/// A name that resolved only to addresses ScoreNow does not call.
#[derive(Debug, thiserror::Error)]
#[error("{name} resolves to an internal address ({address}), which ScoreNow does not call")]
pub struct InternalAddress {
    name: String,
    address: IpAddr,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_ascii_lowercase();
        let allowed = self.allowed.contains(&name);
        let lookup = (self.lookup)(name.clone());
        Box::pin(async move {
            let addresses = lookup.await?;
            if allowed {
                return Ok(Box::new(addresses.into_iter()) as Addrs);
            }
            match addresses.iter().find(|address| is_internal(address.ip())) {
                // One internal answer is enough to refuse: a name that
                // mixes them is a rebinding attempt, not a public service.
                Some(address) => Err(Box::new(InternalAddress {
                    name,
                    address: address.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                None => Ok(Box::new(addresses.into_iter()) as Addrs),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in ["149.96.5.10", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    /// A resolver whose every name resolves to `ip`, and a server listening
    /// there that counts what reaches it.
    fn resolving_to(ip: &str, allowed: &[&str]) -> GuardedResolver {
        let ip: IpAddr = ip.parse().unwrap();
        GuardedResolver::with_lookup(
            allowed.iter().map(|host| (*host).to_owned()),
            Arc::new(move |_| Box::pin(async move { Ok(vec![SocketAddr::new(ip, 0)]) })),
        )
    }

    #[tokio::test]
    async fn a_name_resolving_to_this_machine_is_never_called_unless_allowed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let reached = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = reached.clone();
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async { "inside" }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = |resolver: GuardedResolver| {
            reqwest::Client::builder()
                .dns_resolver(Arc::new(resolver))
                .build()
                .unwrap()
        };
        let url = format!("http://acme.service-now.com:{port}/");
        let refused = client(resolving_to("127.0.0.1", &[]))
            .get(&url)
            .send()
            .await
            .expect_err("refused");
        assert!(
            crate::servicenow::failure::error_chain(&refused).contains("internal address"),
            "{refused:?}"
        );
        assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0);
        let allowed = client(resolving_to("127.0.0.1", &["acme.service-now.com"]));
        assert_eq!(allowed.get(&url).send().await.unwrap().status(), 200);
        assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
