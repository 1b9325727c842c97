//! Audio and video between two sansrtc peers on the netsim network: negotiation, frames end to
//! end, NACK/RTX repair under loss, keyframe requests, reports and statistics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{App, Options, World};
use sansrtc_netsim::LinkConfig;
use sansrtc_peer::{
    Codec, Direction, Event, KeyframeRequestKind, MediaFrame, MediaKind, OutboundStats, TestLoss,
    TransceiverConfig, TransceiverId,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A fake VP8 frame: the frame tag's P bit says key (0) or delta (1), then `n` encoded as
/// 4 bytes, then a pattern up to `len` bytes.
fn vp8_frame(n: u32, key: bool, len: usize) -> Vec<u8> {
    let mut f = vec![if key { 0x10 } else { 0x11 }, 0x02, 0x00];
    f.extend_from_slice(&n.to_be_bytes());
    while f.len() < len {
        f.push((f.len() as u32).wrapping_mul(31).wrapping_add(n) as u8);
    }
    f
}

fn opus_frame(n: u32) -> Vec<u8> {
    let mut f = vec![0xfc];
    f.extend_from_slice(&n.to_be_bytes());
    f.resize(80, n as u8);
    f
}

fn frame_number(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(data[at..at + 4].try_into().unwrap())
}

/// A (offerer) with an audio and a video transceiver, B answering from its config; both
/// connected.
fn av_world(opts: Options) -> (World, TransceiverId, TransceiverId) {
    let mut w = World::new(opts);
    let audio = w.a().peer.add_track(MediaKind::Audio).unwrap();
    let video = w.a().peer.add_track(MediaKind::Video).unwrap();
    w.negotiate();
    assert!(
        w.run_until(Duration::from_secs(10), |w| w.both_connected()),
        "not connected"
    );
    (w, audio, video)
}

fn frames(log: &[(std::time::Instant, Event)]) -> Vec<MediaFrame> {
    log.iter()
        .filter_map(|(_, e)| match e {
            Event::Frame(f) => Some(f.clone()),
            _ => None,
        })
        .collect()
}

/// Sends `seconds` of 30 fps video (a key frame every 90 frames, or when asked) and 50 fps
/// audio from A; returns the frames written per kind. Video frames are `size` bytes, or, with
/// `adapt`, what A's bandwidth estimate allows (as an encoder following it would).
fn send_av(
    w: &mut World,
    audio: TransceiverId,
    video: TransceiverId,
    seconds: u64,
    size: usize,
) -> (u32, u32) {
    send_av_adaptive(w, audio, video, Duration::from_secs(seconds), size, false)
}

fn send_av_adaptive(
    w: &mut World,
    audio: TransceiverId,
    video: TransceiverId,
    duration: Duration,
    size: usize,
    adapt: bool,
) -> (u32, u32) {
    let start = w.now();
    let (mut a_n, mut v_n) = (0u32, 0u32);
    let mut key_wanted = true;
    let mut seen = w.a().log.len();
    while w.now() < start + duration {
        let now = w.now();
        let t = now - start;
        while Duration::from_millis(20) * a_n <= t {
            w.a()
                .peer
                .write_frame(now, audio, a_n * 960, &opus_frame(a_n))
                .unwrap();
            a_n += 1;
        }
        while Duration::from_micros(33_333) * v_n <= t {
            let key = key_wanted || v_n % 90 == 0;
            key_wanted = false;
            let len = match (adapt, w.a().peer.bandwidth_estimate()) {
                (true, Some(bps)) => ((bps as usize / 8 / 30) * 8 / 10).clamp(200, size),
                _ => size,
            };
            w.a()
                .peer
                .write_frame(now, video, v_n * 3000, &vp8_frame(v_n, key, len))
                .unwrap();
            v_n += 1;
        }
        w.run_for(ms(5));
        let log = &w.a().log;
        if log[seen..]
            .iter()
            .any(|(_, e)| matches!(e, Event::KeyframeRequest { .. }))
        {
            key_wanted = true;
        }
        seen = log.len();
    }
    (a_n, v_n)
}

#[test]
fn rfc3550_vp8_and_opus_frames_arrive_complete_and_in_order() {
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    // B made two receiving transceivers from the offer and announced them.
    let tracks: Vec<TransceiverId> = w
        .b()
        .log
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Track(id) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(tracks.len(), 2, "{:?}", w.b().log);
    let info = w.b().peer.transceiver(tracks[1]).unwrap();
    assert_eq!(info.kind, MediaKind::Video);
    assert_eq!(info.current_direction, Some(Direction::SendRecv));
    assert_eq!(info.codecs[0].codec, Codec::Vp8);
    let (a_n, v_n) = send_av(&mut w, audio, video, 3, 3000);
    w.run_for(ms(300));
    let got = frames(&w.b().log);
    let video_frames: Vec<&MediaFrame> = got.iter().filter(|f| f.codec == Codec::Vp8).collect();
    let audio_frames: Vec<&MediaFrame> = got.iter().filter(|f| f.codec == Codec::Opus).collect();
    assert_eq!(video_frames.len() as u32, v_n);
    assert_eq!(audio_frames.len() as u32, a_n);
    for (i, f) in video_frames.iter().enumerate() {
        assert_eq!(
            f.data,
            vp8_frame(i as u32, i % 90 == 0, 3000),
            "video frame {i}"
        );
        assert_eq!(f.keyframe, i % 90 == 0);
        assert!(!f.discontinuity);
        assert_eq!(f.packets, 3);
    }
    for (i, f) in audio_frames.iter().enumerate() {
        assert_eq!(f.data, opus_frame(i as u32));
        assert_eq!(frame_number(&f.data, 1), i as u32);
    }
    // Timestamps advance by the frame interval in the format's clock.
    let ts: Vec<u32> = video_frames.iter().map(|f| f.timestamp).collect();
    assert!(ts.windows(2).all(|p| p[1].wrapping_sub(p[0]) == 3000));
    // Statistics on both ends.
    let out = a_outbound(&mut w, video);
    assert_eq!(out.frames_sent, u64::from(v_n));
    assert_eq!(out.packets_sent, 3 * u64::from(v_n));
    assert!(out.keyframes_sent >= 1);
    assert!(out.rtt.is_some(), "RTT from B's reports");
    let rtt = out.rtt.unwrap();
    assert!(rtt >= ms(20) && rtt < ms(40), "{rtt:?}");
    let mid = w.a().peer.transceiver(video).unwrap().mid.unwrap();
    let b_video = w.b().peer.transceiver_by_mid(&mid).unwrap();
    let inbound = &w.b().peer.transceiver_stats(b_video).unwrap().inbound;
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].frames_received, u64::from(v_n));
    assert_eq!(inbound[0].packets_lost, 0);
    assert_eq!(inbound[0].ssrc, out.ssrc);
    assert!(
        w.a().peer.bandwidth_estimate().is_some(),
        "transport-cc feedback came"
    );
}

