//! The WebRTC attributes of the list, each in the test named after the RFC section that
//! defines it: parsed into its typed variant, found by its accessor, and written back unchanged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sansrtc_sdp::{
    Attribute, ConnectionMode, Direction, Media, SessionDescription, Setup, SimulcastRid,
};

/// A description with one data-channel section and `lines` appended to the session (`session`)
/// and to the media section (`media`).
fn sdp(session: &str, media: &str) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{session}\
         m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n{media}"
    )
}

/// Parses, checks the text is written back byte-identical, returns the only media section.
fn roundtrip(text: &str) -> (SessionDescription, Media) {
    let parsed = SessionDescription::parse(text).unwrap();
    assert_eq!(parsed.serialize(), text);
    let media = parsed.media[0].clone();
    (parsed, media)
}

#[test]
fn rfc5888_4_mid_and_5_group() {
    let (s, m) = roundtrip(&sdp("a=group:BUNDLE 0\r\na=group:LS 0\r\n", "a=mid:0\r\n"));
    assert_eq!(m.mid(), Some("0"));
    assert_eq!(s.groups().count(), 2);
    assert_eq!(s.bundle_group().unwrap().mids, ["0"]);
    assert!(s.media_by_mid("0").is_some());
}

#[test]
fn rfc8839_5_3_ice_lite_is_session_level() {
    let (s, _) = roundtrip(&sdp("a=ice-lite\r\n", ""));
    assert!(s.ice_lite());
    let (s, _) = roundtrip(&sdp("", ""));
    assert!(!s.ice_lite());
}

#[test]
fn rfc8839_5_4_ice_ufrag_and_ice_pwd() {
    let (s, m) = roundtrip(&sdp(
        "a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsessionpw\r\n",
        "a=ice-ufrag:8hhY\r\na=ice-pwd:asd88fgpdd777uzjYhagZg\r\n",
    ));
    assert_eq!(s.ice_ufrag(), Some("sess"));
    assert_eq!(m.ice_ufrag(), Some("8hhY"));
    assert_eq!(m.ice_pwd(), Some("asd88fgpdd777uzjYhagZg"));
    // The value is one token: `a=ice-ufrag:` alone is an error naming the line.
    let err = SessionDescription::parse(&sdp("", "a=ice-ufrag:\r\n")).unwrap_err();
    assert_eq!(err.line(), Some(7));
}

#[test]
fn rfc8839_5_6_ice_options_session_and_media() {
    let (s, m) = roundtrip(&sdp(
        "a=ice-options:trickle\r\n",
        "a=ice-options:ice2 trickle\r\n",
    ));
    assert_eq!(s.ice_options().collect::<Vec<_>>(), ["trickle"]);
    assert_eq!(m.ice_options().collect::<Vec<_>>(), ["ice2", "trickle"]);
}

#[test]
fn rfc8839_5_1_candidate_host_srflx_relay_tcp_and_mdns() {
    let lines = "a=candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host generation 0 \
                 ufrag 8hhY network-id 1\r\n\
                 a=candidate:2 1 udp 2122262783 2001:db8::1 50001 typ host\r\n\
                 a=candidate:3 1 udp 1686052607 203.0.113.7 50002 typ srflx raddr 192.168.1.2 \
                 rport 50000\r\n\
                 a=candidate:4 1 udp 41885439 198.51.100.9 3478 typ relay raddr 203.0.113.7 \
                 rport 50002\r\n\
                 a=candidate:5 1 tcp 1518280447 192.168.1.2 9 typ host tcptype active\r\n\
                 a=candidate:6 1 udp 2122260223 0b7cc1fd-6a8f-4a31-9e6e-8c2b0e0b7e3a.local \
                 50003 typ host\r\n\
                 a=end-of-candidates\r\n";
    let (_, m) = roundtrip(&sdp("", lines));
    let c: Vec<_> = m.candidates().collect();
    assert_eq!(c.len(), 6);
    assert_eq!(c[0].ufrag.as_deref(), Some("8hhY"));
    assert_eq!(
        c[1].socket_addr(),
        Some("[2001:db8::1]:50001".parse().unwrap())
    );
    assert_eq!(
        c[2].related_socket_addr(),
        Some("192.168.1.2:50000".parse().unwrap())
    );
    assert_eq!(c[3].kind.as_str(), "relay");
    assert_eq!(c[4].tcp_type.map(|t| t.as_str()), Some("active"));
    assert!(c[5].address.is_mdns() && c[5].socket_addr().is_none());
    assert!(m.end_of_candidates());
}

