//! The receiver side of RFC 3758 §3.6 against a peer shaped like aiortc's sender (1.16): DATA
//! without I-DATA, one chunk per packet, and FORWARD TSN chunks built the way aiortc builds them
//! (the Advanced.Peer.Ack.Point moves over every fragment of an abandoned message, acknowledged
//! ones included; only ordered streams are listed; the last abandoned SSN per stream; the same
//! FORWARD TSN repeated until acknowledged). The association is set up with a real peer, whose
//! place a hand-written sender then takes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use common::Peer;
use sansrtc_netsim::epoch;
use sansrtc_sctp::Event;
use sansrtc_sctp::packet::{
    Chunk, Packet, data_flags, end_chunk, finish_packet, write_common_header, write_data_header,
    write_forward_tsn,
};

/// A sansrtc association (`us`) and the hand-written sender that talks to it.
struct Bench {
    us: Peer,
    now: Instant,
    /// The verification tag `us` expects.
    vtag: u32,
    /// The sender's next TSN.
    next_tsn: u32,
    buf: Vec<u8>,
}

const S: u16 = 1;

impl Bench {
    fn new() -> Self {
        let cfg = |seed| {
            let mut c = common::config(seed);
            c.interleaving = false; // aiortc offers no I-DATA
            c
        };
        let mut us = Peer::new(cfg(1), 1);
        let mut them = Peer::new(cfg(2), 2);
        let mut now = epoch();
        us.assoc.connect(now);
        them.assoc.connect(now);
        let mut buf = Vec::new();
        let mut vtag = None;
        let mut cum = None;
        let mut sent_probe = false;
        // Until the (delayed, 200 ms) SACK of the probe message.
        for _ in 0..100 {
            now += Duration::from_millis(10);
            while let Some(n) = them.assoc.poll_transmit(now, &mut buf) {
                vtag = Some(u32::from_be_bytes(buf[4..8].try_into().unwrap()));
                us.assoc.handle_datagram(now, &buf[..n]);
            }
            while let Some(n) = us.assoc.poll_transmit(now, &mut buf) {
                let p = Packet::new_checked(&buf[..n]).unwrap();
                for c in p.chunks() {
                    if let Ok(Chunk::Sack(s)) = Chunk::parse(c.unwrap()) {
                        cum = Some(s.cum_tsn);
                    }
                }
                them.assoc.handle_datagram(now, &buf[..n]);
            }
            us.assoc.handle_timeout(now);
            them.assoc.handle_timeout(now);
            if them.assoc.is_established() && !sent_probe {
                // One message, so that a SACK from `us` tells the next TSN.
                them.assoc
                    .send(now, 9, 51, b"probe", Default::default())
                    .unwrap();
                sent_probe = true;
            }
            if cum.is_some() && us.assoc.is_established() {
                break;
            }
        }
        while us.assoc.poll_event().is_some() {}
        assert_eq!(us.assoc.partial_reliability(), Some(true));
        assert_eq!(us.assoc.interleaving(), Some(false));
        Self {
            us,
            now,
            vtag: vtag.unwrap(),
            next_tsn: cum.expect("no SACK").wrapping_add(1),
            buf,
        }
    }

    fn packet(&mut self, chunk: impl FnOnce(&mut Vec<u8>)) {
        let mut p = Vec::new();
        write_common_header(&mut p, 5000, 5000, self.vtag);
        chunk(&mut p);
        finish_packet(&mut p);
        self.now += Duration::from_millis(1);
        let before = self.us.assoc.stats().packets_dropped;
        self.us.assoc.handle_datagram(self.now, &p);
        assert_eq!(
            self.us.assoc.stats().packets_dropped,
            before,
            "packet refused"
        );
        // Whatever `us` answers (SACKs) goes nowhere: the sender here does not need it.
        while self
            .us
            .assoc
            .poll_transmit(self.now, &mut self.buf)
            .is_some()
        {}
    }

    /// Takes the next TSN for a DATA chunk (sent or not).
    fn tsn(&mut self) -> u32 {
        let t = self.next_tsn;
        self.next_tsn = t.wrapping_add(1);
        t
    }

    fn data(&mut self, tsn: u32, stream: u16, ssn: u16, flags: u8, payload: &[u8]) {
        self.packet(|p| {
            let start = write_data_header(p, flags, tsn, stream, ssn, 51);
            p.extend_from_slice(payload);
            end_chunk(p, start);
        });
    }

    fn forward_tsn(&mut self, new_cum: u32, streams: &[(u16, u16)]) {
        self.packet(|p| write_forward_tsn(p, new_cum, streams));
    }

    /// Messages delivered since the last call.
    fn delivered(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(e) = self.us.assoc.poll_event() {
            if let Event::Message(m) = e {
                out.push(m.payload);
            }
        }
        out
    }
}

const B: u8 = data_flags::BEGIN;
const E: u8 = data_flags::END;
const BE: u8 = data_flags::BEGIN | data_flags::END;
const U: u8 = data_flags::UNORDERED;

fn v(items: &[&[u8]]) -> Vec<Vec<u8>> {
    items.iter().map(|i| i.to_vec()).collect()
}

