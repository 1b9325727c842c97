//! The public face of media: transceivers, their configuration, frames in and out, keyframe
//! requests and statistics.

use std::time::{Duration, Instant};

use sansrtc_rtp::jitter::JitterConfig;
use sansrtc_rtp::nack::NackConfig;
use sansrtc_rtp::payload::Codec;
use sansrtc_sdp::Direction;

use super::codec::{CodecSpec, Feedback};

/// Audio or video (the m= line's media type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// `m=audio`.
    Audio,
    /// `m=video`.
    Video,
}

impl MediaKind {
    /// `"audio"` or `"video"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
        }
    }
}

/// A transceiver of a [`Peer`](crate::Peer): one m= section carrying one track each way
/// (RTCRtpTransceiver). Stable for the life of the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransceiverId(pub(crate) u32);

impl TransceiverId {
    /// The number behind the handle (creation order).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// What a transceiver added with [`Peer::add_transceiver`](crate::Peer::add_transceiver)
/// offers, or answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransceiverConfig {
    /// Audio or video.
    pub kind: MediaKind,
    /// What we want: send, receive, both or neither (the negotiated direction is this
    /// intersected with the reverse of the peer's).
    pub direction: Direction,
    /// The formats, in preference order (the first one the peer also has is sent).
    pub codecs: Vec<CodecSpec>,
    /// The `a=msid` stream id (`-` for none, RFC 8830 §2).
    pub stream_id: String,
    /// The `a=msid` track id; empty means a generated one.
    pub track_id: String,
}

impl TransceiverConfig {
    /// A `sendrecv` transceiver of `kind` with the default formats
    /// ([`CodecSpec::default_audio`] or [`CodecSpec::default_video`]).
    pub fn new(kind: MediaKind) -> Self {
        Self {
            kind,
            direction: Direction::SendRecv,
            codecs: match kind {
                MediaKind::Audio => CodecSpec::default_audio(),
                MediaKind::Video => CodecSpec::default_video(),
            },
            stream_id: "-".to_owned(),
            track_id: String::new(),
        }
    }

    /// The same with another direction.
    pub fn with_direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }

    /// The same with only these formats.
    pub fn with_codecs(mut self, codecs: impl IntoIterator<Item = CodecSpec>) -> Self {
        self.codecs = codecs.into_iter().collect();
        self
    }
}

/// Media settings of a [`Config`](crate::Config).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaConfig {
    /// Formats for audio sections of a remote offer that no transceiver of ours was added for.
    /// Empty rejects such sections.
    pub audio_codecs: Vec<CodecSpec>,
    /// Formats for such video sections. Empty rejects them.
    pub video_codecs: Vec<CodecSpec>,
    /// Direction we want on transceivers created from a remote offer (default `sendrecv`:
    /// the answer to a `recvonly` offer is `sendonly`, to `sendrecv` is `sendrecv`).
    pub answer_direction: Direction,
    /// Bandwidth estimate before any feedback, bits per second (default 1 Mbit/s).
    pub start_bitrate: u64,
    /// Floor of the estimate (default 30 kbit/s).
    pub min_bitrate: u64,
    /// Ceiling of the estimate, and the pacing rate when no estimate is possible (no
    /// transport-cc negotiated; default 10 Mbit/s).
    pub max_bitrate: u64,
    /// Bytes of media queued in the pacer, over all transceivers; a frame that does not fit
    /// is refused with [`Error::MediaQueueFull`](crate::Error::MediaQueueFull).
    /// Default 1 MiB.
    pub max_send_queue: usize,
    /// Remote media sources (SSRCs, RTX included) we keep state for (default 32); packets of
    /// further sources are dropped and counted.
    pub max_receive_streams: usize,
    /// Jitter buffer of each video source (default [`JitterConfig::video`] with 500 ms of
    /// waiting for a missing packet: room for three NACK rounds at 100 ms RTT before a key
    /// frame is asked for).
    pub video_jitter: JitterConfig,
    /// Jitter buffer of each audio source.
    pub audio_jitter: JitterConfig,
    /// NACK generation of each video source (when `nack` is negotiated). Default
    /// [`NackConfig::default`] with 10 ms of patience before the first NACK of a gap, so
    /// packets a few milliseconds out of order are not asked for again.
    pub nack: NackConfig,
    /// Packets kept per sending transceiver to answer NACKs (default 1024).
    pub retransmission_capacity: usize,
    /// Mean interval of regular RTCP reports (RFC 3550 §6.2; randomized over 0.5..1.5 of it;
    /// default 1 s, the AVPF minimum browsers use).
    pub rtcp_interval: Duration,
    /// Interval of transport-wide congestion control feedback while packets arrive (default
    /// 100 ms).
    pub transport_cc_interval: Duration,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            audio_codecs: CodecSpec::default_audio(),
            video_codecs: CodecSpec::default_video(),
            answer_direction: Direction::SendRecv,
            start_bitrate: 1_000_000,
            min_bitrate: 30_000,
            max_bitrate: 10_000_000,
            max_send_queue: 1 << 20,
            max_receive_streams: 32,
            video_jitter: JitterConfig {
                max_wait: Duration::from_millis(500),
                ..JitterConfig::video()
            },
            audio_jitter: JitterConfig::audio(),
            nack: NackConfig {
                initial_delay: Duration::from_millis(10),
                ..NackConfig::default()
            },
            retransmission_capacity: 1024,
            rtcp_interval: Duration::from_secs(1),
            transport_cc_interval: Duration::from_millis(100),
        }
    }
}

