//! A topology of nodes, access links and NAT boxes, run on one virtual clock.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::link::{Fate, Impairment, LinkConfig, LinkStats, Queue};
use crate::nat::{Nat, NatConfig, NatDrop};
use crate::rng::Rng;
use crate::{Datagram, Node, epoch};

/// Handle of a node in a [`Network`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(usize);

impl NodeId {
    /// The node's index, in the order nodes were added.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node{}", self.0)
    }
}

/// Handle of a NAT box in a [`Network`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NatId(usize);

impl NatId {
    /// The NAT's index, in the order NATs were added.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for NatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "nat{}", self.0)
    }
}

/// Counters of a whole network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkStats {
    /// Datagrams sent by nodes.
    pub sent: u64,
    /// Datagrams (including duplicates) delivered to nodes.
    pub delivered: u64,
    /// Datagrams lost on links.
    pub lost: u64,
    /// Extra copies created by links.
    pub duplicated: u64,
    /// Held-back datagrams overtaken by a later one.
    pub reordered: u64,
    /// Datagrams dropped by a link's MTU.
    pub dropped_mtu: u64,
    /// Inbound datagrams a NAT dropped by its filtering behaviour.
    pub nat_filtered: u64,
    /// Inbound datagrams to a NAT port with no (or an expired) mapping.
    pub nat_no_mapping: u64,
    /// Outbound datagrams a NAT dropped for lack of free ports.
    pub nat_ports_exhausted: u64,
    /// Datagrams to an address nobody has, including to a NAT's own public IP from inside when
    /// hairpinning is off.
    pub no_route: u64,
}

/// One direction of a node's access link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessLink {
    /// From the node towards its NAT or the internet.
    Up(NodeId),
    /// Towards the node.
    Down(NodeId),
}

impl fmt::Display for AccessLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Up(node) => write!(f, "{node} uplink"),
            Self::Down(node) => write!(f, "{node} downlink"),
        }
    }
}

impl From<Hop> for AccessLink {
    fn from(hop: Hop) -> Self {
        match hop {
            Hop::Up(i) => Self::Up(NodeId(i)),
            Hop::Down(i) => Self::Down(NodeId(i)),
        }
    }
}

/// What happened to a datagram, for the trace hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceKind {
    /// A node handed the datagram to its access link.
    Sent(NodeId),
    /// A link lost it (decided when it entered the link).
    Lost(AccessLink),
    /// A link dropped it for exceeding the MTU.
    DroppedMtu(AccessLink),
    /// A link queued an extra copy of it.
    Duplicated(AccessLink),
    /// A NAT rewrote its source; the traced datagram is the translated one.
    NatOutbound {
        /// The NAT.
        nat: NatId,
        /// The source before translation.
        internal: SocketAddr,
    },
    /// A NAT rewrote its destination; the traced datagram is the translated one.
    NatInbound {
        /// The NAT.
        nat: NatId,
        /// The destination before translation.
        external: SocketAddr,
    },
    /// A NAT dropped it.
    NatDropped(NatId, NatDrop),
    /// Nobody has the destination IP (or hairpinning is off).
    NoRoute,
    /// It reached the node.
    Delivered(NodeId),
}

/// One line of the trace: what happened to which datagram at which virtual time.
#[derive(Clone, Copy, Debug)]
pub struct TraceEvent<'a> {
    /// Virtual time since the network's epoch.
    pub time: Duration,
    /// What happened.
    pub kind: TraceKind,
    /// The datagram.
    pub datagram: &'a Datagram,
}

