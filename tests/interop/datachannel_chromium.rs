//! Headless Chromium ↔ the `sansrtc` binary, both in network namespaces joined by a veth
//! (tests/interop/netns_setup.sh), with Chromium as offerer and as answerer so that both DTLS
//! roles run. Chromium drives each case (chromium_peer.js, cases.js); `sansrtc answer|offer
//! --echo` serves it. The cases: reliable ordered echo of 1000 messages (0 B, 1 B, 16 KiB,
//! 256 KiB, text and binary), an unordered and a max-retransmits=0 channel, five channels at
//! once, a negotiated channel, close from either side, a wrong fingerprint in the answer; and
//! Chromium's default mDNS host-candidate obfuscation, which sansrtc must get past through
//! peer-reflexive candidates.
//!
//! Run through tests/interop/run.sh (installs chromium and playwright-core, builds the binary).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod peers;

use peers::{Impl, Role, check};

interop_cases!(
    chromium_offers,
    Chromium { mdns: false },
    Role::Offer,
    Sansrtc
);
interop_cases!(
    chromium_answers,
    Chromium { mdns: false },
    Role::Answer,
    Sansrtc
);

/// RFC 8445 §7.3.1.3: Chromium's host candidates are `<uuid>.local` names sansrtc cannot
/// resolve; its checks arrive from an address sansrtc never heard of, which becomes a
/// peer-reflexive remote candidate, and the connection comes up on it.
#[test]
fn mdns_chromium_offers_connects_through_prflx() {
    check(
        Impl::Chromium { mdns: true },
        Role::Offer,
        Impl::Sansrtc,
        "echo",
    );
}

#[test]
fn mdns_chromium_answers_connects_through_prflx() {
    check(
        Impl::Chromium { mdns: true },
        Role::Answer,
        Impl::Sansrtc,
        "echo",
    );
}
