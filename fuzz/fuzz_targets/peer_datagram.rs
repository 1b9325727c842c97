//! Two Peers connected back to back in memory, with the fuzzer in the middle: it delivers,
//! drops, corrupts, duplicates and injects datagrams (STUN, DTLS, SCTP-in-DTLS, SRTP or
//! anything), makes application calls (channels, sends, closes, trickled candidates) and jumps
//! time. Any panic, or a peer that keeps asking to be woken in the past, is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{Certificate, ChannelConfig, ChannelId, Config, Event, Peer, Reliability};

const A: &str = "192.0.2.1:5000";
const B: &str = "192.0.2.2:6000";

#[derive(Arbitrary, Debug)]
enum Op {
    /// Deliver the next `n` datagrams queued towards one side.
    Deliver {
        to_b: bool,
        n: u8,
    },
    Drop {
        to_b: bool,
    },
    Duplicate {
        to_b: bool,
    },
    Corrupt {
        to_b: bool,
        at: u16,
        xor: u8,
    },
    Truncate {
        to_b: bool,
        len: u16,
    },
    Inject {
        to_b: bool,
        from_stranger: bool,
        data: Vec<u8>,
    },
    CreateChannel {
        on_b: bool,
        ordered: bool,
        reliability: u8,
        negotiated: Option<u16>,
    },
    Send {
        on_b: bool,
        channel: u8,
        binary: bool,
        len: u16,
    },
    CloseChannel {
        on_b: bool,
        channel: u8,
    },
    Close {
        on_b: bool,
    },
    Candidate {
        on_b: bool,
        line: String,
        mid: Option<String>,
    },
    LocalAddress {
        on_b: bool,
        port: u16,
    },
    Wait(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// Before the answer: B's datagrams reach A before A knows its DTLS role.
    answer_late: bool,
    ops: Vec<Op>,
}

fn certificates() -> &'static (Arc<Certificate>, Arc<Certificate>) {
    static CERTS: OnceLock<(Arc<Certificate>, Arc<Certificate>)> = OnceLock::new();
    CERTS.get_or_init(|| {
        let provider = sansrtc_crypto::default_provider();
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        (
            Arc::new(Certificate::generate(&provider, &mut rng, "a").unwrap()),
            Arc::new(Certificate::generate(&provider, &mut rng, "b").unwrap()),
        )
    })
}

struct Side {
    peer: Peer,
    inbox: VecDeque<(SocketAddr, SocketAddr, Vec<u8>)>,
    channels: Vec<ChannelId>,
}

fn drain(from: &mut Side, to: &mut Side, now: Instant, buf: &mut Vec<u8>) {
    let mut n = 0;
    while let Some(t) = from.peer.poll_transmit(now, buf) {
        assert_eq!(t.len, buf.len());
        if to.inbox.len() < 4096 {
            to.inbox.push_back((t.destination, t.source, buf.clone()));
        }
        n += 1;
        assert!(n < 100_000, "poll_transmit never ends");
    }
    while let Some(e) = from.peer.poll_event() {
        if let Event::ChannelOpen(id) = e
            && !from.channels.contains(&id)
        {
            from.channels.push(id);
        }
    }
    if let Some(at) = from.peer.poll_timeout()
        && at <= now
    {
        from.peer.handle_timeout(now);
    }
}

