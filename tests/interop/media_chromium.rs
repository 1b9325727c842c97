//! Audio and video between headless Chromium (fake camera and microphone) and the `sansrtc`
//! media demos, in the network namespaces of netns_setup.sh:
//!
//! - the harness itself first, Chromium → Chromium, so a page bug is not taken for ours;
//! - `sansrtc save-to-disk` answers Chromium's VP8 + Opus offer and writes IVF and Ogg Opus,
//!   which ffprobe/ffmpeg decode with the expected codecs and frame counts; with every 20th
//!   incoming RTP packet dropped before the peer, NACKs and RTX repair every frame;
//! - `sansrtc play-from-disk` sends an ffmpeg testsrc clip (VP8 IVF, and H.264 where this
//!   Chromium offers it) that Chromium decodes (getStats framesDecoded).
//!
//! Run through tests/interop/run.sh (installs chromium, playwright-core and ffmpeg, builds the
//! binary).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod media;
mod peers;

use std::time::{Duration, Instant};

use media::{Proc, chromium, exchange, namespaces};

/// Seconds each media run lasts once connected.
const DURATION: u64 = 5;

/// The page is sound: Chromium's fake camera reaches another Chromium, which decodes it.
#[test]
fn harness_chromium_sends_vp8_and_opus_to_chromium() {
    let (a, b) = namespaces();
    let secs = DURATION.to_string();
    let mut sender = Proc::spawn(
        "chromium --send",
        &a,
        &chromium(&["--role", "offer", "--send", "--duration", &secs]),
    );
    let mut receiver = Proc::spawn(
        "chromium --receive",
        &b,
        &chromium(&["--role", "answer", "--receive", "--duration", &secs, "--min-frames", "60"]),
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    exchange(&mut sender, &mut receiver, deadline);
    let sent = sender.next_json("result", deadline);
    let got = receiver.next_json("result", deadline);
    let (se, re) = (sender.wait(deadline), receiver.wait(deadline));
    eprintln!("sender: {sent:?}\nreceiver: {got:?}");
    let got = got.unwrap_or_else(|| panic!("receiver: {}", receiver.stderr()));
    assert_eq!(got["ok"], true, "{got}\n{}", receiver.stderr());
    assert_eq!(sent.unwrap()["ok"], true);
    assert_eq!((se, re), (Some(0), Some(0)));
}
