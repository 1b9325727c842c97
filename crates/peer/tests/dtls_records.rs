//! How SCTP packets are laid out in DTLS datagrams on the wire.
//!
//! RFC 8261 §5 puts each SCTP packet in one DTLS record, and RFC 6347 §4.1.1 allows several
//! records in one datagram. aiortc (1.16) reads one record per received datagram
//! (`RTCDtlsTransport._recv_next` calls `SSL.recv` once), so a second application-data record
//! in a datagram is only read when the next datagram arrives: aiortc then lags one SCTP packet
//! behind for the rest of the association, and a ping-pong exchange (the `max-retransmits-0`
//! interop case) sees every reply one message late. libwebrtc, Pion and aiortc itself send one
//! SCTP packet per datagram; so does the peer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{A_ADDR, B_ADDR, Options, config};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_netsim::epoch;
use sansrtc_peer::{ChannelConfig, ChannelId, Event, Peer, Reliability};

/// DTLS application-data records (content type 23) in a datagram; `None` if it is not DTLS.
fn application_records(datagram: &[u8]) -> Option<usize> {
    if !(20..64).contains(datagram.first()?) {
        return None;
    }
    let (mut at, mut n) = (0, 0);
    while let Some(header) = datagram.get(at..at + 13) {
        n += usize::from(header[0] == 23);
        at += 13 + usize::from(u16::from_be_bytes([header[11], header[12]]));
    }
    Some(n)
}

/// One peer of a hand-driven pair.
struct Side {
    peer: Peer,
    /// Datagrams on their way to this side: (arrival, from, to, bytes).
    inbox: Vec<(Instant, SocketAddr, SocketAddr, Vec<u8>)>,
    opened: Vec<ChannelId>,
    /// Messages received, echoed back when `echo`.
    received: Vec<Vec<u8>>,
    echo: bool,
}

/// Two peers on a 1 ms link. Everything that arrives at the same instant is handed in before
/// the peer is polled again, as a driver reading a batch of datagrams (`recvmmsg`, GRO) does.
struct Pair {
    sides: [Side; 2],
    now: Instant,
    /// Application-data records in each DTLS datagram sent.
    records: Vec<usize>,
    buf: Vec<u8>,
}

impl Pair {
    fn new() -> Self {
        let opts = Options::default();
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let side = |addr, seed, echo, rng: &mut ChaCha20Rng| Side {
            peer: Peer::new(config(addr, seed, &opts), rng).unwrap(),
            inbox: Vec::new(),
            opened: Vec::new(),
            received: Vec::new(),
            echo,
        };
        let a = side(A_ADDR, 18, false, &mut rng);
        let b = side(B_ADDR, 19, true, &mut rng);
        Self {
            sides: [a, b],
            now: epoch(),
            records: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// Sends what both sides have queued and handles their events.
    fn flush(&mut self) {
        for i in 0..2 {
            let now = self.now;
            while let Some(t) = self.sides[i].peer.poll_transmit(now, &mut self.buf) {
                if let Some(n) = application_records(&self.buf) {
                    self.records.push(n);
                }
                let d = (
                    now + Duration::from_millis(1),
                    t.source,
                    t.destination,
                    self.buf.clone(),
                );
                self.sides[1 - i].inbox.push(d);
            }
            while let Some(e) = self.sides[i].peer.poll_event() {
                match e {
                    Event::LocalCandidate(c) => {
                        let attr = c.candidate.to_candidate_attribute();
                        // Host candidates are in the descriptions already; a late one is an
                        // error the harness does not care about.
                        let other = &mut self.sides[1 - i].peer;
                        let _ = other.add_remote_candidate(now, &attr, Some(&c.mid));
                    }
                    Event::ChannelOpen(id) => self.sides[i].opened.push(id),
                    Event::ChannelMessage { id, data, .. } => {
                        let side = &mut self.sides[i];
                        if side.echo {
                            side.peer.send_binary(now, id, &data).unwrap();
                        }
                        side.received.push(data);
                    }
                    _ => {}
                }
            }
        }
    }

    /// Advances to the next arrival or timer and processes it.
    fn step(&mut self) {
        self.flush();
        let arrivals = self.sides.iter().flat_map(|s| s.inbox.iter().map(|d| d.0));
        let timers = self.sides.iter().filter_map(|s| s.peer.poll_timeout());
        let Some(at) = arrivals.chain(timers).min() else {
            return;
        };
        self.now = self.now.max(at);
        let now = self.now;
        for side in &mut self.sides {
            let (due, later) = side.inbox.drain(..).partition(|d| d.0 <= now);
            side.inbox = later;
            for (_, from, to, bytes) in due {
                side.peer.handle_datagram(now, to, from, &bytes);
            }
            if side.peer.poll_timeout().is_some_and(|t| t <= now) {
                side.peer.handle_timeout(now);
            }
        }
        self.flush();
    }

    fn run_until(&mut self, secs: u64, mut cond: impl FnMut(&Self) -> bool) -> bool {
        let deadline = self.now + Duration::from_secs(secs);
        while self.now < deadline {
            if cond(self) {
                return true;
            }
            self.step();
        }
        cond(self)
    }
}

#[test]
fn rfc8261_5_one_sctp_packet_per_datagram() {
    let mut p = Pair::new();
    let now = p.now;
    let mut c = ChannelConfig::new("lossy");
    c.reliability = Reliability::MaxRetransmits(0);
    let lossy = p.sides[0].peer.create_channel(now, c).unwrap();
    let offer = p.sides[0].peer.create_offer(now).unwrap().to_string();
    let answer = p.sides[1]
        .peer
        .accept_offer(now, &offer)
        .unwrap()
        .to_string();
    p.sides[0].peer.accept_answer(now, &answer).unwrap();
    assert!(
        p.run_until(10, |p| p.sides.iter().all(|s| !s.opened.is_empty())),
        "the channel did not open"
    );
    // The max-retransmits-0 interop case: one message at a time, each echoed at once.
    for i in 0..50u8 {
        let now = p.now;
        p.sides[0].peer.send_binary(now, lossy, &[i; 3]).unwrap();
        let want = usize::from(i) + 1;
        assert!(
            p.run_until(1, |p| p.sides[0].received.len() == want),
            "echo {i} did not come back"
        );
    }
    assert!(p.records.iter().filter(|&&n| n > 0).count() > 100);
    let packed = p.records.iter().filter(|&&n| n > 1).count();
    assert_eq!(
        packed, 0,
        "{packed} datagrams carried more than one SCTP packet: {:?}",
        p.records
    );
}
