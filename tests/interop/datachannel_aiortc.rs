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

/// Partial reliability through packet loss: aiortc drops some of the SCTP packets it sends
/// and receives (aiortc_peer.py `Loss`; the machine has no netem), sends 60 messages one at a
/// time on a max-retransmits-0 channel and the `sansrtc` binary echoes them. Lost messages are
/// abandoned (RFC 3758 FORWARD TSN, with the stream/SSN pairs on the ordered channel), so some
/// echoes never come back, but the channel must not stall: once the loss stops, ten more
/// messages must all come back.
///
/// - ordered, every third message in three fragments, 10% of what aiortc sends lost: aiortc
///   abandons (partially received) messages and sansrtc must skip them and deliver what waits;
/// - ordered, short messages, 5% lost each way: both abandon, both skip;
/// - unordered, fragments, 5% lost each way.
///
/// Not run: ordered with fragments lost towards aiortc. aiortc 1.16 then drops a complete
/// message that arrived behind the abandoned one and stalls the stream (aiortc_peer.py
/// `LOSSY_CASES`; docs/rfc-coverage.md, sansrtc-sctp).
mod aiortc_through_loss {
    use super::peers::{Impl, Role, check};

    fn go(role: Role, case: &str) {
        check(Impl::Aiortc, role, Impl::Sansrtc, case);
    }
    #[test]
    fn max_retransmits_0_ordered_aiortc_loses_offer() {
        go(Role::Offer, "max-retransmits-0-lossy");
    }
    #[test]
    fn max_retransmits_0_ordered_aiortc_loses_answer() {
        go(Role::Answer, "max-retransmits-0-lossy");
    }
    #[test]
    fn max_retransmits_0_ordered_both_lose_offer() {
        go(Role::Offer, "max-retransmits-0-lossy-both");
    }
    #[test]
    fn max_retransmits_0_ordered_both_lose_answer() {
        go(Role::Answer, "max-retransmits-0-lossy-both");
    }
    #[test]
    fn max_retransmits_0_unordered_both_lose_offer() {
        go(Role::Offer, "max-retransmits-0-unordered-lossy");
    }
    #[test]
    fn max_retransmits_0_unordered_both_lose_answer() {
        go(Role::Answer, "max-retransmits-0-unordered-lossy");
    }
}
