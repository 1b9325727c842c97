//! The one error type of this crate, split by who is at fault (as rustls does).

use crate::alert::{AlertDescription, AlertLevel};
use crate::codec::DecodeError;

/// Why a DTLS operation or connection failed.
///
/// Peer faults end the connection (a fatal alert is sent where RFC 5246 §7.2.2 says so); once an
/// endpoint has failed, every later call reports the same error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- the peer sent something malformed
    /// A handshake message or alert does not decode.
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),

    // --- the peer misbehaved
    /// A handshake message arrived that the current state does not expect.
    #[error("unexpected {got} while expecting {expected}")]
    UnexpectedMessage {
        /// What the state machine waited for.
        expected: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// The peer's certificate does not match any fingerprint from the signaling.
    #[error("peer certificate fingerprint does not match")]
    FingerprintMismatch,
    /// The peer sent no certificate, or one we cannot use.
    #[error("bad peer certificate: {0}")]
    BadCertificate(&'static str),
    /// A ServerKeyExchange or CertificateVerify signature does not verify.
    #[error("peer signature does not verify")]
    BadSignature,
    /// The peer's Finished verify_data is wrong (RFC 5246 §7.4.9).
    #[error("peer Finished does not verify")]
    BadFinished,
    /// The peer chose or sent a parameter we did not offer or cannot accept.
    #[error("illegal parameter: {0}")]
    IllegalParameter(&'static str),
    /// The peer sent a fatal alert.
    #[error("peer sent fatal alert {0:?}")]
    AlertReceived(AlertDescription),

    // --- the peer is incompatible
    /// No cipher suite in common.
    #[error("no common cipher suite")]
    NoCommonCipherSuite,
    /// The peer does not accept our signature scheme (ecdsa_secp256r1_sha256).
    #[error("no common signature scheme")]
    NoCommonSignatureScheme,
    /// No key-exchange group in common.
    #[error("no common key-exchange group")]
    NoCommonGroup,
    /// The peer does not do DTLS 1.2.
    #[error("peer does not support DTLS 1.2")]
    UnsupportedVersion,
    /// The peer does not support the extended master secret (RFC 7627 §5.3).
    #[error("peer does not support extended_master_secret")]
    ExtendedMasterSecretRequired,
    /// The handshake did not complete within the configured retransmissions.
    #[error("handshake timed out")]
    HandshakeTimeout,

    // --- caller misuse or local failure
    /// The connection is not established yet (or already closed).
    #[error("connection not established")]
    NotConnected,
    /// The connection was closed.
    #[error("connection closed")]
    Closed,
    /// The 48-bit record sequence number would wrap (RFC 6347 §4.1); we never rekey.
    #[error("record sequence number exhausted")]
    SequenceNumberExhausted,
    /// Application data too large for one record within the MTU.
    #[error("application data of {len} bytes exceeds {max}")]
    TooLarge {
        /// Offered length.
        len: usize,
        /// Largest allowed.
        max: usize,
    },
    /// An SDP fingerprint does not parse.
    #[error("invalid fingerprint")]
    InvalidFingerprint,
    /// The exporter was asked for something it cannot give.
    #[error("keying material export: {0}")]
    Export(&'static str),
    /// A cryptographic operation failed locally (RNG, key generation).
    #[error("crypto: {0}")]
    Crypto(#[from] sansrtc_crypto::Error),
}

impl Error {
    /// The alert to send to the peer for this error, if any (RFC 5246 §7.2.2).
    pub fn alert(&self) -> Option<(AlertLevel, AlertDescription)> {
        let d = match self {
            Self::Decode(_) => AlertDescription::DecodeError,
            Self::UnexpectedMessage { .. } => AlertDescription::UnexpectedMessage,
            Self::FingerprintMismatch | Self::BadCertificate(_) => AlertDescription::BadCertificate,
            Self::BadSignature | Self::BadFinished => AlertDescription::DecryptError,
            Self::IllegalParameter(_) => AlertDescription::IllegalParameter,
            Self::NoCommonCipherSuite
            | Self::NoCommonGroup
            | Self::NoCommonSignatureScheme
            | Self::ExtendedMasterSecretRequired => AlertDescription::HandshakeFailure,
            Self::UnsupportedVersion => AlertDescription::ProtocolVersion,
            Self::Crypto(_) => AlertDescription::InternalError,
            Self::AlertReceived(_)
            | Self::HandshakeTimeout
            | Self::NotConnected
            | Self::Closed
            | Self::SequenceNumberExhausted
            | Self::TooLarge { .. }
            | Self::InvalidFingerprint
            | Self::Export(_) => return None,
        };
        Some((AlertLevel::Fatal, d))
    }
}
