//! The harness of the media interop tests: two peer processes, each in one of the network
//! namespaces of tests/interop/netns_setup.sh, with their session descriptions relayed between
//! them (the `sansrtc offer` / `answer` contract: one JSON line each way), then their further
//! stdout lines collected; and ffprobe/ffmpeg checks of the files a peer wrote.
//!
//! Environment (tests/interop/run.sh sets it): `SANSRTC_BIN`, `NODE_PATH` with playwright-core,
//! `INTEROP_NS_A`/`INTEROP_NS_B`.

#![allow(dead_code)] // each test target uses part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

pub use crate::peers::{dir, namespaces, sansrtc_bin};

/// A peer process in a namespace (its own process group, killed with it on drop).
pub struct Proc {
    pub name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Option<String>>,
    stderr: Option<thread::JoinHandle<String>>,
    /// Every stdout line seen so far.
    pub seen: Vec<String>,
}

impl Proc {
    /// Starts `argv` in `netns`.
    pub fn spawn(name: &str, netns: &str, argv: &[String]) -> Proc {
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
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(Some(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(None);
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        Proc {
            name: name.to_string(),
            stdin: child.stdin.take(),
            child,
            lines,
            stderr: Some(stderr),
            seen: Vec::new(),
        }
    }

    /// The next stdout line before `deadline` (`None`: end of output or deadline).
    pub fn next_line(&mut self, deadline: Instant) -> Option<String> {
        let line = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()
            .flatten()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// The next stdout line that is a JSON object with `"type": kind`.
    pub fn next_json(&mut self, kind: &str, deadline: Instant) -> Option<serde_json::Value> {
        loop {
            let line = self.next_line(deadline)?;
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                && v["type"] == kind
            {
                return Some(v);
            }
        }
    }

    pub fn write_line(&mut self, line: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = writeln!(stdin, "{line}").and_then(|()| stdin.flush());
        }
    }

    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the exit until `deadline`; kills the process group after it (`None`).
    pub fn wait(&mut self, deadline: Instant) -> Option<i32> {
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

    /// Everything the process wrote to stderr (after it exited).
    pub fn stderr(&mut self) -> String {
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

/// Relays the offer line of `offerer` to `answerer` and the answer back. Returns both.
pub fn exchange(offerer: &mut Proc, answerer: &mut Proc, deadline: Instant) -> (String, String) {
    let offer = first_description(offerer, "offer", deadline);
    answerer.write_line(&offer);
    let answer = first_description(answerer, "answer", deadline);
    offerer.write_line(&answer);
    (offer, answer)
}

fn first_description(p: &mut Proc, kind: &str, deadline: Instant) -> String {
    loop {
        let Some(line) = p.next_line(deadline) else {
            let code = p.wait(Instant::now() + Duration::from_secs(2));
            let stderr = p.stderr();
            panic!(
                "{} gave no {kind} (exit {code:?}); stdout {:?}\nstderr:\n{stderr}",
                p.name, p.seen
            );
        };
        if line.contains(&format!("\"type\":\"{kind}\"")) {
            return line;
        }
    }
}

/// The Chromium media page (chromium_media.js) with these arguments.
pub fn chromium(args: &[&str]) -> Vec<String> {
    let mut v = vec![
        "node".to_string(),
        dir().join("chromium_media.js").display().to_string(),
    ];
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// The `sansrtc` binary with these arguments.
pub fn sansrtc(args: &[&str]) -> Vec<String> {
    let mut v = vec![sansrtc_bin().display().to_string()];
    v.extend(args.iter().map(|s| s.to_string()));
    v
}

/// The video codecs (rtpmap names) in an offer of this Chromium.
pub fn chromium_offer_codecs() -> Vec<String> {
    let (ns, _) = namespaces();
    let mut p = Proc::spawn(
        "chromium --offer-codecs",
        &ns,
        &chromium(&["--offer-codecs"]),
    );
    let v = p
        .next_json("codecs", Instant::now() + Duration::from_secs(60))
        .unwrap_or_else(|| panic!("no codec list: {}", p.stderr()));
    v["video"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// A scratch directory for one test's files.
pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sansrtc-media-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs ffmpeg (quiet) and asserts it succeeded.
pub fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg (tests/interop/run.sh installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What ffprobe says about the first stream of a file.
#[derive(Debug, Clone)]
pub struct Probe {
    pub codec: String,
    pub frames: u64,
    pub width: u64,
    pub height: u64,
    pub duration: f64,
    /// The packets' presentation timestamps in seconds, in file order.
    pub pts: Vec<f64>,
}

/// ffprobe -count_frames on `path` (decodes every frame).
pub fn probe(path: &Path) -> Probe {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames"])
        .args([
            "-show_entries",
            "stream=codec_name,nb_read_frames,width,height,duration:packet=pts_time",
        ])
        .args(["-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["streams"][0];
    let num = |x: &serde_json::Value| {
        x.as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .or_else(|| x.as_f64())
            .unwrap_or(0.0)
    };
    Probe {
        codec: s["codec_name"].as_str().unwrap_or_default().to_string(),
        frames: num(&s["nb_read_frames"]) as u64,
        width: s["width"].as_u64().unwrap_or(0),
        height: s["height"].as_u64().unwrap_or(0),
        duration: num(&s["duration"]),
        pts: v["packets"]
            .as_array()
            .map(|a| a.iter().map(|p| num(&p["pts_time"])).collect())
            .unwrap_or_default(),
    }
}

/// Decodes the whole file with ffmpeg and returns what it complained about (empty: a clean
/// decode). `-xerror` is not used so that every complaint is listed.
pub fn decode_errors(path: &Path) -> String {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let mut s = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        s.push_str(&format!("\nffmpeg exit {:?}", out.status.code()));
    }
    s
}
