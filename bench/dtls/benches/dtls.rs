//! sansrtc-dtls against webrtc-dtls (webrtc-rs), in the same run.
//!
//! - `handshake`: a full handshake, client and server in one thread, in memory: ECDHE x25519,
//!   ECDSA P-256 certificates on both sides (mutual authentication), AES-128-GCM, EMS,
//!   use_srtp. Certificates are made once, outside the measurement. One thread, so the time is
//!   CPU time. webrtc-dtls runs on a current-thread tokio runtime over its in-memory pipe.
//! - `seal_open_1200`: one 1200-byte application data record sealed by one side and opened
//!   by the other. sansrtc through its whole endpoint API (`send_application_data`,
//!   `poll_transmit`, `handle_datagram`, `poll_application_data`); webrtc-dtls twice: its
//!   record cipher alone (`CryptoGcm::encrypt` + `decrypt`, the floor under its connection),
//!   and its connection API (`DTLSConn::write` + `read` over the pipe).
//!
//! Run: `cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-dtls` (add
//! `--features ring` for the ring provider). The ratios are printed at the end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sansrtc_bench_compare::Comparison;
use sansrtc_dtls::{Certificate, Config, Dtls, Role};

const RECORD: usize = 1200;

struct Ours {
    client: Arc<Config>,
    server: Arc<Config>,
}

impl Ours {
    fn new() -> Self {
        let provider = sansrtc_crypto::default_provider();
        let cert = |seed| {
            Arc::new(
                Certificate::generate(&provider, &mut ChaCha20Rng::seed_from_u64(seed), "bench")
                    .unwrap(),
            )
        };
        let mk = |c| {
            let mut config = Config::with_provider(provider, c);
            config.mtu = 1500;
            Arc::new(config)
        };
        Self {
            client: mk(cert(1)),
            server: mk(cert(2)),
        }
    }

    fn pair(&self, seed: u64) -> (Dtls, Dtls) {
        let mut client = Dtls::new(
            Role::Client,
            self.client.clone(),
            Box::new(ChaCha20Rng::seed_from_u64(seed)),
        )
        .unwrap();
        let mut server = Dtls::new(
            Role::Server,
            self.server.clone(),
            Box::new(ChaCha20Rng::seed_from_u64(seed + 1)),
        )
        .unwrap();
        client.set_remote_fingerprints(vec![self.server.certificate.fingerprint().clone()]);
        server.set_remote_fingerprints(vec![self.client.certificate.fingerprint().clone()]);
        (client, server)
    }

    /// Runs a handshake to completion in memory.
    fn handshake(&self, seed: u64) -> (Dtls, Dtls) {
        let (mut client, mut server) = self.pair(seed);
        let now = Instant::now();
        let mut buf = Vec::new();
        while !(client.is_connected() && server.is_connected()) {
            while let Some(n) = client.poll_transmit(now, &mut buf) {
                server.handle_datagram(now, &buf[..n]);
            }
            while let Some(n) = server.poll_transmit(now, &mut buf) {
                client.handle_datagram(now, &buf[..n]);
            }
            assert!(client.error().is_none() && server.error().is_none());
        }
        (client, server)
    }
}

mod theirs {
    use std::sync::Arc;

    use webrtc_dtls::cipher_suite::CipherSuiteId;
    use webrtc_dtls::config::{ClientAuthType, Config, ExtendedMasterSecretType};
    use webrtc_dtls::conn::DTLSConn;
    use webrtc_dtls::crypto::Certificate;
    use webrtc_dtls::extension::extension_use_srtp::SrtpProtectionProfile;
    use webrtc_util::conn::conn_pipe::pipe;

    pub fn configs() -> (Config, Config) {
        let mk = |name: &str, client: bool| Config {
            certificates: vec![Certificate::generate_self_signed(vec![name.to_owned()]).unwrap()],
            cipher_suites: vec![CipherSuiteId::Tls_Ecdhe_Ecdsa_With_Aes_128_Gcm_Sha256],
            srtp_protection_profiles: vec![SrtpProtectionProfile::Srtp_Aead_Aes_128_Gcm],
            extended_master_secret: ExtendedMasterSecretType::Require,
            client_auth: if client {
                ClientAuthType::NoClientCert
            } else {
                ClientAuthType::RequireAnyClientCert
            },
            // WebRTC checks the fingerprint, not a CA chain (as sansrtc does).
            insecure_skip_verify: true,
            server_name: "bench".to_owned(),
            mtu: 1500,
            ..Default::default()
        };
        (mk("client", true), mk("server", false))
    }

    pub async fn handshake(client: Config, server: Config) -> (DTLSConn, DTLSConn) {
        let (a, b) = pipe();
        let c = tokio::spawn(async move {
            DTLSConn::new(Arc::new(a), client, true, None)
                .await
                .unwrap()
        });
        let s = DTLSConn::new(Arc::new(b), server, false, None)
            .await
            .unwrap();
        (c.await.unwrap(), s)
    }
}

