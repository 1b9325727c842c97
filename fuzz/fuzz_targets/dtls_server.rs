//! A DTLS server fed an arbitrary sequence of datagrams and timeouts: no panic, and memory
//! stays within the configured bounds.
//!
//! Input: one byte of options (bit 0: cookie exchange, bit 1: the client's fingerprint is known
//! before the handshake, bit 2: MTU 576), then chunks of `[flags][len: u16 BE][datagram]`
//! (flags bit 0: advance the clock by 1.5 s and call handle_timeout first; bit 1: call
//! set_remote_fingerprints now). Certificates and RNGs are seeded the same way as the seed
//! corpus writer (crates/dtls/tests/fuzz_corpus.rs), so recorded client flights complete the
//! handshake and reach the connected state.

#![no_main]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_dtls::{Certificate, Config, Dtls, Role};

struct Fixture {
    server: Arc<Certificate>,
    client: Arc<Certificate>,
    start: Instant,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let p = sansrtc_crypto::default_provider();
        let cert = |seed| {
            Arc::new(
                Certificate::generate(&p, &mut ChaCha20Rng::seed_from_u64(seed), "fuzz").unwrap(),
            )
        };
        Fixture {
            server: cert(1),
            client: cert(3),
            start: Instant::now(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&options, mut rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let mut config = Config::new(f.server.clone());
    config.cookie_exchange = options & 1 != 0;
    if options & 4 != 0 {
        config.mtu = 576;
    }
    let limit = 10 * config.max_handshake_message_len + config.max_received_application_data;
    let mut server = Dtls::new(
        Role::Server,
        Arc::new(config),
        Box::new(ChaCha20Rng::seed_from_u64(2)),
    )
    .unwrap();
    if options & 2 != 0 {
        server.set_remote_fingerprints(vec![f.client.fingerprint().clone()]);
    }
    let mut now = f.start;
    let mut buf = Vec::new();
    while let [flags, a, b, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*a, *b])).min(tail.len());
        let (datagram, tail) = tail.split_at(len);
        rest = tail;
        if flags & 1 != 0 {
            now += Duration::from_millis(1500);
            server.handle_timeout(now);
        }
        if flags & 2 != 0 {
            server.set_remote_fingerprints(vec![f.client.fingerprint().clone()]);
        }
        server.handle_datagram(now, datagram);
        while let Some(n) = server.poll_transmit(now, &mut buf) {
            assert!(n <= 1200 || server.is_connected());
        }
        while server.poll_event().is_some() {}
        while server.poll_application_data(&mut buf).is_some() {}
        assert!(
            server.buffered_bytes() <= limit,
            "{} > {limit}",
            server.buffered_bytes()
        );
        if server.is_connected() {
            let _ = server.send_application_data(b"fuzz");
            let mut out = [0u8; 60];
            server
                .export_keying_material("EXTRACTOR-dtls_srtp", &mut out)
                .unwrap();
        }
    }
});
