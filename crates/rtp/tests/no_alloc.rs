//! "No allocation per packet", proven: this test binary counts every allocation through a
//! wrapping global allocator. After a warm-up that lets every reused buffer reach its size,
//! the per-packet work must make none: RTP parse and extension decode, RTCP parse and write,
//! packetizing and depacketizing every codec into reused buffers, and the receive helpers
//! (jitter buffer, statistics, NACK generator, retransmission history, transport-cc recorder)
//! on a steady stream with loss and reordering.
//!
//! The binary runs without the libtest harness (`harness = false`): the harness's own threads
//! allocate while a test runs, and the counter is process-wide.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use sansrtc_rtp::jitter::{JitterBuffer, JitterConfig};
use sansrtc_rtp::nack::{NackConfig, NackGenerator};
use sansrtc_rtp::payload::{
    AnyDepacketizer, AnyPacketizer, Codec, Depacketizer, Packetizer, Payloads,
};
use sansrtc_rtp::rtcp::{Compound, PacketStatus, RtcpPacket, RtcpWriter, TransportCcRecorder};
use sansrtc_rtp::rtx::{RetransmissionBuffer, RetransmissionConfig, Rtx};
use sansrtc_rtp::stats::ReceiverStats;
use sansrtc_rtp::{Extension, ExtensionKind, ExtensionMap, RtpHeader, RtpPacket};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn frame_for(codec: Codec, i: usize) -> Vec<u8> {
    match codec {
        Codec::H264 => {
            let mut f = vec![0, 0, 0, 1, 0x65];
            f.extend((0..3000 + i % 7).map(|j| (j % 250 + 1) as u8));
            f
        }
        Codec::Av1 => {
            let mut f = vec![0x32, 0xb8, 0x17]; // OBU_FRAME, obu_size 3000
            f.extend((0..3000).map(|j| j as u8));
            f
        }
        Codec::Opus => vec![0xf8; 120],
        Codec::Pcmu | Codec::Pcma => vec![0xff; 160],
        _ => (0..3000 + i % 7).map(|j| j as u8).collect(),
    }
}

/// Runs `step(i)` for a warm-up, then counts the allocations of `rounds` more steps.
fn allocations(what: &str, warmup: usize, rounds: usize, mut step: impl FnMut(usize)) {
    for i in 0..warmup {
        step(i);
    }
    let region = Region::new(GLOBAL);
    for i in warmup..warmup + rounds {
        step(i);
    }
    let stats = region.change();
    assert_eq!(
        (stats.allocations, stats.reallocations),
        (0, 0),
        "{what}: {stats:?}"
    );
    println!("{what}: 0 allocations in {rounds} rounds");
}

