//! Real SCTP packets from Chromium (dcsctp) and aiortc decode and re-encode byte for byte
//! (tests/data/chromium_aiortc_session.txt says how they were captured).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_sctp::datachannel::dcep::Dcep;
use sansrtc_sctp::packet::*;

const SESSION: &str = include_str!("data/chromium_aiortc_session.txt");

fn packets() -> Vec<(bool, Vec<u8>)> {
    SESSION
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (dir, hex) = l.split_once(' ').unwrap();
            (dir == "in", hex::decode(hex.trim()).unwrap())
        })
        .collect()
}

/// Re-encodes one parsed chunk with the crate's writers.
fn encode(chunk: &Chunk<'_>, raw: &RawChunk<'_>, out: &mut Vec<u8>) {
    match chunk {
        Chunk::Data(d) => {
            let s = write_data_header(out, d.flags, d.tsn, d.stream_id, d.ssn, d.ppid);
            out.extend_from_slice(d.payload);
            end_chunk(out, s);
        }
        Chunk::IData(d) => {
            let s = write_idata_header(out, d.flags, d.tsn, d.stream_id, d.mid, d.ppid_or_fsn);
            out.extend_from_slice(d.payload);
            end_chunk(out, s);
        }
        Chunk::Init(i) | Chunk::InitAck(i) => {
            let s = begin_chunk(out, raw.chunk_type, raw.flags);
            out.extend_from_slice(&i.initiate_tag.to_be_bytes());
            out.extend_from_slice(&i.a_rwnd.to_be_bytes());
            out.extend_from_slice(&i.outbound_streams.to_be_bytes());
            out.extend_from_slice(&i.inbound_streams.to_be_bytes());
            out.extend_from_slice(&i.initial_tsn.to_be_bytes());
            for p in i.params() {
                write_param(out, p.param_type, p.value);
            }
            end_chunk(out, s);
        }
        Chunk::Sack(s) => {
            let gaps: Vec<_> = s.gap_blocks().collect();
            let dups: Vec<_> = s.duplicate_tsns().collect();
            write_sack(out, s.cum_tsn, s.a_rwnd, &gaps, &dups);
        }
        Chunk::Heartbeat(info) => write_heartbeat(out, ChunkType::HEARTBEAT, info),
        Chunk::HeartbeatAck(info) => write_heartbeat(out, ChunkType::HEARTBEAT_ACK, info),
        Chunk::Abort { causes, .. } | Chunk::Error(causes) => {
            let s = begin_chunk(out, raw.chunk_type, raw.flags);
            for c in causes.iter() {
                write_param(out, c.code, c.info);
            }
            end_chunk(out, s);
        }
        Chunk::Shutdown(cum) => write_simple_chunk(out, ChunkType::SHUTDOWN, 0, &cum.to_be_bytes()),
        Chunk::ShutdownAck => write_simple_chunk(out, ChunkType::SHUTDOWN_ACK, 0, &[]),
        Chunk::ShutdownComplete { t_bit } => {
            write_simple_chunk(out, ChunkType::SHUTDOWN_COMPLETE, u8::from(*t_bit), &[])
        }
        Chunk::CookieEcho(c) => write_simple_chunk(out, ChunkType::COOKIE_ECHO, 0, c),
        Chunk::CookieAck => write_simple_chunk(out, ChunkType::COOKIE_ACK, 0, &[]),
        Chunk::ForwardTsn(f) => {
            write_forward_tsn(out, f.new_cum_tsn, &f.streams().collect::<Vec<_>>())
        }
        Chunk::IForwardTsn(f) => {
            write_iforward_tsn(out, f.new_cum_tsn, &f.streams().collect::<Vec<_>>())
        }
        Chunk::ReConfig(r) => {
            let params: Vec<_> = r.params().collect();
            assert_eq!(
                params.len(),
                1,
                "one parameter per RE-CONFIG in this capture"
            );
            match params[0] {
                ReconfigParam::OutgoingReset {
                    request_seq,
                    response_seq,
                    last_tsn,
                    streams,
                } => {
                    let list: Vec<u16> = ReconfigParam::stream_list(streams).collect();
                    write_outgoing_reset(out, request_seq, response_seq, last_tsn, &list);
                }
                ReconfigParam::Response {
                    response_seq,
                    result,
                } => write_reconfig_response(out, response_seq, result),
                other => panic!("unexpected {other:?}"),
            }
        }
        _ => {
            out.extend_from_slice(raw.bytes);
            out.resize(out.len().div_ceil(4) * 4, 0);
        }
    }
}

