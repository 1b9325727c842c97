//! A sans-IO TURN client (RFC 8656) over UDP: one [`Client`] per allocation.
//!
//! # What it does
//! - **Allocate** with the long-term credential mechanism (RFC 8489 §9.2): the first request goes
//!   unauthenticated, a 401 supplies REALM and NONCE, the retry carries USERNAME, REALM, NONCE
//!   and MESSAGE-INTEGRITY (key `MD5(username:realm:password)`); a 438 (Stale Nonce) on any
//!   request is retried with the new nonce (RFC 8656 §7, §7.4).
//! - **Refresh** roughly a minute before the allocation expires (§8), and a Refresh with
//!   LIFETIME 0 on [`Client::close`] (§8.1); a 437 means the allocation is gone.
//! - **CreatePermission** per peer IP (§10), refreshed before its 300 s lifetime ends (§9).
//! - **ChannelBind** (§12.1), refreshed before its 10 minutes end, and **ChannelData** framing
//!   (§12.4-§12.6) once bound; **Send/Data indications** (§11) before that or without a channel.
//! - Every lifetime has its timer in [`Client::poll_timeout`]: request retransmissions (RFC 8489
//!   §6.2.1), allocation refresh and expiry, permission and channel refresh and expiry.
//! - Responses are matched by transaction id, FINGERPRINT is checked when present, and a success
//!   response to an authenticated request must carry a valid MESSAGE-INTEGRITY. Data indications
//!   and ChannelData are accepted only from the server and for peers with a permission (§11.4,
//!   §12.6). Relayed data is returned borrowed from the datagram ([`Received::Data`]).
//!
//! The ICE agent (`sansrtc-ice`) creates one client per (host address, TURN server) pair and
//! turns its relayed address into a relayed candidate; the client is usable on its own too.
//!
//! # What it does not
//! - No sockets, clocks or DNS: the caller supplies the server's address and its own.
//! - No TCP/TLS/DTLS transports to the server (RFC 8656 §3.1), no ALTERNATE-SERVER redirection
//!   (300), no EVEN-PORT/RESERVATION-TOKEN, no dual allocation (ADDITIONAL-ADDRESS-FAMILY), no
//!   DONT-FRAGMENT, no ICMP attribute processing (§11.5/§11.6).
//! - No PASSWORD-ALGORITHMS negotiation: the key is always the MD5 one (what RFC 5766 servers,
//!   coturn included, use). No SASLprep: pass prepared credentials.
//! - No server side.
//!
//! # RFC coverage
//! RFC 8656 §5 (general behaviour), §7.1/§7.3/§7.4 (Allocate), §8 (Refresh), §9 and §10
//! (permissions, CreatePermission), §11.1/§11.4 (Send and Data indications), §12.1/§12.3-§12.6
//! (ChannelBind, ChannelData); RFC 8489 §9.2 (long-term credential), §6.2.1 (retransmission).
//!
//! # Run loop
//! ```
//! use std::time::Instant;
//! use sansrtc_turn::{Client, ClientConfig, Event, Received};
//! # use rand_chacha::rand_core::SeedableRng;
//! # fn socket_send(_: &[u8], _: std::net::SocketAddr) {}
//! # fn socket_recv() -> Option<(std::net::SocketAddr, Vec<u8>)> { None }
//!
//! let server = "192.0.2.10:3478".parse().unwrap();
//! let local = "10.0.0.2:50000".parse().unwrap();
//! let peer: std::net::SocketAddr = "198.51.100.7:40000".parse().unwrap();
//! let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! let mut turn = Client::new(Instant::now(), ClientConfig::new(server, local, "user", "pass"), &mut rng);
//! let mut buf = Vec::new();
//! loop {
//!     let now = Instant::now();
//!     if let Some((from, datagram)) = socket_recv() {
//!         if let Received::Data { peer, data } = turn.handle_datagram(now, from, &datagram) {
//!             // application data relayed from `peer`
//!             # let _ = (peer, data);
//!         }
//!     }
//!     turn.handle_timeout(now);
//!     while let Some(t) = turn.poll_transmit(now, &mut buf) {
//!         socket_send(&buf, t.destination);
//!     }
//!     while let Some(event) = turn.poll_event() {
//!         if let Event::Allocated { relayed, .. } = event {
//!             // tell the peer about `relayed`, then:
//!             # let _ = relayed;
//!             turn.create_permission(now, peer.ip())?;
//!         }
//!     }
//!     if let Ok(t) = turn.send_to(peer, b"hello", &mut buf) {
//!         socket_send(&buf, t.destination);
//!     }
//!     # break;
//!     // sleep until turn.poll_timeout() or a datagram arrives
//! }
//! # Ok::<(), sansrtc_turn::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod channel_data;
mod client;
mod error;

pub use channel_data::{CHANNEL_DATA_HEADER_LEN, CHANNEL_NUMBERS, ChannelData, is_channel_data};
pub use client::{
    AllocationState, CHANNEL_LIFETIME, Client, ClientConfig, DEFAULT_LIFETIME, Event, Failure,
    PERMISSION_LIFETIME, Received, Transmit,
};
pub use error::Error;
