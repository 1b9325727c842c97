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

/// Socket buffer sizes asked for (the kernel caps them at net.core.rmem_max / wmem_max).
/// The default (about 200 KiB) holds fewer datagrams than one SCTP congestion window on
/// loopback, and every datagram the kernel drops for want of buffer is a loss SCTP must recover.
pub const SOCKET_BUFFER: usize = 4 * 1024 * 1024;

/// Binds one non-blocking UDP socket per address (port 0 = any free port), with
/// [`SOCKET_BUFFER`]-sized kernel buffers where the kernel allows.
pub fn bind_all(addresses: &[SocketAddr]) -> io::Result<Vec<mio::net::UdpSocket>> {
    addresses.iter().map(|&a| bind(a)).collect()
}

fn bind(address: SocketAddr) -> io::Result<mio::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let context = |e: io::Error| io::Error::new(e.kind(), format!("binding UDP {address}: {e}"));
    let socket = Socket::new(
        Domain::for_address(address),
        Type::DGRAM,
        Some(Protocol::UDP),
    )
    .map_err(context)?;
    if address.is_ipv6() {
        // One family per socket: an IPv6 candidate must not also receive IPv4.
        socket.set_only_v6(true).map_err(context)?;
    }
    // Best effort: a smaller buffer still works, only with more drops under load.
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
    socket.set_nonblocking(true).map_err(context)?;
    socket.bind(&address.into()).map_err(context)?;
    Ok(mio::net::UdpSocket::from_std(socket.into()))
}

/// The SCTP receive window to advertise: at most a quarter of the smallest kernel receive
/// buffer the sockets got (Linux reports twice what it grants, and a 1200-byte datagram costs
/// about twice its size in buffer accounting), so that a full window of datagrams sent in one
/// burst fits in the socket instead of being dropped by the kernel. Never above `default`.
pub fn receive_window(sockets: &[mio::net::UdpSocket], default: usize) -> usize {
    sockets
        .iter()
        .filter_map(|s| socket2::SockRef::from(s).recv_buffer_size().ok())
        .min()
        .map_or(default, |kernel| (kernel / 4).clamp(64 * 1024, default))
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