/// A negotiated payload format of a transceiver: what is sent with which payload type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NegotiatedCodec {
    /// The format.
    pub codec: Codec,
    /// Its payload type in both directions.
    pub payload_type: u8,
    /// RTP clock rate.
    pub clock_rate: u32,
    /// `rtpmap` channels.
    pub channels: Option<u16>,
    /// The `a=fmtp` parameters of our description.
    pub parameters: String,
    /// The RTX payload type (`apt` = this one), when RTX is negotiated.
    pub rtx_payload_type: Option<u8>,
    /// The RTCP feedback both sides use.
    pub feedback: Feedback,
}

/// Why a keyframe was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyframeRequestKind {
    /// Picture loss indication (RFC 4585 §6.3.1).
    Pli,
    /// Full intra request (RFC 5104 §4.3.1).
    Fir,
}

/// A complete frame received on a transceiver, delivered by
/// [`Event::Frame`](crate::Event::Frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFrame {
    /// The transceiver it arrived on.
    pub transceiver: TransceiverId,
    /// The media source (SSRC) that sent it.
    pub ssrc: u32,
    /// The `rid` (RFC 8851) of the source, if it carried one.
    pub rid: Option<String>,
    /// The format (from the payload type).
    pub codec: Codec,
    /// The payload type.
    pub payload_type: u8,
    /// The RTP timestamp (clock rate of the format).
    pub timestamp: u32,
    /// A key frame: decodable without earlier frames (every audio frame is).
    pub keyframe: bool,
    /// Frames before this one were lost (given up after NACKs, or dropped): a video decoder
    /// should restart from a key frame.
    pub discontinuity: bool,
    /// Number of RTP packets the frame came in.
    pub packets: usize,
    /// When its last packet arrived.
    pub arrival: Instant,
    /// The codec bitstream: VP8/VP9 frames, Opus/G.711 packets as they are, H.264 in Annex B
    /// form, AV1 temporal units of OBUs with sizes.
    pub data: Vec<u8>,
}

