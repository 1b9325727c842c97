//! The harness shared by the data-channel interop tests: it starts two WebRTC peers as processes,
//! one in each of the network namespaces `tests/interop/netns_setup.sh` creates, and relays their
//! session descriptions between them.
//!
//! Every peer speaks the signaling contract of `sansrtc offer` / `sansrtc answer`: it writes its
//! description as one JSON line (`{"type":"offer","sdp":"..."}`) on stdout once its candidates
//! are gathered, and reads the remote's on stdin. One peer *drives* a test case
//! (`chromium_peer.js` or `aiortc_peer.py --mode drive --case NAME`, printing a `result` line);
//! the other *serves*: the `sansrtc` binary, or the other script in `--mode echo`, which behaves
//! like the binary so that the harness is first proven on Chromium ↔ aiortc.
//!
//! Environment (tests/interop/run.sh sets it): `SANSRTC_BIN` (default
//! `$CARGO_TARGET_DIR/debug/sansrtc`), `NODE_PATH` with playwright-core, `AIORTC_PY` (a python
//! with aiortc), `INTEROP_NS_A`/`INTEROP_NS_B` (default `srtc-a`/`srtc-b`).

#![allow(dead_code)] // each test target uses part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// Which end of the offer/answer a process plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Writes the offer, reads the answer.
    Offer,
    /// Reads the offer, writes the answer.
    Answer,
}

impl Role {
    fn arg(self) -> &'static str {
        match self {
            Role::Offer => "offer",
            Role::Answer => "answer",
        }
    }
    fn other(self) -> Role {
        match self {
            Role::Offer => Role::Answer,
            Role::Answer => Role::Offer,
        }
    }
}

/// A WebRTC implementation the harness can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// Headless Debian Chromium (`chromium_peer.js`); `mdns` leaves host-IP obfuscation on.
    Chromium { mdns: bool },
    /// PyPI aiortc (`aiortc_peer.py`).
    Aiortc,
    /// The `sansrtc` binary of this repository.
    Sansrtc,
}

/// The line the harness writes to the serving side in `close-remote` (cases.js `BYE`).
const BYE: &str = "bye from the echo side";
/// cases.js `NEGOTIATED_ID`.
const NEGOTIATED_ID: &str = "7";
/// Each peer's own timeout, seconds; the harness allows a little more.
const PEER_TIMEOUT_S: u64 = 45;

pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}

/// The `sansrtc` binary under test.
pub fn sansrtc_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SANSRTC_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("debug/sansrtc")
}

/// The namespace names (tests/interop/netns_setup.sh).
pub fn namespaces() -> (String, String) {
    (
        std::env::var("INTEROP_NS_A").unwrap_or_else(|_| "srtc-a".into()),
        std::env::var("INTEROP_NS_B").unwrap_or_else(|_| "srtc-b".into()),
    )
}

/// The command line that starts `imp` as a driver of `case` or as the serving side.
fn command(imp: Impl, role: Role, drive: Option<&str>, serve_args: &[&str]) -> Vec<String> {
    let s = |x: &str| x.to_string();
    let mut cmd: Vec<String> = match imp {
        Impl::Chromium { .. } => vec![
            s("node"),
            dir().join("chromium_peer.js").display().to_string(),
        ],
        Impl::Aiortc => vec![
            std::env::var("AIORTC_PY").unwrap_or_else(|_| "python3".into()),
            dir().join("aiortc_peer.py").display().to_string(),
        ],
        Impl::Sansrtc => vec![sansrtc_bin().display().to_string(), s(role.arg())],
    };
    if imp != Impl::Sansrtc {
        cmd.extend([s("--role"), s(role.arg())]);
        match drive {
            Some(case) => cmd.extend([s("--mode"), s("drive"), s("--case"), s(case)]),
            None => cmd.extend([s("--mode"), s("echo")]),
        }
    }
    if imp == (Impl::Chromium { mdns: true }) {
        cmd.push(s("--mdns"));
    }
    cmd.extend([s("--timeout"), PEER_TIMEOUT_S.to_string()]);
    cmd.extend(serve_args.iter().map(|a| s(a)));
    cmd
}

/// What the serving side is started with for `case`.
fn serve_args(case: &str) -> Vec<&'static str> {
    match case {
        "close-remote" => vec![],
        "negotiated" => vec!["--echo", "--negotiated", NEGOTIATED_ID],
        _ => vec!["--echo"],
    }
}

/// One line of output from one of the two processes, or its end.
#[derive(Debug)]
enum Line {
    Stdout(Who, String),
    Eof(Who),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Driver,
    Server,
}

