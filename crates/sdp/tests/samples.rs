//! Real browser SDPs (Chromium 156, aiortc 1.16; see /work/shared/interop/README.md), copied
//! into tests/samples/: every one parses, serializes back byte-identical, and the typed model
//! holds what the text says.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use sansrtc_sdp::{
    Address, Attribute, CandidateType, Direction, HashFunction, MediaKind, SessionDescription,
    Setup, TcpType, Transport,
};

fn samples() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sdp"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 11, "samples missing from {}", dir.display());
    out
}

fn sample(name: &str) -> SessionDescription {
    let (_, text) = samples().into_iter().find(|(n, _)| n == name).unwrap();
    SessionDescription::parse(&text).unwrap()
}

#[test]
fn rfc8866_5_browser_samples_serialize_byte_identical() {
    for (name, text) in samples() {
        let sdp = SessionDescription::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sdp.serialize(), text, "{name}");
        assert_eq!(sdp.to_string(), text, "{name}");
    }
}

#[test]
fn rfc8866_5_lf_only_line_endings_are_tolerated() {
    for (name, text) in samples() {
        let lf = text.replace("\r\n", "\n");
        let sdp = SessionDescription::parse(&lf).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(sdp.serialize(), text, "{name}");
    }
}

#[test]
fn rfc8866_5_browser_samples_reparse_to_the_same_model() {
    for (name, text) in samples() {
        let sdp = SessionDescription::parse(&text).unwrap();
        assert_eq!(
            SessionDescription::parse(&sdp.serialize()).unwrap(),
            sdp,
            "{name}"
        );
    }
}

#[test]
fn rfc8866_5_browser_samples_have_no_typed_attribute_left_unknown() {
    // Only these attributes are deliberately left verbatim.
    let untyped = ["msid-semantic", "rtcp-xr"];
    for (name, text) in samples() {
        let sdp = SessionDescription::parse(&text).unwrap();
        let all = sdp
            .attributes
            .iter()
            .chain(sdp.media.iter().flat_map(|m| &m.attributes));
        for a in all {
            if let Attribute::Unknown { name: n, .. } = a {
                assert!(untyped.contains(&n.as_str()), "{name}: a={n} not typed");
            }
        }
    }
}

