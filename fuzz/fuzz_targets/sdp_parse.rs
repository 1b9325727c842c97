//! Parses arbitrary text as a session description; whatever parses must serialize to text that
//! parses back to the same model and serializes to the same text (the crate's round-trip
//! promise). Also feeds the standalone parsers trickle ICE uses. Any panic is a bug.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use libfuzzer_sys::fuzz_target;
use sansrtc_sdp::{Attribute, Candidate, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(sdp) = SessionDescription::parse(text) {
        let written = sdp.serialize();
        let reparsed = SessionDescription::parse(&written)
            .unwrap_or_else(|e| panic!("serialized output does not parse: {e}\n{written}"));
        assert_eq!(reparsed, sdp, "parse(serialize(x)) != x");
        assert_eq!(reparsed.serialize(), written, "serialize is not stable");
    }
    if let Ok(candidate) = text.parse::<Candidate>() {
        let again: Candidate = candidate.to_candidate_attribute().parse().unwrap();
        assert_eq!(again, candidate);
    }
    if let Ok(attribute) = text.parse::<Attribute>() {
        let again: Attribute = attribute.to_string().parse().unwrap();
        assert_eq!(again, attribute);
    }
});