/// A started peer process (its own process group, killed with it on drop).
struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Option<thread::JoinHandle<String>>,
}

impl Proc {
    fn spawn(
        name: String,
        netns: &str,
        argv: &[String],
        who: Who,
        lines: mpsc::Sender<Line>,
    ) -> Proc {
        use std::os::unix::process::CommandExt;
        let mut child = Command::new("ip")
            .args(["netns", "exec", netns])
            .args(argv)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name} ({argv:?}): {e}"));
        let stdout = child.stdout.take().unwrap();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines.send(Line::Stdout(who, line)).is_err() {
                    return;
                }
            }
            let _ = lines.send(Line::Eof(who));
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        let stdin = child.stdin.take();
        Proc {
            name,
            child,
            stdin,
            stderr: Some(stderr),
        }
    }

    fn write_line(&mut self, line: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            // A peer that already exited is reported by its exit status, not here.
            let _ = writeln!(stdin, "{line}").and_then(|()| stdin.flush());
        }
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the exit until `deadline`; kills the process group after it.
    fn wait(&mut self, deadline: Instant) -> Option<i32> {
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code().or(Some(-1));
            }
            if Instant::now() >= deadline {
                self.kill();
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        let pgid = self.child.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .status();
        let _ = self.child.wait();
    }

    /// Everything the process wrote to stderr (call after it exited).
    fn stderr(&mut self) -> String {
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The driver's `result` line.
    pub result: serde_json::Value,
    /// The driver's exit code (`None`: killed after the deadline).
    pub driver_exit: Option<i32>,
    /// The serving side's exit code.
    pub server_exit: Option<i32>,
    /// The serving side's stderr.
    pub server_stderr: String,
    /// The driver's stderr.
    pub driver_stderr: String,
    /// Offer and answer as exchanged (after any deliberate corruption).
    pub offer: String,
    /// The answer.
    pub answer: String,
}

impl Outcome {
    fn report(&self) -> String {
        format!(
            "driver exit {:?}, result {}\n--- driver stderr\n{}\n--- server exit {:?}, stderr\n{}\n--- offer\n{}\n--- answer\n{}",
            self.driver_exit,
            self.result,
            tail(&self.driver_stderr),
            self.server_exit,
            tail(&self.server_stderr),
            self.offer,
            self.answer
        )
    }
}

fn tail(s: &str) -> &str {
    let start = s.len().saturating_sub(4000);
    let start = (start..s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    &s[start..]
}

/// Replaces the first hex digit of every `a=fingerprint` in the description (a JSON line).
pub fn corrupt_fingerprint(description: &str) -> String {
    let mut d: serde_json::Value = serde_json::from_str(description).unwrap();
    let sdp = d["sdp"].as_str().unwrap().to_string();
    let mut out = String::with_capacity(sdp.len());
    let mut changed = 0;
    for line in sdp.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("a=fingerprint:") {
            let (hash, value) = rest.split_once(' ').unwrap();
            let mut chars: Vec<char> = value.chars().collect();
            chars[0] = if chars[0] == '0' { '1' } else { '0' };
            out.push_str(&format!(
                "a=fingerprint:{hash} {}",
                chars.iter().collect::<String>()
            ));
            changed += 1;
        } else {
            out.push_str(line);
        }
    }
    assert!(changed > 0, "no a=fingerprint in {sdp}");
    d["sdp"] = serde_json::Value::String(out);
    d.to_string()
}

