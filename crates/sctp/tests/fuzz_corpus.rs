//! Writes the seed corpora of the fuzz targets sctp_packet and sctp_association from a real
//! exchange: `SCTP_WRITE_CORPUS=1 cargo test -p sansrtc-sctp --test fuzz_corpus -- --ignored`.
//! The association seeds replay B's packets to an A built exactly like the fuzz target's, so
//! their TSNs and tags line up.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_sctp::{ChannelConfig, Config, DataChannels, DtlsRole, Reliability};

fn config(seed: u64) -> Config {
    let mut c = Config::with_seed(seed);
    c.receive_buffer = 256 * 1024;
    c.max_message_size = 64 * 1024;
    c.send_buffer = 512 * 1024;
    c.max_tracked_tsns = 1024;
    c
}

#[test]
#[ignore = "writes fuzz/corpus; run by hand"]
fn write_fuzz_corpus() {
    if std::env::var_os("SCTP_WRITE_CORPUS").is_none() {
        return;
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus");
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut a = DataChannels::new(config(1), DtlsRole::Client, &mut rng);
    let mut b = DataChannels::new(config(2), DtlsRole::Server, &mut rng);
    let mut now = Instant::now();
    a.connect(now);
    b.connect(now);
    let mut buf = Vec::new();
    let mut all = Vec::new();
    let mut b_to_a = Vec::new();
    let mut exchange = |a: &mut DataChannels,
                        b: &mut DataChannels,
                        now: Instant,
                        rounds: usize,
                        rec: bool,
                        b_to_a: &mut Vec<Vec<u8>>,
                        all: &mut Vec<Vec<u8>>| {
        for _ in 0..rounds {
            while let Some(n) = a.poll_transmit(now, &mut buf) {
                all.push(buf[..n].to_vec());
                b.handle_datagram(now, &buf[..n]);
            }
            while let Some(n) = b.poll_transmit(now, &mut buf) {
                all.push(buf[..n].to_vec());
                if rec {
                    b_to_a.push(buf[..n].to_vec());
                }
                a.handle_datagram(now, &buf[..n]);
            }
            while a.poll_event().is_some() {}
            while b.poll_event().is_some() {}
        }
    };
    exchange(&mut a, &mut b, now, 20, false, &mut b_to_a, &mut all);
    // What the fuzz target has done so far; now B acts and its packets are recorded.
    let id = b.create_channel(now, ChannelConfig::new("seed")).unwrap();
    let pr = b
        .create_channel(
            now,
            ChannelConfig {
                ordered: false,
                reliability: Reliability::MaxRetransmits(0),
                ..ChannelConfig::new("pr")
            },
        )
        .unwrap();
    b.send_text(now, id, "hello").unwrap();
    b.send_binary(now, id, &[7; 5000]).unwrap();
    b.send_binary(now, pr, &[9; 100]).unwrap();
    exchange(&mut a, &mut b, now, 5, true, &mut b_to_a, &mut all);
    b.close_channel(now, id).unwrap();
    exchange(&mut a, &mut b, now, 5, true, &mut b_to_a, &mut all);
    now += Duration::from_secs(31);
    b.handle_timeout(now);
    a.handle_timeout(now);
    exchange(&mut a, &mut b, now, 5, true, &mut b_to_a, &mut all);
    b.association_mut().abort(now, "seed over");
    exchange(&mut a, &mut b, now, 2, true, &mut b_to_a, &mut all);

    let dir = format!("{root}/sctp_packet");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, p) in all.iter().enumerate() {
        std::fs::write(format!("{dir}/exchange_{i:03}"), p).unwrap();
    }
    let dir = format!("{root}/sctp_association");
    std::fs::create_dir_all(&dir).unwrap();
    let mut whole = Vec::new();
    for (i, p) in b_to_a.iter().enumerate() {
        let mut step = vec![0u8];
        step.extend_from_slice(&(p.len() as u16).to_le_bytes());
        step.extend_from_slice(p);
        std::fs::write(format!("{dir}/packet_{i:03}"), &step).unwrap();
        whole.extend_from_slice(&step);
        whole.extend_from_slice(&[3, 0, 0]); // fire the next timer
    }
    std::fs::write(format!("{dir}/whole_exchange"), &whole).unwrap();
    std::fs::write(
        format!("{dir}/app_calls"),
        [
            4u8, 1, 0, 0, 5, 3, 0, 0, 1, 2, 6, 1, 0, 0, 3, 0, 0, 2, 1, 0, 200,
        ],
    )
    .unwrap();
}
