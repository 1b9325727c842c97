//! Payload formats against real packets: every codec Chromium 156 sends, captured on loopback
//! with encryption disabled (tests/data/capture/README.md). Each test depacketizes the
//! browser's packets, checks the bitstream the way a decoder would see it, and packetizes the
//! frames again with this crate to check that they come back byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Capture, base};
use sansrtc_rtp::jitter::{Frame, JitterBuffer, JitterConfig};
use sansrtc_rtp::payload::av1::{AggregationHeader, Obus, obu_type};
use sansrtc_rtp::payload::g711::{self, G711Depacketizer};
use sansrtc_rtp::payload::h264::{AnnexBNalUnits, PacketizationMode, nal_type};
use sansrtc_rtp::payload::opus::{OpusDepacketizer, OpusToc};
use sansrtc_rtp::payload::vp8::{self, Vp8Descriptor};
use sansrtc_rtp::payload::vp9::{Vp9Descriptor, Vp9FrameHeader};
use sansrtc_rtp::payload::{
    AnyDepacketizer, AnyPacketizer, Codec, Depacketizer, Packetizer, Payloads,
};
use sansrtc_rtp::rtx::unwrap_rtx;
use sansrtc_rtp::{ExtensionKind, RtpPacket};

/// The video frames of a session, reassembled by the jitter buffer from the media packets and
/// the retransmissions on the RTX stream (RFC 4588), in arrival order with arrival times.
fn video_frames(c: &Capture) -> Vec<(Frame, Vec<u8>)> {
    let codec = Codec::from_encoding_name(&c.codec("video")).unwrap();
    let pt = c.payload_type("video", codec.encoding_name());
    let rtx_pt = c.payload_type("video", "rtx");
    let ssrc = c.fact_u32("video-ssrc");
    let t0 = base();
    let mut jb = JitterBuffer::new(AnyDepacketizer::new(codec), JitterConfig::video());
    let mut frames = vec![];
    for d in c.datagrams.iter().filter(|d| !d.rtcp) {
        let mut bytes = d.bytes.clone();
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        if p.payload_type() == rtx_pt {
            // Padding-only RTX packets probe bandwidth and carry no packet.
            let Some(len) = unwrap_rtx(&mut bytes, ssrc, pt).unwrap() else {
                continue;
            };
            bytes.truncate(len);
        } else if p.payload_type() != pt {
            continue;
        }
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        jb.handle_packet(t0 + d.at, &p).unwrap();
        let mut out = vec![];
        while let Some(f) = jb.poll_frame(&mut out) {
            frames.push((f, out.clone()));
        }
    }
    let stats = jb.stats();
    assert_eq!(stats.malformed, 0);
    assert_eq!(stats.lost, 0, "{stats:?}");
    frames
}

/// Packetizes `frames` with this crate at a 1200-byte payload limit and depacketizes them
/// again: the bitstream must survive unchanged.
fn repacketize(codec: Codec, frames: &[(Frame, Vec<u8>)]) {
    let mut packetizer = match codec {
        Codec::H264 => AnyPacketizer::H264(sansrtc_rtp::payload::h264::H264Packetizer::new(
            PacketizationMode::NonInterleaved,
        )),
        _ => AnyPacketizer::new(codec, 100),
    };
    let depacketizer = AnyDepacketizer::new(codec);
    for (_, frame) in frames {
        let mut payloads = packetizer.packetize(frame, 1200).unwrap();
        let mut packets = vec![];
        let mut buf = [0u8; 1200];
        while let Some(p) = payloads.next_into(&mut buf).unwrap() {
            assert!(p.len <= 1200);
            let info = depacketizer.parse(&buf[..p.len], p.marker).unwrap();
            assert_eq!(info.frame_end, p.marker);
            packets.push(buf[..p.len].to_vec());
        }
        assert!(packets.last().is_some());
        let mut back = vec![];
        depacketizer
            .depacketize(packets.iter().map(Vec::as_slice), &mut back)
            .unwrap();
        assert_eq!(
            &back, frame,
            "{codec:?} frame did not survive repacketization"
        );
    }
}

