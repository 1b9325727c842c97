//! The TURN client against the simulated TURN server of `sansrtc-netsim`, on the virtual clock:
//! allocation with the long-term credential, stale nonces, refreshes, permissions, Send/Data
//! indications, channels, close, and every lifetime's timer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_netsim::{
    Datagram, Echo, LinkConfig, NatConfig, Network, Node, NodeId, TurnServer, epoch,
};
use sansrtc_turn::{AllocationState, Client, ClientConfig, Event, Failure, Received};

const SERVER: &str = "198.51.100.20:3478";
const LOCAL: &str = "10.0.0.2:40000";
const ECHO: &str = "203.0.113.50:7";

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A node around one TURN client that records what it gets.
struct TurnNode {
    client: Client,
    buf: Vec<u8>,
    outbox: VecDeque<Datagram>,
    events: Vec<(Instant, Event)>,
    received: Vec<(SocketAddr, Vec<u8>)>,
}

impl TurnNode {
    fn new(config: ClientConfig) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        Self {
            client: Client::new(epoch(), config, &mut rng),
            buf: Vec::new(),
            outbox: VecDeque::new(),
            events: Vec::new(),
            received: Vec::new(),
        }
    }

    fn send_to(&mut self, peer: SocketAddr, data: &[u8]) {
        let mut out = Vec::new();
        let t = self.client.send_to(peer, data, &mut out).unwrap();
        self.outbox
            .push_back(Datagram::new(t.source, t.destination, out));
    }

    fn has(&self, f: impl Fn(&Event) -> bool) -> bool {
        self.events.iter().any(|(_, e)| f(e))
    }

    fn collect(&mut self) {
        while let Some(e) = self.client.poll_event() {
            self.events.push((epoch(), e));
        }
    }
}

impl Node for TurnNode {
    fn handle_datagram(&mut self, now: Instant, d: Datagram) {
        if let Received::Data { peer, data } =
            self.client.handle_datagram(now, d.source, &d.payload)
        {
            self.received.push((peer, data.to_vec()));
        }
        while let Some(e) = self.client.poll_event() {
            self.events.push((now, e));
        }
    }

    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        if let Some(d) = self.outbox.pop_front() {
            return Some(d);
        }
        let t = self.client.poll_transmit(now, &mut self.buf)?;
        Some(Datagram::new(t.source, t.destination, self.buf.clone()))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.client.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.client.handle_timeout(now);
        while let Some(e) = self.client.poll_event() {
            self.events.push((now, e));
        }
    }
}

struct World {
    net: Network,
    client: NodeId,
    server: NodeId,
    echo: NodeId,
}

fn world(server: TurnServer, password: &str, behind_nat: bool) -> World {
    let mut net = Network::new(1);
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    let server = net.add_node(sa(SERVER).ip(), None, link.clone(), server);
    let echo = net.add_node(sa(ECHO).ip(), None, link.clone(), Echo::new());
    let nat = behind_nat.then(|| net.add_nat("192.0.2.1".parse().unwrap(), NatConfig::symmetric()));
    let config = ClientConfig::new(sa(SERVER), sa(LOCAL), "alice", password);
    let client = net.add_node(sa(LOCAL).ip(), nat, link, TurnNode::new(config));
    World {
        net,
        client,
        server,
        echo,
    }
}

fn default_server() -> TurnServer {
    TurnServer::new(sa(SERVER).ip(), "example.org", "alice", "secret")
}

impl World {
    fn node(&mut self) -> &mut TurnNode {
        self.net.node_mut::<TurnNode>(self.client)
    }

    fn turn(&self) -> &TurnServer {
        self.net.node::<TurnServer>(self.server)
    }

    fn run_for(&mut self, d: Duration) {
        let deadline = self.net.now() + d;
        self.net.run_until(deadline);
    }

    fn allocate(&mut self) -> SocketAddr {
        self.run_for(Duration::from_secs(1));
        self.node().collect();
        self.node()
            .client
            .relayed_address()
            .expect("allocation made within a second")
    }
}