fn bench_handshake(c: &mut Criterion) -> Comparison {
    let ours = Ours::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (tc, ts) = theirs::configs();
    let mut g = c.benchmark_group("handshake");
    g.sample_size(30).measurement_time(Duration::from_secs(6));
    let mut seed = 0u64;
    g.bench_function("sansrtc", |b| {
        b.iter(|| {
            seed += 2;
            black_box(ours.handshake(seed))
        })
    });
    g.bench_function("webrtc-dtls", |b| {
        b.iter(|| rt.block_on(theirs::handshake(tc.clone(), ts.clone())))
    });
    g.finish();
    // The printed ratio: interleaved rounds on the thread's CPU clock (see bench/compare).
    sansrtc_bench_compare::compare(
        || {
            seed += 2;
            ours.handshake(seed)
        },
        || rt.block_on(theirs::handshake(tc.clone(), ts.clone())),
    )
}

fn bench_seal_open(c: &mut Criterion) -> (Comparison, Comparison) {
    let ours = Ours::new();
    let (mut client, mut server) = ours.handshake(1000);
    let payload = vec![0xa5u8; RECORD];
    let now = Instant::now();
    let mut wire = Vec::new();
    let mut app = Vec::new();
    let mut ours_once = move || {
        client.send_application_data(&payload).unwrap();
        let n = client.poll_transmit(now, &mut wire).unwrap();
        server.handle_datagram(now, &wire[..n]);
        let m = server.poll_application_data(&mut app).unwrap();
        assert_eq!(m, RECORD);
    };

    use webrtc_dtls::content::ContentType;
    use webrtc_dtls::crypto::crypto_gcm::CryptoGcm;
    use webrtc_dtls::record_layer::record_layer_header::{
        ProtocolVersion, RECORD_LAYER_HEADER_SIZE, RecordLayerHeader,
    };
    let key = [7u8; 16];
    let iv = [9u8; 4];
    let sender = CryptoGcm::new(&key, &iv, &key, &iv);
    let receiver = CryptoGcm::new(&key, &iv, &key, &iv);
    let mut seq = 0u64;
    let mut theirs_record_once = move || {
        seq += 1;
        let header = RecordLayerHeader {
            content_type: ContentType::ApplicationData,
            protocol_version: ProtocolVersion {
                major: 0xfe,
                minor: 0xfd,
            },
            epoch: 1,
            sequence_number: seq,
            content_len: RECORD as u16,
        };
        let mut raw = vec![0u8; RECORD_LAYER_HEADER_SIZE + RECORD];
        let mut w = std::io::Cursor::new(&mut raw[..]);
        header.marshal(&mut w).unwrap();
        let sealed = sender.encrypt(&header, &raw).unwrap();
        let opened = receiver.decrypt(&sealed).unwrap();
        assert_eq!(opened.len(), RECORD_LAYER_HEADER_SIZE + RECORD);
    };

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (tc, ts) = theirs::configs();
    let (conn_c, conn_s) = rt.block_on(theirs::handshake(tc, ts));
    let payload = vec![0xa5u8; RECORD];
    let mut read_buf = vec![0u8; 2048];
    let mut theirs_conn_once = || {
        rt.block_on(async {
            conn_c.write(&payload, None).await.unwrap();
            let n = conn_s.read(&mut read_buf, None).await.unwrap();
            assert_eq!(n, RECORD);
        })
    };

    let mut g = c.benchmark_group("seal_open_1200");
    g.throughput(Throughput::Bytes(RECORD as u64));
    g.bench_function("sansrtc/endpoint", |b| b.iter(&mut ours_once));
    g.bench_function("webrtc-dtls/record", |b| b.iter(&mut theirs_record_once));
    g.bench_function("webrtc-dtls/conn", |b| b.iter(&mut theirs_conn_once));
    g.finish();

    (
        sansrtc_bench_compare::compare(&mut ours_once, &mut theirs_record_once),
        sansrtc_bench_compare::compare(&mut ours_once, &mut theirs_conn_once),
    )
}

fn benches(c: &mut Criterion) {
    let handshake = bench_handshake(c);
    let (record, conn) = bench_seal_open(c);
    let mib = |ns: f64| RECORD as f64 / (ns * 1e-9) / (1024.0 * 1024.0);
    println!(
        "\n== sansrtc-dtls vs webrtc-dtls 0.12, CPU time, provider {} ==",
        sansrtc_crypto::default_provider().name
    );
    handshake.print("handshake", "webrtc-dtls");
    record.print("seal+open 1200B", "webrtc-dtls record cipher");
    conn.print("seal+open 1200B", "webrtc-dtls DTLSConn");
    println!(
        "seal+open 1200B throughput: sansrtc {:.0} MiB/s, webrtc-dtls record cipher {:.0} MiB/s, webrtc-dtls DTLSConn {:.0} MiB/s",
        mib(record.ours_ns),
        mib(record.theirs_ns),
        mib(conn.theirs_ns)
    );
}

criterion_group!(group, benches);

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
}
