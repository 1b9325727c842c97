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
        &chromium(&[
            "--role",
            "answer",
            "--receive",
            "--duration",
            &secs,
            "--min-frames",
            "60",
        ]),
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

/// What one save-to-disk run produced.
struct Saved {
    chromium: serde_json::Value,
    stats: serde_json::Value,
    video: media::Probe,
    audio: media::Probe,
    video_errors: String,
    audio_errors: String,
}

/// Chromium (namespace A) offers its fake camera and microphone; `sansrtc save-to-disk`
/// (namespace B) answers and writes the files; ffprobe and ffmpeg read them.
fn save_from_chromium(name: &str, codec: &str, drop_every: Option<u32>) -> Saved {
    save_from_chromium_as(name, codec, drop_every, false)
}

/// The same; `sansrtc_offers`: `save-to-disk --offer` offers receive-only sections and
/// Chromium answers with its camera.
fn save_from_chromium_as(
    name: &str,
    codec: &str,
    drop_every: Option<u32>,
    sansrtc_offers: bool,
) -> Saved {
    let (a, b) = namespaces();
    let dir = media::scratch(name);
    let ext = if codec == "H264" { "h264" } else { "ivf" };
    let (video, audio) = (
        dir.join(format!("camera.{ext}")),
        dir.join("microphone.ogg"),
    );
    let secs = DURATION.to_string();
    let mut browser = Proc::spawn(
        "chromium --send",
        &a,
        &chromium(&[
            "--role",
            if sansrtc_offers { "answer" } else { "offer" },
            "--send",
            "--codec",
            codec,
            "--duration",
            &secs,
        ]),
    );
    let drop = drop_every.map(|n| n.to_string());
    let mut args = vec![
        "save-to-disk",
        "--video",
        video.to_str().unwrap(),
        "--audio",
        audio.to_str().unwrap(),
        "--timeout",
        "45",
    ];
    if let Some(n) = &drop {
        args.extend(["--drop-every", n]);
    }
    if sansrtc_offers {
        args.push("--offer");
    }
    let mut saver = Proc::spawn("sansrtc save-to-disk", &b, &media::sansrtc(&args));
    let deadline = Instant::now() + Duration::from_secs(90);
    if sansrtc_offers {
        exchange(&mut saver, &mut browser, deadline);
    } else {
        exchange(&mut browser, &mut saver, deadline);
    }
    let chromium = browser.next_json("result", deadline);
    let browser_exit = browser.wait(deadline);
    // Chromium closed its connection: the saver notices, finishes the files and prints its
    // statistics. (End of stdin would end it too.)
    let stats = saver.next_json("stats", Instant::now() + Duration::from_secs(20));
    let saver_exit = saver.wait(Instant::now() + Duration::from_secs(10));
    let saver_err = saver.stderr();
    eprintln!("chromium: {chromium:?}\nsansrtc: {stats:?}\n--- sansrtc stderr\n{saver_err}");
    let chromium =
        chromium.unwrap_or_else(|| panic!("no result from Chromium: {}", browser.stderr()));
    assert_eq!(chromium["ok"], true, "{chromium}");
    assert_eq!(browser_exit, Some(0));
    let stats = stats.unwrap_or_else(|| panic!("no stats line from sansrtc:\n{saver_err}"));
    assert_eq!(saver_exit, Some(0), "{saver_err}");
    let saved = Saved {
        video: media::probe(&video),
        audio: media::probe(&audio),
        video_errors: media::decode_errors(&video),
        audio_errors: media::decode_errors(&audio),
        chromium,
        stats,
    };
    eprintln!(
        "ffprobe: {:?}\nffprobe: {:?}",
        Saved::short(&saved.video),
        Saved::short(&saved.audio)
    );
    let _ = std::fs::remove_dir_all(&dir);
    saved
}

impl Saved {
    fn short(p: &media::Probe) -> String {
        format!(
            "{} {} frames {}x{} {:.2} s",
            p.codec, p.frames, p.width, p.height, p.duration
        )
    }

