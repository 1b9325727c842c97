//! Property tests: every valid model survives serialize-then-parse unchanged (RFC 8866 section 5
//! grammar as this crate writes it), and no input string makes the parser panic.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::borrow::Cow;
use std::net::IpAddr;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use sansrtc_sdp::*;

/// A token: no SP, and none of the separators `: ; , = ~`.
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.+/-]{1,10}"
}

/// Free text (printable ASCII including SP), possibly empty.
fn text() -> impl Strategy<Value = String> {
    "[ -~]{0,16}"
}

/// Free text that does not start with SP and is not empty (trailing parts of a value).
fn tail() -> impl Strategy<Value = String> {
    "[!-~][ -~]{0,16}"
}

/// The strings of `s` as [`InlineStr`]s, half of them made longer than its inline capacity (by
/// appending `x`s, a token character) so the heap form is covered too.
fn istr(s: impl Strategy<Value = String>) -> impl Strategy<Value = InlineStr> {
    (s, any::<bool>()).prop_map(|(s, long)| {
        if long {
            InlineStr::from(s + &"x".repeat(InlineStr::INLINE_CAPACITY))
        } else {
            InlineStr::from(s)
        }
    })
}

fn cow(s: impl Strategy<Value = String>) -> impl Strategy<Value = Cow<'static, str>> {
    s.prop_map(Cow::Owned)
}

fn address() -> impl Strategy<Value = Address> {
    prop_oneof![
        any::<IpAddr>().prop_map(Address::Ip),
        "h-[a-z0-9-]{1,12}(\\.local)?".prop_map(Address::Hostname),
    ]
}

fn connection() -> impl Strategy<Value = Connection> {
    (
        prop_oneof![Just(Cow::Borrowed("IN")), cow(token())],
        prop_oneof![
            Just(AddressType::Ip4),
            Just(AddressType::Ip6),
            "x-[A-Z]{1,3}".prop_map(AddressType::Other)
        ],
        address(),
    )
        .prop_map(|(network_type, address_type, address)| Connection {
            network_type,
            address_type,
            address,
        })
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    (
        prop_oneof![
            Just(BandwidthType::ConferenceTotal),
            Just(BandwidthType::ApplicationSpecific),
            Just(BandwidthType::Tias),
            "X-[A-Z]{1,3}".prop_map(BandwidthType::Other),
        ],
        any::<u64>(),
    )
        .prop_map(|(kind, value)| Bandwidth { kind, value })
}

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![
        Just(Direction::SendRecv),
        Just(Direction::SendOnly),
        Just(Direction::RecvOnly),
        Just(Direction::Inactive)
    ]
}

fn candidate() -> impl Strategy<Value = Candidate> {
    let base = (
        istr(token()),
        any::<u16>(),
        prop_oneof![
            Just(Transport::Udp),
            Just(Transport::Tcp),
            "x-[a-z]{1,4}".prop_map(Transport::Other)
        ],
        any::<u32>(),
        address(),
        any::<u16>(),
        prop_oneof![
            Just(CandidateType::Host),
            Just(CandidateType::ServerReflexive),
            Just(CandidateType::PeerReflexive),
            Just(CandidateType::Relay),
            "x-[a-z]{1,4}".prop_map(CandidateType::Other),
        ],
    );
    let extensions = (
        option::of(address()),
        option::of(any::<u16>()),
        option::of(prop_oneof![
            Just(TcpType::Active),
            Just(TcpType::Passive),
            Just(TcpType::SimultaneousOpen)
        ]),
        option::of(any::<u32>()),
        option::of(istr(token())),
        option::of(any::<u32>()),
        option::of(any::<u32>()),
        vec(("x-[a-z]{1,5}", token()), 0..3),
    );
    (base, extensions).prop_map(
        |(
            (foundation, component, transport, priority, address, port, kind),
            (raddr, rport, tcp_type, generation, ufrag, network_id, network_cost, extensions),
        )| Candidate {
            foundation,
            component,
            transport,
            priority,
            address,
            port,
            kind,
            related_address: raddr,
            related_port: rport,
            tcp_type,
            generation,
            ufrag,
            network_id,
            network_cost,
            extensions,
        },
    )
}

fn fingerprint() -> impl Strategy<Value = Fingerprint> {
    (
        prop_oneof![
            Just(HashFunction::Sha1),
            Just(HashFunction::Sha224),
            Just(HashFunction::Sha256),
            Just(HashFunction::Sha384),
            Just(HashFunction::Sha512),
            Just(HashFunction::Md5),
            Just(HashFunction::Md2),
            "x-[a-z0-9]{1,6}".prop_map(HashFunction::Other),
        ],
        vec(any::<u8>(), 1..64),
    )
        .prop_map(|(hash, value)| Fingerprint { hash, value })
}

fn rid() -> impl Strategy<Value = Rid> {
    (
        istr(token()),
        prop_oneof![Just(RidDirection::Send), Just(RidDirection::Recv)],
        vec(any::<u8>(), 0..4),
        vec(("x-[a-z]{1,6}", option::of("[A-Za-z0-9.]{0,5}")), 0..3),
    )
        .prop_map(|(id, direction, payload_types, restrictions)| Rid {
            id,
            direction,
            payload_types,
            restrictions,
        })
}

