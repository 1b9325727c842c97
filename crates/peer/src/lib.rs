//! The sans-IO composition of sansrtc: one [`Peer`] doing JSEP offer/answer, ICE, DTLS (with
//! DTLS-SRTP keys), SCTP data channels and audio/video over SRTP on one bundled transport.
//!
//! # What it does
//! - **Offer/answer** (RFC 9429 §5, RFC 3264): [`Peer::create_offer`],
//!   [`Peer::accept_offer`] (returns the answer), [`Peer::accept_answer`],
//!   [`Peer::local_description`] for non-trickle signalling. One m= section per negotiated
//!   m= line: the data section `m=application 9 UDP/DTLS/SCTP webrtc-datachannel` with
//!   `a=sctp-port` and `a=max-message-size` (RFC 8841), `a=mid` and BUNDLE (RFC 9143) with
//!   rtcp-mux, `a=ice-ufrag`/`a=ice-pwd`/`a=ice-options:trickle` and candidates (RFC 8839),
//!   `a=fingerprint` (sha-256, RFC 8122) and `a=setup` (offer `actpass`, answer `active` by
//!   default, RFC 8842 / RFC 5763 §5). Audio and video sections (`UDP/TLS/RTP/SAVPF`) come
//!   from transceivers; the BUNDLE tag of an answer is the offer's first accepted mid (RFC 9143
//!   §7.3.1; Chromium's audio section), and its candidates are the transport's.
//! - **ICE** through `sansrtc-ice`: host candidates from the caller
//!   ([`Config::host_addresses`], [`Peer::add_local_candidate`]), STUN and TURN servers in the
//!   config, trickle both ways ([`Event::LocalCandidate`], [`Event::GatheringComplete`],
//!   [`Peer::add_remote_candidate`]); the offerer is controlling unless the peer is ICE-lite.
//! - **DTLS** through `sansrtc-dtls` in the role `a=setup` gives, started on the first valid
//!   candidate pair (RFC 8445 §12.1); the peer certificate must match its `a=fingerprint` before
//!   anything is delivered (RFC 8122 §5), else the connection fails. On connect the SRTP keys
//!   are exported into a `sansrtc-srtp` session by role (RFC 5764 §4.2).
//! - **Data channels** through `sansrtc-sctp` (RFC 8831, DCEP RFC 8832): SCTP starts the
//!   instant DTLS connects; [`Peer::create_channel`] before or after that, ordered or not,
//!   reliable or with max-retransmits / max-packet-lifetime, negotiated ids; text and binary
//!   messages up to 256 KiB, buffered amount and its low-threshold event, close.
//! - **Media** ([`Peer::add_transceiver`], [`Peer::add_track`], or transceivers made from a
//!   remote offer, [`Event::Track`]): `sendrecv`/`sendonly`/`recvonly`/`inactive` per m= line;
//!   Opus, PCMU, PCMA, VP8, VP9, H.264 (packetization-mode 1, `profile-level-id` matched per
//!   RFC 6184 §8.2.2) and AV1 with the payload types of the remote description; `rtcp-fb` nack,
//!   nack pli, ccm fir, goog-remb, transport-cc; header extensions by URI (mid, rid,
//!   repaired-rid, abs-send-time, transport-wide-cc, audio-level); RTX (RFC 4588, `apt=`,
//!   `ssrc-group:FID`); `a=msid`, `a=ssrc` CNAME.
//!   - *Send* ([`Peer::write_frame`]): the application's encoded frame is packetized to the MTU,
//!     stamped (mid, abs-send-time, transport-wide sequence number), paced (2.5 × the bandwidth
//!     estimate; audio never held), SRTP-protected and sent; NACKs are answered from a bounded
//!     history over RTX (or by resending the stored SRTP packet without RTX); PLI and FIR
//!     become [`Event::KeyframeRequest`]; SR and SDES CNAME go out every second or so
//!     (RFC 3550 §6.2, randomized).
//!   - *Receive*: SRTP unprotect, BUNDLE demultiplexing by mid, then signalled SSRC, then a
//!     payload type only one section has (RFC 9143 §9.2), RTX unwrapped, a jitter buffer per
//!     source rebuilding complete frames ([`Event::Frame`] with RTP timestamp, key frame and
//!     discontinuity flags), NACKs for gaps (RFC 4585 §6.2.1), PLIs while a key frame is
//!     missing (§6.3.1), RR blocks, transport-wide CC feedback every 100 ms.
//!   - *Bandwidth estimate* from the transport-cc feedback we get: send-side, delay-based in the
//!     GCC family (trendline filter, adaptive-threshold overuse detector, AIMD) with a
//!     loss-based bound ([`Event::BandwidthEstimate`], [`Peer::bandwidth_estimate`]; what it does
//!     and does not do is documented in `media/bwe.rs`).
//!   - *Stats* per transceiver in the spirit of getStats ([`Peer::transceiver_stats`]: packets,
//!     bytes, lost, jitter, RTT from SR/RR, frames, key frames, NACKs, PLIs, FIRs,
//!     retransmissions).
//! - **Demultiplexing** (RFC 7983 §7) of every datagram by its first byte: STUN and TURN
//!   ChannelData to ICE, DTLS to DTLS, SRTP/SRTCP to the SRTP session and the media pipeline.
//! - **Connection state** derived from ICE and DTLS like `RTCPeerConnection.connectionState`
//!   ([`ConnectionState`]); [`Stats`] with the selected pair, RTT and per-channel counters.
//! - **Bad input** is a value: malformed or unusable SDP is an [`Error`] and changes nothing;
//!   garbage datagrams are dropped and counted; a wrong fingerprint fails the connection with
//!   [`Event::Failed`]. Every buffer the peer can grow is bounded by the [`Config`].
//!
//! # What it does not
//! - No sockets, clocks, threads, DNS or mDNS: the caller's driver owns them (`sansrtc-cli`
//!   is the reference one). Remote mDNS candidates are handed to the driver
//!   ([`Event::ResolveMdns`], [`Peer::mdns_resolved`]); unresolved, the connection comes up
//!   through peer-reflexive candidates.
//! - [`Peer::close`] aborts SCTP like `RTCPeerConnection.close()`: messages still queued are
//!   dropped (wait for [`Peer::buffered_amount`] to reach 0, or close the channels first).
//! - No renegotiation and no ICE restart yet (transceivers are added before the first offer or
//!   answer); no `a=tls-id`; one certificate (sha-256 fingerprint only in our SDP).
//! - No encoding or decoding: frames in and out are codec bitstreams. No simulcast sending
//!   (received `rid`s are reported), no FEC or RED, no RTCP XR, no audio playout timing (frames
//!   are released as soon as complete), no probing in the bandwidth estimator, no SSRC
//!   collision handling (RFC 3550 §8).
//! - [`Peer::set_media_loss_for_testing`] drops media on purpose; it is a test hook.
//!
//! # RFC coverage
//! RFC 9429 §5.2.1 (initial offer), §5.3.1 (initial answer), §5.8-§5.9 (applying
//! descriptions); RFC 8829 likewise; RFC 9143 §7.2-§7.3 (BUNDLE offer/answer, tagged m=
//! section, rejecting non-tagged sections); RFC 7983 §7; RFC 8841 §5-§6 (sctp-port,
//! max-message-size); RFC 8842 §5 and RFC 5763 §5 (setup roles, fingerprint check); RFC 5764
//! §4.2 (SRTP keys); RFC 8445 §12.1 (data on a valid pair before selection); RFC 8838 (trickle);
//! media: RFC 3264 §6.1, RFC 3550 §6.2-§6.4 and A.1-A.8, RFC 3551, RFC 4585 §3-§6, RFC 4588 §4,
//! §8, RFC 5104 §4.3.1, RFC 5506, RFC 5761, RFC 6184 §8.2.2, RFC 8285 §5, RFC 8830, RFC 8843,
//! RFC 8851/8852/8853 (rid and repaired-rid read, no simulcast sending), RFC 9143 §9.2,
//! draft-holmer-rmcat-transport-wide-cc-extensions-01, draft-ietf-rmcat-gcc-02 §5-§6.
//! docs/rfc-coverage.md maps each to its tests.
//!
//! # Run loop
//! ```
//! use std::time::Instant;
//! use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! use sansrtc_peer::{ChannelConfig, Config, Event, Peer};
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(1); // OsRng in production
//! let now = Instant::now();
//! let a_addr = "192.0.2.1:5000".parse().unwrap();
//! let b_addr = "192.0.2.2:5000".parse().unwrap();
//! let mut a = Peer::new(Config::new([a_addr], 1), &mut rng)?;
//! let mut b = Peer::new(Config::new([b_addr], 2), &mut rng)?;
//!
//! let chat = a.create_channel(now, ChannelConfig::new("chat"))?;
//! let offer = a.create_offer(now)?.to_string(); // signal it
//! let answer = b.accept_offer(now, &offer)?.to_string(); // signal it back
//! a.accept_answer(now, &answer)?;
//!
//! // The driver: here both ends are wired back to back; a real one owns UDP sockets and
//! // sleeps until the earliest poll_timeout() or the next datagram.
//! let mut buf = Vec::new();
//! let mut got = None;
//! for _ in 0..50 {
//!     while let Some(t) = a.poll_transmit(now, &mut buf) {
//!         b.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
//!     }
//!     while let Some(t) = b.poll_transmit(now, &mut buf) {
//!         a.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
//!     }
//!     while let Some(event) = a.poll_event() {
//!         if event == Event::ChannelOpen(chat) {
//!             a.send_text(now, chat, "hello")?;
//!         }
//!     }
//!     while let Some(event) = b.poll_event() {
//!         if let Event::ChannelMessage { data, .. } = event {
//!             got = Some(data);
//!         }
//!     }
//!     a.handle_timeout(now);
//!     b.handle_timeout(now);
//! }
//! assert_eq!(got.as_deref(), Some(&b"hello"[..]));
//! # Ok::<(), sansrtc_peer::Error>(())
//! ```
//!
//! # Media
//! Frames are written encoded and come out reassembled; the loop is the same. Here A sends
//! one VP8 key frame to B:
//! ```
//! use std::time::{Duration, Instant};
//! use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
//! use sansrtc_peer::{Codec, Config, ConnectionState, Event, MediaKind, Peer};
//!
//! let mut rng = ChaCha20Rng::seed_from_u64(2);
//! let mut now = Instant::now();
//! let (a_addr, b_addr) = ("192.0.2.1:5000".parse().unwrap(), "192.0.2.2:5000".parse().unwrap());
//! let mut a = Peer::new(Config::new([a_addr], 1), &mut rng)?;
//! let mut b = Peer::new(Config::new([b_addr], 2), &mut rng)?;
//! let video = a.add_track(MediaKind::Video)?; // before the offer
//! let offer = a.create_offer(now)?.to_string();
//! let answer = b.accept_offer(now, &offer)?.to_string(); // B gets a receiving transceiver
//! a.accept_answer(now, &answer)?;
//!
//! let key_frame = [&[0x10u8, 0x02, 0x00, 0x9d, 0x01, 0x2a][..], &[0u8; 3000]].concat();
//! let (mut buf, mut sent, mut frame) = (Vec::new(), false, None);
//! for _ in 0..100 {
//!     if !sent && a.state() == ConnectionState::Connected {
//!         // RTP timestamp in the format's clock (90 kHz for video).
//!         a.write_frame(now, video, 0, &key_frame)?;
//!         sent = true;
//!     }
//!     while let Some(t) = a.poll_transmit(now, &mut buf) {
//!         b.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
//!     }
//!     while let Some(t) = b.poll_transmit(now, &mut buf) {
//!         a.handle_datagram(now, t.destination, t.source, &buf[..t.len]);
//!     }
//!     while a.poll_event().is_some() {}
//!     while let Some(e) = b.poll_event() {
//!         if let Event::Frame(f) = e {
//!             frame = Some(f); // f.data: the VP8 frame for a decoder or an IVF file
//!         }
//!     }
//!     now += Duration::from_millis(5);
//!     a.handle_timeout(now);
//!     b.handle_timeout(now);
//! }
//! let frame = frame.expect("a frame");
//! assert_eq!((frame.codec, frame.keyframe, frame.data), (Codec::Vp8, true, key_frame));
//! # Ok::<(), sansrtc_peer::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod channel;
mod config;
pub mod demux;
mod error;
mod event;
#[doc(hidden)]
pub mod fuzzing;
mod jsep;
mod media;
mod peer;
mod stats;

pub use channel::{ChannelConfig, ChannelId, ChannelInfo, ChannelState, ChannelStats, Reliability};
pub use config::{AnswerSetup, Config, TurnServer};
pub use error::Error;
pub use event::{ConnectionState, Event, LocalCandidate, Transmit};
pub use media::codec::{CodecSpec, Feedback};
pub use media::types::{
    InboundStats, KeyframeRequestKind, MediaConfig, MediaFrame, MediaKind, NegotiatedCodec,
    OutboundStats, TestLoss, TransceiverConfig, TransceiverId, TransceiverInfo, TransceiverStats,
};
pub use peer::Peer;
pub use sansrtc_rtp::payload::Codec;
pub use sansrtc_sdp::Direction;
pub use stats::Stats;

pub use bytes::Bytes;
pub use sansrtc_dtls::{Certificate, Fingerprint, Role as DtlsRole, SrtpProfile};
pub use sansrtc_ice::{Credentials, SelectedPair};
pub use sansrtc_sctp::CloseReason as SctpCloseReason;
pub use sansrtc_sdp::{Candidate, SessionDescription};
