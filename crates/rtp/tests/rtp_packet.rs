//! RTP fixed header (RFC 3550 §5) and header extensions (RFC 8285), with typed values.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use sansrtc_rtp::extension::{
    AudioLevel, ExtensionForm, Extensions, PlayoutDelay, VideoOrientation, abs_send_time_from_ntp,
};
use sansrtc_rtp::{
    Error, Extension, ExtensionKind, ExtensionMap, ExtensionValue, RtpHeader, RtpPacket,
};

/// A Chromium-style VP8 packet as Chrome 120+ sends it with the default video extmap of
/// /work/shared/interop/samples/chromium_offer_av_dc_loopback.sdp (2 abs-send-time,
/// 3 transport-cc, 4 mid) in the one-byte form (RFC 8285 §4.2), hand-assembled field by field.
const CHROMIUM_VP8: &str = concat!(
    "90e01c4a", // V=2 X=1 CC=0, M=1 PT=96, seq 0x1c4a
    "5e3f8a10", // timestamp
    "2c7d3b91", // SSRC
    "bede0003", // one-byte form, 3 words
    "224c3a9e", // id 2 L=2 (3 bytes): abs-send-time 0x4c3a9e
    "31012f",   // id 3 L=1 (2 bytes): transport seq 0x012f
    "4030",     // id 4 L=0 (1 byte): mid "0"
    "000000",   // padding to 32 bits
    "9080",     // VP8 descriptor: X S, I; picture id follows
    "a61b",     // M=1, 15-bit picture id 0x261b
    "9d012a",   // VP8 frame data (hand-made: a frame tag with P=1, not a key frame)
);

fn chromium_map() -> ExtensionMap {
    let mut map = ExtensionMap::new();
    map.insert_uri(
        2,
        "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    )
    .unwrap();
    map.insert_uri(
        3,
        "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    )
    .unwrap();
    map.insert_uri(4, "urn:ietf:params:rtp-hdrext:sdes:mid")
        .unwrap();
    map
}

#[test]
fn rfc3550_5_1_fixed_header_fields() {
    let bytes = hex::decode(CHROMIUM_VP8).unwrap();
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.version(), 2);
    assert!(!p.has_padding());
    assert!(p.has_extension());
    assert_eq!(p.csrc_count(), 0);
    assert!(p.marker());
    assert_eq!(p.payload_type(), 96);
    assert_eq!(p.sequence_number(), 0x1c4a);
    assert_eq!(p.timestamp(), 0x5e3f_8a10);
    assert_eq!(p.ssrc(), 0x2c7d_3b91);
    assert_eq!(p.header_len(), 12 + 4 + 12);
    assert_eq!(p.payload(), hex::decode("9080a61b9d012a").unwrap());
    assert_eq!(p.padding_len(), 0);
}

#[test]
fn rfc8285_4_2_one_byte_form_chromium_video() {
    let bytes = hex::decode(CHROMIUM_VP8).unwrap();
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.extension_profile(), Some(0xBEDE));
    let ids: Vec<_> = p.extensions().map(|e| (e.id, e.data.len())).collect();
    assert_eq!(ids, [(2, 3), (3, 2), (4, 1)]);
    let ext = chromium_map().parse(p.extensions());
    assert_eq!(ext.abs_send_time, Some(0x4c3a9e));
    assert_eq!(ext.transport_sequence_number, Some(0x012f));
    assert_eq!(ext.mid, Some(&b"0"[..]));
    assert_eq!(ext.audio_level, None);
}

