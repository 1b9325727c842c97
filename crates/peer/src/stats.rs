//! Counters of one [`Peer`](crate::Peer).

use std::net::SocketAddr;
use std::time::Duration;

/// What [`Peer::stats`](crate::Peer::stats) reports. Per-channel counters are in
/// [`ChannelInfo::stats`](crate::ChannelInfo).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Datagrams offered to `handle_datagram`.
    pub datagrams_received: u64,
    /// Their bytes.
    pub bytes_received: u64,
    /// Datagrams returned by `poll_transmit`.
    pub datagrams_sent: u64,
    /// Their bytes.
    pub bytes_sent: u64,
    /// Datagrams dropped: unknown first byte (RFC 7983), no state to take them, STUN ICE did
    /// not accept, early datagrams beyond the bound.
    pub datagrams_dropped: u64,
    /// SCTP packets DTLS refused (connection closing).
    pub sctp_packets_dropped: u64,
    /// SRTP/SRTCP packets that authenticated.
    pub srtp_packets_received: u64,
    /// SRTP/SRTCP packets that did not authenticate or were replays.
    pub srtp_packets_rejected: u64,
    /// Candidates of the remote description ICE could not use (TCP, unresolved names, ...).
    pub remote_candidates_ignored: u64,
    /// Events dropped because the application did not poll them (`Config::max_events`).
    pub events_dropped: u64,
    /// Data channels open.
    pub channels_open: usize,
    /// The selected candidate pair: (local socket, remote address).
    pub selected_pair: Option<(SocketAddr, SocketAddr)>,
    /// Smoothed round-trip time measured by SCTP (RFC 9260 §6.3.1).
    pub rtt: Option<Duration>,
    /// ICE counters.
    pub ice: sansrtc_ice::AgentStats,
    /// DTLS counters.
    pub dtls: sansrtc_dtls::Stats,
    /// SCTP counters.
    pub sctp: sansrtc_sctp::Stats,
    /// The send-side bandwidth estimate (bits per second), once transport-cc feedback came.
    pub bandwidth_estimate: Option<u64>,
    /// Media round-trip time from RTCP report blocks (RFC 3550 §6.4.1), once we sent an SR.
    pub media_rtt: Option<Duration>,
    /// RTP packets that authenticated but belong to no transceiver (RFC 9143 §9.2), or came
    /// beyond `MediaConfig::max_receive_streams`.
    pub rtp_packets_unroutable: u64,
}
