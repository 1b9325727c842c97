//! Whole networks on the virtual clock: peers behind NATs that learn their mapped address from a
//! STUN server and punch holes to each other, timers, determinism of the trace, and the
//! network-level counters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use sansrtc_netsim::{
    Datagram, Echo, LinkConfig, NatConfig, Network, Node, NodeId, Probe, StunServer, epoch,
};

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const STUN: &str = "198.51.100.10:3478";
const PING_INTERVAL: Duration = Duration::from_millis(50);
const PINGS: u32 = 20;

/// A tiny sans-IO "application": learns its mapped address from STUN (retransmitting every
/// 200 ms), then, once told the peer's mapped address, pings it every 50 ms and answers pings.
#[derive(Debug)]
struct Peer {
    local: SocketAddr,
    mapped: Option<SocketAddr>,
    next_binding: Option<Instant>,
    remote: Option<SocketAddr>,
    next_ping: Option<Instant>,
    pings_sent: u32,
    pongs: u32,
    outbox: VecDeque<Datagram>,
}

impl Peer {
    fn new(local: &str) -> Self {
        Self {
            local: sa(local),
            mapped: None,
            next_binding: Some(epoch()),
            remote: None,
            next_ping: None,
            pings_sent: 0,
            pongs: 0,
            outbox: VecDeque::new(),
        }
    }

    fn connect(&mut self, now: Instant, remote: SocketAddr) {
        self.remote = Some(remote);
        self.next_ping = Some(now);
    }
}

impl Node for Peer {
    fn handle_datagram(&mut self, _now: Instant, d: Datagram) {
        if d.source == sa(STUN) {
            if let Some(mapped) = StunServer::mapped_address(&d.payload) {
                self.mapped = Some(mapped);
                self.next_binding = None;
            }
        } else if d.payload.starts_with(b"ping") {
            let mut pong = d.payload.clone();
            pong[..4].copy_from_slice(b"pong");
            self.outbox
                .push_back(Datagram::new(self.local, d.source, pong));
        } else if d.payload.starts_with(b"pong") {
            self.pongs += 1;
        }
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        [self.next_binding, self.next_ping]
            .into_iter()
            .flatten()
            .min()
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.next_binding.is_some_and(|t| now >= t) {
            let request = StunServer::binding_request([self.pings_sent as u8; 12]);
            self.outbox
                .push_back(Datagram::new(self.local, sa(STUN), request));
            self.next_binding = Some(now + Duration::from_millis(200));
        }
        if let (Some(t), Some(remote)) = (self.next_ping, self.remote)
            && now >= t
        {
            let ping = [b"ping".as_slice(), &self.pings_sent.to_be_bytes()].concat();
            self.outbox
                .push_back(Datagram::new(self.local, remote, ping));
            self.pings_sent += 1;
            self.next_ping = (self.pings_sent < PINGS).then_some(t + PING_INTERVAL);
        }
    }
}

struct Call {
    net: Network,
    alice: NodeId,
    bob: NodeId,
}

/// Alice and Bob, each behind their own NAT (both with private IP 10.0.0.2), and a public STUN
/// server. Runs until both know their mapped address, then connects them.
fn call(seed: u64, nat: NatConfig, link: LinkConfig) -> Call {
    let mut net = Network::new(seed);
    net.add_node(sa(STUN).ip(), None, link.clone(), StunServer::new());
    let nat_a = net.add_nat("203.0.113.1".parse().unwrap(), nat.clone());
    let nat_b = net.add_nat("203.0.113.2".parse().unwrap(), nat);
    let ip = "10.0.0.2".parse().unwrap();
    let alice = net.add_node(ip, Some(nat_a), link.clone(), Peer::new("10.0.0.2:5000"));
    let bob = net.add_node(ip, Some(nat_b), link, Peer::new("10.0.0.2:6000"));

    let deadline = net.now() + Duration::from_secs(5);
    let both_mapped = |net: &Network| {
        net.node::<Peer>(alice).mapped.is_some() && net.node::<Peer>(bob).mapped.is_some()
    };
    assert!(net.run_until_condition(deadline, both_mapped));
    let (ma, mb) = (
        net.node::<Peer>(alice).mapped.unwrap(),
        net.node::<Peer>(bob).mapped.unwrap(),
    );
    assert_eq!(ma.ip().to_string(), "203.0.113.1");
    assert_eq!(mb.ip().to_string(), "203.0.113.2");
    let now = net.now();
    net.node_mut::<Peer>(alice).connect(now, mb);
    net.node_mut::<Peer>(bob).connect(now, ma);
    Call { net, alice, bob }
}