/// Runs `case` with `driver` (in namespace A, playing `driver_role`) against `server` (in
/// namespace B, the other role) and returns what happened.
pub fn run(driver: Impl, driver_role: Role, server: Impl, case: &str) -> Outcome {
    let (ns_a, ns_b) = namespaces();
    let (tx, rx) = mpsc::channel();
    let server_role = driver_role.other();
    let serve = serve_args(case);
    let mut s = Proc::spawn(
        format!("{server:?} {}", server_role.arg()),
        &ns_b,
        &command(server, server_role, None, &serve),
        Who::Server,
        tx.clone(),
    );
    let mut d = Proc::spawn(
        format!("{driver:?} {}", driver_role.arg()),
        &ns_a,
        &command(driver, driver_role, Some(case), &[]),
        Who::Driver,
        tx,
    );
    let deadline = Instant::now() + Duration::from_secs(PEER_TIMEOUT_S + 15);
    let (offerer, answerer) = match driver_role {
        Role::Offer => (Who::Driver, Who::Server),
        Role::Answer => (Who::Server, Who::Driver),
    };
    let mut offer = String::new();
    let mut answer = String::new();
    let mut result = serde_json::Value::Null;
    let mut driver_done = false;
    let mut server_out = Vec::new();
    while !driver_done {
        let line = match next_line(&rx, deadline) {
            Some(l) => l,
            None => break,
        };
        match line {
            Line::Stdout(who, text) if who == offerer && offer.is_empty() => {
                offer = text;
                let to = if answerer == Who::Driver {
                    &mut d
                } else {
                    &mut s
                };
                to.write_line(&offer);
            }
            Line::Stdout(who, text) if who == answerer && answer.is_empty() => {
                answer = if case == "wrong-fingerprint" {
                    corrupt_fingerprint(&text)
                } else {
                    text
                };
                let to = if offerer == Who::Driver {
                    &mut d
                } else {
                    &mut s
                };
                to.write_line(&answer);
            }
            Line::Stdout(Who::Driver, text) => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                match v["type"].as_str() {
                    Some("ready") => {
                        s.write_line(BYE);
                        s.close_stdin();
                    }
                    Some("result") => {
                        result = v;
                        driver_done = true;
                    }
                    _ => {}
                }
            }
            Line::Stdout(Who::Server, text) => server_out.push(text),
            Line::Eof(Who::Driver) => driver_done = true,
            Line::Eof(Who::Server) => {}
        }
    }
    let driver_exit = d.wait(deadline);
    // The serving side must notice the end of the connection by itself. After a wrong
    // fingerprint, an answerer whose own handshake succeeded may only learn it from consent
    // freshness (RFC 7675: 30 s without a response).
    let grace = if case == "wrong-fingerprint" { 45 } else { 15 };
    let server_exit = s.wait(Instant::now() + Duration::from_secs(grace));
    Outcome {
        result,
        driver_exit,
        server_exit,
        driver_stderr: d.stderr(),
        server_stderr: s.stderr(),
        offer,
        answer,
    }
}

fn next_line(rx: &Receiver<Line>, deadline: Instant) -> Option<Line> {
    rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// Runs `case` and asserts what the case means: the driver's checks passed and both sides exited
/// 0, or for `wrong-fingerprint` that the connection failed on both sides.
pub fn check(driver: Impl, driver_role: Role, server: Impl, case: &str) {
    let t0 = Instant::now();
    let out = run(driver, driver_role, server, case);
    let report = out.report();
    eprintln!(
        "{case}: {driver:?} ({}) ↔ {server:?} in {:.1} s: driver exit {:?}, server exit {:?}",
        driver_role.arg(),
        t0.elapsed().as_secs_f64(),
        out.driver_exit,
        out.server_exit
    );
    assert_eq!(
        out.result["ok"], true,
        "the driver's checks failed: {report}"
    );
    assert_eq!(out.driver_exit, Some(0), "driver exit: {report}");
    if case == "wrong-fingerprint" {
        assert!(
            matches!(out.server_exit, Some(c) if c != 0),
            "the serving side must fail on a wrong fingerprint: {report}"
        );
        if server == Impl::Sansrtc {
            let reason = out.server_stderr.trim();
            assert!(!reason.is_empty(), "sansrtc gave no reason: {report}");
            if driver_role == Role::Answer {
                // sansrtc got the corrupted answer: it is the one that must detect it.
                assert!(
                    reason.to_lowercase().contains("fingerprint"),
                    "sansrtc must say it was the fingerprint: {report}"
                );
            }
        }
    } else {
        assert_eq!(out.server_exit, Some(0), "server exit: {report}");
    }
}

/// Generates one `#[test]` per case for `driver` against `server`, with the driver in `role`.
#[macro_export]
macro_rules! interop_cases {
    ($module:ident, $driver:expr, $role:expr, $server:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::peers::Impl::*;
            use super::peers::{Role, check};
            fn go(case: &str) {
                check($driver, $role, $server, case);
            }
            #[test]
            fn echo_1000_messages_0b_1b_16k_256k_text_and_binary() {
                go("echo");
            }
            #[test]
            fn unordered_channel() {
                go("unordered");
            }
            #[test]
            fn max_retransmits_0_channel() {
                go("max-retransmits-0");
            }
            #[test]
            fn five_channels_at_once() {
                go("five-channels");
            }
            #[test]
            fn negotiated_channel() {
                go("negotiated");
            }
            #[test]
            fn close_from_driver() {
                go("close-local");
            }
            #[test]
            fn close_from_server() {
                go("close-remote");
            }
            #[test]
            fn wrong_fingerprint_in_answer_fails() {
                go("wrong-fingerprint");
            }
        }
    };
}