fn simulcast() -> impl Strategy<Value = Simulcast> {
    let sc_rid = || {
        (istr("[A-Za-z0-9_-]{1,6}"), any::<bool>())
            .prop_map(|(rid, paused)| SimulcastRid { rid, paused })
    };
    let list = || vec(vec(sc_rid(), 1..3), 0..3);
    (list(), list())
        .prop_filter("one direction at least", |(s, r)| {
            !s.is_empty() || !r.is_empty()
        })
        .prop_map(|(send, recv)| Simulcast { send, recv })
}

fn attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        (cow(token()), vec(istr(token()), 0..4))
            .prop_map(|(semantics, mids)| Attribute::Group(Group { semantics, mids })),
        istr(token()).prop_map(Attribute::Mid),
        istr(token()).prop_map(Attribute::IceUfrag),
        istr(token()).prop_map(Attribute::IcePwd),
        vec(istr(token()), 0..3).prop_map(Attribute::IceOptions),
        Just(Attribute::IceLite),
        candidate().prop_map(|c| Attribute::Candidate(Box::new(c))),
        Just(Attribute::EndOfCandidates),
        fingerprint().prop_map(Attribute::Fingerprint),
        prop_oneof![
            Just(Setup::Active),
            Just(Setup::Passive),
            Just(Setup::ActPass),
            Just(Setup::HoldConn)
        ]
        .prop_map(Attribute::Setup),
        prop_oneof![Just(ConnectionMode::New), Just(ConnectionMode::Existing)]
            .prop_map(Attribute::Connection),
        (any::<u16>(), option::of(connection()))
            .prop_map(|(port, connection)| Attribute::Rtcp(Box::new(Rtcp { port, connection }))),
        Just(Attribute::RtcpMux),
        Just(Attribute::RtcpMuxOnly),
        Just(Attribute::RtcpRsize),
        (
            any::<u8>(),
            cow("[A-Za-z0-9_.+-]{1,10}"),
            any::<u32>(),
            option::of(any::<u16>())
        )
            .prop_map(|(payload_type, encoding_name, clock_rate, channels)| {
                Attribute::RtpMap(RtpMap {
                    payload_type,
                    encoding_name,
                    clock_rate,
                    channels,
                })
            }),
        (any::<u8>(), istr(prop_oneof![Just(String::new()), tail()])).prop_map(
            |(payload_type, params)| Attribute::Fmtp(Fmtp {
                payload_type,
                params
            })
        ),
        (
            option::of(any::<u8>()),
            cow(token()),
            option::of(cow(tail()))
        )
            .prop_map(|(payload_type, kind, param)| Attribute::RtcpFb(RtcpFb {
                payload_type,
                kind,
                param
            })),
        (
            any::<u16>(),
            option::of(direction()),
            cow(token()),
            option::of(tail())
        )
            .prop_map(|(id, direction, uri, attributes)| {
                Attribute::Extmap(Extmap {
                    id,
                    direction,
                    uri,
                    attributes,
                })
            }),
        Just(Attribute::ExtmapAllowMixed),
        (any::<u32>(), cow(token()), option::of(istr(text()))).prop_map(
            |(id, attribute, value)| {
                Attribute::Ssrc(Ssrc {
                    id,
                    attribute,
                    value,
                })
            }
        ),
        (cow(token()), vec(any::<u32>(), 0..4))
            .prop_map(|(semantics, ssrcs)| Attribute::SsrcGroup(SsrcGroup { semantics, ssrcs })),
        (istr(token()), option::of(istr(tail()))).prop_map(
            |(stream_id, track_id)| Attribute::Msid(Msid {
                stream_id,
                track_id
            })
        ),
        rid().prop_map(|r| Attribute::Rid(Box::new(r))),
        simulcast().prop_map(Attribute::Simulcast),
        any::<u16>().prop_map(Attribute::SctpPort),
        any::<u64>().prop_map(Attribute::MaxMessageSize),
        direction().prop_map(Attribute::Direction),
        (istr("x-[a-z0-9-]{1,8}"), option::of(istr(text())))
            .prop_map(|(name, value)| Attribute::Unknown { name, value }),
    ]
}

