//! The two media pipelines the bench compares, built the way each library's users run them.
//!
//! - **sansrtc** ([`ours::Pair`]): two `sansrtc_peer::Peer`s connected in memory (ICE, DTLS-SRTP,
//!   a video transceiver negotiated with NACK, RTX, transport-cc), measured through the public
//!   API only. Send: `write_frame` + `poll_transmit` (packetize, stamp mid/abs-send-time/
//!   transport-wide sequence number, record for retransmission, pace, SRTP protect). Receive:
//!   `handle_datagram` + `poll_event` (RFC 7983 demux, SRTP unprotect, RTP parse and BUNDLE
//!   demux, receiver statistics, NACK tracking, transport-cc recording, jitter buffer, VP8
//!   depacketize, the frame as an event).
//! - **webrtc-rs 0.21** ([`theirs`]): the sans-IO pieces its `webrtc` crate's tracks run: the
//!   rtc-rtp packetizer with the VP8 payloader and abs-send-time, rtc-interceptor's chain as
//!   `register_default_interceptors` builds it (NACK generator and responder, sender and
//!   receiver reports, TWCC receiver) plus the TWCC sender, rtc-srtp on ring, and rtc-media's
//!   `SampleBuilder` with the VP8 depacketizer for frames.
//!
//! Both protect with SRTP_AEAD_AES_128_GCM (what two sansrtc peers negotiate). Untimed around
//! the measured calls: the other peer's side of the exchange (STUN, RTCP), and for the receive
//! bench the packets the sender made.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// RTP packets per frame in both pipelines (frames of about 11 KB).
pub const FRAME_PACKETS: usize = 10;

/// A VP8 frame (the frame tag's P bit: key for `n == 0`) that both packetizers split into
/// [`FRAME_PACKETS`] packets of about 1200 bytes on the wire.
pub fn vp8_frame(n: u32) -> Vec<u8> {
    let mut f = vec![if n == 0 { 0x10 } else { 0x11 }, 0x02, 0x00];
    f.extend(
        (0..FRAME_PACKETS * 1140 - 3).map(|i| (i as u32).wrapping_mul(31).wrapping_add(n) as u8),
    );
    f
}

/// The sansrtc pipeline.
pub mod ours {
    use super::*;
    use sansrtc_crypto::CryptoProvider;
    use sansrtc_peer::{Config, ConnectionState, Event, MediaKind, Peer, TransceiverId};

    /// Two connected peers, A sending video to B, on a virtual clock.
    pub struct Pair {
        a: Peer,
        b: Peer,
        a_addr: SocketAddr,
        b_addr: SocketAddr,
        now: Instant,
        video: TransceiverId,
        buf: Vec<u8>,
        frame: u32,
        /// The SRTP profile negotiated.
        pub profile: Option<sansrtc_peer::SrtpProfile>,
    }

    fn is_rtp(d: &[u8]) -> bool {
        matches!(d.first(), Some(128..=191)) && !matches!(d.get(1), Some(192..=223))
    }

