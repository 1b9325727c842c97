//! RTP and RTCP for WebRTC media, sans-IO: zero-copy packet views, payload formats, and the
//! receive-side machinery (jitter buffer, statistics, NACK, retransmission).
//!
//! # What it does
//! - [`RtpPacket`]: a validated zero-copy view over `&[u8]`/`&mut [u8]` of an RTP packet
//!   (RFC 3550 §5.1) with its CSRCs, RFC 8285 header extensions (one- and two-byte forms) and
//!   padding; [`RtpHeader`] writes a header into a caller's buffer. [`ExtensionMap`] decodes
//!   the extensions browsers negotiate (abs-send-time, transport-wide CC, MID, RID, repaired
//!   RID, audio level, video orientation, playout delay) in one pass.
//! - [`rtcp`]: compound and reduced-size RTCP (RFC 3550 §6, RFC 5506): SR, RR, SDES, BYE,
//!   APP, generic NACK, transport-wide CC feedback, PLI, FIR, REMB, parsed as borrowed views
//!   ([`rtcp::Compound`]) and written into a caller's buffer ([`rtcp::RtcpWriter`]).
//! - [`payload`]: a packetizer and a depacketizer per codec: Opus, G.711, VP8, VP9, H.264 and
//!   AV1. Packetizers split a frame within a payload limit, writing each payload straight into
//!   the caller's buffer; depacketizers say where frames start and end and which are key
//!   frames, and rebuild the codec bitstream.
//! - Receiving: [`unwrap`] (sequence numbers and timestamps to `i64`), [`jitter`] (reorder
//!   and reassemble frames, bounded, with a maximum wait for missing packets), [`stats`]
//!   (RFC 3550 A.1/A.3/A.8 loss and jitter, report blocks, round-trip time), [`nack`] (which
//!   packets to ask for again, and when), [`rtcp::TransportCcRecorder`] (transport-wide CC
//!   feedback from arrival times).
//! - Sending: [`rtx`] (a bounded history of sent packets that answers NACKs with RFC 4588 RTX
//!   packets, and turns received RTX packets back into the originals), [`ntp`] (NTP time for
//!   sender reports).
//!
//! Nothing here reads a clock, opens a socket or spawns a thread: time is an `Instant`
//! argument, output goes into buffers the caller owns. Parsing and packetizing do not allocate
//! per packet; the jitter buffer and the retransmission history copy each packet once into
//! slots they reuse, within configured limits.
//!
//! # What it does not do
//! SRTP (that is `sansrtc-srtp`, which protects these packets in place), RTCP scheduling
//! (RFC 3550 §6.2 intervals) and sender-side congestion control or pacing (the peer's job; the
//! transport-cc and REMB messages it needs are here), audio playout timing (the jitter buffer
//! releases frames as soon as they are complete; it is not NetEq), FEC (RFC 5109, FlexFEC),
//! RED, XR report blocks (RFC 3611; XR packets come through as `Unknown` and can be written
//! raw), H.264 interleaved mode (packetization-mode 2), and codec bitstreams beyond what
//! framing needs (key frames and frame sizes).
//!
//! # RFC sections
//! RFC 3550 §5.1, §5.3.1, §6.1, §6.4–§6.7, Appendix A.1–A.3 and A.8; RFC 3551 §4.5.14;
//! RFC 4585 §6.1, §6.2.1, §6.3.1; RFC 4588 §4, §6.3; RFC 5104 §4.3.1; RFC 5506 §3.4.2, §4.1;
//! RFC 5761 §4; RFC 6184 §5.4–§5.8, §6.2, §6.3; RFC 6464 §3; RFC 7587 §4; RFC 7741 §4;
//! RFC 8285 §4, §5; RFC 9628 §4; the AOM AV1 RTP payload format v1.0 §4, §5;
//! draft-holmer-rmcat-transport-wide-cc-extensions-01 §2, §3.1; draft-alvestrand-rmcat-remb-03.
//! docs/rfc-coverage.md has the section-by-section table with the test proving each.
//!
//! # Example: one video stream
//! ```
//! use std::time::{Duration, Instant};
//! use sansrtc_rtp::jitter::{JitterBuffer, JitterConfig};
//! use sansrtc_rtp::nack::{NackConfig, NackGenerator};
//! use sansrtc_rtp::payload::vp8::{Vp8Depacketizer, Vp8Packetizer};
//! use sansrtc_rtp::payload::{Packetizer, Payloads};
//! use sansrtc_rtp::rtcp::RtcpWriter;
//! use sansrtc_rtp::rtx::{RetransmissionBuffer, RetransmissionConfig};
//! use sansrtc_rtp::stats::ReceiverStats;
//! use sansrtc_rtp::{RtpHeader, RtpPacket};
//!
//! let t0 = Instant::now();
//! // Sender: packetize a frame into datagrams of at most 1200 bytes, remember each packet.
//! let mut packetizer = Vp8Packetizer::new(0x1234);
//! let mut history = RetransmissionBuffer::new(RetransmissionConfig::default());
//! let frame = vec![0x50u8; 3000]; // from the encoder; P bit 0: a key frame
//! let mut header = RtpHeader { payload_type: 96, ssrc: 0xabcd, timestamp: 90_000, ..Default::default() };
//! let mut wire = Vec::new(); // stands in for the network
//! let mut payloads = packetizer.packetize(&frame, 1200 - header.len())?;
//! let mut datagram = [0u8; 1200];
//! loop {
//!     let Some(p) = payloads.next_into(&mut datagram[header.len()..])? else { break };
//!     header.marker = p.marker;
//!     let n = header.len() + p.len;
//!     header.write(&mut datagram)?;
//!     history.insert(t0, &datagram[..n])?; // before SRTP protects it in place
//!     wire.push(datagram[..n].to_vec());
//!     header.sequence_number = header.sequence_number.wrapping_add(1);
//! }
//! wire.swap(1, 2); // the network reorders
//!
//! // Receiver: statistics, NACKs and the jitter buffer see every (unprotected) packet.
//! let mut stats = ReceiverStats::new(0xabcd, 90_000);
//! let mut nack = NackGenerator::new(NackConfig::default());
//! let mut jitter = JitterBuffer::new(Vp8Depacketizer, JitterConfig::video());
//! let mut decoded = Vec::new();
//! let mut nack_pairs = Vec::new();
//! for (i, bytes) in wire.iter().enumerate() {
//!     let now = t0 + Duration::from_millis(i as u64);
//!     let packet = RtpPacket::new_checked(&bytes[..])?;
//!     stats.handle_packet(now, packet.sequence_number(), packet.timestamp());
//!     nack.handle_packet(now, packet.sequence_number());
//!     jitter.handle_packet(now, &packet)?;
//!     while let Some(f) = jitter.poll_frame(&mut decoded) {
//!         assert!(f.keyframe && decoded == frame); // hand `decoded` to the decoder
//!     }
//!     if nack.poll_nack(now, &mut nack_pairs, 64) {
//!         // would go out in an RTCP NACK; wake again at nack.poll_timeout()
//!     }
//! }
//! // Every so often: a receiver report.
//! let mut rtcp = [0u8; 1200];
//! let block = stats.report_block(t0 + Duration::from_secs(1)).unwrap();
//! let mut w = RtcpWriter::new(&mut rtcp);
//! w.receiver_report(1, &[block])?;
//! assert_eq!(block.cumulative_lost, 0);
//! # Ok::<(), sansrtc_rtp::Error>(())
//! ```

#![forbid(unsafe_code)]

mod error;
pub mod extension;
pub mod jitter;
pub mod nack;
pub mod ntp;
pub mod packet;
pub mod payload;
pub mod rtcp;
pub mod rtx;
pub mod stats;
pub mod unwrap;
mod wire;

pub use error::{Error, Result};
pub use extension::{Extension, ExtensionKind, ExtensionMap, ExtensionValue, HeaderExtensions};
pub use packet::{RtpHeader, RtpPacket};