    /// The checks every save-to-disk run must pass: the codecs, a frame count that fits the
    /// duration and what Chromium sent, a clean decode, no gap in the video timestamps.
    fn check(&self, codec: &str) {
        let sent = self.chromium["stats"]["video"]["framesSent"]
            .as_u64()
            .unwrap();
        let fps = self.chromium["stats"]["video"]["framesPerSecond"]
            .as_f64()
            .unwrap_or(20.0);
        assert_eq!(self.video.codec, codec.to_lowercase(), "{self:?}");
        assert_eq!(self.audio.codec, "opus");
        // Chromium's fake camera runs at 20-30 fps; at least 12 fps over the run's duration
        // less a second, and all but a few of the frames Chromium reports sent.
        assert!(
            self.video.frames >= 12 * (DURATION - 1) && self.video.frames * 10 >= sent * 9,
            "{} video frames decoded, Chromium sent {sent} at {fps} fps",
            self.video.frames
        );
        assert_eq!(
            self.video.frames,
            self.stats["video"]["frames"].as_u64().unwrap(),
            "ffmpeg decodes every frame written"
        );
        // The fake camera is 640x480; Chromium's encoder may start lower while its bandwidth
        // estimate ramps up (qualityLimitationReason "bandwidth"), at one of its scaling steps
        // (3/4, 1/2, ...), and the file's size is that of its first key frame. Any of those is
        // the camera's picture; anything else is not.
        let (w, h) = (self.video.width, self.video.height);
        assert!(
            [(640, 480), (480, 360), (320, 240), (240, 180), (160, 120)].contains(&(w, h)),
            "{w}x{h} is not the 640x480 camera or one of Chromium's downscales of it"
        );
        // 20 ms Opus packets: 50 per second.
        assert!(
            self.audio.frames >= 40 * (DURATION - 1),
            "{} audio frames",
            self.audio.frames
        );
        assert!(
            self.video_errors.trim().is_empty(),
            "video decode: {}",
            self.video_errors
        );
        assert!(
            self.audio_errors.trim().is_empty(),
            "audio decode: {}",
            self.audio_errors
        );
        let gaps: Vec<f64> = self.video.pts.windows(2).map(|w| w[1] - w[0]).collect();
        let widest = gaps.iter().copied().fold(0.0, f64::max);
        assert!(widest < 0.25, "a {widest:.3} s gap between video frames");
        assert_eq!(
            self.stats["video"]["skipped_waiting_for_keyframe"], 0,
            "{}",
            self.stats
        );
        assert_eq!(self.stats["video"]["discontinuities"], 0, "{}", self.stats);
    }
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} / {} / {}",
            Saved::short(&self.video),
            Saved::short(&self.audio),
            self.stats
        )
    }
}

/// `save-to-disk` writes Chromium's VP8 to IVF and its Opus to Ogg; ffmpeg decodes both.
#[test]
fn save_to_disk_writes_chromium_vp8_and_opus() {
    save_from_chromium("save-vp8", "VP8", None).check("VP8");
}

