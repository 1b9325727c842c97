//! sansrtc-stun, sansrtc-turn and sansrtc-ice against a real coturn (Debian `coturn`), started
//! by the test on 127.0.0.1 with a static long-term user: a STUN Binding, a TURN allocation with
//! permission, channel binding and relayed data between two clients, and two ICE agents that
//! connect through their relays (relay-only policy) and exchange data.
//!
//! Needs `turnserver` on the PATH (tests/interop/run.sh installs coturn). Traffic stays on
//! 127.0.0.1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_ice::{
    Agent, AgentConfig, CandidateKind, ConnectionState, Event, Received, TurnServer,
};
use sansrtc_stun::{Class, Message, MessageBuilder, Method, TransactionId};
use sansrtc_turn::{Client, ClientConfig, Event as TurnEvent, Received as TurnReceived};

const USER: &str = "interop";
const PASSWORD: &str = "interop-pass";
const REALM: &str = "interop.test";

/// A coturn process on 127.0.0.1, killed on drop.
struct Coturn {
    child: Child,
    address: SocketAddr,
}

impl Coturn {
    fn start(relay_ports: (u16, u16)) -> Self {
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("turnserver")
            .args([
                "-n",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                &format!("--min-port={}", relay_ports.0),
                &format!("--max-port={}", relay_ports.1),
                "--lt-cred-mech",
                &format!("--user={USER}:{PASSWORD}"),
                &format!("--realm={REALM}"),
                "--fingerprint",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--no-tcp-relay",
                "--allow-loopback-peers",
                "--log-file=stdout",
                "--simple-log",
                &format!("--pidfile=/tmp/sansrtc-coturn-{port}.pid"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver (apt-get install coturn) must be on the PATH");
        let coturn = Self {
            child,
            address: format!("127.0.0.1:{port}").parse().unwrap(),
        };
        coturn.wait_ready();
        coturn
    }

    /// Retries a Binding request until coturn answers (it takes a moment to start).
    fn wait_ready(&self) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut buf = [0u8; 1500];
        while Instant::now() < deadline {
            let mut req = Vec::new();
            MessageBuilder::new(
                &mut req,
                Class::Request,
                Method::BINDING,
                TransactionId::new([1; 12]),
            );
            sock.send_to(&req, self.address).unwrap();
            if let Ok((n, _)) = sock.recv_from(&mut buf)
                && Message::parse(&buf[..n]).is_ok()
            {
                return;
            }
        }
        panic!("coturn did not answer on {}", self.address);
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn socket() -> (UdpSocket, SocketAddr) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_nonblocking(true).unwrap();
    let addr = sock.local_addr().unwrap();
    (sock, addr)
}

#[test]
fn coturn_stun_binding_reports_the_mapped_address() {
    let coturn = Coturn::start((49300, 49319));
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut req = Vec::new();
    let id = TransactionId::new([7; 12]);
    let mut b = MessageBuilder::new(&mut req, Class::Request, Method::BINDING, id);
    b.add_fingerprint().unwrap();
    let mut buf = [0u8; 1500];
    for _ in 0..10 {
        sock.send_to(&req, coturn.address).unwrap();
        if let Ok((n, from)) = sock.recv_from(&mut buf) {
            assert_eq!(from, coturn.address);
            let m = Message::parse(&buf[..n]).unwrap();
            assert_eq!(m.class(), Class::SuccessResponse);
            assert_eq!(m.transaction_id(), id);
            assert_eq!(
                m.xor_mapped_address().unwrap().unwrap(),
                sock.local_addr().unwrap()
            );
            return;
        }
    }
    panic!("no Binding response");
}

/// One TURN client on its own socket.
struct TurnPeer {
    sock: UdpSocket,
    client: Client,
    events: Vec<TurnEvent>,
    data: Vec<(SocketAddr, Vec<u8>)>,
}

impl TurnPeer {
    fn new(server: SocketAddr, seed: u64) -> Self {
        let (sock, local) = socket();
        let client = Client::new(
            Instant::now(),
            ClientConfig::new(server, local, USER, PASSWORD),
            &mut ChaCha20Rng::seed_from_u64(seed),
        );
        Self {
            sock,
            client,
            events: Vec::new(),
            data: Vec::new(),
        }
    }

    fn pump(&mut self) {
        let now = Instant::now();
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = self.sock.recv_from(&mut buf) {
            if let TurnReceived::Data { peer, data } =
                self.client.handle_datagram(now, from, &buf[..n])
            {
                self.data.push((peer, data.to_vec()));
            }
        }
        if self.client.poll_timeout().is_some_and(|at| at <= now) {
            self.client.handle_timeout(now);
        }
        let mut out = Vec::new();
        while let Some(t) = self.client.poll_transmit(now, &mut out) {
            self.sock.send_to(&out, t.destination).unwrap();
        }
        while let Some(e) = self.client.poll_event() {
            self.events.push(e);
        }
    }

    fn send(&mut self, peer: SocketAddr, data: &[u8]) {
        let mut out = Vec::new();
        let t = self.client.send_to(peer, data, &mut out).unwrap();
        self.sock.send_to(&out, t.destination).unwrap();
    }
}

fn pump_until(
    peers: &mut [&mut TurnPeer],
    what: &str,
    mut done: impl FnMut(&[&mut TurnPeer]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for p in peers.iter_mut() {
            p.pump();
        }
        if done(peers) {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn coturn_turn_allocation_permission_channel_bind_and_relayed_data() {
    let coturn = Coturn::start((49320, 49339));
    let mut a = TurnPeer::new(coturn.address, 1);
    let mut b = TurnPeer::new(coturn.address, 2);
    pump_until(&mut [&mut a, &mut b], "both allocations", |p| {
        p.iter().all(|p| p.client.relayed_address().is_some())
    });
    // The long-term credential dance happened: 401 then success.
    for p in [&a, &b] {
        assert!(
            p.events
                .iter()
                .any(|e| matches!(e, TurnEvent::Allocated { .. }))
        );
    }
    let relay_a = a.client.relayed_address().unwrap();
    let relay_b = b.client.relayed_address().unwrap();
    assert_eq!(relay_a.ip(), coturn.address.ip());

    // A: a permission for B's relay (Send indications), B: a channel to A's relay.
    let now = Instant::now();
    a.client.create_permission(now, relay_b.ip()).unwrap();
    let channel = b.client.bind_channel(now, relay_a).unwrap();
    pump_until(&mut [&mut a, &mut b], "permission and channel", |p| {
        p[0].events
            .iter()
            .any(|e| *e == TurnEvent::PermissionCreated(relay_b.ip()))
            && p[1]
                .events
                .iter()
                .any(|e| matches!(e, TurnEvent::ChannelBound { .. }))
    });
    assert_eq!(b.client.channel(relay_a), Some(channel));

    // A → B through both relays: A's Send indication, B receives ChannelData from its channel.
    a.send(relay_b, b"over send indication");
    pump_until(&mut [&mut a, &mut b], "data at B", |p| {
        !p[1].data.is_empty()
    });
    assert_eq!(b.data[0], (relay_a, b"over send indication".to_vec()));
    // B → A: ChannelData to coturn, a Data indication at A.
    b.send(relay_a, b"over channel data");
    pump_until(&mut [&mut a, &mut b], "data at A", |p| {
        !p[0].data.is_empty()
    });
    assert_eq!(a.data[0], (relay_b, b"over channel data".to_vec()));

    // Close: Refresh with LIFETIME 0.
    let now = Instant::now();
    a.client.close(now);
    b.client.close(now);
    pump_until(&mut [&mut a, &mut b], "close", |p| {
        p.iter().all(|p| p.events.contains(&TurnEvent::Closed))
    });
}

/// One ICE agent on its own socket.
struct IcePeer {
    sock: UdpSocket,
    local: SocketAddr,
    agent: Agent,
    events: Vec<Event>,
    data: Vec<Vec<u8>>,
}

impl IcePeer {
    fn new(turn: SocketAddr, controlling: bool, seed: u64) -> Self {
        let (sock, local) = socket();
        let config = AgentConfig {
            role: if controlling {
                sansrtc_ice::Role::Controlling
            } else {
                sansrtc_ice::Role::Controlled
            },
            host_addresses: vec![local],
            turn_servers: vec![TurnServer::new(turn, USER, PASSWORD)],
            relay_only: true,
            ..AgentConfig::default()
        };
        let agent = Agent::new(
            Instant::now(),
            config,
            &mut ChaCha20Rng::seed_from_u64(seed),
        );
        Self {
            sock,
            local,
            agent,
            events: Vec::new(),
            data: Vec::new(),
        }
    }

    fn pump(&mut self) -> Vec<Event> {
        let now = Instant::now();
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = self.sock.recv_from(&mut buf) {
            match self.agent.handle_datagram(now, self.local, from, &buf[..n]) {
                Received::Data { data, .. } => self.data.push(data.to_vec()),
                Received::Stun | Received::Ignored => {}
            }
        }
        if self.agent.poll_timeout().is_some_and(|at| at <= now) {
            self.agent.handle_timeout(now);
        }
        let mut out = Vec::new();
        while let Some(t) = self.agent.poll_transmit(now, &mut out) {
            self.sock.send_to(&out, t.destination).unwrap();
        }
        let mut new = Vec::new();
        while let Some(e) = self.agent.poll_event() {
            self.events.push(e.clone());
            new.push(e);
        }
        new
    }
}

#[test]
fn coturn_two_ice_agents_connect_through_their_relays_and_exchange_data() {
    let coturn = Coturn::start((49340, 49359));
    let mut a = IcePeer::new(coturn.address, true, 3);
    let mut b = IcePeer::new(coturn.address, false, 4);
    let now = Instant::now();
    let (ca, cb) = (
        a.agent.local_credentials().clone(),
        b.agent.local_credentials().clone(),
    );
    a.agent.set_remote_credentials(now, &cb.ufrag, &cb.pwd);
    b.agent.set_remote_credentials(now, &ca.ufrag, &ca.pwd);

    let connected = |p: &IcePeer| {
        matches!(
            p.agent.state(),
            ConnectionState::Connected | ConnectionState::Completed
        )
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while !(connected(&a) && connected(&b)) {
        assert!(
            Instant::now() < deadline,
            "ICE through coturn did not connect"
        );
        // Trickle both ways.
        let ea = a.pump();
        let eb = b.pump();
        let now = Instant::now();
        for (events, to) in [(ea, &mut b), (eb, &mut a)] {
            for e in events {
                match e {
                    Event::LocalCandidate(c) => to.agent.add_remote_candidate(now, &c).unwrap(),
                    Event::GatheringComplete => to.agent.add_remote_end_of_candidates(now),
                    _ => {}
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    for p in [&a, &b] {
        let pair = p.agent.selected_pair().unwrap();
        assert_eq!(pair.local.kind, CandidateKind::Relayed);
        assert_eq!(pair.relay, Some(coturn.address));
    }
    // Let the ChannelBinds made at selection complete, then exchange data both ways.
    let settle = Instant::now() + Duration::from_millis(300);
    while Instant::now() < settle {
        a.pump();
        b.pump();
        std::thread::sleep(Duration::from_millis(2));
    }
    let now = Instant::now();
    let mut out = Vec::new();
    let t = a.agent.send(now, &[0x90, 1, 2, 3], &mut out).unwrap();
    a.sock.send_to(&out, t.destination).unwrap();
    let t = b.agent.send(now, &[0x91, 4, 5, 6], &mut out).unwrap();
    b.sock.send_to(&out, t.destination).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while a.data.is_empty() || b.data.is_empty() {
        assert!(Instant::now() < deadline, "no relayed data");
        a.pump();
        b.pump();
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(b.data[0], [0x90, 1, 2, 3]);
    assert_eq!(a.data[0], [0x91, 4, 5, 6]);
    a.agent.close(Instant::now());
    b.agent.close(Instant::now());
}
