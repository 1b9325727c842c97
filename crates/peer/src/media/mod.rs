//! Audio and video: transceivers per m= section, the send pipeline (packetize, pace, protect,
//! answer NACKs, sender reports), the receive pipeline (demultiplex, unwrap RTX, jitter buffer,
//! NACK and PLI generation, receiver reports, transport-wide CC feedback), and the send-side
//! bandwidth estimate.
//!
//! [`Media`] is owned by the [`Peer`](crate::Peer); SRTP sits outside it (the peer protects
//! and unprotects), so everything here sees plain RTP and RTCP.

mod bwe;
pub(crate) mod codec;
mod pacer;
mod recv;
mod send;
pub(crate) mod transceiver;
pub(crate) mod types;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use sansrtc_rtp::extension::abs_send_time_from_ntp;
use sansrtc_rtp::ntp::{self, NtpClock};
use sansrtc_rtp::rtcp::{
    Compound, ReportBlock, RtcpPacket, RtcpWriter, SdesItem, TransportCcRecorder, sdes_item,
};
use sansrtc_rtp::{ExtensionKind, ExtensionMap, RtpPacket};

use crate::{Error, Event};
use bwe::{BandwidthEstimator, PacketResult, SendHistory};
use pacer::Pacer;
use recv::{RecvStream, Route};
use send::{SendStream, Stamps};
use transceiver::{PayloadTypes, RemoteSection, Transceiver};
use types::{
    InboundStats, KeyframeRequestKind, MediaConfig, MediaFrame, MediaKind, TestLoss,
    TransceiverConfig, TransceiverId, TransceiverInfo, TransceiverStats,
};

/// Largest RTCP compound we write (before SRTCP's trailer).
const RTCP_MAX: usize = 1200;
/// RTCP packets queued for sending at most (feedback beyond it is dropped: it is periodic).
const MAX_RTCP_QUEUE: usize = 64;
/// Media events (estimates, tracks) queued at most.
const MAX_MEDIA_EVENTS: usize = 64;
/// Transport-wide sequence numbers remembered for the estimator.
const SEND_HISTORY: usize = 8192;
/// Arrivals the transport-cc recorder holds unreported.
const TWCC_RECORDER: usize = 4096;
/// A video receiver waiting for a key frame asks again this often.
const PLI_INTERVAL: Duration = Duration::from_millis(500);
/// Pacing rate over the estimate (libwebrtc's pacing factor).
const PACING_FACTOR: f64 = 2.5;

/// What protects outgoing packets: the SRTP session, or nothing (the fuzz harness).
pub(crate) trait Protect {
    /// Protects the RTP packet in `buf`; false if it must not be sent.
    fn protect_rtp(&mut self, buf: &mut Vec<u8>) -> bool;
    /// Protects the RTCP compound in `buf`; false if it must not be sent.
    fn protect_rtcp(&mut self, buf: &mut Vec<u8>) -> bool;
}

impl Protect for sansrtc_srtp::Session {
    fn protect_rtp(&mut self, buf: &mut Vec<u8>) -> bool {
        sansrtc_srtp::Session::protect_rtp(self, buf).is_ok()
    }

    fn protect_rtcp(&mut self, buf: &mut Vec<u8>) -> bool {
        sansrtc_srtp::Session::protect_rtcp(self, buf).is_ok()
    }
}

/// A planned transceiver for one offered m= section (decided while reading the offer, created
/// only once nothing can fail any more).
#[derive(Debug, Clone)]
pub(crate) struct MediaPlan {
    pub id: TransceiverId,
    /// Index into `transceivers` of a transceiver added before the offer, or `None` for a new
    /// one.
    pub existing: Option<usize>,
    pub mid: Option<String>,
    pub remote: RemoteSection,
}