#[test]
fn rfc3550_5_1_csrc_list_and_padding() {
    // CC=2, P=1 with 4 bytes of padding whose last byte counts itself.
    let bytes = hex::decode("a2080001000000640000000a0000000b0000000cdeadbeef00000004").unwrap();
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.csrcs().collect::<Vec<_>>(), [0xb, 0xc]);
    assert_eq!(p.payload(), [0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(p.padding_len(), 4);
}

#[test]
fn rfc3550_5_1_padding_count_zero_or_too_large_is_rejected() {
    let zero = hex::decode("a0080001000000640000000adead0000").unwrap();
    assert_eq!(RtpPacket::new_checked(&zero[..]), Err(Error::BadPadding));
    let big = hex::decode("a0080001000000640000000adead0005").unwrap();
    assert_eq!(RtpPacket::new_checked(&big[..]), Err(Error::BadPadding));
}

#[test]
fn rfc3550_5_1_version_must_be_2() {
    let bytes = hex::decode("40080001000000640000000a").unwrap();
    assert_eq!(
        RtpPacket::new_checked(&bytes[..]),
        Err(Error::BadVersion(1))
    );
}

#[test]
fn rfc3550_5_1_truncated_headers_are_rejected() {
    let bytes = hex::decode(CHROMIUM_VP8).unwrap();
    for len in 0..28 {
        assert!(
            matches!(
                RtpPacket::new_checked(&bytes[..len]),
                Err(Error::Truncated { .. })
            ),
            "{len}"
        );
    }
}

#[test]
fn rfc3550_5_3_1_other_profiles_are_opaque() {
    // profile 0x1234: an RFC 3550 extension that is not RFC 8285: no elements.
    let bytes = hex::decode("90080001000000640000000a12340001aabbccdd").unwrap();
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(p.extension_profile(), Some(0x1234));
    assert_eq!(p.extension_data(), [0xaa, 0xbb, 0xcc, 0xdd]);
    assert_eq!(p.extensions().count(), 0);
}

#[test]
fn rfc8285_4_2_id_15_stops_processing() {
    let data = [0x10, 0xaa, 0xf0, 0x20, 0xbb];
    let v: Vec<_> = Extensions::new(Some(ExtensionForm::OneByte), &data).collect();
    assert_eq!(
        v,
        [Extension {
            id: 1,
            data: &[0xaa]
        }]
    );
}

#[test]
fn rfc8285_4_1_2_id_0_with_a_length_stops_processing() {
    // id 1 (1 byte), padding, then ID 0 with L=2: ignore it and everything after it.
    let data = [0x10, 0xaa, 0x00, 0x02, 0x20, 0xbb];
    let v: Vec<_> = Extensions::new(Some(ExtensionForm::OneByte), &data).collect();
    assert_eq!(
        v,
        [Extension {
            id: 1,
            data: &[0xaa]
        }]
    );
}

#[test]
fn rfc8285_4_3_two_byte_form_with_padding_and_empty_value() {
    // id 1 len 0, padding, id 17 len 3.
    let data = [0x01, 0x00, 0x00, 0x11, 0x03, 1, 2, 3];
    let v: Vec<_> = Extensions::new(Some(ExtensionForm::TwoByte), &data).collect();
    assert_eq!(
        v,
        [
            Extension { id: 1, data: &[] },
            Extension {
                id: 17,
                data: &[1, 2, 3]
            }
        ]
    );
    assert_eq!(
        ExtensionForm::from_profile(0x100f),
        Some(ExtensionForm::TwoByte)
    );
}

#[test]
fn rfc8285_4_element_overrunning_the_block_ends_iteration() {
    let data = [0x10, 0xaa, 0x23, 0x01];
    let v: Vec<_> = Extensions::new(Some(ExtensionForm::OneByte), &data).collect();
    assert_eq!(v.len(), 1);
}

#[test]
fn rfc8285_5_extmap_uris_map_to_kinds() {
    let mut map = ExtensionMap::new();
    for (i, kind) in ExtensionKind::ALL.into_iter().enumerate() {
        let id = i as u8 + 1;
        assert_eq!(map.insert_uri(id, kind.uri()).unwrap(), Some(kind));
        assert_eq!(map.id_of(kind), Some(id));
        assert_eq!(map.kind_of(id), Some(kind));
    }
    assert_eq!(
        map.insert_uri(12, "urn:ietf:params:rtp-hdrext:toffset")
            .unwrap(),
        None
    );
    assert!(map.insert(0, ExtensionKind::Mid).is_err());
    // Remapping moves the kind.
    map.insert(9, ExtensionKind::Mid).unwrap();
    assert_eq!(map.kind_of(3), None);
    assert_eq!(map.id_of(ExtensionKind::Mid), Some(9));
}

#[test]
fn rfc6464_3_audio_level_voice_activity_and_level() {
    let v = ExtensionValue::parse(ExtensionKind::AudioLevel, &[0x80 | 30]).unwrap();
    assert_eq!(
        v,
        ExtensionValue::AudioLevel(AudioLevel {
            voice_activity: true,
            level: 30
        })
    );
    let mut out = [0; 4];
    assert_eq!(v.encode(&mut out).unwrap(), 1);
    assert_eq!(out[0], 0x9e);
}

#[test]
fn cvo_video_orientation_and_playout_delay() {
    let v = ExtensionValue::parse(ExtensionKind::VideoOrientation, &[0x0d]).unwrap();
    assert_eq!(
        v,
        ExtensionValue::VideoOrientation(VideoOrientation {
            back_camera: true,
            flip: true,
            rotation: 1
        })
    );
    let d = ExtensionValue::parse(ExtensionKind::PlayoutDelay, &[0x00, 0x10, 0x64]).unwrap();
    assert_eq!(
        d,
        ExtensionValue::PlayoutDelay(PlayoutDelay { min: 1, max: 100 })
    );
    assert_eq!(
        ExtensionValue::parse(ExtensionKind::AbsSendTime, &[1, 2]),
        None
    );
    // 1.5 s in NTP 32.32 is 0x1_8000_0000; 6.18 keeps 6 integer bits.
    assert_eq!(abs_send_time_from_ntp(0x1_8000_0000), 0x06_0000);
}

#[test]
fn rfc8285_4_1_writer_picks_one_byte_then_two_byte_form() {
    let mut buf = [0u8; 64];
    let h = RtpHeader {
        payload_type: 111,
        sequence_number: 7,
        timestamp: 960,
        ssrc: 0xdead_beef,
        extensions: &[Extension {
            id: 1,
            data: &[0x9e],
        }],
        ..Default::default()
    };
    let n = h.write_packet(b"opus", 0, &mut buf).unwrap();
    assert_eq!(
        hex::encode(&buf[..n]),
        "906f0007000003c0deadbeefbede0001109e00006f707573"
    );
    let h2 = RtpHeader {
        extensions: &[Extension { id: 15, data: &[] }],
        ..h
    };
    let n = h2.write(&mut buf).unwrap();
    let p = RtpPacket::new_checked(&buf[..n]).unwrap();
    assert_eq!(p.extension_profile(), Some(0x1000));
    assert_eq!(
        p.extensions().collect::<Vec<_>>(),
        [Extension { id: 15, data: &[] }]
    );
}

#[test]
fn rfc8285_extension_values_rewritten_in_place() {
    let mut bytes = hex::decode(CHROMIUM_VP8).unwrap();
    let mut p = RtpPacket::new_checked(&mut bytes[..]).unwrap();
    p.extension_mut(3).unwrap().copy_from_slice(&[0xab, 0xcd]);
    p.set_sequence_number(9);
    p.set_ssrc(1);
    p.set_marker(false);
    p.set_payload_type(97);
    let p = RtpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(
        chromium_map()
            .parse(p.extensions())
            .transport_sequence_number,
        Some(0xabcd)
    );
    assert_eq!(
        (p.sequence_number(), p.ssrc(), p.marker(), p.payload_type()),
        (9, 1, false, 97)
    );
}

fn arb_extensions() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
    prop_oneof![
        // Fits the one-byte form.
        prop::collection::vec((1u8..=14, prop::collection::vec(any::<u8>(), 1..=16)), 0..5),
        // Needs the two-byte form.
        prop::collection::vec(
            (1u8..=255, prop::collection::vec(any::<u8>(), 0..=40)),
            1..5
        ),
    ]
}