#[test]
fn rfc8840_8_2_end_of_candidates_session_or_media() {
    let (s, m) = roundtrip(&sdp("", "a=end-of-candidates\r\n"));
    assert!(m.end_of_candidates());
    assert!(s.attribute("end-of-candidates").is_none());
    let (s, m) = roundtrip(&sdp("a=end-of-candidates\r\n", ""));
    assert!(!m.end_of_candidates());
    assert!(matches!(
        s.attribute("end-of-candidates"),
        Some(Attribute::EndOfCandidates)
    ));
    // A property attribute: a value is an error.
    assert!(SessionDescription::parse(&sdp("", "a=end-of-candidates:1\r\n")).is_err());
}

#[test]
fn rfc8122_5_several_fingerprints_session_and_media() {
    let sha256 = "sha-256 E7:DC:67:6B:68:C6:49:18:70:2A:3C:6E:3A:D9:4E:31:76:4D:FA:3C:CC:A6:FC:\
                  CC:E1:7D:30:26:9F:8B:B8:B4";
    let sha1 = "sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB";
    let (s, m) = roundtrip(&sdp(
        &format!("a=fingerprint:{sha256}\r\n"),
        &format!("a=fingerprint:{sha256}\r\na=fingerprint:{sha1}\r\n"),
    ));
    assert_eq!(s.fingerprints().count(), 1);
    let fps: Vec<_> = m.fingerprints().collect();
    assert_eq!(fps.len(), 2);
    assert_eq!(fps[0].value.len(), 32);
    assert_eq!(fps[1].value.len(), 20);
}

#[test]
fn rfc4145_4_setup_and_5_connection() {
    let (_, m) = roundtrip(&sdp("", "a=setup:actpass\r\na=connection:new\r\n"));
    assert_eq!(m.setup(), Some(Setup::ActPass));
    assert!(matches!(
        m.attribute("connection"),
        Some(Attribute::Connection(ConnectionMode::New))
    ));
    // RFC 4145 section 4 / RFC 8842 section 5: an actpass offer is answered active.
    assert_eq!(Setup::ActPass.answer(), Setup::Active);
}

#[test]
fn rfc3605_2_1_rtcp_and_rfc5761_5_1_1_rtcp_mux() {
    let (_, m) = roundtrip(&sdp("", "a=rtcp:9 IN IP4 0.0.0.0\r\na=rtcp-mux\r\n"));
    assert_eq!(m.rtcp().unwrap().port, 9);
    assert!(m.rtcp_mux());
    assert!(!m.rtcp_mux_only());
}

#[test]
fn rfc8858_3_rtcp_mux_only() {
    let (_, m) = roundtrip(&sdp("", "a=rtcp-mux\r\na=rtcp-mux-only\r\n"));
    assert!(m.rtcp_mux() && m.rtcp_mux_only());
}

#[test]
fn rfc5506_5_rtcp_rsize() {
    let (_, m) = roundtrip(&sdp("", "a=rtcp-rsize\r\n"));
    assert!(m.rtcp_rsize());
    assert!(SessionDescription::parse(&sdp("", "a=rtcp-rsize:yes\r\n")).is_err());
}

#[test]
fn rfc8285_6_extmap_allow_mixed_and_8_extmap() {
    let (s, m) = roundtrip(&sdp(
        "a=extmap-allow-mixed\r\n",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n\
         a=extmap:4/sendonly urn:ietf:params:rtp-hdrext:sdes:mid\r\n",
    ));
    assert!(s.extmap_allow_mixed());
    let e: Vec<_> = m.extmaps().collect();
    assert_eq!((e[0].id, e[0].direction), (1, None));
    assert_eq!((e[1].id, e[1].direction), (4, Some(Direction::SendOnly)));
    assert_eq!(e[1].uri, "urn:ietf:params:rtp-hdrext:sdes:mid");
}