/// Every 20th RTP packet from Chromium is dropped before sansrtc's peer: sansrtc NACKs the
/// video gaps (RFC 4585 §6.2.1), Chromium retransmits over RTX (RFC 4588), and the file still
/// has every frame (no discontinuity, no skipped frame, no timestamp gap, a clean decode).
/// Opus is not retransmitted by browsers: its lost packets become concealment packets (RFC
/// 7845 §4.1), so the audio has no gap either.
#[test]
fn save_to_disk_repairs_every_20th_packet_lost_with_nack_and_rtx() {
    let s = save_from_chromium("save-vp8-loss", "VP8", Some(20));
    s.check("VP8");
    let rtp = &s.stats["video"]["rtp"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    // The hook drops every 20th media packet of both kinds; Chromium's bandwidth estimate
    // lowers the video rate under that loss, so a few video packets over the run.
    let dropped = n(&rtp["packets_dropped_for_testing"])
        + n(&s.stats["audio"]["rtp"]["packets_dropped_for_testing"]);
    assert!(
        dropped >= 10 && n(&rtp["packets_dropped_for_testing"]) >= 3,
        "{}",
        s.stats
    );
    assert!(n(&rtp["nacks_sent"]) > 0, "sansrtc sent no NACK: {rtp}");
    assert!(
        n(&rtp["retransmitted_packets_received"]) > 0,
        "no retransmission arrived: {rtp}"
    );
    let out = &s.chromium["stats"]["video"];
    assert!(n(&out["nackCount"]) > 0, "Chromium saw no NACK: {out}");
    assert!(
        n(&out["retransmittedPacketsSent"]) > 0,
        "Chromium retransmitted nothing: {out}"
    );
    let audio = &s.stats["audio"];
    assert!(
        n(&audio["concealed_samples"]) <= n(&audio["rtp"]["packets_dropped_for_testing"]) * 960,
        "{audio}"
    );
}

/// The same with H.264 to a .h264 file, where this Chromium offers H.264.
#[test]
fn save_to_disk_writes_chromium_h264() {
    if !media::chromium_offer_codecs().iter().any(|c| c == "H264") {
        eprintln!("SKIPPED: this Chromium build offers no H.264");
        return;
    }
    save_from_chromium("save-h264", "H264", None).check("H264");
}

/// `sansrtc play-from-disk` (namespace B) offers a clip ffmpeg made from its testsrc pattern;
/// Chromium (namespace A) answers, plays it, and its getStats must show the frames decoded.
fn play_to_chromium(name: &str, codec: &str) -> serde_json::Value {
    play_to_chromium_as(name, codec, true)
}

/// The same; `!sansrtc_offers`: Chromium offers receive-only sections and
/// `play-from-disk --answer` answers.
fn play_to_chromium_as(name: &str, codec: &str, sansrtc_offers: bool) -> serde_json::Value {
    let (a, b) = namespaces();
    let dir = media::scratch(name);
    let clip = dir.join(if codec == "H264" {
        "clip.h264"
    } else {
        "clip.ivf"
    });
    let tone = dir.join("tone.ogg");
    let pattern = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x480:rate=30",
        "-t",
        "3",
    ];
    let clip_s = clip.to_str().unwrap();
    if codec == "H264" {
        let enc = [
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-profile:v",
            "baseline",
            "-g",
            "30",
            "-bf",
            "0",
        ];
        media::ffmpeg(&[&pattern[..], &enc[..], &[clip_s]].concat());
    } else {
        let enc = [
            "-c:v",
            "libvpx",
            "-b:v",
            "1M",
            "-g",
            "30",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
        ];
        media::ffmpeg(&[&pattern[..], &enc[..], &[clip_s]].concat());
    }
    media::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=3",
        "-c:a",
        "libopus",
        "-b:a",
        "32k",
        tone.to_str().unwrap(),
    ]);
    let secs = DURATION.to_string();
    // 30 fps for the run, less the first second (connection, first key frame).
    let min_frames = (30 * (DURATION - 1) * 3 / 4).to_string();
    let mut args = vec![
        "play-from-disk",
        "--video",
        clip_s,
        "--audio",
        tone.to_str().unwrap(),
        "--timeout",
        "45",
    ];
    if !sansrtc_offers {
        args.push("--answer");
    }
    let mut player = Proc::spawn("sansrtc play-from-disk", &b, &media::sansrtc(&args));
    let mut browser = Proc::spawn(
        "chromium --receive",
        &a,
        &chromium(&[
            "--role",
            if sansrtc_offers { "answer" } else { "offer" },
            "--receive",
            "--codec",
            codec,
            "--duration",
            &secs,
            "--min-frames",
            &min_frames,
        ]),
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    if sansrtc_offers {
        exchange(&mut player, &mut browser, deadline);
    } else {
        exchange(&mut browser, &mut player, deadline);
    }
    let result = browser.next_json("result", deadline);
    let browser_exit = browser.wait(deadline);
    let stats = player.next_json("stats", Instant::now() + Duration::from_secs(20));
    let player_exit = player.wait(Instant::now() + Duration::from_secs(10));
    let err = player.stderr();
    eprintln!("chromium: {result:?}\nsansrtc: {stats:?}\n--- sansrtc stderr\n{err}");
    let result = result.unwrap_or_else(|| panic!("no result from Chromium: {}", browser.stderr()));
    assert_eq!(result["ok"], true, "{result}");
    assert_eq!(browser_exit, Some(0));
    assert_eq!(player_exit, Some(0), "{err}");
    let v = &result["stats"]["video"];
    assert_eq!(v["frameWidth"], 640, "{v}");
    assert!(v["keyFramesDecoded"].as_u64().unwrap_or(0) >= 1, "{v}");
    // No decode error: Chromium asks for a key frame (PLI) when a frame fails to decode.
    assert_eq!(v["pliCount"], 0, "{v}");
    let audio = &result["stats"]["audio"];
    assert!(
        audio["packetsReceived"].as_u64().unwrap_or(0) >= 40 * (DURATION - 1),
        "{audio}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    result
}

#[test]
fn play_from_disk_vp8_ivf_is_decoded_by_chromium() {
    play_to_chromium("play-vp8", "VP8");
}

#[test]
fn play_from_disk_h264_is_decoded_by_chromium() {
    if !media::chromium_offer_codecs().iter().any(|c| c == "H264") {
        eprintln!("SKIPPED: this Chromium build offers no H.264");
        return;
    }
    play_to_chromium("play-h264", "H264");
}

/// `save-to-disk --offer`: sansrtc offers receive-only audio and video, Chromium answers with
/// its camera and microphone (the other DTLS and ICE roles).
#[test]
fn save_to_disk_offers_and_chromium_answers_with_its_camera() {
    save_from_chromium_as("save-offer", "VP8", None, true).check("VP8");
}

/// `play-from-disk --answer`: Chromium offers to receive, sansrtc answers with the clip.
#[test]
fn play_from_disk_answers_chromium_offer() {
    play_to_chromium_as("play-answer", "VP8", false);
}
