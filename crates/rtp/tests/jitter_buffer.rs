//! The jitter buffer as a state machine: reordering, waiting for retransmissions, giving up,
//! key-frame recovery, and every bound.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use sansrtc_rtp::jitter::{JitterBuffer, JitterConfig, JitterEvent};
use sansrtc_rtp::payload::h264::H264Depacketizer;
use sansrtc_rtp::payload::vp8::Vp8Depacketizer;
use sansrtc_rtp::{RtpHeader, RtpPacket};

/// A VP8 packet: S on the frame's first packet, a key frame tag on key frames' first packet.
fn vp8(seq: u16, ts: u32, start: bool, marker: bool, key: bool) -> Vec<u8> {
    let mut payload = vec![if start { 0x10 } else { 0x00 }];
    payload.push(if start && !key { 0x01 } else { 0x00 });
    payload.extend_from_slice(&seq.to_be_bytes());
    let h = RtpHeader {
        marker,
        payload_type: 96,
        sequence_number: seq,
        timestamp: ts,
        ssrc: 1,
        ..RtpHeader::default()
    };
    let mut buf = vec![0u8; 64];
    let n = h.write_packet(&payload, 0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// Frame `f` (timestamp f*3000) of `n` packets starting at `seq`.
fn frame(seq: u16, f: u32, n: u16, key: bool) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| vp8(seq.wrapping_add(i), f * 3000, i == 0, i + 1 == n, key))
        .collect()
}

struct Rig {
    jb: JitterBuffer<Vp8Depacketizer>,
    t0: Instant,
    frames: Vec<(u32, bool, bool)>,
}