#[test]
fn rfc4588_rtx_repairs_5_percent_loss_every_frame_arrives_or_is_reported_lost() {
    // A's access link loses 5% each way (B's is clean): the path between them loses 5% of
    // the media, of the RTX repairs and of the NACKs.
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        seed: 7,
        ..Options::default()
    });
    let lossy = LinkConfig {
        delay: ms(20),
        jitter: ms(5),
        loss: 0.05,
        ..LinkConfig::default()
    };
    let a = w.a;
    w.net.set_link(a, lossy);
    let (_a_n, v_n) = send_av_adaptive(&mut w, audio, video, Duration::from_secs(10), 4000, true);
    w.run_for(ms(1000));
    let got = frames(&w.b().log);
    let video_frames: Vec<&MediaFrame> = got.iter().filter(|f| f.codec == Codec::Vp8).collect();
    // Every delivered frame is exactly what was sent; frames missing are announced by a
    // discontinuity on the next one.
    let mut expected = 0u32;
    let mut missing = 0;
    for f in &video_frames {
        let n = frame_number(&f.data, 3);
        if n != expected {
            assert!(
                n > expected && f.discontinuity,
                "frame {n} after {expected} without discontinuity"
            );
            missing += n - expected;
        }
        assert_eq!(f.data, vp8_frame(n, f.keyframe, f.data.len()), "frame {n}");
        expected = n + 1;
    }
    let out = a_outbound(&mut w, video);
    let mid = w.a().peer.transceiver(video).unwrap().mid.unwrap();
    let b_video = w.b().peer.transceiver_by_mid(&mid).unwrap();
    let inbound = w.b().peer.transceiver_stats(b_video).unwrap().inbound;
    eprintln!("{out:?}\n{inbound:?}\nmissing {missing}");
    let est: Vec<(u64, u64)> = w
        .a()
        .log
        .iter()
        .filter_map(|(t, e)| match e {
            Event::BandwidthEstimate(b) => {
                Some(((*t - sansrtc_netsim::epoch()).as_millis() as u64, *b / 1000))
            }
            _ => None,
        })
        .collect();
    eprintln!("estimates {est:?}");
    let last = video_frames.last().unwrap();
    eprintln!(
        "last {} at {:?}, now {:?}, timeout {:?}",
        frame_number(&last.data, 3),
        last.arrival - sansrtc_netsim::epoch(),
        w.now() - sansrtc_netsim::epoch(),
        w.b()
            .peer
            .poll_timeout()
            .map(|t| t - sansrtc_netsim::epoch())
    );
    assert!(out.retransmitted_packets_sent > 0);
    assert!(out.nacks_received > 0);
    assert!(out.rtx_ssrc.is_some());
    // With NACK and RTX nearly everything is repaired.
    assert!(missing * 50 < v_n, "{missing} of {v_n} frames lost");
    assert!(video_frames.len() as u32 + missing >= v_n - 2);
}

