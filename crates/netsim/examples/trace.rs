//! Prints the trace of a probe behind a NAT asking a public STUN server for its mapped address
//! over a lossy link: `cargo run -p sansrtc-netsim --example trace`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use sansrtc_netsim::{LinkConfig, NatConfig, Network, Probe, StunServer};

fn main() {
    let mut net = Network::new(1);
    net.set_trace(|event| println!("{event}"));
    let link = LinkConfig {
        loss: 0.3,
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(5),
        ..Default::default()
    };
    net.add_node(
        "198.51.100.1".parse().unwrap(),
        None,
        link.clone(),
        StunServer::new(),
    );
    let nat = net.add_nat("203.0.113.1".parse().unwrap(), NatConfig::default());
    let probe = net.add_node("10.0.0.2".parse().unwrap(), Some(nat), link, Probe::new());
    for i in 0..4u8 {
        net.node_mut::<Probe>(probe).send(
            "10.0.0.2:5000".parse().unwrap(),
            "198.51.100.1:3478".parse().unwrap(),
            StunServer::binding_request([i; 12]),
        );
    }
    net.run_until(net.now() + Duration::from_secs(1));
    for (at, response) in net.node::<Probe>(probe).received() {
        println!(
            "{:?}: mapped address {:?}",
            at.duration_since(sansrtc_netsim::epoch()),
            StunServer::mapped_address(&response.payload)
        );
    }
    println!("{:#?}", net.stats());
}
