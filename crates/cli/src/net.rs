//! Local addresses and sockets: host candidates come from the machine's interfaces.
//!
//! By default every non-loopback, non-link-local address of every interface that is up becomes
//! a host candidate (RFC 8445 §5.1.1.1), each with its own UDP socket; loopback addresses are
//! used only when there is nothing else (or when `--bind` names them). IPv6 link-local
//! addresses are skipped: they need a scope id that SDP cannot carry.

use std::io;
use std::net::{IpAddr, SocketAddr};

/// The IP addresses to gather host candidates on.
pub fn host_ips() -> io::Result<Vec<IpAddr>> {
    let mut ips = Vec::new();
    let mut loopback = Vec::new();
    for interface in if_addrs::get_if_addrs()? {
        let ip = interface.ip();
        if ip.is_unspecified() || ip.is_multicast() || is_link_local(ip) {
            continue;
        }
        let list = if ip.is_loopback() {
            &mut loopback
        } else {
            &mut ips
        };
        if !list.contains(&ip) {
            list.push(ip);
        }
    }
    if ips.is_empty() {
        ips = loopback;
    }
    Ok(ips)
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Binds one non-blocking UDP socket per address (port 0 = any free port) and returns each with
/// the address it is bound to (what the peer's host candidate carries).
pub fn bind_all(addresses: &[SocketAddr]) -> io::Result<Vec<mio::net::UdpSocket>> {
    addresses
        .iter()
        .map(|&a| {
            mio::net::UdpSocket::bind(a)
                .map_err(|e| io::Error::new(e.kind(), format!("binding UDP {a}: {e}")))
        })
        .collect()
}

/// `--bind` values: an IP (any port) or an IP and a port.
pub fn parse_bind(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    s.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 0))
        .map_err(|_| format!("{s:?} is neither an IP address nor IP:PORT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_values() {
        assert_eq!(
            parse_bind("127.0.0.1").unwrap(),
            "127.0.0.1:0".parse().unwrap()
        );
        assert_eq!(
            parse_bind("[::1]:5000").unwrap(),
            "[::1]:5000".parse().unwrap()
        );
        assert!(parse_bind("localhost").is_err());
    }

    #[test]
    fn link_local_is_skipped() {
        assert!(is_link_local("fe80::1".parse().unwrap()));
        assert!(is_link_local("169.254.1.1".parse().unwrap()));
        assert!(!is_link_local("fd99::1".parse().unwrap()));
    }
}
