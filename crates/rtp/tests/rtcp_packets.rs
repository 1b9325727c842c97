//! RTCP compound packets (RFC 3550 §6, RFC 5506) and feedback (RFC 4585, RFC 5104, REMB,
//! transport-wide CC).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use sansrtc_rtp::Error;
use sansrtc_rtp::rtcp::{
    Compound, FirEntry, NackPair, PacketStatus, ReportBlock, RtcpPacket, RtcpWriter, SdesItem,
    SenderInfo, check_compound, is_rtcp, sdes_item,
};

fn parse_all(bytes: &[u8]) -> Vec<RtcpPacket<'_>> {
    Compound::new(bytes).collect::<Result<Vec<_>, _>>().unwrap()
}

/// SR + SDES CNAME, the compound Chromium sends for every outgoing stream (RFC 3550 §6.1),
/// hand-assembled: SR with no report blocks, SDES with a 16-character CNAME.
const SR_SDES: &str = concat!(
    "80c80006",
    "2c7d3b91",
    "e9a4b1a2",
    "3d70a3d7",
    "5e3f8a10",
    "00000064",
    "00003e80",
    "81ca0006",
    "2c7d3b91",
    "0110",
    "6162636465666768696a6b6c6d6e6f70",
    "0000",
);

/// RR + NACK + transport-cc, what a Chromium receiver sends for a video stream (RFC 5506
/// reduced-size feedback may also arrive alone).
const RR_NACK_TWCC: &str = concat!(
    // RR, one block: fraction 5/256, 3 lost, ext. highest 0x11c4a, jitter 32, LSR, DLSR 1 s.
    "81c90007",
    "00000001",
    "2c7d3b91",
    "05000003",
    "00011c4a",
    "00000020",
    "a4b13d70",
    "00010000",
    // generic NACK: PID 0x0102, BLP 0b101 -> 0x102, 0x103, 0x105.
    "81cd0003",
    "00000001",
    "2c7d3b91",
    "01020005",
    // transport-cc last (only the last packet may be padded, RFC 3550 §6.4.1), P=1: base 0x0100, 5 packets, ref time 1 (64 ms), fb count 7,
    // one run-length chunk "5 x small delta", deltas 1, 2, 1, 1, 3 ms, one padding byte.
    "afcd0006",
    "00000001",
    "2c7d3b91",
    "0100",
    "0005",
    "000001",
    "07",
    "2005",
    "0408040 40c01",
);

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

#[test]
fn rfc3550_6_4_1_sender_report_and_6_5_sdes_cname() {
    let bytes = unhex(SR_SDES);
    assert!(is_rtcp(&bytes));
    let packets = parse_all(&bytes);
    assert_eq!(packets.len(), 2);
    let RtcpPacket::SenderReport(sr) = packets[0] else {
        panic!("{:?}", packets[0])
    };
    assert_eq!(sr.ssrc(), 0x2c7d_3b91);
    let info = sr.sender_info();
    assert_eq!(info.ntp_time, 0xe9a4_b1a2_3d70_a3d7);
    assert_eq!(info.compact_ntp(), 0xb1a2_3d70);
    assert_eq!(
        (info.rtp_time, info.packet_count, info.octet_count),
        (0x5e3f_8a10, 100, 16000)
    );
    assert_eq!(sr.report_blocks().count(), 0);
    let RtcpPacket::SourceDescription(sdes) = packets[1] else {
        panic!()
    };
    let chunk = sdes.chunks().next().unwrap();
    assert_eq!(chunk.ssrc, 0x2c7d_3b91);
    assert_eq!(chunk.cname(), Some(&b"abcdefghijklmnop"[..]));
}

