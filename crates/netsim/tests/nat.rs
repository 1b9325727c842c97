//! RFC 4787 NAT behaviours, one test per section: mapping (§4.1), port assignment (§4.2.1),
//! mapping refresh (§4.3), filtering (§5) and hairpinning (§6).
//!
//! Topology: X (10.0.0.2) behind a NAT with public IP 203.0.113.1; two external hosts Y1
//! (198.51.100.1) and Y2 (198.51.100.2) on the internet. All are [`Probe`]s, so the test scripts
//! what they send and reads the source addresses they see.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::Duration;

use sansrtc_netsim::{
    LinkConfig, NatBehavior, NatConfig, NatId, Network, NodeId, Probe, TraceKind,
};

use NatBehavior::{
    AddressAndPortDependent as Apd, AddressDependent as Ad, EndpointIndependent as Ei,
};

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const X: &str = "10.0.0.2:5000";

struct Setup {
    net: Network,
    nat: NatId,
    x: NodeId,
    y1: NodeId,
    y2: NodeId,
}

impl Setup {
    fn new(config: NatConfig) -> Self {
        let mut net = Network::new(1);
        let nat = net.add_nat("203.0.113.1".parse().unwrap(), config);
        let link = LinkConfig {
            delay: Duration::from_millis(5),
            ..Default::default()
        };
        let x = net.add_node(
            "10.0.0.2".parse().unwrap(),
            Some(nat),
            link.clone(),
            Probe::new(),
        );
        let y1 = net.add_node(
            "198.51.100.1".parse().unwrap(),
            None,
            link.clone(),
            Probe::new(),
        );
        let y2 = net.add_node("198.51.100.2".parse().unwrap(), None, link, Probe::new());
        Self {
            net,
            nat,
            x,
            y1,
            y2,
        }
    }

    /// Sends from `from` (an address of `node`) to `to` and lets the network settle for 1 s.
    fn send(&mut self, node: NodeId, from: &str, to: &str) {
        self.net
            .node_mut::<Probe>(node)
            .send(sa(from), sa(to), b"x".to_vec());
        let deadline = self.net.now() + Duration::from_secs(1);
        self.net.run_until(deadline);
    }

    /// X sends to `to`; returns the source address the external host saw (X's mapping).
    fn mapped_towards(&mut self, to: &str) -> SocketAddr {
        self.send(self.x, X, to);
        let receiver = if sa(to).ip() == sa("198.51.100.1:0").ip() {
            self.y1
        } else {
            self.y2
        };
        let received = self.net.node_mut::<Probe>(receiver).take_received();
        assert_eq!(received.len(), 1, "X's datagram to {to} got through");
        assert_eq!(received[0].1.destination, sa(to));
        received[0].1.source
    }

    /// External `node` sends from `from` to `to`; returns whether X received it.
    fn reaches_x(&mut self, node: NodeId, from: &str, to: SocketAddr) -> bool {
        self.send(node, from, &to.to_string());
        let received = self.net.node_mut::<Probe>(self.x).take_received();
        if let [(_, d)] = received.as_slice() {
            assert_eq!(d.source, sa(from), "the source is not rewritten inbound");
            assert_eq!(d.destination, sa(X), "translated back to X:x");
            true
        } else {
            assert!(received.is_empty());
            false
        }
    }
}

/// RFC 4787 §4.1: X:x sends to Y1:y1, Y1:y2 (same IP, other port) and Y2:y1 (other IP); returns
/// the three mapped addresses X1':x1', X2':x2', X3':x3'.
fn three_mappings(mapping: NatBehavior) -> [SocketAddr; 3] {
    let mut s = Setup::new(NatConfig::new(mapping, Ei));
    [
        s.mapped_towards("198.51.100.1:3478"),
        s.mapped_towards("198.51.100.1:3479"),
        s.mapped_towards("198.51.100.2:3478"),
    ]
}

