//! The sansrtc reference driver: real UDP sockets and a real clock around the sans-IO
//! [`sansrtc_peer::Peer`], and the `sansrtc` binary.
//!
//! Every protocol crate of sansrtc is a state machine that never touches a socket or a clock.
//! This crate is the thin layer an embedder copies: it binds one UDP socket per local address,
//! feeds received datagrams and `Instant::now()` to the peer, sends what `poll_transmit`
//! writes, and sleeps until `poll_timeout`, a datagram, or a wake-up from another thread.
//!
//! # What it does
//! - [`driver`]: the run loop (mio) for any number of peers, with batched UDP I/O (GSO send,
//!   GRO/`recvmmsg` receive through quinn-udp, one datagram per call where the kernel lacks them).
//! - [`net`]: host candidates from the machine's interfaces (`--bind` to choose), socket buffers
//!   and the SCTP receive window that fits them.
//! - [`signal`]: the one-line JSON `RTCSessionDescription` format (base64 accepted).
//! - [`session`]: `sansrtc offer` / `sansrtc answer`: echo, chat between two terminals, and
//!   [`transfer`] of files with SHA-256 on both sides; STUN and TURN servers, relay-only.
//! - [`demo`]: `sansrtc demo`, two peers in one process over loopback UDP, with a phase table.
//! - [`serve`]: `sansrtc serve`, a web page from which a browser chats with this peer, sends
//!   its camera to disk or gets a file played to it.
//! - [`save`] and [`play`]: `sansrtc save-to-disk` (a browser's VP8/VP9/AV1/H.264 and Opus
//!   into files as they arrive) and `sansrtc play-from-disk` (a file's frames to a browser at
//!   their frame rate, looping), both on the session loop of [`media`].
//! - [`container`]: the files they use, pure Rust: IVF, Ogg (RFC 3533), Ogg Opus (RFC 7845),
//!   H.264 Annex B.
//!
//! The interop tests (tests/interop: Chromium, aiortc, coturn) drive exactly these commands.
//!
//! # What it does not
//! - No trickle ICE on the command line: descriptions are exchanged once candidates are gathered.
//! - No async runtime and no threads in the loop itself (stdin is read on a helper thread that
//!   wakes the loop).
//! - No encoding or decoding: media files are written and read as the codecs' bitstreams.
//!
//! # Run loop (what [`driver::Driver::turn`] does, written out for one peer and one socket)
//! ```no_run
//! # use std::net::UdpSocket;
//! # use std::time::{Duration, Instant};
//! # use sansrtc_peer::{Event, Peer};
//! # fn drive(socket: &UdpSocket, peer: &mut Peer) -> std::io::Result<()> {
//! let local = socket.local_addr()?;
//! let (mut out, mut datagram) = (Vec::new(), vec![0u8; 65536]);
//! loop {
//!     let now = Instant::now();
//!     while let Some(t) = peer.poll_transmit(now, &mut out) {
//!         socket.send_to(&out, t.destination)?;
//!     }
//!     while let Some(event) = peer.poll_event() {
//!         if let Event::ChannelMessage { id, binary, data } = event {
//!             peer.send(now, id, binary, data.into()).ok(); // echo
//!         }
//!     }
//!     let wait = peer.poll_timeout().map_or(Duration::from_millis(200), |t| {
//!         t.saturating_duration_since(now)
//!     });
//!     socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
//!     match socket.recv_from(&mut datagram) {
//!         Ok((n, from)) => peer.handle_datagram(Instant::now(), local, from, &datagram[..n]),
//!         Err(_) => peer.handle_timeout(Instant::now()), // timed out
//!     }
//! }
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod container;
pub mod demo;
pub mod driver;
pub mod media;
pub mod net;
pub mod play;
pub mod save;
pub mod serve;
pub mod session;
pub mod signal;
pub mod transfer;