#[test]
fn echo_through_cone_nats_after_hole_punching() {
    let link = LinkConfig {
        delay: Duration::from_millis(15),
        ..Default::default()
    };
    let Call {
        mut net,
        alice,
        bob,
    } = call(1, NatConfig::port_restricted_cone(), link);
    net.run_until(net.now() + Duration::from_secs(2));
    // Alice's first ping reaches Bob's NAT before Bob has sent anything to Alice: filtered.
    // Every later ping finds the hole open.
    assert_eq!(net.stats().nat_filtered, 1);
    assert_eq!(net.node::<Peer>(alice).pongs, PINGS - 1);
    assert_eq!(net.node::<Peer>(bob).pongs, PINGS);
    assert_eq!(net.stats().lost, 0);
}

#[test]
fn symmetric_nats_defeat_hole_punching() {
    let Call {
        mut net,
        alice,
        bob,
    } = call(1, NatConfig::symmetric(), LinkConfig::default());
    net.run_until(net.now() + Duration::from_secs(2));
    // Each side's mapping towards the peer differs from the one STUN saw, and the peer's
    // filter only admits the addresses it sent to: nothing gets through.
    assert_eq!(net.node::<Peer>(alice).pongs, 0);
    assert_eq!(net.node::<Peer>(bob).pongs, 0);
    assert_eq!(
        net.stats().nat_no_mapping + net.stats().nat_filtered,
        2 * u64::from(PINGS)
    );
}

#[test]
fn step_drives_echo_to_quiescence() {
    let mut net = Network::new(3);
    let link = LinkConfig {
        delay: Duration::from_millis(25),
        ..Default::default()
    };
    let echo = net.add_node(
        "198.51.100.7".parse().unwrap(),
        None,
        link.clone(),
        Echo::new(),
    );
    let nat = net.add_nat("203.0.113.1".parse().unwrap(), NatConfig::default());
    let probe = net.add_node(
        "192.168.1.2".parse().unwrap(),
        Some(nat),
        link,
        Probe::new(),
    );
    for i in 0..3u8 {
        net.node_mut::<Probe>(probe)
            .send(sa("192.168.1.2:4000"), sa("198.51.100.7:7"), vec![i]);
    }
    let mut steps = 0;
    while net.step() {
        steps += 1;
    }
    assert!(!net.step(), "nothing pending");
    // 3 datagrams × 4 hops.
    assert_eq!(steps, 12);
    assert_eq!(net.elapsed(), Duration::from_millis(100));
    assert_eq!(net.node::<Echo>(echo).echoed(), 3);
    let received = net.node::<Probe>(probe).received();
    assert_eq!(
        received
            .iter()
            .map(|(_, d)| d.payload[0])
            .collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert!(
        received
            .iter()
            .all(|(_, d)| d.source == sa("198.51.100.7:7"))
    );
    let stats = net.stats();
    assert_eq!((stats.sent, stats.delivered), (6, 6));
}

/// Fires a timer every 100 ms and records when.
#[derive(Default)]
struct Ticker {
    fired: Vec<Instant>,
}

impl Node for Ticker {
    fn handle_datagram(&mut self, _: Instant, _: Datagram) {}
    fn poll_transmit(&mut self, _: Instant) -> Option<Datagram> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Some(self.fired.last().copied().unwrap_or(epoch()) + Duration::from_millis(100))
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.fired.push(now);
    }
}

