//! One incoming media source: reception statistics (RFC 3550 A.1-A.8), the jitter buffer that
//! rebuilds frames, NACK generation (RFC 4585 §6.2.1) and key frame requests (PLI, §6.3.1).

use std::time::{Duration, Instant};

use sansrtc_rtp::RtpPacket;
use sansrtc_rtp::jitter::{Frame, JitterBuffer, JitterConfig, JitterEvent};
use sansrtc_rtp::nack::{NackConfig, NackGenerator};
use sansrtc_rtp::payload::{AnyDepacketizer, Codec};
use sansrtc_rtp::rtcp::{NackPair, ReportBlock, SenderInfo};
use sansrtc_rtp::stats::ReceiverStats;

use super::types::{InboundStats, MediaKind, NegotiatedCodec};

/// Where packets of one SSRC go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// A media source: index into the receive streams.
    Media(usize),
    /// An RTX source of this transceiver (index into transceivers).
    Rtx { transceiver: usize },
}

/// NACK entries per RTCP packet.
const MAX_NACK_PAIRS: usize = 64;

pub(crate) struct RecvStream {
    pub ssrc: u32,
    pub transceiver: usize,
    pub rid: Option<String>,
    pub codec: Codec,
    pub payload_type: u8,
    kind: MediaKind,
    jitter_config: JitterConfig,
    jitter: JitterBuffer<AnyDepacketizer>,
    stats: ReceiverStats,
    nack: Option<NackGenerator>,
    /// Waiting for a key frame since; the last PLI went out at the second instant.
    awaiting_keyframe: Option<Instant>,
    pli_due: bool,
    pub counters: InboundStats,
    remote_sr: Option<SenderInfo>,
}

impl RecvStream {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        now: Instant,
        ssrc: u32,
        transceiver: usize,
        rid: Option<String>,
        codec: &NegotiatedCodec,
        jitter: JitterConfig,
        nack: Option<NackConfig>,
        kind: MediaKind,
    ) -> Self {
        Self {
            ssrc,
            transceiver,
            rid: rid.clone(),
            codec: codec.codec,
            payload_type: codec.payload_type,
            kind,
            jitter_config: jitter,
            jitter: JitterBuffer::new(AnyDepacketizer::new(codec.codec), jitter),
            stats: ReceiverStats::new(ssrc, codec.clock_rate),
            nack: nack.map(NackGenerator::new),
            // A video receiver needs a key frame first; ask if none comes soon.
            awaiting_keyframe: (kind == MediaKind::Video).then_some(now),
            pli_due: false,
            counters: InboundStats {
                ssrc,
                rid,
                ..InboundStats::default()
            },
            remote_sr: None,
        }
    }

    pub fn set_rtt(&mut self, rtt: Duration) {
        if let Some(n) = self.nack.as_mut() {
            n.set_rtt(rtt);
        }
    }

    /// The RTP packet filling `buf` (which is swapped for a spare buffer when the jitter buffer
    /// keeps the packet: no copy of the payload).
    pub fn handle_packet(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
        payload_type: u8,
        codec: Codec,
        repaired: bool,
    ) {
        let Ok(packet) = RtpPacket::new_checked(&buf[..]) else {
            return;
        };
        if payload_type != self.payload_type {
            self.payload_type = payload_type;
            if codec != self.codec {
                // Another format on the same source: start a new jitter buffer for it.
                self.codec = codec;
                self.jitter = JitterBuffer::new(AnyDepacketizer::new(codec), self.jitter_config);
            }
        }
        self.stats
            .handle_packet(now, packet.sequence_number(), packet.timestamp());
        if let Some(n) = self.nack.as_mut() {
            n.handle_packet(now, packet.sequence_number());
        }
        self.counters.packets_received += 1;
        self.counters.bytes_received += packet.payload().len() as u64;
        self.counters.header_bytes_received += packet.header_len() as u64;
        if repaired {
            self.counters.retransmitted_packets_received += 1;
        }
        // A payload the depacketizer refuses is counted by the jitter buffer.
        let _ = self.jitter.handle_packet_buffer(now, buf);
        self.take_jitter_events(now);
    }

    fn take_jitter_events(&mut self, now: Instant) {
        while let Some(e) = self.jitter.poll_event() {
            if e == JitterEvent::KeyframeRequired && self.awaiting_keyframe.is_none() {
                self.awaiting_keyframe = Some(now);
                self.pli_due = true;
            }
        }
        if self
            .nack
            .as_mut()
            .is_some_and(NackGenerator::take_keyframe_request)
            && self.awaiting_keyframe.is_none()
        {
            self.awaiting_keyframe = Some(now);
            self.pli_due = true;
        }
    }

    /// NACK entries due now, into `pairs`.
    pub fn poll_nack(&mut self, now: Instant, pairs: &mut Vec<NackPair>) -> bool {
        let Some(n) = self.nack.as_mut() else {
            return false;
        };
        let before = n.counters().0;
        let any = n.poll_nack(now, pairs, MAX_NACK_PAIRS);
        self.counters.nacks_sent += n.counters().0 - before;
        any
    }

    /// Whether a PLI is due: just asked for by the jitter buffer, or repeated every `interval`
    /// while no key frame came.
    pub fn poll_pli(&mut self, now: Instant, interval: Duration) -> bool {
        let due = std::mem::take(&mut self.pli_due)
            || self
                .awaiting_keyframe
                .is_some_and(|since| now.saturating_duration_since(since) >= interval);
        if due {
            self.awaiting_keyframe = Some(now);
            self.counters.plis_sent += 1;
        }
        due
    }

    pub fn poll_timeout(&self, pli_interval: Duration) -> Option<Instant> {
        [
            self.jitter.poll_timeout(),
            self.nack.as_ref().and_then(NackGenerator::poll_timeout),
            self.awaiting_keyframe.map(|t| t + pli_interval),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if self.jitter.poll_timeout().is_some_and(|t| t <= now) {
            self.jitter.handle_timeout(now);
        }
        self.take_jitter_events(now);
    }

    pub fn poll_frame(&mut self, out: &mut Vec<u8>) -> Option<Frame> {
        let f = self.jitter.poll_frame(out)?;
        self.counters.frames_received += 1;
        if f.keyframe {
            self.counters.keyframes_received += 1;
            if self.kind == MediaKind::Video {
                self.awaiting_keyframe = None;
            }
        }
        Some(f)
    }

    pub fn handle_sender_report(&mut self, now: Instant, info: &SenderInfo) {
        self.stats.handle_sender_report(now, info);
        self.remote_sr = Some(*info);
    }

    pub fn report_block(&mut self, now: Instant) -> Option<ReportBlock> {
        self.stats.report_block(now)
    }

    pub fn stats(&self) -> InboundStats {
        let mut s = self.counters.clone();
        s.packets_lost = self.stats.cumulative_lost();
        s.jitter = self.stats.jitter_duration();
        let j = self.jitter.stats();
        s.packets_discarded = j.dropped + j.late + j.duplicates;
        if let Some(sr) = self.remote_sr {
            s.remote_packets_sent = sr.packet_count;
            s.remote_bytes_sent = sr.octet_count;
        }
        s
    }
}