#[test]
fn rfc4585_6_3_1_pli_round_trip_asks_the_sender_for_a_key_frame() {
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    send_av(&mut w, audio, video, 1, 1000);
    let mid = w.a().peer.transceiver(video).unwrap().mid.unwrap();
    let b_video = w.b().peer.transceiver_by_mid(&mid).unwrap();
    let now = w.now();
    w.a().log.clear();
    w.b().peer.request_keyframe(now, b_video).unwrap();
    assert!(w.run_until(ms(200), |w| w.peek(w.a).has(|e| matches!(
        e,
        Event::KeyframeRequest { kind: KeyframeRequestKind::Pli, transceiver } if *transceiver == video
    ))));
    let out = a_outbound(&mut w, video);
    assert_eq!(out.plis_received, 1);
}

#[test]
fn recvonly_answer_to_a_sendonly_offer() {
    let mut w = World::new(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    let video = w
        .a()
        .peer
        .add_transceiver(
            TransceiverConfig::new(MediaKind::Video).with_direction(Direction::SendOnly),
        )
        .unwrap();
    w.negotiate();
    assert!(w.run_until(Duration::from_secs(10), |w| w.both_connected()));
    let b_id = w.b().peer.transceivers()[0];
    assert_eq!(
        w.b().peer.transceiver(b_id).unwrap().current_direction,
        Some(Direction::RecvOnly)
    );
    let now = w.now();
    assert!(matches!(
        w.b().peer.write_frame(now, b_id, 0, &[1, 2, 3]),
        Err(sansrtc_peer::Error::NotSending)
    ));
    w.a()
        .peer
        .write_frame(now, video, 0, &vp8_frame(0, true, 500))
        .unwrap();
    assert!(w.run_until(ms(200), |w| !frames(&w.peek(w.b).log).is_empty()));
    let _ = TestLoss::default();
}

#[test]
fn gcc_bandwidth_estimate_drops_under_a_capacity_limit_and_recovers() {
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        seed: 11,
        link: LinkConfig {
            delay: ms(20),
            ..LinkConfig::default()
        },
        ..Options::default()
    });
    let estimates = |w: &mut World, from: usize| -> Vec<u64> {
        w.a().log[from..]
            .iter()
            .filter_map(|(_, e)| match e {
                Event::BandwidthEstimate(b) => Some(*b),
                _ => None,
            })
            .collect()
    };
    // The application encodes at 80% of the estimate, up to 8000-byte frames (1.9 Mbit/s).
    send_av_adaptive(&mut w, audio, video, Duration::from_secs(10), 8000, true);
    let open = w.a().peer.bandwidth_estimate().unwrap();
    assert!(open > 1_200_000, "grew on a clean link: {open}");
    // A 500 kbit/s bottleneck with 300 ms of buffer on A's uplink.
    let a = w.a;
    w.net.set_link_rate(
        a,
        Some(sansrtc_netsim::RateLimit::new(500_000, ms(300))),
        None,
    );
    let mark = w.a().log.len();
    send_av_adaptive(&mut w, audio, video, Duration::from_secs(15), 8000, true);
    let limited = w.a().peer.bandwidth_estimate().unwrap();
    let low = estimates(&mut w, mark).into_iter().min().unwrap();
    assert!(low < 500_000, "dropped below the capacity: min {low}");
    assert!(limited < 600_000, "stays near the capacity: {limited}");
    assert!(limited > 100_000, "does not collapse: {limited}");
    // The bottleneck goes away: the estimate climbs again.
    w.net.set_link_rate(a, None, None);
    send_av_adaptive(&mut w, audio, video, Duration::from_secs(20), 8000, true);
    let recovered = w.a().peer.bandwidth_estimate().unwrap();
    assert!(recovered > 1_000_000, "recovered: {recovered}");
    let s = w.a().peer.stats();
    assert_eq!(s.bandwidth_estimate, Some(recovered));
    let trace: Vec<(u64, u64)> = w
        .a()
        .log
        .iter()
        .filter_map(|(t, e)| match e {
            Event::BandwidthEstimate(b) => {
                Some(((*t - sansrtc_netsim::epoch()).as_millis() as u64, *b / 1000))
            }
            _ => None,
        })
        .collect();
    eprintln!("estimate (ms, kbit/s): {trace:?}");
}