#[test]
fn timers_fire_at_poll_timeout_on_the_virtual_clock() {
    let mut net = Network::new(0);
    let ticker = net.add_node(
        "198.51.100.1".parse().unwrap(),
        None,
        LinkConfig::default(),
        Ticker::default(),
    );
    let deadline = epoch() + Duration::from_millis(1050);
    net.run_until(deadline);
    let fired: Vec<u128> = net
        .node::<Ticker>(ticker)
        .fired
        .iter()
        .map(|t| t.duration_since(epoch()).as_millis())
        .collect();
    assert_eq!(fired, (1..=10).map(|i| i * 100).collect::<Vec<_>>());
    assert_eq!(net.now(), deadline);
}

fn traced_run(seed: u64) -> Vec<String> {
    let link = LinkConfig {
        loss: 0.1,
        duplicate: 0.05,
        reorder: 0.1,
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(10),
        mtu: Some(1200),
    };
    let Call { mut net, .. } = call(seed, NatConfig::restricted_cone(), link);
    let lines = Rc::new(RefCell::new(Vec::new()));
    let sink = lines.clone();
    net.set_trace(move |e| sink.borrow_mut().push(e.to_string()));
    net.run_until(net.now() + Duration::from_secs(3));
    let lines = lines.borrow().clone();
    assert!(lines.len() > 50, "the trace has content");
    lines
}

#[test]
fn same_seed_gives_an_identical_trace() {
    assert_eq!(traced_run(9), traced_run(9));
}

#[test]
fn different_seeds_give_different_traces() {
    assert_ne!(traced_run(9), traced_run(10));
}

#[test]
fn mtu_and_unroutable_datagrams_are_counted() {
    let mut net = Network::new(4);
    let link = LinkConfig {
        mtu: Some(1280),
        ..Default::default()
    };
    let a = net.add_node("198.51.100.1".parse().unwrap(), None, link, Probe::new());
    let b = net.add_node(
        "198.51.100.2".parse().unwrap(),
        None,
        LinkConfig::default(),
        Probe::new(),
    );
    let probe = net.node_mut::<Probe>(a);
    probe.send(sa("198.51.100.1:1"), sa("198.51.100.2:1"), vec![0; 1280]);
    probe.send(sa("198.51.100.1:1"), sa("198.51.100.2:1"), vec![0; 1281]);
    probe.send(sa("198.51.100.1:1"), sa("192.0.2.99:1"), vec![0; 10]);
    net.run_until(net.now() + Duration::from_secs(1));
    assert_eq!(net.node::<Probe>(b).received().len(), 1);
    let stats = net.stats();
    assert_eq!(
        (
            stats.sent,
            stats.delivered,
            stats.dropped_mtu,
            stats.no_route
        ),
        (3, 1, 1, 1)
    );
    let (up, down) = net.link_stats(a).unwrap();
    assert_eq!((up.sent, up.dropped_mtu, down.sent), (3, 1, 0));
}

#[test]
fn run_until_condition_stops_early_or_at_the_deadline() {
    let mut net = Network::new(5);
    let ticker = net.add_node(
        "198.51.100.1".parse().unwrap(),
        None,
        LinkConfig::default(),
        Ticker::default(),
    );
    let three = |net: &Network| net.node::<Ticker>(ticker).fired.len() == 3;
    assert!(net.run_until_condition(epoch() + Duration::from_secs(1), three));
    assert_eq!(net.elapsed(), Duration::from_millis(300));
    let never = |_: &Network| false;
    assert!(!net.run_until_condition(epoch() + Duration::from_millis(450), never));
    assert_eq!(net.elapsed(), Duration::from_millis(450));
    assert!(
        net.try_node::<Probe>(ticker).is_none(),
        "wrong type is None, not a panic"
    );
}

/// A buggy node: its deadline never moves.
struct Stuck;

impl Node for Stuck {
    fn handle_datagram(&mut self, _: Instant, _: Datagram) {}
    fn poll_transmit(&mut self, _: Instant) -> Option<Datagram> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Some(epoch())
    }
    fn handle_timeout(&mut self, _: Instant) {}
}

#[test]
#[should_panic(expected = "never disarmed")]
fn a_timer_that_never_disarms_is_reported_not_spun_on_forever() {
    let mut net = Network::new(6);
    net.add_node(
        "198.51.100.1".parse().unwrap(),
        None,
        LinkConfig::default(),
        Stuck,
    );
    net.run_until(epoch() + Duration::from_secs(1));
}