#[test]
fn rfc7741_4_chromium_vp8_descriptor_keyframe_and_reassembly() {
    let c = Capture::load("vp8_opus");
    let pt = c.payload_type("video", "VP8");
    let mut picture_ids = vec![];
    for (_, bytes) in c.rtp(pt) {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        let d = Vp8Descriptor::parse(p.payload()).unwrap();
        // Chromium: X=1, I=1 with a 15-bit picture ID, no temporal layers in this session.
        assert!(d.long_picture_id);
        if d.is_frame_start() {
            picture_ids.push(d.picture_id.unwrap());
        }
    }
    assert!(
        picture_ids.windows(2).all(|w| w[1] == (w[0] + 1) & 0x7fff),
        "{picture_ids:?}"
    );
    let frames = video_frames(&c);
    assert_eq!(frames.len(), 12);
    let (first, bytes) = &frames[0];
    assert!(first.keyframe && !first.discontinuity);
    let size = vp8::keyframe_size(bytes).unwrap();
    assert_eq!((size.width, size.height), (640, 360));
    for (f, bytes) in &frames[1..] {
        assert!(!f.keyframe && !vp8::is_keyframe(bytes));
        // RFC 6386 §9.1: the frame tag's first partition size fits the frame.
        let tag = u32::from(bytes[0]) | u32::from(bytes[1]) << 8 | u32::from(bytes[2]) << 16;
        assert!((tag >> 5) as usize <= bytes.len());
    }
    assert!(frames.iter().any(|(f, _)| f.packets > 1));
    repacketize(Codec::Vp8, &frames);
}

#[test]
fn rfc9628_4_chromium_vp9_flexible_mode_with_scalability_structure() {
    let c = Capture::load("vp9_pcmu");
    let pt = c.payload_type("video", "VP9");
    let packets = c.rtp(pt);
    let first = RtpPacket::new_checked(&packets[0].1[..]).unwrap();
    let d = Vp9Descriptor::parse(first.payload()).unwrap();
    // Chromium sends even a single-layer stream in flexible mode (F=1).
    assert!(d.flexible && d.start_of_frame && !d.inter_picture_predicted);
    let ss = d.scalability.expect("key frame carries the SS");
    assert_eq!(ss.spatial_layers, 1);
    assert_eq!(ss.resolutions().collect::<Vec<_>>(), [(640, 360)]);
    for (_, bytes) in &packets[1..] {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        let d = Vp9Descriptor::parse(p.payload()).unwrap();
        // Inter frames reference the previous picture.
        assert!(d.inter_picture_predicted && d.scalability.is_none());
        assert_eq!(d.reference_diffs(), [1]);
    }
    let frames = video_frames(&c);
    assert_eq!(frames.len(), 12);
    let header = Vp9FrameHeader::parse(&frames[0].1).unwrap();
    assert!(header.keyframe && frames[0].0.keyframe);
    assert_eq!(header.size, Some((640, 360)));
    for (f, bytes) in &frames[1..] {
        let h = Vp9FrameHeader::parse(bytes).unwrap();
        assert!(!h.keyframe && !f.keyframe);
    }
    repacketize(Codec::Vp9, &frames);
}

#[test]
fn rfc9628_4_2_chromium_vp9_l1t3_temporal_layers() {
    let c = Capture::load("vp9_l1t3_pcma");
    let pt = c.payload_type("video", "VP9");
    let mut tids = vec![];
    for (_, bytes) in c.rtp(pt) {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        let d = Vp9Descriptor::parse(p.payload()).unwrap();
        let layer = d.layer.expect("L1T3 sends layer indices");
        if d.start_of_frame {
            tids.push(layer.temporal_id);
        }
        if d.flexible && d.inter_picture_predicted {
            assert!(!d.reference_diffs().is_empty());
        }
    }
    // L1T3: temporal layers 0, 2, 1, 2, 0, ...
    assert_eq!(&tids[..8], [0, 2, 1, 2, 0, 2, 1, 2]);
    let frames = video_frames(&c);
    assert_eq!(frames.len(), 12);
    assert!(frames[0].0.keyframe);
    repacketize(Codec::Vp9, &frames);
}