    impl Pair {
        /// Negotiates and connects the pair with `crypto` on both sides.
        pub fn new(crypto: CryptoProvider) -> Self {
            let a_addr: SocketAddr = "192.0.2.1:5000".parse().unwrap();
            let b_addr: SocketAddr = "192.0.2.2:6000".parse().unwrap();
            let config = |addr, seed| {
                let mut c = Config::new([addr], seed);
                c.crypto = crypto;
                // No pacing limit (the estimate is pinned at 10 Gbit/s): the bench measures
                // CPU, not the network; every packet of a frame leaves in the same call.
                c.media.start_bitrate = 10_000_000_000;
                c.media.min_bitrate = 10_000_000_000;
                c.media.max_bitrate = 10_000_000_000;
                c.media.max_send_queue = 64 << 20;
                c
            };
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let mut a = Peer::new(config(a_addr, 1), &mut rng).unwrap();
            let mut b = Peer::new(config(b_addr, 2), &mut rng).unwrap();
            let now = Instant::now();
            let video = a.add_track(MediaKind::Video).unwrap();
            let offer = a.create_offer(now).unwrap().to_string();
            let answer = b.accept_offer(now, &offer).unwrap().to_string();
            a.accept_answer(now, &answer).unwrap();
            let mut pair = Self {
                a,
                b,
                a_addr,
                b_addr,
                now,
                video,
                buf: Vec::with_capacity(2048),
                frame: 0,
                profile: None,
            };
            for _ in 0..200 {
                pair.pump(true);
                while let Some(e) = pair.a.poll_event() {
                    if let Event::DtlsConnected { srtp } = e {
                        pair.profile = srtp;
                    }
                }
                while pair.b.poll_event().is_some() {}
                if pair.a.state() == ConnectionState::Connected
                    && pair.b.state() == ConnectionState::Connected
                {
                    break;
                }
                pair.now += Duration::from_millis(5);
            }
            assert_eq!(pair.a.state(), ConnectionState::Connected);
            assert_eq!(pair.b.state(), ConnectionState::Connected);
            // The stream starts with a key frame, as encoders start; B takes it.
            pair.a
                .write_frame(pair.now, pair.video, 0, &vp8_frame(0))
                .unwrap();
            pair.frame = 1;
            pair.pump(true);
            let mut got = 0;
            while let Some(e) = pair.b.poll_event() {
                got += usize::from(matches!(e, Event::Frame(_)));
            }
            assert_eq!(got, 1);
            pair
        }

        /// Untimed: fires due timers and carries everything between the peers except A's RTP
        /// (unless `media`), until both are quiet.
        fn pump(&mut self, media: bool) {
            for _ in 0..16 {
                let mut moved = false;
                for peer in [&mut self.a, &mut self.b] {
                    if peer.poll_timeout().is_some_and(|t| t <= self.now) {
                        peer.handle_timeout(self.now);
                    }
                }
                while let Some(t) = self.a.poll_transmit(self.now, &mut self.buf) {
                    if media || !is_rtp(&self.buf) {
                        self.b.handle_datagram(
                            self.now,
                            self.b_addr,
                            self.a_addr,
                            &self.buf[..t.len],
                        );
                    }
                    moved = true;
                }
                while let Some(t) = self.b.poll_transmit(self.now, &mut self.buf) {
                    self.a
                        .handle_datagram(self.now, self.a_addr, self.b_addr, &self.buf[..t.len]);
                    moved = true;
                }
                while self.a.poll_event().is_some() {}
                if !moved {
                    break;
                }
            }
        }

        /// The send pipeline, timed by the caller: one frame written and every packet it
        /// became taken out protected. RTP packets go into `out` (if given); returns how many.
        pub fn send_frame(&mut self, frame: &[u8], mut out: Option<&mut Vec<Vec<u8>>>) -> usize {
            let ts = self.frame.wrapping_mul(3000);
            self.frame = self.frame.wrapping_add(1);
            self.a.write_frame(self.now, self.video, ts, frame).unwrap();
            let mut n = 0;
            while let Some(t) = self.a.poll_transmit(self.now, &mut self.buf) {
                if is_rtp(&self.buf) {
                    n += 1;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(self.buf[..t.len].to_vec());
                    }
                } else {
                    self.b
                        .handle_datagram(self.now, self.b_addr, self.a_addr, &self.buf[..t.len]);
                }
            }
            n
        }

        /// Untimed housekeeping between measured calls: 33 ms pass, timers run, RTCP and STUN
        /// are exchanged.
        pub fn tick(&mut self) {
            self.now += Duration::from_millis(33);
            self.pump(false);
        }

        /// The receive pipeline, timed by the caller: B takes the datagrams and hands out the
        /// frames; returns how many frames came out.
        pub fn receive(&mut self, packets: &[Vec<u8>]) -> usize {
            for p in packets {
                self.b
                    .handle_datagram(self.now, self.b_addr, self.a_addr, p);
            }
            let mut frames = 0;
            while let Some(e) = self.b.poll_event() {
                if let Event::Frame(f) = e {
                    std::hint::black_box(&f.data);
                    frames += 1;
                }
            }
            frames
        }
    }
}

