//! One outgoing media stream: the packetizer of its format, sequence numbers and timestamps,
//! the retransmission history that answers NACKs (RFC 4585 §6.2.1, RFC 4588), and what a
//! sender report says about it (RFC 3550 §6.4.1).

use std::time::{Duration, Instant};

use sansrtc_rtp::payload::{AnyDepacketizer, AnyPacketizer, Depacketizer, Packetizer, Payloads};
use sansrtc_rtp::rtcp::{ReportBlock, SenderInfo};
use sansrtc_rtp::rtx::{RetransmissionBuffer, RetransmissionConfig, Rtx};
use sansrtc_rtp::{Extension, ExtensionKind, ExtensionMap, RtpHeader};

use super::types::{NegotiatedCodec, OutboundStats};
use crate::Error;

/// Most RTP packets one frame may become (a 1.2 MB frame at 1200-byte packets).
const MAX_PACKETS_PER_FRAME: usize = 1024;

/// Headers up to this long are written once per frame and copied into each packet (with the
/// marker, sequence number and timestamp patched); longer ones are written per packet.
const HEADER_TEMPLATE: usize = 64;

/// Where the pacer stamps a queued packet: the header length and the offsets of the
/// abs-send-time and transport-wide sequence number values (0: not in the packet), found once
/// per frame from the header the packetizer wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stamps {
    pub header_len: u16,
    pub abs_send_time: u16,
    pub transport_sequence: u16,
}

impl Stamps {
    /// The slots of `ext`'s abs-send-time and transport-wide sequence number in `header`.
    fn find(header: &[u8], ext: &ExtensionMap) -> Self {
        let Ok(p) = sansrtc_rtp::RtpPacket::new_checked(header) else {
            return Self::default();
        };
        let at = |kind, len| {
            ext.id_of(kind)
                .and_then(|id| p.extension_range(id))
                .filter(|r| r.len() >= len)
                .and_then(|r| u16::try_from(r.start).ok())
                .unwrap_or(0)
        };
        Self {
            header_len: u16::try_from(p.header_len()).unwrap_or(0),
            abs_send_time: at(ExtensionKind::AbsSendTime, 3),
            transport_sequence: at(ExtensionKind::TransportSequenceNumber, 2),
        }
    }
}

pub(crate) struct SendStream {
    pub ssrc: u32,
    pub codec: NegotiatedCodec,
    /// (RTX SSRC, original PT, RTX PT) when RTX is negotiated.
    pub rtx: Option<(u32, u8, u8)>,
    packetizer: AnyPacketizer,
    depacketizer: AnyDepacketizer,
    seq: u16,
    timestamp_offset: u32,
    /// The last frame's RTP timestamp and when it was written (SR extrapolation).
    last_frame: Option<(u32, Instant)>,
    /// The next audio packet starts a talkspurt (marker bit, RFC 3551 §4.1).
    talkspurt: bool,
    pub history: RetransmissionBuffer,
    packet_count: u32,
    octet_count: u32,
    pub last_fir: Option<u8>,
    pub stats: OutboundStats,
    /// The buffer the packetizer took for a packet after the frame's last one (it only learns
    /// that the frame is done by trying): kept for the next frame instead of freed.
    spare: Option<Vec<u8>>,
}

