//! Two ICE agents on a netsim network, each on the internet or behind its own NAT, with a STUN
//! server and a TURN server, and an instant signalling channel between them.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_ice::{
    Agent, AgentConfig, CandidateKind, ConnectionState, Event, Received, Role, SelectedPair,
    TurnServer,
};
use sansrtc_netsim::{
    Datagram, LinkConfig, NatBehavior, NatConfig, Network, Node, NodeId, StunServer,
    TurnServer as SimTurnServer, epoch,
};

pub const STUN: &str = "198.51.100.10:3478";
pub const TURN: &str = "198.51.100.20:3478";

pub fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Where an agent sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nat {
    /// On the internet.
    None,
    /// Endpoint-independent mapping and filtering (full cone).
    EndpointIndependent,
    /// Address-dependent mapping and filtering.
    AddressDependent,
    /// Address-and-port-dependent mapping and filtering (symmetric).
    AddressAndPortDependent,
}

impl Nat {
    pub const ALL: [Nat; 4] = [
        Nat::None,
        Nat::EndpointIndependent,
        Nat::AddressDependent,
        Nat::AddressAndPortDependent,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Nat::None => "no NAT",
            Nat::EndpointIndependent => "EI",
            Nat::AddressDependent => "AD",
            Nat::AddressAndPortDependent => "APD",
        }
    }

    fn config(self) -> Option<NatConfig> {
        let b = match self {
            Nat::None => return None,
            Nat::EndpointIndependent => NatBehavior::EndpointIndependent,
            Nat::AddressDependent => NatBehavior::AddressDependent,
            Nat::AddressAndPortDependent => NatBehavior::AddressAndPortDependent,
        };
        Some(NatConfig::new(b, b))
    }
}

/// The node around one agent.
pub struct IceNode {
    pub agent: Agent,
    buf: Vec<u8>,
    outbox: VecDeque<Datagram>,
    /// Every event with its virtual time.
    pub events: Vec<(Instant, Event)>,
    /// Events not yet taken by the signalling channel.
    pub signal: VecDeque<Event>,
    /// Application data received (direct or relayed).
    pub app_data: Vec<Vec<u8>>,
}

impl IceNode {
    pub fn new(agent: Agent) -> Self {
        let mut node = Self {
            agent,
            buf: Vec::new(),
            outbox: VecDeque::new(),
            events: Vec::new(),
            signal: VecDeque::new(),
            app_data: Vec::new(),
        };
        node.collect(epoch());
        node
    }

    pub fn collect(&mut self, now: Instant) {
        while let Some(e) = self.agent.poll_event() {
            self.events.push((now, e.clone()));
            self.signal.push_back(e);
        }
    }

    /// Application data through the agent's selected pair.
    pub fn send(&mut self, now: Instant, data: &[u8]) -> bool {
        let mut out = Vec::new();
        match self.agent.send(now, data, &mut out) {
            Ok(t) => {
                self.outbox
                    .push_back(Datagram::new(t.source, t.destination, out));
                true
            }
            Err(_) => false,
        }
    }

    pub fn first(&self, f: impl Fn(&Event) -> bool) -> Option<Duration> {
        self.events
            .iter()
            .find(|(_, e)| f(e))
            .map(|(at, _)| at.duration_since(epoch()))
    }

    pub fn connected_at(&self) -> Option<Duration> {
        self.first(|e| *e == Event::ConnectionState(ConnectionState::Connected))
    }
}

impl Node for IceNode {
    fn handle_datagram(&mut self, now: Instant, d: Datagram) {
        let first = d.payload.first().copied().unwrap_or(0);
        if first <= 3 || (64..=79).contains(&first) {
            match self
                .agent
                .handle_datagram(now, d.destination, d.source, &d.payload)
            {
                Received::Data { data, .. } => self.app_data.push(data.to_vec()),
                Received::Stun | Received::Ignored => {}
            }
        } else {
            // Direct application data (the tests' payloads start with 0x90/0x91, like RTP).
            self.app_data.push(d.payload);
        }
        self.collect(now);
    }

    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        if let Some(d) = self.outbox.pop_front() {
            return Some(d);
        }
        let t = self.agent.poll_transmit(now, &mut self.buf)?;
        Some(Datagram::new(t.source, t.destination, self.buf.clone()))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.agent.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.agent.handle_timeout(now);
        self.collect(now);
    }
}

/// How candidates travel between the agents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signalling {
    /// Each candidate as soon as it is gathered (RFC 8838).
    Trickle,
    /// All of a side's candidates once its gathering completed (half a second of wait for
    /// TURN included), then end-of-candidates.
    AllAtOnce,
}

