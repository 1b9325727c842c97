//! Malformed descriptions: each error names the line (1-based) and the reason.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_sdp::{Error, Reason, SessionDescription};

const HEAD: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

fn err(sdp: &str) -> (usize, Reason) {
    match SessionDescription::parse(sdp) {
        Err(Error::Line { line, reason }) => (line, reason),
        other => panic!("expected a line error, got {other:?}"),
    }
}

fn with_media(lines: &str) -> String {
    format!("{HEAD}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n{lines}")
}

#[test]
fn rfc8866_5_empty_input_misses_v() {
    assert_eq!(err(""), (1, Reason::MissingLine('v')));
    assert_eq!(err("\r\n\r\n"), (1, Reason::MissingLine('v')));
}

#[test]
fn rfc8866_5_description_starts_v_o_s() {
    assert_eq!(
        err("o=- 1 2 IN IP4 1.2.3.4\r\n"),
        (1, Reason::Expected('v'))
    );
    assert_eq!(err("v=0\r\ns=-\r\n"), (2, Reason::Expected('o')));
    assert_eq!(
        err("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\nt=0 0\r\n"),
        (3, Reason::Expected('s'))
    );
    assert_eq!(
        err("v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\n"),
        (3, Reason::MissingLine('s'))
    );
}

#[test]
fn rfc8866_5_1_only_version_zero() {
    assert_eq!(err("v=1\r\n"), (1, Reason::Version));
}

#[test]
fn rfc8866_5_2_origin_fields() {
    assert_eq!(
        err("v=0\r\no=- 1 2 IN IP4\r\n"),
        (2, Reason::Missing("origin address"))
    );
    assert_eq!(
        err("v=0\r\no=- x 2 IN IP4 1.2.3.4\r\n"),
        (2, Reason::Invalid("origin session id"))
    );
    assert_eq!(
        err("v=0\r\no=- 1 2 IN IP4 1.2.3.4 extra\r\n"),
        (2, Reason::Trailing("origin address"))
    );
}

#[test]
fn rfc8866_5_9_timing_is_required_before_media() {
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n";
    assert_eq!(err(sdp), (4, Reason::MissingLine('t')));
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\na=ice-lite\r\n";
    assert_eq!(err(sdp), (5, Reason::MissingLine('t')));
    assert_eq!(
        err(&format!("{HEAD}t=0\r\n")),
        (5, Reason::Missing("stop time"))
    );
}

#[test]
fn rfc8866_5_10_repeat_needs_a_timing() {
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nr=7d 1h 0 25h\r\nt=0 0\r\n";
    assert_eq!(err(sdp), (4, Reason::Misplaced('r')));
}

#[test]
fn rfc8866_5_unknown_type_letters_reject_the_description() {
    assert_eq!(
        err(&format!("{HEAD}x=1\r\n")),
        (5, Reason::UnknownType('x'))
    );
    assert_eq!(err(&with_media("y=1\r\n")), (6, Reason::UnknownType('y')));
}

#[test]
fn rfc8866_5_lines_are_type_equals_value() {
    assert_eq!(err(&format!("{HEAD}a\r\n")), (5, Reason::NotTypeValue));
    assert_eq!(err(&format!("{HEAD}A=x\r\n")), (5, Reason::NotTypeValue));
    assert_eq!(err(&format!("{HEAD} a=x\r\n")), (5, Reason::NotTypeValue));
    assert_eq!(
        err(&format!("{HEAD}a=x\0y\r\n")),
        (5, Reason::ForbiddenCharacter)
    );
    assert_eq!(
        err(&format!("{HEAD}a=x\ry\r\n")),
        (5, Reason::ForbiddenCharacter)
    );
}

