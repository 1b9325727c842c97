//! Parses a datagram as an SCTP packet, decodes every chunk and every nested field (parameters,
//! gap blocks, error causes, RE-CONFIG parameters, DCEP messages in DATA). Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_sctp::datachannel::dcep::Dcep;
use sansrtc_sctp::packet::{Chunk, Packet, write_sack};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let _ = p.verify_checksum();
    let _ = (p.source_port(), p.destination_port(), p.verification_tag());
    for raw in p.chunks() {
        let Ok(raw) = raw else { break };
        let Ok(chunk) = Chunk::parse(raw) else {
            continue;
        };
        match chunk {
            Chunk::Data(d) => {
                assert!(!d.payload.is_empty());
                let _ = Dcep::parse(d.payload);
            }
            Chunk::IData(d) => {
                let _ = (d.fsn(), d.is_begin(), d.is_end());
            }
            Chunk::Init(i) | Chunk::InitAck(i) => {
                let _ = (
                    i.state_cookie(),
                    i.supports_forward_tsn(),
                    i.supports_chunk(64),
                );
                for p in i.params() {
                    assert!(p.value.len() + 4 <= p.bytes.len() + 3);
                }
            }
            Chunk::Sack(s) => {
                let gaps: Vec<_> = s.gap_blocks().collect();
                let dups: Vec<_> = s.duplicate_tsns().collect();
                // Re-encoding the parsed SACK reproduces its bytes.
                let mut out = Vec::new();
                write_sack(&mut out, s.cum_tsn, s.a_rwnd, &gaps, &dups);
                assert_eq!(&out[4..], &raw.value[..out.len() - 4]);
            }
            Chunk::Abort { causes, .. } | Chunk::Error(causes) => {
                let _ = causes.describe();
                for c in causes.iter() {
                    let _ = (c.staleness_us(), c.stream_id());
                }
            }
            Chunk::ForwardTsn(f) => {
                let _ = f.streams().count();
            }
            Chunk::IForwardTsn(f) => {
                let _ = f.streams().count();
            }
            Chunk::ReConfig(r) => {
                for p in r.params() {
                    if let sansrtc_sctp::packet::ReconfigParam::OutgoingReset { streams, .. } = p {
                        let _ = sansrtc_sctp::packet::ReconfigParam::stream_list(streams).count();
                    }
                }
            }
            _ => {}
        }
    }
});