pub struct Options {
    pub seed: u64,
    pub stun: bool,
    pub turn: bool,
    pub loss: f64,
    pub signalling: Signalling,
    pub role_a: Role,
    pub role_b: Role,
    pub lite_b: bool,
    /// Rewrite A's host candidates to mDNS names before B sees them.
    pub mdns_a: bool,
    pub ipv6: bool,
    /// Both agents use relayed candidates only.
    pub relay_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            seed: 1,
            stun: true,
            turn: true,
            loss: 0.0,
            signalling: Signalling::Trickle,
            role_a: Role::Controlling,
            role_b: Role::Controlled,
            lite_b: false,
            mdns_a: false,
            ipv6: false,
            relay_only: false,
        }
    }
}

pub struct World {
    pub net: Network,
    pub a: NodeId,
    pub b: NodeId,
    pub turn: NodeId,
    held: [Vec<Event>; 2],
    mdns: Vec<(String, IpAddr)>,
    opts_mdns_a: bool,
    signalling: Signalling,
}

fn agent(host: SocketAddr, role: Role, lite: bool, opts: &Options, seed: u64) -> Agent {
    let mut config = AgentConfig {
        role,
        lite,
        host_addresses: vec![host],
        relay_only: opts.relay_only,
        ..AgentConfig::default()
    };
    if opts.stun && !lite {
        config.stun_servers.push(sa(STUN));
    }
    if opts.turn && !lite {
        config
            .turn_servers
            .push(TurnServer::new(sa(TURN), "user", "pass"));
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    Agent::new(epoch(), config, &mut rng)
}

impl World {
    pub fn new(nat_a: Nat, nat_b: Nat, opts: Options) -> Self {
        let mut net = Network::new(opts.seed);
        let link = LinkConfig {
            delay: Duration::from_millis(10),
            loss: opts.loss,
            ..Default::default()
        };
        net.add_node(sa(STUN).ip(), None, link.clone(), StunServer::new());
        let turn = net.add_node(
            sa(TURN).ip(),
            None,
            link.clone(),
            SimTurnServer::new(sa(TURN).ip(), "example.org", "user", "pass"),
        );
        let (addr_a, addr_b) = if opts.ipv6 {
            (sa("[2001:db8:a::2]:5000"), sa("[2001:db8:b::2]:6000"))
        } else {
            (
                if nat_a == Nat::None {
                    sa("192.0.2.10:5000")
                } else {
                    sa("10.0.1.2:5000")
                },
                if nat_b == Nat::None {
                    sa("192.0.2.20:6000")
                } else {
                    sa("10.0.2.2:6000")
                },
            )
        };
        let nat_id_a = nat_a
            .config()
            .map(|c| net.add_nat("203.0.113.1".parse().unwrap(), c));
        let nat_id_b = nat_b
            .config()
            .map(|c| net.add_nat("203.0.113.2".parse().unwrap(), c));
        let agent_a = agent(addr_a, opts.role_a, false, &opts, opts.seed * 2 + 1);
        let agent_b = agent(addr_b, opts.role_b, opts.lite_b, &opts, opts.seed * 2 + 2);
        let a = net.add_node(addr_a.ip(), nat_id_a, link.clone(), IceNode::new(agent_a));
        let b = net.add_node(addr_b.ip(), nat_id_b, link, IceNode::new(agent_b));
        let mut world = Self {
            net,
            a,
            b,
            turn,
            held: [Vec::new(), Vec::new()],
            mdns: Vec::new(),
            opts_mdns_a: opts.mdns_a,
            signalling: opts.signalling,
        };
        // Offer/answer: credentials (and lite-ness) are exchanged at time zero.
        let creds_a = world.node(a).agent.local_credentials().clone();
        let creds_b = world.node(b).agent.local_credentials().clone();
        let now = world.net.now();
        world
            .node(a)
            .agent
            .set_remote_credentials(now, &creds_b.ufrag, &creds_b.pwd);
        world
            .node(b)
            .agent
            .set_remote_credentials(now, &creds_a.ufrag, &creds_a.pwd);
        if opts.lite_b {
            world.node(a).agent.set_remote_lite(now, true);
        }
        world.exchange();
        world
    }

    pub fn node(&mut self, id: NodeId) -> &mut IceNode {
        self.net.node_mut::<IceNode>(id)
    }

    pub fn peek(&self, id: NodeId) -> &IceNode {
        self.net.node::<IceNode>(id)
    }

    /// Delivers signalling events from each side to the other.
    pub fn exchange(&mut self) {
        let now = self.net.now();
        for (from, to, slot) in [(self.a, self.b, 0usize), (self.b, self.a, 1usize)] {
            let events: Vec<Event> = self.node(from).signal.drain(..).collect();
            for e in events {
                match (&e, self.signalling) {
                    (
                        Event::LocalCandidate(_) | Event::GatheringComplete,
                        Signalling::AllAtOnce,
                    ) => {
                        let complete = matches!(e, Event::GatheringComplete);
                        self.held[slot].push(e);
                        if complete {
                            let held = std::mem::take(&mut self.held[slot]);
                            for e in held {
                                self.deliver(now, from, to, e);
                            }
                        }
                    }
                    _ => self.deliver(now, from, to, e),
                }
            }
        }
    }

    fn deliver(&mut self, now: Instant, from: NodeId, to: NodeId, e: Event) {
        match e {
            Event::LocalCandidate(mut c) => {
                if from == self.a && self.opts_mdns_a && c.kind == sansrtc_sdp::CandidateType::Host
                {
                    let ip = c.address.ip().unwrap();
                    let name = format!("{:08x}-4f6a.local", self.mdns.len() + 0x1234);
                    self.mdns.push((name.clone(), ip));
                    c.address = sansrtc_sdp::Address::Hostname(name);
                }
                let _ = self.node(to).agent.add_remote_candidate(now, &c);
                self.node(to).collect(now);
                // Resolve mDNS names at once (the test plays the resolver).
                let queries: Vec<String> = self
                    .node(to)
                    .signal
                    .iter()
                    .filter_map(|e| match e {
                        Event::ResolveMdns(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect();
                for q in queries {
                    let ip = self.mdns.iter().find(|(n, _)| *n == q).map(|(_, ip)| *ip);
                    self.node(to).agent.mdns_resolved(now, &q, ip);
                }
            }
            Event::GatheringComplete => self.node(to).agent.add_remote_end_of_candidates(now),
            _ => {}
        }
    }

    /// Runs until `done` holds or `limit` of virtual time has passed; true if `done` held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&World) -> bool) -> bool {
        let deadline = self.net.now() + limit;
        loop {
            self.exchange();
            if done(self) {
                return true;
            }
            match self.net.next_event_time() {
                Some(at) if at <= deadline => {
                    self.net.step();
                }
                _ => {
                    self.net.run_until(deadline);
                    self.exchange();
                    return done(self);
                }
            }
        }
    }

    pub fn run_for(&mut self, d: Duration) {
        self.run_until(d, |_| false);
    }

    pub fn both_connected(&self) -> bool {
        let ok = |n: &IceNode| {
            matches!(
                n.agent.state(),
                ConnectionState::Connected | ConnectionState::Completed
            )
        };
        ok(self.peek(self.a)) && ok(self.peek(self.b))
    }

    pub fn selected(&self, id: NodeId) -> Option<SelectedPair> {
        self.peek(id).agent.selected_pair().cloned()
    }

    /// Sends one datagram of application data each way and runs until both arrived.
    pub fn ping_pong(&mut self, tag: u8) -> bool {
        let now = self.net.now();
        let (a, b) = (self.a, self.b);
        let na = self.peek(a).app_data.len();
        let nb = self.peek(b).app_data.len();
        assert!(self.node(a).send(now, &[0x90, tag]), "A cannot send");
        assert!(self.node(b).send(now, &[0x91, tag]), "B cannot send");
        self.run_until(Duration::from_secs(2), |w| {
            w.peek(a).app_data.len() > na && w.peek(b).app_data.len() > nb
        }) && self.peek(b).app_data.last() == Some(&vec![0x90, tag])
            && self.peek(a).app_data.last() == Some(&vec![0x91, tag])
    }
}

/// The outcome class of a selected pair: relay if either side is relayed, else prflx if
/// either is peer-reflexive, else srflx if either is server-reflexive, else host.
pub fn class(pair: &SelectedPair) -> &'static str {
    let kinds = [pair.local.kind, pair.remote.kind];
    if kinds.contains(&CandidateKind::Relayed) {
        "relay"
    } else if kinds.contains(&CandidateKind::PeerReflexive) {
        "prflx"
    } else if kinds.contains(&CandidateKind::ServerReflexive) {
        "srflx"
    } else {
        "host"
    }
}

pub fn describe(pair: &SelectedPair) -> String {
    format!("{}→{}", pair.local.kind, pair.remote.kind)
}
