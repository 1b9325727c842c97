//! Two peers in one thread over real loopback UDP sockets, busy-polling (no sleeps): setup and
//! 64 MiB in 16 KiB messages, with the SCTP loss-recovery counters. Shows what the kernel's
//! socket buffers do to bursts; the reference driver is `sansrtc-cli`.
//!
//! `cargo run --release -p sansrtc-peer --example loopback_udp [MiB] [max datagrams per turn]`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{Bytes, ChannelConfig, Config, Event, Peer};

struct End {
    peer: Peer,
    socket: UdpSocket,
    sent: u64,
    received: u64,
}

fn send(e: &mut End, buf: &mut Vec<u8>, max: usize) -> usize {
    let now = Instant::now();
    let mut n = 0;
    for _ in 0..max {
        let Some(t) = e.peer.poll_transmit(now, buf) else {
            break;
        };
        // Loopback: a full socket buffer drops at the receiver, not here.
        let _ = e.socket.send_to(&buf[..t.len], t.destination);
        e.sent += 1;
        n += 1;
    }
    n
}

fn receive(e: &mut End, rx: &mut [u8]) -> usize {
    let local = e.socket.local_addr().unwrap();
    let mut count = 0;
    while let Ok((n, from)) = e.socket.recv_from(rx) {
        e.peer
            .handle_datagram(Instant::now(), local, from, &rx[..n]);
        e.received += 1;
        count += 1;
    }
    let now = Instant::now();
    if e.peer.poll_timeout().is_some_and(|t| t <= now) {
        e.peer.handle_timeout(now);
    }
    count
}

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let burst: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let sa = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sb = UdpSocket::bind("127.0.0.1:0").unwrap();
    sa.set_nonblocking(true).unwrap();
    sb.set_nonblocking(true).unwrap();
    let mut a = End {
        peer: Peer::new(Config::new([sa.local_addr().unwrap()], 1), &mut rng).unwrap(),
        socket: sa,
        sent: 0,
        received: 0,
    };
    let mut b = End {
        peer: Peer::new(Config::new([sb.local_addr().unwrap()], 2), &mut rng).unwrap(),
        socket: sb,
        sent: 0,
        received: 0,
    };
    let (mut buf, mut rx) = (Vec::with_capacity(2048), vec![0u8; 65536]);
    let start = Instant::now();
    let ch = a
        .peer
        .create_channel(start, ChannelConfig::new("bulk"))
        .unwrap();
    let offer = a.peer.create_offer(start).unwrap().to_string();
    let answer = b
        .peer
        .accept_offer(Instant::now(), &offer)
        .unwrap()
        .to_string();
    a.peer.accept_answer(Instant::now(), &answer).unwrap();
    let (mut a_open, mut b_open) = (false, false);
    while !(a_open && b_open) {
        send(&mut a, &mut buf, burst);
        send(&mut b, &mut buf, burst);
        receive(&mut a, &mut rx);
        receive(&mut b, &mut rx);
        while let Some(e) = a.peer.poll_event() {
            a_open |= matches!(e, Event::ChannelOpen(_));
        }
        while let Some(e) = b.peer.poll_event() {
            b_open |= matches!(e, Event::ChannelOpen(_));
        }
        assert!(start.elapsed() < Duration::from_secs(5));
    }
    println!("setup {:.2?}", start.elapsed());
    let total = mib * 1024 * 1024;
    let msg = Bytes::from(vec![0x5au8; 16 * 1024]);
    let t0 = Instant::now();
    let (mut sent, mut got) = (0, 0);
    let mut idle = Duration::ZERO;
    let mut idle_since: Option<Instant> = None;
    while got < total {
        let now = Instant::now();
        while sent < total && a.peer.buffered_amount(ch) < 1024 * 1024 {
            a.peer.send(now, ch, true, msg.clone()).unwrap();
            sent += msg.len();
        }
        let moved = send(&mut a, &mut buf, burst)
            + send(&mut b, &mut buf, burst)
            + receive(&mut b, &mut rx)
            + receive(&mut a, &mut rx);
        // Time in which an event loop would have slept: nothing to send or read.
        match (moved, idle_since) {
            (0, None) => idle_since = Some(now),
            (0, Some(_)) => {}
            (_, Some(at)) => {
                idle += now - at;
                idle_since = None;
            }
            (_, None) => {}
        }
        while a.peer.poll_event().is_some() {}
        while let Some(e) = b.peer.poll_event() {
            if let Event::ChannelMessage { data, .. } = e {
                got += data.len();
            }
        }
        assert!(t0.elapsed() < Duration::from_secs(120));
    }
    let wall = t0.elapsed();
    println!(
        "{mib} MiB in {wall:.2?} = {:.0} MiB/s; datagrams a sent {} b received {} (lost {})",
        mib as f64 / wall.as_secs_f64(),
        a.sent,
        b.received,
        a.sent - b.received
    );
    println!("idle (nothing to send or read): {idle:.2?}");
    println!("a sctp {:?}", a.peer.stats().sctp);
}