#[test]
fn rfc8866_6_7_direction_attributes() {
    for d in [
        Direction::SendRecv,
        Direction::SendOnly,
        Direction::RecvOnly,
        Direction::Inactive,
    ] {
        let (_, m) = roundtrip(&sdp("", &format!("a={d}\r\n")));
        assert_eq!(m.direction(), Some(d));
    }
    // Absent: the accessor says so; RFC 8866 section 6.7 makes that sendrecv.
    let (_, m) = roundtrip(&sdp("", ""));
    assert_eq!(m.direction(), None);
    assert_eq!(Direction::default(), Direction::SendRecv);
}

#[test]
fn rfc8866_6_6_rtpmap_6_15_fmtp_and_rfc4585_4_2_rtcp_fb() {
    let text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
                m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\n\
                a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack pli\r\na=rtcp-fb:* transport-cc\r\n\
                a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";
    let (_, m) = roundtrip(text);
    assert_eq!(m.payload_types().collect::<Vec<_>>(), [96, 97]);
    assert_eq!(m.rtpmap(96).unwrap().encoding_name, "VP8");
    assert_eq!(m.fmtp(97).unwrap().param("apt"), Some("96"));
    let fbs: Vec<_> = m.rtcp_fbs(96).map(|f| f.to_string()).collect();
    assert_eq!(fbs, ["96 nack pli", "* transport-cc"]);
    assert_eq!(m.rtcp_fbs(97).count(), 1, "only the wildcard applies to 97");
}

#[test]
fn rfc5576_4_1_ssrc_4_2_ssrc_group_and_rfc8830_2_msid() {
    let text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
                m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n\
                a=msid:stream track\r\na=ssrc-group:FID 1 2\r\n\
                a=ssrc:1 cname:abc\r\na=ssrc:1 msid:stream track\r\na=ssrc:2 cname:abc\r\n";
    let (_, m) = roundtrip(text);
    let msid = m.msids().next().unwrap();
    assert_eq!(msid.stream_id, "stream");
    let group = m.ssrc_groups().next().unwrap();
    assert_eq!((&*group.semantics, &group.ssrcs[..]), ("FID", &[1, 2][..]));
    assert_eq!(m.ssrcs().map(|s| s.id).collect::<Vec<_>>(), [1, 1, 2]);
}

#[test]
fn rfc8851_10_rid_and_rfc8853_5_1_simulcast() {
    let text = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
                m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n\
                a=rid:h send pt=96;max-width=1280\r\na=rid:l send\r\n\
                a=simulcast:send h;~l\r\n";
    let (_, m) = roundtrip(text);
    assert_eq!(m.rids().count(), 2);
    let sim = m.simulcast().unwrap();
    let send: Vec<&SimulcastRid> = sim.send.iter().flatten().collect();
    assert_eq!(send.len(), 2);
    assert!(!send[0].paused && send[1].paused);
}

#[test]
fn rfc8841_5_sctp_port_and_6_max_message_size() {
    let (_, m) = roundtrip(&sdp(
        "",
        "a=sctp-port:5000\r\na=max-message-size:262144\r\n",
    ));
    assert_eq!(m.sctp_port(), Some(5000));
    assert_eq!(m.max_message_size(), Some(262_144));
    let (_, m) = roundtrip(&sdp("", ""));
    assert_eq!(
        m.max_message_size(),
        None,
        "absent: the RFC 8841 default applies"
    );
}

#[test]
fn rfc8866_5_13_unknown_attributes_written_back_in_place() {
    let (_, m) = roundtrip(&sdp(
        "",
        "a=mid:0\r\na=x-custom:some value\r\na=sctp-port:5000\r\na=x-flag\r\n",
    ));
    let names: Vec<_> = m.attributes.iter().map(Attribute::name).collect();
    assert_eq!(names, ["mid", "x-custom", "sctp-port", "x-flag"]);
    assert_eq!(m.unknown_attribute("x-custom"), Some(Some("some value")));
    assert_eq!(m.unknown_attribute("x-flag"), Some(None));
}