/// Video frames on B, checked to be exactly what A wrote and without gaps.
/// A's outbound statistics of its transceiver `id`.
fn a_outbound(w: &mut World, id: TransceiverId) -> OutboundStats {
    w.a().peer.transceiver_stats(id).unwrap().outbound.unwrap()
}

fn assert_all_video_frames(w: &mut World, sent: u32, size: usize) {
    let got = frames(&w.b().log);
    let video: Vec<&MediaFrame> = got.iter().filter(|f| f.codec == Codec::Vp8).collect();
    assert_eq!(video.len() as u32, sent);
    for (i, f) in video.iter().enumerate() {
        assert_eq!(f.data, vp8_frame(i as u32, f.keyframe, size), "frame {i}");
        assert!(!f.discontinuity, "frame {i}");
    }
}

#[test]
fn rfc4588_4_every_20th_packet_dropped_by_the_sender_hook_is_repaired_over_rtx() {
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    w.a().peer.set_media_loss_for_testing(TestLoss {
        outgoing_every: Some(20),
        incoming_every: None,
    });
    let (_, v_n) = send_av(&mut w, audio, video, 4, 2500);
    w.run_for(ms(500));
    assert_all_video_frames(&mut w, v_n, 2500);
    let out = a_outbound(&mut w, video);
    assert!(out.packets_dropped_for_testing > 10, "{out:?}");
    // Every dropped video packet was asked for and resent once (audio has no NACK).
    assert!(out.retransmitted_packets_sent >= out.packets_dropped_for_testing / 2);
    let mid = w.a().peer.transceiver(video).unwrap().mid.unwrap();
    let b_video = w.b().peer.transceiver_by_mid(&mid).unwrap();
    let inbound = &w.b().peer.transceiver_stats(b_video).unwrap().inbound[0];
    assert_eq!(
        inbound.retransmitted_packets_received,
        out.retransmitted_packets_sent
    );
    assert!(inbound.nacks_sent >= inbound.retransmitted_packets_received);
    // The RTX stream is not a stream of its own on B.
    assert_eq!(
        w.b().peer.transceiver_stats(b_video).unwrap().inbound.len(),
        1
    );
}

