//! What the peer reports: events, the connection state and datagrams to send.

use std::net::SocketAddr;

use crate::Error;
use crate::channel::ChannelId;
use crate::media::types::{KeyframeRequestKind, MediaFrame, TransceiverId};

/// The connection state, as `RTCPeerConnection.connectionState` derives it from the ICE and
/// DTLS transports (W3C WebRTC §4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Nothing started: no remote description yet.
    New,
    /// ICE checks or the DTLS handshake are under way.
    Connecting,
    /// ICE has a working pair and DTLS is connected with the peer certificate verified.
    Connected,
    /// ICE lost consent responses for a while (RFC 7675); may recover.
    Disconnected,
    /// ICE or DTLS failed (see [`Event::Failed`]). Terminal.
    Failed,
    /// [`Peer::close`](crate::Peer::close) was called or the peer closed DTLS. Terminal.
    Closed,
}

impl ConnectionState {
    /// Failed or Closed.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Failed | Self::Closed)
    }
}

/// One datagram written by [`Peer::poll_transmit`](crate::Peer::poll_transmit) into the
/// caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transmit {
    /// The local address (one of the host addresses) to send from.
    pub source: SocketAddr,
    /// Where to send it.
    pub destination: SocketAddr,
    /// Its length (the buffer holds exactly this many bytes).
    pub len: usize,
}

/// A local ICE candidate to signal to the peer (trickle ICE, RFC 8838 §9): the
/// `RTCIceCandidate` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCandidate {
    /// The candidate (`to_candidate_attribute()` gives the `candidate:...` string).
    pub candidate: sansrtc_sdp::Candidate,
    /// `sdpMid`: the mid of the m= section carrying the transport.
    pub mid: String,
    /// `sdpMLineIndex`.
    pub mline_index: usize,
}

/// What happened, drained with [`Peer::poll_event`](crate::Peer::poll_event).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The connection state changed.
    ConnectionState(ConnectionState),
    /// The connection failed for this reason; [`ConnectionState::Failed`] follows.
    Failed(Error),
    /// A local candidate to trickle to the peer.
    LocalCandidate(LocalCandidate),
    /// Local gathering is complete: signal end-of-candidates (the `null` candidate). The local
    /// description now carries every candidate and `a=end-of-candidates`, for non-trickle
    /// signalling.
    GatheringComplete,
    /// A remote candidate has this mDNS `.local` name (browsers hide host addresses so).
    /// Resolve it and call [`Peer::mdns_resolved`](crate::Peer::mdns_resolved), or ignore it:
    /// the connection comes up through peer-reflexive candidates anyway.
    ResolveMdns(String),
    /// The ICE connection state changed, with `RTCIceConnectionState` semantics: `Connected`
    /// as soon as a usable (valid) candidate pair is found, which is when DTLS starts, even
    /// while the agent still checks other pairs and nominates one (`Completed` follows).
    IceState(sansrtc_ice::ConnectionState),
    /// ICE selected a candidate pair (first time, after a restart or a better nomination).
    SelectedPairChanged(sansrtc_ice::SelectedPair),
    /// DTLS is connected and the peer certificate matched its fingerprint. `srtp` is the
    /// negotiated SRTP profile (keys are installed) if use_srtp was negotiated.
    DtlsConnected {
        /// The negotiated DTLS-SRTP profile.
        srtp: Option<sansrtc_dtls::SrtpProfile>,
    },
    /// The SCTP association is established: data channels open.
    SctpConnected,
    /// The SCTP association ended (the peer's ABORT or SHUTDOWN, or retransmissions ran out);
    /// every channel got [`Event::ChannelClosed`] before. No data channels are possible on
    /// this connection any more.
    SctpClosed(sansrtc_sctp::CloseReason),
    /// A data channel is open: one we created, or one the peer opened (read its label and
    /// protocol with [`Peer::channel`](crate::Peer::channel)).
    ChannelOpen(ChannelId),
    /// A message arrived on a channel.
    ChannelMessage {
        /// The channel.
        id: ChannelId,
        /// WebRTC Binary (true) or String (false; UTF-8 as the peer sent it, not validated).
        binary: bool,
        /// The message, handed over without a copy.
        data: Vec<u8>,
    },
    /// The channel's buffered amount fell to or below its low threshold.
    BufferedAmountLow(ChannelId),
    /// The channel is closing (closed by us or by the peer).
    ChannelClosing(ChannelId),
    /// The channel is closed; its id is no longer valid.
    ChannelClosed(ChannelId),
    /// A transceiver receives media (RTCPeerConnection `track`): the negotiation made its
    /// direction include receiving. Frames follow as [`Event::Frame`].
    Track(TransceiverId),
    /// A complete frame arrived (after reordering and NACK repair); `discontinuity` says that
    /// frames before it were lost.
    Frame(MediaFrame),
    /// The peer asked for a key frame on a transceiver we send on (PLI or FIR): encode the next
    /// frame as one. Repeated requests before it is polled are reported once.
    KeyframeRequest {
        /// The transceiver.
        transceiver: TransceiverId,
        /// PLI or FIR.
        kind: KeyframeRequestKind,
    },
    /// The send-side bandwidth estimate changed (by 5 % or more since the last report), bits
    /// per second: the rate the encoders should aim at, over all transceivers.
    BandwidthEstimate(u64),
}
