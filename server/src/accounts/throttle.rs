//! What a sign-in attempt is counted against: the account (as submitted,
//! normalised) and the client's address, IPv6 by its /64 (one subscriber's
//! network), so that neither one account nor one network can guess fast.
//! The counting itself is in storage, shared by every replica.

use ipnet::Ipv6Net;
use std::net::IpAddr;

/// The throttle keys of an attempt for `email` (normalised) from `client`.
pub fn keys(email: &str, client: Option<IpAddr>) -> Vec<String> {
    let mut keys = vec![format!("account:{email}")];
    keys.extend(client.map(|address| format!("address:{}", network_of(address))));
    keys
}

/// The address as throttled: IPv4 whole, IPv6 by its /64.
fn network_of(address: IpAddr) -> String {
    match address.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => Ipv6Net::new(v6, 64)
            .map(|network| network.trunc().to_string())
            .unwrap_or_else(|_| v6.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::keys;

    #[test]
    fn ipv6_clients_share_their_64_and_mapped_ipv4_reads_as_ipv4() {
        let one = keys("a@example.com", Some("2001:db8:1:2::1".parse().unwrap()));
        let other = keys(
            "a@example.com",
            Some("2001:db8:1:2:ffff::9".parse().unwrap()),
        );
        assert_eq!(one, ["account:a@example.com", "address:2001:db8:1:2::/64"]);
        assert_eq!(one, other);
        assert_eq!(
            keys("a@example.com", Some("::ffff:192.0.2.1".parse().unwrap()))[1],
            "address:192.0.2.1"
        );
        assert_eq!(keys("a@example.com", None), ["account:a@example.com"]);
    }
}
