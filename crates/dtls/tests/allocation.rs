//! The application-data path allocates nothing per record once warmed up (the peer drives
//! hundreds of MiB/s through it): sealing goes into the reused datagram buffers, opening into
//! reused receive buffers that are swapped with the caller's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

#[test]
fn application_data_path_does_not_allocate_per_record() {
    let (client, server) = common::pair_with(42, |_| {});
    let mut run = common::Lockstep::new(client, server);
    assert!(run.run(Duration::from_secs(5), |_, _, _| true));
    let (mut client, mut server) = (run.client.dtls, run.server.dtls);
    let now = run.now;
    let payload = vec![7u8; client.max_application_data_len()];
    let mut wire = Vec::new();
    let mut app = Vec::new();
    let mut once = || {
        client.send_application_data(&payload).unwrap();
        let n = client.poll_transmit(now, &mut wire).unwrap();
        server.handle_datagram(now, &wire[..n]);
        assert_eq!(server.poll_application_data(&mut app), Some(payload.len()));
        server.send_application_data(&payload[..100]).unwrap();
        let n = server.poll_transmit(now, &mut wire).unwrap();
        client.handle_datagram(now, &wire[..n]);
        assert_eq!(client.poll_application_data(&mut app), Some(100));
    };
    for _ in 0..10 {
        once();
    }
    let region = Region::new(GLOBAL);
    for _ in 0..1000 {
        once();
    }
    let change = region.change();
    assert_eq!(
        change.allocations + change.reallocations,
        0,
        "allocations in 1000 round trips"
    );
}
