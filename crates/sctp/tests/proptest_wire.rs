//! parse(serialize(x)) == x for every SCTP wire type, and no input panics a parser.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use sansrtc_sctp::Reliability;
use sansrtc_sctp::datachannel::dcep::{Dcep, Open};
use sansrtc_sctp::packet::*;

fn one_chunk(buf: &[u8]) -> Chunk<'_> {
    let (raw, rest) = RawChunk::split(buf).unwrap();
    assert!(rest.is_empty());
    Chunk::parse(raw).unwrap()
}

proptest! {
    #[test]
    fn rfc9260_3_3_1_data_round_trip(flags in 0u8..16, tsn: u32, sid: u16, ssn: u16, ppid: u32, payload in proptest::collection::vec(any::<u8>(), 1..300)) {
        let mut b = Vec::new();
        let s = write_data_header(&mut b, flags, tsn, sid, ssn, ppid);
        b.extend_from_slice(&payload);
        end_chunk(&mut b, s);
        let Chunk::Data(d) = one_chunk(&b) else { panic!() };
        prop_assert_eq!((d.flags, d.tsn, d.stream_id, d.ssn, d.ppid, d.payload), (flags, tsn, sid, ssn, ppid, &payload[..]));
    }

    #[test]
    fn rfc8260_2_1_idata_round_trip(flags in 0u8..16, tsn: u32, sid: u16, mid: u32, pf: u32, payload in proptest::collection::vec(any::<u8>(), 1..300)) {
        let mut b = Vec::new();
        let s = write_idata_header(&mut b, flags, tsn, sid, mid, pf);
        b.extend_from_slice(&payload);
        end_chunk(&mut b, s);
        let Chunk::IData(d) = one_chunk(&b) else { panic!() };
        prop_assert_eq!((d.flags, d.tsn, d.stream_id, d.mid, d.ppid_or_fsn, d.payload), (flags, tsn, sid, mid, pf, &payload[..]));
    }

    #[test]
    fn rfc9260_3_3_4_sack_round_trip(cum: u32, rwnd: u32, gaps in proptest::collection::vec((any::<u16>(), any::<u16>()), 0..20), dups in proptest::collection::vec(any::<u32>(), 0..20)) {
        let gaps: Vec<GapBlock> = gaps.into_iter().map(|(start, end)| GapBlock { start, end }).collect();
        let mut b = Vec::new();
        write_sack(&mut b, cum, rwnd, &gaps, &dups);
        let Chunk::Sack(s) = one_chunk(&b) else { panic!() };
        prop_assert_eq!((s.cum_tsn, s.a_rwnd), (cum, rwnd));
        prop_assert_eq!(s.gap_blocks().collect::<Vec<_>>(), gaps);
        prop_assert_eq!(s.duplicate_tsns().collect::<Vec<_>>(), dups);
    }

    #[test]
    fn rfc3758_3_2_forward_tsn_round_trip(cum: u32, streams in proptest::collection::vec((any::<u16>(), any::<u16>()), 0..20)) {
        let mut b = Vec::new();
        write_forward_tsn(&mut b, cum, &streams);
        let Chunk::ForwardTsn(f) = one_chunk(&b) else { panic!() };
        prop_assert_eq!(f.new_cum_tsn, cum);
        prop_assert_eq!(f.streams().collect::<Vec<_>>(), streams);
    }

    #[test]
    fn rfc8260_2_3_1_iforward_tsn_round_trip(cum: u32, streams in proptest::collection::vec((any::<u16>(), any::<bool>(), any::<u32>()), 0..20)) {
        let mut b = Vec::new();
        write_iforward_tsn(&mut b, cum, &streams);
        let Chunk::IForwardTsn(f) = one_chunk(&b) else { panic!() };
        prop_assert_eq!(f.new_cum_tsn, cum);
        prop_assert_eq!(f.streams().collect::<Vec<_>>(), streams);
    }

    #[test]
    fn rfc9260_3_3_2_init_round_trip(tag in 1u32.., rwnd: u32, os in 1u16.., mis in 1u16.., tsn: u32, pr: bool, il: bool, cookie in proptest::collection::vec(any::<u8>(), 0..80)) {
        let mut b = Vec::new();
        let fields = InitFields { initiate_tag: tag, a_rwnd: rwnd, outbound_streams: os, inbound_streams: mis, initial_tsn: tsn, partial_reliability: pr, interleaving: il, cookie: Some(&cookie), unrecognized: &[] };
        write_init(&mut b, ChunkType::INIT_ACK, &fields);
        let Chunk::InitAck(i) = one_chunk(&b) else { panic!() };
        prop_assert_eq!((i.initiate_tag, i.a_rwnd, i.outbound_streams, i.inbound_streams, i.initial_tsn), (tag, rwnd, os, mis, tsn));
        prop_assert_eq!(i.state_cookie(), Some(&cookie[..]));
        prop_assert_eq!(i.supports_forward_tsn(), pr);
        prop_assert_eq!(i.supports_chunk(ChunkType::I_DATA), il);
        prop_assert!(i.supports_chunk(ChunkType::RE_CONFIG));
    }

    #[test]
    fn rfc6525_4_1_and_4_4_reconfig_round_trip(req: u32, resp: u32, last: u32, streams in proptest::collection::vec(any::<u16>(), 0..30), result in 0u32..7) {
        let mut b = Vec::new();
        write_outgoing_reset(&mut b, req, resp, last, &streams);
        let Chunk::ReConfig(r) = one_chunk(&b) else { panic!() };
        let p: Vec<_> = r.params().collect();
        let ReconfigParam::OutgoingReset { request_seq, response_seq, last_tsn, streams: s } = p[0] else { panic!() };
        prop_assert_eq!((request_seq, response_seq, last_tsn), (req, resp, last));
        prop_assert_eq!(ReconfigParam::stream_list(s).collect::<Vec<_>>(), streams);
        let mut b = Vec::new();
        write_reconfig_response(&mut b, resp, ReconfigResult::from_u32(result));
        let Chunk::ReConfig(r) = one_chunk(&b) else { panic!() };
        prop_assert_eq!(r.params().collect::<Vec<_>>(), vec![ReconfigParam::Response { response_seq: resp, result: ReconfigResult::from_u32(result) }]);
    }

    #[test]
    fn rfc9260_3_3_5_heartbeat_round_trip(info in proptest::collection::vec(any::<u8>(), 0..64), ack: bool) {
        let mut b = Vec::new();
        let t = if ack { ChunkType::HEARTBEAT_ACK } else { ChunkType::HEARTBEAT };
        write_heartbeat(&mut b, t, &info);
        match one_chunk(&b) {
            Chunk::Heartbeat(i) if !ack => prop_assert_eq!(i, &info[..]),
            Chunk::HeartbeatAck(i) if ack => prop_assert_eq!(i, &info[..]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rfc8832_5_dcep_round_trip(ordered: bool, kind in 0u8..3, param in 0u32..1_000_000, priority: u16, label in ".{0,20}", protocol in ".{0,20}") {
        let reliability = match kind {
            0 => Reliability::Reliable,
            1 => Reliability::MaxRetransmits(param),
            _ => Reliability::MaxLifetime(std::time::Duration::from_millis(u64::from(param))),
        };
        let open = Dcep::Open(Open { ordered, reliability, priority, label, protocol });
        prop_assert_eq!(Dcep::parse(&open.encode()).unwrap(), open);
    }

    #[test]
    fn rfc9260_3_no_input_panics_the_packet_parser(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(p) = Packet::new_checked(&data[..]) {
            let _ = p.verify_checksum();
            for raw in p.chunks() {
                let Ok(raw) = raw else { break };
                if let Ok(Chunk::Abort { causes, .. } | Chunk::Error(causes)) = Chunk::parse(raw) {
                    let _ = causes.describe();
                }
            }
        }
        let _ = Dcep::parse(&data);
    }
}