fn media() -> impl Strategy<Value = Media> {
    (
        prop_oneof![
            Just(MediaKind::Audio),
            Just(MediaKind::Video),
            Just(MediaKind::Application),
            Just(MediaKind::Text),
            Just(MediaKind::Message),
            "x-[a-z]{1,5}".prop_map(MediaKind::Other),
        ],
        any::<u16>(),
        option::of(any::<u16>()),
        prop_oneof![Just(Cow::Borrowed(Media::PROTO_RTP)), cow(token())],
        vec(cow(token()), 0..5),
        option::of(text()),
        vec(connection(), 0..2),
        vec(bandwidth(), 0..2),
        option::of(text()),
        vec(attribute(), 0..12),
    )
        .prop_map(
            |(
                kind,
                port,
                port_count,
                protocol,
                formats,
                title,
                connections,
                bandwidths,
                key,
                attributes,
            )| {
                Media {
                    kind,
                    port,
                    port_count,
                    protocol,
                    formats,
                    title,
                    connections,
                    bandwidths,
                    key,
                    attributes,
                }
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    let origin = (istr(token()), any::<u64>(), any::<u64>(), connection()).prop_map(
        |(username, id, version, c)| Origin {
            username,
            session_id: id,
            session_version: version,
            network_type: c.network_type,
            address_type: c.address_type,
            address: c.address,
        },
    );
    let timing =
        (any::<u64>(), any::<u64>(), vec(text(), 0..2)).prop_map(|(start, stop, repeats)| Timing {
            start,
            stop,
            repeats,
        });
    let head = (
        origin,
        istr(text()),
        option::of(text()),
        option::of(text()),
        vec(text(), 0..2),
        vec(text(), 0..2),
        option::of(connection()),
    );
    let rest = (
        vec(bandwidth(), 0..2),
        vec(timing, 1..3),
        option::of(text()),
        option::of(text()),
        vec(attribute(), 0..8),
        vec(media(), 0..4),
    );
    (head, rest).prop_map(
        |(
            (origin, name, information, uri, emails, phones, connection),
            (bandwidths, timings, time_zones, key, attributes, media),
        )| {
            SessionDescription {
                origin,
                name,
                information,
                uri,
                emails,
                phones,
                connection,
                bandwidths,
                timings,
                time_zones,
                key,
                attributes,
                media,
            }
        },
    )
}

/// SDP-shaped noise: lines with real type letters and attribute names, random values.
fn sdp_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        (
            prop::sample::select(vec![
                "v=", "o=", "s=", "t=", "c=", "b=", "m=", "i=", "k=", "r=", "z=", "e=", "x="
            ]),
            "[ -~]{0,30}"
        )
            .prop_map(|(p, v)| format!("{p}{v}")),
        (
            prop::sample::select(vec![
                "candidate:",
                "rtpmap:",
                "fmtp:",
                "rtcp-fb:",
                "extmap:",
                "ssrc:",
                "ssrc-group:",
                "msid:",
                "rid:",
                "simulcast:",
                "fingerprint:",
                "setup:",
                "group:",
                "mid:",
                "rtcp:",
                "sctp-port:",
                "ice-options:",
                "rtcp-mux",
                "sendrecv",
                "max-message-size:",
                "connection:",
                "ice-ufrag:",
            ]),
            "[ -~]{0,40}"
        )
            .prop_map(|(p, v)| format!("a={p}{v}")),
        "[ -~\r]{0,20}",
    ];
    vec(line, 0..20).prop_map(|lines| {
        let mut s = String::from("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        for l in lines {
            s.push_str(&l);
            s.push_str("\r\n");
        }
        s
    })
}

/// A browser sample with a few random edits (insert, delete, replace at char boundaries).
fn mutated_sample() -> impl Strategy<Value = String> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    let mut samples: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    samples.sort();
    let edit = (any::<prop::sample::Index>(), 0usize..4, "[ -~]{0,3}");
    (prop::sample::select(samples), vec(edit, 1..4)).prop_map(|(mut s, edits)| {
        for (at, delete, insert) in edits {
            let chars: Vec<char> = s.chars().collect();
            let i = at.index(chars.len() + 1);
            let j = (i + delete).min(chars.len());
            s = chars[..i]
                .iter()
                .chain(insert.chars().collect::<Vec<_>>().iter())
                .chain(&chars[j..])
                .collect();
        }
        s
    })
}

/// If `s` parses, what it parses to is a fixed point of serialize-then-parse.
fn check_fixed_point(s: &str) {
    if let Ok(sdp) = SessionDescription::parse(s) {
        let text = sdp.serialize();
        let again = SessionDescription::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(again, sdp, "{text}");
        assert_eq!(again.serialize(), text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn rfc8866_5_model_roundtrip(sdp in session()) {
        let text = sdp.serialize();
        let parsed = SessionDescription::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &sdp);
        prop_assert_eq!(parsed.serialize(), text);
    }

    #[test]
    fn rfc8839_5_1_candidate_roundtrip(c in candidate()) {
        let value = c.to_string();
        prop_assert_eq!(&value.parse::<Candidate>().unwrap(), &c);
        prop_assert_eq!(&c.to_candidate_attribute().parse::<Candidate>().unwrap(), &c);
    }

    #[test]
    fn no_input_panics(s in any::<String>()) {
        check_fixed_point(&s);
        let _ = s.parse::<Candidate>();
        let _ = s.parse::<Attribute>();
    }

    #[test]
    fn no_sdp_like_input_panics_and_parses_are_fixed_points(s in sdp_like()) {
        check_fixed_point(&s);
    }

    #[test]
    fn mutated_browser_samples_never_panic_and_parses_are_fixed_points(s in mutated_sample()) {
        check_fixed_point(&s);
    }
}
