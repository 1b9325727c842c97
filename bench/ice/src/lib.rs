//! Fixtures of the ICE benchmark: a controlled agent that has answered one check (ours and
//! ezk-ice's), the check itself, and two-agent netsim worlds for time-to-connected.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::Cell;
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_ice::{Agent, AgentConfig, ConnectionState, Credentials, Event, Role};
use sansrtc_netsim::{
    Datagram, LinkConfig, NatBehavior, NatConfig, Network, Node, NodeId, StunServer, epoch,
};
use sansrtc_stun::{Attribute, Class, IntegrityKey, MessageBuilder, Method, TransactionId};

pub const LOCAL: &str = "192.0.2.1:5000";
pub const PEER: &str = "198.51.100.7:40000";
pub const LOCAL_UFRAG: &str = "LOCLufrg";
pub const LOCAL_PWD: &str = "local-password-0123456789abcdef";
pub const PEER_UFRAG: &str = "PEERufrg";
pub const PEER_PWD: &str = "peer-password-0123456789abcdef0";

pub fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A connectivity check as a controlling browser sends it (RFC 8445 §7.2.4).
pub fn check_request(id: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = MessageBuilder::new(
        &mut out,
        Class::Request,
        Method::BINDING,
        TransactionId::new([id; 12]),
    );
    b.add(&Attribute::Username(&format!("{LOCAL_UFRAG}:{PEER_UFRAG}")))
        .unwrap();
    b.add(&Attribute::Priority(1_845_501_695)).unwrap();
    b.add(&Attribute::IceControlling(0x1234_5678_9abc_def0))
        .unwrap();
    b.add_message_integrity(&IntegrityKey::short_term(LOCAL_PWD))
        .unwrap();
    b.add_fingerprint().unwrap();
    out
}

/// Our controlled agent after it answered a first check from `PEER`.
pub fn ours_controlled() -> Agent {
    let now = Instant::now();
    let config = AgentConfig {
        role: Role::Controlled,
        host_addresses: vec![sa(LOCAL)],
        credentials: Some(Credentials::new(LOCAL_UFRAG, LOCAL_PWD)),
        ..AgentConfig::default()
    };
    let mut agent = Agent::new(now, config, &mut ChaCha20Rng::seed_from_u64(1));
    agent.set_remote_credentials(now, PEER_UFRAG, PEER_PWD);
    let mut buf = Vec::new();
    agent.handle_datagram(now, sa(LOCAL), sa(PEER), &check_request(1));
    while agent.poll_transmit(now, &mut buf).is_some() {}
    while agent.poll_event().is_some() {}
    agent
}

/// ezk-ice's controlled agent after it answered a first check from `PEER`.
pub fn ezk_controlled() -> ezk_ice::IceAgent {
    let now = Instant::now();
    let local = ezk_ice::IceCredentials {
        ufrag: LOCAL_UFRAG.into(),
        pwd: LOCAL_PWD.into(),
    };
    let remote = ezk_ice::IceCredentials {
        ufrag: PEER_UFRAG.into(),
        pwd: PEER_PWD.into(),
    };
    let mut agent = ezk_ice::IceAgent::new_from_answer(local, remote, false, true);
    agent.add_host_addr(ezk_ice::Component::Rtp, sa(LOCAL));
    agent.receive(
        now,
        ezk_ice::ReceivedPkt {
            data: check_request(1),
            source: sa(PEER),
            destination: sa(LOCAL),
            component: ezk_ice::Component::Rtp,
        },
    );
    while agent.pop_event().is_some() {}
    agent
}

// ---- time-to-connected on netsim ----

/// Where an agent sits in a time-to-connected world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nat {
    None,
    EndpointIndependent,
    AddressDependent,
}

