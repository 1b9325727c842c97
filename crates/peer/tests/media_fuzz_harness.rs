//! The fuzz harness of the media pipeline (`sansrtc_peer::fuzzing::MediaPair`) with the seed
//! corpus made from Chromium captures: the packets route by mid and come out as frames of
//! every format, so the fuzzer starts from deep inside the pipeline.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use sansrtc_peer::fuzzing::MediaPair;
use sansrtc_peer::{Codec, Event};

/// Runs one corpus file the way the fuzz target does; returns the frames per codec.
fn run(name: &str) -> Vec<(Codec, usize)> {
    let path = format!(
        "{}/../../fuzz/corpus/peer_media_receive/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let data = std::fs::read(&path).unwrap();
    let mut now = Instant::now();
    let (&seed, data) = data.split_first().unwrap();
    let mut pair = MediaPair::new(now, u64::from(seed));
    let mut frames: Vec<(Codec, usize)> = Vec::new();
    let mut count = |events: Vec<Event>| {
        for e in events {
            if let Event::Frame(f) = e {
                match frames.iter_mut().find(|(c, _)| *c == f.codec) {
                    Some((_, n)) => *n += 1,
                    None => frames.push((f.codec, 1)),
                }
            }
        }
    };
    let mut rest = data;
    let mut packet = Vec::new();
    while let [op, hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (bytes, after) = tail.split_at(len);
        rest = after;
        now += Duration::from_millis(u64::from(op >> 2));
        count(pair.step(now));
        match op & 3 {
            0 => {
                packet.clear();
                packet.extend_from_slice(bytes);
                pair.handle_rtp(now, &mut packet);
            }
            1 => pair.handle_rtcp(now, bytes),
            2 => pair.handle_sender_rtcp(now, bytes),
            _ => {}
        }
    }
    now += Duration::from_secs(1);
    count(pair.step(now));
    frames
}

#[test]
fn chromium_captures_become_frames_of_every_format_through_the_fuzz_harness() {
    for (name, video, audio) in [
        ("vp8_opus", Codec::Vp8, Codec::Opus),
        ("vp9_pcmu", Codec::Vp9, Codec::Pcmu),
        ("vp9_l1t3_pcma", Codec::Vp9, Codec::Pcma),
        ("h264_pm1_opus", Codec::H264, Codec::Opus),
        ("av1_opus_remb", Codec::Av1, Codec::Opus),
        ("vp8_loss", Codec::Vp8, Codec::Opus),
    ] {
        let frames = run(name);
        let n = |c| frames.iter().find(|(x, _)| *x == c).map_or(0, |f| f.1);
        assert!(n(video) >= 5, "{name}: {frames:?}");
        assert!(n(audio) >= 3, "{name}: {frames:?}");
    }
}

#[test]
fn frames_written_by_the_harness_sender_arrive_in_every_format() {
    for (seed, audio, video) in [
        (0, Codec::Opus, Codec::Vp8),
        (1, Codec::Opus, Codec::Vp9),
        (2, Codec::Opus, Codec::H264),
        (4, Codec::Opus, Codec::Av1),
        (5, Codec::Pcmu, Codec::Vp8),
        (10, Codec::Pcma, Codec::Vp8),
    ] {
        let mut now = Instant::now();
        let mut pair = MediaPair::new(now, seed);
        // Key frames of each format: VP8 P=0; VP9 descriptor B+E, not inter-predicted, then a
        // frame; H.264 Annex B IDR; AV1 a temporal delimiter and a sequence header.
        let key: Vec<u8> = match video {
            Codec::Vp8 => [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a].repeat(300),
            Codec::Vp9 => [0x82u8, 0x49, 0x83, 0x42, 0x00].repeat(300),
            Codec::H264 => [&[0u8, 0, 0, 1, 0x65][..], &[0x88; 2000]].concat(),
            // AV1: temporal delimiter, sequence header (11 bytes), frame (300 bytes).
            _ => [
                &[0x12u8, 0x00][..],
                &[
                    0x0a, 0x0b, 0, 0, 0, 0x24, 0xc6, 0x7f, 0xff, 0xfc, 0xc0, 0x20, 0x00,
                ][..],
                &[0x32, 0xac, 0x02][..],
                &[0x10; 300][..],
            ]
            .concat(),
        };
        let mut got = (0, 0);
        for i in 0..10u32 {
            pair.write_frame(now, true, i * 3000, &key);
            pair.write_frame(now, false, i * 960, &[0xfc; 60]);
            for _ in 0..10 {
                now += Duration::from_millis(3);
                for e in pair.step(now) {
                    if let Event::Frame(f) = e {
                        if f.codec == video {
                            got.0 += 1;
                        } else {
                            assert_eq!(f.codec, audio);
                            got.1 += 1;
                        }
                    }
                }
            }
        }
        assert!(
            got.0 >= 5 && got.1 >= 9,
            "seed {seed} {video:?}: {got:?} {:?}",
            pair.stats(true)
        );
    }
}
