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
//! than 0, SDES or MIKEY keying, header extension encryption (RFC 6904), the NULL cipher, AES-f8,
//! and the AES-256-CM profiles of RFC 6188 (not offered by browsers). It parses the RTP and RTCP
//! headers only as far as SRTP needs (SSRC, sequence number, CSRC count and extension length);
//! demultiplexing DTLS/SRTP/STUN (RFC 7983) is the caller's job. Cryptography comes from
//! [`sansrtc_crypto`] (RustCrypto by default, ring with the `ring` feature).
//!
//! # Example
//!
//! ```
//! use sansrtc_srtp::{Config, DtlsRole, ProtectionProfile, Session};
//!
//! # fn main() -> Result<(), sansrtc_srtp::Error> {
//! let provider = sansrtc_crypto::default_provider();
//! let profile = ProtectionProfile::AeadAes128Gcm;
//! // The DTLS exporter output ("EXTRACTOR-dtls_srtp", profile.keying_material_len() bytes).
//! let exported = [0x42u8; 56];
//! let mut alice = Session::from_dtls_srtp(&provider, profile, DtlsRole::Client, &exported, Config::default())?;
//! let mut bob = Session::from_dtls_srtp(&provider, profile, DtlsRole::Server, &exported, Config::default())?;
//!
//! // One buffer reused for every packet: RTP header (V=2, PT 111, seq 1, SSRC 0x1234) + payload.
//! let mut buf = Vec::with_capacity(1500);
//! buf.extend_from_slice(&[0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0x12, 0x34]);
//! buf.extend_from_slice(b"opus frame");
//! alice.protect_rtp(&mut buf)?; // tag appended
//! assert_eq!(buf.len(), 12 + 10 + profile.rtp_overhead());
//!
//! let len = bob.unprotect_rtp(&mut buf)?; // verified, decrypted, tag stripped
//! assert_eq!(&buf[12..len], b"opus frame");
//! // The same packet again is a replay.
//! # let mut again = buf.clone(); again.truncate(len); alice.outbound().remove_ssrc(0x1234);
//! # alice.protect_rtp(&mut again)?;
//! assert!(bob.unprotect_rtp(&mut again).is_err());
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
pub use keys::{DtlsRole, DtlsSrtpKeys, MasterKey, Protocol, SessionKeys};
pub use profile::ProtectionProfile;
pub use sansrtc_crypto::CryptoProvider;
pub use session::Session;
