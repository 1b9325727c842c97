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

/// A VP8 key frame in one packet: no header extensions, any SSRC.
fn bare_vp8(ssrc: u32, seq: u16, mid: Option<&[u8]>) -> Vec<u8> {
    let mut p = vec![0x80, 0x80 | 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 3000).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    if let Some(mid) = mid {
        // One-byte extension header with mid (id 4), padded to 32 bits.
        p[0] |= 0x10;
        let words = (1 + mid.len()).div_ceil(4);
        p.extend_from_slice(&[0xbe, 0xde, 0, words as u8]);
        p.push((4 << 4) | (mid.len() as u8 - 1));
        p.extend_from_slice(mid);
        p.resize(p.len() + words * 4 - 1 - mid.len(), 0);
    }
    p.extend_from_slice(&[0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a]);
    p
}

#[test]
fn rfc9143_9_2_unsignalled_ssrcs_route_by_mid_else_by_a_payload_type_one_section_has() {
    let mut now = Instant::now();
    let mut pair = MediaPair::new(now, 0);
    let frames = |pair: &mut MediaPair, now| {
        pair.step(now)
            .into_iter()
            .filter(|e| matches!(e, Event::Frame(_)))
            .count()
    };
    // No mid, an SSRC nobody signalled: payload type 96 is only the video section's.
    let mut p = bare_vp8(0xdead_beef, 1, None);
    pair.handle_rtp(now, &mut p);
    now += Duration::from_millis(1);
    assert_eq!(frames(&mut pair, now), 1);
    // With the video mid "1", routed by it.
    let mut p = bare_vp8(0xfeed_f00d, 7, Some(b"1"));
    pair.handle_rtp(now, &mut p);
    now += Duration::from_millis(1);
    assert_eq!(frames(&mut pair, now), 1);
    let (video, unroutable) = pair.stats(true);
    assert_eq!(video.unwrap().inbound.len(), 2);
    assert_eq!(unroutable, 0);
    // A mid no section has: not decoded (§9.2), counted.
    let mut p = bare_vp8(0x0bad_cafe, 1, Some(b"9"));
    pair.handle_rtp(now, &mut p);
    assert_eq!(frames(&mut pair, now), 0);
    assert_eq!(pair.stats(true).1, 1);
    // The audio mid with a video payload type: not a format of that section, dropped.
    let mut p = bare_vp8(0x0bad_f00d, 1, Some(b"0"));
    pair.handle_rtp(now, &mut p);
    assert_eq!(pair.stats(true).1, 2);
    assert!(pair.stats(false).0.unwrap().inbound.is_empty());
}
