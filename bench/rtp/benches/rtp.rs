//! sansrtc-rtp against webrtc-rs (`rtp`, `rtcp` 0.17) on the same bytes in the same run:
//! RTP header + extension parse, RTCP compound parse, and VP8 / H.264 packetization and VP8
//! depacketization of a 30 kB frame. Prints the speed-up per case at the end, from
//! `sansrtc_bench_compare::compare` (interleaved rounds on the thread's CPU clock).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use rtp::packetizer::{Depacketizer as _, Payloader as _};
use sansrtc_bench_compare::compare;
use sansrtc_rtp::payload::h264::{H264Packetizer, PacketizationMode};
use sansrtc_rtp::payload::vp8::{Vp8Depacketizer, Vp8Packetizer};
use sansrtc_rtp::payload::{Depacketizer, Packetizer, Payloads};
use sansrtc_rtp::rtcp::{Compound, PacketStatus, ReportBlock, RtcpPacket, RtcpWriter, SenderInfo};
use sansrtc_rtp::{Extension, ExtensionKind, ExtensionMap, RtpHeader, RtpPacket};
use webrtc_util::marshal::Unmarshal;

const ABS_SEND_TIME: u8 = 2;
const TRANSPORT_CC: u8 = 3;
const MID: u8 = 4;
/// RTP payload limit: a 1200-byte datagram minus the 12-byte RTP header.
const MAX_PAYLOAD: usize = 1188;