#[test]
fn rfc4787_4_1_endpoint_independent_mapping() {
    let [m1, m2, m3] = three_mappings(Ei);
    assert_eq!(m1.ip(), "203.0.113.1".parse::<std::net::IpAddr>().unwrap());
    // X1':x1' equals X2':x2' for all values of Y2:y2.
    assert_eq!(m1, m2);
    assert_eq!(m1, m3);
}

#[test]
fn rfc4787_4_1_address_dependent_mapping() {
    let [m1, m2, m3] = three_mappings(Ad);
    // X1':x1' equals X2':x2' if and only if Y2 equals Y1.
    assert_eq!(m1, m2);
    assert_ne!(m1, m3);
}

#[test]
fn rfc4787_4_1_address_and_port_dependent_mapping() {
    let [m1, m2, m3] = three_mappings(Apd);
    // X1':x1' equals X2':x2' if and only if Y2:y2 equals Y1:y1.
    assert_ne!(m1, m2);
    assert_ne!(m1, m3);
    assert_ne!(m2, m3);
    // ... and the same destination reuses the mapping while it is active.
    let mut s = Setup::new(NatConfig::symmetric());
    let first = s.mapped_towards("198.51.100.1:3478");
    assert_eq!(s.mapped_towards("198.51.100.1:3478"), first);
}

#[test]
fn rfc4787_4_1_req2_paired_pooling_one_external_ip_per_internal_ip() {
    // With one public IP, every mapping of X uses it: "Paired" IP address pooling.
    for mapping in [Ei, Ad, Apd] {
        let maps = three_mappings(mapping);
        assert!(maps.iter().all(|m| m.ip() == maps[0].ip()));
    }
}

#[test]
fn rfc4787_4_2_1_req3_no_port_overloading() {
    // Two internal hosts using the same port to the same destination get distinct external ports,
    // even with port preservation on.
    let config = NatConfig {
        port_preservation: true,
        ..NatConfig::default()
    };
    let mut s = Setup::new(config);
    let x2 = s.net.add_node(
        "10.0.0.3".parse().unwrap(),
        Some(s.nat),
        LinkConfig::default(),
        Probe::new(),
    );
    let m1 = s.mapped_towards("198.51.100.1:3478");
    s.send(x2, "10.0.0.3:5000", "198.51.100.1:3478");
    let m2 = s.net.node_mut::<Probe>(s.y1).take_received()[0].1.source;
    assert_eq!(m1.port(), 5000, "port preservation for the first");
    assert_ne!(m1, m2, "REQ-3: no port overloading");
}

#[test]
fn rfc4787_5_endpoint_independent_filtering() {
    let mut s = Setup::new(NatConfig::new(Ei, Ei));
    let m = s.mapped_towards("198.51.100.1:3478");
    // Any external endpoint may send to X1':x1'.
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
    assert!(s.reaches_x(s.y1, "198.51.100.1:9999", m));
    assert!(s.reaches_x(s.y2, "198.51.100.2:3478", m));
    // But only to a port that is mapped.
    let unmapped = SocketAddr::new(m.ip(), m.port().wrapping_add(1));
    assert!(!s.reaches_x(s.y2, "198.51.100.2:3478", unmapped));
    assert_eq!(s.net.stats().nat_no_mapping, 1);
    assert_eq!(s.net.stats().nat_filtered, 0);
}

#[test]
fn rfc4787_5_address_dependent_filtering() {
    let mut s = Setup::new(NatConfig::new(Ei, Ad));
    let m = s.mapped_towards("198.51.100.1:3478");
    // Y1 may send from any port, since X has sent to Y1's IP; Y2 may not.
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
    assert!(s.reaches_x(s.y1, "198.51.100.1:9999", m));
    assert!(!s.reaches_x(s.y2, "198.51.100.2:3478", m));
    assert_eq!(s.net.stats().nat_filtered, 1);
    // Once X has sent to Y2 (any port), Y2 gets in.
    assert_eq!(s.mapped_towards("198.51.100.2:1"), m);
    assert!(s.reaches_x(s.y2, "198.51.100.2:3478", m));
}

