//! Drives a STUN client transaction (RFC 8489 §6.2.1) with arbitrary configurations, clock
//! jumps, timer calls and incoming messages, and checks its invariants: never more than Rc
//! requests, every request byte-identical, exactly one outcome, nothing after it, a deadline
//! while (and only while) it is active, a response accepted only with our transaction id,
//! method and a response class, and an RTT sample only when a single request was sent.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sansrtc_stun::{
    Class, ClientTransaction, Message, MessageBuilder, Method, TransactionConfig, TransactionEvent,
    TransactionId,
};

#[derive(Arbitrary, Debug)]
enum Op {
    /// Move the clock forward by this many milliseconds.
    Advance(u16),
    /// Move the clock to the transaction's deadline.
    AdvanceToDeadline,
    HandleTimeout,
    PollTransmit,
    /// A well-formed message: class (mod 4), method (12 bits), our id or a different one.
    Message {
        class: u8,
        method: u16,
        our_id: bool,
    },
    /// Anything at all, offered if it parses.
    Datagram(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    rto_ms: u16,
    max_transmissions: u8,
    last_wait_multiplier: u8,
    ops: Vec<Op>,
}

const ID: [u8; 12] = [7; 12];

fuzz_target!(|input: Input| {
    let config = TransactionConfig {
        rto: Duration::from_millis(u64::from(input.rto_ms)),
        max_transmissions: u32::from(input.max_transmissions),
        last_wait_multiplier: u32::from(input.last_wait_multiplier),
    };
    let start = Instant::now();
    let mut now = start;
    let mut request = Vec::new();
    MessageBuilder::new(
        &mut request,
        Class::Request,
        Method::BINDING,
        TransactionId::new(ID),
    );
    let server = "192.0.2.1:3478".parse().unwrap();
    let mut tx = ClientTransaction::new(now, &request, None, server, config).unwrap();

    let max_sends = config.max_transmissions.max(1);
    let (mut sends, mut events) = (0u32, 0u32);
    let mut buf = Vec::new();
    let mut response = Vec::new();
    for op in input.ops {
        match op {
            Op::Advance(ms) => now += Duration::from_millis(u64::from(ms)),
            Op::AdvanceToDeadline => {
                if let Some(deadline) = tx.poll_timeout() {
                    now = now.max(deadline);
                }
            }
            Op::HandleTimeout => tx.handle_timeout(now),
            Op::PollTransmit => {
                if let Some(t) = tx.poll_transmit(now, &mut buf) {
                    sends += 1;
                    assert!(sends <= max_sends, "more than Rc requests");
                    assert_eq!(buf, request);
                    assert_eq!(t.destination, server);
                    assert!(!tx.is_done());
                }
            }
            Op::Message {
                class,
                method,
                our_id,
            } => {
                let class = [
                    Class::Request,
                    Class::Indication,
                    Class::SuccessResponse,
                    Class::ErrorResponse,
                ][usize::from(class % 4)];
                let method = Method::new(method & 0x0fff).unwrap();
                let id = if our_id { ID } else { [8; 12] };
                MessageBuilder::new(&mut response, class, method, TransactionId::new(id));
                let was_done = tx.is_done();
                let accepted = tx.handle_response(now, &Message::parse(&response).unwrap());
                let expected =
                    !was_done && our_id && class.is_response() && method == Method::BINDING;
                assert_eq!(accepted, expected);
            }
            Op::Datagram(bytes) => {
                if let Ok(msg) = Message::parse(&bytes) {
                    let was_done = tx.is_done();
                    if tx.handle_response(now, &msg) {
                        assert!(!was_done);
                        assert_eq!(msg.transaction_id(), TransactionId::new(ID));
                    }
                }
            }
        }
        if let Some(event) = tx.poll_event() {
            events += 1;
            assert_eq!(events, 1, "a transaction reports exactly one outcome");
            assert!(tx.is_done());
            if let TransactionEvent::Response { rtt: Some(rtt), .. } = event {
                assert_eq!(sends, 1, "RTT sample after a retransmission");
                assert!(rtt <= now.duration_since(start));
            }
        }
        assert_eq!(tx.poll_timeout().is_none(), tx.is_done());
        if tx.is_done() {
            assert!(tx.poll_transmit(now, &mut buf).is_none());
        }
    }
});
