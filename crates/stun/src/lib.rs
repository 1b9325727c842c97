//! STUN (RFC 8489): zero-copy messages, typed attributes, message integrity, fingerprint, and
//! the client transaction, without I/O.
//!
//! # What it does
//! - [`Message::parse`] checks a datagram once (header, magic cookie, length, attribute layout,
//!   placement of MESSAGE-INTEGRITY and FINGERPRINT) and then hands out borrowed views:
//!   [`Message::attributes`] yields raw attributes, [`Attribute::decode`] and the typed getters
//!   ([`Message::username`], [`Message::xor_mapped_address`], ...) decode values in place; the
//!   getters find their attribute through an index built by that one pass, not by a new walk.
//! - [`MessageBuilder`] writes a message into a caller-supplied `Vec<u8>`, enforcing the
//!   attribute order rules, and computes MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and
//!   FINGERPRINT.
//! - [`IntegrityKey`] holds short-term or long-term (MD5 or SHA-256) credentials with the HMAC
//!   state precomputed; [`Message::verify_integrity`] and [`Message::verify_fingerprint`] check a
//!   message without allocating or copying it.
//! - [`ClientTransaction`] sends one request and retransmits it on the RFC 8489 schedule until a
//!   response matches or it times out.
//! - [`is_stun`] is the RFC 7983 first-pass test a demultiplexer runs on every datagram.
//!
//! # What it does not
//! - No sockets, threads or clocks: time is an argument, bytes come and go through the caller.
//! - No server policy (nonces, realms, allocation state): those live in the ICE and TURN crates
//!   and the CLI. Building a response is a [`MessageBuilder`] call.
//! - No SASLprep/OpaqueString preparation of credentials (pass prepared strings), no
//!   USERHASH computation, no DNS discovery (RFC 8489 §8), no STUN over TCP framing or TLS.
//!
//! # RFC coverage
//! RFC 8489 §5 (header, class and method), §6.2.1 and §6.3.4 (client transaction over UDP),
//! §6.3 (receiving: unknown comprehension-required attributes), §9.1 and §9.2.2 (short-term and
//! long-term keys), §14 (all RFC 8489 attributes), RFC 8445 §16.1 (ICE attributes), RFC 8656
//! §18 (TURN attributes), RFC 7983 §7 (demultiplexing), tested against the RFC 5769 vectors.
//!
//! # Run loop
//! ```
//! use std::time::Instant;
//! use sansrtc_stun::{Attribute, Class, ClientTransaction, IntegrityKey, Message, MessageBuilder,
//!     Method, TransactionConfig, TransactionEvent, TransactionId};
//!
//! # fn socket_send(_: &[u8], _: std::net::SocketAddr) {}
//! # fn socket_recv() -> Option<Vec<u8>> { None }
//! # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
//! # use rand_chacha::rand_core::SeedableRng;
//! let key = IntegrityKey::short_term("remote-ice-pwd");
//! let mut request = Vec::new();
//! let mut b = MessageBuilder::new(&mut request, Class::Request, Method::BINDING,
//!     TransactionId::random(&mut rng));
//! b.add(&Attribute::Username("remote:local"))?;
//! b.add(&Attribute::Priority(1_853_824_767))?;
//! b.add_message_integrity(&key)?;
//! b.add_fingerprint()?;
//!
//! let server = "192.0.2.1:3478".parse().unwrap();
//! let mut tx = ClientTransaction::new(Instant::now(), &request, None, server,
//!     TransactionConfig::default())?;
//! let mut buf = Vec::new();
//! loop {
//!     let now = Instant::now();
//!     if let Some(datagram) = socket_recv() {
//!         if let Ok(msg) = Message::parse(&datagram) {
//!             if msg.verify_integrity(&key).is_ok() {
//!                 tx.handle_response(now, &msg);
//!             }
//!         }
//!     }
//!     tx.handle_timeout(now);
//!     while let Some(t) = tx.poll_transmit(now, &mut buf) {
//!         socket_send(&buf, t.destination);
//!     }
//!     match tx.poll_event() {
//!         Some(TransactionEvent::Response { .. }) => break,
//!         Some(TransactionEvent::TimedOut) => break,
//!         None => {}
//!     }
//!     # break;
//!     // sleep until tx.poll_timeout() or a datagram arrives
//! }
//! # Ok::<(), sansrtc_stun::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attributes;
mod demux;
mod error;
mod integrity;
mod message;
mod transaction;

pub use attributes::{
    AddressFamily, Attribute, AttributeType, AttributeTypes, ErrorCode, PasswordAlgorithm,
    PasswordAlgorithms,
};
pub use demux::is_stun;
pub use error::Error;
pub use integrity::IntegrityKey;
pub use message::{
    Attributes, Class, HEADER_LEN, MAGIC_COOKIE, Message, MessageBuilder, Method, RawAttribute,
    TransactionId,
};
pub use transaction::{ClientTransaction, TransactionConfig, TransactionEvent, Transmit};
