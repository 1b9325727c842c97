//! Property tests: the candidate's SDP form round-trips (RFC 8839 §5.1) and priorities follow
//! RFC 8445 §5.1.2.1 for every input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::{IpAddr, SocketAddr};

use proptest::prelude::*;
use sansrtc_ice::{Candidate, CandidateKind, priority};

fn kind() -> impl Strategy<Value = CandidateKind> {
    prop_oneof![
        Just(CandidateKind::Host),
        Just(CandidateKind::ServerReflexive),
        Just(CandidateKind::PeerReflexive),
        Just(CandidateKind::Relayed),
    ]
}

fn addr() -> impl Strategy<Value = SocketAddr> {
    (any::<bool>(), any::<[u8; 16]>(), 1u16..).prop_map(|(v4, b, port)| {
        let ip = if v4 {
            IpAddr::from([b[0], b[1], b[2], b[3]])
        } else {
            IpAddr::from(b)
        };
        SocketAddr::new(ip, port)
    })
}

proptest! {
    #[test]
    fn rfc8839_5_1_candidate_sdp_round_trip(
        kind in kind(),
        address in addr(),
        pref in any::<u16>(),
        foundation in "[a-zA-Z0-9+/]{1,32}",
        related in proptest::option::of(addr()),
        ufrag in proptest::option::of("[a-zA-Z0-9]{4,8}"),
    ) {
        let c = Candidate { kind, address, priority: priority(kind, pref, 1), foundation, related };
        let line = c.to_sdp(ufrag.as_deref()).to_candidate_attribute();
        let parsed: sansrtc_sdp::Candidate = line.parse().unwrap();
        prop_assert_eq!(parsed.ufrag.as_deref(), ufrag.as_deref());
        prop_assert_eq!(Candidate::from_sdp(&parsed).unwrap(), c);
    }

    #[test]
    fn rfc8445_5_1_2_1_priority_is_in_range_and_ordered_by_type(pref in any::<u16>(), other in any::<u16>()) {
        for k in [CandidateKind::Host, CandidateKind::PeerReflexive, CandidateKind::ServerReflexive, CandidateKind::Relayed] {
            let p = priority(k, pref, 1);
            prop_assert!((1..1 << 31).contains(&p));
        }
        // The type preference dominates the local preference.
        prop_assert!(priority(CandidateKind::Host, pref, 1) > priority(CandidateKind::PeerReflexive, other, 1));
        prop_assert!(priority(CandidateKind::PeerReflexive, pref, 1) > priority(CandidateKind::ServerReflexive, other, 1));
        prop_assert!(priority(CandidateKind::ServerReflexive, pref, 1) > priority(CandidateKind::Relayed, other, 1));
    }
}