fn main() {
    let t0 = Instant::now();

    // RTP parse + extension decode, and an RTCP compound parse + write.
    let exts = [
        Extension {
            id: 2,
            data: &[0x4c, 0x3a, 0x9e],
        },
        Extension {
            id: 3,
            data: &[0x01, 0x2f],
        },
        Extension { id: 4, data: b"1" },
    ];
    let mut packet = vec![0u8; 1500];
    let h = RtpHeader {
        payload_type: 96,
        ssrc: 5,
        extensions: &exts,
        ..RtpHeader::default()
    };
    let n = h.write_packet(&[0x5a; 1100], 0, &mut packet).unwrap();
    packet.truncate(n);
    let mut map = ExtensionMap::new();
    map.insert(2, ExtensionKind::AbsSendTime).unwrap();
    map.insert(3, ExtensionKind::TransportSequenceNumber)
        .unwrap();
    map.insert(4, ExtensionKind::Mid).unwrap();
    let mut rtcp = [0u8; 1200];
    let statuses = [PacketStatus::Received { delta: 4 }; 30];
    allocations("RTP parse and RTCP write/parse", 10, 1000, |i| {
        let p = RtpPacket::new_checked(&packet[..]).unwrap();
        black_box(map.parse(p.extensions()));
        let mut w = RtcpWriter::new(&mut rtcp);
        w.receiver_report(1, &[])
            .unwrap()
            .nack_lost(1, 5, [i as u16, i as u16 + 3])
            .unwrap()
            .transport_cc(1, 5, i as u16, 7, i as u8, &statuses)
            .unwrap();
        let n = w.len();
        for p in Compound::new(&rtcp[..n]) {
            if let Ok(RtcpPacket::TransportCc(t)) = p {
                black_box(t.packets().count());
            }
        }
    });

    // Every codec: packetize into one buffer, then the receive path: stats, NACK, jitter
    // buffer (frames into one reused Vec), transport-cc recorder; the sender's history answers
    // the NACKs with RTX. One packet in 23 is lost and comes back by RTX; neighbours swap.
    for codec in [
        Codec::Opus,
        Codec::Pcmu,
        Codec::Vp8,
        Codec::Vp9,
        Codec::H264,
        Codec::Av1,
    ] {
        let mut packetizer = AnyPacketizer::new(codec, 1);
        let mut jitter = JitterBuffer::new(
            AnyDepacketizer::new(codec),
            JitterConfig {
                max_packets: 256,
                wait_for_keyframe: false,
                ..JitterConfig::video()
            },
        );
        let mut stats = ReceiverStats::new(5, codec.clock_rate());
        let mut nack = NackGenerator::new(NackConfig::default());
        let mut history = RetransmissionBuffer::new(RetransmissionConfig {
            capacity: 256,
            rtx: Some(Rtx {
                ssrc: 6,
                payload_types: vec![(96, 97)],
            }),
            ..RetransmissionConfig::default()
        });
        let mut twcc = TransportCcRecorder::new(1000);
        let frames: Vec<Vec<u8>> = (0..16).map(|i| frame_for(codec, i)).collect();
        let mut datagram = [0u8; 1200];
        let mut wire: Vec<Vec<u8>> = (0..8).map(|_| Vec::with_capacity(1200)).collect();
        let mut frame = Vec::with_capacity(16 << 10);
        let mut pairs = Vec::with_capacity(64);
        let mut rtx = Vec::with_capacity(1500);
        let mut feedback = [0u8; 1200];
        let mut seq = 0u16;
        let mut sent = 0u64;
        let mut now = t0;
        let mut ts = 0u32;
        allocations(&format!("{codec:?} send and receive"), 600, 600, |i| {
            now += Duration::from_millis(20);
            ts = ts.wrapping_add(3000);
            let mut payloads = packetizer
                .packetize(&frames[i % frames.len()], 1100)
                .unwrap();
            let mut count = 0;
            while let Some(p) = payloads.next_into(&mut datagram[12..]).unwrap() {
                let h = RtpHeader {
                    marker: p.marker,
                    payload_type: 96,
                    sequence_number: seq,
                    timestamp: ts.wrapping_add(p.timestamp_offset),
                    ssrc: 5,
                    ..RtpHeader::default()
                };
                h.write(&mut datagram).unwrap();
                let len = 12 + p.len;
                history.insert(now, &datagram[..len]).unwrap();
                let slots = wire.len();
                let slot = &mut wire[count % slots];
                slot.clear();
                slot.extend_from_slice(&datagram[..len]);
                count += 1;
                seq = seq.wrapping_add(1);
                sent += 1;
            }
            let n = count.min(wire.len());
            if n >= 2 {
                wire.swap(0, 1);
            }
            for (k, bytes) in wire[..n].iter().enumerate() {
                if (sent as usize + k).is_multiple_of(23) {
                    continue; // lost
                }
                let p = RtpPacket::new_checked(&bytes[..]).unwrap();
                stats.handle_packet(now, p.sequence_number(), p.timestamp());
                nack.handle_packet(now, p.sequence_number());
                twcc.record(now, p.sequence_number());
                jitter.handle_packet(now, &p).unwrap();
            }
            if nack.poll_nack(now, &mut pairs, 64) {
                history.handle_nack(now, pairs.iter().flat_map(|p| p.lost()));
            }
            while let Some(len) = history.poll_transmit(now, &mut rtx) {
                let len = sansrtc_rtp::rtx::unwrap_rtx(&mut rtx[..len], 5, 96)
                    .unwrap()
                    .unwrap();
                let p = RtpPacket::new_checked(&rtx[..len]).unwrap();
                nack.handle_packet(now, p.sequence_number());
                jitter.handle_packet(now, &p).unwrap();
            }
            if let Some(t) = jitter.poll_timeout().filter(|t| *t <= now) {
                jitter.handle_timeout(t);
            }
            while let Some(f) = jitter.poll_frame(&mut frame) {
                black_box(f);
            }
            let mut w = RtcpWriter::new(&mut feedback);
            twcc.write_feedback(&mut w, 1, 5).unwrap();
            if i.is_multiple_of(50) {
                black_box(stats.report_block(now));
            }
            black_box(
                AnyDepacketizer::new(codec)
                    .parse(&datagram[12..], false)
                    .ok(),
            );
        });
        // The path under test really ran: frames came out, losses were repaired by RTX.
        assert!(
            jitter.stats().frames > 1000,
            "{codec:?}: {:?}",
            jitter.stats()
        );
        assert!(
            history.counters().0 > 20,
            "{codec:?}: {:?}",
            history.counters()
        );
        assert_eq!(jitter.stats().lost, 0, "{codec:?}: {:?}", jitter.stats());
    }
}
