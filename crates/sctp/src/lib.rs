//! A sans-IO SCTP association over DTLS (RFC 9260 as profiled by RFC 8261) with the WebRTC
//! extensions (RFC 3758 partial reliability, RFC 6525 stream reset, RFC 8260 I-DATA) and WebRTC
//! data channels (RFC 8831, with DCEP from RFC 8832).
//!
//! # What it does
//! - [`Association`]: one SCTP association on one path. The handshake uses an HMAC-SHA256
//!   signed, stateless State Cookie and resolves every collision of RFC 9260 §5.2 (both WebRTC
//!   endpoints send INIT at once; duplicate COOKIE ECHO; peer restart). Timers T1-init,
//!   T1-cookie, T2-shutdown, T3-rtx with RTO estimation (§6.3), delayed SACK (200 ms / every
//!   second packet), heartbeats, Association.Max.Retrans → abort, receiver window flow control,
//!   congestion control (slow start, congestion avoidance, fast retransmit and fast recovery,
//!   §7.2) on a fixed path MTU (default 1200). Ordered and unordered messages, fragmented and
//!   reassembled up to [`Config::max_message_size`] (default 256 KiB; a larger send fails with
//!   [`Error::MessageTooLarge`], a larger incoming message aborts the association), partial
//!   reliability by retransmission count and by lifetime (FORWARD TSN), stream reset, and
//!   I-DATA interleaving when both sides offer it.
//! - [`DataChannels`]: data channels over an association: DATA_CHANNEL_OPEN/ACK with label,
//!   protocol, priority and the six channel types, negotiated channels, stream-id parity from
//!   the DTLS role, the string/binary PPIDs and their empty variants, close by stream reset,
//!   events open / message / closing / closed / buffered-amount-low.
//! - [`packet`]: the zero-copy packet and chunk codec with CRC32c, for tests and tools.
//! - Bounded memory wherever the peer can push data: the receive window bounds reassembly and
//!   undelivered messages, [`Config::max_tracked_tsns`] the out-of-order TSN map,
//!   [`Config::send_buffer`] the send queue.
//!
//! # What it does not do
//! - No sockets, clocks, threads or DTLS: it consumes and produces decrypted SCTP packets;
//!   time is an argument. Non-secret randomness comes from [`Config::seed`], the cookie secret
//!   from the caller's `CryptoRng`.
//! - No multi-homing, address parameters or path MTU discovery (RFC 8261 §5: one DTLS path, a
//!   fixed MTU); no SCTP-AUTH, ECN, zero checksum (RFC 9653), Add Streams or SSN/TSN reset
//!   requests (answered Denied); stream scheduling is round-robin (DCEP priority is carried,
//!   not used).
//!
//! # RFC sections
//! RFC 9260 §3 (packet format, unknown chunk and parameter handling by their high bits), §4
//! (states), §5.1-5.2 (setup, cookie, collisions, restart), §6.1-6.10 (data transfer, SACK,
//! RTO, fast retransmit, fragmentation, bundling), §7.2 (congestion control), §8.1-8.5 (max
//! retransmissions, heartbeats, out-of-the-blue packets, verification tags), §9.1-9.2 (abort,
//! shutdown); RFC 8261 §5-6; RFC 3758 §3; RFC 6525 §4.1, §4.4, §5.1.1-5.1.2, §5.2.2; RFC 8260
//! §2; RFC 8831 §6; RFC 8832 §5-6. docs/rfc-coverage.md maps each to its tests.
//!
//! # Run loop
//! ```
//! use std::time::Instant;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//! use sansrtc_sctp::{ChannelConfig, ChannelEvent, Config, DataChannels, DtlsRole};
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(1);
//! let mut a = DataChannels::new(Config::with_seed(1), DtlsRole::Client, &mut rng);
//! let mut b = DataChannels::new(Config::with_seed(2), DtlsRole::Server, &mut rng);
//! let now = Instant::now();
//! a.connect(now); // both WebRTC peers connect once DTLS is up
//! b.connect(now);
//! let id = a.create_channel(now, ChannelConfig::new("chat"))?;
//! a.send_text(now, id, "hello")?;
//!
//! // The driver: each poll_transmit is one SCTP packet = one DTLS record; here the two ends
//! // are wired back to back.
//! let mut buf = Vec::new();
//! let mut got = None;
//! for _ in 0..10 {
//!     while let Some(n) = a.poll_transmit(now, &mut buf) {
//!         b.handle_datagram(now, &buf[..n]);
//!     }
//!     while let Some(n) = b.poll_transmit(now, &mut buf) {
//!         a.handle_datagram(now, &buf[..n]);
//!     }
//!     while let Some(event) = b.poll_event() {
//!         if let ChannelEvent::Message { data, .. } = event {
//!             got = Some(data);
//!         }
//!     }
//!     // A real driver sleeps until a.poll_timeout() and then calls a.handle_timeout(now).
//! }
//! assert_eq!(got.as_deref(), Some(&b"hello"[..]));
//! # Ok::<(), sansrtc_sctp::Error>(())
//! ```

#![forbid(unsafe_code)]

mod association;
mod config;
mod cookie;
pub mod datachannel;
mod error;
pub mod packet;
mod rng;
mod rto;
mod rx;
mod seq;
mod timer;
mod tx;

pub use association::{Association, CloseReason, Event, State, Stats};
pub use config::Config;
pub use datachannel::dcep::{Reliability, ppid};
pub use datachannel::{Channel, ChannelConfig, ChannelEvent, ChannelState, DataChannels, DtlsRole};
pub use error::Error;
pub use rx::reassembly::Message;
pub use tx::send_queue::SendOptions;
