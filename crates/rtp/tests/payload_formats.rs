//! Payload formats, field by field against the RFC figures, and as properties: every random
//! frame packetized within a random MTU comes back from the jitter buffer unchanged and in
//! order, however the packets are reordered.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use proptest::prelude::*;
use sansrtc_rtp::jitter::{JitterBuffer, JitterConfig};
use sansrtc_rtp::payload::av1::{AggregationHeader, Av1Depacketizer, Av1Packetizer, Obus};
use sansrtc_rtp::payload::g711::G711Packetizer;
use sansrtc_rtp::payload::h264::{
    AnnexBNalUnits, H264Depacketizer, H264Packetizer, PacketizationMode,
};
use sansrtc_rtp::payload::opus::{Bandwidth, OpusPacketizer, OpusToc};
use sansrtc_rtp::payload::vp8::{
    Vp8Depacketizer, Vp8Descriptor, Vp8FrameInfo, Vp8Packetizer, Vp8Temporal,
};
use sansrtc_rtp::payload::vp9::{
    Vp9Depacketizer, Vp9Descriptor, Vp9FrameInfo, Vp9Layer, Vp9Packetizer,
};
use sansrtc_rtp::payload::{
    AnyDepacketizer, AnyPacketizer, Codec, Depacketizer, Packetizer, Payload, Payloads,
};
use sansrtc_rtp::{Error, RtpHeader, RtpPacket};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// Runs a packetizer cursor to the end; payloads and their descriptions.
fn collect(mut p: impl Payloads, max: usize) -> Vec<(Vec<u8>, Payload)> {
    let mut out = vec![];
    let mut buf = vec![0u8; max];
    while let Some(d) = p.next_into(&mut buf).unwrap() {
        assert!(d.len <= max, "{} > {max}", d.len);
        out.push((buf[..d.len].to_vec(), d));
    }
    out
}

fn depacketize<D: Depacketizer>(d: &D, payloads: &[(Vec<u8>, Payload)]) -> Vec<u8> {
    let mut frame = vec![];
    d.depacketize(payloads.iter().map(|(p, _)| &p[..]), &mut frame)
        .unwrap();
    frame
}

#[test]
fn rfc7741_4_2_descriptor_fields() {
    // X, S, PID 0; I with a 7-bit picture ID 0x12; L: TL0PICIDX 5; T: TID 2, Y.
    let d = Vp8Descriptor::parse(&unhex("90 e0 12 05 a3 ff")).unwrap();
    assert!(d.start_of_partition && d.is_frame_start() && !d.non_reference);
    assert_eq!((d.picture_id, d.long_picture_id), (Some(0x12), false));
    assert_eq!(d.tl0_pic_idx, Some(5));
    assert_eq!(
        (d.temporal_id, d.layer_sync, d.key_index),
        (Some(2), true, None)
    );
    assert_eq!(d.len, 5);
    // K without T: KEYIDX read, TID ignored (§4.2).
    let d = Vp8Descriptor::parse(&unhex("a3 10 c5 00")).unwrap();
    assert!(d.non_reference && !d.is_frame_start());
    assert_eq!(d.partition_index, 3);
    assert_eq!((d.temporal_id, d.key_index), (None, Some(5)));
    // No X: a one-byte descriptor.
    assert_eq!(Vp8Descriptor::parse(&unhex("10 9d")).unwrap().len, 1);
    // Truncated, or no VP8 data after the descriptor.
    for bad in ["", "90", "90 80", "90 80 80", "90 80 a6 1b", "90 40"] {
        assert!(matches!(
            Vp8Descriptor::parse(&unhex(bad)),
            Err(Error::MalformedPayload(_))
        ));
    }
}

