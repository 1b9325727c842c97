//! The media pipeline of a peer with arbitrary plain RTP and RTCP (as SRTP would hand them on):
//! demultiplexing by mid, SSRC and payload type (RFC 9143 §9.2), RTX unwrapping (RFC 4588),
//! the jitter buffers and the depacketizers of every negotiated format, NACK and PLI
//! generation, reports and transport-cc feedback, and on the sending side NACK/PLI/FIR and
//! transport-cc handling with the bandwidth estimator. Any panic is a bug, and so is a pipeline
//! that keeps asking to be woken in the past.
//!
//! Input: one byte choosing the formats the sender sends (see `MediaPair::new`), then records
//! of one op byte, a 2-byte length and that many bytes. Op bits 0-1: 0 RTP to
//! the receiver, 1 RTCP to the receiver, 2 RTCP to the sender, 3 a frame written by the sender
//! (first byte odd: video); bits 2..: milliseconds to advance the clock. An RTP record whose
//! first byte is 0 is rewritten to aim at the sender's SSRCs: byte 1 picks one (audio, video,
//! audio RTX, video RTX) and the record is a packet from byte 2 on.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use sansrtc_peer::Event;
use sansrtc_peer::fuzzing::MediaPair;

fn t0() -> Instant {
    static T0: OnceLock<Instant> = OnceLock::new();
    *T0.get_or_init(Instant::now)
}

fn step(pair: &mut MediaPair, now: Instant) {
    for _ in 0..4 {
        for e in pair.step(now) {
            if let Event::Frame(f) = e {
                // Frames are bounded by the jitter buffer's byte limit.
                assert!(f.data.len() <= 64 * 1024 + 4096, "{}", f.data.len());
                assert!(f.packets >= 1);
            }
        }
        if pair.poll_timeout().is_none_or(|t| t > now) {
            return;
        }
    }
    panic!(
        "timer stays due after handling it: {:?}",
        pair.poll_timeout()
    );
}

fuzz_target!(|data: &[u8]| {
    let mut now = t0();
    let Some((&seed, data)) = data.split_first() else {
        return;
    };
    let mut pair = MediaPair::new(now, u64::from(seed));
    let ssrcs = pair.ssrcs();
    let mut packet = Vec::with_capacity(2048);
    let mut rest = data;
    while let [op, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (bytes, after) = tail.split_at(len);
        rest = after;
        now += Duration::from_millis(u64::from(op >> 2));
        step(&mut pair, now);
        match op & 3 {
            0 => {
                packet.clear();
                match bytes {
                    [0, which, p @ ..] if p.len() >= 12 => {
                        packet.extend_from_slice(p);
                        let ssrc = ssrcs[usize::from(which & 3)];
                        packet[8..12].copy_from_slice(&ssrc.to_be_bytes());
                    }
                    _ => packet.extend_from_slice(bytes),
                }
                pair.handle_rtp(now, &mut packet);
            }
            1 => pair.handle_rtcp(now, bytes),
            2 => pair.handle_sender_rtcp(now, bytes),
            _ => {
                if let [flag, frame @ ..] = bytes {
                    pair.write_frame(now, flag & 1 == 1, u32::from(*flag) * 3000, frame);
                }
            }
        }
    }
    // Let every timer run out: jitter buffers give up, NACKs stop, reports go.
    for _ in 0..16 {
        let Some(t) = pair.poll_timeout() else {
            break;
        };
        now = now.max(t);
        step(&mut pair, now);
    }
});
