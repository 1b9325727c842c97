//! The client transaction of RFC 8489 §6.2.1 on a virtual clock.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sansrtc_stun::{
    Class, ClientTransaction, Error, Message, MessageBuilder, Method, TransactionConfig,
    TransactionEvent, TransactionId,
};

const TID: TransactionId = TransactionId::new([0x5a; 12]);

fn server() -> SocketAddr {
    "192.0.2.1:3478".parse().unwrap()
}

fn message(class: Class, method: Method, id: TransactionId) -> Vec<u8> {
    let mut out = Vec::new();
    MessageBuilder::new(&mut out, class, method, id);
    out
}

/// Runs a transaction nobody answers; returns the send times and the timeout time, in ms.
fn run_unanswered(config: TransactionConfig) -> (Vec<u64>, u64) {
    let start = Instant::now();
    let request = message(Class::Request, Method::BINDING, TID);
    let mut tx = ClientTransaction::new(start, &request, None, server(), config).unwrap();
    let mut buf = Vec::new();
    let mut sends = Vec::new();
    let mut now = start;
    loop {
        tx.handle_timeout(now);
        while let Some(transmit) = tx.poll_transmit(now, &mut buf) {
            assert_eq!(transmit.destination, server());
            assert_eq!(buf, request);
            sends.push((now - start).as_millis() as u64);
        }
        if let Some(event) = tx.poll_event() {
            assert_eq!(event, TransactionEvent::TimedOut);
            assert_eq!(tx.poll_timeout(), None);
            return (sends, (now - start).as_millis() as u64);
        }
        let next = tx
            .poll_timeout()
            .expect("an active transaction has a timer");
        assert!(next > now, "the timer must move forward");
        // A spurious wake-up just before the deadline does nothing.
        tx.handle_timeout(next - Duration::from_millis(1));
        assert!(tx.poll_transmit(next, &mut buf).is_none());
        now = next;
    }
}

#[test]
fn rfc8489_6_2_1_retransmission_schedule() {
    // "requests would be sent at times 0 ms, 500 ms, 1500 ms, 3500 ms, 7500 ms, 15500 ms, and
    // 31500 ms. If the client has not received a response after 39500 ms, the client will
    // consider the transaction to have timed out."
    let (sends, timeout) = run_unanswered(TransactionConfig::default());
    assert_eq!(sends, [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert_eq!(timeout, 39500);
}

#[test]
fn rfc8489_6_2_1_configurable_rto_rc_rm() {
    let config = TransactionConfig {
        rto: Duration::from_millis(100),
        max_transmissions: 3,
        last_wait_multiplier: 4,
    };
    let (sends, timeout) = run_unanswered(config);
    assert_eq!(sends, [0, 100, 300]);
    assert_eq!(timeout, 300 + 400);
}

#[test]
fn rfc8489_6_3_4_response_is_matched_by_transaction_id() {
    let start = Instant::now();
    let request = message(Class::Request, Method::BINDING, TID);
    let mut tx = ClientTransaction::new(
        start,
        &request,
        None,
        server(),
        TransactionConfig::default(),
    )
    .unwrap();
    let mut buf = Vec::new();
    tx.poll_transmit(start, &mut buf).unwrap();
    let at = start + Duration::from_millis(42);

    let other_id = message(
        Class::SuccessResponse,
        Method::BINDING,
        TransactionId::new([1; 12]),
    );
    assert!(!tx.handle_response(at, &Message::parse(&other_id).unwrap()));
    let indication = message(Class::Indication, Method::BINDING, TID);
    assert!(!tx.handle_response(at, &Message::parse(&indication).unwrap()));
    let other_method = message(Class::SuccessResponse, Method::ALLOCATE, TID);
    assert!(!tx.handle_response(at, &Message::parse(&other_method).unwrap()));
    assert_eq!(tx.poll_event(), None);

    let response = message(Class::ErrorResponse, Method::BINDING, TID);
    assert!(tx.handle_response(at, &Message::parse(&response).unwrap()));
    assert_eq!(
        tx.poll_event(),
        Some(TransactionEvent::Response {
            class: Class::ErrorResponse,
            rtt: Some(Duration::from_millis(42))
        })
    );
    assert_eq!(tx.poll_event(), None);
    assert!(tx.is_done());
    assert_eq!(tx.poll_timeout(), None);
    // Done is final: a duplicate response, timers and transmits do nothing.
    assert!(!tx.handle_response(at, &Message::parse(&response).unwrap()));
    tx.handle_timeout(start + Duration::from_secs(100));
    assert!(
        tx.poll_transmit(start + Duration::from_secs(100), &mut buf)
            .is_none()
    );
    assert_eq!(tx.poll_event(), None);
}

#[test]
fn rfc8489_6_2_1_no_rtt_sample_after_a_retransmission() {
    let start = Instant::now();
    let request = message(Class::Request, Method::BINDING, TID);
    let mut tx = ClientTransaction::new(
        start,
        &request,
        None,
        server(),
        TransactionConfig::default(),
    )
    .unwrap();
    let mut buf = Vec::new();
    tx.poll_transmit(start, &mut buf).unwrap();
    let retransmit = tx.poll_timeout().unwrap();
    tx.handle_timeout(retransmit);
    tx.poll_transmit(retransmit, &mut buf).unwrap();
    assert_eq!(tx.transmissions(), 2);
    let response = message(Class::SuccessResponse, Method::BINDING, TID);
    assert!(tx.handle_response(
        retransmit + Duration::from_millis(10),
        &Message::parse(&response).unwrap()
    ));
    assert_eq!(
        tx.poll_event(),
        Some(TransactionEvent::Response {
            class: Class::SuccessResponse,
            rtt: None
        })
    );
}

#[test]
fn rfc8489_6_2_1_only_requests_start_a_transaction() {
    let indication = message(Class::Indication, Method::BINDING, TID);
    assert_eq!(
        ClientTransaction::new(
            Instant::now(),
            &indication,
            None,
            server(),
            TransactionConfig::default()
        )
        .unwrap_err(),
        Error::NotARequest
    );
    assert_eq!(
        ClientTransaction::new(
            Instant::now(),
            &[0; 8],
            None,
            server(),
            TransactionConfig::default()
        )
        .unwrap_err(),
        Error::TooShort(8)
    );
}
