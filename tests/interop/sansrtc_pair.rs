//! Two `sansrtc` processes, signaling through the test: chat lines echoed over real loopback
//! UDP (with the offer passed as base64, which `answer` must accept), and file transfer with
//! SHA-256 on both sides, over loopback and across the two network namespaces (host candidates
//! from the interfaces, no `--bind`), sender as offerer and as answerer; and relayed candidates
//! only, through a coturn on 127.0.0.1 (`--turn ... --relay-only`). The netsim variant
//! (5% loss, a NAT on one side) lives in the peer crate's tests.
//!
//! Needs the binary and, for the namespace cases, root: run through tests/interop/run.sh.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod peers;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use base64::Engine;

/// Starts `sansrtc ARGS`, in `netns` when given.
fn sansrtc(netns: Option<&str>, args: &[&str]) -> Child {
    let bin = peers::sansrtc_bin();
    let mut cmd = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(&bin);
            c
        }
        None => Command::new(&bin),
    };
    cmd.args(args)
        .args(["--timeout", "30"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()))
}

/// stdout as a channel of lines.
fn lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next(rx: &mpsc::Receiver<String>, what: &str) -> String {
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("no {what} within 30 s"))
}

/// Waits for exit (30 s at most) and returns (exit code, stderr).
fn finish(mut child: Child) -> (Option<i32>, String) {
    let mut stderr = child.stderr.take().unwrap();
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    (code, err.join().unwrap())
}

