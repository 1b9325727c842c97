//! Association configuration with WebRTC defaults.

use std::time::Duration;

/// Association configuration. [`Config::default`] gives the WebRTC profile (RFC 8831 §6.2,
/// RFC 8841): ports 5000, 65535 streams each way, 256 KiB messages, a 1200-byte path MTU.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Local SCTP port (RFC 8841 a=sctp-port; default 5000).
    pub local_port: u16,
    /// Remote SCTP port (default 5000).
    pub remote_port: u16,
    /// Fixed path MTU: the largest SCTP packet produced (default 1200, which with DTLS and
    /// UDP/IPv6 overhead fits the 1280-byte IPv6 minimum MTU).
    pub mtu: usize,
    /// Largest message accepted for sending and for receiving (RFC 8841 a=max-message-size;
    /// default 256 KiB). Larger sends fail with [`Error::MessageTooLarge`](crate::Error); a
    /// larger incoming message aborts the association.
    pub max_message_size: usize,
    /// Receive buffer in bytes: the advertised receiver window (a_rwnd) and the bound on
    /// reassembly memory plus delivered-but-not-polled messages (default 4 MiB).
    pub receive_buffer: usize,
    /// Bound on bytes queued by `send` and not yet handed to the wire (default 16 MiB).
    pub send_buffer: usize,
    /// Streams requested in each direction (default 65535, RFC 8831 §6.2).
    pub streams: u16,
    /// RTO.Initial (RFC 9260 §16; default 1 s).
    pub rto_initial: Duration,
    /// RTO.Min (default 200 ms: WebRTC stacks run below the RFC's 1 s).
    pub rto_min: Duration,
    /// RTO.Max (default 60 s).
    pub rto_max: Duration,
    /// Association.Max.Retrans: consecutive unanswered retransmissions and heartbeats before
    /// the association is aborted (default 10).
    pub max_retransmits: u32,
    /// Max.Init.Retransmits (default 8).
    pub max_init_retransmits: u32,
    /// HB.interval (default 30 s); `None` disables heartbeats.
    pub heartbeat_interval: Option<Duration>,
    /// Delayed SACK timeout (RFC 9260 §6.2; default 200 ms).
    pub delayed_ack: Duration,
    /// Valid.Cookie.Life (default 60 s).
    pub cookie_lifetime: Duration,
    /// Most out-of-order TSNs tracked above the cumulative TSN (default 16384); DATA beyond is
    /// dropped unacknowledged.
    pub max_tracked_tsns: usize,
    /// Offer I-DATA message interleaving (RFC 8260; default true). Used when both sides offer it.
    pub interleaving: bool,
    /// Offer partial reliability (RFC 3758; default true).
    pub partial_reliability: bool,
    /// Seed for non-secret randomness (verification tags, initial TSNs, heartbeat nonces).
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            local_port: 5000,
            remote_port: 5000,
            mtu: 1200,
            max_message_size: 256 * 1024,
            receive_buffer: 4 * 1024 * 1024,
            send_buffer: 16 * 1024 * 1024,
            streams: 65535,
            rto_initial: Duration::from_secs(1),
            rto_min: Duration::from_millis(200),
            rto_max: Duration::from_secs(60),
            max_retransmits: 10,
            max_init_retransmits: 8,
            heartbeat_interval: Some(Duration::from_secs(30)),
            delayed_ack: Duration::from_millis(200),
            cookie_lifetime: Duration::from_secs(60),
            max_tracked_tsns: 16384,
            interleaving: true,
            partial_reliability: true,
            seed: 0,
        }
    }
}

impl Config {
    /// WebRTC defaults with the given seed.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// The configuration with out-of-range values brought into range: an MTU of at least 256
    /// bytes, at least one stream, a receive buffer of at least 16 MTUs.
    pub(crate) fn sanitized(mut self) -> Self {
        self.mtu = self.mtu.clamp(256, 65535);
        self.streams = self.streams.max(1);
        self.receive_buffer = self.receive_buffer.clamp(16 * self.mtu, u32::MAX as usize);
        self.max_tracked_tsns = self.max_tracked_tsns.clamp(16, 1 << 20);
        self.max_message_size = self.max_message_size.max(1);
        self.rto_min = self.rto_min.max(Duration::from_millis(1));
        self.rto_max = self.rto_max.max(self.rto_min);
        self.rto_initial = self.rto_initial.clamp(self.rto_min, self.rto_max);
        self
    }
}
