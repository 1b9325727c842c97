//! Drives the receive-side helpers and the sender's retransmission buffer with arbitrary RTP
//! and RTCP: receiver statistics (RFC 3550 A.1/A.3/A.8) and their report blocks, the NACK
//! generator, NACKs parsed from the input answered from a retransmission buffer with RTX
//! (RFC 4588), which must unwrap back to the stored packet. Any panic is a bug.
//!
//! Input: records of one op byte, a 2-byte length and that many bytes. Op bit 0: the bytes
//! are RTCP (else RTP); bits 1..: milliseconds to advance the clock.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::RtpPacket;
use sansrtc_rtp::nack::{NackConfig, NackGenerator};
use sansrtc_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, TransportCcRecorder};
use sansrtc_rtp::rtx::{RetransmissionBuffer, RetransmissionConfig, Rtx, unwrap_rtx};
use sansrtc_rtp::stats::{ReceiverStats, round_trip_time};

fn t0() -> Instant {
    static T0: OnceLock<Instant> = OnceLock::new();
    *T0.get_or_init(Instant::now)
}

fuzz_target!(|data: &[u8]| {
    let mut now = t0();
    let mut stats = ReceiverStats::with_probation(0, 90_000, 2);
    let mut nack = NackGenerator::new(NackConfig {
        max_missing: 64,
        initial_delay: Duration::from_millis(5),
        ..NackConfig::default()
    });
    let mut history = RetransmissionBuffer::new(RetransmissionConfig {
        capacity: 16,
        rtx: Some(Rtx {
            ssrc: 0xbeef,
            payload_types: (0..128).map(|pt| (pt, (pt + 1) & 0x7f)).collect(),
        }),
        ..RetransmissionConfig::default()
    });
    let mut stored: HashMap<u16, Vec<u8>> = HashMap::new();
    let mut twcc = TransportCcRecorder::new(256);
    let mut feedback = [0u8; 300];
    let mut pairs = Vec::new();
    let mut out = Vec::new();
    let mut rest = data;
    while let [op, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (bytes, after) = tail.split_at(len);
        rest = after;
        now += Duration::from_millis(u64::from(op >> 1));
        if op & 1 == 0 {
            let Ok(p) = RtpPacket::new_checked(bytes) else {
                continue;
            };
            stats.handle_packet(now, p.sequence_number(), p.timestamp());
            twcc.record(now, p.sequence_number());
            nack.handle_packet(now, p.sequence_number());
            if history.insert(now, bytes).is_ok() {
                stored.insert(p.sequence_number(), bytes.to_vec());
            }
        } else {
            for packet in Compound::new(bytes).flatten() {
                match packet {
                    RtcpPacket::SenderReport(sr) => {
                        stats.handle_sender_report(now, &sr.sender_info());
                        for b in sr.report_blocks() {
                            let _ = round_trip_time(&b, b.last_sr.wrapping_add(7));
                        }
                    }
                    RtcpPacket::Nack(n) => {
                        history.handle_nack(now, n.lost());
                    }
                    _ => {}
                }
            }
        }
        if let Some(b) = stats.report_block(now) {
            assert!((-0x80_0000..0x80_0000).contains(&b.cumulative_lost));
        }
        // Transport-cc feedback fits its buffer and parses back.
        let mut w = RtcpWriter::new(&mut feedback);
        if twcc.write_feedback(&mut w, 1, 2).unwrap() {
            let n = w.len();
            match Compound::new(&feedback[..n]).next() {
                Some(Ok(RtcpPacket::TransportCc(t))) => {
                    assert_eq!(t.packets().count(), usize::from(t.status_count));
                }
                other => panic!("{other:?}"),
            }
        }
        nack.poll_nack(now, &mut pairs, 8);
        assert!(pairs.len() <= 8);
        assert!(nack.missing() <= 64);
        let _ = nack.poll_timeout();
        let _ = nack.take_keyframe_request();
        while let Some(n) = history.poll_transmit(now, &mut out) {
            assert_eq!(n, out.len());
            let rtx = RtpPacket::new_checked(&out[..]).unwrap();
            assert_eq!(rtx.ssrc(), 0xbeef);
            let osn = u16::from_be_bytes([rtx.payload()[0], rtx.payload()[1]]);
            let original = &stored[&osn];
            let o = RtpPacket::new_checked(&original[..]).unwrap();
            let (ssrc, pt) = (o.ssrc(), o.payload_type());
            let len = unwrap_rtx(&mut out, ssrc, pt).unwrap().unwrap();
            let back = RtpPacket::new_checked(&out[..len]).unwrap();
            assert_eq!(back.payload(), o.payload());
            assert_eq!(back.sequence_number(), o.sequence_number());
            assert_eq!(back.timestamp(), o.timestamp());
        }
        // Arbitrary bytes as an RTX packet: an error or a shorter packet, never a panic.
        let mut copy = bytes.to_vec();
        if let Ok(Some(n)) = unwrap_rtx(&mut copy, 1, 2) {
            assert!(n + 2 <= bytes.len());
        }
    }
});