impl Nat {
    pub fn name(self) -> &'static str {
        match self {
            Nat::None => "noNAT",
            Nat::EndpointIndependent => "EI",
            Nat::AddressDependent => "AD",
        }
    }

    fn config(self) -> Option<NatConfig> {
        match self {
            Nat::None => None,
            Nat::EndpointIndependent => Some(NatConfig::full_cone()),
            Nat::AddressDependent => Some(NatConfig::new(
                NatBehavior::AddressDependent,
                NatBehavior::AddressDependent,
            )),
        }
    }
}

const STUN: &str = "198.51.100.10:3478";

struct OursNode {
    agent: Agent,
    buf: Vec<u8>,
}

impl Node for OursNode {
    fn handle_datagram(&mut self, now: Instant, d: Datagram) {
        self.agent
            .handle_datagram(now, d.destination, d.source, &d.payload);
    }
    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        let t = self.agent.poll_transmit(now, &mut self.buf)?;
        Some(Datagram::new(t.source, t.destination, self.buf.clone()))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.agent.poll_timeout()
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.agent.handle_timeout(now);
    }
}

struct EzkNode {
    agent: ezk_ice::IceAgent,
    host: SocketAddr,
    outbox: VecDeque<Datagram>,
    now: Cell<Instant>,
}

impl EzkNode {
    fn drain(&mut self) {
        while let Some(e) = self.agent.pop_event() {
            if let ezk_ice::IceEvent::SendData {
                data,
                source,
                target,
                ..
            } = e
            {
                let source = SocketAddr::new(source.unwrap_or(self.host.ip()), self.host.port());
                self.outbox.push_back(Datagram::new(source, target, data));
            }
        }
    }
}

impl Node for EzkNode {
    fn handle_datagram(&mut self, now: Instant, d: Datagram) {
        self.now.set(now);
        self.agent.receive(
            now,
            ezk_ice::ReceivedPkt {
                data: d.payload,
                source: d.source,
                destination: d.destination,
                component: ezk_ice::Component::Rtp,
            },
        );
        self.drain();
    }
    fn poll_transmit(&mut self, _now: Instant) -> Option<Datagram> {
        self.outbox.pop_front()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        let now = self.now.get();
        self.agent
            .timeout(now)
            .map(|d| now + d.max(Duration::from_micros(1)))
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.now.set(now);
        self.agent.poll(now);
        self.drain();
    }
}

fn world(
    a: Nat,
    b: Nat,
) -> (
    Network,
    SocketAddr,
    SocketAddr,
    Option<sansrtc_netsim::NatId>,
    Option<sansrtc_netsim::NatId>,
) {
    let mut net = Network::new(1);
    let link = LinkConfig {
        delay: Duration::from_millis(10),
        ..Default::default()
    };
    net.add_node(sa(STUN).ip(), None, link, StunServer::new());
    let na = a
        .config()
        .map(|c| net.add_nat("203.0.113.1".parse().unwrap(), c));
    let nb = b
        .config()
        .map(|c| net.add_nat("203.0.113.2".parse().unwrap(), c));
    let ha = if a == Nat::None {
        sa("192.0.2.10:5000")
    } else {
        sa("10.0.1.2:5000")
    };
    let hb = if b == Nat::None {
        sa("192.0.2.20:6000")
    } else {
        sa("10.0.2.2:6000")
    };
    (net, ha, hb, na, nb)
}

fn link() -> LinkConfig {
    LinkConfig {
        delay: Duration::from_millis(10),
        ..Default::default()
    }
}

