//! SRTP and SRTCP (RFC 3711) with the AES-GCM profiles of RFC 7714, in place and without
//! allocation per packet.
//!
//! This crate turns RTP and RTCP packets into SRTP and SRTCP packets and back, in the caller's
//! buffer: the RTP header stays where it is, the payload is encrypted in place and the tag is
//! appended (or checked and stripped). Cipher state (AES key schedules, GHASH keys, HMAC pads) is
//! set up once per key; a packet costs one pass of the cipher and MAC.
//!
//! What it covers:
//! - the four profiles WebRTC negotiates ([`ProtectionProfile`]):
//!   `SRTP_AES128_CM_HMAC_SHA1_80`, `SRTP_AES128_CM_HMAC_SHA1_32` (RFC 3711 §4.1.1, §4.2.1,
//!   RFC 5764 §4.1.2), `SRTP_AEAD_AES_128_GCM` and `SRTP_AEAD_AES_256_GCM` (RFC 7714 §8, §9);
//! - session key derivation with key derivation rate 0 (RFC 3711 §4.3, RFC 6188 §7 for AES-256);
//! - the packet index, rollover counter and its estimation (RFC 3711 §3.3.1, Appendix A);
//! - replay protection with a configurable window (RFC 3711 §3.3.2), a ring of `u64` words;
//! - SRTCP with its E flag and 31-bit index (RFC 3711 §3.4, RFC 7714 §9), encrypted or not;
//! - DTLS-SRTP keying (RFC 5764 §4.2): [`Session::from_dtls_srtp`] splits the exporter output
//!   into local and remote master keys by DTLS role;
//! - per-SSRC state created on demand, only by a packet that authenticates, up to a bound
//!   ([`Config::max_ssrcs`], [`SsrcPolicy`]).
//!
//! What it does not do: MKI (RFC 3711 §3.1, WebRTC never uses it), a key derivation rate other
//! than 0, SDES or MIKEY keying, header extension encryption (RFC 6904, RFC 9335 cryptex), the
//! NULL cipher, AES-f8, the AES-256-CM profiles of RFC 6188 (not offered by browsers), and ROC
//! signalling (RFC 4771). It parses the RTP and RTCP headers only as far as SRTP needs (SSRC,
//! sequence number, CSRC count and extension length); demultiplexing DTLS/SRTP/STUN (RFC 7983)
//! is the caller's job, and [`is_rtcp`] tells RTCP from RTP on a multiplexed port (RFC 5761 §4).
//! Cryptography comes from [`sansrtc_crypto`] (RustCrypto by default, ring's AES-GCM with the
//! `ring` feature): this crate names no crypto library.
//!
//! # The packet path
//!
//! [`Session::protect_rtp`] takes the caller's `Vec` (reserve [`ProtectionProfile::rtp_overhead`]
//! bytes of capacity and it never reallocates), [`Session::protect_rtp_in_place`] a fixed buffer
//! with room after the packet; [`Session::unprotect_rtp`] verifies and decrypts in place and
//! returns the plaintext length. Per packet: one header parse, one binary search in the SSRC
//! table, one index estimate, one replay-window check, one pass of the cipher and MAC through a
//! key made once per context. After a stream's first packet nothing is allocated
//! (`tests/no_alloc.rs` counts it with a global allocator), and the per-packet overhead over the
//! raw primitive is 2-9% (docs/performance.md, section srtp).
//!
//! A failed unprotect changes no state: the index is estimated and checked against the replay
//! window before the tag is verified, and recorded only after. [`Error`] tells the caller which
//! case it was: [`Error::AuthenticationFailed`], [`Error::Replayed`] / [`Error::TooOld`],
//! [`Error::TooShort`] / [`Error::BadVersion`] / [`Error::HeaderOverrun`] for malformed packets,
//! [`Error::UnknownSsrc`] / [`Error::SsrcLimit`] for the SSRC policy. Nothing here panics on peer
//! data (fuzzed by `fuzz/fuzz_targets/srtp_unprotect.rs` and `srtcp_unprotect.rs`).
//!
//! # Example
//!
//! Keyed from DTLS-SRTP, then the media loop: one buffer reused for every packet.
//!
//! ```
//! use sansrtc_srtp::{Config, DtlsRole, Error, ProtectionProfile, Session};
//!
//! # fn main() -> Result<(), Error> {
//! let provider = sansrtc_crypto::default_provider();
//! // From the DTLS handshake: the negotiated use_srtp profile and the RFC 5705 exporter output
//! // ("EXTRACTOR-dtls_srtp", profile.keying_material_len() bytes).
//! let profile = ProtectionProfile::AeadAes128Gcm;
//! let exported = [0x42u8; 56];
//! let config = Config::default(); // replay window 64; `replay_window = 1024` for video
//! let mut alice =
//!     Session::from_dtls_srtp(&provider, profile, DtlsRole::Client, &exported, config.clone())?;
//! let mut bob = Session::from_dtls_srtp(&provider, profile, DtlsRole::Server, &exported, config)?;
//!
//! let mut buf = Vec::with_capacity(1500);
//! let mut wire = Vec::with_capacity(1500); // only to replay a packet below
//! for seq in 0..3u16 {
//!     // An RTP packet: V=2, PT 111, sequence number, timestamp, SSRC 0x1234, payload.
//!     buf.clear();
//!     buf.extend_from_slice(&[0x80, 111]);
//!     buf.extend_from_slice(&seq.to_be_bytes());
//!     buf.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x12, 0x34]);
//!     buf.extend_from_slice(b"opus frame");
//!
//!     alice.protect_rtp(&mut buf)?; // payload encrypted in place, tag appended
//!     assert_eq!(buf.len(), 12 + 10 + profile.rtp_overhead());
//!     wire.clone_from(&buf);
//!
//!     let len = bob.unprotect_rtp(&mut buf)?; // verified, decrypted, tag stripped
//!     assert_eq!(&buf[12..len], b"opus frame");
//! }
//! // The last packet again: a replay (RFC 3711 §3.3.2), and nothing changed in bob's state.
//! assert_eq!(bob.unprotect_rtp(&mut wire), Err(Error::Replayed { index: 2 }));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod context;
mod error;
mod header;
mod index;
mod kdf;
mod keys;
mod profile;
mod replay;
mod session;
mod srtcp;
mod stream;
mod transform;

pub use context::{Config, Inbound, MAX_REPLAY_WINDOW, Outbound, SsrcPolicy};
pub use error::Error;
pub use header::is_rtcp;
pub use keys::{DtlsRole, DtlsSrtpKeys, MasterKey, Protocol, SessionKeys};
pub use profile::ProtectionProfile;
pub use sansrtc_crypto::CryptoProvider;
pub use session::Session;