#[test]
fn rfc8866_5_session_lines_are_misplaced_in_media() {
    assert_eq!(err(&with_media("t=0 0\r\n")), (6, Reason::Misplaced('t')));
    assert_eq!(
        err(&with_media("a=mid:0\r\ns=-\r\n")),
        (7, Reason::Misplaced('s'))
    );
    assert_eq!(
        err(&format!("{HEAD}o=- 1 2 IN IP4 1.2.3.4\r\n")),
        (5, Reason::Duplicate('o'))
    );
}

#[test]
fn rfc8866_5_7_one_session_level_connection() {
    let sdp = format!("{HEAD}c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n");
    assert_eq!(err(&sdp), (6, Reason::Duplicate('c')));
    // Media level may carry several (multicast).
    let sdp = with_media("c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n");
    assert_eq!(
        SessionDescription::parse(&sdp).unwrap().media[0]
            .connections
            .len(),
        2
    );
}

#[test]
fn rfc8866_5_8_bandwidth() {
    assert_eq!(
        err(&with_media("b=AS\r\n")),
        (6, Reason::Missing("bandwidth value"))
    );
    assert_eq!(
        err(&with_media("b=AS:x\r\n")),
        (6, Reason::Invalid("bandwidth value"))
    );
}

#[test]
fn rfc8866_5_14_media_line() {
    assert_eq!(
        err(&format!("{HEAD}m=audio\r\n")),
        (5, Reason::Missing("media port"))
    );
    assert_eq!(
        err(&format!("{HEAD}m=audio 9\r\n")),
        (5, Reason::Missing("media protocol"))
    );
    assert_eq!(
        err(&format!("{HEAD}m=audio 70000 RTP/AVP 0\r\n")),
        (5, Reason::Invalid("media port"))
    );
    assert_eq!(
        err(&format!("{HEAD}m=audio 9/x RTP/AVP 0\r\n")),
        (5, Reason::Invalid("media number of ports"))
    );
}

#[test]
fn rfc8866_6_6_bad_rtpmap_names_its_line() {
    let sdp = with_media("a=mid:0\r\na=rtpmap:111 opus\r\n");
    assert_eq!(err(&sdp), (7, Reason::Missing("rtpmap clock rate")));
}

#[test]
fn rfc8839_5_1_bad_candidate_names_its_line() {
    let sdp = with_media("a=candidate:1 1 udp 2122194687 10.99.0.1 40820 typ\r\n");
    assert_eq!(err(&sdp), (6, Reason::Missing("candidate type")));
    let sdp = with_media("a=candidate:1 1 udp 99999999999 10.99.0.1 40820 typ host\r\n");
    assert_eq!(err(&sdp), (6, Reason::Invalid("candidate priority")));
}

#[test]
fn rfc8122_5_bad_fingerprint_names_its_line() {
    let sdp = with_media("a=fingerprint:sha-256 ZZ:00\r\n");
    assert_eq!(err(&sdp), (6, Reason::Invalid("fingerprint value")));
}

#[test]
fn rfc4145_4_bad_setup_names_its_line() {
    assert_eq!(
        err(&with_media("a=setup:both\r\n")),
        (6, Reason::Invalid("setup value"))
    );
}

#[test]
fn rfc8866_5_13_property_attribute_with_value() {
    assert_eq!(
        err(&with_media("a=rtcp-mux:yes\r\n")),
        (6, Reason::UnexpectedValue("rtcp-mux"))
    );
    assert_eq!(
        err(&with_media("a=:x\r\n")),
        (6, Reason::EmptyAttributeName)
    );
}

#[test]
fn error_messages_name_line_and_reason() {
    let e = SessionDescription::parse(&with_media("a=setup:both\r\n")).unwrap_err();
    assert_eq!(e.to_string(), "SDP line 6: invalid setup value");
    assert_eq!(e.line(), Some(6));
    assert_eq!(e.reason(), &Reason::Invalid("setup value"));
}

#[test]
fn line_numbers_count_blank_and_lf_only_lines() {
    let sdp = "v=0\n\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n\na=setup:x\n";
    assert_eq!(err(sdp), (7, Reason::Invalid("setup value")));
}