/// Runs our two agents to Connected; returns the virtual time it took.
pub fn ours_time_to_connected(a: Nat, b: Nat) -> Duration {
    let (mut net, ha, hb, na, nb) = world(a, b);
    let make = |host: SocketAddr, role, seed| {
        let config = AgentConfig {
            role,
            host_addresses: vec![host],
            stun_servers: vec![sa(STUN)],
            ..AgentConfig::default()
        };
        Agent::new(epoch(), config, &mut ChaCha20Rng::seed_from_u64(seed))
    };
    let mut aa = make(ha, Role::Controlling, 1);
    let mut ab = make(hb, Role::Controlled, 2);
    let (ca, cb) = (
        aa.local_credentials().clone(),
        ab.local_credentials().clone(),
    );
    aa.set_remote_credentials(epoch(), &cb.ufrag, &cb.pwd);
    ab.set_remote_credentials(epoch(), &ca.ufrag, &ca.pwd);
    let ida = net.add_node(
        ha.ip(),
        na,
        link(),
        OursNode {
            agent: aa,
            buf: Vec::new(),
        },
    );
    let idb = net.add_node(
        hb.ip(),
        nb,
        link(),
        OursNode {
            agent: ab,
            buf: Vec::new(),
        },
    );
    let deadline = epoch() + Duration::from_secs(30);
    loop {
        for (from, to) in [(ida, idb), (idb, ida)] {
            let events: Vec<Event> =
                std::iter::from_fn(|| net.node_mut::<OursNode>(from).agent.poll_event()).collect();
            let now = net.now();
            for e in events {
                match e {
                    Event::LocalCandidate(c) => {
                        let _ = net
                            .node_mut::<OursNode>(to)
                            .agent
                            .add_remote_candidate(now, &c);
                    }
                    Event::GatheringComplete => net
                        .node_mut::<OursNode>(to)
                        .agent
                        .add_remote_end_of_candidates(now),
                    _ => {}
                }
            }
        }
        let up = |id: NodeId, net: &Network| {
            matches!(
                net.node::<OursNode>(id).agent.state(),
                ConnectionState::Connected | ConnectionState::Completed
            )
        };
        if up(ida, &net) && up(idb, &net) {
            return net.elapsed();
        }
        if net.now() > deadline || !net.step() {
            panic!("ours did not connect {a:?}/{b:?}");
        }
    }
}

/// Runs two ezk-ice agents to Connected; returns the virtual time it took.
pub fn ezk_time_to_connected(a: Nat, b: Nat) -> Duration {
    let (mut net, ha, hb, na, nb) = world(a, b);
    let ca = ezk_ice::IceCredentials {
        ufrag: "aaaaaaaa".into(),
        pwd: "a-password-0123456789abcdefghijk".into(),
    };
    let cb = ezk_ice::IceCredentials {
        ufrag: "bbbbbbbb".into(),
        pwd: "b-password-0123456789abcdefghijk".into(),
    };
    let make = |local: &ezk_ice::IceCredentials,
                remote: &ezk_ice::IceCredentials,
                host,
                controlling| {
        let mut agent =
            ezk_ice::IceAgent::new_from_answer(local.clone(), remote.clone(), controlling, true);
        agent.add_host_addr(ezk_ice::Component::Rtp, host);
        agent.add_stun_server(sa(STUN));
        EzkNode {
            agent,
            host,
            outbox: VecDeque::new(),
            now: Cell::new(epoch()),
        }
    };
    let ida = net.add_node(ha.ip(), na, link(), make(&ca, &cb, ha, true));
    let idb = net.add_node(hb.ip(), nb, link(), make(&cb, &ca, hb, false));
    let mut known = [0usize; 2];
    let deadline = epoch() + Duration::from_secs(30);
    loop {
        // Trickle whatever each side has gathered so far.
        for (i, (from, to)) in [(ida, idb), (idb, ida)].into_iter().enumerate() {
            let cands = net.node::<EzkNode>(from).agent.ice_candidates();
            for c in cands.iter().skip(known[i]) {
                net.node_mut::<EzkNode>(to).agent.add_remote_candidate(c);
            }
            known[i] = cands.len();
        }
        let up = |id: NodeId, net: &Network| {
            net.node::<EzkNode>(id).agent.connection_state()
                == ezk_ice::IceConnectionState::Connected
        };
        if up(ida, &net) && up(idb, &net) {
            return net.elapsed();
        }
        if net.now() > deadline || !net.step() {
            panic!("ezk-ice did not connect {a:?}/{b:?}");
        }
    }
}

/// The peer's address as `IpAddr`, for benches that need it.
pub fn peer_ip() -> IpAddr {
    sa(PEER).ip()
}
