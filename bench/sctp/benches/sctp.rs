//! Association-to-association throughput in memory, 1200-byte MTU, reliable ordered messages of
//! 1 KiB and 64 KiB: sansrtc-sctp against webrtc-sctp (crates.io) in the same run.
//!
//! cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-sctp
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sansrtc_bench_sctp::Pipe;
use webrtc_sctp::association::{Association, Config};
use webrtc_sctp::chunk::chunk_payload_data::PayloadProtocolIdentifier;

const TOTAL: usize = 16 * 1024 * 1024;

fn sansrtc(size: usize, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut p = Pipe::new();
        let t = Instant::now();
        p.transfer(size, TOTAL);
        total += t.elapsed();
    }
    total
}

async fn webrtc_transfer(size: usize) -> Duration {
    let (ca, cb) = webrtc_util::conn::conn_pipe::pipe();
    let cfg = |conn: Arc<dyn webrtc_util::Conn + Send + Sync>, name: &str| Config {
        net_conn: conn,
        max_receive_buffer_size: 4 * 1024 * 1024,
        max_message_size: 256 * 1024,
        name: name.to_owned(),
        local_port: 5000,
        remote_port: 5000,
        mtu: 1200,
    };
    let server = tokio::spawn(async move {
        Association::server(cfg(Arc::new(cb), "server"))
            .await
            .unwrap()
    });
    let client = Association::client(cfg(Arc::new(ca), "client"))
        .await
        .unwrap();
    let server = server.await.unwrap();
    let tx = client
        .open_stream(0, PayloadProtocolIdentifier::Binary)
        .await
        .unwrap();
    // The stream exists on the server side once the first message arrives.
    tx.write(&Bytes::from(vec![0u8; 1])).await.unwrap();
    let rx = server.accept_stream().await.unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    rx.read(&mut buf).await.unwrap();
    let msg = Bytes::from(vec![0xa5u8; size]);
    let t = Instant::now();
    let writer = tokio::spawn(async move {
        let mut sent = 0;
        while sent < TOTAL {
            // Keep the send buffer bounded like the sansrtc driver does.
            while tx.buffered_amount() > 4 * 1024 * 1024 {
                tokio::time::sleep(Duration::from_micros(50)).await;
            }
            tx.write(&msg).await.unwrap();
            sent += size;
        }
        tx
    });
    let mut received = 0;
    while received < TOTAL {
        received += rx.read(&mut buf).await.unwrap();
    }
    let elapsed = t.elapsed();
    let _tx = writer.await.unwrap();
    client.close().await.ok();
    server.close().await.ok();
    elapsed
}

fn webrtc(size: usize, iters: u64) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        total += rt.block_on(webrtc_transfer(size));
    }
    total
}

fn throughput(c: &mut Criterion) {
    let mut g = c.benchmark_group("sctp_throughput");
    g.throughput(Throughput::Bytes(TOTAL as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    for size in [1024usize, 64 * 1024] {
        g.bench_with_input(BenchmarkId::new("sansrtc", size), &size, |b, &s| {
            b.iter_custom(|n| sansrtc(s, n))
        });
        g.bench_with_input(BenchmarkId::new("webrtc-sctp", size), &size, |b, &s| {
            b.iter_custom(|n| webrtc(s, n))
        });
    }
    g.finish();
    // The ratio, measured once more outside criterion so it prints in one line.
    for size in [1024usize, 64 * 1024] {
        let ours = sansrtc(size, 3) / 3;
        let theirs = webrtc(size, 3) / 3;
        let mbps = |d: Duration| TOTAL as f64 * 8.0 / d.as_secs_f64() / 1e6;
        println!(
            "sctp {size:>6} B messages: sansrtc {:.0} Mbit/s, webrtc-sctp {:.0} Mbit/s, ratio {:.2}x",
            mbps(ours),
            mbps(theirs),
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
}

criterion_group!(benches, throughput);
criterion_main!(benches);