impl fmt::Display for TraceEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.datagram;
        write!(f, "{:>12.6}s ", self.time.as_secs_f64())?;
        match self.kind {
            TraceKind::Sent(node) => write!(f, "{node} sent")?,
            TraceKind::Lost(link) => write!(f, "{link} lost")?,
            TraceKind::DroppedMtu(link) => write!(f, "{link} dropped (MTU)")?,
            TraceKind::Duplicated(link) => write!(f, "{link} duplicated")?,
            TraceKind::NatOutbound { nat, internal } => {
                write!(f, "{nat} translated source {internal}:")?;
            }
            TraceKind::NatInbound { nat, external } => {
                write!(f, "{nat} translated destination {external}:")?;
            }
            TraceKind::NatDropped(nat, why) => write!(f, "{nat} dropped ({why:?})")?,
            TraceKind::NoRoute => write!(f, "no route")?,
            TraceKind::Delivered(node) => write!(f, "{node} received")?,
        }
        write!(
            f,
            " {} -> {} ({} bytes)",
            d.source,
            d.destination,
            d.payload.len()
        )
    }
}

/// The trace hook's type.
pub type TraceHook = Box<dyn FnMut(&TraceEvent<'_>)>;

/// A [`Node`] the network can hand back as its concrete type.
trait AnyNode: Node + Any {}
impl<T: Node + Any> AnyNode for T {}

/// A datagram in flight on one hop.
#[derive(Clone, Copy, Debug)]
enum Hop {
    /// On the node's uplink, towards its NAT or the internet.
    Up(usize),
    /// On the node's downlink, towards the node.
    Down(usize),
}

#[derive(Debug)]
struct InFlight {
    hop: Hop,
    datagram: Datagram,
}

struct NodeSlot {
    ip: IpAddr,
    behind: Option<NatId>,
    up: Impairment,
    down: Impairment,
    node: Box<dyn AnyNode>,
}

/// What [`Network::step`] does next.
#[derive(Clone, Copy, Debug)]
enum Next {
    Deliver,
    Timer(usize),
}

/// A simulated network: nodes on IPs, each on its own access link (the same [`LinkConfig`] in
/// both directions, so the one-way delay between two nodes is the sum of their links' delays),
/// either on the public internet or behind a [`Nat`]. Everything runs on a virtual clock that
/// jumps from event to event; the same seed gives the same run.
///
/// Routing is by destination IP: a node may use any number of ports on its IP. A node behind a
/// NAT reaches the other nodes behind the same NAT directly by their private IPs, and everything
/// else through the NAT.
///
/// Events are processed in (time, sequence number) order; at equal times datagram deliveries come
/// before timers, and timers fire in node order.
pub struct Network {
    seed: u64,
    now: Instant,
    nodes: Vec<NodeSlot>,
    nats: Vec<Nat>,
    /// Node index by (realm, IP), the realm being the NAT the node is behind (or the internet).
    routes: BTreeMap<(Option<NatId>, IpAddr), usize>,
    /// NAT index by public IP.
    nat_ips: BTreeMap<IpAddr, usize>,
    queue: Queue<InFlight>,
    stats: NetworkStats,
    trace: Option<TraceHook>,
    /// (node, time, count) of consecutive timer firings of one node at one instant, to catch a
    /// node whose `poll_timeout` does not move after `handle_timeout`.
    spinning: (usize, Instant, u32),
}

/// Consecutive timer firings of one node at one instant before the network calls it a bug.
const MAX_TIMER_SPINS: u32 = 10_000;

impl fmt::Debug for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Network")
            .field("seed", &self.seed)
            .field("elapsed", &self.elapsed())
            .field("nodes", &self.nodes.len())
            .field("nats", &self.nats)
            .field("in_flight", &self.queue.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Network {
    /// An empty network whose links draw their randomness from `seed`. The clock starts at
    /// [`epoch()`](crate::epoch).
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            now: epoch(),
            nodes: Vec::new(),
            nats: Vec::new(),
            routes: BTreeMap::new(),
            nat_ips: BTreeMap::new(),
            queue: Queue::default(),
            stats: NetworkStats::default(),
            trace: None,
            spinning: (0, epoch(), 0),
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Virtual time elapsed since the epoch.
    pub fn elapsed(&self) -> Duration {
        self.now.duration_since(epoch())
    }

    /// Adds a NAT box with public address `public_ip` on the internet.
    ///
    /// # Panics
    /// If a node or NAT on the internet already has `public_ip` (a bug in the test).
    pub fn add_nat(&mut self, public_ip: IpAddr, config: NatConfig) -> NatId {
        let taken =
            self.nat_ips.contains_key(&public_ip) || self.routes.contains_key(&(None, public_ip));
        #[expect(
            clippy::panic,
            reason = "test support: a clashing address is a bug in the test"
        )]
        if taken {
            panic!("netsim: {public_ip} is already in use on the internet");
        }
        let id = self.nats.len();
        self.nats.push(Nat::new(public_ip, config));
        self.nat_ips.insert(public_ip, id);
        NatId(id)
    }

    /// Adds a node on `ip`, on the internet (`behind: None`) or behind a NAT (then `ip` is its
    /// private address), with an access link impaired by `link` in both directions.
    ///
    /// # Panics
    /// If another node in the same realm (or, on the internet, a NAT) already has `ip`, or if
    /// `behind` is not a NAT of this network.
    pub fn add_node(
        &mut self,
        ip: IpAddr,
        behind: Option<NatId>,
        link: LinkConfig,
        node: impl Node + 'static,
    ) -> NodeId {
        let taken = self.routes.contains_key(&(behind, ip))
            || (behind.is_none() && self.nat_ips.contains_key(&ip));
        let unknown_nat = behind.is_some_and(|nat| nat.0 >= self.nats.len());
        #[expect(
            clippy::panic,
            reason = "test support: a bad topology is a bug in the test"
        )]
        if taken || unknown_nat {
            panic!(
                "netsim: cannot add a node on {ip} behind {behind:?}: address taken or no such NAT"
            );
        }
        let id = self.nodes.len();
        let index = u64::try_from(id).unwrap_or(u64::MAX);
        self.nodes.push(NodeSlot {
            ip,
            behind,
            up: Impairment::new(link.clone(), Rng::derive(self.seed, 2 * index)),
            down: Impairment::new(link, Rng::derive(self.seed, 2 * index + 1)),
            node: Box::new(node),
        });
        self.routes.insert((behind, ip), id);
        NodeId(id)
    }

    /// The node as its concrete type.
    ///
    /// # Panics
    /// If `id` is not a node of this network or `T` is not its type (a bug in the test).
    pub fn node<T: Node + 'static>(&self, id: NodeId) -> &T {
        #[expect(
            clippy::panic,
            reason = "test support: a wrong type is a bug in the test"
        )]
        let Some(node) = self.try_node(id) else {
            panic!("netsim: {id} is not a {}", std::any::type_name::<T>());
        };
        node
    }

    /// The node as its concrete type, mutably: to call application-side methods between steps.
    /// Whatever the node has to send is picked up by the next [`step`](Self::step).
    ///
    /// # Panics
    /// If `id` is not a node of this network or `T` is not its type (a bug in the test).
    pub fn node_mut<T: Node + 'static>(&mut self, id: NodeId) -> &mut T {
        #[expect(
            clippy::panic,
            reason = "test support: a wrong type is a bug in the test"
        )]
        let Some(node) = self.try_node_mut(id) else {
            panic!("netsim: {id} is not a {}", std::any::type_name::<T>());
        };
        node
    }

    /// The node as its concrete type, or `None` if `id` or `T` is wrong.
    pub fn try_node<T: Node + 'static>(&self, id: NodeId) -> Option<&T> {
        let node: &dyn Any = self.nodes.get(id.0)?.node.as_ref();
        node.downcast_ref()
    }

    /// The node as its concrete type, mutably, or `None` if `id` or `T` is wrong.
    pub fn try_node_mut<T: Node + 'static>(&mut self, id: NodeId) -> Option<&mut T> {
        let node: &mut dyn Any = self.nodes.get_mut(id.0)?.node.as_mut();
        node.downcast_mut()
    }

    /// The node's IP (its private one if behind a NAT).
    pub fn ip(&self, id: NodeId) -> Option<IpAddr> {
        self.nodes.get(id.0).map(|slot| slot.ip)
    }

    /// The NAT the node is behind, if any.
    pub fn nat_of(&self, id: NodeId) -> Option<NatId> {
        self.nodes.get(id.0).and_then(|slot| slot.behind)
    }

    /// A NAT box, to inspect its mappings and counters.
    pub fn nat(&self, id: NatId) -> Option<&Nat> {
        self.nats.get(id.0)
    }

    /// Counters of the node's access link: (uplink, downlink).
    pub fn link_stats(&self, id: NodeId) -> Option<(LinkStats, LinkStats)> {
        self.nodes
            .get(id.0)
            .map(|slot| (slot.up.stats(), slot.down.stats()))
    }

    /// Changes the node's access link for datagrams sent from now on (both directions). Setting
    /// `loss: 1.0` cuts the node off.
    pub fn set_link(&mut self, id: NodeId, link: LinkConfig) {
        if let Some(slot) = self.nodes.get_mut(id.0) {
            slot.up.set_config(link.clone());
            slot.down.set_config(link);
        }
    }

    /// Puts a bottleneck ([`RateLimit`](crate::RateLimit)) on the node's uplink and/or
    /// downlink for datagrams sent from now on; `None` removes it.
    pub fn set_link_rate(
        &mut self,
        id: NodeId,
        up: Option<crate::RateLimit>,
        down: Option<crate::RateLimit>,
    ) {
        if let Some(slot) = self.nodes.get_mut(id.0) {
            slot.up.set_rate_limit(up);
            slot.down.set_rate_limit(down);
        }
    }

    /// The network's counters.
    pub fn stats(&self) -> NetworkStats {
        self.stats
    }

    /// Calls `hook` for everything that happens to every datagram, with its virtual time. For
    /// debugging (`|e| eprintln!("{e}")`) and for comparing runs.
    pub fn set_trace(&mut self, hook: impl FnMut(&TraceEvent<'_>) + 'static) {
        self.trace = Some(Box::new(hook));
    }

    /// When the next event (a delivery or a node's timer) is due, if any is pending. Datagrams
    /// a node has queued but not yet handed over count as due now.
    pub fn next_event_time(&mut self) -> Option<Instant> {
        self.flush_all();
        self.next().map(|(at, _)| at)
    }

    /// Processes the next event, a datagram delivery or a node's timer, advancing the clock to
    /// it. Returns false when nothing is pending.
    pub fn step(&mut self) -> bool {
        self.flush_all();
        let Some((at, next)) = self.next() else {
            return false;
        };
        self.process(at, next);
        true
    }

    /// Processes every event due up to `deadline`, then sets the clock to `deadline` (if later).
    pub fn run_until(&mut self, deadline: Instant) {
        self.run_until_condition(deadline, |_| false);
    }

    /// Processes events up to `deadline` until `condition` holds (checked before the first event
    /// and after each one). Returns true if it held; otherwise the clock ends at `deadline`.
    pub fn run_until_condition(
        &mut self,
        deadline: Instant,
        mut condition: impl FnMut(&Network) -> bool,
    ) -> bool {
        loop {
            if condition(self) {
                return true;
            }
            self.flush_all();
            match self.next() {
                Some((at, next)) if at <= deadline => self.process(at, next),
                _ => break,
            }
        }
        self.now = self.now.max(deadline);
        false
    }

    /// The earliest pending event.
    fn next(&self) -> Option<(Instant, Next)> {
        let delivery = self.queue.next_time();
        let timer = self
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| Some((slot.node.poll_timeout()?.max(self.now), i)))
            .min();
        match (delivery, timer) {
            (Some(d), Some((t, i))) if t < d => Some((t, Next::Timer(i))),
            (Some(d), _) => Some((d.max(self.now), Next::Deliver)),
            (None, Some((t, i))) => Some((t, Next::Timer(i))),
            (None, None) => None,
        }
    }

    fn process(&mut self, at: Instant, next: Next) {
        self.now = self.now.max(at);
        match next {
            Next::Deliver => {
                if let Some((_, in_flight)) = self.queue.pop_due(self.now) {
                    self.arrive(in_flight);
                }
            }
            Next::Timer(i) => {
                self.check_spinning(i);
                if let Some(slot) = self.nodes.get_mut(i) {
                    slot.node.handle_timeout(self.now);
                }
                self.flush(i);
            }
        }
    }

    /// Panics if node `i`'s timer keeps firing without the clock moving: the node never
    /// disarms it, and the simulation would spin forever.
    fn check_spinning(&mut self, i: usize) {
        let (node, at, count) = self.spinning;
        self.spinning = if node == i && at == self.now {
            (i, at, count + 1)
        } else {
            (i, self.now, 1)
        };
        #[expect(
            clippy::panic,
            reason = "test support: a stuck timer is a bug in the node"
        )]
        if self.spinning.2 > MAX_TIMER_SPINS {
            panic!(
                "netsim: node{i}'s poll_timeout stays at or before now ({:?}) after \
                 handle_timeout: the timer is never disarmed",
                self.elapsed()
            );
        }
    }

    fn emit(&mut self, kind: TraceKind, datagram: &Datagram) {
        if let Some(hook) = self.trace.as_mut() {
            hook(&TraceEvent {
                time: self.now.duration_since(epoch()),
                kind,
                datagram,
            });
        }
    }

    /// Hands everything every node wants to send to its uplink, in node order.
    fn flush_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.flush(i);
        }
    }

    /// Hands everything node `i` wants to send to its uplink.
    fn flush(&mut self, i: usize) {
        loop {
            let now = self.now;
            let Some(datagram) = self
                .nodes
                .get_mut(i)
                .and_then(|slot| slot.node.poll_transmit(now))
            else {
                break;
            };
            self.stats.sent += 1;
            self.emit(TraceKind::Sent(NodeId(i)), &datagram);
            self.transmit(Hop::Up(i), datagram);
        }
    }

    /// Sends a datagram over one hop's link.
    fn transmit(&mut self, hop: Hop, datagram: Datagram) {
        let (Hop::Up(i) | Hop::Down(i)) = hop;
        let Some(slot) = self.nodes.get_mut(i) else {
            return;
        };
        let link = match hop {
            Hop::Up(_) => &mut slot.up,
            Hop::Down(_) => &mut slot.down,
        };
        let wrap = |datagram| InFlight { hop, datagram };
        let duplicate =
            (self.trace.is_some() && link.config().duplicate > 0.0).then(|| datagram.clone());
        match link.send(&mut self.queue, self.now, datagram, wrap) {
            Fate::DroppedMtu(d) => {
                self.stats.dropped_mtu += 1;
                self.emit(TraceKind::DroppedMtu(hop.into()), &d);
            }
            Fate::Lost(d) => {
                self.stats.lost += 1;
                self.emit(TraceKind::Lost(hop.into()), &d);
            }
            Fate::Queued {
                duplicated,
                overtook,
            } => {
                if overtook {
                    self.stats.reordered += 1;
                }
                if duplicated {
                    self.stats.duplicated += 1;
                    if let Some(d) = duplicate {
                        self.emit(TraceKind::Duplicated(hop.into()), &d);
                    }
                }
            }
        }
    }

    /// A datagram came out of a link.
    fn arrive(&mut self, in_flight: InFlight) {
        let InFlight { hop, datagram } = in_flight;
        match hop {
            Hop::Up(i) => {
                let Some(slot) = self.nodes.get_mut(i) else {
                    return;
                };
                slot.up.count_delivered();
                let behind = slot.behind;
                self.route(behind, datagram);
            }
            Hop::Down(i) => {
                let now = self.now;
                let Some(slot) = self.nodes.get_mut(i) else {
                    return;
                };
                slot.down.count_delivered();
                self.stats.delivered += 1;
                self.emit(TraceKind::Delivered(NodeId(i)), &datagram);
                if let Some(slot) = self.nodes.get_mut(i) {
                    slot.node.handle_datagram(now, datagram);
                }
                self.flush(i);
            }
        }
    }

    /// Routes a datagram that left a node in `realm` (a NAT's inside, or the internet).
    fn route(&mut self, realm: Option<NatId>, mut datagram: Datagram) {
        let destination = datagram.destination.ip();
        if let Some(&j) = self.routes.get(&(realm, destination)) {
            return self.transmit(Hop::Down(j), datagram);
        }
        let Some(nat_id) = realm else {
            return self.route_internet(datagram);
        };
        let now = self.now;
        let Some(nat) = self.nats.get_mut(nat_id.0) else {
            return;
        };
        let hairpin = destination == nat.public_ip();
        if hairpin && !nat.config().hairpinning {
            self.stats.no_route += 1;
            return self.emit(TraceKind::NoRoute, &datagram);
        }
        let internal = datagram.source;
        match nat.outbound(now, internal, datagram.destination) {
            Ok(external) => {
                datagram.source = external;
                if hairpin {
                    nat.count_hairpin();
                }
                self.emit(
                    TraceKind::NatOutbound {
                        nat: nat_id,
                        internal,
                    },
                    &datagram,
                );
                if hairpin {
                    // RFC 4787 §6: the looped-back datagram carries the external source.
                    self.nat_inbound(nat_id, datagram);
                } else {
                    self.route_internet(datagram);
                }
            }
            Err(why) => self.nat_dropped(nat_id, why, &datagram),
        }
    }

    /// Routes a datagram on the internet: to a public node, or into a NAT.
    fn route_internet(&mut self, datagram: Datagram) {
        let destination = datagram.destination.ip();
        if let Some(&j) = self.routes.get(&(None, destination)) {
            self.transmit(Hop::Down(j), datagram);
        } else if let Some(&n) = self.nat_ips.get(&destination) {
            self.nat_inbound(NatId(n), datagram);
        } else {
            self.stats.no_route += 1;
            self.emit(TraceKind::NoRoute, &datagram);
        }
    }

    /// A datagram reached a NAT's public side.
    fn nat_inbound(&mut self, nat_id: NatId, mut datagram: Datagram) {
        let now = self.now;
        let Some(nat) = self.nats.get_mut(nat_id.0) else {
            return;
        };
        let external = datagram.destination;
        match nat.inbound(now, datagram.source, external) {
            Ok(internal) => {
                datagram.destination = internal;
                self.emit(
                    TraceKind::NatInbound {
                        nat: nat_id,
                        external,
                    },
                    &datagram,
                );
                match self.routes.get(&(Some(nat_id), internal.ip())) {
                    Some(&j) => self.transmit(Hop::Down(j), datagram),
                    None => {
                        self.stats.no_route += 1;
                        self.emit(TraceKind::NoRoute, &datagram);
                    }
                }
            }
            Err(why) => self.nat_dropped(nat_id, why, &datagram),
        }
    }

    fn nat_dropped(&mut self, nat_id: NatId, why: NatDrop, datagram: &Datagram) {
        match why {
            NatDrop::NoMapping => self.stats.nat_no_mapping += 1,
            NatDrop::Filtered => self.stats.nat_filtered += 1,
            NatDrop::PortsExhausted => self.stats.nat_ports_exhausted += 1,
        }
        self.emit(TraceKind::NatDropped(nat_id, why), datagram);
    }
}
