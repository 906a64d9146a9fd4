//! Which address a request comes from: the TCP peer, unless the peer is a
//! configured trusted reverse proxy; then the address its `Forwarded` (or
//! `X-Forwarded-For`) header names, walking back through further trusted
//! proxies. A header from any other peer is ignored, so a client cannot
//! choose the address the sign-in throttle keys on.

use app::api::request::ClientAddress;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};
use forwarded_header_value::ForwardedHeaderValue;
use ipnet::IpNet;
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

/// The reverse proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Trusts the peers in `networks`.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(Arc::new(networks))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client of a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let Some(chain) = forwarded_chain(headers) else {
            return peer;
        };
        let mut client = peer;
        // Nearest hop last: each trusted hop vouches for the one before it.
        for hop in chain.iter().rev() {
            if !self.trusts(client) {
                break;
            }
            match hop.forwarded_for_ip() {
                Some(address) => client = address,
                // `unknown` or an obfuscated name: the nearest known address stands.
                None => break,
            }
        }
        client
    }
}

/// The proxies' account of the request's path: `Forwarded` when present,
/// else `X-Forwarded-For`; several header lines read as one list.
fn forwarded_chain(headers: &HeaderMap) -> Option<ForwardedHeaderValue> {
    let joined = |name: &str| {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    if let Some(forwarded) = joined("forwarded") {
        return ForwardedHeaderValue::from_forwarded(&forwarded).ok();
    }
    ForwardedHeaderValue::from_x_forwarded_for(&joined("x-forwarded-for")?).ok()
}

/// The middleware: records the request's [`ClientAddress`] for server functions.
pub async fn resolve(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = trusted.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(networks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(networks.iter().map(|n| n.parse().unwrap()).collect())
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let claims = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            trusted.client(ip("198.51.100.7"), &claims),
            ip("198.51.100.7")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &claims),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_forged_hops_before_it_are_ignored() {
        let trusted = proxies(&["10.0.0.0/8", "::1/128"]);
        // The client forged 1.1.1.1; the proxy appended the client's real address.
        let forged = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &forged), ip("203.0.113.9"));
        // Two trusted proxies in a row.
        let chained = headers(&[("x-forwarded-for", "203.0.113.9, 10.1.1.1")]);
        assert_eq!(trusted.client(ip("::1"), &chained), ip("203.0.113.9"));
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_unreadable_headers_leave_the_peer() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let both = headers(&[
            ("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &both), ip("2001:db8::7"));
        let garbage = headers(&[("x-forwarded-for", "not an address")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &garbage), ip("10.0.0.2"));
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &unknown), ip("10.0.0.2"));
    }
}