#[test]
fn rfc9260_3_chromium_and_aiortc_packets_decode_and_reencode_byte_for_byte() {
    let pkts = packets();
    assert!(pkts.len() > 50);
    let mut seen = std::collections::BTreeSet::new();
    for (from_chromium, bytes) in &pkts {
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert!(p.verify_checksum(), "CRC32c of a captured packet");
        assert_eq!((p.source_port(), p.destination_port()), (5000, 5000));
        let mut out = Vec::new();
        write_common_header(
            &mut out,
            p.source_port(),
            p.destination_port(),
            p.verification_tag(),
        );
        for raw in p.chunks() {
            let raw = raw.unwrap();
            let chunk = Chunk::parse(raw).unwrap();
            assert!(
                !matches!(chunk, Chunk::Unknown(_)),
                "unknown chunk {}",
                raw.chunk_type
            );
            seen.insert((*from_chromium, raw.chunk_type));
            encode(&chunk, &raw, &mut out);
        }
        finish_packet(&mut out);
        assert_eq!(
            hex::encode(&out),
            hex::encode(bytes),
            "re-encoding differs (from chromium: {from_chromium})"
        );
    }
    // Both stacks' INIT, INIT ACK, COOKIE ECHO/ACK, DATA, SACK and RE-CONFIG are in the capture.
    for t in [
        ChunkType::INIT,
        ChunkType::INIT_ACK,
        ChunkType::COOKIE_ECHO,
        ChunkType::COOKIE_ACK,
        ChunkType::DATA,
        ChunkType::SACK,
        ChunkType::RE_CONFIG,
    ] {
        assert!(seen.contains(&(true, t)), "chromium chunk {t}");
        assert!(seen.contains(&(false, t)), "aiortc chunk {t}");
    }
}

#[test]
fn rfc8831_chromium_init_and_dcep_open_as_captured() {
    let pkts = packets();
    let (_, init) = pkts
        .iter()
        .find(|(c, b)| *c && b[12] == ChunkType::INIT)
        .unwrap();
    let p = Packet::new_checked(&init[..]).unwrap();
    let Chunk::Init(i) = Chunk::parse(p.chunks().next().unwrap().unwrap()).unwrap() else {
        panic!()
    };
    assert_eq!(p.verification_tag(), 0);
    assert_eq!(
        (i.a_rwnd, i.outbound_streams, i.inbound_streams),
        (5_242_880, 65535, 65535)
    );
    assert!(i.supports_forward_tsn() && i.supports_chunk(ChunkType::RE_CONFIG));
    assert!(!i.supports_chunk(ChunkType::I_DATA));
    // Chromium's DATA_CHANNEL_OPEN for "chat": PPID 50 on an odd stream, since aiortc answered
    // a=setup:active and so Chromium is the DTLS server (RFC 8832 §6).
    let open = pkts
        .iter()
        .filter(|(c, _)| *c)
        .flat_map(|(_, b)| {
            let p = Packet::new_checked(&b[..]).unwrap();
            p.chunks()
                .filter_map(|r| match Chunk::parse(r.unwrap()).unwrap() {
                    Chunk::Data(d) if d.ppid == 50 => {
                        Some((d.stream_id, Dcep::parse(d.payload).unwrap()))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .next()
        .unwrap();
    let (sid, Dcep::Open(o)) = open else {
        panic!("{open:?}")
    };
    assert_eq!(sid % 2, 1);
    assert_eq!((o.label.as_str(), o.ordered), ("chat", true));
}