impl SendStream {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        ssrc: u32,
        codec: NegotiatedCodec,
        rtx: Option<(u32, u8, u8)>,
        seq: u16,
        timestamp_offset: u32,
        picture_id: u16,
        rtx_sequence: u16,
        capacity: usize,
    ) -> Self {
        let history = RetransmissionBuffer::new(RetransmissionConfig {
            capacity,
            max_age: Duration::from_secs(1),
            rtx: rtx.map(|(ssrc, pt, rtx_pt)| Rtx {
                ssrc,
                payload_types: vec![(pt, rtx_pt)],
            }),
            rtx_initial_sequence: rtx_sequence,
        });
        Self {
            ssrc,
            packetizer: AnyPacketizer::new(codec.codec, picture_id),
            depacketizer: AnyDepacketizer::new(codec.codec),
            codec,
            rtx,
            seq,
            timestamp_offset,
            last_frame: None,
            talkspurt: true,
            history,
            packet_count: 0,
            octet_count: 0,
            last_fir: None,
            stats: OutboundStats::default(),
            spare: None,
        }
    }

    /// Splits `frame` into RTP packets of at most `max_len` bytes (before SRTP) in buffers from
    /// `buffer`, handed to `emit`, with zeroed abs-send-time and transport-wide slots for the
    /// pacer to stamp.
    #[allow(clippy::too_many_arguments)]
    pub fn packetize(
        &mut self,
        now: Instant,
        timestamp: u32,
        frame: &[u8],
        ext: &ExtensionMap,
        mid: &[u8],
        max_len: usize,
        mut buffer: impl FnMut() -> Vec<u8>,
        mut emit: impl FnMut(Vec<u8>, Stamps),
    ) -> Result<(), Error> {
        let zero = [0u8; 3];
        let mut elements: [Extension<'_>; 3] = [Extension { id: 0, data: &[] }; 3];
        let mut n = 0;
        for (kind, data) in [
            (ExtensionKind::Mid, mid),
            (ExtensionKind::AbsSendTime, &zero[..]),
            (ExtensionKind::TransportSequenceNumber, &zero[..2]),
        ] {
            if let (Some(id), Some(slot)) = (ext.id_of(kind), elements.get_mut(n))
                && !data.is_empty()
            {
                *slot = Extension { id, data };
                n += 1;
            }
        }
        let timestamp = timestamp.wrapping_add(self.timestamp_offset);
        let mut header = RtpHeader {
            payload_type: self.codec.payload_type,
            sequence_number: self.seq,
            timestamp,
            ssrc: self.ssrc,
            extensions: elements.get(..n).unwrap_or_default(),
            ..RtpHeader::default()
        };
        let header_len = header.len();
        let max_payload = max_len
            .checked_sub(header_len)
            .filter(|&m| m > 0)
            .ok_or(Error::Rtp(sansrtc_rtp::Error::BufferTooSmall))?;
        if frame.len() / max_payload >= MAX_PACKETS_PER_FRAME {
            return Err(Error::MediaQueueFull);
        }
        let mut payloads = self.packetizer.packetize(frame, max_payload)?;
        let mut count = 0;
        let mut keyframe = false;
        let audio = self.codec.codec.is_audio();
        // The header is the same in every packet of the frame but for the marker bit, the
        // sequence number and the timestamp: written once, then copied and patched.
        let mut template = [0u8; HEADER_TEMPLATE];
        let use_template = header_len <= HEADER_TEMPLATE;
        let mut stamps = Stamps::default();
        loop {
            // Pool buffers keep their old bytes: the header and payload writes overwrite what
            // is used, so only a buffer shorter than a packet is extended (and zeroed).
            let mut buf = self.spare.take().unwrap_or_else(&mut buffer);
            buf.resize(header_len + max_payload, 0);
            let Some(p) = buf
                .get_mut(header_len..)
                .map(|b| payloads.next_into(b))
                .transpose()?
                .flatten()
            else {
                self.spare = Some(buf);
                break;
            };
            if count == 0 {
                keyframe = buf
                    .get(header_len..header_len + p.len)
                    .and_then(|pl| self.depacketizer.parse(pl, p.marker).ok())
                    .is_some_and(|i| i.keyframe);
            }
            header.marker = if audio {
                std::mem::take(&mut self.talkspurt)
            } else {
                p.marker
            };
            header.timestamp = timestamp.wrapping_add(p.timestamp_offset);
            match (count, use_template, buf.get_mut(..header_len)) {
                (0, _, _) | (_, false, _) | (_, _, None) => {
                    header.write(&mut buf)?;
                    if count == 0 {
                        let written = buf.get(..header_len).unwrap_or_default();
                        stamps = Stamps::find(written, ext);
                        if let Some(t) = template.get_mut(..header_len) {
                            t.copy_from_slice(written);
                        }
                    }
                }
                (_, true, Some(dst)) => {
                    if let Some(t) = template.get(..header_len) {
                        dst.copy_from_slice(t);
                    }
                    patch_header(dst, &header);
                }
            }
            buf.truncate(header_len + p.len);
            header.sequence_number = header.sequence_number.wrapping_add(1);
            emit(buf, stamps);
            count += 1;
            if count >= MAX_PACKETS_PER_FRAME {
                break;
            }
        }
        self.seq = header.sequence_number;
        self.last_frame = Some((timestamp, now));
        self.stats.frames_sent += 1;
        if keyframe && !audio {
            self.stats.keyframes_sent += 1;
        }
        Ok(())
    }

    /// Counts an original packet on its way out.
    #[inline]
    pub fn count_sent(&mut self, header_len: usize, payload: usize) {
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += payload as u64;
        self.stats.header_bytes_sent += header_len as u64;
        self.packet_count = self.packet_count.wrapping_add(1);
        self.octet_count = self.octet_count.wrapping_add(payload as u32);
    }

    /// The sender information of an SR at `now` (RFC 3550 §6.4.1): the RTP timestamp is
    /// the last frame's, moved on by the time since it was written.
    pub fn sender_info(&self, now: Instant, ntp: u64) -> SenderInfo {
        let rtp_time = self.last_frame.map_or(self.timestamp_offset, |(ts, at)| {
            let elapsed = now.saturating_duration_since(at);
            let ticks = elapsed.as_nanos() * u128::from(self.codec.clock_rate) / 1_000_000_000;
            ts.wrapping_add(ticks as u32)
        });
        SenderInfo {
            ntp_time: ntp,
            rtp_time,
            packet_count: self.packet_count,
            octet_count: self.octet_count,
        }
    }

    /// A report block about this stream from the peer.
    pub fn handle_report_block(&mut self, block: &ReportBlock, rtt: Option<Duration>) {
        if let Some(rtt) = rtt {
            self.stats.rtt = Some(rtt);
        }
        self.stats.remote_packets_lost = i64::from(block.cumulative_lost);
        self.stats.remote_fraction_lost = block.fraction_lost;
        self.stats.remote_jitter = Duration::from_nanos(
            u64::from(block.jitter) * 1_000_000_000 / u64::from(self.codec.clock_rate.max(1)),
        );
    }
}

/// Writes the per-packet fields of `header` (M bit with the payload type, sequence number,
/// timestamp: RFC 3550 §5.1) over a copy of the frame's header in `dst`.
#[inline]
fn patch_header(dst: &mut [u8], header: &RtpHeader<'_>) {
    if let Some(b) = dst.get_mut(1) {
        *b = (u8::from(header.marker) << 7) | (header.payload_type & 0x7f);
    }
    if let Some(b) = dst.get_mut(2..4) {
        b.copy_from_slice(&header.sequence_number.to_be_bytes());
    }
    if let Some(b) = dst.get_mut(4..8) {
        b.copy_from_slice(&header.timestamp.to_be_bytes());
    }
}
