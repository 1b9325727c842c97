//! Entry points for the fuzz targets (`fuzz/fuzz_targets/peer_media_*.rs`): the media pipeline
//! of a peer without ICE, DTLS or SRTP in front, so a fuzzer reaches the demultiplexer, the
//! RTX unwrapping, the jitter buffers and depacketizers, the NACK/PLI generation and the RTCP
//! handling with plain packets. Not a stable API.

use std::time::{Duration, Instant};

use sansrtc_sdp::MediaKind as SdpKind;

use crate::Event;
use crate::media::types::{MediaConfig, MediaKind, TransceiverConfig, TransceiverId};
use crate::media::{Media, Protect};

/// Two media stacks negotiated with each other (an offerer with an audio and a video
/// transceiver, an answerer made from its offer), connected, without SRTP (what they send is
/// handed over in the clear: the fuzzer's time goes into the pipeline, not the cipher).
/// Packets given to [`Self::handle_rtp`] and [`Self::handle_rtcp`] go to the answerer as if
/// SRTP had just unprotected them; the offerer is the sender whose feedback they may be.
pub struct MediaPair {
    offerer: Media,
    answerer: Media,
    buf: Vec<u8>,
}

/// Sends in the clear.
struct Plain;

impl Protect for Plain {
    fn protect_rtp(&mut self, _: &mut Vec<u8>) -> bool {
        true
    }

    fn protect_rtcp(&mut self, _: &mut Vec<u8>) -> bool {
        true
    }
}

impl std::fmt::Debug for MediaPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaPair").finish_non_exhaustive()
    }
}

impl MediaPair {
    /// The pair at `now`; `seed` picks SSRCs and sequence numbers, and which format the
    /// offerer sends (its preference order is rotated by `seed`: audio by `seed / 5 % 3`, video
    /// by `seed % 5`). Offered formats: Opus 111, PCMU 0, PCMA 8; VP8 96 (RTX 97), VP9 98
    /// (99), H.264 108 (109) and 102 (103), AV1 45 (46); extensions audio-level 1,
    /// abs-send-time 2, transport-cc 3, mid 4, rid 10, repaired-rid 11; mids "0" (audio) and
    /// "1" (video).
    pub fn new(now: Instant, seed: u64) -> Self {
        let mut config = MediaConfig {
            max_receive_streams: 8,
            ..MediaConfig::default()
        };
        config.video_jitter.max_packets = 64;
        config.video_jitter.max_bytes = 64 * 1024;
        config.audio_jitter.max_packets = 16;
        config.nack.max_missing = 64;
        config.retransmission_capacity = 64;
        // The answer's order decides what is sent: both sides prefer the same rotation.
        config.audio_codecs.rotate_left((seed / 5 % 3) as usize);
        config.video_codecs.rotate_left((seed % 5) as usize);
        let mut offerer = Media::new(config.clone(), seed, 1200);
        offerer.add_transceiver(
            TransceiverConfig::new(MediaKind::Audio).with_codecs(config.audio_codecs.clone()),
        );
        offerer.add_transceiver(
            TransceiverConfig::new(MediaKind::Video).with_codecs(config.video_codecs.clone()),
        );
        let mut taken = vec!["2".to_owned()];
        let ids = offerer.prepare_offer(&mut taken);
        let offer: Vec<sansrtc_sdp::Media> = ids
            .iter()
            .map(|(id, mid)| section(&offerer, *id, mid))
            .collect();
        let mut answerer = Media::new(config, seed ^ 0xa5a5, 1200);
        let mut claimed = Vec::new();
        let mut new = 0;
        let mut plans = Vec::new();
        for m in &offer {
            if let Some(p) = answerer.plan_section(m, &claimed, &mut new) {
                if let Some(e) = p.existing {
                    claimed.push(e);
                }
                plans.push(p);
            }
        }
        let answer_ids = answerer.apply_offer(plans);
        let answer: Vec<sansrtc_sdp::Media> = answer_ids
            .iter()
            .zip(&ids)
            .map(|(id, (_, mid))| section(&answerer, *id, mid))
            .collect();
        offerer.apply_answer(|mid| answer.iter().find(|m| m.mid() == Some(mid)));
        offerer.on_connected(now, 10);
        answerer.on_connected(now, 10);
        Self {
            offerer,
            answerer,
            buf: Vec::with_capacity(2048),
        }
    }