#[test]
fn rfc7741_4_packetizer_writes_chromiums_descriptor_and_splits_evenly() {
    let frame: Vec<u8> = (0..10).collect();
    let mut p = Vp8Packetizer::new(0x7fff);
    let packets = collect(p.packetize(&frame, 8).unwrap(), 8);
    let hexes: Vec<String> = packets.iter().map(|(b, _)| hex::encode(b)).collect();
    assert_eq!(
        hexes,
        ["9080ffff00010203", "8080ffff040506", "8080ffff070809"]
    );
    assert_eq!(
        packets.iter().map(|(_, d)| d.marker).collect::<Vec<_>>(),
        [false, false, true]
    );
    // The picture ID wraps at 15 bits (§4.2).
    assert_eq!(p.next_picture_id(), 0);
    let info = Vp8FrameInfo {
        non_reference: true,
        temporal: Some(Vp8Temporal {
            temporal_id: 1,
            layer_sync: true,
            tl0_pic_idx: 9,
        }),
    };
    let packets = collect(p.packetize_with(&frame, 100, info).unwrap(), 100);
    let d = Vp8Descriptor::parse(&packets[0].0).unwrap();
    assert!(d.non_reference);
    assert_eq!(
        (d.picture_id, d.tl0_pic_idx, d.temporal_id, d.layer_sync),
        (Some(0), Some(9), Some(1), true)
    );
    assert!(p.packetize(&frame, 4).is_err());
    assert!(p.packetize(&[], 100).is_err());
}

#[test]
fn rfc7741_4_3_keyframe_is_p_bit_zero_on_the_first_packet() {
    let d = Vp8Depacketizer;
    let key = d.parse(&unhex("9080a61b b00100 9d012a"), false).unwrap();
    assert!(key.frame_start && key.keyframe && !key.frame_end);
    let delta = d.parse(&unhex("9080a61b 31"), true).unwrap();
    assert!(delta.frame_start && !delta.keyframe && delta.frame_end);
    // Not the frame's first packet: no key frame decision.
    let middle = d.parse(&unhex("8080a61b 9d"), false).unwrap();
    assert!(!middle.frame_start && !middle.keyframe);
    let size = sansrtc_rtp::payload::vp8::keyframe_size(&unhex("b00100 9d012a 8002 6801")).unwrap();
    assert_eq!((size.width, size.height), (640, 360));
    assert_eq!(
        sansrtc_rtp::payload::vp8::keyframe_size(&unhex("b10100")),
        None
    );
}

#[test]
fn rfc9628_4_2_non_flexible_and_flexible_descriptors() {
    // Non-flexible: I (7-bit PID 5), L (TID 2, U, SID 1, D), TL0PICIDX 7, B, E.
    let bytes = unhex("ac 05 53 07 aa");
    let d = Vp9Descriptor::parse(&bytes).unwrap();
    assert!(!d.flexible && d.start_of_frame && d.end_of_frame);
    assert_eq!(d.picture_id, Some(5));
    let l = d.layer.unwrap();
    assert_eq!(
        (
            l.temporal_id,
            l.switching_up,
            l.spatial_id,
            l.inter_layer_dependency
        ),
        (2, true, 1, true)
    );
    assert_eq!(d.tl0_pic_idx, Some(7));
    assert!(!d.is_picture_start(), "SID 1 does not start a picture");
    // Flexible, P: three references 1, 2, 4 (N bits chain them).
    let bytes = unhex("d8 8123 03 05 08 aa");
    let d = Vp9Descriptor::parse(&bytes).unwrap();
    assert!(d.flexible && d.inter_picture_predicted && d.long_picture_id);
    assert_eq!(d.picture_id, Some(0x0123));
    assert_eq!(d.reference_diffs(), [1, 2, 4]);
    assert_eq!(d.len, 6);
    // A fourth reference is malformed (§4.2: at most 3).
    assert!(Vp9Descriptor::parse(&unhex("d8 01 03 05 09 03 aa")).is_err());
    assert!(Vp9Descriptor::parse(&unhex("d8 01 03")).is_err());
    assert!(Vp9Descriptor::parse(&unhex("88")).is_err());
}

