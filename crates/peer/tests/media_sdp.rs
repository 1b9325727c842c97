//! Media negotiation against the captured browser descriptions (Chromium 156, aiortc 1.16, in
//! tests/data): payload types, formats, RTX, feedback, header extensions, directions, msid and
//! SSRCs (RFC 3264 §6.1, RFC 9429 §5.2.1/§5.3.1, RFC 4588 §8, RFC 4585 §4.2, RFC 8285 §5,
//! RFC 6184 §8.2.2, RFC 8830, RFC 5576).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{
    Codec, CodecSpec, Config, Direction, Event, MediaKind, Peer, TransceiverConfig,
};
use sansrtc_sdp::{Media, SessionDescription};

fn peer_with(seed: u64, f: impl FnOnce(&mut Config)) -> Peer {
    let mut config = Config::new(["192.0.2.7:40000".parse().unwrap()], seed);
    f(&mut config);
    Peer::new(config, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap()
}

fn peer(seed: u64) -> Peer {
    peer_with(seed, |_| {})
}

fn sample(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const MEDIA_OFFERS: [&str; 4] = [
    "chromium_offer_av_dc_loopback.sdp",
    "chromium_offer_av_dc_netns.sdp",
    "chromium_offer_av_nogather.sdp",
    "aiortc_offer_av_dc.sdp",
];

fn encoding(m: &Media, pt: u8) -> String {
    match m.rtpmap(pt) {
        Some(r) => format!("{}/{}", r.encoding_name, r.clock_rate),
        None => format!("static {pt}"),
    }
}

fn apt(m: &Media, pt: u8) -> Option<u8> {
    m.fmtp(pt)?.param("apt")?.parse().ok()
}

/// RFC 3264 §6.1 and RFC 4588 §8.1 for one answered section against its offer.
fn check_media_answer(name: &str, o: &Media, a: &Media) {
    let answered: Vec<u8> = a.payload_types().collect();
    assert!(!answered.is_empty(), "{name}: no formats");
    for &pt in &answered {
        assert!(
            o.payload_types().any(|p| p == pt),
            "{name}: {pt} not offered"
        );
        // Same encoding, clock rate and channels for the same payload type.
        assert_eq!(encoding(a, pt), encoding(o, pt), "{name}: rtpmap of {pt}");
        assert_eq!(
            a.rtpmap(pt).and_then(|r| r.channels),
            o.rtpmap(pt).and_then(|r| r.channels),
            "{name}: channels of {pt}"
        );
        // Feedback: only what was offered for that payload type.
        for fb in a.rtcp_fbs(pt) {
            assert!(
                o.rtcp_fbs(pt)
                    .any(|x| x.kind == fb.kind && x.param == fb.param),
                "{name}: rtcp-fb {fb} for {pt} not offered"
            );
        }
        // RTX: the same pairing as offered, and its original is answered too.
        if let Some(orig) = apt(a, pt) {
            assert_eq!(
                encoding(a, pt),
                format!("rtx/{}", a.rtpmap(orig).unwrap().clock_rate)
            );
            assert_eq!(apt(o, pt), Some(orig), "{name}: apt of {pt}");
            assert!(answered.contains(&orig), "{name}: rtx {pt} without {orig}");
        }
        // H.264: packetization mode 1 only, and the offered profile (RFC 6184 §8.2.2).
        if encoding(a, pt).starts_with("H264") {
            let af = a.fmtp(pt).unwrap();
            let of = o.fmtp(pt).unwrap();
            assert_eq!(af.param("packetization-mode"), Some("1"), "{name}");
            assert_eq!(of.param("packetization-mode"), Some("1"), "{name}");
            let (ap, op) = (
                af.param("profile-level-id").unwrap(),
                of.param("profile-level-id").unwrap(),
            );
            assert_eq!(ap[..4], op[..4], "{name}: profile of {pt}");
        }
    }
    // Header extensions: offered URIs with the offered IDs (RFC 8285 §5).
    for e in a.extmaps() {
        assert!(
            o.extmaps().any(|x| x.id == e.id && x.uri == e.uri),
            "{name}: extmap {e} not offered"
        );
    }
    assert!(a.rtcp_mux());
}

#[test]
fn rfc3264_6_1_answers_to_browser_media_offers_map_payload_types_rtx_and_extensions() {
    for (i, name) in MEDIA_OFFERS.iter().enumerate() {
        let text = sample(name);
        let offer = SessionDescription::parse(&text).unwrap();
        let mut p = peer(i as u64 + 10);
        let answer = p.accept_offer(Instant::now(), &text).unwrap();
        let reparsed = SessionDescription::parse(&answer.to_string()).unwrap();
        assert_eq!(reparsed, answer, "{name}");
        let mut tracks = 0;
        while let Some(e) = p.poll_event() {
            tracks += usize::from(matches!(e, Event::Track(_)));
        }
        assert_eq!(tracks, 2, "{name}: one track per received section");
        for (o, a) in offer.media.iter().zip(&answer.media) {
            if o.kind == sansrtc_sdp::MediaKind::Application {
                continue;
            }
            check_media_answer(name, o, a);
            // RFC 5506 §5: reduced-size RTCP only if offered (aiortc does not).
            assert_eq!(a.rtcp_rsize(), o.rtcp_rsize(), "{name}");
            assert_eq!(a.direction(), Some(Direction::SendRecv), "{name}");
            // We send: msid and our SSRCs with CNAME (RFC 8830, RFC 5576).
            assert_eq!(a.msids().count(), 1, "{name}");
            assert!(a.ssrcs().any(|s| s.attribute == "cname"), "{name}");
            let mid = a.mid().unwrap();
            let id = p.transceiver_by_mid(mid).unwrap();
            let info = p.transceiver(id).unwrap();
            assert_eq!(info.current_direction, Some(Direction::SendRecv));
            // The remote's msid is known.
            assert_eq!(
                info.remote_msid.as_ref().map(|m| m.0.as_str()),
                o.msids().next().map(|m| m.stream_id.as_str())
            );
            // The first negotiated format is the one we prefer and it carries the offer's
            // payload type.
            let first = &info.codecs[0];
            match info.kind {
                MediaKind::Audio => {
                    assert_eq!(first.codec, Codec::Opus);
                    assert_eq!(
                        first.payload_type,
                        if name.starts_with("aiortc") { 96 } else { 111 }
                    );
                    assert!(first.rtx_payload_type.is_none());
                }
                MediaKind::Video => {
                    assert_eq!(first.codec, Codec::Vp8);
                    let (pt, rtx) = if name.starts_with("aiortc") {
                        (97, 98)
                    } else {
                        (96, 97)
                    };
                    assert_eq!(
                        (first.payload_type, first.rtx_payload_type),
                        (pt, Some(rtx))
                    );
                    assert!(first.feedback.nack && first.feedback.pli);
                    assert_eq!(first.feedback.transport_cc, !name.starts_with("aiortc"));
                    if a.ssrc_groups().count() > 0 {
                        let g = a.ssrc_groups().next().unwrap();
                        assert_eq!(g.semantics, "FID");
                        assert_eq!(g.ssrcs[0], info.ssrc);
                    }
                }
            }
        }
    }
}

#[test]
fn rfc6184_8_2_2_chromium_h264_offer_answers_packetization_mode_1_of_shared_profiles() {
    let text = sample("chromium_offer_av_dc_netns.sdp");
    let offer = SessionDescription::parse(&text).unwrap();
    let mut p = peer(20);
    let answer = p.accept_offer(Instant::now(), &text).unwrap();
    let video = &answer.media[1];
    let h264: Vec<(u8, String)> = video
        .payload_types()
        .filter(|&pt| encoding(video, pt).starts_with("H264"))
        .map(|pt| (pt, video.fmtp(pt).unwrap().params.to_string()))
        .collect();
    // Chromium offers six H.264 variants: 42001f and 42e01f in modes 1 and 0, and 4d001f
    // (main) in both. We take constrained baseline and baseline in mode 1.
    assert_eq!(
        h264,
        [
            (
                108,
                "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".into()
            ),
            (
                102,
                "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f".into()
            ),
        ]
    );
    // Their RTX payload types as offered.
    assert_eq!(apt(video, 109), Some(108));
    assert_eq!(apt(video, 103), Some(102));
    assert!(
        !video
            .payload_types()
            .any(|pt| pt == 104 || pt == 114 || pt == 116)
    );
    // VP9 profile 0 only (98, not profile 2's 100), AV1 (45).
    assert!(video.payload_types().any(|pt| pt == 98));
    assert!(!video.payload_types().any(|pt| pt == 100));
    assert!(video.payload_types().any(|pt| pt == 45));
    let _ = offer;

    // A transceiver that wants only H.264 main profile answers with Chromium's 4d001f mode 1.
    let mut p = peer(21);
    p.add_transceiver(
        TransceiverConfig::new(MediaKind::Video).with_codecs([CodecSpec::h264("4d001f")]),
    )
    .unwrap();
    let answer = p.accept_offer(Instant::now(), &text).unwrap();
    let video = &answer.media[1];
    let pts: Vec<u8> = video.payload_types().collect();
    assert_eq!(pts, [116, 117]);
    let id = p.transceiver_by_mid("1").unwrap();
    let info = p.transceiver(id).unwrap();
    assert_eq!(info.codecs[0].codec, Codec::H264);
    assert_eq!(info.codecs[0].rtx_payload_type, Some(117));
    // The audio section was answered by a transceiver from the config.
    assert_eq!(answer.media[0].port, 40000);

    // High profile is not offered by Chromium here: no shared format, the section is
    // rejected and left out of the group.
    let mut p = peer(22);
    p.add_transceiver(
        TransceiverConfig::new(MediaKind::Video).with_codecs([CodecSpec::h264("640c1f")]),
    )
    .unwrap();
    let answer = p.accept_offer(Instant::now(), &text).unwrap();
    assert_eq!(answer.media[1].port, 0);
    assert_eq!(answer.bundle_group().unwrap().mids, ["0", "2"]);
}

#[test]
fn rfc9429_5_2_1_our_av_offer_reads_like_chromiums() {
    let mut p = peer(30);
    let a = p.add_track(MediaKind::Audio).unwrap();
    let v = p.add_track(MediaKind::Video).unwrap();
    let offer = p.create_offer(Instant::now()).unwrap();
    let s = offer.to_string();
    assert_eq!(SessionDescription::parse(&s).unwrap(), offer);
    assert!(s.contains("a=group:BUNDLE 0 1 2\r\n"), "{s}");
    assert!(
        s.contains("m=audio 40000 UDP/TLS/RTP/SAVPF 111 0 8\r\n"),
        "{s}"
    );
    assert!(
        s.contains("m=video 40000 UDP/TLS/RTP/SAVPF 96 98 108 102 45 97 99 109 103 46\r\n"),
        "{s}"
    );
    for line in [
        "a=rtpmap:111 opus/48000/2\r\n",
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n",
        "a=rtcp-fb:111 transport-cc\r\n",
        "a=rtpmap:96 VP8/90000\r\n",
        "a=rtcp-fb:96 nack\r\n",
        "a=rtcp-fb:96 nack pli\r\n",
        "a=rtcp-fb:96 ccm fir\r\n",
        "a=rtcp-fb:96 goog-remb\r\n",
        "a=rtpmap:97 rtx/90000\r\n",
        "a=fmtp:97 apt=96\r\n",
        "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n",
        "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n",
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
        "a=rtcp-mux\r\n",
        "a=rtcp-rsize\r\n",
        "a=sendrecv\r\n",
        "a=ssrc-group:FID ",
    ] {
        assert!(s.contains(line), "{line:?} missing in\n{s}");
    }
    let ai = p.transceiver(a).unwrap();
    let vi = p.transceiver(v).unwrap();
    assert_eq!(
        (ai.mid.as_deref(), vi.mid.as_deref()),
        (Some("0"), Some("1"))
    );
    assert!(s.contains(&format!("a=ssrc:{} cname:", vi.ssrc)));
    // Nothing negotiated yet.
    assert_eq!(vi.current_direction, None);
}

/// Our offer, answered by Chromium's captured answer: what we send and receive follows it.
#[test]
fn rfc3264_6_1_chromium_answers_to_our_offer() {
    for (name, ours, theirs) in [
        (
            "chromium_answer_av_dc_netns.sdp",
            Direction::SendRecv,
            Direction::SendRecv,
        ),
        (
            "chromium_answer_av_dc_recvonly_loopback.sdp",
            Direction::SendOnly,
            Direction::RecvOnly,
        ),
    ] {
        let mut p = peer(40);
        let a = p.add_track(MediaKind::Audio).unwrap();
        let v = p.add_track(MediaKind::Video).unwrap();
        let now = Instant::now();
        p.create_offer(now).unwrap();
        let text = sample(name);
        p.accept_answer(now, &text).unwrap();
        let answer = SessionDescription::parse(&text).unwrap();
        assert_eq!(answer.media[1].direction(), Some(theirs));
        let ai = p.transceiver(a).unwrap();
        let vi = p.transceiver(v).unwrap();
        assert_eq!(ai.current_direction, Some(ours), "{name}");
        assert_eq!(vi.current_direction, Some(ours), "{name}");
        assert_eq!(ai.codecs[0].codec, Codec::Opus);
        assert_eq!(ai.codecs[0].payload_type, 111);
        assert!(ai.codecs[0].feedback.transport_cc);
        assert_eq!(vi.codecs[0].codec, Codec::Vp8);
        assert_eq!(vi.codecs[0].payload_type, 96);
        assert_eq!(vi.codecs[0].rtx_payload_type, Some(97));
        let h264: Vec<(u8, Option<u8>)> = vi
            .codecs
            .iter()
            .filter(|c| c.codec == Codec::H264)
            .map(|c| (c.payload_type, c.rtx_payload_type))
            .collect();
        assert_eq!(h264, [(102, Some(103)), (108, Some(109))], "{name}");
        // Receiving: a track for what Chromium sends us.
        let mut tracks = 0;
        while let Some(e) = p.poll_event() {
            tracks += usize::from(matches!(e, Event::Track(_)));
        }
        assert_eq!(tracks, if ours.receives() { 2 } else { 0 }, "{name}");
        // Our description after the answer: still parses, sections accepted.
        let local = p.local_description().unwrap();
        assert!(local.media.iter().all(|m| m.port != 0));
    }
}

#[test]
fn rfc3264_6_1_our_offer_with_aiortc_payload_types_takes_chromiums_answer_to_aiortc() {
    // Chromium's answer to aiortc's offer, applied to an offer of ours that uses aiortc's
    // payload types and extension IDs: opus 96, VP8 97 (RTX 98), H.264 99/101 (RTX 100/102).
    let mut p = peer(41);
    let a = p
        .add_transceiver(TransceiverConfig::new(MediaKind::Audio).with_codecs([
            CodecSpec::opus().with_payload_types(96, None),
            CodecSpec::pcmu(),
            CodecSpec::pcma(),
        ]))
        .unwrap();
    let v = p
        .add_transceiver(TransceiverConfig::new(MediaKind::Video).with_codecs([
            CodecSpec::vp8().with_payload_types(97, Some(98)),
            CodecSpec::h264("42001f").with_payload_types(99, Some(100)),
            CodecSpec::h264("42e01f").with_payload_types(101, Some(102)),
        ]))
        .unwrap();
    let now = Instant::now();
    let offer = p.create_offer(now).unwrap().to_string();
    assert!(
        offer.contains("m=video 40000 UDP/TLS/RTP/SAVPF 97 99 101 98 100 102\r\n"),
        "{offer}"
    );
    p.accept_answer(now, &sample("chromium_answer_to_aiortc_av_dc.sdp"))
        .unwrap();
    let ai = p.transceiver(a).unwrap();
    let vi = p.transceiver(v).unwrap();
    assert_eq!(
        ai.codecs.iter().map(|c| c.payload_type).collect::<Vec<_>>(),
        [96, 0, 8]
    );
    assert_eq!(
        vi.codecs
            .iter()
            .map(|c| (c.codec, c.payload_type, c.rtx_payload_type))
            .collect::<Vec<_>>(),
        [
            (Codec::Vp8, 97, Some(98)),
            (Codec::H264, 99, Some(100)),
            (Codec::H264, 101, Some(102))
        ]
    );
    // Chromium answered aiortc without transport-cc or ccm fir: neither is used.
    assert!(!vi.codecs[0].feedback.transport_cc && !vi.codecs[0].feedback.fir);
    assert!(vi.codecs[0].feedback.remb && vi.codecs[0].feedback.nack);
}

#[test]
fn aiortc_data_only_answer_to_our_offer_without_media() {
    let mut p = peer(42);
    let now = Instant::now();
    p.create_offer(now).unwrap();
    p.accept_answer(now, &sample("aiortc_answer_to_chromium_dc.sdp"))
        .unwrap();
    assert!(p.transceivers().is_empty());
}

#[test]
fn rfc3264_6_a_rejected_media_section_in_the_answer_stops_the_transceiver() {
    let mut p = peer(43);
    let a = p.add_track(MediaKind::Audio).unwrap();
    let v = p.add_track(MediaKind::Video).unwrap();
    let now = Instant::now();
    p.create_offer(now).unwrap();
    // Chromium's answer with the video section rejected (port 0, out of the group).
    let text = sample("chromium_answer_av_dc_netns.sdp")
        .replace("m=video 9 ", "m=video 0 ")
        .replace("a=group:BUNDLE 0 1 2", "a=group:BUNDLE 0 2");
    p.accept_answer(now, &text).unwrap();
    assert_eq!(p.transceiver(v).unwrap().current_direction, None);
    assert_eq!(
        p.transceiver(a).unwrap().current_direction,
        Some(Direction::SendRecv)
    );
    let local = p.local_description().unwrap();
    assert_eq!(local.media[1].port, 0);
    assert_eq!(local.bundle_group().unwrap().mids, ["0", "2"]);
    assert!(matches!(
        p.write_frame(now, v, 0, &[0x10, 0, 0]),
        Err(sansrtc_peer::Error::MediaNotReady | sansrtc_peer::Error::NotSending)
    ));
}