/// The webrtc-rs 0.21 pipeline.
pub mod theirs {
    use super::*;
    use bytes::Bytes;
    use rtc_interceptor::{
        Interceptor, NackGeneratorBuilder, NackResponderBuilder, Packet, RTCPFeedback,
        RTPHeaderExtension, ReceiverReportBuilder, Registry, SenderReportBuilder, Slot, StreamInfo,
        TaggedPacket, TwccReceiverBuilder, TwccSenderBuilder,
    };
    use rtc_media::io::sample_builder::SampleBuilder;
    use rtc_rtp::codec::vp8::{Vp8Packet, Vp8Payloader};
    use rtc_rtp::packetizer::{Depacketizer, Packetizer, new_packetizer};
    use rtc_rtp::sequence::new_random_sequencer;
    use rtc_shared::marshal::{Marshal, Unmarshal};
    use rtc_shared::{TransportContext, TransportMessage};
    use rtc_srtp::context::Context;
    use rtc_srtp::protection_profile::ProtectionProfile;

    const SSRC: u32 = 0x1234_5678;
    const TWCC_ID: u8 = 3;
    const ABS_SEND_TIME_ID: u8 = 2;
    const KEY: [u8; 16] = [7; 16];
    const SALT: [u8; 12] = [9; 12];

    fn stream_info() -> StreamInfo {
        StreamInfo {
            ssrc: SSRC,
            clock_rate: 90_000,
            mime_type: "video/VP8".to_owned(),
            payload_type: 96,
            rtcp_feedback: vec![
                RTCPFeedback {
                    typ: "nack".to_owned(),
                    parameter: String::new(),
                },
                RTCPFeedback {
                    typ: "transport-cc".to_owned(),
                    parameter: String::new(),
                },
            ],
            rtp_header_extensions: vec![RTPHeaderExtension {
                uri: "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
                    .to_owned(),
                id: u16::from(TWCC_ID),
            }],
            ..Default::default()
        }
    }

    /// The interceptor chain webrtc's `register_default_interceptors` builds, plus the TWCC
    /// sender (so the receiver's TWCC recorder has numbers to record).
    fn chain() -> impl Interceptor {
        Registry::new()
            .with(Slot::NackResponder, NackResponderBuilder::new().build())
            .with(Slot::NackGenerator, NackGeneratorBuilder::new().build())
            .with(Slot::ReceiverReport, ReceiverReportBuilder::new().build())
            .with(Slot::SenderReport, SenderReportBuilder::new().build())
            .with(Slot::TwccSender, TwccSenderBuilder::new().build())
            .with(Slot::TwccReceiver, TwccReceiverBuilder::new().build())
            .build()
    }

    /// The SRTP context; `remote` (the receiver's) with the 64-packet SRTP and SRTCP replay
    /// windows the `rtc` peer connection gives its remote context (its
    /// `DEFAULT_SESSION_SRTP_REPLAY_PROTECTION_WINDOW`): sansrtc checks replays too, and
    /// `Context::new` without options checks none.
    fn context(remote: bool) -> Context {
        let provider = rtc_crypto::default_provider().unwrap();
        Context::new(
            &KEY,
            &SALT,
            ProtectionProfile::AeadAes128Gcm,
            remote.then(|| rtc_srtp::option::srtp_replay_protection(64)),
            remote.then(|| rtc_srtp::option::srtcp_replay_protection(64)),
            provider.crypto(),
        )
        .unwrap()
    }

    fn tagged(now: Instant, packet: Packet) -> TaggedPacket {
        TransportMessage {
            now,
            transport: TransportContext::default(),
            message: packet.into(),
        }
    }

    /// Packetizer, interceptors, SRTP.
    pub struct Sender<C: Interceptor> {
        packetizer: Box<dyn Packetizer>,
        chain: C,
        srtp: Context,
        /// Virtual clock.
        pub now: Instant,
    }

    /// The sender.
    pub fn sender() -> Sender<impl Interceptor> {
        let now = Instant::now();
        let mut packetizer = Box::new(new_packetizer(
            now,
            1200,
            96,
            SSRC,
            Box::<Vp8Payloader>::default(),
            Box::new(new_random_sequencer()),
            90_000,
        ));
        packetizer.enable_abs_send_time(ABS_SEND_TIME_ID);
        let mut chain = chain();
        chain.bind_local_stream(&stream_info());
        Sender {
            packetizer,
            chain,
            srtp: context(false),
            now,
        }
    }

