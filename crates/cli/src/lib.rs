//! The sansrtc reference driver: real UDP sockets, a real clock, and the `sansrtc` binary.
//!
//! The protocol crates are sans-IO state machines; this crate is the thin layer that owns the
//! sockets and the clock and drives them: feed received datagrams and `Instant::now()` in,
//! send what `poll_transmit` writes, and sleep until `poll_timeout`.
//!
//! # What it does
//! - [`stun_demo`]: the interim `sansrtc demo`, a STUN Binding exchange (an ICE-style
//!   connectivity check with MESSAGE-INTEGRITY and FINGERPRINT) between a
//!   [`sansrtc_stun::ClientTransaction`] and a [`stun_server`] started in the same process,
//!   over loopback UDP; it prints the mapped address and the round-trip time.
//!
//! # What it does not (yet)
//! - The full peer demo and the `offer`/`answer`/`serve` subcommands arrive with the peer crate;
//!   `demo` then runs two peers instead of the STUN exchange.
//! - No async runtime: one blocking socket per role, a thread for the in-process server.
//!
//! # Run loop (the shape every driver here follows)
//! ```no_run
//! # use std::net::UdpSocket;
//! # use std::time::{Duration, Instant};
//! # use sansrtc_stun::{ClientTransaction, Message, TransactionEvent};
//! # fn drive(socket: &UdpSocket, tx: &mut ClientTransaction) -> std::io::Result<()> {
//! let (mut out, mut datagram) = (Vec::new(), [0u8; 1500]);
//! loop {
//!     let now = Instant::now();
//!     tx.handle_timeout(now);
//!     while let Some(t) = tx.poll_transmit(now, &mut out) {
//!         socket.send_to(&out, t.destination)?;
//!     }
//!     if let Some(TransactionEvent::Response { .. } | TransactionEvent::TimedOut) = tx.poll_event() {
//!         return Ok(());
//!     }
//!     let Some(deadline) = tx.poll_timeout() else { return Ok(()) };
//!     let wait = deadline.saturating_duration_since(Instant::now());
//!     socket.set_read_timeout(Some(wait.max(Duration::from_micros(50))))?;
//!     if let Ok((n, _from)) = socket.recv_from(&mut datagram) {
//!         if let Ok(msg) = Message::parse(&datagram[..n]) {
//!             tx.handle_response(Instant::now(), &msg); // after verifying integrity
//!         }
//!     }
//! }
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod stun_demo;
pub mod stun_server;
