//! A sans-IO ICE agent (RFC 8445) with trickle (RFC 8838), consent freshness (RFC 7675) and
//! TURN relays (RFC 8656, through `sansrtc-turn`), for one WebRTC data stream.
//!
//! # What it does
//! - **Candidates** (RFC 8445 §5.1): host candidates from the addresses the caller gives
//!   ([`AgentConfig::host_addresses`], [`Agent::add_host_address`]; IPv4 and IPv6), server-
//!   reflexive ones from Binding requests to the configured STUN servers, relayed ones from
//!   TURN allocations (plus the server-reflexive address the Allocate response reports), and
//!   peer-reflexive ones learned from checks in both directions. Priorities follow §5.1.2 with
//!   RFC 8421-style local preferences, foundations §5.1.1.3, redundant candidates are dropped
//!   (§5.1.3). Local candidates come out as [`Event::LocalCandidate`] in the SDP form of
//!   `sansrtc-sdp` (RFC 8839 §5.1, with the `ufrag` extension); remote ones go in the same
//!   way. Remote mDNS `.local` candidates are surfaced as [`Event::ResolveMdns`] and accepted
//!   back with [`Agent::mdns_resolved`].
//! - **Checks** (§6-§8): checklist formation and pruning, pair priorities and states (frozen,
//!   waiting, in-progress, succeeded, failed), Ta pacing of every new transaction, the
//!   triggered-check queue with cancellation, role-conflict repair with 487 (§7.3.1.1,
//!   §7.2.5.1), the valid list, regular nomination by the controlling agent and the selected
//!   pair (§8.1), a bounded checklist (§6.1.2.5). Every incoming request and response has its
//!   FINGERPRINT and MESSAGE-INTEGRITY checked with the short-term credentials before anything
//!   else is looked at.
//! - **Lite** (§2.5, §5.2, §7.3.2, §8.2): [`AgentConfig::lite`] makes a lite agent (host
//!   candidates, answers checks, takes the nomination); [`Agent::set_remote_lite`] makes a full
//!   agent take control of a lite peer.
//! - **Trickle** (RFC 8838): remote candidates at any time, local ones as gathered,
//!   end-of-candidates both ways ([`Event::GatheringComplete`],
//!   [`Agent::add_remote_end_of_candidates`]); the checklist fails only after both.
//! - **Consent** (RFC 7675): a consent request on the selected pair every 5 s ±20% (never below
//!   4 s), sent once each; [`ConnectionState::Disconnected`] after 10 s without an answer,
//!   consent lost and [`ConnectionState::Failed`] after 30 s; a 403 revokes it at once. They
//!   double as the RFC 8445 §11 keepalives; a lite agent sends Binding indications instead.
//! - **ICE restart** (§9): [`Agent::restart`] draws new credentials and flushes the remote side
//!   and the checklist; the selected pair keeps working (and its consent running) until a new
//!   one is selected. A peer's new credentials in [`Agent::set_remote_credentials`] do the
//!   same.
//! - **Data**: [`Agent::selected_pair`] tells the caller where to send directly;
//!   [`Agent::send`] wraps data for a TURN relay (ChannelData once bound, RFC 8656 §12) and
//!   [`Agent::handle_datagram`] returns relayed data unwrapped ([`Received::Data`]), borrowed.
//!
//! # What it does not
//! - No sockets, interface enumeration, DNS or mDNS resolution, clocks or threads.
//! - One data stream with one component (WebRTC's BUNDLE and rtcp-mux): candidates of other
//!   components are refused. No ICE-TCP (RFC 6544), no aggressive nomination or renomination,
//!   no Ta negotiation (RFC 8445 §14.2: we use 50 ms), no ICMP processing.
//! - A failed nomination check invalidates the pair and lets the controlling agent nominate
//!   another valid pair, instead of failing the checklist (RFC 8445 §7.2.5.3.4).
//! - The RTO of checks is `MAX(500 ms, Ta × (Waiting + In-Progress))`, without RFC 8445 §14.3's
//!   extra factor N, capped at 3 s.
//!
//! # RFC coverage
//! RFC 8445 §5.1 (gathering, priorities, foundations, redundancy), §5.2 (lite), §6.1 (roles,
//! checklist, states, scheduling), §7.1-§7.3 (checks, both sides, role conflict, prflx,
//! triggered checks, nomination), §8 (concluding), §9 (restart), §11 (keepalives), §12.1
//! (sending data), §14 (Ta, RTO); RFC 8838 §7-§14; RFC 7675 §5.1, §5.2; RFC 8839 §5.1 (the
//! candidate line, through `sansrtc-sdp`). docs/rfc-coverage.md maps each to its tests.
//!
//! # Run loop
//! ```
//! use std::time::Instant;
//! use sansrtc_ice::{Agent, AgentConfig, Event, Received, Role, TurnServer};
//! # use rand_chacha::rand_core::SeedableRng;
//! # fn socket_send(_: std::net::SocketAddr, _: std::net::SocketAddr, _: &[u8]) {}
//! # fn socket_recv() -> Option<(std::net::SocketAddr, std::net::SocketAddr, Vec<u8>)> { None }
//! # fn signal(_: &str) {}
//! # fn dtls_or_srtp(_: &[u8]) {}
//!
//! let config = AgentConfig {
//!     role: Role::Controlling,
//!     host_addresses: vec!["192.0.2.1:50000".parse().unwrap()],
//!     stun_servers: vec!["198.51.100.1:3478".parse().unwrap()],
//!     turn_servers: vec![TurnServer::new("198.51.100.2:3478".parse().unwrap(), "user", "pass")],
//!     ..AgentConfig::default()
//! };
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1); // use OsRng in production
//! let mut agent = Agent::new(Instant::now(), config, &mut rng);
//! // Signal agent.local_credentials(); when the answer comes:
//! agent.set_remote_credentials(Instant::now(), "rfrag", "remote-password-0123456789");
//!
//! let mut buf = Vec::new();
//! loop {
//!     let now = Instant::now();
//!     if let Some((local, remote, datagram)) = socket_recv() {
//!         match datagram.first() {
//!             Some(0..=3 | 64..=79) => match agent.handle_datagram(now, local, remote, &datagram) {
//!                 Received::Data { data, .. } => dtls_or_srtp(data), // relayed through TURN
//!                 Received::Stun | Received::Ignored => {}
//!             },
//!             _ => dtls_or_srtp(&datagram),
//!         }
//!     }
//!     agent.handle_timeout(now);
//!     while let Some(t) = agent.poll_transmit(now, &mut buf) {
//!         socket_send(t.source, t.destination, &buf);
//!     }
//!     while let Some(event) = agent.poll_event() {
//!         match event {
//!             Event::LocalCandidate(c) => signal(&c.to_candidate_attribute()),
//!             Event::GatheringComplete => signal("a=end-of-candidates"),
//!             Event::SelectedPairChanged(pair) => { let _ = pair.direct(); }
//!             _ => {}
//!         }
//!     }
//!     if agent.selected_pair().is_some() {
//!         let t = agent.send(now, b"application data", &mut buf)?;
//!         socket_send(t.source, t.destination, &buf);
//!     }
//!     # break;
//!     // sleep until agent.poll_timeout() or a datagram arrives
//! }
//! # Ok::<(), sansrtc_ice::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod agent;
mod candidate;
mod checklist;
mod error;
mod message;

pub use agent::{
    Agent, AgentConfig, AgentStats, ConnectionState, Credentials, DataPath, Event, GatheringState,
    Received, Role, SelectedPair, Transmit, TurnServer,
};
pub use candidate::{COMPONENT, Candidate, CandidateKind, foundation, local_preference, priority};
pub use checklist::{PairState, pair_priority};
pub use error::Error;