#[test]
fn rfc3550_6_4_2_receiver_report_rfc4585_6_2_1_nack_and_transport_cc() {
    let bytes = unhex(RR_NACK_TWCC);
    let packets = parse_all(&bytes);
    assert_eq!(packets.len(), 3);
    let RtcpPacket::ReceiverReport(rr) = packets[0] else {
        panic!()
    };
    let block = rr.report_blocks().next().unwrap();
    assert_eq!(
        block,
        ReportBlock {
            ssrc: 0x2c7d_3b91,
            fraction_lost: 5,
            cumulative_lost: 3,
            extended_highest_sequence: 0x1_1c4a,
            jitter: 32,
            last_sr: 0xa4b1_3d70,
            delay_since_last_sr: 0x1_0000,
        }
    );
    let RtcpPacket::TransportCc(tcc) = packets[2] else {
        panic!("{:?}", packets[2])
    };
    assert_eq!(
        (
            tcc.base_sequence,
            tcc.status_count,
            tcc.reference_time,
            tcc.feedback_count
        ),
        (0x100, 5, 1, 7)
    );
    let deltas: Vec<_> = tcc.packets().collect();
    let expect: Vec<_> = [4, 8, 4, 4, 12]
        .into_iter()
        .enumerate()
        .map(|(i, d)| (0x100 + i as u16, PacketStatus::Received { delta: d }))
        .collect();
    assert_eq!(deltas, expect);
    let RtcpPacket::Nack(nack) = packets[1] else {
        panic!()
    };
    assert_eq!(nack.media_ssrc, 0x2c7d_3b91);
    assert_eq!(nack.lost().collect::<Vec<_>>(), [0x102, 0x103, 0x105]);
}

#[test]
fn rfc3550_6_1_writer_reproduces_the_compound_vectors() {
    let mut buf = [0u8; 256];
    let mut w = RtcpWriter::new(&mut buf);
    w.sender_report(
        0x2c7d_3b91,
        &SenderInfo {
            ntp_time: 0xe9a4_b1a2_3d70_a3d7,
            rtp_time: 0x5e3f_8a10,
            packet_count: 100,
            octet_count: 16000,
        },
        &[],
    )
    .unwrap()
    .sdes_cname(0x2c7d_3b91, b"abcdefghijklmnop")
    .unwrap();
    assert_eq!(w.as_bytes(), unhex(SR_SDES));

    let mut w = RtcpWriter::new(&mut buf);
    let vector = unhex(RR_NACK_TWCC);
    let rr = parse_all(&vector);
    let RtcpPacket::ReceiverReport(r) = rr[0] else {
        panic!()
    };
    let blocks: Vec<_> = r.report_blocks().collect();
    let statuses: Vec<_> = [4, 8, 4, 4, 12]
        .map(|d| PacketStatus::Received { delta: d })
        .to_vec();
    w.receiver_report(1, &blocks)
        .unwrap()
        .nack_lost(1, 0x2c7d_3b91, [0x102, 0x103, 0x105])
        .unwrap()
        .transport_cc(1, 0x2c7d_3b91, 0x100, 1, 7, &statuses)
        .unwrap();
    assert_eq!(hex::encode(w.as_bytes()), hex::encode(unhex(RR_NACK_TWCC)));
    assert_eq!(check_compound(w.as_bytes(), false), Ok(()));
    // The padded transport-cc packet must stay last (RFC 3550 §6.4.1).
    assert!(matches!(w.pli(1, 2), Err(Error::InvalidInput(_))));
}