#[test]
fn rfc8656_7_allocate_answers_the_401_challenge_with_the_long_term_credential() {
    let mut w = world(default_server(), "secret", true);
    let relayed = w.allocate();
    assert_eq!(relayed.ip(), sa(SERVER).ip());
    let node = w.node();
    assert_eq!(node.client.state(), AllocationState::Allocated);
    // Through a NAT, XOR-MAPPED-ADDRESS is the NAT's public address.
    assert_eq!(
        node.client.mapped_address().unwrap().ip(),
        "192.0.2.1".parse::<std::net::IpAddr>().unwrap()
    );
    let (at, event) = node
        .events
        .iter()
        .find(|(_, e)| matches!(e, Event::Allocated { .. }))
        .copied()
        .unwrap();
    assert_eq!(
        event,
        Event::Allocated {
            relayed,
            mapped: node.client.mapped_address(),
            lifetime: Duration::from_secs(600)
        }
    );
    // Two round trips of 40 ms: the unauthenticated request and its 401, then the retry.
    assert_eq!(at.duration_since(epoch()), Duration::from_millis(80));
    assert_eq!(w.turn().stats().challenges, 1);
    assert_eq!(w.turn().stats().allocations, 1);
}

#[test]
fn rfc8656_7_4_wrong_credentials_fail_the_allocation_after_the_second_401() {
    let mut w = world(default_server(), "wrong", false);
    w.run_for(Duration::from_secs(1));
    let node = w.node();
    assert!(node.has(|e| *e == Event::AllocationFailed(Failure::ErrorResponse(401))));
    assert_eq!(node.client.state(), AllocationState::Failed);
    assert_eq!(
        node.client.poll_timeout(),
        None,
        "no timer left after a failure"
    );
    assert_eq!(w.turn().stats().challenges, 2);
}

#[test]
fn rfc8489_6_2_1_unreachable_server_times_out_after_every_retransmission() {
    let mut w = world(default_server(), "secret", false);
    w.net.set_link(
        w.server,
        LinkConfig {
            loss: 1.0,
            ..Default::default()
        },
    );
    w.run_for(Duration::from_secs(20));
    let node = w.node();
    let (at, _) = node
        .events
        .iter()
        .find(|(_, e)| *e == Event::AllocationFailed(Failure::Timeout))
        .copied()
        .unwrap();
    // Requests at 0, 0.5, 1.5, 3.5, 7.5 s and a final wait of 4 RTO.
    assert_eq!(at.duration_since(epoch()), Duration::from_millis(9500));
}

#[test]
fn rfc8656_8_refresh_keeps_the_allocation_alive_past_its_lifetime() {
    let mut w = world(default_server(), "secret", false);
    w.allocate();
    // 600 s lifetime: refreshed at 540 s, and again at 1080 s.
    w.run_for(Duration::from_secs(1200));
    let node = w.node();
    let refreshes: Vec<Duration> = node
        .events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Refreshed(_)))
        .map(|(at, _)| at.duration_since(epoch()))
        .collect();
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    assert!(refreshes[0] >= Duration::from_secs(540) && refreshes[0] < Duration::from_secs(541));
    assert_eq!(node.client.state(), AllocationState::Allocated);
    let now = w.net.now();
    assert_eq!(w.turn().allocation_count(now), 1);
    assert_eq!(w.turn().stats().refreshes, 2);
}

#[test]
fn rfc8656_8_3_stale_nonce_438_is_retried_with_the_new_nonce() {
    let server = default_server().with_nonce_lifetime(Duration::from_secs(60));
    let mut w = world(server, "secret", false);
    w.allocate();
    w.run_for(Duration::from_secs(600));
    let node = w.node();
    assert!(node.has(|e| matches!(e, Event::Refreshed(_))));
    assert!(!node.has(|e| matches!(e, Event::AllocationLost)));
    assert!(w.turn().stats().stale_nonces >= 1);
}

#[test]
fn rfc8656_8_allocation_lost_when_refreshes_cannot_reach_the_server() {
    let mut w = world(default_server(), "secret", false);
    w.allocate();
    w.net.set_link(
        w.server,
        LinkConfig {
            loss: 1.0,
            ..Default::default()
        },
    );
    w.run_for(Duration::from_secs(700));
    let node = w.node();
    let (at, _) = node
        .events
        .iter()
        .find(|(_, e)| *e == Event::AllocationLost)
        .copied()
        .unwrap();
    // The allocation expires 600 s after the Allocate response (at 80 ms).
    assert_eq!(at.duration_since(epoch()), Duration::from_millis(600_080));
    assert_eq!(node.client.relayed_address(), None);
}

