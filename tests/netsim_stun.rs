//! A real sans-IO state machine on the simulated network: a `sansrtc-stun` client transaction
//! behind an RFC 4787 NAT asks netsim's public STUN server for its mapped address over lossy
//! links, on the virtual clock.
//!
//! This is the pattern the ICE, DTLS and SCTP tests follow: wrap the machine in a small
//! [`Node`] adapter, and let the network deliver datagrams, fire `poll_timeout` and jump time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sansrtc_netsim::{Datagram, LinkConfig, NatConfig, Network, Node, StunServer, epoch};
use sansrtc_stun::{
    Class, ClientTransaction, Message, MessageBuilder, Method, TransactionConfig, TransactionEvent,
    TransactionId,
};

const SERVER: &str = "198.51.100.10:3478";
const CLIENT: &str = "10.0.0.2:40000";

/// The adapter: one transaction, its outcome and the mapped address it learned.
struct StunClient {
    tx: ClientTransaction,
    buf: Vec<u8>,
    outcome: Option<TransactionEvent>,
    mapped: Option<SocketAddr>,
    sent: u32,
    ended_at: Option<Instant>,
}

impl StunClient {
    fn new(seed: u8) -> Self {
        let mut request = Vec::new();
        MessageBuilder::new(
            &mut request,
            Class::Request,
            Method::BINDING,
            TransactionId::new([seed; 12]),
        );
        let tx = ClientTransaction::new(
            epoch(),
            &request,
            Some(CLIENT.parse().unwrap()),
            SERVER.parse().unwrap(),
            TransactionConfig::default(),
        )
        .unwrap();
        Self {
            tx,
            buf: Vec::new(),
            outcome: None,
            mapped: None,
            sent: 0,
            ended_at: None,
        }
    }

    fn drain_event(&mut self, now: Instant) {
        if let Some(event) = self.tx.poll_event() {
            self.outcome = Some(event);
            self.ended_at = Some(now);
        }
    }
}

impl Node for StunClient {
    fn handle_datagram(&mut self, now: Instant, datagram: Datagram) {
        let Ok(response) = Message::parse(&datagram.payload) else {
            return;
        };
        let mapped = response.xor_mapped_address().and_then(Result::ok);
        if self.tx.handle_response(now, &response) {
            self.mapped = mapped;
        }
        self.drain_event(now);
    }

    fn poll_transmit(&mut self, now: Instant) -> Option<Datagram> {
        let t = self.tx.poll_transmit(now, &mut self.buf)?;
        self.sent += 1;
        Some(Datagram::new(t.source?, t.destination, self.buf.clone()))
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.tx.poll_timeout()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.tx.handle_timeout(now);
        self.drain_event(now);
    }
}

/// The outcome of one run: what the client saw, and the NAT's external address.
#[derive(Debug, PartialEq)]
struct Run {
    outcome: Option<TransactionEvent>,
    mapped: Option<SocketAddr>,
    nat_external: Vec<SocketAddr>,
    sent: u32,
    elapsed: Option<Duration>,
}

fn run(seed: u64, loss: f64) -> Run {
    let mut net = Network::new(seed);
    let link = LinkConfig {
        delay: Duration::from_millis(15),
        jitter: Duration::from_millis(5),
        loss,
        ..LinkConfig::default()
    };
    net.add_node(
        "198.51.100.10".parse().unwrap(),
        None,
        link.clone(),
        StunServer::new(),
    );
    let nat = net.add_nat("203.0.113.1".parse().unwrap(), NatConfig::symmetric());
    let client = net.add_node(
        "10.0.0.2".parse().unwrap(),
        Some(nat),
        link,
        StunClient::new(7),
    );
    net.run_until(epoch() + Duration::from_secs(60));
    let c = net.node::<StunClient>(client);
    Run {
        outcome: c.outcome,
        mapped: c.mapped,
        nat_external: net
            .nat(nat)
            .unwrap()
            .mappings(net.now())
            .iter()
            .map(|m| m.external)
            .collect(),
        sent: c.sent,
        elapsed: c.ended_at.map(|t| t - epoch()),
    }
}

#[test]
fn rfc8489_6_2_1_transaction_through_a_symmetric_nat_learns_the_mapped_address() {
    let r = run(1, 0.0);
    assert!(matches!(
        r.outcome,
        Some(TransactionEvent::Response {
            class: Class::SuccessResponse,
            rtt: Some(_)
        })
    ));
    assert_eq!(r.sent, 1);
    // The server saw the NAT's external address, not the private one.
    let mapped = r.mapped.unwrap();
    assert_eq!(mapped.ip().to_string(), "203.0.113.1");
    // Four access-link hops of 15 ± 5 ms.
    let elapsed = r.elapsed.unwrap();
    assert!(elapsed >= Duration::from_millis(40) && elapsed <= Duration::from_millis(80));
}

#[test]
fn rfc8489_6_2_1_retransmissions_recover_from_loss_on_the_virtual_clock() {
    // 40 % loss per access link: most seeds need retransmissions, every one of which fires at
    // the RFC 8489 schedule on the virtual clock (no sleeps: the test takes milliseconds).
    let mut retransmitted = 0;
    for seed in 0..20 {
        let r = run(seed, 0.4);
        match r.outcome {
            Some(TransactionEvent::Response { rtt, .. }) => {
                assert_eq!(rtt.is_some(), r.sent == 1, "seed {seed}: Karn's rule");
                assert!(r.mapped.is_some());
                if r.sent > 1 {
                    retransmitted += 1;
                    // Sent at 0, 500, 1500, ... ms: an answer to request n comes after its send.
                    let schedule = [0, 500, 1500, 3500, 7500, 15500, 31500];
                    let last_send = Duration::from_millis(schedule[r.sent as usize - 1]);
                    assert!(r.elapsed.unwrap() > last_send, "seed {seed}: {r:?}");
                }
            }
            Some(TransactionEvent::TimedOut) => {
                assert_eq!(r.sent, 7, "seed {seed}");
                assert_eq!(r.elapsed, Some(Duration::from_millis(39_500)));
            }
            None => panic!("seed {seed}: the transaction never ended: {r:?}"),
        }
    }
    assert!(retransmitted > 0, "40 % loss should need retransmissions");
}

#[test]
fn rfc8489_6_2_1_total_loss_times_out_at_39_5_seconds() {
    let r = run(3, 1.0);
    assert_eq!(r.outcome, Some(TransactionEvent::TimedOut));
    assert_eq!(r.sent, 7);
    assert_eq!(r.elapsed, Some(Duration::from_millis(39_500)));
    assert_eq!(r.mapped, None);
}

#[test]
fn same_seed_same_run() {
    for seed in [5, 6, 7] {
        assert_eq!(run(seed, 0.3), run(seed, 0.3));
    }
}