#[test]
fn chromium_offer_av_dc_model() {
    let sdp = sample("chromium_offer_av_dc_netns.sdp");
    assert_eq!(sdp.origin.session_id, 8888474165641403573);
    assert_eq!(sdp.origin.session_version, 2);
    assert_eq!(sdp.bundle_group().unwrap().mids, ["0", "1", "2"]);
    assert!(sdp.extmap_allow_mixed());
    assert_eq!(
        sdp.unknown_attribute("msid-semantic"),
        Some(Some(" WMS 809be057-b791-4bed-9dee-75828a2ff4a5"))
    );
    assert_eq!(sdp.media.len(), 3);

    let audio = sdp.media_by_mid("0").unwrap();
    assert_eq!(audio.kind, MediaKind::Audio);
    assert_eq!(audio.port, 40820);
    assert_eq!(audio.protocol, "UDP/TLS/RTP/SAVPF");
    assert_eq!(
        audio.payload_types().collect::<Vec<_>>(),
        [111, 63, 9, 0, 8, 13, 110, 126]
    );
    assert_eq!(audio.ice_ufrag(), Some("JHwh"));
    assert_eq!(audio.ice_pwd(), Some("E0dEGw/6J9RPLHpU4qvLDB9I"));
    assert_eq!(audio.ice_options().collect::<Vec<_>>(), ["trickle"]);
    assert_eq!(audio.setup(), Some(Setup::ActPass));
    assert_eq!(audio.direction(), Some(Direction::SendRecv));
    assert!(audio.rtcp_mux() && audio.rtcp_rsize() && !audio.rtcp_mux_only());
    assert_eq!(audio.rtcp().unwrap().port, 9);
    let fp = audio.fingerprints().next().unwrap();
    assert_eq!(fp.hash, HashFunction::Sha256);
    assert_eq!(fp.value.len(), 32);
    let opus = audio.rtpmap(111).unwrap();
    assert_eq!(
        (&*opus.encoding_name, opus.clock_rate, opus.channels),
        ("opus", 48000, Some(2))
    );
    assert_eq!(audio.fmtp(111).unwrap().param("useinbandfec"), Some("1"));
    assert_eq!(
        audio.rtcp_fbs(111).map(|f| &*f.kind).collect::<Vec<_>>(),
        ["transport-cc"]
    );
    assert_eq!(audio.extmaps().count(), 4);
    let msid = audio.msids().next().unwrap();
    assert_eq!(msid.stream_id, "809be057-b791-4bed-9dee-75828a2ff4a5");
    assert_eq!(audio.ssrcs().next().unwrap().id, 3800166472);

    let cands: Vec<_> = audio.candidates().collect();
    assert_eq!(cands.len(), 4);
    assert_eq!(
        cands[0].socket_addr(),
        Some("10.99.0.1:40820".parse().unwrap())
    );
    assert_eq!(cands[0].generation, Some(0));
    assert_eq!(cands[0].network_id, Some(1));
    assert_eq!(cands[1].address, Address::Ip("fd99::1".parse().unwrap()));
    assert_eq!(cands[2].transport, Transport::Tcp);
    assert_eq!(cands[2].tcp_type, Some(TcpType::Active));
    assert_eq!(cands[2].kind, CandidateType::Host);

    let video = sdp.media_by_mid("1").unwrap();
    assert_eq!(video.rtpmaps().count(), 23);
    assert_eq!(video.fmtp(97).unwrap().param("apt"), Some("96"));
    assert_eq!(video.rtcp_fbs(96).count(), 5);
    let fid = video.ssrc_groups().next().unwrap();
    assert_eq!(fid.semantics, "FID");
    assert_eq!(fid.ssrcs, [1276036063, 3654876344]);

    let data = sdp.media_by_mid("2").unwrap();
    assert_eq!(data.kind, MediaKind::Application);
    assert_eq!(data.protocol, "UDP/DTLS/SCTP");
    assert_eq!(data.formats, ["webrtc-datachannel"]);
    assert_eq!(data.sctp_port(), Some(5000));
    assert_eq!(data.max_message_size(), Some(262144));
}

#[test]
fn rfc8839_5_1_chromium_mdns_candidates() {
    let sdp = sample("chromium_offer_dc_mdns.sdp");
    let m = &sdp.media[0];
    for c in m.candidates() {
        assert!(c.address.is_mdns(), "{c}");
        assert_eq!(c.socket_addr(), None);
        assert_eq!(c.network_cost, Some(999));
    }
    assert_eq!(
        m.connections[0].address,
        Address::Ip("0.0.0.0".parse().unwrap())
    );
}

#[test]
fn rfc8122_5_aiortc_offers_several_fingerprints_and_end_of_candidates() {
    let sdp = sample("aiortc_offer_av_dc.sdp");
    for m in &sdp.media {
        let hashes: Vec<_> = m.fingerprints().map(|f| f.hash.clone()).collect();
        assert_eq!(
            hashes,
            [
                HashFunction::Sha256,
                HashFunction::Sha384,
                HashFunction::Sha512
            ]
        );
        assert!(m.end_of_candidates());
        assert_eq!(m.candidates().next().unwrap().foundation.len(), 32);
    }
}

#[test]
fn rfc3264_6_1_chromium_recvonly_answer() {
    let sdp = sample("chromium_answer_av_dc_recvonly_loopback.sdp");
    let dirs: Vec<_> = sdp.media.iter().filter_map(|m| m.direction()).collect();
    assert!(dirs.contains(&Direction::RecvOnly), "{dirs:?}");
    assert_eq!(sdp.media[0].setup(), Some(Setup::Active));
}
