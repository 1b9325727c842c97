//! Test-only deterministic network simulator: seeded lossy links, RFC 4787 NATs and a virtual
//! clock, to drive any sans-IO state machine.
//!
//! - [`Link`]: one lossy one-way pipe with seeded loss, duplication, reordering, delay, jitter
//!   and an MTU (larger datagrams are dropped and counted). Usable alone by tests of
//!   address-less protocols (DTLS, SCTP) that run their own loop, or through [`pair::Pair`].
//! - [`Network`]: nodes on IP addresses, each on its own access link, on the public internet or
//!   behind a [`Nat`] with any RFC 4787 mapping (§4.1) and filtering (§5) behaviour, mapping
//!   timeouts with outbound refresh (§4.3) and optional hairpinning (§6). It drives every node
//!   ([`Node`]) on one virtual clock: deliver datagrams, fire timers at `poll_timeout`, jump to
//!   the next event. No sleeps, no real time.
//! - [`RateLimit`]: a bottleneck with a tail-drop queue on any link
//!   ([`Link::set_rate_limit`], [`Network::set_link_rate`]), for congestion control tests.
//! - [`Probe`], [`Echo`] and [`StunServer`]: small ready-made nodes.
//!
//! The same seed gives the same run: randomness comes from a small seeded PRNG (not crypto),
//! events are ordered by (time, sequence number) and nothing depends on hash order. The virtual
//! clock starts at [`epoch()`], an `Instant` captured once per process.
//!
//! What it does not do: IP fragmentation, ICMP, TCP, AQM (only tail drop), NAT pools with
//! several public IPs, NATs behind NATs. It is test support (`publish = false`): a
//! badly built topology (two nodes on one address, a wrong node type) panics.
//!
//! # Driving sans-IO nodes through NATs
//!
//! Tests wrap their state machine in a small adapter implementing [`Node`]; here two [`Probe`]s
//! behind NATs reach a public [`Echo`] server.
//!
//! ```
//! use std::time::Duration;
//! use sansrtc_netsim::{Echo, LinkConfig, NatConfig, Network, Probe};
//!
//! let mut net = Network::new(7);
//! let link = LinkConfig { delay: Duration::from_millis(10), loss: 0.01, ..Default::default() };
//! let server = net.add_node("198.51.100.1".parse()?, None, link.clone(), Echo::new());
//! let nat = net.add_nat("203.0.113.1".parse()?, NatConfig::symmetric());
//! let alice = net.add_node("10.0.0.2".parse()?, Some(nat), link, Probe::new());
//!
//! net.node_mut::<Probe>(alice).send("10.0.0.2:5000".parse()?, "198.51.100.1:7".parse()?, b"hi".to_vec());
//! let deadline = net.now() + Duration::from_secs(1);
//! let answered = net.run_until_condition(deadline, |net| !net.node::<Probe>(alice).received().is_empty());
//! assert!(answered);
//! // Two hops each way at 10 ms per access link.
//! assert_eq!(net.elapsed(), Duration::from_millis(40));
//! assert_eq!(net.node::<Echo>(server).echoed(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Your own loop over a `Link`
//!
//! Address-less protocols can skip [`Network`]: keep a virtual `now`, send each output into the
//! link towards the peer, and jump to the earliest of the links' [`Link::next_delivery`] and the
//! endpoints' `poll_timeout`. ([`pair::Pair`] is exactly this loop.)
//!
//! ```
//! use std::time::Duration;
//! use sansrtc_netsim::{Datagram, Link, LinkConfig, epoch};
//!
//! let config = LinkConfig { delay: Duration::from_millis(20), jitter: Duration::from_millis(5), ..Default::default() };
//! let mut a_to_b = Link::new(config, 1);
//! let addr = "192.0.2.1:1".parse()?;
//! let mut now = epoch();
//! for i in 0..3u8 {
//!     a_to_b.send(now, Datagram::new(addr, addr, vec![i]));
//! }
//! let mut received = Vec::new();
//! while let Some(at) = a_to_b.next_delivery() {
//!     // ... also consider the endpoints' poll_timeout() here ...
//!     now = now.max(at);
//!     while let Some(d) = a_to_b.poll_deliver(now) {
//!         received.push(d.payload[0]); // endpoint_b.handle_datagram(now, &d.payload)
//!     }
//! }
//! received.sort();
//! assert_eq!(received, [0, 1, 2]);
//! assert!(now >= epoch() + Duration::from_millis(20));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod link;
mod nat;
mod network;
mod nodes;
pub mod pair;
mod rng;
mod stun_server;
mod turn_server;

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

pub use link::{Link, LinkConfig, LinkStats, RateLimit};
pub use nat::{MappingInfo, Nat, NatBehavior, NatConfig, NatDrop, NatStats};
pub use network::{
    AccessLink, NatId, Network, NetworkStats, NodeId, TraceEvent, TraceHook, TraceKind,
};
pub use nodes::{Echo, Probe};
pub use stun_server::StunServer;
pub use turn_server::{TurnServer, TurnServerStats};

/// One UDP datagram with its addresses.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Datagram {
    /// Where it comes from (as seen at this point of the path: NATs rewrite it).
    pub source: SocketAddr,
    /// Where it goes.
    pub destination: SocketAddr,
    /// The UDP payload.
    pub payload: Vec<u8>,
}

impl Datagram {
    /// A datagram from `source` to `destination`.
    pub fn new(source: SocketAddr, destination: SocketAddr, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            source,
            destination,
            payload: payload.into(),
        }
    }
}

/// Anything the simulator can drive. Tests wrap their sans-IO state machine in a small adapter.
///
/// After every `handle_*` call the network drains `poll_transmit` until `None`, then asks
/// `poll_timeout` for the next wake-up. A node owns every port on its IP: it receives each
/// datagram whose destination IP is its own and sends from any source port it likes (the source
/// IP should be its own; behind a NAT, its private one).
pub trait Node {
    /// One datagram arrived.
    fn handle_datagram(&mut self, now: Instant, datagram: Datagram);
    /// The next datagram to send, if any.
    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram>;
    /// The earliest deadline; `None` means no timer armed. A deadline in the past fires at once.
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    /// Time has reached `poll_timeout()`.
    fn handle_timeout(&mut self, _now: Instant) {}
}

/// The instant every virtual clock starts from, captured once per process, so that traces of two
/// runs compare equal.
pub fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}