    impl<C: Interceptor> Sender<C> {
        /// The send pipeline: one frame to protected datagrams (into `out` if given).
        pub fn send_frame(&mut self, frame: &Bytes, mut out: Option<&mut Vec<Vec<u8>>>) -> usize {
            let packets = self.packetizer.packetize(self.now, frame, 3000).unwrap();
            let mut n = 0;
            for p in packets {
                self.chain
                    .handle_write(tagged(self.now, Packet::Rtp(p)))
                    .unwrap();
                while let Some(m) = self.chain.poll_write() {
                    let Packet::Rtp(p) = m.message.packet else {
                        continue;
                    };
                    let plain = p.marshal().unwrap();
                    let protected = self.srtp.encrypt_rtp(&plain).unwrap();
                    n += 1;
                    if let Some(out) = out.as_deref_mut() {
                        out.push(protected.to_vec());
                    }
                }
            }
            n
        }

        /// Untimed housekeeping: 33 ms pass, the interceptors' timers run.
        pub fn tick(&mut self) {
            self.now += Duration::from_millis(33);
            let _ = self.chain.handle_timeout(self.now);
            while self.chain.poll_write().is_some() {}
        }
    }

    /// SRTP, interceptors, then frames from `SampleBuilder` (reorders, what the webrtc-rs
    /// examples use), or with `direct`, from the VP8 depacketizer alone, a frame per marker bit
    /// (no reordering: the cheapest correct assembly on an in-order stream).
    pub struct Receiver<C: Interceptor> {
        srtp: Context,
        chain: C,
        builder: SampleBuilder<Vp8Packet>,
        direct: Option<(Vp8Packet, Vec<u8>)>,
        /// Virtual clock.
        pub now: Instant,
    }

    /// The receiver (`direct`: without `SampleBuilder`).
    pub fn receiver(direct: bool) -> Receiver<impl Interceptor> {
        let mut chain = chain();
        chain.bind_remote_stream(&stream_info());
        Receiver {
            srtp: context(true),
            chain,
            builder: SampleBuilder::new(64, Vp8Packet::default(), 90_000),
            direct: direct.then(|| (Vp8Packet::default(), Vec::with_capacity(16 * 1024))),
            now: Instant::now(),
        }
    }

    impl<C: Interceptor> Receiver<C> {
        /// The receive pipeline: datagrams to frames; returns how many frames came out.
        pub fn receive(&mut self, packets: &[Vec<u8>]) -> usize {
            let mut frames = 0;
            for datagram in packets {
                let plain = self.srtp.decrypt_rtp(datagram).unwrap();
                let mut bytes = plain.freeze();
                let packet = rtc_rtp::Packet::unmarshal(&mut bytes).unwrap();
                self.chain
                    .handle_read(tagged(self.now, Packet::Rtp(packet)))
                    .unwrap();
                while let Some(m) = self.chain.poll_read() {
                    let Packet::Rtp(p) = m.message.packet else {
                        continue;
                    };
                    match self.direct.as_mut() {
                        Some((vp8, frame)) => {
                            let part = vp8.depacketize(&p.payload).unwrap();
                            frame.extend_from_slice(&part);
                            if p.header.marker {
                                std::hint::black_box(&frame);
                                frame.clear();
                                frames += 1;
                            }
                        }
                        None => self.builder.push(self.now, p),
                    }
                }
                while let Some(sample) = self.builder.pop(self.now) {
                    std::hint::black_box(&sample.data);
                    frames += 1;
                }
            }
            frames
        }

        /// Untimed housekeeping: 33 ms pass, the interceptors' timers run.
        pub fn tick(&mut self) {
            self.now += Duration::from_millis(33);
            let _ = self.chain.handle_timeout(self.now);
            while self.chain.poll_write().is_some() {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn webrtc_rs_pipeline_runs_past_a_sequence_number_wrap() {
        let frame = bytes::Bytes::from(super::vp8_frame(1));
        let mut sender = super::theirs::sender();
        let mut receiver = super::theirs::receiver(true);
        let mut packets = Vec::new();
        for i in 0..8000 {
            packets.clear();
            sender.send_frame(&frame, Some(&mut packets));
            let frames = receiver.receive(&packets);
            assert_eq!(frames, 1, "frame {i}");
        }
    }
}
