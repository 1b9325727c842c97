//! The one error type of this crate.

/// Why a packet could not be protected or unprotected, or a context could not be built.
///
/// The variants say who is at fault:
/// - the packet is garbage (`TooShort`, `BadVersion`, `HeaderOverrun`),
/// - the packet is well formed but must be dropped (`AuthenticationFailed`, `Replayed`, `TooOld`,
///   `UnknownSsrc`, `SsrcLimit`),
/// - the caller asked for something impossible (`BufferTooSmall`, `IndexReused`,
///   `KeyExhausted`, `KeyLength`, `SaltLength`, `KeyingMaterialLength`, `Crypto`).
///
/// A failed unprotect leaves the stream state untouched: a forged or replayed packet cannot move
/// the rollover counter or the replay window. The buffer's contents are unspecified after a
/// failure (they may be partly decrypted) and must be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The packet is shorter than its fixed header plus the authentication tag (and, for SRTCP,
    /// the SRTCP index).
    #[error("packet too short: {len} bytes, need at least {min}")]
    TooShort {
        /// The packet's length.
        len: usize,
        /// The smallest length this profile accepts.
        min: usize,
    },
    /// The RTP/RTCP version field is not 2.
    #[error("RTP version {0}, expected 2")]
    BadVersion(u8),
    /// The CSRC list or the header extension runs past the end of the packet.
    #[error("RTP header (CSRCs and extension) runs past the end of the packet")]
    HeaderOverrun,
    /// The authentication tag does not verify (RFC 3711 §3.3 step 6, RFC 7714 §5.2.2).
    #[error("SRTP/SRTCP authentication failed")]
    AuthenticationFailed,
    /// The packet index was already received (RFC 3711 §3.3.2).
    #[error("replayed packet (index {index})")]
    Replayed {
        /// The packet index (48-bit SRTP index or 31-bit SRTCP index).
        index: u64,
    },
    /// The packet index is older than the replay window, so a replay cannot be ruled out
    /// (RFC 3711 §3.3.2).
    #[error("packet index {index} is behind the replay window")]
    TooOld {
        /// The packet index (48-bit SRTP index or 31-bit SRTCP index).
        index: u64,
    },
    /// The SSRC has no context and the configuration does not create contexts on demand
    /// ([`SsrcPolicy::Known`](crate::SsrcPolicy::Known)).
    #[error("no SRTP context for SSRC {ssrc:#010x}")]
    UnknownSsrc {
        /// The packet's SSRC.
        ssrc: u32,
    },
    /// A new SSRC would exceed [`Config::max_ssrcs`](crate::Config::max_ssrcs).
    #[error("SSRC limit reached, no context for SSRC {ssrc:#010x}")]
    SsrcLimit {
        /// The packet's SSRC.
        ssrc: u32,
    },
    /// The caller's buffer has no room for the authentication tag (and SRTCP index).
    #[error("buffer too small: need {needed} bytes")]
    BufferTooSmall {
        /// The buffer length protect needs.
        needed: usize,
    },
    /// Protect was asked to reuse a packet index it already used (or one behind the window, which
    /// it can no longer check). Reusing an index reuses the keystream (RFC 3711 §9.1) and, for
    /// AES-GCM, breaks authentication (RFC 7714 §8.4).
    #[error("packet index {index} was already used to protect a packet")]
    IndexReused {
        /// The packet index.
        index: u64,
    },
    /// The master key has protected 2^48 SRTP or 2^31 SRTCP packets; it must be replaced
    /// (RFC 3711 §9.2).
    #[error("master key exhausted, rekey needed")]
    KeyExhausted,
    /// A master key of the wrong length for the profile.
    #[error("master key is {got} bytes, the profile needs {expected}")]
    KeyLength {
        /// The profile's master key length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A master salt of the wrong length for the profile.
    #[error("master salt is {got} bytes, the profile needs {expected}")]
    SaltLength {
        /// The profile's master salt length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// DTLS-SRTP keying material of the wrong length (RFC 5764 §4.2).
    #[error("DTLS-SRTP keying material is {got} bytes, the profile needs {expected}")]
    KeyingMaterialLength {
        /// `2 * (key_len + salt_len)` for the profile.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// The crypto provider rejected a key (a bug in this crate if it ever shows).
    #[error("crypto provider: {0}")]
    Crypto(#[from] sansrtc_crypto::Error),
}
