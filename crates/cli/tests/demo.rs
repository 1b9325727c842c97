//! `sansrtc demo` over real loopback UDP: both peers connect (ICE, DTLS, SCTP, channel open, in
//! that order on each side), the greeting makes its round trip, and a file arrives with the
//! SHA-256 it was sent with.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_cli::demo::{Options, Progress, run};

#[test]
fn demo_connects_and_moves_a_file_over_loopback() {
    let mut last = 0;
    let report = run(
        Options {
            size: 2 * 1024 * 1024,
            ..Options::default()
        },
        |p| {
            if let Progress::Received(n) = p {
                assert!(n >= last, "progress goes forward");
                last = n;
            }
        },
    )
    .unwrap();
    assert_eq!(report.bytes, 2 * 1024 * 1024);
    assert_eq!(report.sha256.0, report.sha256.1);
    for p in [report.phases.0, report.phases.1] {
        let (dtls, sctp, channel) = (p.dtls.unwrap(), p.sctp.unwrap(), p.channel.unwrap());
        assert!(dtls <= sctp && sctp <= channel, "{p:?}");
    }
}

#[test]
fn demo_runs_over_ipv6_loopback() {
    let report = run(
        Options {
            size: 256 * 1024,
            ip: "::1".parse().unwrap(),
            ..Options::default()
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(report.sha256.0, report.sha256.1);
    assert!(report.addresses.0.is_ipv6());
}
