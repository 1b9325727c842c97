//! Endpoint configuration.

use std::sync::Arc;
use std::time::Duration;

use sansrtc_crypto::CryptoProvider;
use sansrtc_crypto::kx::NamedGroup;
use sansrtc_crypto::sign::SignatureScheme;

use crate::cert::Certificate;
use crate::extension::SrtpProfile;
use crate::suite::CipherSuite;

/// Smallest MTU we honour: below it a handshake message header and a useful fragment no longer
/// fit (and IPv4 guarantees 576-byte datagrams anyway).
pub const MIN_MTU: usize = 256;

/// Which side of the handshake we play (RFC 5763 §5: the `a=setup` attribute decides;
/// `active` is the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sends the ClientHello (`a=setup:active`).
    Client,
    /// Answers it (`a=setup:passive`).
    Server,
}

/// Configuration, shareable by many endpoints (`Arc`). Build with [`Config::new`] and adjust
/// fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Where the primitives come from.
    pub provider: CryptoProvider,
    /// Our certificate and key.
    pub certificate: Arc<Certificate>,
    /// SRTP profiles to offer (client) or accept (server), most preferred first. Empty: no
    /// use_srtp extension (data-channel-only use).
    pub srtp_profiles: Vec<SrtpProfile>,
    /// Cipher suites, most preferred first.
    pub cipher_suites: Vec<CipherSuite>,
    /// ECDHE groups, most preferred first.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes we accept from the peer (our `signature_algorithms` and
    /// CertificateRequest list), most preferred first.
    pub verify_schemes: Vec<SignatureScheme>,
    /// Largest datagram we send (RFC 6347 §4.1.1.1 PMTU). Default 1200, at least [`MIN_MTU`].
    pub mtu: usize,
    /// First retransmission timeout (§4.2.4.1 recommends 1 s).
    pub initial_retransmit: Duration,
    /// Cap of the exponential back-off (§4.2.4.1: 60 s).
    pub max_retransmit: Duration,
    /// Retransmissions of one flight before the handshake fails with
    /// [`crate::Error::HandshakeTimeout`].
    pub max_retransmissions: u32,
    /// Server: demand a HelloVerifyRequest cookie round trip (§4.2.1) before keeping any state.
    /// Off by default, as in Chromium: in WebRTC, ICE connectivity checks already prove the
    /// client's address.
    pub cookie_exchange: bool,
    /// Longest handshake message we reassemble (bounds the reassembly buffer, §4.2.3).
    pub max_handshake_message_len: usize,
    /// Bytes of received application data held until the application polls them; records
    /// beyond are dropped and counted.
    pub max_received_application_data: usize,
}

impl Config {
    /// WebRTC defaults with the default crypto provider: every suite (AES-128-GCM first),
    /// X25519 then P-256, every SRTP profile (AEAD first), MTU 1200, no cookie exchange.
    pub fn new(certificate: Arc<Certificate>) -> Self {
        Self::with_provider(sansrtc_crypto::default_provider(), certificate)
    }

    /// [`Config::new`] with a chosen crypto provider.
    pub fn with_provider(provider: CryptoProvider, certificate: Arc<Certificate>) -> Self {
        Self {
            provider,
            certificate,
            srtp_profiles: SrtpProfile::ALL.to_vec(),
            cipher_suites: CipherSuite::ALL.to_vec(),
            groups: vec![NamedGroup::X25519, NamedGroup::Secp256r1],
            verify_schemes: SignatureScheme::ALL.to_vec(),
            mtu: 1200,
            initial_retransmit: Duration::from_secs(1),
            max_retransmit: Duration::from_secs(60),
            max_retransmissions: 10,
            cookie_exchange: false,
            max_handshake_message_len: 32 * 1024,
            max_received_application_data: 1 << 20,
        }
    }
}