#[test]
fn transport_cc_draft01_3_1_3_run_length_and_3_1_4_status_vector_chunks() {
    // Chunks: one-bit vector 1|0|0 11111 000 111 00 (the draft's §3.1.4 example: one lost, five
    // received, three lost, three received, two lost) and a two-bit vector
    // 1|1|10 00 01 01 01 01 01 (large delta, lost, five small deltas).
    let bytes = unhex(concat!(
        "afcd0009",
        "00000001",
        "00000002",
        "0064",
        "0015",
        "fffffe",
        "00",
        "9f1c",
        "e155",
        "0102030405060708",
        "fc18",
        "0a0b0c0d0e",
        "01",
    ));
    let packets = parse_all(&bytes);
    let RtcpPacket::TransportCc(tcc) = packets[0] else {
        panic!("{:?}", packets[0])
    };
    assert_eq!(tcc.reference_time, -2);
    let got: Vec<_> = tcc.packets().map(|(_, s)| s).collect();
    let r = |delta| PacketStatus::Received { delta };
    let n = PacketStatus::NotReceived;
    let expect = vec![
        n,
        r(1),
        r(2),
        r(3),
        r(4),
        r(5),
        n,
        n,
        n,
        r(6),
        r(7),
        r(8),
        n,
        n, //
        r(-1000),
        n,
        r(10),
        r(11),
        r(12),
        r(13),
        r(14),
    ];
    assert_eq!(got, expect);
    assert_eq!(tcc.packets().next().unwrap().0, 100);
    // Run-length example of §3.1.3: 221 packets not received.
    let mut buf = [0u8; 64];
    let mut w = RtcpWriter::new(&mut buf);
    w.transport_cc(1, 2, 0, 0, 0, &[n; 221]).unwrap();
    assert_eq!(&w.as_bytes()[20..22], [0x00, 0xdd]);
}

#[test]
fn rfc3550_6_6_bye_and_6_7_app() {
    // Two SSRCs and the reason "leavin", null-padded to 32 bits.
    let bytes = unhex("82cb00040000000100000002066c656176696e00");
    let packets = parse_all(&bytes);
    let RtcpPacket::Bye(bye) = packets[0] else {
        panic!("{:?}", packets[0])
    };
    assert_eq!(bye.ssrcs().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(bye.reason(), Some(&b"leavin"[..]));

    let app = unhex("85cc000300000009717273740a0b0c0d");
    let RtcpPacket::App(a) = parse_all(&app)[0] else {
        panic!()
    };
    assert_eq!(
        (a.subtype(), a.ssrc(), &a.name(), a.data()),
        (5, 9, b"qrst", &[10, 11, 12, 13][..])
    );
}

#[test]
fn rfc4585_6_3_1_pli_rfc5104_4_3_1_fir_and_remb() {
    let bytes = unhex(concat!(
        "81ce0002", "00000001", "2c7d3b91", // PLI
        "84ce0004", "00000001", "00000000", "2c7d3b91", "2a000000", // FIR seq 42
        // REMB: 1 SSRC, exp 3, mantissa 0x3d090 -> 2_000_000 bps... (250000 << 3)
        "8fce0005", "00000001", "00000000", "52454d42", "010fd090", "2c7d3b91",
    ));
    let packets = parse_all(&bytes);
    assert!(matches!(packets[0], RtcpPacket::Pli(p) if p.media_ssrc == 0x2c7d_3b91));
    let RtcpPacket::Fir(fir) = packets[1] else {
        panic!()
    };
    assert_eq!(
        fir.entries().collect::<Vec<_>>(),
        [FirEntry {
            ssrc: 0x2c7d_3b91,
            sequence_number: 42
        }]
    );
    let RtcpPacket::Remb(remb) = packets[2] else {
        panic!("{:?}", packets[2])
    };
    assert_eq!(remb.bitrate, 250_000 << 3);
    assert_eq!(remb.ssrcs().collect::<Vec<_>>(), [0x2c7d_3b91]);
}

#[test]
fn rfc3550_6_4_1_unknown_types_are_skipped_and_bad_lengths_stop() {
    // XR (207), a PSFB with an unknown FMT 3, then an empty RR.
    let bytes = unhex(concat!(
        "80cf000100000001",
        "83ce00020000000100000002",
        "80c9000100000005"
    ));
    let v = parse_all(&bytes);
    assert!(matches!(
        v[0],
        RtcpPacket::Unknown {
            packet_type: 207,
            ..
        }
    ));
    assert!(matches!(
        v[1],
        RtcpPacket::Unknown {
            packet_type: 206,
            count: 3,
            ..
        }
    ));
    assert!(matches!(v[2], RtcpPacket::ReceiverReport(r) if r.ssrc() == 5));
    // A length beyond the datagram: one error, then the iterator ends.
    let bad = unhex("81c9000700000001");
    let mut it = Compound::new(&bad);
    assert_eq!(it.next(), Some(Err(Error::BadRtcpLength)));
    assert_eq!(it.next(), None);
    // A malformed body (the RR claims a block it does not carry) is reported; the length field
    // is still sound, so iteration continues with the next packet.
    let bad_then_good = unhex("81c900010000000180ca0000");
    let v: Vec<_> = Compound::new(&bad_then_good).collect();
    assert!(matches!(v[0], Err(Error::Truncated { .. })));
    assert!(v[1].is_ok());
}

#[test]
fn rfc3550_a_2_compound_validity_and_rfc5506_3_4_2_reduced_size() {
    assert_eq!(check_compound(&unhex(SR_SDES), false), Ok(()));
    // A lone NACK is only valid as reduced-size RTCP.
    let nack = unhex("81cd00030000000173a9efbf699d0000");
    assert!(matches!(
        check_compound(&nack, false),
        Err(Error::MalformedRtcp(_))
    ));
    assert_eq!(check_compound(&nack, true), Ok(()));
    // Lengths must add up to the datagram.
    let mut long = unhex(SR_SDES);
    long.extend_from_slice(&[0x81, 0xca]);
    assert!(check_compound(&long, false).is_err());
    // Padding only on the last packet.
    let mut padded_first = unhex(SR_SDES);
    padded_first[0] |= 0x20;
    padded_first[27] = 4;
    assert_eq!(check_compound(&padded_first, false), Err(Error::BadPadding));
    // Version 2 everywhere.
    let mut v1 = unhex(SR_SDES);
    v1[28] = 0x41;
    assert_eq!(check_compound(&v1, false), Err(Error::BadVersion(1)));
    assert!(check_compound(&[], true).is_err());
}

fn arb_block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        -(1i32 << 23)..(1 << 23),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(|(ssrc, f, c, e, j, l, d)| ReportBlock {
            ssrc,
            fraction_lost: f,
            cumulative_lost: c,
            extended_highest_sequence: e,
            jitter: j,
            last_sr: l,
            delay_since_last_sr: d,
        })
}

