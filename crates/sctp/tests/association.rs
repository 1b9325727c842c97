//! Two associations over the netsim link.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::*;
use sansrtc_sctp::{SendOptions, State};

#[test]
fn rfc9260_5_2_1_simultaneous_init_establishes_both_sides() {
    let mut p = pair(config(1), config(2), link(0.0, 10), link(0.0, 10), 7);
    assert!(run_until(&mut p, 5, |p| p.a().connected() && p.b().connected()));
    assert_eq!(p.a().assoc.state(), State::Established);
    assert_eq!(p.b().assoc.state(), State::Established);
    let now = p.now();
    p.a_mut().assoc.send(now, 1, 51, b"hello", SendOptions::default()).unwrap();
    p.b_mut().assoc.send(now, 2, 53, b"world", SendOptions::default()).unwrap();
    assert!(run_until(&mut p, 5, |p| !p.a().messages.is_empty() && !p.b().messages.is_empty()));
    assert_eq!(p.b().messages[0].payload, b"hello");
    assert_eq!(p.a().messages[0].payload, b"world");
}
