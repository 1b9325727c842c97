//! The peer benchmark: sansrtc, str0m and webrtc-rs move 64 MiB over a data channel between
//! two peers in one process on loopback UDP; each implementation runs in a child process of
//! its own (src/bin/peer-child-*) so that its peak RSS is its own, code pages included. Prints
//! one table with ratios to sansrtc.
//!
//!   cargo bench --manifest-path bench/Cargo.toml -p sansrtc-bench-peer [-- sansrtc str0m webrtc-rs]
//!
//! `--runs N` repeats each (default 3) and the table shows the median run by throughput.

use std::process::Command;
use std::time::Duration;

// `sansrtc` runs on the default provider (RustCrypto), `sansrtc-ring` on the `ring` provider
// (ring AES-GCM and ECDSA, RustCrypto HMAC-SHA1): str0m's anchor uses aws-lc-rs, so the second
// row is the like-for-like comparison of native-assembly crypto.
const IMPLS: [&str; 4] = ["sansrtc", "sansrtc-ring", "str0m", "webrtc-rs"];

#[derive(Debug, Clone)]
struct Row {
    setup: Duration,
    mib_s: f64,
    cpu_per_64: f64,
    rss_mib: f64,
    drops: (u64, u64),
    stalls: u32,
    max_gap: Duration,
}

fn parse(line: &str) -> Option<Row> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    let (setup, transfer, bytes, cpu, rss) = (n(2)?, n(3)?, n(4)?, n(5)?, n(6)?);
    let secs = transfer as f64 / 1e9;
    let mib = bytes as f64 / (1024.0 * 1024.0);
    Some(Row {
        setup: Duration::from_nanos(setup),
        mib_s: mib / secs,
        cpu_per_64: cpu as f64 / 1e9 * 64.0 / mib.max(1e-9),
        rss_mib: rss as f64 / 1024.0,
        drops: (n(7)?, n(8)?),
        stalls: u32::try_from(n(9)?).ok()?,
        max_gap: Duration::from_nanos(n(10)?),
    })
}

/// The child binary (and its argument) that runs `name`: one binary per implementation, so a
/// child's peak RSS holds only its own code pages.
fn child_command(name: &str) -> Option<(&'static str, &'static [&'static str])> {
    Some(match name {
        "sansrtc" => (env!("CARGO_BIN_EXE_peer-child-sansrtc"), &[]),
        "sansrtc-ring" => (env!("CARGO_BIN_EXE_peer-child-sansrtc"), &["ring"]),
        "str0m" => (env!("CARGO_BIN_EXE_peer-child-str0m"), &[]),
        "webrtc-rs" => (env!("CARGO_BIN_EXE_peer-child-webrtc-rs"), &[]),
        _ => return None,
    })
}

fn run_child(name: &str) -> Result<Row, String> {
    let (exe, args) =
        child_command(name).ok_or_else(|| format!("unknown implementation {name}"))?;
    let out = Command::new("timeout")
        .arg("150")
        .arg(exe)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .and_then(parse)
        .ok_or_else(|| {
            format!(
                "{name} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )
        })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(3usize);
    let wanted: Vec<&str> = IMPLS
        .iter()
        .copied()
        .filter(|i| {
            !args.iter().any(|a| IMPLS.contains(&a.as_str())) || args.iter().any(|a| a == i)
        })
        .collect();
    println!(
        "peer: 2 peers in one process over loopback UDP, 1 reliable ordered channel, 64 MiB in 16 KiB messages, \
         buffered amount ≤ 1 MiB; median of {runs} runs by throughput, each run its own process"
    );
    let mut rows: Vec<(&str, Result<Row, String>)> = Vec::new();
    for name in wanted {
        let mut ok = Vec::new();
        let mut last_err = None;
        for _ in 0..runs {
            match run_child(name) {
                Ok(r) => ok.push(r),
                Err(e) => last_err = Some(e),
            }
        }
        ok.sort_by(|a, b| a.mib_s.total_cmp(&b.mib_s));
        let row = ok
            .get(ok.len() / 2)
            .cloned()
            .ok_or_else(|| last_err.unwrap_or_default());
        rows.push((name, row));
    }
    let base = rows
        .iter()
        .find(|(n, _)| *n == "sansrtc")
        .and_then(|(_, r)| r.as_ref().ok())
        .cloned();
    println!(
        "{:<12} {:>10} {:>11} {:>13} {:>9} {:>13} {:>7} {:>9}",
        "impl", "setup", "MiB/s", "CPU-s/64MiB", "RSS MiB", "UDP drops", "stalls", "max gap"
    );
    for (name, row) in &rows {
        match row {
            Ok(r) => println!(
                "{:<12} {:>7.2} ms {:>11.1} {:>13.3} {:>9.1} {:>6}/{:<6} {:>7} {:>6.0} ms",
                name,
                r.setup.as_secs_f64() * 1e3,
                r.mib_s,
                r.cpu_per_64,
                r.rss_mib,
                r.drops.0,
                r.drops.1,
                r.stalls,
                r.max_gap.as_secs_f64() * 1e3
            ),
            Err(e) => println!("{name:<12} FAILED: {e}"),
        }
    }
    if let Some(b) = base {
        println!(
            "ratios other ÷ sansrtc (sansrtc does better where setup, CPU and RSS are above 1 and throughput below 1):"
        );
        for (name, row) in &rows {
            if let (Ok(r), true) = (row, *name != "sansrtc") {
                println!(
                    "  {:<12} setup {:>6.2}x  throughput {:>6.2}x  CPU {:>6.2}x  RSS {:>6.2}x",
                    name,
                    r.setup.as_secs_f64() / b.setup.as_secs_f64().max(1e-12),
                    r.mib_s / b.mib_s.max(1e-12),
                    r.cpu_per_64 / b.cpu_per_64.max(1e-12),
                    r.rss_mib / b.rss_mib.max(1e-12)
                );
            }
        }
    }
}