fn arb_status() -> impl Strategy<Value = PacketStatus> {
    prop_oneof![
        Just(PacketStatus::NotReceived),
        (0i16..=255).prop_map(|delta| PacketStatus::Received { delta }),
        any::<i16>().prop_map(|delta| PacketStatus::Received { delta }),
    ]
}

proptest! {
    #[test]
    fn rfc3550_6_4_sr_rr_roundtrip(ssrc: u32, ntp: u64, rtp: u32, pc: u32, oc: u32,
        blocks in prop::collection::vec(arb_block(), 0..=31)) {
        let mut buf = vec![0u8; 2048];
        let info = SenderInfo { ntp_time: ntp, rtp_time: rtp, packet_count: pc, octet_count: oc };
        let mut w = RtcpWriter::new(&mut buf);
        w.sender_report(ssrc, &info, &blocks).unwrap().receiver_report(ssrc, &blocks).unwrap();
        let n = w.len();
        let v = parse_all(&buf[..n]);
        let RtcpPacket::SenderReport(sr) = v[0] else { panic!() };
        prop_assert_eq!(sr.ssrc(), ssrc);
        prop_assert_eq!(sr.sender_info(), info);
        prop_assert_eq!(sr.report_blocks().collect::<Vec<_>>(), blocks.clone());
        let RtcpPacket::ReceiverReport(rr) = v[1] else { panic!() };
        prop_assert_eq!(rr.ssrc(), ssrc);
        prop_assert_eq!(rr.report_blocks().collect::<Vec<_>>(), blocks);
    }

    #[test]
    fn rfc3550_6_5_sdes_6_6_bye_6_7_app_roundtrip(
        chunks in prop::collection::vec((any::<u32>(), prop::collection::vec((1u8..=8, prop::collection::vec(any::<u8>(), 0..40)), 0..4)), 0..=5),
        ssrcs in prop::collection::vec(any::<u32>(), 0..=31),
        reason in prop::option::of(prop::collection::vec(any::<u8>(), 0..60)),
        subtype in 0u8..32, name: [u8; 4], data in prop::collection::vec(any::<u32>(), 0..10),
    ) {
        let items: Vec<Vec<SdesItem<'_>>> = chunks.iter().map(|(_, items)| items.iter().map(|(k, v)| SdesItem { kind: *k, value: v }).collect()).collect();
        let refs: Vec<(u32, &[SdesItem<'_>])> = chunks.iter().zip(&items).map(|((s, _), i)| (*s, &i[..])).collect();
        let data: Vec<u8> = data.iter().flat_map(|d| d.to_be_bytes()).collect();
        let mut buf = vec![0u8; 8192];
        let mut w = RtcpWriter::new(&mut buf);
        w.sdes(&refs).unwrap().bye(&ssrcs, reason.as_deref()).unwrap().app(subtype, 7, name, &data).unwrap();
        let n = w.len();
        let v = parse_all(&buf[..n]);
        let RtcpPacket::SourceDescription(sdes) = v[0] else { panic!() };
        let got: Vec<(u32, Vec<SdesItem<'_>>)> = sdes.chunks().map(|c| (c.ssrc, c.items().collect())).collect();
        let want: Vec<(u32, Vec<SdesItem<'_>>)> = refs.iter().map(|(s, i)| (*s, i.to_vec())).collect();
        prop_assert_eq!(got, want);
        let RtcpPacket::Bye(bye) = v[1] else { panic!() };
        prop_assert_eq!(bye.ssrcs().collect::<Vec<_>>(), ssrcs);
        let want_reason = reason.filter(|r| !r.is_empty());
        prop_assert_eq!(bye.reason(), want_reason.as_deref());
        let RtcpPacket::App(app) = v[2] else { panic!() };
        prop_assert_eq!((app.subtype(), app.ssrc(), app.name(), app.data()), (subtype, 7, name, &data[..]));
    }

    #[test]
    fn rfc4585_6_2_1_nack_6_3_1_pli_rfc5104_fir_remb_roundtrip(
        sender: u32, media: u32,
        lost in prop::collection::btree_set(any::<u16>(), 1..100),
        fir in prop::collection::vec((any::<u32>(), any::<u8>()), 1..10),
        bitrate: u64, remb_ssrcs in prop::collection::vec(any::<u32>(), 0..10),
    ) {
        let lost: Vec<u16> = lost.into_iter().collect();
        let fir: Vec<FirEntry> = fir.into_iter().map(|(ssrc, sequence_number)| FirEntry { ssrc, sequence_number }).collect();
        let mut buf = vec![0u8; 4096];
        let mut w = RtcpWriter::new(&mut buf);
        w.nack_lost(sender, media, lost.iter().copied()).unwrap()
            .pli(sender, media).unwrap()
            .fir(sender, &fir).unwrap()
            .remb(sender, bitrate, &remb_ssrcs).unwrap();
        let n = w.len();
        let v = parse_all(&buf[..n]);
        let RtcpPacket::Nack(nack) = v[0] else { panic!() };
        prop_assert_eq!((nack.sender_ssrc, nack.media_ssrc), (sender, media));
        prop_assert_eq!(nack.lost().collect::<Vec<_>>(), lost);
        prop_assert!(matches!(v[1], RtcpPacket::Pli(p) if p.sender_ssrc == sender && p.media_ssrc == media));
        let RtcpPacket::Fir(f) = v[2] else { panic!() };
        prop_assert_eq!(f.entries().collect::<Vec<_>>(), fir);
        let RtcpPacket::Remb(r) = v[3] else { panic!() };
        let exp = (64 - bitrate.leading_zeros()).saturating_sub(18);
        prop_assert_eq!(r.bitrate, (bitrate >> exp) << exp);
        prop_assert_eq!(r.ssrcs().collect::<Vec<_>>(), remb_ssrcs);
    }

    #[test]
    fn transport_cc_draft01_3_1_roundtrip(base: u16, reference in -(1i32 << 23)..(1 << 23), fb: u8,
        statuses in prop::collection::vec(arb_status(), 0..600)) {
        let mut buf = vec![0u8; 4096];
        let mut w = RtcpWriter::new(&mut buf);
        w.transport_cc(1, 2, base, reference, fb, &statuses).unwrap();
        let n = w.len();
        let v = parse_all(&buf[..n]);
        let RtcpPacket::TransportCc(t) = v[0] else { panic!("{:?}", v[0]) };
        prop_assert_eq!((t.base_sequence, t.reference_time, t.feedback_count), (base, reference, fb));
        let got: Vec<_> = t.packets().collect();
        let want: Vec<_> = statuses.iter().enumerate().map(|(i, s)| (base.wrapping_add(i as u16), *s)).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn rfc3550_6_compound_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        for p in Compound::new(&bytes).flatten() {
            match p {
                RtcpPacket::SenderReport(s) => { let _ = s.report_blocks().count(); }
                RtcpPacket::SourceDescription(s) => { for c in s.chunks() { let _ = c.items().count(); } }
                RtcpPacket::TransportCc(t) => { let _ = t.packets().count(); }
                RtcpPacket::Nack(n) => { let _ = n.lost().count(); }
                _ => {}
            }
        }
    }
}

#[test]
fn rfc4585_6_2_1_nack_pairs_pack_blp() {
    let mut pairs = vec![];
    NackPair::pack([10, 11, 26, 27, 60], |p| pairs.push(p));
    assert_eq!(
        pairs,
        [
            NackPair {
                pid: 10,
                blp: 0x8001
            },
            NackPair { pid: 27, blp: 0 },
            NackPair { pid: 60, blp: 0 }
        ]
    );
    // Wrap-around.
    let mut pairs = vec![];
    NackPair::pack([65535, 0, 1], |p| pairs.push(p));
    assert_eq!(
        pairs,
        [NackPair {
            pid: 65535,
            blp: 0b11
        }]
    );
    let _ = sdes_item::CNAME;
}

mod transport_cc_recorder {
    use super::*;
    use sansrtc_rtp::rtcp::TransportCcRecorder;
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    /// One feedback packet: base sequence, reference time, statuses.
    type Feedback = (u16, i32, Vec<(u16, PacketStatus)>);

    /// Writes feedback until there is none and checks the feedback counter.
    fn drain(r: &mut TransportCcRecorder, buf_len: usize) -> Vec<Feedback> {
        let mut out = vec![];
        let mut buf = vec![0u8; buf_len];
        let mut count: Option<u8> = None;
        loop {
            let mut w = RtcpWriter::new(&mut buf);
            if !r.write_feedback(&mut w, 1, 2).unwrap() {
                break;
            }
            let n = w.len();
            assert!(n <= buf_len);
            let p = parse_all(&buf[..n]);
            let RtcpPacket::TransportCc(t) = p[0] else {
                panic!()
            };
            if let Some(c) = count {
                assert_eq!(t.feedback_count, c.wrapping_add(1));
            }
            count = Some(t.feedback_count);
            out.push((t.base_sequence, t.reference_time, t.packets().collect()));
        }
        out
    }

    /// Rebuilds arrival times (250 µs ticks) from the feedback: reference time, then chained
    /// deltas (draft-holmer-…-01 §3.1.5).
    fn arrivals(feedback: &[Feedback]) -> BTreeMap<u16, i64> {
        let mut got = BTreeMap::new();
        for (_, reference, statuses) in feedback {
            let mut t = i64::from(*reference) * 256;
            for (seq, s) in statuses {
                if let PacketStatus::Received { delta } = s {
                    t += i64::from(*delta);
                    assert!(got.insert(*seq, t).is_none(), "{seq} reported twice");
                }
            }
        }
        got
    }

    #[test]
    fn transport_cc_draft01_3_1_feedback_reports_arrivals_exactly() {
        let t0 = Instant::now();
        let mut r = TransportCcRecorder::new(1000);
        // 65534, 65535, 0 (wrap), 2 (1 lost), 3 arriving before 2 (reordering).
        let plan = [
            (65534u16, 0u64),
            (65535, 1000),
            (0, 2500),
            (3, 4000),
            (2, 4250),
        ];
        for (seq, us) in plan {
            r.record(t0 + Duration::from_micros(us), seq);
        }
        let fb = drain(&mut r, 1200);
        assert_eq!(fb.len(), 1);
        assert_eq!(fb[0].0, 65534);
        let statuses: Vec<_> = fb[0].2.iter().map(|(s, _)| *s).collect();
        assert_eq!(statuses, [65534, 65535, 0, 1, 2, 3]);
        assert_eq!(fb[0].2[3].1, PacketStatus::NotReceived);
        // 3 arrived before 2: a negative delta (two-byte symbol).
        assert_eq!(fb[0].2[5].1, PacketStatus::Received { delta: -1 });
        let got = arrivals(&fb);
        let want: BTreeMap<u16, i64> = plan.iter().map(|&(s, us)| (s, (us / 250) as i64)).collect();
        assert_eq!(got, want);
        // Nothing new: no feedback. A late packet already reported is not reported again.
        r.record(t0 + Duration::from_millis(10), 1);
        assert!(drain(&mut r, 1200).is_empty());
        // 4 and 5 never came: the next report starts with them, as not received.
        r.record(t0 + Duration::from_millis(20), 6);
        let fb = drain(&mut r, 1200);
        let statuses: Vec<_> = fb[0]
            .2
            .iter()
            .map(|(s, st)| (*s, *st == PacketStatus::NotReceived))
            .collect();
        assert_eq!(statuses, [(4, true), (5, true), (6, false)]);
    }

    #[test]
    fn transport_cc_draft01_3_1_5_deltas_beyond_8_seconds_start_a_new_feedback() {
        let t0 = Instant::now();
        let mut r = TransportCcRecorder::new(1000);
        r.record(t0, 1);
        r.record(t0 + Duration::from_secs(10), 2);
        let fb = drain(&mut r, 1200);
        assert_eq!(fb.len(), 2);
        assert_eq!((fb[0].0, fb[1].0), (1, 2));
        assert_eq!(arrivals(&fb)[&2], 40_000);
    }

    proptest! {
        #[test]
        fn transport_cc_recorder_reports_each_arrival_once_within_the_buffer(
            start: u16,
            steps in prop::collection::vec((1u16..4, 0u64..40_000), 1..600),
            buf_len in 60usize..1500,
        ) {
            let t0 = Instant::now();
            let mut r = TransportCcRecorder::new(5000);
            let mut seq = start;
            let mut now = 0u64;
            let first = steps[0].1;
            let mut want = BTreeMap::new();
            let mut got = BTreeMap::new();
            for (i, (gap, dt)) in steps.iter().enumerate() {
                seq = seq.wrapping_add(*gap);
                now += dt;
                r.record(t0 + Duration::from_micros(now), seq);
                // Times count from the first arrival, in 250 µs ticks.
                want.insert(seq, ((now - first) / 250) as i64);
                if i % 50 == 49 {
                    got.extend(arrivals(&drain(&mut r, buf_len)));
                }
            }
            got.extend(arrivals(&drain(&mut r, buf_len)));
            prop_assert_eq!(got, want);
        }
    }
}
