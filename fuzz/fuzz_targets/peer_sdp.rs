//! Remote descriptions and trickled candidates from the peer, arbitrary or mutated from a
//! Chromium offer: accepted as an offer by a fresh Peer and as the answer to our offer. A
//! panic is a bug; an accepted description must yield an answer that parses back to itself,
//! and a refused one must leave the peer able to accept a good one.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use sansrtc_peer::{Certificate, Config, Peer, SessionDescription};

const TEMPLATE: &str = "v=0\r\n\
o=- 5045740124855181843 2 IN IP4 127.0.0.1\r\n\
s=-\r\n\
t=0 0\r\n\
a=group:BUNDLE 0 1\r\n\
a=msid-semantic: WMS\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n\
c=IN IP4 0.0.0.0\r\n\
a=mid:0\r\n\
a=rtpmap:111 opus/48000/2\r\n\
a=ice-ufrag:lGDp\r\n\
a=ice-pwd:MVTOoWeBxlLQ+J9vlaPsJ3h3\r\n\
a=fingerprint:sha-256 1E:34:08:E2:6A:70:F1:D5:36:4B:B1:FA:08:15:A8:AF:BB:D6:ED:80:36:9B:3C:27:56:90:53:E8:0F:0B:74:4B\r\n\
a=setup:actpass\r\n\
m=application 50337 UDP/DTLS/SCTP webrtc-datachannel\r\n\
c=IN IP4 10.99.0.1\r\n\
a=candidate:2048997512 1 udp 2122194687 10.99.0.1 50337 typ host generation 0 network-id 1\r\n\
a=candidate:82762256 1 tcp 1518214911 10.99.0.1 9 typ host tcptype active generation 0 network-id 1\r\n\
a=end-of-candidates\r\n\
a=ice-ufrag:lGDp\r\n\
a=ice-pwd:MVTOoWeBxlLQ+J9vlaPsJ3h3\r\n\
a=ice-options:trickle\r\n\
a=fingerprint:sha-256 1E:34:08:E2:6A:70:F1:D5:36:4B:B1:FA:08:15:A8:AF:BB:D6:ED:80:36:9B:3C:27:56:90:53:E8:0F:0B:74:4B\r\n\
a=setup:actpass\r\n\
a=mid:1\r\n\
a=sctp-port:5000\r\n\
a=max-message-size:262144\r\n";

#[derive(Arbitrary, Debug)]
enum Edit {
    Delete(u8),
    Duplicate(u8),
    Replace(u8, String),
    Insert(u8, String),
}

#[derive(Arbitrary, Debug)]
enum Input {
    /// Raw text.
    Raw {
        text: String,
        as_answer: bool,
        candidates: Vec<String>,
    },
    /// Line edits of the template.
    Edits {
        edits: Vec<Edit>,
        as_answer: bool,
        candidates: Vec<(String, Option<String>)>,
    },
}

fn certificate() -> &'static Arc<Certificate> {
    static CERT: OnceLock<Arc<Certificate>> = OnceLock::new();
    CERT.get_or_init(|| {
        let provider = sansrtc_crypto::default_provider();
        Arc::new(Certificate::generate(&provider, &mut ChaCha20Rng::seed_from_u64(3), "f").unwrap())
    })
}

fn peer() -> Peer {
    let mut config = Config::new(["192.0.2.1:5000".parse().unwrap()], 1);
    config.certificate = Some(Arc::clone(certificate()));
    Peer::new(config, &mut ChaCha20Rng::seed_from_u64(1)).unwrap()
}

fn apply(text: &str, as_answer: bool, candidates: &[(String, Option<String>)]) {
    let now = Instant::now();
    let mut p = peer();
    let result = if as_answer {
        p.create_offer(now).unwrap();
        p.accept_answer(now, text).map(|()| None)
    } else {
        p.accept_offer(now, text).map(Some)
    };
    match result {
        Ok(Some(answer)) => {
            let s = answer.to_string();
            assert_eq!(SessionDescription::parse(&s).unwrap(), answer, "{s}");
        }
        Ok(None) => {}
        Err(_) => {
            // Refused: the peer is unchanged and still takes a good description.
            if !as_answer {
                p.accept_offer(now, TEMPLATE).unwrap();
            }
        }
    }
    for (c, mid) in candidates.iter().take(16) {
        let _ = p.add_remote_candidate(now, c, mid.as_deref());
    }
    let mut buf = Vec::new();
    let mut n = 0;
    while p.poll_transmit(now, &mut buf).is_some() {
        n += 1;
        assert!(n < 10_000);
    }
    while p.poll_event().is_some() {}
    let _ = p.local_description();
}

fuzz_target!(|input: Input| {
    match input {
        Input::Raw {
            text,
            as_answer,
            candidates,
        } => {
            let candidates: Vec<_> = candidates.into_iter().map(|c| (c, None)).collect();
            apply(&text, as_answer, &candidates);
        }
        Input::Edits {
            edits,
            as_answer,
            candidates,
        } => {
            let mut lines: Vec<String> = TEMPLATE.lines().map(str::to_owned).collect();
            for e in edits.into_iter().take(32) {
                let n = lines.len().max(1);
                match e {
                    Edit::Delete(i) => {
                        if !lines.is_empty() {
                            lines.remove(usize::from(i) % n);
                        }
                    }
                    Edit::Duplicate(i) => {
                        if let Some(l) = lines.get(usize::from(i) % n).cloned() {
                            lines.insert(usize::from(i) % n, l);
                        }
                    }
                    Edit::Replace(i, s) => {
                        if let Some(l) = lines.get_mut(usize::from(i) % n) {
                            *l = s;
                        }
                    }
                    Edit::Insert(i, s) => lines.insert(usize::from(i) % (lines.len() + 1), s),
                }
            }
            let mut text = lines.join("\r\n");
            text.push_str("\r\n");
            apply(&text, as_answer, &candidates);
        }
    }
});
