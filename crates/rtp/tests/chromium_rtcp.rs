//! RTCP against real packets: the compounds Chromium 156 sent in the captured sessions
//! (tests/data/capture/README.md) parse, agree with the RTP streams and the SDP, and this
//! crate's writer rebuilds them byte for byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;

use common::{Capture, SESSIONS};
use sansrtc_rtp::nack::{NackConfig, NackGenerator};
use sansrtc_rtp::rtcp::{
    Compound, PacketStatus, RtcpPacket, RtcpWriter, SdesItem, check_compound, packet_type,
};
use sansrtc_rtp::rtx::unwrap_rtx;
use sansrtc_rtp::{ExtensionKind, RtpPacket};

/// Rebuilds a parsed compound with [`RtcpWriter`] (unknown types copied with `raw`).
fn rebuild(datagram: &[u8]) -> Vec<u8> {
    let mut buf = vec![0u8; 2048];
    let mut w = RtcpWriter::new(&mut buf);
    for p in Compound::new(datagram) {
        match p.unwrap() {
            RtcpPacket::SenderReport(sr) => {
                let blocks: Vec<_> = sr.report_blocks().collect();
                assert!(sr.profile_extension().is_empty());
                w.sender_report(sr.ssrc(), &sr.sender_info(), &blocks)
                    .unwrap();
            }
            RtcpPacket::ReceiverReport(rr) => {
                let blocks: Vec<_> = rr.report_blocks().collect();
                w.receiver_report(rr.ssrc(), &blocks).unwrap();
            }
            RtcpPacket::SourceDescription(sdes) => {
                let chunks: Vec<(u32, Vec<SdesItem<'_>>)> = sdes
                    .chunks()
                    .map(|c| (c.ssrc, c.items().collect()))
                    .collect();
                let refs: Vec<(u32, &[SdesItem<'_>])> =
                    chunks.iter().map(|(s, i)| (*s, &i[..])).collect();
                w.sdes(&refs).unwrap();
            }
            RtcpPacket::Nack(n) => {
                let pairs: Vec<_> = n.pairs().collect();
                w.nack(n.sender_ssrc, n.media_ssrc, &pairs).unwrap();
            }
            RtcpPacket::Remb(r) => {
                let ssrcs: Vec<_> = r.ssrcs().collect();
                w.remb(r.sender_ssrc, r.bitrate, &ssrcs).unwrap();
            }
            RtcpPacket::TransportCc(t) => {
                let statuses: Vec<_> = t.packets().map(|(_, s)| s).collect();
                w.transport_cc(
                    t.sender_ssrc,
                    t.media_ssrc,
                    t.base_sequence,
                    t.reference_time,
                    t.feedback_count,
                    &statuses,
                )
                .unwrap();
            }
            RtcpPacket::Unknown {
                packet_type,
                count,
                body,
            } => {
                w.raw(count, packet_type, body).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let n = w.len();
    buf.truncate(n);
    buf
}

#[test]
fn rfc3550_6_chromium_compounds_parse_check_and_rebuild_byte_for_byte() {
    let mut seen = BTreeSet::new();
    let mut datagrams = 0;
    for name in SESSIONS {
        let c = Capture::load(name);
        for from_sender in [true, false] {
            for d in c.rtcp(from_sender) {
                datagrams += 1;
                let packets: Vec<_> = Compound::new(&d).map(Result::unwrap).collect();
                let first = match packets[0] {
                    RtcpPacket::SenderReport(_) => packet_type::SR,
                    RtcpPacket::ReceiverReport(_) => packet_type::RR,
                    _ => 0,
                };
                // Chromium negotiates a=rtcp-rsize: lone feedback is reduced-size RTCP.
                assert_eq!(check_compound(&d, first == 0), Ok(()));
                for p in &packets {
                    seen.insert(match p {
                        RtcpPacket::SenderReport(_) => "SR",
                        RtcpPacket::ReceiverReport(_) => "RR",
                        RtcpPacket::SourceDescription(_) => "SDES",
                        RtcpPacket::Nack(_) => "NACK",
                        RtcpPacket::TransportCc(_) => "transport-cc",
                        RtcpPacket::Remb(_) => "REMB",
                        RtcpPacket::Unknown {
                            packet_type: 207, ..
                        } => "XR",
                        other => panic!("{other:?}"),
                    });
                }
                assert_eq!(hex::encode(rebuild(&d)), hex::encode(&d), "{name}");
            }
        }
    }
    assert!(datagrams > 40, "{datagrams}");
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["NACK", "REMB", "RR", "SDES", "SR", "XR", "transport-cc"]
    );
}

#[test]
fn rfc3550_6_4_chromium_reports_name_the_streams_of_the_sdp() {
    for name in SESSIONS {
        let c = Capture::load(name);
        // Chromium reports on the RTX stream too.
        let media: BTreeSet<u32> = [
            c.fact_u32("video-ssrc"),
            c.fact_u32("audio-ssrc"),
            c.fact_u32("rtx-ssrc"),
        ]
        .into();
        for d in c.rtcp(true) {
            for p in Compound::new(&d).map(Result::unwrap) {
                match p {
                    RtcpPacket::SenderReport(sr) => {
                        assert!(media.contains(&sr.ssrc()), "{name}");
                        assert!(sr.sender_info().packet_count > 0);
                    }
                    RtcpPacket::SourceDescription(s) => {
                        let chunk = s.chunks().next().unwrap();
                        assert!(media.contains(&chunk.ssrc));
                        assert_eq!(chunk.cname(), Some(c.fact("cname").as_bytes()));
                    }
                    _ => {}
                }
            }
        }
        for d in c.rtcp(false) {
            for p in Compound::new(&d).map(Result::unwrap) {
                if let RtcpPacket::ReceiverReport(rr) = p {
                    // A receive-only Chromium reports from a placeholder SSRC (1 or
                    // 0xfa17fa17), never one of the sender's.
                    assert!([1, 0xfa17_fa17].contains(&rr.ssrc()), "{:#x}", rr.ssrc());
                    for b in rr.report_blocks() {
                        assert!(media.contains(&b.ssrc), "{name}: {b:?}");
                        assert!(b.jitter < 90_000);
                        assert!(b.fraction_lost < 128);
                    }
                }
            }
        }
    }
}

#[test]
fn transport_cc_draft01_3_1_chromium_feedback_reports_sent_sequence_numbers() {
    let c = Capture::load("vp8_loss");
    let video = c.extension_map("video");
    let audio = c.extension_map("audio");
    let apt = c.payload_type("audio", "opus");
    let mut sent = BTreeSet::new();
    for d in c.datagrams.iter().filter(|d| !d.rtcp) {
        let p = RtpPacket::new_checked(&d.bytes[..]).unwrap();
        let map = if p.payload_type() == apt {
            &audio
        } else {
            &video
        };
        if let Some(seq) = map.parse(p.extensions()).transport_sequence_number {
            sent.insert(seq);
        }
    }
    assert!(
        video
            .id_of(ExtensionKind::TransportSequenceNumber)
            .is_some()
    );
    let mut reported = 0;
    let mut last_count = None;
    for d in c.rtcp(false) {
        for p in Compound::new(&d).map(Result::unwrap) {
            let RtcpPacket::TransportCc(t) = p else {
                continue;
            };
            if let Some(n) = last_count {
                assert!(t.feedback_count != n);
            }
            last_count = Some(t.feedback_count);
            let statuses: Vec<_> = t.packets().collect();
            assert_eq!(statuses.len(), usize::from(t.status_count));
            // The first reported packet was received (libwebrtc starts a report there).
            assert!(matches!(statuses[0].1, PacketStatus::Received { .. }));
            for (seq, status) in statuses {
                if let PacketStatus::Received { .. } = status {
                    // The capture holds only some RTP packets; those it holds line up.
                    if sent.contains(&seq) {
                        reported += 1;
                    }
                }
            }
        }
    }
    assert!(reported > 10, "{reported}");
}

#[test]
fn remb_chromium_estimate_without_transport_cc() {
    let c = Capture::load("av1_opus_remb");
    let video = c.fact_u32("video-ssrc");
    let mut rembs = 0;
    for d in c.rtcp(false) {
        for p in Compound::new(&d).map(Result::unwrap) {
            if let RtcpPacket::Remb(r) = p {
                rembs += 1;
                assert!((10_000..100_000_000).contains(&r.bitrate), "{}", r.bitrate);
                assert!(r.ssrcs().any(|s| s == video));
            }
        }
    }
    assert!(rembs > 0);
}

#[test]
fn rfc4585_6_2_1_rfc4588_chromium_nack_answered_by_rtx() {
    let c = Capture::load("h264_loss");
    let video_ssrc = c.fact_u32("video-ssrc");
    let rtx_ssrc = c.fact_u32("rtx-ssrc");
    let pt = c.payload_type("video", "H264");
    let rtx_pt = c.payload_type("video", "rtx");
    let mut nacked = vec![];
    for d in c.rtcp(false) {
        for p in Compound::new(&d).map(Result::unwrap) {
            if let RtcpPacket::Nack(n) = p {
                assert_eq!(n.media_ssrc, video_ssrc);
                nacked.extend(n.lost());
            }
        }
    }
    assert_eq!(nacked, [0x699d]);
    // Our generator, fed the same arrivals, asks for the same packet.
    let t0 = common::base();
    let mut generator = NackGenerator::new(NackConfig::default());
    let mut ours = BTreeSet::new();
    let mut pairs = vec![];
    // The capture keeps the first 40 video frames but every RTX packet: stop at the last
    // media packet kept.
    let end = c.rtp(pt).last().unwrap().0;
    for d in c.datagrams.iter().filter(|d| !d.rtcp && d.at <= end) {
        let mut bytes = d.bytes.clone();
        let p = RtpPacket::new_checked(&bytes[..]).unwrap();
        if p.payload_type() == pt {
            generator.handle_packet(t0 + d.at, p.sequence_number());
        } else if p.payload_type() == rtx_pt {
            assert_eq!(p.ssrc(), rtx_ssrc);
            let osn = match unwrap_rtx(&mut bytes, video_ssrc, pt).unwrap() {
                Some(len) => {
                    let original = RtpPacket::new_checked(&bytes[..len]).unwrap();
                    assert_eq!((original.ssrc(), original.payload_type()), (video_ssrc, pt));
                    original.sequence_number()
                }
                None => continue,
            };
            generator.handle_packet(t0 + d.at, osn);
        }
        if generator.poll_nack(t0 + d.at, &mut pairs, 10) {
            ours.extend(pairs.iter().flat_map(|p| p.lost()));
        }
    }
    assert!(ours.contains(&0x699d), "{ours:?}");
    // Every NACKed packet was retransmitted on the RTX stream and nothing is missing now.
    assert_eq!(generator.missing(), 0);
}
