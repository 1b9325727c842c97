//! Offer/answer against real browser descriptions (captured from Chromium 156 and aiortc 1.16,
//! tests/data) and the JSEP rules of RFC 9429 §5, RFC 9143 and RFC 8841/8842.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{AnswerSetup, Config, DtlsRole, Error, Event, Peer};
use sansrtc_sdp::{Attribute, MediaKind, SessionDescription, Setup};

fn peer(seed: u64) -> Peer {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    Peer::new(
        Config::new(["192.0.2.7:40000".parse().unwrap()], seed),
        &mut rng,
    )
    .unwrap()
}

fn sample(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const OFFERS: [&str; 6] = [
    "chromium_offer_dc_loopback.sdp",
    "chromium_offer_dc_netns.sdp",
    "chromium_offer_dc_mdns.sdp",
    "chromium_offer_av_dc_loopback.sdp",
    "chromium_offer_av_dc_netns.sdp",
    "aiortc_offer_av_dc.sdp",
];

/// Everything a JSEP answer to `offer` must satisfy: the data section accepted with the SCTP
/// attributes, every audio and video section accepted with a subset of the offered formats,
/// all bundled behind the offerer's tag.
fn check_answer(offer: &SessionDescription, answer: &SessionDescription) {
    assert_eq!(
        answer.media.len(),
        offer.media.len(),
        "one m= line per offered one"
    );
    for (i, (o, a)) in offer.media.iter().zip(&answer.media).enumerate() {
        assert_eq!(a.kind, o.kind, "m-line {i}");
        assert_eq!(a.protocol, o.protocol, "RFC 9429 §5.3.1: proto as offered");
        assert_eq!(a.mid(), o.mid(), "RFC 9429 §5.3.1: same mid");
        assert_ne!(a.port, 0, "m-line {i} accepted");
        assert!(matches!(a.setup(), Some(Setup::Active)), "RFC 8842 §5.3");
        assert!(a.ice_ufrag().is_some() && a.ice_pwd().is_some());
        let fp: Vec<_> = a.fingerprints().collect();
        assert_eq!(fp.len(), 1);
        assert_eq!(fp[0].hash.as_str(), "sha-256");
        assert_eq!(fp[0].value.len(), 32);
        assert!(!a.connections.is_empty(), "c= line");
        if o.kind == MediaKind::Application {
            assert_eq!(a.formats, ["webrtc-datachannel"]);
            assert_eq!(a.sctp_port(), Some(5000), "RFC 8841 §5");
            assert_eq!(a.max_message_size(), Some(262144), "RFC 8841 §6");
        } else {
            // RFC 3264 §6.1: formats from the offer, with its payload types.
            assert!(!a.formats.is_empty(), "m-line {i}");
            for f in &a.formats {
                assert!(o.formats.contains(f), "m-line {i}: {f} not offered");
            }
            assert!(a.rtcp_mux(), "RFC 8843 / RFC 5761");
            assert!(a.mid().is_some());
        }
    }
    let bundle = answer.bundle_group().expect("a=group:BUNDLE");
    let offered = offer.bundle_group().unwrap();
    assert_eq!(
        bundle.mids.first(),
        offered.mids.first(),
        "RFC 9143 §7.3.1: the offerer-tagged section is the answerer-tagged one"
    );
    let mut all: Vec<&str> = answer.media.iter().filter_map(|m| m.mid()).collect();
    let mut grouped: Vec<&str> = bundle
        .mids
        .iter()
        .map(sansrtc_sdp::InlineStr::as_str)
        .collect();
    all.sort_unstable();
    grouped.sort_unstable();
    assert_eq!(grouped, all, "every accepted section is bundled");
    assert!(answer.timings.len() == 1 && answer.name == "-");
}

#[test]
fn rfc9429_5_3_1_browser_offers_get_valid_answers() {
    for (i, name) in OFFERS.iter().enumerate() {
        let text = sample(name);
        let offer = SessionDescription::parse(&text).unwrap();
        let mut p = peer(i as u64);
        let now = Instant::now();
        let answer = p
            .accept_offer(now, &text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // What we serialize parses back to the same model (what Chromium would read).
        let reparsed = SessionDescription::parse(&answer.to_string()).unwrap();
        assert_eq!(reparsed, answer, "{name}");
        check_answer(&offer, &answer);
        assert_eq!(
            p.dtls_role(),
            Some(DtlsRole::Client),
            "{name}: active = DTLS client"
        );
        // Trickle only if the offer has it (RFC 9429 §5.3.1): aiortc does not.
        let trickle = answer.to_string().contains("a=ice-options:trickle");
        assert_eq!(trickle, text.contains("a=ice-options:trickle"), "{name}");
        assert_eq!(p.remote_trickle(), Some(trickle));
        // Our host candidate is in the answer and trickled as an event.
        assert!(
            answer.to_string().contains("192.0.2.7 40000 typ host"),
            "{name}"
        );
        let mut candidates = 0;
        while let Some(e) = p.poll_event() {
            if let Event::LocalCandidate(c) = e {
                // The transport's mid: the tagged (first bundled) section's.
                let tag = offer.bundle_group().unwrap().mids[0].clone();
                assert_eq!(c.mid, tag);
                assert_eq!(c.mline_index, 0);
                candidates += 1;
            }
        }
        assert_eq!(candidates, 1, "{name}");
    }
}

#[test]
fn rfc9143_7_3_1_the_offerer_tagged_audio_section_carries_the_transport() {
    // Chromium's A/V+data offer bundles mid 0 (audio, tagged), 1 and 2 on separate ports
    // (balanced policy): we accept all three, tag 0, and use the audio section's candidates.
    let text = sample("chromium_offer_av_dc_netns.sdp");
    let mut p = peer(3);
    let answer = p.accept_offer(Instant::now(), &text).unwrap();
    let s = answer.to_string();
    assert!(s.contains("a=group:BUNDLE 0 1 2\r\n"), "{s}");
    let ice = p.ice().unwrap();
    let ports: Vec<u16> = ice
        .remote_candidates()
        .iter()
        .map(|c| c.address.port())
        .collect();
    let offer = SessionDescription::parse(&text).unwrap();
    let audio_ports: Vec<u16> = offer.media[0].candidates().map(|c| c.port).collect();
    assert!(!ports.is_empty());
    assert!(
        ports.iter().all(|p| audio_ports.contains(p)),
        "{ports:?} vs {audio_ports:?}"
    );
}

#[test]
fn rfc9143_7_3_1_when_media_is_rejected_the_data_section_becomes_the_tagged_section() {
    // With no audio or video formats configured, the tagged audio section and the video one
    // are rejected; the next mid of the group, the data section, is tagged.
    let text = sample("chromium_offer_av_dc_netns.sdp");
    let mut config = Config::new(["192.0.2.7:40000".parse().unwrap()], 3);
    config.media.audio_codecs.clear();
    config.media.video_codecs.clear();
    let mut p = Peer::new(config, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    let answer = p.accept_offer(Instant::now(), &text).unwrap();
    let s = answer.to_string();
    assert!(s.contains("a=group:BUNDLE 2\r\n"), "{s}");
    assert!(s.contains("m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n"), "{s}");
    assert!(s.contains("m=video 0 UDP/TLS/RTP/SAVPF 96\r\n"), "{s}");
    // The transport is the data section's: its candidates, not audio's.
    let ice = p.ice().unwrap();
    let ports: Vec<u16> = ice
        .remote_candidates()
        .iter()
        .map(|c| c.address.port())
        .collect();
    let offer = SessionDescription::parse(&text).unwrap();
    let data_ports: Vec<u16> = offer.media[2].candidates().map(|c| c.port).collect();
    assert!(!ports.is_empty());
    assert!(
        ports.iter().all(|p| data_ports.contains(p)),
        "{ports:?} vs {data_ports:?}"
    );
}

#[test]
fn rfc9429_5_3_1_trickled_candidates_for_other_sections_are_ignored() {
    let text = sample("chromium_offer_av_dc_netns.sdp");
    let mut p = peer(4);
    let now = Instant::now();
    p.accept_offer(now, &text).unwrap();
    let before = p.ice().unwrap().remote_candidates().len();
    let c = "candidate:1 1 udp 2122194687 10.99.0.1 41111 typ host";
    // Candidates of the video and data sections' own ports are not the transport's (mid 0).
    p.add_remote_candidate(now, c, Some("2")).unwrap();
    p.add_remote_candidate(now, c, Some("1")).unwrap();
    assert_eq!(p.ice().unwrap().remote_candidates().len(), before);
    p.add_remote_candidate(now, c, Some("0")).unwrap();
    assert_eq!(p.ice().unwrap().remote_candidates().len(), before + 1);
    // Garbage is an error, not a panic.
    assert!(matches!(
        p.add_remote_candidate(now, "candidate:garbage", Some("0")),
        Err(Error::Sdp(_))
    ));
    assert!(matches!(
        p.add_remote_candidate(
            now,
            "candidate:1 1 tcp 1 10.99.0.1 9 typ host tcptype active",
            None
        ),
        Err(Error::Candidate(_))
    ));
    p.add_remote_candidate(now, "", Some("0")).unwrap();
}

#[test]
fn an_av_offer_without_data_section_is_answered() {
    let text = sample("chromium_offer_av_nogather.sdp");
    let mut p = peer(5);
    let answer = p.accept_offer(Instant::now(), &text).unwrap();
    assert_eq!(answer.media.len(), 2);
    assert!(answer.media.iter().all(|m| m.port != 0));
    assert_eq!(answer.bundle_group().unwrap().mids, ["0", "1"]);
}

#[test]
fn an_av_offer_with_nothing_we_can_accept_is_refused_cleanly() {
    let text = sample("chromium_offer_av_nogather.sdp");
    let mut config = Config::new(["192.0.2.7:40000".parse().unwrap()], 5);
    config.media.audio_codecs.clear();
    config.media.video_codecs.clear();
    let mut p = Peer::new(config, &mut ChaCha20Rng::seed_from_u64(5)).unwrap();
    assert_eq!(
        p.accept_offer(Instant::now(), &text),
        Err(Error::NoDataSection)
    );
    // The peer is still fresh: it can make its own offer.
    assert!(p.create_offer(Instant::now()).is_ok());
}

#[test]
fn rfc9429_5_2_1_our_offer() {
    let mut p = peer(6);
    let offer = p.create_offer(Instant::now()).unwrap();
    let s = offer.to_string();
    for line in [
        "a=group:BUNDLE 0\r\n",
        "m=application 40000 UDP/DTLS/SCTP webrtc-datachannel\r\n",
        "c=IN IP4 192.0.2.7\r\n",
        "a=ice-options:trickle\r\n",
        "a=setup:actpass\r\n",
        "a=mid:0\r\n",
        "a=sctp-port:5000\r\n",
        "a=max-message-size:262144\r\n",
        "a=end-of-candidates\r\n",
        "a=fingerprint:sha-256 ",
    ] {
        assert!(s.contains(line), "{line:?} missing in\n{s}");
    }
    assert!(s.starts_with("v=0\r\no=- "));
    let o = &offer.origin;
    assert!(o.session_id < 1 << 63, "RFC 9429 §5.2.1");
    assert_eq!(SessionDescription::parse(&s).unwrap(), offer);
    // The fingerprint is our certificate's.
    let fp = offer.media[0].fingerprints().next().unwrap();
    assert_eq!(fp.value, p.local_fingerprint().value);
}

#[test]
fn browser_answer_to_our_offer_is_accepted() {
    // aiortc's answer to a Chromium data-only offer (mid 0) fits our offer too.
    let mut p = peer(7);
    let now = Instant::now();
    p.create_offer(now).unwrap();
    p.accept_answer(now, &sample("aiortc_answer_to_chromium_dc.sdp"))
        .unwrap();
    // aiortc answered a=setup:active: we are the DTLS server.
    assert_eq!(p.dtls_role(), Some(DtlsRole::Server));
}

#[test]
fn rfc8842_5_setup_roles() {
    let base = sample("chromium_offer_dc_netns.sdp");
    for (offered, answer_setup, want_line, want_role) in [
        (
            "actpass",
            AnswerSetup::Active,
            "a=setup:active",
            DtlsRole::Client,
        ),
        (
            "actpass",
            AnswerSetup::Passive,
            "a=setup:passive",
            DtlsRole::Server,
        ),
        (
            "active",
            AnswerSetup::Active,
            "a=setup:passive",
            DtlsRole::Server,
        ),
        (
            "passive",
            AnswerSetup::Active,
            "a=setup:active",
            DtlsRole::Client,
        ),
    ] {
        let text = base.replace("a=setup:actpass", &format!("a=setup:{offered}"));
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut config = Config::new(["192.0.2.7:40000".parse().unwrap()], 1);
        config.answer_setup = answer_setup;
        let mut p = Peer::new(config, &mut rng).unwrap();
        let answer = p.accept_offer(Instant::now(), &text).unwrap().to_string();
        assert!(answer.contains(want_line), "{offered}: {answer}");
        assert_eq!(p.dtls_role(), Some(want_role), "{offered}");
    }
    // holdconn cannot start DTLS.
    let text = base.replace("a=setup:actpass", "a=setup:holdconn");
    assert!(matches!(
        peer(1).accept_offer(Instant::now(), &text),
        Err(Error::InvalidDescription(_))
    ));
}

#[test]
fn session_level_transport_attributes_are_used() {
    // Non-JSEP offers may put ice-ufrag/pwd, fingerprint and setup at session level.
    let text = sample("chromium_offer_dc_netns.sdp");
    let mut sdp = SessionDescription::parse(&text).unwrap();
    let moved: Vec<Attribute> = sdp.media[0]
        .attributes
        .iter()
        .filter(|a| {
            matches!(
                a,
                Attribute::IceUfrag(_) | Attribute::IcePwd(_) | Attribute::Fingerprint(_)
            )
        })
        .cloned()
        .collect();
    sdp.media[0].attributes.retain(|a| !moved.contains(a));
    sdp.attributes.extend(moved);
    let mut p = peer(8);
    p.accept_offer(Instant::now(), &sdp.to_string()).unwrap();
}

#[test]
fn malformed_and_unusable_offers_are_errors() {
    let good = sample("chromium_offer_dc_netns.sdp");
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "empty"),
        ("garbage".into(), "garbage"),
        (
            good.replace("a=ice-ufrag:lGDp\r\n", "")
                .replace("a=ice-ufrag:lGDp\n", ""),
            "no ufrag",
        ),
        (good.replace("a=ice-pwd:", "a=x-pwd:"), "no pwd"),
        (
            good.replace("a=ice-pwd:MVTOoWeBxlLQ+J9vlaPsJ3h3", "a=ice-pwd:short"),
            "short pwd",
        ),
        (
            good.replace("a=fingerprint:sha-256", "a=fingerprint:md5"),
            "md5 fingerprint",
        ),
        (
            good.replace("a=fingerprint:sha-256 1E:34", "a=fingerprint:sha-256 1E"),
            "short digest",
        ),
        (
            good.replace("webrtc-datachannel", "something-else"),
            "no data section",
        ),
        (
            good.replace("m=application 50337", "m=application 0"),
            "rejected data section",
        ),
        (
            good.replace("a=mid:0", "a=mid:0\r\na=mid:0"),
            "duplicate mid",
        ),
    ];
    for (text, what) in cases {
        let mut p = peer(9);
        let r = p.accept_offer(Instant::now(), &text);
        assert!(r.is_err(), "{what}: accepted");
        // Unchanged: the good offer still works.
        p.accept_offer(Instant::now(), &good)
            .unwrap_or_else(|e| panic!("{what}: then the good offer failed: {e}"));
    }
}

#[test]
fn rfc8445_6_1_1_roles_offerer_controls_unless_the_peer_is_lite() {
    use sansrtc_ice::Role;
    let mut offerer = peer(20);
    offerer.create_offer(Instant::now()).unwrap();
    assert_eq!(offerer.ice().unwrap().role(), Role::Controlling);
    let text = sample("chromium_offer_dc_netns.sdp");
    let mut answerer = peer(21);
    answerer.accept_offer(Instant::now(), &text).unwrap();
    assert_eq!(answerer.ice().unwrap().role(), Role::Controlled);
    // RFC 8445 §6.1.1: a full agent answering a lite offerer takes control.
    let lite = text.replace("a=group:BUNDLE 0", "a=ice-lite\r\na=group:BUNDLE 0");
    let mut answerer = peer(22);
    answerer.accept_offer(Instant::now(), &lite).unwrap();
    assert_eq!(answerer.ice().unwrap().role(), Role::Controlling);
}

#[test]
fn mdns_candidates_are_reported_for_resolution() {
    let mut p = peer(23);
    let now = Instant::now();
    p.accept_offer(now, &sample("chromium_offer_dc_mdns.sdp"))
        .unwrap();
    let names: Vec<String> = std::iter::from_fn(|| p.poll_event())
        .filter_map(|e| match e {
            Event::ResolveMdns(n) => Some(n),
            _ => None,
        })
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".local")));
    let before = p.ice().unwrap().remote_candidates().len();
    p.mdns_resolved(now, &names[0], Some("10.99.0.1".parse().unwrap()));
    p.mdns_resolved(now, &names[1], None);
    assert_eq!(p.ice().unwrap().remote_candidates().len(), before + 1);
}