#[test]
fn rfc9628_4_2_chromium_vp9_l2t2_spatial_layers() {
    let c = Capture::load("vp9_l2t2_opus");
    let pt = c.payload_type("video", "VP9");
    let packets = c.rtp(pt);
    let first = RtpPacket::new_checked(&packets[0].1[..]).unwrap();
    let d = Vp9Descriptor::parse(first.payload()).unwrap();
    // The stream starts with the low layer only (the bandwidth estimate is still low)...
    let ss = d.scalability.unwrap();
    assert_eq!(ss.spatial_layers, 1);
    assert_eq!(ss.resolutions().collect::<Vec<_>>(), [(320, 180)]);
    // ...and the SS announces the second layer when it is switched on.
    let two: Vec<(u16, u16)> = packets
        .iter()
        .find_map(|(_, b)| {
            let p = RtpPacket::new_checked(&b[..]).unwrap();
            let d = Vp9Descriptor::parse(p.payload()).unwrap();
            d.scalability
                .filter(|s| s.spatial_layers == 2)
                .map(|s| s.resolutions().collect())
        })
        .expect("an SS with two spatial layers");
    assert_eq!(two, [(320, 180), (640, 360)]);
    // Each picture (one RTP timestamp) has a layer frame per active spatial layer, in order.
    let mut layers_per_picture: Vec<Vec<u8>> = vec![];
    let mut last_ts = None;
    for (_, bytes) in &packets {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        let d = Vp9Descriptor::parse(p.payload()).unwrap();
        if last_ts != Some(p.timestamp()) {
            layers_per_picture.push(vec![]);
            last_ts = Some(p.timestamp());
        }
        if d.start_of_frame {
            layers_per_picture
                .last_mut()
                .unwrap()
                .push(d.layer.unwrap().spatial_id);
            // An upper layer predicts from the layer below, not from an earlier picture.
            if d.spatial_id() == 1 && !d.inter_picture_predicted {
                assert!(d.layer.unwrap().inter_layer_dependency);
            }
        }
    }
    assert!(
        layers_per_picture.iter().all(|l| l == &[0] || l == &[0, 1]),
        "{layers_per_picture:?}"
    );
    assert!(layers_per_picture.iter().filter(|l| l.len() == 2).count() >= 8);
    let frames = video_frames(&c);
    assert_eq!(frames.len(), 12);
    assert!(frames[0].0.keyframe);
}

#[test]
fn rfc6184_5_chromium_h264_mode_1_stap_a_fu_a_and_single_nal() {
    let c = Capture::load("h264_loss");
    let pt = c.payload_type("video", "H264");
    let mut kinds = std::collections::BTreeSet::new();
    for (_, bytes) in c.rtp(pt) {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        kinds.insert(p.payload()[0] & 0x1f);
    }
    assert!(kinds.contains(&nal_type::STAP_A) && kinds.contains(&nal_type::FU_A));
    assert!(kinds.contains(&nal_type::SLICE));
    let frames = video_frames(&c);
    assert!(frames.len() >= 30, "{}", frames.len());
    let (first, bytes) = &frames[0];
    assert!(first.keyframe);
    let types: Vec<u8> = AnnexBNalUnits::new(bytes).map(|n| n[0] & 0x1f).collect();
    assert_eq!(types, [nal_type::SPS, nal_type::PPS, nal_type::IDR]);
    for (f, bytes) in &frames[1..] {
        assert!(!f.keyframe);
        assert!(AnnexBNalUnits::new(bytes).all(|n| n[0] & 0x1f == nal_type::SLICE));
    }
    // The capture lost packets: frames after a gap that could not be repaired are marked.
    repacketize(Codec::H264, &frames);
}

#[test]
fn rfc6184_6_2_chromium_h264_mode_0_single_nal_units_only() {
    let c = Capture::load("h264_pm0_pcmu");
    let pt = c.payload_type("video", "H264");
    for (_, bytes) in c.rtp(pt) {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        assert!((1..=23).contains(&(p.payload()[0] & 0x1f)));
    }
    let frames = video_frames(&c);
    assert_eq!(frames.len(), 12);
    let types: Vec<u8> = AnnexBNalUnits::new(&frames[0].1)
        .map(|n| n[0] & 0x1f)
        .collect();
    assert_eq!(types[..2], [nal_type::SPS, nal_type::PPS]);
    assert!(types[2..].iter().all(|&t| t == nal_type::IDR));
    let mut mode0 = sansrtc_rtp::payload::h264::H264Packetizer::new(PacketizationMode::SingleNal);
    for (_, frame) in &frames {
        let mut payloads = mode0.packetize(frame, 1200).unwrap();
        let mut buf = [0u8; 1200];
        while let Some(p) = payloads.next_into(&mut buf).unwrap() {
            assert!((1..=23).contains(&(buf[0] & 0x1f)) && p.len <= 1200);
        }
    }
}

#[test]
fn av1_rtp_4_chromium_av1_aggregation_header_and_obus() {
    let c = Capture::load("av1_opus_remb");
    let pt = c.payload_type("video", "AV1");
    let packets = c.rtp(pt);
    let first = RtpPacket::new_checked(&packets[0].1[..]).unwrap();
    let h = AggregationHeader::from_octet(first.payload()[0]);
    assert!(h.new_sequence && !h.continuation);
    let frames = video_frames(&c);
    assert_eq!(frames.len(), 12);
    for (i, (f, tu)) in frames.iter().enumerate() {
        assert_eq!(f.keyframe, i == 0);
        let obus: Vec<_> = Obus::new(tu).map(Result::unwrap).collect();
        assert!(!obus.is_empty());
        // Every OBU now has its obu_size, so the temporal unit parses to the end.
        let total: usize = obus.iter().map(|o| o.payload.len()).sum();
        assert!(total < tu.len());
        if i == 0 {
            assert_eq!(obus[0].obu_type(), obu_type::SEQUENCE_HEADER);
        }
        assert!(
            obus.iter()
                .any(|o| matches!(o.obu_type(), obu_type::FRAME | obu_type::FRAME_HEADER))
        );
        assert!(
            tu.chunks(1).next().unwrap()[0] & 0x02 != 0,
            "obu_has_size_field set"
        );
    }
    repacketize(Codec::Av1, &frames);
}