/// Small non-cryptographic generator (SSRCs, sequence numbers, RTCP jitter): SplitMix64.
#[derive(Debug, Clone)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn next_u32(&mut self) -> u32 {
        (self.next() >> 32) as u32
    }

    /// Uniform in [0.5, 1.5): RFC 3550 §6.3.1's randomization of the RTCP interval.
    fn spread(&mut self) -> f64 {
        0.5 + (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Everything media of one peer.
pub(crate) struct Media {
    config: MediaConfig,
    mtu: usize,
    rng: SplitMix,
    transceivers: Vec<Transceiver>,
    senders: Vec<Option<SendStream>>,
    recv: Vec<RecvStream>,
    routes: Vec<(u32, Route)>,
    cname: String,
    /// Our SSRC for RTCP when we send nothing.
    rtcp_ssrc: u32,
    /// SRTP's overhead per RTP packet, once keyed.
    srtp_overhead: Option<usize>,
    ntp: Option<NtpClock>,
    /// The last `ntp(now)` (every packet of a burst asks for the same moment).
    ntp_last: Option<(Instant, u64)>,
    next_report: Option<Instant>,
    twcc: TransportCcRecorder,
    twcc_enabled: bool,
    next_twcc: Option<Instant>,
    /// Next transport-wide sequence number (unwrapped).
    tw_next: i64,
    history: SendHistory,
    bwe: BandwidthEstimator,
    reported_estimate: Option<u64>,
    pacer: Pacer,
    rtcp_out: VecDeque<Vec<u8>>,
    pool: Vec<Vec<u8>>,
    events: VecDeque<Event>,
    /// Transceivers with a keyframe request not yet reported.
    keyframe_requests: VecDeque<(TransceiverId, KeyframeRequestKind)>,
    test_loss: TestLoss,
    out_counter: u32,
    in_counter: u32,
    rsize: bool,
    frame_buf: Vec<u8>,
    /// Where [`Self::handle_rtp`] copies a borrowed packet.
    rtp_scratch: Vec<u8>,
    results: Vec<PacketResult>,
    nack_pairs: Vec<sansrtc_rtp::rtcp::NackPair>,
    /// Round-trip time from report blocks (ours as a sender).
    rtt: Option<Duration>,
    /// Streams whose jitter buffer may have frames (checked in `poll_event`).
    dirty: bool,
    pub rtp_packets_unroutable: u64,
}

impl Media {
    pub fn new(config: MediaConfig, seed: u64, mtu: usize) -> Self {
        let mut rng = SplitMix(seed ^ 0x006d_6564_6961);
        let cname: String = (0..16)
            .map(|_| {
                let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                char::from(*alphabet.get((rng.next() % 64) as usize).unwrap_or(&b'x'))
            })
            .collect();
        let rtcp_ssrc = rng.next_u32();
        let bwe =
            BandwidthEstimator::new(config.start_bitrate, config.min_bitrate, config.max_bitrate);
        let pacer = Pacer::new(config.max_bitrate as f64 * PACING_FACTOR);
        Self {
            mtu,
            rng,
            transceivers: Vec::new(),
            senders: Vec::new(),
            recv: Vec::new(),
            routes: Vec::new(),
            cname,
            rtcp_ssrc,
            srtp_overhead: None,
            ntp: None,
            ntp_last: None,
            next_report: None,
            twcc: TransportCcRecorder::new(TWCC_RECORDER),
            twcc_enabled: false,
            next_twcc: None,
            tw_next: 1,
            history: SendHistory::new(SEND_HISTORY),
            bwe,
            reported_estimate: None,
            pacer,
            rtcp_out: VecDeque::new(),
            pool: Vec::new(),
            events: VecDeque::new(),
            keyframe_requests: VecDeque::new(),
            test_loss: TestLoss::default(),
            out_counter: 0,
            in_counter: 0,
            rsize: false,
            frame_buf: Vec::new(),
            rtp_scratch: Vec::new(),
            results: Vec::new(),
            nack_pairs: Vec::new(),
            rtt: None,
            dirty: false,
            rtp_packets_unroutable: 0,
            config,
        }
    }

    // ------------------------------------------------------------------------------------
    // Transceivers and negotiation

    pub fn add_transceiver(&mut self, config: TransceiverConfig) -> TransceiverId {
        let id = TransceiverId(self.transceivers.len() as u32);
        let (ssrc, rtx) = (self.fresh_ssrc(), self.fresh_ssrc());
        self.transceivers
            .push(Transceiver::new(id, config, ssrc, rtx));
        self.senders.push(None);
        id
    }

    fn fresh_ssrc(&mut self) -> u32 {
        loop {
            let s = self.rng.next_u32();
            let taken = s == 0
                || s == self.rtcp_ssrc
                || self
                    .transceivers
                    .iter()
                    .any(|t| t.ssrc == s || t.rtx_ssrc == s);
            if !taken {
                return s;
            }
        }
    }

    /// Transceivers that have no m= section yet, for an offer: gives each a mid not in
    /// `taken` and its offered formats (payload types unique across the description).
    pub fn prepare_offer(&mut self, taken: &mut Vec<String>) -> Vec<(TransceiverId, String)> {
        let mut pts = PayloadTypes::new();
        for t in &self.transceivers {
            for c in &t.local_codecs {
                pts.take(c.payload_type);
                if let Some(r) = c.rtx_payload_type {
                    pts.take(r);
                }
            }
        }
        let mut out = Vec::new();
        let mut n = 0u32;
        for t in &mut self.transceivers {
            if t.mid.is_some() || t.rejected {
                continue;
            }
            let mid = loop {
                let m = n.to_string();
                n += 1;
                if !taken.contains(&m) {
                    break m;
                }
            };
            taken.push(mid.clone());
            t.prepare_offer(mid.clone(), &mut pts);
            out.push((t.id, mid));
        }
        out
    }

    /// Decides which transceiver answers an offered audio/video section; `None` rejects it.
    /// `claimed` are transceivers already planned for earlier sections of the same offer, `new`
    /// counts transceivers planned to be created.
    pub fn plan_section(
        &self,
        m: &sansrtc_sdp::Media,
        claimed: &[usize],
        new: &mut u32,
    ) -> Option<MediaPlan> {
        if m.port == 0 {
            return None;
        }
        let remote = RemoteSection::read(m)?;
        let existing = self
            .transceivers
            .iter()
            .position(|t| t.kind == remote.kind && t.mid.is_none() && !t.rejected);
        let existing = existing.filter(|i| !claimed.contains(i)).or_else(|| {
            self.transceivers
                .iter()
                .enumerate()
                .find(|(i, t)| {
                    t.kind == remote.kind && t.mid.is_none() && !t.rejected && !claimed.contains(i)
                })
                .map(|(i, _)| i)
        });
        let specs = match existing.and_then(|i| self.transceivers.get(i)) {
            Some(t) => &t.specs,
            None => match remote.kind {
                MediaKind::Audio => &self.config.audio_codecs,
                MediaKind::Video => &self.config.video_codecs,
            },
        };
        if !Transceiver::can_accept(specs, &remote) {
            return None;
        }
        let id = match existing.and_then(|i| self.transceivers.get(i)) {
            Some(t) => t.id,
            None => {
                let id = TransceiverId(self.transceivers.len() as u32 + *new);
                *new += 1;
                id
            }
        };
        Some(MediaPlan {
            id,
            existing,
            mid: m.mid().map(str::to_owned),
            remote,
        })
    }

    /// Applies the plans of an accepted offer: creates or fills the transceivers. Returns
    /// their ids in plan order.
    pub fn apply_offer(&mut self, plans: Vec<MediaPlan>) -> Vec<TransceiverId> {
        let mut ids = Vec::with_capacity(plans.len());
        for plan in plans {
            let index = match plan.existing {
                Some(i) => i,
                None => {
                    let config = TransceiverConfig {
                        direction: self.config.answer_direction,
                        codecs: match plan.remote.kind {
                            MediaKind::Audio => self.config.audio_codecs.clone(),
                            MediaKind::Video => self.config.video_codecs.clone(),
                        },
                        ..TransceiverConfig::new(plan.remote.kind)
                    };
                    let id = self.add_transceiver(config);
                    id.0 as usize
                }
            };
            if let Some(t) = self.transceivers.get_mut(index) {
                t.apply_offer(plan.mid, &plan.remote);
                ids.push(t.id);
            }
        }
        self.after_negotiation();
        ids
    }

    /// Applies the answer to our offer: `answer_of(mid)` is the answered section (or `None`
    /// if it was rejected).
    pub fn apply_answer<'a>(
        &mut self,
        mut answer_of: impl FnMut(&str) -> Option<&'a sansrtc_sdp::Media>,
    ) {
        for t in &mut self.transceivers {
            let Some(mid) = t.mid.clone() else { continue };
            let remote = answer_of(&mid)
                .filter(|m| m.port != 0)
                .and_then(RemoteSection::read);
            t.apply_answer(remote.as_ref());
        }
        self.after_negotiation();
    }

    /// Transceivers not in the negotiation are stopped; tracks are announced; the transport
    /// features (transport-cc, reduced-size RTCP) are fixed.
    fn after_negotiation(&mut self) {
        for t in &mut self.transceivers {
            if t.mid.is_none() {
                t.rejected = true;
            }
        }
        self.twcc_enabled = self.transceivers.iter().any(|t| {
            !t.rejected
                && t.codecs.iter().any(|c| c.feedback.transport_cc)
                && t.extensions
                    .id_of(ExtensionKind::TransportSequenceNumber)
                    .is_some()
        });
        self.rsize = self
            .transceivers
            .iter()
            .any(|t| !t.rejected && t.rtcp_rsize);
        let tracks: Vec<TransceiverId> = self
            .transceivers
            .iter()
            .filter(|t| t.receives())
            .map(|t| t.id)
            .collect();
        for id in tracks {
            self.push_event(Event::Track(id));
        }
        for i in 0..self.transceivers.len() {
            self.ensure_sender(i);
        }
    }

    /// The send stream of transceiver `i`, made for its negotiated format.
    fn ensure_sender(&mut self, i: usize) {
        let Some(t) = self.transceivers.get(i) else {
            return;
        };
        if !t.sends() {
            return;
        }
        let Some(codec) = t.codecs.first().cloned() else {
            return;
        };
        let rtx = codec
            .rtx_payload_type
            .map(|pt| (t.rtx_ssrc, codec.payload_type, pt));
        let seq = self.rng.next() as u16;
        let ts = self.rng.next_u32();
        let picture_id = self.rng.next() as u16;
        let rtx_seq = self.rng.next() as u16;
        let capacity = self.config.retransmission_capacity;
        let ssrc = t.ssrc;
        if let Some(slot) = self.senders.get_mut(i)
            && slot.as_ref().is_none_or(|s| s.codec != codec)
        {
            *slot = Some(SendStream::new(
                ssrc, codec, rtx, seq, ts, picture_id, rtx_seq, capacity,
            ));
        }
    }

    pub fn transceiver_ids(&self) -> Vec<TransceiverId> {
        self.transceivers.iter().map(|t| t.id).collect()
    }

    pub fn info(&self, id: TransceiverId) -> Option<TransceiverInfo> {
        let t = self.transceivers.get(id.0 as usize)?;
        Some(TransceiverInfo {
            id: t.id,
            kind: t.kind,
            mid: t.mid.clone(),
            direction: t.desired,
            current_direction: t.current.filter(|_| !t.rejected),
            codecs: t.codecs.clone(),
            remote_msid: t.remote.msid.clone(),
            ssrc: t.ssrc,
        })
    }

    /// The RTX SSRC of transceiver `i` (0 if none).
    pub fn rtx_ssrc(&self, i: usize) -> u32 {
        self.transceivers.get(i).map_or(0, |t| t.rtx_ssrc)
    }

    pub fn by_mid(&self, mid: &str) -> Option<TransceiverId> {
        self.transceivers
            .iter()
            .find(|t| t.mid.as_deref() == Some(mid))
            .map(|t| t.id)
    }

    /// Writes transceiver `id`'s media attributes into its m= section.
    pub fn write_section(&self, id: TransceiverId, m: &mut sansrtc_sdp::Media) {
        if let Some(t) = self.transceivers.get(id.0 as usize) {
            t.write_section(m, &self.cname);
        }
    }

    /// `(kind, formats)` of transceiver `id`'s m= line.
    pub fn section_line(&self, id: TransceiverId) -> Option<(MediaKind, Vec<String>, bool)> {
        let t = self.transceivers.get(id.0 as usize)?;
        Some((t.kind, t.formats(), t.rejected))
    }

    pub fn set_test_loss(&mut self, loss: TestLoss) {
        self.test_loss = loss;
    }

    pub fn set_ntp_time(&mut self, now: Instant, since_unix_epoch: Duration) {
        self.ntp = Some(NtpClock::new(now, ntp::ntp_from_unix(since_unix_epoch)));
        self.ntp_last = None;
    }

    fn ntp(&mut self, now: Instant) -> u64 {
        if let Some((at, ntp)) = self.ntp_last
            && at == now
        {
            return ntp;
        }
        // Without a wall clock from the caller: an arbitrary but fixed epoch (only differences
        // between our own streams matter for lip sync).
        let ntp = self
            .ntp
            .get_or_insert_with(|| {
                NtpClock::new(now, ntp::ntp_from_unix(Duration::from_secs(1 << 30)))
            })
            .ntp(now);
        self.ntp_last = Some((now, ntp));
        ntp
    }

    /// SRTP is keyed: media can flow. `overhead` is SRTP's per-packet overhead.
    pub fn on_connected(&mut self, now: Instant, overhead: usize) {
        self.srtp_overhead = Some(overhead);
        self.next_report = Some(now + Duration::from_millis(100));
    }

    pub fn is_active(&self) -> bool {
        self.srtp_overhead.is_some() && self.transceivers.iter().any(|t| !t.rejected)
    }

    // ------------------------------------------------------------------------------------
    // Sending

    /// Packetizes one encoded frame for transceiver `id` and queues it for the pacer.
    pub fn write_frame(
        &mut self,
        now: Instant,
        id: TransceiverId,
        timestamp: u32,
        frame: &[u8],
    ) -> Result<(), Error> {
        let i = id.0 as usize;
        let t = self.transceivers.get(i).ok_or(Error::UnknownTransceiver)?;
        if !t.sends() {
            return Err(Error::NotSending);
        }
        let overhead = self.srtp_overhead.ok_or(Error::MediaNotReady)?;
        let estimate = frame.len() + (frame.len() / 1000 + 1) * 64;
        if self.pacer.queued_bytes() + estimate > self.config.max_send_queue {
            return Err(Error::MediaQueueFull);
        }
        let mid = t.mid.as_deref().unwrap_or_default().as_bytes();
        let ext = &t.extensions;
        let audio = t.kind == MediaKind::Audio;
        let sender = self
            .senders
            .get_mut(i)
            .and_then(Option::as_mut)
            .ok_or(Error::NotSending)?;
        let mtu = self.mtu;
        let (pool, pacer) = (&mut self.pool, &mut self.pacer);
        sender.packetize(
            now,
            timestamp,
            frame,
            ext,
            mid,
            mtu.saturating_sub(overhead),
            || pool.pop().unwrap_or_else(|| Vec::with_capacity(mtu)),
            |buf, stamps| pacer.push(buf, i, stamps, audio),
        )
    }

    /// The next RTP or RTCP packet to send, protected, in `out`.
    pub fn poll_transmit(
        &mut self,
        now: Instant,
        srtp: &mut impl Protect,
        out: &mut Vec<u8>,
    ) -> bool {
        while let Some(packet) = self.rtcp_out.pop_front() {
            out.clear();
            out.extend_from_slice(&packet);
            self.recycle(packet);
            if srtp.protect_rtcp(out) {
                return true;
            }
        }
        self.pacer.refill(now);
        loop {
            if self.pacer.may_send_video() && self.poll_retransmission(now, srtp, out) {
                return true;
            }
            let Some((buf, index, stamps)) = self.pacer.pop() else {
                return false;
            };
            // The queued packet becomes the caller's buffer (no copy); the caller's old one
            // goes to the pool.
            let old = std::mem::replace(out, buf);
            self.recycle(old);
            let Some(sent) = self.send_original(now, index, stamps, srtp, out) else {
                continue;
            };
            if sent {
                return true;
            }
        }
    }

    /// Stamps, records and protects an original packet in `out`; `Some(false)` if the test
    /// hook swallowed it, `None` if it could not be protected.
    fn send_original(
        &mut self,
        now: Instant,
        index: usize,
        stamps: Stamps,
        srtp: &mut impl Protect,
        out: &mut Vec<u8>,
    ) -> Option<bool> {
        let tw = self.tw_next;
        let (stamped, header_len) = if stamps.header_len == 0 {
            let ntp = self.ntp(now);
            let t = self.transceivers.get(index)?;
            stamp(out, &t.extensions, ntp, tw)?
        } else {
            // The slots the packetizer found in this frame's header.
            if stamps.abs_send_time != 0 {
                let t = abs_send_time_from_ntp(self.ntp(now)).to_be_bytes();
                let at = usize::from(stamps.abs_send_time);
                if let (Some(dst), Some(src)) = (out.get_mut(at..at + 3), t.get(1..4)) {
                    dst.copy_from_slice(src);
                }
            }
            let at = usize::from(stamps.transport_sequence);
            let stamped = at != 0
                && out.get_mut(at..at + 2).is_some_and(|dst| {
                    dst.copy_from_slice(&(tw as u16).to_be_bytes());
                    true
                });
            (stamped, usize::from(stamps.header_len))
        };
        let sender = self.senders.get_mut(index)?.as_mut()?;
        sender.count_sent(header_len, out.len() - header_len);
        if sender.rtx.is_some() {
            let _ = sender.history.insert(now, out);
        }
        if !srtp.protect_rtp(out) {
            return None;
        }
        if sender.rtx.is_none() {
            // Without RTX the protected bytes themselves are resent (SRTP never reuses an
            // index; the receiver has not seen this one if it asks for it).
            let _ = sender.history.insert(now, out);
        }
        if stamped {
            self.history.insert(tw, now, out.len());
            self.tw_next += 1;
        }
        self.pacer.consume(out.len());
        if let Some(n) = self.test_loss.outgoing_every.filter(|&n| n > 0) {
            self.out_counter += 1;
            if self.out_counter.is_multiple_of(n) {
                sender.stats.packets_dropped_for_testing += 1;
                return Some(false);
            }
        }
        Some(true)
    }

    /// A queued retransmission, protected, in `out`.
    fn poll_retransmission(
        &mut self,
        now: Instant,
        srtp: &mut impl Protect,
        out: &mut Vec<u8>,
    ) -> bool {
        for i in 0..self.senders.len() {
            let Some(sender) = self.senders.get_mut(i).and_then(Option::as_mut) else {
                continue;
            };
            while sender.history.has_pending() {
                let Some(_) = sender.history.poll_transmit(now, out) else {
                    break;
                };
                if sender.rtx.is_some() {
                    // An RTX packet: a fresh transport-wide number, then SRTP on the RTX SSRC.
                    let ntp = self
                        .ntp
                        .get_or_insert_with(|| {
                            NtpClock::new(now, ntp::ntp_from_unix(Duration::from_secs(1 << 30)))
                        })
                        .ntp(now);
                    let tw = self.tw_next;
                    let ext = self.transceivers.get(i).map(|t| &t.extensions);
                    let stamped = ext
                        .and_then(|e| stamp(out, e, ntp, tw))
                        .is_some_and(|s| s.0);
                    if !srtp.protect_rtp(out) {
                        continue;
                    }
                    if stamped {
                        self.history.insert(tw, now, out.len());
                        self.tw_next += 1;
                    }
                }
                sender.stats.retransmitted_packets_sent += 1;
                sender.stats.retransmitted_bytes_sent += out.len() as u64;
                self.pacer.consume(out.len());
                return true;
            }
        }
        false
    }

    /// Keeps a buffer for reuse (its length and stale contents too: whoever takes it
    /// overwrites what it uses), up to 256 of them.
    fn recycle(&mut self, buf: Vec<u8>) {
        if self.pool.len() < 256 && buf.capacity() <= 2 * self.mtu.max(RTCP_MAX) {
            self.pool.push(buf);
        }
    }

    // ------------------------------------------------------------------------------------
    // Receiving

    /// The test hook's incoming drop, on a still-protected RTP packet: true to drop it.
    pub fn drop_incoming(&mut self, datagram: &[u8]) -> bool {
        let Some(n) = self.test_loss.incoming_every.filter(|&n| n > 0) else {
            return false;
        };
        let Some(&b1) = datagram.get(1) else {
            return false;
        };
        let pt = b1 & 0x7f;
        let rtx = self
            .transceivers
            .iter()
            .any(|t| t.codecs.iter().any(|c| c.rtx_payload_type == Some(pt)));
        if rtx {
            return false;
        }
        self.in_counter += 1;
        if self.in_counter.is_multiple_of(n) {
            let ssrc = datagram
                .get(8..12)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, u32::from_be_bytes);
            if let Some(Route::Media(r)) = self.route_of(ssrc)
                && let Some(s) = self.recv.get_mut(r)
            {
                s.counters.packets_dropped_for_testing += 1;
            }
            return true;
        }
        false
    }

    fn route_of(&self, ssrc: u32) -> Option<Route> {
        self.routes
            .iter()
            .find(|(s, _)| *s == ssrc)
            .map(|(_, r)| *r)
    }

    /// One unprotected RTP packet (copied into a buffer of ours first; the peer hands its own
    /// with [`Self::handle_rtp_buffer`]).
    pub fn handle_rtp(&mut self, now: Instant, buf: &mut [u8]) {
        let mut own = std::mem::take(&mut self.rtp_scratch);
        own.clear();
        own.extend_from_slice(buf);
        self.handle_rtp_buffer(now, &mut own);
        self.rtp_scratch = own;
    }

    /// The unprotected RTP packet filling `buf`. The packet's bytes may move into the jitter
    /// buffer, `buf` then holds a spare buffer of the same kind (contents unspecified).
    pub fn handle_rtp_buffer(&mut self, now: Instant, buf: &mut Vec<u8>) {
        let Ok(packet) = RtpPacket::new_checked(&buf[..]) else {
            self.rtp_packets_unroutable += 1;
            return;
        };
        let ssrc = packet.ssrc();
        let pt = packet.payload_type();
        let route = match self.route_of(ssrc) {
            Some(r) => Some(r),
            None => self.demux(now, &packet),
        };
        let Some(route) = route else {
            self.rtp_packets_unroutable += 1;
            return;
        };
        let transceiver = match route {
            Route::Media(r) => self.recv.get(r).map(|s| s.transceiver),
            Route::Rtx { transceiver, .. } => Some(transceiver),
        };
        let Some(t) = transceiver.and_then(|t| self.transceivers.get(t)) else {
            return;
        };
        if self.twcc_enabled
            && let Some(id) = t.extensions.id_of(ExtensionKind::TransportSequenceNumber)
            && let Some(seq) = packet
                .extension(id)
                .and_then(|d| d.first_chunk::<2>())
                .map(|b| u16::from_be_bytes(*b))
        {
            self.twcc.record(now, seq);
            if self.next_twcc.is_none() {
                self.next_twcc = Some(now + self.config.transport_cc_interval);
            }
        }
        match route {
            Route::Media(r) => self.handle_media(now, r, buf, false),
            Route::Rtx { transceiver, .. } => {
                let ext = t.extensions.parse(packet.extensions());
                let Some((codec, true)) = t.codec_of(pt).map(|(c, rtx)| (c.payload_type, rtx))
                else {
                    return;
                };
                let Some(primary) = self.rtx_primary(ssrc, transceiver, &ext) else {
                    return;
                };
                let Some(primary_ssrc) = self.recv.get(primary).map(|s| s.ssrc) else {
                    return;
                };
                // Padding-only RTX (bandwidth probes) carries nothing to deliver.
                if let Ok(Some(len)) = sansrtc_rtp::rtx::unwrap_rtx(buf, primary_ssrc, codec)
                    && len <= buf.len()
                {
                    buf.truncate(len);
                    self.handle_media(now, primary, buf, true);
                }
            }
        }
    }

    /// The primary stream an RTX stream repairs: the `a=ssrc-group:FID` pair, else the
    /// transceiver's receive stream with the repaired rid, else its only (latest) one.
    fn rtx_primary(
        &self,
        rtx_ssrc: u32,
        transceiver: usize,
        ext: &sansrtc_rtp::HeaderExtensions<'_>,
    ) -> Option<usize> {
        let t = self.transceivers.get(transceiver)?;
        if let Some((primary, _)) = t.remote.fid.iter().find(|(_, r)| *r == rtx_ssrc)
            && let Some(Route::Media(i)) = self.route_of(*primary)
        {
            return Some(i);
        }
        if let Some(rid) = ext.repaired_rtp_stream_id
            && let Some(i) = self.recv.iter().position(|s| {
                s.transceiver == transceiver && s.rid.as_deref().map(str::as_bytes) == Some(rid)
            })
        {
            return Some(i);
        }
        self.recv.iter().rposition(|s| s.transceiver == transceiver)
    }

    /// RFC 9143 §9.2: a new SSRC is associated by its MID, then the signalled SSRCs, then a
    /// payload type only one receiving section has.
    fn demux(&mut self, now: Instant, packet: &RtpPacket<&[u8]>) -> Option<Route> {
        let ssrc = packet.ssrc();
        let pt = packet.payload_type();
        let mut merged = ExtensionMap::new();
        for t in &self.transceivers {
            for &(id, kind) in &t.local_extensions {
                if kind == ExtensionKind::Mid || kind == ExtensionKind::RtpStreamId {
                    let _ = merged.insert(id, kind);
                }
            }
        }
        let ext = merged.parse(packet.extensions());
        let receiving = |t: &&Transceiver| t.receives();
        let index = if let Some(mid) = ext.mid {
            self.transceivers
                .iter()
                .filter(receiving)
                .position(|t| t.mid.as_deref().map(str::as_bytes) == Some(mid))
                .and_then(|_| {
                    self.transceivers.iter().position(|t| {
                        t.receives() && t.mid.as_deref().map(str::as_bytes) == Some(mid)
                    })
                })
        } else if let Some(i) = self.transceivers.iter().position(|t| {
            t.receives()
                && (t.remote.ssrcs.contains(&ssrc) || t.remote.fid.iter().any(|(_, r)| *r == ssrc))
        }) {
            Some(i)
        } else {
            let mut with_pt = self
                .transceivers
                .iter()
                .enumerate()
                .filter(|(_, t)| t.receives() && t.codec_of(pt).is_some());
            match (with_pt.next(), with_pt.next()) {
                (Some((i, _)), None) => Some(i),
                _ => None,
            }
        }?;
        let t = self.transceivers.get(index)?;
        let (codec, is_rtx) = t.codec_of(pt)?;
        if self.routes.len() >= self.config.max_receive_streams {
            return None;
        }
        let rid = ext
            .rtp_stream_id
            .and_then(|r| std::str::from_utf8(r).ok())
            .map(str::to_owned);
        let route = if is_rtx {
            Route::Rtx { transceiver: index }
        } else {
            let jitter = match t.kind {
                MediaKind::Audio => self.config.audio_jitter,
                MediaKind::Video => self.config.video_jitter,
            };
            let nack = codec.feedback.nack.then_some(self.config.nack);
            let stream = RecvStream::new(now, ssrc, index, rid, codec, jitter, nack, t.kind);
            self.recv.push(stream);
            Route::Media(self.recv.len() - 1)
        };
        self.routes.push((ssrc, route));
        Some(route)
    }

    /// An original (or unwrapped RTX) packet of receive stream `r`.
    fn handle_media(&mut self, now: Instant, r: usize, buf: &mut Vec<u8>, repaired: bool) {
        let Some(pt) = RtpPacket::new_checked(&buf[..])
            .ok()
            .map(|p| p.payload_type())
        else {
            return;
        };
        let Some(stream) = self.recv.get_mut(r) else {
            return;
        };
        let Some(t) = self.transceivers.get(stream.transceiver) else {
            return;
        };
        let Some((codec, false)) = t.codec_of(pt) else {
            return;
        };
        let (pt, format) = (codec.payload_type, codec.codec);
        if let Some(rtt) = self.rtt {
            stream.set_rtt(rtt);
        }
        stream.handle_packet(now, buf, pt, format, repaired);
        self.dirty = true;
        self.after_receive(now, r);
    }

    /// Feedback a receive stream wants after a packet or a timer: NACKs due, PLIs.
    fn after_receive(&mut self, now: Instant, r: usize) {
        let Some(stream) = self.recv.get_mut(r) else {
            return;
        };
        let media_ssrc = stream.ssrc;
        let mut pairs = std::mem::take(&mut self.nack_pairs);
        let nack = stream.poll_nack(now, &mut pairs);
        let pli = stream.poll_pli(now, PLI_INTERVAL);
        if !nack && !pli {
            self.nack_pairs = pairs;
            return;
        }
        let sender_ssrc = self.feedback_ssrc();
        if nack {
            self.feedback(now, |w| w.nack(sender_ssrc, media_ssrc, &pairs).map(|_| ()));
        }
        self.nack_pairs = pairs;
        if pli {
            self.feedback(now, |w| w.pli(sender_ssrc, media_ssrc).map(|_| ()));
        }
    }

    /// Asks the sender of transceiver `id` for a key frame (PLI).
    pub fn request_keyframe(&mut self, now: Instant, id: TransceiverId) -> Result<(), Error> {
        let i = id.0 as usize;
        self.transceivers.get(i).ok_or(Error::UnknownTransceiver)?;
        let sender_ssrc = self.feedback_ssrc();
        let streams: Vec<u32> = self
            .recv
            .iter_mut()
            .filter(|s| s.transceiver == i)
            .map(|s| {
                s.counters.plis_sent += 1;
                s.ssrc
            })
            .collect();
        for media_ssrc in streams {
            self.feedback(now, |w| w.pli(sender_ssrc, media_ssrc).map(|_| ()));
        }
        Ok(())
    }

    /// One unprotected RTCP compound.
    pub fn handle_rtcp(&mut self, now: Instant, buf: &[u8]) {
        let arrival = ntp::compact(self.ntp(now));
        for packet in Compound::new(buf) {
            let Ok(packet) = packet else { continue };
            match packet {
                RtcpPacket::SenderReport(sr) => {
                    let info = sr.sender_info();
                    if let Some(Route::Media(r)) = self.route_of(sr.ssrc())
                        && let Some(s) = self.recv.get_mut(r)
                    {
                        s.handle_sender_report(now, &info);
                    }
                    for block in sr.report_blocks() {
                        self.handle_report_block(&block, arrival);
                    }
                }
                RtcpPacket::ReceiverReport(rr) => {
                    for block in rr.report_blocks() {
                        self.handle_report_block(&block, arrival);
                    }
                }
                RtcpPacket::Nack(nack) => {
                    if let Some(i) = self.sender_index(nack.media_ssrc)
                        && let Some(s) = self.senders.get_mut(i).and_then(Option::as_mut)
                    {
                        s.stats.nacks_received += 1;
                        s.history.handle_nack(now, nack.lost());
                    }
                }
                RtcpPacket::Pli(pli) => {
                    if let Some(i) = self.sender_index(pli.media_ssrc) {
                        if let Some(s) = self.senders.get_mut(i).and_then(Option::as_mut) {
                            s.stats.plis_received += 1;
                        }
                        self.keyframe_request(i, KeyframeRequestKind::Pli);
                    }
                }
                RtcpPacket::Fir(fir) => {
                    for entry in fir.entries() {
                        let Some(i) = self.sender_index(entry.ssrc) else {
                            continue;
                        };
                        let Some(s) = self.senders.get_mut(i).and_then(Option::as_mut) else {
                            continue;
                        };
                        // RFC 5104 §4.3.1.2: a repeated sequence number is the same request.
                        if s.last_fir == Some(entry.sequence_number) {
                            continue;
                        }
                        s.last_fir = Some(entry.sequence_number);
                        s.stats.firs_received += 1;
                        self.keyframe_request(i, KeyframeRequestKind::Fir);
                    }
                }
                RtcpPacket::TransportCc(fb) => self.handle_transport_cc(now, &fb),
                RtcpPacket::Remb(remb) => {
                    self.bwe.set_remb(remb.bitrate);
                    self.estimate_changed();
                }
                _ => {}
            }
        }
    }

    fn sender_index(&self, ssrc: u32) -> Option<usize> {
        self.transceivers
            .iter()
            .position(|t| t.ssrc == ssrc && t.sends())
    }

    fn keyframe_request(&mut self, i: usize, kind: KeyframeRequestKind) {
        let Some(id) = self.transceivers.get(i).map(|t| t.id) else {
            return;
        };
        if !self.keyframe_requests.iter().any(|(t, _)| *t == id) {
            self.keyframe_requests.push_back((id, kind));
        }
    }

    fn handle_report_block(&mut self, block: &ReportBlock, arrival: u32) {
        let Some(i) = self.sender_index(block.ssrc) else {
            return;
        };
        let rtt = sansrtc_rtp::stats::round_trip_time(block, arrival);
        if let Some(s) = self.senders.get_mut(i).and_then(Option::as_mut) {
            s.handle_report_block(block, rtt);
        }
        if let Some(rtt) = rtt {
            self.rtt = Some(rtt);
            self.bwe.set_rtt(rtt);
            for s in self.senders.iter_mut().flatten() {
                s.history.set_rtt(rtt);
            }
        }
    }

    fn handle_transport_cc(&mut self, now: Instant, fb: &sansrtc_rtp::rtcp::TransportCc<'_>) {
        let mut results = std::mem::take(&mut self.results);
        results.clear();
        let last = self.tw_next - 1;
        let mut arrival = i64::from(fb.reference_time) * 64_000;
        for (seq, status) in fb.packets() {
            let diff = i64::from((last as u16).wrapping_sub(seq));
            let s = last - diff;
            let Some((send_time, size)) = self.history.get(s) else {
                continue;
            };
            let arrival_us = match status {
                sansrtc_rtp::rtcp::PacketStatus::Received { delta } => {
                    arrival += i64::from(delta) * 250;
                    Some(arrival)
                }
                sansrtc_rtp::rtcp::PacketStatus::NotReceived => None,
            };
            results.push(PacketResult {
                send_time,
                size,
                arrival: arrival_us,
            });
        }
        self.bwe.handle_feedback(now, &mut results);
        self.results = results;
        self.estimate_changed();
    }

    fn estimate_changed(&mut self) {
        let e = self.bwe.estimate();
        self.pacer.set_rate(e as f64 * PACING_FACTOR);
        let report = self
            .reported_estimate
            .is_none_or(|r| e.abs_diff(r) * 20 > r);
        if report {
            self.reported_estimate = Some(e);
            self.push_event(Event::BandwidthEstimate(e));
        }
    }

    /// The send-side estimate, once transport-cc or REMB feedback came.
    pub fn bandwidth_estimate(&self) -> Option<u64> {
        self.reported_estimate.map(|_| self.bwe.estimate())
    }

    // ------------------------------------------------------------------------------------
    // RTCP out

    /// Our SSRC in feedback: the first sending stream's, else the RTCP-only one.
    fn feedback_ssrc(&self) -> u32 {
        self.transceivers
            .iter()
            .zip(&self.senders)
            .find(|(t, s)| t.sends() && s.is_some())
            .map_or(self.rtcp_ssrc, |(t, _)| t.ssrc)
    }

    /// Queues a feedback packet: alone with reduced-size RTCP (RFC 5506), else behind an
    /// empty RR and our SDES (RFC 3550 §6.1 compound rules).
    fn feedback(
        &mut self,
        now: Instant,
        write: impl FnOnce(&mut RtcpWriter<'_>) -> sansrtc_rtp::Result<()>,
    ) {
        if self.rtcp_out.len() >= MAX_RTCP_QUEUE {
            return;
        }
        let _ = now;
        let mut buf = self.take_buffer();
        let len = {
            let mut w = RtcpWriter::new(&mut buf);
            let head = if self.rsize {
                Ok(())
            } else {
                let ssrc = self.feedback_ssrc();
                w.receiver_report(ssrc, &[])
                    .and_then(|w| w.sdes_cname(ssrc, self.cname.as_bytes()))
                    .map(|_| ())
            };
            match head.and_then(|()| write(&mut w)) {
                Ok(()) => w.len(),
                Err(_) => 0,
            }
        };
        self.queue_rtcp(buf, len);
    }

    fn take_buffer(&mut self) -> Vec<u8> {
        let mut buf = self.pool.pop().unwrap_or_default();
        buf.clear();
        buf.resize(RTCP_MAX.min(self.mtu.saturating_sub(24)), 0);
        buf
    }

    fn queue_rtcp(&mut self, mut buf: Vec<u8>, len: usize) {
        if len == 0 {
            self.recycle(buf);
            return;
        }
        buf.truncate(len);
        self.rtcp_out.push_back(buf);
    }

    /// The regular report (RFC 3550 §6.4): an SR per stream we send (the first with the report
    /// blocks of what we receive) or one RR, then SDES CNAME chunks.
    fn report(&mut self, now: Instant) {
        let ntp_now = self.ntp(now);
        let mut blocks: Vec<ReportBlock> = Vec::new();
        for s in &mut self.recv {
            if blocks.len() < 31
                && let Some(b) = s.report_block(now)
            {
                blocks.push(b);
            }
        }
        let mut buf = self.take_buffer();
        let cname = self.cname.clone();
        let len = {
            let mut w = RtcpWriter::new(&mut buf);
            let mut ssrcs: Vec<u32> = Vec::new();
            let mut ok = true;
            for (t, s) in self.transceivers.iter().zip(&self.senders) {
                let Some(s) = s.as_ref().filter(|s| t.sends() && s.stats.packets_sent > 0) else {
                    continue;
                };
                let info = s.sender_info(now, ntp_now);
                let b: &[ReportBlock] = if ssrcs.is_empty() { &blocks } else { &[] };
                ok &= w.sender_report(s.ssrc, &info, b).is_ok();
                ssrcs.push(s.ssrc);
            }
            if ssrcs.is_empty() {
                ok &= w.receiver_report(self.rtcp_ssrc, &blocks).is_ok();
                ssrcs.push(self.rtcp_ssrc);
            }
            let items = [SdesItem {
                kind: sdes_item::CNAME,
                value: cname.as_bytes(),
            }];
            let chunks: Vec<(u32, &[SdesItem<'_>])> =
                ssrcs.iter().map(|s| (*s, &items[..])).collect();
            ok &= w.sdes(&chunks).is_ok();
            if ok { w.len() } else { 0 }
        };
        self.queue_rtcp(buf, len);
    }

    /// Transport-wide CC feedback for what arrived since the last one (last in a compound, or
    /// alone with reduced-size RTCP).
    fn transport_cc_feedback(&mut self) {
        let sender = self.feedback_ssrc();
        let media = self.recv.first().map_or(0, |s| s.ssrc);
        for _ in 0..4 {
            if !self.twcc.has_feedback() || self.rtcp_out.len() >= MAX_RTCP_QUEUE {
                break;
            }
            let mut buf = self.take_buffer();
            let len = {
                let mut w = RtcpWriter::new(&mut buf);
                let head = if self.rsize {
                    Ok(())
                } else {
                    w.receiver_report(sender, &[])
                        .and_then(|w| w.sdes_cname(sender, self.cname.as_bytes()))
                        .map(|_| ())
                };
                match head.and_then(|()| self.twcc.write_feedback(&mut w, sender, media)) {
                    Ok(true) => w.len(),
                    _ => 0,
                }
            };
            if len == 0 {
                self.recycle(buf);
                break;
            }
            self.queue_rtcp(buf, len);
        }
    }

    // ------------------------------------------------------------------------------------
    // Timers and events

    pub fn poll_timeout(&self) -> Option<Instant> {
        if !self.is_active() {
            return None;
        }
        let mut t = [self.next_report, self.next_twcc, self.pacer.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        for s in &self.recv {
            if let Some(at) = s.poll_timeout(PLI_INTERVAL) {
                t = Some(t.map_or(at, |t| t.min(at)));
            }
        }
        t
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if !self.is_active() {
            return;
        }
        if self.next_report.is_some_and(|t| t <= now) {
            self.report(now);
            let interval = self.config.rtcp_interval.as_secs_f64() * self.rng.spread();
            self.next_report = Some(now + Duration::from_secs_f64(interval.max(0.01)));
        }
        if self.next_twcc.is_some_and(|t| t <= now) {
            self.transport_cc_feedback();
            self.next_twcc = self
                .twcc
                .has_feedback()
                .then(|| now + self.config.transport_cc_interval);
        }
        for r in 0..self.recv.len() {
            if let Some(s) = self.recv.get_mut(r)
                && s.poll_timeout(PLI_INTERVAL).is_some_and(|t| t <= now)
            {
                s.handle_timeout(now);
                self.dirty = true;
                self.after_receive(now, r);
            }
        }
    }

    fn push_event(&mut self, e: Event) {
        if self.events.len() < MAX_MEDIA_EVENTS {
            self.events.push_back(e);
        }
    }

    /// The next media event: estimates and tracks, keyframe requests, then complete frames.
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(e) = self.events.pop_front() {
            return Some(e);
        }
        if let Some((transceiver, kind)) = self.keyframe_requests.pop_front() {
            return Some(Event::KeyframeRequest { transceiver, kind });
        }
        if !self.dirty {
            return None;
        }
        for r in 0..self.recv.len() {
            let Some(s) = self.recv.get_mut(r) else {
                continue;
            };
            let Some(f) = s.poll_frame(&mut self.frame_buf) else {
                continue;
            };
            let transceiver = self
                .transceivers
                .get(s.transceiver)
                .map_or(TransceiverId(0), |t| t.id);
            return Some(Event::Frame(MediaFrame {
                transceiver,
                ssrc: s.ssrc,
                rid: s.rid.clone(),
                codec: s.codec,
                payload_type: s.payload_type,
                timestamp: f.timestamp,
                keyframe: f.keyframe,
                discontinuity: f.discontinuity,
                packets: f.packets,
                arrival: f.last_arrival,
                // Handed over without a copy; the next frame gets a buffer of the same size.
                data: {
                    let capacity = self.frame_buf.capacity();
                    let mut data =
                        std::mem::replace(&mut self.frame_buf, Vec::with_capacity(capacity));
                    data.truncate(f.len);
                    data
                },
            }));
        }
        self.dirty = false;
        None
    }

    // ------------------------------------------------------------------------------------
    // Stats

    pub fn stats(&self, id: TransceiverId) -> Option<TransceiverStats> {
        let i = id.0 as usize;
        let t = self.transceivers.get(i)?;
        let outbound = self.senders.get(i).and_then(Option::as_ref).map(|s| {
            let mut o = s.stats;
            o.ssrc = t.ssrc;
            o.rtx_ssrc = s.rtx.map(|r| r.0);
            o
        });
        let inbound: Vec<InboundStats> = self
            .recv
            .iter()
            .filter(|s| s.transceiver == i)
            .map(RecvStream::stats)
            .collect();
        Some(TransceiverStats { outbound, inbound })
    }

    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }
}

/// Writes abs-send-time and the transport-wide sequence number into the packet's extension
/// slots (left zero by the packetizer); returns whether a transport-wide number was stamped,
/// and the header length. `None` if the packet does not parse.
fn stamp(buf: &mut [u8], ext: &ExtensionMap, ntp: u64, tw: i64) -> Option<(bool, usize)> {
    let mut p = RtpPacket::new_checked(buf).ok()?;
    let header_len = p.header_len();
    if let Some(id) = ext.id_of(ExtensionKind::AbsSendTime)
        && let Some(v) = p.extension_mut(id)
    {
        let t = abs_send_time_from_ntp(ntp).to_be_bytes();
        if let (Some(dst), Some(src)) = (v.get_mut(..3), t.get(1..4)) {
            dst.copy_from_slice(src);
        }
    }
    if let Some(id) = ext.id_of(ExtensionKind::TransportSequenceNumber)
        && let Some(v) = p.extension_mut(id)
        && let Some(dst) = v.get_mut(..2)
    {
        dst.copy_from_slice(&(tw as u16).to_be_bytes());
        return Some((true, header_len));
    }
    Some((false, header_len))
}