#[test]
fn rfc9628_4_packetizer_modes_and_key_frames() {
    // A VP9 key frame's uncompressed header: frame marker 2, profile 0, key frame, shown,
    // sync code, color space BT.601, 640x360.
    let mut key = unhex("82 49 83 42 00 27 f0 16 70");
    key.extend(std::iter::repeat_n(0x55, 1500));
    let header = sansrtc_rtp::payload::vp9::Vp9FrameHeader::parse(&key).unwrap();
    assert!(header.keyframe && header.show_frame);
    assert_eq!(header.size, Some((640, 360)));
    let mut flexible = Vp9Packetizer::new(0x1234);
    let packets = collect(flexible.packetize(&key, 1000).unwrap(), 1000);
    assert_eq!(packets.len(), 2);
    // I F B V, picture ID, SS with Y: 640x360 (what Chromium sends, minus its Z bit).
    assert_eq!(hex::encode(&packets[0].0[..8]), "9a92341002800168");
    let d = Vp9Descriptor::parse(&packets[1].0).unwrap();
    assert!(d.end_of_frame && !d.start_of_frame && d.scalability.is_none());
    // An inter frame refers to the previous picture.
    let inter = unhex("86 00 40");
    let packets = collect(flexible.packetize(&inter, 1000).unwrap(), 1000);
    assert_eq!(hex::encode(&packets[0].0), "dc923502860040");
    // Non-flexible with layer indices: TL0PICIDX follows L; the SS has a picture group.
    let mut nf = Vp9Packetizer::new_non_flexible(3);
    let info = Vp9FrameInfo {
        layer: Some(Vp9Layer {
            temporal_id: 0,
            switching_up: false,
            spatial_id: 0,
            inter_layer_dependency: false,
        }),
        tl0_pic_idx: 42,
        ..Vp9FrameInfo::default()
    };
    let packets = collect(nf.packetize_with(&key, 1200, info).unwrap(), 1200);
    let d = Vp9Descriptor::parse(&packets[0].0).unwrap();
    assert!(!d.flexible && !d.inter_picture_predicted);
    assert_eq!(d.tl0_pic_idx, Some(42));
    let ss = d.scalability.unwrap();
    let group: Vec<_> = ss.picture_group().collect();
    assert_eq!(group.len(), 1);
    assert_eq!(group[0].reference_diffs, [1]);
    assert_eq!(
        depacketize(&Vp9Depacketizer, &packets),
        key,
        "frame survives"
    );
}

#[test]
fn rfc6184_5_7_1_stap_a_and_5_8_fu_a() {
    let sps = unhex("67 42 e0 1f da");
    let pps = unhex("68 ce 3c 80");
    let idr: Vec<u8> = std::iter::once(0x65)
        .chain((0..3000u32).map(|i| (i % 251 + 1) as u8))
        .collect();
    let mut frame = vec![0, 0, 0, 1];
    frame.extend(&sps);
    frame.extend([0, 0, 1]);
    frame.extend(&pps);
    frame.extend([0, 0, 0, 1]);
    frame.extend(&idr);
    assert_eq!(
        AnnexBNalUnits::new(&frame).collect::<Vec<_>>(),
        [&sps[..], &pps[..], &idr[..]]
    );
    let mut p = H264Packetizer::new(PacketizationMode::NonInterleaved);
    let packets = collect(p.packetize(&frame, 1200).unwrap(), 1200);
    // STAP-A: F 0, NRI the highest (3), type 24; then 16-bit sizes (§5.7.1).
    assert_eq!(hex::encode(&packets[0].0), "7800056742e01fda000468ce3c80");
    // FU-A: indicator NRI 3 type 28, header S/E and type 5; 3000 bytes in three even parts.
    let fu: Vec<_> = packets[1..]
        .iter()
        .map(|(b, _)| (b[0], b[1], b.len()))
        .collect();
    assert_eq!(
        fu,
        [(0x7c, 0x85, 1002), (0x7c, 0x05, 1002), (0x7c, 0x45, 1002)]
    );
    assert!(packets.last().unwrap().1.marker);
    let d = H264Depacketizer;
    let info = d.parse(&packets[0].0, false).unwrap();
    assert!(
        info.frame_start && !info.keyframe,
        "SPS first starts an access unit"
    );
    assert!(d.parse(&packets[1].0, false).unwrap().keyframe);
    let mut want = vec![0, 0, 0, 1];
    want.extend(&sps);
    want.extend([0, 0, 0, 1]);
    want.extend(&pps);
    want.extend([0, 0, 0, 1]);
    want.extend(&idr);
    assert_eq!(depacketize(&d, &packets), want);
    // Mode 0 cannot carry the IDR in one packet.
    let mut mode0 = H264Packetizer::new(PacketizationMode::SingleNal);
    assert!(matches!(
        mode0.packetize(&frame, 1200),
        Err(Error::InvalidInput(_))
    ));
    assert_eq!(
        collect(mode0.packetize(&frame, 3100).unwrap(), 3100).len(),
        3
    );
    assert!(p.packetize(&sps, 1200).is_err(), "no start code");
}

