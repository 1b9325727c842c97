//! Answers a browser's A/V + data offer over a real UDP socket and echoes everything back:
//! data-channel messages on their channel, audio and video frames on the transceiver they came
//! in on (so the browser decodes its own camera and microphone through sansrtc). Prints what
//! arrived, per kind, as one JSON line.
//!
//! File signaling as `/work/shared/interop/chromium_peer.js` does it: waits for `DIR/offer.sdp`,
//! writes `DIR/answer.sdp`, exits on `DIR/done` or after `SECONDS`.
//!
//! `cargo run -p sansrtc-peer --example media_echo -- DIR 127.0.0.1:0 [SECONDS] [DROP_IN] [DROP_OUT]`
//!
//! `DROP_IN` / `DROP_OUT` (optional, 0 = none) drop every n-th incoming media packet before
//! SRTP / every n-th outgoing one (the test hook), to show NACK/RTX repair both ways.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::UdpSocket;
use std::path::Path;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{Codec, Config, Event, Peer, TestLoss};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).expect("DIR"));
    let bind = args.get(2).map_or("127.0.0.1:0", String::as_str);
    let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(30);
    let drop_in: Option<u32> = args.get(4).and_then(|s| s.parse().ok());
    let drop_out: Option<u32> = args.get(5).and_then(|s| s.parse().ok());
    let socket = UdpSocket::bind(bind).unwrap();
    let local = socket.local_addr().unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(2)))
        .unwrap();
    let mut peer = Peer::new(Config::new([local], 7), &mut ChaCha20Rng::seed_from_u64(7)).unwrap();
    peer.set_media_loss_for_testing(TestLoss {
        outgoing_every: drop_out,
        incoming_every: drop_in,
    });
    let offer_file = dir.join("offer.sdp");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let offer = loop {
        if let Ok(s) = std::fs::read_to_string(&offer_file)
            && !s.is_empty()
        {
            break s;
        }
        assert!(Instant::now() < deadline, "no offer");
        std::thread::sleep(Duration::from_millis(50));
    };
    let now = Instant::now();
    peer.accept_offer(now, &offer).unwrap();
    // Host candidates only: gathering is complete at once.
    let answer = peer.local_description().unwrap().to_string();
    let tmp = dir.join("answer.sdp.tmp");
    std::fs::write(&tmp, &answer).unwrap();
    std::fs::rename(&tmp, dir.join("answer.sdp")).unwrap();

    let mut buf = Vec::with_capacity(2048);
    let mut rx = vec![0u8; 2048];
    let (mut audio, mut video, mut keyframes, mut echoed, mut echo_errors) = (0u64, 0u64, 0, 0, 0);
    let mut discontinuities = 0;
    let mut messages = 0;
    let mut keyframe_requests = 0;
    let mut connected_at = None;
    let mut first_frame = None;
    while Instant::now() < deadline && !dir.join("done").exists() {
        if let Ok((n, from)) = socket.recv_from(&mut rx) {
            peer.handle_datagram(Instant::now(), local, from, &rx[..n]);
        }
        let now = Instant::now();
        if peer.poll_timeout().is_some_and(|t| t <= now) {
            peer.handle_timeout(now);
        }
        while let Some(e) = peer.poll_event() {
            match e {
                Event::ConnectionState(s) => {
                    eprintln!("state {s:?}");
                    if s == sansrtc_peer::ConnectionState::Connected {
                        connected_at = Some(now);
                    }
                }
                Event::ChannelMessage { id, binary, data } => {
                    messages += 1;
                    let _ = if binary {
                        peer.send_binary(now, id, &data)
                    } else {
                        peer.send_text(now, id, std::str::from_utf8(&data).unwrap_or(""))
                    };
                }
                Event::Frame(f) => {
                    first_frame.get_or_insert(now);
                    if f.codec.is_audio() {
                        audio += 1;
                    } else {
                        video += 1;
                        keyframes += u64::from(f.keyframe);
                    }
                    discontinuities += u64::from(f.discontinuity);
                    match peer.write_frame(now, f.transceiver, f.timestamp, &f.data) {
                        Ok(()) => echoed += 1,
                        Err(e) => {
                            echo_errors += 1;
                            if echo_errors < 5 {
                                eprintln!("echo: {e}");
                            }
                        }
                    }
                }
                Event::KeyframeRequest { .. } => keyframe_requests += 1,
                Event::Failed(e) => eprintln!("failed: {e}"),
                _ => {}
            }
        }
        while let Some(t) = peer.poll_transmit(Instant::now(), &mut buf) {
            let _ = socket.send_to(&buf[..t.len], t.destination);
        }
    }
    let mut stats = Vec::new();
    for id in peer.transceivers() {
        let info = peer.transceiver(id).unwrap();
        let s = peer.transceiver_stats(id).unwrap();
        let codec = info.codecs.first().map_or(Codec::Opus, |c| c.codec);
        let (inb, out) = (s.inbound.first(), s.outbound);
        stats.push(format!(
            "{{\"mid\":{:?},\"codec\":\"{}\",\"in_packets\":{},\"in_lost\":{},\"in_rtx\":{},\"nacks_sent\":{},\"plis_sent\":{},\"dropped\":{},\"out_packets\":{},\"out_dropped\":{},\"out_rtx\":{},\"nacks_received\":{},\"rtt_ms\":{}}}",
            info.mid.unwrap_or_default(),
            codec.encoding_name(),
            inb.map_or(0, |i| i.packets_received),
            inb.map_or(0, |i| i.packets_lost),
            inb.map_or(0, |i| i.retransmitted_packets_received),
            inb.map_or(0, |i| i.nacks_sent),
            inb.map_or(0, |i| i.plis_sent),
            inb.map_or(0, |i| i.packets_dropped_for_testing),
            out.map_or(0, |o| o.packets_sent),
            out.map_or(0, |o| o.packets_dropped_for_testing),
            out.map_or(0, |o| o.retransmitted_packets_sent),
            out.map_or(0, |o| o.nacks_received),
            out.and_then(|o| o.rtt).map_or(-1.0, |r| r.as_secs_f64() * 1e3),
        ));
    }
    let p = peer.stats();
    println!(
        "{{\"connected\":{},\"first_frame_ms\":{},\"audio_frames\":{audio},\"video_frames\":{video},\"keyframes\":{keyframes},\"discontinuities\":{discontinuities},\"echoed\":{echoed},\"echo_errors\":{echo_errors},\"messages\":{messages},\"keyframe_requests\":{keyframe_requests},\"bwe\":{},\"srtp_rejected\":{},\"unroutable\":{},\"transceivers\":[{}]}}",
        connected_at.is_some(),
        match (connected_at, first_frame) {
            (Some(c), Some(f)) => f.duration_since(c).as_millis() as i64,
            _ => -1,
        },
        p.bandwidth_estimate.unwrap_or(0),
        p.srtp_packets_rejected,
        p.rtp_packets_unroutable,
        stats.join(",")
    );
}
