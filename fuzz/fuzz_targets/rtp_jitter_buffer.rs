//! Drives jitter buffers (VP8, H.264 and Opus depacketizers, tight limits) with arbitrary
//! packets and time steps: nothing panics, the limits hold, frames come out whole and in
//! sequence order, and no timer is left in the past. Any panic is a bug.
//!
//! Input: records of one op byte then, for ops below 0xc0, a 2-byte length and an RTP packet;
//! op 0xc0..=0xff advances the clock by (op - 0xc0) ms and fires due timers.

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
use sansrtc_rtp::RtpPacket;
use sansrtc_rtp::jitter::{JitterBuffer, JitterConfig};
use sansrtc_rtp::payload::{AnyDepacketizer, Codec};

fn t0() -> Instant {
    static T0: OnceLock<Instant> = OnceLock::new();
    *T0.get_or_init(Instant::now)
}

fuzz_target!(|data: &[u8]| {
    let config = JitterConfig {
        max_packets: 32,
        max_bytes: 4096,
        max_wait: Duration::from_millis(40),
        wait_for_keyframe: data.first().is_some_and(|b| b & 1 == 1),
    };
    let mut buffers: Vec<_> = [Codec::Vp8, Codec::H264, Codec::Opus]
        .into_iter()
        .map(|c| JitterBuffer::new(AnyDepacketizer::new(c), config))
        .collect();
    let mut last: Vec<Option<u16>> = vec![None; buffers.len()];
    let mut now = t0();
    let mut out = Vec::new();
    let mut rest = data;
    while let [op, tail @ ..] = rest {
        if *op >= 0xc0 {
            now += Duration::from_millis(u64::from(op - 0xc0));
            for jb in &mut buffers {
                if jb.poll_timeout().is_some_and(|t| t <= now) {
                    jb.handle_timeout(now);
                }
            }
            rest = tail;
        } else {
            let [hi, lo, packet @ ..] = tail else {
                return;
            };
            let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(packet.len());
            let (bytes, after) = packet.split_at(len);
            rest = after;
            if let Ok(p) = RtpPacket::new_checked(bytes) {
                for jb in &mut buffers {
                    let _ = jb.handle_packet(now, &p);
                }
            }
        }
        for (jb, last) in buffers.iter_mut().zip(&mut last) {
            assert!(jb.held_packets() <= 32);
            assert!(jb.held_bytes() <= 4096);
            if let Some(t) = jb.poll_timeout() {
                assert!(t + Duration::from_millis(40) > now - Duration::from_millis(1));
            }
            while let Some(f) = jb.poll_frame(&mut out) {
                assert_eq!(out.len(), f.len);
                assert_eq!(
                    usize::from(f.last_sequence.wrapping_sub(f.first_sequence)) + 1,
                    f.packets
                );
                if let Some(l) = last.filter(|_| !f.discontinuity) {
                    assert_eq!(f.first_sequence, l.wrapping_add(1));
                }
                *last = Some(f.last_sequence);
            }
            while jb.poll_event().is_some() {}
        }
    }
});
