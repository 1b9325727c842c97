//! What a [`Peer`](crate::Peer) is told up front.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sansrtc_crypto::CryptoProvider;
use sansrtc_dtls::Certificate;
pub use sansrtc_ice::TurnServer;

use crate::media::types::MediaConfig;

/// The DTLS role an answerer takes when the offer says `a=setup:actpass` (RFC 8842 §5.3; RFC
/// 9429 §5.3.1: the answerer SHOULD be `active`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AnswerSetup {
    /// `a=setup:active`: we are the DTLS client (the default, as browsers do).
    #[default]
    Active,
    /// `a=setup:passive`: we are the DTLS server.
    Passive,
}

/// Configuration of one [`Peer`](crate::Peer). `Config::default()` is a complete WebRTC profile
/// with no addresses: add host addresses here or with
/// [`Peer::add_local_candidate`](crate::Peer::add_local_candidate).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The local addresses the caller's sockets are bound to: each is a host candidate (RFC
    /// 8445 §5.1.1.1). The peer never opens sockets or enumerates interfaces.
    pub host_addresses: Vec<SocketAddr>,
    /// STUN servers for server-reflexive candidates.
    pub stun_servers: Vec<SocketAddr>,
    /// TURN servers for relayed candidates.
    pub turn_servers: Vec<TurnServer>,
    /// Use relayed candidates only (`RTCIceTransportPolicy` "relay").
    pub relay_only: bool,
    /// Our DTLS certificate. `None` generates a fresh ECDSA P-256 one in
    /// [`Peer::new`](crate::Peer::new) (about a millisecond of CPU); share one `Arc` between
    /// peers to skip that.
    pub certificate: Option<Arc<Certificate>>,
    /// Where DTLS and SRTP take their primitives from.
    pub crypto: CryptoProvider,
    /// Our role when answering an `actpass` offer.
    pub answer_setup: AnswerSetup,
    /// Largest UDP payload we send (DTLS records and SCTP packets are sized to it). Default
    /// 1200, which fits the IPv6 minimum MTU of 1280 with room for TURN framing.
    pub mtu: usize,
    /// Largest data-channel message we accept (`a=max-message-size`, RFC 8841 §6; default
    /// 256 KiB). A larger incoming message aborts the association.
    pub max_message_size: usize,
    /// SCTP receive buffer (the advertised window; bounds reassembly and undelivered messages).
    pub receive_buffer: usize,
    /// Bound on bytes queued by `send` on all channels and not yet on the wire.
    pub send_buffer: usize,
    /// Datagrams that arrive before they can be handled (DTLS before our DTLS role is known,
    /// i.e. before the remote description) are held up to this many; later ones are dropped
    /// and counted.
    pub max_early_datagrams: usize,
    /// Bound on events not yet taken by [`Peer::poll_event`](crate::Peer::poll_event), apart
    /// from data-channel events (which SCTP flow control bounds). Beyond it the oldest local
    /// candidate and pair events are dropped and counted.
    pub max_events: usize,
    /// Seed for non-secret randomness (SCTP verification tags and TSNs, the SDP session id).
    pub seed: u64,
    /// ICE Ta, the pacing of checks (RFC 8445 §14.2; default 50 ms).
    pub ice_ta: Duration,
    /// Controlling side: nominate the best valid pair at the latest this long after the first
    /// one appeared (default 1 s). Data flows on the first valid pair before that.
    pub ice_nomination_timeout: Duration,
    /// DTLS first retransmission timeout (RFC 6347 §4.2.4.1; default 1 s).
    pub dtls_initial_retransmit: Duration,
    /// Audio and video: formats for sections of remote offers, bandwidth estimate range,
    /// buffers.
    pub media: MediaConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host_addresses: Vec::new(),
            stun_servers: Vec::new(),
            turn_servers: Vec::new(),
            relay_only: false,
            certificate: None,
            crypto: sansrtc_crypto::default_provider(),
            answer_setup: AnswerSetup::Active,
            mtu: 1200,
            max_message_size: 256 * 1024,
            receive_buffer: 4 * 1024 * 1024,
            send_buffer: 16 * 1024 * 1024,
            max_early_datagrams: 32,
            max_events: 1024,
            seed: 0,
            ice_ta: Duration::from_millis(50),
            ice_nomination_timeout: Duration::from_secs(1),
            dtls_initial_retransmit: Duration::from_secs(1),
            media: MediaConfig::default(),
        }
    }
}

impl Config {
    /// The defaults with these host addresses and seed.
    pub fn new(host_addresses: impl IntoIterator<Item = SocketAddr>, seed: u64) -> Self {
        Self {
            host_addresses: host_addresses.into_iter().collect(),
            seed,
            ..Self::default()
        }
    }
}