/// A Chromium-like VP8 packet: one-byte extensions abs-send-time (2), transport-cc (3), mid (4)
/// as in Chrome's default video extmap, and a 1100-byte payload.
fn chromium_video_packet() -> Vec<u8> {
    let payload = vec![0x5a; 1100];
    let exts = [
        Extension {
            id: ABS_SEND_TIME,
            data: &[0x4c, 0x3a, 0x9e],
        },
        Extension {
            id: TRANSPORT_CC,
            data: &[0x01, 0x2f],
        },
        Extension {
            id: MID,
            data: b"1",
        },
    ];
    let h = RtpHeader {
        marker: true,
        payload_type: 96,
        sequence_number: 0x1c4a,
        timestamp: 0x5e3f_8a10,
        ssrc: 0x2c7d_3b91,
        csrcs: &[],
        extensions: &exts,
    };
    let mut buf = vec![0; 1500];
    let n = h.write_packet(&payload, 0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// SR + SDES CNAME: what every sender's regular report looks like.
fn sr_sdes() -> Vec<u8> {
    let mut buf = vec![0; 1500];
    let mut w = RtcpWriter::new(&mut buf);
    let info = SenderInfo {
        ntp_time: 0xe9a4_b1a2_3d70_a3d7,
        rtp_time: 1,
        packet_count: 100,
        octet_count: 16000,
    };
    w.sender_report(0x2c7d_3b91, &info, &[])
        .unwrap()
        .sdes_cname(0x2c7d_3b91, b"abcdefghijklmnop")
        .unwrap();
    let n = w.len();
    buf.truncate(n);
    buf
}

/// RR + NACK + transport-cc (last: it carries the padding), a video receiver's feedback.
fn rr_nack_twcc() -> Vec<u8> {
    let block = ReportBlock {
        ssrc: 0x2c7d_3b91,
        fraction_lost: 3,
        cumulative_lost: 10,
        extended_highest_sequence: 70000,
        jitter: 20,
        last_sr: 5,
        delay_since_last_sr: 6,
    };
    // 40 packets of a 30 fps stream with some loss: small deltas, a few losses, one large
    // delta.
    let statuses: Vec<PacketStatus> = (0..40)
        .map(|i| match i {
            7 | 8 | 23 => PacketStatus::NotReceived,
            30 => PacketStatus::Received { delta: 1200 },
            _ => PacketStatus::Received {
                delta: (i % 9) as i16 * 4,
            },
        })
        .collect();
    let mut buf = vec![0; 1500];
    let mut w = RtcpWriter::new(&mut buf);
    w.receiver_report(1, &[block])
        .unwrap()
        .nack_lost(1, 0x2c7d_3b91, [1007, 1008, 1023])
        .unwrap()
        .transport_cc(1, 0x2c7d_3b91, 1000, 12345, 9, &statuses)
        .unwrap();
    let n = w.len();
    buf.truncate(n);
    buf
}

/// A 30 kB video frame of pseudo-random bytes.
fn video_frame() -> Vec<u8> {
    let mut x = 0x1234_5678u32;
    (0..30_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// The same as an H.264 access unit: SPS, PPS and one IDR slice of 30 kB (no `00 00` inside).
fn h264_frame() -> Vec<u8> {
    let mut f = vec![
        0, 0, 0, 1, 0x67, 0x42, 0xe0, 0x1f, 0xda, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80,
    ];
    f.extend([0, 0, 0, 1, 0x65]);
    f.extend(video_frame().into_iter().map(|b| b | 1));
    f
}

fn extension_map() -> ExtensionMap {
    let mut map = ExtensionMap::new();
    map.insert(ABS_SEND_TIME, ExtensionKind::AbsSendTime)
        .unwrap();
    map.insert(TRANSPORT_CC, ExtensionKind::TransportSequenceNumber)
        .unwrap();
    map.insert(MID, ExtensionKind::Mid).unwrap();
    map
}

/// sansrtc: validate, read every header field, decode the three extensions to typed values.
#[inline(never)]
fn sansrtc_rtp(map: &ExtensionMap, data: &[u8]) -> u64 {
    let p = RtpPacket::new_checked(data).unwrap();
    let ext = map.parse(p.extensions());
    u64::from(p.sequence_number())
        + u64::from(p.timestamp())
        + u64::from(p.ssrc())
        + u64::from(p.payload_type())
        + u64::from(p.marker())
        + ext.abs_send_time.map_or(0, u64::from)
        + ext.transport_sequence_number.map_or(0, u64::from)
        + ext.mid.map_or(0, |m| m.len() as u64)
        + p.payload().len() as u64
}

/// webrtc-rs: the same work through `rtp::header::Header::unmarshal` + `get_extension`.
#[inline(never)]
fn webrtc_rtp(data: &Bytes) -> u64 {
    let mut buf = data.clone();
    let h = rtp::header::Header::unmarshal(&mut buf).unwrap();
    let payload = buf; // the remainder after the header
    let ast = h.get_extension(ABS_SEND_TIME).map_or(0, |b| {
        let mut r = &b[..];
        rtp::extension::abs_send_time_extension::AbsSendTimeExtension::unmarshal(&mut r)
            .map_or(0, |a| a.timestamp)
    });
    let tcc = h.get_extension(TRANSPORT_CC).map_or(0, |b| {
        let mut r = &b[..];
        rtp::extension::transport_cc_extension::TransportCcExtension::unmarshal(&mut r)
            .map_or(0, |t| u64::from(t.transport_sequence))
    });
    let mid = h.get_extension(MID).map_or(0, |b| b.len() as u64);
    u64::from(h.sequence_number)
        + u64::from(h.timestamp)
        + u64::from(h.ssrc)
        + u64::from(h.payload_type)
        + u64::from(h.marker)
        + ast
        + tcc
        + mid
        + payload.len() as u64
}

/// sansrtc: walk the compound and every field/entry it carries.
#[inline(never)]
fn sansrtc_rtcp(data: &[u8]) -> u64 {
    let mut acc = 0u64;
    for p in Compound::new(data) {
        match p.unwrap() {
            RtcpPacket::SenderReport(sr) => {
                let i = sr.sender_info();
                acc += i.ntp_time ^ u64::from(i.packet_count) ^ u64::from(sr.ssrc());
                acc += sr.report_blocks().map(|b| u64::from(b.jitter)).sum::<u64>();
            }
            RtcpPacket::ReceiverReport(rr) => {
                acc += rr
                    .report_blocks()
                    .map(|b| u64::from(b.extended_highest_sequence))
                    .sum::<u64>();
            }
            RtcpPacket::SourceDescription(s) => {
                for c in s.chunks() {
                    acc += c.items().map(|i| i.value.len() as u64).sum::<u64>();
                }
            }
            RtcpPacket::TransportCc(t) => {
                acc += t
                    .packets()
                    .map(|(seq, s)| match s {
                        PacketStatus::Received { delta } => u64::from(seq) + delta as u64,
                        PacketStatus::NotReceived => 1,
                    })
                    .sum::<u64>();
            }
            RtcpPacket::Nack(n) => acc += n.pairs().map(|p| u64::from(p.pid ^ p.blp)).sum::<u64>(),
            _ => acc += 1,
        }
    }
    acc
}

/// webrtc-rs: `rtcp::packet::unmarshal` decodes every packet into owned structs.
#[inline(never)]
fn webrtc_rtcp(data: &Bytes) -> u64 {
    let mut buf = data.clone();
    let packets = rtcp::packet::unmarshal(&mut buf).unwrap();
    packets.len() as u64
        + packets
            .iter()
            .map(|p| p.destination_ssrc().len() as u64)
            .sum::<u64>()
}

/// sansrtc: every payload of the frame written into one reused buffer.
#[inline(never)]
fn sansrtc_packetize<P: Packetizer>(p: &mut P, frame: &[u8], out: &mut [u8]) -> u64 {
    let mut payloads = p.packetize(frame, MAX_PAYLOAD).unwrap();
    let mut total = 0;
    while let Some(d) = payloads.next_into(out).unwrap() {
        total += d.len as u64 + u64::from(d.marker);
        black_box(&out[..d.len]);
    }
    total
}

/// webrtc-rs: `Payloader::payload` returns the payloads as a `Vec<Bytes>`.
#[inline(never)]
fn webrtc_packetize(p: &mut dyn rtp::packetizer::Payloader, frame: &Bytes) -> u64 {
    p.payload(MAX_PAYLOAD, frame)
        .unwrap()
        .iter()
        .map(|b| b.len() as u64)
        .sum()
}

/// sansrtc: the frame rebuilt from its payloads into one reused buffer.
#[inline(never)]
fn sansrtc_depacketize(payloads: &[Vec<u8>], out: &mut Vec<u8>) -> u64 {
    out.clear();
    Vp8Depacketizer
        .depacketize(payloads.iter().map(Vec::as_slice), out)
        .unwrap();
    out.len() as u64
}

/// webrtc-rs: `Vp8Packet::depacketize` per payload, appended to one reused buffer.
#[inline(never)]
fn webrtc_depacketize(payloads: &[Bytes], out: &mut Vec<u8>) -> u64 {
    out.clear();
    let mut d = rtp::codecs::vp8::Vp8Packet::default();
    for p in payloads {
        out.extend_from_slice(&d.depacketize(p).unwrap());
    }
    out.len() as u64
}

fn configure() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

fn bench(c: &mut Criterion) {
    let map = extension_map();
    let video = chromium_video_packet();
    let video_bytes = Bytes::copy_from_slice(&video);
    let srs = sr_sdes();
    let srs_bytes = Bytes::copy_from_slice(&srs);
    let fb = rr_nack_twcc();
    let fb_bytes = Bytes::copy_from_slice(&fb);
    assert_eq!(sansrtc_rtp(&map, &video), webrtc_rtp(&video_bytes));

    let frame = video_frame();
    let frame_bytes = Bytes::copy_from_slice(&frame);
    let h264 = h264_frame();
    let h264_bytes = Bytes::copy_from_slice(&h264);
    let mut out = vec![0u8; MAX_PAYLOAD];
    let mut vp8 = Vp8Packetizer::new(1);
    let mut h264p = H264Packetizer::new(PacketizationMode::NonInterleaved);
    let mut their_vp8 = rtp::codecs::vp8::Vp8Payloader::default();
    their_vp8.enable_picture_id = true;
    let mut their_h264 = rtp::codecs::h264::H264Payloader::default();
    // The payloads of the VP8 frame, for depacketization (both sides read the same bytes:
    // webrtc-rs's own descriptor, which carries a picture ID like ours).
    let vp8_payloads: Vec<Bytes> = their_vp8.payload(MAX_PAYLOAD, &frame_bytes).unwrap();
    let vp8_vecs: Vec<Vec<u8>> = vp8_payloads.iter().map(|b| b.to_vec()).collect();
    let mut frame_out = Vec::with_capacity(64 << 10);
    assert_eq!(
        sansrtc_depacketize(&vp8_vecs, &mut frame_out),
        webrtc_depacketize(&vp8_payloads, &mut frame_out)
    );

    let mut g = c.benchmark_group("rtp_header_ext_parse");
    g.bench_function("sansrtc", |b| {
        b.iter(|| sansrtc_rtp(&map, black_box(&video)))
    });
    g.bench_function("webrtc-rs", |b| {
        b.iter(|| webrtc_rtp(black_box(&video_bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("rtcp_sr_sdes_parse");
    g.bench_function("sansrtc", |b| b.iter(|| sansrtc_rtcp(black_box(&srs))));
    g.bench_function("webrtc-rs", |b| {
        b.iter(|| webrtc_rtcp(black_box(&srs_bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("rtcp_rr_nack_twcc_parse");
    g.bench_function("sansrtc", |b| b.iter(|| sansrtc_rtcp(black_box(&fb))));
    g.bench_function("webrtc-rs", |b| {
        b.iter(|| webrtc_rtcp(black_box(&fb_bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("vp8_packetize_30k");
    g.bench_function("sansrtc", |b| {
        b.iter(|| sansrtc_packetize(&mut vp8, black_box(&frame), &mut out))
    });
    g.bench_function("webrtc-rs", |b| {
        b.iter(|| webrtc_packetize(&mut their_vp8, black_box(&frame_bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("h264_packetize_30k");
    g.bench_function("sansrtc", |b| {
        b.iter(|| sansrtc_packetize(&mut h264p, black_box(&h264), &mut out))
    });
    g.bench_function("webrtc-rs", |b| {
        b.iter(|| webrtc_packetize(&mut their_h264, black_box(&h264_bytes)))
    });
    g.finish();

    let mut g = c.benchmark_group("vp8_depacketize_30k");
    g.bench_function("sansrtc", |b| {
        b.iter(|| sansrtc_depacketize(black_box(&vp8_vecs), &mut frame_out))
    });
    g.bench_function("webrtc-rs", |b| {
        b.iter(|| webrtc_depacketize(black_box(&vp8_payloads), &mut frame_out))
    });
    g.finish();

    println!("\nratios (median of 21 interleaved rounds on the thread CPU clock, bench/compare):");
    let mut frame_out2 = Vec::with_capacity(64 << 10);
    compare(
        || sansrtc_rtp(&map, black_box(&video)),
        || webrtc_rtp(black_box(&video_bytes)),
    )
    .print("rtp_header_ext_parse", "webrtc-rs");
    compare(
        || sansrtc_rtcp(black_box(&srs)),
        || webrtc_rtcp(black_box(&srs_bytes)),
    )
    .print("rtcp_sr_sdes_parse", "webrtc-rs");
    compare(
        || sansrtc_rtcp(black_box(&fb)),
        || webrtc_rtcp(black_box(&fb_bytes)),
    )
    .print("rtcp_rr_nack_twcc_parse", "webrtc-rs");
    compare(
        || sansrtc_packetize(&mut vp8, black_box(&frame), &mut out),
        || webrtc_packetize(&mut their_vp8, black_box(&frame_bytes)),
    )
    .print("vp8_packetize_30k", "webrtc-rs");
    compare(
        || sansrtc_packetize(&mut h264p, black_box(&h264), &mut out),
        || webrtc_packetize(&mut their_h264, black_box(&h264_bytes)),
    )
    .print("h264_packetize_30k", "webrtc-rs");
    compare(
        || sansrtc_depacketize(black_box(&vp8_vecs), &mut frame_out),
        || webrtc_depacketize(black_box(&vp8_payloads), &mut frame_out2),
    )
    .print("vp8_depacketize_30k", "webrtc-rs");
}

criterion_group! { name = benches; config = configure(); targets = bench }
criterion_main!(benches);