    /// One RTP packet arrives at the answerer (after SRTP).
    pub fn handle_rtp(&mut self, now: Instant, packet: &mut [u8]) {
        self.answerer.handle_rtp(now, packet);
    }

    /// One RTCP compound arrives at the answerer (after SRTCP).
    pub fn handle_rtcp(&mut self, now: Instant, packet: &[u8]) {
        self.answerer.handle_rtcp(now, packet);
    }

    /// One RTCP compound arrives at the offerer, the sender (NACK, PLI, FIR, transport-cc,
    /// reports about what it sends).
    pub fn handle_sender_rtcp(&mut self, now: Instant, packet: &[u8]) {
        self.offerer.handle_rtcp(now, packet);
    }

    /// The offerer writes a frame on transceiver 0 (audio) or 1 (video).
    pub fn write_frame(&mut self, now: Instant, video: bool, timestamp: u32, frame: &[u8]) {
        let _ = self
            .offerer
            .write_frame(now, TransceiverId(u32::from(video)), timestamp, frame);
    }

    /// Timers of both, then everything they send, handed to the other side (the offerer's RTP
    /// and RTCP to the answerer, the answerer's RTCP to the offerer, so frames written with
    /// [`Self::write_frame`] and the feedback loop run end to end); returns the answerer's
    /// events.
    pub fn step(&mut self, now: Instant) -> Vec<Event> {
        for m in [&mut self.offerer, &mut self.answerer] {
            if m.poll_timeout().is_some_and(|t| t <= now) {
                m.handle_timeout(now);
            }
        }
        for _ in 0..256 {
            if !self.offerer.poll_transmit(now, &mut Plain, &mut self.buf) {
                break;
            }
            if sansrtc_rtp::rtcp::is_rtcp(&self.buf) {
                self.answerer.handle_rtcp(now, &self.buf);
            } else {
                self.answerer.handle_rtp(now, &mut self.buf);
            }
        }
        for _ in 0..256 {
            if !self.answerer.poll_transmit(now, &mut Plain, &mut self.buf) {
                break;
            }
            if sansrtc_rtp::rtcp::is_rtcp(&self.buf) {
                self.offerer.handle_rtcp(now, &self.buf);
            }
        }
        let mut events = Vec::new();
        while let Some(e) = self.answerer.poll_event() {
            events.push(e);
            if events.len() > 4096 {
                break;
            }
        }
        while self.offerer.poll_event().is_some() {}
        events
    }

    /// The answerer's statistics of its audio (0) or video (1) transceiver, and the
    /// packets it could not route.
    pub fn stats(&self, video: bool) -> (Option<crate::TransceiverStats>, u64) {
        (
            self.answerer.stats(TransceiverId(u32::from(video))),
            self.answerer.rtp_packets_unroutable,
        )
    }

    /// The earliest timer of either side.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.offerer.poll_timeout(), self.answerer.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The answerer's SSRCs to aim packets at: the offerer's media and RTX SSRCs of audio and
    /// video.
    pub fn ssrcs(&self) -> [u32; 4] {
        let a = self.offerer.info(TransceiverId(0));
        let v = self.offerer.info(TransceiverId(1));
        let s = |i: Option<crate::TransceiverInfo>| i.map_or(0, |i| i.ssrc);
        let (sa, sv) = (s(a), s(v));
        [sa, sv, self.offerer.rtx_ssrc(0), self.offerer.rtx_ssrc(1)]
    }
}

/// The offer/answer of one section, as m= line and media attributes.
fn section(media: &Media, id: TransceiverId, mid: &str) -> sansrtc_sdp::Media {
    let Some((kind, formats, _)) = media.section_line(id) else {
        return sansrtc_sdp::Media::default();
    };
    let kind = match kind {
        MediaKind::Audio => SdpKind::Audio,
        MediaKind::Video => SdpKind::Video,
    };
    let mut m = sansrtc_sdp::Media::new(kind, 9, sansrtc_sdp::Media::PROTO_RTP, formats);
    m.attributes.push(sansrtc_sdp::Attribute::Mid(mid.into()));
    media.write_section(id, &mut m);
    m
}

/// A duration of `ms` milliseconds (for targets that step time).
pub fn millis(ms: u16) -> Duration {
    Duration::from_millis(u64::from(ms))
}