#[test]
fn rfc4787_5_address_and_port_dependent_filtering() {
    let mut s = Setup::new(NatConfig::new(Ei, Apd));
    let m = s.mapped_towards("198.51.100.1:3478");
    // Only the exact Y1:y1 that X sent to gets in.
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
    assert!(!s.reaches_x(s.y1, "198.51.100.1:9999", m));
    assert!(!s.reaches_x(s.y2, "198.51.100.2:3478", m));
    assert_eq!(s.net.stats().nat_filtered, 2);
    assert_eq!(s.net.nat(s.nat).unwrap().stats().filtered, 2);
}

#[test]
fn rfc4787_5_filtering_is_per_mapping_under_dependent_mapping() {
    // Address-dependent mapping with endpoint-independent filtering: each mapping lets anyone in,
    // but X's mapping towards Y1 is not its mapping towards Y2.
    let mut s = Setup::new(NatConfig::new(Ad, Ei));
    let to_y1 = s.mapped_towards("198.51.100.1:3478");
    let to_y2 = s.mapped_towards("198.51.100.2:3478");
    assert_ne!(to_y1, to_y2);
    assert!(s.reaches_x(s.y2, "198.51.100.2:7", to_y1));
    assert!(s.reaches_x(s.y1, "198.51.100.1:7", to_y2));
}

#[test]
fn rfc4787_4_3_mapping_expires_without_refresh() {
    let config = NatConfig {
        mapping_timeout: Duration::from_secs(120),
        ..NatConfig::full_cone()
    };
    let mut s = Setup::new(config);
    let m = s.mapped_towards("198.51.100.1:3478"); // at t = 5 ms, in the NAT
    assert_eq!(s.net.nat(s.nat).unwrap().mappings(s.net.now()).len(), 1);
    // Still alive just before the timer runs out (inbound traffic does not refresh by default).
    s.net.run_until(s.net.now() + Duration::from_secs(117));
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
    // Gone after it.
    s.net.run_until(s.net.now() + Duration::from_secs(2));
    assert!(!s.reaches_x(s.y1, "198.51.100.1:3478", m));
    let nat = s.net.nat(s.nat).unwrap();
    assert_eq!(nat.stats().mappings_expired, 1);
    assert_eq!(nat.stats().no_mapping, 1);
    assert!(nat.mappings(s.net.now()).is_empty());
    // New outbound traffic creates a new mapping, on a new port.
    let again = s.mapped_towards("198.51.100.1:3478");
    assert_ne!(again, m);
}

#[test]
fn rfc4787_4_3_req6_outbound_traffic_refreshes_the_mapping() {
    let config = NatConfig {
        mapping_timeout: Duration::from_secs(120),
        ..NatConfig::full_cone()
    };
    let mut s = Setup::new(config);
    let m = s.mapped_towards("198.51.100.1:3478");
    // Keepalives every 100 s keep the mapping (and its port) for 10 minutes.
    for _ in 0..6 {
        s.net.run_until(s.net.now() + Duration::from_secs(99));
        assert_eq!(s.mapped_towards("198.51.100.2:3478"), m);
    }
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
    let nat = s.net.nat(s.nat).unwrap();
    assert_eq!(nat.stats().mappings_created, 1);
    assert_eq!(nat.stats().mappings_expired, 0);
}

#[test]
fn rfc4787_4_3_req6a_inbound_refresh_is_optional() {
    for inbound_refresh in [false, true] {
        let config = NatConfig {
            mapping_timeout: Duration::from_secs(120),
            inbound_refresh,
            ..NatConfig::full_cone()
        };
        let mut s = Setup::new(config);
        let m = s.mapped_towards("198.51.100.1:3478");
        s.net.run_until(s.net.now() + Duration::from_secs(90));
        assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
        s.net.run_until(s.net.now() + Duration::from_secs(90));
        // 180 s after the last outbound datagram; 90 s after the last inbound one.
        assert_eq!(s.reaches_x(s.y1, "198.51.100.1:3478", m), inbound_refresh);
    }
}