/// Offer → answer → offerer, optionally base64-encoding the offer on the way.
fn signal(
    offerer: &mut Child,
    answerer: &mut Child,
    base64_offer: bool,
) -> (mpsc::Receiver<String>, mpsc::Receiver<String>) {
    let o_out = lines(offerer.stdout.take().unwrap());
    let a_out = lines(answerer.stdout.take().unwrap());
    let offer = next(&o_out, "offer line");
    assert!(
        offer.starts_with(r#"{"type":"offer","sdp":"v=0"#),
        "{offer}"
    );
    let offer = if base64_offer {
        base64::engine::general_purpose::STANDARD.encode(offer)
    } else {
        offer
    };
    writeln!(answerer.stdin.as_mut().unwrap(), "{offer}").unwrap();
    let answer = next(&a_out, "answer line");
    assert!(
        answer.starts_with(r#"{"type":"answer","sdp":"v=0"#),
        "{answer}"
    );
    writeln!(offerer.stdin.as_mut().unwrap(), "{answer}").unwrap();
    (o_out, a_out)
}

#[test]
fn loopback_chat_lines_come_back_from_an_echoing_answerer() {
    let mut offerer = sansrtc(None, &["offer", "--bind", "127.0.0.1"]);
    let mut answerer = sansrtc(None, &["answer", "--bind", "127.0.0.1", "--echo"]);
    let (o_out, _a_out) = signal(&mut offerer, &mut answerer, true);
    let stdin = offerer.stdin.as_mut().unwrap();
    for i in 0..100 {
        writeln!(stdin, "line {i}: {}", "x".repeat(i * 10)).unwrap();
    }
    stdin.flush().unwrap();
    for i in 0..100 {
        assert_eq!(
            next(&o_out, "echoed line"),
            format!("line {i}: {}", "x".repeat(i * 10))
        );
    }
    // End of input closes the channel; the echoing side exits when its channels are closed.
    drop(offerer.stdin.take());
    let (oc, oe) = finish(offerer);
    let (ac, ae) = finish(answerer);
    assert_eq!(oc, Some(0), "offerer: {oe}");
    assert_eq!(ac, Some(0), "answerer: {ae}");
}

/// A file of `size` pseudo-random bytes.
fn make_file(path: &Path, size: usize) {
    let mut x = 0x1234_5678_9abc_def0_u64;
    let data: Vec<u8> = (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(path, data).unwrap();
}

/// The hex digest a side printed after "sha256 ".
fn printed_sha(stderr: &str) -> String {
    let at = stderr
        .find("sha256 ")
        .unwrap_or_else(|| panic!("no sha256 in {stderr}"));
    stderr[at + 7..].chars().take(64).collect()
}

fn transfer(netns: (Option<&str>, Option<&str>), bind: &[&str], offerer_sends: bool) {
    let dir = std::env::temp_dir().join(format!(
        "sansrtc-transfer-{}-{offerer_sends}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("in")).unwrap();
    let src = dir.join("payload.bin");
    make_file(&src, 2 * 1024 * 1024 + 123);
    let src_s = src.display().to_string();
    let in_s = dir.join("in").display().to_string();
    let (send, receive) = (["--send", src_s.as_str()], ["--receive", in_s.as_str()]);
    let mut o_args = vec!["offer"];
    let mut a_args = vec!["answer"];
    if offerer_sends {
        o_args.extend(send);
        a_args.extend(receive);
    } else {
        o_args.extend(receive);
        a_args.extend(send);
    }
    o_args.extend(bind);
    a_args.extend(bind);
    let mut offerer = sansrtc(netns.0, &o_args);
    let mut answerer = sansrtc(netns.1, &a_args);
    let _outs = signal(&mut offerer, &mut answerer, false);
    let (oc, oe) = finish(offerer);
    let (ac, ae) = finish(answerer);
    assert_eq!(oc, Some(0), "offerer: {oe}");
    assert_eq!(ac, Some(0), "answerer: {ae}");
    let got = std::fs::read(dir.join("in/payload.bin")).unwrap();
    assert!(
        got == std::fs::read(&src).unwrap(),
        "the stored file differs"
    );
    assert_eq!(printed_sha(&oe), printed_sha(&ae), "{oe}\n{ae}");
    eprintln!("{oe}{ae}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loopback_file_transfer_offerer_sends() {
    transfer((None, None), &["--bind", "127.0.0.1"], true);
}

#[test]
fn namespaces_file_transfer_answerer_sends_candidates_from_interfaces() {
    let (a, b) = peers::namespaces();
    transfer((Some(&a), Some(&b)), &[], false);
}

/// A coturn on 127.0.0.1 (Debian `coturn`), killed on drop.
struct Coturn(Child, u16);

impl Coturn {
    fn start() -> Coturn {
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("turnserver")
            .args([
                "-n",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                "--min-port=49500",
                "--max-port=49600",
                "--lt-cred-mech",
                "--user=interop:interop-pass",
                "--realm=interop.test",
                "--fingerprint",
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--no-tcp-relay",
                "--allow-loopback-peers",
                &format!("--pidfile=/tmp/sansrtc-pair-coturn-{port}.pid"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver (apt-get install coturn) must be on the PATH");
        let coturn = Coturn(child, port); // killed on drop, also if it never answers
        // A Binding request until it answers (it takes a moment to start).
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        probe
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let binding = [
            0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        ];
        for _ in 0..150 {
            probe.send_to(&binding, ("127.0.0.1", port)).unwrap();
            if probe.recv_from(&mut [0; 1500]).is_ok() {
                return coturn;
            }
        }
        panic!("coturn did not answer on port {port}");
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// RFC 8656 relayed candidates only (`--relay-only`): both offer and answer carry nothing but
/// `typ relay` candidates, and chat lines still come back through coturn.
#[test]
fn loopback_relay_only_through_coturn() {
    let coturn = Coturn::start();
    let turn = format!("interop:interop-pass@127.0.0.1:{}", coturn.1);
    let args = [
        "--bind",
        "127.0.0.1",
        "--turn",
        turn.as_str(),
        "--relay-only",
    ];
    let mut offerer = sansrtc(None, &[&["offer"][..], &args].concat());
    let mut answerer = sansrtc(None, &[&["answer", "--echo"][..], &args].concat());
    let o_out = lines(offerer.stdout.take().unwrap());
    let a_out = lines(answerer.stdout.take().unwrap());
    let offer = next(&o_out, "offer line");
    writeln!(answerer.stdin.as_mut().unwrap(), "{offer}").unwrap();
    let answer = next(&a_out, "answer line");
    writeln!(offerer.stdin.as_mut().unwrap(), "{answer}").unwrap();
    for d in [&offer, &answer] {
        assert!(d.contains(" typ relay "), "{d}");
        assert!(
            !d.contains(" typ host"),
            "relay-only must hide host candidates: {d}"
        );
    }
    let stdin = offerer.stdin.as_mut().unwrap();
    for i in 0..10 {
        writeln!(stdin, "relayed {i}").unwrap();
    }
    stdin.flush().unwrap();
    for i in 0..10 {
        assert_eq!(
            next(&o_out, "echo through the relay"),
            format!("relayed {i}")
        );
    }
    drop(offerer.stdin.take());
    let (oc, oe) = finish(offerer);
    let (ac, ae) = finish(answerer);
    assert_eq!(oc, Some(0), "offerer: {oe}");
    assert_eq!(ac, Some(0), "answerer: {ae}");
}