proptest! {
    #[test]
    fn rfc3550_5_1_write_parse_roundtrip(
        marker: bool, pt in 0u8..128, seq: u16, ts: u32, ssrc: u32,
        csrcs in prop::collection::vec(any::<u32>(), 0..=15),
        exts in arb_extensions(),
        payload in prop::collection::vec(any::<u8>(), 0..300),
        padding in 0u8..=32,
    ) {
        let exts: Vec<Extension<'_>> = exts.iter().map(|(id, d)| Extension { id: *id, data: d }).collect();
        let h = RtpHeader { marker, payload_type: pt, sequence_number: seq, timestamp: ts, ssrc, csrcs: &csrcs, extensions: &exts };
        let mut buf = vec![0u8; 2048];
        let n = h.write_packet(&payload, padding, &mut buf).unwrap();
        let p = RtpPacket::new_checked(&buf[..n]).unwrap();
        prop_assert_eq!(p.header_len(), h.len());
        prop_assert_eq!(p.marker(), marker);
        prop_assert_eq!(p.payload_type(), pt);
        prop_assert_eq!(p.sequence_number(), seq);
        prop_assert_eq!(p.timestamp(), ts);
        prop_assert_eq!(p.ssrc(), ssrc);
        prop_assert_eq!(p.csrcs().collect::<Vec<_>>(), csrcs);
        prop_assert_eq!(p.extensions().collect::<Vec<_>>(), exts);
        prop_assert_eq!(p.payload(), &payload[..]);
        prop_assert_eq!(p.padding_len(), usize::from(padding));
    }

    #[test]
    fn rfc3550_5_1_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = bytes;
        if let Ok(p) = RtpPacket::new_checked(&bytes[..]) {
            let _ = (p.marker(), p.sequence_number(), p.csrcs().count(), p.payload().len());
            let _ = chromium_map().parse(p.extensions());
            prop_assert!(p.header_len() + p.payload().len() + p.padding_len() == bytes.len());
        }
        if let Ok(mut p) = RtpPacket::new_checked(&mut bytes[..]) {
            let _ = p.extension_mut(3);
            p.payload_mut().fill(0);
        }
    }

    #[test]
    fn rfc8285_map_decode_agrees_with_extension_value_parse(
        block in prop::collection::vec(any::<u8>(), 0..64),
        ids in prop::collection::vec(0u8..16, 8),
        two_byte: bool,
    ) {
        let mut map = ExtensionMap::new();
        for (kind, id) in ExtensionKind::ALL.into_iter().zip(ids) {
            let _ = map.insert(id, kind);
        }
        let form = if two_byte { ExtensionForm::TwoByte } else { ExtensionForm::OneByte };
        let fast = map.parse(Extensions::new(Some(form), &block));
        let mut slow = sansrtc_rtp::HeaderExtensions::default();
        for e in Extensions::new(Some(form), &block) {
            let Some(kind) = map.kind_of(e.id) else { continue };
            match ExtensionValue::parse(kind, e.data) {
                Some(ExtensionValue::AbsSendTime(v)) => slow.abs_send_time = Some(v),
                Some(ExtensionValue::TransportSequenceNumber(v)) => slow.transport_sequence_number = Some(v),
                Some(ExtensionValue::Mid(v)) => slow.mid = Some(v),
                Some(ExtensionValue::RtpStreamId(v)) => slow.rtp_stream_id = Some(v),
                Some(ExtensionValue::RepairedRtpStreamId(v)) => slow.repaired_rtp_stream_id = Some(v),
                Some(ExtensionValue::AudioLevel(v)) => slow.audio_level = Some(v),
                Some(ExtensionValue::VideoOrientation(v)) => slow.video_orientation = Some(v),
                Some(ExtensionValue::PlayoutDelay(v)) => slow.playout_delay = Some(v),
                _ => {}
            }
        }
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn rfc8285_typed_values_roundtrip(v: u32, seq: u16, level in 0u8..128, vad: bool, min in 0u16..4096, max in 0u16..4096, rot in 0u8..4) {
        let values = [
            ExtensionValue::AbsSendTime(v & 0xff_ffff),
            ExtensionValue::TransportSequenceNumber(seq),
            ExtensionValue::Mid(b"audio0"),
            ExtensionValue::AudioLevel(AudioLevel { voice_activity: vad, level }),
            ExtensionValue::VideoOrientation(VideoOrientation { back_camera: vad, flip: !vad, rotation: rot }),
            ExtensionValue::PlayoutDelay(PlayoutDelay { min, max }),
        ];
        for value in values {
            let mut out = [0u8; 16];
            let n = value.encode(&mut out).unwrap();
            prop_assert_eq!(ExtensionValue::parse(value.kind(), &out[..n]), Some(value));
        }
    }
}