#[test]
fn rfc8656_8_1_close_deletes_the_allocation_with_lifetime_zero() {
    let mut w = world(default_server(), "secret", false);
    w.allocate();
    let now = w.net.now();
    w.node().client.close(now);
    w.run_for(Duration::from_secs(1));
    let node = w.node();
    assert!(node.has(|e| *e == Event::Closed));
    assert_eq!(node.client.state(), AllocationState::Closed);
    assert_eq!(node.client.poll_timeout(), None);
    let now = w.net.now();
    assert_eq!(w.turn().allocation_count(now), 0);
    assert_eq!(w.turn().stats().deleted, 1);
}

#[test]
fn rfc8656_11_send_and_data_indications_relay_both_ways() {
    let mut w = world(default_server(), "secret", true);
    let relayed = w.allocate();
    let now = w.net.now();
    w.node()
        .client
        .create_permission(now, sa(ECHO).ip())
        .unwrap();
    w.run_for(Duration::from_millis(100));
    assert!(
        w.node()
            .has(|e| *e == Event::PermissionCreated(sa(ECHO).ip()))
    );
    w.node().send_to(sa(ECHO), b"ping");
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.node().received, vec![(sa(ECHO), b"ping".to_vec())]);
    assert_eq!(w.net.node::<Echo>(w.echo).echoed(), 1);
    let stats = w.turn().stats();
    assert_eq!((stats.relayed_to_peers, stats.relayed_to_clients), (1, 1));
    assert_eq!(
        stats.channel_data_to_clients, 0,
        "no channel: Data indication"
    );
    assert_eq!(relayed.ip(), sa(SERVER).ip());
}

#[test]
fn rfc8656_9_data_to_a_peer_without_permission_is_refused() {
    let mut w = world(default_server(), "secret", false);
    w.allocate();
    let mut out = Vec::new();
    assert_eq!(
        w.node().client.send_to(sa(ECHO), b"x", &mut out),
        Err(sansrtc_turn::Error::NoPermission(sa(ECHO).ip()))
    );
}

#[test]
fn rfc8656_12_channel_bind_then_channel_data_both_ways() {
    let mut w = world(default_server(), "secret", true);
    w.allocate();
    let now = w.net.now();
    let channel = w.node().client.bind_channel(now, sa(ECHO)).unwrap();
    assert_eq!(channel, 0x4000);
    w.run_for(Duration::from_millis(100));
    assert!(w.node().has(|e| *e
        == Event::ChannelBound {
            peer: sa(ECHO),
            channel
        }));
    assert_eq!(w.node().client.channel(sa(ECHO)), Some(channel));
    for i in 0..3u8 {
        w.node().send_to(sa(ECHO), &[i; 100]);
    }
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.node().received.len(), 3);
    assert_eq!(w.node().received[2], (sa(ECHO), vec![2; 100]));
    let stats = w.turn().stats();
    assert_eq!(stats.channel_data_from_clients, 3);
    assert_eq!(stats.channel_data_to_clients, 3);
}

#[test]
fn rfc8656_9_and_12_permissions_and_channels_are_refreshed_before_they_expire() {
    let mut w = world(default_server(), "secret", true);
    w.allocate();
    let now = w.net.now();
    w.node()
        .client
        .create_permission(now, sa(ECHO).ip())
        .unwrap();
    let other: SocketAddr = "203.0.113.60:9".parse().unwrap();
    w.node().client.bind_channel(now, other).unwrap();
    // Twenty minutes: permissions live 5, channels 10, the allocation 10.
    w.run_for(Duration::from_secs(1200));
    w.node().send_to(sa(ECHO), b"still there");
    w.run_for(Duration::from_millis(100));
    assert_eq!(w.node().received.last().unwrap().1, b"still there");
    let stats = w.turn().stats();
    // CreatePermission at 0, ~240 s, ~480 s, ... and ChannelBind refreshes every ~540 s.
    assert!(stats.permissions >= 8, "{stats:?}");
    assert!(stats.channel_binds >= 3, "{stats:?}");
}
