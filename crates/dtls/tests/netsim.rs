//! Client and server over netsim links (RFC 6347 §4.2.4 retransmission, §4.2.3 fragmentation,
//! §4.1.2.6 replay): every run completes and both sides export the same keying material.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use common::{Node, pair_with};
use sansrtc_netsim::LinkConfig;
use sansrtc_netsim::pair::Pair;
use sansrtc_netsim::epoch;

fn run(seed: u64, link: LinkConfig, limit: Duration) -> Pair<Node, Node> {
    let (client, server) = pair_with(seed, |_| {});
    let mut pair = Pair::new(Node::new(client), Node::new(server), link.clone(), link, seed);
    let done = pair.run_until_condition(epoch() + limit, |p| p.a().connected() && p.b().connected());
    assert!(done, "handshake did not complete: {:?} / {:?}", pair.a().dtls, pair.b().dtls);
    pair
}

#[test]
fn rfc6347_4_2_clean_link_handshake_and_exporter() {
    let link = LinkConfig { delay: Duration::from_millis(10), ..Default::default() };
    let pair = run(1, link, Duration::from_secs(5));
    assert_eq!(pair.a().export(), pair.b().export());
}