impl Rig {
    fn new(config: JitterConfig) -> Self {
        Self {
            jb: JitterBuffer::new(Vp8Depacketizer, config),
            t0: Instant::now(),
            frames: vec![],
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    fn feed(&mut self, ms: u64, packet: &[u8]) {
        let now = self.at(ms);
        self.jb
            .handle_packet(now, &RtpPacket::new_checked(packet).unwrap())
            .unwrap();
        self.drain();
    }

    fn tick(&mut self, ms: u64) {
        self.jb.handle_timeout(self.at(ms));
        self.drain();
    }

    fn drain(&mut self) {
        let mut out = vec![];
        while let Some(f) = self.jb.poll_frame(&mut out) {
            self.frames
                .push((f.timestamp / 3000, f.keyframe, f.discontinuity));
        }
    }
}

fn no_keyframe_wait() -> JitterConfig {
    JitterConfig {
        wait_for_keyframe: false,
        ..JitterConfig::video()
    }
}

#[test]
fn rfc3550_reordered_packets_of_frames_come_out_in_order() {
    let mut r = Rig::new(JitterConfig::video());
    let mut packets: Vec<_> = (0..5)
        .flat_map(|f| frame(100 + 3 * f as u16, f, 3, f == 0))
        .collect();
    packets.swap(1, 2);
    packets.swap(4, 9);
    packets.swap(10, 14);
    for (i, p) in packets.iter().enumerate() {
        r.feed(i as u64, p);
    }
    assert_eq!(
        r.frames,
        [
            (0, true, false),
            (1, false, false),
            (2, false, false),
            (3, false, false),
            (4, false, false)
        ]
    );
    assert_eq!(r.jb.held_packets(), 0);
    assert_eq!(r.jb.poll_timeout(), None);
}

#[test]
fn a_missing_packet_holds_later_frames_until_max_wait_then_is_given_up() {
    let mut r = Rig::new(no_keyframe_wait());
    for p in frame(10, 0, 2, true) {
        r.feed(0, &p);
    }
    // Frame 1 (12, 13) loses 13; frame 2 (14, 15) arrives complete at 5 ms.
    r.feed(1, &frame(12, 1, 2, false)[0]);
    for p in frame(14, 2, 2, false) {
        r.feed(5, &p);
    }
    assert_eq!(r.frames, [(0, true, false)]);
    // Waiting from the first packet behind the gap (at 5 ms) for 200 ms.
    assert_eq!(r.jb.poll_timeout(), Some(r.at(205)));
    r.tick(204);
    assert_eq!(r.frames.len(), 1);
    r.tick(205);
    assert_eq!(r.frames, [(0, true, false), (2, false, true)]);
    let s = r.jb.stats();
    assert_eq!((s.lost, s.dropped), (1, 1));
    // The retransmission arriving now is late.
    r.feed(206, &frame(12, 1, 2, false)[1]);
    assert_eq!(r.jb.stats().late, 1);
}

#[test]
fn a_retransmission_within_max_wait_completes_the_frame() {
    let mut r = Rig::new(JitterConfig::video());
    let f0 = frame(65534, 0, 3, true); // wraps: 65534, 65535, 0
    let f1 = frame(1, 1, 2, false);
    r.feed(0, &f0[0]);
    r.feed(1, &f0[2]);
    r.feed(2, &f1[0]);
    r.feed(3, &f1[1]);
    assert!(r.frames.is_empty());
    r.feed(150, &f0[1]); // RTX recovered it
    assert_eq!(r.frames, [(0, true, false), (1, false, false)]);
    assert_eq!(r.jb.stats().lost, 0);
}

#[test]
fn rfc4585_6_3_1_after_a_loss_frames_wait_for_a_keyframe_and_ask_once() {
    let mut r = Rig::new(JitterConfig::video());
    for p in frame(0, 0, 1, true) {
        r.feed(0, &p);
    }
    // 1 is lost; 2, 3 are delta frames; 4 is a key frame.
    r.feed(10, &frame(2, 2, 1, false)[0]);
    r.feed(20, &frame(3, 3, 1, false)[0]);
    r.tick(210);
    assert_eq!(r.jb.poll_event(), Some(JitterEvent::KeyframeRequired));
    assert_eq!(r.jb.poll_event(), None);
    assert_eq!(r.frames, [(0, true, false)]);
    r.feed(230, &frame(4, 4, 1, false)[0]);
    r.feed(240, &frame(5, 5, 1, true)[0]);
    r.feed(250, &frame(6, 6, 1, false)[0]);
    assert_eq!(
        r.frames,
        [(0, true, false), (5, true, true), (6, false, false)]
    );
    assert_eq!(r.jb.stats().dropped, 3);
}

#[test]
fn the_stream_must_start_with_a_keyframe_when_waiting_for_one() {
    let mut r = Rig::new(JitterConfig::video());
    r.feed(0, &frame(0, 0, 1, false)[0]);
    assert!(r.frames.is_empty());
    assert_eq!(r.jb.poll_event(), Some(JitterEvent::KeyframeRequired));
    r.feed(10, &frame(1, 1, 1, true)[0]);
    // The dropped delta frame makes the key frame a discontinuity.
    assert_eq!(r.frames, [(1, true, true)]);
}

#[test]
fn duplicates_and_late_packets_are_counted_not_delivered() {
    let mut r = Rig::new(no_keyframe_wait());
    let f = frame(7, 0, 2, true);
    r.feed(0, &f[0]);
    r.feed(1, &f[0]);
    assert_eq!(r.jb.stats().duplicates, 1);
    r.feed(2, &f[1]);
    r.feed(3, &f[1]);
    assert_eq!(r.frames.len(), 1);
    assert_eq!(r.jb.stats().late, 1);
}

#[test]
fn packets_reordered_before_the_first_release_move_the_start_back() {
    let mut r = Rig::new(JitterConfig::video());
    let f = frame(20, 0, 3, true);
    r.feed(0, &f[2]);
    r.feed(1, &f[1]);
    r.feed(2, &f[0]);
    assert_eq!(r.frames, [(0, true, false)]);
}

#[test]
fn bounded_by_max_packets_the_oldest_wait_is_given_up() {
    let mut r = Rig::new(JitterConfig {
        max_packets: 8,
        ..no_keyframe_wait()
    });
    r.feed(0, &frame(0, 0, 1, true)[0]);
    // 1 is missing; 2..=8 are frames of one packet each.
    for seq in 2..=8u16 {
        r.feed(1, &frame(seq, u32::from(seq), 1, false)[0]);
    }
    assert_eq!(r.frames.len(), 1);
    // 9 does not fit the 8-packet window from 1: 1 is given up without waiting.
    r.feed(2, &frame(9, 9, 1, false)[0]);
    assert_eq!(r.frames.len(), 9);
    assert!(r.frames[1].2, "the frame after the gap is marked");
    assert!(r.jb.held_packets() <= 8);
}

#[test]
fn bounded_by_max_bytes() {
    let mut r = Rig::new(JitterConfig {
        max_bytes: 40,
        ..no_keyframe_wait()
    });
    r.feed(0, &frame(0, 0, 1, true)[0]);
    // Frame 1 never completes (no marker); each payload is 4 bytes.
    for seq in 1..=30u16 {
        r.feed(1, &vp8(seq, 3000, seq == 1, false, false));
        assert!(r.jb.held_bytes() <= 40);
    }
    assert!(r.jb.stats().dropped > 0);
}

#[test]
fn unpolled_frames_are_dropped_when_the_window_is_full() {
    let mut jb = JitterBuffer::new(
        Vp8Depacketizer,
        JitterConfig {
            max_packets: 4,
            ..no_keyframe_wait()
        },
    );
    let t0 = Instant::now();
    for seq in 0..10u16 {
        let p = frame(seq, u32::from(seq), 1, seq == 0);
        jb.handle_packet(t0, &RtpPacket::new_checked(&p[0][..]).unwrap())
            .unwrap();
    }
    let mut out = vec![];
    let first = jb.poll_frame(&mut out).unwrap();
    assert_eq!(first.first_sequence, 6);
    assert!(first.discontinuity);
    assert_eq!(jb.held_packets(), 3);
}

#[test]
fn a_frame_dropped_for_room_marks_the_next_released_frame() {
    // Found by the rtp_jitter_buffer fuzz target: giving up a gap released two frames at
    // once, the byte limit then dropped the first, and the second came out unmarked.
    let mut jb = JitterBuffer::new(
        Vp8Depacketizer,
        JitterConfig {
            max_bytes: 12,
            ..no_keyframe_wait()
        },
    );
    let t0 = Instant::now();
    let feed = |jb: &mut JitterBuffer<Vp8Depacketizer>, p: &[u8]| {
        jb.handle_packet(t0, &RtpPacket::new_checked(p).unwrap())
            .unwrap();
    };
    feed(&mut jb, &frame(0, 0, 1, true)[0]);
    let mut out = vec![];
    assert!(jb.poll_frame(&mut out).is_some());
    // 1 is missing; 2 and 3 wait (8 bytes); 4 makes 12 bytes, 5 pushes past the limit.
    for seq in 2..=5u16 {
        feed(&mut jb, &frame(seq, u32::from(seq), 1, false)[0]);
    }
    let mut got = vec![];
    while let Some(f) = jb.poll_frame(&mut out) {
        got.push((f.first_sequence, f.discontinuity));
    }
    assert!(!got.is_empty());
    assert!(got[0].1, "{got:?}");
    assert!(
        got.windows(2).all(|w| w[1].0 == w[0].0 + 1 || w[1].1),
        "{got:?}"
    );
}

#[test]
fn a_jump_past_the_window_restarts_and_two_far_behind_restart_too() {
    let mut r = Rig::new(no_keyframe_wait());
    r.feed(0, &frame(100, 0, 1, true)[0]);
    r.feed(1, &frame(101, 1, 2, false)[0]); // incomplete
    r.feed(2, &frame(20_000, 2, 1, true)[0]);
    assert_eq!(r.frames.last(), Some(&(2, true, true)));
    // One packet far behind is late; two in sequence mean the sender restarted.
    r.feed(3, &frame(5_000, 3, 1, true)[0]);
    assert_eq!(r.frames.len(), 2);
    r.feed(4, &frame(5_001, 4, 1, true)[0]);
    assert_eq!(r.frames.last(), Some(&(4, true, true)));
}

#[test]
fn rfc6184_h264_frames_start_after_the_previous_marker() {
    // Slices without a start signal: the first is taken as the start after max_wait, the
    // next ones start after a marker.
    let mut jb = JitterBuffer::new(
        H264Depacketizer,
        JitterConfig {
            wait_for_keyframe: false,
            ..JitterConfig::video()
        },
    );
    let t0 = Instant::now();
    let mut buf = [0u8; 64];
    let mut out = vec![];
    let mut got = vec![];
    for (seq, ts, marker) in [
        (1u16, 0u32, false),
        (2, 0, true),
        (3, 3000, false),
        (4, 3000, true),
    ] {
        // A P slice with first_mb_in_slice != 0 (leading 0 bit): no start signal.
        let h = RtpHeader {
            marker,
            payload_type: 102,
            sequence_number: seq,
            timestamp: ts,
            ..RtpHeader::default()
        };
        let n = h
            .write_packet(&[0x41, 0x40, seq as u8], 0, &mut buf)
            .unwrap();
        jb.handle_packet(t0, &RtpPacket::new_checked(&buf[..n]).unwrap())
            .unwrap();
    }
    assert!(jb.poll_frame(&mut out).is_none());
    jb.handle_timeout(jb.poll_timeout().unwrap());
    while let Some(f) = jb.poll_frame(&mut out) {
        got.push((f.first_sequence, f.last_sequence, out.clone()));
    }
    assert_eq!(
        got,
        [
            (
                1,
                2,
                vec![0, 0, 0, 1, 0x41, 0x40, 1, 0, 0, 0, 1, 0x41, 0x40, 2]
            ),
            (
                3,
                4,
                vec![0, 0, 0, 1, 0x41, 0x40, 3, 0, 0, 0, 1, 0x41, 0x40, 4]
            ),
        ]
    );
}

proptest! {
    /// Whatever arrives, in whatever order, and whenever time is advanced: nothing panics,
    /// the bounds hold, frames come out in sequence order, and a frame is only released whole.
    #[test]
    fn jitter_buffer_holds_its_bounds_under_any_arrival(
        events in prop::collection::vec((0u16..200, 0u32..40, any::<bool>(), any::<bool>(), 0u64..50, any::<bool>()), 1..300),
    ) {
        let config = JitterConfig { max_packets: 64, max_bytes: 1000, max_wait: Duration::from_millis(30), wait_for_keyframe: true };
        let mut jb = JitterBuffer::new(Vp8Depacketizer, config);
        let t0 = Instant::now();
        let mut now = t0;
        let mut out = vec![];
        let mut last: Option<u16> = None;
        for (seq, ts, start, marker, dt, tick) in events {
            now += Duration::from_millis(dt);
            let p = vp8(seq, ts * 3000, start, marker, ts % 5 == 0);
            let _ = jb.handle_packet(now, &RtpPacket::new_checked(&p[..]).unwrap());
            if tick && let Some(t) = jb.poll_timeout() {
                prop_assert!(t + Duration::from_secs(1) > now);
                jb.handle_timeout(t.max(now));
            }
            prop_assert!(jb.held_packets() <= 64);
            prop_assert!(jb.held_bytes() <= 1000);
            while let Some(f) = jb.poll_frame(&mut out) {
                prop_assert!(f.packets >= 1);
                prop_assert_eq!(f.last_sequence.wrapping_sub(f.first_sequence) as usize + 1, f.packets);
                // In sequence order, except across a restart (which is a discontinuity).
                if let Some(l) = last.filter(|_| !f.discontinuity) {
                    prop_assert_eq!(f.first_sequence, l.wrapping_add(1));
                }
                last = Some(f.last_sequence);
                // Whole frames only: every packet's 3 bytes of VP8 data.
                prop_assert_eq!(out.len(), 3 * f.packets);
                let _ = jb.poll_event();
            }
        }
    }
}

proptest! {
    /// Handing the jitter buffer whole packet buffers (`handle_packet_buffer`, no payload copy)
    /// behaves exactly like `handle_packet`: the same frames with the same bytes, the same
    /// deadlines, events and counters, under any arrival, with 48 slots (not a power of two)
    /// and 64.
    #[test]
    fn jitter_buffer_taking_buffers_matches_copying(
        events in prop::collection::vec((0u16..200, 0u32..40, any::<bool>(), any::<bool>(), 0u64..50, any::<bool>()), 1..300),
        slots in prop::sample::select(vec![48usize, 64]),
    ) {
        let config = JitterConfig { max_packets: slots, max_bytes: 1000, max_wait: Duration::from_millis(30), wait_for_keyframe: true };
        let mut copying = JitterBuffer::new(Vp8Depacketizer, config);
        let mut taking = JitterBuffer::new(Vp8Depacketizer, config);
        let mut now = Instant::now();
        let (mut out_a, mut out_b) = (vec![], vec![]);
        let mut spare = Vec::new();
        for (seq, ts, start, marker, dt, tick) in events {
            now += Duration::from_millis(dt);
            let p = vp8(seq, ts * 3000, start, marker, ts % 5 == 0);
            let a = copying.handle_packet(now, &RtpPacket::new_checked(&p[..]).unwrap());
            spare.clear();
            spare.extend_from_slice(&p);
            let b = taking.handle_packet_buffer(now, &mut spare);
            prop_assert_eq!(a.is_ok(), b.is_ok());
            prop_assert_eq!(copying.poll_timeout(), taking.poll_timeout());
            if tick && let Some(t) = copying.poll_timeout() {
                copying.handle_timeout(t.max(now));
                taking.handle_timeout(t.max(now));
            }
            prop_assert_eq!(copying.held_packets(), taking.held_packets());
            prop_assert_eq!(copying.held_bytes(), taking.held_bytes());
            loop {
                let (fa, fb) = (copying.poll_frame(&mut out_a), taking.poll_frame(&mut out_b));
                prop_assert_eq!(fa, fb);
                prop_assert_eq!(&out_a, &out_b);
                if fa.is_none() {
                    break;
                }
            }
            prop_assert_eq!(copying.poll_event(), taking.poll_event());
            prop_assert_eq!(copying.stats(), taking.stats());
        }
    }
}
