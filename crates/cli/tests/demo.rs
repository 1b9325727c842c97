//! The demo over real loopback UDP: the mapped address is the client's socket, and the RFC 8489
//! retransmission schedule recovers from requests the server drops.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::Duration;

use sansrtc_cli::stun_demo::{Event, Options, run};

fn demo(options: Options) -> (SocketAddr, Vec<sansrtc_cli::stun_demo::Exchange>) {
    let mut client = None;
    let exchanges = run(options, |e| {
        if let Event::Started { client: c, .. } = e {
            client = Some(*c);
        }
    })
    .unwrap();
    (client.unwrap(), exchanges)
}

#[test]
fn rfc8489_14_2_demo_maps_the_client_address_over_loopback() {
    let (client, exchanges) = demo(Options {
        count: 2,
        ..Options::default()
    });
    assert_eq!(exchanges.len(), 2);
    for x in exchanges {
        assert_eq!(x.mapped, client);
        assert_eq!(x.transmissions, 1);
        let rtt = x.rtt.expect("one request, one RTT sample");
        assert!(rtt < Duration::from_millis(500), "{rtt:?}");
        assert_eq!(x.sizes, (88, 88));
    }
}

#[test]
fn rfc8489_6_2_1_demo_retransmits_when_the_server_drops_a_request() {
    let (client, exchanges) = demo(Options {
        count: 1,
        drop_first: 1,
        ..Options::default()
    });
    let x = exchanges[0];
    assert_eq!(x.mapped, client);
    assert_eq!(x.transmissions, 2);
    assert_eq!(x.rtt, None, "Karn: no sample after a retransmission");
    assert!(x.elapsed >= Duration::from_millis(500), "{:?}", x.elapsed);
}
