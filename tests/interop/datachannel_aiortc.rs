//! aiortc (PyPI) ↔ the `sansrtc` binary in network namespaces (aioice ignores loopback), aiortc
//! driving the same data-channel cases as Chromium does (aiortc_peer.py), as offerer and as
//! answerer.
//!
//! Run through tests/interop/run.sh (installs aiortc in a venv, builds the binary).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod peers;

interop_cases!(aiortc_offers, Aiortc, Role::Offer, Sansrtc);
interop_cases!(aiortc_answers, Aiortc, Role::Answer, Sansrtc);
