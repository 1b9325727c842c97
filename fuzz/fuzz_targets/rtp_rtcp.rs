//! Parses a datagram as compound RTCP, walks every packet, report block, SDES item, NACK,
//! FIR entry, REMB SSRC and transport-cc status, runs the RFC 3550 A.2 checks, and rebuilds
//! every parsed packet with the writer: what the writer produces must parse to the same
//! values. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_rtp::rtcp::{Compound, RtcpPacket, RtcpWriter, SdesItem, check_compound, is_rtcp};

fuzz_target!(|data: &[u8]| {
    let _ = is_rtcp(data);
    let _ = check_compound(data, false);
    let _ = check_compound(data, true);
    let mut buf = vec![0u8; 8 * data.len() + 1024];
    for p in Compound::new(data).flatten() {
        let mut w = RtcpWriter::new(&mut buf);
        match p {
            RtcpPacket::SenderReport(sr) => {
                let blocks: Vec<_> = sr.report_blocks().collect();
                let _ = sr.profile_extension();
                w.sender_report(sr.ssrc(), &sr.sender_info(), &blocks)
                    .unwrap();
                let again = Compound::new(w.as_bytes()).next().unwrap().unwrap();
                let RtcpPacket::SenderReport(a) = again else {
                    panic!()
                };
                assert_eq!(a.sender_info(), sr.sender_info());
                assert!(a.report_blocks().eq(sr.report_blocks()));
            }
            RtcpPacket::ReceiverReport(rr) => {
                let blocks: Vec<_> = rr.report_blocks().collect();
                w.receiver_report(rr.ssrc(), &blocks).unwrap();
                let again = Compound::new(w.as_bytes()).next().unwrap().unwrap();
                let RtcpPacket::ReceiverReport(a) = again else {
                    panic!()
                };
                assert!(a.report_blocks().eq(rr.report_blocks()));
            }
            RtcpPacket::SourceDescription(sdes) => {
                let chunks: Vec<(u32, Vec<SdesItem<'_>>)> = sdes
                    .chunks()
                    .map(|c| (c.ssrc, c.items().collect()))
                    .collect();
                let _ = sdes.chunks().map(|c| c.cname()).count();
                let refs: Vec<(u32, &[SdesItem<'_>])> =
                    chunks.iter().map(|(s, i)| (*s, &i[..])).collect();
                // Item type 0 cannot be written (it is the terminator); others round-trip.
                if w.sdes(&refs).is_ok() {
                    let again = Compound::new(w.as_bytes()).next().unwrap().unwrap();
                    let RtcpPacket::SourceDescription(a) = again else {
                        panic!()
                    };
                    let got: Vec<(u32, Vec<SdesItem<'_>>)> =
                        a.chunks().map(|c| (c.ssrc, c.items().collect())).collect();
                    assert_eq!(got, chunks);
                }
            }
            RtcpPacket::Bye(bye) => {
                let ssrcs: Vec<_> = bye.ssrcs().collect();
                w.bye(&ssrcs, bye.reason()).unwrap();
            }
            RtcpPacket::App(app) => {
                let _ = (app.subtype(), app.ssrc(), app.name(), app.data());
            }
            RtcpPacket::Nack(n) => {
                let pairs: Vec<_> = n.pairs().collect();
                let _ = n.lost().count();
                w.nack(n.sender_ssrc, n.media_ssrc, &pairs).unwrap();
            }
            RtcpPacket::Pli(p) => {
                w.pli(p.sender_ssrc, p.media_ssrc).unwrap();
            }
            RtcpPacket::Fir(f) => {
                let entries: Vec<_> = f.entries().collect();
                w.fir(f.sender_ssrc, &entries).unwrap();
            }
            RtcpPacket::Remb(r) => {
                let ssrcs: Vec<_> = r.ssrcs().collect();
                if w.remb(r.sender_ssrc, r.bitrate, &ssrcs).is_ok() {
                    let again = Compound::new(w.as_bytes()).next().unwrap().unwrap();
                    let RtcpPacket::Remb(a) = again else { panic!() };
                    assert!(a.ssrcs().eq(r.ssrcs()));
                }
            }
            RtcpPacket::TransportCc(t) => {
                let statuses: Vec<_> = t.packets().map(|(_, s)| s).collect();
                assert_eq!(statuses.len(), usize::from(t.status_count));
                w.transport_cc(
                    t.sender_ssrc,
                    t.media_ssrc,
                    t.base_sequence,
                    t.reference_time,
                    t.feedback_count,
                    &statuses,
                )
                .unwrap();
                let again = Compound::new(w.as_bytes()).next().unwrap().unwrap();
                let RtcpPacket::TransportCc(a) = again else {
                    panic!()
                };
                assert!(a.packets().eq(t.packets()));
            }
            RtcpPacket::Unknown {
                packet_type,
                count,
                body,
            } => {
                if body.len().is_multiple_of(4) {
                    w.raw(count, packet_type, body).unwrap();
                }
            }
            _ => {}
        }
    }
});