#[test]
fn rfc7587_4_chromium_opus_toc_and_timestamps() {
    let c = Capture::load("vp8_opus");
    let pt = c.payload_type("audio", "opus");
    let packets = c.rtp(pt);
    assert!(packets.len() >= 5);
    let mut last: Option<(u16, u32)> = None;
    for (_, bytes) in &packets {
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        let toc = OpusToc::parse(p.payload()).unwrap();
        // Chromium sends 20 ms Opus frames; the RTP clock is 48 kHz whatever the bandwidth.
        assert_eq!(toc.samples(), 960);
        assert!(
            OpusDepacketizer
                .parse(p.payload(), p.marker())
                .unwrap()
                .keyframe
        );
        if let Some((seq, ts)) = last
            && p.sequence_number() == seq.wrapping_add(1)
        {
            assert_eq!(p.timestamp().wrapping_sub(ts), toc.samples());
        }
        last = Some((p.sequence_number(), p.timestamp()));
    }
}

#[test]
fn rfc3551_4_5_14_chromium_pcmu_and_pcma() {
    for (session, name, pt) in [("vp9_pcmu", "PCMU", 0u8), ("vp9_l1t3_pcma", "PCMA", 8)] {
        let c = Capture::load(session);
        assert_eq!(c.payload_type("audio", name), pt);
        let packets = c.rtp(pt);
        assert!(packets.len() >= 5);
        for w in packets.windows(2) {
            let a = RtpPacket::new_checked(&w[0].1[..]).unwrap();
            let b = RtpPacket::new_checked(&w[1].1[..]).unwrap();
            // 20 ms at 8 kHz: 160 one-octet samples, timestamps 160 apart.
            assert_eq!(a.payload().len(), 160);
            assert_eq!(b.timestamp().wrapping_sub(a.timestamp()), 160);
        }
        let mut frame = vec![];
        let p = RtpPacket::new_checked(&packets[0].1[..]).unwrap();
        G711Depacketizer
            .depacketize([p.payload()], &mut frame)
            .unwrap();
        let decode = if pt == 0 {
            g711::ulaw_to_linear
        } else {
            g711::alaw_to_linear
        };
        // Re-encoding the decoded samples gives the same octets back.
        let encode = if pt == 0 {
            g711::linear_to_ulaw
        } else {
            g711::linear_to_alaw
        };
        for &o in &frame {
            let again = encode(decode(o));
            assert!(again == o || (pt == 0 && decode(again) == decode(o)));
        }
    }
}

#[test]
fn rfc8285_chromium_header_extensions_decode() {
    let c = Capture::load("vp8_opus");
    let video = c.extension_map("video");
    let audio = c.extension_map("audio");
    let vpt = c.payload_type("video", "VP8");
    let apt = c.payload_type("audio", "opus");
    let mut transport = vec![];
    for d in c.datagrams.iter().filter(|d| !d.rtcp) {
        let p = RtpPacket::new_checked(&d.bytes[..]).unwrap();
        let map = if p.payload_type() == apt {
            &audio
        } else {
            &video
        };
        let ext = map.parse(p.extensions());
        assert!(ext.abs_send_time.is_some());
        transport.push(ext.transport_sequence_number.unwrap());
        if p.payload_type() == apt {
            let level = ext.audio_level.unwrap();
            assert!(level.level <= 127);
            // RFC 9143 §15: the MID is sent until the receiver is known to have it.
            assert!(ext.mid.is_none_or(|m| m == b"1"));
        } else if p.payload_type() == vpt {
            assert!(ext.mid.is_none_or(|m| m == b"0"));
        }
        assert_eq!(map.kind_of(0), None);
    }
    // One transport-wide sequence across audio and video, increasing in sending order (the
    // capture keeps a subset of the packets, so there are gaps).
    let mut unwrapper = sansrtc_rtp::unwrap::SequenceUnwrapper::new();
    let unwrapped: Vec<i64> = transport.iter().map(|&t| unwrapper.unwrap(t)).collect();
    assert!(unwrapped.windows(2).all(|w| w[1] > w[0]), "{transport:?}");
    assert!(video.id_of(ExtensionKind::VideoOrientation).is_some());
}