#[test]
fn rfc6184_5_8_fu_a_and_mode_errors_on_receive() {
    let d = H264Depacketizer;
    let mut out = vec![];
    // A fragment without its start, a start without its end, interleaved-mode packets.
    assert!(d.depacketize([&unhex("7c 05 aa")[..]], &mut out).is_err());
    assert!(d.depacketize([&unhex("7c 85 aa")[..]], &mut out).is_err());
    assert!(
        d.depacketize([&unhex("7c 85 aa")[..], &unhex("65 bb")[..]], &mut out)
            .is_err()
    );
    for kind in ["79", "7a", "7b", "7d", "60", "7e"] {
        assert!(d.parse(&unhex(&format!("{kind} 00 01 02")), false).is_err());
    }
    // A STAP-A size running past the packet.
    assert!(d.parse(&unhex("78 00 09 67 42"), false).is_err());
    // FU-A with S and E together (§5.8 forbids sending it) is still read.
    out.clear();
    d.depacketize([&unhex("7c c5 aa bb")[..]], &mut out)
        .unwrap();
    assert_eq!(out, unhex("00000001 65 aa bb"));
}

#[test]
fn av1_rtp_4_aggregation_w_z_y_and_obu_sizes() {
    // TD, sequence header (3 bytes), frame OBU with extension (TID 1, SID 1), 2000 bytes.
    let payload: Vec<u8> = (0..2000u32).map(|i| (i % 200) as u8).collect();
    let mut tu = unhex("1200 0a03aabbcc 3628 d00f");
    tu.extend(&payload);
    let mut p = Av1Packetizer;
    let packets = collect(p.packetize(&tu, 1200).unwrap(), 1200);
    assert_eq!(packets.len(), 2);
    // Z=0 Y=1 W=2 N=1: sequence header with a length, then the frame fragment without.
    let h = AggregationHeader::from_octet(packets[0].0[0]);
    assert!(!h.continuation && h.continues && h.new_sequence);
    assert_eq!(h.element_count, 2);
    assert_eq!(
        hex::encode(&packets[0].0[..8]),
        "6804".to_string() + "08aabbcc" + "3428"
    );
    assert_eq!(packets[0].0.len(), 1198);
    let h = AggregationHeader::from_octet(packets[1].0[0]);
    assert!(h.continuation && !h.continues && !h.new_sequence);
    assert_eq!(h.element_count, 1);
    assert!(packets[1].1.marker && !packets[0].1.marker);
    // Back comes the temporal unit with obu_size restored, minus the temporal delimiter.
    let back = depacketize(&Av1Depacketizer, &packets);
    assert_eq!(back, tu[2..]);
    assert!(
        Av1Depacketizer
            .parse(&packets[0].0, false)
            .unwrap()
            .keyframe
    );
    // A sender that keeps obu_size (allowed): normalized the same way; W=0 lengths.
    let mut out = vec![];
    Av1Depacketizer
        .depacketize([&unhex("00 05 0a03aabbcc 02 1000")[..]], &mut out)
        .unwrap();
    assert_eq!(out, unhex("0a03aabbcc"), "TD in the packet is dropped too");
    // Fragments must chain: Z without a start, Y without a continuation.
    assert!(
        Av1Depacketizer
            .depacketize([&unhex("90 0800")[..]], &mut out)
            .is_err()
    );
    assert!(
        Av1Depacketizer
            .depacketize([&unhex("50 0800")[..]], &mut out)
            .is_err()
    );
    assert!(
        Av1Depacketizer
            .depacketize([&unhex("50 0800")[..], &unhex("10 08")[..]], &mut out)
            .is_err()
    );
    // A length past the packet.
    assert!(Av1Depacketizer.parse(&unhex("00 09 08"), false).is_err());
    assert_eq!(Obus::new(&back).count(), 2);
}