/// Counters of what one transceiver sends (RTCOutboundRtpStreamStats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboundStats {
    /// The media SSRC.
    pub ssrc: u32,
    /// The RTX SSRC, when RTX is negotiated.
    pub rtx_ssrc: Option<u32>,
    /// Frames written.
    pub frames_sent: u64,
    /// Of those, key frames (as the payload format tells).
    pub keyframes_sent: u64,
    /// Original RTP packets sent.
    pub packets_sent: u64,
    /// Their payload bytes.
    pub bytes_sent: u64,
    /// Their header bytes (RTP header with extensions).
    pub header_bytes_sent: u64,
    /// Packets retransmitted (RTX or resent), after NACKs.
    pub retransmitted_packets_sent: u64,
    /// Their bytes on the wire.
    pub retransmitted_bytes_sent: u64,
    /// NACK packets received.
    pub nacks_received: u64,
    /// PLI packets received.
    pub plis_received: u64,
    /// FIR packets received.
    pub firs_received: u64,
    /// Original packets the test hook dropped instead of sending
    /// ([`Peer::set_media_loss_for_testing`](crate::Peer::set_media_loss_for_testing)).
    pub packets_dropped_for_testing: u64,
    /// Round-trip time from the peer's last report block about us (RFC 3550 §6.4.1).
    pub rtt: Option<Duration>,
    /// Packets lost as the peer reports them (cumulative).
    pub remote_packets_lost: i64,
    /// Fraction lost in the peer's last report, in 1/256.
    pub remote_fraction_lost: u8,
    /// Jitter the peer reports, as time.
    pub remote_jitter: Duration,
}

/// Counters of one remote source received on a transceiver (RTCInboundRtpStreamStats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InboundStats {
    /// The source.
    pub ssrc: u32,
    /// Its `rid`, if it carries one.
    pub rid: Option<String>,
    /// RTP packets received (original and recovered).
    pub packets_received: u64,
    /// Their payload bytes.
    pub bytes_received: u64,
    /// Their header bytes.
    pub header_bytes_received: u64,
    /// Packets lost (RFC 3550 A.3, cumulative: expected minus received).
    pub packets_lost: i64,
    /// Interarrival jitter (RFC 3550 A.8).
    pub jitter: Duration,
    /// Frames delivered.
    pub frames_received: u64,
    /// Of those, key frames.
    pub keyframes_received: u64,
    /// Packets the jitter buffer discarded (frames that could not complete, late, duplicate).
    pub packets_discarded: u64,
    /// Packets that arrived in RTX packets (RFC 4588).
    pub retransmitted_packets_received: u64,
    /// NACK entries asked for.
    pub nacks_sent: u64,
    /// PLI packets sent.
    pub plis_sent: u64,
    /// Packets the test hook dropped on arrival.
    pub packets_dropped_for_testing: u64,
    /// The peer's last sender report: its packet and octet counts.
    pub remote_packets_sent: u32,
    /// Octets it says it sent.
    pub remote_bytes_sent: u32,
}

/// Statistics of one transceiver ([`Peer::transceiver_stats`](crate::Peer::transceiver_stats)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransceiverStats {
    /// What we send, if we do.
    pub outbound: Option<OutboundStats>,
    /// One entry per remote source received.
    pub inbound: Vec<InboundStats>,
}

/// What we know about a transceiver ([`Peer::transceiver`](crate::Peer::transceiver)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransceiverInfo {
    /// The handle.
    pub id: TransceiverId,
    /// Audio or video.
    pub kind: MediaKind,
    /// The `a=mid` of its m= section, once it has one.
    pub mid: Option<String>,
    /// The direction we asked for.
    pub direction: Direction,
    /// The negotiated direction (ours: `sendonly` means we send), once negotiated; `None`
    /// before, or when the section was rejected.
    pub current_direction: Option<Direction>,
    /// The negotiated formats, the one we send first.
    pub codecs: Vec<NegotiatedCodec>,
    /// The peer's `a=msid` (stream id, track id), if it sent one.
    pub remote_msid: Option<(String, Option<String>)>,
    /// Our media SSRC.
    pub ssrc: u32,
}

/// Drops media packets on purpose, to test repair
/// ([`Peer::set_media_loss_for_testing`](crate::Peer::set_media_loss_for_testing)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TestLoss {
    /// Drop every n-th original media packet we would send (they stay in the retransmission
    /// history, so NACKs repair them). `None` or 0: drop nothing.
    pub outgoing_every: Option<u32>,
    /// Drop every n-th arriving media packet before SRTP (RTX packets excepted, so the repair
    /// gets through).
    pub incoming_every: Option<u32>,
}