/// SSN 0 in three fragments, its end lost; SSN 1 complete arrives behind the gap; then the
/// FORWARD TSN for SSN 0 (aiortc's timing in the lossy interop run). aiortc itself loses SSN 1
/// here and stalls its stream; the RFC wants SSN 1 delivered.
#[test]
fn rfc3758_3_6_message_behind_an_abandoned_fragmented_one_is_delivered() {
    let mut b = Bench::new();
    let (t0, t1, t2, t3) = (b.tsn(), b.tsn(), b.tsn(), b.tsn());
    b.data(t0, S, 0, B, b"first ");
    b.data(t1, S, 0, 0, b"middle ");
    // t2 (the end) is lost.
    b.data(t3, S, 1, BE, b"next");
    assert!(b.delivered().is_empty(), "SSN 1 waits for SSN 0");
    b.forward_tsn(t2, &[(S, 0)]);
    assert_eq!(b.delivered(), v(&[b"next"]));
    // The same FORWARD TSN again (aiortc repeats it until acknowledged): out of date.
    b.forward_tsn(t2, &[(S, 0)]);
    let t4 = b.tsn();
    b.data(t4, S, 2, BE, b"after");
    assert_eq!(b.delivered(), v(&[b"after"]));
    // The lost end arrives late: a duplicate, dropped.
    b.data(t2, S, 0, E, b"end");
    assert!(b.delivered().is_empty());
    assert!(b.us.assoc.stats().duplicate_data_chunks >= 1);
}

/// The FORWARD TSN overtakes the next message (both orders must work).
#[test]
fn rfc3758_3_6_forward_tsn_before_the_next_message() {
    let mut b = Bench::new();
    let (t0, t1, t2) = (b.tsn(), b.tsn(), b.tsn());
    b.data(t0, S, 0, B, b"lost ");
    // t1, t2 lost; aiortc abandons the whole message.
    b.forward_tsn(t2, &[(S, 0)]);
    assert!(b.delivered().is_empty());
    let t3 = b.tsn();
    b.data(t3, S, 1, BE, b"next");
    assert_eq!(b.delivered(), v(&[b"next"]));
    let _ = t1;
}

/// aiortc moves the Advanced.Peer.Ack.Point over the acknowledged fragments of an abandoned
/// message too: here its first fragment was lost and the others arrived.
#[test]
fn rfc3758_3_6_forward_tsn_over_received_fragments_drops_them() {
    let mut b = Bench::new();
    let (t0, t1, t2, t3) = (b.tsn(), b.tsn(), b.tsn(), b.tsn());
    // t0 (the beginning) lost.
    b.data(t1, S, 0, 0, b"middle");
    b.data(t2, S, 0, E, b"end");
    b.data(t3, S, 1, BE, b"next");
    b.forward_tsn(t2, &[(S, 0)]);
    assert_eq!(b.delivered(), v(&[b"next"]));
    let _ = t0;
    // Nothing of the abandoned message is left in the receive buffer.
    let t4 = b.tsn();
    b.data(t4, S, 2, B, &[7; 100]);
    let t5 = b.tsn();
    b.data(t5, S, 2, E, &[8; 100]);
    let got = b.delivered();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].len(), 200);
}

/// Several abandoned messages on two streams in one FORWARD TSN, each stream listed once with
/// its last SSN; a stream listed with an SSN it already delivered is not moved.
#[test]
fn rfc3758_3_5_c4_one_forward_tsn_for_several_streams() {
    let mut b = Bench::new();
    let t = (0..6).map(|_| b.tsn()).collect::<Vec<_>>();
    b.data(t[0], S, 0, BE, b"s1-0");
    // t[1] (S, 1) and t[2] (S, 2) lost and abandoned, t[3] (stream 3, SSN 0) lost too.
    b.data(t[4], 3, 1, BE, b"s3-1");
    b.data(t[5], S, 3, BE, b"s1-3");
    assert_eq!(b.delivered(), v(&[b"s1-0"]));
    b.forward_tsn(t[3], &[(S, 2), (3, 0)]);
    let mut got = b.delivered();
    got.sort();
    assert_eq!(got, v(&[b"s1-3", b"s3-1"]));
    // Stream 1 reported again with an older SSN: already past, nothing moves.
    let t6 = b.tsn();
    let t7 = b.tsn();
    b.data(t7, S, 4, BE, b"s1-4");
    b.forward_tsn(t6, &[(S, 1)]);
    assert_eq!(b.delivered(), v(&[b"s1-4"]));
}

/// Unordered messages: aiortc lists no stream for them; the partial message is dropped and the
/// next one is delivered, before and after the FORWARD TSN.
#[test]
fn rfc3758_3_6_unordered_fragments_dropped_without_a_stream_entry() {
    let mut b = Bench::new();
    let (t0, t1, t2) = (b.tsn(), b.tsn(), b.tsn());
    b.data(t0, S, 0, B | U, b"partial");
    // t1 (its end) lost.
    b.data(t2, S, 0, BE | U, b"u-next");
    assert_eq!(b.delivered(), v(&[b"u-next"]));
    b.forward_tsn(t1, &[]);
    let t3 = b.tsn();
    b.data(t3, S, 0, B | U, b"u-");
    let t4 = b.tsn();
    b.data(t4, S, 0, E | U, b"last");
    assert_eq!(b.delivered(), v(&[b"u-last"]));
}