#[test]
fn rfc6716_3_1_opus_toc_durations_and_limits() {
    let toc = |b: &[u8]| OpusToc::parse(b).unwrap();
    assert_eq!(toc(&[0xf8]).samples(), 960); // CELT FB 20 ms
    assert_eq!(toc(&[0xf8]).bandwidth(), Bandwidth::Full);
    assert_eq!(toc(&[0x78]).samples(), 960); // hybrid FB 20 ms
    assert_eq!(toc(&[0x08]).samples(), 960); // SILK NB 20 ms
    assert_eq!(toc(&[0x15]).samples(), 1920 * 2); // SILK NB 40 ms, stereo, two frames
    assert!(toc(&[0x15]).stereo);
    assert_eq!(toc(&[0x83, 0x06]).samples(), 720); // six 2.5 ms CELT frames
    assert_eq!(toc(&[0x19]).samples(), 5760); // two 60 ms frames: 120 ms
    assert!(OpusToc::parse(&[0x1b, 0x03]).is_err()); // three 60 ms frames
    assert!(OpusToc::parse(&[0x83, 0x00]).is_err()); // code 3, no frames
    assert!(OpusToc::parse(&[0x83]).is_err());
    assert!(OpusToc::parse(&[]).is_err());
    let mut p = OpusPacketizer;
    assert!(p.packetize(&[0xf8; 200], 100).is_err(), "never split");
    assert_eq!(
        collect(p.packetize(&[0xf8; 100], 100).unwrap(), 100).len(),
        1
    );
}

#[test]
fn rfc3551_4_5_14_g711_splits_at_sample_boundaries_with_timestamps() {
    let samples = vec![0xffu8; 1000];
    let packets = collect(G711Packetizer.packetize(&samples, 400).unwrap(), 400);
    let layout: Vec<_> = packets
        .iter()
        .map(|(b, d)| (b.len(), d.timestamp_offset, d.marker))
        .collect();
    assert_eq!(
        layout,
        [(334, 0, false), (333, 334, false), (333, 667, false)]
    );
}

#[test]
fn packetizers_report_a_short_output_buffer_and_stay_put() {
    let frame = vec![0x11u8; 2500];
    let mut p = Vp8Packetizer::new(1);
    let mut payloads = p.packetize(&frame, 1200).unwrap();
    let mut small = [0u8; 100];
    assert_eq!(payloads.next_into(&mut small), Err(Error::BufferTooSmall));
    let mut big = [0u8; 1200];
    let first = payloads.next_into(&mut big).unwrap().unwrap();
    assert_eq!(big[0], 0x90, "still the first packet (S=1)");
    assert!(first.len <= 1200);
}

// Random frames for each codec, in the shape its packetizer takes and its depacketizer gives
// back (H.264 with 4-byte start codes and NAL units free of `00 00`, AV1 with obu_size).

fn arb_h264_frame() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (0u8..4, 1u8..=23, prop::collection::vec(1u8..=255, 0..3000)),
        1..5,
    )
    .prop_map(|nals| {
        let mut f = vec![];
        for (nri, kind, body) in nals {
            f.extend([0, 0, 0, 1, (nri << 5) | kind]);
            f.extend(body);
        }
        f
    })
}

fn leb128(mut v: usize, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn arb_av1_tu() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (
            prop::sample::select(vec![1u8, 3, 4, 5, 6]),
            prop::option::of(any::<u8>()),
            prop::collection::vec(any::<u8>(), 0..2500),
        ),
        1..5,
    )
    .prop_map(|obus| {
        let mut tu = vec![];
        for (kind, ext, body) in obus {
            tu.push((kind << 3) | 0x02 | if ext.is_some() { 0x04 } else { 0 });
            tu.extend(ext.map(|e| e & 0xf8));
            leb128(body.len(), &mut tu);
            tu.extend(body);
        }
        tu
    })
}

fn arb_frame(codec: Codec) -> BoxedStrategy<Vec<u8>> {
    match codec {
        Codec::H264 => arb_h264_frame().boxed(),
        Codec::Av1 => arb_av1_tu().boxed(),
        // A valid TOC byte, and small enough for any MTU tried.
        Codec::Opus => (0u8..=255, prop::collection::vec(any::<u8>(), 0..200))
            .prop_map(|(toc, rest)| {
                let mut f = vec![toc & !0x03];
                f.extend(rest);
                f
            })
            .boxed(),
        _ => prop::collection::vec(any::<u8>(), 1..5000).boxed(),
    }
}

