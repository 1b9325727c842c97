//! `sansrtc serve` visited by headless Chromium (Playwright): the page connects to the Rust peer
//! (offer by HTTP POST, answer in the response), the Rust peer's greeting appears in the chat,
//! a line typed in the page shows up on the server's stdout, a line typed into the server's
//! terminal shows up in the page, and the echo channel's round trip is displayed. Both run in
//! namespace A (its veth gives Chromium an interface to gather on; its mDNS obfuscation stays
//! on, so the server sees the browser as a peer-reflexive candidate).
//!
//! Run through tests/interop/run.sh.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod peers;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn forward<R: std::io::Read + Send + 'static>(
    r: R,
    tag: &'static str,
    tx: mpsc::Sender<(&'static str, String)>,
) {
    thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send((tag, line)).is_err() {
                break;
            }
        }
    });
}

/// Kills the process when the test ends, passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_browser_chats_with_the_rust_peer_through_the_served_page() {
    let (ns, _) = peers::namespaces();
    let server = Command::new("ip")
        .args(["netns", "exec", &ns])
        .arg(peers::sansrtc_bin())
        .args(["serve", "--port", "8080"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = KillOnDrop(server);
    let (tx, rx) = mpsc::channel();
    forward(server.0.stdout.take().unwrap(), "server", tx.clone());
    forward(server.0.stderr.take().unwrap(), "server-err", tx.clone());
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    // Lines of the two processes interleave: look among those already seen first.
    let wait_for = |what: &str,
                    rx: &mpsc::Receiver<(&'static str, String)>,
                    seen: &mut Vec<(&'static str, String)>| {
        if let Some(hit) = seen.iter().find(|(_, l)| l.contains(what)) {
            return hit.clone();
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (tag, line) = rx.recv_timeout(left).unwrap_or_else(|_| {
                let all: Vec<String> = seen.iter().map(|(t, l)| format!("{t}: {l}")).collect();
                panic!("waiting for {what:?}; seen:\n{}", all.join("\n"))
            });
            seen.push((tag, line.clone()));
            if line.contains(what) {
                return (tag, line);
            }
        }
    };
    wait_for("open http://", &rx, &mut seen);

    let screenshot = std::env::temp_dir().join("sansrtc-serve.png");
    let page = Command::new("ip")
        .args(["netns", "exec", &ns, "node"])
        .arg(peers::dir().join("serve_page.js"))
        .args(["--url", "http://127.0.0.1:8080/", "--screenshot"])
        .arg(&screenshot)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut page = KillOnDrop(page);
    forward(page.0.stdout.take().unwrap(), "page", tx);

    let (_, ready) = wait_for(r#""type":"ready""#, &rx, &mut seen);
    assert!(ready.contains("ready"));
    let stdin = server.0.stdin.as_mut().unwrap();
    writeln!(stdin, "hello from the terminal").unwrap();
    stdin.flush().unwrap();
    let (tag, line) = wait_for("browser 1: hello from the browser", &rx, &mut seen);
    assert_eq!(
        tag, "server",
        "the browser's line goes to the server's stdout: {line}"
    );
    let (_, result) = wait_for(r#""type":"result""#, &rx, &mut seen);
    let status = page.0.wait().unwrap();
    assert!(result.contains(r#""ok":true"#), "{result}\n{seen:?}");
    assert!(status.success());
    eprintln!("{result}\nscreenshot: {}", screenshot.display());
}