/// X and Z behind the same NAT; returns (setup, z, X's mapping, Z's mapping).
fn hairpin_setup(hairpinning: bool) -> (Setup, NodeId, SocketAddr, SocketAddr) {
    let config = NatConfig {
        hairpinning,
        ..NatConfig::full_cone()
    };
    let mut s = Setup::new(config);
    let z = s.net.add_node(
        "10.0.0.3".parse().unwrap(),
        Some(s.nat),
        LinkConfig::default(),
        Probe::new(),
    );
    let mx = s.mapped_towards("198.51.100.1:3478");
    s.send(z, "10.0.0.3:6000", "198.51.100.1:3478");
    let mz = s.net.node_mut::<Probe>(s.y1).take_received()[0].1.source;
    (s, z, mx, mz)
}

#[test]
fn rfc4787_6_hairpinning_loops_back_with_the_external_source() {
    let (mut s, z, mx, mz) = hairpin_setup(true);
    s.send(s.x, X, &mz.to_string());
    let received = s.net.node_mut::<Probe>(z).take_received();
    assert_eq!(received.len(), 1);
    // REQ-9b: the hairpinned datagram's source is X's external address, not its internal one.
    assert_eq!(received[0].1.source, mx);
    assert_eq!(received[0].1.destination, sa("10.0.0.3:6000"));
    assert_eq!(s.net.nat(s.nat).unwrap().stats().hairpinned, 1);
}

#[test]
fn rfc4787_6_without_hairpinning_datagrams_to_the_public_ip_are_dropped() {
    let (mut s, z, _, mz) = hairpin_setup(false);
    s.send(s.x, X, &mz.to_string());
    assert!(s.net.node::<Probe>(z).received().is_empty());
    assert_eq!(s.net.stats().no_route, 1);
}

#[test]
fn nodes_behind_the_same_nat_reach_each_other_by_private_address() {
    let (mut s, z, _, _) = hairpin_setup(false);
    s.send(s.x, X, "10.0.0.3:6000");
    let received = s.net.node_mut::<Probe>(z).take_received();
    assert_eq!(received[0].1.source, sa(X), "no translation inside");
}

#[test]
fn private_addresses_of_different_nats_do_not_clash() {
    let mut s = Setup::new(NatConfig::full_cone());
    let other = s
        .net
        .add_nat("203.0.113.2".parse().unwrap(), NatConfig::full_cone());
    // Same private IP as X, behind another NAT.
    let twin = s.net.add_node(
        "10.0.0.2".parse().unwrap(),
        Some(other),
        LinkConfig::default(),
        Probe::new(),
    );
    let mx = s.mapped_towards("198.51.100.1:3478");
    s.send(twin, X, "198.51.100.1:3478");
    let mt = s.net.node_mut::<Probe>(s.y1).take_received()[0].1.source;
    assert_eq!(mt.ip().to_string(), "203.0.113.2");
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", mx));
    assert!(s.net.node::<Probe>(twin).received().is_empty());
}

#[test]
fn trace_shows_translations() {
    let mut s = Setup::new(NatConfig::full_cone());
    let kinds = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = kinds.clone();
    s.net.set_trace(move |e| sink.borrow_mut().push(e.kind));
    let m = s.mapped_towards("198.51.100.1:3478");
    assert!(s.reaches_x(s.y1, "198.51.100.1:3478", m));
    let kinds = kinds.borrow();
    assert!(matches!(kinds[1], TraceKind::NatOutbound { internal, .. } if internal == sa(X)));
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, TraceKind::NatInbound { external, .. } if *external == m))
    );
}