fuzz_target!(|input: Input| {
    let (cert_a, cert_b) = certificates();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut ca = Config::new([A.parse().unwrap()], 1);
    ca.certificate = Some(Arc::clone(cert_a));
    let mut cb = Config::new([B.parse().unwrap()], 2);
    cb.certificate = Some(Arc::clone(cert_b));
    let mut a = Side {
        peer: Peer::new(ca, &mut rng).unwrap(),
        inbox: VecDeque::new(),
        channels: Vec::new(),
    };
    let mut b = Side {
        peer: Peer::new(cb, &mut rng).unwrap(),
        inbox: VecDeque::new(),
        channels: Vec::new(),
    };
    let mut now = Instant::now();
    let chat = a
        .peer
        .create_channel(now, ChannelConfig::new("chat"))
        .unwrap();
    a.channels.push(chat);
    let offer = a.peer.create_offer(now).unwrap().to_string();
    let answer = b.peer.accept_offer(now, &offer).unwrap().to_string();
    let mut answered = false;
    if !input.answer_late {
        a.peer.accept_answer(now, &answer).unwrap();
        answered = true;
    }
    let stranger: SocketAddr = "203.0.113.9:9".parse().unwrap();
    let mut buf = Vec::new();
    for (i, op) in input.ops.into_iter().take(512).enumerate() {
        if !answered && i == 8 {
            let _ = a.peer.accept_answer(now, &answer);
            answered = true;
        }
        drain(&mut a, &mut b, now, &mut buf);
        drain(&mut b, &mut a, now, &mut buf);
        let side = |on_b: bool| if on_b { 1 } else { 0 };
        match op {
            Op::Deliver { to_b, n } => {
                let to = if to_b { &mut b } else { &mut a };
                for _ in 0..n.min(64) {
                    let Some((local, remote, d)) = to.inbox.pop_front() else {
                        break;
                    };
                    to.peer.handle_datagram(now, local, remote, &d);
                }
            }
            Op::Drop { to_b } => {
                let to = if to_b { &mut b } else { &mut a };
                to.inbox.pop_front();
            }
            Op::Duplicate { to_b } => {
                let to = if to_b { &mut b } else { &mut a };
                if let Some(d) = to.inbox.front().cloned() {
                    to.inbox.push_back(d);
                }
            }
            Op::Corrupt { to_b, at, xor } => {
                let to = if to_b { &mut b } else { &mut a };
                if let Some((_, _, d)) = to.inbox.front_mut()
                    && !d.is_empty()
                {
                    let at = usize::from(at) % d.len();
                    d[at] ^= xor;
                }
            }
            Op::Truncate { to_b, len } => {
                let to = if to_b { &mut b } else { &mut a };
                if let Some((_, _, d)) = to.inbox.front_mut() {
                    d.truncate(usize::from(len));
                }
            }
            Op::Inject {
                to_b,
                from_stranger,
                data,
            } => {
                let (to, local, from) = if to_b { (&mut b, B, A) } else { (&mut a, A, B) };
                let from = if from_stranger {
                    stranger
                } else {
                    from.parse().unwrap()
                };
                to.peer
                    .handle_datagram(now, local.parse().unwrap(), from, &data);
            }
            Op::CreateChannel {
                on_b,
                ordered,
                reliability,
                negotiated,
            } => {
                let s = if side(on_b) == 1 { &mut b } else { &mut a };
                let mut c = ChannelConfig::new("fuzz");
                c.ordered = ordered;
                c.reliability = match reliability % 3 {
                    0 => Reliability::Reliable,
                    1 => Reliability::MaxRetransmits(u32::from(reliability / 3)),
                    _ => Reliability::MaxLifetime(Duration::from_millis(u64::from(reliability))),
                };
                c.negotiated = negotiated;
                if let Ok(id) = s.peer.create_channel(now, c) {
                    s.channels.push(id);
                }
            }
            Op::Send {
                on_b,
                channel,
                binary,
                len,
            } => {
                let s = if on_b { &mut b } else { &mut a };
                if let Some(id) = s
                    .channels
                    .get(usize::from(channel) % s.channels.len().max(1))
                {
                    let data = vec![0xa5; usize::from(len)];
                    let _ = if binary {
                        s.peer.send_binary(now, *id, &data)
                    } else {
                        s.peer.send_text(now, *id, "x")
                    };
                }
            }
            Op::CloseChannel { on_b, channel } => {
                let s = if on_b { &mut b } else { &mut a };
                if let Some(id) = s
                    .channels
                    .get(usize::from(channel) % s.channels.len().max(1))
                {
                    let _ = s.peer.close_channel(now, *id);
                }
            }
            Op::Close { on_b } => {
                let s = if on_b { &mut b } else { &mut a };
                s.peer.close(now);
            }
            Op::Candidate { on_b, line, mid } => {
                let s = if on_b { &mut b } else { &mut a };
                let _ = s.peer.add_remote_candidate(now, &line, mid.as_deref());
            }
            Op::LocalAddress { on_b, port } => {
                let s = if on_b { &mut b } else { &mut a };
                let addr = SocketAddr::from(([192, 0, 2, 3], port));
                let _ = s.peer.add_local_candidate(now, addr);
            }
            Op::Wait(ms) => {
                now += Duration::from_millis(u64::from(ms));
                for s in [&mut a, &mut b] {
                    s.peer.handle_timeout(now);
                }
            }
        }
        for s in [&a, &b] {
            if let Some(at) = s.peer.poll_timeout() {
                // A deadline in the past is fine once (drain fires it); it must move on.
                let _ = at;
            }
        }
    }
    // Whatever happened, the peers can be drained and closed.
    for _ in 0..4 {
        drain(&mut a, &mut b, now, &mut buf);
        drain(&mut b, &mut a, now, &mut buf);
    }
    a.peer.close(now);
    b.peer.close(now);
    let _ = (a.peer.stats(), b.peer.stats());
});