/// Packetizes `frames`, shuffles the packets within a window (keeping the first one first:
/// it sets where the stream begins), feeds them to a jitter buffer and checks that every
/// frame comes out whole and in order.
fn roundtrip_under_reordering(
    codec: Codec,
    frames: &[Vec<u8>],
    mtu: usize,
    first_seq: u16,
    swaps: &[(usize, usize)],
) -> Result<(), TestCaseError> {
    let mut packetizer = AnyPacketizer::new(codec, 77);
    let mut packets = vec![];
    let mut seq = first_seq;
    for (i, frame) in frames.iter().enumerate() {
        let mut payloads = packetizer.packetize(frame, mtu - 12).unwrap();
        let mut buf = vec![0u8; mtu];
        loop {
            let header_len = 12;
            let Some(p) = payloads.next_into(&mut buf[header_len..]).unwrap() else {
                break;
            };
            let h = RtpHeader {
                marker: p.marker,
                payload_type: 96,
                sequence_number: seq,
                timestamp: (i as u32 * 3000).wrapping_add(p.timestamp_offset),
                ssrc: 5,
                ..RtpHeader::default()
            };
            h.write(&mut buf).unwrap();
            packets.push(buf[..header_len + p.len].to_vec());
            seq = seq.wrapping_add(1);
        }
    }
    for &(a, b) in swaps {
        let n = packets.len();
        if n < 3 {
            break;
        }
        let a = 1 + a % (n - 1);
        let b = (a + 1 + b % 8).min(n - 1);
        packets.swap(a, b);
    }
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(
        AnyDepacketizer::new(codec),
        JitterConfig {
            wait_for_keyframe: false,
            max_packets: 4096,
            ..JitterConfig::video()
        },
    );
    let mut out = vec![];
    let mut got = vec![];
    for (i, p) in packets.iter().enumerate() {
        let now = t0 + Duration::from_millis(i as u64);
        jb.handle_packet(now, &RtpPacket::new_checked(&p[..]).unwrap())
            .unwrap();
        while let Some(f) = jb.poll_frame(&mut out) {
            prop_assert!(!f.discontinuity);
            got.push(out.clone());
        }
    }
    // A first packet that does not say it starts a frame (H.264 slices, AV1 without a
    // sequence header) is taken as the start once the wait is over.
    if let Some(t) = jb.poll_timeout() {
        jb.handle_timeout(t);
        while let Some(f) = jb.poll_frame(&mut out) {
            prop_assert!(!f.discontinuity);
            got.push(out.clone());
        }
    }
    let stats = jb.stats();
    prop_assert_eq!(stats.lost + stats.dropped + stats.late, 0, "{:?}", stats);
    prop_assert_eq!(got.len(), frames.len());
    for (a, b) in got.iter().zip(frames) {
        prop_assert_eq!(a, b);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn vp8_packetize_depacketize_under_reordering(
        frames in prop::collection::vec(arb_frame(Codec::Vp8), 1..6),
        mtu in 40usize..1500, seq: u16, swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..20),
    ) {
        roundtrip_under_reordering(Codec::Vp8, &frames, mtu, seq, &swaps)?;
    }

    #[test]
    fn vp9_packetize_depacketize_under_reordering(
        frames in prop::collection::vec(arb_frame(Codec::Vp9), 1..6),
        mtu in 40usize..1500, seq: u16, swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..20),
    ) {
        roundtrip_under_reordering(Codec::Vp9, &frames, mtu, seq, &swaps)?;
    }

    #[test]
    fn h264_packetize_depacketize_under_reordering(
        frames in prop::collection::vec(arb_frame(Codec::H264), 1..6),
        mtu in 40usize..1500, seq: u16, swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..20),
    ) {
        roundtrip_under_reordering(Codec::H264, &frames, mtu, seq, &swaps)?;
    }

    #[test]
    fn av1_packetize_depacketize_under_reordering(
        frames in prop::collection::vec(arb_frame(Codec::Av1), 1..6),
        mtu in 40usize..1500, seq: u16, swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..20),
    ) {
        roundtrip_under_reordering(Codec::Av1, &frames, mtu, seq, &swaps)?;
    }

    #[test]
    fn opus_and_g711_packetize_depacketize_under_reordering(
        opus in prop::collection::vec(arb_frame(Codec::Opus), 1..20),
        g711 in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..400), 1..20),
        seq: u16, swaps in prop::collection::vec((any::<usize>(), any::<usize>()), 0..20),
    ) {
        roundtrip_under_reordering(Codec::Opus, &opus, 300, seq, &swaps)?;
        // G.711 frames small enough for one packet each (one timestamp per frame).
        roundtrip_under_reordering(Codec::Pcmu, &g711, 500, seq, &swaps)?;
    }

    #[test]
    fn h264_mode_0_packetize_depacketize(frame in arb_h264_frame()) {
        let mut p = H264Packetizer::new(PacketizationMode::SingleNal);
        let packets = collect(p.packetize(&frame, 4000).unwrap(), 4000);
        prop_assert!(packets.iter().all(|(b, _)| (1..=23).contains(&(b[0] & 0x1f))));
        prop_assert_eq!(depacketize(&H264Depacketizer, &packets), frame);
    }

    #[test]
    fn rfc7741_4_2_descriptor_write_parse_roundtrip(
        picture_id in 0u16..0x8000, non_reference: bool,
        temporal in prop::option::of((0u8..4, any::<bool>(), any::<u8>())),
        len in 1usize..3000, mtu in 10usize..1500,
    ) {
        let info = Vp8FrameInfo {
            non_reference,
            temporal: temporal.map(|(temporal_id, layer_sync, tl0_pic_idx)| Vp8Temporal { temporal_id, layer_sync, tl0_pic_idx }),
        };
        let frame = vec![0x31u8; len];
        let mut p = Vp8Packetizer::new(picture_id);
        let packets = collect(p.packetize_with(&frame, mtu, info).unwrap(), mtu);
        for (i, (bytes, _)) in packets.iter().enumerate() {
            let d = Vp8Descriptor::parse(bytes).unwrap();
            prop_assert_eq!(d.is_frame_start(), i == 0);
            prop_assert_eq!((d.picture_id, d.long_picture_id, d.non_reference), (Some(picture_id), true, non_reference));
            prop_assert_eq!(d.temporal_id, temporal.map(|t| t.0));
            prop_assert_eq!(d.tl0_pic_idx, temporal.map(|t| t.2));
            prop_assert_eq!(d.layer_sync, temporal.is_some_and(|t| t.1));
        }
        prop_assert_eq!(p.next_picture_id(), (picture_id + 1) & 0x7fff);
        prop_assert_eq!(depacketize(&Vp8Depacketizer, &packets), frame);
    }

    #[test]
    fn vp9_descriptor_write_parse_roundtrip(
        picture_id in 0u16..0x8000, tid in 0u8..8, sid in 0u8..8, u: bool, d: bool, tl0: u8,
        refs in prop::collection::vec(1u8..128, 1..=3), z: bool, flexible: bool,
    ) {
        let layer = Vp9Layer { temporal_id: tid, switching_up: u, spatial_id: sid, inter_layer_dependency: d };
        let mut r = [0u8; 3];
        r[..refs.len()].copy_from_slice(&refs);
        let info = Vp9FrameInfo { layer: Some(layer), tl0_pic_idx: tl0, references: Some((r, refs.len() as u8)), not_upper_reference: z };
        let mut p = if flexible { Vp9Packetizer::new(picture_id) } else { Vp9Packetizer::new_non_flexible(picture_id) };
        let packets = collect(p.packetize_with(&[0x86, 0, 0x40, 1, 2, 3], 100, info).unwrap(), 100);
        let desc = Vp9Descriptor::parse(&packets[0].0).unwrap();
        prop_assert_eq!(desc.picture_id, Some(picture_id));
        prop_assert_eq!(desc.layer, Some(layer));
        prop_assert_eq!(desc.not_upper_reference, z);
        if flexible {
            prop_assert_eq!(desc.reference_diffs(), &refs[..]);
        } else {
            prop_assert_eq!(desc.tl0_pic_idx, Some(tl0));
        }
    }

    #[test]
    fn depacketizers_never_panic(payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 1..6), marker: bool) {
        for codec in [Codec::Opus, Codec::Pcmu, Codec::Vp8, Codec::Vp9, Codec::H264, Codec::Av1] {
            let d = AnyDepacketizer::new(codec);
            for p in &payloads {
                let _ = d.parse(p, marker);
            }
            let mut out = vec![];
            let _ = d.depacketize(payloads.iter().map(Vec::as_slice), &mut out);
            prop_assert!(out.len() <= payloads.iter().map(|p| 3 * p.len() + 8).sum::<usize>());
        }
    }
}
