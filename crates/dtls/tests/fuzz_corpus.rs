//! Writes the seed corpora of the dtls fuzz targets (fuzz/corpus/dtls_*): real handshakes
//! recorded with the seeds fuzz/fuzz_targets/dtls_server.rs uses, so the fuzzer starts from
//! inputs that reach every server state. Run with
//! `cargo test -p sansrtc-dtls --test fuzz_corpus -- --ignored`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_dtls::record::{ContentType, Records};
use sansrtc_dtls::{Certificate, Config, Dtls, Role};

fn corpus(target: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cert(seed: u64) -> Arc<Certificate> {
    let p = sansrtc_crypto::default_provider();
    Arc::new(Certificate::generate(&p, &mut ChaCha20Rng::seed_from_u64(seed), "fuzz").unwrap())
}

/// Records what the client sends in a full handshake plus some application data.
fn record(options: u8) -> Vec<Vec<u8>> {
    let (server_cert, client_cert) = (cert(1), cert(3));
    let mut sc = Config::new(server_cert.clone());
    sc.cookie_exchange = options & 1 != 0;
    let mut cc = Config::new(client_cert.clone());
    if options & 4 != 0 {
        sc.mtu = 576;
        cc.mtu = 576;
    }
    let mut server = Dtls::new(
        Role::Server,
        Arc::new(sc),
        Box::new(ChaCha20Rng::seed_from_u64(2)),
    )
    .unwrap();
    let mut client = Dtls::new(
        Role::Client,
        Arc::new(cc),
        Box::new(ChaCha20Rng::seed_from_u64(4)),
    )
    .unwrap();
    client.set_remote_fingerprints(vec![server_cert.fingerprint().clone()]);
    if options & 2 != 0 {
        server.set_remote_fingerprints(vec![client_cert.fingerprint().clone()]);
    }
    let mut run = common::Lockstep::new(client, server);
    let mut sent = Vec::new();
    let log = std::cell::RefCell::new(&mut sent);
    run.run(Duration::from_secs(5), |from_client, _, d| {
        if from_client {
            log.borrow_mut().push(d.to_vec());
        }
        true
    });
    assert!(run.client.connected());
    run.client
        .dtls
        .send_application_data(b"hello fuzzer")
        .unwrap();
    run.client.dtls.close();
    let mut buf = Vec::new();
    while let Some(n) = run.client.dtls.poll_transmit(run.now, &mut buf) {
        sent.push(buf[..n].to_vec());
    }
    sent
}

#[test]
#[ignore = "writes fuzz/corpus; run by hand after changing the handshake"]
fn write_dtls_seed_corpora() {
    let mut all_datagrams = Vec::new();
    for options in [0b000u8, 0b001, 0b010, 0b011, 0b110] {
        let datagrams = record(options);
        let mut input = vec![options];
        let last = datagrams.len() - 1;
        for (i, d) in datagrams.iter().enumerate() {
            // Without a known fingerprint, give it with the last datagram.
            input.push(if options & 2 == 0 && i == last { 2 } else { 0 });
            input.extend_from_slice(&(d.len() as u16).to_be_bytes());
            input.extend_from_slice(d);
        }
        std::fs::write(
            corpus("dtls_server").join(format!("handshake-{options:03b}")),
            input,
        )
        .unwrap();
        all_datagrams.extend(datagrams);
    }
    for file in [
        "chromium156_dtls_clienthello.hex",
        "aiortc116_dtls12_clienthello.hex",
    ] {
        let text =
            std::fs::read_to_string(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let mut input = vec![0u8];
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let d = hex::decode(line.trim()).unwrap();
            input.push(0);
            input.extend_from_slice(&(d.len() as u16).to_be_bytes());
            input.extend_from_slice(&d);
            all_datagrams.push(d);
        }
        std::fs::write(
            corpus("dtls_server").join(file.trim_end_matches(".hex")),
            input,
        )
        .unwrap();
    }
    for (i, d) in all_datagrams.iter().enumerate() {
        std::fs::write(corpus("dtls_record").join(format!("datagram-{i:02}")), d).unwrap();
        for (j, r) in Records::new(d).enumerate() {
            let r = r.unwrap();
            if r.header.content_type == ContentType::Handshake && r.header.epoch == 0 {
                std::fs::write(
                    corpus("dtls_handshake").join(format!("record-{i:02}-{j}")),
                    r.fragment,
                )
                .unwrap();
            }
        }
    }
}
