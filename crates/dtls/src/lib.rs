//! A sans-IO DTLS 1.2 client and server (RFC 6347) as WebRTC uses it (RFC 8827 §6.5,
//! RFC 8842, RFC 5764): ECDHE with ECDSA certificates authenticated only by their SDP
//! fingerprint, AEAD records, the extended master secret, use_srtp and the SRTP keying
//! material exporter.
//!
//! # What it does
//!
//! - **Both roles** ([`Role`], from `a=setup`), mutual authentication: the server always asks
//!   for the client's certificate; each side checks the peer's certificate only against the
//!   fingerprints from the signaling ([`Dtls::set_remote_fingerprints`], sha-1/256/384/512).
//!   The fingerprints may arrive after the handshake started (or finished): until they match,
//!   nothing is announced or delivered; a mismatch is a fatal `bad_certificate` alert and
//!   [`Error::FingerprintMismatch`].
//! - **Record layer** (RFC 6347 §4.1): epochs 0 and 1, 48-bit sequence numbers, a 64-record
//!   anti-replay window (§4.1.2.6), several records per datagram in and out, datagrams no
//!   larger than [`Config::mtu`] (default 1200), records that fail authentication dropped and
//!   counted in [`Stats`] (§4.1.2.7).
//! - **Handshake** (RFC 5246 §7.3 with RFC 6347 §4.2): one type per handshake state; the
//!   stateless HMAC cookie exchange on the server ([`Config::cookie_exchange`]) and obeying a
//!   HelloVerifyRequest on the client (§4.2.1); fragmentation to the MTU and reassembly with
//!   bounded buffers (§4.2.3); flights retransmitted with exponential back-off from
//!   [`Config::initial_retransmit`] (1 s) to [`Config::max_retransmit`] (60 s) (§4.2.4); a
//!   retransmitted peer flight makes us resend ours, duplicates and reordering are harmless.
//! - **Suites**: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (preferred),
//!   TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256;
//!   groups x25519 and secp256r1; we sign with ecdsa_secp256r1_sha256 and verify peer
//!   signatures made with ECDSA P-256 or RSA PKCS#1 v1.5 / PSS (SHA-256/384/512).
//! - **Extensions**: extended_master_secret (RFC 7627, required both ways), use_srtp
//!   (RFC 5764: the four [`SrtpProfile`]s, empty MKI), renegotiation_info (RFC 5746; empty,
//!   renegotiation refused with a warning alert), supported_groups, ec_point_formats,
//!   signature_algorithms. A ClientHello that also offers DTLS 1.3 (Chromium's, with
//!   supported_versions and key_share) gets a plain DTLS 1.2 answer.
//! - **Certificates**: [`Certificate::generate`] makes a self-signed ECDSA P-256 certificate
//!   (a small DER writer of our own) and gives its SHA-256 [`Fingerprint`] in SDP form; peer
//!   certificates are parsed with x509-parser.
//! - **After the handshake**: the RFC 5705 exporter ([`Dtls::export_keying_material`],
//!   [`Dtls::export_srtp_keying_material`] for `EXTRACTOR-dtls_srtp`), application data both
//!   ways without per-record allocation, close_notify, alerts sent and received (fatal ends
//!   the connection, warnings are events), and one [`Error`] for every failure.
//!
//! All cryptography goes through `sansrtc-crypto` ([`Config::provider`]): RustCrypto by
//! default, ring with that crate's `ring` feature. Randomness comes from the RNG passed to
//! [`Dtls::new`]; time from the `now` arguments. No I/O, no clock, no threads.
//!
//! # What it does not do
//!
//! DTLS 1.3 (RFC 9147), session resumption and tickets, renegotiation, PSK, CBC or non-AEAD
//! suites, RSA certificates of our own (we verify RSA signatures but sign with ECDSA; a server
//! with an RSA certificate, which needs ECDHE_RSA suites, is not supported), certificate chain
//! or validity checks (WebRTC trusts the fingerprint, RFC 8827 §6.5), path MTU discovery
//! (the MTU is configured), connection IDs (RFC 9146), and demultiplexing of DTLS from other
//! traffic (RFC 7983 is the caller's job: DTLS starts with a byte in 20..=63).
//!
//! # RFC sections
//!
//! RFC 6347 §4.1 (records, §4.1.1 several per datagram, §4.1.2.1 AEAD nonce and AAD,
//! §4.1.2.6 anti-replay, §4.1.2.7 invalid records), §4.2.1 (cookie exchange), §4.2.2
//! (handshake header, message_seq), §4.2.3 (fragmentation), §4.2.4 (timeout and
//! retransmission), §4.2.6 (transcript); RFC 5246 §5 (PRF), §6.3 (key block), §7.2 (alerts),
//! §7.4 (handshake messages), §7.4.9 (Finished); RFC 5288 / RFC 5289 / RFC 7905 (the AEAD
//! suites); RFC 8422 §5 (ECDHE, signatures); RFC 7627 §4, §5 (EMS); RFC 5764 §4.1 (use_srtp),
//! §4.2 (key derivation); RFC 5705 §4 (exporter); RFC 5746 §3 (renegotiation_info);
//! RFC 8122 §5 (fingerprints); RFC 8842 (DTLS in SDP offer/answer: roles, late fingerprints).
//! docs/rfc-coverage.md lists each section with the test that proves it.
//!
//! # Run loop
//!
//! Feed datagrams and timeouts in, then drain `poll_transmit` until `None`, `poll_event` and
//! `poll_application_data` until `None`, and wake at `poll_timeout`. Here both ends run in
//! memory; a real driver would send `poll_transmit`'s bytes over UDP instead.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use rand_chacha::ChaCha20Rng;
//! use rand_core::SeedableRng;
//! use sansrtc_dtls::{Certificate, Config, Dtls, Event, Role};
//!
//! let provider = sansrtc_crypto::default_provider();
//! let mut rng = ChaCha20Rng::seed_from_u64(1); // a real program passes rand_core::OsRng
//! let ours = Arc::new(Certificate::generate(&provider, &mut rng, "client")?);
//! let theirs = Arc::new(Certificate::generate(&provider, &mut rng, "server")?);
//! // Our a=fingerprint line: ours.fingerprint().to_string() == "sha-256 AB:CD:...".
//!
//! let mut client = Dtls::new(Role::Client, Arc::new(Config::new(ours.clone())), Box::new(ChaCha20Rng::seed_from_u64(2)))?;
//! let mut server = Dtls::new(Role::Server, Arc::new(Config::new(theirs.clone())), Box::new(ChaCha20Rng::seed_from_u64(3)))?;
//! // From the remote SDP (may also come later, even after the handshake):
//! client.set_remote_fingerprints(vec![theirs.fingerprint().clone()]);
//! server.set_remote_fingerprints(vec![ours.fingerprint().clone()]);
//!
//! let now = Instant::now();
//! let mut datagram = Vec::new(); // one reused buffer for all output
//! while !(client.is_connected() && server.is_connected()) {
//!     while let Some(n) = client.poll_transmit(now, &mut datagram) {
//!         server.handle_datagram(now, &datagram[..n]);
//!     }
//!     while let Some(n) = server.poll_transmit(now, &mut datagram) {
//!         client.handle_datagram(now, &datagram[..n]);
//!     }
//!     // A real loop also sleeps until min(poll_timeout()) and calls handle_timeout(now).
//! }
//! assert!(matches!(client.poll_event(), Some(Event::Connected { srtp_profile: Some(_), .. })));
//!
//! // SRTP keys for both directions (RFC 5764 §4.2), identical on both sides.
//! let keys = client.export_srtp_keying_material()?;
//! assert_eq!(keys.local(), server.export_srtp_keying_material()?.remote());
//!
//! // Application data: one record per call, delivered into the caller's buffer.
//! client.send_application_data(b"one SCTP packet")?;
//! let n = client.poll_transmit(now, &mut datagram).unwrap();
//! server.handle_datagram(now, &datagram[..n]);
//! let mut received = Vec::new();
//! let len = server.poll_application_data(&mut received).unwrap();
//! assert_eq!(&received[..len], b"one SCTP packet");
//! # Ok::<(), sansrtc_dtls::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alert;
pub mod cert;
mod client;
mod codec;
pub mod config;
mod connection;
mod error;
pub mod extension;
mod flight;
pub mod handshake;
mod keys;
mod protection;
mod reassembly;
pub mod record;
mod server;
mod state;
pub mod suite;

pub use alert::{Alert, AlertDescription, AlertLevel};
pub use cert::{Certificate, Fingerprint, FingerprintAlgorithm};
pub use codec::DecodeError;
pub use config::{Config, Role};
pub use connection::{Dtls, Event, SrtpKeyingMaterial, Stats};
pub use error::Error;
pub use extension::SrtpProfile;
pub use suite::CipherSuite;