#[test]
fn rfc4585_6_2_1_without_rtx_the_original_srtp_packet_is_resent() {
    // B offers VP8 without RTX (as some endpoints do): NACKs are answered with the stored,
    // already-protected original (SRTP never protects an index twice).
    let opts = Options {
        app_b: App::Sink,
        ..Options::default()
    };
    let mut w = World::new(opts);
    let mut vp8 = sansrtc_peer::CodecSpec::vp8();
    vp8.rtx = false;
    let video = w
        .a()
        .peer
        .add_transceiver(TransceiverConfig::new(MediaKind::Video).with_codecs([vp8]))
        .unwrap();
    let audio = w.a().peer.add_track(MediaKind::Audio).unwrap();
    w.negotiate();
    assert!(w.run_until(Duration::from_secs(10), |w| w.both_connected()));
    let info = w.a().peer.transceiver(video).unwrap();
    assert_eq!(info.codecs[0].rtx_payload_type, None);
    w.a().peer.set_media_loss_for_testing(TestLoss {
        outgoing_every: Some(15),
        incoming_every: None,
    });
    let (_, v_n) = send_av(&mut w, audio, video, 3, 2500);
    w.run_for(ms(500));
    assert_all_video_frames(&mut w, v_n, 2500);
    let out = a_outbound(&mut w, video);
    assert_eq!(out.rtx_ssrc, None);
    assert!(out.retransmitted_packets_sent > 0);
    assert_eq!(
        w.b().peer.stats().srtp_packets_rejected,
        0,
        "no replay, no reuse"
    );
}

#[test]
fn receiver_hook_drops_every_20th_arriving_packet_and_nack_repairs_it() {
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    w.b().peer.set_media_loss_for_testing(TestLoss {
        outgoing_every: None,
        incoming_every: Some(20),
    });
    let (_, v_n) = send_av(&mut w, audio, video, 3, 2500);
    w.run_for(ms(500));
    assert_all_video_frames(&mut w, v_n, 2500);
    let mid = w.a().peer.transceiver(video).unwrap().mid.unwrap();
    let b_video = w.b().peer.transceiver_by_mid(&mid).unwrap();
    let inbound = &w.b().peer.transceiver_stats(b_video).unwrap().inbound[0];
    assert!(inbound.packets_dropped_for_testing > 3, "{inbound:?}");
    assert_eq!(
        inbound.retransmitted_packets_received,
        inbound.packets_dropped_for_testing
    );
}

#[test]
fn rfc5104_4_3_1_fir_is_a_keyframe_request_once_per_sequence_number() {
    use sansrtc_rtp::rtcp::{FirEntry, RtcpWriter};
    let (mut w, audio, video) = av_world(Options {
        app_b: App::Sink,
        ..Options::default()
    });
    send_av(&mut w, audio, video, 1, 1000);
    let ssrc = w.a().peer.transceiver(video).unwrap().ssrc;
    // B's SRTP session writes a FIR (twice with the same number, then a new one).
    let fir = |seq: u8| {
        let mut buf = vec![0u8; 64];
        let n = {
            let mut wr = RtcpWriter::new(&mut buf);
            wr.fir(
                0x1234,
                &[FirEntry {
                    ssrc,
                    sequence_number: seq,
                }],
            )
            .unwrap();
            wr.len()
        };
        buf.truncate(n);
        buf
    };
    let mut delivered = 0;
    for seq in [7u8, 7, 8] {
        let mut packet = fir(seq);
        w.b()
            .peer
            .srtp()
            .unwrap()
            .protect_rtcp(&mut packet)
            .unwrap();
        let (a_addr, b_addr) = (common::sa(common::A_ADDR), common::sa(common::B_ADDR));
        let now = w.now();
        w.a().peer.handle_datagram(now, a_addr, b_addr, &packet);
        w.a().collect(now);
        delivered += 1;
    }
    assert_eq!(delivered, 3);
    let requests = w
        .a()
        .log
        .iter()
        .filter(|(_, e)| {
            matches!(e, Event::KeyframeRequest { kind: KeyframeRequestKind::Fir, transceiver } if *transceiver == video)
        })
        .count();
    assert_eq!(requests, 2);
    let out = a_outbound(&mut w, video);
    assert_eq!(out.firs_received, 2);
}
